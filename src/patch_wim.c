/* patch_wim.c - apply a plan to the hives inside a WIM or ESD; see patch.h.
 *
 * One open, one extraction per (image, hive), one write per file: every
 * write appends a whole blob table, so writing per image would waste time
 * and space.  Each edited hive gets its own scratch directory, kept until
 * the write returns, because wimlib reads added files only while writing:
 * the edited hive itself (--plain-replace) or the scratch NTFS volume that
 * carries it back with its metadata (see wim_replace_file).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exitcode.h"
#include "fsutil.h"
#include "msg.h"
#include "patch.h"
#include "wim.h"

/* Which images the user selected with --image (all when none). */
static int select_images(struct wim *w, const struct patch_opts *o, bool *sel)
{
	int n = wim_image_count(w);

	for (int i = 1; i <= n; i++)
		sel[i] = o->n_images == 0;
	for (size_t k = 0; k < o->n_images; k++) {
		const char *s = o->images[k];
		char *end;
		long idx = strtol(s, &end, 10);
		if (*s && *end == '\0') {
			if (idx < 1 || idx > n) {
				msg_error("%s: no image %s (the WIM has %d image%s)", wim_path(w), s,
					  n, n == 1 ? "" : "s");
				return EXIT_INPUT;
			}
		} else if ((idx = wim_image_by_name(w, s)) == 0) {
			msg_error("%s: no image named \"%s\"", wim_path(w), s);
			return EXIT_INPUT;
		}
		sel[idx] = true;
	}
	return EXIT_OK;
}

/* Distinct hive paths among the rules, compared without case. */
static size_t distinct_hives(const struct rule *const *rules, size_t n, const char **out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j;
		for (j = 0; j < k; j++)
			if (strcasecmp(out[j], rules[i]->hive) == 0)
				break;
		if (j == k)
			out[k++] = rules[i]->hive;
	}
	return k;
}

struct pending {
	int image;
	char *stored;			/* hive path in the image */
	size_t rep_index;		/* fr->hives moves as it grows: keep an index */
	char *meta;			/* its metadata before, to verify it is kept
					   (NULL with --plain-replace) */
};

static int patch_one_hive(struct wim *w, const struct wim_image *img, const char *hive,
			  const struct rule *const *rules, size_t n_rules,
			  const struct patch_opts *o, const char *scratch, unsigned seq,
			  struct file_report *fr, struct pending *pend, size_t *n_pend)
{
	char *stored = NULL, *dir = NULL, *src = NULL, *dst = NULL, *where = NULL;
	int ret = EXIT_INTERNAL;

	int f = wim_find_file(w, img->index, hive, &stored);
	if (f < 0)
		return EXIT_INPUT;
	if (f == 0) {
		msg_error("%s: image %d \"%s\": no hive file %s in the image", wim_path(w),
			  img->index, img->name, hive);
		return EXIT_INPUT;
	}
	const char *base = strrchr(stored, '/') + 1;
	if (asprintf(&dir, "%s/%u", scratch, seq) < 0 ||
	    asprintf(&src, "%s/%s", dir, base) < 0 ||
	    asprintf(&dst, "%s/%s.new", dir, base) < 0 ||
	    asprintf(&where, "%s: image %d: %s", wim_path(w), img->index, stored + 1) < 0) {
		msg_error("out of memory");
		goto out;
	}
	if (mkdir(dir, 0700) < 0) {
		msg_error("%s: %s", dir, strerror(errno));
		ret = EXIT_WRITE;
		goto out;
	}
	msg_verbose("%s: extracting", where);
	if ((ret = wim_extract_file(w, img->index, stored, dir)) != EXIT_OK)
		goto out;
	ret = EXIT_INTERNAL;

	struct hive_report *rep = file_report_add(fr);
	if (!rep || !(rep->image_name = strdup(img->name)) || !(rep->hive = strdup(stored + 1)) ||
	    !(rep->reg_root = reg_root_for(stored))) {
		msg_error("out of memory");
		goto out;
	}
	rep->image = img->index;
	rep->role = img->role;
	struct hive *h;
	ret = hivefile_edit(src, rules, n_rules, where, o->allow_dirty, &rep->changes, &h);
	if (ret != EXIT_OK)
		goto out;
	if (!o->dry_run && rep->changes.n)
		ret = hivefile_write(h, dst, &rep->changes, where);
	hivefile_close(h);
	if (ret != EXIT_OK || o->dry_run || rep->changes.n == 0)
		goto out;
	char *meta = NULL;
	if (!o->plain_replace && !(meta = wim_file_metadata(w, img->index, stored))) {
		ret = EXIT_INPUT;
		goto out;
	}
	ret = wim_replace_file(w, img->index, dst, stored,
			       o->plain_replace ? WIM_REPLACE_PLAIN : WIM_REPLACE_KEEP_METADATA, dir);
	if (ret != EXIT_OK) {
		free(meta);
		goto out;
	}
	if (!o->plain_replace) {
		/* The scratch volume holds the data now. */
		unlink(src);
		unlink(dst);
	}
	pend[*n_pend].meta = meta;
	pend[*n_pend].image = img->index;
	pend[*n_pend].stored = stored;
	pend[*n_pend].rep_index = fr->n_hives - 1;
	(*n_pend)++;
	stored = NULL;
out:
	free(stored);
	free(dir);
	free(src);
	free(dst);
	free(where);
	return ret;
}

/* Open what was written and check every edit is in it, as a reader would
 * see it: a fresh open, a fresh extraction, a fresh hive parse. */
static int verify_written(const char *written, const struct pending *pend, size_t n_pend, const struct file_report *fr,
			  int image_count, int boot_index, const char *scratch)
{
	struct wim *w = wim_open(written, false);
	int ret = EXIT_OK;

	if (!w)
		return EXIT_WRITE;
	if (wim_image_count(w) != image_count || wim_boot_index(w) != boot_index) {
		msg_error("%s: verification failed: image count or boot index changed", written);
		wim_close(w);
		return EXIT_WRITE;
	}
	for (size_t i = 0; i < n_pend && ret == EXIT_OK; i++) {
		char *dir = NULL, *file = NULL, *where = NULL;
		const char *base = strrchr(pend[i].stored, '/') + 1;
		if (asprintf(&dir, "%s/verify-%zu", scratch, i) < 0 ||
		    asprintf(&file, "%s/%s", dir, base) < 0 ||
		    asprintf(&where, "%s: image %d: %s", written, pend[i].image,
			     pend[i].stored + 1) < 0) {
			msg_error("out of memory");
			ret = EXIT_INTERNAL;
		} else if (mkdir(dir, 0700) < 0 ||
			   wim_extract_file(w, pend[i].image, pend[i].stored, dir) != EXIT_OK) {
			msg_error("%s: verification failed: cannot extract the written hive", where);
			ret = EXIT_WRITE;
		} else {
			ret = hivefile_verify(file, &fr->hives[pend[i].rep_index].changes, where,
					      false);
		}
		if (ret == EXIT_OK && pend[i].meta) {
			char *now = wim_file_metadata(w, pend[i].image, pend[i].stored);
			if (!now || strcmp(now, pend[i].meta) != 0) {
				msg_error("%s: verification failed: the hive's metadata (security "
					  "descriptor, attributes, short name, named streams, links or "
					  "times) changed", where);
				ret = EXIT_WRITE;
			}
			free(now);
		}
		free(dir);
		free(file);
		free(where);
	}
	wim_close(w);
	return ret;
}

static int write_out(struct wim *w, const struct patch_opts *o, struct file_report *fr,
		     const struct pending *pend, size_t n_pend, const char *scratch)
{
	int images = wim_image_count(w), boot = wim_boot_index(w);

	if (!o->output) {
		msg_verbose("%s: writing %zu hive%s (append, then header)", wim_path(w), n_pend,
			    n_pend == 1 ? "" : "s");
		if (wim_commit_in_place(w) < 0)
			return EXIT_WRITE;
		int r = verify_written(wim_path(w), pend, n_pend, fr, images, boot, scratch);
		if (r == EXIT_OK)
			fr->status = FILE_WRITTEN;
		return r;
	}
	char *tmp = fs_temp_sibling(o->output);
	if (!tmp)
		return EXIT_WRITE;
	/* wimlib_write wants to create the file itself. */
	unlink(tmp);
	int r = wim_commit_to(w, tmp) < 0 ? EXIT_WRITE : EXIT_OK;
	if (r == EXIT_OK)
		r = verify_written(tmp, pend, n_pend, fr, images, boot, scratch);
	if (r == EXIT_OK && fs_commit_temp(tmp, o->output) < 0)
		r = EXIT_WRITE;
	if (r != EXIT_OK)
		fs_discard_temp(tmp);
	else
		free(tmp);
	if (r == EXIT_OK)
		fr->status = FILE_WRITTEN;
	return r;
}

/* In a tree, boot.wim is the setup environment and install.wim/esd the
 * installed system, whatever the XML says; a disagreement is worth a
 * warning (a renamed or rebuilt image), not a refusal. */
static void apply_role_hint(const char *path, struct wim_image *img, enum role hint)
{
	if (hint == ROLE_ANY)
		return;
	bool agrees = img->install_type && img->role == hint;
	if (img->install_type && !agrees)
		msg_warn("%s: image %d \"%s\": its XML says INSTALLATIONTYPE %s, but its place "
			 "in the tree makes it the %s image; using the tree's role",
			 path, img->index, img->name, img->install_type, role_name(hint));
	img->role = hint;
	img->role_source = agrees ? "tree, matching the XML" : "tree";
}

int patch_wim(const char *path, const struct patch_opts *o, struct file_report *fr)
{
	bool in_place = !o->dry_run && !o->output;
	struct wim *w = wim_open(path, in_place);
	char *scratch = NULL;
	bool *sel = NULL;
	struct pending *pend = NULL;
	const struct rule **rules = NULL;
	const char **hives = NULL;
	size_t n_pend = 0;
	unsigned seq = 0;
	int ret = EXIT_INTERNAL;

	fr->kind = "wim";
	fr->status = FILE_UNCHANGED;
	if (!w)
		return EXIT_INPUT;
	int n = wim_image_count(w);
	size_t nr = o->plan->n_rules;
	sel = calloc((size_t)n + 1, sizeof(*sel));
	rules = calloc(nr ? nr : 1, sizeof(*rules));
	hives = calloc(nr ? nr : 1, sizeof(*hives));
	/* At most one pending hive per (image, distinct hive). */
	pend = calloc((size_t)n * (nr ? nr : 1) + 1, sizeof(*pend));
	if (!sel || !rules || !hives || !pend) {
		msg_error("out of memory");
		goto out;
	}
	if ((ret = select_images(w, o, sel)) != EXIT_OK)
		goto out;
	if (!(scratch = fs_make_tempdir())) {
		ret = EXIT_WRITE;
		goto out;
	}

	for (int i = 1; i <= n && ret == EXIT_OK; i++) {
		struct wim_image img;
		if (!sel[i])
			continue;
		if (wim_image_get(w, i, &img) < 0) {
			ret = EXIT_INTERNAL;
			break;
		}
		apply_role_hint(path, &img, o->role_hint);
		msg_verbose("%s: image %d \"%s\": role %s (from %s)", path, i, img.name,
			    role_name(img.role), img.role_source);
		size_t k = 0;
		for (size_t r = 0; r < nr; r++) {
			const struct rule *ru = &o->plan->rules[r];
			bool m = rule_matches_image(ru, i, img.name, img.role);
			msg_verbose("%s: image %d: rule %s%s%s (%s:%d, role %s) %s", path, i,
				    ru->id ? "'" : "", ru->id ? ru->id : "", ru->id ? "'" : "",
				    ru->src_file, ru->src_line, role_name(ru->role),
				    m ? "applies" : "does not apply");
			if (m)
				rules[k++] = ru;
		}
		size_t nh = distinct_hives(rules, k, hives);
		for (size_t h = 0; h < nh && ret == EXIT_OK; h++) {
			/* The rules for this hive, in plan order. */
			const struct rule **sub = calloc(k, sizeof(*sub));
			size_t ns = 0;
			if (!sub) {
				msg_error("out of memory");
				ret = EXIT_INTERNAL;
				break;
			}
			for (size_t r = 0; r < k; r++)
				if (strcasecmp(rules[r]->hive, hives[h]) == 0)
					sub[ns++] = rules[r];
			ret = patch_one_hive(w, &img, hives[h], sub, ns, o, scratch, seq++, fr,
					     pend, &n_pend);
			free(sub);
		}
		wim_image_free(&img);
	}
	if (ret != EXIT_OK)
		goto out;

	if (file_report_changes(fr) == 0) {
		if (o->output && !o->dry_run) {
			char *tmp = fs_temp_sibling(o->output);
			if (!tmp || fs_copy_file(path, tmp) < 0 || fs_commit_temp(tmp, o->output) < 0) {
				fs_discard_temp(tmp);
				ret = EXIT_WRITE;
				goto out;
			}
			free(tmp);
			fr->status = FILE_COPIED;
		}
		goto out;
	}
	if (o->dry_run) {
		fr->status = FILE_PENDING;
		goto out;
	}
	ret = write_out(w, o, fr, pend, n_pend, scratch);
out:
	for (size_t i = 0; i < n_pend; i++) {
		free(pend[i].stored);
		free(pend[i].meta);
	}
	free(pend);
	free(hives);
	free(rules);
	free(sel);
	wim_close(w);
	fs_remove_tempdir(scratch);
	return ret;
}

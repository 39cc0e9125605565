/* patch_wim.c - apply a plan to the hives inside a WIM or ESD; see patch.h.
 *
 * One open, one extraction per (image, hive), one write per file: every
 * write appends a whole blob table, so writing per image would waste time
 * and space.  Each edited hive gets its own scratch directory, kept until
 * the write returns, because wimlib reads added files only while writing:
 * the edited hive itself (--plain-replace) or the scratch NTFS volume that
 * carries it back with its metadata (see wim_replace_file).  What a run
 * does is one work list (struct work), built before any hive is touched:
 * the prefetch of solid archives and the main loop both go through it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "util/fsutil.h"
#include "util/lock.h"
#include "util/path.h"
#include "util/msg.h"
#include "targets/hivelogs.h"
#include "targets/image_ops.h"
#include "targets/imagesel.h"
#include "targets/media.h"
#include "targets/readback.h"
#include "targets/targets.h"
#include "adapters/hive.h"
#include "adapters/wim.h"

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

/*
 * The work of a run: the selected images, each with the hives its rules
 * touch, in the order they are patched.  Built once (build_work), before
 * any hive is extracted; the prefetch (solid archives) and the main loop
 * go through the same list, so a hive prepared in advance is found in its
 * own entry.  Each hive has a scratch directory of its own.
 */
struct image_work {
	struct wim_image img;		/* its role as the tree hints it */
	bool xml_disagrees;		/* its XML gives another role than the tree */
	size_t first, n_hives;		/* its hives: work.hives[first...] */
};

struct hive_work {
	const struct image_work *iw;	/* its image */
	const char *hive;		/* the path as the rules give it */
	const struct rule **rules;	/* the rules for this hive, in plan order */
	size_t n_rules;
	char *dir;			/* its scratch directory: scratch/<index> */
	struct wim_keep *keep;		/* prepared in advance (prefetch), or NULL */
	/* What its edit left, for a later entry whose hive is the same blob
	 * with the same rules (find_twin): */
	unsigned char sha1[WIM_SHA1_LEN];	/* its blob before the edit */
	bool edited;			/* edited (or found unchanged) */
	size_t rep_index;		/* its report: fr->hives[rep_index] */
	size_t pend_index;		/* its pending entry, if written, or NO_PEND */
	struct wim_keep *done;		/* put back keeping its metadata */
	char *result;			/* --plain-replace: the edited hive (stays until
					   the write) */
};

struct work {
	struct image_work *images;
	size_t n_images;
	struct hive_work *hives;
	size_t n_hives;
	/* Another WIM than a solid one: the next hives are prepared in a
	 * thread while the main loop edits (prefetch), one job per entry. */
	struct wim_keep_job *jobs;
	struct wim_prefetch *pf;
};

/* Do the entries get the same rules, in the same order? */
static bool same_rules(const struct hive_work *a, const struct hive_work *b)
{
	if (a->n_rules != b->n_rules)
		return false;
	for (size_t r = 0; r < a->n_rules; r++)
		if (a->rules[r] != b->rules[r])
			return false;
	return true;
}

/* In a tree, boot.wim is the setup environment and install.wim/esd the
 * installed system, whatever the XML says; a disagreement is worth a
 * warning (a renamed or rebuilt image: announce_image gives it), not a
 * refusal.  Returns whether the XML disagrees. */
static bool apply_role_hint(struct wim_image *img, enum role hint)
{
	if (hint == ROLE_ANY)
		return false;
	bool agrees = img->install_type && img->role == hint;
	img->role = hint;
	img->role_source = agrees ? "tree, matching the XML" : "tree";
	return img->install_type && !agrees;
}

/* Append the entry for `hive` of image `iw`, with those of `rules` (the
 * image's) that are for it. */
static enum wp_err add_hive(struct work *wk, const struct image_work *iw, const char *hive,
			    const struct rule *const *rules, size_t n_rules, const char *scratch)
{
	struct hive_work *hw = &wk->hives[wk->n_hives];

	if (!(hw->rules = calloc(n_rules, sizeof(*hw->rules))) ||
	    asprintf(&hw->dir, "%s/%zu", scratch, wk->n_hives) < 0) {
		free(hw->rules);
		hw->rules = NULL;
		hw->dir = NULL;
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	hw->iw = iw;
	hw->hive = hive;
	hw->pend_index = NO_PEND;
	for (size_t r = 0; r < n_rules; r++)
		if (strcasecmp(rules[r]->hive, hive) == 0)
			hw->rules[hw->n_rules++] = rules[r];
	wk->n_hives++;
	return WP_OK;
}

/* The work list for the images selected in `sel`; scratch directories
 * are named, not made.  Says nothing but what fails (announce_image
 * explains each image when the main loop comes to it). */
static enum wp_err build_work(struct wim *w, const struct patch_opts *o, const bool *sel,
			      const char *scratch, struct work *wk)
{
	int n = wim_image_count(w);
	size_t nr = o->plan->n_rules;
	const struct rule **rules = calloc(nr ? nr : 1, sizeof(*rules));
	const char **hives = calloc(nr ? nr : 1, sizeof(*hives));
	enum wp_err ret = WP_ERR_INTERNAL;

	wk->images = calloc((size_t)n + 1, sizeof(*wk->images));
	/* At most one entry per (image, distinct hive). */
	wk->hives = calloc((size_t)n * (nr ? nr : 1) + 1, sizeof(*wk->hives));
	if (!rules || !hives || !wk->images || !wk->hives) {
		msg_error("out of memory");
		goto out;
	}
	for (int i = 1; i <= n; i++) {
		if (!sel[i])
			continue;
		struct image_work *iw = &wk->images[wk->n_images++];
		if ((ret = wim_image_get(w, i, &iw->img)) != WP_OK)
			goto out;
		if (!iw->img.install_type)
			iw->img.role = media_role_of_name(wim_path(w), &iw->img.role_source);
		iw->xml_disagrees = apply_role_hint(&iw->img, o->role_hint);
		size_t k = 0;
		for (size_t r = 0; r < nr; r++)
			if (rule_matches_image(&o->plan->rules[r], i, iw->img.name, iw->img.role))
				rules[k++] = &o->plan->rules[r];
		size_t nh = distinct_hives(rules, k, hives);
		iw->first = wk->n_hives;
		iw->n_hives = nh;
		for (size_t h = 0; h < nh; h++)
			if ((ret = add_hive(wk, iw, hives[h], rules, k, scratch)) != WP_OK)
				goto out;
	}
	ret = WP_OK;
out:
	free(rules);
	free(hives);
	return ret;
}

static void work_free(struct work *wk)
{
	wim_prefetch_end(wk->pf);
	free(wk->jobs);
	for (size_t i = 0; i < wk->n_hives; i++) {
		free(wk->hives[i].rules);
		free(wk->hives[i].dir);
		free(wk->hives[i].result);
		wim_keep_free(wk->hives[i].keep);
		wim_keep_free(wk->hives[i].done);
	}
	for (size_t i = 0; i < wk->n_images; i++)
		wim_image_free(&wk->images[i].img);
	free(wk->hives);
	free(wk->images);
	memset(wk, 0, sizeof(*wk));
}

/* What the run says about an image as the main loop comes to it: the
 * role hint's warning, and with -v its role and which rules apply. */
static void announce_image(const char *path, const struct image_work *iw,
			   const struct patch_opts *o)
{
	const struct wim_image *img = &iw->img;

	if (iw->xml_disagrees)
		msg_warn("%s: image %d \"%s\": its XML says INSTALLATIONTYPE %s, but its place "
			 "in the tree makes it the %s image; using the tree's role",
			 path, img->index, img->name, img->install_type, role_name(img->role));
	msg_verbose("%s: image %d \"%s\": role %s (from %s)", path, img->index, img->name,
		    role_name(img->role), img->role_source);
	for (size_t r = 0; r < o->plan->n_rules; r++) {
		const struct rule *ru = &o->plan->rules[r];
		bool m = rule_matches_image(ru, img->index, img->name, img->role);
		msg_verbose("%s: image %d: rule %s%s%s (%s:%d, role %s) %s", path, img->index,
			    ru->id ? "'" : "", ru->id ? ru->id : "", ru->id ? "'" : "",
			    ru->src_file, ru->src_line, role_name(ru->role),
			    m ? "applies" : "does not apply");
	}
}

/* How many rules apply to the selected images' hives, added to
 * o->n_applied in a medium; a WIM on its own to which none applies is
 * WP_ERR_NO_RULE (said), before anything is read or written. */
static enum wp_err count_applied(const char *path, const struct patch_opts *o,
				 const struct work *wk, const struct file_report *fr)
{
	size_t n = fr->editions.applies ? 1 : 0;	/* even if it keeps them all */

	for (size_t i = 0; i < wk->n_images; i++)
		n += image_ops_count(o, &wk->images[i].img);
	for (size_t i = 0; i < wk->n_hives; i++)
		n += wk->hives[i].n_rules;
	if (o->n_applied) {
		*o->n_applied += n;
		return WP_OK;
	}
	if (n)
		return WP_OK;
	for (size_t i = 0; i < wk->n_images; i++)
		announce_image(path, &wk->images[i], o);	/* -v: why none applies */
	msg_error("%s: no rule of the profiles applies to %s (-v says why each does not)", path,
		  o->n_images ? "the images selected" : "any of its images");
	return WP_ERR_NO_RULE;
}

/* The first entry that gets the same rules as `hw` (its index): entries
 * of one group whose hive is one blob get the same edit. */
static size_t rules_group(const struct work *wk, const struct hive_work *hw)
{
	const struct hive_work *t = wk->hives;
	for (; t < hw && !same_rules(t, hw); t++)
		;
	return (size_t)(t - wk->hives);
}

/*
 * Extracting a hive (decompressing it, writing it to a scratch volume) is
 * the longest step of a hive's edit; it is done in other threads, each
 * with a WIMStruct of its own, each prepared handle given to its hive's
 * entry (its copy of the data is <dir>/<name as the image spells it>,
 * where patch_one_hive looks).  Solid (ESD) archives, where it means
 * decompressing a chunk of up to 64 MiB, have every hive prepared up
 * front, in two threads (wim_keep_prepare_many, which looks the hives up
 * itself: no image is loaded here, so the threads' memory and the main
 * loop's do not add up).  Other WIMs have the next hive prepared in a
 * thread while the main loop edits one (wim_prefetch_start; the loop
 * takes each in turn, patch_one_hive).  Nothing is reported here: what
 * fails is left to the main loop, which does it again and says why.
 */
static void prefetch(struct wim *w, struct work *wk)
{
	struct wim_keep_job *jobs = calloc(wk->n_hives + 1, sizeof(*jobs));
	size_t nj = 0;

	for (size_t i = 0; jobs && i < wk->n_hives; i++) {
		struct hive_work *hw = &wk->hives[i];
		if (mkdir(hw->dir, 0700) < 0)
			break;
		jobs[nj].image = hw->iw->img.index;
		jobs[nj].path = hw->hive;
		jobs[nj].group = rules_group(wk, hw);
		jobs[nj].scratch = hw->dir;
		jobs[nj].max_size = HIVE_MAX_FILE;
		nj++;
	}
	if (!wim_is_solid(w)) {
		/* One job per entry, in its order, or none. */
		if (nj == wk->n_hives && (wk->pf = wim_prefetch_start(w, jobs, nj)) != NULL)
			wk->jobs = jobs;
		else
			free(jobs);
		return;
	}
	wim_keep_prepare_many(w, jobs, nj);
	for (size_t j = 0; j < nj; j++) {
		wk->hives[j].keep = jobs[j].keep;
		free(jobs[j].stored);
		free(jobs[j].copy);
	}
	free(jobs);
}

/* Make `path` a new, empty file.  0, or -1 after saying why. */
static int make_empty(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0 || close(fd) < 0) {
		msg_error("%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* The log `stored` beside an edited hive: noted in `rep` (its base block
 * read from a copy in `ldir`) and, unless a dry run or already empty,
 * queued to be replaced by an empty file, keeping its metadata unless
 * --plain-replace (hivelogs.h says why). */
static enum wp_err queue_log(struct wim *w, int image, const char *stored, const char *ldir,
			     const struct patch_opts *o, struct hive_report *rep, const char *where)
{
	char *copy = NULL, *name = NULL;
	enum wp_err ret;

	if ((ret = hivefile_check_wim_size(w, image, stored, where)) != WP_OK)
		return ret;
	if (mkdir(ldir, 0700) < 0) {
		msg_error("%s: %s", ldir, strerror(errno));
		return WP_ERR_WRITE;
	}
	if ((ret = wim_extract_file(w, image, stored, ldir)) != WP_OK)
		return ret;
	if (asprintf(&copy, "%s/%s", ldir, strrchr(stored, '/') + 1) < 0 ||
	    !(name = strdup(stored + 1))) {
		free(copy);
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	ret = hivelogs_note(rep, name, copy);
	unlink(copy);
	if (ret == WP_OK && !o->dry_run &&
	    strcmp(rep->logs[rep->n_logs - 1].action, "to empty") == 0) {
		ret = make_empty(copy) < 0 ? WP_ERR_WRITE
		      : wim_replace_file(w, image, copy, stored,
					 o->plain_replace ? WIM_REPLACE_PLAIN
							  : WIM_REPLACE_KEEP_METADATA, ldir);
	}
	free(copy);
	return ret;
}

/* The logs of the edited hive `hive` (as the rules name it) of `image`. */
static enum wp_err queue_logs(struct wim *w, int image, const char *hive, const char *dir,
			      const struct patch_opts *o, struct hive_report *rep, const char *where)
{
	enum wp_err ret = WP_OK;

	for (int i = 0; i < HIVE_LOGS_MAX && ret == WP_OK; i++) {
		char *path = NULL, *stored = NULL, *ldir = NULL;
		if (asprintf(&path, "%s%s", hive, hivelogs_suffix[i]) < 0 ||
		    asprintf(&ldir, "%s/log%d", dir, i) < 0) {
			msg_error("out of memory");
			ret = WP_ERR_INTERNAL;
		} else if ((ret = wim_find_file(w, image, path, &stored)) == WP_OK && stored) {
			ret = queue_log(w, image, stored, ldir, o, rep, where);
		}
		free(path);
		free(stored);
		free(ldir);
	}
	if (ret == WP_OK)
		hivelogs_say(where, rep);
	return ret;
}

/* The logs queued to be emptied are, once the WIM is committed. */
static void logs_emptied(struct file_report *fr)
{
	for (size_t i = 0; i < fr->n_hives; i++)
		for (size_t k = 0; k < fr->hives[i].n_logs; k++)
			if (strcmp(fr->hives[i].logs[k].action, "to empty") == 0)
				fr->hives[i].logs[k].action = "emptied";
}

/* An earlier entry of the work list whose hive is the same blob (SHA-1)
 * and gets the same rules: the edit is a function of those two alone
 * (hivefile_edit sees neither the image nor its name), so its result
 * serves this entry too.  NULL if none. */
static const struct hive_work *find_twin(const struct work *wk, const struct hive_work *hw)
{
	static const unsigned char none[WIM_SHA1_LEN];

	if (memcmp(hw->sha1, none, sizeof(none)) == 0)
		return NULL;
	for (const struct hive_work *t = wk->hives; t < hw; t++)
		if (t->edited && memcmp(t->sha1, hw->sha1, sizeof(hw->sha1)) == 0 &&
		    same_rules(t, hw))
			return t;
	return NULL;
}

/* The report of the entry `hw` for the hive `stored` of its image. */
static struct hive_report *add_report(struct file_report *fr, const struct hive_work *hw,
				      const char *stored)
{
	const struct wim_image *img = &hw->iw->img;
	struct hive_report *rep = file_report_add(fr);

	if (!rep || !(rep->image_name = strdup(img->name)) || !(rep->hive = strdup(stored + 1)) ||
	    !(rep->reg_root = reg_root_for(stored))) {
		msg_error("out of memory");
		return NULL;
	}
	rep->image = img->index;
	rep->role = img->role;
	return rep;
}

/* Put the edited data of the entry `tw` into `stored` of hw's image
 * (wim_keep_commit_again says how, with -v). */
static enum wp_err put_twin(struct wim *w, struct hive_work *hw, const struct hive_work *tw,
			    const struct patch_opts *o, const char *stored)
{
	int image = hw->iw->img.index;

	if (o->plain_replace)
		return wim_replace_file(w, image, tw->result, stored, WIM_REPLACE_PLAIN, hw->dir);
	return wim_keep_commit_again(w, tw->done, image, stored, hw->dir);
}

/*
 * The entry `hw` whose hive is that of the entry `tw` (find_twin): its
 * report gets a copy of tw's changes, its transaction logs are seen to as
 * any hive's, and tw's edited data goes into its image (pending, as
 * patch_one_hive does).
 */
static enum wp_err patch_twin(struct wim *w, struct hive_work *hw, const struct hive_work *tw,
			      const struct patch_opts *o, struct file_report *fr,
			      struct pending *pend, size_t *n_pend, char **stored, const char *where)
{
	int image = hw->iw->img.index;
	struct hive_report *rep = add_report(fr, hw, *stored);

	if (!rep)
		return WP_ERR_INTERNAL;
	const struct hive_report *trep = &fr->hives[tw->rep_index];
	msg_verbose("%s: the same hive as image %d's (the same data, the same rules): its edit "
		    "is reused", where, tw->iw->img.index);
	rep->was_dirty = trep->was_dirty;
	if (!changelist_copy(&rep->changes, &trep->changes)) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	hw->rep_index = fr->n_hives - 1;
	enum wp_err ret = WP_OK;
	if (rep->changes.n)
		ret = queue_logs(w, image, hw->hive, hw->dir, o, rep, where);
	if (ret != WP_OK || o->dry_run || rep->changes.n == 0)
		return ret;
	char *meta = NULL;
	if (!o->plain_replace && !(meta = wim_file_metadata(w, image, *stored)))
		return WP_ERR_INPUT;
	if ((ret = put_twin(w, hw, tw, o, *stored)) != WP_OK) {
		free(meta);
		return ret;
	}
	hw->pend_index = *n_pend;
	pend[*n_pend] = (struct pending){ .image = image, .stored = *stored,
					  .rep_index = hw->rep_index, .meta = meta,
					  .same_as = tw->pend_index };
	(*n_pend)++;
	*stored = NULL;
	return WP_OK;
}

/* One hive of the work list; its prepared handle, if any, is taken over. */
static int patch_one_hive(struct wim *w, struct work *wk, struct hive_work *hw,
			  const struct patch_opts *o, struct file_report *fr, struct pending *pend,
			  size_t *n_pend)
{
	const struct wim_image *img = &hw->iw->img;
	const char *dir = hw->dir;
	char *stored = NULL, *src = NULL, *dst = NULL, *where = NULL;
	struct wim_keep *keep = hw->keep;
	/* Keeping the hive's metadata, it goes through a scratch NTFS volume:
	 * extracted there once, and copied out to be edited. */
	bool keeping = !o->dry_run && !o->plain_replace;
	int ret = WP_ERR_INTERNAL;
	struct msg_where about = { .image = img->index, .hive = hw->hive };

	msg_where_push(&about);
	hw->keep = NULL;
	if (wk->pf)
		keep = wim_prefetch_take(wk->pf, (size_t)(hw - wk->hives));
	if ((ret = wim_find_file(w, img->index, hw->hive, &stored)) != WP_OK)
		goto out;
	if (!stored) {
		msg_error("%s: image %d \"%s\": no hive file %s in the image", wim_path(w),
			  img->index, img->name, hw->hive);
		ret = WP_ERR_INPUT;
		goto out;
	}
	ret = WP_ERR_INTERNAL;
	const char *base = strrchr(stored, '/') + 1;
	if (asprintf(&src, "%s/%s", dir, base) < 0 ||
	    asprintf(&dst, "%s/%s.new", dir, base) < 0 ||
	    asprintf(&where, "%s: image %d: %s", wim_path(w), img->index, stored + 1) < 0) {
		msg_error("out of memory");
		goto out;
	}
	if ((ret = hivefile_check_wim_size(w, img->index, stored, where)) != WP_OK)
		goto out;
	/* prefetch() may have made it. */
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		msg_error("%s: %s", dir, strerror(errno));
		ret = WP_ERR_WRITE;
		goto out;
	}
	if ((ret = wim_file_hash(w, img->index, stored, hw->sha1)) != WP_OK)
		goto out;
	wim_prefetch_known(wk->pf, (size_t)(hw - wk->hives), hw->sha1);
	const struct hive_work *twin = find_twin(wk, hw);
	if (twin) {
		ret = patch_twin(w, hw, twin, o, fr, pend, n_pend, &stored, where);
		goto out;
	}
	msg_verbose("%s: extracting%s", where, keep ? " (done in advance)" : "");
	ret = keep ? WP_OK
		   : keeping ? wim_keep_prepare(w, img->index, stored, dir, src, &keep)
			     : wim_extract_file(w, img->index, stored, dir);
	if (ret != WP_OK)
		goto out;
	ret = WP_ERR_INTERNAL;

	struct hive_report *rep = add_report(fr, hw, stored);
	if (!rep)
		goto out;
	hw->rep_index = fr->n_hives - 1;
	struct hive *h;
	rep->was_dirty = hivelogs_hive_dirty(src);
	ret = hivefile_edit(src, hw->rules, hw->n_rules, where, o->allow_dirty, &rep->changes, &h);
	if (ret != WP_OK)
		goto out;
	ret = hivefile_check_reg(o, &rep->changes, where);
	if (ret == WP_OK && !o->dry_run && rep->changes.n)
		ret = hivefile_write(h, dst, &rep->changes, where, false);	/* scratch */
	hivefile_close(h);
	hw->edited = ret == WP_OK;
	if (ret == WP_OK && rep->changes.n)
		ret = queue_logs(w, img->index, hw->hive, dir, o, rep, where);
	if (ret != WP_OK || o->dry_run || rep->changes.n == 0)
		goto out;
	char *meta = NULL;
	if (!o->plain_replace && !(meta = wim_file_metadata(w, img->index, stored))) {
		ret = WP_ERR_INPUT;
		goto out;
	}
	ret = keeping ? wim_keep_commit(w, keep, dst)
		      : wim_replace_file(w, img->index, dst, stored, WIM_REPLACE_PLAIN, dir);
	if (ret != WP_OK) {
		free(meta);
		goto out;
	}
	if (!o->plain_replace) {
		/* The scratch volume holds the data now (a twin's is added
		 * from there). */
		unlink(src);
		unlink(dst);
		hw->done = keep;
		keep = NULL;
	} else {
		hw->result = dst;	/* read while writing; a twin's too */
		dst = NULL;
	}
	hw->pend_index = *n_pend;
	pend[*n_pend] = (struct pending){ .image = img->index, .stored = stored,
					  .rep_index = hw->rep_index, .meta = meta,
					  .same_as = NO_PEND };
	(*n_pend)++;
	stored = NULL;
out:
	msg_where_pop(&about);
	wim_keep_free(keep);
	free(stored);
	free(src);
	free(dst);
	free(where);
	return ret;
}

/* A split set is written by splitting the patched WIM again, which
 * wimlib cannot do with solid resources: refuse those before any work. */
static enum wp_err check_splittable(struct wim *w)
{
	if (!wim_is_split(w))
		return WP_OK;
	return wim_check_splittable(w, wim_path(w),
				    "a split set is patched by splitting it again");
}

enum wp_err patch_wim_check_split(const char *path)
{
	struct wim *w = wim_open(path, false);
	int ret = w ? check_splittable(w) : WP_ERR_INPUT;
	wim_close(w);
	return ret;
}

/* The parts of a re-split set go where the old ones were (in place) or
 * are named after -o; none of the -o names may exist yet. */
static char **split_destinations(struct wim *w, const struct patch_opts *o, unsigned n_new)
{
	char **dst = calloc(n_new, sizeof(*dst));
	unsigned n_old = wim_part_count(w);

	if (!dst) {
		msg_error("out of memory");
		return NULL;
	}
	for (unsigned k = 1; k <= n_new; k++) {
		struct stat st;
		dst[k - 1] = !o->output && k <= n_old ? strdup(wim_part_path(w, k))
						      : wim_part_name(o->output ? o->output : wim_path(w), k);
		if (!dst[k - 1]) {
			msg_error("out of memory");
			goto fail;
		}
		if (o->output && lstat(dst[k - 1], &st) == 0) {
			msg_error("%s: already exists; wimpatch does not overwrite an output "
				  "(part %u of the new split set would go there)", dst[k - 1], k);
			goto fail;
		}
	}
	return dst;
fail:
	for (unsigned k = 0; k < n_new; k++)
		free(dst[k]);
	free(dst);
	return NULL;
}

/* A new output's mode: its source's permission bits (fs_output_mode). */
static mode_t output_mode(struct wim *w, unsigned k)
{
	return fs_output_mode(wim_part_path(w, k <= wim_part_count(w) ? k : 1));
}

/*
 * A split set: the patched WIM is written whole into a private directory
 * next to where the parts go (media are too big for TMPDIR), read back,
 * split again with the part size the old parts imply, read back as a set,
 * and only then moved into place part by part (rename, directory synced;
 * in place, each new part locked first and given the owner, group and
 * mode of the part it replaces, or of the first part); old parts beyond
 * the new count are removed last.  Until the first rename, an
 * interruption leaves the old set and the private directory; during the
 * renames (signals are held back, so only a kill or a crash) a mix of old
 * and new parts, with the rest of the new set in the private directory.
 */
static int write_split(struct wim *w, const struct patch_opts *o, struct file_report *fr,
		       const struct pending *pend, size_t n_pend, const char *scratch,
		       const struct image_ops *io)
{
	const char *path = wim_path(w), *first = o->output ? o->output : path;
	int images = wim_image_count(w), boot = wim_boot_index(w);
	unsigned n_old = wim_part_count(w), n_new = 0, moved = 0;
	char *whole = NULL, *newp1 = NULL, *shown = NULL, **dst = NULL;
	struct fs_dir work;
	struct stat part1;
	int ret = WP_ERR_WRITE;

	uint64_t part_size = wim_split_part_size(w);
	const char *base = path_base(first);
	if (!o->output && stat(path, &part1) < 0) {
		msg_error("%s: %s", path, strerror(errno));
		return WP_ERR_WRITE;
	}
	if (fs_dir_near(first, &work) < 0)
		return WP_ERR_WRITE;
	if (!(whole = fs_dir_file(&work, "whole.wim")) || !(newp1 = fs_dir_file(&work, base)) ||
	    asprintf(&shown, "%s/%s", work.name, base) < 0) {
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
		goto out;
	}
	msg_verbose("%s: writing the patched WIM whole to %s/whole.wim, then splitting it into "
		    "parts of at most %llu bytes of data", path, work.name,
		    (unsigned long long)part_size);
	if ((ret = wim_commit_scratch(w, whole)) != WP_OK)
		goto out;
	if ((ret = readback_verify(whole, whole, pend, n_pend, fr, images, boot, scratch, io, NULL)) !=
	    WP_OK)
		goto out;
	if ((ret = wim_split_file(whole, newp1, part_size, wim_has_integrity(w), &n_new)) != WP_OK)
		goto out;
	unlinkat(work.fd, "whole.wim", 0);
	msg_verbose("%s: %u part%s (was %u)", path, n_new, n_new == 1 ? "" : "s", n_old);
	if ((ret = readback_verify(newp1, shown, pend, n_pend, fr, images, boot, scratch, io, NULL)) !=
	    WP_OK)
		goto out;
	ret = WP_ERR_WRITE;
	if (!(dst = split_destinations(w, o, n_new)))
		goto out;

	fs_hold_signals(true);
	for (unsigned k = 1; k <= n_new; k++) {
		char *from = wim_part_name(base, k);
		if (!from) {
			msg_error("out of memory");
			break;
		}
		msg_verbose("%s: new part %u -> %s", path, k, dst[k - 1]);
		/* In place, a part beyond the old count is new, and gets the
		 * first part's owner, group and mode; an output's parts are
		 * new files that may not exist yet. */
		int r = o->output ? fs_dir_put(&work, from, -1, dst[k - 1], FS_PUT_NEW, NULL,
					       output_mode(w, k))
			: fs_dir_put(&work, from, -1, dst[k - 1],
				     FS_PUT_LOCK | FS_PUT_LOCK_OFD | (k > n_old ? FS_PUT_NEW : 0),
				     k > n_old ? &part1 : NULL, 0);
		free(from);
		if (r < 0)
			break;
		moved++;
	}
	for (unsigned k = n_new + 1; moved == n_new && !o->output && k <= n_old; k++) {
		msg_verbose("%s: removing old part %u, %s", path, k, wim_part_path(w, k));
		if (unlink(wim_part_path(w, k)) < 0) {
			msg_error("%s: cannot remove this old part of the split set (the new set has "
				  "%u parts): %s", wim_part_path(w, k), n_new, strerror(errno));
			moved = 0;
			break;
		}
	}
	if (moved == n_new && n_new < n_old && !o->output && fs_sync_dir_of(path) < 0)
		moved = 0;
	if (moved == n_new && n_new > 0) {
		ret = WP_OK;
		logs_emptied(fr);
		patch_committed(o, fr);
	}
	fs_hold_signals(false);
	if (ret != WP_OK && moved > 0 && !o->output) {
		msg_error("%s: the split set is now a mix of old and new parts: %u of the %u new "
			  "parts are in place, the others are in %s; move them next to %s to complete "
			  "it", path, moved, n_new, work.name, path);
		fs_dir_keep(&work);
	} else if (ret != WP_OK) {
		/* -o: an incomplete output set is removed (it was all new). */
		for (unsigned k = 0; k < moved; k++)
			unlink(dst[k]);
	}
out:
	for (unsigned k = 0; dst && k < n_new; k++)
		free(dst[k]);
	free(dst);
	free(whole);
	free(newp1);
	free(shown);
	fs_dir_remove(&work);
	return ret;
}

/* The hives written and the files put into images, as the WIM adapter
 * names files, *n of them: NULL after saying why.  With `logs` (the list
 * wim_blobs_read takes before the write: the files whose old data may
 * go), also the logs beside the hives, emptied, and the files deleted
 * from images (by wimpatch undo), which the written WIM no longer has. */
static struct wim_file_ref *file_refs(const struct pending *pend, size_t n_pend,
				      const struct file_report *fr, bool logs,
				      const struct readback *rb, size_t *n)
{
	size_t cap = n_pend + fr->n_files + 1;
	for (size_t i = 0; logs && i < n_pend; i++)
		cap += fr->hives[pend[i].rep_index].n_logs;
	struct wim_file_ref *f = calloc(cap, sizeof(*f));
	*n = 0;
	if (!f)
		msg_error("out of memory");
	for (size_t i = 0; f && i < n_pend; i++) {
		f[(*n)++] = (struct wim_file_ref){ pend[i].image, pend[i].stored,
						   rb && rb->have[i] ? rb->sha1[i] : NULL };
		const struct hive_report *rep = logs ? &fr->hives[pend[i].rep_index] : NULL;
		for (size_t k = 0; rep && k < rep->n_logs; k++)
			f[(*n)++] = (struct wim_file_ref){ pend[i].image, rep->logs[k].name, NULL };
	}
	for (size_t i = 0; f && i < fr->n_files; i++)
		if (logs || !fr->files[i].removed)
			f[(*n)++] = (struct wim_file_ref){ fr->files[i].image, fr->files[i].path, NULL };
	return f;
}

/* wim_verify_blobs with the hives written as the files it may find new,
 * and what readback_verify read of them (`rb`, freed here). */
static int verify_blobs(const char *written, const char *shown, const struct wim_blobs *before,
			const char *src, const struct pending *pend, size_t n_pend,
			const struct file_report *fr, struct readback *rb)
{
	size_t n;
	struct wim_file_ref *f = file_refs(pend, n_pend, fr, false, rb, &n);
	int r = WP_ERR_INTERNAL;
	if (f)
		r = wim_verify_blobs(written, shown, before, src, f, n, fr->editions.n_dropped > 0,
				     rb->loaded);
	free(f);
	readback_free(rb);
	return r;
}

/* write_out for a standalone WIM: appended to in place, or written whole
 * as the output (or, --rebuild, the original's replacement). */
static int write_whole_or_append(struct wim **wp, const char *path, const struct patch_opts *o,
				 struct file_report *fr, const struct pending *pend,
				 size_t n_pend, const char *scratch, const struct wim_blobs *before,
				 const struct image_ops *io)
{
	struct wim *w = *wp;
	int images = wim_image_count(w), boot = wim_boot_index(w);

	if (!o->output && !o->rebuild) {
		msg_verbose("%s: writing %zu hive%s (append, then header)", path, n_pend,
			    n_pend == 1 ? "" : "s");
		bool committed;
		if (fs_lock_check(path) < 0)
			return WP_ERR_WRITE;
		int r = wim_commit_in_place(w, &committed);
		if (!committed)
			return r;
		/* The header is written: the WIM is patched, whatever the
		 * read-back says; signals are held until that is recorded. */
		logs_emptied(fr);
		patch_committed(o, fr);
		fs_hold_signals(false);
		wim_close(w);
		*wp = NULL;
		struct readback rb;
		if (r == WP_OK)
			r = readback_verify(path, path, pend, n_pend, fr, images, boot, scratch, io, &rb);
		return r == WP_OK ? verify_blobs(path, path, before, NULL, pend, n_pend, fr, &rb) : r;
	}
	/*
	 * A whole new file: the output, or (--rebuild) the original's
	 * replacement.  It is made (O_EXCL) in a private directory next to
	 * where it goes, written by wimlib through its descriptor, read back,
	 * then renamed into place: over the original, locked first and with
	 * its owner, group and mode; as the output, only if that name is
	 * still free.
	 */
	const char *dst = o->output ? o->output : path;
	const char *base = path_base(dst);
	bool rebuild = !o->output;
	mode_t mode = rebuild ? 0 : output_mode(w, 1);
	char *file = NULL, *shown = NULL;
	struct fs_dir d;
	int fd = -1, r = WP_ERR_WRITE;

	if (fs_dir_near(dst, &d) < 0)
		return WP_ERR_WRITE;
	if (!(file = fs_dir_file(&d, base)) || asprintf(&shown, "%s/%s", d.name, base) < 0) {
		shown = NULL;
		msg_error("out of memory");
		r = WP_ERR_INTERNAL;
		goto out;
	}
	if ((fd = fs_dir_create(&d, base)) < 0)
		goto out;
	/* wimlib (and the second opens of wim_keep.c and wim_prefetch.c)
	 * read the source by name: still the file locked? */
	if (fs_lock_check(path) < 0)
		goto out;
	/* The libraries' messages name the file by the way in (/proc/<pid>/fd
	 * path): name it as in the private directory. */
	struct msg_where about = { .scratch = file, .shown_as = shown };
	msg_where_push(&about);
	if (rebuild)
		msg_verbose("%s: writing %zu hive%s (rebuilding the whole WIM in %s, then renaming "
			    "it over the original)", dst, n_pend, n_pend == 1 ? "" : "s", shown);
	r = wim_commit_to_fd(w, fd, shown);
	wim_close(w);
	*wp = NULL;
	struct readback rb;
	if (r == WP_OK)
		r = readback_verify(file, shown, pend, n_pend, fr, images, boot, scratch, io, &rb);
	if (r == WP_OK)
		r = verify_blobs(file, shown, before, path, pend, n_pend, fr, &rb);
	msg_where_pop(&about);
	fs_hold_signals(true);
	if (r == WP_OK &&
	    fs_dir_put(&d, base, fd, dst, rebuild ? FS_PUT_LOCK | FS_PUT_LOCK_OFD : FS_PUT_NEW, NULL,
		       mode) < 0)
		r = WP_ERR_WRITE;
	if (r == WP_OK) {
		logs_emptied(fr);
		patch_committed(o, fr);
	}
	fs_hold_signals(false);
out:
	if (fd >= 0)
		close(fd);
	free(file);
	free(shown);
	fs_dir_remove(&d);
	return r;
}

/* Writes the WIM *wp (opened from `path`), then closes it before reading
 * back what was written: the images it holds in memory are not needed
 * any more, and peak memory is the larger of the two, not their sum. */
static int write_out(struct wim **wp, const char *path, const struct patch_opts *o,
		     struct file_report *fr, const struct pending *pend, size_t n_pend,
		     const char *scratch, const struct image_ops *io)
{
	struct wim *w = *wp;

	if (wim_is_split(w))
		return write_split(w, o, fr, pend, n_pend, scratch, io);
	/* The blob table before the write, to read back what the write laid
	 * down besides the hives (wim_verify_blobs).  The old data of the
	 * files written is looked up (each image's metadata read again) only
	 * for a WIM written anew, which drops it: an append keeps every old
	 * entry. */
	size_t n_refs;
	bool append = !o->output && !o->rebuild;
	struct wim_file_ref *refs = file_refs(pend, n_pend, fr, true, NULL, &n_refs);
	if (!refs)
		return WP_ERR_INTERNAL;
	struct wim_blobs *before = wim_blobs_read(path, refs, append ? 0 : n_refs);
	free(refs);
	if (!before)
		return WP_ERR_INPUT;
	int r = write_whole_or_append(wp, path, o, fr, pend, n_pend, scratch, before, io);
	wim_blobs_free(before);
	return r;
}

/* -o and nothing to change: the file (every part of a split set) is
 * copied as it is, each part through a private directory next to where
 * it goes; a set that cannot be copied whole is removed. */
static int copy_parts(struct wim *w, const struct patch_opts *o)
{
	unsigned n = wim_part_count(w), done = 0;
	char **dst = split_destinations(w, o, n);
	int ret = dst ? WP_OK : WP_ERR_WRITE;

	for (unsigned k = 1; dst && k <= n && ret == WP_OK; k++) {
		const char *base = path_base(dst[k - 1]);
		struct fs_dir d;
		int fd = -1;
		ret = WP_ERR_WRITE;
		if (fs_dir_near(dst[k - 1], &d) == 0 && (fd = fs_dir_create(&d, base)) >= 0 &&
		    fs_copy_to_fd(wim_part_path(w, k), fd, dst[k - 1]) == 0 &&
		    fs_dir_put(&d, base, fd, dst[k - 1], FS_PUT_NEW, NULL, output_mode(w, k)) == 0) {
			ret = WP_OK;
			done++;
		}
		if (fd >= 0)
			close(fd);
		fs_dir_remove(&d);
	}
	for (unsigned k = 0; ret != WP_OK && k < done; k++)
		unlink(dst[k]);
	for (unsigned k = 0; dst && k < n; k++)
		free(dst[k]);
	free(dst);
	return ret;
}

enum wp_err patch_wim(const char *path, const struct patch_opts *o, struct file_report *fr)
{
	bool in_place = !o->dry_run && !o->output;
	size_t mark = fs_lock_mark();
	struct wim *w = NULL;
	struct work wk = { 0 };
	struct pending *pend = NULL;
	struct image_ops io = { 0 };
	struct patch_opts whole;
	char *scratch = NULL;
	bool *sel = NULL, rebuild = false;
	size_t n_pend = 0;
	int ret;

	fr->kind = "wim";
	fr->status = FILE_UNCHANGED;
	/* Locked before it is read, every part of a set, until the end. */
	if ((ret = target_lock(path, o, true)) != WP_OK)
		return ret;
	if (!(w = wim_open(path, in_place))) {
		ret = WP_ERR_INPUT;
		goto out;
	}
	/* wimlib opens it by name (and appends to it by name): a file
	 * renamed over that name since the lock was taken is refused. */
	if (fs_lock_check(path) < 0) {
		ret = WP_ERR_WRITE;
		goto out;
	}
	for (unsigned k = 2; k <= wim_part_count(w); k++)
		if ((ret = target_lock(wim_part_path(w, k), o, true)) != WP_OK)
			goto out;
	ret = WP_ERR_INTERNAL;
	if (!(sel = calloc((size_t)wim_image_count(w) + 1, sizeof(*sel)))) {
		msg_error("out of memory");
		goto out;
	}
	if ((ret = imagesel_select(w, o, sel)) != WP_OK)
		goto out;
	/* <editions> first: a dropped image is not edited. */
	if ((ret = image_ops_plan(w, o, fr, &io)) != WP_OK)
		goto out;
	for (int i = 1; i <= wim_image_count(w); i++)
		sel[i] = sel[i] && !io.drop[i];
	if (!o->dry_run && (ret = check_splittable(w)) != WP_OK)
		goto out;
	if (!(scratch = fs_make_tempdir())) {
		ret = WP_ERR_WRITE;
		goto out;
	}
	if ((ret = build_work(w, o, sel, scratch, &wk)) != WP_OK)
		goto out;
	if ((ret = count_applied(path, o, &wk, fr)) != WP_OK)
		goto out;
	/* At most one pending hive per entry. */
	if (!(pend = calloc(wk.n_hives + 1, sizeof(*pend)))) {
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
		goto out;
	}
	if (!o->dry_run && !o->plain_replace)
		prefetch(w, &wk);

	for (size_t i = 0; i < wk.n_images && ret == WP_OK; i++) {
		const struct image_work *iw = &wk.images[i];
		announce_image(path, iw, o);
		for (size_t h = iw->first; h < iw->first + iw->n_hives && ret == WP_OK; h++)
			ret = patch_one_hive(w, &wk, &wk.hives[h], o, fr, pend, &n_pend);
		if (ret == WP_OK)
			ret = image_ops_files(w, o, &iw->img, scratch, fr, &io);
	}
	/* Before anything is written: the thread is done by now. */
	wim_prefetch_end(wk.pf);
	wk.pf = NULL;
	if (ret == WP_OK && !o->dry_run && fr->editions.n_dropped && wim_sparse_is(path)) {
		msg_error("%s: dropping images rewrites the whole WIM, which the in-place ISO route "
			  "cannot do (it writes only what changed): --rebuild-iso", path);
		ret = WP_ERR_USAGE;
	}
	if (ret == WP_OK)
		ret = image_ops_drop(w, o, &io, fr, &rebuild);
	if (ret != WP_OK)
		goto out;
	/* Renumbered after the drop, as the written WIM numbers them. */
	for (size_t i = 0; rebuild && i < n_pend; i++)
		pend[i].image = image_ops_renumber(&io, pend[i].image);

	if (file_report_changes(fr) == 0) {
		if (o->output && !o->dry_run) {
			ret = copy_parts(w, o);
			if (ret == WP_OK)
				fr->status = FILE_COPIED;
		}
		goto out;
	}
	if (o->dry_run) {
		fr->status = FILE_PENDING;
		goto out;
	}
	whole = *o;
	if (rebuild) {
		/* wimlib cannot append to a WIM with images deleted. */
		msg_verbose("%s: images dropped: the WIM is written whole", path);
		whole.rebuild = true;
	}
	ret = write_out(&w, path, &whole, fr, pend, n_pend, scratch, &io);
out:
	for (size_t i = 0; i < n_pend; i++) {
		free(pend[i].stored);
		free(pend[i].meta);
	}
	free(pend);
	free(sel);
	image_ops_free(&io);
	work_free(&wk);
	wim_close(w);
	fs_remove_tempdir(scratch);
	fs_unlock_to(mark);
	return ret;
}

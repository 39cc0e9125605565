/*
 * wim_add.c - a new file in a WIM image, with Windows metadata taken from
 * the directory it goes into (wim_add_file), carried in through a scratch
 * NTFS volume as wim_keep.c carries a replaced file; deleting one
 * (wim_delete_file); and dropping images (wim_drop_images).
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <wimlib.h>

#include "core/error.h"
#include "util/msg.h"
#include "adapters/ntfsvol.h"
#include "adapters/wim.h"
#include "adapters/wim_int.h"

#define ATTR_READONLY 0x1u
#define ATTR_ARCHIVE 0x20u
#define ATTR_NORMAL 0x80u
#define ATTR_NOT_INDEXED 0x2000u

/* One entry of a directory, as looked for or chosen. */
struct entry {
	char *name;
	bool dir;
	void *sd;
	size_t sd_len;
	uint32_t attributes;
};

static void entry_free(struct entry *e)
{
	free(e->name);
	free(e->sd);
	memset(e, 0, sizeof(*e));
}

static int entry_set(struct entry *e, const struct wimlib_dir_entry *d)
{
	entry_free(e);
	e->dir = d->attributes & WIMLIB_FILE_ATTRIBUTE_DIRECTORY;
	e->attributes = d->attributes;
	if (!(e->name = strdup(d->filename)))
		return WIMLIB_ERR_NOMEM;
	if (d->security_descriptor && d->security_descriptor_size) {
		if (!(e->sd = malloc(d->security_descriptor_size)))
			return WIMLIB_ERR_NOMEM;
		memcpy(e->sd, d->security_descriptor, d->security_descriptor_size);
		e->sd_len = d->security_descriptor_size;
	}
	return 0;
}

/* A directory's children: the one named `want` (without regard to case;
 * `n_match` counts them) and the regular file whose name comes first in
 * ASCII-case-insensitive order (the donor of a new file's metadata). */
struct scan {
	const char *want;
	struct entry match, donor;
	int n_match;
};

static int scan_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	struct scan *s = ctx;
	bool plain = !(d->attributes & (WIMLIB_FILE_ATTRIBUTE_DIRECTORY |
					WIMLIB_FILE_ATTRIBUTE_REPARSE_POINT |
					WIMLIB_FILE_ATTRIBUTE_ENCRYPTED));
	int r = 0;

	if (s->want && strcasecmp(d->filename, s->want) == 0 && s->n_match++ == 0)
		r = entry_set(&s->match, d);
	if (!r && plain && (!s->donor.name || strcasecmp(d->filename, s->donor.name) < 0))
		r = entry_set(&s->donor, d);
	return r;
}

static void scan_free(struct scan *s)
{
	entry_free(&s->match);
	entry_free(&s->donor);
}

/* The metadata of `dir` itself into *e. */
static int self_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	return entry_set(ctx, d);
}

/*
 * Walk `path` ("a/b/c", no leading '/') down from the root, matching each
 * component without regard to case: *dir gets the deepest existing
 * directory on the way (as the image spells it, "/a/b"), *rest what is
 * below it ("c" or "x/c").  WP_ERR_INPUT when an existing component is not
 * a directory, the file itself is there, or several entries match.
 */
static enum wp_err walk(struct wim *w, int image, const char *path, char **dir, char **rest)
{
	char *cur = strdup("/"), *copy = strdup(path);
	enum wp_err ret = WP_ERR_INTERNAL;
	char *c = copy;

	*dir = *rest = NULL;
	if (!cur || !copy) {
		msg_error("out of memory");
		goto out;
	}
	for (char *slash; (slash = strchr(c, '/')); c = slash + 1) {
		struct scan s = { .want = NULL };
		*slash = '\0';
		s.want = c;
		int r = wimlib_iterate_dir_tree(w->ws, image, cur, WIMLIB_ITERATE_DIR_TREE_FLAG_CHILDREN,
						scan_cb, &s);
		if (r) {
			scan_free(&s);
			ret = wfail(w->path, image, r, WS_IN, cur);
			goto out;
		}
		if (s.n_match == 0) {
			*slash = '/';
			scan_free(&s);
			break;
		}
		if (s.n_match > 1 || !s.match.dir) {
			msg_error("%s: image %d: %s: %s", w->path, image, path,
				  s.n_match > 1 ? "several entries match a component without regard "
						  "to case" : "a component on the way is not a directory");
			scan_free(&s);
			ret = WP_ERR_INPUT;
			goto out;
		}
		char *next;
		if (asprintf(&next, "%s%s%s", cur, strcmp(cur, "/") ? "/" : "", s.match.name) < 0) {
			scan_free(&s);
			msg_error("out of memory");
			goto out;
		}
		scan_free(&s);
		free(cur);
		cur = next;
	}
	if (!(*rest = strdup(c))) {
		msg_error("out of memory");
		goto out;
	}
	*dir = cur;
	cur = NULL;
	ret = WP_OK;
out:
	free(cur);
	free(copy);
	return ret;
}

void wim_new_meta_free(struct wim_new_meta *m)
{
	free(m->sd_from);
	free(m->added_below);
	memset(m, 0, sizeof(*m));
}

/* What the new file and its directories get, from the directory `dir`
 * (existing) and, if the file goes straight into it, its files. */
static enum wp_err choose_meta(struct wim *w, int image, const char *dir, const char *last,
			       bool direct, struct entry *file, struct entry *dirmeta,
			       struct wim_new_meta *m)
{
	struct scan s = { .want = direct ? last : NULL };
	int r = wimlib_iterate_dir_tree(w->ws, image, dir, 0, self_cb, dirmeta);

	if (!r && direct)
		r = wimlib_iterate_dir_tree(w->ws, image, dir, WIMLIB_ITERATE_DIR_TREE_FLAG_CHILDREN,
					    scan_cb, &s);
	if (r) {
		scan_free(&s);
		return wfail(w->path, image, r, WS_IN, dir);
	}
	if (s.n_match) {
		msg_error("%s: image %d: %s/%s: is there and is not a regular file (a directory, "
			  "reparse point or encrypted file): it cannot be replaced by a file",
			  w->path, image, dir + 1, s.match.name);
		scan_free(&s);
		return WP_ERR_INPUT;
	}
	if (s.donor.name) {
		*file = s.donor;
		memset(&s.donor, 0, sizeof(s.donor));
		uint32_t a = file->attributes & (ATTR_ARCHIVE | ATTR_NOT_INDEXED);
		m->attributes = a ? a : ATTR_NORMAL;
		if (asprintf(&m->sd_from, "%s/%s", dir + 1, file->name) < 0)
			m->sd_from = NULL;
	} else {
		/* No file to take after: the directory's own descriptor. */
		m->attributes = ATTR_ARCHIVE;
		if ((dirmeta->sd && !(file->sd = malloc(dirmeta->sd_len))) ||
		    !(m->sd_from = strdup(dir + 1)))
			m->sd_from = NULL;
		else if (dirmeta->sd) {
			memcpy(file->sd, dirmeta->sd, dirmeta->sd_len);
			file->sd_len = dirmeta->sd_len;
		}
	}
	scan_free(&s);
	m->has_sd = file->sd != NULL;
	if (!m->sd_from) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	return WP_OK;
}

/* After the add: the file is there with what was chosen for it. */
static enum wp_err check_added(struct wim *w, int image, const char *stored,
			       const struct entry *file, uint32_t attributes, const char *where)
{
	struct entry now = { 0 };
	int r = wimlib_iterate_dir_tree(w->ws, image, stored, 0, self_cb, &now);
	enum wp_err ret = WP_OK;

	if (r)
		return wfail(w->path, image, r, WS_OWN, stored);
	if (now.attributes != attributes || now.sd_len != file->sd_len ||
	    (file->sd_len && memcmp(now.sd, file->sd, file->sd_len) != 0)) {
		msg_error("%s: the new file's security descriptor or attributes (0x%x, not 0x%x) "
			  "would not be those chosen for it; nothing is written", where,
			  (unsigned)now.attributes, (unsigned)attributes);
		ret = WP_ERR_INTERNAL;
	}
	entry_free(&now);
	return ret;
}

enum wp_err wim_add_file(struct wim *w, int image, const char *path, const char *src,
			 const char *scratch, struct wim_new_meta *m)
{
	struct entry file = { 0 }, dirmeta = { 0 };
	char *dir = NULL, *rest = NULL, *vol = NULL, *where = NULL, *stored = NULL;
	struct stat st;
	enum wp_err ret;

	memset(m, 0, sizeof(*m));
	if ((ret = walk(w, image, path, &dir, &rest)) != WP_OK)
		return ret;
	ret = WP_ERR_INTERNAL;
	if (asprintf(&where, "%s: image %d: %s", w->path, image, path) < 0 ||
	    asprintf(&stored, "%s/%s", dir, rest) < 0) {
		where = stored = NULL;
		msg_error("out of memory");
		goto out;
	}
	if (strcmp(dir, "/") == 0) {
		/* Adding onto the root makes wimlib rewrite the WINDOWS XML. */
		msg_error("%s: no directory of this path is in the image, and wimpatch does not "
			  "add onto the image root (wimlib would rewrite the image's WINDOWS XML)",
			  where);
		ret = WP_ERR_INPUT;
		goto out;
	}
	if ((ret = choose_meta(w, image, dir, rest, !strchr(rest, '/'), &file, &dirmeta, m)) !=
	    WP_OK)
		goto out;
	if (!(m->added_below = strdup(dir + 1))) {
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
		goto out;
	}
	m->dirs_made = 0;
	for (const char *c = rest; (c = strchr(c, '/')); c++)
		m->dirs_made++;
	if (!src) {
		ret = WP_OK;	/* what it would get is all that was asked */
		goto out;
	}
	ret = WP_ERR_WRITE;
	if (stat(src, &st) < 0) {
		msg_error("%s: %s: %s", where, src, strerror(errno));
		goto out;
	}
	if (!(vol = wim_volume_name(w, scratch, "new", image))) {
		ret = WP_ERR_INTERNAL;
		goto out;
	}
	msg_verbose("%s: new file: security descriptor of %s, attributes 0x%x, added below %s "
		    "from scratch volume %s", where, m->sd_from, (unsigned)m->attributes, dir + 1, vol);
	if (wim_volume_make(w, vol, ntfsvol_size_for((uint64_t)st.st_size, 0), where) < 0)
		goto out;
	wim_volume_own(w, vol);
	const char *volpath = vol;
	vol = NULL;
	struct ntfsvol_new nn = {
		.file = rest, .data = src, .file_sd = file.sd, .file_sd_len = file.sd_len,
		.dir_sd = dirmeta.sd, .dir_sd_len = dirmeta.sd_len, .attributes = m->attributes,
	};
	if (ntfsvol_add_file(volpath, &nn, where) < 0)
		goto out;
	/* The volume's root lands on `dir`, which keeps its own metadata. */
	struct wimlib_update_command cmd;
	struct wlog log;
	memset(&cmd, 0, sizeof(cmd));
	cmd.op = WIMLIB_UPDATE_OP_ADD;
	cmd.add.fs_source_path = (char *)volpath;
	cmd.add.wim_target_path = dir;
	cmd.add.add_flags = WIMLIB_ADD_FLAG_NTFS | WIMLIB_ADD_FLAG_NORPFIX |
			    (file.sd ? 0 : WIMLIB_ADD_FLAG_NO_ACLS);
	wlog_begin(&log);
	int r = wimlib_update_image(w->ws, image, &cmd, 1, 0);
	ret = wim_err(r, WS_OWN);
	const char *why = wlog_end(&log);
	if (r)
		msg_error("%s: cannot add it from scratch volume %s: %s%s%s", where, volpath,
			  wimlib_get_error_string(r), *why ? ": " : "", why);
	wlog_free(&log);
	if (!r)
		ret = check_added(w, image, stored, &file, m->attributes, where);
	if (ret == WP_OK)
		ret = wim_hash_added(w, image, where);
out:
	if (ret != WP_OK)
		wim_new_meta_free(m);
	entry_free(&file);
	entry_free(&dirmeta);
	free(vol);
	free(dir);
	free(rest);
	free(where);
	free(stored);
	return ret;
}

enum wp_err wim_delete_file(struct wim *w, int image, const char *stored)
{
	struct wimlib_update_command cmd;
	struct wlog log;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = WIMLIB_UPDATE_OP_DELETE;
	cmd.delete_.wim_path = (char *)stored;
	wlog_begin(&log);
	int r = wimlib_update_image(w->ws, image, &cmd, 1, 0);
	const char *why = wlog_end(&log);
	if (r)
		msg_error("%s: image %d: %s: cannot delete it: %s%s%s", w->path, image, stored + 1,
			  wimlib_get_error_string(r), *why ? ": " : "", why);
	wlog_free(&log);
	return wim_err(r, WS_OWN);
}

enum wp_err wim_drop_images(struct wim *w, const bool *drop)
{
	int n = (int)w->info.image_count;
	int boot = (int)w->info.boot_index, kept = 0;

	for (int i = 1; i <= n; i++)
		kept += !drop[i];
	if (kept == 0) {
		msg_error("%s: every image would be dropped: a WIM keeps one at least", w->path);
		return WP_ERR_PROFILE;
	}
	/* The boot image follows its image, or is none once that is gone. */
	int new_boot = 0;
	for (int i = 1, k = 0; i <= n; i++)
		if (!drop[i] && (++k, i == boot))
			new_boot = k;
	for (int i = n; i >= 1; i--) {
		if (!drop[i])
			continue;
		int r = wimlib_delete_image(w->ws, i);
		if (r)
			return wfail(w->path, i, r, WS_OWN, "cannot delete the image");
	}
	struct wimlib_wim_info info;
	memset(&info, 0, sizeof(info));
	info.boot_index = (uint32_t)new_boot;
	int r = wimlib_set_wim_info(w->ws, &info, WIMLIB_CHANGE_BOOT_INDEX);
	if (!r)
		r = wimlib_get_wim_info(w->ws, &w->info);
	if (r)
		return wfail(w->path, 0, r, WS_OWN, "cannot set the boot index");
	/* The images' times noted on open are by the old numbers. */
	free(w->lastmod);
	w->lastmod = NULL;
	w->dropped = true;
	return WP_OK;
}

bool wim_images_dropped(const struct wim *w)
{
	return w->dropped;
}

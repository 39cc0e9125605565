/*
 * wim_keep.c - replacing a file's data (wim_replace_file, wim_keep_*):
 * as a new file, or keeping its metadata by carrying it through a scratch
 * NTFS volume (adapters/ntfsvol.h), extracted there from the image itself
 * or from a throw-away copy of the image (the "shadow" WIMStruct) cut
 * down to the file's links.
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
#include <unistd.h>
#include <wimlib.h>

#include "core/error.h"
#include "util/clock.h"
#include "util/msg.h"
#include "adapters/ntfsvol.h"
#include "adapters/wim.h"
#include "adapters/wim_int.h"

/* ------------------------------------------------------------------ */
/* Image paths */

/* "/a/b" -> "/a", "/a" -> "/" (image paths: absolute, no trailing '/'). */
static char *parent_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s == NULL || s == p ? strdup("/") : strndup(p, (size_t)(s - p));
}

/* Is `p` the directory `dir` or below it? */
static bool path_within(const char *dir, const char *p)
{
	size_t n = strlen(dir);
	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(dir, p, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* ------------------------------------------------------------------ */
/* The file to replace and its links */

static void file_info_free(struct file_info *fi)
{
	free(fi->path);
	free(fi->short_name);
	strv_free(&fi->links);
	strv_free(&fi->short_names);
}

/* A time as wimlib gives it, as NTFS counts it (the inverse of wimlib's
 * conversion: whole seconds since 1970 and nanoseconds in 100 ns steps). */
static uint64_t ntfs_time(const struct wimlib_timespec *t)
{
	return ((uint64_t)((int64_t)t->tv_sec + INT64_C(11644473600))) * 10000000u +
	       (uint64_t)t->tv_nsec / 100u;
}

static int file_info_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	struct file_info *fi = ctx;

	if (!(fi->path = strdup(d->full_path)))
		return WIMLIB_ERR_NOMEM;
	/* wimlib gives "" as well as NULL for "no short name". */
	if (d->dos_name && *d->dos_name && !(fi->short_name = strdup(d->dos_name)))
		return WIMLIB_ERR_NOMEM;
	fi->attributes = d->attributes;
	fi->num_links = d->num_links;
	fi->unix_mode = d->unix_mode;
	fi->group = d->hard_link_group_id;
	fi->size = d->streams[0].resource.uncompressed_size;
	for (uint32_t i = 1; i <= d->num_named_streams; i++)
		fi->stream_bytes += d->streams[i].resource.uncompressed_size;
	fi->has_sd = d->security_descriptor && d->security_descriptor_size > 0;
	fi->created = ntfs_time(&d->creation_time);
	fi->accessed = ntfs_time(&d->last_access_time);
	return 0;
}

static int links_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	struct file_info *fi = ctx;

	if (d->hard_link_group_id != fi->group || (d->attributes & WIMLIB_FILE_ATTRIBUTE_DIRECTORY) ||
	    strcmp(d->full_path, fi->path) == 0)
		return 0;
	if (strv_add(&fi->links, d->full_path) < 0 ||
	    strv_add(&fi->short_names, d->dos_name && *d->dos_name ? d->dos_name : NULL) < 0)
		return WIMLIB_ERR_NOMEM;
	return 0;
}

/* Look `stored` up in `ws` and, if it has several links, find them all. */
enum wp_err file_info_get(WIMStruct *ws, const char *wpath, int image, const char *stored,
			  struct file_info *fi)
{
	char what[600];

	memset(fi, 0, sizeof(*fi));
	snprintf(what, sizeof(what), "cannot look up %s", stored);
	int r = wimlib_iterate_dir_tree(ws, image, stored, 0, file_info_cb, fi);
	if (r)
		return wfail(wpath, image, r, WS_IN, what);
	if (strv_add(&fi->links, fi->path) < 0 || strv_add(&fi->short_names, fi->short_name) < 0) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	if (fi->num_links <= 1)
		return WP_OK;
	/* Hard links: the whole image has to be searched for the others. */
	r = wimlib_iterate_dir_tree(ws, image, "/", WIMLIB_ITERATE_DIR_TREE_FLAG_RECURSIVE,
				    links_cb, fi);
	if (r)
		return wfail(wpath, image, r, WS_IN, "cannot list the image");
	if (fi->links.n != fi->num_links) {
		msg_error("%s: image %d: %s: the image says it has %u links, %zu were found", wpath,
			  image, stored, fi->num_links, fi->links.n);
		return WP_ERR_INPUT;
	}
	return WP_OK;
}

/* ------------------------------------------------------------------ */
/* The scratch copy of an image */

/* 0 if `p` exists, WIMLIB_ERR_PATH_DOES_NOT_EXIST if not, or an error. */
static int shadow_lookup(WIMStruct *s, int image, const char *p)
{
	struct file_info fi = { 0 };
	int r = wimlib_iterate_dir_tree(s, image, p, 0, file_info_cb, &fi);
	file_info_free(&fi);
	return r;
}

static int children_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	return strv_add(ctx, d->full_path) < 0 ? WIMLIB_ERR_NOMEM : 0;
}

static int queue_delete(struct wimlib_update_command **cmds, size_t *n, const char *p)
{
	struct wimlib_update_command *c = realloc(*cmds, (*n + 1) * sizeof(*c));
	if (!c)
		return -1;
	*cmds = c;
	memset(&c[*n], 0, sizeof(*c));
	c[*n].op = WIMLIB_UPDATE_OP_DELETE;
	c[*n].delete_.delete_flags = WIMLIB_DELETE_FLAG_RECURSIVE;
	if (!(c[*n].delete_.wim_path = strdup(p)))
		return -1;
	(*n)++;
	return 0;
}

static int run_deletes(WIMStruct *s, int image, struct wimlib_update_command *cmds, size_t n)
{
	int r = n ? wimlib_update_image(s, image, cmds, n, 0) : 0;
	for (size_t i = 0; i < n; i++)
		free(cmds[i].delete_.wim_path);
	free(cmds);
	return r;
}

/*
 * Cut image `image` of the throw-away WIMStruct down so that its root
 * stands for the add target `T` and holds only the paths `rel` (relative
 * to T, each starting with '/') and the directories leading to them.
 * wimlib cannot extract a chosen set of paths to an NTFS volume, and
 * extracting all of T would copy far too much.  Only T and the first
 * components below it are renamed: a rename drops a file's short name.
 * Returns 0 or a wimlib error code.
 */
static int shadow_cut(WIMStruct *s, int image, const char *T, const struct strv *rel)
{
	struct wimlib_update_command *cmds = NULL;
	size_t ncmds = 0;
	struct strv kids = { 0 }, firsts = { 0 }, dirs = { 0 };
	char tmp[64];
	unsigned salt = (unsigned)getpid();
	int r = WIMLIB_ERR_NOMEM;

	for (;;) {
		snprintf(tmp, sizeof(tmp), "/.wimpatch-%08x", salt++);
		r = shadow_lookup(s, image, tmp);
		if (r == WIMLIB_ERR_PATH_DOES_NOT_EXIST)
			break;
		if (r)
			goto out;
	}
	if ((r = wimlib_rename_path(s, image, T, tmp)) != 0)
		goto out;
	/* Everything else at the root goes. */
	r = wimlib_iterate_dir_tree(s, image, "/", WIMLIB_ITERATE_DIR_TREE_FLAG_CHILDREN,
				    children_cb, &kids);
	if (r)
		goto out;
	r = WIMLIB_ERR_NOMEM;
	for (size_t i = 0; i < kids.n; i++)
		if (strcmp(kids.v[i], tmp) != 0 && queue_delete(&cmds, &ncmds, kids.v[i]) < 0)
			goto out;
	r = run_deletes(s, image, cmds, ncmds);
	cmds = NULL;
	ncmds = 0;
	if (r)
		goto out;
	/* The first components of the paths move up to the root. */
	r = WIMLIB_ERR_NOMEM;
	for (size_t i = 0; i < rel->n; i++) {
		const char *slash = strchr(rel->v[i] + 1, '/');
		char *k = slash ? strndup(rel->v[i], (size_t)(slash - rel->v[i])) : strdup(rel->v[i]);
		if (!k || (!strv_has(&firsts, k) && strv_add(&firsts, k) < 0)) {
			free(k);
			goto out;
		}
		free(k);
	}
	for (size_t i = 0; i < firsts.n; i++) {
		char from[4096];
		snprintf(from, sizeof(from), "%s%s", tmp, firsts.v[i]);
		if ((r = wimlib_rename_path(s, image, from, firsts.v[i])) != 0)
			goto out;
	}
	r = WIMLIB_ERR_NOMEM;
	if (queue_delete(&cmds, &ncmds, tmp) < 0)
		goto out;
	/* Below them, only what leads to a path stays. */
	for (size_t i = 0; i < rel->n; i++) {
		char *d = parent_of(rel->v[i]);
		while (d && strcmp(d, "/") != 0) {
			if (!strv_has(&dirs, d) && strv_add(&dirs, d) < 0)
				break;
			char *p = parent_of(d);
			free(d);
			d = p;
		}
		if (!d || strcmp(d, "/") != 0) {
			free(d);
			goto out;
		}
		free(d);
	}
	for (size_t i = 0; i < dirs.n; i++) {
		strv_free(&kids);
		r = wimlib_iterate_dir_tree(s, image, dirs.v[i], WIMLIB_ITERATE_DIR_TREE_FLAG_CHILDREN,
					    children_cb, &kids);
		if (r)
			goto out;
		r = WIMLIB_ERR_NOMEM;
		for (size_t j = 0; j < kids.n; j++) {
			bool needed = false;
			for (size_t k = 0; k < rel->n && !needed; k++)
				needed = path_within(kids.v[j], rel->v[k]);
			if (!needed && queue_delete(&cmds, &ncmds, kids.v[j]) < 0)
				goto out;
		}
	}
	r = run_deletes(s, image, cmds, ncmds);
	cmds = NULL;
	ncmds = 0;
out:
	for (size_t i = 0; i < ncmds; i++)
		free(cmds[i].delete_.wim_path);
	free(cmds);
	strv_free(&kids);
	strv_free(&firsts);
	strv_free(&dirs);
	return r;
}

/* The throw-away WIMStruct, with image `image` as it is in the file, into
 * *out (NULL on error, reported). */
static enum wp_err shadow_for(struct wim *w, int image, WIMStruct **out)
{
	*out = NULL;
	if (w->shadow && w->shadow_used[image])
		drop_shadow(w);
	if (!w->shadow_used &&
	    !(w->shadow_used = calloc(w->info.image_count + 1, sizeof(*w->shadow_used)))) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	if (!w->shadow) {
		int r = wimlib_open_wim(w->path, 0, &w->shadow);
		if (r) {
			w->shadow = NULL;
			return wfail(w->path, 0, r, WS_IN, "cannot open a second time");
		}
		enum wp_err ret = reference_parts(w, w->shadow);
		if (ret != WP_OK) {
			drop_shadow(w);
			return ret;
		}
		memset(w->shadow_used, 0, (w->info.image_count + 1) * sizeof(*w->shadow_used));
	}
	w->shadow_used[image] = true;
	*out = w->shadow;
	return WP_OK;
}

void drop_shadow(struct wim *w)
{
	wimlib_free(w->shadow);
	w->shadow = NULL;
}

/* ------------------------------------------------------------------ */
/* wim_replace_file */

static enum wp_err replace_plain(struct wim *w, int image, const char *src, const char *stored)
{
	struct wimlib_update_command cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = WIMLIB_UPDATE_OP_ADD;
	cmd.add.fs_source_path = (char *)src;
	cmd.add.wim_target_path = (char *)stored;
	cmd.add.config_file = NULL;
	cmd.add.add_flags = 0;
	/* wimlib takes the new file's times from `src` (creation time from
	 * its mtime): those of the run (util/clock.h). */
	if (clock_stamp(-1, src) < 0)
		return WP_ERR_WRITE;
	int r = wimlib_update_image(w->ws, image, &cmd, 1, 0);
	if (r) {
		char what[512];
		snprintf(what, sizeof(what), "cannot replace %s", stored);
		return wfail(w->path, image, r, WS_OWN, what);
	}
	return wim_hash_added(w, image, w->path);
}

/*
 * Where the scratch volume is added: the deepest directory C holding all
 * links, or C's parent if a link lies directly in C, so that only
 * directories need renaming in the throw-away image.  Never the root.  A
 * single link directly in a top-level directory is the exception: T is
 * that directory and the file's short name is set again on the volume
 * (*renamed).  Returns NULL (reported) when there is no such directory.
 */
char *add_target(const struct file_info *fi, const char *where, bool *renamed)
{
	char *C = parent_of(fi->links.v[0]);
	bool direct = false;

	*renamed = false;
	for (size_t i = 1; C && i < fi->links.n; i++)
		while (C && !path_within(C, fi->links.v[i])) {
			char *p = parent_of(C);
			free(C);
			C = p;
		}
	if (!C) {
		msg_error("out of memory");
		return NULL;
	}
	for (size_t i = 0; i < fi->links.n && !direct; i++) {
		char *d = parent_of(fi->links.v[i]);
		direct = d && strcmp(d, C) == 0;
		free(d);
	}
	char *T = C;
	if (direct && strcmp(C, "/") != 0) {
		char *p = parent_of(C);
		if (p && (strcmp(p, "/") != 0 || fi->links.n > 1)) {
			T = p;
			free(C);
		} else {
			free(p);
			*renamed = true;
		}
	}
	if (strcmp(T, "/") == 0) {
		if (fi->links.n == 1)
			msg_error("%s: cannot keep the metadata of a file directly in the image root "
				  "(wimpatch would have to add onto the root, which makes wimlib rewrite "
				  "the image's WINDOWS XML); --plain-replace replaces it as a new file",
				  where);
		else
			msg_error("%s: cannot keep the metadata of a file whose %zu hard links lie in "
				  "different top-level directories (%s, %s...): wimpatch would have to "
				  "add onto the image root, which makes wimlib rewrite the image's "
				  "WINDOWS XML; --plain-replace replaces it as a new file",
				  where, fi->links.n, fi->links.v[0], fi->links.v[1]);
		free(T);
		return NULL;
	}
	return T;
}

/*
 * The quick way into the volume, for a file with one link: move the
 * directory (or the file) below T that leads to it up to the image root,
 * extract just the file's path (wimlib makes the directories on the way,
 * with their metadata), and move it back.  This is done in the image
 * being patched, in memory: no second copy of the image to load and cut
 * down.  A move drops a short name, so what has one is not moved (the
 * image may be written even if this file does not change), unless the
 * WIMStruct is a throw-away copy (`throwaway`: then wimlib's messages are
 * not collected either, which is not safe in a thread); nor is anything
 * moved onto a name the root already holds.  *done tells whether it was
 * done: if not, this way does not apply (use the scratch copy).  Reports
 * what fails.
 */
enum wp_err extract_moved(WIMStruct *ws, const char *wpath, int image, const char *T,
			  const struct strv *rel, const char *volpath, const char *where,
			  bool throwaway, bool *done)
{
	struct strv kids = { 0 };
	struct file_info top;
	char *first = NULL, *from = NULL;
	enum wp_err ret = WP_ERR_INTERNAL;

	*done = false;
	memset(&top, 0, sizeof(top));
	if (rel->n != 1)
		return WP_OK;
	const char *slash = strchr(rel->v[0] + 1, '/');
	first = slash ? strndup(rel->v[0], (size_t)(slash - rel->v[0])) : strdup(rel->v[0]);
	if (!first || asprintf(&from, "%s%s", T, first) < 0) {
		from = NULL;
		msg_error("out of memory");
		goto out;
	}
	int r = wimlib_iterate_dir_tree(ws, image, "/", WIMLIB_ITERATE_DIR_TREE_FLAG_CHILDREN,
					children_cb, &kids);
	if (!r)
		r = wimlib_iterate_dir_tree(ws, image, from, 0, file_info_cb, &top);
	if (r) {
		ret = wfail(wpath, image, r, WS_IN, "cannot list the image");
		goto out;
	}
	ret = WP_OK;
	for (size_t i = 0; i < kids.n; i++)
		if (strcasecmp(kids.v[i], first) == 0)
			goto out;
	if (top.short_name && !throwaway)
		goto out;
	if ((r = wimlib_rename_path(ws, image, from, first)) != 0) {
		ret = wfail(wpath, image, r, WS_OWN,
			    "cannot prepare the extraction to a scratch volume");
		goto out;
	}
	struct wlog log = { 0 };
	const char *path = rel->v[0], *why = "";
	if (!throwaway)
		wlog_begin(&log);
	errno = 0;
	r = wimlib_extract_paths(ws, image, volpath, &path, 1,
				 WIMLIB_EXTRACT_FLAG_NTFS | WIMLIB_EXTRACT_FLAG_NORPFIX);
	ret = wim_err(r, WS_OUT);
	if (!throwaway)
		why = wlog_end(&log);
	if (r)
		msg_error("%s: cannot extract it to scratch volume %s: %s%s%s", where, volpath,
			  wimlib_get_error_string(r), *why ? ": " : "", why);
	wlog_free(&log);
	int back = wimlib_rename_path(ws, image, first, from);
	if (back) {
		msg_error("%s: cannot move %s back to %s in the image (nothing is written): %s",
			  where, first, from, wimlib_get_error_string(back));
		ret = wim_err(back, WS_OWN);
	} else {
		*done = ret == WP_OK;
	}
out:
	strv_free(&kids);
	file_info_free(&top);
	free(first);
	free(from);
	return ret;
}

void wim_keep_free(struct wim_keep *k)
{
	if (!k)
		return;
	file_info_free(&k->fi);
	strv_free(&k->rel);
	free(k->T);
	free(k->before);
	free(k->stored);
	free(k->where);
	free(k->scratch);
	free(k);
}

/* Make the volume (with room for `room` bytes of data) and put the file's
 * links, and only they, into it. */
static enum wp_err keep_prepare(struct wim *w, int image, const char *stored,
				const char *scratch, uint64_t room, struct wim_keep **out)
{
	struct wim_keep *k = calloc(1, sizeof(*k));
	char *vol = NULL;
	enum wp_err ret = WP_ERR_INTERNAL;

	*out = NULL;
	if ((ret = wim_sparse_fetch(w->ws, w->path, image, stored)) != WP_OK) {
		free(k);
		return ret;
	}
	ret = WP_ERR_INTERNAL;
	if (!k || !(k->stored = strdup(stored)) || !(k->scratch = strdup(scratch)) ||
	    asprintf(&k->where, "%s: image %d: %s", w->path, image, stored + 1) < 0) {
		if (k)
			k->where = NULL;
		msg_error("out of memory");
		goto out;
	}
	k->image = image;
	const char *where = k->where;
	if ((ret = file_info_get(w->ws, w->path, image, stored, &k->fi)) != WP_OK)
		goto out;
	ret = WP_ERR_INPUT;
	if (k->fi.attributes & (WIMLIB_FILE_ATTRIBUTE_DIRECTORY | WIMLIB_FILE_ATTRIBUTE_REPARSE_POINT |
				WIMLIB_FILE_ATTRIBUTE_ENCRYPTED)) {
		msg_error("%s: is a directory, reparse point or encrypted file (attributes 0x%x): "
			  "cannot replace its data", where, (unsigned)k->fi.attributes);
		goto out;
	}
	if (k->fi.unix_mode)
		msg_warn("%s: its UNIX owner and mode (a wimlib extension) are not kept", where);
	if (!(k->T = add_target(&k->fi, where, &k->renamed)))
		goto out;
	ret = WP_ERR_INTERNAL;
	for (size_t i = 0; i < k->fi.links.n; i++)
		if (strv_add(&k->rel, k->fi.links.v[i] + strlen(k->T)) < 0) {
			msg_error("out of memory");
			goto out;
		}
	ret = metadata_text(w->ws, w->path, image, stored, false, WS_IN, &k->before);
	if (ret != WP_OK)
		goto out;
	k->room = k->fi.size > room ? k->fi.size : room;
	ret = WP_ERR_INTERNAL;
	if (!(vol = wim_volume_name(w, scratch, "image", image)))
		goto out;
	ret = WP_ERR_WRITE;
	msg_verbose("%s: keeping its metadata: %zu link%s, added back at %s from scratch volume %s",
		    where, k->fi.links.n, k->fi.links.n == 1 ? "" : "s", k->T, vol);
	if (wim_volume_make(w, vol, ntfsvol_size_for(k->room, k->fi.stream_bytes), where) < 0)
		goto out;
	wim_volume_own(w, vol);
	k->volpath = vol;
	vol = NULL;

	/* Moved up in this image for a moment, or from an untouched copy of
	 * the image cut down. */
	bool done;
	ret = extract_moved(w->ws, w->path, image, k->T, &k->rel, k->volpath, where, false, &done);
	if (ret != WP_OK)
		goto out;
	if (!done) {
		struct wlog log;
		WIMStruct *s;
		if ((ret = shadow_for(w, image, &s)) != WP_OK)
			goto out;
		int r = shadow_cut(s, image, k->T, &k->rel);
		if (r) {
			ret = wfail(w->path, image, r, WS_OWN,
				    "cannot prepare the scratch copy of the image");
			goto out;
		}
		wlog_begin(&log);
		errno = 0;
		r = wimlib_extract_image(s, image, k->volpath,
					 WIMLIB_EXTRACT_FLAG_NTFS | WIMLIB_EXTRACT_FLAG_NORPFIX);
		ret = wim_err(r, WS_OUT);
		const char *why = wlog_end(&log);
		if (r)
			msg_error("%s: cannot extract it to scratch volume %s: %s%s%s", where,
				  k->volpath, wimlib_get_error_string(r), *why ? ": " : "", why);
		wlog_free(&log);
		if (r)
			goto out;
	} else {
		msg_verbose("%s: extracted to the scratch volume from the image itself", where);
	}
	ret = WP_OK;
	*out = k;
	k = NULL;
out:
	free(vol);
	wim_keep_free(k);
	return ret;
}

/* The volume of `k` (holding the new data) back into `image` at k->T:
 * directories already there keep their own metadata, each link is
 * replaced by the captured one; then the file `stored` must have the
 * metadata `before` it had.  Reports what fails, naming `where`. */
static enum wp_err add_back(struct wim *w, const struct wim_keep *k, int image,
			    const char *stored, const char *before, const char *where)
{
	struct wimlib_update_command cmd;
	struct wlog log;
	memset(&cmd, 0, sizeof(cmd));
	cmd.op = WIMLIB_UPDATE_OP_ADD;
	cmd.add.fs_source_path = (char *)k->volpath;
	cmd.add.wim_target_path = k->T;
	cmd.add.config_file = NULL;
	/* NTFS-3G makes up a security descriptor for a file that has none:
	 * then capture none. */
	cmd.add.add_flags = WIMLIB_ADD_FLAG_NTFS | WIMLIB_ADD_FLAG_NORPFIX |
			    (k->fi.has_sd ? 0 : WIMLIB_ADD_FLAG_NO_ACLS);
	wlog_begin(&log);
	int r = wimlib_update_image(w->ws, image, &cmd, 1, 0);
	enum wp_err ret = wim_err(r, WS_OWN);
	const char *why = wlog_end(&log);
	if (r)
		msg_error("%s: cannot add it back from scratch volume %s: %s%s%s", where, k->volpath,
			  wimlib_get_error_string(r), *why ? ": " : "", why);
	wlog_free(&log);
	if (r)
		return ret;
	/* Check before anything is written. */
	char *after;
	ret = metadata_text(w->ws, w->path, image, stored, false, WS_OWN, &after);
	if (ret != WP_OK)
		return ret;
	if (strcmp(before, after) != 0) {
		msg_error("%s: the file's metadata would change on the way back in; nothing is "
			  "written (--plain-replace replaces it as a new file)", where);
		msg_verbose_lines("before:", before);
		msg_verbose_lines("after:", after);
		ret = WP_ERR_INTERNAL;
	}
	free(after);
	return ret == WP_OK ? wim_hash_added(w, image, where) : ret;
}

/* The new data in, the volume back into the image, the metadata checked. */
static enum wp_err keep_commit(struct wim *w, struct wim_keep *k, const char *src)
{
	struct ntfsvol_edit e = {
		.file = k->rel.v[0],
		.data = src,
		.attributes = k->fi.attributes,
		.short_name = k->renamed ? k->fi.short_name : NULL,
	};
	if (ntfsvol_replace_data(k->volpath, &e, k->where) < 0)
		return WP_ERR_WRITE;
	return add_back(w, k, k->image, k->stored, k->before, k->where);
}

enum wp_err wim_keep_prepare(struct wim *w, int image, const char *stored, const char *scratch,
			     const char *copy, struct wim_keep **out)
{
	/* Sparse: room costs nothing until written. */
	struct wim_keep *k;
	enum wp_err r = keep_prepare(w, image, stored, scratch, 0, &k);
	if (r != WP_OK)
		return r;
	k->room = 2 * k->room + (1u << 20);
	if (ntfsvol_read_data(k->volpath, k->rel.v[0], copy, k->where) < 0) {
		wim_keep_free(k);
		return WP_ERR_WRITE;
	}
	*out = k;
	return WP_OK;
}

enum wp_err wim_keep_commit(struct wim *w, struct wim_keep *k, const char *src)
{
	struct stat st;

	if (stat(src, &st) < 0) {
		msg_error("%s: %s: %s", k->where, src, strerror(errno));
		return WP_ERR_WRITE;
	}
	if ((uint64_t)st.st_size <= k->room)
		return keep_commit(w, k, src);
	/* Grown past the volume: a new one, big enough, which `k` then
	 * stands for (wim_keep_commit_again adds the volume that holds the
	 * data). */
	struct wim_keep *k2;
	enum wp_err r = keep_prepare(w, k->image, k->stored, k->scratch, (uint64_t)st.st_size, &k2);
	if (r == WP_OK)
		r = keep_commit(w, k2, src);
	if (r == WP_OK) {
		struct wim_keep t = *k;
		*k = *k2;
		*k2 = t;
	}
	wim_keep_free(k2);
	return r;
}

static enum wp_err replace_keeping(struct wim *w, int image, const char *src,
				   const char *stored, const char *scratch);

/*
 * What wim_keep_commit_again does when the file of `image` is not like
 * the one `done` replaced: a volume of its own, filled with the data of
 * done's volume (copied out into `scratch` first).
 */
static enum wp_err commit_own(struct wim *w, const struct wim_keep *done, int image,
			      const char *stored, const char *scratch, const char *where)
{
	char *copy = NULL;
	enum wp_err r = WP_ERR_WRITE;

	if (asprintf(&copy, "%s/data-%d", scratch, image) < 0) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	if (ntfsvol_read_data(done->volpath, done->rel.v[0], copy, where) == 0) {
		r = replace_keeping(w, image, copy, stored, scratch);
		unlink(copy);
	}
	free(copy);
	return r;
}

/* Are the metadata texts `a` and `b` the same but for their creation and
 * last-access times (the lines metadata_text starts with "created " and
 * "accessed ")?  Files copied in at different times differ so. */
static bool same_but_times(const char *a, const char *b)
{
	while (*a && *b) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
		bool ta = strncmp(a, "created ", 8) == 0 || strncmp(a, "accessed ", 9) == 0;
		bool tb = strncmp(b, "created ", 8) == 0 || strncmp(b, "accessed ", 9) == 0;
		if (ta != tb || (!ta && (la != lb || memcmp(a, b, la) != 0)))
			return false;
		a += la + (a[la] == '\n');
		b += lb + (b[lb] == '\n');
	}
	return *a == *b;
}

/* What wim_keep_commit_again does when the file of `image` differs from
 * the one `done` replaced in its times only: a copy of done's volume
 * (the data as it is: no extraction, no NTFS write of it) with the file
 * given the times `fi` has, added back as done's was. */
static enum wp_err commit_retimed(struct wim *w, const struct wim_keep *done, int image,
				  const char *stored, const char *scratch,
				  const struct file_info *fi, const char *before, const char *where)
{
	char *vol = wim_volume_name(w, scratch, "image", image);

	if (!vol)
		return WP_ERR_INTERNAL;
	msg_verbose("%s: the same metadata as image %d's but for its times: added back at %s from "
		    "a copy of its scratch volume, %s", where, done->image, done->T, vol);
	if (ntfsvol_clone(done->volpath, vol, where) < 0) {
		free(vol);
		return WP_ERR_WRITE;
	}
	wim_volume_own(w, vol);
	if (ntfsvol_set_times(vol, done->rel.v[0], fi->created, fi->accessed, where) < 0)
		return WP_ERR_WRITE;
	struct wim_keep k = *done;
	k.volpath = vol;
	return add_back(w, &k, image, stored, before, where);
}

enum wp_err wim_keep_commit_again(struct wim *w, const struct wim_keep *done, int image,
				  const char *stored, const char *scratch)
{
	char *where = NULL, *before = NULL;
	struct file_info fi;
	enum wp_err r;

	memset(&fi, 0, sizeof(fi));
	if (asprintf(&where, "%s: image %d: %s", w->path, image, stored + 1) < 0) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	if ((r = file_info_get(w->ws, w->path, image, stored, &fi)) != WP_OK)
		goto out;
	if ((r = metadata_text(w->ws, w->path, image, stored, false, WS_IN, &before)) != WP_OK)
		goto out;
	/* The same metadata text means the same links (with their short
	 * names), attributes, security descriptor, times and streams, so the
	 * same add target: done's volume says it all. */
	bool like = fi.unix_mode == done->fi.unix_mode && fi.links.n == done->fi.links.n;
	for (size_t i = 0; like && i < fi.links.n; i++)
		like = strcmp(fi.links.v[i], done->fi.links.v[i]) == 0;
	if (like && fi.unix_mode)
		msg_warn("%s: its UNIX owner and mode (a wimlib extension) are not kept", where);
	if (like && strcmp(before, done->before) != 0 && same_but_times(before, done->before)) {
		r = commit_retimed(w, done, image, stored, scratch, &fi, before, where);
		goto out;
	}
	if (!like || strcmp(before, done->before) != 0) {
		msg_verbose("%s: its metadata differs from that of image %d's: a scratch volume of "
			    "its own", where, done->image);
		r = commit_own(w, done, image, stored, scratch, where);
		goto out;
	}
	msg_verbose("%s: same metadata as image %d's: added back at %s from its scratch volume %s",
		    where, done->image, done->T, done->volpath);
	r = add_back(w, done, image, stored, before, where);
out:
	file_info_free(&fi);
	free(before);
	free(where);
	return r;
}

static enum wp_err replace_keeping(struct wim *w, int image, const char *src,
				   const char *stored, const char *scratch)
{
	struct wim_keep *k;
	struct stat st;

	if (stat(src, &st) < 0) {
		msg_error("%s: image %d: %s: %s: %s", w->path, image, stored + 1, src,
			  strerror(errno));
		return WP_ERR_WRITE;
	}
	enum wp_err r = keep_prepare(w, image, stored, scratch, (uint64_t)st.st_size, &k);
	if (r == WP_OK)
		r = keep_commit(w, k, src);
	wim_keep_free(k);
	return r;
}

enum wp_err wim_replace_file(struct wim *w, int image, const char *src, const char *stored,
			     enum wim_replace_mode mode, const char *scratch)
{
	if (mode == WIM_REPLACE_PLAIN)
		return replace_plain(w, image, src, stored);
	return replace_keeping(w, image, src, stored, scratch);
}

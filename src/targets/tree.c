/* tree.c - find the files of an extracted installation medium; see tree.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util/msg.h"
#include "targets/tree.h"
#include "util/array.h"
#include "util/path.h"

/* Append a file of the medium; takes `rel` (freed if it fails). */
static int add(struct media_tree *t, enum media_kind k, char *rel)
{
	if (!ARRAY_GROW(t->files, t->n_files + 1, t->a_files)) {
		free(rel);
		msg_error("out of memory");
		return -1;
	}
	t->files[t->n_files].kind = k;
	t->files[t->n_files].rel = rel;
	t->n_files++;
	return 0;
}

/* Paths found, relative to the root. */
struct found {
	char **v;
	size_t n, alloc;
};

/*
 * Every on-disk path below the root that matches `path` ('/'-separated,
 * below `dir`, "" for the root) without regard to case.  All of them, not
 * the first: sources/ and SOURCES/, boot.wim and Boot.Wim can stand side
 * by side on a case-sensitive file system, and tree_scan refuses that.
 * A part that is missing or not a directory just matches nothing.
 */
static int find_all(const char *root, const char *dir, const char *path, struct found *f)
{
	const char *slash = strchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : strlen(path);
	char full[PATH_MAX];
	int ret = 0;

	snprintf(full, sizeof(full), "%s%s%s", root, *dir ? "/" : "", dir);
	DIR *d = opendir(full);
	if (!d)
		return 0;
	for (struct dirent *e; ret == 0 && (e = readdir(d));) {
		if (strlen(e->d_name) != len || strncasecmp(e->d_name, path, len) != 0)
			continue;
		char *rel;
		if (asprintf(&rel, "%s%s%s", dir, *dir ? "/" : "", e->d_name) < 0) {
			msg_error("out of memory");
			ret = -1;
		} else if (slash) {
			ret = find_all(root, rel, slash + 1, f);
			free(rel);
		} else if (!ARRAY_GROW(f->v, f->n + 1, f->alloc)) {
			msg_error("out of memory");
			free(rel);
			ret = -1;
		} else {
			f->v[f->n++] = rel;
		}
	}
	closedir(d);
	return ret;
}

int tree_check_inside(const char *root, const char *rel)
{
	char rroot[PATH_MAX], rfile[PATH_MAX], full[PATH_MAX];

	if (!realpath(root, rroot)) {
		msg_error("%s: %s", root, strerror(errno));
		return -1;
	}
	snprintf(full, sizeof(full), "%s/%s", root, rel);
	if (!realpath(full, rfile)) {
		msg_error("%s: %s", full, strerror(errno));
		return -1;
	}
	size_t n = strlen(rroot);
	if (strncmp(rfile, rroot, n) != 0 || (rfile[n] != '/' && rfile[n] != '\0')) {
		msg_error("%s: leads outside the tree (to %s): refusing to touch it", full, rfile);
		return -1;
	}
	return 0;
}

/* A file wimpatch reads must be a regular file inside the tree. */
static int check_file(const struct media_tree *t, const char *rel)
{
	struct stat st;
	char full[PATH_MAX];

	if (tree_check_inside(t->root, rel) < 0)
		return -1;
	snprintf(full, sizeof(full), "%s/%s", t->root, rel);
	if (stat(full, &st) < 0 || !S_ISREG(st.st_mode)) {
		msg_error("%s: not a regular file", full);
		return -1;
	}
	return 0;
}

/* install.swm, install2.swm, ...: a split set.  install.swm is the first
 * part (the set is opened through it, see wim.h); the others, named with
 * their part number, are listed so that -o does not copy them. */
static int scan_split(struct media_tree *t, const char *sources)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/%s", t->root, sources);
	DIR *d = opendir(dir);
	struct dirent *e;
	bool first = false;
	char *other = NULL;
	int ret = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) && ret == 0) {
		char *rel;
		enum media_kind kind;
		if (asprintf(&rel, "%s/%s", sources, e->d_name) < 0) {
			ret = -1;
			break;
		}
		if (!media_classify(rel, &kind) || (kind != MEDIA_SPLIT && kind != MEDIA_SPLIT_PART)) {
			free(rel);
			continue;	/* install-old.swm and the like: just a file */
		}
		if (kind == MEDIA_SPLIT)
			first = true;
		else if (!other && !(other = strdup(rel)))
			ret = -1;
		if (ret == 0)
			ret = add(t, kind, rel);
		else
			free(rel);
	}
	closedir(d);
	if (ret == 0 && other && !first) {
		msg_error("%s/%s: a part of a split WIM, but there is no first part (install.swm) "
			  "next to it", t->root, other);
		ret = -1;
	}
	free(other);
	return ret;
}

/* The medium's files: those at fixed places, then the split sets. */
static int find_files(struct media_tree *t)
{
	struct found f = { 0 };
	int ret = 0;

	for (size_t i = 0; i < media_n_fixed_files && ret == 0; i++) {
		ret = find_all(t->root, "", media_fixed_files[i].path, &f);
		/* add takes each string (and frees it if it fails). */
		for (size_t j = 0; j < f.n; j++) {
			if (ret == 0)
				ret = add(t, media_fixed_files[i].kind, f.v[j]);
			else
				free(f.v[j]);
		}
		f.n = 0;
	}
	if (ret == 0)
		ret = find_all(t->root, "", MEDIA_SOURCES, &f);
	for (size_t j = 0; j < f.n && ret == 0; j++)
		ret = scan_split(t, f.v[j]);
	array_free_strings(f.v, f.n);
	return ret;
}

int tree_scan(const char *root, struct media_tree *t)
{
	memset(t, 0, sizeof(*t));
	if (!(t->root = strdup(root))) {
		msg_error("out of memory");
		return -1;
	}
	if (find_files(t) < 0)
		return -1;
	const char **rels = calloc(t->n_files + 1, sizeof(*rels));
	if (!rels) {
		msg_error("out of memory");
		return -1;
	}
	for (size_t i = 0; i < t->n_files; i++)
		rels[i] = t->files[i].rel;
	int ret = media_check_spellings(root, rels, t->n_files);
	free(rels);
	bool boot = false;
	for (size_t i = 0; i < t->n_files && ret == 0; i++) {
		ret = check_file(t, t->files[i].rel);
		boot |= t->files[i].kind == MEDIA_BOOT_WIM;
	}
	if (ret == 0 && !boot) {
		msg_error("%s: not a Windows installation medium (no " MEDIA_REQUIRED ")", root);
		return -1;
	}
	return ret;
}

void tree_free(struct media_tree *t)
{
	for (size_t i = 0; i < t->n_files; i++)
		free(t->files[i].rel);
	free(t->files);
	free(t->root);
	memset(t, 0, sizeof(*t));
}

enum wp_err tree_each(const char *root, tree_each_fn fn, void *ctx)
{
	struct media_tree t;
	enum wp_err ret = WP_OK;

	if (tree_scan(root, &t) < 0) {
		tree_free(&t);
		return WP_ERR_INPUT;
	}
	for (size_t i = 0; i < t.n_files && ret == WP_OK; i++) {
		enum media_kind k = t.files[i].kind;
		if (k == MEDIA_SPLIT_PART || (!media_kind_is_wim(k) && !media_kind_is_bcd(k)))
			continue;
		char *full = path_join(root, t.files[i].rel);
		struct msg_where about = { .file = full };
		if (!full) {
			msg_error("out of memory");
			ret = WP_ERR_INTERNAL;
			break;
		}
		msg_where_push(&about);
		ret = fn(ctx, full, k);
		msg_where_pop(&about);
		free(full);
	}
	tree_free(&t);
	return ret;
}

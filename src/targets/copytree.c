/* copytree.c - copy a tree for -o; see copytree.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targets/copytree.h"
#include "core/error.h"
#include "util/array.h"
#include "util/fsutil.h"
#include "util/msg.h"

/* A directory being copied, by identity. */
struct dir_id {
	dev_t dev;
	ino_t ino;
};

struct walk {
	/* The entry being copied, as reached from the roots (through the
	 * links followed): the two paths grow and shrink with the walk. */
	char src[PATH_MAX], dst[PATH_MAX];
	size_t src_root;	/* strlen of the source root in src */
	char rsrc[PATH_MAX];	/* the source root, resolved */
	const char *const *skip;
	size_t n_skip;
	/* The directories from the root down to the entry: a link leading
	 * back to one of them would be copied forever. */
	struct dir_id *dirs;
	size_t n_dirs, a_dirs;
};

static int copy_entry(struct walk *w);

/* The entry's path relative to the roots ("" for the roots). */
static const char *rel_of(const struct walk *w)
{
	return w->src[w->src_root] == '/' ? w->src + w->src_root + 1 : "";
}

static bool skipped(const struct walk *w)
{
	for (size_t i = 0; i < w->n_skip; i++)
		if (strcmp(w->skip[i], rel_of(w)) == 0)
			return true;
	return false;
}

static bool under(const char *real, const char *root)
{
	size_t n = strlen(root);
	return strncmp(real, root, n) == 0 && (real[n] == '/' || real[n] == '\0');
}

/*
 * A symbolic link is copied as what it leads to, never recreated: a link
 * copied as it is may lead, from the output tree, back into the source
 * (an absolute link, or "../src/real") or to whatever happens to be there,
 * and wimpatch would then write its output through it.  Links that lead
 * out of the tree, or nowhere, are refused.  Sets *st to the target's.
 */
static int follow_link(const struct walk *w, struct stat *st)
{
	char target[PATH_MAX], real[PATH_MAX];
	ssize_t n = readlink(w->src, target, sizeof(target) - 1);

	if (n < 0) {
		msg_error("%s: %s", w->src, strerror(errno));
		return WP_ERR_INPUT;
	}
	target[n] = '\0';
	if (!realpath(w->src, real) || stat(w->src, st) < 0) {
		msg_error("%s: symbolic link to %s: %s: refusing to copy it", w->src, target,
			  strerror(errno));
		return WP_ERR_INPUT;
	}
	if (!under(real, w->rsrc)) {
		msg_error("%s: symbolic link to %s leads outside the tree: refusing to copy it",
			  w->src, target);
		return WP_ERR_INPUT;
	}
	msg_verbose("%s: symbolic link to %s: copied as the %s it leads to", w->src, target,
		    S_ISDIR(st->st_mode) ? "directory" : "file");
	return WP_OK;
}

static int copy_file(const struct walk *w, const struct stat *st)
{
	if (skipped(w))
		return WP_OK;
	if (fs_copy_file(w->src, w->dst) < 0)
		return WP_ERR_WRITE;
	if (chmod(w->dst, (st->st_mode & 07777) | 0200) < 0) {
		msg_error("%s: %s", w->dst, strerror(errno));
		return WP_ERR_WRITE;
	}
	/* A copy is the same file: it keeps the source's times, so that two
	 * runs give the same tree (and an ISO made of it the same dates). */
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	if (utimensat(AT_FDCWD, w->dst, ts, 0) < 0) {
		msg_error("%s: cannot set its times: %s", w->dst, strerror(errno));
		return WP_ERR_WRITE;
	}
	return WP_OK;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in the directory, sorted (so that errors come in a stable
 * order), read before any is copied: one descriptor open at a time,
 * however deep the tree. */
static int list_dir(const char *path, char ***names, size_t *n)
{
	size_t alloc = 0;
	DIR *d = opendir(path);

	*names = NULL;
	*n = 0;
	if (!d) {
		msg_error("%s: %s", path, strerror(errno));
		return WP_ERR_INPUT;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *s = strdup(e->d_name);
		if (!s || !ARRAY_GROW(*names, *n + 1, alloc)) {
			free(s);
			closedir(d);
			msg_error("out of memory");
			return WP_ERR_INTERNAL;
		}
		(*names)[(*n)++] = s;
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), by_name);
	return WP_OK;
}

/* Append "/name" to both paths; false (reported) if too long. */
static bool descend(struct walk *w, const char *name)
{
	size_t ls = strlen(w->src), ld = strlen(w->dst), n = strlen(name);

	if (ls + n + 2 > sizeof(w->src) || ld + n + 2 > sizeof(w->dst)) {
		msg_error("%s/%s: path too long", w->src, name);
		return false;
	}
	w->src[ls] = w->dst[ld] = '/';
	memcpy(w->src + ls + 1, name, n + 1);
	memcpy(w->dst + ld + 1, name, n + 1);
	return true;
}

static void ascend(struct walk *w)
{
	*strrchr(w->src, '/') = '\0';
	*strrchr(w->dst, '/') = '\0';
}

static int copy_dir(struct walk *w, const struct stat *st)
{
	char **names;
	size_t n;
	int ret;

	for (size_t i = 0; i < w->n_dirs; i++) {
		if (w->dirs[i].dev == st->st_dev && w->dirs[i].ino == st->st_ino) {
			msg_error("%s: leads back to a directory that holds it (a symbolic link "
				  "loop): refusing to copy it", w->src);
			return WP_ERR_INPUT;
		}
	}
	if (!ARRAY_GROW(w->dirs, w->n_dirs + 1, w->a_dirs)) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	/* The output's root was made by copy_tree.  Writable by the owner:
	 * a source copied off a mounted ISO is read-only. */
	if (*rel_of(w) && mkdir(w->dst, (st->st_mode & 07777) | 0700) < 0) {
		msg_error("%s: %s", w->dst, strerror(errno));
		return WP_ERR_WRITE;
	}
	if ((ret = list_dir(w->src, &names, &n)) != WP_OK)
		return ret;
	w->dirs[w->n_dirs++] = (struct dir_id){ st->st_dev, st->st_ino };
	for (size_t i = 0; i < n && ret == WP_OK; i++) {
		if (!descend(w, names[i])) {
			ret = WP_ERR_INPUT;
			break;
		}
		ret = copy_entry(w);
		ascend(w);
	}
	w->n_dirs--;
	array_free_strings(names, n);
	return ret;
}

static int copy_entry(struct walk *w)
{
	struct stat st;
	int ret = WP_OK;

	if (lstat(w->src, &st) < 0) {
		msg_error("%s: %s", w->src, strerror(errno));
		return WP_ERR_INPUT;
	}
	if (S_ISLNK(st.st_mode) && (ret = follow_link(w, &st)) != WP_OK)
		return ret;
	if (S_ISDIR(st.st_mode))
		return copy_dir(w, &st);
	if (S_ISREG(st.st_mode))
		return copy_file(w, &st);
	msg_error("%s: not a regular file, directory or link: refusing to copy it", w->src);
	return WP_ERR_INPUT;
}

int path_is_inside(const char *dst, const char *src)
{
	char rsrc[PATH_MAX], rdst[PATH_MAX], parent[PATH_MAX];

	if (!realpath(src, rsrc))
		return 0;
	/* dst may not exist yet: resolve its parent. */
	if (!realpath(dst, rdst)) {
		snprintf(parent, sizeof(parent), "%s", dst);
		char *slash = strrchr(parent, '/');
		if (slash)
			*slash = '\0';
		else
			strcpy(parent, ".");
		if (!realpath(parent, rdst))
			return 0;
	}
	return under(rdst, rsrc);
}

int copy_tree(const char *src, const char *dst, const char *const *skip, size_t n_skip)
{
	struct walk *w = calloc(1, sizeof(*w));
	struct stat st;
	int ret;

	if (!w) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	if (lstat(dst, &st) == 0) {
		if (!S_ISDIR(st.st_mode) || rmdir(dst) < 0) {
			msg_error("%s: exists and is not an empty directory", dst);
			free(w);
			return WP_ERR_USAGE;
		}
	}
	ret = WP_ERR_WRITE;
	if (mkdir(dst, 0755) < 0) {
		msg_error("%s: %s", dst, strerror(errno));
	} else if (snprintf(w->src, sizeof(w->src), "%s", src) >= (int)sizeof(w->src) ||
		   snprintf(w->dst, sizeof(w->dst), "%s", dst) >= (int)sizeof(w->dst)) {
		msg_error("%s: path too long", src);
		ret = WP_ERR_INPUT;
	} else if (!realpath(src, w->rsrc) || stat(src, &st) < 0) {
		msg_error("%s: %s", src, strerror(errno));
		ret = WP_ERR_INPUT;
	} else {
		w->src_root = strlen(w->src);
		w->skip = skip;
		w->n_skip = n_skip;
		ret = copy_dir(w, &st);
	}
	free(w->dirs);
	free(w);
	return ret;
}

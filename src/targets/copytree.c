/* copytree.c - copy a tree for -o; see copytree.h. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targets/copytree.h"
#include "core/error.h"
#include "util/fsutil.h"
#include "util/msg.h"

/* nftw has no user pointer: the walk's state lives here, one walk at a time. */
static struct {
	const char *src, *dst;
	char rsrc[PATH_MAX];
	size_t src_len;
	const char *const *skip;
	size_t n_skip;
	int ret;
} walk;

static bool skipped(const char *rel)
{
	for (size_t i = 0; i < walk.n_skip; i++)
		if (strcmp(walk.skip[i], rel) == 0)
			return true;
	return false;
}

static int copy_link(const char *path, const char *out)
{
	char target[PATH_MAX], real[PATH_MAX];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n < 0) {
		msg_error("%s: %s", path, strerror(errno));
		return WP_ERR_INPUT;
	}
	target[n] = '\0';
	size_t rl = strlen(walk.rsrc);
	if (!realpath(path, real) || strncmp(real, walk.rsrc, rl) != 0 ||
	    (real[rl] != '/' && real[rl] != '\0')) {
		msg_error("%s: symbolic link to %s leads outside the tree: refusing to copy it",
			  path, target);
		return WP_ERR_INPUT;
	}
	if (symlink(target, out) < 0) {
		msg_error("%s: %s", out, strerror(errno));
		return WP_ERR_WRITE;
	}
	return WP_OK;
}

static int visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	const char *rel = path + walk.src_len;
	char out[PATH_MAX];

	(void)ftw;
	while (*rel == '/')
		rel++;
	if (snprintf(out, sizeof(out), "%s/%s", walk.dst, rel) >= (int)sizeof(out)) {
		msg_error("%s: path too long", path);
		walk.ret = WP_ERR_INPUT;
		return 1;
	}
	switch (flag) {
	case FTW_D:
		if (*rel && mkdir(out, (st->st_mode & 07777) | 0700) < 0) {
			msg_error("%s: %s", out, strerror(errno));
			walk.ret = WP_ERR_WRITE;
			return 1;
		}
		return 0;
	case FTW_SL:
	case FTW_SLN:
		walk.ret = copy_link(path, out);
		return walk.ret != WP_OK;
	case FTW_F:
		if (skipped(rel))
			return 0;
		if (!S_ISREG(st->st_mode)) {
			msg_error("%s: not a regular file, directory or link: refusing to copy it", path);
			walk.ret = WP_ERR_INPUT;
			return 1;
		}
		if (fs_copy_file(path, out) < 0 || chmod(out, (st->st_mode & 07777) | 0200) < 0) {
			walk.ret = WP_ERR_WRITE;
			return 1;
		}
		return 0;
	default:
		msg_error("%s: cannot read it", path);
		walk.ret = WP_ERR_INPUT;
		return 1;
	}
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
	size_t n = strlen(rsrc);
	return strncmp(rdst, rsrc, n) == 0 && (rdst[n] == '/' || rdst[n] == '\0');
}

int copy_tree(const char *src, const char *dst, const char *const *skip, size_t n_skip)
{
	struct stat st;

	if (lstat(dst, &st) == 0) {
		if (!S_ISDIR(st.st_mode) || rmdir(dst) < 0) {
			msg_error("%s: exists and is not an empty directory", dst);
			return WP_ERR_USAGE;
		}
	}
	if (mkdir(dst, 0755) < 0) {
		msg_error("%s: %s", dst, strerror(errno));
		return WP_ERR_WRITE;
	}
	if (!realpath(src, walk.rsrc)) {
		msg_error("%s: %s", src, strerror(errno));
		return WP_ERR_INPUT;
	}
	walk.src = src;
	walk.dst = dst;
	walk.src_len = strlen(src);
	walk.skip = skip;
	walk.n_skip = n_skip;
	walk.ret = WP_OK;
	if (nftw(src, visit, 32, FTW_PHYS) < 0 && walk.ret == WP_OK) {
		msg_error("%s: %s", src, strerror(errno));
		walk.ret = WP_ERR_INPUT;
	}
	return walk.ret;
}

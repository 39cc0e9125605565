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

/* The on-disk name in `dir` matching `name` without regard to case, or
 * NULL.  An exact match wins over a folded one. */
static char *find_entry(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *found = NULL;

	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, name) == 0) {
			free(found);
			found = strdup(e->d_name);
			break;
		}
		if (!found && strcasecmp(e->d_name, name) == 0)
			found = strdup(e->d_name);
	}
	closedir(d);
	return found;
}

/* Resolve a '/'-separated path below root case-insensitively; returns the
 * relative path as on disk (malloc'd) or NULL if some part is missing. */
static char *find_path(const char *root, const char *path)
{
	char cur[PATH_MAX], rel[PATH_MAX] = "";
	char *copy = strdup(path), *save = NULL;

	if (!copy)
		return NULL;
	snprintf(cur, sizeof(cur), "%s", root);
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		char *e = find_entry(cur, c);
		if (!e) {
			free(copy);
			return NULL;
		}
		size_t n = strlen(cur);
		snprintf(cur + n, sizeof(cur) - n, "/%s", e);
		n = strlen(rel);
		snprintf(rel + n, sizeof(rel) - n, "%s%s", n ? "/" : "", e);
		free(e);
	}
	free(copy);
	return strdup(rel);
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
	if (tree_check_inside(t->root, rel) < 0)
		return -1;
	struct stat st;
	char full[PATH_MAX];
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

int tree_scan(const char *root, struct media_tree *t)
{
	memset(t, 0, sizeof(*t));
	if (!(t->root = strdup(root))) {
		msg_error("out of memory");
		return -1;
	}
	for (size_t i = 0; i < media_n_fixed_files; i++) {
		char *rel = find_path(root, media_fixed_files[i].path);
		if (rel && add(t, media_fixed_files[i].kind, rel) < 0)
			return -1;
	}
	char *sources = find_path(root, MEDIA_SOURCES);
	if (sources) {
		int r = scan_split(t, sources);
		free(sources);
		if (r < 0)
			return -1;
	}
	bool boot = false;
	for (size_t i = 0; i < t->n_files; i++)
		boot |= t->files[i].kind == MEDIA_BOOT_WIM;
	if (!boot) {
		msg_error("%s: not a Windows installation medium (no " MEDIA_REQUIRED ")", root);
		return -1;
	}
	return 0;
}

void tree_free(struct media_tree *t)
{
	for (size_t i = 0; i < t->n_files; i++)
		free(t->files[i].rel);
	free(t->files);
	free(t->root);
	memset(t, 0, sizeof(*t));
}

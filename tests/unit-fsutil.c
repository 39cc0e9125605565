/* unit-fsutil.c - removing a scratch tree the way the signal handler
 * does (util/fsutil.c): at any depth, without following symbolic links. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fsutil.h"
#include "tap.h"

static void touch(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f || fputs("x\n", f) == EOF || fclose(f) != 0)
		bail_out(path);
}

int main(void)
{
	char base[] = "unit-fsutil.XXXXXX", path[PATH_MAX], outside[PATH_MAX];
	struct stat st;

	if (!mkdtemp(base))
		bail_out("mkdtemp");
	snprintf(outside, sizeof(outside), "%s/outside", base);
	touch(outside);

	/* tree/d/d/d/... 200 levels, a file, a link out and a dir link at each. */
	snprintf(path, sizeof(path), "%s/tree", base);
	for (int i = 0; i < 200; i++) {
		char f[PATH_MAX + 16];
		if (mkdir(path, 0700) < 0)
			bail_out(path);
		snprintf(f, sizeof(f), "%s/file", path);
		touch(f);
		snprintf(f, sizeof(f), "%s/link", path);
		if (symlink("../../../../outside", f) < 0)
			bail_out(f);
		snprintf(f, sizeof(f), "%s/dirlink", path);
		if (symlink("/", f) < 0)
			bail_out(f);
		size_t n = strlen(path);
		if (n + 3 >= sizeof(path))
			bail_out("path too long");
		strcpy(path + n, "/d");
	}
	/* And a wide level with many empty directories. */
	for (int i = 0; i < 300; i++) {
		char d[PATH_MAX];
		snprintf(d, sizeof(d), "%s/tree/e%d", base, i);
		if (mkdir(d, 0700) < 0)
			bail_out(d);
	}

	char tree[PATH_MAX];
	snprintf(tree, sizeof(tree), "%s/tree", base);
	fs_remove_tree_signal_safe(AT_FDCWD, tree);
	ok(lstat(tree, &st) < 0, "a tree 200 directories deep is removed whole");
	ok(stat(outside, &st) == 0 && st.st_size == 2, "a link out of it is not followed");
	ok(stat("/", &st) == 0 && S_ISDIR(st.st_mode), "nor a link to a directory");

	/* A tree given by a directory fd and a name. */
	snprintf(path, sizeof(path), "%s/t2", base);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/t2/a", base);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/t2/a/f", base);
	touch(path);
	int dfd = open(base, O_RDONLY | O_DIRECTORY);
	fs_remove_tree_signal_safe(dfd, "t2");
	close(dfd);
	snprintf(path, sizeof(path), "%s/t2", base);
	ok(lstat(path, &st) < 0, "relative to a directory fd");
	fs_remove_tree_signal_safe(AT_FDCWD, path);
	ok(1, "a missing tree is no error");

	unlink(outside);
	rmdir(base);
	return done_testing();
}

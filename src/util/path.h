/*
 * path.h - '/'-separated paths as strings: the last component, the
 * directory part, two parts joined.  Nothing here touches the file system.
 */
#ifndef WIMPATCH_PATH_H
#define WIMPATCH_PATH_H

/* The last component ("c" of "a/b/c", "c" of "c"); points into `path`. */
const char *path_base(const char *path);
/* The directory part: "a/b" of "a/b/c", "." of "c", "/" of "/c".
 * Malloc'd; NULL when out of memory. */
char *path_dir(const char *path);
/* "a/b" from "a" and "b".  Malloc'd; NULL when out of memory. */
char *path_join(const char *a, const char *b);
/* `path` below `root` (or `root` itself) named below `shown` instead
 * ("/tmp/x/sources/boot.wim" under "/tmp/x" as "A.iso/sources/boot.wim");
 * any other path, or with no root, as it is.  Malloc'd; NULL when out of
 * memory. */
char *path_rebased(const char *path, const char *root, const char *shown);

#endif

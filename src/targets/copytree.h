/*
 * copytree.h - copy an installation tree to a new directory for -o,
 * leaving out the files wimpatch will write itself.
 */
#ifndef WIMPATCH_COPYTREE_H
#define WIMPATCH_COPYTREE_H

#include <stddef.h>

/*
 * Copy `src` to `dst` (which must not exist, or be an empty directory),
 * except the relative paths in `skip`.  Files are cloned (reflink) when
 * the file system can, copied otherwise; directories are created
 * writable by their owner so a read-only source (copied off a mounted
 * ISO) works.  A symbolic link that leads to a file or directory inside
 * the tree is copied as what it leads to (the paths in `skip` are as
 * reached through links, as tree_scan finds them), so the new tree holds
 * no links that wimpatch could write through; links that lead out of the
 * tree, nowhere, or back to a directory holding them are refused.
 * Returns 0, or an enum wp_err with the reason reported.
 */
int copy_tree(const char *src, const char *dst, const char *const *skip, size_t n_skip);

/* Is `dst` (existing or not) inside `src`?  -o into the source is refused. */
int path_is_inside(const char *dst, const char *src);

#endif

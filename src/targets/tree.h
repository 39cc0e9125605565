/*
 * tree.h - an extracted Windows installation medium (ISO tree): which of
 * its files wimpatch works on (media.h says which those are).
 *
 * Names are matched without regard to case (extractors write SOURCES/,
 * Boot/BCD, ...), in every directory whose name matches; one file found
 * under two spellings is an error (media_check_spellings).  The paths
 * kept are the ones on disk, relative to the root, as reached through
 * symbolic links.  Nothing outside the root is ever used: a symbolic link
 * that leads out of the tree is an error.
 */
#ifndef WIMPATCH_TREE_H
#define WIMPATCH_TREE_H

#include <stdbool.h>
#include <stddef.h>

#include "targets/media.h"

struct tree_file {
	enum media_kind kind;
	char *rel;		/* path relative to the root, as on disk */
};

struct media_tree {
	char *root;
	struct tree_file *files;
	size_t n_files, a_files;
};

/* Find the files; errors (with the path) are reported.  Returns 0 or -1. */
int tree_scan(const char *root, struct media_tree *t);
void tree_free(struct media_tree *t);

#include "core/error.h"

/* Each WIM (a split set once, through its first part) and BCD store of
 * the tree at `root`, in the tree's order: fn(ctx, its full path, its
 * kind), with the file as the messages' place (msg_where); the first
 * error stops the walk and is returned.  For the commands that read a
 * medium file by file (show, query). */
typedef enum wp_err (*tree_each_fn)(void *ctx, const char *path, enum media_kind kind);
enum wp_err tree_each(const char *root, tree_each_fn fn, void *ctx);

/*
 * Resolve `rel` (already in on-disk case) under `root` and check that no
 * component is a symbolic link leading outside the root.  Returns 0, or -1
 * with the reason reported.
 */
int tree_check_inside(const char *root, const char *rel);

#endif

/*
 * media_files.h - the plan's medium files (<file>, <remove-file>,
 * <boot bios="noprompt">) on a medium's tree: what they would change, and
 * writing it.
 *
 * A wanted file is matched against the tree without regard to ASCII case,
 * component by component; an existing name keeps the medium's spelling,
 * a new one takes the profile's below the deepest existing directory.  A
 * symbolic link on the way (or as the file) is refused: wimpatch never
 * writes through one, whatever it points at.  A file whose content is the
 * wanted one already is no edit (so a second apply writes nothing), nor is
 * removing a file that is not there.  Writes are crash-safe: each file is
 * made in a private directory next to it, synced and renamed into place
 * (fsutil.h), a removal is an unlink followed by an fsync of its
 * directory.  The old bytes of a replaced or removed file are not kept.
 */
#ifndef WIMPATCH_MEDIA_FILES_H
#define WIMPATCH_MEDIA_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/plan.h"
#include "core/report.h"

/* One file the plan wants, after from-dir is expanded. */
struct media_want {
	char *rel;			/* as the profile spells it */
	char *from;			/* the local file; NULL: remove */
	const struct media_op *op;
};

struct media_wants {
	struct media_want *v;
	size_t n, alloc;
};

/* The plan's wants in order (a later one for the same path wins), every
 * from-dir walked (regular files only, symbolic links to them followed;
 * a link to a directory, and anything else, is refused, named).  Returns an enum wp_err. */
enum wp_err media_wants_get(const struct media_plan *mp, struct media_wants *w);
void media_wants_free(struct media_wants *w);

/* Do two medium paths name the same file (ASCII case folded)? */
bool media_path_same(const char *a, const char *b);

struct media_edits {
	struct media_file_change *v;
	size_t n, alloc;
};

/* What the plan changes in the tree at `root`: sizes and SHA-256 of the
 * old and new bytes.  Returns an enum wp_err (errors said, naming the
 * profile line and the path). */
enum wp_err media_edits_plan(const char *root, const struct media_plan *mp,
			     struct media_edits *e);
/* Write the edits into the tree at `root` (the same tree, or a copy of
 * it).  Returns an enum wp_err; what was done before a failure stays. */
enum wp_err media_edits_write(const char *root, const struct media_edits *e);
void media_edits_free(struct media_edits *e);

/* Does any edit add or remove a file (not only replace)? */
bool media_edits_add_or_remove(const struct media_edits *e);

#endif

/*
 * iso_standin.h - a Windows medium in an ISO image, as a small scratch
 * tree of stand-ins, read through the image's own file system (isofs.h)
 * without extracting it.
 *
 * Each of the medium's files (media.h: the WIMs and the BCD stores) gets
 * a file at its path in the tree: a WIM a sparse stand-in (wim.h: the
 * structures wimpatch reads, the rest fetched as needed), a BCD store a
 * whole copy.  patch_tree then works on the tree as on any medium, and
 * iso_standin_changes says what it changed, against the image: what the
 * in-place route writes back and what diff and show never need more of.
 * The tree is a private directory in $TMPDIR (or in --work-dir), tracked
 * by fsutil.h; it costs the BCD stores plus some megabytes per WIM.
 */
#ifndef WIMPATCH_ISO_STANDIN_H
#define WIMPATCH_ISO_STANDIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adapters/isofs.h"
#include "adapters/wim.h"
#include "core/error.h"
#include "targets/media.h"
#include "util/fsutil.h"

struct iso_standin {
	char *rel;			/* as the image stores it */
	char *path;			/* the stand-in, under root */
	enum media_kind kind;
	bool sparse;			/* a WIM stand-in; else a whole copy */
	uint64_t size;			/* in the image */
	struct isofs_extent *ext;	/* where its data is in the image */
	size_t n_ext;
	int fd;				/* the image, read */
	char *name;			/* "X.iso:sources/boot.wim", for messages */
};

struct iso_standins {
	struct fs_dir wd;		/* the scratch directory */
	char *root;			/* wd.path/tree */
	struct iso_standin *v;
	size_t n;
};

/* Make the stand-ins of the medium's files of `fs` (read from `fd`, the
 * image `iso`), and whole copies of the `n_extra` files `extra` (stored
 * paths; those that are not there are skipped), in a new scratch
 * directory (in `work_dir` if not NULL).
 * Split sets are refused here with WP_ERR_USAGE and a reason in `why`
 * (the caller rebuilds the image instead). */
enum wp_err iso_standins_make(const char *iso, int fd, const struct isofs *fs,
			      const char *work_dir, const char *const *extra, size_t n_extra,
			      struct iso_standins *s, char *why, size_t why_size);
void iso_standins_free(struct iso_standins *s);

/* Read n bytes at `off` of a stand-in's file as the image holds it. */
int iso_standin_read(void *standin, uint64_t off, void *buf, size_t n);

/* What patching changed in one stand-in: the new size and the ranges (in
 * whole 2048-byte blocks, or past the old end) that differ from the image.
 * n == 0 and size unchanged: nothing. */
enum wp_err iso_standin_changes(const struct iso_standin *f, struct wim_change_list *c);

#endif

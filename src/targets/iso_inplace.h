/*
 * iso_inplace.h - patching an ISO image by writing only what changes.
 *
 * The output is a copy of the source (copy_file_range, or a reflink
 * where the file system can) in a private directory next to it, in which
 * only the changed files' new bytes and the file-system descriptors that
 * point at them are written: a WIM keeps its sectors, gets its new header
 * there and its appended tail in a new extent at the end of the volume;
 * a BCD store is rewritten where it is.  Every other byte, the boot
 * catalog and boot images included, stays at its offset.
 *
 * iso_inplace_open checks the image can be patched so (its file system
 * read by isofs.h agrees with 7-Zip's listing, each medium file can be
 * resized, no split set) and makes the stand-ins (iso_standin.h) that
 * patch_tree then patches; a layout it cannot take gives WP_ERR_USAGE
 * with the reason in `why`, and the caller rebuilds the image instead.
 * A file whose stand-in patch_tree removed (<remove-file>) is taken out
 * of the image's UDF, ISO 9660 and Joliet directories (isofs_remove); a
 * file it added (<file> of a path the image lacks) goes into its UDF tree
 * (isofs_add), where the layout allows.
 * iso_inplace_write writes the output, reads it back with independent
 * readers (7-Zip's listing and the changed files' bytes, udfinfo,
 * xorriso's boot catalog, the volume descriptors) and renames it into
 * place if its name is still free: the image's commit point, at which
 * `committed(ctx)` is called with signals held back (fs_hold_signals).
 */
#ifndef WIMPATCH_ISO_INPLACE_H
#define WIMPATCH_ISO_INPLACE_H

#include <stdint.h>

#include "adapters/iso.h"
#include "adapters/isofs.h"
#include "core/error.h"
#include "core/report.h"
#include "targets/iso_copy.h"
#include "targets/iso_media.h"
#include "targets/iso_standin.h"

struct iso_inplace {
	const char *iso;
	const struct iso_media *m;
	int fd;				/* the source, read */
	uint64_t sectors;		/* its size, in sectors */
	struct isofs *fs;
	struct iso_standins st;		/* patch_tree works on st.root */
	/* The new image, from iso_inplace_begin: a copy of the source made
	 * meanwhile in a private directory next to the output. */
	const char *output;
	struct fs_dir out_dir;
	int out_fd;
	char *out_tmp;			/* out_dir/<its name>, to read it back */
	struct iso_copy copy;
	/* iso_inplace_switch_boot: the boot catalog sector to write, and
	 * the El Torito entries the output must then have. */
	bool cat_on;
	uint32_t cat_lba;
	unsigned char cat[2048];
	struct iso_info want;
	unsigned cat_entry;		/* 1-based: the entry switched */
	const char *cat_image;		/* the boot image it now loads */
	/* The files patch_tree removed (their stand-ins gone), as stored:
	 * taken out of the image's directories by iso_inplace_write. */
	const char **rm;
	size_t n_rm;
	/* The files patch_tree added to the stand-ins' tree, as stand-ins of
	 * no data (size 0, no extents), added to the image's UDF tree by
	 * iso_inplace_write; n_new_dirs: the directories that made. */
	struct iso_standin *added;
	size_t n_added;
	char **new_dirs;		/* as stored, in the order made */
	size_t n_new_dirs, alloc_new_dirs;
	size_t added_in_tree[2];	/* of them, listed in ISO 9660 and Joliet */
};

enum wp_err iso_inplace_open(const char *iso, const struct iso_media *m, const char *work_dir,
			     struct iso_inplace *ip, char *why, size_t why_size);
/* After iso_inplace_open: the UEFI El Torito entry is to load `rel` (as
 * stored): its block and load size are rewritten in the boot catalog's
 * sector (load size: the file's 512-byte sectors where the entry gave
 * its old image's so, else as it was), and the output is checked for
 * that.  WP_ERR_USAGE with `why` when it cannot be done so (the file in
 * more than one extent, no catalog): the caller rebuilds instead. */
enum wp_err iso_inplace_switch_boot(struct iso_inplace *ip, const char *rel, char *why,
				    size_t why_size);
/* After iso_inplace_open: can the files `rm` (as stored) be removed and
 * the files `add` (of add_size bytes) be added in place?  Tried on a
 * throw-away reading of the file system (isofs_remove, isofs_add,
 * isofs_commit); WP_ERR_USAGE with `why` when not: the caller rebuilds
 * instead. */
enum wp_err iso_inplace_can_edit(struct iso_inplace *ip, const char *const *rm, size_t n_rm,
				 const char *const *add, const uint64_t *add_size, size_t n_add,
				 char *why, size_t why_size);
/* Start the copy of the source next to `output` (before patch_tree,
 * which it overlaps). */
enum wp_err iso_inplace_begin(struct iso_inplace *ip, const char *output);
enum wp_err iso_inplace_write(struct iso_inplace *ip, struct iso_report *rep,
			      void (*committed)(void *ctx), void *ctx);
void iso_inplace_close(struct iso_inplace *ip);

/* For diff and show: the medium's files as stand-ins (no trial resize),
 * or, when the file system cannot be read so, extracted by 7-Zip into
 * m's work directory (iso_media_extract); *root gets the tree to read.
 * Close both ip and m after. */
enum wp_err iso_inplace_read(const char *iso, struct iso_media *m, const char *work_dir,
			     struct iso_inplace *ip, const char **root);

/* For the commands that only read (show, query): the image's WIMs and
 * BCD stores as iso_inplace_read gives them, 7-Zip checked for first,
 * then fn(ctx, iso, &m, root) with the scratch paths named as the image's in
 * messages; everything closed after. */
typedef enum wp_err (*iso_inplace_read_fn)(void *ctx, const char *iso, const struct iso_media *m,
					   const char *root);
enum wp_err iso_inplace_visit(const char *iso, const char *work_dir, iso_inplace_read_fn fn,
			      void *ctx);

/* Where the file `rel` of the image starts (its first extent) and in
 * how many extents it lies, read by isofs.h; -1 when the file system
 * cannot be read so or has no such file (nothing said). */
int iso_inplace_locate(const char *iso, const char *rel, struct isofs_extent *first,
		       size_t *n_ext);

#endif

/*
 * iso_media.h - a Windows medium in an ISO image, as a tree on disk.
 *
 * iso_media_open probes and lists the image (adapters/iso.h) and refuses
 * one without sources/boot.wim (nothing is extracted yet).
 * iso_media_extract then extracts the whole tree (to rebuild the image)
 * or only the medium's files (media.h: WIMs and BCD stores, for diff and
 * show) into a scratch directory made next to `near`
 * (".<name>.wimpatch-XXXXXX") or inside `work_dir` when that is given,
 * after checking there is room; the directory is tracked (util/fsutil.h)
 * so that an interrupting signal removes it too, and the extraction is
 * checked against the listing.  It is a private directory (fs_dir): the
 * tree is reached through its descriptor, `root` is /proc/<pid>/fd/<n>/tree.
 */
#ifndef WIMPATCH_ISO_MEDIA_H
#define WIMPATCH_ISO_MEDIA_H

#include <stdbool.h>

#include "adapters/iso.h"
#include "core/error.h"
#include "core/report.h"
#include "util/fsutil.h"

struct iso_media {
	struct iso_info info;
	struct iso_listing files;	/* the image's files, as 7-Zip lists them */
	struct fs_dir wd;		/* the scratch directory */
	char *work;			/* its name (wd.name), or NULL */
	char *root;			/* wd.path/tree: the extracted files */
	/* Other files of the image the plan's <file>/<remove-file> touch
	 * (as stored): they get whole stand-ins too (iso_standin.h), set by
	 * the caller before the stand-ins are made; not owned. */
	const char *const *extra;
	size_t n_extra;
};
enum wp_err iso_media_open(const char *path, struct iso_media *m);
enum wp_err iso_media_extract(struct iso_media *m, const char *path, const char *near,
			      const char *work_dir, bool whole);
/* Remove the scratch directory (if any) and free everything. */
void iso_media_close(struct iso_media *m);

/* The medium's boot images, by the names Microsoft gives them (NULL when
 * absent): what a new image boots from. */
void iso_media_boot_images(const struct iso_media *m, const char **bios, const char **uefi);

/* An image's El Torito entries as the reports give them, at most `max`;
 * the BIOS and UEFI entries get the boot images' paths (NULL: unknown).
 * Returns how many. */
size_t iso_media_boot_report(const struct iso_info *info, const char *bios_image,
			     const char *uefi_image, struct report_boot *out, size_t max);

#endif

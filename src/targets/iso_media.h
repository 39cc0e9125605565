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
#include "util/fsutil.h"

struct iso_media {
	struct iso_info info;
	struct iso_listing files;	/* the image's files, as 7-Zip lists them */
	struct fs_dir wd;		/* the scratch directory */
	char *work;			/* its name (wd.name), or NULL */
	char *root;			/* wd.path/tree: the extracted files */
};
enum wp_err iso_media_open(const char *path, struct iso_media *m);
enum wp_err iso_media_extract(struct iso_media *m, const char *path, const char *near,
			      const char *work_dir, bool whole);
/* Remove the scratch directory (if any) and free everything. */
void iso_media_close(struct iso_media *m);

#endif

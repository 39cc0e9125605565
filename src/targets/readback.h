/*
 * readback.h - reading a written WIM back (patch_wim.c's last step before
 * it says "written and verified"): every hive written is extracted afresh
 * from the file and parsed, its edits found in it, its transaction logs
 * empty, its metadata kept.  Internal to patch_wim.c.
 */
#ifndef WIMPATCH_READBACK_H
#define WIMPATCH_READBACK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/report.h"
#include "adapters/wim.h"
#include "targets/image_ops.h"

#define NO_PEND ((size_t)-1)

/* A hive put into an image, to be found in what is written. */
struct pending {
	int image;
	char *stored;			/* hive path in the image */
	size_t rep_index;		/* fr->hives moves as it grows: keep an index */
	char *meta;			/* its metadata before, to verify it is kept
					   (NULL with --plain-replace) */
	size_t same_as;			/* the pending entry whose edited data it got
					   (find_twin), or NO_PEND */
};

/* What reading a written WIM back found, for wim_verify_blobs to use
 * rather than read again (each image's metadata is 60,000 entries on real
 * media): the hives' hashes and the images loaded from the written file
 * (wimlib checked their metadata's SHA-1). */
struct readback {
	unsigned char (*sha1)[WIM_SHA1_LEN];	/* [i]: pend[i]'s hive */
	bool *have;
	bool *loaded;				/* [1..image count] */
};

void readback_free(struct readback *rb);

/*
 * Open what was written (by the path `written`; `shown` in messages) and
 * check every edit is in it, as a reader would see it: a fresh open, a
 * fresh extraction, a fresh hive parse; the image count and boot index
 * as they were, and the image files (`io`).  With several hives and
 * threads, two threads read them, each through a WIMStruct of its own
 * (the calling thread then says what they found, in order).  On success
 * with `out`, what was read goes there (readback_free).
 */
enum wp_err readback_verify(const char *written, const char *shown, const struct pending *pend,
			    size_t n_pend, const struct file_report *fr, int image_count,
			    int boot_index, const char *scratch, const struct image_ops *io,
			    struct readback *out);

#endif

/*
 * iso_copy.h - the copy of the source image that the in-place route
 * edits (iso_inplace.h), made by a thread of its own while the stand-ins
 * are patched, so that the two overlap: a reflink (FICLONE) where the file
 * system shares blocks, else copy_file_range in pieces, else reads and
 * writes; not synced (the edited image is, once, before its rename).  The thread touches nothing but the two descriptors and
 * its own fields; the waiting thread reports, and shows the progress.
 */
#ifndef WIMPATCH_ISO_COPY_H
#define WIMPATCH_ISO_COPY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"

struct iso_copy {
	pthread_t t;
	bool armed;		/* iso_copy_start was called */
	bool started;		/* a thread runs it; else iso_copy_wait does */
	bool waited;
	int in, out;
	uint64_t total;
	_Atomic uint64_t done;
	_Atomic bool finished;
	_Atomic bool stop;	/* iso_copy_cancel: give up at the next piece */
	int err;		/* errno of what failed, or 0 */
	const char *failed;	/* what failed ("copy") */
};

/* Start copying `in` (from its start) into `out` (empty). */
void iso_copy_start(struct iso_copy *c, int in, int out);
/* Wait for the copy (showing its progress as `dst`'s); WP_ERR_WRITE
 * after saying what failed.  Once only; a copy never started is WP_OK. */
enum wp_err iso_copy_wait(struct iso_copy *c, const char *src, const char *dst);
/* Stop a copy that is no longer wanted (a failed run) and wait for its
 * thread; nothing is reported. */
void iso_copy_cancel(struct iso_copy *c);

#endif

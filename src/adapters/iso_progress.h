/*
 * iso_progress.h - progress of the ISO tools that say nothing while they
 * run (7-Zip extracting, genisoimage writing, udfinfo): measured from
 * outside, by the bytes they have written so far, each spawn_io.on_tick
 * (util/spawn.h), and shown through util/progress.h.
 */
#ifndef WIMPATCH_ISO_PROGRESS_H
#define WIMPATCH_ISO_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct iso_tick {
	const char *file;	/* as shown: "a.iso" */
	const char *step;	/* "extracting with 7-Zip" */
	const char *out_file;	/* the file being written, or NULL */
	const char *out_dir;	/* or the tree being written, or NULL */
	uint64_t total;		/* the bytes it will hold; 0: not known */
};

/* The bytes the regular files below `dir` hold (symbolic links not
 * followed); what cannot be read counts as nothing: for progress only. */
uint64_t iso_tree_bytes(const char *dir);

/* spawn_io.on_tick for a struct iso_tick: the step's bytes so far (none
 * measured: the time it runs) to util/progress.h. */
void iso_tick(void *ctx);

/* The step over: when `ok`, its end (the final size of what it wrote,
 * 100 %); else where it got to. */
void iso_tick_done(const struct iso_tick *t, bool ok);

#endif

/*
 * copydata.h - one open file's bytes into another, the fastest way the
 * file system allows: a reflink (FICLONE) where it shares blocks, else
 * copy_file_range in pieces, else reads and writes.  It reports nothing
 * and does not sync: its callers do both (fsutil.c's copies, the copy
 * thread of the ISO route, targets/iso_copy.c), in their own words.
 */
#ifndef WIMPATCH_COPYDATA_H
#define WIMPATCH_COPYDATA_H

#include <stdbool.h>
#include <stdint.h>

/* Called after each piece with the bytes copied so far; false stops the
 * copy (which then fails with ECANCELED).  It may run on any thread. */
typedef bool (*copy_step_fn)(void *arg, uint64_t done);

/* Copy all of `in`, from its start, over `out` from its start (`out` is
 * empty or truncated by the caller; the fallback truncates it itself).
 * 0, or -1 with errno set. */
int copy_data(int in, int out, copy_step_fn step, void *arg);

#endif

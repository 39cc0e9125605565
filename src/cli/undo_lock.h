/*
 * undo_lock.h - one run at a time appends to an undo file.
 *
 * A run given --undo-file locks it (util/lock.h, exclusive, flock) before
 * any target is touched and holds it to its end, so that two runs never
 * interleave their sections in it nor lose one: another run is refused,
 * with a message naming the file, or with --wait waits for this one.
 * Each new version of the file is locked before it is renamed into place
 * (regfile_prepend), so a run that comes later finds that one locked too.
 *
 * An undo file that does not exist yet is held by an empty file made in
 * its place (O_EXCL, mode 0600), which the first record replaces; if the
 * run records nothing, it is removed at the end (and by the signal
 * handler), so that a run that writes nothing creates no undo file.  A
 * run killed by SIGKILL can leave it, empty: an empty file is an undo file
 * with no records (core/regfile.h).
 */
#ifndef WIMPATCH_UNDO_LOCK_H
#define WIMPATCH_UNDO_LOCK_H

#include <stdbool.h>

/* Lock `path` for the rest of the run, waiting for another run with
 * `wait`.  0, or -1 after saying why (another run holds it: in use). */
int undo_lock(const char *path, bool wait);
/* A record is about to go into it: a signal no longer removes the empty
 * file (the record may replace it any moment). */
void undo_lock_recording(void);
/* The run's end: remove the empty file made for it if nothing went in. */
void undo_lock_end(void);

#endif

/*
 * infile.h - opening the files a user names (profiles, their includes,
 * .reg imports, targets, an existing undo file) without ever waiting on
 * them.
 *
 * open(2) of a FIFO with no writer blocks until one comes, and opening a
 * device can block or have effects of its own.  These refuse anything
 * that is not a regular file (or a directory, where one is wanted)
 * before reading a byte: stat first, so that such a file is never
 * opened, then open with O_NONBLOCK and fstat the descriptor, so that a
 * file swapped in between is refused too.
 */
#ifndef WIMPATCH_INFILE_H
#define WIMPATCH_INFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Open `path` read-only (close-on-exec, blocking reads again once open).
 * A directory is accepted only when dir_ok.  *st describes what was
 * opened.  Returns the descriptor, or -1 with the reason, without the
 * path, in `why` ("No such file or directory", "not a regular file (a
 * FIFO)"). */
int infile_open(const char *path, bool dir_ok, struct stat *st, char *why, size_t whylen);

/* The whole of a regular file of at most `max` bytes, followed by two
 * NULs (a terminator for UTF-8 and UTF-16 text alike), its length in
 * *len.  NULL with the reason in `why`, as infile_open. */
char *infile_read(const char *path, size_t max, size_t *len, char *why, size_t whylen);

/* Open `path` for appending (a log), made if missing (mode 0666 less the
 * umask), close-on-exec.  Refused like infile_open, and a symbolic link
 * too (O_NOFOLLOW): what is written goes where the name says, not where
 * a link planted under it points.  The descriptor, or -1 with the reason
 * in `why`. */
int infile_open_append(const char *path, char *why, size_t whylen);

#endif

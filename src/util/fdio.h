/*
 * fdio.h - whole reads and writes at an offset.  pread(2) and pwrite(2)
 * may move fewer bytes than asked (a signal, a full disk); these retry
 * until all are moved, so that a caller's check is one comparison and a
 * full disk is reported as ENOSPC, not as a short count with a stale
 * errno.
 */
#ifndef WIMPATCH_FDIO_H
#define WIMPATCH_FDIO_H

#include <sys/types.h>

/* The bytes read (fewer than n only where the file ends), or -1 with errno. */
ssize_t pread_full(int fd, void *buf, size_t n, off_t off);
/* 0 once all n bytes are written, or -1 with errno. */
int pwrite_full(int fd, const void *buf, size_t n, off_t off);

#endif

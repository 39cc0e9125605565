/* fdio.c - whole reads and writes at an offset; see fdio.h. */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "util/fdio.h"

ssize_t pread_full(int fd, void *buf, size_t n, off_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, off + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

int pwrite_full(int fd, const void *buf, size_t n, off_t off)
{
	size_t put = 0;

	while (put < n) {
		ssize_t r = pwrite(fd, (const char *)buf + put, n - put, off + (off_t)put);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = EIO;	/* not for regular files; never loop */
			return -1;
		}
		put += (size_t)r;
	}
	return 0;
}

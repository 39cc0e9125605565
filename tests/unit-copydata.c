/* unit-copydata.c - copying a file's bytes into another (util/copydata.c):
 * in pieces with progress, stopped on request, and by reads and writes
 * where copy_file_range is not supported. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/copydata.h"
#include "tap.h"

/* The test's own copy_file_range, which the library links to: it fails as
 * on a file system without one when `no_range` is set. */
static bool no_range;
ssize_t copy_file_range(int in, loff_t *off_in, int out, loff_t *off_out, size_t len,
			unsigned int flags)
{
	if (no_range) {
		errno = EXDEV;
		return -1;
	}
	return syscall(SYS_copy_file_range, in, off_in, out, off_out, len, flags);
}

struct seen {
	unsigned calls;
	uint64_t last;
	bool monotonic;
	uint64_t stop_after;	/* 0: never */
};

static bool step(void *arg, uint64_t done)
{
	struct seen *s = arg;
	if (done < s->last)
		s->monotonic = false;
	s->last = done;
	s->calls++;
	return !(s->stop_after && done >= s->stop_after);
}

#define SIZE ((65u << 20) + 123u)

static bool same_bytes(int a, int b)
{
	static char x[1 << 20], y[1 << 20];
	for (off_t off = 0;; off += (off_t)sizeof(x)) {
		ssize_t n = pread(a, x, sizeof(x), off), m = pread(b, y, sizeof(y), off);
		if (n != m || n < 0)
			return false;
		if (n == 0)
			return true;
		if (memcmp(x, y, (size_t)n) != 0)
			return false;
	}
}

static int fresh(const char *name)
{
	int fd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		bail_out(name);
	return fd;
}

int main(void)
{
	char dir[] = "unit-copydata.XXXXXX", src[64], dst[64];
	if (!mkdtemp(dir))
		bail_out("mkdtemp");
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst", dir);

	/* Data at both ends and in the middle, holes between. */
	int in = fresh(src);
	char mark[4096];
	for (size_t i = 0; i < sizeof(mark); i++)
		mark[i] = (char)(i * 7 + 1);
	if (pwrite(in, mark, sizeof(mark), 0) != (ssize_t)sizeof(mark) ||
	    pwrite(in, mark, sizeof(mark), 40 << 20) != (ssize_t)sizeof(mark) ||
	    pwrite(in, mark, 123, SIZE - 123) != 123)
		bail_out("pwrite");

	struct seen s = { .monotonic = true };
	int out = fresh(dst);
	ok(copy_data(in, out, step, &s) == 0, "a file over one piece is copied");
	ok(same_bytes(in, out), "byte for byte");
	ok(s.calls >= 2 && s.monotonic && s.last == SIZE,
	   "progress is reported per piece, growing, ending at the size (%u calls, %llu)",
	   s.calls, (unsigned long long)s.last);
	close(out);

	s = (struct seen){ .monotonic = true, .stop_after = 1 };
	out = fresh(dst);
	errno = 0;
	ok(copy_data(in, out, step, &s) < 0 && errno == ECANCELED,
	   "a copy asked to stop fails with ECANCELED");
	close(out);

	no_range = true;
	s = (struct seen){ .monotonic = true };
	out = fresh(dst);
	if (pwrite(out, "stale bytes beyond the end", 26, SIZE + 10) != 26)
		bail_out("pwrite");
	ok(copy_data(in, out, step, &s) == 0, "without copy_file_range, by reads and writes");
	ok(same_bytes(in, out), "byte for byte, what was in the output before gone");
	ok(s.calls >= 2 && s.monotonic && s.last == SIZE, "with progress (%u calls)", s.calls);

	s = (struct seen){ .monotonic = true, .stop_after = 1 };
	errno = 0;
	ok(copy_data(in, out, step, &s) < 0 && errno == ECANCELED, "and stopped on request");
	ok(copy_data(in, out, NULL, NULL) == 0 && same_bytes(in, out), "without a step function");
	close(out);
	close(in);

	unlink(src);
	unlink(dst);
	rmdir(dir);
	return done_testing();
}

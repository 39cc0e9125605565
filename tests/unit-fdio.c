/* unit-fdio.c - whole reads and writes at an offset (util/fdio.c): a read
 * across the end returns what is there, a write cut short by a limit
 * fails with the reason instead of a short count. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/fdio.h"
#include "tap.h"

int main(void)
{
	char dir[] = "unit-fdio.XXXXXX", path[64], buf[8192], back[8192];
	if (!mkdtemp(dir))
		bail_out("mkdtemp");
	snprintf(path, sizeof(path), "%s/f", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		bail_out(path);
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i % 251);

	ok(pwrite_full(fd, buf, sizeof(buf), 4096) == 0, "a whole write at an offset");
	ok(pread_full(fd, back, sizeof(back), 4096) == (ssize_t)sizeof(back) &&
	   memcmp(buf, back, sizeof(buf)) == 0, "reads back whole");
	ok(pread_full(fd, back, sizeof(back), 8192) == 4096 && memcmp(buf + 4096, back, 4096) == 0,
	   "a read across the end returns the bytes up to it");
	ok(pread_full(fd, back, sizeof(back), 1 << 20) == 0, "a read past the end returns 0");

	/* A file size limit cuts the write short: the kernel writes what fits
	 * and fails the rest (EFBIG), as a full disk does with ENOSPC. */
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit lim = { 16384, 16384 };
	if (setrlimit(RLIMIT_FSIZE, &lim) < 0)
		bail_out("setrlimit");
	errno = 0;
	int r = pwrite_full(fd, buf, sizeof(buf), 12288), e = errno;
	ok(r < 0 && e == EFBIG, "a write cut short fails with its reason (%s)", strerror(e));
	ok(pread_full(fd, back, sizeof(back), 12288) == 4096, "what fitted was written");
	errno = 0;
	ok(pread_full(-1, back, 1, 0) < 0 && errno == EBADF, "a failing read says why");

	close(fd);
	unlink(path);
	rmdir(dir);
	return done_testing();
}

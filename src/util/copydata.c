/* copydata.c - copying a file's bytes into another; see copydata.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/copydata.h"

/* Pieces small enough that a long copy shows progress and stops soon
 * when asked to. */
#define PIECE (64u << 20)

static bool step_ok(copy_step_fn step, void *arg, uint64_t done)
{
	if (!step || step(arg, done))
		return true;
	errno = ECANCELED;
	return false;
}

/* For file systems without copy_file_range (it fails at once there). */
static int plain_copy(int in, int out, copy_step_fn step, void *arg)
{
	enum { BUF = 1 << 20 };
	char *buf = malloc(BUF);
	uint64_t done = 0;
	ssize_t n = -1;

	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	if (ftruncate(out, 0) == 0 && step_ok(step, arg, 0))
		while ((n = pread(in, buf, BUF, (off_t)done)) > 0) {
			if (pwrite(out, buf, (size_t)n, (off_t)done) != n) {
				if (errno == 0)
					errno = EIO;
				n = -1;
				break;
			}
			done += (uint64_t)n;
			if (!step_ok(step, arg, done)) {
				n = -1;
				break;
			}
		}
	free(buf);
	return n < 0 ? -1 : 0;
}

int copy_data(int in, int out, copy_step_fn step, void *arg)
{
	loff_t off_in = 0, off_out = 0;
	ssize_t n;

	if (ioctl(out, FICLONE, in) == 0) {
		struct stat st;
		uint64_t size = fstat(in, &st) == 0 ? (uint64_t)st.st_size : 0;
		return step_ok(step, arg, size) ? 0 : -1;
	}
	while ((n = copy_file_range(in, &off_in, out, &off_out, PIECE, 0)) > 0)
		if (!step_ok(step, arg, (uint64_t)off_in))
			return -1;
	if (n == 0)
		return 0;
	return plain_copy(in, out, step, arg);
}

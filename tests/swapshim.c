/*
 * swapshim.c - LD_PRELOAD library for the reopen-by-name test.  It plays
 * another process that renames a file over a target's name the moment
 * wimpatch has locked the target: once a lock call (flock(2), or fcntl(2)
 * F_OFD_SETLK/F_OFD_SETLKW for WIMs) succeeded on a descriptor of the file
 * SWAP_TARGET names, the next open(2) of any file (open, open64, openat,
 * openat64), made after wimpatch's own check that the name still leads to
 * the file it locked, first renames SWAP_WITH over SWAP_TARGET, once, and
 * writes "swapped" to SWAP_LOG.  A run that opens the target by name
 * again after its lock then gets the other file.
 *
 * Test-only code: never linked into wimpatch.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int armed, done;

static void maybe_arm(int fd)
{
	const char *target = getenv("SWAP_TARGET");
	struct stat a, b;

	if (armed || !target || fstat(fd, &a) < 0 || stat(target, &b) < 0 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return;
	armed = 1;
}

static void maybe_swap(void)
{
	const char *target = getenv("SWAP_TARGET"), *with = getenv("SWAP_WITH");
	const char *log = getenv("SWAP_LOG");

	if (!armed || done || !target || !with)
		return;
	done = 1;
	if (rename(with, target) == 0 && log) {
		FILE *f = fopen(log, "a");
		if (f) {
			fputs("swapped\n", f);
			fclose(f);
		}
	}
}

int flock(int fd, int op)
{
	static int (*real)(int, int);
	if (!real)
		real = (int (*)(int, int))dlsym(RTLD_NEXT, "flock");
	int r = real(fd, op);
	if (r == 0 && !(op & LOCK_UN))
		maybe_arm(fd);
	return r;
}

/* fcntl's third argument is an int or a pointer: passed on as a pointer,
 * which carries either in the same register on the ABIs Debian runs. */
static int fcntl_common(const char *name, int fd, int cmd, void *arg)
{
	int (*real)(int, int, ...) = (int (*)(int, int, ...))dlsym(RTLD_NEXT, name);
	int r = real(fd, cmd, arg);
	if (r == 0 && (cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW) &&
	    ((struct flock *)arg)->l_type != F_UNLCK)
		maybe_arm(fd);
	return r;
}

int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common("fcntl", fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	va_start(ap, cmd);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	return fcntl_common("fcntl64", fd, cmd, arg);
}

/* The opens: the swap comes first.  The mode is there when O_CREAT or
 * O_TMPFILE asks for it, and harmless otherwise. */
#define OPEN_SHIM(name, ...) \
	{ \
		va_list ap; \
		va_start(ap, flags); \
		mode_t mode = (mode_t)va_arg(ap, int); \
		va_end(ap); \
		maybe_swap(); \
		static int (*real)(); \
		if (!real) \
			real = (int (*)())dlsym(RTLD_NEXT, name); \
		return real(__VA_ARGS__, mode); \
	}

int open(const char *path, int flags, ...) OPEN_SHIM("open", path, flags)
int open64(const char *path, int flags, ...) OPEN_SHIM("open64", path, flags)
int openat(int dir, const char *path, int flags, ...) OPEN_SHIM("openat", dir, path, flags)
int openat64(int dir, const char *path, int flags, ...) OPEN_SHIM("openat64", dir, path, flags)

/*
 * faultshim.c - LD_PRELOAD library for the fault-injection test: counts
 * the calls that change files (write family, fsync, rename, truncate) and
 * kills the process with SIGKILL just before call number FAULT_KILL_AT,
 * the way a power cut or an OOM kill would stop it.
 *
 *   FAULT_KILL_AT=N      kill before the N-th such call (1-based)
 *   FAULT_SIGNAL=TERM    send SIGTERM instead (what Ctrl-C or a service
 *                        manager sends: wimpatch may clean up and report)
 *   FAULT_COUNT_FILE=F   at exit, write the number of calls seen to F
 *
 * Test-only code: never linked into wimpatch.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static unsigned long calls;
static unsigned long kill_at;
static int sig = SIGKILL;
static int ready;

static void setup(void)
{
	const char *k = getenv("FAULT_KILL_AT");
	const char *s = getenv("FAULT_SIGNAL");
	kill_at = k ? strtoul(k, NULL, 10) : 0;
	if (s && strcmp(s, "TERM") == 0)
		sig = SIGTERM;
	ready = 1;
}

static void event(void)
{
	if (!ready)
		setup();
	if (++calls == kill_at)
		raise(sig);
}

__attribute__((destructor)) static void report(void)
{
	const char *f = getenv("FAULT_COUNT_FILE");
	FILE *fp;
	if (f && (fp = fopen(f, "w"))) {
		fprintf(fp, "%lu\n", calls);
		fclose(fp);
	}
}

#define REAL(ret, name, ...) \
	static ret (*real)(__VA_ARGS__); \
	if (!real) \
		real = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

ssize_t write(int fd, const void *b, size_t n)
{
	REAL(ssize_t, "write", int, const void *, size_t);
	if (fd > 2)
		event();
	return real(fd, b, n);
}

ssize_t pwrite(int fd, const void *b, size_t n, off_t o)
{
	REAL(ssize_t, "pwrite", int, const void *, size_t, off_t);
	event();
	return real(fd, b, n, o);
}

ssize_t pwrite64(int fd, const void *b, size_t n, off_t o)
{
	REAL(ssize_t, "pwrite64", int, const void *, size_t, off_t);
	event();
	return real(fd, b, n, o);
}

ssize_t writev(int fd, const struct iovec *v, int n)
{
	REAL(ssize_t, "writev", int, const struct iovec *, int);
	if (fd > 2)
		event();
	return real(fd, v, n);
}

int fsync(int fd)
{
	REAL(int, "fsync", int);
	event();
	return real(fd);
}

int fdatasync(int fd)
{
	REAL(int, "fdatasync", int);
	event();
	return real(fd);
}

int rename(const char *a, const char *b)
{
	REAL(int, "rename", const char *, const char *);
	event();
	return real(a, b);
}

int ftruncate(int fd, off_t len)
{
	REAL(int, "ftruncate", int, off_t);
	event();
	return real(fd, len);
}

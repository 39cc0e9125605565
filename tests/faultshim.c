/*
 * faultshim.c - LD_PRELOAD library for the fault-injection test: counts
 * the calls that change files (write family, fsync, the rename family,
 * link, truncate) and kills the process with SIGKILL just before call
 * number FAULT_KILL_AT, the way a power cut or an OOM kill would stop it.
 *
 *   FAULT_KILL_AT=N      kill before the N-th such call (1-based)
 *   FAULT_SIGNAL=TERM    send SIGTERM instead (what Ctrl-C or a service
 *                        manager sends: wimpatch may clean up and report)
 *   FAULT_SIGNAL=STOP    stop it instead (SIGSTOP), as a run that is slow
 *                        just there; SIGCONT lets it go on with the call
 *                        (the concurrency test holds a run mid-write)
 *   FAULT_ERRNO_AT=N     make the N-th such call fail instead, with
 *   FAULT_ERRNO=NAME     EIO (default), ENOSPC, EROFS or EACCES
 *   FAULT_RO_DIR=DIR     refuse with EROFS every open for writing, mkstemp,
 *                        mkdtemp, rename into or link into DIR (through
 *                        /proc/<pid>/fd links too), as a read-only mount
 *                        would
 *   FAULT_COUNT_FILE=F   at exit, write the number of calls seen to F
 *   FAULT_CORRUPT_NAME=S the writes (write, pwrite) into files whose path
 *   FAULT_CORRUPT_AT=N   ends in S: the N-th of them lands with one byte
 *                        (its middle one) inverted, silently, as a bad
 *                        disk, cable or controller would; the run's read-
 *                        back must catch it.  FAULT_CORRUPT_COUNT_FILE=F
 *                        gets the number of those writes at exit
 *   FAULT_FSYNC_FAIL_NAME=S  every fsync of a file whose path ends in S
 *                        fails with EIO (a disk that fails its write-back)
 *   FAULT_SCRATCH=only   count only the calls on wimpatch's scratch NTFS
 *                        volumes (files named *.ntfs); by default those
 *                        are not counted: they are wimpatch's own scratch
 *                        space, and a run has a hundred or so of them
 *
 * Test-only code: never linked into wimpatch.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static unsigned long calls;
static unsigned long kill_at, fail_at;
static int fail_errno = EIO;
static const char *ro_dir;
static int sig = SIGKILL;
static int scratch_only;
static int ready;
static const char *corrupt_name;
static unsigned long corrupt_at, corrupt_calls;

static void setup(void)
{
	const char *k = getenv("FAULT_KILL_AT");
	const char *s = getenv("FAULT_SIGNAL");
	kill_at = k ? strtoul(k, NULL, 10) : 0;
	const char *f = getenv("FAULT_ERRNO_AT");
	const char *e = getenv("FAULT_ERRNO");
	if (s && strcmp(s, "TERM") == 0)
		sig = SIGTERM;
	else if (s && strcmp(s, "STOP") == 0)
		sig = SIGSTOP;
	fail_at = f ? strtoul(f, NULL, 10) : 0;
	if (e && strcmp(e, "ENOSPC") == 0)
		fail_errno = ENOSPC;
	else if (e && strcmp(e, "EROFS") == 0)
		fail_errno = EROFS;
	else if (e && strcmp(e, "EACCES") == 0)
		fail_errno = EACCES;
	ro_dir = getenv("FAULT_RO_DIR");
	corrupt_name = getenv("FAULT_CORRUPT_NAME");
	const char *ca = getenv("FAULT_CORRUPT_AT");
	corrupt_at = ca ? strtoul(ca, NULL, 10) : 0;
	const char *sc = getenv("FAULT_SCRATCH");
	scratch_only = sc && strcmp(sc, "only") == 0;
	ready = 1;
}

/* Returns -1 (errno set) when this call is the one to fail. */
static int event(void)
{
	if (!ready)
		setup();
	if (++calls == kill_at)
		raise(sig);
	if (calls == fail_at) {
		errno = fail_errno;
		return -1;
	}
	return 0;
}

static int is_scratch_path(const char *p)
{
	size_t n = strlen(p);
	return n > 5 && strcmp(p + n - 5, ".ntfs") == 0;
}

/* event() for a call on `fd` (-1: on `path`), if it is one we count. */
static int event_on(int fd, const char *path)
{
	char link[64], buf[4096];
	if (!ready)
		setup();
	if (fd >= 0) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		path = buf;
	}
	if (is_scratch_path(path) != scratch_only)
		return 0;
	return event();
}

static int under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* `path` as the kernel would find it: its directory resolved (through
 * /proc/<pid>/fd/<n> links too), the last component as it is. */
static void resolve(int dirfd, const char *path, char *out, size_t size)
{
	char joined[8192], dir[8192], real[4096];
	if (path[0] != '/' && dirfd != AT_FDCWD)
		snprintf(joined, sizeof(joined), "/proc/self/fd/%d/%s", dirfd, path);
	else
		snprintf(joined, sizeof(joined), "%s", path);
	snprintf(dir, sizeof(dir), "%s", joined);
	char *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : joined;
	if (slash)
		*slash = '\0';
	if (!realpath(slash ? (dir[0] ? dir : "/") : ".", real))
		snprintf(out, size, "%s", joined);
	else
		snprintf(out, size, "%s/%s", real, base);
}

static int in_ro_dir_at(int dirfd, const char *path, int flags)
{
	char real[8192], rdir[4096];
	if (!ready)
		setup();
	if (!ro_dir || !(flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)))
		return 0;
	resolve(dirfd, path, real, sizeof(real));
	if (under(path, ro_dir) || under(real, ro_dir) ||
	    (realpath(ro_dir, rdir) && under(real, rdir))) {
		errno = EROFS;
		return 1;
	}
	return 0;
}

static int in_ro_dir(const char *path, int flags)
{
	return in_ro_dir_at(AT_FDCWD, path, flags);
}

__attribute__((destructor)) static void report(void)
{
	const char *f = getenv("FAULT_COUNT_FILE");
	const char *cf = getenv("FAULT_CORRUPT_COUNT_FILE");
	FILE *fp;
	if (f && (fp = fopen(f, "w"))) {
		fprintf(fp, "%lu\n", calls);
		fclose(fp);
	}
	if (cf && (fp = fopen(cf, "w"))) {
		fprintf(fp, "%lu\n", corrupt_calls);
		fclose(fp);
	}
}

/* The bytes a write into `fd` lands with: `b`, or, for the write
 * FAULT_CORRUPT_AT picks, a copy in *copy with its middle byte inverted. */
static const void *landing(int fd, const void *b, size_t n, char **copy)
{
	char link[64], path[4096];
	*copy = NULL;
	if (!ready)
		setup();
	if (!corrupt_name || n == 0 || fd < 0)
		return b;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t k = readlink(link, path, sizeof(path) - 1);
	size_t sl = strlen(corrupt_name);
	if (k < (ssize_t)sl)
		return b;
	path[k] = '\0';
	if (strcmp(path + k - sl, corrupt_name) != 0 || ++corrupt_calls != corrupt_at ||
	    !(*copy = malloc(n)))
		return b;
	memcpy(*copy, b, n);
	(*copy)[n / 2] = (char)~(*copy)[n / 2];
	return *copy;
}

#define REAL(ret, name, ...) \
	static ret (*real)(__VA_ARGS__); \
	if (!real) \
		real = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

ssize_t write(int fd, const void *b, size_t n)
{
	REAL(ssize_t, "write", int, const void *, size_t);
	if (fd > 2 && event_on(fd, NULL) < 0)
		return -1;
	char *copy;
	ssize_t r = real(fd, fd > 2 ? landing(fd, b, n, &copy) : b, n);
	if (fd > 2)
		free(copy);
	return r;
}

ssize_t pwrite(int fd, const void *b, size_t n, off_t o)
{
	REAL(ssize_t, "pwrite", int, const void *, size_t, off_t);
	if (event_on(fd, NULL) < 0)
		return -1;
	char *copy;
	ssize_t r = real(fd, landing(fd, b, n, &copy), n, o);
	free(copy);
	return r;
}

ssize_t pwrite64(int fd, const void *b, size_t n, off_t o)
{
	REAL(ssize_t, "pwrite64", int, const void *, size_t, off_t);
	if (event_on(fd, NULL) < 0)
		return -1;
	char *copy;
	ssize_t r = real(fd, landing(fd, b, n, &copy), n, o);
	free(copy);
	return r;
}

ssize_t writev(int fd, const struct iovec *v, int n)
{
	REAL(ssize_t, "writev", int, const struct iovec *, int);
	if (fd > 2 && event_on(fd, NULL) < 0)
		return -1;
	return real(fd, v, n);
}

/* FAULT_FSYNC_FAIL_NAME: is `fd` such a file? */
static int fsync_fails(int fd)
{
	const char *s = getenv("FAULT_FSYNC_FAIL_NAME");
	char link[64], buf[4096];
	if (!s)
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	size_t l = strlen(buf), sl = strlen(s);
	return l >= sl && strcmp(buf + l - sl, s) == 0;
}

int fsync(int fd)
{
	REAL(int, "fsync", int);
	if (event_on(fd, NULL) < 0)
		return -1;
	if (fsync_fails(fd)) {
		errno = EIO;
		return -1;
	}
	return real(fd);
}

int fdatasync(int fd)
{
	REAL(int, "fdatasync", int);
	if (event_on(fd, NULL) < 0)
		return -1;
	return real(fd);
}

int rename(const char *a, const char *b)
{
	REAL(int, "rename", const char *, const char *);
	if (event_on(-1, a) < 0)
		return -1;
	return real(a, b);
}

int renameat(int fa, const char *a, int fb, const char *b)
{
	REAL(int, "renameat", int, const char *, int, const char *);
	if (in_ro_dir_at(fb, b, O_CREAT) || event_on(-1, a) < 0)
		return -1;
	return real(fa, a, fb, b);
}

int renameat2(int fa, const char *a, int fb, const char *b, unsigned flags)
{
	REAL(int, "renameat2", int, const char *, int, const char *, unsigned);
	if (in_ro_dir_at(fb, b, O_CREAT) || event_on(-1, a) < 0)
		return -1;
	return real(fa, a, fb, b, flags);
}

int linkat(int fa, const char *a, int fb, const char *b, int flags)
{
	REAL(int, "linkat", int, const char *, int, const char *, int);
	if (in_ro_dir_at(fb, b, O_CREAT) || event_on(-1, a) < 0)
		return -1;
	return real(fa, a, fb, b, flags);
}

char *mkdtemp(char *tmpl)
{
	REAL(char *, "mkdtemp", char *);
	if (in_ro_dir(tmpl, O_CREAT))
		return NULL;
	return real(tmpl);
}

int ftruncate(int fd, off_t len)
{
	REAL(int, "ftruncate", int, off_t);
	if (event_on(fd, NULL) < 0)
		return -1;
	return real(fd, len);
}

/* Opens for writing, refused inside FAULT_RO_DIR. */
#define OPEN_WRAPPER(fn)                                                        \
	int fn(const char *path, int flags, ...)                                \
	{                                                                       \
		REAL(int, #fn, const char *, int, ...);                         \
		mode_t mode = 0;                                                \
		if (flags & (O_CREAT | O_TMPFILE)) {                            \
			va_list ap;                                             \
			va_start(ap, flags);                                    \
			mode = va_arg(ap, mode_t);                              \
			va_end(ap);                                             \
		}                                                               \
		if (in_ro_dir(path, flags))                                     \
			return -1;                                              \
		return real(path, flags, mode);                                 \
	}
OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)

#define OPENAT_WRAPPER(fn)                                                      \
	int fn(int dirfd, const char *path, int flags, ...)                     \
	{                                                                       \
		REAL(int, #fn, int, const char *, int, ...);                    \
		mode_t mode = 0;                                                \
		if (flags & (O_CREAT | O_TMPFILE)) {                            \
			va_list ap;                                             \
			va_start(ap, flags);                                    \
			mode = va_arg(ap, mode_t);                              \
			va_end(ap);                                             \
		}                                                               \
		if (in_ro_dir_at(dirfd, path, flags))                           \
			return -1;                                              \
		return real(dirfd, path, flags, mode);                          \
	}
OPENAT_WRAPPER(openat)
OPENAT_WRAPPER(openat64)

int mkstemp(char *tmpl)
{
	REAL(int, "mkstemp", char *);
	if (in_ro_dir(tmpl, O_CREAT))
		return -1;
	return real(tmpl);
}

int mkstemp64(char *tmpl)
{
	REAL(int, "mkstemp64", char *);
	if (in_ro_dir(tmpl, O_CREAT))
		return -1;
	return real(tmpl);
}

/*
 * raceshim.c - LD_PRELOAD library for the symlink-race test.  It plays
 * another user who can write the directory RACE_DIR (group-writable and
 * not sticky, so fs.protected_symlinks does not cover it) and always wins
 * the race: just before each open, in wimpatch or a program it runs, that
 * would create or truncate a file by a name that user can reach, it puts
 * a symbolic link to RACE_CANARY at that name.
 *
 * Reachable names are those in RACE_DIR itself, and those below a
 * directory in RACE_DIR: that user cannot write in a private (0700)
 * directory wimpatch made there, but can rename it away (a rename within
 * RACE_DIR needs no permission on the directory moved) and put one of its
 * own in its place.  A path through /proc/<pid>/fd/<n> reaches a
 * directory by an open descriptor, which no rename redirects: it is left
 * alone, as are opens with O_CREAT | O_EXCL (they fail on a link).
 *
 * The opens that count: O_CREAT without O_EXCL, or O_TRUNC (open, open64,
 * openat, openat64, creat, creat64), and fopen/fopen64 for writing or
 * appending.  Each link planted is logged to RACE_LOG as "planted PATH".
 *
 * Test-only code: never linked into wimpatch.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REAL(ret, name, ...) \
	static ret (*real)(__VA_ARGS__); \
	if (!real) \
		real = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

static void log_line(const char *what, const char *path)
{
	static int (*real_open)(const char *, int, ...);
	const char *log = getenv("RACE_LOG");
	char line[PATH_MAX + 64];

	if (!real_open)
		real_open = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	if (!log)
		return;
	int fd = real_open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	int n = snprintf(line, sizeof(line), "%s %s\n", what, path);
	if (write(fd, line, (size_t)n) < 0) {
		/* nothing to be done */
	}
	close(fd);
}

/* mkdir -p of the directories leading to `path` (not `path` itself). */
static void make_parents(const char *path)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(p, 0777);
		*s = '/';
	}
}

/* The absolute path the call names, without resolving anything. */
static int absolute(int dirfd, const char *path, char *out, size_t size)
{
	char base[PATH_MAX], link[64];

	if (path[0] == '/') {
		snprintf(out, size, "%s", path);
		return 0;
	}
	if (dirfd == AT_FDCWD) {
		if (!getcwd(base, sizeof(base)))
			return -1;
	} else {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		ssize_t n = readlink(link, base, sizeof(base) - 1);
		if (n < 0)
			return -1;
		base[n] = '\0';
	}
	snprintf(out, size, "%s/%s", base, path);
	return 0;
}

static void attack(int dirfd, const char *path)
{
	const char *dir = getenv("RACE_DIR"), *canary = getenv("RACE_CANARY");
	char abs[PATH_MAX], own[PATH_MAX], stolen[PATH_MAX + 16];

	if (!dir || !canary || absolute(dirfd, path, abs, sizeof(abs)) < 0)
		return;
	if (strncmp(abs, "/proc/", 6) == 0)
		return;
	size_t n = strlen(dir);
	if (strncmp(abs, dir, n) != 0 || abs[n] != '/')
		return;
	const char *rest = abs + n + 1;
	const char *slash = strchr(rest, '/');
	if (slash) {
		/* Swap the directory in RACE_DIR for one of our own. */
		snprintf(own, sizeof(own), "%s/%.*s", dir, (int)(slash - rest), rest);
		snprintf(stolen, sizeof(stolen), "%s.stolen", own);
		/* (Swapped already by an earlier open: plant in ours.) */
		if (rename(own, stolen) < 0 && errno != EEXIST && errno != ENOTEMPTY)
			return;
		if (mkdir(own, 0777) < 0 && errno != EEXIST)
			return;
		make_parents(abs);
	} else {
		unlink(abs);
	}
	if (symlink(canary, abs) == 0)
		log_line("planted", abs);
}

static int writes(int flags)
{
	return ((flags & O_CREAT) && !(flags & O_EXCL)) || (flags & O_TRUNC);
}

static int mode_writes(const char *mode)
{
	return strchr(mode, 'w') || strchr(mode, 'a');
}

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
		if (writes(flags))                                              \
			attack(AT_FDCWD, path);                                 \
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
		if (writes(flags))                                              \
			attack(dirfd, path);                                    \
		return real(dirfd, path, flags, mode);                          \
	}
OPENAT_WRAPPER(openat)
OPENAT_WRAPPER(openat64)

int creat(const char *path, mode_t mode)
{
	REAL(int, "creat", const char *, mode_t);
	attack(AT_FDCWD, path);
	return real(path, mode);
}

int creat64(const char *path, mode_t mode)
{
	REAL(int, "creat64", const char *, mode_t);
	attack(AT_FDCWD, path);
	return real(path, mode);
}

FILE *fopen(const char *path, const char *mode)
{
	REAL(FILE *, "fopen", const char *, const char *);
	if (mode_writes(mode))
		attack(AT_FDCWD, path);
	return real(path, mode);
}

FILE *fopen64(const char *path, const char *mode)
{
	REAL(FILE *, "fopen64", const char *, const char *);
	if (mode_writes(mode))
		attack(AT_FDCWD, path);
	return real(path, mode);
}

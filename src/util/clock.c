/* clock.c - the time wimpatch writes; see clock.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/clock.h"
#include "util/msg.h"

static bool inited, fixed;
static int64_t epoch;
/* Without SOURCE_DATE_EPOCH: the time the run started, taken once, so
 * that the same edit made twice in a run (one hive in several images of a
 * WIM) gives the same bytes, which the WIM then stores once. */
static struct timespec run_start;

/* Seconds from 1601-01-01 (FILETIME's epoch) to 1970-01-01. */
#define FILETIME_UNIX_OFFSET UINT64_C(11644473600)

/* Why `s` is not a valid SOURCE_DATE_EPOCH, or NULL if it is (*out set). */
static const char *parse_epoch(const char *s, int64_t *out)
{
	int64_t v = 0;

	/* The spec allows only an integer of decimal digits: no sign, no
	 * spaces, no exponent, nothing after. */
	if (*s == '-')
		return "is negative";
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return "is not a decimal number of seconds";
		if (v > (CLOCK_EPOCH_MAX - (*p - '0')) / 10)
			return "is too large (after 9999-12-31 23:59:59 UTC)";
		v = v * 10 + (*p - '0');
	}
	*out = v;
	return NULL;
}

int clock_init(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	const char *why;

	inited = true;
	fixed = false;
	clock_gettime(CLOCK_REALTIME, &run_start);
	/* Empty counts as unset, as most tools that honour it do. */
	if (!s || !*s)
		return 0;
	if ((why = parse_epoch(s, &epoch)) != NULL) {
		msg_error("SOURCE_DATE_EPOCH '%s' %s: it must be a decimal count of seconds since "
			  "1970-01-01 00:00:00 UTC, such as 1700000000", s, why);
		return -1;
	}
	fixed = true;
	return 0;
}

bool clock_fixed(void)
{
	if (!inited)
		(void)clock_init();
	return fixed;
}

struct timespec wp_now(void)
{
	struct timespec ts = { 0, 0 };

	if (!clock_fixed())
		return run_start;
	ts.tv_sec = (time_t)epoch;
	return ts;
}

uint64_t clock_filetime(struct timespec t)
{
	/* Times before 1601 do not occur: SOURCE_DATE_EPOCH is never
	 * negative and clocks are not that wrong. */
	return ((uint64_t)t.tv_sec + FILETIME_UNIX_OFFSET) * 10000000u +
	       (uint64_t)t.tv_nsec / 100u;
}

int clock_stamp(int fd, const char *path)
{
	if (!clock_fixed())
		return 0;
	struct timespec ts[2] = { wp_now(), wp_now() };
	int r = fd >= 0 ? futimens(fd, ts) : utimensat(AT_FDCWD, path, ts, 0);
	if (r < 0) {
		msg_error("%s: cannot set its times to SOURCE_DATE_EPOCH: %s", path,
			  strerror(errno));
		return -1;
	}
	return 0;
}

static int clamp_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)type;
	(void)ftw;
	struct timespec m = st->st_mtim, now = wp_now();
	if (m.tv_sec > now.tv_sec || (m.tv_sec == now.tv_sec && m.tv_nsec > now.tv_nsec))
		m = now;
	struct timespec ts[2] = { m, m };
	if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) < 0) {
		msg_error("%s: cannot set its times for SOURCE_DATE_EPOCH: %s", path,
			  strerror(errno));
		return 1;	/* said: stop the walk */
	}
	return 0;
}

int clock_clamp_tree(const char *root)
{
	if (!clock_fixed())
		return 0;
	/* Depth first, so that setting a directory's times comes after
	 * everything below it was touched (utimensat does not change a
	 * directory's mtime, but the order costs nothing). */
	int r = nftw(root, clamp_one, 16, FTW_PHYS | FTW_DEPTH);
	if (r < 0)
		msg_error("%s: cannot walk the tree: %s", root, strerror(errno));
	return r == 0 ? 0 : -1;
}

void clock_log_stamp(char *buf, size_t size)
{
	struct timespec t;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &t);
	if (!gmtime_r(&t.tv_sec, &tm) || !strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, size, "%lld", (long long)t.tv_sec);
}

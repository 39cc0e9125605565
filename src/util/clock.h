/*
 * clock.h - the one place wimpatch takes the time it writes into its
 * outputs (WIM image times, the times of files put back into images, hive
 * key times, ISO dates, file times): the current time, or the time
 * SOURCE_DATE_EPOCH gives (https://reproducible-builds.org/specs/
 * source-date-epoch/), so that two runs on the same input can give the
 * same bytes.
 */
#ifndef WIMPATCH_CLOCK_H
#define WIMPATCH_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* The largest SOURCE_DATE_EPOCH accepted: 9999-12-31 23:59:59 UTC, the
 * last second ISO 9660's four-digit years can hold. */
#define CLOCK_EPOCH_MAX INT64_C(253402300799)

/* Read and check SOURCE_DATE_EPOCH once, before anything is written: a
 * decimal count of seconds since 1970-01-01 UTC, digits only, at most
 * CLOCK_EPOCH_MAX.  Unset or empty: the current time is used.  Returns 0,
 * or -1 after saying (msg_error) what is wrong with the value, naming the
 * variable. */
int clock_init(void);

/* Does SOURCE_DATE_EPOCH fix the time?  (clock_init is done first if it
 * was not; an invalid value then counts as unset.) */
bool clock_fixed(void);

/* The time to write: SOURCE_DATE_EPOCH's, or the time the run started
 * (clock_init), the same for every edit of the run. */
struct timespec wp_now(void);

/* `t` as a Windows FILETIME (100 ns units since 1601-01-01 UTC), as WIM,
 * NTFS and registry hives store times. */
uint64_t clock_filetime(struct timespec t);

/* With SOURCE_DATE_EPOCH, set the access and modification times of a
 * file wimpatch wrote (by `fd` if it is not -1, else by `path`) to it;
 * without, leave what the writing gave.  0, or -1 after saying why
 * (naming `path`). */
int clock_stamp(int fd, const char *path);

/* With SOURCE_DATE_EPOCH, clamp the modification times in the tree below
 * `root` (wimpatch's own scratch or output tree; `root` included) to it,
 * and set every access time to the modification time, as reproducible
 * builds do before archiving a tree: files older than the epoch keep
 * their time, those written since get the epoch.  Symbolic links are not
 * followed.  0, or -1 after saying why. */
int clock_clamp_tree(const char *root);

/* The time of day now, UTC, as "2026-12-03T14:20:01Z", for the lines of
 * a log and dated progress: always the real time, never
 * SOURCE_DATE_EPOCH's (a log says when things happened). */
void clock_log_stamp(char *buf, size_t size);

#endif

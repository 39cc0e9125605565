/*
 * msg.h - everything wimpatch says to a person goes through here, so that
 * -q and -v mean the same in every module.
 *
 * Errors go to stderr prefixed "wimpatch: error: "; they are printed where
 * they happen, with the file, image and key they concern.  Progress and
 * decisions ("-v") go to stderr too, so stdout carries only the report.
 * A message is one line: the control characters in it (from the names it
 * quotes) are printed as escapes (util/escape.h).
 */
#ifndef WIMPATCH_MSG_H
#define WIMPATCH_MSG_H

#include <stddef.h>
#include <stdint.h>

enum verbosity { VERB_QUIET = 0, VERB_NORMAL = 1, VERB_VERBOSE = 2 };

extern enum verbosity msg_verbosity;

void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void msg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Printed unless -q. */
void msg_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Printed only with -v: explains a decision. */
void msg_verbose(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Printed only with -v: `title`, then each line of `text` indented, for
 * a block of lines (a message is one line: its line feeds are shown as
 * \n, like every control character in it). */
void msg_verbose_lines(const char *title, const char *text);

/* Drop (true) or print again (false) every message of the calling thread:
 * for worker threads whose failures the main thread redoes and reports. */
void msg_thread_silence(_Bool on);

/* Also hand every error message (without the "wimpatch: error: "
 * prefix) to `fn`, e.g. for the JSON report.  NULL stops it. */
void msg_set_error_sink(void (*fn)(const char *message, void *ctx), void *ctx);

/* "4.6 GiB", "12.0 MiB", "512 bytes": a size for a message, in buf. */
char *msg_human_size(uint64_t n, char *buf, size_t size);

#endif

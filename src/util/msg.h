/*
 * msg.h - everything wimpatch says to a person goes through here, so that
 * -q and -v mean the same in every module.
 *
 * Errors go to stderr prefixed "wimpatch: error: "; they are printed where
 * they happen, with the file, image and key they concern.  Progress and
 * decisions ("-v") go to stderr too, so stdout carries only the report.
 * A message is one line: the control characters in it (from the names it
 * quotes) are printed as escapes (util/escape.h).  With a log open
 * (util/msglog.h) every message, -v's included, goes there too.
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

/* Would msg_verbose print (to the terminal or the log)?  For code that
 * does work only to explain it. */
_Bool msg_verbose_wanted(void);

/* Printed only with -v: `title`, then each line of `text` indented, for
 * a block of lines (a message is one line: its line feeds are shown as
 * \n, like every control character in it). */
void msg_verbose_lines(const char *title, const char *text);

/* Drop (true) or print again (false) every message of the calling thread:
 * for worker threads whose failures the main thread redoes and reports. */
void msg_thread_silence(_Bool on);
_Bool msg_thread_silenced(void);

/*
 * What a message is about, beyond its text, for the machine-readable
 * reports: code that works on a file, an image, a hive or a key pushes a
 * level around that work and pops it after, so that an error reported
 * anywhere below (an adapter, the engine) is tied to them without the
 * text being parsed.  A field left NULL (0 for image) is taken from the
 * levels outside.  A level with `scratch` names the paths below that
 * directory (the scratch copy of an ISO image's files) as below
 * `shown_as` ("SRC.iso"), as the reports do.  Each thread has its own
 * levels (worker threads have none).
 */
struct msg_where {
	const char *file;
	int image;		/* 1-based */
	const char *hive;	/* in the image, as a rule names it */
	const char *key;
	const char *scratch, *shown_as;
	struct msg_where *outer;	/* set by msg_where_push */
};
void msg_where_push(struct msg_where *w);
/* `w` must be the innermost level. */
void msg_where_pop(struct msg_where *w);

/* The levels combined, as the error sink is given them (NULL, 0: not known). */
struct msg_about {
	const char *file;
	int image;
	const char *hive, *key;
};

/* Also hand every error message (without the "wimpatch: error: "
 * prefix) and what it is about to `fn`, e.g. for the JSON report.  NULL
 * stops it. */
void msg_set_error_sink(void (*fn)(const char *message, const struct msg_about *about,
				   void *ctx),
			void *ctx);

/* A malloc'd formatted string, or NULL after saying "out of memory": for
 * code that builds names for its messages and files. */
char *msg_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "4.6 GiB", "12.0 MiB", "512 bytes": a size for a message, in buf. */
char *msg_human_size(uint64_t n, char *buf, size_t size);

#endif

/* msg.c - error, warning and progress messages; see msg.h. */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdlib.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util/escape.h"
#include "util/msg.h"
#include "util/msglog.h"
#include "util/progress.h"

enum verbosity msg_verbosity = VERB_NORMAL;

static void (*error_sink)(const char *, const struct msg_about *, void *);
static void *error_sink_ctx;
static _Thread_local _Bool silenced;
static _Thread_local struct msg_where *where_top;

void msg_thread_silence(_Bool on)
{
	silenced = on;
}

_Bool msg_thread_silenced(void)
{
	return silenced;
}

void msg_set_error_sink(void (*fn)(const char *message, const struct msg_about *about,
				   void *ctx),
			void *ctx)
{
	error_sink = fn;
	error_sink_ctx = ctx;
}

void msg_where_push(struct msg_where *w)
{
	w->outer = where_top;
	where_top = w;
}

void msg_where_pop(struct msg_where *w)
{
	where_top = w->outer;
}

/* The innermost of each field; the file renamed by the first level (from
 * the one that gives it outwards) whose scratch directory holds it. */
static void where_combine(struct msg_about *a, char *buf, size_t size)
{
	const struct msg_where *file_at = NULL;

	*a = (struct msg_about){ 0 };
	for (const struct msg_where *w = where_top; w; w = w->outer) {
		if (!file_at && w->file)
			file_at = w;
		if (!a->image)
			a->image = w->image;
		if (!a->hive)
			a->hive = w->hive;
		if (!a->key)
			a->key = w->key;
	}
	if (!file_at)
		return;
	a->file = file_at->file;
	for (const struct msg_where *w = file_at; w; w = w->outer) {
		size_t n = w->scratch ? strlen(w->scratch) : 0;
		if (n && strncmp(a->file, w->scratch, n) == 0 &&
		    (a->file[n] == '/' || a->file[n] == '\0')) {
			snprintf(buf, size, "%s%s", w->shown_as, a->file + n);
			a->file = buf;
			return;
		}
	}
}

/* Does a path end at p (and not go on into a longer name)? */
static bool path_ends(const char *p)
{
	return *p == '\0' || *p == '/' || !(isalnum((unsigned char)*p) || strchr("._-+~", *p));
}

/* The paths of a scratch copy in a message, named as the reports name
 * them: "/proc/1/fd/5/tree/sources/boot.wim" is "SRC.iso:sources/boot.wim",
 * the copy's root "SRC.iso" (the levels' scratch and shown_as). */
static void unscratch(struct strbuf *out, const char *text)
{
	while (*text) {
		const struct msg_where *hit = NULL;
		size_t n = 0;
		for (const struct msg_where *w = where_top; w && !hit; w = w->outer) {
			n = w->scratch && w->shown_as ? strlen(w->scratch) : 0;
			if (n && strncmp(text, w->scratch, n) == 0 && path_ends(text + n))
				hit = w;
		}
		if (!hit) {
			strbuf_add(out, text++, 1);
			continue;
		}
		strbuf_addstr(out, hit->shown_as);
		text += n;
		if (*text == '/') {
			strbuf_add(out, ":", 1);
			text++;
		}
	}
}

/* A message's text, its scratch paths named as the reports do; NULL
 * when memory ran out. */
static char *format(const char *fmt, va_list ap)
{
	struct strbuf raw = STRBUF_INIT, named = STRBUF_INIT;

	strbuf_vaddf(&raw, fmt, ap);
	if (!raw.failed)
		unscratch(&named, raw.buf ? raw.buf : "");
	strbuf_release(&raw);
	if (named.failed) {
		strbuf_release(&named);
		return NULL;
	}
	return strbuf_finish(&named);
}

/* A message names keys, values and files from the inputs: its control
 * characters are shown as escapes, so that none can start a line of its
 * own or drive the terminal (see escape.h). */
static void vsay(const char *prefix, bool on_terminal, const char *fmt, va_list ap)
{
	struct strbuf shown = STRBUF_INIT;
	char *named = format(fmt, ap);

	if (named)
		esc_add(&shown, named, false);
	/* Out of memory: the message as it is beats none. */
	const char *text = shown.buf && !shown.failed ? shown.buf : named ? named : fmt;
	msglog_line(prefix, text);
	if (on_terminal) {
		progress_clear();	/* a message never lands in the middle of the bar */
		fflush(stdout);
		fputs("wimpatch: ", stderr);
		fputs(prefix, stderr);
		fputs(text, stderr);
		fputc('\n', stderr);
	}
	free(named);
	strbuf_release(&shown);
}

bool msg_verbose_wanted(void)
{
	return !silenced && (msg_verbosity >= VERB_VERBOSE || msglog_on());
}

void msg_verbose_lines(const char *title, const char *text)
{
	if (!msg_verbose_wanted())
		return;
	msg_verbose("%s", title);
	while (*text) {
		size_t n = strcspn(text, "\n");
		msg_verbose("  %.*s", (int)n, text);
		text += n + (text[n] == '\n');
	}
}

void msg_error(const char *fmt, ...)
{
	va_list ap;
	if (silenced)
		return;
	va_start(ap, fmt);
	if (error_sink) {
		char file[4096];
		struct msg_about about;
		va_list copy;
		va_copy(copy, ap);
		char *text = format(fmt, copy);
		va_end(copy);
		where_combine(&about, file, sizeof(file));
		error_sink(text ? text : fmt, &about, error_sink_ctx);
		free(text);
	}
	vsay("error: ", true, fmt, ap);
	va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
	va_list ap;
	if (silenced || (msg_verbosity < VERB_NORMAL && !msglog_on()))
		return;
	va_start(ap, fmt);
	vsay("warning: ", msg_verbosity >= VERB_NORMAL, fmt, ap);
	va_end(ap);
}

void msg_info(const char *fmt, ...)
{
	va_list ap;
	if (silenced || (msg_verbosity < VERB_NORMAL && !msglog_on()))
		return;
	va_start(ap, fmt);
	vsay("", msg_verbosity >= VERB_NORMAL, fmt, ap);
	va_end(ap);
}

void msg_verbose(const char *fmt, ...)
{
	va_list ap;
	if (!msg_verbose_wanted())
		return;
	va_start(ap, fmt);
	vsay("", msg_verbosity >= VERB_VERBOSE, fmt, ap);
	va_end(ap);
}

char *msg_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		msg_error("out of memory");
		s = NULL;
	}
	va_end(ap);
	return s;
}

char *msg_human_size(uint64_t n, char *buf, size_t size)
{
	if (n >= (uint64_t)1 << 30)
		snprintf(buf, size, "%.1f GiB", (double)n / (1 << 30));
	else if (n >= 1 << 20)
		snprintf(buf, size, "%.1f MiB", (double)n / (1 << 20));
	else
		snprintf(buf, size, "%" PRIu64 " bytes", n);
	return buf;
}

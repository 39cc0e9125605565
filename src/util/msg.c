/* msg.c - error, warning and progress messages; see msg.h. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/escape.h"
#include "util/msg.h"
#include "util/progress.h"

enum verbosity msg_verbosity = VERB_NORMAL;

static void (*error_sink)(const char *, void *);
static void *error_sink_ctx;
static _Thread_local _Bool silenced;

void msg_thread_silence(_Bool on)
{
	silenced = on;
}

void msg_set_error_sink(void (*fn)(const char *message, void *ctx), void *ctx)
{
	error_sink = fn;
	error_sink_ctx = ctx;
}

/* A message names keys, values and files from the inputs: its control
 * characters are shown as escapes, so that none can start a line of its
 * own or drive the terminal (see escape.h). */
static void vsay(const char *prefix, const char *fmt, va_list ap)
{
	struct strbuf raw = STRBUF_INIT, shown = STRBUF_INIT;

	strbuf_vaddf(&raw, fmt, ap);
	if (!raw.failed)
		esc_add(&shown, raw.buf ? raw.buf : "", false);
	progress_clear();	/* a message never lands in the middle of the bar */
	fflush(stdout);
	fputs("wimpatch: ", stderr);
	fputs(prefix, stderr);
	/* Out of memory: the message as it is beats none. */
	fputs(shown.buf && !shown.failed ? shown.buf : raw.buf ? raw.buf : fmt, stderr);
	fputc('\n', stderr);
	strbuf_release(&raw);
	strbuf_release(&shown);
}

void msg_verbose_lines(const char *title, const char *text)
{
	if (msg_verbosity < VERB_VERBOSE || silenced)
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
		char buf[2048];
		va_list copy;
		va_copy(copy, ap);
		vsnprintf(buf, sizeof(buf), fmt, copy);
		va_end(copy);
		error_sink(buf, error_sink_ctx);
	}
	vsay("error: ", fmt, ap);
	va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
	va_list ap;
	if (msg_verbosity < VERB_NORMAL || silenced)
		return;
	va_start(ap, fmt);
	vsay("warning: ", fmt, ap);
	va_end(ap);
}

void msg_info(const char *fmt, ...)
{
	va_list ap;
	if (msg_verbosity < VERB_NORMAL || silenced)
		return;
	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

void msg_verbose(const char *fmt, ...)
{
	va_list ap;
	if (msg_verbosity < VERB_VERBOSE || silenced)
		return;
	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
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

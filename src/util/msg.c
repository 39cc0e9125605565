/* msg.c - error, warning and progress messages; see msg.h. */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

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

static void vsay(const char *prefix, const char *fmt, va_list ap)
{
	progress_clear();	/* a message never lands in the middle of the bar */
	fflush(stdout);
	fputs("wimpatch: ", stderr);
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
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

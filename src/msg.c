/* msg.c - error, warning and progress messages; see msg.h. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "msg.h"

enum verbosity msg_verbosity = VERB_NORMAL;

static void vsay(const char *prefix, const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("wimpatch: ", stderr);
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void msg_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay("error: ", fmt, ap);
	va_end(ap);
}

void msg_warn(const char *fmt, ...)
{
	va_list ap;
	if (msg_verbosity < VERB_NORMAL)
		return;
	va_start(ap, fmt);
	vsay("warning: ", fmt, ap);
	va_end(ap);
}

void msg_info(const char *fmt, ...)
{
	va_list ap;
	if (msg_verbosity < VERB_NORMAL)
		return;
	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

void msg_verbose(const char *fmt, ...)
{
	va_list ap;
	if (msg_verbosity < VERB_VERBOSE)
		return;
	va_start(ap, fmt);
	vsay("", fmt, ap);
	va_end(ap);
}

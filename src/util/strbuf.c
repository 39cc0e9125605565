/* strbuf.c - a growable string; see strbuf.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "util/strbuf.h"

/* Room for n more bytes and the NUL. */
static bool room(struct strbuf *b, size_t n)
{
	if (b->failed || n > (size_t)-1 - b->len - 1 || !ARRAY_GROW(b->buf, b->len + n + 1, b->alloc)) {
		b->failed = true;
		return false;
	}
	return true;
}

void strbuf_add(struct strbuf *b, const void *data, size_t n)
{
	if (!room(b, n))
		return;
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void strbuf_addstr(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

void strbuf_vaddf(struct strbuf *b, const char *fmt, va_list ap)
{
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if (!room(b, (size_t)n))
		return;
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void strbuf_addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(b, fmt, ap);
	va_end(ap);
}

char *strbuf_finish(struct strbuf *b)
{
	char *s = b->buf;
	if (b->failed) {
		strbuf_release(b);
		return NULL;
	}
	if (!s)
		s = strdup("");
	b->buf = NULL;
	b->len = b->alloc = 0;
	return s;
}

void strbuf_release(struct strbuf *b)
{
	free(b->buf);
	b->buf = NULL;
	b->len = b->alloc = 0;
	b->failed = false;
}

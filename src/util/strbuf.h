/*
 * strbuf.h - a growable string.  Appending never fails loudly: when
 * memory runs out the buffer remembers it (`failed`) and ignores what
 * follows, so that a builder can append freely and check once at the end.
 * The text is NUL-terminated whenever anything was added.
 *
 *	struct strbuf b = STRBUF_INIT;
 *	strbuf_addf(&b, "%d", 7);
 *	char *s = strbuf_finish(&b);	NULL if memory ran out
 */
#ifndef WIMPATCH_STRBUF_H
#define WIMPATCH_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len, alloc;
	bool failed;
};

#define STRBUF_INIT { NULL, 0, 0, false }

void strbuf_add(struct strbuf *b, const void *data, size_t n);
void strbuf_addstr(struct strbuf *b, const char *s);
void strbuf_addf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *b, const char *fmt, va_list ap);
/* The string (malloc'd, "" when nothing was added; the buffer is reset),
 * or NULL when memory ran out (the buffer is freed). */
char *strbuf_finish(struct strbuf *b);
void strbuf_release(struct strbuf *b);

#endif

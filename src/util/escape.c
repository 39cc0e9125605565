/* escape.c - showing untrusted text; see escape.h. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "util/escape.h"

/*
 * The length of the valid UTF-8 sequence at s and its code point, or 0
 * when the byte there starts none (overlong forms, surrogates and values
 * beyond U+10FFFF are not valid).
 */
static size_t utf8_seq(const unsigned char *s, uint32_t *cp)
{
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t n = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3
		 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
	uint32_t c;

	if (n <= 1) {
		*cp = s[0];
		return n;
	}
	c = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static bool is_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

/* Marks that change the order in which a line is displayed. */
static bool is_bidi_control(uint32_t c)
{
	return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}

bool esc_has_control(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return true;
		/* C1 controls in UTF-8: C2 80 to C2 9F. */
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return true;
	}
	return false;
}

void esc_add(struct strbuf *b, const char *s, bool quoted)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		uint32_t c;
		size_t n = utf8_seq(p, &c);
		if (n == 0) {
			strbuf_addf(b, "\\x%02x", *p++);
			continue;
		}
		if (c == '\n')
			strbuf_addstr(b, "\\n");
		else if (c == '\r')
			strbuf_addstr(b, "\\r");
		else if (c == '\t')
			strbuf_addstr(b, "\\t");
		else if (c < 0x80 && is_control(c))
			strbuf_addf(b, "\\x%02x", (unsigned)c);
		else if (is_control(c) || is_bidi_control(c))
			strbuf_addf(b, "\\u%04x", (unsigned)c);
		else if (quoted && (c == '\\' || c == '"'))
			strbuf_addf(b, "\\%c", (char)c);
		else
			strbuf_add(b, p, n);
		p += n;
	}
}

char *esc_dup(const char *s, bool quoted)
{
	struct strbuf b = STRBUF_INIT;

	esc_add(&b, s, quoted);
	return strbuf_finish(&b);
}

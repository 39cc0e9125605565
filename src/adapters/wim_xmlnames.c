/* wim_xmlnames.c - image names from a WIM's own bytes; see wim_xmlnames.h. */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/wim.h"
#include "adapters/wim_xmlnames.h"

/* A resource header of the WIM header: 7 bytes of size, 1 of flags, the
 * offset, the original size (Microsoft's WIM format). */
int wim_xml_locate(const unsigned char *head, size_t n, uint64_t *off, uint64_t *size)
{
	const unsigned char *p = head + 72;
	uint64_t s = 0, o = 0;

	if (n < WIM_XMLNAMES_HEADER || !wim_header_is_wim(head, n))
		return -1;
	for (int i = 6; i >= 0; i--)
		s = s << 8 | p[i];
	for (int i = 15; i >= 8; i--)
		o = o << 8 | p[i];
	if (!o || s < 2)
		return -1;
	*off = o;
	*size = s;
	return 0;
}

/* UTF-16LE to UTF-8 (a lone surrogate becomes U+FFFD); malloc'd, NULL on
 * out of memory. */
static char *utf8_of(const unsigned char *u, size_t n)
{
	char *out = malloc(n / 2 * 3 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i + 1 < n; i += 2) {
		unsigned c = u[i] | u[i + 1] << 8;
		if (c >= 0xd800 && c < 0xdc00 && i + 3 < n &&
		    (u[i + 3] & 0xfc) == 0xdc) {
			unsigned lo = u[i + 2] | u[i + 3] << 8;
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		} else if (c >= 0xd800 && c < 0xe000) {
			c = 0xfffd;
		}
		if (c < 0x80) {
			*o++ = (char)c;
		} else if (c < 0x800) {
			*o++ = (char)(0xc0 | c >> 6);
			*o++ = (char)(0x80 | (c & 0x3f));
		} else if (c < 0x10000) {
			*o++ = (char)(0xe0 | c >> 12);
			*o++ = (char)(0x80 | (c >> 6 & 0x3f));
			*o++ = (char)(0x80 | (c & 0x3f));
		} else {
			/* 4 bytes where the two units took 3 + 3: within the room */
			*o++ = (char)(0xf0 | c >> 18);
			*o++ = (char)(0x80 | (c >> 12 & 0x3f));
			*o++ = (char)(0x80 | (c >> 6 & 0x3f));
			*o++ = (char)(0x80 | (c & 0x3f));
		}
	}
	*o = '\0';
	return out;
}

/* The text of `s` with the five predefined entities and numeric ASCII
 * references decoded, in place (what wimlib writes into a NAME). */
static void unescape(char *s)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&apos;", '\'' },
	};
	char *o = s;

	while (*s) {
		bool done = false;
		for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]) && !done; i++)
			if (strncmp(s, ents[i].ent, strlen(ents[i].ent)) == 0) {
				*o++ = ents[i].c;
				s += strlen(ents[i].ent);
				done = true;
			}
		if (!done)
			*o++ = *s++;
	}
	*o = '\0';
}

void wim_xml_images(const unsigned char *xml, size_t n,
		    void (*fn)(int index, const char *name, void *ctx), void *ctx)
{
	char *text = utf8_of(xml, n & ~(size_t)1), *p;

	if (!text)
		return;
	/* Only the elements directly named here are read: an IMAGE's own
	 * NAME comes before its WINDOWS (wimlib and Microsoft write it so),
	 * and DISPLAYNAME does not match "<NAME>". */
	for (p = text; (p = strstr(p, "<IMAGE INDEX=\"")); ) {
		char *end = strstr(p, "</IMAGE>"), *name = NULL;
		int index = atoi(p + strlen("<IMAGE INDEX=\""));
		if (end)
			*end = '\0';
		char *nm = strstr(p, "<NAME>"), *ne = nm ? strstr(nm, "</NAME>") : NULL;
		if (ne) {
			*ne = '\0';
			name = nm + strlen("<NAME>");
			unescape(name);
		}
		if (index > 0)
			fn(index, name, ctx);
		if (!end)
			break;
		p = end + 1;
	}
	free(text);
}

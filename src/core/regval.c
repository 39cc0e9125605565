/* regval.c - registry value encoding and rendering; see regval.h. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <iconv.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/regval.h"
#include "util/escape.h"
#include "util/strbuf.h"

static const struct {
	const char *name;
	uint32_t type;
} type_names[] = {
	{ "REG_NONE", REGT_NONE },
	{ "REG_SZ", REGT_SZ },
	{ "REG_EXPAND_SZ", REGT_EXPAND_SZ },
	{ "REG_BINARY", REGT_BINARY },
	{ "REG_DWORD", REGT_DWORD },
	{ "REG_DWORD_BIG_ENDIAN", REGT_DWORD_BE },
	{ "REG_LINK", REGT_LINK },
	{ "REG_MULTI_SZ", REGT_MULTI_SZ },
	{ "REG_RESOURCE_LIST", REGT_RESOURCE_LIST },
	{ "REG_FULL_RESOURCE_DESCRIPTOR", REGT_FULL_RESOURCE_DESCRIPTOR },
	{ "REG_RESOURCE_REQUIREMENTS_LIST", REGT_RESOURCE_REQUIREMENTS_LIST },
	{ "REG_QWORD", REGT_QWORD },
};

bool regtype_from_name(const char *name, uint32_t *type)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
		if (strcmp(type_names[i].name, name) == 0) {
			*type = type_names[i].type;
			return true;
		}
	}
	return false;
}

const char *regtype_name(uint32_t type)
{
	static _Thread_local char buf[32];	/* read-back threads format messages too */

	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	snprintf(buf, sizeof(buf), "REG_0x%" PRIx32, type);
	return buf;
}

/* iconv both ways; a fresh descriptor per call keeps this reentrant and
 * the cost is irrelevant next to hive and WIM I/O. */
static char *convert(const char *to, const char *from, const char *in,
		     size_t inlen, size_t *outlen)
{
	iconv_t cd = iconv_open(to, from);
	if (cd == (iconv_t)-1)
		return NULL;
	size_t cap = inlen * 2 + 4;
	char *out = malloc(cap);
	if (!out) {
		iconv_close(cd);
		return NULL;
	}
	char *inp = (char *)in, *outp = out;
	size_t inleft = inlen, outleft = cap - 2;
	size_t r = iconv(cd, &inp, &inleft, &outp, &outleft);
	iconv_close(cd);
	if (r == (size_t)-1) {
		free(out);
		return NULL;
	}
	*outlen = (size_t)(outp - out);
	/* Two NULs: a valid terminator for UTF-8 and UTF-16 callers alike. */
	outp[0] = outp[1] = '\0';
	return out;
}

unsigned char *utf8_to_utf16le(const char *s, size_t *outlen)
{
	return (unsigned char *)convert("UTF-16LE", "UTF-8", s, strlen(s), outlen);
}

char *utf16le_to_utf8(const unsigned char *s, size_t len)
{
	size_t n;
	return convert("UTF-8", "UTF-16LE", (const char *)s, len & ~(size_t)1, &n);
}

static bool parse_uint(const char *text, uint64_t max, uint64_t *out,
		       char *err, size_t errlen)
{
	const char *p = text;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '-' || *p == '+' || *p == '\0') {
		snprintf(err, errlen, "'%s' is not an unsigned integer", text);
		return false;
	}
	/* Decimal, or hex after 0x: never octal, so "010" is ten. */
	int base = 10;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!isxdigit((unsigned char)*p)) {
			snprintf(err, errlen, "'%s' is not an unsigned integer", text);
			return false;
		}
	}
	errno = 0;
	char *end;
	unsigned long long v = strtoull(p, &end, base);
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0') {
		snprintf(err, errlen, "'%s' is not an unsigned integer", text);
		return false;
	}
	if (errno == ERANGE || v > max) {
		snprintf(err, errlen, "'%s' is out of range (max %" PRIu64 ")", text, max);
		return false;
	}
	*out = v;
	return true;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static bool parse_hex_bytes(const char *text, struct regval *out, char *err,
			    size_t errlen)
{
	size_t cap = strlen(text) / 2 + 1, n = 0;
	unsigned char *buf = malloc(cap);
	int hi = -1;

	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	for (const char *p = text; *p; p++) {
		if (isspace((unsigned char)*p) || *p == ',' || *p == ':') {
			if (hi >= 0)
				goto odd;
			continue;
		}
		int v = hexval((unsigned char)*p);
		if (v < 0) {
			snprintf(err, errlen, "'%c' is not a hex digit in binary value", *p);
			free(buf);
			return false;
		}
		if (hi < 0) {
			hi = v;
		} else {
			buf[n++] = (unsigned char)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		goto odd;
	out->data = buf;
	out->len = n;
	return true;
odd:
	snprintf(err, errlen, "binary value has an odd number of hex digits");
	free(buf);
	return false;
}

static bool encode_le(struct regval *out, uint64_t v, size_t len)
{
	out->data = malloc(len);
	if (!out->data)
		return false;
	for (size_t i = 0; i < len; i++)
		out->data[i] = (unsigned char)(v >> (8 * i));
	out->len = len;
	return true;
}

/* Strings are stored with their terminating NUL, as Windows writes them. */
static bool encode_sz(struct regval *out, const char *text, char *err, size_t errlen)
{
	size_t n;
	unsigned char *u = utf8_to_utf16le(text, &n);
	if (!u) {
		snprintf(err, errlen, "text is not valid UTF-8");
		return false;
	}
	out->data = u;	/* convert() left two NULs after the data */
	out->len = n + 2;
	return true;
}

/* REG_MULTI_SZ: each string NUL-terminated, then one more NUL.  An empty
 * list is a lone UTF-16 NUL, which is what Windows stores for it. */
static bool encode_multi(struct regval *out, const char *const *strv, size_t n,
			 char *err, size_t errlen)
{
	size_t len = 0, cap = 2;
	unsigned char *buf = malloc(cap);
	if (!buf)
		goto oom;
	for (size_t i = 0; i < n; i++) {
		size_t ul;
		if (strv[i][0] == '\0') {
			snprintf(err, errlen, "REG_MULTI_SZ cannot hold an empty string (item %zu)", i + 1);
			free(buf);
			return false;
		}
		unsigned char *u = utf8_to_utf16le(strv[i], &ul);
		if (!u) {
			snprintf(err, errlen, "string %zu is not valid UTF-8", i + 1);
			free(buf);
			return false;
		}
		unsigned char *nb = realloc(buf, cap + ul + 2);
		if (!nb) {
			free(u);
			goto oom;
		}
		buf = nb;
		cap += ul + 2;
		memcpy(buf + len, u, ul);
		len += ul;
		buf[len++] = 0;
		buf[len++] = 0;
		free(u);
	}
	buf[len++] = 0;
	buf[len++] = 0;
	out->data = buf;
	out->len = len;
	return true;
oom:
	free(buf);
	snprintf(err, errlen, "out of memory");
	return false;
}

bool regval_from_text(struct regval *out, uint32_t type, const char *text,
		      const char *const *strv, size_t n, char *err, size_t errlen)
{
	uint64_t v;

	memset(out, 0, sizeof(*out));
	out->type = type;
	switch (type) {
	case REGT_DWORD:
		if (!parse_uint(text, UINT32_MAX, &v, err, errlen))
			return false;
		return encode_le(out, v, 4) || (snprintf(err, errlen, "out of memory"), false);
	case REGT_QWORD:
		if (!parse_uint(text, UINT64_MAX, &v, err, errlen))
			return false;
		return encode_le(out, v, 8) || (snprintf(err, errlen, "out of memory"), false);
	case REGT_SZ:
	case REGT_EXPAND_SZ:
		return encode_sz(out, text, err, errlen);
	case REGT_MULTI_SZ:
		return encode_multi(out, strv, n, err, errlen);
	case REGT_BINARY:
		return parse_hex_bytes(text, out, err, errlen);
	default:
		snprintf(err, errlen, "values of type %s cannot be written from a profile",
			 regtype_name(type));
		return false;
	}
}

bool regval_copy(struct regval *dst, const struct regval *src)
{
	dst->type = src->type;
	dst->len = src->len;
	dst->data = NULL;
	if (src->len == 0)
		return true;
	dst->data = malloc(src->len);
	if (!dst->data)
		return false;
	memcpy(dst->data, src->data, src->len);
	return true;
}

bool regval_equal(const struct regval *a, const struct regval *b)
{
	return a->type == b->type && a->len == b->len &&
	       (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

void regval_free(struct regval *v)
{
	free(v->data);
	v->data = NULL;
	v->len = 0;
}

static uint64_t le_int(const struct regval *v)
{
	uint64_t x = 0;
	for (size_t i = 0; i < v->len && i < 8; i++)
		x |= (uint64_t)v->data[i] << (8 * i);
	return x;
}

/* Is this string data cleanly convertible (even length, NUL-terminated)? */
static char *sz_text(const struct regval *v)
{
	if (v->len < 2 || v->len % 2 != 0 || v->data[v->len - 1] || v->data[v->len - 2])
		return NULL;
	return utf16le_to_utf8(v->data, v->len - 2);
}

/* "text" as a .reg file writes it: only \ and " are escaped there. */
static void sb_reg_quoted(struct strbuf *b, const char *s)
{
	strbuf_addstr(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_addf(b, "\\%c", *s);
		else
			strbuf_addf(b, "%c", *s);
	}
	strbuf_addstr(b, "\"");
}

/* "text" for people: control characters as escapes too (escape.h). */
static void sb_quoted(struct strbuf *b, const char *s)
{
	strbuf_addstr(b, "\"");
	esc_add(b, s, true);
	strbuf_addstr(b, "\"");
}

static void sb_hex(struct strbuf *b, const struct regval *v, const char *sep)
{
	for (size_t i = 0; i < v->len; i++)
		strbuf_addf(b, "%s%02x", i ? sep : "", v->data[i]);
}

/* A REG_SZ renders as "text" only if converting back gives the same bytes
 * (no embedded NULs, no unpaired surrogates); otherwise as hex(1). */
static char *sz_text_exact(const struct regval *v)
{
	char *t = sz_text(v);
	if (!t)
		return NULL;
	size_t n;
	unsigned char *back = utf8_to_utf16le(t, &n);
	bool same = back && n + 2 == v->len && memcmp(back, v->data, n) == 0;
	free(back);
	if (!same) {
		free(t);
		return NULL;
	}
	return t;
}

char *regval_string(const struct regval *v)
{
	return sz_text_exact(v);
}

char *regval_to_reg(const struct regval *v)
{
	struct strbuf b = { 0 };
	char *t = NULL;

	if (v->type == REGT_DWORD && v->len == 4) {
		strbuf_addf(&b, "dword:%08" PRIx64, le_int(v));
	} else if (v->type == REGT_SZ && (t = sz_text_exact(v)) && !esc_has_control(t)) {
		sb_reg_quoted(&b, t);
		free(t);
	} else {
		/* A line break in "text" would end the line that holds it (and
		 * other control characters have no place in a file people read):
		 * such a string goes as hex(1), like one that is not text. */
		free(t);
		if (v->type == REGT_BINARY)
			strbuf_addf(&b, "hex:");
		else
			strbuf_addf(&b, "hex(%" PRIx32 "):", v->type);
		sb_hex(&b, v, ",");
	}
	return strbuf_finish(&b);
}

/* Walk the NUL-terminated UTF-16 items of a REG_MULTI_SZ.  Returns false
 * if an item is not valid UTF-16 (the caller then shows bytes). */
static bool sb_multi(struct strbuf *b, const struct regval *v)
{
	size_t off = 0, items = 0;

	strbuf_addf(b, "[");
	while (off + 1 < v->len) {
		size_t end = off;
		while (end + 1 < v->len && (v->data[end] || v->data[end + 1]))
			end += 2;
		if (end == off) {
			/* The list terminator, unless data follows: an empty item
			 * inside the list, which quoting would hide. */
			for (size_t i = off; i < v->len; i++)
				if (v->data[i])
					return false;
			break;
		}
		char *item = utf16le_to_utf8(v->data + off, end - off);
		if (!item)
			return false;
		strbuf_addf(b, "%s", items++ ? ", " : "");
		sb_quoted(b, item);
		free(item);
		off = end + 2;
	}
	strbuf_addf(b, "]");
	return true;
}

char *regval_to_text(const struct regval *v)
{
	struct strbuf b = { 0 };
	char *t;

	switch (v->type) {
	case REGT_DWORD:
	case REGT_QWORD:
		if (v->len == (v->type == REGT_DWORD ? 4u : 8u)) {
			uint64_t x = le_int(v);
			strbuf_addf(&b, "%" PRIu64 " (0x%" PRIx64 ")", x, x);
			return strbuf_finish(&b);
		}
		break;
	case REGT_SZ:
	case REGT_EXPAND_SZ:
		/* Quoting text that stops at an embedded NUL would hide the rest. */
		if ((t = sz_text_exact(v))) {
			sb_quoted(&b, t);
			free(t);
			return strbuf_finish(&b);
		}
		break;
	case REGT_MULTI_SZ:
		if (v->len % 2 == 0) {
			if (sb_multi(&b, v))
				return strbuf_finish(&b);
			b.len = 0;
		}
		break;
	default:
		break;
	}
	if (v->len == 0)
		strbuf_addf(&b, "(empty)");
	sb_hex(&b, v, " ");
	return strbuf_finish(&b);
}

/*
 * unit-regval.c - value encodings (src/regval.c): profile text -> the exact
 * bytes a hive stores, and those bytes back to .reg and human text; the
 * escapes human text shows control characters with (src/util/escape.c).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/regval.h"
#include "util/escape.h"
#include "tap.h"

static char err[256];

/* Parse `text` as `type`; expect success and exactly `want` (wlen bytes). */
static void enc_ok(uint32_t type, const char *text, const void *want, size_t wlen)
{
	struct regval v;

	err[0] = '\0';
	bool r = regval_from_text(&v, type, text, NULL, 0, err, sizeof(err));
	if (!ok(r, "%s '%s' is accepted", regtype_name(type), text)) {
		diag("  reason: %s", err);
		skip(2, "not encoded");
		return;
	}
	is_int(v.type, type, "%s '%s' keeps its type", regtype_name(type), text);
	is_mem(v.data, v.len, want, wlen, "%s '%s' encodes to the expected bytes",
	       regtype_name(type), text);
	regval_free(&v);
}

/* Expect refusal with a reason. */
static void enc_bad(uint32_t type, const char *text, const char *const *strv, size_t n,
		    const char *what)
{
	struct regval v = { 0 };

	strcpy(err, "");
	bool r = regval_from_text(&v, type, text, strv, n, err, sizeof(err));
	ok(!r, "%s %s is refused", regtype_name(type), what);
	ok(err[0] != '\0', "%s %s: a reason is given ('%s')", regtype_name(type), what, err);
	if (r)
		regval_free(&v);
}

static void enc_multi_ok(const char *const *strv, size_t n, const void *want, size_t wlen,
			 const char *what)
{
	struct regval v;

	err[0] = '\0';
	bool r = regval_from_text(&v, REGT_MULTI_SZ, NULL, strv, n, err, sizeof(err));
	if (!ok(r, "REG_MULTI_SZ %s is accepted", what)) {
		diag("  reason: %s", err);
		skip(1, "not encoded");
		return;
	}
	is_mem(v.data, v.len, want, wlen, "REG_MULTI_SZ %s encodes to the expected bytes", what);
	regval_free(&v);
}

/* A value over literal bytes (not owned: never freed). */
static struct regval raw(uint32_t type, const void *p, size_t n)
{
	struct regval v = { .type = type, .len = n, .data = (unsigned char *)p };
	return v;
}

static void reg_is(struct regval v, const char *want, const char *what)
{
	char *s = regval_to_reg(&v);
	is_str(s, want, "regval_to_reg: %s", what);
	free(s);
}

static void text_is(struct regval v, const char *want, const char *what)
{
	char *s = regval_to_text(&v);
	is_str(s, want, "regval_to_text: %s", what);
	free(s);
}

static void test_dword(void)
{
	enc_ok(REGT_DWORD, "0", "\x00\x00\x00\x00", 4);
	enc_ok(REGT_DWORD, "7", "\x07\x00\x00\x00", 4);
	enc_ok(REGT_DWORD, "4294967295", "\xff\xff\xff\xff", 4);
	enc_ok(REGT_DWORD, "0x10", "\x10\x00\x00\x00", 4);
	enc_ok(REGT_DWORD, "0X12345678", "\x78\x56\x34\x12", 4);
	enc_ok(REGT_DWORD, "305419896", "\x78\x56\x34\x12", 4);
	/* regval.h: "decimal or 0x-hex" - a leading zero is still decimal. */
	enc_ok(REGT_DWORD, "010", "\x0a\x00\x00\x00", 4);
	enc_ok(REGT_DWORD, "09", "\x09\x00\x00\x00", 4);

	enc_bad(REGT_DWORD, "-1", NULL, 0, "'-1'");
	enc_bad(REGT_DWORD, "4294967296", NULL, 0, "'4294967296' (2^32)");
	enc_bad(REGT_DWORD, "abc", NULL, 0, "'abc'");
	enc_bad(REGT_DWORD, "", NULL, 0, "'' (empty)");
	enc_bad(REGT_DWORD, "7x", NULL, 0, "'7x' (trailing junk)");
	enc_bad(REGT_DWORD, "0x", NULL, 0, "'0x' (no digits)");
	enc_bad(REGT_DWORD, "+7", NULL, 0, "'+7'");
	enc_bad(REGT_DWORD, "0x100000000", NULL, 0, "'0x100000000'");
}

static void test_qword(void)
{
	enc_ok(REGT_QWORD, "18446744073709551615", "\xff\xff\xff\xff\xff\xff\xff\xff", 8);
	enc_ok(REGT_QWORD, "0x0102030405060708", "\x08\x07\x06\x05\x04\x03\x02\x01", 8);
	enc_ok(REGT_QWORD, "1", "\x01\x00\x00\x00\x00\x00\x00\x00", 8);
	enc_bad(REGT_QWORD, "18446744073709551616", NULL, 0, "'2^64'");
	enc_bad(REGT_QWORD, "99999999999999999999999", NULL, 0, "'99999999999999999999999'");
	enc_bad(REGT_QWORD, "-1", NULL, 0, "'-1'");
}

static void test_binary(void)
{
	enc_ok(REGT_BINARY, "01 ab", "\x01\xab", 2);
	enc_ok(REGT_BINARY, "01ab", "\x01\xab", 2);
	enc_ok(REGT_BINARY, "01,AB", "\x01\xab", 2);
	enc_ok(REGT_BINARY, "  de AD, be:ef  ", "\xde\xad\xbe\xef", 4);
	enc_ok(REGT_BINARY, "", "", 0);
	enc_bad(REGT_BINARY, "1", NULL, 0, "'1' (odd digits)");
	enc_bad(REGT_BINARY, "01a", NULL, 0, "'01a' (odd digits)");
	enc_bad(REGT_BINARY, "0 1", NULL, 0, "'0 1' (split byte)");
	enc_bad(REGT_BINARY, "0g", NULL, 0, "'0g' (non-hex)");
	enc_bad(REGT_BINARY, "0x01", NULL, 0, "'0x01' (x is not hex)");
}

static void test_strings(void)
{
	enc_ok(REGT_SZ, "A", "A\0\0\0", 4);
	enc_ok(REGT_SZ, "", "\0\0", 2);
	enc_ok(REGT_SZ, "\xc3\xa9", "\xe9\x00\x00\x00", 4);		/* é */
	enc_ok(REGT_SZ, "\xe2\x82\xac", "\xac\x20\x00\x00", 4);		/* € */
	enc_ok(REGT_SZ, "\xf0\x9f\x98\x80", "\x3d\xd8\x00\xde\x00\x00", 6);	/* U+1F600 */
	enc_ok(REGT_EXPAND_SZ, "%SystemRoot%", "%\0S\0y\0s\0t\0e\0m\0R\0o\0o\0t\0%\0\0\0", 26);
	enc_ok(REGT_EXPAND_SZ, "\xc3\xa9", "\xe9\x00\x00\x00", 4);
	enc_bad(REGT_SZ, "\xff", NULL, 0, "invalid UTF-8");
	enc_bad(REGT_SZ, "a\xc3", NULL, 0, "truncated UTF-8");
	enc_bad(REGT_NONE, "", NULL, 0, "(not writable from a profile)");
	enc_bad(REGT_LINK, "x", NULL, 0, "(not writable from a profile)");
}

static void test_multi(void)
{
	const char *ab[] = { "a", "b" };
	const char *one[] = { "\xc3\xa9t\xc3\xa9" };
	const char *holey[] = { "a", "", "b" };
	const char *bad[] = { "a", "\xc3" };

	enc_multi_ok(ab, 2, "a\0\0\0b\0\0\0\0\0", 10, "[\"a\", \"b\"]");
	enc_multi_ok(NULL, 0, "\0\0", 2, "[] (empty list)");
	enc_multi_ok(one, 1, "\xe9\0t\0\xe9\0\0\0\0\0", 10, "[\"\xc3\xa9t\xc3\xa9\"]");
	enc_bad(REGT_MULTI_SZ, NULL, holey, 3, "with an empty item");
	enc_bad(REGT_MULTI_SZ, NULL, bad, 2, "with invalid UTF-8");
}

static void test_type_names(void)
{
	static const struct {
		const char *name;
		uint32_t type;
	} t[] = {
		{ "REG_SZ", REGT_SZ },
		{ "REG_EXPAND_SZ", REGT_EXPAND_SZ },
		{ "REG_MULTI_SZ", REGT_MULTI_SZ },
		{ "REG_DWORD", REGT_DWORD },
		{ "REG_QWORD", REGT_QWORD },
		{ "REG_BINARY", REGT_BINARY },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t got = 0xdead;
		ok(regtype_from_name(t[i].name, &got) && got == t[i].type,
		   "regtype_from_name(%s) = %u", t[i].name, (unsigned)t[i].type);
		is_str(regtype_name(t[i].type), t[i].name, "regtype_name(%u)", (unsigned)t[i].type);
	}
	uint32_t got = 0xdead;
	ok(!regtype_from_name("REG_WORD", &got), "regtype_from_name(REG_WORD) is unknown");
	ok(!regtype_from_name("reg_dword", &got), "regtype_from_name is case-sensitive");
	ok(!regtype_from_name("", &got), "regtype_from_name('') is unknown");
	is_int(got, 0xdead, "unknown names leave *type alone");
	is_str(regtype_name(0x1234), "REG_0x1234", "regtype_name of an unknown type");
	is_str(regtype_name(REGT_NONE), "REG_NONE", "regtype_name(0)");
}

static void test_to_reg(void)
{
	struct regval v;

	reg_is(raw(REGT_DWORD, "\x07\0\0\0", 4), "dword:00000007", "dword 7");
	reg_is(raw(REGT_DWORD, "\xff\xff\xff\xff", 4), "dword:ffffffff", "dword max");
	reg_is(raw(REGT_BINARY, "\x01\xab", 2), "hex:01,ab", "binary");
	reg_is(raw(REGT_BINARY, "", 0), "hex:", "empty binary");
	reg_is(raw(REGT_MULTI_SZ, "a\0\0\0\0\0", 6), "hex(7):61,00,00,00,00,00", "multi-sz");
	reg_is(raw(REGT_EXPAND_SZ, "a\0\0\0", 4), "hex(2):61,00,00,00", "expand-sz");
	reg_is(raw(REGT_QWORD, "\x01\0\0\0\0\0\0\0", 8), "hex(b):01,00,00,00,00,00,00,00",
	       "qword");
	reg_is(raw(REGT_DWORD, "\x01\x02", 2), "hex(4):01,02", "short dword");

	ok(regval_from_text(&v, REGT_SZ, "a\"b\\c", NULL, 0, err, sizeof(err)), "encode a\"b\\c");
	reg_is(v, "\"a\\\"b\\\\c\"", "sz with quote and backslash is escaped");
	regval_free(&v);
	/* Not representable as a quoted string: embedded NUL, no terminator. */
	reg_is(raw(REGT_SZ, "a\0\0\0b\0\0\0", 8), "hex(1):61,00,00,00,62,00,00,00",
	       "sz with embedded NUL");
	reg_is(raw(REGT_SZ, "a\0", 2), "hex(1):61,00", "sz without terminator");
	reg_is(raw(REGT_SZ, "a\0\0", 3), "hex(1):61,00,00", "sz of odd length");
	reg_is(raw(REGT_SZ, "\0\xd8\0\0", 4), "hex(1):00,d8,00,00", "sz with lone surrogate");
}

static void test_to_text(void)
{
	struct regval v;
	const char *ab[] = { "a", "b" };

	text_is(raw(REGT_DWORD, "\x07\0\0\0", 4), "7 (0x7)", "dword 7");
	text_is(raw(REGT_DWORD, "\xff\xff\xff\xff", 4), "4294967295 (0xffffffff)", "dword max");
	text_is(raw(REGT_QWORD, "\x10\0\0\0\0\0\0\0", 8), "16 (0x10)", "qword 16");
	text_is(raw(REGT_SZ, "a\0\0\0", 4), "\"a\"", "sz");
	text_is(raw(REGT_EXPAND_SZ, "\xe9\0\0\0", 4), "\"\xc3\xa9\"", "expand-sz");
	ok(regval_from_text(&v, REGT_MULTI_SZ, NULL, ab, 2, err, sizeof(err)), "encode [a, b]");
	text_is(v, "[\"a\", \"b\"]", "multi-sz [a, b]");
	regval_free(&v);
	text_is(raw(REGT_MULTI_SZ, "\0\0", 2), "[]", "empty multi-sz");
	text_is(raw(REGT_MULTI_SZ, "a\0", 2), "[\"a\"]", "multi-sz without terminator");
	text_is(raw(REGT_BINARY, "\x01\x02", 2), "01 02", "binary");
	text_is(raw(REGT_BINARY, "", 0), "(empty)", "empty binary");

	/* Garbage falls back to hex. */
	text_is(raw(REGT_DWORD, "\x01\x02\x03", 3), "01 02 03", "dword of 3 bytes");
	text_is(raw(REGT_QWORD, "\x01", 1), "01", "qword of 1 byte");
	text_is(raw(REGT_SZ, "a\0\0", 3), "61 00 00", "sz of odd length");
	text_is(raw(REGT_SZ, "a\0", 2), "61 00", "sz without terminator");
	text_is(raw(REGT_SZ, "\0\xd8\0\0", 4), "00 d8 00 00", "sz with lone surrogate");
	/* Quoting "a" would hide the rest: like regval_to_reg, show the bytes. */
	text_is(raw(REGT_SZ, "a\0\0\0b\0\0\0", 8), "61 00 00 00 62 00 00 00",
		"sz with embedded NUL");
	text_is(raw(REGT_SZ, "a\0\"\0\\\0\0\0", 8), "\"a\\\"\\\\\"", "sz with quote and backslash");
	text_is(raw(REGT_MULTI_SZ, "a\0\0", 3), "61 00 00", "multi-sz of odd length");
	text_is(raw(REGT_MULTI_SZ, "\0\xd8\0\0\0\0", 6), "00 d8 00 00 00 00",
		"multi-sz with lone surrogate");
	/* An empty item ends the list early: ["a"] would hide "b". */
	text_is(raw(REGT_MULTI_SZ, "a\0\0\0\0\0b\0\0\0\0\0", 12),
		"61 00 00 00 00 00 62 00 00 00 00 00", "multi-sz with an empty item inside");
	text_is(raw(0x1234, "\xff", 1), "ff", "unknown type");
}

/* Control characters: a line break in "text" would end the .reg line, an
 * escape sequence would drive the terminal. */
static void test_control(void)
{
	/* "a" CR LF "b", ESC "[2J", TAB, U+009B, U+202E */
	static const char crlf[] = "a\0\r\0\n\0b\0\0\0", esc[] = "\x1b\0[\0" "2\0J\0\0\0",
			  tab[] = "a\0\t\0b\0\0\0", c1[] = "\x9b\0\0\0", rlo[] = "\x2e\x20\0\0";

	reg_is(raw(REGT_SZ, crlf, 10), "hex(1):61,00,0d,00,0a,00,62,00,00,00", "sz with CR LF");
	reg_is(raw(REGT_SZ, esc, 10), "hex(1):1b,00,5b,00,32,00,4a,00,00,00", "sz with ESC");
	reg_is(raw(REGT_SZ, c1, 4), "hex(1):9b,00,00,00", "sz with a C1 control");
	reg_is(raw(REGT_SZ, tab, 8), "\"a\tb\"", "sz with TAB stays text");
	text_is(raw(REGT_SZ, crlf, 10), "\"a\\r\\nb\"", "sz with CR LF");
	text_is(raw(REGT_EXPAND_SZ, esc, 10), "\"\\x1b[2J\"", "expand-sz with ESC");
	text_is(raw(REGT_SZ, tab, 8), "\"a\\tb\"", "sz with TAB");
	text_is(raw(REGT_SZ, c1, 4), "\"\\u009b\"", "sz with a C1 control");
	text_is(raw(REGT_SZ, rlo, 4), "\"\\u202e\"", "sz with a right-to-left override");
	text_is(raw(REGT_MULTI_SZ, "a\0\n\0\0\0\0\0", 8), "[\"a\\n\"]", "multi-sz with LF");

	ok(!esc_has_control("plain \t text \xc3\xa9"), "TAB and UTF-8 are no control characters");
	ok(esc_has_control("a\nb") && esc_has_control("\r") && esc_has_control("\x7f") &&
	   esc_has_control("\xc2\x9b"), "LF, CR, DEL and C1 are");
	char *e = esc_dup("a\\b\"\x01\xff\xe2\x80\xae", false);
	is_str(e, "a\\b\"\\x01\\xff\\u202e", "plain: backslash and quote kept, the rest escaped");
	free(e);
	e = esc_dup("a\\b\"", true);
	is_str(e, "a\\\\b\\\"", "quoted: backslash and quote escaped");
	free(e);
	/* Overlong and surrogate forms are not UTF-8: bytes. */
	e = esc_dup("\xc0\x8a\xed\xa0\x80", false);
	is_str(e, "\\xc0\\x8a\\xed\\xa0\\x80", "invalid UTF-8 as bytes");
	free(e);
}

static void test_copy_equal(void)
{
	struct regval a, b, c, e1 = { .type = REGT_BINARY }, e2;

	ok(regval_from_text(&a, REGT_BINARY, "01 02 03", NULL, 0, err, sizeof(err)), "encode a");
	ok(regval_copy(&b, &a), "regval_copy");
	ok(b.data != a.data, "the copy has its own buffer");
	ok(regval_equal(&a, &b), "copy is equal");
	b.data[2] = 4;
	ok(!regval_equal(&a, &b), "different bytes are not equal");
	is_int(a.data[2], 3, "changing the copy leaves the original alone");
	b.data[2] = 3;
	b.type = REGT_NONE;
	ok(!regval_equal(&a, &b), "same bytes, different type are not equal");
	b.type = REGT_BINARY;
	b.len = 2;
	ok(!regval_equal(&a, &b), "prefix is not equal");
	b.len = 3;
	ok(regval_from_text(&c, REGT_BINARY, "", NULL, 0, err, sizeof(err)), "encode empty");
	ok(regval_copy(&e2, &e1), "copy of an empty value");
	ok(e2.len == 0 && e2.data == NULL, "empty copy has no buffer");
	ok(regval_equal(&c, &e2), "empty values are equal whatever their buffers");
	regval_free(&a);
	ok(a.data == NULL && a.len == 0, "regval_free resets the value");
	regval_free(&a);	/* twice is harmless */
	regval_free(&b);
	regval_free(&c);
	regval_free(&e2);
}

static void test_utf(void)
{
	size_t n = 99;
	unsigned char *u = utf8_to_utf16le("h\xc3\xa9", &n);
	is_mem(u, n, "h\0\xe9\0", 4, "utf8_to_utf16le('hé')");
	ok(u && u[n] == 0 && u[n + 1] == 0, "utf8_to_utf16le leaves a UTF-16 NUL after the data");
	free(u);
	ok(utf8_to_utf16le("\xc3(", &n) == NULL, "utf8_to_utf16le refuses invalid UTF-8");

	char *s = utf16le_to_utf8((const unsigned char *)"h\0\xe9\0", 4);
	is_str(s, "h\xc3\xa9", "utf16le_to_utf8('hé')");
	free(s);
	s = utf16le_to_utf8((const unsigned char *)"h\0i", 3);
	is_str(s, "h", "utf16le_to_utf8 of odd length drops the last byte");
	free(s);
	s = utf16le_to_utf8((const unsigned char *)"h", 1);
	is_str(s, "", "utf16le_to_utf8 of one byte");
	free(s);
	s = utf16le_to_utf8((const unsigned char *)"", 0);
	is_str(s, "", "utf16le_to_utf8 of nothing");
	free(s);
	s = utf16le_to_utf8((const unsigned char *)"\x3d\xd8\x00\xde", 4);
	is_str(s, "\xf0\x9f\x98\x80", "utf16le_to_utf8 of a surrogate pair");
	free(s);
	s = utf16le_to_utf8((const unsigned char *)"\x3d\xd8", 2);
	ok(s == NULL, "utf16le_to_utf8 refuses a lone high surrogate");
	free(s);
}

int main(void)
{
	test_dword();
	test_qword();
	test_binary();
	test_strings();
	test_multi();
	test_type_names();
	test_to_reg();
	test_to_text();
	test_control();
	test_copy_equal();
	test_utf();
	return done_testing();
}

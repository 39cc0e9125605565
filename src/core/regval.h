/*
 * regval.h - registry values as the project sees them.
 *
 * A value is kept in the exact encoding the hive stores (type + raw bytes),
 * so comparing "what is there" with "what a rule wants" is a byte compare and
 * what we write is exactly what we planned.  Conversions from the text a
 * profile holds, and back to text for reports, live here.
 */
#ifndef WIMPATCH_REGVAL_H
#define WIMPATCH_REGVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum reg_type {
	REGT_NONE = 0,
	REGT_SZ = 1,
	REGT_EXPAND_SZ = 2,
	REGT_BINARY = 3,
	REGT_DWORD = 4,
	REGT_DWORD_BE = 5,
	REGT_LINK = 6,
	REGT_MULTI_SZ = 7,
	REGT_RESOURCE_LIST = 8,
	REGT_FULL_RESOURCE_DESCRIPTOR = 9,
	REGT_RESOURCE_REQUIREMENTS_LIST = 10,
	REGT_QWORD = 11,
};

struct regval {
	uint32_t type;
	size_t len;
	unsigned char *data;	/* malloc'd, may be NULL when len == 0 */
};

/* "REG_DWORD" -> REGT_DWORD; returns false for an unknown name. */
bool regtype_from_name(const char *name, uint32_t *type);
/* REGT_DWORD -> "REG_DWORD"; unknown types give "REG_0x%x" in a static buffer. */
const char *regtype_name(uint32_t type);

/*
 * Build a value from profile text.  For REG_MULTI_SZ pass the strings in
 * `strv` (n may be 0: an empty list); `text` is used for every other type:
 * decimal or 0x-hex for DWORD/QWORD, hex bytes ("01 ab", "01ab", "01,ab")
 * for BINARY, UTF-8 text for SZ/EXPAND_SZ.  On failure returns false and
 * writes a reason (no file/line: the caller knows those) into err.
 */
bool regval_from_text(struct regval *out, uint32_t type, const char *text,
		      const char *const *strv, size_t n, char *err, size_t errlen);

/* Deep copy; returns false on allocation failure. */
bool regval_copy(struct regval *dst, const struct regval *src);
bool regval_equal(const struct regval *a, const struct regval *b);
void regval_free(struct regval *v);

/*
 * Render a value the way a .reg file would ("dword:00000007",
 * "hex(7):41,00,...", "\"text\"").  A REG_SZ is "text" only when it reads
 * back as the same bytes and holds no control character but TAB (a line
 * break would split the line; see escape.h); otherwise hex(1).  The result
 * never holds a control character but TAB.  A malloc'd string or NULL.
 */
char *regval_to_reg(const struct regval *v);

/*
 * Render a value for people: 7 (0x7), "text", ["a", "b"], 01 02 ...
 * Strings are quoted with \\, \" and the escapes of esc_add() (escape.h):
 * "line 1\r\nline 2".  Returns a malloc'd string or NULL.
 */
char *regval_to_text(const struct regval *v);

/* The text of string data (REG_SZ, REG_EXPAND_SZ) as UTF-8, if it reads
 * back as the same bytes (NUL-terminated, no embedded NUL, valid UTF-16);
 * else NULL.  malloc'd. */
char *regval_string(const struct regval *v);

/* UTF-8 <-> UTF-16LE through iconv.  Results are malloc'd; NULL on error. */
unsigned char *utf8_to_utf16le(const char *s, size_t *outlen);
char *utf16le_to_utf8(const unsigned char *s, size_t len);

#endif

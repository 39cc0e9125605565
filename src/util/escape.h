/*
 * escape.h - text that comes from the inputs (hive key and value names,
 * string data, WIM image names, file names on a medium) on its way to a
 * person.  Such text may hold control characters: a line feed that makes
 * a forged line look like wimpatch's own ("+\"CrashDumpEnabled\"=..."), a
 * carriage return that overwrites what a line showed, an escape sequence
 * that clears the screen or sets the terminal's title.  What people read
 * shows them as escapes instead.
 */
#ifndef WIMPATCH_ESCAPE_H
#define WIMPATCH_ESCAPE_H

#include <stdbool.h>

#include "util/strbuf.h"

/*
 * Does `s` hold a character no .reg file and no terminal should get as it
 * is: a C0 control character other than TAB, DEL, or a C1 control
 * character (U+0080 to U+009F)?  TAB is harmless to both.
 */
bool esc_has_control(const char *s);

/*
 * Append `s` to `b` for people to read.  Every control character (TAB
 * too, since it looks like spaces) becomes \n, \r, \t or \xHH (C1 ones
 * \u0080 to \u009f), the bidirectional overrides and isolates that can
 * make a line read in another order become \u202e and the like, and a
 * byte that is not part of valid UTF-8 becomes \xHH.  `quoted`: the text
 * goes between double quotes, so \ and " are written \\ and \" too (then
 * every escape reads back unambiguously).
 */
void esc_add(struct strbuf *b, const char *s, bool quoted);

/* The same as a new string; NULL when memory runs out. */
char *esc_dup(const char *s, bool quoted);

#endif

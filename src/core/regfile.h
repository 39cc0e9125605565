/*
 * regfile.h - Windows .reg files: read them into profile operations, and
 * write the changes of a run (or their reverse) as one.
 *
 * Written files are "Windows Registry Editor Version 5.00", keys under
 * the hive's standard name (HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\...),
 * UTF-8 (or UTF-16LE with a BOM, as regedit writes them), and are
 * accepted by regedit and by hivexregedit --merge --prefix ROOT.  They
 * hold no control character but TAB and the line ends: strings with one
 * are written as hex(1) (regval_to_reg), comments escape them.
 * Read files may be version 5.00 (UTF-16LE with BOM, or UTF-8/ASCII) or
 * REGEDIT4 (8-bit strings).
 */
#ifndef WIMPATCH_REGFILE_H
#define WIMPATCH_REGFILE_H

#include <stdbool.h>
#include <stdio.h>

#include "core/change.h"
#include "core/plan.h"

struct regfile_out;

/* Start a .reg file on an open stream (stdout), UTF-8; `dest` names it in
 * messages ("--format=reg").  NULL on error (reported). */
struct regfile_out *regfile_stream(FILE *f, const char *dest);
/* Start one in memory, for regfile_prepend; `dest` is the file it is for. */
struct regfile_out *regfile_new(const char *dest);
/* A comment line ("; text"), e.g. which file, image and hive follow; its
 * control characters are written as escapes. */
void regfile_comment(struct regfile_out *r, const char *text);
/* The changes, in order, as .reg entries under `root`. */
void regfile_changes(struct regfile_out *r, const char *root, const struct changelist *cl);
/* What undoes them: the old values back, added keys deleted, deleted
 * keys recreated with their values, in reverse order. */
void regfile_undo(struct regfile_out *r, const char *root, const struct changelist *cl);

/* The changes as regfile_changes writes them, each line a comment
 * behind `prefix` ("; wrote: "): what a run wrote, for wimpatch undo to
 * check, which regedit and hivexregedit skip.  Pass only the changes
 * whose result is still there (not change_superseded). */
void regfile_changes_comment(struct regfile_out *r, const char *prefix, const char *root,
			     const struct changelist *cl);
/* A key as it is (wimpatch query): its section, under `root` ("" is the
 * root key itself), then each of its values; names with control
 * characters are left out as below. */
void regfile_key(struct regfile_out *r, const char *root, const char *key);
void regfile_value(struct regfile_out *r, const char *name, const struct regval *v);

/*
 * A key or value name with a control character (TAB aside) cannot be
 * written: .reg files have no escape for names, and a line feed would
 * split the line.  Such an entry is reported (naming `dest`, the last
 * comment's file and image, the key and the value), and listed, escaped,
 * in comments at the end instead.  How many were left out so far:
 */
size_t regfile_left_out(const struct regfile_out *r);

/*
 * The same test before anything is written: can a .reg file hold every
 * entry of `cl`?  With `undo`, what undoes them too (the keys and values
 * a deleted key held).  If not, *key gets the first key that cannot be
 * held and *name the value's name (NULL when it is the key's own), both
 * pointing into `cl`, and false is returned.
 */
bool regfile_can_hold(const struct changelist *cl, bool undo, const char **key, const char **name);

/* Finish a stream (flushed) or drop an unused one.  0, or -1 when
 * entries were left out or memory ran out (reported). */
int regfile_close(struct regfile_out *r);

/*
 * Undo files.  regfile_check_dest: can `path` take one?  It can if it
 * does not exist, or is a regular file (not a symbolic link) holding a
 * .reg file of version 5.00, in a directory that takes new files; it is
 * never replaced by anything else.  0, or -1 (reported).
 *
 * regfile_prepend: put the entries of `r` in front of those `path` holds
 * (the file starts with them if there is none), so that, merged from the
 * top, the file undoes the latest run first and every earlier one after
 * it.  The new file is written to a temporary sibling, synced and renamed
 * into place (UTF-16LE with BOM when utf16, old entries included).  Frees
 * r.  0, or -1 (reported; `path` is as it was).
 */
int regfile_check_dest(const char *path);
int regfile_prepend(struct regfile_out *r, const char *path, bool utf16);

/*
 * Read `path` and append its entries to `rule` as operations: [KEY]
 * creates a key, [-KEY] deletes one with its subtree, "name"=data sets a
 * value, "name"=- deletes one.  Every key must lie under `root` (the
 * rule's hive, e.g. HKEY_LOCAL_MACHINE\SYSTEM, or HKLM\SYSTEM); paths are
 * stored relative to it.  Errors are reported as "FILE:LINE: reason";
 * returns 0 or -1.
 */
int regfile_import(const char *path, const char *root, struct rule *rule);
/* The same for the lines of `text` (no header line: a section of an undo
 * file), numbered from line0 + 1 in messages that name `name`. */
int regfile_import_text(const char *name, const char *text, int line0, const char *root,
			struct rule *rule);
/* A .reg file's whole text as UTF-8 (UTF-16LE with BOM converted), read
 * through util/infile.h; NULL after reporting why not.  free() it. */
char *regfile_read(const char *path);

#endif

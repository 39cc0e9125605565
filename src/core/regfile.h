/*
 * regfile.h - Windows .reg files: read them into profile operations, and
 * write the changes of a run (or their reverse) as one.
 *
 * Written files are "Windows Registry Editor Version 5.00", keys under
 * the hive's standard name (HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001\...),
 * UTF-8 (or UTF-16LE with a BOM, as regedit writes them), and are
 * accepted by regedit and by hivexregedit --merge --prefix ROOT.
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

/* Start a .reg file at `path` (written to a temporary sibling, renamed by
 * regfile_close); utf16: UTF-16LE with BOM.  NULL on error (reported). */
struct regfile_out *regfile_create(const char *path, bool utf16);
/* Start one on an open stream (stdout); UTF-8 only. */
struct regfile_out *regfile_stream(FILE *f);
/* A comment line ("; text"), e.g. which file, image and hive follow. */
void regfile_comment(struct regfile_out *r, const char *text);
/* The changes, in order, as .reg entries under `root`. */
void regfile_changes(struct regfile_out *r, const char *root, const struct changelist *cl);
/* What undoes them: the old values back, added keys deleted, deleted
 * keys recreated with their values, in reverse order. */
void regfile_undo(struct regfile_out *r, const char *root, const struct changelist *cl);
/* Finish: flush, fsync and rename into place.  0, or -1 (reported). */
int regfile_close(struct regfile_out *r);

/*
 * Read `path` and append its entries to `rule` as operations: [KEY]
 * creates a key, [-KEY] deletes one with its subtree, "name"=data sets a
 * value, "name"=- deletes one.  Every key must lie under `root` (the
 * rule's hive, e.g. HKEY_LOCAL_MACHINE\SYSTEM, or HKLM\SYSTEM); paths are
 * stored relative to it.  Errors are reported as "FILE:LINE: reason";
 * returns 0 or -1.
 */
int regfile_import(const char *path, const char *root, struct rule *rule);

#endif

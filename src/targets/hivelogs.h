/*
 * hivelogs.h - the transaction logs beside a hive that wimpatch rewrites
 * (NAME.LOG, NAME.LOG1, NAME.LOG2, in the hive's directory, in a tree or
 * in an image).
 *
 * Windows writes a hive's changes to a log before the hive itself and,
 * when it loads a dirty hive (sequence numbers unequal), replays every
 * log whose base block is valid, or can be "self-healed", and whose
 * entries follow the sequence numbers it has (Suhanov's regf
 * specification, "Format of transaction log files", "Dirty state of a
 * hive", "Multiple transaction log files").  hivex writes the hive anew
 * (cells move) with equal sequence numbers, one above the old primary
 * one; a log beside it then describes pages of a hive that no longer
 * exists.  Windows ignores the logs of a clean hive, but stale entries
 * stay in them: when Windows next writes the hive and is interrupted,
 * it recovers from both logs of the pair, and stale entries that happen
 * to follow its own in sequence would be written over the hive.  The one
 * state no version of Windows replays is an empty log, which is also
 * what installation images carry; so every log beside a written hive
 * that holds log data (which starts at its second sector) is emptied.  In a tree, each is replaced by an empty file
 * (crash-safely, with its owner, group and mode) after the hive is in
 * place: an interruption between the two leaves the new, clean hive with
 * the stale logs, which Windows does not replay at load.  In an image,
 * the hive and its logs go in the same write.
 */
#ifndef WIMPATCH_HIVELOGS_H
#define WIMPATCH_HIVELOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/report.h"

/* ".LOG", ".LOG1", ".LOG2": what follows the hive's name. */
extern const char *const hivelogs_suffix[HIVE_LOGS_MAX];

/* Did the hive file at `path` have unequal sequence numbers (is it one
 * that only --allow-dirty edits)?  false if it cannot be read. */
bool hivelogs_hive_dirty(const char *path);

/* show: if the hive file at `path` (`where` in messages) is dirty, warn
 * that what it holds may be out of date.  Returns whether it is. */
bool hivelogs_warn_dirty(const char *path, const char *where);

/* Record one log in rep->logs: `name` (taken over), its size, and the
 * base block read from `file` (the log itself, or a copy of it); action
 * "empty" for an empty log, "no data" for one of at most 512 bytes (log
 * data starts at the second sector: there is nothing in it to replay),
 * else "to empty".  WP_ERR_INPUT when `file`
 * cannot be read (said, naming `name`). */
enum wp_err hivelogs_note(struct hive_report *rep, char *name, const char *file);

/* The logs beside the hive file `hive` (names matched without regard to
 * case) into rep->logs, as hivelogs_note does, named as if beside
 * `shown` (where the user finds the hive: the output tree being made
 * is not); two spellings of one log are refused (WP_ERR_INPUT).  Nothing
 * is changed. */
enum wp_err hivelogs_find(const char *hive, const char *shown, struct hive_report *rep);

/* Empty each log of rep->logs that hivelogs_find found "to empty" (made
 * "emptied"), as the comment above says.  WP_ERR_WRITE (said) when one
 * cannot be; the others are still done. */
enum wp_err hivelogs_empty_files(struct hive_report *rep);

/* A verbose line per log: what was (or would be) done. */
void hivelogs_say(const char *where, const struct hive_report *rep);

#endif

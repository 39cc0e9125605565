/*
 * hivekind.h - which registry hive a bare hive file is, by what it holds.
 *
 * A file copied out of an image is often renamed (hive.bin, SYSTEM.bak,
 * a download's name), so its name is the weakest evidence.  In order:
 * the keys at its root (a SYSTEM hive has Select and ControlSet00N, ...),
 * then the file name Windows wrote into its base block, then the file's
 * own name.
 */
#ifndef WIMPATCH_HIVEKIND_H
#define WIMPATCH_HIVEKIND_H

#include <stdbool.h>

#include "adapters/hive.h"

struct hivekind {
	const char *name;	/* as the rules' hive paths end: "SYSTEM",
				   "SOFTWARE", "SAM", "SECURITY", "DEFAULT",
				   "NTUSER.DAT", "BCD" (hivekind_known); or
				   the file's name when nothing else tells */
	const char *source;	/* what told: "its keys", "its keys and the file
				   name in its header", "the file name in its
				   header", "its file name" */
	const char *content;	/* what its keys make it (same names), NULL
				   when they do not tell */
};

/*
 * What the hive `h`, opened from `path`, is: its keys, else the base
 * block's file name if that is a hive's (hivekind_known), else the file's
 * name.  Fails (-1, with the reason in hive_error()) only when its root
 * cannot be read.  The name points into static strings or `path`.
 */
int hivekind_of(struct hive *h, const char *path, struct hivekind *out);

/* The same for the hive file `file` (opened, read and closed here),
 * known to the user as `path` (its name for the last resort, and in the
 * messages): -1 after saying why it cannot be read. */
int hivekind_of_file(const char *file, const char *path, struct hivekind *out);

/* The hive `name` names ("system.bak": "SYSTEM"), or NULL for a name
 * that is no hive's ("hive.bin"). */
const char *hivekind_known(const char *name);

/* Do two hive names mean the same hive ("NTUSER.DAT" and "ntuser",
 * "SYSTEM" and "system.hiv": compared up to the first '.', without
 * regard to case)? */
bool hivekind_same(const char *a, const char *b);

#endif

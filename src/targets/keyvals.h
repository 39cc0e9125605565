/*
 * keyvals.h - the values of the keys one engine_apply edits, held in
 * memory and written back to the hive once per key.
 *
 * hivex rewrites every value of a key into new cells whenever one of them
 * changes, and never reuses the cells it leaves: setting 1000 values of
 * one key one by one made a 20 KB hive 47 MB, where hivexregedit (which
 * sets a key's values at once) writes 118 KB.  So the engine reads and
 * edits a key's values here, and keyvals_flush() writes each changed key
 * with one hive_set_values().  Values are found by name (without regard
 * to ASCII case, as hivex matches them) through a hash index: an imported
 * .reg file may put thousands of values under one key.
 *
 * A key is named by its node and its path (stored spelling, from the hive
 * root), which keyvals_flush() compares to find the keys below one that is
 * about to be deleted.  Functions returning int give 0, or -1 with the
 * reason in keyvals_error() (nothing is reported).
 */
#ifndef WIMPATCH_KEYVALS_H
#define WIMPATCH_KEYVALS_H

#include <stddef.h>

#include "adapters/hive.h"
#include "core/regval.h"

struct keyvals;

/* NULL when memory runs out. */
struct keyvals *keyvals_new(struct hive *h);
/* Forgets what was not flushed. */
void keyvals_free(struct keyvals *kv);
const char *keyvals_error(const struct keyvals *kv);

/* Value `name` of key `n` as the edits so far leave it: *out points into
 * the cache (until the key is next changed), NULL when there is none. */
int keyvals_get(struct keyvals *kv, hive_node n, const char *path, const char *name,
		const struct hive_value **out);
/* Create or replace value `name` (copied); a replaced value keeps its
 * stored name and its place among the key's values, a new one goes last,
 * as hivex_node_set_value does. */
int keyvals_set(struct keyvals *kv, hive_node n, const char *path, const char *name,
		const struct regval *v);
/* Delete value `name`, if there is one. */
int keyvals_delete(struct keyvals *kv, hive_node n, const char *path, const char *name);
/* Delete every value of the key; *old gets those it had (free with
 * hive_values_free). */
int keyvals_clear(struct keyvals *kv, hive_node n, const char *path, struct hive_value **old,
		  size_t *n_old);

/* Write the changed keys to the hive and forget them: all of them (prefix
 * NULL), or those at or below the key `prefix`, which must be done before
 * that key is read whole or deleted.  On failure *failed (if not NULL)
 * names the key that could not be written. */
int keyvals_flush(struct keyvals *kv, const char *prefix, const char **failed);

#endif

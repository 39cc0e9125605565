/*
 * change.h - what applying a plan did (or would do) to one hive.
 *
 * Every edit is recorded with the old and new state so that reports can
 * show it, verification can check it in what was written, and later
 * (.reg undo files) can reverse it.
 */
#ifndef WIMPATCH_CHANGE_H
#define WIMPATCH_CHANGE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/plan.h"
#include "core/regval.h"

enum change_kind {
	CH_KEY_ADDED,
	CH_KEY_DELETED,
	CH_VALUE_SET,		/* added (no old) or modified */
	CH_VALUE_DELETED,
};

/* A key as it was, for undoing the deletion of a subtree. */
struct named_value {
	char *name;
	struct regval val;
};

struct key_snapshot {
	char *path;		/* full path from the hive root, stored spelling */
	struct named_value *values;
	size_t n_values;
};

struct change {
	enum change_kind kind;
	char *key;		/* stored spelling, backslash-separated, from the hive root */
	char *name;		/* value name for value changes, else NULL */
	bool has_old;
	struct regval old;
	bool has_new;
	struct regval new;
	size_t sub_keys;	/* CH_KEY_DELETED: keys below it */
	size_t sub_values;	/* CH_KEY_DELETED: values in it and below */
	struct key_snapshot *snapshot;	/* CH_KEY_DELETED: the key and every key below
					   it with their values, parents first */
	size_t n_snapshot;
	char *note;		/* optional higher-level reading of the change
				   (e.g. a BCD element "debug: No -> Yes"); malloc'd */
};

struct changelist {
	struct change *v;
	size_t n, alloc;
};

const char *change_kind_name(enum change_kind k);

/* Appends a change; strings and values are copied.  Returns NULL on OOM. */
struct change *changelist_add(struct changelist *cl, enum change_kind kind,
			      const char *key, const char *name,
			      const struct regval *old, const struct regval *new_val);
void changelist_free(struct changelist *cl);
/* Append copies of every change of `src` to `dst` (deep: strings, values,
 * snapshots, notes).  false when memory runs out; what was copied stays
 * in `dst`, for changelist_free. */
bool changelist_copy(struct changelist *dst, const struct changelist *src);
void key_snapshots_free(struct key_snapshot *s, size_t n);

/*
 * Is change i overridden by a later change in the same list (the same
 * value set again, its key deleted later, a deleted key re-created)?  Only
 * the last word on each key and value can be checked in the written hive.
 */
bool change_superseded(const struct changelist *cl, size_t i);
/* change_superseded for every change, in one pass: a malloc'd array of
 * cl->n flags (free with free()), or NULL when memory runs out. */
bool *change_superseded_all(const struct changelist *cl);

#endif

/*
 * keybatch.h - the keys the operations of a run will create, made ahead
 * in one go when many of them go under one key.
 *
 * hivex adds a key in time and hive space that grow with its parent's
 * subkeys, so an import creating 20000 keys under one key took 80 s and
 * 1.7 GB (hive_add_children, adapters/hive.h).  Before the operations are
 * applied, keybatch_make() reads the keys that create-key and set-value
 * operations would create, those under CurrentControlSet in the control
 * set Select\Current names (or, for all-control-sets rules, in every
 * ControlSetNNN), as the engine resolves them.  It stops at the first
 * operation after which the later ones could find other keys than the
 * hive holds now: a delete-key, any operation on Select, one that creates
 * a control set.  If any key gets KEYBATCH_MIN new subkeys or more, it
 * creates all of them, level by level, those big families in one
 * hive_add_children call per level.  They are
 * "fresh" (subkeys.h) until the operation that creates them claims them:
 * until then they count as absent, and the change list records each where
 * its operation comes, as if it had created it.  Nothing is done, and no
 * byte of the hive changes, when no key gets that many.
 *
 * 0, or -1 with the reason in subkeys_error(sk).
 */
#ifndef WIMPATCH_KEYBATCH_H
#define WIMPATCH_KEYBATCH_H

#include <stddef.h>

#include "core/plan.h"
#include "targets/subkeys.h"

#define KEYBATCH_MIN 64

int keybatch_make(struct hive *h, struct subkeys *sk, const struct rule *const *rules,
		  size_t n_rules);

#endif

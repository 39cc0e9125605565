/*
 * subkeys.h - the subkeys of the keys one engine_apply (or engine_verify)
 * walks, found by name through a hash index.
 *
 * hivex finds a subkey by decoding the name of every subkey of its parent
 * in turn, so walking to each of N keys under one parent cost N² name
 * decodings (an import creating 10000 keys under one key: 23 s before
 * anything was written).  Here the first lookup under a key reads the
 * names of all its subkeys once; later lookups, and the keys created
 * through subkeys_add(), go through the index.  Names match without regard
 * to ASCII case, as hivex matches them; should a damaged hive hold a name
 * twice under one key, the first is found, as hivex finds it.  Deleting a
 * key must be followed by subkeys_forget(): the index, with the nodes of
 * the deleted subtree, is then rebuilt as walks need it.
 *
 * Functions returning int give 0, or -1 with the reason in
 * subkeys_error() (nothing is reported).
 */
#ifndef WIMPATCH_SUBKEYS_H
#define WIMPATCH_SUBKEYS_H

#include <stdbool.h>

#include "adapters/hive.h"

struct subkeys;

/* NULL when memory runs out. */
struct subkeys *subkeys_new(struct hive *h);
void subkeys_free(struct subkeys *sk);
const char *subkeys_error(const struct subkeys *sk);

/* The subkey `name` of `parent`: *out = 0 when there is none; else
 * *stored is its name as the hive spells it (valid until subkeys_forget
 * or subkeys_free). */
int subkeys_child(struct subkeys *sk, hive_node parent, const char *name, hive_node *out,
		  const char **stored);
/* Create the subkey `name` of `parent` (hive_add_child), which must not
 * exist yet, and index it. */
int subkeys_add(struct subkeys *sk, hive_node parent, const char *name, hive_node *out);
/*
 * Keys made ahead of the operations that create them (targets/keybatch.h):
 * subkeys_add_fresh creates names[i] under parents[i] (none may exist
 * yet), in one hive_add_children call when `batch`, else one by one, and
 * marks them fresh.  subkeys_find is subkeys_child that also says whether
 * the key found is fresh, and with `claim` makes it an ordinary key:
 * the operation that creates it has come.  subkeys_fresh_left counts the
 * fresh keys never claimed.
 */
int subkeys_add_fresh(struct subkeys *sk, const hive_node *parents, const char *const *names,
		      size_t n, bool batch);
int subkeys_find(struct subkeys *sk, hive_node parent, const char *name, hive_node *out,
		 const char **stored, bool claim, bool *fresh);
size_t subkeys_fresh_left(const struct subkeys *sk);
/* Forget everything (after a key was deleted). */
void subkeys_forget(struct subkeys *sk);

#endif

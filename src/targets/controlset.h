/*
 * controlset.h - what CurrentControlSet is in an offline SYSTEM hive.
 * Windows makes it a link at boot; offline it is resolved through
 * Select\Current, as the boot loader does.  The engine (rules) and query
 * both resolve it here.
 */
#ifndef WIMPATCH_CONTROLSET_H
#define WIMPATCH_CONTROLSET_H

#include <stdbool.h>
#include <stddef.h>

#include "core/regval.h"

#define CONTROLSET_LINK "CurrentControlSet"
#define CONTROLSET_NO_SELECT "the hive has no Select key, so CurrentControlSet " \
	"cannot be resolved (is this a SYSTEM hive?)"

/* Does `key` start with CurrentControlSet (any case)?  *rest then gets
 * what follows it ("" or "\..."). */
bool controlset_is_link(const char *key, const char **rest);

/* Is `name` a control set, ControlSetNNN (any case), the keys an
 * all-control-sets rule applies to? */
bool controlset_is_set_name(const char *name);

/* "ControlSet%03u" in buf from the value of Select\Current (`cur`, NULL
 * when absent), *number the value; NULL, or why it names no control set
 * ("value missing: cannot resolve CurrentControlSet"...). */
const char *controlset_from_select(const struct regval *cur, char *buf, size_t len,
				   unsigned *number);

#endif

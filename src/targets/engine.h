/*
 * engine.h - apply rules to one open hive and record what changed; check
 * a written hive against that record.
 */
#ifndef WIMPATCH_ENGINE_H
#define WIMPATCH_ENGINE_H

#include <stddef.h>

#include "core/change.h"
#include "adapters/hive.h"
#include "core/plan.h"

/*
 * Apply the operations of `rules` in order to `h`, appending every change
 * to `out`.  `where` names the hive for messages ("boot.wim: image 2:
 * Windows/System32/config/SYSTEM"); errors are reported with msg_error()
 * naming it, the key and the reason.  Operations that find nothing to do
 * (value already right, key already absent) record nothing.
 * Returns 0, or -1 on error (the hive may then be half-edited: discard it).
 */
int engine_apply(struct hive *h, const struct rule *const *rules, size_t n_rules,
		 const char *where, struct changelist *out);

/*
 * Check that the hive `h` (re-opened from what was written) holds the
 * final state that `cl` records.  Reports every mismatch with msg_error()
 * and returns -1 if there was one.
 */
int engine_verify(struct hive *h, const struct changelist *cl, const char *where);

#endif

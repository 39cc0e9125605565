/* patch_hive.c - apply a plan to a bare hive file; see patch.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "adapters/hive.h"
#include "targets/hivekind.h"
#include "util/lock.h"
#include "util/msg.h"
#include "targets/hivelogs.h"
#include "targets/targets.h"
#include "util/path.h"

/* Which hive a bare file is: --hive, else what it holds (hivekind.h).
 * The name is copied into `id` without extension ("SYSTEM", "NTUSER"),
 * as the file name was before. */
static enum wp_err hive_identity(const char *path, const char *locked,
				 const struct patch_opts *o, char *id, size_t size)
{
	struct hivekind k;
	const char *named = hivekind_known(path_base(path));

	if (o->hive_name) {
		snprintf(id, size, "%.*s", (int)strcspn(o->hive_name, "."), o->hive_name);
		msg_verbose("%s: a %s hive, as --hive says", path, id);
		return WP_OK;
	}
	if (hivekind_of_file(locked, path, &k) < 0)
		return WP_ERR_INPUT;
	snprintf(id, size, "%.*s", (int)strcspn(k.name, "."), k.name);
	msg_verbose("%s: a %s hive, by %s", path, id, k.source);
	if (k.content && named && !hivekind_same(named, id))
		msg_warn("%s: named as a %s hive, but its keys are a %s hive's: treated as %s "
			 "(--hive NAME says otherwise)", path, named, id, id);
	return WP_OK;
}

enum wp_err patch_hive_file(const char *path, const struct patch_opts *o, struct file_report *fr)
{
	char id[256], locked[64];
	const struct rule **rules = calloc(o->plan->n_rules + 1, sizeof(*rules));
	size_t k = 0, mark = fs_lock_mark();
	int ret = WP_ERR_INTERNAL;

	fr->kind = "hive";
	fr->status = FILE_UNCHANGED;
	if (!rules) {
		msg_error("out of memory");
		goto out;
	}
	/* Locked before it is read, until it is written (or not); read
	 * through the lock's descriptor, never by name again: a file renamed
	 * over the name meanwhile is not the one locked. */
	if ((ret = target_lock(path, o, false)) != WP_OK)
		goto out;
	ret = WP_ERR_INTERNAL;
	if (fs_lock_last_path(locked, sizeof(locked)) < 0)
		goto out;
	if ((ret = hive_identity(path, locked, o, id, sizeof(id))) != WP_OK)
		goto out;
	if (o->n_images)
		msg_warn("%s: --image has no meaning for a bare hive file; ignored", path);
	/* On a bare hive, role and images do not apply: the file is the hive. */
	for (size_t i = 0; i < o->plan->n_rules; i++) {
		const struct rule *r = &o->plan->rules[i];
		bool m = hivekind_same(path_base(r->hive), id);
		msg_verbose("%s: rule from %s:%d edits %s: %s", path, r->src_file, r->src_line,
			    r->hive, m ? "applies" : "does not apply");
		if (m)
			rules[k++] = r;
	}
	if (k == 0) {
		/* Not "nothing to change": a gate on diff's status must not
		 * pass a hive that no rule could look at. */
		msg_error("%s: no rule of the profiles applies to a %s hive (--hive NAME says "
			  "which hive this file is)", path, id);
		ret = WP_ERR_NO_RULE;
		goto out;
	}

	struct hive_report *rep = file_report_add(fr);
	if (!rep || !(rep->hive = strdup(path)) || !(rep->reg_root = reg_root_for(id))) {
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
		goto out;
	}
	struct hive *h;
	rep->was_dirty = hivelogs_hive_dirty(locked);
	ret = hivefile_edit(locked, rules, k, path, o->allow_dirty, &rep->changes, &h);
	if (ret == WP_OK) {
		ret = hivefile_check_reg(o, &rep->changes, path);
		if (ret == WP_OK)
			ret = hivefile_finish(h, path, locked, o, fr);
		hivefile_close(h);
	}
out:
	fs_unlock_to(mark);
	free(rules);
	return ret;
}

/* patch_hive.c - apply a plan to a bare hive file; see patch.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "adapters/hive.h"
#include "util/lock.h"
#include "util/msg.h"
#include "targets/hivelogs.h"
#include "targets/targets.h"
#include "util/path.h"

/* Which hive a bare file is: --hive, else its file name without extension
 * ("SYSTEM", "system.hiv", "SYSTEM.bak" all mean SYSTEM). */
static char *hive_identity(const char *path, const struct patch_opts *o)
{
	const char *b = o->hive_name ? o->hive_name : path_base(path);
	return strndup(b, strcspn(b, "."));
}

enum wp_err patch_hive_file(const char *path, const struct patch_opts *o, struct file_report *fr)
{
	char *id = hive_identity(path, o);
	const struct rule **rules = calloc(o->plan->n_rules + 1, sizeof(*rules));
	size_t k = 0, mark = fs_lock_mark();
	int ret = WP_ERR_INTERNAL;

	fr->kind = "hive";
	fr->status = FILE_UNCHANGED;
	if (!id || !rules) {
		msg_error("out of memory");
		goto out;
	}
	/* Locked before it is read, until it is written (or not). */
	if ((ret = target_lock(path, o, false)) != WP_OK)
		goto out;
	if (o->n_images)
		msg_warn("%s: --image has no meaning for a bare hive file; ignored", path);
	/* On a bare hive, role and images do not apply: the file is the hive. */
	for (size_t i = 0; i < o->plan->n_rules; i++) {
		const struct rule *r = &o->plan->rules[i];
		bool m = strcasecmp(path_base(r->hive), id) == 0;
		msg_verbose("%s: rule from %s:%d edits %s: %s", path, r->src_file, r->src_line,
			    r->hive, m ? "applies" : "does not apply");
		if (m)
			rules[k++] = r;
	}
	if (k == 0)
		msg_info("%s: no rule applies to a %s hive (use --hive NAME to say which hive "
			 "this file is)", path, id);

	struct hive_report *rep = file_report_add(fr);
	if (!rep || !(rep->hive = strdup(path)) || !(rep->reg_root = reg_root_for(id))) {
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
		goto out;
	}
	struct hive *h;
	rep->was_dirty = hivelogs_hive_dirty(path);
	ret = hivefile_edit(path, rules, k, path, o->allow_dirty, &rep->changes, &h);
	if (ret == WP_OK) {
		ret = hivefile_finish(h, path, o, fr);
		hivefile_close(h);
	}
out:
	fs_unlock_to(mark);
	free(rules);
	free(id);
	return ret;
}

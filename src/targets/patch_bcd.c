/* patch_bcd.c - apply a plan's BCD rules to one BCD store; see patch.h.
 *
 * A store is a hive: it is edited in memory through the BCD module,
 * written to a temporary sibling, read back and verified like any hive,
 * then renamed into place.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "targets/bcd.h"
#include "targets/engine.h"
#include "core/error.h"
#include "adapters/hive.h"
#include "util/lock.h"
#include "util/msg.h"
#include "targets/hivelogs.h"
#include "targets/targets.h"

static bool store_matches(enum bcd_store_sel sel, enum bcd_store_sel store)
{
	return sel == BCD_STORE_ANY || store == BCD_STORE_ANY || sel == store;
}

/* One operation.  Its object is NULL (the operation's usual object), an
 * alias, a {guid}, or {all-loaders}, which the BCD module expands. */
static int apply_op(struct bcd_ctx *c, const struct bcd_op *op)
{
	const char *object = op->object;
	struct bcd_dbgsettings s;

	switch (op->kind) {
	case BOP_DEBUG:
		return bcd_set_debug(c, object, op->on);
	case BOP_BOOTDEBUG:
		return bcd_set_bootdebug(c, object, op->on);
	case BOP_EMS:
		return bcd_set_ems(c, object, op->on);
	case BOP_EMSSETTINGS:
		return bcd_set_emssettings(c, op->ems_port, op->ems_baudrate);
	case BOP_DBGSETTINGS:
		memset(&s, 0, sizeof(s));
		s.type = (enum bcd_debugtype)op->dbg_type;
		s.debugport = op->debugport;
		s.baudrate = op->baudrate;
		s.has_channel = op->has_channel;
		s.channel = op->channel;
		s.targetname = op->targetname;
		s.has_hostip = op->has_hostip;
		s.hostip = op->hostip;
		s.port = op->netport;
		s.key = op->netkey;
		return bcd_set_dbgsettings(c, &s, op->create_missing);
	case BOP_TIMEOUT:
		return bcd_set_timeout(c, object, op->number);
	case BOP_BOOTSTATUSPOLICY:
		return bcd_set_bootstatuspolicy(c, object, (enum bcd_bootstatuspolicy)op->number);
	case BOP_RECOVERYENABLED:
		return bcd_set_recoveryenabled(c, object, op->on);
	case BOP_SET_ELEMENT:
		return bcd_set_element_text(c, object, op->element, op->text);
	case BOP_HIVE_OPS:
		/* Keys from the store's root: the engine, as for any hive. */
		return engine_apply(c->h, (const struct rule *const *)&op->hive_ops, 1, c->where,
				    c->out);
	}
	return -1;
}

bool bcdfile_is_store(const char *path)
{
	char err[256];
	struct hive *h = hive_open(path, HIVE_ALLOW_DIRTY, err, sizeof(err));
	bool is = h && bcd_check_store(h, err, sizeof(err)) == 0;
	hive_close(h);
	return is;
}

/* The store at `open` (the locked file's /proc/self/fd path), named `path`. */
static struct hive *open_as(const char *open, const char *path, int flags)
{
	char err[512];
	struct hive *h = hive_open(open, flags, err, sizeof(err));

	if (!h) {
		msg_error("%s: %s", path, err);
		return NULL;
	}
	if (bcd_check_store(h, err, sizeof(err)) < 0) {
		msg_error("%s: not a BCD store: %s", path, err);
		hive_close(h);
		return NULL;
	}
	return h;
}

struct hive *bcdfile_open(const char *path, int flags)
{
	return open_as(path, path, flags);
}

enum wp_err bcdfile_edit(const char *path, const char *locked, enum bcd_store_sel store,
			 const struct plan *plan, bool allow_dirty, struct changelist *out,
			 struct hive **hp, size_t *n_rules)
{
	struct hive *h = open_as(locked, path, HIVE_WRITABLE | (allow_dirty ? HIVE_ALLOW_DIRTY : 0));

	*hp = NULL;
	*n_rules = 0;
	if (!h)
		return WP_ERR_INPUT;
	struct bcd_ctx c = { .h = h, .where = path, .out = out };
	for (size_t i = 0; i < plan->n_bcd_rules; i++) {
		const struct bcd_rule *r = &plan->bcd_rules[i];
		bool m = store_matches(r->store, store);
		msg_verbose("%s: BCD rule%s%s (%s:%d) %s", path, r->id ? " " : "", r->id ? r->id : "",
			    r->src_file, r->src_line, m ? "applies" : "is for the other store");
		if (!m)
			continue;
		(*n_rules)++;
		for (size_t j = 0; j < r->n_ops; j++) {
			if (apply_op(&c, &r->ops[j]) < 0) {
				msg_error("%s: BCD rule from %s:%d failed (%s)", path,
					  r->ops[j].src_file, r->ops[j].src_line,
					  bcd_op_kind_name(r->ops[j].kind));
				hive_close(h);
				return WP_ERR_INPUT;
			}
		}
	}
	*hp = h;
	return WP_OK;
}

enum wp_err patch_bcd_file(const char *path, enum bcd_store_sel store, const struct patch_opts *o,
		   struct file_report *fr)
{
	struct hive *h = NULL;
	size_t n_rules, mark = fs_lock_mark();
	int ret;

	fr->kind = "bcd";
	fr->status = FILE_UNCHANGED;
	struct hive_report *rep = file_report_add(fr);
	if (!rep || !(rep->hive = strdup(path)) || !(rep->reg_root = strdup("HKEY_LOCAL_MACHINE\\BCD00000000"))) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	rep->bcd = true;
	/* Locked before it is read, until it is written (or not). */
	/* Locked before it is read, until it is written (or not); read
	 * through the lock's descriptor, never by name again. */
	char locked[64];
	if ((ret = target_lock(path, o, false)) != WP_OK)
		return ret;
	if (fs_lock_last_path(locked, sizeof(locked)) < 0) {
		fs_unlock_to(mark);
		return WP_ERR_INTERNAL;
	}
	rep->was_dirty = hivelogs_hive_dirty(locked);
	ret = bcdfile_edit(path, locked, store, o->plan, o->allow_dirty, &rep->changes, &h,
			   &n_rules);
	if (ret == WP_OK && o->n_applied)
		*o->n_applied += n_rules;
	if (ret == WP_OK && n_rules == 0 && !o->n_applied) {
		msg_error("%s: no rule of the profiles applies to a BCD store", path);
		ret = WP_ERR_NO_RULE;
		hivefile_close(h);
	} else if (ret == WP_OK) {
		if (n_rules == 0)
			msg_verbose("%s: no BCD rule applies", path);
		ret = hivefile_check_reg(o, &rep->changes, path);
		if (ret == WP_OK)
			ret = hivefile_finish(h, path, locked, o, fr);
		hivefile_close(h);
	}
	fs_unlock_to(mark);
	return ret;
}

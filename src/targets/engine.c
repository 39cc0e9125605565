/* engine.c - rules -> hive edits -> change records; see engine.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "targets/controlset.h"
#include "targets/engine.h"
#include "targets/keyvals.h"
#include "targets/keybatch.h"
#include "targets/subkeys.h"
#include "util/msg.h"
#include "util/array.h"

#define CCS "CurrentControlSet"

struct ctx {
	struct hive *h;
	struct keyvals *kv;	/* values are read and edited through it */
	struct subkeys *sk;	/* and keys found and created */
	const char *where;
	struct changelist *out;
	const struct rule *rule;
	const struct op *op;
	char ccs[32];		/* resolved CurrentControlSet, once per hive */
};

static int oom(void)
{
	msg_error("out of memory");
	return -1;
}

/* Report a failure for the op being applied, with hive, key and reason. */
static int op_fail(struct ctx *c, const char *key, const char *reason)
{
	struct msg_where about = { .key = key };
	msg_where_push(&about);
	msg_error("%s: %s: %s (%s, %s:%d)", c->where, key, reason,
		  op_kind_name(c->op->kind), c->op->src_file ? c->op->src_file : "?",
		  c->op->src_line);
	msg_where_pop(&about);
	return -1;
}

static struct change *record(struct ctx *c, enum change_kind kind, const char *key,
			     const char *name, const struct regval *old,
			     const struct regval *new_val)
{
	return changelist_add(c->out, kind, key, name, old, new_val);
}

/* CurrentControlSet is a link Windows creates at boot; offline it has to
 * be resolved through Select\Current, as the boot loader does. */
static int current_control_set(struct ctx *c, char *buf, size_t len)
{
	struct hive *h = c->h;
	hive_node sel, cs;
	const struct hive_value *cur_v;

	if (c->ccs[0]) {
		snprintf(buf, len, "%s", c->ccs);
		return 0;
	}
	if (hive_child(h, hive_root(h), "Select", &sel) < 0)
		return op_fail(c, "Select", hive_error(h));
	if (!sel)
		return op_fail(c, CCS, CONTROLSET_NO_SELECT);
	/* Through the cache: an earlier op may have set it. */
	if (keyvals_get(c->kv, sel, "Select", "Current", &cur_v) < 0)
		return op_fail(c, "Select\\Current", keyvals_error(c->kv));
	unsigned cur;
	const char *why_not = controlset_from_select(cur_v ? &cur_v->val : NULL, buf, len, &cur);
	if (why_not)
		return op_fail(c, "Select\\Current", why_not);
	if (hive_child(h, hive_root(h), buf, &cs) < 0)
		return op_fail(c, buf, hive_error(h));
	if (!cs) {
		char why[96];
		snprintf(why, sizeof(why), "Select\\Current is %u but the key does not exist", cur);
		return op_fail(c, buf, why);
	}
	msg_verbose("%s: CurrentControlSet is %s (Select\\Current = %u)", c->where, buf, cur);
	snprintf(c->ccs, sizeof(c->ccs), "%s", buf);
	return 0;
}

/* The concrete key paths an op's key stands for: itself, or with
 * CurrentControlSet replaced by the current (or every) control set. */
static int expand_key(struct ctx *c, const char *key, char ***out, size_t *n)
{
	size_t first = strcspn(key, "\\");
	*out = NULL;
	*n = 0;

	if (first != strlen(CCS) || strncasecmp(key, CCS, first) != 0) {
		char **v = malloc(sizeof(*v));
		if (!v || !(v[0] = strdup(key))) {
			free(v);
			return oom();
		}
		*out = v;
		*n = 1;
		return 0;
	}

	const char *rest = key + first;	/* "" or "\..." */
	char **sets = NULL;
	size_t ns = 0;

	if (c->rule->all_control_sets) {
		hive_node *kids;
		size_t nk;
		if (hive_children(c->h, hive_root(c->h), &kids, &nk) < 0)
			return op_fail(c, "\\", hive_error(c->h));
		for (size_t i = 0; i < nk; i++) {
			char *name = hive_node_name(c->h, kids[i]);
			if (!name) {
				free(kids);
				array_free_strings(sets, ns);
				return op_fail(c, "\\", hive_error(c->h));
			}
			if (!controlset_is_set_name(name)) {
				free(name);
				continue;
			}
			char **ns2 = realloc(sets, (ns + 1) * sizeof(*sets));
			if (!ns2) {
				free(name);
				free(kids);
				goto fail_oom;
			}
			sets = ns2;
			sets[ns++] = name;
		}
		free(kids);
		if (ns == 0) {
			free(sets);
			return op_fail(c, key, "the hive has no ControlSet00N key");
		}
		msg_verbose("%s: applying to all %zu control sets", c->where, ns);
	} else {
		char buf[32];
		if (current_control_set(c, buf, sizeof(buf)) < 0)
			return -1;
		sets = malloc(sizeof(*sets));
		if (!sets || !(sets[0] = strdup(buf)))
			goto fail_oom;
		ns = 1;
	}

	for (size_t i = 0; i < ns; i++) {
		char *full = malloc(strlen(sets[i]) + strlen(rest) + 1);
		if (!full)
			goto fail_oom;
		strcpy(full, sets[i]);
		strcat(full, rest);
		free(sets[i]);
		sets[i] = full;
	}
	*out = sets;
	*n = ns;
	return 0;
fail_oom:
	for (size_t i = 0; i < ns; i++)
		free(sets[i]);
	free(sets);
	return oom();
}


/* Append a component to a backslash path held in a growable buffer. */
static int path_push(char **path, size_t *cap, const char *name)
{
	size_t need = strlen(*path) + strlen(name) + 2;
	if (need > *cap) {
		char *np = realloc(*path, need);
		if (!np)
			return -1;
		*path = np;
		*cap = need;
	}
	if ((*path)[0])
		strcat(*path, "\\");
	strcat(*path, name);
	return 0;
}

/*
 * Walk `key` from the root.  With `create`, missing keys are added and
 * recorded.  *node = 0 when the key is absent and not created.  The stored
 * spelling of the path is returned in *stored (malloc'd) when found.
 */
static int walk(struct ctx *c, const char *key, bool create, hive_node *node, char **stored)
{
	size_t cap = strlen(key) + 2;
	char *path = malloc(cap);
	char *copy = strdup(key);
	hive_node n = hive_root(c->h);
	char *save = NULL;

	*node = 0;
	*stored = NULL;
	if (!path || !copy)
		goto fail_oom;
	path[0] = '\0';
	for (char *comp = strtok_r(copy, "\\", &save); comp; comp = strtok_r(NULL, "\\", &save)) {
		hive_node child;
		const char *name;
		bool added;

		bool fresh;
		if (subkeys_find(c->sk, n, comp, &child, &name, create, &fresh) < 0)
			goto fail_index;
		/* A key made ahead (keybatch.h) is absent until its
		 * operation comes, and then this creates it. */
		if (fresh && !create)
			child = 0;
		added = fresh;
		if (!child && !create) {
			free(copy);
			free(path);
			return 0;
		}
		if (!child) {
			if (subkeys_add(c->sk, n, comp, &child) < 0)
				goto fail_index;
			name = comp;
			added = true;
		}
		if (path_push(&path, &cap, name) < 0)
			goto fail_oom;
		if (added && !record(c, CH_KEY_ADDED, path, NULL, NULL, NULL))
			goto fail_oom;
		n = child;
	}
	free(copy);
	*node = n;
	*stored = path;
	return 0;
fail_index:
	op_fail(c, path[0] ? path : key, subkeys_error(c->sk));
	free(copy);
	free(path);
	return -1;
fail_oom:
	free(copy);
	free(path);
	return oom();
}

static int do_set_value(struct ctx *c, const char *key)
{
	hive_node n;
	char *path;
	const struct hive_value *old;
	int ret = -1;

	if (walk(c, key, true, &n, &path) < 0)
		return -1;
	if (keyvals_get(c->kv, n, path, c->op->name, &old) < 0) {
		op_fail(c, path, keyvals_error(c->kv));
		goto out;
	}
	if (old && regval_equal(&old->val, &c->op->value)) {
		msg_verbose("%s: %s\\%s is already %s", c->where, path, old->name,
			    regtype_name(old->val.type));
		ret = 0;
		goto out;
	}
	/* Recorded first: setting it frees the old data. */
	if (!record(c, CH_VALUE_SET, path, old ? old->name : c->op->name, old ? &old->val : NULL,
		    &c->op->value)) {
		oom();
		goto out;
	}
	if (keyvals_set(c->kv, n, path, c->op->name, &c->op->value) < 0) {
		op_fail(c, path, keyvals_error(c->kv));
		goto out;
	}
	ret = 0;
out:
	free(path);
	return ret;
}

static int do_create_key(struct ctx *c, const char *key)
{
	hive_node n;
	char *path;

	if (walk(c, key, true, &n, &path) < 0)
		return -1;
	free(path);
	return 0;
}

static int do_delete_value(struct ctx *c, const char *key)
{
	hive_node n;
	char *path, *stored_name = NULL;
	const struct hive_value *old;
	int ret = -1;

	if (walk(c, key, false, &n, &path) < 0)
		return -1;
	if (!n) {
		msg_verbose("%s: %s does not exist: no value to delete", c->where, key);
		return 0;
	}
	if (keyvals_get(c->kv, n, path, c->op->name, &old) < 0) {
		op_fail(c, path, keyvals_error(c->kv));
		goto out;
	}
	if (!old) {
		msg_verbose("%s: %s has no value '%s'", c->where, path, c->op->name);
		ret = 0;
		goto out;
	}
	if (!record(c, CH_VALUE_DELETED, path, old->name, &old->val, NULL) ||
	    !(stored_name = strdup(old->name))) {
		oom();
		goto out;
	}
	if (keyvals_delete(c->kv, n, path, stored_name) < 0) {
		op_fail(c, path, keyvals_error(c->kv));
		goto out;
	}
	ret = 0;
out:
	free(stored_name);
	free(path);
	return ret;
}

/* Record the subtree under `n` (path `path`), parents first, so that a
 * .reg undo file can recreate what a delete-key removes. */
static int snapshot_tree(struct hive *h, hive_node n, const char *path, unsigned depth,
			 struct key_snapshot **snap, size_t *ns)
{
	struct hive_value *vals;
	size_t nv;
	hive_node *kids;
	size_t nk;

	if (depth > 512)
		return -1;
	struct key_snapshot *grown = realloc(*snap, (*ns + 1) * sizeof(**snap));
	if (!grown)
		return -1;
	*snap = grown;
	struct key_snapshot *k = &grown[(*ns)++];
	memset(k, 0, sizeof(*k));
	if (!(k->path = strdup(path)) || hive_values(h, n, &vals, &nv) < 0)
		return -1;
	/* struct hive_value and struct named_value hold the same fields. */
	k->values = calloc(nv ? nv : 1, sizeof(*k->values));
	if (!k->values) {
		hive_values_free(vals, nv);
		return -1;
	}
	for (size_t i = 0; i < nv; i++) {
		k->values[i].name = vals[i].name;
		k->values[i].val = vals[i].val;
	}
	k->n_values = nv;
	free(vals);
	if (hive_children(h, n, &kids, &nk) < 0)
		return -1;
	int ret = 0;
	for (size_t i = 0; i < nk && ret == 0; i++) {
		char *name = hive_node_name(h, kids[i]), *sub = NULL;
		if (!name || asprintf(&sub, "%s\\%s", path, name) < 0)
			ret = -1;
		else
			ret = snapshot_tree(h, kids[i], sub, depth + 1, snap, ns);
		free(name);
		free(sub);
	}
	free(kids);
	return ret;
}

static int do_delete_key(struct ctx *c, const char *key)
{
	hive_node n;
	char *path;
	size_t keys, values;

	if (walk(c, key, false, &n, &path) < 0)
		return -1;
	if (!n) {
		msg_verbose("%s: %s does not exist: nothing to delete", c->where, key);
		return 0;
	}
	struct key_snapshot *snap = NULL;
	size_t ns = 0;
	/* What the key and those below it hold must be in the hive, to be
	 * counted and kept for undo, and their cached nodes go with it. */
	if (keyvals_flush(c->kv, path, NULL) < 0) {
		op_fail(c, path, keyvals_error(c->kv));
		free(path);
		return -1;
	}
	if (hive_subtree_stats(c->h, n, &keys, &values) < 0 ||
	    snapshot_tree(c->h, n, path, 0, &snap, &ns) < 0 || hive_delete_key(c->h, n) < 0) {
		op_fail(c, path, hive_error(c->h));
		subkeys_forget(c->sk);
		key_snapshots_free(snap, ns);
		free(path);
		return -1;
	}
	subkeys_forget(c->sk);
	struct change *ch = record(c, CH_KEY_DELETED, path, NULL, NULL, NULL);
	free(path);
	if (!ch) {
		key_snapshots_free(snap, ns);
		return oom();
	}
	ch->sub_keys = keys - 1;
	ch->sub_values = values;
	ch->snapshot = snap;
	ch->n_snapshot = ns;
	return 0;
}

static int do_clear_values(struct ctx *c, const char *key)
{
	hive_node n;
	char *path;
	struct hive_value *vals;
	size_t nv;
	int ret = -1;

	if (walk(c, key, false, &n, &path) < 0)
		return -1;
	if (!n) {
		msg_verbose("%s: %s does not exist: no values to delete", c->where, key);
		return 0;
	}
	if (keyvals_clear(c->kv, n, path, &vals, &nv) < 0) {
		op_fail(c, path, keyvals_error(c->kv));
		free(path);
		return -1;
	}
	for (size_t i = 0; i < nv; i++) {
		if (!record(c, CH_VALUE_DELETED, path, vals[i].name, &vals[i].val, NULL)) {
			oom();
			goto out;
		}
	}
	ret = 0;
out:
	hive_values_free(vals, nv);
	free(path);
	return ret;
}

static int apply_op(struct ctx *c)
{
	char **keys;
	size_t nk;
	int ret = 0;

	if (expand_key(c, c->op->key, &keys, &nk) < 0)
		return -1;
	for (size_t i = 0; i < nk && ret == 0; i++) {
		switch (c->op->kind) {
		case OP_CREATE_KEY:
			ret = do_create_key(c, keys[i]);
			break;
		case OP_SET_VALUE:
			ret = do_set_value(c, keys[i]);
			break;
		case OP_DELETE_VALUE:
			ret = do_delete_value(c, keys[i]);
			break;
		case OP_DELETE_KEY:
			ret = do_delete_key(c, keys[i]);
			break;
		case OP_CLEAR_VALUES:
			ret = do_clear_values(c, keys[i]);
			break;
		}
	}
	array_free_strings(keys, nk);
	return ret;
}

int engine_apply(struct hive *h, const struct rule *const *rules, size_t n_rules,
		 const char *where, struct changelist *out)
{
	struct ctx c = { .h = h, .where = where, .out = out };
	const char *failed = NULL;
	int ret = 0;

	if (!(c.kv = keyvals_new(h)) || !(c.sk = subkeys_new(h))) {
		keyvals_free(c.kv);
		return oom();
	}
	if (keybatch_make(h, c.sk, rules, n_rules) < 0) {
		msg_error("%s: cannot create the new keys: %s", where,
			  subkeys_error(c.sk)[0] ? subkeys_error(c.sk) : "out of memory");
		ret = -1;
	}
	for (size_t i = 0; i < n_rules && ret == 0; i++) {
		c.rule = rules[i];
		msg_verbose("%s: rule %s%s%s from %s:%d", where, rules[i]->id ? "'" : "",
			    rules[i]->id ? rules[i]->id : "", rules[i]->id ? "'" : "",
			    rules[i]->src_file, rules[i]->src_line);
		for (size_t j = 0; j < rules[i]->n_ops && ret == 0; j++) {
			c.op = &rules[i]->ops[j];
			ret = apply_op(&c);
		}
	}
	/* Every key made ahead was created by its operation. */
	if (ret == 0 && subkeys_fresh_left(c.sk)) {
		msg_error("%s: %zu keys made ahead were not created by any operation (a bug)", where,
			  subkeys_fresh_left(c.sk));
		ret = -1;
	}
	/* Each edited key's values are written once, now. */
	if (ret == 0 && keyvals_flush(c.kv, NULL, &failed) < 0) {
		msg_error("%s: %s: cannot write its values: %s", where, failed,
			  keyvals_error(c.kv));
		ret = -1;
	}
	keyvals_free(c.kv);
	subkeys_free(c.sk);
	return ret;
}

/* Look a recorded path up again, without creating anything. */
static int find_key(struct hive *h, struct subkeys *sk, const char *key, hive_node *out)
{
	char *copy = strdup(key), *save = NULL;
	hive_node n = hive_root(h);
	const char *name;

	if (!copy)
		return oom();
	for (char *comp = strtok_r(copy, "\\", &save); comp && n;
	     comp = strtok_r(NULL, "\\", &save)) {
		if (subkeys_child(sk, n, comp, &n, &name) < 0) {
			free(copy);
			return -1;
		}
	}
	free(copy);
	*out = n;
	return 0;
}

/* Lookups go through the indexes the apply uses: a change list may hold
 * thousands of values of one key, or keys under one parent. */
struct verify_ctx {
	struct hive *h;
	struct keyvals *kv;
	struct subkeys *sk;
	const char *where;
};

static int verify_one(struct verify_ctx *vc, const struct change *ch)
{
	const char *where = vc->where;
	const struct hive_value *v = NULL;
	hive_node n;

	if (find_key(vc->h, vc->sk, ch->key, &n) < 0) {
		msg_error("%s: %s: verification could not read the key: %s", where, ch->key,
			  subkeys_error(vc->sk));
		return -1;
	}
	switch (ch->kind) {
	case CH_KEY_ADDED:
		if (n)
			return 0;
		msg_error("%s: %s: verification failed: key is missing after writing", where, ch->key);
		return -1;
	case CH_KEY_DELETED:
		if (!n)
			return 0;
		msg_error("%s: %s: verification failed: key still exists after writing", where, ch->key);
		return -1;
	case CH_VALUE_SET:
	case CH_VALUE_DELETED:
		break;
	}
	if (n && keyvals_get(vc->kv, n, ch->key, ch->name, &v) < 0) {
		msg_error("%s: %s: verification could not read value '%s': %s", where, ch->key,
			  ch->name, keyvals_error(vc->kv));
		return -1;
	}
	if (ch->kind == CH_VALUE_DELETED) {
		if (!v)
			return 0;
		msg_error("%s: %s: verification failed: value '%s' still exists after writing",
			  where, ch->key, ch->name);
		return -1;
	}
	if (v && regval_equal(&v->val, &ch->new))
		return 0;
	msg_error("%s: %s: verification failed: value '%s' %s after writing", where, ch->key,
		  ch->name, v ? "has different data" : "is missing");
	return -1;
}

int engine_verify(struct hive *h, const struct changelist *cl, const char *where)
{
	struct verify_ctx vc = { .h = h, .kv = keyvals_new(h), .sk = subkeys_new(h), .where = where };
	int ret = 0;

	bool *sup = change_superseded_all(cl);

	if (!vc.kv || !vc.sk || !sup)
		ret = oom();
	/* Every mismatch is reported, not only the first. */
	for (size_t i = 0; i < cl->n && sup && vc.kv && vc.sk; i++) {
		if (sup[i])
			continue;
		struct msg_where about = { .key = cl->v[i].key };
		msg_where_push(&about);
		if (verify_one(&vc, &cl->v[i]) < 0)
			ret = -1;
		msg_where_pop(&about);
	}
	free(sup);
	keyvals_free(vc.kv);
	subkeys_free(vc.sk);
	return ret;
}

/* change.c - recorded changes; see change.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/change.h"
#include "util/array.h"
#include "util/hindex.h"

const char *change_kind_name(enum change_kind k)
{
	switch (k) {
	case CH_KEY_ADDED:
		return "add-key";
	case CH_KEY_DELETED:
		return "delete-key";
	case CH_VALUE_SET:
		return "set-value";
	case CH_VALUE_DELETED:
		return "delete-value";
	}
	return "?";
}

struct change *changelist_add(struct changelist *cl, enum change_kind kind,
			      const char *key, const char *name,
			      const struct regval *old, const struct regval *new_val)
{
	if (!ARRAY_GROW(cl->v, cl->n + 1, cl->alloc))
		return NULL;
	struct change *c = &cl->v[cl->n];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->key = strdup(key);
	c->name = name ? strdup(name) : NULL;
	bool ok = c->key && (!name || c->name);
	if (old) {
		c->has_old = true;
		ok = ok && regval_copy(&c->old, old);
	}
	if (new_val) {
		c->has_new = true;
		ok = ok && regval_copy(&c->new, new_val);
	}
	if (!ok) {
		free(c->key);
		free(c->name);
		regval_free(&c->old);
		regval_free(&c->new);
		return NULL;
	}
	cl->n++;
	return c;
}

void key_snapshots_free(struct key_snapshot *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].path);
		for (size_t j = 0; j < s[i].n_values; j++) {
			free(s[i].values[j].name);
			regval_free(&s[i].values[j].val);
		}
		free(s[i].values);
	}
	free(s);
}

void changelist_free(struct changelist *cl)
{
	for (size_t i = 0; i < cl->n; i++) {
		key_snapshots_free(cl->v[i].snapshot, cl->v[i].n_snapshot);
		free(cl->v[i].key);
		free(cl->v[i].name);
		free(cl->v[i].note);
		regval_free(&cl->v[i].old);
		regval_free(&cl->v[i].new);
	}
	free(cl->v);
	cl->v = NULL;
	cl->alloc = 0;
	cl->n = 0;
}

static bool snapshots_copy(struct change *dst, const struct change *src)
{
	if (!src->n_snapshot)
		return true;
	if (!(dst->snapshot = calloc(src->n_snapshot, sizeof(*dst->snapshot))))
		return false;
	dst->n_snapshot = src->n_snapshot;
	for (size_t i = 0; i < src->n_snapshot; i++) {
		const struct key_snapshot *a = &src->snapshot[i];
		struct key_snapshot *b = &dst->snapshot[i];
		if (!(b->path = strdup(a->path)))
			return false;
		if (a->n_values && !(b->values = calloc(a->n_values, sizeof(*b->values))))
			return false;
		for (size_t j = 0; j < a->n_values; j++) {
			b->n_values++;
			if (!(b->values[j].name = strdup(a->values[j].name)) ||
			    !regval_copy(&b->values[j].val, &a->values[j].val))
				return false;
		}
	}
	return true;
}

bool changelist_copy(struct changelist *dst, const struct changelist *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct change *a = &src->v[i];
		struct change *b = changelist_add(dst, a->kind, a->key, a->name,
						  a->has_old ? &a->old : NULL,
						  a->has_new ? &a->new : NULL);
		if (!b)
			return false;
		b->sub_keys = a->sub_keys;
		b->sub_values = a->sub_values;
		if ((a->note && !(b->note = strdup(a->note))) || !snapshots_copy(b, a))
			return false;
	}
	return true;
}

/* Is `key` equal to `anc` or below it?  Registry names compare without case. */
static bool key_within(const char *key, const char *anc)
{
	size_t n = strlen(anc);
	return strncasecmp(key, anc, n) == 0 && (key[n] == '\0' || key[n] == '\\');
}

static bool is_value_change(const struct change *c)
{
	return c->kind == CH_VALUE_SET || c->kind == CH_VALUE_DELETED;
}

bool change_superseded(const struct changelist *cl, size_t i)
{
	const struct change *a = &cl->v[i];

	for (size_t j = i + 1; j < cl->n; j++) {
		const struct change *b = &cl->v[j];

		if (b->kind == CH_KEY_DELETED && key_within(a->key, b->key))
			return true;
		if (is_value_change(a) && is_value_change(b) &&
		    strcasecmp(a->key, b->key) == 0 && strcasecmp(a->name, b->name) == 0)
			return true;
		/* A deleted key that something later re-creates or writes into. */
		if (a->kind == CH_KEY_DELETED && key_within(b->key, a->key))
			return true;
	}
	return false;
}

/*
 * change_superseded_all: the same answers for every change, from one pass
 * backwards over the list, with what the later changes touched in hash
 * indexes (asking change_superseded for each change of a list compares
 * every pair: 20000 values imported under one key took seconds).
 */
struct prefix {
	size_t pos, len;	/* the first len bytes of cl->v[pos].key */
};

struct later {
	const struct changelist *cl;
	struct hindex values;	/* value changes, by key and name */
	struct hindex deleted;	/* key deletions, by key */
	struct prefix *pre;	/* every change's key and its ancestors */
	size_t n_pre, pre_alloc;
	struct hindex prefixes;	/* by the prefix */
};

static uint64_t value_hash(const struct change *c)
{
	return hash_u64(hash_nocase(c->key) ^ hash_u64(hash_nocase(c->name)));
}

static bool same_prefix(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && strncasecmp(a, b, alen) == 0;
}

/* Is the value a changes (key and name) changed again later? */
static bool later_value(const struct later *l, const struct change *a)
{
	size_t it = 0, pos;
	while ((pos = hindex_next(&l->values, value_hash(a), &it)) != HINDEX_END) {
		const struct change *b = &l->cl->v[pos];
		if (strcasecmp(a->key, b->key) == 0 && strcasecmp(a->name, b->name) == 0)
			return true;
	}
	return false;
}

/* Is the key k[0..len) deleted later? */
static bool later_deletion(const struct later *l, const char *k, size_t len)
{
	size_t it = 0, pos;
	while ((pos = hindex_next(&l->deleted, hash_nocase_n(k, len), &it)) != HINDEX_END) {
		const char *d = l->cl->v[pos].key;
		if (same_prefix(d, strlen(d), k, len))
			return true;
	}
	return false;
}

/* Is a's key, or a key above it, deleted later? */
static bool later_deleted(const struct later *l, const struct change *a)
{
	const char *k = a->key;
	for (size_t len = 0;; len++) {
		if ((k[len] == '\\' || k[len] == '\0') && later_deletion(l, k, len))
			return true;
		if (!k[len])
			return false;
	}
}

/* Is the key k[0..len), or a key below it, touched later? */
static bool later_within(const struct later *l, const char *k, size_t len)
{
	size_t it = 0, pos;
	while ((pos = hindex_next(&l->prefixes, hash_nocase_n(k, len), &it)) != HINDEX_END) {
		const struct prefix *p = &l->pre[pos];
		if (same_prefix(l->cl->v[p->pos].key, p->len, k, len))
			return true;
	}
	return false;
}

/* Add change i to what later changes touched.  Each index holds a thing
 * once: hashes repeated thousands of times would make long probe runs. */
static int remember(struct later *l, size_t i)
{
	const struct change *c = &l->cl->v[i];
	const char *k = c->key;

	if (is_value_change(c) && !later_value(l, c) &&
	    hindex_add(&l->values, value_hash(c), i) < 0)
		return -1;
	if (c->kind == CH_KEY_DELETED && !later_deletion(l, k, strlen(k)) &&
	    hindex_add(&l->deleted, hash_nocase(k), i) < 0)
		return -1;
	for (size_t len = 0;; len++) {
		if ((k[len] == '\\' || k[len] == '\0') && !later_within(l, k, len)) {
			if (!ARRAY_GROW(l->pre, l->n_pre + 1, l->pre_alloc) ||
			    hindex_add(&l->prefixes, hash_nocase_n(k, len), l->n_pre) < 0)
				return -1;
			l->pre[l->n_pre++] = (struct prefix){ .pos = i, .len = len };
		}
		if (!k[len])
			return 0;
	}
}

bool *change_superseded_all(const struct changelist *cl)
{
	struct later l = { .cl = cl };
	bool *sup = calloc(cl->n ? cl->n : 1, sizeof(*sup));
	int r = sup ? 0 : -1;

	for (size_t i = cl->n; i-- > 0 && r == 0;) {
		const struct change *a = &cl->v[i];
		sup[i] = later_deleted(&l, a) || (is_value_change(a) && later_value(&l, a)) ||
			 (a->kind == CH_KEY_DELETED && later_within(&l, a->key, strlen(a->key)));
		r = remember(&l, i);
	}
	hindex_free(&l.values);
	hindex_free(&l.deleted);
	hindex_free(&l.prefixes);
	free(l.pre);
	if (r < 0) {
		free(sup);
		return NULL;
	}
	return sup;
}

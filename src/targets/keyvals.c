/* keyvals.c - keys' values edited in memory, written once; see keyvals.h. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "targets/keyvals.h"
#include "util/array.h"
#include "util/hindex.h"

struct kv_key {
	hive_node node;		/* 0 once flushed or forgotten */
	char *path;
	struct hive_value *v;	/* in stored order; a deleted one has name NULL */
	size_t n, alloc;
	struct hindex names;	/* hash_nocase(name) -> index in v */
	bool dirty;		/* differs from what the hive holds */
};

struct keyvals {
	struct hive *h;
	struct kv_key *keys;
	size_t n, alloc;
	struct hindex nodes;	/* hash_u64(node) -> index in keys */
	char err[512];
};

static int kv_fail(struct keyvals *kv, const char *reason)
{
	snprintf(kv->err, sizeof(kv->err), "%s", reason);
	return -1;
}

const char *keyvals_error(const struct keyvals *kv)
{
	return kv->err;
}

struct keyvals *keyvals_new(struct hive *h)
{
	struct keyvals *kv = calloc(1, sizeof(*kv));
	if (kv)
		kv->h = h;
	return kv;
}

static void key_forget(struct kv_key *k)
{
	hive_values_free(k->v, k->n);
	hindex_free(&k->names);
	free(k->path);
	memset(k, 0, sizeof(*k));
}

void keyvals_free(struct keyvals *kv)
{
	if (!kv)
		return;
	for (size_t i = 0; i < kv->n; i++)
		key_forget(&kv->keys[i]);
	free(kv->keys);
	hindex_free(&kv->nodes);
	free(kv);
}

/* The first of the key's values named `name`, or HINDEX_END.  The first in
 * stored order, as hivex_node_get_value finds it, should a damaged hive
 * hold the name twice. */
static size_t find_value(const struct kv_key *k, const char *name)
{
	uint64_t hash = hash_nocase(name);
	size_t it = 0, pos, best = HINDEX_END;

	while ((pos = hindex_next(&k->names, hash, &it)) != HINDEX_END)
		if (k->v[pos].name && strcasecmp(k->v[pos].name, name) == 0 && pos < best)
			best = pos;
	return best;
}

/* Read key `n`'s values from the hive into a new entry. */
static struct kv_key *key_load(struct keyvals *kv, hive_node n, const char *path)
{
	if (!ARRAY_GROW(kv->keys, kv->n + 1, kv->alloc)) {
		kv_fail(kv, "out of memory");
		return NULL;
	}
	struct kv_key *k = &kv->keys[kv->n];
	memset(k, 0, sizeof(*k));
	if (hive_values(kv->h, n, &k->v, &k->n) < 0) {
		kv_fail(kv, hive_error(kv->h));
		return NULL;
	}
	k->alloc = k->n;
	bool ok = (k->path = strdup(path)) != NULL;
	for (size_t i = 0; ok && i < k->n; i++)
		ok = hindex_add(&k->names, hash_nocase(k->v[i].name), i) == 0;
	if (!ok || hindex_add(&kv->nodes, hash_u64(n), kv->n) < 0) {
		key_forget(k);
		kv_fail(kv, "out of memory");
		return NULL;
	}
	k->node = n;
	kv->n++;
	return k;
}

/* The entry of key `n`, loaded the first time it is asked for. */
static struct kv_key *key_of(struct keyvals *kv, hive_node n, const char *path)
{
	size_t it = 0, pos;

	while ((pos = hindex_next(&kv->nodes, hash_u64(n), &it)) != HINDEX_END)
		if (kv->keys[pos].node == n)
			return &kv->keys[pos];
	return key_load(kv, n, path);
}

int keyvals_get(struct keyvals *kv, hive_node n, const char *path, const char *name,
		const struct hive_value **out)
{
	struct kv_key *k = key_of(kv, n, path);

	*out = NULL;
	if (!k)
		return -1;
	size_t i = find_value(k, name);
	if (i != HINDEX_END)
		*out = &k->v[i];
	return 0;
}

int keyvals_set(struct keyvals *kv, hive_node n, const char *path, const char *name,
		const struct regval *v)
{
	struct kv_key *k = key_of(kv, n, path);
	struct regval copy;

	if (!k)
		return -1;
	if (!regval_copy(&copy, v))
		return kv_fail(kv, "out of memory");
	size_t i = find_value(k, name);
	if (i != HINDEX_END) {
		regval_free(&k->v[i].val);
		k->v[i].val = copy;
		k->dirty = true;
		return 0;
	}
	char *nm = strdup(name);
	if (!nm || !ARRAY_GROW(k->v, k->n + 1, k->alloc) ||
	    hindex_add(&k->names, hash_nocase(name), k->n) < 0) {
		free(nm);
		regval_free(&copy);
		return kv_fail(kv, "out of memory");
	}
	k->v[k->n].name = nm;
	k->v[k->n].val = copy;
	k->n++;
	k->dirty = true;
	return 0;
}

int keyvals_delete(struct keyvals *kv, hive_node n, const char *path, const char *name)
{
	struct kv_key *k = key_of(kv, n, path);

	if (!k)
		return -1;
	size_t i = find_value(k, name);
	if (i == HINDEX_END)
		return 0;
	/* A hole, closed when the key is written: the index stays valid. */
	free(k->v[i].name);
	k->v[i].name = NULL;
	regval_free(&k->v[i].val);
	k->dirty = true;
	return 0;
}

int keyvals_clear(struct keyvals *kv, hive_node n, const char *path, struct hive_value **old,
		  size_t *n_old)
{
	struct kv_key *k = key_of(kv, n, path);
	size_t m = 0;

	*old = NULL;
	*n_old = 0;
	if (!k)
		return -1;
	/* Hand the values over and start the key afresh, holes and all. */
	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].name)
			k->v[m++] = k->v[i];
	if (m)
		k->dirty = true;
	*old = k->v;
	*n_old = m;
	k->v = NULL;
	k->n = k->alloc = 0;
	hindex_free(&k->names);
	return 0;
}

static bool at_or_below(const char *path, const char *prefix)
{
	size_t len = strlen(prefix);
	return strncasecmp(path, prefix, len) == 0 && (path[len] == '\0' || path[len] == '\\');
}

/* One hivex rewrite with the key's values as they now stand. */
static int write_key(struct keyvals *kv, struct kv_key *k)
{
	size_t m = 0;

	for (size_t i = 0; i < k->n; i++)
		if (k->v[i].name)
			k->v[m++] = k->v[i];
	k->n = m;
	if (hive_set_values(kv->h, k->node, k->v, m) < 0)
		return kv_fail(kv, hive_error(kv->h));
	return 0;
}

int keyvals_flush(struct keyvals *kv, const char *prefix, const char **failed)
{
	for (size_t i = 0; i < kv->n; i++) {
		struct kv_key *k = &kv->keys[i];
		if (!k->node || (prefix && !at_or_below(k->path, prefix)))
			continue;
		if (k->dirty && write_key(kv, k) < 0) {
			if (failed)
				*failed = k->path;
			return -1;
		}
		/* Its node stays in kv->nodes, matching no key (node 0). */
		key_forget(k);
	}
	if (!prefix) {
		kv->n = 0;
		hindex_free(&kv->nodes);
	}
	return 0;
}

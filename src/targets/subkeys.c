/* subkeys.c - subkeys found by name through a hash index; see subkeys.h. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "targets/subkeys.h"
#include "util/array.h"
#include "util/hindex.h"

struct sk_entry {
	hive_node parent, node;
	char *name;		/* as stored */
	bool fresh;		/* made ahead, not claimed yet */
};

struct subkeys {
	struct hive *h;
	struct sk_entry *v;
	size_t n, alloc;
	size_t n_fresh;		/* entries fresh */
	struct hindex names;	/* entry_hash(parent, name) -> index in v */
	hive_node *loaded;	/* the keys whose subkeys are all in v */
	size_t n_loaded, loaded_alloc;
	struct hindex loaded_ix;	/* hash_u64(node) -> index in loaded */
	char err[512];
};

static int sk_fail(struct subkeys *sk, const char *reason)
{
	snprintf(sk->err, sizeof(sk->err), "%s", reason);
	return -1;
}

const char *subkeys_error(const struct subkeys *sk)
{
	return sk->err;
}

struct subkeys *subkeys_new(struct hive *h)
{
	struct subkeys *sk = calloc(1, sizeof(*sk));
	if (sk)
		sk->h = h;
	return sk;
}

void subkeys_forget(struct subkeys *sk)
{
	for (size_t i = 0; i < sk->n; i++)
		free(sk->v[i].name);
	sk->n = sk->n_loaded = sk->n_fresh = 0;
	hindex_free(&sk->names);
	hindex_free(&sk->loaded_ix);
}

void subkeys_free(struct subkeys *sk)
{
	if (!sk)
		return;
	subkeys_forget(sk);
	free(sk->v);
	free(sk->loaded);
	free(sk);
}

static uint64_t entry_hash(hive_node parent, const char *name)
{
	return hash_u64(hash_nocase(name) ^ (uint64_t)parent);
}

/* Index the subkey `node` of `parent`; takes `name` over. */
static int add_entry(struct subkeys *sk, hive_node parent, hive_node node, char *name)
{
	if (!ARRAY_GROW(sk->v, sk->n + 1, sk->alloc) ||
	    hindex_add(&sk->names, entry_hash(parent, name), sk->n) < 0) {
		free(name);
		return sk_fail(sk, "out of memory");
	}
	sk->v[sk->n++] = (struct sk_entry){ .parent = parent, .node = node, .name = name };
	return 0;
}

static bool is_loaded(const struct subkeys *sk, hive_node parent)
{
	size_t it = 0, pos;
	while ((pos = hindex_next(&sk->loaded_ix, hash_u64(parent), &it)) != HINDEX_END)
		if (sk->loaded[pos] == parent)
			return true;
	return false;
}

/* Read the names of all subkeys of `parent` into the index, once. */
static int load(struct subkeys *sk, hive_node parent)
{
	hive_node *kids;
	size_t nk;
	int ret = 0;

	if (is_loaded(sk, parent))
		return 0;
	if (hive_children(sk->h, parent, &kids, &nk) < 0)
		return sk_fail(sk, hive_error(sk->h));
	for (size_t i = 0; i < nk && ret == 0; i++) {
		char *name = hive_node_name(sk->h, kids[i]);
		ret = name ? add_entry(sk, parent, kids[i], name) : sk_fail(sk, hive_error(sk->h));
	}
	free(kids);
	if (ret < 0)
		return -1;
	if (!ARRAY_GROW(sk->loaded, sk->n_loaded + 1, sk->loaded_alloc) ||
	    hindex_add(&sk->loaded_ix, hash_u64(parent), sk->n_loaded) < 0)
		return sk_fail(sk, "out of memory");
	sk->loaded[sk->n_loaded++] = parent;
	return 0;
}

int subkeys_find(struct subkeys *sk, hive_node parent, const char *name, hive_node *out,
		 const char **stored, bool claim, bool *fresh)
{
	size_t it = 0, pos, best = HINDEX_END;

	*out = 0;
	*stored = NULL;
	*fresh = false;
	if (load(sk, parent) < 0)
		return -1;
	/* The lowest index is the first in the hive's order. */
	while ((pos = hindex_next(&sk->names, entry_hash(parent, name), &it)) != HINDEX_END)
		if (pos < best && sk->v[pos].parent == parent && strcasecmp(sk->v[pos].name, name) == 0)
			best = pos;
	if (best != HINDEX_END) {
		struct sk_entry *e = &sk->v[best];
		*out = e->node;
		*stored = e->name;
		*fresh = e->fresh;
		if (claim && e->fresh) {
			e->fresh = false;
			sk->n_fresh--;
		}
	}
	return 0;
}

int subkeys_child(struct subkeys *sk, hive_node parent, const char *name, hive_node *out,
		  const char **stored)
{
	bool fresh;
	return subkeys_find(sk, parent, name, out, stored, false, &fresh);
}

size_t subkeys_fresh_left(const struct subkeys *sk)
{
	return sk->n_fresh;
}

int subkeys_add_fresh(struct subkeys *sk, const hive_node *parents, const char *const *names,
		      size_t n, bool batch)
{
	hive_node *out = calloc(n ? n : 1, sizeof(*out));
	int ret = 0;

	if (!out)
		return sk_fail(sk, "out of memory");
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = load(sk, parents[i]);
	if (ret == 0 && batch && hive_add_children(sk->h, parents, names, n, out) < 0)
		ret = sk_fail(sk, hive_error(sk->h));
	for (size_t i = 0; i < n && ret == 0; i++) {
		if (!batch && hive_add_child(sk->h, parents[i], names[i], &out[i]) < 0) {
			ret = sk_fail(sk, hive_error(sk->h));
			break;
		}
		char *copy = strdup(names[i]);
		if (!copy || add_entry(sk, parents[i], out[i], copy) < 0) {
			ret = copy ? -1 : sk_fail(sk, "out of memory");
			break;
		}
		sk->v[sk->n - 1].fresh = true;
		sk->n_fresh++;
	}
	free(out);
	return ret;
}

int subkeys_add(struct subkeys *sk, hive_node parent, const char *name, hive_node *out)
{
	/* Loaded first, so that the index holds all of its subkeys or none. */
	if (load(sk, parent) < 0)
		return -1;
	if (hive_add_child(sk->h, parent, name, out) < 0)
		return sk_fail(sk, hive_error(sk->h));
	char *copy = strdup(name);
	if (!copy)
		return sk_fail(sk, "out of memory");
	return add_entry(sk, parent, *out, copy);
}

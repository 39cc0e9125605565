/* keybatch.c - keys made ahead, many at once; see keybatch.h. */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "targets/controlset.h"
#include "targets/keybatch.h"
#include "util/array.h"
#include "util/hindex.h"

#define NONE SIZE_MAX

/* A key to create: under an existing key (up == NONE: `base`) or under
 * another key to create (pending[up]). */
struct pend {
	size_t up;
	hive_node base;
	const char *name;
	hive_node node;
	unsigned depth;
};

struct kb {
	struct subkeys *sk;
	struct pend *v;
	size_t n, alloc;
	struct hindex ix;	/* (parent, name) -> index in v */
	char **copies;		/* the keys, cut into names */
	size_t n_copies, a_copies;
	/* What CurrentControlSet stands for, read once: the current set
	 * (NULL: unresolved) and every set (all-control-sets rules). */
	bool sets_read;
	const char *current;
	char current_buf[32];
	char **all;
	size_t n_all, a_all;
};

static int kb_oom(struct kb *kb)
{
	(void)kb;
	return -1;
}

static uint64_t pend_hash(size_t up, hive_node base, const char *name)
{
	uint64_t parent = up == NONE ? (uint64_t)base : (UINT64_C(1) << 63) | up;
	return hash_u64(hash_nocase(name) ^ hash_u64(parent));
}

/* The pending key `name` under (up, base), added if new; NONE: no memory. */
static size_t pend_get(struct kb *kb, size_t up, hive_node base, const char *name)
{
	size_t it = 0, pos;
	uint64_t hash = pend_hash(up, base, name);

	while ((pos = hindex_next(&kb->ix, hash, &it)) != HINDEX_END) {
		const struct pend *p = &kb->v[pos];
		if (p->up == up && (up != NONE || p->base == base) && strcasecmp(p->name, name) == 0)
			return pos;
	}
	if (!ARRAY_GROW(kb->v, kb->n + 1, kb->alloc) || hindex_add(&kb->ix, hash, kb->n) < 0)
		return NONE;
	unsigned depth = up == NONE ? 0 : kb->v[up].depth + 1;
	kb->v[kb->n] = (struct pend){ up, base, name, 0, depth };
	return kb->n++;
}

/* The keys of `key` that do not exist yet, as pending keys. */
static int collect_key(struct kb *kb, struct hive *h, const char *key)
{
	char *copy = strdup(key), *save = NULL;
	hive_node n = hive_root(h);
	size_t up = NONE;

	if (!copy || !ARRAY_GROW(kb->copies, kb->n_copies + 1, kb->a_copies)) {
		free(copy);
		return kb_oom(kb);
	}
	kb->copies[kb->n_copies++] = copy;
	for (char *c = strtok_r(copy, "\\", &save); c; c = strtok_r(NULL, "\\", &save)) {
		if (up == NONE) {
			hive_node child;
			const char *stored;
			bool fresh;
			if (subkeys_find(kb->sk, n, c, &child, &stored, false, &fresh) < 0)
				return -1;
			if (child) {
				n = child;
				continue;
			}
		}
		if ((up = pend_get(kb, up, n, c)) == NONE)
			return kb_oom(kb);
	}
	return 0;
}

/* The control sets at the root, in the hive's order, as the engine lists
 * them for all-control-sets rules, and the one Select\Current names, as
 * the engine resolves it; left NULL or empty where the engine would fail,
 * which it then reports itself. */
static int read_sets(struct kb *kb, struct hive *h)
{
	hive_node *kids, sel, cs;
	size_t nk;

	kb->sets_read = true;
	if (hive_children(h, hive_root(h), &kids, &nk) < 0)
		return 0;
	for (size_t i = 0; i < nk; i++) {
		char *name = hive_node_name(h, kids[i]);
		if (!name || !controlset_is_set_name(name)) {
			free(name);
			continue;
		}
		if (!ARRAY_GROW(kb->all, kb->n_all + 1, kb->a_all)) {
			free(name);
			free(kids);
			return kb_oom(kb);
		}
		kb->all[kb->n_all++] = name;
	}
	free(kids);
	if (hive_child(h, hive_root(h), "Select", &sel) < 0 || !sel)
		return 0;
	struct regval cur = { 0 };
	bool found;
	unsigned number;
	if (hive_get_value(h, sel, "Current", &cur, NULL, &found) < 0)
		return 0;
	const char *why_not = controlset_from_select(found ? &cur : NULL, kb->current_buf,
						     sizeof(kb->current_buf), &number);
	regval_free(&cur);
	if (!why_not && hive_child(h, hive_root(h), kb->current_buf, &cs) == 0 && cs)
		kb->current = kb->current_buf;
	return 0;
}

/* The keys under CurrentControlSet an op names, in each control set it
 * stands for; *stop when they are not known before the op runs. */
static int collect_link(struct kb *kb, struct hive *h, const struct rule *rule,
			const char *rest, bool *stop)
{
	if (!kb->sets_read && read_sets(kb, h) < 0)
		return -1;
	const char *one = kb->current;
	const char *const *sets = rule->all_control_sets ? (const char *const *)kb->all : &one;
	size_t n = rule->all_control_sets ? kb->n_all : 1;

	if (n == 0 || !sets[0]) {
		*stop = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		char *full = malloc(strlen(sets[i]) + strlen(rest) + 1);
		if (!full)
			return kb_oom(kb);
		strcpy(full, sets[i]);
		strcat(full, rest);
		int ret = collect_key(kb, h, full);
		free(full);
		if (ret < 0)
			return -1;
	}
	return 0;
}

/* Does the op's first key exist, or will the op create it? */
static int first_exists(struct kb *kb, struct hive *h, const char *key, bool *exists)
{
	size_t first = strcspn(key, "\\");
	char *name = strndup(key, first);
	hive_node child;
	const char *stored;
	bool fresh;

	if (!name)
		return kb_oom(kb);
	int ret = subkeys_find(kb->sk, hive_root(h), name, &child, &stored, false, &fresh);
	free(name);
	*exists = child != 0;
	return ret;
}

/*
 * Collected up to the op after which the later ones could find other
 * keys than the hive holds now: a delete-key, an op on Select (Current
 * names the control set), one creating a control set (all-control-sets
 * rules take every one there is when they come).
 */
static int collect(struct kb *kb, struct hive *h, const struct rule *const *rules, size_t n_rules)
{
	for (size_t i = 0; i < n_rules; i++) {
		for (size_t j = 0; j < rules[i]->n_ops; j++) {
			const struct op *op = &rules[i]->ops[j];
			size_t first = strcspn(op->key, "\\");
			const char *rest;
			bool stop = false, exists;
			if (op->kind == OP_DELETE_KEY)
				return 0;
			if (first == strlen("Select") && strncasecmp(op->key, "Select", first) == 0)
				return 0;
			if (op->kind != OP_CREATE_KEY && op->kind != OP_SET_VALUE)
				continue;
			if (controlset_is_link(op->key, &rest)) {
				if (collect_link(kb, h, rules[i], rest, &stop) < 0)
					return -1;
				if (stop)
					return 0;
				continue;
			}
			if (first == strlen("ControlSet000") && strncasecmp(op->key, "ControlSet", 10) == 0) {
				char name[16];
				snprintf(name, sizeof(name), "%.*s", (int)first, op->key);
				if (controlset_is_set_name(name)) {
					if (first_exists(kb, h, op->key, &exists) < 0)
						return -1;
					if (!exists)
						return 0;
				}
			}
			if (collect_key(kb, h, op->key) < 0)
				return -1;
		}
	}
	return 0;
}

/* The parent of pending key i, as a number that tells families apart. */
static uint64_t family(const struct kb *kb, size_t i)
{
	const struct pend *p = &kb->v[i];
	return p->up == NONE ? (uint64_t)p->base : (UINT64_C(1) << 63) | p->up;
}

static int by_family(const void *a, const void *b, void *arg)
{
	uint64_t x = family(arg, *(const size_t *)a), y = family(arg, *(const size_t *)b);
	return x < y ? -1 : x > y;
}

/* Mark in `big` the pending keys whose family has KEYBATCH_MIN or more;
 * true if there is any. */
static bool big_families(const struct kb *kb, size_t *order, bool *big)
{
	bool any = false;

	for (size_t i = 0; i < kb->n; i++)
		order[i] = i;
	qsort_r(order, kb->n, sizeof(*order), by_family, (void *)kb);
	for (size_t i = 0; i < kb->n;) {
		size_t j = i;
		while (j < kb->n && family(kb, order[j]) == family(kb, order[i]))
			j++;
		for (size_t k = i; k < j; k++)
			big[order[k]] = j - i >= KEYBATCH_MIN;
		any |= j - i >= KEYBATCH_MIN;
		i = j;
	}
	return any;
}

/* Create the pending keys of one depth: the big families in one call. */
static int make_level(struct kb *kb, unsigned depth, const bool *big, hive_node *parents,
		      const char **names, size_t *which)
{
	for (int pass = 0; pass < 2; pass++) {
		size_t k = 0;
		for (size_t i = 0; i < kb->n; i++) {
			const struct pend *p = &kb->v[i];
			if (p->depth != depth || big[i] != (pass == 0))
				continue;
			parents[k] = p->up == NONE ? p->base : kb->v[p->up].node;
			names[k] = p->name;
			which[k++] = i;
		}
		if (k && subkeys_add_fresh(kb->sk, parents, names, k, pass == 0) < 0)
			return -1;
		for (size_t i = 0; i < k; i++) {
			hive_node node;
			const char *stored;
			bool fresh;
			if (subkeys_find(kb->sk, parents[i], names[i], &node, &stored, false, &fresh) < 0)
				return -1;
			kb->v[which[i]].node = node;
		}
	}
	return 0;
}

int keybatch_make(struct hive *h, struct subkeys *sk, const struct rule *const *rules,
		  size_t n_rules)
{
	struct kb kb = { .sk = sk };
	size_t *order = NULL, *which = NULL;
	hive_node *parents = NULL;
	const char **names = NULL;
	bool *big = NULL;
	int ret = collect(&kb, h, rules, n_rules);

	if (ret == 0 && kb.n >= KEYBATCH_MIN) {
		unsigned depth = 0;
		order = calloc(kb.n, sizeof(*order));
		which = calloc(kb.n, sizeof(*which));
		parents = calloc(kb.n, sizeof(*parents));
		names = calloc(kb.n, sizeof(*names));
		big = calloc(kb.n, sizeof(*big));
		if (!order || !which || !parents || !names || !big)
			ret = -1;
		else if (big_families(&kb, order, big))
			for (size_t i = 0; i < kb.n; i++)
				depth = kb.v[i].depth > depth ? kb.v[i].depth : depth;
		else
			kb.n = 0;	/* no family big enough: nothing to do */
		for (unsigned d = 0; ret == 0 && kb.n && d <= depth; d++)
			ret = make_level(&kb, d, big, parents, names, which);
	}
	free(order);
	free(which);
	free(parents);
	free(names);
	free(big);
	array_free_strings(kb.copies, kb.n_copies);
	array_free_strings(kb.all, kb.n_all);
	free(kb.v);
	hindex_free(&kb.ix);
	return ret;
}

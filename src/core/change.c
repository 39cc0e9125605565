/* change.c - recorded changes; see change.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/change.h"
#include "util/array.h"

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

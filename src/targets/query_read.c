/* query_read.c - a key or value out of an open hive; see query_read.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "targets/controlset.h"
#include "targets/query_read.h"
#include "util/msg.h"
#include "util/strbuf.h"

static int fail(const char *where, const char *key, const char *reason)
{
	struct msg_where about = { .key = key };
	msg_where_push(&about);
	msg_error("%s: %s: %s", where, key[0] ? key : "\\", reason);
	msg_where_pop(&about);
	return -1;
}

static int oom(void)
{
	msg_error("out of memory");
	return -1;
}

/* CurrentControlSet as Select\Current says, into q->control_set. */
static int resolve_link(struct hive *h, const char *where, struct query_result *q)
{
	hive_node sel;
	struct regval cur = { 0 };
	bool found;

	if (hive_child(h, hive_root(h), "Select", &sel) < 0)
		return fail(where, "Select", hive_error(h));
	if (!sel)
		return fail(where, CONTROLSET_LINK, CONTROLSET_NO_SELECT);
	if (hive_get_value(h, sel, "Current", &cur, NULL, &found) < 0)
		return fail(where, "Select\\Current", hive_error(h));
	const char *why = controlset_from_select(found ? &cur : NULL, q->control_set,
						 sizeof(q->control_set), &q->select_current);
	regval_free(&cur);
	if (why)
		return fail(where, "Select\\Current", why);
	msg_verbose("%s: CurrentControlSet is %s (Select\\Current = %u)", where, q->control_set,
		    q->select_current);
	return 0;
}

/* Walk `key` down from the root; *node 0 when a component is absent,
 * which q->missing then names.  *stored gets the path as the hive
 * spells it, as far as it goes (malloc'd). */
static int find_key(struct hive *h, const char *key, const char *where,
		    struct query_result *q, hive_node *node, char **stored)
{
	struct strbuf path = STRBUF_INIT;
	const char *p = key, *rest;
	hive_node n = hive_root(h);

	if (controlset_is_link(key, &rest)) {
		if (resolve_link(h, where, q) < 0)
			return -1;
		strbuf_addstr(&path, q->control_set);
		if (hive_child(h, n, q->control_set, &n) < 0) {
			strbuf_release(&path);
			return fail(where, q->control_set, hive_error(h));
		}
		p = n ? rest + (*rest == '\\') : "";
		if (!n)
			q->missing = strdup(q->control_set);
	}
	while (n && *p) {
		size_t len = strcspn(p, "\\");
		char *name = strndup(p, len), *got;
		hive_node c;
		if (!name || hive_child(h, n, name, &c) < 0) {
			free(name);
			strbuf_release(&path);
			return name ? fail(where, key, hive_error(h)) : oom();
		}
		if (!c) {
			strbuf_addf(&path, "%s%s", path.len ? "\\" : "", p);
			q->missing = strbuf_finish(&path);
			free(name);
			*node = 0;
			*stored = NULL;
			return q->missing ? 0 : oom();
		}
		free(name);
		if (!(got = hive_node_name(h, c))) {
			strbuf_release(&path);
			return fail(where, key, hive_error(h));
		}
		strbuf_addf(&path, "%s%s", path.len ? "\\" : "", got);
		free(got);
		n = c;
		p += len + (p[len] == '\\');
	}
	*node = n;
	*stored = strbuf_finish(&path);
	return *stored ? 0 : oom();
}

static struct query_key *add_key(struct query_result *q, char *path)
{
	struct query_key *k = realloc(q->keys, (q->n_keys + 1) * sizeof(*k));
	if (!k) {
		free(path);
		oom();
		return NULL;
	}
	q->keys = k;
	k = &q->keys[q->n_keys++];
	memset(k, 0, sizeof(*k));
	k->path = path;
	return k;
}

/* Every value of the key, moved out of the adapter's array. */
static int read_values(struct hive *h, hive_node n, const char *where, struct query_key *k)
{
	struct hive_value *v;
	size_t nv;

	if (hive_values(h, n, &v, &nv) < 0)
		return fail(where, k->path, hive_error(h));
	if (nv && !(k->values = calloc(nv, sizeof(*k->values)))) {
		hive_values_free(v, nv);
		return oom();
	}
	for (size_t i = 0; i < nv; i++) {
		k->values[i] = (struct query_value){ .name = v[i].name, .val = v[i].val };
		v[i] = (struct hive_value){ 0 };
	}
	k->n_values = nv;
	hive_values_free(v, nv);
	return 0;
}

/* One value; q->missing names it when it is not there. */
static int read_value(struct hive *h, hive_node n, const char *name, const char *where,
		      struct query_result *q, struct query_key *k)
{
	struct regval val = { 0 };
	char *stored = NULL;
	bool found;

	if (hive_get_value(h, n, name, &val, &stored, &found) < 0)
		return fail(where, k->path, hive_error(h));
	if (!found) {
		q->found = false;
		return (q->missing = strdup(name)) ? 0 : oom();
	}
	if (!(k->values = malloc(sizeof(*k->values)))) {
		free(stored);
		regval_free(&val);
		return oom();
	}
	k->values[0] = (struct query_value){ .name = stored, .val = val };
	k->n_values = 1;
	return 0;
}

/* The key's children: their nodes (*kids, malloc'd) and names in k. */
static int read_subkeys(struct hive *h, hive_node n, const char *where, struct query_key *k,
			hive_node **kids)
{
	size_t nk;

	if (hive_children(h, n, kids, &nk) < 0)
		return fail(where, k->path, hive_error(h));
	if (nk && !(k->subkeys = calloc(nk, sizeof(*k->subkeys))))
		return oom();
	for (size_t i = 0; i < nk; i++) {
		if (!(k->subkeys[i] = hive_node_name(h, (*kids)[i])))
			return fail(where, k->path, hive_error(h));
		k->n_subkeys = i + 1;
	}
	return 0;
}

/* The key at `n` (path taken over), then with `recursive` each child's
 * subtree in stored order.  The subtree was checked bounded first. */
static int read_key(struct hive *h, hive_node n, char *path, bool recursive, const char *where,
		    struct query_result *q)
{
	struct query_key *k = add_key(q, path);
	hive_node *kids = NULL;
	size_t index = q->n_keys - 1;
	int ret = 0;

	if (!k || read_values(h, n, where, k) < 0 || read_subkeys(h, n, where, k, &kids) < 0) {
		free(kids);
		return -1;
	}
	for (size_t i = 0; recursive && ret == 0 && i < q->keys[index].n_subkeys; i++) {
		const struct query_key *self = &q->keys[index];
		char *sub = NULL;
		if (asprintf(&sub, "%s%s%s", self->path, self->path[0] ? "\\" : "",
			     self->subkeys[i]) < 0)
			ret = oom();
		else
			ret = read_key(h, kids[i], sub, true, where, q);
	}
	free(kids);
	return ret;
}

int query_read(struct hive *h, const struct query_request *rq, const char *where,
	       struct query_result *q)
{
	hive_node n;
	char *path;
	size_t keys, values;

	q->found = false;
	if (find_key(h, rq->key, where, q, &n, &path) < 0)
		return -1;
	if (!n) {
		free(path);
		return 0;
	}
	if (rq->value) {
		struct query_key *k = add_key(q, path);
		q->found = true;
		return k ? read_value(h, n, rq->value, where, q, k) : -1;
	}
	/* A damaged hive can list a key under two parents, or loop: the
	 * walk that bounds it comes first. */
	if (rq->recursive && hive_subtree_stats(h, n, &keys, &values) < 0) {
		fail(where, path, hive_error(h));
		free(path);
		return -1;
	}
	q->found = true;
	return read_key(h, n, path, rq->recursive, where, q);
}

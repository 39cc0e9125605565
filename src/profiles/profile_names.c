/*
 * profile_names.c - the element and attribute names (and enumerated
 * values) the schema allows, read from the schema document itself, and a
 * check of a profile against them that names the element or attribute and
 * suggests the nearest valid one.
 *
 * Why not libxml2's own messages: its RELAX NG validator says "Did not
 * expect element set-valu there" or "Invalid attribute namee for element
 * set-value", then misleads with follow-ups ("needs a name attribute").
 * A typo is the commonest mistake in a hand-written profile, so names are
 * checked first, here; the validator still checks the structure after.
 *
 * The walk over the schema only understands what a name needs: <element>,
 * <attribute>, <ref>/<define>, <value>, and the patterns that merely group
 * (choice, optional, ...).  Anything else it does not know makes the
 * element "open" and the check says nothing about it: the validator does.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "util/nearest.h"
#include "util/strbuf.h"
#include "profiles/profile_int.h"

/* Past this many, the rest of a file's name errors are only counted. */
#define MAX_REPORTED 20

struct sn_attr {
	char *name;
	char **values;		/* the enumeration; unused if free_text */
	size_t n_values, a_values;
	bool free_text;		/* some definition takes any text */
};

struct sn_elem {
	char *name;
	char **children;
	size_t n_children, a_children;
	struct sn_attr *attrs;
	size_t n_attrs, a_attrs;
	bool open;		/* a pattern the walk does not understand */
};

struct schema_names {
	struct sn_elem root;	/* children: what <start> allows */
	struct sn_elem *elems;
	size_t n_elems, a_elems;
	xmlNodePtr grammar;	/* while building: where <define>s are */
	bool oom;
};

static bool is_rng(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && doc_is_element(n, name);
}

/* ------------------------------------------------------------------ */
/* Building                                                            */

static bool has_str(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void add_str(struct schema_names *sn, char ***v, size_t *n, size_t *a,
		    const char *s)
{
	char *copy;

	if (has_str(*v, *n, s))
		return;
	copy = strdup(s);
	if (!copy || !ARRAY_GROW(*v, *n + 1, *a)) {
		free(copy);
		sn->oom = true;
		return;
	}
	(*v)[(*n)++] = copy;
}

/* A <value>'s text as the validator compares it: whitespace collapsed. */
static char *collapsed(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	if (!out)
		return NULL;
	while (*s) {
		size_t word = strcspn(s, " \t\r\n");

		if (word && o != out)
			*o++ = ' ';
		memcpy(o, s, word);
		o += word;
		s += word;
		s += strspn(s, " \t\r\n");
	}
	*o = '\0';
	return out;
}

static struct sn_elem *find_elem(const struct schema_names *sn, const char *name)
{
	for (size_t i = 0; i < sn->n_elems; i++)
		if (strcmp(sn->elems[i].name, name) == 0)
			return &sn->elems[i];
	return NULL;
}

static struct sn_attr *get_attr(struct schema_names *sn, struct sn_elem *e,
				const char *name)
{
	for (size_t i = 0; i < e->n_attrs; i++)
		if (strcmp(e->attrs[i].name, name) == 0)
			return &e->attrs[i];
	if (!ARRAY_GROW(e->attrs, e->n_attrs + 1, e->a_attrs)) {
		sn->oom = true;
		return NULL;
	}
	memset(&e->attrs[e->n_attrs], 0, sizeof(e->attrs[0]));
	e->attrs[e->n_attrs].name = strdup(name);
	if (!e->attrs[e->n_attrs].name) {
		sn->oom = true;
		return NULL;
	}
	return &e->attrs[e->n_attrs++];
}

/* What an attribute's pattern accepts: <value>s only, or any text. */
static void walk_attr_content(struct schema_names *sn, struct sn_attr *a, xmlNodePtr n,
			      int depth)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is_rng(n, "value")) {
			char *t = doc_trimmed_text(n), *v = t ? collapsed(t) : NULL;

			if (v)
				add_str(sn, &a->values, &a->n_values, &a->a_values, v);
			else
				sn->oom = true;
			free(t);
			free(v);
		} else if (is_rng(n, "choice") && depth < 8) {
			walk_attr_content(sn, a, n->children, depth + 1);
		} else {
			a->free_text = true;	/* text, data, ref, list, ... */
		}
	}
}

static void walk_content(struct schema_names *sn, struct sn_elem *e, xmlNodePtr n,
			 char **seen, size_t n_seen);

/* A <ref>: every <define> of that name (combine= may split one). */
static void walk_ref(struct schema_names *sn, struct sn_elem *e, xmlNodePtr ref,
		     char **seen, size_t n_seen)
{
	bool oom = false;
	char *name = doc_raw_attr(ref, "name", &oom);

	/* A define that refers to itself (through others) ends here. */
	if (!name || has_str(seen, n_seen, name) || n_seen >= 32) {
		e->open |= !name && !oom;
		sn->oom |= oom;
		free(name);
		return;
	}
	seen[n_seen] = name;
	for (xmlNodePtr d = sn->grammar ? sn->grammar->children : NULL; d; d = d->next) {
		char *dn;

		if (!is_rng(d, "define"))
			continue;
		dn = doc_raw_attr(d, "name", &oom);
		if (dn && strcmp(dn, name) == 0)
			walk_content(sn, e, d->children, seen, n_seen + 1);
		free(dn);
	}
	sn->oom |= oom;
	free(name);
}

/* The element and attribute names a content pattern allows directly. */
static void walk_content(struct schema_names *sn, struct sn_elem *e, xmlNodePtr n,
			 char **seen, size_t n_seen)
{
	static const char *const grouping[] = {
		"choice", "optional", "zeroOrMore", "oneOrMore", "group",
		"interleave", "mixed",
	};
	static const char *const leaves[] = {
		"empty", "text", "data", "value", "notAllowed", "list",
	};
	bool oom = false;

	for (; n && !sn->oom; n = n->next) {
		bool known = false;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is_rng(n, "element") || is_rng(n, "attribute")) {
			char *name = doc_raw_attr(n, "name", &oom);

			if (!name) {
				e->open = true;	/* a name class: anything may match */
			} else if (is_rng(n, "element")) {
				add_str(sn, &e->children, &e->n_children, &e->a_children, name);
			} else {
				struct sn_attr *a = get_attr(sn, e, name);

				if (a)
					walk_attr_content(sn, a, n->children, 0);
			}
			free(name);
			continue;
		}
		if (is_rng(n, "ref")) {
			walk_ref(sn, e, n, seen, n_seen);
			continue;
		}
		for (size_t i = 0; i < sizeof(grouping) / sizeof(grouping[0]); i++)
			if (is_rng(n, grouping[i])) {
				walk_content(sn, e, n->children, seen, n_seen);
				known = true;
			}
		for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
			known |= is_rng(n, leaves[i]);
		e->open |= !known;
	}
	sn->oom |= oom;
}

/* The definition of one <element name=...> node, merged into its entry. */
static void add_element(struct schema_names *sn, xmlNodePtr n)
{
	bool oom = false;
	char *name = doc_raw_attr(n, "name", &oom);
	char *seen[32];
	struct sn_elem *e;

	if (!name) {
		sn->oom |= oom;
		return;		/* its parent is open already */
	}
	e = find_elem(sn, name);
	if (!e) {
		if (!ARRAY_GROW(sn->elems, sn->n_elems + 1, sn->a_elems)) {
			free(name);
			sn->oom = true;
			return;
		}
		e = &sn->elems[sn->n_elems++];
		memset(e, 0, sizeof(*e));
		e->name = name;
	} else {
		free(name);
	}
	walk_content(sn, e, n->children, seen, 0);
}

static void collect_elements(struct schema_names *sn, xmlNodePtr n, int depth)
{
	for (; n && !sn->oom && depth < 64; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (is_rng(n, "element"))
			add_element(sn, n);
		collect_elements(sn, n->children, depth + 1);
	}
}

static void free_elem(struct sn_elem *e)
{
	free(e->name);
	array_free_strings(e->children, e->n_children);
	for (size_t i = 0; i < e->n_attrs; i++) {
		free(e->attrs[i].name);
		array_free_strings(e->attrs[i].values, e->attrs[i].n_values);
	}
	free(e->attrs);
}

void schema_names_free(struct schema_names *sn)
{
	if (!sn)
		return;
	free_elem(&sn->root);
	for (size_t i = 0; i < sn->n_elems; i++)
		free_elem(&sn->elems[i]);
	free(sn->elems);
	free(sn);
}

struct schema_names *schema_names_build(xmlNodePtr grammar)
{
	struct schema_names *sn = calloc(1, sizeof(*sn));
	char *seen[32];

	if (!sn)
		return NULL;
	if (!is_rng(grammar, "grammar")) {
		sn->root.open = true;	/* a bare pattern: leave it all to the validator */
		return sn;
	}
	sn->grammar = grammar;
	for (xmlNodePtr n = grammar->children; n; n = n->next)
		if (is_rng(n, "start"))
			walk_content(sn, &sn->root, n->children, seen, 0);
	collect_elements(sn, grammar->children, 0);
	sn->grammar = NULL;
	if (sn->oom) {
		schema_names_free(sn);
		return NULL;
	}
	return sn;
}

/* ------------------------------------------------------------------ */
/* Checking a profile                                                  */

struct check {
	const struct schema_names *sn;
	const char *file;
	int errors;
};

static void name_error(struct check *c, xmlNodePtr n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void name_error(struct check *c, xmlNodePtr n, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (++c->errors > MAX_REPORTED)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	err_at(c->file, doc_line(n), "%s", buf);
}

/* "a, b, c" with each name wrapped as pre NAME post; NULL on OOM. */
static char *name_list(char *const *v, size_t n, const char *pre, const char *post)
{
	struct strbuf b = STRBUF_INIT;

	for (size_t i = 0; i < n; i++)
		strbuf_addf(&b, "%s%s%s%s", i ? ", " : "", pre, v[i], post);
	return strbuf_finish(&b);
}

static void unknown_element(struct check *c, xmlNodePtr n, const struct sn_elem *parent)
{
	const char *name = (const char *)n->name;
	const char *near = nearest_name(name, (const char *const *)parent->children,
					parent->n_children);
	char *list = name_list(parent->children, parent->n_children, "<", ">");
	char where[96];

	if (parent == &c->sn->root)
		snprintf(where, sizeof(where), "as the root element");
	else
		snprintf(where, sizeof(where), "in <%s>", parent->name);
	if (near)
		name_error(c, n, "unknown element <%.64s> %s; did you mean <%s>?",
			   name, where, near);
	else if (find_elem(c->sn, name))
		name_error(c, n, "element <%.64s> does not belong %s (allowed there: %s)",
			   name, where, list ? list : "?");
	else
		name_error(c, n, "unknown element <%.64s> %s (allowed there: %s)",
			   name, where, list ? list : "?");
	free(list);
}

static void unknown_attr(struct check *c, xmlNodePtr n, const char *name,
			 const struct sn_elem *e)
{
	char **names = malloc((e->n_attrs + 1) * sizeof(*names));
	const char *near;
	char *list;

	if (!names) {
		err_oom(c->file);
		c->errors++;
		return;
	}
	for (size_t i = 0; i < e->n_attrs; i++)
		names[i] = e->attrs[i].name;
	near = nearest_name(name, (const char *const *)names, e->n_attrs);
	list = name_list(names, e->n_attrs, "", "=");
	if (near)
		name_error(c, n, "unknown attribute %.64s= on <%s>; did you mean %s=?",
			   name, e->name, near);
	else
		name_error(c, n, "unknown attribute %.64s= on <%s> (valid: %s)",
			   name, e->name, list && *list ? list : "none");
	free(list);
	free(names);
}

static void check_value(struct check *c, xmlNodePtr n, const struct sn_elem *e,
			const struct sn_attr *a)
{
	bool oom = false;
	char *raw = doc_raw_attr(n, a->name, &oom);
	char *v = raw ? collapsed(raw) : NULL;
	const char *near;
	char *list;

	if (!v) {
		if (oom || raw)
			err_oom(c->file);
		c->errors += oom || raw;
		free(raw);
		return;
	}
	if (!has_str(a->values, a->n_values, v)) {
		near = nearest_name(v, (const char *const *)a->values, a->n_values);
		list = name_list(a->values, a->n_values, "", "");
		name_error(c, n, "%s=\"%.64s\" on <%s> is not valid%s%s%s (valid: %s)",
			   a->name, raw, e->name, near ? "; did you mean " : "",
			   near ? near : "", near ? "?" : "", list ? list : "?");
		free(list);
	}
	free(raw);
	free(v);
}

static void check_attrs(struct check *c, xmlNodePtr n, const struct sn_elem *e)
{
	for (xmlAttrPtr p = n->properties; p; p = p->next) {
		const struct sn_attr *a = NULL;

		if (p->ns)
			continue;	/* xml:lang and the like: the validator's */
		for (size_t i = 0; i < e->n_attrs; i++)
			if (strcmp(e->attrs[i].name, (const char *)p->name) == 0)
				a = &e->attrs[i];
		if (!a)
			unknown_attr(c, n, (const char *)p->name, e);
		else if (!a->free_text && a->n_values > 0)
			check_value(c, n, e, a);
	}
}

/* Elements within `parent` (libxml2's depth limit bounds the recursion). */
static void check_children(struct check *c, xmlNodePtr n, const struct sn_elem *parent)
{
	for (; n; n = n->next) {
		const struct sn_elem *e;

		if (n->type != XML_ELEMENT_NODE || n->ns)
			continue;
		e = find_elem(c->sn, (const char *)n->name);
		if (!parent->open &&
		    !has_str(parent->children, parent->n_children, (const char *)n->name)) {
			unknown_element(c, n, parent);
			if (!e)
				continue;	/* nothing known about what it holds */
		}
		if (!e || e->open)
			continue;
		check_attrs(c, n, e);
		check_children(c, n->children, e);
	}
}

int schema_names_check(const struct schema_names *sn, const char *file, xmlNodePtr root)
{
	struct check c = { .sn = sn, .file = file };

	if (sn->root.open)
		return 0;
	check_children(&c, root, &sn->root);
	if (c.errors > MAX_REPORTED)
		err_at(file, 0, "%d more unknown names not shown", c.errors - MAX_REPORTED);
	return c.errors;
}

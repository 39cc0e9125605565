/*
 * bcd_describe.c - describing BCD stores and values for people: element
 * values as bcdedit shows them (also in the notes of edits), and what
 * `wimpatch show` says about a store (bcd_describe); see bcd.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/bcd_int.h"
#include "util/msg.h"
#include "util/array.h"

/* ------------------------------------------------------------ values */

/* "debugport" or "element 0x15000021", for notes. */
void bcd_note_name(char *buf, size_t n, uint32_t id, uint32_t objtype)
{
	const char *nm = bcd_element_name(id, objtype);
	if (nm)
		snprintf(buf, n, "%s", nm);
	else
		snprintf(buf, n, "element 0x%08" PRIx32, id);
}

/* Raw bytes for values that are not in the form their format calls for. */
static char *raw_text(const struct regval *v)
{
	size_t shown = v->len < 32 ? v->len : 32;
	char *s = malloc(strlen(regtype_name(v->type)) + 3 * shown + 16);
	if (!s)
		return NULL;
	char *p = s + sprintf(s, "(%s", regtype_name(v->type));
	for (size_t i = 0; i < shown; i++)
		p += sprintf(p, " %02x", v->data[i]);
	strcpy(p, v->len > shown ? " ...)" : ")");
	return s;
}

/* Join strings with spaces, each through its alias when it has one. */
static char *join_objects(char **items, size_t n)
{
	size_t len = 1;
	for (size_t i = 0; i < n; i++) {
		const char *a = bcd_alias(items[i]);
		len += strlen(a ? a : items[i]) + 1;
	}
	char *s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *a = bcd_alias(items[i]);
		if (i)
			strcat(s, " ");
		strcat(s, a ? a : items[i]);
	}
	return s;
}

/*
 * An element value as bcdedit shows it: integers in decimal (debugtype,
 * bootstatuspolicy by name, hostip dotted), Yes/No, objects by alias.
 * Strings are quoted when `quote`.  NULL value: "(none)".  malloc'd.
 */
char *bcd_value_text(uint32_t id, const struct regval *v, bool quote)
{
	uint64_t x;
	char *s;

	if (!v)
		return strdup("(none)");
	switch (BCD_ELEM_FORMAT(id)) {
	case BCD_FMT_INTEGER:
		if (!bcd_int_value(v, &x))
			break;
		if (id == BCD_ELEM_DEBUGTYPE && bcd_debugtype_name(x))
			return strdup(bcd_debugtype_name(x));
		if (id == BCD_ELEM_BOOTSTATUSPOLICY && bcd_bootstatuspolicy_name(x))
			return strdup(bcd_bootstatuspolicy_name(x));
		if (id == BCD_ELEM_HOSTIP && x <= UINT32_MAX)
			return bcd_xasprintf("%u.%u.%u.%u", (unsigned)(x >> 24) & 0xff,
					     (unsigned)(x >> 16) & 0xff, (unsigned)(x >> 8) & 0xff,
					     (unsigned)x & 0xff);
		return bcd_xasprintf("%" PRIu64, x);
	case BCD_FMT_BOOLEAN:
		if (bcd_bool_value(v) < 0)
			break;
		return strdup(bcd_bool_value(v) ? "Yes" : "No");
	case BCD_FMT_STRING:
		if (!(s = bcd_sz_text(v)))
			break;
		if (quote) {
			char *q = bcd_xasprintf("\"%s\"", s);
			free(s);
			return q;
		}
		return s;
	case BCD_FMT_OBJECT: {
		if (!(s = bcd_sz_text(v)))
			break;
		const char *a = bcd_alias(s);
		if (a) {
			free(s);
			return strdup(a);
		}
		return s;
	}
	case BCD_FMT_OBJECT_LIST: {
		char **items;
		size_t n;
		if (!bcd_multi_items(v, &items, &n))
			break;
		s = join_objects(items, n);
		array_free_strings(items, n);
		return s;
	}
	case BCD_FMT_INTEGER_LIST:
		if (v->type != REGT_BINARY || v->len == 0 || v->len % 8)
			break;
		s = malloc(v->len / 8 * 21 + 1);
		if (!s)
			return NULL;
		s[0] = '\0';
		for (size_t i = 0; i < v->len; i += 8) {
			struct regval one = { REGT_BINARY, 8, v->data + i };
			bcd_int_value(&one, &x);
			sprintf(s + strlen(s), "%s%" PRIu64, i ? " " : "", x);
		}
		return s;
	case BCD_FMT_DEVICE:
		if (v->type == REGT_BINARY)
			return bcd_xasprintf("(device data, %zu bytes)", v->len);
		break;
	}
	return raw_text(v);
}

/* ------------------------------------------------------------ describe */

int bcd_describe(struct hive *h, const char *where, struct bcd_description *d)
{
	char err[320], *path = NULL;
	hive_node node;
	struct regval v;
	bool found;
	int r;

	memset(d, 0, sizeof(*d));
	d->debug = -1;
	d->debugtype = -1;

	r = bcd_read_default(h, d->default_guid, d->no_default, sizeof(d->no_default));
	if (r < 0) {
		msg_error("%s: %s", where, d->no_default);
		return -1;
	}
	if (r > 0) {
		d->default_guid[0] = '\0';
	} else {
		d->no_default[0] = '\0';
		d->has_default = true;
		if (bcd_lookup_object(h, d->default_guid, &node, &path, err, sizeof(err)) < 0)
			goto fail;
		free(path);
		path = NULL;
		d->default_exists = node != 0;
		if (node) {
			if (bcd_element_of(h, d->default_guid, BCD_ELEM_DESCRIPTION, &v, &found,
					   err, sizeof(err)) < 0)
				goto fail;
			if (found)
				d->default_description = bcd_sz_text(&v);
			regval_free(&v);
			if (bcd_element_of(h, d->default_guid, BCD_ELEM_DEBUG, &v, &found, err,
					   sizeof(err)) < 0)
				goto fail;
			if (found)
				d->debug = bcd_bool_value(&v) < 0 ? -1 : bcd_bool_value(&v);
			regval_free(&v);
		}
	}

	if (bcd_lookup_object(h, DBGSETTINGS_GUID, &node, &path, err, sizeof(err)) < 0)
		goto fail;
	free(path);
	path = NULL;
	if (!node)
		return 0;
	d->has_dbgsettings = true;
	for (size_t i = 0; i < BCD_N_DBG_ELEMENTS; i++) {
		uint32_t id = bcd_dbg_elements[i];
		uint64_t x;

		if (bcd_element_of(h, DBGSETTINGS_GUID, id, &v, &found, err, sizeof(err)) < 0)
			goto fail;
		if (!found)
			continue;
		if (id == BCD_ELEM_DEBUGTYPE && bcd_int_value(&v, &x) && x <= INT64_MAX) {
			d->debugtype = (int64_t)x;
			regval_free(&v);
			continue;
		}
		struct bcd_param *np = realloc(d->params, (d->n_params + 1) * sizeof(*np));
		char *t = np ? bcd_value_text(id, &v, false) : NULL;
		regval_free(&v);
		if (np)
			d->params = np;
		if (!t)
			return bcd_oom();
		bcd_note_name(d->params[d->n_params].name, sizeof(d->params[0].name), id,
			      BCD_TYPE_LIBRARY_SETTINGS);
		d->params[d->n_params++].value = t;
	}
	return 0;
fail:
	msg_error("%s: %s", where, err);
	return -1;
}

void bcd_description_free(struct bcd_description *d)
{
	free(d->default_description);
	for (size_t i = 0; i < d->n_params; i++)
		free(d->params[i].value);
	free(d->params);
	memset(d, 0, sizeof(*d));
}

/*
 * bcd_edit.c - editing BCD stores the way bcdedit does: opening objects,
 * putting and deleting elements with the changes recorded, creating
 * {dbgsettings}, and the setters of bcd.h built on them.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "targets/bcd_int.h"
#include "util/msg.h"
#include "util/array.h"

/* "debug (element 260000a0)" or "element 260000a0", for error messages. */
static void msg_name(char *buf, size_t n, uint32_t id, uint32_t objtype)
{
	const char *nm = bcd_element_name(id, objtype);
	if (nm)
		snprintf(buf, n, "%s (element %08" PRIx32 ")", nm, id);
	else
		snprintf(buf, n, "element %08" PRIx32, id);
}

/* ------------------------------------------------------------ objects */

struct bobj {
	hive_node node;
	char *path;			/* stored spelling from the root: Objects\{...} */
	char guid[BCD_GUID_LEN + 1];
	uint32_t type;			/* Description\Type, 0 when unreadable */
	char *label;			/* "{bootmgr}", "{default} (Windows Setup)" */
};

static void bobj_free(struct bobj *o)
{
	free(o->path);
	free(o->label);
	memset(o, 0, sizeof(*o));
}

/* Type and label of a found object.  Aliased objects are named by their
 * alias; {default} and plain GUIDs also by their description. */
static int object_info(struct hive *h, struct bobj *o, bool as_default, char *err,
		       size_t errlen)
{
	hive_node d, ek;
	char *dpath, *epath;
	struct regval v;
	bool found;
	const char *alias = bcd_alias(o->guid);

	if (bcd_child(h, o->node, o->path, DESCRIPTION, &d, &dpath, err, errlen) < 0)
		return -1;
	o->type = 0;
	if (d) {
		int r = bcd_get_value(h, d, dpath, "Type", &v, NULL, &found, err, errlen);
		free(dpath);
		if (r < 0)
			return -1;
		if (found)
			bcd_dword_value(&v, &o->type);
		regval_free(&v);
	}

	const char *base = as_default ? "{default}" : alias ? alias : o->guid;
	char *desc = NULL;
	if (as_default || !alias) {
		if (bcd_read_element(h, o->node, o->path, BCD_ELEM_DESCRIPTION, &ek, &epath, &v,
				     NULL, &found, err, errlen) < 0)
			return -1;
		free(epath);
		if (found)
			desc = bcd_sz_text(&v);
		regval_free(&v);
	}
	o->label = desc && *desc ? bcd_xasprintf("%s (%s)", base, desc) : strdup(base);
	free(desc);
	if (!o->label) {
		bcd_fail(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* What `name` names by its form alone. */
static enum bcd_name name_kind(const char *name)
{
	char guid[BCD_GUID_LEN + 1], err[8];
	return bcd_parse_object_name(name, guid, err, sizeof(err));
}

/* Resolve `name` and find the object; every failure is reported. */
static int open_object(struct bcd_ctx *c, const char *name, struct bobj *o)
{
	char err[320];
	bool as_default = name_kind(name) == BCD_NAME_DEFAULT;

	memset(o, 0, sizeof(*o));
	if (bcd_resolve_object(c->h, name, o->guid, err, sizeof(err)) < 0 ||
	    bcd_lookup_object(c->h, o->guid, &o->node, &o->path, err, sizeof(err)) < 0)
		goto fail;
	if (!o->node) {
		const char *alias = bcd_alias(o->guid);
		if (as_default)
			msg_error("%s: {default}: {bootmgr} names %s as default, but the store "
				  "has no such object", c->where, o->guid);
		else
			msg_error("%s: %s: the store has no such object", c->where,
				  alias ? alias : o->guid);
		bobj_free(o);
		return -1;
	}
	if (object_info(c->h, o, as_default, err, sizeof(err)) < 0)
		goto fail;
	return 0;
fail:
	msg_error("%s: %s: %s", c->where, name, err);
	bobj_free(o);
	return -1;
}

static struct change *record(struct bcd_ctx *c, enum change_kind kind, const char *key,
			     const char *name, const struct regval *old,
			     const struct regval *new_val, char *note)
{
	struct change *ch = changelist_add(c->out, kind, key, name, old, new_val);
	if (!ch) {
		free(note);
		return NULL;
	}
	ch->note = note;
	return ch;
}

/* Add child `name` (not there yet) below (parent, ppath) and record it. */
static int add_key(struct bcd_ctx *c, hive_node parent, const char *ppath, const char *name,
		   hive_node *out, char **path)
{
	*path = NULL;
	if (hive_add_child(c->h, parent, name, out) < 0) {
		msg_error("%s: %s\\%s: %s", c->where, ppath, name, hive_error(c->h));
		return -1;
	}
	*path = bcd_xasprintf("%s\\%s", ppath, name);
	if (!*path || !record(c, CH_KEY_ADDED, *path, NULL, NULL, NULL, NULL)) {
		free(*path);
		*path = NULL;
		return bcd_oom();
	}
	return 0;
}

/* "{dbgsettings}: debugport 1 -> 2" */
static char *make_note(const struct bobj *o, uint32_t id, const struct regval *old,
		       const struct regval *new_val)
{
	char name[48], extra[64] = "";
	char *a = bcd_value_text(id, old, true), *b = bcd_value_text(id, new_val, true);
	char *note = NULL;

	bcd_note_name(name, sizeof(name), id, o->type);
	if (a && b) {
		if (old && new_val && strcmp(a, b) == 0) {
			if (BCD_ELEM_FORMAT(id) == BCD_FMT_INTEGER && old->len != new_val->len)
				snprintf(extra, sizeof(extra), " (%zu-byte integer rewritten as %zu bytes)",
					 old->len, new_val->len);
			else
				snprintf(extra, sizeof(extra), " (re-encoded as bcdedit writes it)");
		}
		note = bcd_xasprintf("%s: %s %s -> %s%s", o->label, name, a, b, extra);
	}
	free(a);
	free(b);
	return note;
}

/* The Elements key of an object, created (and recorded) if asked. */
static int elements_key(struct bcd_ctx *c, struct bobj *o, bool create, hive_node *out,
			char **path)
{
	char err[320];

	if (bcd_child(c->h, o->node, o->path, ELEMENTS, out, path, err, sizeof(err)) < 0) {
		msg_error("%s: %s: %s", c->where, o->label, err);
		return -1;
	}
	if (*out || !create)
		return 0;
	return add_key(c, o->node, o->path, ELEMENTS, out, path);
}

/* One element being put or deleted: what put_element and del_element
 * hold, and the tail they share (edit_end). */
struct elem_edit {
	char what[64];			/* "debug (element 260000a0)", for messages */
	char err[320];			/* the reason, for EDIT_FAILED */
	hive_node ek;			/* the element key, 0 when missing */
	char *elpath, *epath, *stored, *note;
	struct regval old;
	bool found;			/* old holds its Element value */
};

enum edit_end {
	EDIT_DONE,			/* edited, or nothing to do */
	EDIT_REPORTED,			/* failed, and said so */
	EDIT_OOM,			/* failed: out of memory */
	EDIT_FAILED,			/* failed: err says why */
};

static void edit_begin(struct elem_edit *e, const struct bobj *o, uint32_t id)
{
	memset(e, 0, sizeof(*e));
	msg_name(e->what, sizeof(e->what), id, o->type);
}

/* Report a failure as `end` says, free what e holds; 0 or -1. */
static int edit_end(struct bcd_ctx *c, const struct bobj *o, struct elem_edit *e,
		    enum edit_end end)
{
	if (end == EDIT_OOM)
		bcd_oom();
	else if (end == EDIT_FAILED)
		msg_error("%s: %s: %s: %s", c->where, o->label, e->what, e->err);
	free(e->note);
	regval_free(&e->old);
	free(e->stored);
	free(e->epath);
	free(e->elpath);
	return end == EDIT_DONE ? 0 : -1;
}

/* Make element `id` hold exactly `want`; nothing happens when it does. */
static int put_element(struct bcd_ctx *c, struct bobj *o, uint32_t id, const struct regval *want)
{
	struct elem_edit e;
	char kname[9];
	hive_node els;

	edit_begin(&e, o, id);
	snprintf(kname, sizeof(kname), "%08" PRIx32, id);
	if (elements_key(c, o, true, &els, &e.elpath) < 0)
		return edit_end(c, o, &e, EDIT_REPORTED);
	if (bcd_child(c->h, els, e.elpath, kname, &e.ek, &e.epath, e.err, sizeof(e.err)) < 0 ||
	    (e.ek && bcd_get_value(c->h, e.ek, e.epath, ELEMENT, &e.old, &e.stored, &e.found, e.err,
				   sizeof(e.err)) < 0))
		return edit_end(c, o, &e, EDIT_FAILED);
	if (e.found && regval_equal(&e.old, want)) {
		if (msg_verbose_wanted()) {
			char *t = bcd_value_text(id, want, true);
			msg_verbose("%s: %s: %s is already %s", c->where, o->label, e.what,
				    t ? t : "set");
			free(t);
		}
		return edit_end(c, o, &e, EDIT_DONE);
	}
	if (!(e.note = make_note(o, id, e.found ? &e.old : NULL, want)))
		return edit_end(c, o, &e, EDIT_OOM);
	if (!e.ek && add_key(c, els, e.elpath, kname, &e.ek, &e.epath) < 0)
		return edit_end(c, o, &e, EDIT_REPORTED);
	if (hive_put_value(c->h, e.ek, ELEMENT, want) < 0) {
		snprintf(e.err, sizeof(e.err), "%s", hive_error(c->h));
		return edit_end(c, o, &e, EDIT_FAILED);
	}
	struct change *ch = record(c, CH_VALUE_SET, e.epath, e.found ? e.stored : ELEMENT,
				   e.found ? &e.old : NULL, want, e.note);
	e.note = NULL;
	return edit_end(c, o, &e, ch ? EDIT_DONE : EDIT_OOM);
}

/* Remove element `id` (its key); nothing happens when it is absent. */
static int del_element(struct bcd_ctx *c, struct bobj *o, uint32_t id)
{
	struct elem_edit e;
	struct change *ch;
	size_t keys, values;

	edit_begin(&e, o, id);
	if (bcd_read_element(c->h, o->node, o->path, id, &e.ek, &e.epath, &e.old, &e.stored,
			     &e.found, e.err, sizeof(e.err)) < 0)
		return edit_end(c, o, &e, EDIT_FAILED);
	if (!e.ek)
		return edit_end(c, o, &e, EDIT_DONE);
	if (!(e.note = make_note(o, id, e.found ? &e.old : NULL, NULL)))
		return edit_end(c, o, &e, EDIT_OOM);
	if (hive_subtree_stats(c->h, e.ek, &keys, &values) < 0 || hive_delete_key(c->h, e.ek) < 0) {
		snprintf(e.err, sizeof(e.err), "%s: %s", e.epath, hive_error(c->h));
		return edit_end(c, o, &e, EDIT_FAILED);
	}
	if (e.found) {
		ch = record(c, CH_VALUE_DELETED, e.epath, e.stored, &e.old, NULL, e.note);
		e.note = NULL;
		if (!ch)
			return edit_end(c, o, &e, EDIT_OOM);
	}
	ch = record(c, CH_KEY_DELETED, e.epath, NULL, NULL, NULL, e.note);
	e.note = NULL;
	if (!ch)
		return edit_end(c, o, &e, EDIT_OOM);
	ch->sub_keys = keys - 1;
	ch->sub_values = values;
	return edit_end(c, o, &e, EDIT_DONE);
}

/* Create an object key with Description\Type and an empty Elements key. */
static int create_object(struct bcd_ctx *c, const char *guid, uint32_t type, struct bobj *o)
{
	char err[320];
	hive_node objs, desc, els;
	char *opath = NULL, *dpath = NULL, *elpath = NULL;
	struct regval tv = { REGT_DWORD, 4, NULL };
	unsigned char tb[4] = { (unsigned char)type, (unsigned char)(type >> 8),
				(unsigned char)(type >> 16), (unsigned char)(type >> 24) };
	const char *alias = bcd_alias(guid);
	int ret = -1;

	memset(o, 0, sizeof(*o));
	memcpy(o->guid, guid, BCD_GUID_LEN + 1);
	o->type = type;
	if (!(o->label = strdup(alias ? alias : guid)))
		return bcd_oom();
	if (bcd_objects_key(c->h, &objs, &opath, err, sizeof(err)) < 0) {
		msg_error("%s: %s: %s", c->where, o->label, err);
		goto out;
	}
	if (add_key(c, objs, opath, guid, &o->node, &o->path) < 0 ||
	    add_key(c, o->node, o->path, DESCRIPTION, &desc, &dpath) < 0)
		goto out;
	tv.data = tb;
	if (hive_put_value(c->h, desc, "Type", &tv) < 0) {
		msg_error("%s: %s: %s", c->where, dpath, hive_error(c->h));
		goto out;
	}
	char *note = bcd_xasprintf("%s: object created (type 0x%08" PRIx32 ")", o->label, type);
	if (!note || !record(c, CH_VALUE_SET, dpath, "Type", NULL, &tv, note)) {
		bcd_oom();
		goto out;
	}
	if (add_key(c, o->node, o->path, ELEMENTS, &els, &elpath) < 0)
		goto out;
	ret = 0;
out:
	free(opath);
	free(dpath);
	free(elpath);
	if (ret < 0)
		bobj_free(o);
	return ret;
}

/* The inherit list of `o` (absent: *found = false); error if not a REG_MULTI_SZ. */
static int read_inherit(struct bcd_ctx *c, struct bobj *o, char ***items, size_t *n,
			bool *found)
{
	char err[320], *epath;
	hive_node ek;
	struct regval v;

	*items = NULL;
	*n = 0;
	if (bcd_read_element(c->h, o->node, o->path, BCD_ELEM_INHERIT, &ek, &epath, &v, NULL, found,
			     err, sizeof(err)) < 0) {
		msg_error("%s: %s: inherit (element 14000006): %s", c->where, o->label, err);
		return -1;
	}
	free(epath);
	if (!*found)
		return 0;
	bool okl = bcd_multi_items(&v, items, n);
	regval_free(&v);
	if (!okl) {
		msg_error("%s: %s: inherit (element 14000006) is not a list of objects "
			  "(REG_MULTI_SZ): refusing to rewrite it", c->where, o->label);
		return -1;
	}
	return 0;
}

/* Append `guid` to the inherit list of `o` unless it is there. */
static int ensure_inherits(struct bcd_ctx *c, struct bobj *o, const char *guid)
{
	char **items, err[320];
	size_t n;
	bool found;
	struct regval nv;
	int ret;

	if (read_inherit(c, o, &items, &n, &found) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (strcasecmp(items[i], guid) == 0) {
			array_free_strings(items, n);
			return 0;
		}
	}
	const char **strv = malloc((n + 1) * sizeof(*strv));
	if (!strv) {
		array_free_strings(items, n);
		return bcd_oom();
	}
	for (size_t i = 0; i < n; i++)
		strv[i] = items[i];
	strv[n] = guid;
	if (!regval_from_text(&nv, REGT_MULTI_SZ, NULL, strv, n + 1, err, sizeof(err))) {
		msg_error("%s: %s: inherit (element 14000006): %s", c->where, o->label, err);
		ret = -1;
	} else {
		ret = put_element(c, o, BCD_ELEM_INHERIT, &nv);
		regval_free(&nv);
	}
	free(strv);
	array_free_strings(items, n);
	return ret;
}

/* ------------------------------------------------- text -> element value */

/* An object named in a value (a bcd_object_fn): resolved, and required to
 * exist in the store `arg`. */
static bool store_object(void *arg, const char *name, char guid[BCD_GUID_LEN + 1], char *err,
			 size_t errlen)
{
	struct hive *h = arg;
	char why[256];
	hive_node n;
	char *path;

	if (bcd_resolve_object(h, name, guid, why, sizeof(why)) < 0)
		return bcd_fail(err, errlen, "%s", why);
	if (bcd_lookup_object(h, guid, &n, &path, why, sizeof(why)) < 0)
		return bcd_fail(err, errlen, "%s", why);
	free(path);
	if (!n)
		return bcd_fail(err, errlen, "the store has no object %s to refer to", name);
	return true;
}

/* ------------------------------------------------------------ editing */

enum need {
	NEED_ANY,
	NEED_LOADER,			/* exactly 0x10200003 */
	NEED_LOADER_OR_SETTINGS,	/* 0x1x200003 or 0x20200003 */
	NEED_BOOTMGR,
	NEED_APP,			/* 0x10xxxxxx */
	NEED_APP_OR_SETTINGS,
};

static bool type_ok(uint32_t type, enum need need)
{
	switch (need) {
	case NEED_ANY:
		return true;
	case NEED_LOADER:
		return type == BCD_TYPE_OS_LOADER;
	case NEED_LOADER_OR_SETTINGS:
		return bcd_app_type(type) == 3;
	case NEED_BOOTMGR:		/* firmware or Windows boot manager */
		return bcd_app_type(type) == 1 || bcd_app_type(type) == 2;
	case NEED_APP:
		return type >> 24 == 0x10;
	case NEED_APP_OR_SETTINGS:
		return type >> 28 == 1 || type >> 28 == 2;
	}
	return false;
}

static const char *need_text(enum need need)
{
	switch (need) {
	case NEED_LOADER:
		return "Windows boot loader objects (type 0x10200003) only";
	case NEED_LOADER_OR_SETTINGS:
		return "Windows boot loader objects (type 0x10200003) and the settings they "
		       "inherit (0x20200003)";
	case NEED_BOOTMGR:
		return "boot manager objects (type 0x10100002 or 0x10100001)";
	case NEED_APP:
		return "boot application objects (type 0x10xxxxxx: boot managers, OS and resume "
		       "loaders, memory diagnostics...)";
	case NEED_APP_OR_SETTINGS:
		return "application and settings objects (type 0x1xxxxxxx or 0x2xxxxxxx)";
	case NEED_ANY:
		break;
	}
	return "any object";
}

/* The objects a setter's `object` names: the one it resolves to, or every
 * OS loader for {all-loaders}.  Every one is found (and described) before
 * anything is edited. */
struct bsel {
	struct bobj *v;
	size_t n;
	bool all;			/* selected by {all-loaders} */
};

static void bsel_free(struct bsel *s)
{
	for (size_t i = 0; i < s->n; i++)
		bobj_free(&s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/* `what` names the element in messages about an object-less call. */
static int open_selection(struct bcd_ctx *c, const char *name, const char *what,
			  struct bsel *s)
{
	char err[320];
	guid_buf *g = NULL;
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	if (!name) {
		msg_error("%s: %s: no object named", c->where, what);
		return -1;
	}
	if (name_kind(name) != BCD_NAME_ALL_LOADERS) {
		if (!(s->v = calloc(1, sizeof(*s->v))))
			return bcd_oom();
		if (open_object(c, name, &s->v[0]) < 0) {
			bsel_free(s);
			return -1;
		}
		s->n = 1;
		return 0;
	}
	s->all = true;
	if (bcd_list_loaders(c->h, &g, &n, err, sizeof(err)) < 0) {
		msg_error("%s: %s: %s", c->where, BCD_ALL_LOADERS, err);
		return -1;
	}
	if (n == 0) {
		msg_error("%s: %s: the store has no Windows boot loader objects (type 0x%08x)",
			  c->where, BCD_ALL_LOADERS, BCD_TYPE_OS_LOADER);
		return -1;
	}
	if (!(s->v = calloc(n, sizeof(*s->v)))) {
		free(g);
		return bcd_oom();
	}
	for (size_t i = 0; i < n; i++) {
		if (open_object(c, g[i], &s->v[i]) < 0) {
			free(g);
			bsel_free(s);
			return -1;
		}
		s->n++;
	}
	free(g);
	return 0;
}

/* Is every selected object of a type the element `what` applies to? */
static bool selection_ok(struct bcd_ctx *c, const struct bsel *s, enum need need,
			 const char *what)
{
	for (size_t i = 0; i < s->n; i++) {
		if (type_ok(s->v[i].type, need))
			continue;
		if (s->all)
			msg_error("%s: %s: %s applies to %s; the Windows boot loaders it selects "
				  "(type 0x%08" PRIx32 ", first %s) are not", c->where,
				  BCD_ALL_LOADERS, what, need_text(need), s->v[i].type,
				  s->v[i].label);
		else
			msg_error("%s: %s: %s applies to %s; this object's type is 0x%08" PRIx32,
				  c->where, s->v[i].label, what, need_text(need), s->v[i].type);
		return false;
	}
	return true;
}

/* Open `object` (default `dflt`), check its type, set element `id`. */
static int set_on(struct bcd_ctx *c, const char *object, const char *dflt, enum need need,
		  uint32_t id, const struct regval *v)
{
	struct bsel s;
	char what[64];
	int ret = 0;

	msg_name(what, sizeof(what), id, need == NEED_BOOTMGR ? 0x10100002 : 0x10200003);
	if (open_selection(c, object ? object : dflt, what, &s) < 0)
		return -1;
	if (!selection_ok(c, &s, need, what))
		ret = -1;
	for (size_t i = 0; ret == 0 && i < s.n; i++)
		ret = put_element(c, &s.v[i], id, v);
	bsel_free(&s);
	return ret;
}

static int set_bool_on(struct bcd_ctx *c, const char *object, const char *dflt, enum need need,
		       uint32_t id, bool on)
{
	struct regval v;
	if (!bcd_encode_bool(&v, on))
		return bcd_oom();
	int r = set_on(c, object, dflt, need, id, &v);
	regval_free(&v);
	return r;
}

int bcd_set_debug(struct bcd_ctx *c, const char *object, bool on)
{
	return set_bool_on(c, object, "{default}", NEED_LOADER, BCD_ELEM_DEBUG, on);
}

int bcd_set_bootdebug(struct bcd_ctx *c, const char *object, bool on)
{
	if (!object) {
		msg_error("%s: bootdebug (element 16000010): name the object: bcdedit's default "
			  "for /bootdebug is {current}, the loader Windows is running from, which "
			  "has no meaning for a store edited offline", c->where);
		return -1;
	}
	return set_bool_on(c, object, NULL, NEED_APP, BCD_ELEM_BOOTDEBUG, on);
}

int bcd_set_ems(struct bcd_ctx *c, const char *object, bool on)
{
	return set_bool_on(c, object, "{default}", NEED_LOADER, BCD_ELEM_EMS, on);
}

int bcd_set_timeout(struct bcd_ctx *c, const char *object, uint64_t seconds)
{
	struct regval v;
	if (!bcd_encode_integer(&v, seconds))
		return bcd_oom();
	int r = set_on(c, object, "{bootmgr}", NEED_BOOTMGR, BCD_ELEM_TIMEOUT, &v);
	regval_free(&v);
	return r;
}

int bcd_set_bootstatuspolicy(struct bcd_ctx *c, const char *object, enum bcd_bootstatuspolicy p)
{
	struct regval v;
	if (!bcd_bootstatuspolicy_name((uint64_t)p)) {
		msg_error("%s: bootstatuspolicy %d is not a boot status policy", c->where, (int)p);
		return -1;
	}
	if (!bcd_encode_integer(&v, (uint64_t)p))
		return bcd_oom();
	int r = set_on(c, object, "{default}", NEED_LOADER_OR_SETTINGS, BCD_ELEM_BOOTSTATUSPOLICY,
		       &v);
	regval_free(&v);
	return r;
}

int bcd_set_recoveryenabled(struct bcd_ctx *c, const char *object, bool on)
{
	return set_bool_on(c, object, "{default}", NEED_APP_OR_SETTINGS, BCD_ELEM_RECOVERYENABLED,
			   on);
}

int bcd_set_element_text(struct bcd_ctx *c, const char *object, uint32_t id, const char *text)
{
	struct bsel s;
	struct regval v;
	char err[320], what[64];
	int ret = 0;

	if (BCD_ELEM_FORMAT(id) < BCD_FMT_DEVICE || BCD_ELEM_FORMAT(id) > BCD_FMT_INTEGER_LIST) {
		msg_error("%s: %s: element %08" PRIx32 " has format %u, which no BCD element uses",
			  c->where, object ? object : "(no object)", id,
			  (unsigned)BCD_ELEM_FORMAT(id));
		return -1;
	}
	msg_name(what, sizeof(what), id, 0);
	if (open_selection(c, object, what, &s) < 0)
		return -1;
	msg_name(what, sizeof(what), id, s.v[0].type);
	if (!bcd_encode_element_text(id, text, store_object, c->h, &v, err, sizeof(err))) {
		msg_error("%s: %s: %s: %s", c->where, s.all ? BCD_ALL_LOADERS : s.v[0].label, what,
			  err);
		bsel_free(&s);
		return -1;
	}
	for (size_t i = 0; ret == 0 && i < s.n; i++)
		ret = put_element(c, &s.v[i], id, &v);
	regval_free(&v);
	bsel_free(&s);
	return ret;
}

int bcd_set_emssettings(struct bcd_ctx *c, uint32_t port, uint32_t baudrate)
{
	static const uint32_t ids[2] = { BCD_ELEM_EMSPORT, BCD_ELEM_EMSBAUDRATE };
	const uint32_t given[2] = { port, baudrate };
	struct regval want[2];
	struct bobj o = { 0 };
	char err[320], what[64], *path = NULL;
	hive_node node;
	int ret = -1;

	memset(want, 0, sizeof(want));
	if (baudrate && !port) {
		msg_error("%s: {emssettings}: emsbaudrate %" PRIu32 " without emsport: bcdedit "
			  "/emssettings takes a baud rate only together with a port", c->where,
			  baudrate);
		return -1;
	}
	if (baudrate && !bcd_baudrate_ok(baudrate, err, sizeof(err))) {
		msg_name(what, sizeof(what), BCD_ELEM_EMSBAUDRATE, BCD_TYPE_LIBRARY_SETTINGS);
		msg_error("%s: {emssettings}: %s: %s", c->where, what, err);
		return -1;
	}
	for (size_t i = 0; i < 2; i++)
		if (given[i] && !bcd_encode_integer(&want[i], given[i])) {
			bcd_oom();
			goto out;
		}

	if (bcd_lookup_object(c->h, EMSSETTINGS_GUID, &node, &path, err, sizeof(err)) < 0) {
		msg_error("%s: {emssettings}: %s", c->where, err);
		goto out;
	}
	if (!node) {
		msg_error("%s: {emssettings}: the store has no {emssettings} object (type "
			  "0x%08x) to hold emsport and emsbaudrate; wimpatch does not create one",
			  c->where, BCD_TYPE_LIBRARY_SETTINGS);
		goto out;
	}
	if (open_object(c, "{emssettings}", &o) < 0)
		goto out;
	for (size_t i = 0; i < 2; i++)
		if ((given[i] ? put_element(c, &o, ids[i], &want[i]) : del_element(c, &o, ids[i])) < 0)
			goto out;
	ret = 0;
out:
	for (size_t i = 0; i < 2; i++)
		regval_free(&want[i]);
	free(path);
	bobj_free(&o);
	return ret;
}

/* The final state of every debugger element for `s`: has[i], and then
 * want[i], for bcd_dbg_elements[i] (want zeroed by the caller). */
static int dbg_wanted(struct bcd_ctx *c, const struct bcd_dbgsettings *s,
		      struct regval want[BCD_N_DBG_ELEMENTS], bool has[BCD_N_DBG_ELEMENTS])
{
	char err[320], *key = NULL;
	int ret = 0;

	for (size_t i = 0; i < BCD_N_DBG_ELEMENTS; i++) {
		uint32_t id = bcd_dbg_elements[i];
		bool okv = true;

		snprintf(err, sizeof(err), "out of memory");
		switch (id) {
		case BCD_ELEM_DEBUGTYPE:
			has[i] = true;
			okv = bcd_encode_integer(&want[i], (uint64_t)s->type);
			break;
		case BCD_ELEM_DEBUGPORT:
			if ((has[i] = s->debugport != 0))
				okv = bcd_encode_integer(&want[i], s->debugport);
			break;
		case BCD_ELEM_BAUDRATE:
			if ((has[i] = s->baudrate != 0))
				okv = bcd_encode_integer(&want[i], s->baudrate);
			break;
		case BCD_ELEM_CHANNEL:
			if ((has[i] = s->has_channel))
				okv = bcd_encode_integer(&want[i], s->channel);
			break;
		case BCD_ELEM_TARGETNAME:
			if ((has[i] = s->targetname != NULL))
				okv = regval_from_text(&want[i], REGT_SZ, s->targetname, NULL, 0, err,
						       sizeof(err));
			break;
		case BCD_ELEM_HOSTIP:
			if ((has[i] = s->type == BCD_DEBUG_NET && s->has_hostip))
				okv = bcd_encode_integer(&want[i], s->hostip);
			break;
		case BCD_ELEM_PORT:
			if ((has[i] = s->type == BCD_DEBUG_NET && s->port))
				okv = bcd_encode_integer(&want[i], s->port);
			break;
		case BCD_ELEM_DHCP:
			if ((has[i] = s->type == BCD_DEBUG_NET && (s->has_hostip || s->port)))
				okv = bcd_encode_bool(&want[i], true);
			break;
		case BCD_ELEM_KEY:
			if ((has[i] = s->type == BCD_DEBUG_NET && s->key)) {
				size_t kl = strlen(s->key) + 1;
				okv = (key = malloc(kl)) && bcd_parse_netkey(s->key, key, kl, err,
									      sizeof(err)) &&
				      regval_from_text(&want[i], REGT_SZ, key, NULL, 0, err,
						       sizeof(err));
			}
			break;
		default:
			break;
		}
		if (!okv) {
			msg_error("%s: {dbgsettings}: %s", c->where, err);
			ret = -1;
			break;
		}
	}
	free(key);
	return ret;
}

/*
 * {dbgsettings} opened into *o, or created when it is missing and
 * create_missing (then *g is {globalsettings}, whose inherit list is to
 * name it, and *creating is set).  Everything that can be refused is
 * refused before the first edit.
 */
static int open_dbgsettings(struct bcd_ctx *c, bool create_missing, struct bobj *o,
			    struct bobj *g, bool *creating)
{
	char err[320], *path = NULL, **items;
	hive_node node;
	size_t n;
	bool found;

	*creating = false;
	if (bcd_lookup_object(c->h, DBGSETTINGS_GUID, &node, &path, err, sizeof(err)) < 0) {
		msg_error("%s: {dbgsettings}: %s", c->where, err);
		return -1;
	}
	free(path);
	path = NULL;
	if (node)
		return open_object(c, "{dbgsettings}", o);
	if (!create_missing) {
		msg_error("%s: {dbgsettings}: the store has no {dbgsettings} object: "
			  "bcdedit /dbgsettings refuses such a store, and wimpatch creates "
			  "the object only when that is asked for explicitly", c->where);
		return -1;
	}
	if (bcd_lookup_object(c->h, GLOBALSETTINGS_GUID, &node, &path, err, sizeof(err)) < 0) {
		msg_error("%s: {globalsettings}: %s", c->where, err);
		return -1;
	}
	free(path);
	if (!node) {
		msg_error("%s: {dbgsettings}: the store has neither a {dbgsettings} object "
			  "nor a {globalsettings} object whose inherit list would make a new "
			  "one apply: not creating it", c->where);
		return -1;
	}
	if (open_object(c, "{globalsettings}", g) < 0 || read_inherit(c, g, &items, &n, &found) < 0)
		return -1;
	array_free_strings(items, n);
	*creating = true;
	msg_verbose("%s: creating {dbgsettings} as asked", c->where);
	return create_object(c, DBGSETTINGS_GUID, BCD_TYPE_LIBRARY_SETTINGS, o);
}

int bcd_set_dbgsettings(struct bcd_ctx *c, const struct bcd_dbgsettings *s, bool create_missing)
{
	struct regval want[BCD_N_DBG_ELEMENTS];
	bool has[BCD_N_DBG_ELEMENTS] = { false };
	struct bobj o = { 0 }, g = { 0 };
	char err[320];
	bool creating = false;
	int ret = -1;

	memset(want, 0, sizeof(want));
	if (!bcd_dbgsettings_check(s, err, sizeof(err))) {
		msg_error("%s: {dbgsettings}: %s", c->where, err);
		return -1;
	}
	if (dbg_wanted(c, s, want, has) < 0 ||
	    open_dbgsettings(c, create_missing, &o, &g, &creating) < 0)
		goto out;
	for (size_t i = 0; i < BCD_N_DBG_ELEMENTS; i++) {
		int r = has[i] ? put_element(c, &o, bcd_dbg_elements[i], &want[i])
			       : del_element(c, &o, bcd_dbg_elements[i]);
		if (r < 0)
			goto out;
	}
	if (creating && ensure_inherits(c, &g, DBGSETTINGS_GUID) < 0)
		goto out;
	ret = 0;
out:
	for (size_t i = 0; i < BCD_N_DBG_ELEMENTS; i++)
		regval_free(&want[i]);
	bobj_free(&o);
	bobj_free(&g);
	return ret;
}

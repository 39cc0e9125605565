/*
 * bcd_read.c - reading BCD stores: checking that a hive is one, finding
 * objects and their elements, resolving object names ({default} through
 * {bootmgr}), listing the Windows boot loaders, and the stored forms of
 * element values; see bcd.h and bcd_int.h.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/bcd_int.h"
#include "util/msg.h"
#include "util/array.h"

/* ------------------------------------------------------------ helpers */

int bcd_oom(void)
{
	msg_error("out of memory");
	return -1;
}

char *bcd_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

/* ------------------------------------------------------ element values */

/* A REG_SZ as UTF-8 (up to its first NUL), or NULL. */
char *bcd_sz_text(const struct regval *v)
{
	if (v->type != REGT_SZ)
		return NULL;
	if (v->len < 2)
		return strdup("");
	return utf16le_to_utf8(v->data, v->len);
}

/* The strings of a REG_MULTI_SZ, up to the empty one that ends the list. */
bool bcd_multi_items(const struct regval *v, char ***items, size_t *n)
{
	size_t units = v->len / 2, start = 0;

	*items = NULL;
	*n = 0;
	if (v->type != REGT_MULTI_SZ || v->len % 2)
		return false;
	for (size_t i = 0; i <= units; i++) {
		if (i < units && (v->data[2 * i] || v->data[2 * i + 1]))
			continue;
		if (i == start) {
			if (i < units)
				break;	/* the empty string that ends the list */
			continue;
		}
		char *s = utf16le_to_utf8(v->data + 2 * start, 2 * (i - start));
		char **nv = s ? realloc(*items, (*n + 1) * sizeof(**items)) : NULL;
		if (!nv) {
			free(s);
			array_free_strings(*items, *n);
			*items = NULL;
			*n = 0;
			return false;
		}
		*items = nv;
		(*items)[(*n)++] = s;
		start = i + 1;
	}
	return true;
}

/* A REG_DWORD (an object's Description\Type); false for anything else. */
bool bcd_dword_value(const struct regval *v, uint32_t *out)
{
	if (v->type != REGT_DWORD || v->len != 4)
		return false;
	*out = (uint32_t)v->data[0] | (uint32_t)v->data[1] << 8 | (uint32_t)v->data[2] << 16 |
	       (uint32_t)v->data[3] << 24;
	return true;
}

bool bcd_int_value(const struct regval *v, uint64_t *out)
{
	uint64_t x = 0;
	if (v->type != REGT_BINARY || v->len < 1 || v->len > 8)
		return false;
	for (size_t i = 0; i < v->len; i++)
		x |= (uint64_t)v->data[i] << (8 * i);
	*out = x;
	return true;
}

/* -1 if not a boolean as bcdedit stores them. */
int bcd_bool_value(const struct regval *v)
{
	if (v->type != REGT_BINARY || v->len < 1)
		return -1;
	for (size_t i = 0; i < v->len; i++)
		if (v->data[i])
			return 1;
	return 0;
}

/* ------------------------------------------------------- hive access */

/* Child `name` of (parent, ppath): *out = 0 when there is none; else *path
 * is its stored path from the root (malloc'd). */
int bcd_child(struct hive *h, hive_node parent, const char *ppath, const char *name,
		     hive_node *out, char **path, char *err, size_t errlen)
{
	*path = NULL;
	if (hive_child(h, parent, name, out) < 0) {
		bcd_fail(err, errlen, "%s%s%s: %s", ppath, ppath[0] ? "\\" : "", name,
			 hive_error(h));
		return -1;
	}
	if (!*out)
		return 0;
	char *stored = hive_node_name(h, *out);
	if (!stored) {
		bcd_fail(err, errlen, "%s%s%s: %s", ppath, ppath[0] ? "\\" : "", name,
			 hive_error(h));
		return -1;
	}
	*path = ppath[0] ? bcd_xasprintf("%s\\%s", ppath, stored) : strdup(stored);
	free(stored);
	if (!*path) {
		bcd_fail(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int bcd_get_value(struct hive *h, hive_node n, const char *path, const char *name,
			 struct regval *v, char **stored, bool *found, char *err, size_t errlen)
{
	memset(v, 0, sizeof(*v));
	if (stored)
		*stored = NULL;
	*found = false;
	if (hive_get_value(h, n, name, v, stored, found) < 0) {
		bcd_fail(err, errlen, "%s: %s", path, hive_error(h));
		return -1;
	}
	return 0;
}

int bcd_check_store(struct hive *h, char *err, size_t errlen)
{
	hive_node d, o;

	if (hive_child(h, hive_root(h), DESCRIPTION, &d) < 0 ||
	    hive_child(h, hive_root(h), OBJECTS, &o) < 0) {
		bcd_fail(err, errlen, "cannot read the root key: %s", hive_error(h));
		return -1;
	}
	if (!o || !d) {
		bcd_fail(err, errlen, "not a BCD store: its root key has no %s key",
			 !o ? OBJECTS : DESCRIPTION);
		return -1;
	}
	return 0;
}

/* The Objects key (*out = 0 if missing, which the store check excludes). */
int bcd_objects_key(struct hive *h, hive_node *out, char **path, char *err, size_t errlen)
{
	if (bcd_child(h, hive_root(h), "", OBJECTS, out, path, err, errlen) < 0)
		return -1;
	if (!*out) {
		bcd_fail(err, errlen, "not a BCD store: its root key has no %s key", OBJECTS);
		return -1;
	}
	return 0;
}

/* Object `guid`: *node = 0 when the store has none. */
int bcd_lookup_object(struct hive *h, const char *guid, hive_node *node, char **path,
			     char *err, size_t errlen)
{
	hive_node objs;
	char *opath;

	if (bcd_objects_key(h, &objs, &opath, err, errlen) < 0)
		return -1;
	int r = bcd_child(h, objs, opath, guid, node, path, err, errlen);
	free(opath);
	return r;
}

/* Element `id` of the object at (obj, opath): *ekey = 0 when it has none;
 * *found tells whether its Element value exists (then *v holds it). */
int bcd_read_element(struct hive *h, hive_node obj, const char *opath, uint32_t id,
			    hive_node *ekey, char **epath, struct regval *v, char **stored,
			    bool *found, char *err, size_t errlen)
{
	hive_node els;
	char *elpath, kname[9];

	*ekey = 0;
	*epath = NULL;
	*found = false;
	memset(v, 0, sizeof(*v));
	if (stored)
		*stored = NULL;
	if (bcd_child(h, obj, opath, ELEMENTS, &els, &elpath, err, errlen) < 0)
		return -1;
	if (!els)
		return 0;
	snprintf(kname, sizeof(kname), "%08" PRIx32, id);
	int r = bcd_child(h, els, elpath, kname, ekey, epath, err, errlen);
	free(elpath);
	if (r < 0 || !*ekey)
		return r;
	if (bcd_get_value(h, *ekey, *epath, ELEMENT, v, stored, found, err, errlen) < 0) {
		free(*epath);
		*epath = NULL;
		*ekey = 0;
		return -1;
	}
	return 0;
}

/* Just the value of element `id` of object `guid` (absent object: not found). */
int bcd_element_of(struct hive *h, const char *guid, uint32_t id, struct regval *v,
			  bool *found, char *err, size_t errlen)
{
	hive_node obj, ek;
	char *opath, *epath;

	*found = false;
	memset(v, 0, sizeof(*v));
	if (bcd_lookup_object(h, guid, &obj, &opath, err, errlen) < 0)
		return -1;
	if (!obj)
		return 0;
	int r = bcd_read_element(h, obj, opath, id, &ek, &epath, v, NULL, found, err, errlen);
	free(opath);
	free(epath);
	return r;
}

/* {default}: 0 and the GUID; 1 with the reason when {bootmgr} names none;
 * -1 on read errors. */
int bcd_read_default(struct hive *h, char out[BCD_GUID_LEN + 1], char *err, size_t errlen)
{
	hive_node bm;
	char *bpath;
	struct regval v;
	bool found;

	if (bcd_lookup_object(h, BOOTMGR_GUID, &bm, &bpath, err, errlen) < 0)
		return -1;
	free(bpath);
	if (!bm) {
		bcd_fail(err, errlen, "the store has no {bootmgr} object, so {default} cannot be resolved");
		return 1;
	}
	if (bcd_element_of(h, BOOTMGR_GUID, BCD_ELEM_DEFAULT, &v, &found, err, errlen) < 0)
		return -1;
	if (!found) {
		bcd_fail(err, errlen, "{bootmgr} has no default element (23000003), so {default} "
				      "cannot be resolved");
		return 1;
	}
	char *s = bcd_sz_text(&v);
	regval_free(&v);
	bool okguid = s && bcd_normalize_guid(s, out);
	free(s);
	if (!okguid) {
		bcd_fail(err, errlen, "{bootmgr}'s default element (23000003) does not hold an "
				      "object GUID, so {default} cannot be resolved");
		return 1;
	}
	return 0;
}

int bcd_resolve_object(struct hive *h, const char *name, char out[BCD_GUID_LEN + 1],
		       char *err, size_t errlen)
{
	switch (bcd_parse_object_name(name, out, err, errlen)) {
	case BCD_NAME_DEFAULT:
		return bcd_read_default(h, out, err, errlen) == 0 ? 0 : -1;
	case BCD_NAME_ALL_LOADERS:
		bcd_fail(err, errlen, "%s names every Windows boot loader of the store, not one "
				      "object", BCD_ALL_LOADERS);
		return -1;
	case BCD_NAME_GUID:
		return 0;
	case BCD_NAME_CURRENT:
	case BCD_NAME_BAD:
		break;
	}
	return -1;
}

/* ------------------------------------------------------------ loaders */

static int cmp_guid(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Every object of type 0x10200003, sorted (see bcd_os_loaders). */
int bcd_list_loaders(struct hive *h, guid_buf **out, size_t *n, char *err, size_t errlen)
{
	hive_node objs, *kids = NULL;
	char *opath = NULL;
	size_t nk = 0;
	guid_buf *v = NULL;
	size_t nv = 0;
	int ret = -1;

	*out = NULL;
	*n = 0;
	if (bcd_objects_key(h, &objs, &opath, err, errlen) < 0)
		return -1;
	if (hive_children(h, objs, &kids, &nk) < 0) {
		bcd_fail(err, errlen, "%s: %s", opath, hive_error(h));
		goto out;
	}
	for (size_t i = 0; i < nk; i++) {
		char *name = hive_node_name(h, kids[i]), *path = NULL, *dpath = NULL;
		hive_node d = 0;
		struct regval tv;
		bool found = false;
		uint32_t type = 0;
		int r = 0;

		if (!name) {
			bcd_fail(err, errlen, "%s: %s", opath, hive_error(h));
			goto out;
		}
		if (!(path = bcd_xasprintf("%s\\%s", opath, name))) {
			bcd_fail(err, errlen, "out of memory");
			r = -1;
		} else if ((r = bcd_child(h, kids[i], path, DESCRIPTION, &d, &dpath, err, errlen)) == 0 &&
			   d && (r = bcd_get_value(h, d, dpath, "Type", &tv, NULL, &found, err, errlen)) == 0) {
			if (found)
				bcd_dword_value(&tv, &type);
			regval_free(&tv);
		}
		if (r == 0 && type == BCD_TYPE_OS_LOADER) {
			guid_buf *nvv = realloc(v, (nv + 1) * sizeof(*v));
			if (!nvv) {
				bcd_fail(err, errlen, "out of memory");
				r = -1;
			} else {
				v = nvv;
				if (!bcd_normalize_guid(name, v[nv])) {
					bcd_fail(err, errlen, "%s: a Windows boot loader object "
							      "(type 0x%08" PRIx32 ") whose key name "
							      "is not an object GUID", path, type);
					r = -1;
				} else {
					nv++;
				}
			}
		}
		free(name);
		free(path);
		free(dpath);
		if (r < 0)
			goto out;
	}
	if (nv > 1)
		qsort(v, nv, sizeof(*v), cmp_guid);
	*out = v;
	*n = nv;
	v = NULL;
	ret = 0;
out:
	free(v);
	free(kids);
	free(opath);
	return ret;
}

int bcd_os_loaders(struct hive *h, char (**guids)[BCD_GUID_LEN + 1], size_t *n)
{
	char err[320];

	if (bcd_list_loaders(h, guids, n, err, sizeof(err)) < 0) {
		msg_error("listing the Windows boot loaders of a BCD store: %s", err);
		return -1;
	}
	return 0;
}

/* bcd.c - BCD stores through the hive API; see bcd.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "targets/bcd.h"
#include "util/msg.h"

#define OBJECTS "Objects"
#define DESCRIPTION "Description"
#define ELEMENTS "Elements"
#define ELEMENT "Element"

/* ------------------------------------------------------------ names */

static const struct {
	const char *name;
	const char *guid;
} aliases[] = {
	{ "{bootmgr}", "{9dea862c-5cdd-4e70-acc1-f32b344d4795}" },
	{ "{dbgsettings}", "{4636856e-540f-4170-a130-a84776f4c654}" },
	{ "{globalsettings}", "{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}" },
	{ "{bootloadersettings}", "{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}" },
	{ "{emssettings}", "{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}" },
	{ "{ramdiskoptions}", "{ae5534e0-a924-466c-b836-758539a3ee3a}" },
	{ "{memdiag}", "{b2721d73-1db4-4c62-bf78-c548a880142d}" },
	{ "{fwbootmgr}", "{a5a30fa2-3d06-4e9f-b5f4-a01df9d1fcba}" },
	{ "{badmemory}", "{5189b25c-5558-4bf2-bca4-289b11bd29e2}" },
	{ "{resumeloadersettings}", "{1afa9c49-16ab-4a5c-901b-212802da9460}" },
	{ "{hypervisorsettings}", "{7ff607e0-4395-11db-b0de-0800200c9a66}" },
};
#define N_ALIASES (sizeof(aliases) / sizeof(aliases[0]))

#define BOOTMGR_GUID "{9dea862c-5cdd-4e70-acc1-f32b344d4795}"
#define DBGSETTINGS_GUID "{4636856e-540f-4170-a130-a84776f4c654}"
#define GLOBALSETTINGS_GUID "{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}"
#define EMSSETTINGS_GUID "{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}"

/* Application-class element ids (2xxxxxxx) mean different things for
 * different applications: the same 23000003 is a boot manager's default
 * and an OS loader's resume object. */
enum scope { SC_ANY, SC_BOOTMGR, SC_LOADER, SC_NONE };

static const struct {
	uint32_t id;
	enum scope scope;
	const char *name;
} element_names[] = {
	{ 0x11000001, SC_ANY, "device" },
	{ 0x12000002, SC_ANY, "path" },
	{ 0x12000004, SC_ANY, "description" },
	{ 0x12000005, SC_ANY, "locale" },
	{ 0x14000006, SC_ANY, "inherit" },
	{ 0x14000008, SC_ANY, "recoverysequence" },
	{ 0x16000009, SC_ANY, "recoveryenabled" },
	{ 0x1700000a, SC_ANY, "badmemory" },
	{ 0x1600000b, SC_ANY, "badmemoryaccess" },
	{ 0x16000010, SC_ANY, "bootdebug" },
	{ 0x15000011, SC_ANY, "debugtype" },
	{ 0x15000012, SC_ANY, "debugaddress" },
	{ 0x15000013, SC_ANY, "debugport" },
	{ 0x15000014, SC_ANY, "baudrate" },
	{ 0x15000015, SC_ANY, "channel" },
	{ 0x12000016, SC_ANY, "targetname" },
	{ 0x16000017, SC_ANY, "noumex" },
	{ 0x15000018, SC_ANY, "debugstart" },
	{ 0x12000019, SC_ANY, "busparams" },
	{ 0x1500001a, SC_ANY, "hostip" },
	{ 0x1500001b, SC_ANY, "port" },
	{ 0x1600001c, SC_ANY, "dhcp" },
	{ 0x1200001d, SC_ANY, "key" },
	{ 0x1600001e, SC_ANY, "vm" },
	{ 0x1200001f, SC_ANY, "hostipv6" },
	{ 0x16000020, SC_ANY, "bootems" },
	{ 0x15000022, SC_ANY, "emsport" },
	{ 0x15000023, SC_ANY, "emsbaudrate" },
	{ 0x16000060, SC_ANY, "isolatedcontext" },
	{ 0x23000003, SC_BOOTMGR, "default" },
	{ 0x23000006, SC_BOOTMGR, "resumeobject" },
	{ 0x24000001, SC_BOOTMGR, "displayorder" },
	{ 0x24000010, SC_BOOTMGR, "toolsdisplayorder" },
	{ 0x25000004, SC_BOOTMGR, "timeout" },
	{ 0x26000020, SC_BOOTMGR, "displaybootmenu" },
	{ 0x21000001, SC_LOADER, "osdevice" },
	{ 0x22000002, SC_LOADER, "systemroot" },
	{ 0x23000003, SC_LOADER, "resumeobject" },
	{ 0x25000020, SC_LOADER, "nx" },
	{ 0x25000021, SC_LOADER, "pae" },
	{ 0x26000010, SC_LOADER, "detecthal" },
	{ 0x26000022, SC_LOADER, "winpe" },
	{ 0x260000a0, SC_LOADER, "debug" },
	{ 0x260000b0, SC_LOADER, "ems" },
	{ 0x250000c2, SC_LOADER, "bootmenupolicy" },
	{ 0x250000e0, SC_LOADER, "bootstatuspolicy" },
};

/* The debugger elements `bcdedit /dbgsettings` deletes before it writes
 * the new settings. */
static const uint32_t dbg_elements[] = {
	0x15000011, 0x15000012, 0x15000013, 0x15000014, 0x15000015, 0x12000016,
	0x16000017, 0x15000018, 0x12000019, 0x1500001a, 0x1500001b, 0x1600001c,
	0x1200001d, 0x1600001e, 0x1200001f, 0x15000021, 0x15000024,
};
#define N_DBG (sizeof(dbg_elements) / sizeof(dbg_elements[0]))

static const char *const debugtype_names[] = { "Serial", "1394", "USB", "Net", "Local" };
static const char *const bsp_names[] = { "DisplayAllFailures", "IgnoreAllFailures",
					 "IgnoreShutdownFailures", "IgnoreBootFailures" };

/*
 * The application type whose elements an object holds: 1 firmware boot
 * manager, 2 boot manager, 3 OS loader, 4 resume loader...  Application
 * objects are 0x1TAAAAAA (T image type, A application type); settings
 * objects inheritable by one application type are 0x202AAAAA.  0 otherwise.
 */
static uint32_t app_type(uint32_t objtype)
{
	uint32_t cls = objtype >> 28;
	if (cls == 1 || (cls == 2 && ((objtype >> 20) & 0xf) == 2))
		return objtype & 0xfffff;
	return 0;
}

static enum scope scope_of(uint32_t objtype)
{
	uint32_t at = app_type(objtype);
	if (at == 1 || at == 2)
		return SC_BOOTMGR;
	if (at == 3)
		return SC_LOADER;
	return SC_NONE;
}

const char *bcd_alias(const char *guid)
{
	for (size_t i = 0; i < N_ALIASES; i++)
		if (strcasecmp(guid, aliases[i].guid) == 0)
			return aliases[i].name;
	return NULL;
}

const char *bcd_element_name(uint32_t id, uint32_t objtype)
{
	enum scope sc = scope_of(objtype);
	for (size_t i = 0; i < sizeof(element_names) / sizeof(element_names[0]); i++)
		if (element_names[i].id == id &&
		    (element_names[i].scope == SC_ANY || element_names[i].scope == sc))
			return element_names[i].name;
	return NULL;
}

const char *bcd_debugtype_name(uint64_t type)
{
	return type < sizeof(debugtype_names) / sizeof(debugtype_names[0]) ? debugtype_names[type]
									    : NULL;
}

const char *bcd_bootstatuspolicy_name(uint64_t policy)
{
	return policy < sizeof(bsp_names) / sizeof(bsp_names[0]) ? bsp_names[policy] : NULL;
}

/* "debugport" or "element 0x15000021", for notes. */
static void note_name(char *buf, size_t n, uint32_t id, uint32_t objtype)
{
	const char *nm = bcd_element_name(id, objtype);
	if (nm)
		snprintf(buf, n, "%s", nm);
	else
		snprintf(buf, n, "element 0x%08" PRIx32, id);
}

/* "debug (element 260000a0)" or "element 260000a0", for error messages. */
static void msg_name(char *buf, size_t n, uint32_t id, uint32_t objtype)
{
	const char *nm = bcd_element_name(id, objtype);
	if (nm)
		snprintf(buf, n, "%s (element %08" PRIx32 ")", nm, id);
	else
		snprintf(buf, n, "element %08" PRIx32, id);
}

/* ------------------------------------------------------------ helpers */

static int oom(void)
{
	msg_error("out of memory");
	return -1;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;
	va_start(ap, fmt);
	int r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

static bool fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Does `name` spell the alias `word` ("default"), with or without braces? */
static bool name_is(const char *name, const char *word)
{
	size_t n = strlen(name), w = strlen(word);
	if (n == w + 2 && name[0] == '{' && name[n - 1] == '}')
		return strncasecmp(name + 1, word, w) == 0;
	return n == w && strcasecmp(name, word) == 0;
}

static const char *alias_guid(const char *name)
{
	for (size_t i = 0; i < N_ALIASES; i++) {
		char word[32];
		size_t l = strlen(aliases[i].name) - 2;
		memcpy(word, aliases[i].name + 1, l);
		word[l] = '\0';
		if (name_is(name, word))
			return aliases[i].guid;
	}
	return NULL;
}

/* "{XXXXXXXX-...}" or the same without braces -> lower case with braces. */
static bool parse_guid(const char *s, char out[BCD_GUID_LEN + 1])
{
	size_t len = strlen(s);
	const char *p = s;

	if (len == BCD_GUID_LEN && s[0] == '{' && s[len - 1] == '}')
		p = s + 1;
	else if (len != BCD_GUID_LEN - 2)
		return false;
	out[0] = '{';
	for (size_t i = 0; i < BCD_GUID_LEN - 2; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (ch != '-')
				return false;
		} else if (!isxdigit(ch)) {
			return false;
		}
		out[1 + i] = (char)tolower(ch);
	}
	out[BCD_GUID_LEN - 1] = '}';
	out[BCD_GUID_LEN] = '\0';
	return true;
}

/* A REG_SZ as UTF-8 (up to its first NUL), or NULL. */
static char *sz_text(const struct regval *v)
{
	if (v->type != REGT_SZ)
		return NULL;
	if (v->len < 2)
		return strdup("");
	return utf16le_to_utf8(v->data, v->len);
}

/* The strings of a REG_MULTI_SZ, up to the empty one that ends the list. */
static bool multi_items(const struct regval *v, char ***items, size_t *n)
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
			free_strv(*items, *n);
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
static bool dword_value(const struct regval *v, uint32_t *out)
{
	if (v->type != REGT_DWORD || v->len != 4)
		return false;
	*out = (uint32_t)v->data[0] | (uint32_t)v->data[1] << 8 | (uint32_t)v->data[2] << 16 |
	       (uint32_t)v->data[3] << 24;
	return true;
}

static bool int_value(const struct regval *v, uint64_t *out)
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
static int bool_value(const struct regval *v)
{
	if (v->type != REGT_BINARY || v->len < 1)
		return -1;
	for (size_t i = 0; i < v->len; i++)
		if (v->data[i])
			return 1;
	return 0;
}

static bool enc_int(struct regval *v, uint64_t x)
{
	v->type = REGT_BINARY;
	v->len = 8;
	v->data = malloc(8);
	if (!v->data)
		return false;
	for (size_t i = 0; i < 8; i++)
		v->data[i] = (unsigned char)(x >> (8 * i));
	return true;
}

static bool enc_bool(struct regval *v, bool on)
{
	v->type = REGT_BINARY;
	v->len = 1;
	v->data = malloc(1);
	if (!v->data)
		return false;
	v->data[0] = on ? 1 : 0;
	return true;
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
static char *value_text(uint32_t id, const struct regval *v, bool quote)
{
	uint64_t x;
	char *s;

	if (!v)
		return strdup("(none)");
	switch (BCD_ELEM_FORMAT(id)) {
	case BCD_FMT_INTEGER:
		if (!int_value(v, &x))
			break;
		if (id == BCD_ELEM_DEBUGTYPE && bcd_debugtype_name(x))
			return strdup(bcd_debugtype_name(x));
		if (id == BCD_ELEM_BOOTSTATUSPOLICY && bcd_bootstatuspolicy_name(x))
			return strdup(bcd_bootstatuspolicy_name(x));
		if (id == BCD_ELEM_HOSTIP && x <= UINT32_MAX)
			return xasprintf("%u.%u.%u.%u", (unsigned)(x >> 24) & 0xff,
					 (unsigned)(x >> 16) & 0xff, (unsigned)(x >> 8) & 0xff,
					 (unsigned)x & 0xff);
		return xasprintf("%" PRIu64, x);
	case BCD_FMT_BOOLEAN:
		if (bool_value(v) < 0)
			break;
		return strdup(bool_value(v) ? "Yes" : "No");
	case BCD_FMT_STRING:
		if (!(s = sz_text(v)))
			break;
		if (quote) {
			char *q = xasprintf("\"%s\"", s);
			free(s);
			return q;
		}
		return s;
	case BCD_FMT_OBJECT: {
		if (!(s = sz_text(v)))
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
		if (!multi_items(v, &items, &n))
			break;
		s = join_objects(items, n);
		free_strv(items, n);
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
			int_value(&one, &x);
			sprintf(s + strlen(s), "%s%" PRIu64, i ? " " : "", x);
		}
		return s;
	case BCD_FMT_DEVICE:
		if (v->type == REGT_BINARY)
			return xasprintf("(device data, %zu bytes)", v->len);
		break;
	}
	return raw_text(v);
}

/* ------------------------------------------------------- hive access */

/* Child `name` of (parent, ppath): *out = 0 when there is none; else *path
 * is its stored path from the root (malloc'd). */
static int child(struct hive *h, hive_node parent, const char *ppath, const char *name,
		 hive_node *out, char **path, char *err, size_t errlen)
{
	*path = NULL;
	if (hive_child(h, parent, name, out) < 0) {
		fail(err, errlen, "%s%s%s: %s", ppath, ppath[0] ? "\\" : "", name, hive_error(h));
		return -1;
	}
	if (!*out)
		return 0;
	char *stored = hive_node_name(h, *out);
	if (!stored) {
		fail(err, errlen, "%s%s%s: %s", ppath, ppath[0] ? "\\" : "", name, hive_error(h));
		return -1;
	}
	*path = ppath[0] ? xasprintf("%s\\%s", ppath, stored) : strdup(stored);
	free(stored);
	if (!*path) {
		fail(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int get_value(struct hive *h, hive_node n, const char *path, const char *name,
		     struct regval *v, char **stored, bool *found, char *err, size_t errlen)
{
	memset(v, 0, sizeof(*v));
	if (stored)
		*stored = NULL;
	*found = false;
	if (hive_get_value(h, n, name, v, stored, found) < 0) {
		fail(err, errlen, "%s: %s", path, hive_error(h));
		return -1;
	}
	return 0;
}

int bcd_check_store(struct hive *h, char *err, size_t errlen)
{
	hive_node d, o;

	if (hive_child(h, hive_root(h), DESCRIPTION, &d) < 0 ||
	    hive_child(h, hive_root(h), OBJECTS, &o) < 0) {
		fail(err, errlen, "cannot read the root key: %s", hive_error(h));
		return -1;
	}
	if (!o || !d) {
		fail(err, errlen, "not a BCD store: its root key has no %s key",
		     !o ? OBJECTS : DESCRIPTION);
		return -1;
	}
	return 0;
}

/* The Objects key (*out = 0 if missing, which the store check excludes). */
static int objects_key(struct hive *h, hive_node *out, char **path, char *err, size_t errlen)
{
	if (child(h, hive_root(h), "", OBJECTS, out, path, err, errlen) < 0)
		return -1;
	if (!*out) {
		fail(err, errlen, "not a BCD store: its root key has no %s key", OBJECTS);
		return -1;
	}
	return 0;
}

/* Object `guid`: *node = 0 when the store has none. */
static int lookup_object(struct hive *h, const char *guid, hive_node *node, char **path,
			 char *err, size_t errlen)
{
	hive_node objs;
	char *opath;

	if (objects_key(h, &objs, &opath, err, errlen) < 0)
		return -1;
	int r = child(h, objs, opath, guid, node, path, err, errlen);
	free(opath);
	return r;
}

/* Element `id` of the object at (obj, opath): *ekey = 0 when it has none;
 * *found tells whether its Element value exists (then *v holds it). */
static int read_element(struct hive *h, hive_node obj, const char *opath, uint32_t id,
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
	if (child(h, obj, opath, ELEMENTS, &els, &elpath, err, errlen) < 0)
		return -1;
	if (!els)
		return 0;
	snprintf(kname, sizeof(kname), "%08" PRIx32, id);
	int r = child(h, els, elpath, kname, ekey, epath, err, errlen);
	free(elpath);
	if (r < 0 || !*ekey)
		return r;
	if (get_value(h, *ekey, *epath, ELEMENT, v, stored, found, err, errlen) < 0) {
		free(*epath);
		*epath = NULL;
		*ekey = 0;
		return -1;
	}
	return 0;
}

/* Just the value of element `id` of object `guid` (absent object: not found). */
static int element_of(struct hive *h, const char *guid, uint32_t id, struct regval *v,
		      bool *found, char *err, size_t errlen)
{
	hive_node obj, ek;
	char *opath, *epath;

	*found = false;
	memset(v, 0, sizeof(*v));
	if (lookup_object(h, guid, &obj, &opath, err, errlen) < 0)
		return -1;
	if (!obj)
		return 0;
	int r = read_element(h, obj, opath, id, &ek, &epath, v, NULL, found, err, errlen);
	free(opath);
	free(epath);
	return r;
}

/* {default}: 0 and the GUID; 1 with the reason when {bootmgr} names none;
 * -1 on read errors. */
static int read_default(struct hive *h, char out[BCD_GUID_LEN + 1], char *err, size_t errlen)
{
	hive_node bm;
	char *bpath;
	struct regval v;
	bool found;

	if (lookup_object(h, BOOTMGR_GUID, &bm, &bpath, err, errlen) < 0)
		return -1;
	free(bpath);
	if (!bm) {
		fail(err, errlen, "the store has no {bootmgr} object, so {default} cannot be resolved");
		return 1;
	}
	if (element_of(h, BOOTMGR_GUID, BCD_ELEM_DEFAULT, &v, &found, err, errlen) < 0)
		return -1;
	if (!found) {
		fail(err, errlen, "{bootmgr} has no default element (23000003), so {default} "
				  "cannot be resolved");
		return 1;
	}
	char *s = sz_text(&v);
	regval_free(&v);
	bool okguid = s && parse_guid(s, out);
	free(s);
	if (!okguid) {
		fail(err, errlen, "{bootmgr}'s default element (23000003) does not hold an "
				  "object GUID, so {default} cannot be resolved");
		return 1;
	}
	return 0;
}

int bcd_resolve_object(struct hive *h, const char *name, char out[BCD_GUID_LEN + 1],
		       char *err, size_t errlen)
{
	const char *g;

	if (name_is(name, "default"))
		return read_default(h, out, err, errlen) == 0 ? 0 : -1;
	if (name_is(name, "current")) {
		fail(err, errlen, "{current} is the loader Windows is running from: it has no "
				  "meaning for a store edited offline");
		return -1;
	}
	if (name_is(name, "all-loaders")) {
		fail(err, errlen, "%s names every Windows boot loader of the store, not one "
				  "object", BCD_ALL_LOADERS);
		return -1;
	}
	if ((g = alias_guid(name))) {
		memcpy(out, g, BCD_GUID_LEN + 1);
		return 0;
	}
	if (parse_guid(name, out))
		return 0;
	fail(err, errlen, "'%s' is neither an object GUID ({xxxxxxxx-xxxx-xxxx-xxxx-"
			  "xxxxxxxxxxxx}) nor a known alias", name);
	return -1;
}

/* ------------------------------------------------------------ loaders */

typedef char guid_buf[BCD_GUID_LEN + 1];

static int cmp_guid(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Every object of type 0x10200003, sorted (see bcd_os_loaders). */
static int list_loaders(struct hive *h, guid_buf **out, size_t *n, char *err, size_t errlen)
{
	hive_node objs, *kids = NULL;
	char *opath = NULL;
	size_t nk = 0;
	guid_buf *v = NULL;
	size_t nv = 0;
	int ret = -1;

	*out = NULL;
	*n = 0;
	if (objects_key(h, &objs, &opath, err, errlen) < 0)
		return -1;
	if (hive_children(h, objs, &kids, &nk) < 0) {
		fail(err, errlen, "%s: %s", opath, hive_error(h));
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
			fail(err, errlen, "%s: %s", opath, hive_error(h));
			goto out;
		}
		if (!(path = xasprintf("%s\\%s", opath, name))) {
			fail(err, errlen, "out of memory");
			r = -1;
		} else if ((r = child(h, kids[i], path, DESCRIPTION, &d, &dpath, err, errlen)) == 0 &&
			   d && (r = get_value(h, d, dpath, "Type", &tv, NULL, &found, err, errlen)) == 0) {
			if (found)
				dword_value(&tv, &type);
			regval_free(&tv);
		}
		if (r == 0 && type == BCD_TYPE_OS_LOADER) {
			guid_buf *nvv = realloc(v, (nv + 1) * sizeof(*v));
			if (!nvv) {
				fail(err, errlen, "out of memory");
				r = -1;
			} else {
				v = nvv;
				if (!parse_guid(name, v[nv])) {
					fail(err, errlen, "%s: a Windows boot loader object (type "
							  "0x%08" PRIx32 ") whose key name is not an object "
							  "GUID", path, type);
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

	if (list_loaders(h, guids, n, err, sizeof(err)) < 0) {
		msg_error("listing the Windows boot loaders of a BCD store: %s", err);
		return -1;
	}
	return 0;
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

	if (child(h, o->node, o->path, DESCRIPTION, &d, &dpath, err, errlen) < 0)
		return -1;
	o->type = 0;
	if (d) {
		int r = get_value(h, d, dpath, "Type", &v, NULL, &found, err, errlen);
		free(dpath);
		if (r < 0)
			return -1;
		if (found)
			dword_value(&v, &o->type);
		regval_free(&v);
	}

	const char *base = as_default ? "{default}" : alias ? alias : o->guid;
	char *desc = NULL;
	if (as_default || !alias) {
		if (read_element(h, o->node, o->path, BCD_ELEM_DESCRIPTION, &ek, &epath, &v, NULL,
				 &found, err, errlen) < 0)
			return -1;
		free(epath);
		if (found)
			desc = sz_text(&v);
		regval_free(&v);
	}
	o->label = desc && *desc ? xasprintf("%s (%s)", base, desc) : strdup(base);
	free(desc);
	if (!o->label) {
		fail(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* Resolve `name` and find the object; every failure is reported. */
static int open_object(struct bcd_ctx *c, const char *name, struct bobj *o)
{
	char err[320];
	bool as_default = name_is(name, "default");

	memset(o, 0, sizeof(*o));
	if (bcd_resolve_object(c->h, name, o->guid, err, sizeof(err)) < 0 ||
	    lookup_object(c->h, o->guid, &o->node, &o->path, err, sizeof(err)) < 0)
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
	ch->rule = c->rule;
	ch->op = c->op;
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
	*path = xasprintf("%s\\%s", ppath, name);
	if (!*path || !record(c, CH_KEY_ADDED, *path, NULL, NULL, NULL, NULL)) {
		free(*path);
		*path = NULL;
		return oom();
	}
	return 0;
}

/* "{dbgsettings}: debugport 1 -> 2" */
static char *make_note(const struct bobj *o, uint32_t id, const struct regval *old,
		       const struct regval *new_val)
{
	char name[48], extra[64] = "";
	char *a = value_text(id, old, true), *b = value_text(id, new_val, true), *note = NULL;

	note_name(name, sizeof(name), id, o->type);
	if (a && b) {
		if (old && new_val && strcmp(a, b) == 0) {
			if (BCD_ELEM_FORMAT(id) == BCD_FMT_INTEGER && old->len != new_val->len)
				snprintf(extra, sizeof(extra), " (%zu-byte integer rewritten as %zu bytes)",
					 old->len, new_val->len);
			else
				snprintf(extra, sizeof(extra), " (re-encoded as bcdedit writes it)");
		}
		note = xasprintf("%s: %s %s -> %s%s", o->label, name, a, b, extra);
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

	if (child(c->h, o->node, o->path, ELEMENTS, out, path, err, sizeof(err)) < 0) {
		msg_error("%s: %s: %s", c->where, o->label, err);
		return -1;
	}
	if (*out || !create)
		return 0;
	return add_key(c, o->node, o->path, ELEMENTS, out, path);
}

/* Make element `id` hold exactly `want`; nothing happens when it does. */
static int put_element(struct bcd_ctx *c, struct bobj *o, uint32_t id, const struct regval *want)
{
	char err[320], what[64], kname[9];
	hive_node els, ek = 0;
	char *elpath = NULL, *epath = NULL, *stored = NULL, *note = NULL;
	struct regval old = { 0 };
	bool found = false;
	int ret = -1;

	msg_name(what, sizeof(what), id, o->type);
	snprintf(kname, sizeof(kname), "%08" PRIx32, id);
	if (elements_key(c, o, true, &els, &elpath) < 0)
		return -1;
	if (child(c->h, els, elpath, kname, &ek, &epath, err, sizeof(err)) < 0)
		goto fail;
	if (ek && get_value(c->h, ek, epath, ELEMENT, &old, &stored, &found, err, sizeof(err)) < 0)
		goto fail;
	if (found && regval_equal(&old, want)) {
		if (msg_verbosity >= VERB_VERBOSE) {
			char *t = value_text(id, want, true);
			msg_verbose("%s: %s: %s is already %s", c->where, o->label, what,
				    t ? t : "set");
			free(t);
		}
		ret = 0;
		goto out;
	}
	if (!(note = make_note(o, id, found ? &old : NULL, want))) {
		oom();
		goto out;
	}
	if (!ek && add_key(c, els, elpath, kname, &ek, &epath) < 0)
		goto out;
	if (hive_put_value(c->h, ek, ELEMENT, want) < 0) {
		snprintf(err, sizeof(err), "%s", hive_error(c->h));
		goto fail;
	}
	if (!record(c, CH_VALUE_SET, epath, found ? stored : ELEMENT, found ? &old : NULL, want,
		    note)) {
		note = NULL;
		oom();
		goto out;
	}
	note = NULL;
	ret = 0;
	goto out;
fail:
	msg_error("%s: %s: %s: %s", c->where, o->label, what, err);
out:
	free(note);
	regval_free(&old);
	free(stored);
	free(epath);
	free(elpath);
	return ret;
}

/* Remove element `id` (its key); nothing happens when it is absent. */
static int del_element(struct bcd_ctx *c, struct bobj *o, uint32_t id)
{
	char err[320], what[64];
	hive_node ek;
	char *epath = NULL, *stored = NULL, *note = NULL;
	struct regval old;
	bool found;
	size_t keys, values;
	int ret = -1;

	msg_name(what, sizeof(what), id, o->type);
	if (read_element(c->h, o->node, o->path, id, &ek, &epath, &old, &stored, &found, err,
			 sizeof(err)) < 0)
		goto fail;
	if (!ek) {
		ret = 0;
		goto out;
	}
	if (!(note = make_note(o, id, found ? &old : NULL, NULL))) {
		oom();
		goto out;
	}
	if (hive_subtree_stats(c->h, ek, &keys, &values) < 0 || hive_delete_key(c->h, ek) < 0) {
		snprintf(err, sizeof(err), "%s: %s", epath, hive_error(c->h));
		goto fail;
	}
	if (found) {
		struct change *ch = record(c, CH_VALUE_DELETED, epath, stored, &old, NULL, note);
		note = NULL;
		if (!ch) {
			oom();
			goto out;
		}
	}
	struct change *ch = record(c, CH_KEY_DELETED, epath, NULL, NULL, NULL, note);
	note = NULL;
	if (!ch) {
		oom();
		goto out;
	}
	ch->sub_keys = keys - 1;
	ch->sub_values = values;
	ret = 0;
	goto out;
fail:
	msg_error("%s: %s: %s: %s", c->where, o->label, what, err);
out:
	free(note);
	regval_free(&old);
	free(stored);
	free(epath);
	return ret;
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
		return oom();
	if (objects_key(c->h, &objs, &opath, err, sizeof(err)) < 0) {
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
	char *note = xasprintf("%s: object created (type 0x%08" PRIx32 ")", o->label, type);
	if (!note || !record(c, CH_VALUE_SET, dpath, "Type", NULL, &tv, note)) {
		oom();
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
	if (read_element(c->h, o->node, o->path, BCD_ELEM_INHERIT, &ek, &epath, &v, NULL, found,
			 err, sizeof(err)) < 0) {
		msg_error("%s: %s: inherit (element 14000006): %s", c->where, o->label, err);
		return -1;
	}
	free(epath);
	if (!*found)
		return 0;
	bool okl = multi_items(&v, items, n);
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
			free_strv(items, n);
			return 0;
		}
	}
	const char **strv = malloc((n + 1) * sizeof(*strv));
	if (!strv) {
		free_strv(items, n);
		return oom();
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
	free_strv(items, n);
	return ret;
}

/* ------------------------------------------------------------ parsing */

static const char *skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

bool bcd_parse_integer(const char *text, uint64_t *out, char *err, size_t errlen)
{
	const char *p = skip_space(text);
	int base = 10;
	char *end;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!isxdigit((unsigned char)*p))
			goto bad;
	} else if (!isdigit((unsigned char)*p)) {
		goto bad;
	}
	errno = 0;
	unsigned long long v = strtoull(p, &end, base);
	if (*skip_space(end) != '\0')
		goto bad;
	if (errno == ERANGE)
		return fail(err, errlen, "'%s' is too large for a BCD integer (64 bits)", text);
	*out = v;
	return true;
bad:
	return fail(err, errlen, "'%s' is not an unsigned integer (decimal, or hex after 0x)",
		    text);
}

bool bcd_parse_bool(const char *text, bool *out, char *err, size_t errlen)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(text, yes[i]) == 0) {
			*out = true;
			return true;
		}
		if (strcasecmp(text, no[i]) == 0) {
			*out = false;
			return true;
		}
	}
	return fail(err, errlen, "'%s' is not a boolean (yes/no, on/off, true/false, 1/0)", text);
}

bool bcd_parse_element_id(const char *text, uint32_t *out, char *err, size_t errlen)
{
	const char *p = text;
	size_t n;
	uint32_t id = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	n = strlen(p);
	if (n == 0 || n > 8 || strspn(p, "0123456789abcdefABCDEF") != n)
		return fail(err, errlen, "'%s' is not a BCD element id (8 hex digits, e.g. 260000a0)",
			    text);
	for (size_t i = 0; i < n; i++)
		id = id << 4 | (uint32_t)(isdigit((unsigned char)p[i]) ? p[i] - '0'
								  : tolower((unsigned char)p[i]) - 'a' + 10);
	if (BCD_ELEM_FORMAT(id) < BCD_FMT_DEVICE || BCD_ELEM_FORMAT(id) > BCD_FMT_INTEGER_LIST)
		return fail(err, errlen, "'%s' is not a BCD element id: its format (bits 27-24) "
					 "is %u, not 1-7", text, (unsigned)BCD_ELEM_FORMAT(id));
	*out = id;
	return true;
}

bool bcd_parse_debugtype(const char *text, enum bcd_debugtype *out, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(debugtype_names) / sizeof(debugtype_names[0]); i++) {
		if (strcasecmp(text, debugtype_names[i]) == 0) {
			*out = (enum bcd_debugtype)i;
			return true;
		}
	}
	return fail(err, errlen, "'%s' is not a debugger type (serial, 1394, usb, net, local)",
		    text);
}

/* An integer in [lo, hi] for parameter `what`. */
static bool parse_ranged(const char *text, const char *what, uint64_t lo, uint64_t hi,
			 uint64_t *out, char *err, size_t errlen)
{
	char why[160];
	if (!bcd_parse_integer(text, out, why, sizeof(why)))
		return fail(err, errlen, "%s: %s", what, why);
	if (*out < lo || *out > hi)
		return fail(err, errlen, "%s %s is out of range (%" PRIu64 "-%" PRIu64 ")", what,
			    text, lo, hi);
	return true;
}

static bool check_debugport(uint32_t v, char *err, size_t errlen)
{
	if (v == 0)
		return fail(err, errlen, "debugport 0 is not a serial port number (COM ports "
					 "start at 1)");
	return true;
}

bool bcd_parse_debugport(const char *text, uint32_t *out, char *err, size_t errlen)
{
	uint64_t v;
	if (!parse_ranged(text, "debugport", 0, UINT32_MAX, &v, err, errlen) ||
	    !check_debugport((uint32_t)v, err, errlen))
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool check_baudrate(uint64_t v, char *err, size_t errlen)
{
	if (v == 9600 || v == 19200 || v == 38400 || v == 57600 || v == 115200 ||
	    (v >= 230400 && v <= UINT32_MAX))
		return true;
	return fail(err, errlen, "baudrate %" PRIu64 " is not one of 9600, 19200, 38400, 57600, "
				 "115200 or a rate of at least 230400", v);
}

bool bcd_parse_baudrate(const char *text, uint32_t *out, char *err, size_t errlen)
{
	uint64_t v;
	if (!parse_ranged(text, "baudrate", 0, UINT32_MAX, &v, err, errlen) ||
	    !check_baudrate(v, err, errlen))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool bcd_parse_channel(const char *text, uint32_t *out, char *err, size_t errlen)
{
	uint64_t v;
	if (!parse_ranged(text, "1394 channel", 0, 62, &v, err, errlen))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool bcd_parse_hostip(const char *text, uint32_t *out, char *err, size_t errlen)
{
	const char *p = text;
	uint32_t ip = 0;

	for (int part = 0; part < 4; part++) {
		size_t n = strspn(p, "0123456789");
		if (n == 0 || n > 3)
			return fail(err, errlen, "hostip '%s' is not an IPv4 address (a.b.c.d)", text);
		if (n > 1 && p[0] == '0')
			return fail(err, errlen, "hostip '%s': leading zeros are ambiguous (octal?); "
						 "write %.*s without them", text, (int)n, p);
		unsigned v = (unsigned)strtoul(p, NULL, 10);
		if (v > 255)
			return fail(err, errlen, "hostip '%s' is not an IPv4 address: %u is more "
						 "than 255", text, v);
		ip = ip << 8 | v;
		p += n;
		if (part < 3 && *p++ != '.')
			return fail(err, errlen, "hostip '%s' is not an IPv4 address (a.b.c.d)", text);
	}
	if (*p)
		return fail(err, errlen, "hostip '%s' is not an IPv4 address (a.b.c.d)", text);
	*out = ip;
	return true;
}

static bool check_netport(uint64_t v, char *err, size_t errlen)
{
	if (v == 5364 || (v >= 49152 && v <= 65535))
		return true;
	return fail(err, errlen, "port %" PRIu64 " is not allowed for network debugging (5364, "
				 "or 49152-65535)", v);
}

bool bcd_parse_netport(const char *text, uint32_t *out, char *err, size_t errlen)
{
	uint64_t v;
	char why[160];
	if (!bcd_parse_integer(text, &v, why, sizeof(why)))
		return fail(err, errlen, "port: %s", why);
	if (!check_netport(v, err, errlen))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool bcd_parse_netkey(const char *text, char *out, size_t outlen, char *err, size_t errlen)
{
	size_t groups = 1, len = strlen(text);
	uint64_t acc = 0;
	size_t glen = 0;

	if (outlen < len + 1)
		return fail(err, errlen, "key '%s' is too long", text);
	for (size_t i = 0; i <= len; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch == '.' || ch == '\0') {
			if (glen == 0)
				return fail(err, errlen, "key '%s' has an empty group: it must be four "
							 "dot-separated groups of 0-9 and a-z", text);
			if (ch == '.')
				groups++;
			glen = 0;
			acc = 0;
			out[i] = (char)ch;
			continue;
		}
		int d = isdigit(ch) ? ch - '0' : isalpha(ch) && ch < 0x80 ? tolower(ch) - 'a' + 10 : -1;
		if (d < 0)
			return fail(err, errlen, "key '%s' contains '%c': only 0-9 and a-z are allowed",
				    text, ch);
		if (acc > (UINT64_MAX - (uint64_t)d) / 36)
			return fail(err, errlen, "key '%s': group %zu is larger than 64 bits "
						 "(at most 3w5e11264sgsf)", text, groups);
		acc = acc * 36 + (uint64_t)d;
		glen++;
		out[i] = (char)tolower(ch);
	}
	if (groups != 4)
		return fail(err, errlen, "key '%s' has %zu group%s: it must be four dot-separated "
					 "groups of 0-9 and a-z (w.x.y.z)", text, groups,
			    groups == 1 ? "" : "s");
	return true;
}

bool bcd_parse_bootstatuspolicy(const char *text, enum bcd_bootstatuspolicy *out, char *err,
				size_t errlen)
{
	for (size_t i = 0; i < sizeof(bsp_names) / sizeof(bsp_names[0]); i++) {
		if (strcasecmp(text, bsp_names[i]) == 0) {
			*out = (enum bcd_bootstatuspolicy)i;
			return true;
		}
	}
	return fail(err, errlen, "'%s' is not a boot status policy (DisplayAllFailures, "
				 "IgnoreAllFailures, IgnoreShutdownFailures, IgnoreBootFailures)", text);
}

bool bcd_dbgsettings_check(const struct bcd_dbgsettings *s, char *err, size_t errlen)
{
	const char *tn = bcd_debugtype_name((uint64_t)s->type);
	const char *extra = NULL;

	if (!tn)
		return fail(err, errlen, "debugtype %d is not one of serial, 1394, usb, net, local",
			    (int)s->type);
	if (s->type != BCD_DEBUG_SERIAL && s->debugport)
		extra = "debugport";
	else if (s->type != BCD_DEBUG_SERIAL && s->baudrate)
		extra = "baudrate";
	else if (s->type != BCD_DEBUG_1394 && s->has_channel)
		extra = "channel";
	else if (s->type != BCD_DEBUG_USB && s->targetname)
		extra = "targetname";
	else if (s->type != BCD_DEBUG_NET && s->has_hostip)
		extra = "hostip";
	else if (s->type != BCD_DEBUG_NET && s->port)
		extra = "port";
	else if (s->type != BCD_DEBUG_NET && s->key)
		extra = "key";
	if (extra)
		return fail(err, errlen, "%s is not a parameter of debugtype %s", extra, tn);
	if (s->baudrate && !check_baudrate(s->baudrate, err, errlen))
		return false;
	if (s->has_channel && s->channel > 62)
		return fail(err, errlen, "1394 channel %" PRIu32 " is out of range (0-62)", s->channel);
	if (s->targetname && !*s->targetname)
		return fail(err, errlen, "targetname is empty");
	if (s->type == BCD_DEBUG_NET) {
		if (!s->has_hostip || !s->port)
			return fail(err, errlen, "debugtype net needs both hostip and port (bcdedit "
						 "refuses it without them)");
		if (!check_netport(s->port, err, errlen))
			return false;
		if (s->key) {
			char *k = malloc(strlen(s->key) + 1);
			if (!k)
				return fail(err, errlen, "out of memory");
			bool r = bcd_parse_netkey(s->key, k, strlen(s->key) + 1, err, errlen);
			free(k);
			if (!r)
				return false;
		}
	}
	return true;
}

/* ------------------------------------------------- text -> element value */

/* An object named in a value: with a store, resolved and required to
 * exist; without one, checked for form only. */
static bool value_object(struct hive *h, const char *name, char guid[BCD_GUID_LEN + 1],
			 char *err, size_t errlen)
{
	char why[256];
	hive_node n;
	char *path;

	if (!h) {
		if (name_is(name, "default")) {
			strcpy(guid, "{default}");
			return true;
		}
		if (name_is(name, "current"))
			return fail(err, errlen, "{current} has no meaning for a store edited offline");
		if (name_is(name, "all-loaders"))
			return fail(err, errlen, "%s names several objects; a value names one",
				    BCD_ALL_LOADERS);
		const char *g = alias_guid(name);
		if (g) {
			memcpy(guid, g, BCD_GUID_LEN + 1);
			return true;
		}
		if (parse_guid(name, guid))
			return true;
		return fail(err, errlen, "'%s' is neither an object GUID nor a known alias", name);
	}
	if (bcd_resolve_object(h, name, guid, why, sizeof(why)) < 0)
		return fail(err, errlen, "%s", why);
	if (lookup_object(h, guid, &n, &path, why, sizeof(why)) < 0)
		return fail(err, errlen, "%s", why);
	free(path);
	if (!n)
		return fail(err, errlen, "the store has no object %s to refer to", name);
	return true;
}

/* Split on white space (malloc'd copies). */
static bool split_words(const char *text, char ***words, size_t *n)
{
	char *copy = strdup(text), *save = NULL;
	*words = NULL;
	*n = 0;
	if (!copy)
		return false;
	for (char *w = strtok_r(copy, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		char **nv = realloc(*words, (*n + 1) * sizeof(**words));
		char *d = strdup(w);
		if (!nv || !d) {
			free(d);
			if (nv)
				*words = nv;
			free_strv(*words, *n);
			free(copy);
			return false;
		}
		*words = nv;
		(*words)[(*n)++] = d;
	}
	free(copy);
	return true;
}

/* Encode `text` for element `id` (h may be NULL: see value_object). */
static bool encode_text(struct hive *h, uint32_t id, const char *text, struct regval *out,
			char *err, size_t errlen)
{
	char guid[BCD_GUID_LEN + 1], **words = NULL;
	size_t n = 0;
	uint64_t x = 0;
	bool b = false, r = false;

	memset(out, 0, sizeof(*out));
	switch (BCD_ELEM_FORMAT(id)) {
	case BCD_FMT_DEVICE:
		return fail(err, errlen, "device elements cannot be set from text: their binary "
					 "form describes a partition or file");
	case BCD_FMT_STRING:
		return regval_from_text(out, REGT_SZ, text, NULL, 0, err, errlen);
	case BCD_FMT_OBJECT:
		if (!value_object(h, skip_space(text), guid, err, errlen))
			return false;
		return regval_from_text(out, REGT_SZ, guid, NULL, 0, err, errlen);
	case BCD_FMT_INTEGER:
		return bcd_parse_integer(text, &x, err, errlen) &&
		       (enc_int(out, x) || fail(err, errlen, "out of memory"));
	case BCD_FMT_BOOLEAN:
		return bcd_parse_bool(text, &b, err, errlen) &&
		       (enc_bool(out, b) || fail(err, errlen, "out of memory"));
	case BCD_FMT_OBJECT_LIST:
	case BCD_FMT_INTEGER_LIST:
		break;
	default:
		return fail(err, errlen, "element %08" PRIx32 " has format %u, which no BCD element "
					 "uses", id, (unsigned)BCD_ELEM_FORMAT(id));
	}

	if (!split_words(text, &words, &n))
		return fail(err, errlen, "out of memory");
	if (n == 0) {
		fail(err, errlen, "the list is empty");
		goto out;
	}
	if (BCD_ELEM_FORMAT(id) == BCD_FMT_OBJECT_LIST) {
		for (size_t i = 0; i < n; i++) {
			if (!value_object(h, words[i], guid, err, errlen))
				goto out;
			char *g = strdup(guid);
			if (!g) {
				fail(err, errlen, "out of memory");
				goto out;
			}
			free(words[i]);
			words[i] = g;
		}
		r = regval_from_text(out, REGT_MULTI_SZ, NULL, (const char *const *)words, n, err,
				     errlen);
		goto out;
	}
	out->type = REGT_BINARY;
	out->len = 8 * n;
	if (!(out->data = malloc(out->len))) {
		fail(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!bcd_parse_integer(words[i], &x, err, errlen)) {
			regval_free(out);
			goto out;
		}
		for (size_t j = 0; j < 8; j++)
			out->data[8 * i + j] = (unsigned char)(x >> (8 * j));
	}
	r = true;
out:
	free_strv(words, n);
	return r;
}

bool bcd_check_element_text(uint32_t id, const char *text, char *err, size_t errlen)
{
	struct regval v;
	if (!encode_text(NULL, id, text, &v, err, errlen))
		return false;
	regval_free(&v);
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
		return app_type(type) == 3;
	case NEED_BOOTMGR:
		return scope_of(type) == SC_BOOTMGR;
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
	if (!name_is(name, "all-loaders")) {
		if (!(s->v = calloc(1, sizeof(*s->v))))
			return oom();
		if (open_object(c, name, &s->v[0]) < 0) {
			bsel_free(s);
			return -1;
		}
		s->n = 1;
		return 0;
	}
	s->all = true;
	if (list_loaders(c->h, &g, &n, err, sizeof(err)) < 0) {
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
		return oom();
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
	if (!enc_bool(&v, on))
		return oom();
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
	if (!enc_int(&v, seconds))
		return oom();
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
	if (!enc_int(&v, (uint64_t)p))
		return oom();
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
	if (!encode_text(c->h, id, text, &v, err, sizeof(err))) {
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
	if (baudrate && !check_baudrate(baudrate, err, sizeof(err))) {
		msg_name(what, sizeof(what), BCD_ELEM_EMSBAUDRATE, BCD_TYPE_LIBRARY_SETTINGS);
		msg_error("%s: {emssettings}: %s: %s", c->where, what, err);
		return -1;
	}
	for (size_t i = 0; i < 2; i++)
		if (given[i] && !enc_int(&want[i], given[i])) {
			oom();
			goto out;
		}

	if (lookup_object(c->h, EMSSETTINGS_GUID, &node, &path, err, sizeof(err)) < 0) {
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

int bcd_set_dbgsettings(struct bcd_ctx *c, const struct bcd_dbgsettings *s, bool create_missing)
{
	struct regval want[N_DBG];
	bool has[N_DBG] = { false };
	struct bobj o = { 0 }, g = { 0 };
	char err[320], *key = NULL;
	hive_node node;
	char *path = NULL;
	bool creating = false;
	int ret = -1;

	memset(want, 0, sizeof(want));
	if (!bcd_dbgsettings_check(s, err, sizeof(err))) {
		msg_error("%s: {dbgsettings}: %s", c->where, err);
		return -1;
	}

	/* The final state of every debugger element. */
	for (size_t i = 0; i < N_DBG; i++) {
		uint32_t id = dbg_elements[i];
		bool okv = true;

		snprintf(err, sizeof(err), "out of memory");
		switch (id) {
		case BCD_ELEM_DEBUGTYPE:
			has[i] = true;
			okv = enc_int(&want[i], (uint64_t)s->type);
			break;
		case BCD_ELEM_DEBUGPORT:
			if ((has[i] = s->debugport != 0))
				okv = enc_int(&want[i], s->debugport);
			break;
		case BCD_ELEM_BAUDRATE:
			if ((has[i] = s->baudrate != 0))
				okv = enc_int(&want[i], s->baudrate);
			break;
		case BCD_ELEM_CHANNEL:
			if ((has[i] = s->has_channel))
				okv = enc_int(&want[i], s->channel);
			break;
		case BCD_ELEM_TARGETNAME:
			if ((has[i] = s->targetname != NULL))
				okv = regval_from_text(&want[i], REGT_SZ, s->targetname, NULL, 0, err,
						       sizeof(err));
			break;
		case BCD_ELEM_HOSTIP:
			if ((has[i] = s->type == BCD_DEBUG_NET && s->has_hostip))
				okv = enc_int(&want[i], s->hostip);
			break;
		case BCD_ELEM_PORT:
			if ((has[i] = s->type == BCD_DEBUG_NET && s->port))
				okv = enc_int(&want[i], s->port);
			break;
		case BCD_ELEM_DHCP:
			if ((has[i] = s->type == BCD_DEBUG_NET && (s->has_hostip || s->port)))
				okv = enc_bool(&want[i], true);
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
			goto out;
		}
	}

	/* Everything that can be refused is refused before the first edit. */
	if (lookup_object(c->h, DBGSETTINGS_GUID, &node, &path, err, sizeof(err)) < 0) {
		msg_error("%s: {dbgsettings}: %s", c->where, err);
		goto out;
	}
	if (!node) {
		char **items;
		size_t n;
		bool found;

		if (!create_missing) {
			msg_error("%s: {dbgsettings}: the store has no {dbgsettings} object: "
				  "bcdedit /dbgsettings refuses such a store, and wimpatch creates "
				  "the object only when that is asked for explicitly", c->where);
			goto out;
		}
		if (lookup_object(c->h, GLOBALSETTINGS_GUID, &node, &path, err, sizeof(err)) < 0) {
			msg_error("%s: {globalsettings}: %s", c->where, err);
			goto out;
		}
		free(path);
		path = NULL;
		if (!node) {
			msg_error("%s: {dbgsettings}: the store has neither a {dbgsettings} object "
				  "nor a {globalsettings} object whose inherit list would make a new "
				  "one apply: not creating it", c->where);
			goto out;
		}
		if (open_object(c, "{globalsettings}", &g) < 0 ||
		    read_inherit(c, &g, &items, &n, &found) < 0)
			goto out;
		free_strv(items, n);
		creating = true;
		msg_verbose("%s: creating {dbgsettings} as asked", c->where);
		if (create_object(c, DBGSETTINGS_GUID, BCD_TYPE_LIBRARY_SETTINGS, &o) < 0)
			goto out;
	} else if (open_object(c, "{dbgsettings}", &o) < 0) {
		goto out;
	}

	for (size_t i = 0; i < N_DBG; i++) {
		int r = has[i] ? put_element(c, &o, dbg_elements[i], &want[i])
			       : del_element(c, &o, dbg_elements[i]);
		if (r < 0)
			goto out;
	}
	if (creating && ensure_inherits(c, &g, DBGSETTINGS_GUID) < 0)
		goto out;
	ret = 0;
out:
	for (size_t i = 0; i < N_DBG; i++)
		regval_free(&want[i]);
	free(key);
	free(path);
	bobj_free(&o);
	bobj_free(&g);
	return ret;
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

	r = read_default(h, d->default_guid, d->no_default, sizeof(d->no_default));
	if (r < 0) {
		msg_error("%s: %s", where, d->no_default);
		return -1;
	}
	if (r > 0) {
		d->default_guid[0] = '\0';
	} else {
		d->no_default[0] = '\0';
		d->has_default = true;
		if (lookup_object(h, d->default_guid, &node, &path, err, sizeof(err)) < 0)
			goto fail;
		free(path);
		path = NULL;
		d->default_exists = node != 0;
		if (node) {
			if (element_of(h, d->default_guid, BCD_ELEM_DESCRIPTION, &v, &found, err,
				       sizeof(err)) < 0)
				goto fail;
			if (found)
				d->default_description = sz_text(&v);
			regval_free(&v);
			if (element_of(h, d->default_guid, BCD_ELEM_DEBUG, &v, &found, err,
				       sizeof(err)) < 0)
				goto fail;
			if (found)
				d->debug = bool_value(&v) < 0 ? -1 : bool_value(&v);
			regval_free(&v);
		}
	}

	if (lookup_object(h, DBGSETTINGS_GUID, &node, &path, err, sizeof(err)) < 0)
		goto fail;
	free(path);
	path = NULL;
	if (!node)
		return 0;
	d->has_dbgsettings = true;
	for (size_t i = 0; i < N_DBG; i++) {
		uint32_t id = dbg_elements[i];
		uint64_t x;

		if (element_of(h, DBGSETTINGS_GUID, id, &v, &found, err, sizeof(err)) < 0)
			goto fail;
		if (!found)
			continue;
		if (id == BCD_ELEM_DEBUGTYPE && int_value(&v, &x) && x <= INT64_MAX) {
			d->debugtype = (int64_t)x;
			regval_free(&v);
			continue;
		}
		struct bcd_param *np = realloc(d->params, (d->n_params + 1) * sizeof(*np));
		char *t = np ? value_text(id, &v, false) : NULL;
		regval_free(&v);
		if (np)
			d->params = np;
		if (!t)
			return oom();
		note_name(d->params[d->n_params].name, sizeof(d->params[0].name), id,
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

/*
 * bcd_syntax.c - how BCD is spelled, without a store: aliases and element
 * names, object names, the parsers and checks of parameter text, and text
 * encoded as element values; see bcd_syntax.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/bcd_syntax.h"
#include "util/array.h"

/* ------------------------------------------------------------ tables */

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

const uint32_t bcd_dbg_elements[] = {
	0x15000011, 0x15000012, 0x15000013, 0x15000014, 0x15000015, 0x12000016,
	0x16000017, 0x15000018, 0x12000019, 0x1500001a, 0x1500001b, 0x1600001c,
	0x1200001d, 0x1600001e, 0x1200001f, 0x15000021, 0x15000024,
};

static const char *const debugtype_names[] = { "Serial", "1394", "USB", "Net", "Local" };
static const char *const bsp_names[] = { "DisplayAllFailures", "IgnoreAllFailures",
					 "IgnoreShutdownFailures", "IgnoreBootFailures" };

/* ------------------------------------------------------------ helpers */

bool bcd_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

/* ------------------------------------------------------------ names */

uint32_t bcd_app_type(uint32_t objtype)
{
	uint32_t cls = objtype >> 28;
	if (cls == 1 || (cls == 2 && ((objtype >> 20) & 0xf) == 2))
		return objtype & 0xfffff;
	return 0;
}

static enum scope scope_of(uint32_t objtype)
{
	uint32_t at = bcd_app_type(objtype);
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

bool bcd_normalize_guid(const char *s, char out[BCD_GUID_LEN + 1])
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

enum bcd_name bcd_parse_object_name(const char *name, char guid[BCD_GUID_LEN + 1], char *err,
				    size_t errlen)
{
	const char *g;

	if (name_is(name, "default"))
		return BCD_NAME_DEFAULT;
	if (name_is(name, "current")) {
		bcd_fail(err, errlen, "{current} is the loader Windows is running from: it has no "
				      "meaning for a store edited offline");
		return BCD_NAME_CURRENT;
	}
	if (name_is(name, "all-loaders"))
		return BCD_NAME_ALL_LOADERS;
	if ((g = alias_guid(name))) {
		memcpy(guid, g, BCD_GUID_LEN + 1);
		return BCD_NAME_GUID;
	}
	if (bcd_normalize_guid(name, guid))
		return BCD_NAME_GUID;
	bcd_fail(err, errlen, "'%s' is neither an object GUID ({xxxxxxxx-xxxx-xxxx-xxxx-"
			      "xxxxxxxxxxxx}) nor a known alias", name);
	return BCD_NAME_BAD;
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
		return bcd_fail(err, errlen, "'%s' is too large for a BCD integer (64 bits)", text);
	*out = v;
	return true;
bad:
	return bcd_fail(err, errlen, "'%s' is not an unsigned integer (decimal, or hex after 0x)",
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
	return bcd_fail(err, errlen, "'%s' is not a boolean (yes/no, on/off, true/false, 1/0)",
			text);
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
		return bcd_fail(err, errlen, "'%s' is not a BCD element id (8 hex digits, e.g. 260000a0)",
				text);
	for (size_t i = 0; i < n; i++)
		id = id << 4 | (uint32_t)(isdigit((unsigned char)p[i]) ? p[i] - '0'
								  : tolower((unsigned char)p[i]) - 'a' + 10);
	if (BCD_ELEM_FORMAT(id) < BCD_FMT_DEVICE || BCD_ELEM_FORMAT(id) > BCD_FMT_INTEGER_LIST)
		return bcd_fail(err, errlen, "'%s' is not a BCD element id: its format "
					     "(bits 27-24) is %u, not 1-7", text,
				(unsigned)BCD_ELEM_FORMAT(id));
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
	return bcd_fail(err, errlen, "'%s' is not a debugger type (serial, 1394, usb, net, local)",
			text);
}

/* An integer in [lo, hi] for parameter `what`. */
static bool parse_ranged(const char *text, const char *what, uint64_t lo, uint64_t hi,
			 uint64_t *out, char *err, size_t errlen)
{
	char why[160];
	if (!bcd_parse_integer(text, out, why, sizeof(why)))
		return bcd_fail(err, errlen, "%s: %s", what, why);
	if (*out < lo || *out > hi)
		return bcd_fail(err, errlen, "%s %s is out of range (%" PRIu64 "-%" PRIu64 ")",
				what, text, lo, hi);
	return true;
}

static bool check_debugport(uint32_t v, char *err, size_t errlen)
{
	if (v == 0)
		return bcd_fail(err, errlen, "debugport 0 is not a serial port number (COM ports "
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

bool bcd_baudrate_ok(uint64_t v, char *err, size_t errlen)
{
	if (v == 9600 || v == 19200 || v == 38400 || v == 57600 || v == 115200 ||
	    (v >= 230400 && v <= UINT32_MAX))
		return true;
	return bcd_fail(err, errlen, "baudrate %" PRIu64 " is not one of 9600, 19200, 38400, "
				     "57600, 115200 or a rate of at least 230400", v);
}

bool bcd_parse_baudrate(const char *text, uint32_t *out, char *err, size_t errlen)
{
	uint64_t v;
	if (!parse_ranged(text, "baudrate", 0, UINT32_MAX, &v, err, errlen) ||
	    !bcd_baudrate_ok(v, err, errlen))
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
			return bcd_fail(err, errlen, "hostip '%s' is not an IPv4 address (a.b.c.d)",
					text);
		if (n > 1 && p[0] == '0')
			return bcd_fail(err, errlen, "hostip '%s': leading zeros are ambiguous (octal?); "
						     "write %.*s without them", text, (int)n, p);
		unsigned v = (unsigned)strtoul(p, NULL, 10);
		if (v > 255)
			return bcd_fail(err, errlen, "hostip '%s' is not an IPv4 address: %u is "
						     "more than 255", text, v);
		ip = ip << 8 | v;
		p += n;
		if (part < 3 && *p++ != '.')
			return bcd_fail(err, errlen, "hostip '%s' is not an IPv4 address (a.b.c.d)",
					text);
	}
	if (*p)
		return bcd_fail(err, errlen, "hostip '%s' is not an IPv4 address (a.b.c.d)", text);
	*out = ip;
	return true;
}

static bool check_netport(uint64_t v, char *err, size_t errlen)
{
	if (v == 5364 || (v >= 49152 && v <= 65535))
		return true;
	return bcd_fail(err, errlen, "port %" PRIu64 " is not allowed for network debugging (5364, "
				     "or 49152-65535)", v);
}

bool bcd_parse_netport(const char *text, uint32_t *out, char *err, size_t errlen)
{
	uint64_t v;
	char why[160];
	if (!bcd_parse_integer(text, &v, why, sizeof(why)))
		return bcd_fail(err, errlen, "port: %s", why);
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
		return bcd_fail(err, errlen, "key '%s' is too long", text);
	for (size_t i = 0; i <= len; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch == '.' || ch == '\0') {
			if (glen == 0)
				return bcd_fail(err, errlen, "key '%s' has an empty group: it must be four "
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
			return bcd_fail(err, errlen, "key '%s' contains '%c': only 0-9 and a-z are allowed",
					text, ch);
		if (acc > (UINT64_MAX - (uint64_t)d) / 36)
			return bcd_fail(err, errlen, "key '%s': group %zu is larger than 64 bits "
						     "(at most 3w5e11264sgsf)", text, groups);
		acc = acc * 36 + (uint64_t)d;
		glen++;
		out[i] = (char)tolower(ch);
	}
	if (groups != 4)
		return bcd_fail(err, errlen, "key '%s' has %zu group%s: it must be four "
					     "dot-separated groups of 0-9 and a-z (w.x.y.z)", text, groups,
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
	return bcd_fail(err, errlen, "'%s' is not a boot status policy (DisplayAllFailures, "
				     "IgnoreAllFailures, IgnoreShutdownFailures, IgnoreBootFailures)", text);
}

bool bcd_dbgsettings_check(const struct bcd_dbgsettings *s, char *err, size_t errlen)
{
	const char *tn = bcd_debugtype_name((uint64_t)s->type);
	const char *extra = NULL;

	if (!tn)
		return bcd_fail(err, errlen, "debugtype %d is not one of serial, 1394, usb, net, "
					     "local", (int)s->type);
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
		return bcd_fail(err, errlen, "%s is not a parameter of debugtype %s", extra, tn);
	if (s->baudrate && !bcd_baudrate_ok(s->baudrate, err, errlen))
		return false;
	if (s->has_channel && s->channel > 62)
		return bcd_fail(err, errlen, "1394 channel %" PRIu32 " is out of range (0-62)", s->channel);
	if (s->targetname && !*s->targetname)
		return bcd_fail(err, errlen, "targetname is empty");
	if (s->type == BCD_DEBUG_NET) {
		if (!s->has_hostip || !s->port)
			return bcd_fail(err, errlen, "debugtype net needs both hostip and port (bcdedit "
						     "refuses it without them)");
		if (!check_netport(s->port, err, errlen))
			return false;
		if (s->key) {
			char *k = malloc(strlen(s->key) + 1);
			if (!k)
				return bcd_fail(err, errlen, "out of memory");
			bool r = bcd_parse_netkey(s->key, k, strlen(s->key) + 1, err, errlen);
			free(k);
			if (!r)
				return false;
		}
	}
	return true;
}

/* ------------------------------------------------- text -> element value */

bool bcd_encode_integer(struct regval *v, uint64_t x)
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

bool bcd_encode_bool(struct regval *v, bool on)
{
	v->type = REGT_BINARY;
	v->len = 1;
	v->data = malloc(1);
	if (!v->data)
		return false;
	v->data[0] = on ? 1 : 0;
	return true;
}

/* An object named in a value: through `object` (a store's resolver), or
 * without one checked for form only. */
static bool value_object(bcd_object_fn *object, void *arg, const char *name,
			 char guid[BCD_GUID_LEN + 1], char *err, size_t errlen)
{
	char why[256];

	if (object)
		return object(arg, name, guid, err, errlen);
	switch (bcd_parse_object_name(name, guid, why, sizeof(why))) {
	case BCD_NAME_DEFAULT:
		strcpy(guid, "{default}");
		return true;
	case BCD_NAME_CURRENT:
		return bcd_fail(err, errlen, "{current} has no meaning for a store edited offline");
	case BCD_NAME_ALL_LOADERS:
		return bcd_fail(err, errlen, "%s names several objects; a value names one",
				BCD_ALL_LOADERS);
	case BCD_NAME_GUID:
		return true;
	case BCD_NAME_BAD:
		break;
	}
	return bcd_fail(err, errlen, "'%s' is neither an object GUID nor a known alias", name);
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
			array_free_strings(*words, *n);
			free(copy);
			return false;
		}
		*words = nv;
		(*words)[(*n)++] = d;
	}
	free(copy);
	return true;
}

bool bcd_encode_element_text(uint32_t id, const char *text, bcd_object_fn *object, void *arg,
			     struct regval *out, char *err, size_t errlen)
{
	char guid[BCD_GUID_LEN + 1], **words = NULL;
	size_t n = 0;
	uint64_t x = 0;
	bool b = false, r = false;

	memset(out, 0, sizeof(*out));
	switch (BCD_ELEM_FORMAT(id)) {
	case BCD_FMT_DEVICE:
		return bcd_fail(err, errlen, "device elements cannot be set from text: their "
					     "binary form describes a partition or file");
	case BCD_FMT_STRING:
		return regval_from_text(out, REGT_SZ, text, NULL, 0, err, errlen);
	case BCD_FMT_OBJECT:
		if (!value_object(object, arg, skip_space(text), guid, err, errlen))
			return false;
		return regval_from_text(out, REGT_SZ, guid, NULL, 0, err, errlen);
	case BCD_FMT_INTEGER:
		return bcd_parse_integer(text, &x, err, errlen) &&
		       (bcd_encode_integer(out, x) || bcd_fail(err, errlen, "out of memory"));
	case BCD_FMT_BOOLEAN:
		return bcd_parse_bool(text, &b, err, errlen) &&
		       (bcd_encode_bool(out, b) || bcd_fail(err, errlen, "out of memory"));
	case BCD_FMT_OBJECT_LIST:
	case BCD_FMT_INTEGER_LIST:
		break;
	default:
		return bcd_fail(err, errlen, "element %08" PRIx32 " has format %u, which no BCD element "
					     "uses", id, (unsigned)BCD_ELEM_FORMAT(id));
	}

	if (!split_words(text, &words, &n))
		return bcd_fail(err, errlen, "out of memory");
	if (n == 0) {
		bcd_fail(err, errlen, "the list is empty");
		goto out;
	}
	if (BCD_ELEM_FORMAT(id) == BCD_FMT_OBJECT_LIST) {
		for (size_t i = 0; i < n; i++) {
			if (!value_object(object, arg, words[i], guid, err, errlen))
				goto out;
			char *g = strdup(guid);
			if (!g) {
				bcd_fail(err, errlen, "out of memory");
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
		bcd_fail(err, errlen, "out of memory");
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
	array_free_strings(words, n);
	return r;
}

bool bcd_check_element_text(uint32_t id, const char *text, char *err, size_t errlen)
{
	struct regval v;
	if (!bcd_encode_element_text(id, text, NULL, NULL, &v, err, errlen))
		return false;
	regval_free(&v);
	return true;
}


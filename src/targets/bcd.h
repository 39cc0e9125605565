/*
 * bcd.h - Boot Configuration Data stores (\boot\BCD, \EFI\Microsoft\Boot\BCD),
 * read and edited the way `bcdedit /store` does, through the hive API.
 *
 * A BCD store is a registry hive whose root (named "System" on install
 * media, "NewStoreRoot" in stores bcdedit makes, anything in principle)
 * holds a Description key and an Objects key.  Every object is a key
 * Objects\{guid} with Description\Type (REG_DWORD, the object type) and
 * Elements\<id>\Element, one subkey per element, named by the element id
 * in 8 lower-case hex digits.  Bits 27-24 of an id are its format:
 *
 *	1 device	REG_BINARY (opaque here: never written)
 *	2 string	REG_SZ, UTF-16LE, NUL-terminated
 *	3 object	REG_SZ "{guid}"
 *	4 object list	REG_MULTI_SZ of "{guid}"
 *	5 integer	REG_BINARY, little-endian; written as 8 bytes, read at
 *			any length 1-8 (media stores hold 1- and 3-byte ones)
 *	6 boolean	REG_BINARY, 1 byte 00/01 ("off" writes 00, it does not delete)
 *	7 integer list	REG_BINARY, 8-byte little-endian integers
 *
 * Names are matched without case when reading; GUIDs and element key names
 * are written in lower case.  Objects are named by "{guid}" or by an alias
 * ({bootmgr}, {dbgsettings}, {globalsettings}, {bootloadersettings},
 * {emssettings}, {ramdiskoptions}, {memdiag}, {fwbootmgr}, {badmemory},
 * {resumeloadersettings}, {hypervisorsettings}, and {default}: the object
 * that {bootmgr}'s element 23000003 names); braces may be left out.
 *
 * The setters that take an object (bcd_set_debug, bcd_set_bootdebug,
 * bcd_set_ems, bcd_set_timeout, bcd_set_bootstatuspolicy,
 * bcd_set_recoveryenabled, bcd_set_element_text) also take the selector
 * "{all-loaders}" (BCD_ALL_LOADERS; braces may be left out): every Windows
 * boot loader of the store (object type 0x10200003, as bcd_os_loaders
 * lists them), edited one after the other in GUID order.  The selector is
 * resolved, every selected object opened and its type checked before the
 * first edit; a store without loaders is refused; each edit is recorded and
 * noted as for that object alone ("{guid} (Windows Setup): ems No -> Yes"),
 * and loaders that already hold the value record nothing.  It names several
 * objects, so bcd_resolve_object and element values refuse it.  (The
 * selector lives here rather than in every caller so that a profile's
 * object text can say it, and so that nothing is edited unless every
 * selected object can be.)
 *
 * Edits go through a struct bcd_ctx.  Like the registry engine, they
 * compare bytes first and record nothing when the store already holds
 * exactly what bcdedit would write, and record every edit in the
 * changelist with the registry-level change (key and value, old and new)
 * plus a note in BCD terms ("{default} (Windows Setup): debug (none) -> Yes").
 * Setting an element whose key is missing records CH_KEY_ADDED for
 * ...\Elements\<id> and then CH_VALUE_SET for its Element value (the
 * note is on the value change); removing one records CH_VALUE_DELETED
 * (old value, note) and then CH_KEY_DELETED for the element key.
 *
 * Errors are reported with msg_error() naming the store (ctx->where), the
 * object and the element, and the functions return -1; on an error during
 * an edit the hive may be half-edited: discard it.  Parameters are checked
 * before anything is touched, so bad input never half-edits a store.
 */
#ifndef WIMPATCH_BCD_H
#define WIMPATCH_BCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/change.h"
#include "adapters/hive.h"
#include "core/plan.h"

/* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" without its NUL. */
#define BCD_GUID_LEN 38

/* Format of an element id (bits 27-24). */
#define BCD_ELEM_FORMAT(id) (((uint32_t)(id) >> 24) & 0xfu)
enum bcd_format {
	BCD_FMT_DEVICE = 1,
	BCD_FMT_STRING = 2,
	BCD_FMT_OBJECT = 3,
	BCD_FMT_OBJECT_LIST = 4,
	BCD_FMT_INTEGER = 5,
	BCD_FMT_BOOLEAN = 6,
	BCD_FMT_INTEGER_LIST = 7,
};

/* Elements this module writes by name. */
#define BCD_ELEM_DESCRIPTION		0x12000004u	/* any object: string */
#define BCD_ELEM_INHERIT		0x14000006u	/* any object: object list */
#define BCD_ELEM_RECOVERYENABLED	0x16000009u	/* library boolean */
#define BCD_ELEM_DEBUGTYPE		0x15000011u	/* {dbgsettings} */
#define BCD_ELEM_DEBUGPORT		0x15000013u
#define BCD_ELEM_BAUDRATE		0x15000014u
#define BCD_ELEM_CHANNEL		0x15000015u
#define BCD_ELEM_TARGETNAME		0x12000016u
#define BCD_ELEM_BUSPARAMS		0x12000019u
#define BCD_ELEM_HOSTIP			0x1500001au
#define BCD_ELEM_PORT			0x1500001bu
#define BCD_ELEM_DHCP			0x1600001cu
#define BCD_ELEM_KEY			0x1200001du
#define BCD_ELEM_DEFAULT		0x23000003u	/* boot manager: object */
#define BCD_ELEM_TIMEOUT		0x25000004u	/* boot manager: integer */
#define BCD_ELEM_BOOTSTATUSPOLICY	0x250000e0u	/* OS loader: integer */
#define BCD_ELEM_DEBUG			0x260000a0u	/* OS loader: boolean (kernel
							   debugger; 26000010 is detecthal) */
#define BCD_ELEM_BOOTDEBUG		0x16000010u	/* any application: boolean
							   (boot debugging) */
#define BCD_ELEM_EMS			0x260000b0u	/* OS loader: boolean */
#define BCD_ELEM_EMSPORT		0x15000022u	/* {emssettings}: integer */
#define BCD_ELEM_EMSBAUDRATE		0x15000023u	/* {emssettings}: integer */

/* Object type of {dbgsettings} (and other library settings objects). */
#define BCD_TYPE_LIBRARY_SETTINGS	0x20100000u
/* Object type of a Windows boot loader (winload: "Windows Setup", "Windows 10"). */
#define BCD_TYPE_OS_LOADER		0x10200003u

/* The selector for every OS loader of a store (see above). */
#define BCD_ALL_LOADERS			"{all-loaders}"

/* Where edits go and how they are reported. */
struct bcd_ctx {
	struct hive *h;			/* opened HIVE_WRITABLE */
	const char *where;		/* names the store in messages ("media: boot/BCD") */
	struct changelist *out;		/* every edit is appended here */
	const struct rule *rule;	/* optional: copied into each change */
	const struct op *op;		/* optional: copied into each change */
};

enum bcd_debugtype {
	BCD_DEBUG_SERIAL = 0,
	BCD_DEBUG_1394 = 1,
	BCD_DEBUG_USB = 2,
	BCD_DEBUG_NET = 3,
	BCD_DEBUG_LOCAL = 4,
};

enum bcd_bootstatuspolicy {
	BCD_BSP_DISPLAY_ALL_FAILURES = 0,
	BCD_BSP_IGNORE_ALL_FAILURES = 1,
	BCD_BSP_IGNORE_SHUTDOWN_FAILURES = 2,
	BCD_BSP_IGNORE_BOOT_FAILURES = 3,
};

/*
 * What `bcdedit /dbgsettings TYPE [param:value...]` is given.  Only the
 * parameters of the chosen type may be given (bcd_dbgsettings_check says
 * which); "not given" is 0 / NULL / has_* = false as noted.  Strings are
 * the caller's and are only read.
 */
struct bcd_dbgsettings {
	enum bcd_debugtype type;
	uint32_t debugport;		/* serial: COM port, 0 = not given */
	uint32_t baudrate;		/* serial: 0 = not given */
	bool has_channel;		/* 1394: channel 0-62 */
	uint32_t channel;
	const char *targetname;		/* usb: NULL = not given */
	bool has_hostip;		/* net: required */
	uint32_t hostip;		/* a.b.c.d as a<<24 | b<<16 | c<<8 | d */
	uint32_t port;			/* net: required (0 = not given) */
	const char *key;		/* net: a.b.c.d base-36 groups, NULL = not given */
};

/* ---------------------------------------------------------------- reading */

/* Is this hive a BCD store (root has Description and Objects keys)?
 * 0 if it is; -1 with a one-line reason in err if not, or if it cannot be read. */
int bcd_check_store(struct hive *h, char *err, size_t errlen);

/*
 * Turn an object name ("{GUID}", a GUID without braces, or an alias with
 * or without braces) into a lower-case "{guid}" in out.  {default} is
 * looked up in the store; nothing else is checked against it (the object
 * need not exist).  {current} has no meaning offline and is refused, and so
 * is {all-loaders}, which names several objects.
 * Returns 0, or -1 with a reason in err.
 */
int bcd_resolve_object(struct hive *h, const char *name, char out[BCD_GUID_LEN + 1],
		       char *err, size_t errlen);

/*
 * The GUIDs ("{guid}", lower case) of every object of type 0x10200003
 * (Windows boot loader) in the store, sorted: *guids is a malloc'd array
 * of *n strings (free it with free(); NULL when *n is 0).  Install media
 * have one ("{7619dcc9-fafe-11d9-b411-000476eba25f}", "Windows Setup"),
 * some several; installed systems usually add Windows RE.  Objects whose
 * Description\Type is missing or not a REG_DWORD are not loaders.  Returns
 * 0, or -1 after reporting with msg_error (a read error, or a loader whose
 * key name is not a GUID; the message names the key, not the store, which
 * this function does not know by name).
 */
int bcd_os_loaders(struct hive *h, char (**guids)[BCD_GUID_LEN + 1], size_t *n);

/* "{bootmgr}" for its GUID (any case), NULL for GUIDs that have no alias. */
const char *bcd_alias(const char *guid);

/*
 * The bcdedit name of element `id` on an object of type `objtype` (pass 0
 * if unknown): application elements (ids 2xxxxxxx) mean different things
 * for boot managers and OS loaders.  NULL when the element has no known name.
 */
const char *bcd_element_name(uint32_t id, uint32_t objtype);

/* "Serial", "1394", "USB", "Net", "Local"; NULL for other numbers. */
const char *bcd_debugtype_name(uint64_t type);
/* "DisplayAllFailures", ...; NULL for other numbers. */
const char *bcd_bootstatuspolicy_name(uint64_t policy);

/* What `wimpatch show` prints about a store. */
struct bcd_param {
	char name[24];			/* bcdedit name ("debugport") or "element 0x..." */
	char *value;			/* as bcdedit would show it (hostip dotted) */
};

struct bcd_description {
	bool has_default;		/* {bootmgr} names a default object */
	char no_default[160];		/* if not, why ("the store has no {bootmgr} object") */
	char default_guid[BCD_GUID_LEN + 1];
	bool default_exists;		/* that object is in the store */
	char *default_description;	/* its element 12000004, or NULL */
	int debug;			/* its debug element (260000a0): -1 absent, 0 No, 1 Yes */
	bool has_dbgsettings;		/* the store has a {dbgsettings} object */
	int64_t debugtype;		/* its debugtype (see bcd_debugtype_name), -1 if absent */
	struct bcd_param *params;	/* its other debugger elements, in id order */
	size_t n_params;
};

/* Fill *d (free with bcd_description_free, also after an error).  Reads
 * elements as stored on each object, without following inheritance.
 * Returns -1 only on read errors (reported with msg_error naming where). */
int bcd_describe(struct hive *h, const char *where, struct bcd_description *d);
void bcd_description_free(struct bcd_description *d);

/* ------------------------------------------------- parameter validation */

/*
 * Usable while parsing profiles, before any store is opened.  Each returns
 * true and the value, or false with a one-line reason in err that quotes
 * the text (no file or line: the caller knows those).
 */
bool bcd_parse_bool(const char *text, bool *out, char *err, size_t errlen);	/* yes/no/on/off/true/false/1/0 */
bool bcd_parse_integer(const char *text, uint64_t *out, char *err, size_t errlen); /* decimal or 0x-hex */
bool bcd_parse_element_id(const char *text, uint32_t *out, char *err, size_t errlen); /* "260000a0", "0x260000A0" */
bool bcd_parse_debugtype(const char *text, enum bcd_debugtype *out, char *err, size_t errlen);
bool bcd_parse_debugport(const char *text, uint32_t *out, char *err, size_t errlen);	/* 1-4294967295 */
bool bcd_parse_baudrate(const char *text, uint32_t *out, char *err, size_t errlen);	/* 9600 ... 115200, >= 230400 */
bool bcd_parse_channel(const char *text, uint32_t *out, char *err, size_t errlen);	/* 0-62 */
bool bcd_parse_hostip(const char *text, uint32_t *out, char *err, size_t errlen);	/* dotted IPv4 */
bool bcd_parse_netport(const char *text, uint32_t *out, char *err, size_t errlen);	/* 5364, 49152-65535 */
/* Four dot-separated base-36 groups, each at most 2^64-1; out gets the
 * lower-case form (needs strlen(text) + 1 bytes). */
bool bcd_parse_netkey(const char *text, char *out, size_t outlen, char *err, size_t errlen);
bool bcd_parse_bootstatuspolicy(const char *text, enum bcd_bootstatuspolicy *out,
				char *err, size_t errlen);

/* The whole dbgsettings: every given value valid and allowed for the type,
 * net has hostip and port (bcdedit requires both). */
bool bcd_dbgsettings_check(const struct bcd_dbgsettings *s, char *err, size_t errlen);

/* Can `text` be a value of element `id` (see bcd_set_element_text)?
 * Object names are checked for form only: a store is needed to resolve them. */
bool bcd_check_element_text(uint32_t id, const char *text, char *err, size_t errlen);

/* ---------------------------------------------------------------- editing */

/* `bcdedit /debug OBJECT on|off`: element 260000a0 on a Windows boot loader
 * (object type 0x10200003 only: boot managers, settings objects such as
 * {bootloadersettings} (0x20200003) and everything else are refused; NULL
 * object = "{default}"; "{all-loaders}" = every loader). */
int bcd_set_debug(struct bcd_ctx *c, const char *object, bool on);

/* `bcdedit /bootdebug OBJECT on|off`: element 16000010 on any boot
 * application (object type 0x10xxxxxx: boot managers, OS loaders, resume
 * loaders, memory diagnostics, firmware applications...; settings, device
 * and other objects are refused).  bcdedit's default object for /bootdebug
 * is {current}, which has no meaning offline: object must be given (NULL
 * is refused). */
int bcd_set_bootdebug(struct bcd_ctx *c, const char *object, bool on);

/* `bcdedit /ems OBJECT on|off`: element 260000b0 on a Windows boot loader
 * (object type 0x10200003 only; NULL object = "{default}"). */
int bcd_set_ems(struct bcd_ctx *c, const char *object, bool on);

/*
 * `bcdedit /emssettings EMSPORT:port [EMSBAUDRATE:baudrate]` on
 * {emssettings}: emsport (15000022) and emsbaudrate (15000023) end up
 * holding exactly what is given (0 = not given: the element is removed),
 * written as 8-byte integers; only real differences are written and
 * recorded, and {emssettings}' other elements (bootems) are left alone.
 * A baudrate must be one of the debugger's (see bcd_parse_baudrate) and,
 * as bcdedit requires, comes only with a port.  A store without an
 * {emssettings} object is refused (it is not created).
 */
int bcd_set_emssettings(struct bcd_ctx *c, uint32_t port, uint32_t baudrate);

/*
 * `bcdedit /dbgsettings ...` on {dbgsettings}: the debugger elements
 * (15000011-1500001b, 1600001c-1200001f, 15000021, 15000024) end up holding
 * exactly debugtype and the parameters given (plus dhcp = Yes for net);
 * only real differences are written and recorded.  A store without
 * {dbgsettings} is refused, as bcdedit refuses it, unless create_missing:
 * then the object is created (type 0x20100000) and added to the inherit
 * list of {globalsettings} (which must exist).
 */
int bcd_set_dbgsettings(struct bcd_ctx *c, const struct bcd_dbgsettings *s, bool create_missing);

/* `bcdedit /timeout N`: element 25000004 on a boot manager (NULL = "{bootmgr}"). */
int bcd_set_timeout(struct bcd_ctx *c, const char *object, uint64_t seconds);

/* `bcdedit /set OBJECT bootstatuspolicy P` (250000e0) on an OS loader or the
 * settings it inherits (type 0x10200003 or 0x20200003; NULL = "{default}"). */
int bcd_set_bootstatuspolicy(struct bcd_ctx *c, const char *object, enum bcd_bootstatuspolicy p);

/* `bcdedit /set OBJECT recoveryenabled yes|no` (16000009) on an application
 * or settings object (NULL = "{default}"). */
int bcd_set_recoveryenabled(struct bcd_ctx *c, const char *object, bool on);

/*
 * Set element `id` of `object` from text, encoded by the id's format:
 * integers decimal or 0x-hex; booleans yes/no/on/off/true/false/1/0;
 * strings as UTF-8 text; objects "{guid}" or an alias; object lists and
 * integer lists separated by spaces.  Objects named in the value must
 * exist in the store.  Device elements are refused (their binary form is
 * not something a profile can spell).  The object must be given (NULL is
 * refused); "{all-loaders}" sets the element on every loader.
 */
int bcd_set_element_text(struct bcd_ctx *c, const char *object, uint32_t id, const char *text);

#endif

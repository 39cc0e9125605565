/*
 * bcd_syntax.h - how Boot Configuration Data is spelled, without a store:
 * element ids and their formats, object aliases and element names, and
 * the parsers and checks that turn text (a profile's attributes) into
 * BCD values.  Nothing here opens a hive; targets/bcd.h reads and edits
 * stores with it.
 *
 * An element id's bits 27-24 are its format, which says how the value is
 * stored in the hive:
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
 * Objects are named by "{guid}" or by an alias ({bootmgr}, {dbgsettings},
 * {globalsettings}, {bootloadersettings}, {emssettings}, {ramdiskoptions},
 * {memdiag}, {fwbootmgr}, {badmemory}, {resumeloadersettings},
 * {hypervisorsettings}, and {default}: the object that {bootmgr}'s element
 * 23000003 names, which only a store can tell); braces may be left out,
 * names are matched without case.  "{all-loaders}" (BCD_ALL_LOADERS)
 * selects every Windows boot loader of a store (see targets/bcd.h).
 *
 * The text functions return true and the value, or false with a one-line
 * reason in err that quotes the text (no file or line: the caller knows
 * those).
 */
#ifndef WIMPATCH_BCD_SYNTAX_H
#define WIMPATCH_BCD_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/regval.h"

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

/* Elements the BCD module writes by name. */
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

/* The debugger elements (15000011-1500001b, 1600001c-1200001f, 15000021,
 * 15000024), in id order: what `bcdedit /dbgsettings` deletes before it
 * writes the new settings, and what `wimpatch show` lists. */
#define BCD_N_DBG_ELEMENTS 17
extern const uint32_t bcd_dbg_elements[BCD_N_DBG_ELEMENTS];

/* Object type of {dbgsettings} (and other library settings objects). */
#define BCD_TYPE_LIBRARY_SETTINGS	0x20100000u
/* Object type of a Windows boot loader (winload: "Windows Setup", "Windows 10"). */
#define BCD_TYPE_OS_LOADER		0x10200003u

/* The selector for every OS loader of a store (see targets/bcd.h). */
#define BCD_ALL_LOADERS			"{all-loaders}"

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

/* ------------------------------------------------------------ names */

/* "{bootmgr}" for its GUID (any case), NULL for GUIDs that have no alias. */
const char *bcd_alias(const char *guid);

/*
 * The bcdedit name of element `id` on an object of type `objtype` (pass 0
 * if unknown): application elements (ids 2xxxxxxx) mean different things
 * for boot managers and OS loaders.  NULL when the element has no known name.
 */
const char *bcd_element_name(uint32_t id, uint32_t objtype);

/*
 * The application type whose elements an object of type `objtype` holds:
 * 1 firmware boot manager, 2 boot manager, 3 OS loader, 4 resume loader...
 * Application objects are 0x1TAAAAAA (T image type, A application type);
 * settings objects inheritable by one application type are 0x202AAAAA.
 * 0 for every other object.
 */
uint32_t bcd_app_type(uint32_t objtype);

/* "Serial", "1394", "USB", "Net", "Local"; NULL for other numbers. */
const char *bcd_debugtype_name(uint64_t type);
/* "DisplayAllFailures", ...; NULL for other numbers. */
const char *bcd_bootstatuspolicy_name(uint64_t policy);

/* "{XXXXXXXX-...}" or the same without braces -> lower case with braces
 * in out; false (out undefined) if `s` is not a GUID. */
bool bcd_normalize_guid(const char *s, char out[BCD_GUID_LEN + 1]);

/* What an object name names, as far as its form tells. */
enum bcd_name {
	BCD_NAME_BAD,			/* neither a GUID nor an alias */
	BCD_NAME_CURRENT,		/* {current}: no meaning offline */
	BCD_NAME_GUID,			/* a GUID or an alias of one */
	BCD_NAME_DEFAULT,		/* {default}: a store says which object */
	BCD_NAME_ALL_LOADERS,		/* {all-loaders}: several objects */
};

/*
 * Classify an object name ("{GUID}", a GUID without braces, or an alias
 * with or without braces, any case).  BCD_NAME_GUID puts the lower-case
 * "{guid}" in guid; BCD_NAME_BAD and BCD_NAME_CURRENT put the reason in
 * err (the words bcd_resolve_object uses); the others touch neither.
 */
enum bcd_name bcd_parse_object_name(const char *name, char guid[BCD_GUID_LEN + 1], char *err,
				    size_t errlen);

/* ------------------------------------------------- parameter validation */

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

/* A baud rate the debugger (and EMS) accepts: what bcd_parse_baudrate
 * checks after parsing. */
bool bcd_baudrate_ok(uint64_t v, char *err, size_t errlen);

/* The whole dbgsettings: every given value valid and allowed for the type,
 * net has hostip and port (bcdedit requires both). */
bool bcd_dbgsettings_check(const struct bcd_dbgsettings *s, char *err, size_t errlen);

/* ------------------------------------------------------------ values */

/* `v` (not initialised) becomes an integer (8 bytes) or a boolean (1
 * byte) as bcdedit writes them; false when out of memory. */
bool bcd_encode_integer(struct regval *v, uint64_t x);
bool bcd_encode_bool(struct regval *v, bool on);

/*
 * How an object named in a value becomes the "{guid}" written: given the
 * name (without surrounding space) and `arg`, true and the GUID, or false
 * with a reason in err.  A store resolves names this way and requires the
 * object to exist (targets/bcd_edit.c).
 */
typedef bool bcd_object_fn(void *arg, const char *name, char guid[BCD_GUID_LEN + 1], char *err,
			   size_t errlen);

/*
 * Encode `text` as a value of element `id` (see bcd_set_element_text in
 * targets/bcd.h for the forms) into *out (free with regval_free).  Object
 * names in it go through `object`; NULL checks them for form only
 * ({default} is then accepted as it is).
 */
bool bcd_encode_element_text(uint32_t id, const char *text, bcd_object_fn *object, void *arg,
			     struct regval *out, char *err, size_t errlen);

/* Can `text` be a value of element `id` (see bcd_set_element_text)?
 * Object names are checked for form only: a store is needed to resolve them. */
bool bcd_check_element_text(uint32_t id, const char *text, char *err, size_t errlen);

/* -------------------------------- helpers the BCD files share (targets too) */

/* Write a reason into err, snprintf-style; returns false. */
bool bcd_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

/*
 * bcd.h - Boot Configuration Data stores (\boot\BCD, \EFI\Microsoft\Boot\BCD),
 * read and edited the way `bcdedit /store` does, through the hive API.
 *
 * A BCD store is a registry hive whose root (named "System" on install
 * media, "NewStoreRoot" in stores bcdedit makes, anything in principle)
 * holds a Description key and an Objects key.  Every object is a key
 * Objects\{guid} with Description\Type (REG_DWORD, the object type) and
 * Elements\<id>\Element, one subkey per element, named by the element id
 * in 8 lower-case hex digits, whose format (bits 27-24) says how the
 * value is stored (see core/bcd_syntax.h, which also names the aliases).
 * Names are matched without case when reading; GUIDs and element key names
 * are written in lower case.
 *
 * The store functions are implemented in bcd_read.c (checking a store,
 * resolving objects, listing loaders), bcd_describe.c (bcd_describe) and
 * bcd_edit.c (the setters); what they share is in bcd_int.h.
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

#include "adapters/hive.h"
#include "core/bcd_syntax.h"
#include "core/change.h"
#include "core/show_report.h"

/* Where edits go and how they are reported. */
struct bcd_ctx {
	struct hive *h;			/* opened HIVE_WRITABLE */
	const char *where;		/* names the store in messages ("media: boot/BCD") */
	struct changelist *out;		/* every edit is appended here */
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
 * Returns 0, or -1 with a reason in err.  (bcd_parse_object_name checks
 * names for form without a store.)
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

/* ------------------------------------------------------------- describing */

/* What `wimpatch show` prints about a store (struct bcd_description is
 * core/show_report.h's, so that the reports can speak it).
 * Fill *d (free with bcd_description_free, also after an error).  Reads
 * elements as stored on each object, without following inheritance.
 * Returns -1 only on read errors (reported with msg_error naming where). */
int bcd_describe(struct hive *h, const char *where, struct bcd_description *d);
void bcd_description_free(struct bcd_description *d);

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

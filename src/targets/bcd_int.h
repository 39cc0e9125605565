/*
 * bcd_int.h - what the files of the BCD store module (bcd_read.c,
 * bcd_describe.c, bcd_edit.c) share, grouped by the file that defines it.
 * Private to the module: the rest of the project speaks targets/bcd.h and
 * core/bcd_syntax.h.
 *
 * The reading functions here report nothing: they return -1 with a
 * one-line reason in err that names the key (its stored spelling, from
 * the root: "Objects\{...}\Elements").  Paths they hand back are malloc'd.
 */
#ifndef WIMPATCH_BCD_INT_H
#define WIMPATCH_BCD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adapters/hive.h"
#include "core/bcd_syntax.h"
#include "core/regval.h"
#include "targets/bcd.h"

/* Key and value names of a store. */
#define OBJECTS "Objects"
#define DESCRIPTION "Description"
#define ELEMENTS "Elements"
#define ELEMENT "Element"

#define BOOTMGR_GUID "{9dea862c-5cdd-4e70-acc1-f32b344d4795}"
#define DBGSETTINGS_GUID "{4636856e-540f-4170-a130-a84776f4c654}"
#define GLOBALSETTINGS_GUID "{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}"
#define EMSSETTINGS_GUID "{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}"

typedef char guid_buf[BCD_GUID_LEN + 1];

/* ------------------------------------------------------------ bcd_read.c */

/* msg_error("out of memory"); returns -1. */
int bcd_oom(void);
/* vasprintf's string, or NULL. */
char *bcd_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Element values as stored (false / NULL / -1: not in that form). */
char *bcd_sz_text(const struct regval *v);		/* REG_SZ as UTF-8, malloc'd */
bool bcd_multi_items(const struct regval *v, char ***items, size_t *n); /* REG_MULTI_SZ */
bool bcd_dword_value(const struct regval *v, uint32_t *out);	/* Description\Type */
bool bcd_int_value(const struct regval *v, uint64_t *out);	/* integer, 1-8 bytes */
int bcd_bool_value(const struct regval *v);			/* boolean: 0 or 1 */

/* Child `name` of (parent, ppath): *out = 0 when there is none; else *path
 * is its stored path from the root. */
int bcd_child(struct hive *h, hive_node parent, const char *ppath, const char *name,
	      hive_node *out, char **path, char *err, size_t errlen);
/* Value `name` of n (at path): *found, *v, and *stored (its stored name) if
 * stored is not NULL. */
int bcd_get_value(struct hive *h, hive_node n, const char *path, const char *name,
		  struct regval *v, char **stored, bool *found, char *err, size_t errlen);
/* The Objects key (missing: an error, which the store check excludes). */
int bcd_objects_key(struct hive *h, hive_node *out, char **path, char *err, size_t errlen);
/* Object `guid`: *node = 0 when the store has none. */
int bcd_lookup_object(struct hive *h, const char *guid, hive_node *node, char **path,
		      char *err, size_t errlen);
/* Element `id` of the object at (obj, opath): *ekey = 0 when it has none;
 * *found tells whether its Element value exists (then *v holds it). */
int bcd_read_element(struct hive *h, hive_node obj, const char *opath, uint32_t id,
		     hive_node *ekey, char **epath, struct regval *v, char **stored,
		     bool *found, char *err, size_t errlen);
/* Just the value of element `id` of object `guid` (absent object: not found). */
int bcd_element_of(struct hive *h, const char *guid, uint32_t id, struct regval *v,
		   bool *found, char *err, size_t errlen);
/* {default}: 0 and the GUID; 1 with the reason when {bootmgr} names none;
 * -1 on read errors. */
int bcd_read_default(struct hive *h, char out[BCD_GUID_LEN + 1], char *err, size_t errlen);
/* Every object of type 0x10200003, sorted (see bcd_os_loaders). */
int bcd_list_loaders(struct hive *h, guid_buf **out, size_t *n, char *err, size_t errlen);

/* -------------------------------------------------------- bcd_describe.c */

/*
 * An element value as bcdedit shows it: integers in decimal (debugtype,
 * bootstatuspolicy by name, hostip dotted), Yes/No, objects by alias.
 * Strings are quoted when `quote`.  NULL value: "(none)".  malloc'd.
 */
char *bcd_value_text(uint32_t id, const struct regval *v, bool quote);
/* "debugport" or "element 0x15000021", for notes. */
void bcd_note_name(char *buf, size_t n, uint32_t id, uint32_t objtype);

#endif

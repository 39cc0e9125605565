/*
 * plan.h - what the profiles ask for, in the project's own terms.
 *
 * Profiles (XML) are parsed into a plan: an ordered list of rules.  A rule
 * says where it applies (WIM role, images, hive) and holds an ordered list
 * of operations on keys and values.  Nothing in here knows about libxml2,
 * hivex or wimlib.
 */
#ifndef WIMPATCH_PLAN_H
#define WIMPATCH_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/regval.h"

/* What an image is used for.  boot.wim holds the setup environment
 * (Windows PE), install.wim/esd the system that gets installed. */
enum role {
	ROLE_ANY = 0,		/* in a rule: matches every image */
	ROLE_SETUP,		/* setup environment, boot.wim, INSTALLATIONTYPE WindowsPE */
	ROLE_INSTALLED,		/* installed system, install.wim/esd */
	ROLE_UNKNOWN,		/* of an image: could not be told */
};

const char *role_name(enum role r);

/* The deletes and OP_CLEAR_VALUES do nothing, and record nothing, when
 * what they name is absent (tests/unit-engine.c). */
enum op_kind {
	OP_CREATE_KEY,
	OP_SET_VALUE,
	OP_DELETE_VALUE,
	OP_DELETE_KEY,		/* the key and its whole subtree */
	OP_CLEAR_VALUES,	/* every value of the key, subkeys kept */
};

const char *op_kind_name(enum op_kind k);

struct op {
	enum op_kind kind;
	char *key;		/* backslash-separated, relative to the hive root,
				   may start with CurrentControlSet */
	char *name;		/* value name ("" = default value); NULL for key ops */
	struct regval value;	/* OP_SET_VALUE only */
	char *src_file;		/* profile file and line the op came from */
	int src_line;
};

/* Which images of a WIM a rule applies to. */
struct image_sel {
	bool all;
	int *indices;		/* 1-based */
	size_t n_indices;
	char *name_glob;	/* fnmatch(3) pattern on the image name, or NULL */
};

struct rule {
	char *profile;		/* name of the profile that holds the rule */
	char *src_file;
	int src_line;
	char *id;		/* optional id attribute, for messages */
	enum role role;
	struct image_sel images;
	char *hive;		/* path inside the image, '/'-separated,
				   e.g. "Windows/System32/config/SYSTEM" */
	bool all_control_sets;	/* CurrentControlSet -> every ControlSet00N */
	struct op *ops;
	size_t n_ops;
};

/* BCD rules: bcdedit-equivalent edits of boot/bcd and efi/.../bcd. */
enum bcd_op_kind {
	BOP_DEBUG,		/* /debug OBJECT on|off */
	BOP_BOOTDEBUG,		/* /bootdebug OBJECT on|off */
	BOP_EMS,		/* /ems OBJECT on|off */
	BOP_EMSSETTINGS,	/* /emssettings port baudrate */
	BOP_DBGSETTINGS,	/* /dbgsettings TYPE params */
	BOP_TIMEOUT,		/* /timeout N */
	BOP_BOOTSTATUSPOLICY,	/* /set OBJECT bootstatuspolicy P */
	BOP_RECOVERYENABLED,	/* /set OBJECT recoveryenabled on|off */
	BOP_SET_ELEMENT,	/* /set OBJECT <element id> value */
	BOP_HIVE_OPS,		/* registry operations on the store as a hive
				   (`hive_ops`): what wimpatch undo puts back */
};

const char *bcd_op_kind_name(enum bcd_op_kind k);

struct bcd_op {
	enum bcd_op_kind kind;
	char *object;		/* "{default}", "{bootmgr}", "{guid}", "{all-loaders}"
				   or NULL for the operation's usual object */
	bool on;		/* debug, bootdebug, ems, recoveryenabled */
	unsigned long long number;	/* timeout seconds, bootstatuspolicy */
	unsigned element;	/* set-element: the element id */
	char *text;		/* set-element: the value as text */
	/* dbgsettings (what bcdedit /dbgsettings is given; 0/NULL = not given) */
	int dbg_type;		/* 0 serial, 1 1394, 2 usb, 3 net, 4 local */
	unsigned debugport, baudrate, channel, hostip, netport;
	bool has_channel, has_hostip;
	char *targetname, *netkey;
	bool create_missing;	/* create {dbgsettings} if the store lacks it */
	/* emssettings */
	unsigned ems_port, ems_baudrate;
	struct rule *hive_ops;	/* BOP_HIVE_OPS: its ops, keys from the store's
				   root (owned; its hive and images unused) */
	char *src_file;
	int src_line;
};

enum bcd_store_sel {
	BCD_STORE_ANY = 0,
	BCD_STORE_BIOS,		/* boot/bcd */
	BCD_STORE_EFI,		/* efi/microsoft/boot/bcd */
};

struct bcd_rule {
	char *profile;
	char *src_file;
	int src_line;
	char *id;
	enum bcd_store_sel store;
	struct bcd_op *ops;
	size_t n_ops;
};

struct profile_info {
	char *name;
	char *file;
	char *description;
	char *params;		/* "hostip (ipv4, required), port (port, default 50000)",
				   or NULL when it declares none */
	char *param_names;	/* "hostip port": the same names, space-separated
				   (a name has no space), or NULL */
};

/* Medium-level operations (<file>, <remove-file>, <boot>): on the files of
 * an installation medium (a tree or an ISO image) beside the WIMs, not
 * inside them.  Paths are the medium's, '/'-separated, no leading '/',
 * no "." or ".." component (profile_media.c refuses those). */
enum media_op_kind {
	MOP_PUT_FILE,		/* add or replace `path` with the bytes of `from` */
	MOP_PUT_DIR,		/* every file under the directory `from`, below `path` */
	MOP_REMOVE,		/* remove the file `path` (nothing when it is absent) */
};

const char *media_op_kind_name(enum media_op_kind k);

struct media_op {
	enum media_op_kind kind;
	char *path;		/* on the medium, matched without regard to case */
	char *from;		/* MOP_PUT_*: the source on the local disk, as a
				   path that opens from the current directory */
	char *profile;		/* the profile, file and line the op came from */
	char *src_file;
	int src_line;
	char *expect;		/* wimpatch undo's: the SHA-256 the medium's file
				   must have (what the run being undone wrote);
				   NULL = no such check */
	bool expect_absent;	/* wimpatch undo's: the file must not be there
				   (the run being undone removed it) */
};

/* What <boot> asks for.  On an ISO image: efi_noprompt points the UEFI El
 * Torito entry at efi/microsoft/boot/efisys_noprompt.bin; bios_noprompt
 * removes boot/bootfix.bin (an MOP_REMOVE the parser adds).  wimpatch
 * undo's: efi_back points the entry back at the file it loaded before a
 * run switched it, if it loads efi_expect (what the run left) now. */
struct media_plan {
	struct media_op *ops;
	size_t n_ops;
	bool efi_noprompt;
	bool bios_noprompt;
	char *efi_back, *efi_expect;	/* medium paths, or NULL */
	char *boot_src_file;	/* where the <boot> asking for efi_noprompt stands
				   (for efi_back: the undo record) */
	int boot_src_line;
};

/* Appends a zeroed op, or NULL on allocation failure. */
struct media_op *media_plan_add_op(struct media_plan *m);
/* Moves every op of `from` to the end of `to` (from is left empty).
 * 0, or -1 on allocation failure (both unchanged). */
int media_plan_take(struct media_plan *to, struct media_plan *from);
void media_plan_free(struct media_plan *m);
/* Does the plan do anything to a medium's files or boot? */
bool media_plan_any(const struct media_plan *m);

/*
 * Image-level operations (<image-file>, <editions>): on the files and the
 * images of a WIM rather than on a hive.  Their own struct, so that the
 * registry rules above stay as they are.
 */
struct image_file_op {
	char *profile;
	char *src_file;
	int src_line;
	enum role role;
	struct image_sel images;
	char *path;		/* in the image: '/'-separated, no leading '/',
				   no "", "." or ".." component */
	char *from;		/* the local file, as the profile's directory makes it;
				   NULL when `remove` */
	/* wimpatch undo's own (no profile element makes them): */
	bool remove;		/* delete `path` from the image */
	char *expect;		/* the SHA-256 the image's file must have before
				   (what the run being undone wrote); NULL = no
				   such check */
};

/* <editions>: which images of install.wim/esd stay.  An image is dropped
 * when a keep selection of any <editions> does not select it, or a drop
 * selection does. */
struct editions_op {
	char *profile;
	char *src_file;
	int src_line;
	bool keep;		/* sel names what stays (else what goes) */
	struct image_sel sel;
};

struct image_plan {
	struct image_file_op *files;
	size_t n_files;
	struct editions_op *editions;
	size_t n_editions;
};

struct plan {
	struct media_plan media;	/* medium files and boot (plan_media.c) */
	struct image_plan img;	/* core/plan_image.c */
	struct rule *rules;
	size_t n_rules;
	struct bcd_rule *bcd_rules;
	size_t n_bcd_rules;
	struct profile_info *profiles;	/* every profile loaded, includes too */
	size_t n_profiles;
};

void plan_init(struct plan *p);
void plan_free(struct plan *p);
/* Appends a zeroed rule and returns it, or NULL on allocation failure. */
struct rule *plan_add_rule(struct plan *p);
/* Appends a zeroed op to the rule and returns it, or NULL. */
struct op *rule_add_op(struct rule *r);

/* A zeroed rule that belongs to no plan (BOP_HIVE_OPS), or NULL. */
struct rule *rule_new(void);
/* Appends a zeroed BCD rule / op, or NULL on allocation failure. */
struct bcd_rule *plan_add_bcd_rule(struct plan *p);
struct bcd_op *bcd_rule_add_op(struct bcd_rule *r);

/* Does the rule select image `index` (1-based) named `name` with role `role`? */
bool rule_matches_image(const struct rule *r, int index, const char *name,
			enum role role);

/* Does the selection (with its role) take image `index` named `name` with
 * role `role`?  As rule_matches_image. */
bool sel_matches_image(enum role sel_role, const struct image_sel *sel, int index,
		       const char *name, enum role role);
/* Appends a zeroed image-file op / editions op, or NULL on allocation failure. */
struct image_file_op *plan_add_image_file(struct plan *p);
struct editions_op *plan_add_editions(struct plan *p);
void image_plan_free(struct image_plan *ip);
/* Move what `from` holds to the end of `to` (all or nothing): 0, or -1
 * for want of memory (then nothing moved). */
int image_plan_take(struct image_plan *to, struct image_plan *from);
/* Does the plan hold image-level operations? */
bool plan_has_image_ops(const struct plan *p);

/* The default hive a rule edits when it names none. */
#define DEFAULT_HIVE "Windows/System32/config/SYSTEM"

/*
 * Normalise a hive attribute: "SYSTEM" -> "Windows/System32/config/SYSTEM",
 * backslashes to slashes, no leading slash.  Refuses ".." components and
 * empty names.  Returns malloc'd string or NULL (with reason in err).
 */
char *hive_path_normalise(const char *in, char *err, size_t errlen);

/* The .reg-style root for a hive path: ".../config/SYSTEM" ->
 * "HKEY_LOCAL_MACHINE\\SYSTEM", DEFAULT -> "HKEY_USERS\\.DEFAULT",
 * NTUSER.DAT (Users/Default/NTUSER.DAT: every new user's) ->
 * "HKEY_CURRENT_USER", USRCLASS.DAT -> "HKEY_CURRENT_USER\\Software\\Classes";
 * other files use their base name under HKEY_LOCAL_MACHINE.  malloc'd. */
char *reg_root_for(const char *hive_path);
/* The way back, for a bare hive's undo: the hive's file name for a root
 * reg_root_for gives ("HKEY_CURRENT_USER" -> "NTUSER.DAT",
 * "HKEY_LOCAL_MACHINE\\SYSTEM" -> "SYSTEM"); points into `root` or a
 * constant. */
const char *hive_name_for_root(const char *root);

#endif

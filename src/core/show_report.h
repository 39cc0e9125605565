/*
 * show_report.h - what `wimpatch show` finds in a target, one piece at a
 * time (an ISO image or a tree, each WIM with its images, each BCD store,
 * a bare hive), and its rendering as text.  The JSON rendering of the
 * same pieces is in adapters/json_report.c; targets/show.c finds them.
 */
#ifndef WIMPATCH_SHOW_REPORT_H
#define WIMPATCH_SHOW_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/bcd_syntax.h"
#include "core/plan.h"
#include "core/report.h"

/* What a SYSTEM hive says about the settings the shipped profiles touch. */
struct system_state {
	char control_set[16];	/* "ControlSet001", "" if unresolved */
	long crash_dump;	/* CrashDumpEnabled, -1 if absent */
	long boot_filters;	/* values under BFE ...\BootTime\Filter, -1 if no key */
	bool paging_files_set;	/* PagingFiles present and non-empty */
	bool paging_files_present;
	bool msiscsi;		/* Services\msiscsi exists */
	unsigned lab_bypass;	/* Setup\LabConfig Bypass...Check values that are 1
				   (win11-bypass-checks), bit k: labconfig_checks[k] */
	bool dirty;		/* the hive's sequence numbers differ: Windows
				   replays its transaction logs at load, so
				   what it holds may be out of date */
};

enum exposure {
	EXPOSED,		/* crash dumps on and boot-time filters present */
	PATCHED,		/* crash dumps off and no boot-time filters */
	PARTLY_PATCHED,		/* one of the two remedies (either avoids the crash) */
	NOT_AFFECTED,		/* older than Windows 10 */
};

/* The LabConfig values setup reads ("BypassTPMCheck", ...), in bit order,
 * and how many there are. */
extern const char *const labconfig_checks[];
#define LABCONFIG_CHECKS 5

/* The verdict as a sentence, and as a word ("exposed", "partly-patched"). */
const char *exposure_text(enum exposure e);
const char *exposure_name(enum exposure e);

/* What `show` says about a BCD store (targets/bcd.h fills it). */
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

/* One image of a WIM. */
struct shown_image {
	int index;			/* 1-based */
	const char *name, *edition, *build, *arch;	/* NULL: not in the XML */
	enum role role;
	const char *hive;		/* its SYSTEM hive as stored, or NULL */
	bool no_hive;			/* the image has no SYSTEM hive */
	bool has_state;			/* st and exposure were read from the hive */
	struct system_state st;
	enum exposure exposure;
};

enum shown_kind {
	SHOWN_ISO,		/* an ISO image of a medium; its files follow */
	SHOWN_TREE,		/* an installation tree; its files follow */
	SHOWN_WIM,
	SHOWN_BCD,
	SHOWN_HIVE,
};

/* One piece.  What a failed read could not give is NULL (or absent from
 * the images): the error says why. */
struct shown {
	enum shown_kind kind;
	const char *path;		/* as named to the user ("X.iso/sources/boot.wim") */
	/* SHOWN_ISO */
	bool udf;
	const char *label, *boot_text;
	const struct report_boot *boot;
	size_t n_boot;
	/* SHOWN_WIM */
	int image_count, boot_index;
	unsigned parts;			/* of a split set; 0 when not split */
	const struct shown_image *images;	/* as far as they were read */
	size_t n_images;
	/* SHOWN_BCD */
	enum bcd_store_sel store;	/* BCD_STORE_ANY: a store on its own */
	const struct bcd_description *bcd;
	/* SHOWN_HIVE */
	const char *hive_kind;		/* "SYSTEM", "SOFTWARE", ... (targets/hivekind.h) */
	const char *hive_kind_source;	/* what told: "its keys", ... */
	const struct system_state *state;	/* a SYSTEM hive's; NULL for others */
	enum exposure exposure;
	/* Not a SYSTEM hive: the rules of the profiles there are that edit
	 * a hive of its kind. */
	const struct rule *const *rules;
	size_t n_rules;
};

/* The piece as `show` prints it. */
void shown_print(FILE *out, const struct shown *s);

#endif

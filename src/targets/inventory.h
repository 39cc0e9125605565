/*
 * inventory.h - what an image's SYSTEM hive says about the settings the
 * shipped profiles touch, for "wimpatch show".
 */
#ifndef WIMPATCH_INVENTORY_H
#define WIMPATCH_INVENTORY_H

#include <stdbool.h>

struct system_state {
	char control_set[16];	/* "ControlSet001", "" if unresolved */
	long crash_dump;	/* CrashDumpEnabled, -1 if absent */
	long boot_filters;	/* values under BFE ...\BootTime\Filter, -1 if no key */
	bool paging_files_set;	/* PagingFiles present and non-empty */
	bool paging_files_present;
	bool msiscsi;		/* Services\msiscsi exists */
};

/* Read a SYSTEM hive file (read-only; dirty hives accepted).  Returns 0,
 * or -1 with the reason reported naming `where`. */
int inventory_read_system(const char *path, const char *where, struct system_state *st);

enum exposure {
	EXPOSED,		/* crash dumps on and boot-time filters present */
	PATCHED,		/* crash dumps off and no boot-time filters */
	PARTLY_PATCHED,		/* one of the two remedies (either avoids the crash) */
	NOT_AFFECTED,		/* older than Windows 10 */
};

/* The verdict for an image of the given build (0 = unknown). */
enum exposure inventory_exposure(const struct system_state *st, long build);
const char *exposure_text(enum exposure e);

#endif

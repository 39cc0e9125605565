/*
 * report.h - the results of a run, per file, per image, per hive, and
 * their rendering as text.
 */
#ifndef WIMPATCH_REPORT_H
#define WIMPATCH_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/change.h"
#include "core/plan.h"
#include "core/report_image.h"

/* A transaction log beside a written hive (SYSTEM.LOG1...) and what was
 * done with it (targets/hivelogs.h says why). */
struct hive_log {
	char *name;		/* the file, or its path in the image */
	char *at;		/* the file as opened (a tree being made: not
				   where the user finds it), or NULL */
	uint64_t size;		/* its size before the run */
	bool regf;		/* it held a base block, */
	uint32_t seq1, seq2;	/* with these sequence numbers */
	const char *action;	/* "emptied", "to empty" (a dry run), "empty",
				   "no data" (at most a base block: left) */
};
#define HIVE_LOGS_MAX 3		/* NAME.LOG, NAME.LOG1, NAME.LOG2 */

/* The changes made (or pending) in one hive of one image. */
struct hive_report {
	int image;		/* 1-based; 0 for a bare hive file */
	char *image_name;
	enum role role;
	char *hive;		/* path inside the image as stored, or the file */
	char *reg_root;		/* "HKEY_LOCAL_MACHINE\SYSTEM" etc. for display */
	bool bcd;		/* a BCD store: changes carry notes in BCD terms */
	struct changelist changes;
	bool was_dirty;		/* its sequence numbers differed (--allow-dirty) */
	struct hive_log logs[HIVE_LOGS_MAX];	/* the logs beside it, when written */
	size_t n_logs;
};

enum file_status {
	FILE_UNCHANGED,		/* nothing to do; not written */
	FILE_PENDING,		/* dry run: would be written */
	FILE_WRITTEN,		/* written and verified */
	FILE_COPIED,		/* -o with nothing to change: copied as is */
};

/* An El Torito boot entry of an ISO image. */
struct report_boot {
	const char *platform;	/* "bios", "uefi" or "other" */
	unsigned platform_id;	/* El Torito's: 0 x86 BIOS, 0xEF UEFI */
	bool bootable, no_emulation;
	unsigned load_sectors;	/* 512-byte sectors loaded (BIOS) */
	const char *image;	/* the boot image's path in the tree, or NULL */
};

/*
 * An ISO image target as a whole: the new image made from it (apply), or
 * what it would be made with (diff).  Its files have their own reports.
 */
struct iso_report {
	const char *route;	/* how the image is made: "in-place" (a copy of
				   the source with only the changes written),
				   "copy" (nothing to change), "rebuild"
				   (extracted, patched as a tree, written anew) */
	const char *route_reason;	/* why it was rebuilt, when in place was asked */
	uint64_t bytes_written;	/* "in-place": the bytes written into the copy */
	size_t n_edited;	/* "in-place": the files rewritten */
	bool failed;		/* no new image (the error says why) */
	uint64_t size;		/* of the new image; 0 unless written */
	char sha256[65];	/* of the new image, hex; "" unless written */
	const char *label;
	const char *filesystems;	/* "UDF + ISO 9660/Joliet"; NULL unless written */
	const char *boot_text;	/* "BIOS (no emulation, 8 sectors), UEFI (...)" */
	struct report_boot boot[8];
	size_t n_boot;
	size_t entries;		/* files and directories written */
	size_t n_removed;	/* in place: files taken out of the source's listing */
	const char *split_from, *split_to;	/* --split-swm: install.wim, install.swm */
	unsigned split_parts;
	uint64_t split_max;
	const char *const *checks;	/* the verification done, in order */
	size_t n_checks;
};

/* A file of the medium added, replaced or removed by the plan's medium
 * operations, or the boot entry switched ("boot": `path` is the new boot
 * image, `old_path` the one it replaces). */
/* The most bytes of a replaced or removed file (inside an image, or of
 * the medium) an undo file keeps, in base64, for wimpatch undo. */
#define UNDO_OLD_BYTES_MAX (64u * 1024u)

struct media_file_change {
	const char *action;	/* "add", "replace", "remove", "boot" */
	char *path;		/* on the medium, as it is (or will be) stored */
	char *old_path;		/* "boot": the boot image the entry had */
	char *from;		/* "add"/"replace": the local file */
	uint64_t size;		/* the new bytes ("remove": 0) */
	uint64_t old_size;	/* the old bytes ("add": 0) */
	char sha256[65];	/* hex; "" when there are none */
	char old_sha256[65];
	char *old_b64;		/* "replace"/"remove": the old bytes in base64 when
				   at most UNDO_OLD_BYTES_MAX, else NULL */
	const char *profile;	/* the op's, borrowed from the plan */
	const char *src_file;
	int src_line;
};

struct file_report {
	char *path;
	char *output;		/* where it was written (NULL = in place) */
	const char *kind;	/* "wim", "hive", "bcd" or "iso" */
	enum file_status status;
	struct hive_report *hives;
	size_t n_hives, a_hives;
	const struct iso_report *iso;	/* kind "iso": the image as a whole
					   (no hives; not freed here) */
	bool undo_recorded;	/* what undoes it is written (at its commit point) */
	const struct media_file_change *media;	/* kind "medium": the medium's
						   files changed (not freed here, */
	size_t n_media;
	struct media_file_change *own_media;	/* but for a copy's: its own) */
	/* A WIM: files added or replaced inside images, images dropped
	 * (core/report_image.h). */
	struct image_file_report *files;
	size_t n_files, a_files;
	struct editions_report editions;
};

/* Appends a zeroed hive report; NULL on OOM. */
struct hive_report *file_report_add(struct file_report *fr);
/* Appends a zeroed image file report; NULL on OOM. */
struct image_file_report *file_report_add_file(struct file_report *fr);
/* Every change: hive edits, files added or replaced, images dropped. */
size_t file_report_changes(const struct file_report *fr);
void file_report_free(struct file_report *fr);
/* A deep copy of `src` into `dst` (its iso pointer shared, as it is not
 * owned; its medium changes its own): false on OOM, with `dst` freed. */
bool file_report_copy(struct file_report *dst, const struct file_report *src);


/* The readable, .reg-like diff of one file, as `diff` prints it; for an
 * ISO image written anew, one line saying what it is. */
void report_print(FILE *out, const struct file_report *fr);

#endif

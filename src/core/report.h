/*
 * report.h - the results of a run, per file, per image, per hive, and
 * their rendering as text.
 */
#ifndef WIMPATCH_REPORT_H
#define WIMPATCH_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "core/change.h"
#include "core/plan.h"

/* The changes made (or pending) in one hive of one image. */
struct hive_report {
	int image;		/* 1-based; 0 for a bare hive file */
	char *image_name;
	enum role role;
	char *hive;		/* path inside the image as stored, or the file */
	char *reg_root;		/* "HKEY_LOCAL_MACHINE\SYSTEM" etc. for display */
	bool bcd;		/* a BCD store: changes carry notes in BCD terms */
	struct changelist changes;
};

enum file_status {
	FILE_UNCHANGED,		/* nothing to do; not written */
	FILE_PENDING,		/* dry run: would be written */
	FILE_WRITTEN,		/* written and verified */
	FILE_COPIED,		/* -o with nothing to change: copied as is */
};

struct file_report {
	char *path;
	char *output;		/* where it was written (NULL = in place) */
	const char *kind;	/* "wim", "hive" or "bcd" */
	enum file_status status;
	struct hive_report *hives;
	size_t n_hives, a_hives;
};

/* Appends a zeroed hive report; NULL on OOM. */
struct hive_report *file_report_add(struct file_report *fr);
size_t file_report_changes(const struct file_report *fr);
void file_report_free(struct file_report *fr);


/* The readable, .reg-like diff of one file, as `diff` prints it. */
void report_print(FILE *out, const struct file_report *fr);

#endif

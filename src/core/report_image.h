/*
 * report_image.h - what the image-level operations did (or would do) to
 * a WIM: files added or replaced inside images (<image-file>; removed by
 * wimpatch undo) and images
 * dropped (<editions>), and their rendering in the diff.  Part of a
 * file_report (core/report.h).
 */
#ifndef WIMPATCH_REPORT_IMAGE_H
#define WIMPATCH_REPORT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/plan.h"

/* A replaced file's old bytes are kept in the undo file up to this size. */

struct image_file_report {
	int image;		/* 1-based, as the input numbers it */
	char *image_name;
	enum role role;
	char *path;		/* in the image, as it spells it (a new file: its
				   existing directories so, the rest as given) */
	char *from;		/* the local file it came from */
	bool added;		/* a new file; else an existing one replaced */
	bool removed;		/* an existing file deleted (wimpatch undo of an
				   added one): size and sha256 unset, from NULL */
	uint64_t size;
	char sha256[65];
	uint64_t old_size;	/* replaced: what it was */
	char old_sha256[65];
	char *meta;		/* what its metadata is: a new file's security
				   descriptor and attributes, or "kept" */
	char *old_b64;		/* replaced, at most UNDO_OLD_BYTES_MAX bytes:
				   its old bytes as base64; NULL if bigger */
};

struct edition_entry {
	int index;		/* as the input numbers it */
	char *name;
	bool dropped;
};

struct editions_report {
	bool applies;		/* <editions> took this WIM */
	struct edition_entry *images;
	size_t n_images;
	size_t n_dropped;
	int boot_before, boot_after;
};

void image_file_report_free(struct image_file_report *r);
void editions_report_free(struct editions_report *e);

/* The diff's lines for them, after the hives' (report_print). */
void report_print_image_files(FILE *out, const char *path, const struct image_file_report *v,
			      size_t n);
void report_print_editions(FILE *out, const char *path, const struct editions_report *e);

#endif

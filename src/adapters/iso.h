/*
 * iso.h - ISO images (.iso files) of Windows installation media, read and
 * written without mounting anything and without root.
 *
 * - Recognised by content: an ISO 9660 volume descriptor ("CD001") or a
 *   UDF volume recognition sequence ("BEA01", "NSR02/03") at 32 KiB.  The
 *   volume label, the size the volume claims (a shorter file is
 *   truncated) and the El Torito boot catalog are read here directly.
 * - Files are listed and extracted with 7-Zip (`7zz` from Debian's 7zip,
 *   or `7z`), from the UDF file system when there is one: Windows media
 *   keep their files there.
 * - A tree is written back with genisoimage (UDF 1.02 + ISO 9660 level 3
 *   with Rock Ridge and Joliet, so that files over 4 GiB survive in UDF),
 *   with Microsoft's boot layout: an El Torito BIOS entry
 *   boot/etfsboot.com (no emulation, 8 sectors) and a UEFI entry
 *   efi/microsoft/boot/efisys.bin (no emulation); media without
 *   etfsboot.com (ARM64) get the UEFI entry only.
 * - A written image is checked with readers other than the writer:
 *   xorriso for the El Torito catalog and label, 7-Zip for the file list
 *   and every file's bytes.
 *
 * The programs run as subprocesses with argument vectors (spawn.h); their
 * stderr goes into the error messages.  The environment variables
 * WIMPATCH_7Z, WIMPATCH_GENISOIMAGE and WIMPATCH_XORRISO name other
 * programs to use instead.  Every function reports its errors, naming the
 * file, and returns an enum wp_err (core/error.h) unless it says otherwise.
 */
#ifndef WIMPATCH_ISO_H
#define WIMPATCH_ISO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* The programs an action needs (a mask for iso_tools_find). */
enum {
	ISO_TOOL_READER = 1,	/* 7-Zip: list and extract */
	ISO_TOOL_WRITER = 2,	/* genisoimage: write */
	ISO_TOOL_CHECKER = 4,	/* xorriso: read the El Torito catalog back */
	ISO_TOOL_UDF_CHECKER = 8,	/* udfinfo: read a UDF volume back */
	ISO_TOOL_9660_CHECKER = 16,	/* isoinfo: list the ISO 9660 and Joliet trees */
};

/* Find the programs in `need`; if any is missing, say which and which
 * Debian package has it, for `what` ("SRC.iso: reading an ISO image"),
 * and return WP_ERR_INPUT (no reader) or WP_ERR_WRITE (no writer/checker). */
enum wp_err iso_tools_find(unsigned need, const char *what);

/* Does the file look like an ISO 9660 or UDF image, by the volume
 * descriptor at 32 KiB in its first n bytes (ISO_HEADER_SIZE needed)? */
#define ISO_HEADER_SIZE (17 * 2048)
bool iso_header_is_iso(const unsigned char *head, size_t n);

#define ISO_LABEL_MAX 32	/* ISO 9660 volume identifier: 32 characters */

enum iso_platform { ISO_PLATFORM_BIOS, ISO_PLATFORM_UEFI, ISO_PLATFORM_OTHER };

struct iso_boot_entry {
	enum iso_platform platform;
	unsigned platform_id;	/* 0 = x86 BIOS, 0xEF = UEFI */
	bool bootable;
	bool no_emulation;
	unsigned load_sectors;	/* 512-byte sectors loaded (BIOS) */
	uint32_t lba;		/* where the image starts, in 2048-byte blocks */
};

struct iso_info {
	char label[4 * ISO_LABEL_MAX + 1];	/* UTF-8, trailing blanks removed */
	bool iso9660;		/* has an ISO 9660 primary volume descriptor */
	bool udf;		/* has a UDF file system (Windows media do) */
	uint64_t size;		/* of the file */
	uint64_t volume_size;	/* what the volume descriptors claim (0: unknown) */
	uint32_t catalog_lba;	/* El Torito's boot catalog (0: none) */
	size_t n_boot;		/* El Torito entries, in catalog order */
	struct iso_boot_entry boot[8];
};

/* Read the volume descriptors and the boot catalog; a file that is not
 * an image, is truncated or damaged is reported and WP_ERR_INPUT returned. */
enum wp_err iso_probe(const char *path, struct iso_info *info);

/* "BIOS (no emulation, 8 sectors), UEFI (no emulation)": for show. */
void iso_describe_boot(const struct iso_info *info, char *buf, size_t size);

/* The files of an image or a tree: paths relative to the root, '/'-
 * separated, as stored; directories included. */
struct iso_entry {
	char *path;
	uint64_t size;
	bool dir;
};
struct iso_listing {
	struct iso_entry *v;
	size_t n, alloc;
};

/* List the image's files with 7-Zip, sorted by path. */
enum wp_err iso_list(const char *path, const struct iso_info *info, struct iso_listing *l);
/* List a directory tree the same way (regular files and directories
 * only: anything else is reported as an error). */
enum wp_err iso_list_tree(const char *root, struct iso_listing *l);
/* The entry whose path matches `path` without regard to case, or NULL. */
const struct iso_entry *iso_listing_find(const struct iso_listing *l, const char *path);
/* Sort by path (as iso_list and iso_list_tree return them). */
void iso_listing_sort(struct iso_listing *l);
void iso_listing_free(struct iso_listing *l);

/* Extract the image's files into the existing directory `dir`: all of
 * them (n_paths 0) or the listed paths (spelled as iso_list gives them),
 * which take `bytes` (for the progress shown; 0: not known). */
enum wp_err iso_extract(const char *path, const struct iso_info *info, const char *dir,
		const char *const *paths, size_t n_paths, uint64_t bytes);

/* What an image is written with: the label and the boot images (paths
 * relative to the tree, as on disk; bios NULL for UEFI-only media). */
struct iso_layout {
	const char *label;
	const char *bios_image;
	const char *uefi_image;
};

/* Check a label for the ISO 9660 volume identifier (1 to 32 printable
 * ASCII characters); reports with `what` ("--label"). Returns 0 or -1. */
int iso_check_label(const char *label, const char *what);

/* Write the tree `root` as an image into `out` (an existing file is
 * overwritten; the caller makes it a temporary sibling). */
enum wp_err iso_write(const char *root, const char *out, const struct iso_layout *lay);

/* Read the El Torito catalog and the label of a written image back with
 * xorriso and check they are what `lay` asked for. */
enum wp_err iso_verify_boot(const char *path, const struct iso_layout *lay);
/* The same for an image patched in place: xorriso reads the same label
 * and El Torito catalog (entries, blocks, sizes, paths) as in `src`. */
enum wp_err iso_verify_boot_same(const char *path, const char *src);
/* The same but for El Torito entry `entry` (1-based), switched to another
 * boot image: xorriso reads it at block `lba` with load size `load` (and,
 * where it can name it, as `image`), everything else as in `src`. */
enum wp_err iso_verify_boot_switched(const char *path, const char *src, unsigned entry,
				     uint32_t lba, unsigned load, const char *image);

/* Read every file of a written image back with 7-Zip and compare it, byte
 * for byte, with the tree it was written from; the image's file list
 * must equal the tree's (`tree`, as iso_list_tree gives it). */
enum wp_err iso_verify_content(const char *path, const char *root, const struct iso_listing *tree);

/* Compare two sorted listings (paths, kinds, sizes of files) and report
 * the first few differences as "WHAT: PATH is missing from B_NAME" and
 * the like.  Returns the number of differences. */
size_t iso_listing_diff(const struct iso_listing *a, const char *a_name,
			const struct iso_listing *b, const char *b_name, const char *what);

/* The in-place route's read-back (patch_iso.c): udfinfo accepts the
 * image's UDF volume; 7-Zip reads file `path` of the image as `read`
 * says it must be, byte for byte. */
enum wp_err iso_verify_udf(const char *path);

/* The files removed from and added to an image in place: isoinfo lists
 * the ISO 9660 and the Joliet tree of `path` (each that `src` has) with
 * every file record of `src`'s but the removed files' (matched by name,
 * or by first sector when the size is not 0) and none of theirs, and
 * in_tree[0] (ISO 9660), in_tree[1] (Joliet) records of the added files
 * (by name, or by a sector of their data).  WP_ERR_WRITE (said)
 * otherwise. */
struct iso_gone {
	const char *rel;
	uint64_t lba, size;
};
enum wp_err iso_verify_records(const char *path, const char *src, const struct iso_gone *g, size_t n,
				const struct iso_gone *add, size_t n_add, const size_t in_tree[2]);
struct iso_range {
	uint64_t off, len;
};
struct iso_expect {
	const char *path;	/* in the image, as stored */
	uint64_t size;
	int (*read)(void *ctx, uint64_t off, void *buf, size_t n);	/* 0, or -1 with errno */
	void *ctx;
	/* If not NULL, only these ranges (ascending) are compared; the rest is
	 * only counted (the caller copied it unchanged: its tests prove that). */
	const struct iso_range *ranges;
	size_t n_ranges;
};
enum wp_err iso_verify_file(const char *path, const struct iso_expect *e);

#endif

/*
 * iso_parse.h - the on-disk structures of an ISO image, read from memory:
 * ISO 9660 volume descriptors (ECMA-119 8), the UDF volume recognition
 * sequence, anchor and volume descriptors (ECMA-167 2/9, 3/10; OSTA UDF
 * 1.02) and the El Torito boot catalog.  No I/O and no messages: each
 * function takes one 2048-byte sector and fills a result, so that unit
 * tests and fuzzers can call them directly (tests/unit-iso.c); iso.c
 * reads the sectors and reports.  (iso_header_is_iso of iso.h is here too.)
 */
#ifndef WIMPATCH_ISO_PARSE_H
#define WIMPATCH_ISO_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adapters/iso.h"

#define ISO_SECTOR 2048

/* What a sector of the volume descriptor area (from sector 16) is. */
enum iso_vd {
	ISO_VD_PRIMARY,		/* ISO 9660 primary volume descriptor */
	ISO_VD_BOOT,		/* ISO 9660 boot record of El Torito */
	ISO_VD_OTHER_9660,	/* another ISO 9660 descriptor (supplementary, terminator) */
	ISO_VD_NSR,		/* UDF: NSR02 or NSR03 (a UDF file system follows) */
	ISO_VD_VRS,		/* BEA01, TEA01, BOOT2: the rest of the recognition sequence */
	ISO_VD_END,		/* anything else: the descriptors end here */
};

struct iso_vd_info {
	char label[33];			/* PRIMARY: volume identifier, blanks trimmed */
	uint64_t volume_size;		/* PRIMARY: volume space size x logical block size */
	uint32_t catalog_lba;		/* BOOT: where the boot catalog is */
};

/* Classify one sector of the descriptor area and read what it holds. */
enum iso_vd iso_parse_vd(const unsigned char s[ISO_SECTOR], struct iso_vd_info *out);

/* Read the El Torito boot catalog's entries into info->boot (at most
 * its size; the rest are dropped).  False, with the reason in `why`,
 * when the validation entry is wrong. */
bool iso_parse_catalog(const unsigned char s[ISO_SECTOR], struct iso_info *info, char *why,
		       size_t why_size);

/* Point the first El Torito entry of `platform_id` (0xEF: UEFI) in the
 * catalog sector at block `lba`, loading `load_sectors` 512-byte sectors;
 * its other fields and every other entry stay.  The validation entry's
 * checksum covers the validation entry only, so it stays valid.  False,
 * with the reason in `why`, when the catalog is malformed or has no such
 * entry. */
bool iso_catalog_retarget(unsigned char c[ISO_SECTOR], unsigned platform_id, uint32_t lba,
			  unsigned load_sectors, char *why, size_t why_size);

/* The UDF anchor volume descriptor pointer (tag 2): the main volume
 * descriptor sequence's length in bytes and location.  False if the
 * sector is no anchor. */
bool iso_parse_udf_anchor(const unsigned char s[ISO_SECTOR], uint32_t *len, uint32_t *loc);

/* One descriptor of the UDF volume descriptor sequence: a logical volume
 * descriptor (tag 6) gives the label (UTF-8, at most `size` bytes with
 * its NUL), a partition descriptor (tag 5) raises *end to where the
 * partition ends, in bytes.  False at the terminating descriptor (tag 8). */
bool iso_parse_udf_vd(const unsigned char s[ISO_SECTOR], char *label, size_t size, uint64_t *end);

/* A UDF name in OSTA compressed unicode (CS0: a compression byte, 8 or 16,
 * then the characters) of len bytes, as UTF-8 into out (at most size
 * bytes with the NUL; longer names are cut). */
void iso_parse_cs0(const unsigned char *d, size_t len, char *out, size_t size);
/* The other way: UTF-8 `name` as OSTA compressed unicode (8 bits a
 * character when every one fits, else 16, big-endian) into out; its
 * length with the compression byte, or 0 when it is empty, longer than
 * `size` or not UTF-8 of the Basic Multilingual Plane. */
size_t iso_make_cs0(const char *name, unsigned char *out, size_t size);
/* A Joliet name (UCS-2, big-endian) of len bytes, as UTF-8 the same way. */
void iso_parse_ucs2be(const unsigned char *d, size_t len, char *out, size_t size);

#endif

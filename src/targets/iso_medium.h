/*
 * iso_medium.h - the plan's medium files and boot prompt against an ISO
 * image's listing, before a route is chosen.
 *
 * What decides the route: replacing files the image has is done in place
 * (their stand-ins are whole copies, iso_standin.h), and so is removing
 * one (its directory entries are taken out, isofs_remove) and adding one
 * where isofs_add can (always in Microsoft's layout; in genisoimage's,
 * whose ISO 9660 and Joliet trees list every file, into directories they
 * have; else the image is rebuilt, saying why).  <boot
 * efi="noprompt"> switches the UEFI El Torito entry to efisys_noprompt.bin
 * unless it starts there already (its first block is the entry's).
 */
#ifndef WIMPATCH_ISO_MEDIUM_H
#define WIMPATCH_ISO_MEDIUM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/plan.h"
#include "core/report.h"
#include "targets/iso_media.h"
#include "targets/media_files.h"

#define MEDIA_UEFI_NOPROMPT_IMAGE "efi/microsoft/boot/efisys_noprompt.bin"

struct iso_medium {
	struct media_wants w;
	const char **extra;		/* the image's files the wants name, as stored */
	size_t n_extra;
	const char **add;		/* the files the wants name that the image lacks,
					   as the profile spells them */
	uint64_t *add_size;		/* and their sizes */
	size_t n_add;
	const char **rm;		/* the image's files the wants remove, as stored */
	size_t n_rm;
	const char *uefi_to;		/* efisys_noprompt.bin as stored, when the UEFI
					   entry is to load it; else NULL */
	const char *uefi_from;		/* the boot image it loads now, as far as known */
	struct media_file_change boot;	/* the boot switch, for the reports */
};

/* Fill `im` for the image `iso` (listed in m).  Returns an enum wp_err:
 * WP_ERR_INPUT when efi="noprompt" is asked of an image without
 * efisys_noprompt.bin or without a UEFI entry (said). */
enum wp_err iso_medium_scan(const char *iso, const struct iso_media *m, const struct media_plan *mp,
			    struct iso_medium *im);
void iso_medium_free(struct iso_medium *im);

/* Is `rel` (as stored) a file the wants name (its size may change, it
 * may come or go)? */
bool iso_medium_touches(const struct iso_medium *im, const char *rel);

#endif

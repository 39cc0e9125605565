/*
 * media.h - what a Windows installation medium holds, written once: the
 * files wimpatch reads and may rewrite, where they are, what they are
 * and which role their images play.  Trees (tree.c), ISO images
 * (iso_media.c, patch_iso.c) and show all take the layout from here.
 *
 * Paths are relative to the medium's root, '/'-separated and matched
 * without regard to case (extractors write SOURCES/, Boot/BCD, ...).
 */
#ifndef WIMPATCH_MEDIA_H
#define WIMPATCH_MEDIA_H

#include <stdbool.h>
#include <stddef.h>

#include "core/plan.h"

enum media_kind {
	MEDIA_BOOT_WIM,		/* sources/boot.wim: the setup environment */
	MEDIA_INSTALL,		/* sources/install.wim or install.esd: the installed system */
	MEDIA_SPLIT,		/* sources/install.swm: first part of a split install.wim */
	MEDIA_SPLIT_PART,	/* sources/install2.swm, install3.swm, ...: the other parts */
	MEDIA_BCD_BIOS,		/* boot/bcd */
	MEDIA_BCD_EFI,		/* efi/microsoft/boot/bcd */
};

/* The files at fixed places, in the order they are patched and shown. */
struct media_file_def {
	const char *path;
	enum media_kind kind;
};
extern const struct media_file_def media_fixed_files[];
extern const size_t media_n_fixed_files;

/* The El Torito boot images of Microsoft's media: BIOS (no emulation, 8
 * sectors) and UEFI (a FAT image); ARM64 media have the UEFI one only. */
#define MEDIA_BIOS_BOOT_IMAGE "boot/etfsboot.com"
#define MEDIA_UEFI_BOOT_IMAGE "efi/microsoft/boot/efisys.bin"

/* Where split parts live, and what every medium must have. */
#define MEDIA_SOURCES "sources"
#define MEDIA_REQUIRED "sources/boot.wim"

/*
 * Is `rel` one of the medium's files?  Sets *kind.  install.swm and
 * installN.swm (N decimal) in sources/ are split parts; install-old.swm
 * and the like are just files.
 */
bool media_classify(const char *rel, enum media_kind *kind);

/*
 * Are two of `paths` (the medium's files as found, `n` of them) one file
 * spelled twice, "sources/boot.wim" and "SOURCES/Boot.Wim"?  A medium
 * copied onto a case-sensitive file system, or an image made from one,
 * can hold both; Windows reads either, so patching one would leave what
 * Windows boots unpatched half of the time.  Returns 0, or -1 after
 * reporting the first such pair (sorted) as found in `where`.
 */
int media_check_spellings(const char *where, const char *const *paths, size_t n);

/* The part number a file name in sources/ gives a split part: 1 for
 * install.swm, N for installN.swm, 0 for any other name. */
unsigned media_split_part(const char *name);

/* Is it a WIM (any part of a set), or a BCD store? */
bool media_kind_is_wim(enum media_kind k);
bool media_kind_is_bcd(enum media_kind k);

/* The role a WIM's place on the medium gives its images: boot.wim is the
 * setup environment, install.* the installed system (ROLE_ANY for BCD). */
enum role media_role(enum media_kind k);

/* A WIM whose images' XML does not say their role: what its file name
 * says, as on a medium (boot* = setup, install* = installed; ROLE_UNKNOWN
 * for other names), with *source "file name" (or "none"). */
enum role media_role_of_name(const char *path, const char **source);

/*
 * An --image selection, "install:3", "boot:Microsoft Windows Setup (x64)"
 * (the prefix without regard to case): the WIM of the medium it names by
 * the role its place gives (ROLE_INSTALLED: install.wim|esd|swm,
 * ROLE_SETUP: boot.wim), with *image the index or name after the colon.
 * Without one of those prefixes it names every WIM: ROLE_ANY, *image =
 * sel (an image name may hold a colon).
 */
enum role media_image_sel(const char *sel, const char **image);

/* The BCD rules that apply to a store at this place (BCD_STORE_ANY for
 * anything that is not a store). */
enum bcd_store_sel media_bcd_store(enum media_kind k);

/* " (BIOS)", " (UEFI)" or "", for show. */
const char *media_bcd_label(enum media_kind k);

#endif

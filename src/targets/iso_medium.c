/* iso_medium.c - medium files and boot against an ISO image; see iso_medium.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "targets/iso_inplace.h"
#include "targets/iso_medium.h"
#include "targets/media.h"
#include "util/array.h"
#include "util/msg.h"

/* The UEFI El Torito entry's block, or false when there is none. */
static bool uefi_entry(const struct iso_info *info, uint32_t *lba)
{
	for (size_t i = 0; i < info->n_boot; i++) {
		if (info->boot[i].platform == ISO_PLATFORM_UEFI) {
			*lba = info->boot[i].lba;
			return true;
		}
	}
	return false;
}

/* Does the UEFI entry (at block lba) load the image's file `rel`? */
static bool loads(const char *iso, const struct iso_media *m, const char *rel, uint32_t lba)
{
	const struct iso_entry *e = iso_listing_find(&m->files, rel);
	struct isofs_extent first;
	size_t n_ext;

	return e && !e->dir && iso_inplace_locate(iso, e->path, &first, &n_ext) == 0 &&
	       first.lba == lba;
}

static enum wp_err scan_boot(const char *iso, const struct iso_media *m, const struct media_plan *mp,
			     struct iso_medium *im)
{
	const char *to = mp->efi_back ? mp->efi_back : MEDIA_UEFI_NOPROMPT_IMAGE;
	const char *what = mp->efi_back ? "undo of the UEFI boot entry's switch" : "<boot efi=\"noprompt\">";
	const struct iso_entry *np = iso_listing_find(&m->files, to);
	const struct iso_entry *old = iso_listing_find(&m->files, mp->efi_back ? mp->efi_expect
									: MEDIA_UEFI_BOOT_IMAGE);
	struct isofs_extent first;
	size_t n_ext;
	uint32_t lba;

	if (!np || np->dir) {
		msg_error("%s: %s (%s:%d): the image has no %s to boot from", iso, what,
			  mp->boot_src_file, mp->boot_src_line, to);
		return WP_ERR_INPUT;
	}
	if (!uefi_entry(&m->info, &lba)) {
		msg_error("%s: %s (%s:%d): the image has no UEFI El Torito entry to switch", iso,
			  what, mp->boot_src_file, mp->boot_src_line);
		return WP_ERR_INPUT;
	}
	/* Each look opens the image's file system: once for `to`. */
	bool there = loads(iso, m, to, lba);
	/* Undo: only over what the run left (it may be back already). */
	if (mp->efi_back && !there && !loads(iso, m, mp->efi_expect, lba)) {
		msg_error("%s: %s (%s:%d): the UEFI boot entry loads neither %s (what the run "
			  "switched it to) nor %s now: changed since", iso, what, mp->boot_src_file,
			  mp->boot_src_line, mp->efi_expect, to);
		return WP_ERR_INPUT;
	}
	/* Already there (a second run): nothing to do. */
	if (there) {
		msg_verbose("%s: the UEFI boot entry loads %s already", iso, np->path);
		return WP_OK;
	}
	im->uefi_to = np->path;
	im->uefi_from = old && !old->dir ? old->path : NULL;
	if (old && iso_inplace_locate(iso, old->path, &first, &n_ext) == 0 && first.lba != lba)
		im->uefi_from = NULL;	/* it loads something else */
	im->boot.action = "boot";
	im->boot.path = (char *)np->path;
	im->boot.old_path = (char *)im->uefi_from;
	im->boot.size = np->size;
	im->boot.src_file = mp->boot_src_file;
	im->boot.src_line = mp->boot_src_line;
	return WP_OK;
}

/* A file the image lacks, with the size its source has now. */
static enum wp_err want_add(struct iso_medium *im, const struct media_want *w, size_t alloc[2])
{
	struct stat st;

	if (stat(w->from, &st) < 0) {
		msg_error("%s:%d: %s: %s", w->op->src_file, w->op->src_line, w->from,
			  strerror(errno));
		return WP_ERR_INPUT;
	}
	if (!ARRAY_GROW(im->add, im->n_add + 1, alloc[0]) ||
	    !ARRAY_GROW(im->add_size, im->n_add + 1, alloc[1])) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	im->add[im->n_add] = w->rel;
	im->add_size[im->n_add++] = (uint64_t)st.st_size;
	return WP_OK;
}

enum wp_err iso_medium_scan(const char *iso, const struct iso_media *m, const struct media_plan *mp,
			    struct iso_medium *im)
{
	size_t alloc = 0, rm_alloc = 0, add_alloc[2] = { 0, 0 };
	enum wp_err ret;

	memset(im, 0, sizeof(*im));
	if ((ret = media_wants_get(mp, &im->w)) != WP_OK)
		return ret;
	for (size_t i = 0; i < im->w.n; i++) {
		const struct media_want *w = &im->w.v[i];
		const struct iso_entry *e = iso_listing_find(&m->files, w->rel);
		if (e && e->dir) {
			msg_error("%s:%d: %s is a directory in %s: <file> and <remove-file> work on "
				  "files", w->op->src_file, w->op->src_line, e->path, iso);
			return WP_ERR_INPUT;
		}
		if (e) {
			if (!ARRAY_GROW(im->extra, im->n_extra + 1, alloc)) {
				msg_error("out of memory");
				return WP_ERR_INTERNAL;
			}
			im->extra[im->n_extra++] = e->path;
		}
		/* A file where a directory should be is said when the tree is
		 * planned (isofs_add refuses it, and the image is rebuilt). */
		if (!e && w->from && (ret = want_add(im, w, add_alloc)) != WP_OK)
			return ret;
		if (e && !w->from) {
			if (!ARRAY_GROW(im->rm, im->n_rm + 1, rm_alloc)) {
				msg_error("out of memory");
				return WP_ERR_INTERNAL;
			}
			im->rm[im->n_rm++] = e->path;
		}
	}
	if (mp->efi_noprompt || mp->efi_back)
		ret = scan_boot(iso, m, mp, im);
	return ret;
}

void iso_medium_free(struct iso_medium *im)
{
	media_wants_free(&im->w);
	free(im->extra);
	free(im->rm);
	free(im->add);
	free(im->add_size);
	memset(im, 0, sizeof(*im));
}

bool iso_medium_touches(const struct iso_medium *im, const char *rel)
{
	for (size_t i = 0; i < im->w.n; i++)
		if (media_path_same(im->w.v[i].rel, rel))
			return true;
	return false;
}

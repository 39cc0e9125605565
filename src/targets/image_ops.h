/*
 * image_ops.h - the image-level operations of a plan on one WIM (see
 * core/plan.h): files added or replaced inside images (<image-file>),
 * images dropped (<editions>).  patch_wim.c calls these around its hive
 * work; what they do goes into the file report (core/report_image.h).
 */
#ifndef WIMPATCH_IMAGE_OPS_H
#define WIMPATCH_IMAGE_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/report.h"
#include "adapters/wim.h"
#include "targets/targets.h"

/* A file queued into the image, to be checked in what is written. */
struct image_ops_pending {
	int image;		/* as the WIM numbers it now (after drops) */
	char *stored;		/* "/Windows/Panther/unattend.xml" */
	char sha256[65];
	char *meta;		/* wim_file_metadata after the change */
	bool absent;		/* deleted: it must not be there */
};

struct image_ops {
	bool *drop;		/* [1..image count]: dropped by <editions> */
	int n_images;
	char **copies;		/* [k]: plan file op k's bytes, copied once into
				   the scratch directory (NULL: not yet) */
	size_t n_copies;
	char (*sums)[65];
	uint64_t *sizes;
	struct image_ops_pending *pend;
	size_t n_pend;
};

/* Decide which images <editions> drops (none unless the WIM holds
 * installed images: install.wim/esd) into io->drop and fr->editions.
 * Before anything else: dropped images are not edited.  WP_ERR_PROFILE
 * when every image would go (said). */
enum wp_err image_ops_plan(struct wim *w, const struct patch_opts *o, struct file_report *fr,
			   struct image_ops *io);
/* How many image-file ops apply to image `img` (for count_applied). */
size_t image_ops_count(const struct patch_opts *o, const struct wim_image *img);
/* Add or replace the files of the plan in image `img` (dry run: only
 * say what would be done).  Same content: nothing.  `scratch`: a
 * directory of its own for this. */
enum wp_err image_ops_files(struct wim *w, const struct patch_opts *o, const struct wim_image *img,
			    const char *scratch, struct file_report *fr, struct image_ops *io);
/* Drop the images decided (not in a dry run); pending files and the
 * report's hives and files are renumbered as the written WIM numbers
 * them.  *rebuild set when some were: the WIM is written whole. */
enum wp_err image_ops_drop(struct wim *w, const struct patch_opts *o, struct image_ops *io,
			   struct file_report *fr, bool *rebuild);
/* Image `image` (as the input numbers it) once the dropped ones are gone. */
int image_ops_renumber(const struct image_ops *io, int image);
/* Check every queued file in what was written (`written`, opened anew;
 * `shown` in messages). */
enum wp_err image_ops_verify(struct wim *written, const char *shown, const struct image_ops *io,
			     const char *scratch);
void image_ops_free(struct image_ops *io);

#endif

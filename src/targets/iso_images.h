/*
 * iso_images.h - the images of the WIMs in an ISO image, read through its
 * file system (adapters/isofs.h) and the WIMs' own XML data, without
 * extracting or writing anything: for the completion of -i, which must
 * be quick and leave no trace.
 */
#ifndef WIMPATCH_ISO_IMAGES_H
#define WIMPATCH_ISO_IMAGES_H

#include "core/plan.h"

/* fn(place, index, name or NULL, ctx) for each image of each WIM of the
 * medium (media.h; a split set by its first part), place ROLE_SETUP for
 * boot.wim, ROLE_INSTALLED for install.wim|esd|swm.  0, or -1 when the
 * image cannot be read as one; says nothing either way. */
int iso_list_images(const char *iso, void (*fn)(enum role place, int index, const char *name,
						void *ctx),
		    void *ctx);

#endif

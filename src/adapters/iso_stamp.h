/*
 * iso_stamp.h - SOURCE_DATE_EPOCH in an image genisoimage wrote.
 *
 * genisoimage (cdrkit 1.1.11) takes the volume's dates from time(2) and
 * records each file's status-change time (ctime, which no program can
 * set) in its Rock Ridge entries: two runs over the same tree give
 * different bytes.  iso_stamp_dates rewrites those fields of the image
 * (a scratch file wimpatch made, not yet in place), leaving every other
 * byte as genisoimage wrote it:
 *
 *  - ISO 9660 primary and supplementary (Joliet) volume descriptors:
 *    creation, modification and effective dates (ECMA-119 8.4.26-29);
 *  - UDF primary volume descriptors (main and reserve sequence):
 *    recording date and the time-based volume set identifier (ECMA-167
 *    3/10.1; OSTA UDF 2.2.2.5), the logical volume integrity descriptor
 *    and the file set descriptor: recording dates; each descriptor's tag
 *    checksum and CRC made again (ECMA-167 3/7.2);
 *  - Rock Ridge TF entries of the ISO 9660 tree (RRIP 4.1.6), in the
 *    directory records and their continuation areas: the access and
 *    attribute-change times become the modification time (which the
 *    clamped tree gave: util/clock.h).
 *
 * Anything not laid out as genisoimage lays it out is refused, naming
 * the image and what was found: WP_ERR_WRITE (the image is wimpatch's
 * output).  Does nothing without SOURCE_DATE_EPOCH.
 */
#ifndef WIMPATCH_ISO_STAMP_H
#define WIMPATCH_ISO_STAMP_H

#include "core/error.h"

enum wp_err iso_stamp_dates(const char *path);

#endif

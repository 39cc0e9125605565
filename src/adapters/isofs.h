/*
 * isofs.h - the file systems of an ISO image (UDF, ISO 9660, Joliet) read
 * and edited in place, so that a Windows image can be patched by writing
 * only the bytes that change instead of rebuilding it.
 *
 * Pure: no I/O and no messages.  Every read goes through the caller's
 * callback (so tests and fuzzers can serve an image from memory) and every
 * write comes back as a list of whole-sector patches that the caller
 * applies; failures come back as a reason in `why`, so that the caller
 * names the file in its message.  A reason means "this layout cannot take
 * it": the caller falls back to rebuilding the image.
 *
 * What is supported is what Windows media and genisoimage write: UDF 1.02
 * to 2.01 with one type 1 partition and no space bitmaps or tables, file
 * entries and extended file entries with short or long allocation
 * descriptors in the ICB (strategy 4), ISO 9660 and Joliet trees beside
 * it.  An image without UDF is read from its Joliet (else ISO 9660) tree.
 */
#ifndef WIMPATCH_ISOFS_H
#define WIMPATCH_ISOFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISOFS_SECTOR 2048

/* Where the sectors come from: read n_sectors 2048-byte sectors from
 * sector lba into buf; 0, or -1 on any failure (the caller knows why and
 * says so; isofs_open only reports "cannot read sector N"). */
struct isofs_reader {
	int (*read)(void *ctx, uint64_t lba, size_t n_sectors, unsigned char *buf);
	void *ctx;
};

/* A run of a file's data: an absolute sector of the image and a length in
 * bytes (only the last extent of a file ends inside a sector). */
struct isofs_extent {
	uint64_t lba;
	uint64_t bytes;
};

struct isofs_file {
	char *path;	/* UTF-8, '/'-separated, relative to the root, as stored (the
			   UDF names when the image has UDF, else Joliet, else ISO 9660
			   without ";1") */
	bool dir;
	uint64_t size;	/* bytes (directories: of their records) */
	const struct isofs_extent *ext;	/* where the data is, in order */
	size_t n_ext;
	bool embedded;	/* UDF data inside the file entry: no extent, cannot be
			   edited in place */
};

struct isofs;

/* Read the volume descriptors and every directory of an image of
 * image_sectors sectors.  NULL with the reason in `why` on anything
 * malformed or unsupported; the work is bounded (directory depth, entry
 * counts, sizes) whatever the image holds. */
struct isofs *isofs_open(const struct isofs_reader *rd, uint64_t image_sectors, char *why,
			 size_t why_size);
void isofs_free(struct isofs *fs);	/* NULL is fine */

/* The files and directories (not the root), sorted by path (strcmp). */
size_t isofs_count(const struct isofs *fs);
const struct isofs_file *isofs_at(const struct isofs *fs, size_t i);
/* The entry whose path matches without regard to ASCII case (as Windows
 * media are matched: SOURCES/BOOT.WIM is sources/boot.wim), or NULL. */
const struct isofs_file *isofs_find(const struct isofs *fs, const char *path);

/* How many files the ISO 9660 (n[0]) and Joliet (n[1]) trees list now
 * (0 for a tree the image lacks): what isofs_add put there too. */
void isofs_tree_files(const struct isofs *fs, size_t n[2]);

/* Sectors the volume occupies (the descriptors' claim, at least the last
 * UDF anchor), grown by the edits made so far. */
uint64_t isofs_volume_sectors(const struct isofs *fs);

/*
 * Resize the regular file at `path` for new contents of new_size bytes.
 * Its data keeps its current sectors as far as they go (whole allocated
 * sectors); what does not fit goes into new extents appended after the
 * end of the UDF partition (which grows; without UDF, after the volume),
 * the area behind it being moved further out at commit.  A file may also
 * shrink (its extents truncated; the sectors are not reused).  Afterwards
 * isofs_find gives the new extents, where the caller writes all the new
 * bytes.  The UDF entry and the file's ISO 9660 and Joliet directory
 * records (those that list it) are rewritten in memory; nothing reaches
 * the image before isofs_commit.  -1 with `why` (and nothing changed)
 * when this layout cannot take it: embedded data, data shared with
 * another file, no room for the records in the directory's sectors, too
 * many extents for the file entry, unsupported UDF features.
 */
int isofs_set_size(struct isofs *fs, const char *path, uint64_t new_size, char *why,
		   size_t why_size);

/*
 * Remove the regular file at `path` from every tree that lists it: its
 * UDF file identifier is taken out of its directory's data (which
 * shrinks, its entry rewritten), its ISO 9660 and Joliet records out of
 * their directory's sectors (the following records of each sector move
 * down; the directory keeps its size).  Path tables, the file's own entry
 * and its data stay as they are (unreferenced); every other byte keeps
 * its offset.  Afterwards isofs_find no longer finds it (isofs_count and
 * isofs_at still count it).  -1 with `why` when this layout cannot take
 * it; the handle may then hold part of the edit and is spent (commit
 * fails): the caller rebuilds the image.
 */
int isofs_remove(struct isofs *fs, const char *path, char *why, size_t why_size);

/*
 * Add a regular file of `size` bytes at `path` (its missing directories
 * too) to the UDF tree: a new file entry for each at the append point
 * (after the end of the UDF partition, which grows), the file's data
 * right after its entry, an identifier in its directory's data (which
 * is rewritten where it is if it fits its sectors, else moved to the
 * append point), the integrity descriptor's file and directory counts and
 * next unique ID.  The new entries are made like the image's own (owner,
 * permissions, times and implementation of its first regular file's
 * entry, or of the parent directory's).  Existing directories are matched
 * without regard to ASCII case and keep their spelling.  An ISO 9660 or
 * Joliet tree that lists the files too (genisoimage's layout, not
 * Microsoft's, whose ISO 9660 tree holds README.TXT only) gets the file's
 * records, inserted in name order into its directory's sectors.
 * Afterwards isofs_find gives the file, in whose extents the caller
 * writes its bytes.  Refused (-1 with `why`) when the image has no UDF
 * tree, when such a tree lacks the file's directory (no directories are
 * made there) or has no room for the record, when the path is there,
 * names a file as a directory or cannot be a UDF name, and where
 * resizing is refused.  A refusal after the first entry was made leaves
 * the handle spent.
 */
int isofs_add(struct isofs *fs, const char *path, uint64_t size, char *why, size_t why_size);

/* A run of whole sectors to write at lba. */
struct isofs_patch {
	uint64_t lba;
	size_t n_sectors;
	unsigned char *data;
};

/*
 * The sectors the edits change, sorted and merged into runs, and the
 * image's new size in sectors.  The caller sizes the image to
 * *new_image_sectors, writes the file data into the new extents, then
 * these patches (the area moved behind the new extents is among them,
 * read before anything was written).  Sectors whose bytes do not change
 * are not in the list.  Once only: later edits and commits fail.
 */
int isofs_commit(struct isofs *fs, struct isofs_patch **patches, size_t *n_patches,
		 uint64_t *new_image_sectors, char *why, size_t why_size);
void isofs_patches_free(struct isofs_patch *p, size_t n);

/*
 * Split a file's data runs into extents of at most `max` bytes (a
 * multiple of the sector size): runs that continue each other on disk
 * (the first ending on a sector boundary) are joined first.  UDF extents
 * hold at most 2^30 - 2048 bytes (ISOFS_UDF_EXTENT_MAX), ISO 9660
 * sections 2^32 - 2048 (ISOFS_9660_EXTENT_MAX).  Returns the number of
 * extents written to out (at most out_max; the count needed if larger),
 * so that callers and tests can size arrays.
 */
#define ISOFS_UDF_EXTENT_MAX ((uint64_t)0x3FFFF800)
#define ISOFS_9660_EXTENT_MAX ((uint64_t)0xFFFFF800)
size_t isofs_split_extents(const struct isofs_extent *runs, size_t n_runs, uint64_t max,
			   struct isofs_extent *out, size_t out_max);

#endif

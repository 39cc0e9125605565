/*
 * isofs_int.h - what the isofs_*.c files share: the handle, the bounds
 * that keep work on hostile images finite, byte helpers, the sector
 * overlay that holds edited sectors until commit, and the UDF tag.
 */
#ifndef WIMPATCH_ISOFS_INT_H
#define WIMPATCH_ISOFS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "adapters/isofs.h"

#define SECT ISOFS_SECTOR

/* Bounds: deeper, bigger or more than this is refused as unsupported. */
#define ISOFS_MAX_DEPTH 64		/* directory levels */
#define ISOFS_MAX_ENTRIES 1000000	/* files and directories of one tree */
#define ISOFS_MAX_DIR_BYTES (16u << 20)	/* one directory's data */
#define ISOFS_MAX_PATH 4096		/* bytes of a path */
#define ISOFS_MAX_EXTENTS 4096		/* data runs of one file */
#define ISOFS_MAX_VDS 64		/* sectors of a volume descriptor sequence */

/* One entry of the listing; pub.ext points at ext. */
struct isofs_node {
	struct isofs_file pub;
	struct isofs_extent *ext;
	uint64_t icb;		/* UDF: absolute sector of the file entry; 0: none */
	const char *nogo;	/* why it cannot be resized, or NULL */
	bool gone;		/* removed by isofs_remove: not found any more */
};

/* A file or directory of an ISO 9660 or Joliet tree: its directory
 * records are records [rec, rec + n_rec) of directory `dir`. */
struct isofs_item {
	char *path;
	bool dir;
	uint64_t size;
	struct isofs_extent *ext;
	size_t n_ext;
	size_t dir_index;	/* into tree.dirs */
	size_t rec, n_rec;
};

/* A directory's extent in an ISO 9660 tree. */
struct isofs_dirext {
	uint64_t lba, bytes;
};

struct isofs_tree {
	bool present, joliet;
	uint64_t vd_lba;	/* its volume descriptor */
	struct isofs_item *items;
	size_t n_items;
	struct isofs_dirext *dirs;
	size_t n_dirs;
};

/* An edited sector, kept with its original bytes so that commit emits
 * only real changes. */
struct isofs_sector {
	uint64_t lba;
	unsigned char *data, *orig;
};

struct isofs_udf {
	bool present;
	uint64_t avdp[3];	/* absolute sectors of the anchors read */
	size_t n_avdp;
	uint64_t vds[2], vds_len[2];	/* main and reserve sequence: sector, sectors */
	uint64_t pd[2], lvd[2];	/* the partition and logical volume descriptor of each (0: none) */
	uint64_t lvid;		/* the current integrity descriptor (0: none) */
	uint64_t lvid_ext, lvid_len;	/* the integrity sequence extent: sector, sectors */
	uint64_t part_start, part_len;	/* sectors */
	uint16_t part_num;
	uint64_t root;		/* absolute sector of the root directory's file entry */
	const char *nogo;	/* a feature that forbids edits, or NULL */
};

struct isofs {
	struct isofs_reader rd;
	uint64_t image_sectors;
	uint64_t volume_sectors;	/* as read */
	struct isofs_udf udf;
	struct isofs_tree trees[2];	/* ISO 9660, Joliet */
	struct isofs_node *nodes;
	size_t n_nodes, alloc_nodes;
	struct isofs_key {
		const char *path;
		size_t i;
	} *folded;		/* nodes sorted by case-folded path */
	uint64_t append;	/* where data is appended: end of partition (or volume) */
	uint64_t append0;	/* the same, as read: the moved area starts here */
	uint64_t refs_end;	/* end of everything the ISO 9660 side points at */
	uint64_t boot_lba[9];	/* El Torito catalog and boot images */
	size_t n_boot;
	struct isofs_sector *sec;	/* edited sectors */
	size_t n_sec, alloc_sec;
	struct isofs_sector *fresh;	/* sectors of the new area [append0, append)
					   that edits filled: file entries and
					   directories added or moved (orig NULL) */
	size_t n_fresh, alloc_fresh;
	bool committed;
};

/* Little- and big-endian fields. */
static inline uint32_t get16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}
static inline uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}
static inline void put16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}
static inline void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> 8 * i);
}
static inline void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}
/* ISO 9660 both-endian 32-bit field (7.3.3). */
static inline void put32_both(unsigned char *p, uint32_t v)
{
	put32(p, v);
	for (int i = 0; i < 4; i++)
		p[4 + i] = (unsigned char)(v >> (24 - 8 * i));
}

static inline uint64_t sectors_of(uint64_t bytes)
{
	return bytes / SECT + (bytes % SECT != 0);
}

/* Directories already walked, by sector: a hash set, so that a directory
 * listed twice (a loop, or a hostile image's fan-out) is refused in linear
 * time.  Zeroed to start; free v. */
struct isofs_seen {
	uint64_t *v;
	size_t cap, n;
};
/* 0 added, 1 already there, -1 out of memory. */
int isofs_seen_add(struct isofs_seen *s, uint64_t key);

/* isofs.c */
int isofs_fail(char *why, size_t why_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Read n sectors (bounds checked against the image; edited sectors as
 * edited): the image as read and the overlay, whatever edits appended. */
int isofs_read(struct isofs *fs, uint64_t lba, size_t n, unsigned char *buf, char *why,
	       size_t why_size);
/* The edited copy of a sector, made on first use; NULL on a read error.
 * Sectors at or past append0 belong to the area moved behind the new
 * extents at commit, and are moved with their edits. */
unsigned char *isofs_edit_sector(struct isofs *fs, uint64_t lba, char *why, size_t why_size);
/* The same for the contents of the UDF partition (file entries,
 * directories), which may be new: at or past append0 they are sectors of
 * the new area [append0, append) that edits fill (zeros until then),
 * emitted at commit where they are; the old partition lies below. */
int isofs_read_part(struct isofs *fs, uint64_t lba, size_t n, unsigned char *buf, char *why,
		    size_t why_size);
unsigned char *isofs_edit_part(struct isofs *fs, uint64_t lba, char *why, size_t why_size);
/* Sort the listing by path and index it again (after nodes are added;
 * pointers to nodes do not survive it). */
int isofs_index_nodes(struct isofs *fs, char *why, size_t why_size);
struct isofs_node *isofs_add_node(struct isofs *fs, const char *path, char *why,
				  size_t why_size);
struct isofs_node *isofs_node_find(struct isofs *fs, const char *path);
int isofs_strcasecmp_ascii(const char *a, const char *b);

/* isofs_tag.c: UDF descriptor tags (ECMA-167 3/7.2). */
uint16_t isofs_crc_itu(const unsigned char *p, size_t n);
/* The tag of the descriptor at d (avail bytes readable) is valid: its
 * checksum, its CRC (which must lie within avail), the identifier `id`
 * (0: any) and the location `loc` (ISOFS_ANY_LOC: any). */
#define ISOFS_ANY_LOC UINT32_MAX
bool isofs_tag_ok(const unsigned char *d, size_t avail, unsigned id, uint32_t loc);
/* Set the tag location, CRC length (desc_len - 16; 0 keeps it), CRC and
 * checksum after an edit. */
void isofs_tag_seal(unsigned char *d, uint32_t loc, size_t desc_len);

/* isofs_udf.c */
int isofs_udf_open(struct isofs *fs, char *why, size_t why_size);

/* isofs_9660.c */
int isofs_9660_open(struct isofs *fs, struct isofs_tree *t, char *why, size_t why_size);
void isofs_tree_free(struct isofs_tree *t);
/* The nodes of a tree without UDF. */
int isofs_9660_nodes(struct isofs *fs, const struct isofs_tree *t, char *why, size_t why_size);
/* The item of tree t that is node n (by path, else by where its data is),
 * or NULL. */
struct isofs_item *isofs_9660_match(struct isofs_tree *t, const struct isofs_node *n);
/* New records for item it of tree t with new extents, laid out in a copy
 * of its directory; -1 with why when they do not fit in its sectors. */
struct isofs_dirplan {
	struct isofs_tree *t;
	struct isofs_item *it;
	unsigned char *out;	/* the directory's new sectors */
	size_t n_rec;
};
int isofs_9660_plan(struct isofs *fs, struct isofs_tree *t, struct isofs_item *it,
		    const struct isofs_extent *ext, size_t n_ext, struct isofs_dirplan *p, char *why,
		    size_t why_size);
/* Write the plan into the overlay and the item (which takes ext, a
 * malloc'd array); frees the plan. */
void isofs_9660_apply(struct isofs *fs, struct isofs_dirplan *p, struct isofs_extent *ext,
		      size_t n_ext, uint64_t size);
void isofs_9660_plan_free(struct isofs_dirplan *p);

/* isofs_9660.c: take the records of item it out of its directory's
 * sectors (the records after them in each sector move down, the tail is
 * zeroed) and the item out of the tree. */
int isofs_9660_remove(struct isofs *fs, struct isofs_tree *t, struct isofs_item *it, char *why,
		      size_t why_size);

/* isofs_9660.c: does tree t list directory `dir` ("": the root; matched
 * without regard to ASCII case)?  And the records of a new file `name`
 * (UTF-8) of `size` bytes in extents ext, inserted in name order into
 * that directory's sectors (the records after it move on; the directory
 * keeps its size): its name as the tree spells names (Joliet UCS-2, ISO
 * 9660 d-characters, 8.3 unless the tree has longer ones, ";1" where
 * its files have versions), the "." record's date.  -1 with why when
 * the directory is not listed, has no room, or its records carry system
 * use data (Rock Ridge), or the name cannot be held or is there. */
bool isofs_9660_has_dir(const struct isofs_tree *t, const char *dir);
int isofs_9660_add(struct isofs *fs, struct isofs_tree *t, const char *dir, const char *name,
		   const struct isofs_extent *ext, size_t n_ext, uint64_t size, char *why,
		   size_t why_size);

/* isofs_udf.c: take the file identifier of node n out of its parent
 * directory's data (see isofs_remove). */
int isofs_udf_remove(struct isofs *fs, const struct isofs_node *n, char *why, size_t why_size);

/* isofs_udf.c: a new directory, or regular file of `size` bytes, `name`
 * in the directory whose entry is at sector picb, listed as `path`: see
 * isofs_add. */
int isofs_udf_add(struct isofs *fs, uint64_t picb, const char *path, const char *name, bool dir,
		  uint64_t size, char *why, size_t why_size);
/* isofs_udf.c: the integrity descriptor's counts of files and
 * directories moved by dfiles and ddirs (nothing without one). */
int isofs_udf_counts(struct isofs *fs, int dfiles, int ddirs, char *why, size_t why_size);

/* isofs_edit.c */
#endif

/* isofs_udf.c - reading a UDF file system (ECMA-167 3rd edition, OSTA UDF
 * 1.02-2.01): anchors, volume descriptor sequences, the integrity
 * descriptor, the file set and every directory; see isofs.h. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/iso_parse.h"
#include "adapters/isofs_int.h"

#define FAIL(...) isofs_fail(why, why_size, __VA_ARGS__)

/* A file entry (tag 261) or extended file entry (tag 266), read. */
struct fe {
	uint64_t lba;
	unsigned char b[SECT];
	bool efe, dir;
	unsigned strategy, adtype;
	uint64_t size;
	size_t ad_off, l_ad;
};

static int read_anchor(struct isofs *fs, unsigned char *avdp, char *why, size_t why_size)
{
	uint64_t n = fs->image_sectors;
	uint64_t cand[3] = { 256, n - 1, n > 257 ? n - 257 : 0 };
	unsigned char b[SECT];
	for (int i = 0; i < 3; i++) {
		if (cand[i] < 256 || cand[i] >= n || (i && cand[i] == 256))
			continue;
		if (isofs_read(fs, cand[i], 1, b, why, why_size) != 0)
			return -1;
		if (!isofs_tag_ok(b, SECT, 2, (uint32_t)cand[i]))
			continue;
		if (fs->udf.n_avdp == 0)
			memcpy(avdp, b, SECT);
		fs->udf.avdp[fs->udf.n_avdp++] = cand[i];
	}
	if (fs->udf.n_avdp == 0)
		return FAIL("UDF: no anchor volume descriptor at sector 256 or at the end");
	return 0;
}

static int read_pd(struct isofs *fs, const unsigned char *b, char *why, size_t why_size)
{
	struct isofs_udf *u = &fs->udf;
	if (memcmp(b + 25, "+NSR0", 5) != 0)
		return FAIL("UDF: the partition does not hold a file system (%.6s)", (const char *)b + 25);
	u->part_num = (uint16_t)get16(b + 22);
	u->part_start = get32(b + 188);
	u->part_len = get32(b + 192);
	for (int off = 0; off <= 32; off += 8)	/* the partition header's space tables and bitmaps */
		if (get32(b + 56 + off) & 0x3FFFFFFF)
			u->nogo = "the UDF partition has space bitmaps or tables";
	if (u->part_start + u->part_len > fs->image_sectors)
		return FAIL("UDF: the partition (sectors %" PRIu64 "-%" PRIu64 ") ends past the image",
			    u->part_start, u->part_start + u->part_len);
	return 0;
}

/* The logical volume: 2048-byte blocks, one type 1 partition map; the
 * file set's block comes back in *fsd. */
static int read_lvd(struct isofs *fs, const unsigned char *b, uint32_t *fsd, char *why,
		    size_t why_size)
{
	struct isofs_udf *u = &fs->udf;
	if (get32(b + 212) != SECT)
		return FAIL("UDF: logical blocks of %" PRIu32 " bytes are not supported", get32(b + 212));
	if (get32(b + 268) != 1)
		return FAIL("UDF: %" PRIu32 " partition maps (only one is supported)", get32(b + 268));
	if (b[440] != 1 || b[441] != 6)
		return FAIL("UDF: virtual, sparable or metadata partitions are not supported");
	if (get16(b + 444) != u->part_num)
		return FAIL("UDF: the partition map names partition %u, not %u", get16(b + 444),
			    u->part_num);
	if (get16(b + 256) != 0)
		return FAIL("UDF: the file set is in another partition");
	*fsd = get32(b + 252);
	u->lvid_len = get32(b + 432) / SECT;
	u->lvid_ext = get32(b + 436);
	return 0;
}

/* One volume descriptor sequence (which: 0 main, 1 reserve). */
static int read_vds(struct isofs *fs, int which, uint64_t loc, uint64_t len, uint32_t *fsd,
		    char *why, size_t why_size)
{
	struct isofs_udf *u = &fs->udf;
	unsigned char b[SECT];
	u->vds[which] = loc;
	u->vds_len[which] = len;
	for (uint64_t s = loc; s < loc + len && s - loc < ISOFS_MAX_VDS; s++) {
		if (isofs_read(fs, s, 1, b, why, why_size) != 0)
			return -1;
		if (!isofs_tag_ok(b, SECT, 0, (uint32_t)s))
			break;
		unsigned tag = get16(b);
		if (tag == 8)
			break;
		if (tag == 3)
			return FAIL("UDF: volume descriptor pointers are not supported");
		if (tag == 5) {
			if (u->pd[which])
				return FAIL("UDF: more than one partition");
			u->pd[which] = s;
			if (which == 0 && read_pd(fs, b, why, why_size) != 0)
				return -1;
			if (which == 1 && (get32(b + 188) != u->part_start || get32(b + 192) != u->part_len))
				u->pd[1] = 0;	/* not a copy of the main one: left alone */
		}
		if (tag == 6) {
			if (u->lvd[which])
				return FAIL("UDF: more than one logical volume");
			u->lvd[which] = s;
			if (which == 0 && read_lvd(fs, b, fsd, why, why_size) != 0)
				return -1;
		}
	}
	return 0;
}

/* The current logical volume integrity descriptor: the last of its
 * sequence; its size table gives the partition's size. */
static int read_lvid(struct isofs *fs, char *why, size_t why_size)
{
	struct isofs_udf *u = &fs->udf;
	unsigned char b[SECT];
	for (uint64_t s = u->lvid_ext; s < u->lvid_ext + u->lvid_len && s - u->lvid_ext < ISOFS_MAX_VDS;
	     s++) {
		if (isofs_read(fs, s, 1, b, why, why_size) != 0)
			return -1;
		if (!isofs_tag_ok(b, SECT, 9, (uint32_t)s))
			break;
		uint32_t np = get32(b + 72);
		if (np < 1 || 80 + 8 * (uint64_t)np > SECT)
			return FAIL("UDF: integrity descriptor at sector %" PRIu64 " lists %" PRIu32
				    " partitions", s, np);
		u->lvid = s;
	}
	return 0;
}

/* Partition block -> absolute sector, the n sectors from it inside the
 * partition. */
static int block_ok(const struct isofs *fs, uint64_t block, uint64_t n)
{
	uint64_t len = fs->udf.part_len;
	if (fs->append > fs->udf.part_start + len)	/* grown by the edits so far */
		len = fs->append - fs->udf.part_start;
	return block < len && n <= len - block;
}

static int read_fe(struct isofs *fs, uint32_t block, struct fe *fe, char *why, size_t why_size)
{
	for (int hop = 0;; hop++) {
		if (!block_ok(fs, block, 1))
			return FAIL("UDF: file entry at block %" PRIu32 " is outside the partition", block);
		fe->lba = fs->udf.part_start + block;
		if (isofs_read_part(fs, fe->lba, 1, fe->b, why, why_size) != 0)
			return -1;
		if (!isofs_tag_ok(fe->b, SECT, 0, block))
			return FAIL("UDF: bad descriptor tag at sector %" PRIu64, fe->lba);
		if (get16(fe->b) != 259)
			break;
		if (hop >= 8)	/* indirect entries: a chain, maybe a loop */
			return FAIL("UDF: more than 8 indirect entries at sector %" PRIu64, fe->lba);
		if (get16(fe->b + 36 + 8) != 0)
			return FAIL("UDF: indirect entry into another partition");
		block = get32(fe->b + 36 + 4);
	}
	unsigned tag = get16(fe->b);
	if (tag != 261 && tag != 266)
		return FAIL("UDF: sector %" PRIu64 " holds descriptor %u, not a file entry", fe->lba, tag);
	fe->efe = tag == 266;
	fe->strategy = get16(fe->b + 16 + 4);
	fe->dir = fe->b[16 + 11] == 4;
	fe->adtype = get16(fe->b + 16 + 18) & 7;
	fe->size = get64(fe->b + 56);
	size_t base = fe->efe ? 216 : 176;
	uint64_t l_ea = get32(fe->b + base - 8), l_ad = get32(fe->b + base - 4);
	if (l_ea > SECT || l_ad > SECT || base + l_ea + l_ad > SECT)
		return FAIL("UDF: file entry at sector %" PRIu64 " is longer than its block", fe->lba);
	fe->ad_off = base + (size_t)l_ea;
	fe->l_ad = (size_t)l_ad;
	return 0;
}

/* The extents of a file entry's data, absolute, cut to its size. */
static int fe_extents(struct isofs *fs, const struct fe *fe, struct isofs_extent **out,
		      size_t *n_out, char *why, size_t why_size)
{
	size_t step = fe->adtype == 0 ? 8 : 16, n = 0;
	uint64_t left = fe->size;
	*out = NULL;
	*n_out = 0;
	if (fe->adtype == 3) {
		if (fe->size > fe->l_ad)
			return FAIL("UDF: embedded file at sector %" PRIu64 " is larger than its entry", fe->lba);
		return 0;
	}
	if (fe->adtype > 1)
		return FAIL("UDF: extended allocation descriptors (sector %" PRIu64 ") are not supported",
			    fe->lba);
	struct isofs_extent *v = calloc(fe->l_ad / step + 1, sizeof(*v));
	if (!v)
		return FAIL("out of memory");
	for (size_t off = 0; off + step <= fe->l_ad && left; off += step) {
		const unsigned char *a = fe->b + fe->ad_off + off;
		uint32_t len = get32(a) & 0x3FFFFFFF, type = get32(a) >> 30, block = get32(a + 4);
		if (len == 0)
			break;
		if (type == 3) {
			free(v);
			return FAIL("UDF: allocation extent descriptors (sector %" PRIu64 ") are not supported",
				    fe->lba);
		}
		if (type != 0 || (step == 16 && get16(a + 8) != 0) || !block_ok(fs, block, sectors_of(len))) {
			free(v);
			return FAIL("UDF: file entry at sector %" PRIu64 " has an extent %s", fe->lba,
				    type ? "not recorded" : "outside the partition");
		}
		uint64_t k = len < left ? len : left;
		v[n++] = (struct isofs_extent){ fs->udf.part_start + block, k };
		left -= k;
	}
	if (left) {
		free(v);
		return FAIL("UDF: file entry at sector %" PRIu64 " has less data than its size", fe->lba);
	}
	*out = v;
	*n_out = n;
	return 0;
}

/* Why the file of this entry cannot be resized in place, or NULL. */
static const char *fe_nogo(const struct fe *fe)
{
	if (fe->strategy != 4)
		return "its UDF entry uses ICB strategy 4096";
	if (fe->adtype == 3)
		return "its data is embedded in its UDF entry";
	if (get32(fe->b + (fe->efe ? 136 : 112)) & 0x3FFFFFFF)
		return "it has extended attributes in a separate ICB";
	if (fe->efe && get32(fe->b + 152) & 0x3FFFFFFF)
		return "it has named streams";
	if (fe->b[16 + 11] != 5)
		return "it is not a regular file";
	return NULL;
}

struct walk {
	struct isofs *fs;
	struct isofs_seen seen;
	char *why;
	size_t why_size;
};

static int walk_dir(struct walk *w, const struct fe *dir, const char *path, int depth);

/* The bytes of a directory: its extents or its embedded data. */
static int dir_data(struct isofs *fs, const struct fe *fe, unsigned char **data, size_t *len,
		    char *why, size_t why_size)
{
	struct isofs_extent *ext;
	size_t n;
	if (fe->size > ISOFS_MAX_DIR_BYTES)
		return FAIL("UDF: directory at sector %" PRIu64 " is larger than %u bytes", fe->lba,
			    ISOFS_MAX_DIR_BYTES);
	if (fe_extents(fs, fe, &ext, &n, why, why_size) != 0)
		return -1;
	unsigned char *d = malloc(sectors_of(fe->size) * SECT + SECT);
	if (!d) {
		free(ext);
		return FAIL("out of memory");
	}
	if (fe->adtype == 3) {
		memcpy(d, fe->b + fe->ad_off, (size_t)fe->size);
	} else {
		size_t at = 0;
		for (size_t i = 0; i < n; i++) {
			if (isofs_read_part(fs, ext[i].lba, (size_t)sectors_of(ext[i].bytes), d + at,
					    why, why_size) != 0) {
				free(ext);
				free(d);
				return -1;
			}
			at += (size_t)ext[i].bytes;
		}
	}
	free(ext);
	*data = d;
	*len = (size_t)fe->size;
	return 0;
}

/* One file identifier descriptor at d (avail bytes): its length, or 0 on
 * a bad one. */
static size_t fid_len(const unsigned char *d, size_t avail)
{
	if (avail < 38 || !isofs_tag_ok(d, avail, 257, ISOFS_ANY_LOC))
		return 0;
	size_t n = 38 + get16(d + 36) + d[19];
	return n <= avail ? n : 0;
}

static int add_child(struct walk *w, const unsigned char *fid, const char *path, int depth)
{
	char *why = w->why;
	size_t why_size = w->why_size;
	struct fe fe;
	if (get16(fid + 28) != 0)
		return FAIL("UDF: %s is in another partition", path);
	if (read_fe(w->fs, get32(fid + 24), &fe, why, why_size) != 0)
		return -1;
	struct isofs_node *nd = isofs_add_node(w->fs, path, why, why_size);
	if (!nd)
		return -1;
	nd->pub.dir = fe.dir;
	nd->pub.size = fe.size;
	nd->pub.embedded = fe.adtype == 3;
	nd->icb = fe.lba;
	nd->nogo = fe_nogo(&fe);
	if (fe_extents(w->fs, &fe, &nd->ext, &nd->pub.n_ext, why, why_size) != 0)
		return -1;
	if (!fe.dir)
		return 0;
	int r = isofs_seen_add(&w->seen, fe.lba);
	if (r < 0)
		return FAIL("out of memory");
	if (r > 0)
		return FAIL("UDF: directory %s is listed twice (a loop)", path);
	return walk_dir(w, &fe, path, depth + 1);
}

static int walk_dir(struct walk *w, const struct fe *dir, const char *path, int depth)
{
	char *why = w->why;
	size_t why_size = w->why_size;
	unsigned char *d = NULL;
	size_t len = 0;
	if (depth > ISOFS_MAX_DEPTH)
		return FAIL("UDF: directories nested deeper than %d levels", ISOFS_MAX_DEPTH);
	if (dir_data(w->fs, dir, &d, &len, why, why_size) != 0)
		return -1;
	int r = 0;
	for (size_t pos = 0; pos < len && r == 0;) {
		size_t n = fid_len(d + pos, len - pos);
		if (!n) {
			r = FAIL("UDF: bad file identifier in directory %s", *path ? path : "/");
			break;
		}
		const unsigned char *f = d + pos;
		pos += (n + 3) & ~(size_t)3;
		if (f[18] & 0x0C)	/* deleted, or the parent */
			continue;
		char name[1024], full[ISOFS_MAX_PATH];
		iso_parse_cs0(f + 38 + get16(f + 36), f[19], name, sizeof(name));
		if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
			r = FAIL("UDF: bad file name in directory %s", *path ? path : "/");
		else if ((size_t)snprintf(full, sizeof(full), "%s%s%s", path, *path ? "/" : "", name) >=
			 sizeof(full))
			r = FAIL("UDF: a path longer than %d bytes", ISOFS_MAX_PATH);
		else
			r = add_child(w, f, full, depth);
	}
	free(d);
	return r;
}

static int read_root(struct isofs *fs, uint32_t fsd, char *why, size_t why_size)
{
	unsigned char b[SECT];
	struct fe root;
	if (!block_ok(fs, fsd, 1))
		return FAIL("UDF: the file set descriptor is outside the partition");
	if (isofs_read(fs, fs->udf.part_start + fsd, 1, b, why, why_size) != 0)
		return -1;
	if (!isofs_tag_ok(b, SECT, 256, fsd))
		return FAIL("UDF: no file set descriptor at sector %" PRIu64, fs->udf.part_start + fsd);
	if (get16(b + 400 + 8) != 0)
		return FAIL("UDF: the root directory is in another partition");
	if (read_fe(fs, get32(b + 400 + 4), &root, why, why_size) != 0)
		return -1;
	if (!root.dir)
		return FAIL("UDF: the root is not a directory");
	fs->udf.root = root.lba;
	struct walk w = { fs, { NULL, 0, 0 }, why, why_size };
	int r = isofs_seen_add(&w.seen, root.lba) < 0 ? FAIL("out of memory") : walk_dir(&w, &root, "", 0);
	free(w.seen.v);
	return r;
}

int isofs_udf_open(struct isofs *fs, char *why, size_t why_size)
{
	unsigned char avdp[SECT];
	uint32_t len, loc, fsd = 0;
	fs->udf.present = true;
	if (read_anchor(fs, avdp, why, why_size) != 0)
		return -1;
	iso_parse_udf_anchor(avdp, &len, &loc);
	if (read_vds(fs, 0, loc, len / SECT, &fsd, why, why_size) != 0)
		return -1;
	if (!fs->udf.pd[0] || !fs->udf.lvd[0])
		return FAIL("UDF: the volume descriptor sequence at sector %" PRIu32
			    " has no partition or logical volume", loc);
	if (get32(avdp + 24) >= SECT &&
	    read_vds(fs, 1, get32(avdp + 28), get32(avdp + 24) / SECT, &fsd, why, why_size) != 0)
		return -1;
	if (read_lvid(fs, why, why_size) != 0)
		return -1;
	return read_root(fs, fsd, why, why_size);
}

/* The partition block of byte `off` of a directory's data in extents ext. */
static uint32_t data_block(const struct isofs *fs, const struct isofs_extent *ext, size_t n,
			   size_t off)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t cap = sectors_of(ext[i].bytes) * SECT;
		if (off < cap)
			return (uint32_t)(ext[i].lba + off / SECT - fs->udf.part_start);
		off -= cap;
	}
	return 0;
}

/* The FID of block `icb` (not the parent's, not a deleted one) in
 * directory data d: its offset, *len its bytes with padding; -1 if none. */
static long find_fid(const unsigned char *d, size_t len, uint32_t icb, size_t *fid_bytes)
{
	for (size_t pos = 0; pos < len;) {
		size_t n = fid_len(d + pos, len - pos);
		if (!n)
			return -1;
		size_t padded = (n + 3) & ~(size_t)3;
		if (padded > len - pos)
			padded = len - pos;
		const unsigned char *f = d + pos;
		if (!(f[18] & 0x0C) && get32(f + 24) == icb && get16(f + 28) == 0) {
			*fid_bytes = padded;
			return (long)pos;
		}
		pos += padded;
	}
	return -1;
}

/* The parent directory's file entry of a path ("" : the root). */
static uint64_t parent_icb(struct isofs *fs, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return fs->udf.root;
	char *dir = strndup(path, (size_t)(slash - path));
	const struct isofs_node *p = dir ? isofs_node_find(fs, dir) : NULL;
	free(dir);
	return p && p->pub.dir ? p->icb : 0;
}

/* New lengths for the directory's allocation descriptors, for `size`
 * bytes of data: the last extents shrink, those left empty go. */
static void shrink_ads(struct fe *fe, const struct isofs_extent *ext, size_t n, uint64_t size)
{
	size_t step = fe->adtype == 0 ? 8 : 16, kept = 0;
	uint64_t left = size;
	for (size_t i = 0; i < n && left; i++) {
		unsigned char *a = fe->b + fe->ad_off + i * step;
		uint64_t k = ext[i].bytes < left ? ext[i].bytes : left;
		put32(a, (uint32_t)k);	/* type 0: recorded and allocated */
		left -= k;
		kept = i + 1;
	}
	memset(fe->b + fe->ad_off + kept * step, 0, fe->l_ad - kept * step);
	fe->l_ad = kept * step;
}

/*
 * The FID is taken out of the directory's data, not marked deleted
 * (ECMA-167 4/14.4.3 bit 2): older 7-Zip releases (UdfIn.cpp,
 * CInArchive::ReadFileItem) skip only the parent's FID and list every
 * other one with the Deleted characteristic unread, so a deleted FID
 * would still be listed by them (7-Zip 26 and Linux's udf_readdir skip
 * it); a directory without it is read alike by all.  The FIDs after it
 * move down (their tags
 * sealed again with the block they now start in), the directory's size
 * and allocation descriptors shrink, its entry is sealed again.  The
 * file's own entry and data are left where they are, unreferenced.
 */
int isofs_udf_remove(struct isofs *fs, const struct isofs_node *n, char *why, size_t why_size)
{
	struct isofs_extent *ext = NULL;
	unsigned char *d = NULL;
	size_t n_ext = 0, len = 0, cut = 0;
	struct fe dir;
	uint64_t picb = parent_icb(fs, n->pub.path);
	int r = -1;
	if (!picb)
		return FAIL("UDF: the directory of %s is not in the listing", n->pub.path);
	if (read_fe(fs, (uint32_t)(picb - fs->udf.part_start), &dir, why, why_size) != 0)
		return -1;
	if (!dir.dir || dir.adtype > 1 || dir.strategy != 4)
		return FAIL("%s: its UDF directory's entry %s", n->pub.path,
			    !dir.dir ? "is not a directory's"
			    : dir.adtype > 1 ? "holds its data or has no short or long allocation "
					       "descriptors"
					     : "uses ICB strategy 4096");
	if (fe_extents(fs, &dir, &ext, &n_ext, why, why_size) != 0 ||
	    dir_data(fs, &dir, &d, &len, why, why_size) != 0)
		goto out;
	long at = find_fid(d, len, (uint32_t)(n->icb - fs->udf.part_start), &cut);
	if (at < 0) {
		FAIL("UDF: %s is not in its directory's identifiers", n->pub.path);
		goto out;
	}
	memmove(d + at, d + at + cut, len - (size_t)at - cut);
	memset(d + len - cut, 0, cut);
	for (size_t pos = (size_t)at; pos < len - cut;) {
		size_t k = fid_len(d + pos, len - cut - pos);
		if (!k) {
			FAIL("UDF: bad file identifier in the directory of %s", n->pub.path);
			goto out;
		}
		isofs_tag_seal(d + pos, data_block(fs, ext, n_ext, pos), 0);
		pos += (k + 3) & ~(size_t)3;
	}
	shrink_ads(&dir, ext, n_ext, len - cut);
	put64(dir.b + 56, len - cut);
	uint64_t blocks = sectors_of(len - cut);
	put64(dir.b + (dir.efe ? 72 : 64), blocks);
	if (dir.efe)
		put64(dir.b + 64, len - cut);
	put32(dir.b + (dir.efe ? 216 : 176) - 4, (uint32_t)dir.l_ad);
	isofs_tag_seal(dir.b, (uint32_t)(dir.lba - fs->udf.part_start), dir.ad_off + dir.l_ad);
	/* Every sector taken into the overlay before any is changed. */
	for (size_t i = 0; i < n_ext; i++)
		for (uint64_t s = 0; s < sectors_of(ext[i].bytes); s++)
			if (!isofs_edit_part(fs, ext[i].lba + s, why, why_size))
				goto out;
	if (!isofs_edit_part(fs, dir.lba, why, why_size))
		goto out;
	size_t off = 0;
	for (size_t i = 0; i < n_ext; i++)
		for (uint64_t s = 0; s < sectors_of(ext[i].bytes); s++, off += SECT)
			memcpy(isofs_edit_part(fs, ext[i].lba + s, NULL, 0), d + off, SECT);
	memcpy(isofs_edit_part(fs, dir.lba, NULL, 0), dir.b, SECT);
	r = isofs_udf_counts(fs, -1, 0, why, why_size);
out:
	free(ext);
	free(d);
	return r;
}

/* ------------------------------------------------------------------ */
/* Adding files and directories */

/* The integrity descriptor's counts (UDF 2.2.6.4: number of files and of
 * directories in its implementation use) moved by dfiles and ddirs, and,
 * with `uniq`, the next unique ID taken (3/10.10.4: the logical volume
 * header's, kept above every one in use; 0-15 are reserved). */
static int lvid_update(struct isofs *fs, int dfiles, int ddirs, uint64_t *uniq, char *why,
		       size_t why_size)
{
	unsigned char *b;
	if (!fs->udf.lvid)
		return uniq ? FAIL("UDF: no integrity descriptor to number a new file") : 0;
	if (!(b = isofs_edit_sector(fs, fs->udf.lvid, why, why_size)))
		return -1;
	uint64_t iu = 80 + 8 * (uint64_t)get32(b + 72);
	if (get32(b + 76) >= 40 && iu + 40 <= SECT) {
		put32(b + iu + 32, get32(b + iu + 32) + (uint32_t)dfiles);
		put32(b + iu + 36, get32(b + iu + 36) + (uint32_t)ddirs);
	}
	if (uniq) {
		uint64_t u = get64(b + 40);
		*uniq = u < 16 ? 16 : u;
		put64(b + 40, *uniq + 1);
	}
	isofs_tag_seal(b, (uint32_t)fs->udf.lvid, 0);
	return 0;
}

int isofs_udf_counts(struct isofs *fs, int dfiles, int ddirs, char *why, size_t why_size)
{
	return lvid_update(fs, dfiles, ddirs, NULL, why, why_size);
}

/* A file identifier descriptor (4/14.4) for the entry at `block` with
 * unique ID `uniq`, its tag's version and serial number from `like`;
 * its padded length (4/14.4.9), at most 40 + 255 bytes.  Sealed where it
 * lands. */
static size_t make_fid(unsigned char *f, const unsigned char *like, unsigned chars,
		       uint32_t block, uint64_t uniq, const unsigned char *name, size_t name_len)
{
	size_t padded = (38 + name_len + 3) & ~(size_t)3;
	memset(f, 0, padded);
	memcpy(f, like, 16);
	put16(f, 257);
	put16(f + 16, 1);	/* file version */
	f[18] = (unsigned char)chars;
	f[19] = (unsigned char)name_len;
	put32(f + 20, SECT);	/* the ICB: one block */
	put32(f + 24, block);
	put32(f + 32, (uint32_t)uniq);	/* UDF 2.3.4.3: its unique ID's low half */
	if (name_len)
		memcpy(f + 38, name, name_len);
	put16(f + 10, (uint32_t)(padded - 16));
	return padded;
}

/* Write `len` bytes of directory data d (whole sectors of it, zeros
 * after len) into the sectors of ext, each FID's tag sealed with the
 * block it starts in. */
static int put_dir_data(struct isofs *fs, unsigned char *d, size_t len,
			const struct isofs_extent *ext, size_t n_ext, char *why, size_t why_size)
{
	for (size_t pos = 0; pos < len;) {
		size_t k = fid_len(d + pos, len - pos);
		if (!k) {
			/* only its tag location and CRC are to be sealed yet */
			size_t claimed = 38 + get16(d + pos + 36) + d[pos + 19];
			if (len - pos < 38 || claimed > len - pos)
				return FAIL("UDF: bad file identifier in a directory being written");
			k = claimed;
		}
		size_t padded = (k + 3) & ~(size_t)3;
		isofs_tag_seal(d + pos, data_block(fs, ext, n_ext, pos), padded);
		pos += padded;
	}
	size_t off = 0;
	for (size_t i = 0; i < n_ext; i++)
		for (uint64_t s = 0; s < sectors_of(ext[i].bytes); s++, off += SECT) {
			unsigned char *b = isofs_edit_part(fs, ext[i].lba + s, why, why_size);
			if (!b)
				return -1;
			memcpy(b, d + off, SECT);
		}
	return 0;
}

/* The allocation descriptors of fe for extents ext (fe->adtype's kind),
 * its information length and recorded blocks; sealed. */
static void set_ads(struct isofs *fs, struct fe *fe, const struct isofs_extent *ext, size_t n_ext,
		    uint64_t size)
{
	size_t step = fe->adtype == 0 ? 8 : 16;
	uint64_t blocks = 0;
	memset(fe->b + fe->ad_off, 0, SECT - fe->ad_off);
	for (size_t i = 0; i < n_ext; i++) {
		unsigned char *a = fe->b + fe->ad_off + i * step;
		put32(a, (uint32_t)ext[i].bytes);	/* type 0: recorded and allocated */
		put32(a + 4, (uint32_t)(ext[i].lba - fs->udf.part_start));
		blocks += sectors_of(ext[i].bytes);
	}
	fe->l_ad = n_ext * step;
	fe->size = size;
	put64(fe->b + 56, size);
	put64(fe->b + (fe->efe ? 72 : 64), blocks);
	if (fe->efe)
		put64(fe->b + 64, size);	/* object size: no streams */
	put32(fe->b + (fe->efe ? 216 : 176) - 4, (uint32_t)fe->l_ad);
	isofs_tag_seal(fe->b, (uint32_t)(fe->lba - fs->udf.part_start), fe->ad_off + fe->l_ad);
}

/* A new entry's file entry, from `like` (a file entry of the same kind
 * in the image, so that it gets the same owner, permissions, times and
 * implementation): no extended attributes, ICB strategy 4, one link. */
static void new_fe(struct fe *fe, const struct fe *like, bool dir, uint64_t lba, uint64_t uniq)
{
	size_t base = like->efe ? 216 : 176;
	memset(fe, 0, sizeof(*fe));
	memcpy(fe->b, like->b, base);
	fe->lba = lba;
	fe->efe = like->efe;
	fe->dir = dir;
	fe->strategy = 4;
	fe->adtype = like->adtype <= 1 ? like->adtype : 0;
	fe->ad_off = base;
	put32(fe->b + 16, 0);		/* prior recorded direct entries */
	put16(fe->b + 20, 4);		/* strategy 4 */
	put16(fe->b + 22, 0);
	put16(fe->b + 24, 1);		/* maximum number of entries */
	fe->b[26] = 0;
	fe->b[27] = dir ? 4 : 5;	/* directory, or bytes */
	memset(fe->b + 28, 0, 6);	/* parent ICB */
	put16(fe->b + 34, (get16(like->b + 34) & ~7u) | fe->adtype);
	put16(fe->b + 48, 1);		/* file link count */
	put32(fe->b + (fe->efe ? 128 : 108), 1);	/* checkpoint */
	memset(fe->b + (fe->efe ? 136 : 112), 0, 16);	/* extended attribute ICB */
	if (fe->efe)
		memset(fe->b + 152, 0, 16);	/* stream directory ICB */
	put64(fe->b + (fe->efe ? 200 : 160), uniq);
	put32(fe->b + base - 8, 0);	/* L_EA */
}

/* The file entry new entries of a kind are made like: a directory's its
 * parent's, a file's the first regular file's of the listing (else the
 * parent's). */
static int like_fe(struct isofs *fs, const struct fe *parent, bool dir, struct fe *like,
		   char *why, size_t why_size)
{
	for (size_t i = 0; !dir && i < fs->n_nodes; i++) {
		const struct isofs_node *m = &fs->nodes[i];
		if (!m->pub.dir && !m->gone && m->icb && !m->nogo)
			return read_fe(fs, (uint32_t)(m->icb - fs->udf.part_start), like, why, why_size);
	}
	*like = *parent;
	return 0;
}

/* The parent's directory data with fid appended, written where it was
 * if it fits its sectors, else into a new extent at the append point;
 * its entry gets the new size (and a link for a subdirectory). */
static int dir_append(struct isofs *fs, struct fe *dir, const unsigned char *fid, size_t fid_bytes,
		      bool subdir, const char *path, char *why, size_t why_size)
{
	struct isofs_extent *ext = NULL, moved;
	unsigned char *d = NULL, *all = NULL;
	size_t n_ext = 0, len = 0;
	int r = -1;
	if (fe_extents(fs, dir, &ext, &n_ext, why, why_size) != 0 ||
	    dir_data(fs, dir, &d, &len, why, why_size) != 0)
		goto out;
	size_t nlen = len + fid_bytes;
	if (nlen > ISOFS_MAX_DIR_BYTES) {
		FAIL("UDF: the directory of %s would be larger than %u bytes", path, ISOFS_MAX_DIR_BYTES);
		goto out;
	}
	if (!(all = calloc(1, sectors_of(nlen) * SECT + SECT))) {
		FAIL("out of memory");
		goto out;
	}
	memcpy(all, d, len);
	memcpy(all + len, fid, fid_bytes);
	if (n_ext == 1 && nlen <= sectors_of(ext[0].bytes) * SECT) {
		ext[0].bytes = nlen;
	} else {
		moved = (struct isofs_extent){ fs->append, nlen };
		fs->append += sectors_of(nlen);
		free(ext);
		if (!(ext = malloc(sizeof(*ext)))) {
			FAIL("out of memory");
			goto out;
		}
		ext[0] = moved;
		n_ext = 1;
	}
	if (put_dir_data(fs, all, nlen, ext, n_ext, why, why_size) != 0)
		goto out;
	if (subdir)
		put16(dir->b + 48, get16(dir->b + 48) + 1);
	set_ads(fs, dir, ext, n_ext, nlen);
	unsigned char *b = isofs_edit_part(fs, dir->lba, why, why_size);
	if (!b)
		goto out;
	memcpy(b, dir->b, SECT);
	struct isofs_node *pn = NULL;
	for (size_t i = 0; i < fs->n_nodes && !pn; i++)
		if (fs->nodes[i].icb == dir->lba && !fs->nodes[i].gone)
			pn = &fs->nodes[i];
	if (pn) {	/* the root has no node */
		free(pn->ext);
		pn->ext = ext;
		pn->pub.ext = ext;
		pn->pub.n_ext = n_ext;
		pn->pub.size = nlen;
		ext = NULL;
	}
	r = 0;
out:
	free(ext);
	free(d);
	free(all);
	return r;
}

/* The tag of the directory's first identifier (its parent's), whose
 * version and serial number new identifiers take. */
static int first_tag(struct isofs *fs, const struct fe *dir, unsigned char tag[16],
		     const char *path, char *why, size_t why_size)
{
	unsigned char *d = NULL;
	size_t len = 0;
	if (dir_data(fs, dir, &d, &len, why, why_size) != 0)
		return -1;
	bool ok = fid_len(d, len) > 0;
	if (ok)
		memcpy(tag, d, 16);
	free(d);
	return ok ? 0 : FAIL("UDF: the directory of %s starts with no file identifier", path);
}

/*
 * A new directory, or regular file of `size` bytes, `name` in the
 * directory whose entry is at sector picb, listed as `path`: its file
 * entry at the append point, a file's data right after it (the caller
 * writes it there), a directory's parent identifier after it; its
 * identifier appended to the parent's data; the integrity descriptor's
 * counts and next unique ID moved on; the node added.
 */
int isofs_udf_add(struct isofs *fs, uint64_t picb, const char *path, const char *name, bool dir,
		  uint64_t size, char *why, size_t why_size)
{
	unsigned char cs0[256], fid[40 + 256], pfid[SECT];	/* a directory's first sector */
	size_t name_len = iso_make_cs0(name, cs0, 255);
	struct fe parent, like, fe;
	uint64_t uniq;
	struct isofs_extent *ext = NULL;
	size_t n_ext = 0;
	if (!name_len)
		return FAIL("%s: its name is not UTF-8 of at most 254 characters UDF can hold", path);
	if (read_fe(fs, (uint32_t)(picb - fs->udf.part_start), &parent, why, why_size) != 0)
		return -1;
	if (!parent.dir || parent.adtype > 1 || parent.strategy != 4)
		return FAIL("%s: its UDF directory's entry %s", path,
			    !parent.dir ? "is not a directory's"
			    : parent.adtype > 1 ? "holds its data or has no short or long allocation "
						  "descriptors"
						: "uses ICB strategy 4096");
	if (like_fe(fs, &parent, dir, &like, why, why_size) != 0 ||
	    lvid_update(fs, dir ? 0 : 1, dir ? 1 : 0, &uniq, why, why_size) != 0)
		return -1;
	uint64_t lba = fs->append++;
	uint64_t data = dir ? 40 : size;
	if (data) {
		struct isofs_extent run = { fs->append, data };
		n_ext = isofs_split_extents(&run, 1, ISOFS_UDF_EXTENT_MAX, NULL, 0);
		if (!(ext = calloc(n_ext + 1, sizeof(*ext))))
			return FAIL("out of memory");
		isofs_split_extents(&run, 1, ISOFS_UDF_EXTENT_MAX, ext, n_ext);
		fs->append += sectors_of(data);
	}
	size_t step = like.adtype == 1 ? 16 : 8, base = like.efe ? 216 : 176;
	if (base + n_ext * step > SECT) {
		free(ext);
		return FAIL("%s: %zu extents do not fit in a UDF file entry", path, n_ext);
	}
	new_fe(&fe, &like, dir, lba, uniq);
	set_ads(fs, &fe, ext, n_ext, data);
	unsigned char *b = isofs_edit_part(fs, lba, why, why_size);
	if (!b) {
		free(ext);
		return -1;
	}
	memcpy(b, fe.b, SECT);
	unsigned char first[16];
	if (first_tag(fs, &parent, first, path, why, why_size) != 0) {
		free(ext);
		return -1;
	}
	if (dir) {
		memset(pfid, 0, sizeof(pfid));
		make_fid(pfid, first, 0x0A, (uint32_t)(parent.lba - fs->udf.part_start),
			 get64(parent.b + (parent.efe ? 200 : 160)), NULL, 0);
		if (put_dir_data(fs, pfid, 40, ext, n_ext, why, why_size) != 0) {
			free(ext);
			return -1;
		}
	}
	size_t fb = make_fid(fid, first, dir ? 0x02 : 0, (uint32_t)(lba - fs->udf.part_start), uniq,
			     cs0, name_len);
	if (dir_append(fs, &parent, fid, fb, dir, path, why, why_size) != 0) {
		free(ext);
		return -1;
	}
	struct isofs_node *nd = isofs_add_node(fs, path, why, why_size);
	if (!nd) {
		free(ext);
		return -1;
	}
	nd->pub.dir = dir;
	nd->pub.size = data;
	nd->icb = lba;
	nd->ext = ext;
	nd->pub.ext = ext;
	nd->pub.n_ext = n_ext;
	return isofs_index_nodes(fs, why, why_size);
}

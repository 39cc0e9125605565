/*
 * unit-isofs.c - adapters/isofs: the UDF tag CRC and checksum, the split
 * of data runs into UDF extents (2^30 - 2048 bytes at most) and ISO 9660
 * sections (2^32 - 2048), then, on the images named on the command line
 * (tests/isofs.test builds them), files of 5 GiB and more on an in-memory
 * sparse copy: extents, multi-extent records, the file entry's room, what
 * a reopened image says; and on copies with one descriptor changed (its
 * tag sealed again): the unsupported UDF features refused with their
 * reason, an extended file entry resized.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/isofs.h"
#include "adapters/isofs_int.h"
#include "tap.h"

#define GiB ((uint64_t)1 << 30)

static void test_tag(void)
{
	unsigned char d[SECT];
	is_int(isofs_crc_itu((const unsigned char *)"123456789", 9), 0x31C3,
	       "CRC-ITU-T of \"123456789\" is 0x31C3");
	memset(d, 0, sizeof(d));
	put16(d, 261);
	put16(d + 2, 2);
	memset(d + 16, 0xA5, 160);
	isofs_tag_seal(d, 77, 176);
	ok(isofs_tag_ok(d, SECT, 261, 77), "a sealed tag is valid");
	is_int(get16(d + 10), 160, "its CRC covers the descriptor after the tag");
	ok(!isofs_tag_ok(d, SECT, 261, 78), "at another location it is not");
	ok(!isofs_tag_ok(d, SECT, 257, 77), "nor with another identifier");
	ok(!isofs_tag_ok(d, 100, 261, 77), "nor when the CRC runs past what can be read");
	d[100] ^= 1;
	ok(!isofs_tag_ok(d, SECT, 261, 77), "a changed byte breaks the CRC");
	d[100] ^= 1;
	d[12] ^= 1;
	ok(!isofs_tag_ok(d, SECT, 0, ISOFS_ANY_LOC), "a changed tag byte breaks the checksum");
}

static bool extents_ok(const struct isofs_extent *e, size_t n, uint64_t max, uint64_t total)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		if (e[i].bytes == 0 || e[i].bytes > max || (i + 1 < n && e[i].bytes % SECT))
			return false;
		sum += e[i].bytes;
	}
	return sum == total;
}

static void test_split(void)
{
	struct isofs_extent out[16];
	struct isofs_extent big = { 1000, 3 * GiB + 5 };
	size_t n = isofs_split_extents(&big, 1, ISOFS_UDF_EXTENT_MAX, out, 16);
	is_int(n, 4, "3 GiB + 5 bytes: four UDF extents");
	ok(extents_ok(out, n, ISOFS_UDF_EXTENT_MAX, big.bytes),
	   "... of at most 2^30 - 2048 bytes, whole sectors but the last");
	ok(out[1].lba == 1000 + ISOFS_UDF_EXTENT_MAX / SECT && out[3].bytes == 3 * 2048 + 5,
	   "... each following the one before");
	is_int(isofs_split_extents(&big, 1, ISOFS_UDF_EXTENT_MAX, NULL, 0), 4, "counted without an array");
	struct isofs_extent five = { 50, 5 * GiB + 123 };
	n = isofs_split_extents(&five, 1, ISOFS_9660_EXTENT_MAX, out, 16);
	is_int(n, 2, "5 GiB: two ISO 9660 sections");
	ok(n == 2 && out[0].bytes == 0xFFFFF800 && out[1].lba == 50 + 0xFFFFF800 / SECT &&
	   out[1].bytes == 5 * GiB + 123 - 0xFFFFF800, "... the first 2^32 - 2048 bytes");
	n = isofs_split_extents(&five, 1, ISOFS_UDF_EXTENT_MAX, out, 16);
	is_int(n, 6, "5 GiB + 123: six UDF extents");
	ok(extents_ok(out, n, ISOFS_UDF_EXTENT_MAX, five.bytes), "... adding up");
	struct isofs_extent runs[] = { { 10, 4096 }, { 12, 100 }, { 20, 0 }, { 30, 100 }, { 31, 5 } };
	n = isofs_split_extents(runs, 5, ISOFS_UDF_EXTENT_MAX, out, 16);
	is_int(n, 3, "runs that continue each other are joined, empty ones dropped");
	ok(n == 3 && out[0].lba == 10 && out[0].bytes == 4196 && out[1].lba == 30 && out[1].bytes == 100 &&
	   out[2].lba == 31, "... but not after a run that ends inside a sector");
	struct isofs_extent two[] = { { 0, 2 * ISOFS_UDF_EXTENT_MAX },
				      { 2 * ISOFS_UDF_EXTENT_MAX / SECT, GiB } };
	n = isofs_split_extents(two, 2, ISOFS_UDF_EXTENT_MAX, out, 2);
	is_int(n, 4, "the count needed comes back when the array is too short");
}

/* A sparse in-memory image: the file's sectors, the patches over them,
 * zeros elsewhere. */
struct mem {
	const unsigned char *base;
	uint64_t base_sectors;
	const struct isofs_patch *p;
	size_t n_p;
	const struct isofs_patch *q;	/* a second edit's, over the first's */
	size_t n_q;
};

static int mem_read(void *ctx, uint64_t lba, size_t n, unsigned char *buf)
{
	const struct mem *m = ctx;
	for (size_t i = 0; i < n; i++) {
		uint64_t s = lba + i;
		unsigned char *d = buf + i * SECT;
		memset(d, 0, SECT);
		if (s < m->base_sectors)
			memcpy(d, m->base + s * SECT, SECT);
		for (size_t k = 0; k < m->n_p; k++)
			if (s >= m->p[k].lba && s - m->p[k].lba < m->p[k].n_sectors)
				memcpy(d, m->p[k].data + (s - m->p[k].lba) * SECT, SECT);
		for (size_t k = 0; k < m->n_q; k++)
			if (s >= m->q[k].lba && s - m->q[k].lba < m->q[k].n_sectors)
				memcpy(d, m->q[k].data + (s - m->q[k].lba) * SECT, SECT);
	}
	return 0;
}

static unsigned char *load(const char *path, uint64_t *sectors)
{
	FILE *f = fopen(path, "rb");
	unsigned char *d = NULL;
	long n;
	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(d = malloc((size_t)n + 1)) || fread(d, 1, (size_t)n, f) != (size_t)n)
		bail_out("cannot read an image named on the command line");
	fclose(f);
	*sectors = (uint64_t)n / SECT;
	return d;
}

static const struct isofs_item *item(const struct isofs *fs, int tree, const char *path)
{
	const struct isofs_tree *t = &fs->trees[tree];
	for (size_t i = 0; i < t->n_items; i++)
		if (!isofs_strcasecmp_ascii(t->items[i].path, path))
			return &t->items[i];
	return NULL;
}

/* The image at `path` into m (served by rd), opened: the handle, or NULL
 * (said, m's copy freed). */
static struct isofs *open_image(const char *path, const char *what, struct mem *m,
				struct isofs_reader *rd, uint64_t *sectors)
{
	char why[512];
	*m = (struct mem){ load(path, sectors), 0, NULL, 0, NULL, 0 };
	m->base_sectors = *sectors;
	*rd = (struct isofs_reader){ mem_read, m };
	diag("%s %s", what, path);
	struct isofs *fs = isofs_open(rd, *sectors, why, sizeof(why));
	if (!ok(fs != NULL, "%s opens", path)) {
		diag("%s", why);
		free((void *)m->base);
	}
	return fs;
}

static void test_image(const char *path)
{
	char why[512];
	uint64_t sectors, new_sectors;
	struct mem m = { load(path, &sectors), 0, NULL, 0, NULL, 0 };
	struct isofs_reader rd = { mem_read, &m };
	struct isofs_patch *p;
	size_t n_p;
	m.base_sectors = sectors;

	diag("%s", path);
	struct isofs *fs = isofs_open(&rd, sectors, why, sizeof(why));
	if (!ok(fs != NULL, "%s opens", path)) {
		diag("%s", why);
		return;
	}
	const struct isofs_file *bw = isofs_find(fs, "SOURCES/BOOT.WIM");
	ok(bw && !strcmp(bw->path, "sources/boot.wim"), "found without regard to case, named as stored");
	uint64_t first = bw ? bw->ext[0].lba : 0, append0 = fs->append0;
	bool iso_lists = item(fs, 0, "sources/boot.wim") != NULL;

	uint64_t huge = 300 * GiB;
	is_int(isofs_set_size(fs, "sources/boot.wim", huge, why, sizeof(why)), -1,
	       "300 GiB is refused");
	ok(strstr(why, "extents do not fit in its UDF file entry") != NULL,
	   "... the entry has no room: %s", why);

	uint64_t big = 5 * GiB + 123;
	is_int(isofs_set_size(fs, "sources/boot.wim", big, why, sizeof(why)), 0, "5 GiB + 123 bytes: resized");
	bw = isofs_find(fs, "sources/boot.wim");
	ok(bw->size == big && extents_ok(bw->ext, bw->n_ext, ISOFS_UDF_EXTENT_MAX, big),
	   "%zu extents of at most 2^30 - 2048 bytes hold it", bw->n_ext);
	ok(bw->n_ext >= 6 && bw->ext[0].lba == first && bw->ext[1].lba >= append0,
	   "it keeps its sectors, the rest goes behind the partition");
	is_int(isofs_set_size(fs, "sources/install.wim", 0, why, sizeof(why)), 0, "install.wim emptied");
	is_int(isofs_commit(fs, &p, &n_p, &new_sectors, why, sizeof(why)), 0, "committed");
	uint64_t added = 0;
	for (size_t i = 0; i < bw->n_ext; i++)
		if (bw->ext[i].lba >= append0)
			added += sectors_of(bw->ext[i].bytes);
	is_int(new_sectors, sectors + added, "the image grows by the new extents (%" PRIu64 " sectors)", added);
	is_int(isofs_volume_sectors(fs), new_sectors, "the volume's new size");
	is_int(isofs_set_size(fs, "setup.exe", 1, why, sizeof(why)), -1, "no edits after the commit");
	struct isofs_extent want[16];
	size_t n_want = bw->n_ext < 16 ? bw->n_ext : 16;
	memcpy(want, bw->ext, n_want * sizeof(*want));
	size_t n_sections = isofs_split_extents(bw->ext, bw->n_ext, ISOFS_9660_EXTENT_MAX, NULL, 0);

	m.p = p;
	m.n_p = n_p;
	struct isofs *re = isofs_open(&rd, new_sectors, why, sizeof(why));
	if (!ok(re != NULL, "the patched image opens")) {
		diag("%s", why);
	} else {
		const struct isofs_file *f = isofs_find(re, "sources/boot.wim");
		ok(f && f->size == big && f->n_ext == n_want && !memcmp(f->ext, want, n_want * sizeof(*want)),
		   "its UDF entry has the new size and extents");
		f = isofs_find(re, "sources/install.wim");
		ok(f && f->size == 0 && f->n_ext == 0, "install.wim is empty");
		const struct isofs_item *it = item(re, 0, "sources/boot.wim");
		if (iso_lists) {
			ok(it && it->size == big && it->n_rec == n_sections && n_sections == 3 &&
			   it->ext[0].lba == first,
			   "ISO 9660 lists it in 3 records: its old sectors, 2 sections of the new");
			it = item(re, 1, "sources/boot.wim");
			ok(it && it->size == big && it->n_rec == n_sections, "so does Joliet");
		} else {
			ok(it == NULL, "ISO 9660 still does not list it");
			ok(!re->trees[1].present, "and there is no Joliet tree");
		}
		is_int(re->udf.part_start + re->udf.part_len, new_sectors - (sectors - append0),
		       "the partition ends where the moved area starts");
	}
	isofs_free(re);
	isofs_patches_free(p, n_p);
	isofs_free(fs);
	free((void *)m.base);
}

/* The integrity descriptor's file and directory counts and next unique
 * ID (UDF 2.2.6.4, ECMA-167 3/10.10). */
struct counts {
	uint32_t files, dirs;
	uint64_t next;
};
static struct counts lvid_counts(struct isofs *fs)
{
	unsigned char b[SECT];
	struct counts c = { 0, 0, 0 };
	char why[256];
	if (!fs->udf.lvid || isofs_read(fs, fs->udf.lvid, 1, b, why, sizeof(why)) != 0)
		return c;
	size_t iu = 80 + 8 * get32(b + 72);
	c.files = get32(b + iu + 32);
	c.dirs = get32(b + iu + 36);
	c.next = get64(b + 40);
	return c;
}

/* The unique ID of a file's entry (FE 160, EFE 200). */
static uint64_t unique_id(struct isofs *fs, const char *path)
{
	struct isofs_node *n = isofs_node_find(fs, path);
	unsigned char b[SECT];
	char why[256];
	if (!n || !n->icb || isofs_read(fs, n->icb, 1, b, why, sizeof(why)) != 0)
		return 0;
	return get64(b + (get16(b) == 266 ? 200 : 160));
}

/* Removing files: each tree's entries go, nothing else changes, the
 * file whose data comes last in a UDF volume is refused. */
static void test_remove(const char *path)
{
	static const char *const gone[] = { "SETUP.EXE", "support/empty.txt",
					    "boot/fonts/segmono_boot.ttf" };
	char why[512];
	uint64_t sectors, new_sectors;
	struct mem m;
	struct isofs_reader rd;
	struct isofs_patch *p = NULL;
	size_t n_p = 0;
	struct isofs *fs = open_image(path, "removing files from", &m, &rd, &sectors);
	if (!fs)
		return;
	size_t count = isofs_count(fs), listed[2];
	struct counts c0 = lvid_counts(fs);
	for (int t = 0; t < 2; t++)
		listed[t] = fs->trees[t].n_items;
	bool in_tree[2] = { item(fs, 0, "setup.exe") != NULL, item(fs, 1, "setup.exe") != NULL };
	is_int(isofs_remove(fs, "support", why, sizeof(why)), -1, "a directory is not removed");
	ok(strstr(why, "is a directory") != NULL, "... saying so: %s", why);
	const struct isofs_file *last = NULL;
	uint64_t end = 0;
	for (size_t i = 0; i < isofs_count(fs); i++) {
		const struct isofs_file *f = isofs_at(fs, i);
		for (size_t k = 0; !f->dir && k < f->n_ext; k++)
			if (f->ext[k].lba + sectors_of(f->ext[k].bytes) > end) {
				end = f->ext[k].lba + sectors_of(f->ext[k].bytes);
				last = f;
			}
	}
	if (last && fs->udf.present) {
		char *lp = strdup(last->path);
		is_int(isofs_remove(fs, lp, why, sizeof(why)), -1,
		       "the file whose data comes last (%s) is not removed", lp);
		ok(strstr(why, "last file data of the UDF volume") != NULL, "... saying why: %s", why);
		free(lp);
	}
	for (size_t i = 0; i < 3; i++)
		is_int(isofs_remove(fs, gone[i], why, sizeof(why)), 0, "%s removed", gone[i]);
	ok(!isofs_find(fs, "setup.exe") && isofs_find(fs, "bootmgr"), "it is not found any more, the others are");
	is_int(isofs_remove(fs, "setup.exe", why, sizeof(why)), -1, "nor removed twice");
	is_int(isofs_commit(fs, &p, &n_p, &new_sectors, why, sizeof(why)), 0, "committed");
	is_int(new_sectors, sectors, "the image keeps its size");
	bool below = n_p > 0;
	for (size_t i = 0; i < n_p; i++)
		below &= p[i].lba + p[i].n_sectors <= fs->append0 && p[i].n_sectors <= 4;
	ok(below, "%zu runs of directory sectors written, inside the volume", n_p);

	m.p = p;
	m.n_p = n_p;
	struct isofs *re = isofs_open(&rd, sectors, why, sizeof(why));
	if (!ok(re != NULL, "the patched image opens (every tag checked)")) {
		diag("%s", why);
	} else {
		is_int(isofs_count(re), count - 3, "three entries fewer");
		if (re->udf.present)
			is_int(lvid_counts(re).files, c0.files - 3,
			       "the integrity descriptor counts three files fewer");
		ok(!isofs_find(re, "setup.exe") && !isofs_find(re, "support/empty.txt") &&
		   !isofs_find(re, "boot/fonts/segmono_boot.ttf"), "none of them is listed");
		bool same = true;
		for (size_t i = 0; i < isofs_count(re); i++) {
			const struct isofs_file *f = isofs_at(re, i), *o = isofs_find(fs, f->path);
			same &= o && o->dir == f->dir && (f->dir || (o->size == f->size && o->n_ext == f->n_ext &&
				 !memcmp(o->ext, f->ext, f->n_ext * sizeof(*f->ext))));
		}
		ok(same, "every other file has its size and extents");
		for (int t = 0; t < 2; t++) {
			if (!in_tree[t])
				continue;
			ok(!item(re, t, "setup.exe") && !item(re, t, "support/empty.txt") &&
			   item(re, t, "bootmgr") && re->trees[t].n_items == listed[t] - 3,
			   "%s: its records are gone, three fewer, the others there",
			   t ? "Joliet" : "ISO 9660");
		}
	}
	isofs_free(re);
	isofs_patches_free(p, n_p);
	isofs_free(fs);
	free((void *)m.base);
}

/* Adding files where the ISO 9660 and Joliet trees list the files too
 * (genisoimage): records inserted in both, in name order, 8.3 where the
 * tree has no longer names; a new directory refused before anything is
 * changed. */
static void test_add_mirrored(struct isofs *fs, struct mem *m, struct isofs_reader *rd,
			      uint64_t sectors)
{
	char why[512];
	struct isofs_patch *p = NULL;
	size_t n_p = 0, listed[2] = { fs->trees[0].n_items, fs->trees[1].n_items };
	uint64_t ns;
	is_int(isofs_add(fs, "$WinPEDriver$/net/x.inf", 10, why, sizeof(why)), -1,
	       "mirrored trees: a new directory is refused");
	ok(strstr(why, "makes no directories there") != NULL, "... saying why: %s", why);
	is_int(isofs_add(fs, "Autounattend.xml", 12, why, sizeof(why)), 0, "a file at the root added");
	is_int(isofs_add(fs, "SOURCES/zz_a_long_name.txt", 5 * GiB + 1, why, sizeof(why)), 0,
	       "a 5 GiB file into sources/ added");
	is_int(isofs_commit(fs, &p, &n_p, &ns, why, sizeof(why)), 0, "committed");
	m->p = p;
	m->n_p = n_p;
	struct isofs *re = isofs_open(rd, ns, why, sizeof(why));
	if (!ok(re != NULL, "the patched image opens")) {
		diag("%s", why);
	} else {
		const struct isofs_item *a = item(re, 0, "AUTOUNAT.XML"), *b = item(re, 1, "Autounattend.xml");
		const struct isofs_file *u = isofs_find(re, "Autounattend.xml");
		ok(a && b && u && a->size == 12 && b->size == 12 && a->ext[0].lba == u->ext[0].lba &&
		   b->ext[0].lba == u->ext[0].lba,
		   "ISO 9660 (8.3: AUTOUNAT.XML) and Joliet list the root file at its UDF data");
		a = item(re, 0, "SOURCES/ZZ_A_LON.TXT");
		b = item(re, 1, "sources/zz_a_long_name.txt");
		ok(a && b && a->size == 5 * GiB + 1 && a->n_rec == 2 && b->n_rec == 2,
		   "the 5 GiB file: two records in each tree (multi-extent)");
		ok(re->trees[0].n_items == listed[0] + 2 && re->trees[1].n_items == listed[1] + 2,
		   "two items more in each tree");
		ok(item(re, 0, "SOURCES/BOOT.WIM") && item(re, 1, "sources/install.wim"),
		   "the other records are there");
	}
	isofs_free(re);
	isofs_patches_free(p, n_p);
	isofs_free(fs);
	(void)sectors;
}

/* Adding files: on images whose ISO 9660 tree mirrors the UDF one,
 * test_add_mirrored; else new entries behind the partition, every old one
 * unchanged, the counts and unique IDs moved on, a 3 GiB file in four
 * extents, the image reopened from the patches. */
static void test_add(const char *path)
{
	char why[512];
	uint64_t sectors, new_sectors;
	struct mem m;
	struct isofs_reader rd;
	struct isofs_patch *p = NULL;
	size_t n_p = 0;
	struct isofs *fs = open_image(path, "adding files to", &m, &rd, &sectors);
	if (!fs)
		return;
	if (item(fs, 0, "sources/boot.wim")) {
		test_add_mirrored(fs, &m, &rd, sectors);
		free((void *)m.base);
		return;
	}
	size_t count = isofs_count(fs);
	struct counts c0 = lvid_counts(fs);
	uint64_t append0 = fs->append0;
	is_int(isofs_add(fs, "SETUP.EXE", 10, why, sizeof(why)), -1, "a file there is not added");
	is_int(isofs_add(fs, "setup.exe/x", 10, why, sizeof(why)), -1, "nor one under a file");
	ok(strstr(why, "setup.exe is a file of the image") != NULL, "... saying why: %s", why);
	is_int(isofs_add(fs, "a/../b", 10, why, sizeof(why)), -1, "nor a path with ..");
	is_int(isofs_add(fs, "/abs", 10, why, sizeof(why)), -1, "nor an absolute one");
	is_int(isofs_add(fs, "Autounattend.xml", 12, why, sizeof(why)), 0, "Autounattend.xml added");
	is_int(isofs_add(fs, "$WinPEDriver$/net/sub/big.sys", 3 * GiB, why, sizeof(why)), 0,
	       "a 3 GiB file three directories deep added");
	is_int(isofs_add(fs, "SOURCES/new.txt", 0, why, sizeof(why)), 0, "an empty file into SOURCES/ added");
	is_int(isofs_add(fs, "\xc3\xa9t\xc3\xa9/\xe2\x82\xac.txt", 5, why, sizeof(why)), 0,
	       "names beyond ASCII (8- and 16-bit UDF names) added");
	const struct isofs_file *f = isofs_find(fs, "$winpedriver$/NET/sub/big.sys");
	ok(f && f->size == 3 * GiB && f->n_ext == 4 && extents_ok(f->ext, 4, ISOFS_UDF_EXTENT_MAX, 3 * GiB) &&
	   f->ext[0].lba > append0, "the 3 GiB file: four extents (of 2^30 - 2048 bytes at most) behind the partition");
	f = isofs_find(fs, "sources/NEW.TXT");
	ok(f && !strcmp(f->path, "sources/new.txt") && f->size == 0 && f->n_ext == 0,
	   "the file in an existing directory takes its spelling: %s", f ? f->path : "(none)");
	is_int(isofs_count(fs), count + 8, "four files and four directories more");
	is_int(isofs_commit(fs, &p, &n_p, &new_sectors, why, sizeof(why)), 0, "committed");
	ok(new_sectors > sectors + 3 * GiB / SECT, "the image grows by the new data and entries");

	m.p = p;
	m.n_p = n_p;
	struct isofs *re = isofs_open(&rd, new_sectors, why, sizeof(why));
	if (!ok(re != NULL, "the patched image opens (every tag checked)")) {
		diag("%s", why);
	} else {
		is_int(isofs_count(re), count + 8, "it lists the new entries");
		f = isofs_find(re, "$WinPEDriver$/net/sub/big.sys");
		ok(f && f->size == 3 * GiB && f->n_ext == 4, "the 3 GiB file's entry reads back");
		f = isofs_find(re, "\xc3\xa9t\xc3\xa9/\xe2\x82\xac.txt");
		ok(f && f->size == 5, "the names beyond ASCII read back");
		ok(isofs_find(re, "$WinPEDriver$/net") && isofs_find(re, "$WinPEDriver$/net")->dir,
		   "the new directories are directories");
		bool same = true;
		for (size_t i = 0; i < isofs_count(fs); i++) {
			const struct isofs_file *o = isofs_at(fs, i), *g = isofs_find(re, o->path);
			same &= g && g->dir == o->dir && (o->dir || (g->size == o->size && g->n_ext == o->n_ext &&
				 (!o->n_ext || !memcmp(o->ext, g->ext, o->n_ext * sizeof(*o->ext)))));
		}
		ok(same, "every entry has the size and extents the edit gave it");
		struct counts c1 = lvid_counts(re);
		is_int(c1.files, c0.files + 4, "the integrity descriptor counts four files more");
		is_int(c1.dirs, c0.dirs + 4, "and four directories more");
		uint64_t u1 = unique_id(re, "Autounattend.xml"), u2 = unique_id(re, "$WinPEDriver$/net/sub/big.sys");
		ok(u1 >= c0.next && u1 >= 16 && u2 > u1 && c1.next > u2,
		   "new entries take unique IDs from the next one (%" PRIu64 ", %" PRIu64 "), which moves on",
		   u1, u2);
		is_int(re->udf.part_start + re->udf.part_len, new_sectors - (sectors - append0),
		       "the partition ends where the moved area starts");
	}
	isofs_free(re);
	isofs_patches_free(p, n_p);
	isofs_free(fs);
	free((void *)m.base);
}

/* Removing a file of 5 GiB: ISO 9660 and Joliet list it in several
 * records (multi-extent: its old sectors, then sections of at most
 * 2^32 - 2048 bytes), and all of them go;
 * the UDF entry goes, every other file keeps its extents. */
static void test_remove_big(const char *path)
{
	char why[512];
	uint64_t sectors, s1, s2;
	struct mem m;
	struct isofs_reader rd;
	struct isofs_patch *p = NULL, *q = NULL;
	size_t n_p = 0, n_q = 0;
	uint64_t big = 5 * GiB + 123;
	struct isofs *fs = open_image(path, "removing a 5 GiB file from", &m, &rd, &sectors);
	if (!fs)
		return;
	bool lists = item(fs, 0, "sources/install.wim") != NULL;
	uint64_t bsize = isofs_find(fs, "sources/boot.wim")->size;
	/* boot.wim grown after install.wim: its data comes last, as the
	 * removal wants it (7-Zip reads a UDF volume's end from its data). */
	ok(isofs_set_size(fs, "sources/install.wim", big, why, sizeof(why)) == 0 &&
	   isofs_set_size(fs, "sources/boot.wim", bsize + 3 * 1024 * 1024, why, sizeof(why)) == 0 &&
	   isofs_commit(fs, &p, &n_p, &s1, why, sizeof(why)) == 0, "install.wim made 5 GiB, boot.wim grown after it");
	isofs_free(fs);
	m.p = p;
	m.n_p = n_p;
	struct isofs *re = isofs_open(&rd, s1, why, sizeof(why));
	if (!ok(re != NULL, "reopened")) {
		diag("%s", why);
		goto out;
	}
	size_t count = isofs_count(re), listed[2] = { re->trees[0].n_items, re->trees[1].n_items };
	if (lists)
		ok(item(re, 0, "sources/install.wim")->n_rec >= 2 &&
		   item(re, 1, "sources/install.wim")->n_rec == item(re, 0, "sources/install.wim")->n_rec,
		   "ISO 9660 and Joliet list it in %zu records each (multi-extent)",
		   item(re, 0, "sources/install.wim")->n_rec);
	is_int(isofs_remove(re, "sources/install.wim", why, sizeof(why)), 0, "the 5 GiB file removed");
	is_int(isofs_commit(re, &q, &n_q, &s2, why, sizeof(why)), 0, "committed");
	is_int(s2, s1, "the image keeps its size");
	m.q = q;
	m.n_q = n_q;
	struct isofs *re2 = isofs_open(&rd, s2, why, sizeof(why));
	if (!ok(re2 != NULL, "the image without it opens (every tag checked)")) {
		diag("%s", why);
	} else {
		is_int(isofs_count(re2), count - 1, "UDF lists one entry fewer");
		ok(!isofs_find(re2, "sources/install.wim"), "install.wim is not found");
		for (int t = 0; lists && t < 2; t++)
			ok(!item(re2, t, "sources/install.wim") && re2->trees[t].n_items == listed[t] - 1 &&
			   item(re2, t, "sources/boot.wim"),
			   "%s: all its records are gone, the other items there", t ? "Joliet" : "ISO 9660");
		const struct isofs_file *a = isofs_find(re, "sources/boot.wim"), *b = isofs_find(re2, "sources/boot.wim");
		ok(a && b && a->size == b->size && a->n_ext == b->n_ext &&
		   !memcmp(a->ext, b->ext, a->n_ext * sizeof(*a->ext)), "boot.wim keeps its size and extents");
	}
	isofs_free(re2);
out:
	isofs_free(re);
	isofs_patches_free(p, n_p);
	isofs_patches_free(q, n_q);
	free((void *)m.base);
}

/* A copy of the image with sector lba changed by edit() and its tag
 * sealed again at `loc`, served by m. */
static unsigned char *changed_copy(const unsigned char *img, uint64_t sectors, uint64_t lba,
				   uint32_t loc, void (*edit)(unsigned char *), struct mem *m)
{
	unsigned char *copy = malloc(sectors * SECT);
	if (!copy)
		bail_out("out of memory");
	memcpy(copy, img, sectors * SECT);
	edit(copy + lba * SECT);
	isofs_tag_seal(copy + lba * SECT, loc, 0);
	*m = (struct mem){ copy, sectors, NULL, 0, NULL, 0 };
	return copy;
}

static void ed_bitmap(unsigned char *b) { put32(b + 56 + 8, 2048); }
static void ed_two_maps(unsigned char *b) { put32(b + 268, 2); }
static void ed_map_type2(unsigned char *b) { b[440] = 2; b[441] = 64; }
static void ed_block4096(unsigned char *b) { put32(b + 212, 4096); }
static void ed_strategy(unsigned char *b) { put16(b + 16 + 4, 4096); }
static void ed_embedded(unsigned char *b) { put16(b + 16 + 18, (get16(b + 16 + 18) & ~7u) | 3); }
static void ed_unrecorded(unsigned char *b)
{
	size_t base = get16(b) == 266 ? 216 : 176;
	unsigned char *ad = b + base + get32(b + base - 8);
	put32(ad, get32(ad) | 1u << 30);
}

/* What a file entry turns into as an extended file entry (ECMA-167
 * 4/14.17): the same fields, the object size, creation time and stream
 * directory added; EFEs are what UDF 2.00 and later write. */
static void ed_efe(unsigned char *b)
{
	unsigned char fe[SECT];
	memcpy(fe, b, SECT);
	memset(b + 16 + 20, 0, SECT - 36);
	put16(b, 266);
	memcpy(b + 36, fe + 36, 28);		/* uid .. information length */
	memcpy(b + 64, fe + 56, 8);		/* object size */
	memcpy(b + 72, fe + 64, 8);		/* logical blocks recorded */
	memcpy(b + 80, fe + 72, 24);		/* access, modification time */
	memcpy(b + 104, fe + 84, 12);		/* creation time */
	memcpy(b + 116, fe + 96, 16);		/* attribute time, checkpoint */
	memcpy(b + 136, fe + 112, 16);		/* extended attribute ICB */
	memcpy(b + 168, fe + 128, 48);		/* implementation id .. L_AD */
	uint32_t rest = get32(fe + 168) + get32(fe + 172);
	memcpy(b + 216, fe + 176, rest);
	put16(b + 10, (uint32_t)(216 + rest - 16));
}

struct change {
	const char *what;
	int where;		/* 0 PD, 1 LVD, 2 FE of setup.exe, 3 FE of boot.wim */
	void (*edit)(unsigned char *);
	const char *open_why;	/* isofs_open refuses, saying this */
	const char *edit_why;	/* else set_size refuses, saying this (NULL: it works) */
};

static void test_changes(const char *path)
{
	static const struct change ch[] = {
		{ "a space bitmap", 0, ed_bitmap, NULL, "space bitmaps or tables" },
		{ "two partition maps", 1, ed_two_maps, "2 partition maps", NULL },
		{ "a metadata partition map", 1, ed_map_type2, "virtual, sparable or metadata", NULL },
		{ "4096-byte blocks", 1, ed_block4096, "logical blocks of 4096 bytes", NULL },
		{ "ICB strategy 4096", 2, ed_strategy, NULL, "ICB strategy 4096" },
		{ "embedded data", 2, ed_embedded, NULL, "embedded in its UDF entry" },
		{ "an unrecorded extent", 2, ed_unrecorded, "not recorded", NULL },
		{ "an extended file entry", 3, ed_efe, NULL, NULL },
	};
	char why[512];
	uint64_t sectors;
	unsigned char *img = load(path, &sectors);
	struct mem m0 = { img, sectors, NULL, 0, NULL, 0 };
	struct isofs_reader rd0 = { mem_read, &m0 };
	struct isofs *fs = isofs_open(&rd0, sectors, why, sizeof(why));
	if (!fs)
		bail_out("cannot open an image named on the command line");
	const struct isofs_node *setup = isofs_node_find(fs, "setup.exe");
	const struct isofs_node *bw = isofs_node_find(fs, "sources/boot.wim");
	uint64_t at[4] = { fs->udf.pd[0], fs->udf.lvd[0], setup->icb, bw->icb };
	uint32_t loc[4] = { (uint32_t)at[0], (uint32_t)at[1], (uint32_t)(at[2] - fs->udf.part_start),
			    (uint32_t)(at[3] - fs->udf.part_start) };
	isofs_free(fs);
	for (size_t i = 0; i < sizeof(ch) / sizeof(ch[0]); i++) {
		const struct change *c = &ch[i];
		struct mem m;
		unsigned char *copy = changed_copy(img, sectors, at[c->where], loc[c->where], c->edit, &m);
		struct isofs_reader rd = { mem_read, &m };
		fs = isofs_open(&rd, sectors, why, sizeof(why));
		if (c->open_why) {
			ok(!fs && strstr(why, c->open_why), "%s: not opened: %s", c->what, fs ? "(opened)" : why);
		} else if (!ok(fs != NULL, "%s: opened", c->what)) {
			diag("%s", why);
		} else {
			const char *file = c->where == 3 ? "sources/boot.wim" : "setup.exe";
			uint64_t size = 4 * 1024 * 1024 + 1;
			int r = isofs_set_size(fs, file, size, why, sizeof(why));
			if (c->edit_why) {
				ok(r == -1 && strstr(why, c->edit_why), "%s: not resized: %s", c->what,
				   r ? why : "(resized)");
			} else {
				struct isofs_patch *p;
				size_t n;
				uint64_t ns;
				ok(r == 0 && isofs_commit(fs, &p, &n, &ns, why, sizeof(why)) == 0,
				   "%s: resized and committed", c->what);
				m.p = p;
				m.n_p = n;
				struct isofs *re = isofs_open(&rd, ns, why, sizeof(why));
				const struct isofs_node *nd = re ? isofs_node_find(re, file) : NULL;
				unsigned char sec[SECT];
				if (nd)
					mem_read(&m, nd->icb, 1, sec);
				ok(nd && nd->pub.size == size && get16(sec) == 266 && get64(sec + 64) == size &&
				   get64(sec + 72) == sectors_of(nd->ext[0].bytes) + sectors_of(nd->ext[1].bytes),
				   "%s: reopened, its size, object size and blocks recorded are new", c->what);
				isofs_free(re);
				isofs_patches_free(p, n);
			}
		}
		isofs_free(fs);
		free(copy);
	}
	free(img);
}

/* Seal sector lba of img at its own place. */
static void seal_at(unsigned char *img, uint64_t lba)
{
	isofs_tag_seal(img + lba * SECT, (uint32_t)lba, 0);
}

/* The reserve volume descriptor sequence and the integrity descriptor
 * moved behind the partition (where a writer may put them): an edit that
 * grows the volume moves them further out and fixes what points at them. */
static void test_moved_descriptors(const char *path)
{
	char why[512];
	uint64_t sectors;
	unsigned char *img = load(path, &sectors);
	struct mem m = { img, sectors, NULL, 0, NULL, 0 };
	struct isofs_reader rd = { mem_read, &m };
	struct isofs *fs = isofs_open(&rd, sectors, why, sizeof(why));
	if (!fs)
		bail_out("cannot open an image named on the command line");
	struct isofs_udf u = fs->udf;
	uint64_t tail = fs->append0, rvds = tail + 5, lvid = tail + 30;
	isofs_free(fs);
	if (sectors - tail < 40 || u.vds_len[1] > 16 || !u.lvid) {
		skip(6, "no room behind the partition");
		free(img);
		return;
	}
	for (uint64_t k = 0; k < u.vds_len[1]; k++) {
		memcpy(img + (rvds + k) * SECT, img + (u.vds[1] + k) * SECT, SECT);
		seal_at(img, rvds + k);
	}
	memcpy(img + lvid * SECT, img + u.lvid * SECT, SECT);
	seal_at(img, lvid);
	uint64_t lvds[2] = { u.lvd[0], rvds + (u.lvd[1] - u.vds[1]) };
	for (int i = 0; i < 2; i++) {
		put32(img + lvds[i] * SECT + 436, (uint32_t)lvid);
		seal_at(img, lvds[i]);
	}
	for (size_t i = 0; i < u.n_avdp; i++) {
		put32(img + u.avdp[i] * SECT + 28, (uint32_t)rvds);
		seal_at(img, u.avdp[i]);
	}

	fs = isofs_open(&rd, sectors, why, sizeof(why));
	ok(fs && fs->udf.vds[1] == rvds && fs->udf.lvid == lvid && fs->udf.pd[1],
	   "the copy has its reserve sequence and integrity descriptor behind the partition");
	struct isofs_patch *p = NULL;
	size_t n = 0;
	uint64_t ns = 0;
	ok(fs && isofs_set_size(fs, "sources/boot.wim", 4 * 1024 * 1024, why, sizeof(why)) == 0 &&
	   isofs_commit(fs, &p, &n, &ns, why, sizeof(why)) == 0, "grown by 4 MiB");
	uint64_t delta = ns - sectors;
	isofs_free(fs);
	m.p = p;
	m.n_p = n;
	fs = isofs_open(&rd, ns, why, sizeof(why));
	ok(fs && fs->udf.vds[1] == rvds + delta, "the anchors point at the moved reserve sequence");
	ok(fs && fs->udf.pd[1] == rvds + delta + (u.pd[1] - u.vds[1]),
	   "its partition descriptor has the new length too");
	ok(fs && fs->udf.lvid == lvid + delta, "both logical volumes point at the moved integrity descriptor");
	unsigned char b[SECT];
	mem_read(&m, lvid + delta, 1, b);
	ok(fs && get32(b + 80 + 4 * get32(b + 72)) == fs->udf.part_len &&
	   fs->udf.part_len == u.part_len + delta,
	   "whose size table has the partition's new size");
	isofs_free(fs);
	isofs_patches_free(p, n);
	free(img);
}

int main(int argc, char **argv)
{
	test_tag();
	test_split();
	for (int i = 1; i < argc; i++)
		test_image(argv[i]);
	for (int i = 1; i < argc; i++)
		test_changes(argv[i]);
	for (int i = 1; i < argc; i++)
		test_moved_descriptors(argv[i]);
	for (int i = 1; i < argc; i++)
		test_remove(argv[i]);
	for (int i = 1; i < argc; i++)
		test_add(argv[i]);
	for (int i = 1; i < argc; i++)
		test_remove_big(argv[i]);
	return done_testing();
}

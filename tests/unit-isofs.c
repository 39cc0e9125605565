/*
 * unit-isofs.c - adapters/isofs: the UDF tag CRC and checksum, the split
 * of data runs into UDF extents (2^30 - 2048 bytes at most) and ISO 9660
 * sections (2^32 - 2048), then, on the images named on the command line
 * (tests/isofs.test builds them), files of 5 GiB and more on an in-memory
 * sparse copy: extents, multi-extent records, the file entry's room, what
 * a reopened image says.
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
	ok(extents_ok(out, n, ISOFS_UDF_EXTENT_MAX, big.bytes), "... of at most 2^30 - 2048 bytes, whole sectors but the last");
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
	struct isofs_extent two[] = { { 0, 2 * ISOFS_UDF_EXTENT_MAX }, { 2 * ISOFS_UDF_EXTENT_MAX / SECT, GiB } };
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

static void test_image(const char *path)
{
	char why[512];
	uint64_t sectors, new_sectors;
	struct mem m = { load(path, &sectors), 0, NULL, 0 };
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
	ok(strstr(why, "extents do not fit in its UDF file entry") != NULL, "... the entry has no room: %s", why);

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

int main(int argc, char **argv)
{
	test_tag();
	test_split();
	for (int i = 1; i < argc; i++)
		test_image(argv[i]);
	return done_testing();
}

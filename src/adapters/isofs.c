/* isofs.c - opening an image's file systems, the listing, the sector
 * overlay; see isofs.h.  UDF is read by isofs_udf.c, ISO 9660 and Joliet
 * by isofs_9660.c, edits are made by isofs_edit.c. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/iso_parse.h"
#include "adapters/isofs_int.h"

int isofs_fail(char *why, size_t why_size, const char *fmt, ...)
{
	va_list ap;
	if (why && why_size) {
		va_start(ap, fmt);
		vsnprintf(why, why_size, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The entry of sector lba in a list of edited sectors, or NULL. */
static struct isofs_sector *sector_in(struct isofs_sector *v, size_t n, uint64_t lba)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].lba == lba)
			return &v[i];
	return NULL;
}

/* A new entry at the end of a list of edited sectors, or NULL. */
static struct isofs_sector *sector_push(struct isofs_sector **v, size_t *n, size_t *alloc,
					char *why, size_t why_size)
{
	if (*n == *alloc) {
		size_t k = *alloc ? 2 * *alloc : 16;
		struct isofs_sector *w = realloc(*v, k * sizeof(*w));
		if (!w) {
			isofs_fail(why, why_size, "out of memory");
			return NULL;
		}
		*v = w;
		*alloc = k;
	}
	return &(*v)[(*n)++];
}

/* Is the run [lba, lba + n) in the area edits append to? */
static bool in_new_area(const struct isofs *fs, uint64_t lba, size_t n)
{
	return lba >= fs->append0 && lba < fs->append && n <= fs->append - lba;
}

int isofs_read_part(struct isofs *fs, uint64_t lba, size_t n, unsigned char *buf, char *why,
		    size_t why_size)
{
	if (!n || !in_new_area(fs, lba, n))
		return isofs_read(fs, lba, n, buf, why, why_size);
	for (size_t i = 0; i < n; i++) {
		const struct isofs_sector *s = sector_in(fs->fresh, fs->n_fresh, lba + i);
		if (s)
			memcpy(buf + i * SECT, s->data, SECT);
		else
			memset(buf + i * SECT, 0, SECT);
	}
	return 0;
}

int isofs_read(struct isofs *fs, uint64_t lba, size_t n, unsigned char *buf, char *why,
	       size_t why_size)
{
	if (lba > fs->image_sectors || n > fs->image_sectors - lba)
		return isofs_fail(why, why_size, "sector %llu is past the end of the image (%llu sectors)",
				  (unsigned long long)(lba + n - (n > 0)),
				  (unsigned long long)fs->image_sectors);
	if (n && fs->rd.read(fs->rd.ctx, lba, n, buf) != 0)
		return isofs_fail(why, why_size, "cannot read sector %llu", (unsigned long long)lba);
	for (size_t i = 0; i < fs->n_sec; i++)
		if (fs->sec[i].lba >= lba && fs->sec[i].lba - lba < n)
			memcpy(buf + (fs->sec[i].lba - lba) * SECT, fs->sec[i].data, SECT);
	return 0;
}

/* A sector of the new area: zeros on first use, emitted whole at commit
 * (never moved with the area behind the data, which is read as it was). */
static unsigned char *fresh_sector(struct isofs *fs, uint64_t lba, char *why, size_t why_size)
{
	struct isofs_sector *s = sector_in(fs->fresh, fs->n_fresh, lba);
	unsigned char *d;
	if (s)
		return s->data;
	if (!(d = calloc(1, SECT))) {
		isofs_fail(why, why_size, "out of memory");
		return NULL;
	}
	if (!(s = sector_push(&fs->fresh, &fs->n_fresh, &fs->alloc_fresh, why, why_size))) {
		free(d);
		return NULL;
	}
	*s = (struct isofs_sector){ lba, d, NULL };
	return d;
}

unsigned char *isofs_edit_part(struct isofs *fs, uint64_t lba, char *why, size_t why_size)
{
	if (lba >= fs->append0)
		return fresh_sector(fs, lba, why, why_size);
	return isofs_edit_sector(fs, lba, why, why_size);
}

unsigned char *isofs_edit_sector(struct isofs *fs, uint64_t lba, char *why, size_t why_size)
{
	struct isofs_sector *s = sector_in(fs->sec, fs->n_sec, lba);
	unsigned char *d;
	if (s)
		return s->data;
	if (!(d = malloc(2 * SECT))) {
		isofs_fail(why, why_size, "out of memory");
		return NULL;
	}
	if (isofs_read(fs, lba, 1, d, why, why_size) != 0 ||
	    !(s = sector_push(&fs->sec, &fs->n_sec, &fs->alloc_sec, why, why_size))) {
		free(d);
		return NULL;
	}
	memcpy(d + SECT, d, SECT);
	*s = (struct isofs_sector){ lba, d, d + SECT };
	return d;
}

/* Directory ICBs already walked: a hash set, so that a directory listed
 * twice (a loop, or a hostile image's fan-out) is refused in linear time. */
int isofs_seen_add(struct isofs_seen *s, uint64_t key)
{
	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		uint64_t *v = calloc(cap, sizeof(*v));
		if (!v)
			return -1;
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i])
				for (size_t j = s->v[i] * 0x9E3779B97F4A7C15u % cap;; j = (j + 1) % cap)
					if (!v[j]) {
						v[j] = s->v[i];
						break;
					}
		free(s->v);
		s->v = v;
		s->cap = cap;
	}
	key++;	/* 0 marks a free slot */
	for (size_t j = key * 0x9E3779B97F4A7C15u % s->cap;; j = (j + 1) % s->cap) {
		if (s->v[j] == key)
			return 1;
		if (!s->v[j]) {
			s->v[j] = key;
			s->n++;
			return 0;
		}
	}
}

static int fold(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

int isofs_strcasecmp_ascii(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = fold((unsigned char)*a), y = fold((unsigned char)*b);
		if (x != y || !x)
			return x - y;
	}
}

struct isofs_node *isofs_add_node(struct isofs *fs, const char *path, char *why,
				  size_t why_size)
{
	if (fs->n_nodes >= ISOFS_MAX_ENTRIES) {
		isofs_fail(why, why_size, "more than %d files", ISOFS_MAX_ENTRIES);
		return NULL;
	}
	if (fs->n_nodes == fs->alloc_nodes) {
		size_t n = fs->alloc_nodes ? 2 * fs->alloc_nodes : 64;
		struct isofs_node *v = realloc(fs->nodes, n * sizeof(*v));
		if (!v) {
			isofs_fail(why, why_size, "out of memory");
			return NULL;
		}
		fs->nodes = v;
		fs->alloc_nodes = n;
	}
	struct isofs_node *nd = &fs->nodes[fs->n_nodes];
	memset(nd, 0, sizeof(*nd));
	if (!(nd->pub.path = strdup(path))) {
		isofs_fail(why, why_size, "out of memory");
		return NULL;
	}
	fs->n_nodes++;
	return nd;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct isofs_node *)a)->pub.path,
		      ((const struct isofs_node *)b)->pub.path);
}

static int by_folded(const void *a, const void *b)
{
	const struct isofs_key *x = a, *y = b;
	int c = isofs_strcasecmp_ascii(x->path, y->path);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* Sort the listing and index it by case-folded path (no global state:
 * images may be opened from several threads).  The nodes do not move
 * after this: pub.ext points into each node's own array. */
int isofs_index_nodes(struct isofs *fs, char *why, size_t why_size)
{
	free(fs->folded);
	if (fs->n_nodes)
		qsort(fs->nodes, fs->n_nodes, sizeof(*fs->nodes), by_path);
	fs->folded = malloc((fs->n_nodes + 1) * sizeof(*fs->folded));
	if (!fs->folded)
		return isofs_fail(why, why_size, "out of memory");
	for (size_t i = 0; i < fs->n_nodes; i++) {
		fs->folded[i] = (struct isofs_key){ fs->nodes[i].pub.path, i };
		fs->nodes[i].pub.ext = fs->nodes[i].ext;
	}
	if (fs->n_nodes)
		qsort(fs->folded, fs->n_nodes, sizeof(*fs->folded), by_folded);
	return 0;
}

struct isofs_node *isofs_node_find(struct isofs *fs, const char *path)
{
	size_t lo = 0, hi = fs->n_nodes;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (isofs_strcasecmp_ascii(fs->folded[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* The first of that name not removed (one may be added after). */
	for (; lo < fs->n_nodes && !isofs_strcasecmp_ascii(fs->folded[lo].path, path); lo++)
		if (!fs->nodes[fs->folded[lo].i].gone)
			return &fs->nodes[fs->folded[lo].i];
	return NULL;
}

/* The volume descriptors from sector 16: ISO 9660 primary and Joliet
 * descriptors, the El Torito catalog, whether UDF follows. */
static int read_vds(struct isofs *fs, bool *udf, char *why, size_t why_size)
{
	unsigned char b[SECT];
	bool end9660 = false;
	*udf = false;
	for (uint64_t s = 16; s < 16 + ISOFS_MAX_VDS && s < fs->image_sectors; s++) {
		if (isofs_read(fs, s, 1, b, why, why_size) != 0)
			return -1;
		struct iso_vd_info vd;
		enum iso_vd k = iso_parse_vd(b, &vd);
		if (k == ISO_VD_END)
			break;
		if (k == ISO_VD_NSR)
			*udf = true;
		if (end9660 || (k != ISO_VD_PRIMARY && k != ISO_VD_BOOT && k != ISO_VD_OTHER_9660))
			continue;
		if (b[0] == 255)
			end9660 = true;
		if (k == ISO_VD_PRIMARY && !fs->trees[0].present) {
			fs->trees[0].present = true;
			fs->trees[0].vd_lba = s;
			fs->volume_sectors = get32(b + 80);
		}
		if (k == ISO_VD_OTHER_9660 && b[0] == 2 && b[88] == '%' && b[89] == '/' &&
		    (b[90] == '@' || b[90] == 'C' || b[90] == 'E') && !fs->trees[1].present) {
			fs->trees[1].present = fs->trees[1].joliet = true;
			fs->trees[1].vd_lba = s;
		}
		if (k == ISO_VD_BOOT && fs->n_boot == 0 && vd.catalog_lba)
			fs->boot_lba[fs->n_boot++] = vd.catalog_lba;
	}
	return 0;
}

/* The El Torito catalog and boot images, so that edits never move them. */
static void read_boot(struct isofs *fs)
{
	unsigned char b[SECT];
	struct iso_info info;
	char why[64];
	if (fs->n_boot == 0 || isofs_read(fs, fs->boot_lba[0], 1, b, why, sizeof(why)) != 0)
		return;
	memset(&info, 0, sizeof(info));
	if (!iso_parse_catalog(b, &info, why, sizeof(why)))
		return;
	for (size_t i = 0; i < info.n_boot && fs->n_boot < 9; i++)
		fs->boot_lba[fs->n_boot++] = info.boot[i].lba;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

struct isofs *isofs_open(const struct isofs_reader *rd, uint64_t image_sectors, char *why,
			 size_t why_size)
{
	struct isofs *fs = calloc(1, sizeof(*fs));
	bool udf;
	if (!fs) {
		isofs_fail(why, why_size, "out of memory");
		return NULL;
	}
	fs->rd = *rd;
	fs->image_sectors = image_sectors;
	if (image_sectors < 17) {
		isofs_fail(why, why_size, "too small for an ISO image (%llu sectors)",
			   (unsigned long long)image_sectors);
		goto fail;
	}
	if (read_vds(fs, &udf, why, why_size) != 0)
		goto fail;
	read_boot(fs);
	for (int i = 0; i < 2; i++)
		if (fs->trees[i].present && isofs_9660_open(fs, &fs->trees[i], why, why_size) != 0)
			goto fail;
	if (udf) {
		if (isofs_udf_open(fs, why, why_size) != 0)
			goto fail;
		fs->append = fs->udf.part_start + fs->udf.part_len;
		fs->volume_sectors = max64(fs->volume_sectors, fs->udf.avdp[fs->udf.n_avdp - 1] + 1);
	} else if (fs->trees[0].present) {
		const struct isofs_tree *t = fs->trees[1].present ? &fs->trees[1] : &fs->trees[0];
		if (isofs_9660_nodes(fs, t, why, why_size) != 0)
			goto fail;
		fs->append = fs->volume_sectors;
	} else {
		isofs_fail(why, why_size, "neither UDF nor ISO 9660");
		goto fail;
	}
	if (fs->append > image_sectors) {
		isofs_fail(why, why_size, "the volume (%llu sectors) is larger than the image (%llu)",
			   (unsigned long long)fs->append, (unsigned long long)image_sectors);
		goto fail;
	}
	fs->append0 = fs->append;
	if (isofs_index_nodes(fs, why, why_size) != 0)
		goto fail;
	return fs;
fail:
	isofs_free(fs);
	return NULL;
}

void isofs_free(struct isofs *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->n_nodes; i++) {
		free(fs->nodes[i].pub.path);
		free(fs->nodes[i].ext);
	}
	free(fs->nodes);
	free(fs->folded);
	for (int i = 0; i < 2; i++)
		isofs_tree_free(&fs->trees[i]);
	for (size_t i = 0; i < fs->n_sec; i++)
		free(fs->sec[i].data);
	free(fs->sec);
	for (size_t i = 0; i < fs->n_fresh; i++)
		free(fs->fresh[i].data);
	free(fs->fresh);
	free(fs);
}

size_t isofs_count(const struct isofs *fs)
{
	return fs->n_nodes;
}

const struct isofs_file *isofs_at(const struct isofs *fs, size_t i)
{
	return i < fs->n_nodes ? &fs->nodes[i].pub : NULL;
}

const struct isofs_file *isofs_find(const struct isofs *fs, const char *path)
{
	struct isofs_node *n = isofs_node_find((struct isofs *)fs, path);
	return n ? &n->pub : NULL;
}

void isofs_tree_files(const struct isofs *fs, size_t n[2])
{
	for (int j = 0; j < 2; j++) {
		n[j] = 0;
		for (size_t i = 0; fs->trees[j].present && i < fs->trees[j].n_items; i++)
			n[j] += !fs->trees[j].items[i].dir;
	}
}

uint64_t isofs_volume_sectors(const struct isofs *fs)
{
	return fs->volume_sectors + (fs->append - fs->append0);
}

size_t isofs_split_extents(const struct isofs_extent *runs, size_t n_runs, uint64_t max,
			   struct isofs_extent *out, size_t out_max)
{
	size_t n = 0;
	for (size_t i = 0; i < n_runs;) {
		struct isofs_extent r = runs[i++];
		if (r.bytes == 0)
			continue;
		while (i < n_runs && r.bytes % SECT == 0 && runs[i].lba == r.lba + r.bytes / SECT &&
		       runs[i].bytes) {
			r.bytes += runs[i].bytes;
			i++;
		}
		while (r.bytes) {
			uint64_t k = r.bytes > max ? max : r.bytes;
			if (n < out_max)
				out[n] = (struct isofs_extent){ r.lba, k };
			n++;
			r.lba += k / SECT;
			r.bytes -= k;
		}
	}
	return n;
}

void isofs_patches_free(struct isofs_patch *p, size_t n)
{
	if (!p)
		return;
	for (size_t i = 0; i < n; i++)
		free(p[i].data);
	free(p);
}

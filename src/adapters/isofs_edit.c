/* isofs_edit.c - resizing a file in place and emitting the sectors that
 * change; see isofs.h. */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/isofs_int.h"

#define FAIL(...) isofs_fail(why, why_size, __VA_ARGS__)

/* At most this many sectors behind the data are moved out of the way
 * (Microsoft media have about 257, genisoimage 150). */
#define ISOFS_MAX_TRAILER 16384

/* The runs a file's new data takes: its sectors as far as they go, then
 * one run at the append point.  *grow: the sectors that run takes. */
static struct isofs_extent *new_runs(const struct isofs *fs, const struct isofs_node *n,
				     uint64_t size, size_t *n_runs, uint64_t *grow)
{
	struct isofs_extent *v = malloc((n->pub.n_ext + 1) * sizeof(*v));
	size_t k = 0;
	uint64_t left = size;
	if (!v)
		return NULL;
	for (size_t i = 0; i < n->pub.n_ext && left; i++) {
		uint64_t cap = sectors_of(n->ext[i].bytes) * SECT;
		uint64_t take = left < cap ? left : cap;
		v[k++] = (struct isofs_extent){ n->ext[i].lba, take };
		left -= take;
	}
	*grow = sectors_of(left);
	if (left)
		v[k++] = (struct isofs_extent){ fs->append, left };
	*n_runs = k;
	return v;
}

/* Another entry whose data lies in the sectors n keeps, or NULL. */
static const char *shared_with(const struct isofs *fs, const struct isofs_node *n,
			       const struct isofs_extent *runs, size_t n_runs)
{
	for (size_t i = 0; i < fs->n_nodes; i++) {
		const struct isofs_node *m = &fs->nodes[i];
		if (m == n || m->pub.size == 0 || m->gone)
			continue;
		for (size_t a = 0; a < m->pub.n_ext; a++)
			for (size_t b = 0; b < n_runs; b++) {
				uint64_t a0 = m->ext[a].lba, a1 = a0 + sectors_of(m->ext[a].bytes);
				uint64_t b0 = runs[b].lba, b1 = b0 + sectors_of(runs[b].bytes);
				if (a0 < b1 && b0 < a1)
					return m->pub.path;
			}
	}
	return NULL;
}

/* The file entry of n with new extents, into fe (a copy of its sector). */
static int udf_entry(struct isofs *fs, const struct isofs_node *n, const struct isofs_extent *ext,
		     size_t n_ext, uint64_t size, unsigned char *fe, char *why, size_t why_size)
{
	uint64_t block = n->icb - fs->udf.part_start;
	if (isofs_read_part(fs, n->icb, 1, fe, why, why_size) != 0)
		return -1;
	if (!isofs_tag_ok(fe, SECT, 0, (uint32_t)block) || (get16(fe) != 261 && get16(fe) != 266))
		return FAIL("UDF: the file entry of %s at sector %" PRIu64 " is gone", n->pub.path, n->icb);
	bool efe = get16(fe) == 266;
	unsigned adtype = get16(fe + 16 + 18) & 7;
	size_t base = efe ? 216 : 176, step = adtype == 0 ? 8 : 16;
	size_t ad_off = base + get32(fe + base - 8), old_end = ad_off + get32(fe + base - 4);
	if (adtype > 1)
		return FAIL("%s: its UDF entry has no short or long allocation descriptors", n->pub.path);
	if (ad_off > SECT || old_end > SECT)
		return FAIL("UDF: the file entry of %s is longer than its block", n->pub.path);
	if (ad_off + n_ext * step > SECT)
		return FAIL("%s: %zu extents do not fit in its UDF file entry", n->pub.path, n_ext);
	uint64_t blocks = 0;
	memset(fe + ad_off, 0, SECT - ad_off);
	for (size_t i = 0; i < n_ext; i++) {
		unsigned char *a = fe + ad_off + i * step;
		put32(a, (uint32_t)ext[i].bytes);	/* type 0: recorded and allocated */
		put32(a + 4, (uint32_t)(ext[i].lba - fs->udf.part_start));
		blocks += sectors_of(ext[i].bytes);
	}
	put64(fe + 56, size);
	put64(fe + (efe ? 72 : 64), blocks);
	if (efe)
		put64(fe + 64, size);	/* object size: no streams */
	put32(fe + base - 4, (uint32_t)(n_ext * step));
	isofs_tag_seal(fe, (uint32_t)block, ad_off + n_ext * step);
	return 0;
}

/* The reasons growing the volume cannot be done here, or 0. */
static int can_grow(const struct isofs *fs, char *why, size_t why_size)
{
	if (fs->refs_end > fs->append0)
		return FAIL("ISO 9660 data lies behind the %s (up to sector %" PRIu64 ")",
			    fs->udf.present ? "UDF partition" : "volume", fs->refs_end);
	for (size_t i = 0; i < fs->n_boot; i++)
		if (fs->boot_lba[i] >= fs->append0)
			return FAIL("El Torito data lies behind the UDF partition (sector %" PRIu64 ")",
				    fs->boot_lba[i]);
	if (fs->image_sectors - fs->append0 > ISOFS_MAX_TRAILER)
		return FAIL("%" PRIu64 " sectors follow the data (at most %d are moved)",
			    fs->image_sectors - fs->append0, ISOFS_MAX_TRAILER);
	return 0;
}

struct plan {
	struct isofs_extent *ext;	/* the UDF extents */
	size_t n_ext;
	unsigned char fe[SECT];
	struct isofs_dirplan dir[2];
	bool in_tree[2];
	bool limited[2];		/* the tree's record is limited_record's */
	struct isofs_extent lim[2];
};

/* genisoimage -allow-limited-size lists a file over 4 GiB in ISO 9660 and
 * Joliet with one record of its size modulo 2^32 at its first sector
 * (readers of those trees cannot have it whole anyway): such a record is
 * kept that way, with the new size modulo 2^32. */
static bool limited_record(const struct isofs_item *it, const struct isofs_node *n)
{
	return n->pub.size > UINT32_MAX && it->n_rec == 1 && it->n_ext == 1 && n->pub.n_ext &&
	       it->ext[0].lba == n->ext[0].lba && it->size == (n->pub.size & UINT32_MAX);
}

static int plan_trees(struct isofs *fs, struct isofs_node *n, uint64_t size, struct plan *p,
		      char *why, size_t why_size)
{
	for (int i = 0; i < 2; i++) {
		struct isofs_tree *t = &fs->trees[i];
		struct isofs_item *it = t->present ? isofs_9660_match(t, n) : NULL;
		const char *tree = t->joliet ? "Joliet" : "ISO 9660";
		if (!it)
			continue;
		const struct isofs_extent *ext = p->ext;
		size_t n_ext = p->n_ext;
		if (limited_record(it, n) && size > UINT32_MAX) {
			p->limited[i] = true;
			p->lim[i] = (struct isofs_extent){ p->ext[0].lba, size & UINT32_MAX };
			ext = &p->lim[i];
			n_ext = 1;
		} else if (limited_record(it, n)) {
			/* Under 4 GiB now: listed whole. */
		} else if (it->size != n->pub.size ||
		    (n->pub.size && it->n_ext && n->pub.n_ext && it->ext[0].lba != n->ext[0].lba))
			return FAIL("%s: its %s record (%" PRIu64 " bytes at sector %" PRIu64
				    ") is not its UDF data", n->pub.path, tree, it->size,
				    it->n_ext ? it->ext[0].lba : 0);
		if (isofs_9660_plan(fs, t, it, ext, n_ext, &p->dir[i], why, why_size) != 0)
			return -1;
		p->in_tree[i] = true;
	}
	return 0;
}

static void plan_free(struct plan *p)
{
	free(p->ext);
	for (int i = 0; i < 2; i++)
		isofs_9660_plan_free(&p->dir[i]);
}

static int make_plan(struct isofs *fs, struct isofs_node *n, uint64_t size, struct plan *p,
		     uint64_t *grow, char *why, size_t why_size)
{
	size_t n_runs;
	struct isofs_extent *runs = new_runs(fs, n, size, &n_runs, grow);
	if (!runs)
		return FAIL("out of memory");
	const char *other = shared_with(fs, n, runs, n_runs - (*grow != 0));
	uint64_t emax = fs->udf.present ? ISOFS_UDF_EXTENT_MAX : ISOFS_9660_EXTENT_MAX;
	size_t count = isofs_split_extents(runs, n_runs, emax, NULL, 0);
	p->ext = malloc((count + 1) * sizeof(*p->ext));
	if (other || !p->ext) {
		free(runs);
		return other ? FAIL("%s: its data is shared with %s", n->pub.path, other)
			     : FAIL("out of memory");
	}
	p->n_ext = isofs_split_extents(runs, n_runs, emax, p->ext, count);
	free(runs);
	if (*grow && can_grow(fs, why, why_size) != 0)
		return -1;
	if (fs->append + *grow > UINT32_MAX)
		return FAIL("the image would exceed 2^32 sectors");
	if (fs->udf.present) {
		if (udf_entry(fs, n, p->ext, p->n_ext, size, p->fe, why, why_size) != 0 ||
		    !isofs_edit_part(fs, n->icb, why, why_size))
			return -1;
	}
	return plan_trees(fs, n, size, p, why, why_size);
}

int isofs_set_size(struct isofs *fs, const char *path, uint64_t new_size, char *why,
		   size_t why_size)
{
	struct isofs_node *n = isofs_node_find(fs, path);
	struct plan p;
	uint64_t grow = 0;
	if (fs->committed)
		return FAIL("the edits are already committed");
	if (!n)
		return FAIL("%s: no such file in the image", path);
	if (n->pub.dir)
		return FAIL("%s: is a directory", n->pub.path);
	if (n->nogo)
		return FAIL("%s: %s", n->pub.path, n->nogo);
	if (fs->udf.nogo)
		return FAIL("%s: %s", n->pub.path, fs->udf.nogo);
	memset(&p, 0, sizeof(p));
	if (make_plan(fs, n, new_size, &p, &grow, why, why_size) != 0) {
		plan_free(&p);
		return -1;
	}
	if (fs->udf.present)
		memcpy(isofs_edit_part(fs, n->icb, NULL, 0), p.fe, SECT);
	for (int i = 0; i < 2; i++) {
		if (!p.in_tree[i])
			continue;
		const struct isofs_extent *ext = p.limited[i] ? &p.lim[i] : p.ext;
		size_t n_ext = p.limited[i] ? 1 : p.n_ext;
		struct isofs_extent *copy = malloc((n_ext + 1) * sizeof(*copy));
		if (copy)
			memcpy(copy, ext, n_ext * sizeof(*copy));
		isofs_9660_apply(fs, &p.dir[i], copy, copy ? n_ext : 0,
				 p.limited[i] ? new_size & UINT32_MAX : new_size);
	}
	free(n->ext);
	n->ext = p.ext;
	n->pub.ext = p.ext;
	n->pub.n_ext = p.n_ext;
	n->pub.size = new_size;
	p.ext = NULL;
	plan_free(&p);
	fs->append += grow;
	return 0;
}

/* The item of tree t listing node n: by path, else (a name the tree
 * spells otherwise) by its first sector, when no other file starts there
 * (media may share one copy of identical files). */
static struct isofs_item *item_of(struct isofs *fs, struct isofs_tree *t,
				  const struct isofs_node *n)
{
	struct isofs_item *it = isofs_9660_match(t, n);
	if (!it || !isofs_strcasecmp_ascii(it->path, n->pub.path))
		return it;
	for (size_t i = 0; i < fs->n_nodes; i++) {
		const struct isofs_node *m = &fs->nodes[i];
		if (m != n && !m->gone && m->pub.n_ext && m->ext[0].lba == n->ext[0].lba)
			return NULL;
	}
	return it;
}

/* The end (sector) of the last file data of the listing but n's. */
static uint64_t data_end(const struct isofs *fs, const struct isofs_node *n)
{
	uint64_t end = 0;
	for (size_t i = 0; i < fs->n_nodes; i++) {
		const struct isofs_node *m = &fs->nodes[i];
		if (m == n || m->gone || m->pub.dir)
			continue;
		for (size_t k = 0; k < m->pub.n_ext; k++)
			if (m->ext[k].lba + sectors_of(m->ext[k].bytes) > end)
				end = m->ext[k].lba + sectors_of(m->ext[k].bytes);
	}
	return end;
}

int isofs_remove(struct isofs *fs, const char *path, char *why, size_t why_size)
{
	struct isofs_node *n = isofs_node_find(fs, path);
	if (fs->committed)
		return FAIL("the edits are already committed");
	if (!n)
		return FAIL("%s: no such file in the image", path);
	if (n->pub.dir)
		return FAIL("%s: is a directory", n->pub.path);
	/* 7-Zip takes the end of a UDF volume from its files' data (then
	 * looks for the closing anchor there): without the file whose data
	 * comes last, it reads the volume as ending early and the anchor
	 * as missing ("Headers Error"). */
	if (fs->udf.present && n->pub.n_ext &&
	    n->ext[n->pub.n_ext - 1].lba + sectors_of(n->ext[n->pub.n_ext - 1].bytes) > data_end(fs, n))
		return FAIL("%s: its data is the last file data of the UDF volume, and 7-Zip would "
			    "read the volume as ending before its anchor without it", n->pub.path);
	if (fs->udf.present && isofs_udf_remove(fs, n, why, why_size) != 0)
		goto spent;
	for (int i = 0; i < 2; i++) {
		struct isofs_tree *t = &fs->trees[i];
		struct isofs_item *it = t->present ? item_of(fs, t, n) : NULL;
		if (it && isofs_9660_remove(fs, t, it, why, why_size) != 0)
			goto spent;
	}
	n->gone = true;
	return 0;
spent:
	fs->committed = true;	/* part of the edit may be in the overlay */
	return -1;
}

/* Does tree t list the UDF tree's files (genisoimage's layout), rather
 * than a few files of its own (Microsoft's: README.TXT, maybe the boot images,
 * at its root)?  It does if it lists one of UDF's directories, or more
 * than half of its entries. */
static bool tree_mirrors(struct isofs *fs, const struct isofs_tree *t)
{
	size_t same = 0;
	for (size_t i = 0; t->present && i < t->n_items; i++) {
		const struct isofs_node *n = isofs_node_find(fs, t->items[i].path);
		if (n && n->pub.dir)
			return true;
		same += n != NULL;
	}
	return same > 0 && same * 2 > fs->n_nodes;
}

/* Why a new file cannot go into this image at `path`, or 0. */
static int can_add(struct isofs *fs, const char *path, uint64_t size, const bool mirror[2],
		   char *why, size_t why_size)
{
	size_t len = strlen(path);
	if (fs->committed)
		return FAIL("the edits are already committed");
	if (!len || len >= ISOFS_MAX_PATH || path[0] == '/' || path[len - 1] == '/' ||
	    strstr(path, "//"))
		return FAIL("%s: not a relative path of the image", path);
	if (!fs->udf.present)
		return FAIL("%s: the image has no UDF file system (wimpatch adds files to one only)",
			    path);
	if (fs->udf.nogo)
		return FAIL("%s: %s", path, fs->udf.nogo);
	char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
	if (!dir)
		return FAIL("out of memory");
	if (slash)
		*slash = '\0';
	else
		*dir = '\0';
	for (int i = 0; i < 2; i++)
		if (mirror[i] && !isofs_9660_has_dir(&fs->trees[i], dir)) {
			FAIL("%s: the image's %s tree lists its files too, and wimpatch makes no "
			     "directories there (%s is not in it)", path,
			     fs->trees[i].joliet ? "Joliet" : "ISO 9660", dir);
			free(dir);
			return -1;
		}
	free(dir);
	for (const char *c = path; *c;) {
		size_t k = strcspn(c, "/");
		if ((k == 1 && c[0] == '.') || (k == 2 && c[0] == '.' && c[1] == '.'))
			return FAIL("%s: not a path of the image wimpatch can add", path);
		c += k + (c[k] == '/');
	}
	if (isofs_node_find(fs, path))
		return FAIL("%s: is in the image already", path);
	if (fs->append + ISOFS_MAX_DEPTH + 2 + sectors_of(size) > UINT32_MAX)
		return FAIL("the image would exceed 2^32 sectors");
	return can_grow(fs, why, why_size);
}

/* The new file `stored` (as the UDF tree now has it) in the ISO 9660 and
 * Joliet trees that list the medium's files, at its data. */
static int add_records(struct isofs *fs, const char *stored, uint64_t size, const bool mirror[2],
		       char *why, size_t why_size)
{
	const struct isofs_file *f = isofs_find(fs, stored);
	char dir[ISOFS_MAX_PATH];
	const char *slash = strrchr(stored, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - stored) : 0, stored);
	for (int i = 0; f && i < 2; i++) {
		struct isofs_tree *t = &fs->trees[i];
		if (mirror[i] &&
		    isofs_9660_add(fs, t, dir, slash ? slash + 1 : stored, f->ext, f->n_ext, size, why,
				   why_size) != 0) {
			fs->committed = true;	/* the UDF side is in the overlay */
			return -1;
		}
	}
	return 0;
}

int isofs_add(struct isofs *fs, const char *path, uint64_t size, char *why, size_t why_size)
{
	char cur[ISOFS_MAX_PATH] = "", want[ISOFS_MAX_PATH];
	uint64_t picb = fs->udf.root;
	int depth = 0;
	/* Before the new entries count in it. */
	bool mirror[2] = { tree_mirrors(fs, &fs->trees[0]), tree_mirrors(fs, &fs->trees[1]) };
	if (can_add(fs, path, size, mirror, why, why_size) != 0)
		return -1;
	for (const char *c = path; *c; depth++) {
		size_t k = strcspn(c, "/");
		bool last = c[k] == '\0';
		char name[ISOFS_MAX_PATH];
		memcpy(name, c, k);
		name[k] = '\0';
		c += k + !last;
		if (depth >= ISOFS_MAX_DEPTH)
			return FAIL("%s: deeper than %d directories", path, ISOFS_MAX_DEPTH);
		if ((size_t)snprintf(want, sizeof(want), "%s%s%s", cur, *cur ? "/" : "", name) >=
		    sizeof(want))
			return FAIL("%s: a path longer than %d bytes", path, ISOFS_MAX_PATH);
		struct isofs_node *n = isofs_node_find(fs, want);
		if (n && !n->pub.dir)
			return FAIL("%s: %s is a file of the image", path, n->pub.path);
		if (!n) {
			if (isofs_udf_add(fs, picb, want, name, !last, last ? size : 0, why,
					  why_size) != 0) {
				fs->committed = true;	/* part of it may be in the overlay */
				return -1;
			}
			n = isofs_node_find(fs, want);
		}
		snprintf(cur, sizeof(cur), "%s", n->pub.path);
		picb = n->icb;
	}
	return add_records(fs, cur, size, mirror, why, why_size);
}

/* A pointer into the moved area, moved with it. */
static bool reloc(unsigned char *p, const struct isofs *fs, uint64_t delta)
{
	uint64_t v = get32(p);
	if (v < fs->append0 || v >= fs->image_sectors)
		return false;
	put32(p, (uint32_t)(v + delta));
	return true;
}

/* The sector pointers of a UDF descriptor that may point into the moved
 * area: an anchor's sequences, a logical volume's integrity sequence, an
 * integrity descriptor's next extent.  True if one changed. */
static bool reloc_desc(unsigned char *b, const struct isofs *fs, uint64_t delta)
{
	switch (get16(b)) {
	case 2:
		return reloc(b + 20, fs, delta) | reloc(b + 28, fs, delta);
	case 6:
		return reloc(b + 436, fs, delta);
	case 9:
		return get32(b + 32) ? reloc(b + 36, fs, delta) : false;
	default:
		return false;
	}
}

/* Grow the partition (both sequences), the integrity descriptor's size
 * table, and fix the pointers of the descriptors that stay. */
static int grow_udf(struct isofs *fs, uint64_t delta, char *why, size_t why_size)
{
	struct isofs_udf *u = &fs->udf;
	unsigned char *b;
	for (int i = 0; i < 2; i++) {
		if (!u->pd[i])
			continue;
		if (!(b = isofs_edit_sector(fs, u->pd[i], why, why_size)))
			return -1;
		put32(b + 192, (uint32_t)(u->part_len + delta));
		isofs_tag_seal(b, (uint32_t)u->pd[i], 0);
	}
	if (u->lvid) {
		if (!(b = isofs_edit_sector(fs, u->lvid, why, why_size)))
			return -1;
		unsigned char *size = b + 80 + 4 * get32(b + 72);
		put32(size, (uint32_t)(get32(size) + delta));
		isofs_tag_seal(b, (uint32_t)u->lvid, 0);
	}
	uint64_t fixed[6] = { u->avdp[0], u->lvd[0], u->lvd[1], u->lvid,
			      u->n_avdp > 1 ? u->avdp[1] : 0, u->n_avdp > 2 ? u->avdp[2] : 0 };
	for (int i = 0; i < 6; i++) {
		unsigned char c[SECT];
		if (!fixed[i] || fixed[i] >= fs->append0)
			continue;
		if (isofs_read(fs, fixed[i], 1, c, why, why_size) != 0)
			return -1;
		if (!reloc_desc(c, fs, delta))
			continue;
		if (!(b = isofs_edit_sector(fs, fixed[i], why, why_size)))
			return -1;
		memcpy(b, c, SECT);
		isofs_tag_seal(b, (uint32_t)fixed[i], 0);
	}
	return 0;
}

/* The volume space size of the primary and supplementary descriptors. */
static int grow_9660(struct isofs *fs, uint64_t delta, char *why, size_t why_size)
{
	unsigned char c[SECT], *b;
	for (uint64_t s = 16; s < 16 + ISOFS_MAX_VDS && s < fs->append0; s++) {
		if (isofs_read(fs, s, 1, c, why, why_size) != 0)
			return -1;
		if (memcmp(c + 1, "CD001", 5) != 0 || c[0] == 255)
			break;
		uint32_t v = get32(c + 80);
		if ((c[0] != 1 && c[0] != 2) || v < fs->append0)
			continue;
		if (!(b = isofs_edit_sector(fs, s, why, why_size)))
			return -1;
		put32_both(b + 80, (uint32_t)(v + delta));
	}
	return 0;
}

struct out_sector {
	uint64_t lba;
	unsigned char *data;	/* owned when moved, else the overlay's */
	bool owned;
};

static int by_lba(const void *a, const void *b)
{
	uint64_t x = ((const struct out_sector *)a)->lba, y = ((const struct out_sector *)b)->lba;
	return (x > y) - (x < y);
}

/* The moved area: every sector from the old end of the data to the end of
 * the image, delta sectors further out, UDF descriptors with their new
 * location. */
static int move_trailer(struct isofs *fs, uint64_t delta, struct out_sector *o, size_t *n,
			char *why, size_t why_size)
{
	for (uint64_t s = fs->append0; s < fs->image_sectors; s++) {
		unsigned char *b = malloc(SECT);
		if (!b)
			return FAIL("out of memory");
		o[*n] = (struct out_sector){ s + delta, b, true };
		++*n;
		if (isofs_read(fs, s, 1, b, why, why_size) != 0)
			return -1;
		unsigned tag = get16(b);
		if (tag >= 1 && tag <= 9 && isofs_tag_ok(b, SECT, 0, (uint32_t)s)) {
			reloc_desc(b, fs, delta);
			isofs_tag_seal(b, (uint32_t)(s + delta), 0);
		}
	}
	return 0;
}

static int to_patches(struct out_sector *o, size_t n, struct isofs_patch **patches,
		      size_t *n_patches, char *why, size_t why_size)
{
	struct isofs_patch *p = calloc(n + 1, sizeof(*p));
	size_t k = 0;
	if (!p)
		return FAIL("out of memory");
	qsort(o, n, sizeof(*o), by_lba);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && o[j].lba == o[j - 1].lba + 1)
			j++;
		p[k].lba = o[i].lba;
		p[k].n_sectors = j - i;
		if (!(p[k].data = malloc((j - i) * SECT))) {
			isofs_patches_free(p, k);
			return FAIL("out of memory");
		}
		for (size_t m = i; m < j; m++)
			memcpy(p[k].data + (m - i) * SECT, o[m].data, SECT);
		k++;
		i = j;
	}
	*patches = p;
	*n_patches = k;
	return 0;
}

int isofs_commit(struct isofs *fs, struct isofs_patch **patches, size_t *n_patches,
		 uint64_t *new_image_sectors, char *why, size_t why_size)
{
	uint64_t delta = fs->append - fs->append0;
	struct out_sector *o = NULL;
	size_t n = 0;
	int r = -1;
	*patches = NULL;
	*n_patches = 0;
	if (fs->committed)
		return FAIL("the edits are already committed");
	fs->committed = true;	/* from here on, even a failure leaves the handle spent */
	if (delta && fs->udf.present && grow_udf(fs, delta, why, why_size) != 0)
		return -1;
	if (delta && grow_9660(fs, delta, why, why_size) != 0)
		return -1;
	size_t moved = delta ? (size_t)(fs->image_sectors - fs->append0) : 0;
	if (!(o = calloc(fs->n_sec + fs->n_fresh + moved + 1, sizeof(*o))))
		return FAIL("out of memory");
	for (size_t i = 0; i < fs->n_fresh; i++)
		o[n++] = (struct out_sector){ fs->fresh[i].lba, fs->fresh[i].data, false };
	for (size_t i = 0; i < fs->n_sec; i++) {
		const struct isofs_sector *s = &fs->sec[i];
		if ((delta && s->lba >= fs->append0) || !memcmp(s->data, s->orig, SECT))
			continue;	/* moved with the area behind the data, or unchanged */
		o[n++] = (struct out_sector){ s->lba, s->data, false };
	}
	if (delta && move_trailer(fs, delta, o, &n, why, why_size) != 0)
		goto out;
	if (to_patches(o, n, patches, n_patches, why, why_size) != 0)
		goto out;
	*new_image_sectors = fs->image_sectors + delta;
	r = 0;
out:
	for (size_t i = 0; i < n; i++)
		if (o[i].owned)
			free(o[i].data);
	free(o);
	return r;
}

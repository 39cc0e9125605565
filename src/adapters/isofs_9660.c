/* isofs_9660.c - ISO 9660 and Joliet directory trees (ECMA-119 9.1):
 * reading them, finding a file's records, rewriting them for new
 * extents; see isofs.h. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/iso_parse.h"
#include "adapters/isofs_int.h"

#define FAIL(...) isofs_fail(why, why_size, __VA_ARGS__)

#define REC_FLAG_DIR 0x02
#define REC_FLAG_MORE 0x80	/* multi-extent: another record of the file follows */

struct walk9 {
	struct isofs *fs;
	struct isofs_tree *t;
	struct isofs_seen seen;
	char *why;
	size_t why_size;
};

static void raise_end(struct isofs *fs, uint64_t lba, uint64_t bytes)
{
	uint64_t e = lba + sectors_of(bytes);
	if (e > fs->refs_end)
		fs->refs_end = e;
}

/* A record's name as the listing spells it: ISO 9660 without its version
 * (";1") and a trailing dot, Joliet from UCS-2. */
static void rec_name(const struct isofs_tree *t, const unsigned char *r, char *out, size_t size)
{
	size_t n = r[32];
	if (t->joliet) {
		iso_parse_ucs2be(r + 33, n, out, size);
	} else {
		if (n >= size)
			n = size - 1;
		memcpy(out, r + 33, n);
		out[n] = '\0';
	}
	char *semi = strchr(out, ';');
	if (semi)
		*semi = '\0';
	size_t k = strlen(out);
	if (k && out[k - 1] == '.')
		out[k - 1] = '\0';
}

/* Read a directory's extent (bounded) into a new buffer. */
static int read_dir(struct isofs *fs, uint64_t lba, uint64_t bytes, unsigned char **out,
		    char *why, size_t why_size)
{
	if (bytes > ISOFS_MAX_DIR_BYTES)
		return FAIL("ISO 9660: directory at sector %" PRIu64 " is larger than %u bytes", lba,
			    ISOFS_MAX_DIR_BYTES);
	size_t n = (size_t)sectors_of(bytes);
	unsigned char *d = malloc(n * SECT + 1);
	if (!d)
		return FAIL("out of memory");
	if (isofs_read(fs, lba, n, d, why, why_size) != 0) {
		free(d);
		return -1;
	}
	*out = d;
	return 0;
}

/* The next record at or after *pos of a directory of `bytes` bytes: its
 * offset, or -1 at the end, -2 on a malformed one. */
static long next_rec(const unsigned char *d, uint64_t bytes, size_t *pos)
{
	while (*pos < bytes) {
		size_t in = *pos % SECT;
		unsigned len = d[*pos];
		if (len == 0) {	/* the rest of the sector is unused */
			*pos += SECT - in;
			continue;
		}
		if (len < 34 || in + len > SECT || *pos + len > bytes || 33u + d[*pos + 32] > len)
			return -2;
		size_t at = *pos;
		*pos += len;
		return (long)at;
	}
	return -1;
}

static int add_item(struct walk9 *w, const char *path, const unsigned char *r, size_t dir_index,
		    size_t rec, bool more_of_last)
{
	char *why = w->why;
	size_t why_size = w->why_size;
	struct isofs_tree *t = w->t;
	struct isofs_item *it;
	uint64_t lba = get32(r + 2), bytes = get32(r + 10);
	if (lba + sectors_of(bytes) > w->fs->image_sectors)
		return FAIL("ISO 9660: %s lies past the end of the image", path);
	raise_end(w->fs, lba, bytes);
	if (more_of_last) {
		it = &t->items[t->n_items - 1];
		if (it->n_ext >= ISOFS_MAX_EXTENTS)
			return FAIL("ISO 9660: %s has more than %d extents", path, ISOFS_MAX_EXTENTS);
	} else {
		if (t->n_items >= ISOFS_MAX_ENTRIES)
			return FAIL("ISO 9660: more than %d files", ISOFS_MAX_ENTRIES);
		if ((t->n_items & (t->n_items - 1)) == 0 || t->n_items == 0) {
			size_t cap = t->n_items ? 2 * t->n_items : 16;
			struct isofs_item *v = realloc(t->items, cap * sizeof(*v));
			if (!v)
				return FAIL("out of memory");
			t->items = v;
		}
		it = &t->items[t->n_items];
		memset(it, 0, sizeof(*it));
		if (!(it->path = strdup(path)))
			return FAIL("out of memory");
		t->n_items++;
		it->dir = r[25] & REC_FLAG_DIR;
		it->dir_index = dir_index;
		it->rec = rec;
	}
	if ((it->n_ext & (it->n_ext - 1)) == 0 || it->n_ext == 0) {
		size_t cap = it->n_ext ? 2 * it->n_ext : 1;
		struct isofs_extent *v = realloc(it->ext, cap * sizeof(*v));
		if (!v)
			return FAIL("out of memory");
		it->ext = v;
	}
	it->ext[it->n_ext++] = (struct isofs_extent){ lba, bytes };
	it->size += bytes;
	it->n_rec++;
	return 0;
}

static int walk_dir9(struct walk9 *w, uint64_t lba, uint64_t bytes, const char *path, int depth)
{
	char *why = w->why;
	size_t why_size = w->why_size;
	struct isofs_tree *t = w->t;
	unsigned char *d;
	if (depth > ISOFS_MAX_DEPTH)
		return FAIL("ISO 9660: directories nested deeper than %d levels", ISOFS_MAX_DEPTH);
	int seen = isofs_seen_add(&w->seen, lba);
	if (seen)
		return seen < 0 ? FAIL("out of memory") : FAIL("ISO 9660: directory %s is listed twice", path);
	if (t->n_dirs >= ISOFS_MAX_ENTRIES)
		return FAIL("ISO 9660: more than %d directories", ISOFS_MAX_ENTRIES);
	if ((t->n_dirs & (t->n_dirs - 1)) == 0 || t->n_dirs == 0) {
		size_t cap = t->n_dirs ? 2 * t->n_dirs : 16;
		struct isofs_dirext *v = realloc(t->dirs, cap * sizeof(*v));
		if (!v)
			return FAIL("out of memory");
		t->dirs = v;
	}
	size_t di = t->n_dirs++;
	t->dirs[di] = (struct isofs_dirext){ lba, bytes };
	raise_end(w->fs, lba, bytes);
	if (read_dir(w->fs, lba, bytes, &d, why, why_size) != 0)
		return -1;
	size_t pos = 0, rec = 0, first_child = t->n_items;
	bool more = false;
	char prev[1024] = "";
	int r = 0;
	for (long at; r == 0 && (at = next_rec(d, bytes, &pos)) != -1; rec++) {
		if (at == -2) {
			r = FAIL("ISO 9660: bad directory record in %s", *path ? path : "/");
			break;
		}
		const unsigned char *e = d + at;
		if (rec < 2 || (e[32] == 1 && e[33] <= 1))	/* "." and ".." */
			continue;
		char name[1024], full[ISOFS_MAX_PATH];
		rec_name(t, e, name, sizeof(name));
		bool cont = more && !strcmp(name, prev);
		if (!*name || strchr(name, '/'))
			r = FAIL("ISO 9660: bad file name in %s", *path ? path : "/");
		else if ((size_t)snprintf(full, sizeof(full), "%s%s%s", path, *path ? "/" : "", name) >=
			 sizeof(full))
			r = FAIL("ISO 9660: a path longer than %d bytes", ISOFS_MAX_PATH);
		else
			r = add_item(w, full, e, di, rec, cont);
		more = e[25] & REC_FLAG_MORE;
		snprintf(prev, sizeof(prev), "%s", name);
	}
	free(d);
	/* Into the subdirectories once this one's records are all read (the
	 * items array may move while they are added). */
	for (size_t i = first_child; r == 0 && i < t->n_items && i < first_child + rec; i++) {
		if (!t->items[i].dir || t->items[i].dir_index != di)
			continue;
		char sub[ISOFS_MAX_PATH];
		snprintf(sub, sizeof(sub), "%s", t->items[i].path);
		r = walk_dir9(w, t->items[i].ext[0].lba, t->items[i].ext[0].bytes, sub, depth + 1);
	}
	return r;
}

int isofs_9660_open(struct isofs *fs, struct isofs_tree *t, char *why, size_t why_size)
{
	unsigned char b[SECT];
	if (isofs_read(fs, t->vd_lba, 1, b, why, why_size) != 0)
		return -1;
	if (get16(b + 128) != SECT)
		return FAIL("ISO 9660: logical blocks of %u bytes are not supported", get16(b + 128));
	uint32_t pt_bytes = get32(b + 132);
	for (int off = 140; off <= 152; off += 4) {	/* the path tables */
		uint32_t at = off < 148 ? get32(b + off)
					: (uint32_t)b[off] << 24 | (uint32_t)b[off + 1] << 16 |
						  (uint32_t)b[off + 2] << 8 | b[off + 3];
		if (at)
			raise_end(fs, at, pt_bytes);
	}
	const unsigned char *root = b + 156;
	if (root[0] < 34 || !(root[25] & REC_FLAG_DIR))
		return FAIL("ISO 9660: bad root directory record at sector %" PRIu64, t->vd_lba);
	struct walk9 w = { fs, t, { NULL, 0, 0 }, why, why_size };
	int r = walk_dir9(&w, get32(root + 2), get32(root + 10), "", 0);
	free(w.seen.v);
	return r;
}

void isofs_tree_free(struct isofs_tree *t)
{
	for (size_t i = 0; i < t->n_items; i++) {
		free(t->items[i].path);
		free(t->items[i].ext);
	}
	free(t->items);
	free(t->dirs);
	t->items = NULL;
	t->dirs = NULL;
	t->n_items = t->n_dirs = 0;
}

int isofs_9660_nodes(struct isofs *fs, const struct isofs_tree *t, char *why, size_t why_size)
{
	for (size_t i = 0; i < t->n_items; i++) {
		const struct isofs_item *it = &t->items[i];
		struct isofs_node *n = isofs_add_node(fs, it->path, why, why_size);
		if (!n)
			return -1;
		n->pub.dir = it->dir;
		n->pub.size = it->size;
		if (!(n->ext = malloc((it->n_ext + 1) * sizeof(*n->ext))))
			return FAIL("out of memory");
		memcpy(n->ext, it->ext, it->n_ext * sizeof(*n->ext));
		n->pub.n_ext = it->n_ext;
		if (it->dir)
			n->nogo = "it is a directory";
	}
	return 0;
}

struct isofs_item *isofs_9660_match(struct isofs_tree *t, const struct isofs_node *n)
{
	for (size_t i = 0; i < t->n_items; i++)
		if (!t->items[i].dir && !isofs_strcasecmp_ascii(t->items[i].path, n->pub.path))
			return &t->items[i];
	if (n->pub.size == 0 || n->pub.n_ext == 0)
		return NULL;
	for (size_t i = 0; i < t->n_items; i++)
		if (!t->items[i].dir && t->items[i].n_ext && t->items[i].ext[0].lba == n->ext[0].lba)
			return &t->items[i];
	return NULL;
}

/* The records of `it` for new extents, from its first record as a
 * template (name and system use bytes kept). */
static unsigned char *new_records(const unsigned char *tmpl, const struct isofs_extent *ext,
				  size_t n_ext, size_t *n_rec, size_t *bytes)
{
	size_t n = isofs_split_extents(ext, n_ext, ISOFS_9660_EXTENT_MAX, NULL, 0);
	struct isofs_extent *sec = malloc((n + 1) * sizeof(*sec));
	unsigned len = tmpl[0];
	unsigned char *out = malloc((n + 1) * len);
	if (!sec || !out) {
		free(sec);
		free(out);
		return NULL;
	}
	isofs_split_extents(ext, n_ext, ISOFS_9660_EXTENT_MAX, sec, n);
	if (n == 0)	/* an empty file: one record, no data */
		sec[n++] = (struct isofs_extent){ get32(tmpl + 2), 0 };
	for (size_t i = 0; i < n; i++) {
		unsigned char *r = out + i * len;
		memcpy(r, tmpl, len);
		put32_both(r + 2, (uint32_t)sec[i].lba);
		put32_both(r + 10, (uint32_t)sec[i].bytes);
		r[25] = (unsigned char)((r[25] & ~REC_FLAG_MORE) | (i + 1 < n ? REC_FLAG_MORE : 0));
	}
	free(sec);
	*n_rec = n;
	*bytes = n * len;
	return out;
}

/* Lay the records of a directory out again from record `from` on, with
 * the records [from, from + n_old) replaced by n_new records of len bytes
 * each: the ones before keep their places, the others follow in order,
 * none across a sector.  -1 when they do not fit in the directory. */
static int relayout(const unsigned char *old, uint64_t bytes, size_t from, size_t n_old,
		    const unsigned char *recs, size_t n_new, unsigned len, unsigned char *out)
{
	size_t pos = 0, rec = 0, at_out = 0;
	long at;
	memset(out, 0, (size_t)sectors_of(bytes) * SECT);
	while ((at = next_rec(old, bytes, &pos)) >= 0 && rec < from) {
		rec++;
		at_out = pos;
	}
	if (at < 0)
		return -1;
	memcpy(out, old, at_out);
	size_t w = (size_t)at;	/* the first replaced record's place */
	for (size_t i = 0; i < n_new; i++) {
		if (w % SECT + len > SECT)
			w += SECT - w % SECT;
		if (w + len > bytes)
			return -1;
		memcpy(out + w, recs + i * len, len);
		w += len;
	}
	for (size_t k = 1; k < n_old; k++)
		if (next_rec(old, bytes, &pos) < 0)
			return -1;
	while ((at = next_rec(old, bytes, &pos)) >= 0) {
		unsigned l = old[at];
		if (w % SECT + l > SECT)
			w += SECT - w % SECT;
		if (w + l > bytes)
			return -1;
		memcpy(out + w, old + at, l);
		w += l;
	}
	return at == -2 ? -1 : 0;
}

int isofs_9660_plan(struct isofs *fs, struct isofs_tree *t, struct isofs_item *it,
		    const struct isofs_extent *ext, size_t n_ext, struct isofs_dirplan *p, char *why,
		    size_t why_size)
{
	const struct isofs_dirext *de = &t->dirs[it->dir_index];
	const char *tree = t->joliet ? "Joliet" : "ISO 9660";
	unsigned char *old, *recs = NULL;
	size_t pos = 0, rbytes;
	long at = -1;
	int r = -1;
	memset(p, 0, sizeof(*p));
	p->t = t;
	p->it = it;
	if (read_dir(fs, de->lba, de->bytes, &old, why, why_size) != 0)
		return -1;
	for (size_t k = 0; k <= it->rec; k++)
		if ((at = next_rec(old, de->bytes, &pos)) < 0)
			break;
	if (at < 0) {
		FAIL("%s: the records of %s are gone", tree, it->path);
		goto out;
	}
	if (!(recs = new_records(old + at, ext, n_ext, &p->n_rec, &rbytes)) ||
	    !(p->out = malloc((size_t)sectors_of(de->bytes) * SECT))) {
		FAIL("out of memory");
		goto out;
	}
	if (relayout(old, de->bytes, it->rec, it->n_rec, recs, p->n_rec, old[at], p->out) != 0) {
		FAIL("%s: no room for %zu directory record%s of %s in the %" PRIu64
		     " bytes of its directory", tree, p->n_rec, p->n_rec == 1 ? "" : "s", it->path,
		     de->bytes);
		goto out;
	}
	/* Take the sectors that change into the overlay now, so that applying
	 * the plan cannot fail half-way. */
	for (uint64_t s = 0; s < sectors_of(de->bytes); s++)
		if (memcmp(old + s * SECT, p->out + s * SECT, SECT) &&
		    !isofs_edit_sector(fs, de->lba + s, why, why_size))
			goto out;
	r = 0;
out:
	free(old);
	free(recs);
	if (r != 0)
		isofs_9660_plan_free(p);
	return r;
}

void isofs_9660_apply(struct isofs *fs, struct isofs_dirplan *p, struct isofs_extent *ext,
		      size_t n_ext, uint64_t size)
{
	struct isofs_item *it = p->it;
	const struct isofs_dirext *de = &p->t->dirs[it->dir_index];
	for (uint64_t s = 0; s < sectors_of(de->bytes); s++) {
		unsigned char *d = isofs_edit_sector(fs, de->lba + s, NULL, 0);
		if (d)	/* (taken by the plan wherever it differs) */
			memcpy(d, p->out + s * SECT, SECT);
	}
	for (size_t i = 0; i < p->t->n_items; i++) {
		struct isofs_item *o = &p->t->items[i];
		if (o != it && o->dir_index == it->dir_index && o->rec > it->rec)
			o->rec = o->rec + p->n_rec - it->n_rec;
	}
	it->n_rec = p->n_rec;
	free(it->ext);
	it->ext = ext;	/* taken */
	it->n_ext = n_ext;
	it->size = size;
	isofs_9660_plan_free(p);
}

void isofs_9660_plan_free(struct isofs_dirplan *p)
{
	free(p->out);
	p->out = NULL;
}

/* Take the record at byte `at` of directory data d out of its sector:
 * the records after it in that sector move down, the freed tail is
 * zeroed (a record never spans a sector, ECMA-119 6.8.1.1, so no other
 * sector changes). */
static void cut_record(unsigned char *d, size_t at)
{
	unsigned char *sec = d + at / SECT * SECT;
	size_t in = at % SECT, len = d[at];
	memmove(sec + in, sec + in + len, SECT - in - len);
	memset(sec + SECT - len, 0, len);
}

int isofs_9660_remove(struct isofs *fs, struct isofs_tree *t, struct isofs_item *it, char *why,
		      size_t why_size)
{
	const struct isofs_dirext *de = &t->dirs[it->dir_index];
	const char *tree = t->joliet ? "Joliet" : "ISO 9660";
	size_t *at = malloc((it->n_rec + 1) * sizeof(*at)), pos = 0, n_at = 0;
	unsigned char *d = NULL;
	int r = -1;
	long a = 0;
	if (!at)
		return FAIL("out of memory");
	if (read_dir(fs, de->lba, de->bytes, &d, why, why_size) != 0)
		goto out;
	for (size_t k = 0; k < it->rec + it->n_rec && (a = next_rec(d, de->bytes, &pos)) >= 0; k++)
		if (k >= it->rec)
			at[n_at++] = (size_t)a;
	if (n_at != it->n_rec) {
		FAIL("%s: the records of %s are gone", tree, it->path);
		goto out;
	}
	/* From the last: a cut moves only what follows it in its sector. */
	for (size_t k = n_at; k-- > 0;)
		cut_record(d, at[k]);
	for (uint64_t s = 0; s < sectors_of(de->bytes); s++) {
		unsigned char *b = isofs_edit_sector(fs, de->lba + s, why, why_size);
		if (!b)
			goto out;
		memcpy(b, d + s * SECT, SECT);
	}
	for (size_t i = 0; i < t->n_items; i++) {
		struct isofs_item *o = &t->items[i];
		if (o != it && o->dir_index == it->dir_index && o->rec > it->rec)
			o->rec -= it->n_rec;
	}
	free(it->path);
	free(it->ext);
	size_t idx = (size_t)(it - t->items);
	memmove(it, it + 1, (t->n_items - idx - 1) * sizeof(*it));
	t->n_items--;
	r = 0;
out:
	free(d);
	free(at);
	return r;
}

/* ------------------------------------------------------------------ */
/* Adding a file's records */

/* The tree's item of directory `dir` ("": the root) and its index in
 * t->dirs, matched without regard to ASCII case; -1 when the tree does
 * not list it. */
static long dir_index_of(const struct isofs_tree *t, const char *dir, const char **tpath)
{
	if (!*dir) {
		*tpath = "";
		return t->n_dirs ? 0 : -1;
	}
	for (size_t i = 0; i < t->n_items; i++) {
		const struct isofs_item *it = &t->items[i];
		if (!it->dir || !it->n_ext || isofs_strcasecmp_ascii(it->path, dir))
			continue;
		for (size_t k = 0; k < t->n_dirs; k++)
			if (t->dirs[k].lba == it->ext[0].lba) {
				*tpath = it->path;
				return (long)k;
			}
	}
	return -1;
}

/* Does any file of tree t have an ISO 9660 name longer than 8.3 (so that
 * the image was written at level 2 or 3, 30 characters)?  Does its
 * Joliet tree give file names a version (";1")? */
static void tree_style(const struct isofs_tree *t, const unsigned char *rec, bool *long_names,
		       bool *version)
{
	size_t n = rec[32];
	const unsigned char *id = rec + 33;
	if (t->joliet) {
		*version |= n >= 4 && id[n - 4] == 0 && id[n - 3] == ';' && id[n - 2] == 0 &&
			    id[n - 1] == '1';
		return;
	}
	*version |= n >= 2 && id[n - 2] == ';';
	const unsigned char *dot = memchr(id, '.', n), *semi = memchr(id, ';', n);
	size_t end = semi ? (size_t)(semi - id) : n;
	size_t base = dot ? (size_t)(dot - id) : end, ext = dot ? end - base - 1 : 0;
	*long_names |= base > 8 || ext > 3;
}

/* The name the tree gives `name`: Joliet UCS-2 (big-endian, at most 103
 * characters), ISO 9660 d-characters (upper case, others '_', one dot;
 * 8.3 unless long_names, else at most 30), ";1" for files where the
 * tree has versions.  Its length, or 0 when it cannot be. */
static size_t tree_name(const struct isofs_tree *t, const char *name, bool long_names,
			bool version, unsigned char *out)
{
	size_t n = 0;
	if (t->joliet) {
		unsigned char cs0[256];
		size_t k = iso_make_cs0(name, cs0, sizeof(cs0));
		if (!k || (k - 1) / (cs0[0] == 16 ? 2 : 1) > 103)
			return 0;
		for (size_t i = 1; i < k; i += cs0[0] == 16 ? 2 : 1) {
			out[n++] = cs0[0] == 16 ? cs0[i] : 0;
			out[n++] = cs0[0] == 16 ? cs0[i + 1] : cs0[i];
		}
		if (version) {
			memcpy(out + n, "\0;\0001", 4);
			n += 4;
		}
		return n;
	}
	const char *dot = strrchr(name, '.');
	size_t base = dot ? (size_t)(dot - name) : strlen(name);
	size_t ext = dot ? strlen(dot + 1) : 0;
	/* Cut to 8.3 as genisoimage does without -l (a clash is refused). */
	size_t nb = long_names ? base : base < 8 ? base : 8;
	size_t ne = long_names ? ext : ext < 3 ? ext : 3;
	if (nb + ne > 30 || nb + ne == 0)
		return 0;
	for (size_t i = 0; i < nb + 1 + ne; i++) {
		unsigned char c = i == nb ? '.' : (unsigned char)(i < nb ? name[i] : dot[1 + i - nb - 1]);
		if (i != nb && (c == '.' || !((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))))
			c = c >= 'a' && c <= 'z' ? (unsigned char)(c - 'a' + 'A') : '_';
		out[n++] = c;
	}
	if (version) {
		memcpy(out + n, ";1", 2);
		n += 2;
	}
	return n;
}

/* ECMA-119 9.3: records in the order of their identifiers, the shorter
 * one padded (with spaces in ISO 9660, zeros in Joliet), the version
 * left out; <0, 0, >0. */
static int id_cmp(const struct isofs_tree *t, const unsigned char *a, size_t na,
		  const unsigned char *b, size_t nb)
{
	const unsigned char *sa = t->joliet ? NULL : memchr(a, ';', na);
	const unsigned char *sb = t->joliet ? NULL : memchr(b, ';', nb);
	if (sa)
		na = (size_t)(sa - a);
	if (sb)
		nb = (size_t)(sb - b);
	if (t->joliet) {
		na -= na >= 4 && a[na - 3] == ';' ? 4 : 0;
		nb -= nb >= 4 && b[nb - 3] == ';' ? 4 : 0;
	}
	unsigned pad = t->joliet ? 0 : ' ';
	for (size_t i = 0; i < na || i < nb; i++) {
		unsigned x = i < na ? a[i] : pad, y = i < nb ? b[i] : pad;
		if (x != y)
			return (int)x - (int)y;
	}
	return 0;
}

/* Lay out directory data again with n_new records of len bytes inserted
 * before record `from`: the records before it keep their places, the
 * others follow in order, none across a sector.  -1 when they do not
 * fit in the directory. */
static int insert_layout(const unsigned char *old, uint64_t bytes, size_t from,
			 const unsigned char *recs, size_t n_new, unsigned len, unsigned char *out)
{
	size_t pos = 0, w = 0;
	long at = 0;
	memset(out, 0, (size_t)sectors_of(bytes) * SECT);
	for (size_t rec = 0; rec < from; rec++) {
		if ((at = next_rec(old, bytes, &pos)) < 0)
			return -1;
		memcpy(out + at, old + at, old[at]);
		w = (size_t)at + old[at];
	}
	for (size_t i = 0; i < n_new + 1; i++) {
		const unsigned char *r = i < n_new ? recs + i * len : NULL;
		if (!r && (at = next_rec(old, bytes, &pos)) < 0)
			break;
		unsigned l = r ? len : old[at];
		if (w % SECT + l > SECT)
			w += SECT - w % SECT;
		if (w + l > bytes)
			return -1;
		memcpy(out + w, r ? r : old + at, l);
		w += l;
		if (!r)
			i--;	/* the old records, one after another */
	}
	return at == -2 ? -1 : 0;
}

/* Where the new identifier goes among the directory's records: after
 * "." and "..", before the first record that sorts after it. */
static int insert_point(const struct isofs_tree *t, const unsigned char *d, uint64_t bytes,
			const unsigned char *id, size_t n, size_t *from)
{
	size_t pos = 0, rec = 0;
	long at;
	while ((at = next_rec(d, bytes, &pos)) >= 0) {
		const unsigned char *r = d + at;
		if (rec >= 2) {
			int c = id_cmp(t, r + 33, r[32], id, n);
			if (c == 0)
				return 1;	/* there already */
			if (c > 0)
				break;
		}
		rec++;
	}
	if (at == -2)
		return -1;
	*from = rec;
	return 0;
}

bool isofs_9660_has_dir(const struct isofs_tree *t, const char *dir)
{
	const char *tpath;
	return dir_index_of(t, dir, &tpath) >= 0;
}

/* How the directory's files are named (tree_style over one record of
 * each). */
static void dir_style(const struct isofs_tree *t, const unsigned char *d,
		      const struct isofs_dirext *de, size_t di, bool *long_names, bool *version)
{
	for (size_t i = 0; i < t->n_items; i++) {
		const struct isofs_item *it = &t->items[i];
		size_t pos = 0;
		long a = -1;
		if (it->dir || it->dir_index != di)
			continue;
		for (size_t k = 0; k <= it->rec && (a = next_rec(d, de->bytes, &pos)) >= 0; k++)
			;
		if (a >= 0)
			tree_style(t, d + a, long_names, version);
	}
}

/* The new file's record without its extent: identifier id (n bytes), the
 * "." record's date and volume sequence number, no extended attributes,
 * no system use.  Its length. */
static size_t make_record(unsigned char *rec, const unsigned char *dot, const unsigned char *id,
			  size_t n)
{
	size_t len = 33 + n + (n % 2 == 0);
	memset(rec, 0, len);
	rec[0] = (unsigned char)len;
	memcpy(rec + 18, dot + 18, 7);
	memcpy(rec + 28, dot + 28, 4);
	rec[32] = (unsigned char)n;
	memcpy(rec + 33, id, n);
	return len;
}

/* The tree's item for the new records [from, from + n_rec) of directory
 * di, the later items' record numbers moved on. */
static int put_item(struct isofs_tree *t, size_t di, size_t from, size_t n_rec, const char *tdir,
		    const unsigned char *rec, const struct isofs_extent *ext, size_t n_ext,
		    uint64_t size, char *why, size_t why_size)
{
	struct isofs_item it = { .size = size, .dir_index = di, .rec = from, .n_rec = n_rec,
				 .n_ext = n_ext };
	char shown[512];
	if ((t->n_items & (t->n_items - 1)) == 0) {	/* as add_item grows it */
		size_t cap = t->n_items ? 2 * t->n_items : 16;
		struct isofs_item *v = realloc(t->items, cap * sizeof(*v));
		if (!v)
			return FAIL("out of memory");
		t->items = v;
	}
	rec_name(t, rec, shown, sizeof(shown));
	if (asprintf(&it.path, "%s%s%s", tdir, *tdir ? "/" : "", shown) < 0 ||
	    !(it.ext = malloc((n_ext + 1) * sizeof(*it.ext)))) {
		free(it.path);
		return FAIL("out of memory");
	}
	if (n_ext)
		memcpy(it.ext, ext, n_ext * sizeof(*ext));
	for (size_t i = 0; i < t->n_items; i++)
		if (t->items[i].dir_index == di && t->items[i].rec >= from)
			t->items[i].rec += n_rec;
	t->items[t->n_items++] = it;
	return 0;
}

int isofs_9660_add(struct isofs *fs, struct isofs_tree *t, const char *dir, const char *name,
		   const struct isofs_extent *ext, size_t n_ext, uint64_t size, char *why,
		   size_t why_size)
{
	const char *tree = t->joliet ? "Joliet" : "ISO 9660", *tdir, *shown = *dir ? dir : "/";
	long di = dir_index_of(t, dir, &tdir), dot;
	unsigned char id[256], rec[256], *d = NULL, *recs = NULL, *out = NULL;
	bool long_names = false, version = !t->joliet;
	size_t from, n_rec, rbytes, pos = 0, n, len;
	int r = -1;
	if (di < 0)
		return FAIL("%s/%s: its directory is not in the %s tree, and wimpatch makes none there",
			    dir, name, tree);
	const struct isofs_dirext *de = &t->dirs[di];
	if (read_dir(fs, de->lba, de->bytes, &d, why, why_size) != 0)
		return -1;
	/* "." tells whether records carry system use data (Rock Ridge). */
	if ((dot = next_rec(d, de->bytes, &pos)) < 0 || d[dot] != 34) {
		FAIL("%s: the records of %s carry system use data (Rock Ridge?), which wimpatch "
		     "does not write", tree, shown);
		goto out;
	}
	dir_style(t, d, de, (size_t)di, &long_names, &version);
	if (!(n = tree_name(t, name, long_names, version, id))) {
		FAIL("%s: %s has no name the %s tree can hold here", tree, name, tree);
		goto out;
	}
	int c = insert_point(t, d, de->bytes, id, n, &from);
	if (c != 0) {
		c > 0 ? FAIL("%s: %s is in %s already (as %.*s)", tree, name, shown, (int)n, id)
		      : FAIL("%s: bad directory record in %s", tree, shown);
		goto out;
	}
	len = make_record(rec, d + dot, id, n);
	if (!(recs = new_records(rec, ext, n_ext, &n_rec, &rbytes)) ||
	    !(out = malloc((size_t)sectors_of(de->bytes) * SECT))) {
		FAIL("out of memory");
		goto out;
	}
	if (insert_layout(d, de->bytes, from, recs, n_rec, (unsigned)len, out) != 0) {
		FAIL("%s: no room for %zu directory record%s of %s in the %" PRIu64 " bytes of %s",
		     tree, n_rec, n_rec == 1 ? "" : "s", name, de->bytes, shown);
		goto out;
	}
	/* Every sector taken into the overlay before any is changed. */
	for (uint64_t s = 0; s < sectors_of(de->bytes); s++)
		if (!isofs_edit_sector(fs, de->lba + s, why, why_size))
			goto out;
	if (put_item(t, (size_t)di, from, n_rec, tdir, rec, ext, n_ext, size, why, why_size) != 0)
		goto out;
	for (uint64_t s = 0; s < sectors_of(de->bytes); s++)
		memcpy(isofs_edit_sector(fs, de->lba + s, NULL, 0), out + s * SECT, SECT);
	r = 0;
out:
	free(d);
	free(recs);
	free(out);
	return r;
}

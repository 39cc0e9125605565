/*
 * wim_verify.c - reading back the blobs a write of a WIM produced.
 *
 * The hives a run wrote are read back by extracting them (wimlib checks
 * each blob's SHA-1 as it reads it), but a write also lays down the blob
 * table, the metadata resources and, with -o or --rebuild, a copy of
 * every other resource; a byte gone wrong there would surface only when
 * someone extracts that file.  So, against the blob table the WIM had
 * before the write:
 *   - written in place (append): every old blob keeps its entry (offset,
 *     sizes, flags): the old data is not rewritten, only pointed at;
 *   - written anew: every old blob's stored bytes equal the source's,
 *     compared raw (no decompression: a read of both files);
 *   - new metadata resources are read by loading their images (wimlib
 *     checks their SHA-1); every new data resource must be that of a file
 *     the caller wrote (and reads back itself, the hives);
 *   - where none of that applies (wimlib stored a resource differently,
 *     e.g. recompressed a solid one), wimlib verifies the whole WIM.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wimlib.h>

#include "adapters/wim.h"
#include "adapters/wim_int.h"
#include "util/array.h"
#include "util/fdio.h"
#include "util/msg.h"

struct blob {
	uint8_t sha1[20];
	uint64_t offset, stored, size;	/* of the blob, or inside its solid resource */
	uint64_t raw_offset, raw_stored;	/* the resource holding it */
	bool compressed, metadata, packed;
	unsigned part;
	uint32_t refs;			/* its reference count */
};

/* The data hashes of files the caller names (each one's unnamed stream). */
struct hashes {
	uint8_t (*v)[20];
	size_t n, cap;
};

static int hash_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	struct hashes *h = ctx;
	if (!ARRAY_GROW(h->v, h->n + 1, h->cap))
		return WIMLIB_ERR_NOMEM;
	memcpy(h->v[h->n++], d->streams[0].resource.sha1_hash, 20);
	return 0;
}

struct wim_blobs {
	struct blob *v;
	size_t n, cap;
	struct blob *meta;		/* the images' metadata, in image order */
	size_t n_meta, cap_meta;
	unsigned char hdr[WIM_HDR_SIZE];	/* the file's header (before: read) */
	struct hashes *replaced;	/* before: the data of the files to be written */
};

static int by_sha1(const void *a, const void *b)
{
	return memcmp(((const struct blob *)a)->sha1, ((const struct blob *)b)->sha1, 20);
}

static int collect_cb(const struct wimlib_resource_entry *r, void *ctx)
{
	struct wim_blobs *b = ctx;
	if (r->is_missing || r->is_free)
		return 0;
	if (!ARRAY_GROW(b->v, b->n + 1, b->cap))
		return 1;
	struct blob *e = &b->v[b->n++];
	/* wimlib lists the images' metadata resources first, in order. */
	if (r->is_metadata) {
		if (!ARRAY_GROW(b->meta, b->n_meta + 1, b->cap_meta))
			return 1;
		b->n_meta++;
	}
	memcpy(e->sha1, r->sha1_hash, 20);
	e->offset = r->offset;
	e->stored = r->compressed_size;
	e->size = r->uncompressed_size;
	e->raw_offset = r->packed ? r->raw_resource_offset_in_wim : r->offset;
	e->raw_stored = r->packed ? r->raw_resource_compressed_size : r->compressed_size;
	e->compressed = r->is_compressed;
	e->metadata = r->is_metadata;
	e->packed = r->packed;
	e->part = r->part_number;
	e->refs = r->reference_count;
	if (r->is_metadata)
		b->meta[b->n_meta - 1] = *e;
	return 0;
}

/* The first `n` bytes of the file `path`: true, or false with errno. */
static bool read_head(const char *path, unsigned char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	errno = 0;
	bool ok = fd >= 0 && pread_full(fd, buf, n, 0) == (ssize_t)n;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* The blob table of the WIM `ws` opened from `path`, and its header. */
static struct wim_blobs *blobs_of(WIMStruct *ws, const char *path, const char *shown)
{
	struct wim_blobs *b = calloc(1, sizeof(*b));
	if (b && !read_head(path, b->hdr, sizeof(b->hdr))) {
		msg_error("%s: cannot read its header: %s", shown,
			  errno ? strerror(errno) : "the file is too short");
		wim_blobs_free(b);
		return NULL;
	}
	if (!b || wimlib_iterate_lookup_table(ws, 0, collect_cb, b) != 0) {
		msg_error(b ? "%s: cannot list its blobs: out of memory" : "%s: out of memory",
			  shown);
		wim_blobs_free(b);
		return NULL;
	}
	if (b->n)
		qsort(b->v, b->n, sizeof(*b->v), by_sha1);
	return b;
}

/* The hashes of `files` in the WIM `ws` into h (those the caller read
 * back as they are); a file not there is skipped when `may_lack` (a new
 * one), else an error.  Each image looked into is noted in
 * `looked[image]` (its metadata was read, wimlib checking its SHA-1). */
static enum wp_err hashes_of(WIMStruct *ws, const struct wim_file_ref *files, size_t n,
			     bool may_lack, struct hashes *h, bool *looked, const char *shown)
{
	for (size_t i = 0; i < n; i++) {
		if (files[i].sha1) {
			if (!ARRAY_GROW(h->v, h->n + 1, h->cap)) {
				msg_error("out of memory");
				return WP_ERR_INTERNAL;
			}
			memcpy(h->v[h->n++], files[i].sha1, 20);
			continue;
		}
		int r = wimlib_iterate_dir_tree(ws, files[i].image, files[i].path, 0, hash_cb, h);
		if (looked && !r)
			looked[files[i].image] = true;
		if (r == WIMLIB_ERR_PATH_DOES_NOT_EXIST && may_lack)
			continue;
		if (r) {
			wfail(shown, files[i].image, r, WS_IN, may_lack ? "cannot read" :
			      "verification failed: cannot find a file written");
			return WP_ERR_WRITE;
		}
	}
	return WP_OK;
}

static bool is_written(const struct hashes *h, const uint8_t *sha1)
{
	for (size_t i = 0; i < h->n; i++)
		if (memcmp(h->v[i], sha1, 20) == 0)
			return true;
	return false;
}

struct wim_blobs *wim_blobs_read(const char *path, const struct wim_file_ref *files, size_t n)
{
	WIMStruct *ws = NULL;
	int r = wimlib_open_wim(path, 0, &ws);
	if (r) {
		wfail(path, 0, r, WS_IN, "cannot open");
		return NULL;
	}
	struct wim_blobs *b = blobs_of(ws, path, path);
	if (b && (!(b->replaced = calloc(1, sizeof(*b->replaced))) ||
		  hashes_of(ws, files, n, true, b->replaced, NULL, path) != WP_OK)) {
		if (!b->replaced)
			msg_error("out of memory");
		wim_blobs_free(b);
		b = NULL;
	}
	wimlib_free(ws);
	return b;
}

void wim_blobs_free(struct wim_blobs *b)
{
	if (b) {
		free(b->v);
		free(b->meta);
		if (b->replaced)
			free(b->replaced->v);
		free(b->replaced);
	}
	free(b);
}

static const struct blob *find(const struct wim_blobs *b, const uint8_t *sha1)
{
	struct blob key;
	memcpy(key.sha1, sha1, 20);
	return b->n ? bsearch(&key, b->v, b->n, sizeof(*b->v), by_sha1) : NULL;
}

static bool same_entry(const struct blob *a, const struct blob *b)
{
	return a->offset == b->offset && a->stored == b->stored && a->size == b->size &&
	       a->raw_offset == b->raw_offset && a->raw_stored == b->raw_stored &&
	       a->compressed == b->compressed && a->packed == b->packed && a->part == b->part;
}

/* Stored the same way, so that the raw bytes must be equal. */
static bool same_shape(const struct blob *a, const struct blob *b)
{
	return a->packed == b->packed && a->compressed == b->compressed && a->size == b->size &&
	       a->raw_stored == b->raw_stored && (!a->packed || a->offset == b->offset);
}

/* The `len` bytes at `a_off` of `a` and at `b_off` of `b` are equal:
 * 1; differ or cannot be read: 0 (errno 0 for a difference). */
static int same_bytes(int a, uint64_t a_off, int b, uint64_t b_off, uint64_t len)
{
	enum { CHUNK = 1 << 20 };
	static _Thread_local unsigned char x[CHUNK], y[CHUNK];

	for (uint64_t done = 0; done < len;) {
		size_t n = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
		errno = 0;
		if (pread_full(a, x, n, (off_t)(a_off + done)) != (ssize_t)n ||
		    pread_full(b, y, n, (off_t)(b_off + done)) != (ssize_t)n) {
			if (errno == 0)
				errno = EIO;	/* shorter than its table says */
			return 0;
		}
		if (memcmp(x, y, n) != 0)
			return 0;
		done += n;
	}
	return 1;
}

static int no_op(const struct wimlib_dir_entry *d, void *ctx)
{
	(void)d;
	(void)ctx;
	return 0;
}

/* Image i + 1's metadata as it was, if it is the same: by image, not by
 * hash, since images exported twice share one. */
static const struct blob *old_meta(const struct wim_blobs *now, const struct wim_blobs *before,
				   size_t i)
{
	if (i >= before->n_meta || memcmp(before->meta[i].sha1, now->meta[i].sha1, 20) != 0)
		return NULL;
	return &before->meta[i];
}

/* An image whose metadata resource is new is loaded (wimlib checks its
 * SHA-1 as it reads it), unless it was read from the written file already
 * (`looked`); the others' entries were checked as old blobs. */
static enum wp_err load_new_images(WIMStruct *ws, const struct wim_blobs *now,
				   const struct wim_blobs *before, const bool *looked,
				   const char *shown)
{
	for (size_t i = 0; i < now->n_meta; i++) {
		const struct blob *was = old_meta(now, before, i);
		if ((was && same_entry(was, &now->meta[i])) || looked[i + 1])
			continue;
		int r = wimlib_iterate_dir_tree(ws, (int)i + 1, "", 0, no_op, NULL);
		if (r) {
			wfail(shown, (int)i + 1, r, WS_IN,
			      "verification failed: cannot read the image as written");
			return WP_ERR_WRITE;
		}
	}
	return WP_OK;
}

/* Every data resource the write added belongs to a file it wrote (whose
 * bytes the caller reads back): one that does not is an entry written
 * wrong (say, its hash), and the file it stood for has lost its data. */
/* Every data resource the write added belongs to a file it wrote (whose
 * bytes the caller reads back), and every one it dropped was the old
 * data of such a file (or of none: wimlib keeps unreferenced ones when
 * it appends, and drops them when it writes anew): else an entry was written wrong (say, its hash or
 * part number) and a file it stood for has lost its data. */
static enum wp_err check_new(WIMStruct *ws, const struct wim_blobs *now,
			     const struct wim_blobs *before, const struct wim_file_ref *files,
			     size_t n_files, bool *looked, const char *shown)
{
	struct hashes h = { 0 };
	enum wp_err ret = hashes_of(ws, files, n_files, false, &h, looked, shown);

	for (size_t i = 0; i < now->n && ret == WP_OK; i++) {
		const struct blob *b = &now->v[i];
		if (b->metadata || find(before, b->sha1) || is_written(&h, b->sha1))
			continue;
		msg_error("%s: verification failed: its blob table has a resource at offset %" PRIu64
			  " that no file written has", shown, b->raw_offset);
		ret = WP_ERR_WRITE;
	}
	for (size_t i = 0; i < before->n && ret == WP_OK; i++) {
		const struct blob *b = &before->v[i];
		if (b->metadata || b->refs == 0 || find(now, b->sha1) ||
		    (before->replaced && is_written(before->replaced, b->sha1)))
			continue;
		msg_error("%s: verification failed: its resource at offset %" PRIu64 " is gone from "
			  "its blob table", shown, b->raw_offset);
		ret = WP_ERR_WRITE;
	}
	free(h.v);
	return ret;
}

/* A resource of the written WIM and where the source has the same. */
struct region {
	uint64_t out, src, len;
};

struct check {
	const char *shown;
	bool in_place;
	struct region *v;		/* written anew: what to compare */
	size_t n, cap;
	bool whole;			/* something only wimlib can check */
};

static enum wp_err check_old(struct check *c, const struct blob *now, const struct blob *was)
{
	if (c->in_place) {
		if (same_entry(now, was))
			return WP_OK;
		msg_error("%s: verification failed: the blob table entry of a resource at offset "
			  "%" PRIu64 " is not what it was before the write", c->shown, was->raw_offset);
		return WP_ERR_WRITE;
	}
	if (!same_shape(now, was)) {
		c->whole = true;
		return WP_OK;
	}
	if (!ARRAY_GROW(c->v, c->n + 1, c->cap)) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	c->v[c->n++] = (struct region){ now->raw_offset, was->raw_offset, now->raw_stored };
	return WP_OK;
}

static int by_out(const void *a, const void *b)
{
	uint64_t x = ((const struct region *)a)->out, y = ((const struct region *)b)->out;
	return x < y ? -1 : x > y;
}

/* Each resource once (a solid one holds many blobs). */
static enum wp_err compare_regions(struct check *c, const char *written, const char *src)
{
	int out = open(written, O_RDONLY | O_CLOEXEC), in = open(src, O_RDONLY | O_CLOEXEC);
	enum wp_err ret = WP_OK;

	if (out < 0 || in < 0) {
		msg_error("%s: %s", out < 0 ? c->shown : src, strerror(errno));
		ret = WP_ERR_WRITE;
	}
	if (c->n)
		qsort(c->v, c->n, sizeof(*c->v), by_out);
	for (size_t i = 0; i < c->n && ret == WP_OK; i++) {
		const struct region *g = &c->v[i];
		if (i && g->out == c->v[i - 1].out)
			continue;
		if (same_bytes(out, g->out, in, g->src, g->len))
			continue;
		if (errno)
			msg_error("%s: verification failed: cannot read its resource at offset %" PRIu64
				  " back: %s", c->shown, g->out, strerror(errno));
		else
			msg_error("%s: verification failed: its resource at offset %" PRIu64 " (%" PRIu64
				  " bytes) differs from the source's", c->shown, g->out, g->len);
		ret = WP_ERR_WRITE;
	}
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	return ret;
}

static enum wp_err check_blobs(struct check *c, const struct wim_blobs *now,
			       const struct wim_blobs *before)
{
	enum wp_err ret = WP_OK;
	for (size_t i = 0; i < now->n && ret == WP_OK; i++) {
		const struct blob *was = now->v[i].metadata ? NULL : find(before, now->v[i].sha1);
		if (was)
			ret = check_old(c, &now->v[i], was);
	}
	for (size_t i = 0; i < now->n_meta && ret == WP_OK; i++) {
		const struct blob *was = old_meta(now, before, i);
		if (was)
			ret = check_old(c, &now->meta[i], was);
	}
	return ret;
}

/* What the header says besides the tables wimlib reads by it: the same
 * identity as before (magic, version, flags, chunk size, GUID, part
 * numbers; a run that was killed may have left the flag that says a
 * write is under way), and where the boot image's metadata is (what Windows boots a
 * boot.wim by, wimlib never reads it) agreeing with the blob table. */
static enum wp_err check_header(const struct wim_blobs *now, const struct wim_blobs *before,
				const char *shown)
{
	const unsigned char *h = now->hdr;
	uint32_t boot = (uint32_t)wim_le(h + WIM_HDR_BOOT_INDEX, 4);
	bool same = memcmp(h, before->hdr, WIM_HDR_FLAGS) == 0 &&
		    (wim_le(h + WIM_HDR_FLAGS, 4) | WIM_HDR_FLAG_WRITE_IN_PROGRESS) ==
			    (wim_le(before->hdr + WIM_HDR_FLAGS, 4) | WIM_HDR_FLAG_WRITE_IN_PROGRESS) &&
		    memcmp(h + WIM_HDR_FLAGS + 4, before->hdr + WIM_HDR_FLAGS + 4,
			   WIM_HDR_IMAGE_COUNT - WIM_HDR_FLAGS - 4) == 0;

	if (same && boot == 0) {
		static const unsigned char zero[24];
		same = memcmp(h + WIM_HDR_BOOT_META, zero, sizeof(zero)) == 0;
	} else if (same) {
		const struct blob *m = boot <= now->n_meta ? &now->meta[boot - 1] : NULL;
		uint64_t off, stored;
		wim_reshdr(h + WIM_HDR_BOOT_META, &off, &stored);
		same = m && stored == m->stored && off == m->offset &&
		       wim_le(h + WIM_HDR_BOOT_META + 16, 8) == m->size;
	}
	if (same)
		return WP_OK;
	msg_error("%s: verification failed: its header does not read back as written", shown);
	return WP_ERR_WRITE;
}

enum wp_err wim_verify_blobs(const char *written, const char *shown,
			     const struct wim_blobs *before, const char *src,
			     const struct wim_file_ref *files, size_t n_files, bool images_dropped,
			     const bool *loaded)
{
	struct check c = { .shown = shown, .in_place = !src };
	struct wim_blobs *now = NULL;
	WIMStruct *ws = NULL;
	bool *looked = NULL;
	enum wp_err ret = WP_ERR_WRITE;

	int r = wimlib_open_wim(written, 0, &ws);
	if (r) {
		wfail(shown, 0, r, WS_IN, "verification failed: cannot open it as written");
		return WP_ERR_WRITE;
	}
	if (!(now = blobs_of(ws, written, shown)))
		goto out;
	/* [1..images]: read from the written file, by the caller or here. */
	if (!(looked = calloc(now->n_meta + 2, sizeof(*looked)))) {
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
		goto out;
	}
	for (size_t i = 1; loaded && i <= now->n_meta; i++)
		looked[i] = loaded[i];
	if ((ret = check_header(now, before, shown)) != WP_OK ||
	    (ret = check_blobs(&c, now, before)) != WP_OK ||
	    (src && (ret = compare_regions(&c, written, src)) != WP_OK) ||
	    (!images_dropped &&
	     (ret = check_new(ws, now, before, files, n_files, looked, shown)) != WP_OK) ||
	    (ret = load_new_images(ws, now, before, looked, shown)) != WP_OK)
		goto out;
	if (c.whole) {
		msg_verbose("%s: wimlib stored some resources anew: verifying the whole WIM",
			    shown);
		if ((r = wimlib_verify_wim(ws, 0)) != 0) {
			wfail(shown, 0, r, WS_IN, "verification failed");
			ret = WP_ERR_WRITE;
		}
	}
out:
	free(looked);
	free(c.v);
	wim_blobs_free(now);
	wimlib_free(ws);
	return ret;
}

/*
 * wim_sparse.c - stand-ins: a WIM inside an ISO image, as a sparse file of
 * its size that holds only what wimpatch reads (see wim.h).
 *
 * wimlib reads a WIM through a file of its own.  Opening one reads the
 * header, the blob table and the XML data; loading an image reads its
 * metadata resource; extracting a file reads that file's resource (a
 * solid one whole); an append (wimlib's overwrite without rebuild, see
 * its write.c) writes the header and everything past the old end, and,
 * with an integrity table, re-reads the last chunk the old table covers
 * (the chunks before it keep their old digests).  So a stand-in gets the
 * first four when it is made, from the header on up to the end of the
 * file from that chunk's start, and a file's resources when it is
 * extracted (wim_sparse_fetch, called by the adapter before every
 * extraction): megabytes, where the WIM is gigabytes.
 *
 * What a write changed is then found by comparing the stand-in's data
 * (SEEK_DATA/SEEK_HOLE) with the source: wim_sparse_changes.  That needs
 * every byte of the stand-in's data to be the source's or wimlib's:
 * everything is copied in whole 64 KiB blocks, and wimlib writes only
 * into what was copied (the header, the old XML data and integrity
 * table) or past the old end.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wimlib.h>

#include "core/error.h"
#include "util/array.h"
#include "util/fdio.h"
#include "util/msg.h"
#include "adapters/wim.h"
#include "adapters/wim_int.h"

#define COPY_CHUNK (1u << 20)
#define ALIGN (64u << 10)	/* copied in whole blocks of this size */

struct range {
	uint64_t off, len;
};

struct standin {
	dev_t dev;
	ino_t ino;
	int fd;			/* the stand-in, for writing what is fetched */
	char *path;
	char *name;		/* the WIM as messages name it */
	struct wim_source src;
	struct range *have;	/* what was copied in, for wim_sparse_fetch */
	size_t n_have, alloc_have;
};

static struct standin *standins;
static size_t n_standins, alloc_standins;

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool have_range(const struct standin *s, uint64_t off, uint64_t len)
{
	for (size_t i = 0; i < s->n_have; i++)
		if (off >= s->have[i].off && off + len <= s->have[i].off + s->have[i].len)
			return true;
	return false;
}

/* Copy [off, off + len) of the source into the stand-in.  What lies past
 * the source's end is what wimlib appended (a resource it wrote): there
 * already, as is all that was copied in before, which wimlib may have
 * written over since (the old XML data and integrity table). */
static enum wp_err copy_in(struct standin *s, uint64_t off, uint64_t len)
{
	if (off >= s->src.size || len == 0)
		return WP_OK;
	if (len > s->src.size - off)
		len = s->src.size - off;
	/* Whole aligned blocks, so that the stand-in's data (SEEK_DATA)
	 * never holds a byte that is neither the source's nor wimlib's: a
	 * file system allocates in blocks, and a block partly written reads
	 * as zeros elsewhere. */
	uint64_t end = off + len;
	off -= off % ALIGN;
	end = end % ALIGN ? end + ALIGN - end % ALIGN : end;
	if (end > s->src.size)
		end = s->src.size;
	len = end - off;
	if (have_range(s, off, len))
		return WP_OK;
	unsigned char *buf = malloc(COPY_CHUNK);
	if (!buf) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	enum wp_err ret = WP_OK;
	for (uint64_t done = 0; done < len && ret == WP_OK;) {
		size_t n = len - done < COPY_CHUNK ? (size_t)(len - done) : COPY_CHUNK;
		if (s->src.read(s->src.ctx, off + done, buf, n) < 0) {
			msg_error("%s: cannot read %zu bytes at offset %" PRIu64 ": %s", s->name, n,
				  off + done, strerror(errno));
			ret = WP_ERR_INPUT;
		} else if (pwrite_full(s->fd, buf, n, (off_t)(off + done)) < 0) {
			msg_error("%s: cannot write its scratch copy %s: %s", s->name, s->path,
				  strerror(errno));
			ret = WP_ERR_WRITE;
		}
		done += n;
	}
	free(buf);
	if (ret == WP_OK) {
		if (!ARRAY_GROW(s->have, s->n_have + 1, s->alloc_have)) {
			msg_error("out of memory");
			return WP_ERR_INTERNAL;
		}
		s->have[s->n_have++] = (struct range){ off, len };
	}
	return ret;
}

/* Header, blob table, XML data, integrity table: from the start of the
 * last chunk the integrity table covers (or of the blob table) to the end. */
static enum wp_err copy_structures(struct standin *s)
{
	unsigned char h[WIM_HDR_SIZE];
	uint64_t bt_off, bt_size, xml_off, xml_size, it_off, it_size;

	if (s->src.size < WIM_HDR_SIZE || s->src.read(s->src.ctx, 0, h, sizeof(h)) < 0) {
		msg_error("%s: cannot read the WIM header: %s", s->name,
			  s->src.size < WIM_HDR_SIZE ? "the file is too short" : strerror(errno));
		return WP_ERR_INPUT;
	}
	if (!wim_header_is_wim(h, sizeof(h))) {
		msg_error("%s: not a WIM (no WIM header)", s->name);
		return WP_ERR_INPUT;
	}
	wim_reshdr(h + WIM_HDR_BLOB_TABLE, &bt_off, &bt_size);
	wim_reshdr(h + WIM_HDR_XML, &xml_off, &xml_size);
	wim_reshdr(h + WIM_HDR_INTEGRITY, &it_off, &it_size);
	uint64_t from = bt_off ? bt_off : xml_off;
	if (!from || from > s->src.size) {
		msg_error("%s: its header places the blob table or XML data past its end", s->name);
		return WP_ERR_INPUT;
	}
	enum wp_err ret = copy_in(s, 0, WIM_HDR_SIZE);
	if (ret == WP_OK && it_off && it_size >= 12 && it_off + 12 <= s->src.size) {
		unsigned char t[12];
		if (s->src.read(s->src.ctx, it_off, t, sizeof(t)) < 0) {
			msg_error("%s: cannot read its integrity table: %s", s->name, strerror(errno));
			return WP_ERR_INPUT;
		}
		uint32_t entries = le32(t + 4), chunk = le32(t + 8);
		uint64_t last = entries && chunk ? WIM_HDR_SIZE + (uint64_t)(entries - 1) * chunk : 0;
		if (last && last < from)
			from = last;
	}
	if (ret == WP_OK)
		ret = copy_in(s, from, s->src.size - from);
	return ret;
}

static int metadata_cb(const struct wimlib_resource_entry *r, void *ctx)
{
	struct standin *s = ctx;
	if (!r->is_metadata)
		return 0;
	return copy_in(s, r->offset, r->compressed_size) == WP_OK ? 0 : 1;
}

/* The images' metadata resources, which the blob table lists. */
static enum wp_err copy_metadata(struct standin *s)
{
	WIMStruct *ws;
	int r = wimlib_open_wim(s->path, 0, &ws);
	if (r)
		return wfail(s->name, 0, r, WS_IN, "cannot open");
	r = wimlib_iterate_lookup_table(ws, 0, metadata_cb, s);
	wimlib_free(ws);
	return r ? WP_ERR_INPUT : WP_OK;
}

static void standin_free(struct standin *s)
{
	if (s->fd >= 0)
		close(s->fd);
	free(s->path);
	free(s->name);
	free(s->have);
}

enum wp_err wim_sparse_make(const char *path, const struct wim_source *src, const char *name)
{
	struct standin s = { .fd = -1, .src = *src };
	struct stat st;
	enum wp_err ret = WP_ERR_INTERNAL;

	if (!(s.path = strdup(path)) || !(s.name = strdup(name)) ||
	    !ARRAY_GROW(standins, n_standins + 1, alloc_standins)) {
		msg_error("out of memory");
		goto fail;
	}
	ret = WP_ERR_WRITE;
	s.fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (s.fd < 0 || ftruncate(s.fd, (off_t)src->size) < 0 || fstat(s.fd, &st) < 0) {
		msg_error("%s: cannot make its scratch copy %s: %s", name, path, strerror(errno));
		goto fail;
	}
	s.dev = st.st_dev;
	s.ino = st.st_ino;
	if ((ret = copy_structures(&s)) != WP_OK || (ret = copy_metadata(&s)) != WP_OK)
		goto fail;
	standins[n_standins++] = s;
	return WP_OK;
fail:
	standin_free(&s);
	return ret;
}

static struct standin *find(const char *path)
{
	struct stat st;
	if (!n_standins || stat(path, &st) < 0)
		return NULL;
	for (size_t i = 0; i < n_standins; i++)
		if (standins[i].dev == st.st_dev && standins[i].ino == st.st_ino)
			return &standins[i];
	return NULL;
}

bool wim_sparse_is(const char *path)
{
	return find(path) != NULL;
}

struct fetch {
	struct standin *s;
	enum wp_err ret;
};

static int fetch_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	struct fetch *f = ctx;
	for (uint32_t i = 0; i <= d->num_named_streams && f->ret == WP_OK; i++) {
		const struct wimlib_resource_entry *r = &d->streams[i].resource;
		if (r->is_missing || r->uncompressed_size == 0)
			continue;
		if (r->packed)
			f->ret = copy_in(f->s, r->raw_resource_offset_in_wim,
					 r->raw_resource_compressed_size);
		else
			f->ret = copy_in(f->s, r->offset, r->compressed_size);
	}
	return f->ret == WP_OK ? 0 : 1;
}

enum wp_err wim_sparse_fetch(WIMStruct *ws, const char *path, int image, const char *stored)
{
	struct fetch f = { .s = find(path), .ret = WP_OK };
	if (!f.s)
		return WP_OK;
	int r = wimlib_iterate_dir_tree(ws, image, stored, 0, fetch_cb, &f);
	if (r && f.ret == WP_OK)
		return wfail(f.s->name, image, r, WS_IN, stored);
	return f.ret;
}

/* ------------------------------------------------------------------ */
/* What a write changed */

static int add_change(struct wim_change_list *c, uint64_t off, uint64_t len)
{
	if (c->n && c->v[c->n - 1].off + c->v[c->n - 1].len == off) {
		c->v[c->n - 1].len += len;
		return 0;
	}
	if (!ARRAY_GROW(c->v, c->n + 1, c->alloc))
		return -1;
	c->v[c->n++] = (struct wim_range){ off, len };
	return 0;
}

/* Compare [off, end) of the stand-in (all below the source's size) with
 * the source, in blocks of `block` bytes. */
static enum wp_err compare(struct standin *s, uint64_t off, uint64_t end, size_t block,
			   struct wim_change_list *c)
{
	unsigned char *a = malloc(COPY_CHUNK), *b = malloc(COPY_CHUNK);
	enum wp_err ret = WP_OK;

	if (!a || !b) {
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
	}
	off -= off % block;
	while (ret == WP_OK && off < end) {
		size_t n = end - off < COPY_CHUNK ? (size_t)(end - off) : COPY_CHUNK;
		if (s->src.read(s->src.ctx, off, a, n) < 0 || pread_full(s->fd, b, n, (off_t)off) != (ssize_t)n) {
			msg_error("%s: cannot compare its scratch copy with the image: %s", s->name,
				  strerror(errno));
			ret = WP_ERR_WRITE;
			break;
		}
		for (size_t i = 0; i < n && ret == WP_OK; i += block) {
			size_t k = n - i < block ? n - i : block;
			if (memcmp(a + i, b + i, k) != 0 && add_change(c, off + i, k) < 0) {
				msg_error("out of memory");
				ret = WP_ERR_INTERNAL;
			}
		}
		off += n;
	}
	free(a);
	free(b);
	return ret;
}

enum wp_err wim_sparse_changes(const char *path, size_t block, struct wim_change_list *c)
{
	struct standin *s = find(path);
	struct stat st;

	memset(c, 0, sizeof(*c));
	if (!s || fstat(s->fd, &st) < 0) {
		msg_error("%s: its scratch copy %s is gone: %s", s ? s->name : path, path,
			  s ? strerror(errno) : "not a stand-in");
		return WP_ERR_INTERNAL;
	}
	uint64_t size = (uint64_t)st.st_size, old = s->src.size, off = 0;
	enum wp_err ret = WP_OK;
	c->size = size;
	/* Below the old end, only where the stand-in has data can it differ;
	 * past it, every byte is new (a hole there reads as zeros). */
	while (ret == WP_OK && off < size && off < old) {
		off_t d = lseek(s->fd, (off_t)off, SEEK_DATA);
		if (d < 0 || (uint64_t)d >= old)
			break;
		off_t h = lseek(s->fd, d, SEEK_HOLE);
		uint64_t end = h < 0 || (uint64_t)h > old ? old : (uint64_t)h;
		if (end > size)
			end = size;
		ret = compare(s, (uint64_t)d, end, block, c);
		off = end;
	}
	if (ret == WP_OK && size > old && add_change(c, old, size - old) < 0) {
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
	}
	if (ret != WP_OK)
		wim_change_list_free(c);
	return ret;
}

void wim_change_list_free(struct wim_change_list *c)
{
	free(c->v);
	memset(c, 0, sizeof(*c));
}

void wim_sparse_forget(const char *path)
{
	struct standin *s = find(path);
	if (!s)
		return;
	standin_free(s);
	*s = standins[--n_standins];
	if (!n_standins) {
		free(standins);
		standins = NULL;
		alloc_standins = 0;
	}
}

/*
 * wim_meta.c - what WIM_REPLACE_KEEP_METADATA keeps of a file, as text, to
 * compare before and after (wim_file_metadata); and the lists of strings
 * the adapter's files share.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wimlib.h>

#include "core/error.h"
#include "util/msg.h"
#include "adapters/wim.h"
#include "adapters/wim_int.h"
#include "util/strbuf.h"

/* ------------------------------------------------------------------ */
/* Lists of strings */

int strv_add(struct strv *s, const char *str)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	char *d = NULL;
	if (str && !(d = strdup(str)))
		return -1;
	s->v[s->n++] = d;
	return 0;
}

void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

bool strv_has(const struct strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] && strcmp(s->v[i], str) == 0)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void text_hex(struct strbuf *t, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		strbuf_addf(t, "%02x", b[i]);
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* Metadata as text, to compare before and after */

struct meta_ctx {
	struct strbuf inode;
	struct strv links;
	uint64_t group;
	uint32_t num_links;
	bool hashes;
};

static void meta_inode(struct meta_ctx *m, const struct wimlib_dir_entry *d)
{
	struct strbuf *t = &m->inode;

	strbuf_addf(t, "attributes 0x%08x\nlinks %u\nsecurity ", (unsigned)d->attributes,
		 (unsigned)d->num_links);
	if (d->security_descriptor && d->security_descriptor_size)
		text_hex(t, d->security_descriptor, d->security_descriptor_size);
	else
		strbuf_addf(t, "none");
	strbuf_addf(t, "\ncreated %lld.%09ld\naccessed %lld.%09ld\nobject-id ",
		 (long long)d->creation_time.tv_sec, (long)d->creation_time.tv_nsec,
		 (long long)d->last_access_time.tv_sec, (long)d->last_access_time.tv_nsec);
	if (all_zero(&d->object_id, sizeof(d->object_id)))
		strbuf_addf(t, "none");
	else
		text_hex(t, &d->object_id, sizeof(d->object_id));
	strbuf_addf(t, "\n");
	for (uint32_t i = 1; i <= d->num_named_streams; i++) {
		const struct wimlib_resource_entry *r = &d->streams[i].resource;
		strbuf_addf(t, "stream \"%s\" %llu bytes", d->streams[i].stream_name,
			 (unsigned long long)r->uncompressed_size);
		/* Data captured but not yet written has no hash yet. */
		if (m->hashes) {
			strbuf_addf(t, " sha1 ");
			text_hex(t, r->sha1_hash, sizeof(r->sha1_hash));
		}
		strbuf_addf(t, "\n");
	}
}

static int meta_link(struct meta_ctx *m, const struct wimlib_dir_entry *d)
{
	struct strbuf l = STRBUF_INIT;
	strbuf_addf(&l, "link %s short \"%s\"\n", d->full_path, d->dos_name ? d->dos_name : "");
	if (l.failed || strv_add(&m->links, l.buf) < 0) {
		free(l.buf);
		return WIMLIB_ERR_NOMEM;
	}
	free(l.buf);
	return 0;
}

static int meta_first_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	struct meta_ctx *m = ctx;
	meta_inode(m, d);
	m->group = d->hard_link_group_id;
	m->num_links = d->num_links;
	return m->inode.failed ? WIMLIB_ERR_NOMEM : meta_link(m, d);
}

static int meta_links_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	struct meta_ctx *m = ctx;
	if (d->hard_link_group_id != m->group || (d->attributes & WIMLIB_FILE_ATTRIBUTE_DIRECTORY))
		return 0;
	return meta_link(m, d);
}

enum wp_err metadata_text(WIMStruct *ws, const char *wpath, int image, const char *stored,
			  bool hashes, enum wside side, char **text)
{
	struct meta_ctx m = { .hashes = hashes };
	enum wp_err ret = WP_ERR_INTERNAL;
	char what[600];

	*text = NULL;
	snprintf(what, sizeof(what), "cannot look up %s", stored);
	int r = wimlib_iterate_dir_tree(ws, image, stored, 0, meta_first_cb, &m);
	if (!r && m.num_links > 1) {
		strv_free(&m.links);
		r = wimlib_iterate_dir_tree(ws, image, "/", WIMLIB_ITERATE_DIR_TREE_FLAG_RECURSIVE,
					    meta_links_cb, &m);
	}
	if (r) {
		ret = wfail(wpath, image, r, side, what);
		goto out;
	}
	qsort(m.links.v, m.links.n, sizeof(*m.links.v), cmp_str);
	for (size_t i = 0; i < m.links.n; i++)
		strbuf_addf(&m.inode, "%s", m.links.v[i]);
	if (m.inode.failed) {
		msg_error("out of memory");
		goto out;
	}
	*text = m.inode.buf;
	m.inode.buf = NULL;
	ret = WP_OK;
out:
	free(m.inode.buf);
	strv_free(&m.links);
	return ret;
}

char *wim_file_metadata(struct wim *w, int image, const char *stored)
{
	char *text;
	metadata_text(w->ws, w->path, image, stored, true, WS_IN, &text);
	return text;
}

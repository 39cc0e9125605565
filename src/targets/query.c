/*
 * query.c - "wimpatch query": which hives of a target a key or value is
 * read from, opened as show.c opens each kind (an ISO image through the
 * stand-ins of its medium files, no extraction; each selected image of a
 * WIM; a bare hive or BCD store), each answer handed to o->done.  Reads
 * only; the reading of one hive is query_read.c's.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adapters/hive.h"
#include "adapters/wim.h"
#include "targets/hivekind.h"
#include "targets/hivelogs.h"
#include "targets/imagesel.h"
#include "targets/iso_inplace.h"
#include "targets/iso_media.h"
#include "targets/media.h"
#include "targets/query_read.h"
#include "targets/target.h"
#include "targets/targets.h"
#include "targets/tree.h"
#include "util/fsutil.h"
#include "util/msg.h"
#include "util/path.h"

#define BCD_ROOT "HKEY_LOCAL_MACHINE\\BCD00000000"

/* An .iso is read through stand-ins of its files in a scratch directory;
 * their paths are named as the image's ("X.iso/sources/boot.wim"). */
struct query_ctx {
	const struct query_opts *o;
	const char *scratch_root;
	const char *image_name;
};

/* The path as the user knows it (malloc'd, or NULL, said). */
static char *named(const struct query_ctx *c, const char *path)
{
	char *s = path_rebased(path, c->scratch_root, c->image_name);
	if (!s)
		msg_error("out of memory");
	return s;
}

static struct hive *open_hive(const char *file, const char *where)
{
	char err[256];
	struct hive *h = hive_open(file, HIVE_ALLOW_DIRTY, err, sizeof(err));

	if (!h)
		msg_error("%s: %s", where, err);
	return h;
}

/* Read the query from `h` (opened from `file`) into *q, hand it on and
 * close the hive. */
static enum wp_err answer_from(const struct query_ctx *c, struct hive *h, const char *file,
			       const char *where, struct query_result *q)
{
	enum wp_err ret = WP_OK;

	/* What it holds may be older than what its logs would replay. */
	hivelogs_warn_dirty(file, where);
	if (query_read(h, &c->o->rq, where, q) < 0)
		ret = WP_ERR_INPUT;
	else
		c->o->done(q, c->o->ctx);
	query_result_free(q);
	hive_close(h);
	return ret;
}

static enum wp_err answer(const struct query_ctx *c, const char *file, const char *where,
			  struct query_result *q)
{
	struct hive *h = open_hive(file, where);
	return h ? answer_from(c, h, file, where, q) : WP_ERR_INPUT;
}

/* The hive a WIM's images are read in: --hive, by default SYSTEM. */
static char *image_hive(const struct query_opts *o)
{
	char err[256];
	char *p = hive_path_normalise(o->hive ? o->hive : "SYSTEM", err, sizeof(err));
	if (!p)
		msg_error("--hive %s: %s", o->hive ? o->hive : "SYSTEM", err);
	return p;
}

/* Image `i`'s hive `hive`, extracted into scratch/i and read. */
static enum wp_err query_image(const struct query_ctx *c, struct wim *w, int i, const char *name,
			       const char *hive, const char *root, const char *scratch)
{
	struct msg_where about = { .image = i, .hive = hive };
	char *stored = NULL, *dir = NULL, *file = NULL, *where = NULL;
	enum wp_err ret;

	msg_where_push(&about);
	if ((ret = wim_find_file(w, i, hive, &stored)) != WP_OK)
		goto out;
	if (!stored) {
		msg_error("%s: image %d: no %s in it", name, i, hive);
		ret = WP_ERR_INPUT;
		goto out;
	}
	if (!(dir = msg_asprintf("%s/%d", scratch, i)) || !(file = msg_asprintf("%s/%s", dir, path_base(stored))) ||
	    !(where = msg_asprintf("%s: image %d: %s", name, i, stored + 1))) {
		ret = WP_ERR_INTERNAL;
	} else if ((ret = hivefile_check_wim_size(w, i, stored, where)) != WP_OK) {
		/* reported: bigger than any hive wimpatch reads */
	} else if (mkdir(dir, 0700) < 0) {
		msg_error("%s: %s", dir, strerror(errno));
		ret = WP_ERR_WRITE;
	} else if ((ret = wim_extract_file(w, i, stored, dir)) == WP_OK) {
		struct query_result q = { .file = name, .image = i,
					  .image_name = wim_image_name(w, i), .hive = stored + 1,
					  .root = root };
		ret = answer(c, file, where, &q);
	}
out:
	msg_where_pop(&about);
	free(stored);
	free(dir);
	free(file);
	free(where);
	return ret;
}

/* Each image -i selects in the WIM at `path`, whose place on a medium
 * gives its images `role` (ROLE_ANY: a WIM on its own). */
static enum wp_err query_wim_as(const struct query_ctx *c, const char *path, enum role role)
{
	struct patch_opts po = { .images = c->o->images, .n_images = c->o->n_images,
				 .role_hint = role };
	struct wim *w = wim_open(path, false);
	char *name = NULL, *hive = NULL, *root = NULL, *scratch = NULL;
	bool *sel = NULL;
	enum wp_err ret = WP_ERR_INTERNAL;

	if (!w)
		return WP_ERR_INPUT;
	int n = wim_image_count(w);
	if (!(name = named(c, path)) || !(hive = image_hive(c->o)) ||
	    !(root = reg_root_for(hive)) || !(sel = calloc((size_t)n + 1, sizeof(*sel))))
		goto out;
	if ((ret = imagesel_select(w, &po, sel)) != WP_OK)
		goto out;
	if (!(scratch = fs_make_tempdir())) {
		ret = WP_ERR_WRITE;
		goto out;
	}
	for (int i = 1; i <= n && ret == WP_OK; i++)
		if (sel[i])
			ret = query_image(c, w, i, name, hive, root, scratch);
	fs_remove_tempdir(scratch);
out:
	if (ret == WP_ERR_INTERNAL && !root)
		msg_error("out of memory");
	free(sel);
	free(root);
	free(hive);
	free(name);
	wim_close(w);
	return ret;
}

/* A BCD store; the kind of target and its place tell it is one. */
static enum wp_err query_bcd_as(const struct query_ctx *c, const char *path)
{
	char *name = named(c, path);
	enum wp_err ret;

	if (!name)
		return WP_ERR_INTERNAL;
	struct query_result q = { .file = name, .hive = "BCD", .root = BCD_ROOT };
	ret = answer(c, path, name, &q);
	free(name);
	return ret;
}

/* On a medium, --hive BCD reads its BCD stores; any other hive the
 * images of its WIMs. */
static bool wants_bcd(const struct query_opts *o)
{
	return o->hive && hivekind_same(o->hive, "BCD");
}

/* Walking a medium: the files asked for, and how many were read. */
struct query_walk {
	const struct query_ctx *c;
	size_t n_read;
};

static enum wp_err query_one(void *ctx, const char *path, enum media_kind kind)
{
	struct query_walk *qw = ctx;
	bool bcd = media_kind_is_bcd(kind);

	if (bcd != wants_bcd(qw->c->o))
		return WP_OK;
	qw->n_read++;
	return bcd ? query_bcd_as(qw->c, path) : query_wim_as(qw->c, path, media_role(kind));
}

static enum wp_err query_tree_in(const struct query_ctx *c, const char *root)
{
	struct query_walk qw = { .c = c };
	enum wp_err ret = tree_each(root, query_one, &qw);

	if (ret == WP_OK && qw.n_read == 0) {
		msg_error("%s: no %s on this medium", c->image_name ? c->image_name : root,
			  wants_bcd(c->o) ? "BCD store" : "WIM");
		ret = WP_ERR_INPUT;
	}
	return ret;
}

static enum wp_err query_iso_tree(void *ctx, const char *iso, const struct iso_media *m,
				  const char *root)
{
	struct query_ctx c = { .o = ctx, .scratch_root = root, .image_name = iso };

	(void)m;
	return query_tree_in(&c, root);
}

/* Only the WIMs and BCD stores, as stand-ins (iso_inplace.h). */
enum wp_err query_iso(const char *path, const struct query_opts *o)
{
	return iso_inplace_visit(path, o->work_dir, query_iso_tree, (void *)o);
}

enum wp_err query_tree(const char *root, const struct query_opts *o)
{
	struct query_ctx c = { .o = o };
	return query_tree_in(&c, root);
}

enum wp_err query_wim(const char *path, const struct query_opts *o)
{
	struct query_ctx c = { .o = o };
	return query_wim_as(&c, path, ROLE_ANY);
}

enum wp_err query_bcd(const char *path, const struct query_opts *o)
{
	struct query_ctx c = { .o = o };
	return query_bcd_as(&c, path);
}

/* A bare hive: its kind (--hive, else its content: hivekind.h) gives
 * the root its keys are named under. */
enum wp_err query_hive(const char *path, const struct query_opts *o)
{
	struct query_ctx c = { .o = o };
	struct hivekind k = { 0 };
	char *root;
	enum wp_err ret;
	struct hive *h = open_hive(path, path);

	if (!h)
		return WP_ERR_INPUT;
	if (!o->hive && hivekind_of(h, path, &k) < 0) {
		msg_error("%s: %s", path, hive_error(h));
		hive_close(h);
		return WP_ERR_INPUT;
	}
	const char *kind = o->hive ? o->hive : k.name;
	msg_verbose("%s: read as a %s hive (%s)", path, kind, o->hive ? "--hive" : k.source);
	if (!(root = hivekind_same(kind, "BCD") ? strdup(BCD_ROOT) : reg_root_for(kind))) {
		msg_error("out of memory");
		hive_close(h);
		return WP_ERR_INTERNAL;
	}
	struct query_result q = { .file = path, .hive = kind, .root = root };
	ret = answer_from(&c, h, path, path, &q);
	free(root);
	return ret;
}

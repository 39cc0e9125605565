/*
 * show.c - "what does this target hold now": for each WIM its images and,
 * for each image, the settings the shipped profiles change and whether
 * it is exposed to the iSCSI crash-dump blue screen; for BCD stores the
 * default loader and the debugger settings.  Reads only.  Each piece
 * (core/show_report.h) goes to o->done as soon as it is read, so that the
 * text of a large medium appears as it is read.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adapters/hive.h"
#include "adapters/wim.h"
#include "targets/bcd.h"
#include "targets/hivekind.h"
#include "targets/hivelogs.h"
#include "targets/inventory.h"
#include "targets/iso_inplace.h"
#include "targets/iso_media.h"
#include "targets/media.h"
#include "targets/target.h"
#include "targets/targets.h"
#include "targets/tree.h"
#include "util/fsutil.h"
#include "util/msg.h"
#include "util/path.h"

/* An .iso is shown from a scratch copy of its files; their paths are
 * named as the image's ("X.iso/sources/boot.wim"). */
struct show_ctx {
	const struct show_opts *o;
	const char *scratch_root;	/* the scratch copy of an image's files, or NULL */
	const char *image_name;		/* the image they came from */
};

/* The path as the user knows it (malloc'd, or NULL, said). */
static char *named(const struct show_ctx *c, const char *path)
{
	char *s = path_rebased(path, c->scratch_root, c->image_name);
	if (!s)
		msg_error("out of memory");
	return s;
}

static void emit(const struct show_ctx *c, const struct shown *s)
{
	c->o->done(s, c->o->ctx);
}

/* Image `i`'s SYSTEM hive, extracted into scratch/i and read into *si.
 * *stored gets the hive's path as stored (the caller frees it). */
static enum wp_err read_system(struct wim *w, int i, const char *name, const char *scratch,
			       long build, struct shown_image *si, char **stored)
{
	struct msg_where about = { .image = i, .hive = DEFAULT_HIVE };
	char *dir = NULL, *file = NULL, *where = NULL;
	enum wp_err ret;

	msg_where_push(&about);
	if ((ret = wim_find_file(w, i, DEFAULT_HIVE, stored)) != WP_OK || !*stored) {
		si->no_hive = ret == WP_OK;
		goto out;
	}
	si->hive = *stored + 1;
	about.hive = si->hive;
	if (!(dir = msg_asprintf("%s/%d", scratch, i)) || !(file = msg_asprintf("%s/%s", dir, path_base(*stored))) ||
	    !(where = msg_asprintf("%s: image %d: %s", name, i, *stored + 1))) {
		ret = WP_ERR_INTERNAL;
	} else if ((ret = hivefile_check_wim_size(w, i, *stored, where)) != WP_OK) {
		/* reported: bigger than any hive wimpatch reads */
	} else if (mkdir(dir, 0700) < 0) {
		msg_error("%s: %s", dir, strerror(errno));
		ret = WP_ERR_WRITE;
	} else if ((ret = wim_extract_file(w, i, *stored, dir)) == WP_OK) {
		if (inventory_read_system(file, where, &si->st) < 0) {
			ret = WP_ERR_INPUT;
		} else {
			si->has_state = true;
			si->exposure = inventory_exposure(&si->st, build);
		}
	}
out:
	msg_where_pop(&about);
	free(dir);
	free(file);
	free(where);
	return ret;
}

/* Every image of the WIM, as far as they can be read. */
static enum wp_err read_images(struct wim *w, const char *path, const char *name, enum role hint,
			       struct wim_image *wi, struct shown_image *si, char **stored,
			       size_t *n_read)
{
	char *scratch = fs_make_tempdir();
	enum wp_err ret = WP_OK;

	if (!scratch)
		return WP_ERR_WRITE;
	for (int i = 1; i <= wim_image_count(w) && ret == WP_OK; i++) {
		struct wim_image *img = &wi[i - 1];
		if (wim_image_get(w, i, img) != WP_OK) {
			wim_image_free(img);
			ret = WP_ERR_INTERNAL;
			break;
		}
		if (hint != ROLE_ANY)
			img->role = hint;
		else if (!img->install_type)
			img->role = media_role_of_name(path, &img->role_source);
		si[i - 1] = (struct shown_image){ .index = i, .name = img->name, .edition = img->edition,
						  .build = img->build, .arch = img->arch,
						  .role = img->role };
		*n_read = (size_t)i;
		ret = read_system(w, i, name, scratch, img->build ? atol(img->build) : 0, &si[i - 1],
				  &stored[i - 1]);
	}
	fs_remove_tempdir(scratch);
	return ret;
}

static enum wp_err show_wim_as(struct show_ctx *c, const char *path, enum role hint)
{
	struct wim *w = wim_open(path, false);
	size_t n, n_read = 0;
	struct wim_image *wi = NULL;
	struct shown_image *si = NULL;
	char **stored = NULL, *name = NULL;
	enum wp_err ret = WP_ERR_INTERNAL;

	if (!w)
		return WP_ERR_INPUT;
	n = (size_t)wim_image_count(w);
	if (!(name = named(c, path)))
		goto out;
	if (!(wi = calloc(n + 1, sizeof(*wi))) || !(si = calloc(n + 1, sizeof(*si))) ||
	    !(stored = calloc(n + 1, sizeof(*stored)))) {
		msg_error("out of memory");
		goto out;
	}
	ret = read_images(w, path, name, hint, wi, si, stored, &n_read);
	struct shown s = { .kind = SHOWN_WIM, .path = name, .image_count = wim_image_count(w),
			   .boot_index = wim_boot_index(w),
			   .parts = wim_is_split(w) ? wim_part_count(w) : 0,
			   .images = si, .n_images = n_read };
	emit(c, &s);
out:
	for (size_t i = 0; i < n_read; i++) {
		wim_image_free(&wi[i]);
		free(stored[i]);
	}
	free(wi);
	free(si);
	free(stored);
	free(name);
	wim_close(w);
	return ret;
}

static enum wp_err show_bcd_as(struct show_ctx *c, const char *path, enum bcd_store_sel store)
{
	struct hive *h = bcdfile_open(path, HIVE_ALLOW_DIRTY);
	struct bcd_description d;
	char *name;
	enum wp_err ret = WP_OK;

	if (!h)
		return WP_ERR_INPUT;
	hivelogs_warn_dirty(path, path);
	if (!(name = named(c, path))) {
		hive_close(h);
		return WP_ERR_INTERNAL;
	}
	struct shown s = { .kind = SHOWN_BCD, .path = name, .store = store };
	if (bcd_describe(h, path, &d) < 0)
		ret = WP_ERR_INPUT;
	else
		s.bcd = &d;
	emit(c, &s);
	bcd_description_free(&d);
	hive_close(h);
	free(name);
	return ret;
}

static enum wp_err show_one(void *ctx, const char *path, enum media_kind kind)
{
	struct show_ctx *c = ctx;

	if (media_kind_is_bcd(kind))
		return show_bcd_as(c, path, media_bcd_store(kind));
	return show_wim_as(c, path, media_role(kind));
}

/* The medium's WIMs and BCD stores, after `head` (an ISO image), or a
 * tree's own piece. */
static enum wp_err show_tree_in(struct show_ctx *c, const char *root, const struct shown *head)
{
	struct shown s = { .kind = SHOWN_TREE, .path = root };

	emit(c, head ? head : &s);
	return tree_each(root, show_one, c);
}

static enum wp_err show_iso_tree(void *ctx, const char *iso, const struct iso_media *m,
				 const char *root)
{
	const struct show_opts *o = ctx;
	struct report_boot rb[8];
	const char *bios, *uefi;
	char boot[256];
	struct show_ctx c = { .o = o, .scratch_root = root, .image_name = iso };

	iso_describe_boot(&m->info, boot, sizeof(boot));
	iso_media_boot_images(m, &bios, &uefi);
	struct shown s = { .kind = SHOWN_ISO, .path = iso, .udf = m->info.udf,
			   .label = m->info.label, .boot_text = boot, .boot = rb,
			   .n_boot = iso_media_boot_report(&m->info, bios, uefi, rb, 8) };
	return show_tree_in(&c, root, &s);
}

/* Only the WIMs and BCD stores, as stand-ins in a scratch directory
 * (iso_inplace.h), removed when done. */
enum wp_err show_iso(const char *path, const struct show_opts *o)
{
	return iso_inplace_visit(path, o->work_dir, show_iso_tree, (void *)o);
}

enum wp_err show_tree(const char *root, const struct show_opts *o)
{
	struct show_ctx c = { .o = o };
	return show_tree_in(&c, root, NULL);
}

enum wp_err show_wim(const char *path, const struct show_opts *o)
{
	struct show_ctx c = { .o = o };
	return show_wim_as(&c, path, ROLE_ANY);
}

enum wp_err show_bcd(const char *path, const struct show_opts *o)
{
	struct show_ctx c = { .o = o };
	return show_bcd_as(&c, path, BCD_STORE_ANY);
}

/* The rules of the profiles there are that edit a hive of this kind, as
 * apply matches them on a bare hive (patch_hive.c): by the hive's name. */
static const struct rule **rules_for(const struct show_opts *o, const char *kind, size_t *n)
{
	const struct plan *p = o->available ? o->available(o->available_ctx) : NULL;
	const struct rule **v;

	*n = 0;
	if (!p || !(v = calloc(p->n_rules + 1, sizeof(*v))))
		return NULL;
	for (size_t i = 0; i < p->n_rules; i++)
		if (hivekind_same(path_base(p->rules[i].hive), kind))
			v[(*n)++] = &p->rules[i];
	return v;
}

/* A bare hive: what kind it is, then what matters for that kind: a SYSTEM
 * hive's crash-dump state, or for any other the rules that could edit it. */
enum wp_err show_hive(const char *path, const struct show_opts *o)
{
	struct hivekind k;
	struct system_state st;

	if (hivekind_of_file(path, path, &k) < 0)
		return WP_ERR_INPUT;
	struct shown s = { .kind = SHOWN_HIVE, .path = path, .hive_kind = k.name,
			   .hive_kind_source = k.source };
	const struct rule **rules = NULL;
	if (hivekind_same(k.name, "SYSTEM")) {
		if (inventory_read_system(path, path, &st) < 0)
			return WP_ERR_INPUT;
		s.state = &st;
		s.exposure = inventory_exposure(&st, 0);
	} else {
		hivelogs_warn_dirty(path, path);
		rules = rules_for(o, k.name, &s.n_rules);
		s.rules = rules;
	}
	o->done(&s, o->ctx);
	free(rules);
	return WP_OK;
}

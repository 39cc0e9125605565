/*
 * patch_iso.c - a Windows medium in an ISO image; see patch.h.
 *
 * apply: the whole image is extracted into a scratch tree (iso.h), the
 * tree is patched in place by patch_tree (WIMs rebuilt whole, so that the
 * new image carries no appended dead data), install.wim is split if asked
 * (--split-swm), and the tree is written into a temporary sibling of the
 * output, read back with independent readers, and renamed into place.
 * diff: only the WIMs and BCD stores are extracted, and patch_tree runs
 * dry.  The scratch tree is removed in every case.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "util/fsutil.h"
#include "adapters/iso.h"
#include "targets/iso_inplace.h"
#include "targets/iso_media.h"
#include "targets/media.h"
#include "util/array.h"
#include "util/lock.h"
#include "util/msg.h"
#include "targets/iso_medium.h"
#include "targets/targets.h"
#include "adapters/wim.h"
#include "util/path.h"
#include "adapters/sha256.h"

/* Reports name the files in the images ("SRC.iso/sources/boot.wim"),
 * not their scratch copies.  When an image is written, its files'
 * reports are held until the image is the user's (relay_commit): a
 * failed or interrupted image claims no change, and leaves no undo
 * record. */
struct relay {
	void (*done)(const struct file_report *fr, void *ctx);
	void *ctx;
	const struct patch_opts *o;	/* the user's: its commit hook */
	const char *root;	/* the scratch tree */
	const char *iso;
	const char *out;	/* the new image; NULL for a dry run */
	const char *wim_rel;	/* --split-swm: install.wim ... */
	const char *swm_rel;	/* ... goes into the image as this set */
	bool pending;		/* some file has changes pending */
	const struct iso_report *rep;	/* the image's, for its commit */
	struct file_report *held;	/* the files' reports, until then */
	size_t n_held, a_held;
	bool committed;		/* the new image is in place */
	bool lost;		/* a report could not be held (out of memory) */
};

static void relay_hold(struct relay *r, const struct file_report *fr)
{
	if (!ARRAY_GROW(r->held, r->n_held + 1, r->a_held) ||
	    !file_report_copy(&r->held[r->n_held], fr)) {
		msg_error("%s: out of memory", fr->path);
		r->lost = true;
		return;
	}
	r->n_held++;
}

static void relay_done(const struct file_report *fr, void *p)
{
	struct relay *r = p;
	struct file_report d = *fr;
	size_t n = strlen(r->root);
	const char *rel = strncmp(fr->path, r->root, n) == 0 && fr->path[n] == '/' ? fr->path + n + 1
										   : fr->path;
	char *path = NULL, *out = NULL;
	bool whole = strcmp(fr->path, r->root) == 0;	/* the medium's own files */

	if (whole ? !(path = strdup(r->iso)) : asprintf(&path, "%s/%s", r->iso, rel) < 0)
		path = NULL;
	if (r->out && whole) {
		out = strdup(r->out);
		if (d.status == FILE_UNCHANGED)
			d.status = FILE_COPIED;
	} else if (r->out) {
		const char *orel = r->wim_rel && strcmp(rel, r->wim_rel) == 0 ? r->swm_rel : rel;
		if (asprintf(&out, "%s/%s", r->out, orel) < 0)
			out = NULL;
		/* Nothing to change still means a copy in the new image. */
		if (d.status == FILE_UNCHANGED)
			d.status = FILE_COPIED;
	}
	d.path = path ? path : fr->path;
	d.output = out;
	r->pending |= d.status == FILE_PENDING;
	if (r->out)
		relay_hold(r, &d);
	else
		r->done(&d, r->ctx);
	free(path);
	free(out);
}

/* The new image has just been renamed into place, with signals held
 * back (iso_inplace_write, write_image): the image is the user's, and so
 * are the changes of its files; their undo records are written now,
 * before a signal or a later failure can end the run. */
static void relay_commit(void *p)
{
	struct relay *r = p;
	struct file_report fr = { .path = (char *)r->iso, .output = (char *)r->out, .kind = "iso",
				  .iso = r->rep };

	r->committed = true;
	patch_committed(r->o, &fr);
	for (size_t i = 0; i < r->n_held; i++)
		if (r->held[i].status == FILE_WRITTEN)
			patch_committed(r->o, &r->held[i]);
}

/* The files' reports go on once their image is written, and are
 * dropped if it was not: their changes reached no file of the user's. */
static void relay_flush(struct relay *r)
{
	for (size_t i = 0; i < r->n_held; i++) {
		if (r->committed)
			r->done(&r->held[i], r->ctx);
		file_report_free(&r->held[i]);
	}
	free(r->held);
	r->held = NULL;
	r->n_held = r->a_held = 0;
}

/* What the new image is checked for before it is renamed into place
 * (check_file_list, then verify_image), for the report. */
static const char *const image_checks[] = { "file-list", "descriptors", "el-torito", "content" };
/* The same for an image patched in place (iso_inplace.c, verify). */
static const char *const inplace_checks[] = { "descriptors", "el-torito", "udf", "file-list",
					      "content" };

/* The image as the source has it, until a new one is written. */
static void report_source(struct iso_report *rep, const struct iso_media *m, const char *label)
{
	const char *bios, *uefi;

	iso_media_boot_images(m, &bios, &uefi);
	rep->label = label;
	rep->n_boot = iso_media_boot_report(&m->info, bios, uefi, rep->boot, 8);
}

/* The image's own report, after its files': written, pending, unchanged
 * or failed. */
static void report_image(const char *iso, const struct patch_opts *o, struct iso_report *rep,
			 const struct relay *r, enum wp_err ret)
{
	struct file_report fr = { .path = (char *)iso, .kind = "iso", .iso = rep };

	if (!rep->route)
		rep->route = "rebuild";
	rep->failed = ret != WP_OK;
	fr.output = o->dry_run ? NULL : (char *)o->output;
	/* Written once renamed into place, whatever failed after that. */
	fr.status = r->committed ? FILE_WRITTEN : r->pending ? FILE_PENDING : FILE_UNCHANGED;
	fr.undo_recorded = r->committed;
	r->done(&fr, r->ctx);
}

/* A part of a split install.wim: a set written again may have more or
 * fewer parts, and --split-swm makes them. */
static bool is_split_part(const char *rel)
{
	enum media_kind k;
	return media_classify(rel, &k) && (k == MEDIA_SPLIT || k == MEDIA_SPLIT_PART);
}

/* The files wimpatch may rewrite (their sizes change). */
static bool is_media_file(const char *rel)
{
	enum media_kind k;
	return media_classify(rel, &k);
}

/* --split-swm: which file to split, and the name of the set's first part
 * (install.swm, or INSTALL.SWM next to INSTALL.WIM).  Checked before
 * anything is extracted. */
static int split_request(const char *iso, const struct iso_listing *files, const char **wim_rel,
			 char **swm_rel)
{
	const struct iso_entry *w = iso_listing_find(files, "sources/install.wim");
	const struct iso_entry *e = iso_listing_find(files, "sources/install.esd");

	if (!w || w->dir) {
		bool split = false;
		for (size_t i = 0; i < files->n; i++)
			split |= !files->v[i].dir && is_split_part(files->v[i].path);
		if (e && !e->dir)
			msg_error("%s: --split-swm: %s holds solid (LZMS, ESD-style) resources, which "
				  "wimlib cannot split; export it to an LZX install.wim first "
				  "(wimlib-imagex export install.esd all install.wim --compress=LZX)",
				  iso, e->path);
		else if (split)
			msg_error("%s: --split-swm: install.wim is already split into install.swm parts",
				  iso);
		else
			msg_error("%s: --split-swm: the image has no sources/install.wim to split", iso);
		return WP_ERR_INPUT;
	}
	*wim_rel = w->path;
	size_t n = strlen(w->path);
	if (!(*swm_rel = strdup(w->path))) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	bool upper = w->path[n - 3] == 'W';
	memcpy(*swm_rel + n - 3, upper ? "SWM" : "swm", 3);
	return WP_OK;
}

/* Before install.wim is patched: can wimlib split it? */
static int check_splittable(const char *iso, const char *root, const char *wim_rel)
{
	char *full = path_join(root, wim_rel);
	struct wim *w = full ? wim_open(full, false) : NULL;
	int ret = WP_OK;

	if (!w) {
		ret = full ? WP_ERR_INPUT : WP_ERR_INTERNAL;
	} else {
		char what[4096];
		snprintf(what, sizeof(what), "%s:%s", iso, wim_rel);
		ret = wim_check_splittable(w, what, "--split-swm");
	}
	if (w)
		wim_close(w);
	free(full);
	return ret;
}

/* After patching: install.wim becomes install.swm, install2.swm, ...,
 * checked as a set, and install.wim goes. */
static int split_install(const char *iso, const char *root, const char *wim_rel,
			 const char *swm_rel, uint64_t size, unsigned *n_parts)
{
	char *wim = path_join(root, wim_rel), *part1 = path_join(root, swm_rel);
	struct wim *w = NULL;
	unsigned parts = 0;
	int ret = WP_ERR_INTERNAL, images = 0;
	bool integrity = false;

	if (!wim || !part1) {
		msg_error("out of memory");
		goto out;
	}
	if (!(w = wim_open(wim, false))) {
		ret = WP_ERR_INPUT;
		goto out;
	}
	images = wim_image_count(w);
	integrity = wim_has_integrity(w);
	wim_close(w);
	msg_verbose("%s: splitting %s into parts of at most %" PRIu64 " bytes", iso, wim_rel, size);
	if ((ret = wim_split_file(wim, part1, size, integrity, &parts)) != WP_OK)
		goto out;
	ret = WP_ERR_WRITE;
	if (!(w = wim_open(part1, false)))
		goto out;
	if (wim_image_count(w) != images) {
		msg_error("%s: the new split set has %d images, %s had %d", part1, wim_image_count(w),
			  wim_rel, images);
		wim_close(w);
		goto out;
	}
	wim_close(w);
	if (unlink(wim) < 0) {
		msg_error("%s: %s", wim, strerror(errno));
		goto out;
	}
	msg_info("%s: %s split into %u part%s (%s, ...) of at most %" PRIu64 " bytes", iso, wim_rel,
		 parts, parts == 1 ? "" : "s", swm_rel, size);
	*n_parts = parts;
	ret = WP_OK;
out:
	free(wim);
	free(part1);
	return ret;
}

/* The new image holds the source's files, no more, no fewer: the same
 * paths (as stored) and, but for the files wimpatch rewrites, the same
 * sizes; with --split-swm, install.wim is replaced by its parts. */
static int check_file_list(const char *iso, const struct iso_listing *src,
			   const struct iso_listing *tree, const char *wim_rel,
			   const struct iso_medium *im)
{
	size_t i = 0, j = 0, bad = 0;

	while (i < src->n || j < tree->n) {
		int c = i == src->n ? 1 : j == tree->n ? -1 : strcmp(src->v[i].path, tree->v[j].path);
		const char *p, *why = NULL;
		if (c < 0) {
			p = src->v[i++].path;
			if ((wim_rel && strcmp(p, wim_rel) == 0) || is_split_part(p) ||
			    iso_medium_touches(im, p))
				continue;
			why = "is missing from the tree to write";
		} else if (c > 0) {
			p = tree->v[j++].path;
			if (is_split_part(p) || iso_medium_touches(im, p) || tree->v[j - 1].dir)
				continue;
			why = "is not in the source image";
		} else {
			p = src->v[i].path;
			if (src->v[i].dir != tree->v[j].dir)
				why = "is a directory in one, a file in the other";
			else if (!src->v[i].dir && src->v[i].size != tree->v[j].size && !is_media_file(p) &&
				 !iso_medium_touches(im, p))
				why = "changed size";
			i++;
			j++;
			if (!why)
				continue;
		}
		if (++bad <= 5)
			msg_error("%s: the new image's file list differs from the source's: %s %s", iso, p,
				  why);
	}
	return bad ? WP_ERR_WRITE : WP_OK;
}

/* Read the written image back: its descriptors and boot catalog (here),
 * the El Torito catalog and label (xorriso), every file (7-Zip). */
static int verify_image(const char *tmp, const struct iso_layout *lay, const char *root,
			const struct iso_listing *tree, struct iso_info *oi)
{
	size_t want = (lay->bios_image ? 1 : 0) + (lay->uefi_image ? 1 : 0), k = 0;

	if (iso_probe(tmp, oi) != WP_OK)
		return WP_ERR_WRITE;
	if (!oi->udf || !oi->iso9660 || strcmp(oi->label, lay->label) != 0 || oi->n_boot != want ||
	    (lay->bios_image && oi->boot[k++].platform != ISO_PLATFORM_BIOS) ||
	    (lay->uefi_image && oi->boot[k].platform != ISO_PLATFORM_UEFI)) {
		char boot[256];
		iso_describe_boot(oi, boot, sizeof(boot));
		msg_error("%s: verification failed: the written image has %s%s, label '%s', boot %s",
			  tmp, oi->udf ? "UDF" : "no UDF", oi->iso9660 ? " + ISO 9660" : "", oi->label,
			  boot);
		return WP_ERR_WRITE;
	}
	int ret = iso_verify_boot(tmp, lay);
	if (ret == WP_OK)
		ret = iso_verify_content(tmp, root, tree);
	return ret;
}

/* The new image goes next to where it is named: that must be a
 * directory we may write in. */
static enum wp_err check_output_dir(const char *output)
{
	char *dir = path_dir(output);
	enum wp_err ret = WP_OK;

	if (!dir) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	if (access(dir, W_OK | X_OK) < 0) {
		msg_error("%s: cannot write the new image there: %s: %s", output, dir,
			  strerror(errno));
		ret = WP_ERR_WRITE;
	}
	free(dir);
	return ret;
}

/* The new image's label and boot images, as the source has them. */
static enum wp_err choose_layout(const char *iso, const struct patch_opts *o,
				 const struct iso_media *m, struct iso_layout *lay)
{
	lay->label = o->iso_label ? o->iso_label : m->info.label;
	if (!o->iso_label && lay->label[0] &&
	    iso_check_label(lay->label, "the source's volume label") < 0) {
		msg_error("%s: give the new image a label with --label", iso);
		return WP_ERR_INPUT;
	}
	iso_media_boot_images(m, &lay->bios_image, &lay->uefi_image);
	if (!lay->bios_image && !lay->uefi_image) {
		msg_error("%s: neither " MEDIA_BIOS_BOOT_IMAGE " (BIOS) nor " MEDIA_UEFI_BOOT_IMAGE
			  " (UEFI) is in the image: a new image would not boot", iso);
		return WP_ERR_INPUT;
	}
	if (!lay->uefi_image)
		msg_warn("%s: no " MEDIA_UEFI_BOOT_IMAGE ": the new image gets a BIOS boot entry "
			 "only", iso);
	else if (!lay->bios_image)
		msg_verbose("%s: no " MEDIA_BIOS_BOOT_IMAGE " (as on ARM64 media): the new image "
			    "gets a UEFI boot entry only", iso);
	return WP_OK;
}

/* The new image: made in a private directory next to the output (by
 * genisoimage, through the directory's descriptor: fsutil.h), read back
 * and digested, then renamed to the output if that name is still free:
 * its commit point, where `committed` is called with signals held. */
static enum wp_err write_image(const char *output, const struct iso_layout *lay, const char *root,
			       const struct iso_listing *tree, struct iso_info *oi,
			       struct iso_report *rep, void (*committed)(void *), void *ctx)
{
	const char *base = path_base(output);
	struct fs_dir d;
	char *file = NULL;
	enum wp_err ret = WP_ERR_WRITE;

	if (fs_dir_near(output, &d) < 0)
		return WP_ERR_WRITE;
	if (!(file = fs_dir_file(&d, base)))
		ret = WP_ERR_INTERNAL;
	else if ((ret = iso_write(root, file, lay)) == WP_OK &&
		 (ret = verify_image(file, lay, root, tree, oi)) == WP_OK) {
		mode_t um = umask(0);
		umask(um);
		/* Digested before it goes in place: nothing after the rename
		 * can fail it. */
		if (sha256_file(file, rep->sha256, &rep->size) < 0) {
			msg_error("%s: cannot read the new image back for its SHA-256: %s", output,
				  strerror(errno));
			ret = WP_ERR_WRITE;
		}
		fs_hold_signals(true);
		if (ret == WP_OK &&
		    fs_dir_put(&d, base, -1, output, FS_PUT_NEW, NULL, 0666 & ~um) < 0)
			ret = WP_ERR_WRITE;
		if (ret == WP_OK)
			committed(ctx);
		fs_hold_signals(false);
	}
	free(file);
	fs_dir_remove(&d);
	return ret;
}

/* The new image's report, read from it: size, digest, label, boot. */
static enum wp_err finish_report(const char *output, struct iso_report *rep,
				 const struct iso_layout *lay)
{
	static char boot[256];
	static struct iso_info oi;

	if (iso_probe(output, &oi) != WP_OK)
		return WP_ERR_WRITE;
	iso_describe_boot(&oi, boot, sizeof(boot));
	rep->checks = inplace_checks;
	rep->n_checks = strcmp(rep->route, "copy") == 0 ? 0
			: sizeof(inplace_checks) / sizeof(inplace_checks[0]);
	rep->label = oi.label;
	rep->filesystems = oi.udf && oi.iso9660 ? "UDF + ISO 9660" : oi.udf ? "UDF" : "ISO 9660";
	rep->boot_text = boot;
	rep->n_boot = iso_media_boot_report(&oi, lay->bios_image, lay->uefi_image, rep->boot, 8);
	if (strcmp(rep->route, "copy") == 0)
		msg_info("%s: nothing to change: written as a copy of the source", output);
	else
		msg_verbose("%s: patched in place: %" PRIu64 " bytes written (%zu file%s)", output,
			    rep->bytes_written, rep->n_edited, rep->n_edited == 1 ? "" : "s");
	return WP_OK;
}

/* Why the image is rebuilt rather than patched in place, or NULL. */
static const char *rebuild_reason(const struct patch_opts *o)
{
	if (o->rebuild_iso)
		return "--rebuild-iso";
	if (o->rebuild)
		return "--rebuild (every WIM written whole)";
	if (o->split_swm)
		return "--split-swm";
	if (o->iso_label)
		return "--label";
	/* Dropping images rewrites install.wim whole: no stand-in can. */
	if (o->plan && o->plan->img.n_editions)
		return "<editions> (dropping images rewrites install.wim whole)";
	return NULL;
}

/* The boot entry switched (or to be): a "medium" report of the image. */
static void report_boot_switch(const char *iso, const struct patch_opts *o,
			       const struct iso_medium *im, struct relay *r)
{
	struct file_report fr = { .path = (char *)iso, .kind = "medium", .media = &im->boot,
				  .n_media = 1 };

	if (!im->uefi_to)
		return;
	fr.output = o->dry_run ? NULL : (char *)o->output;
	fr.status = o->dry_run ? FILE_PENDING : FILE_WRITTEN;
	/* Like the files' reports: on once the image is written. */
	if (r->out)
		relay_hold(r, &fr);
	else
		r->done(&fr, r->ctx);
}

/* The in-place route (iso_inplace.h): the medium's files patched as
 * stand-ins, then only what changed written into a copy of the image.
 * *fallback: the layout cannot take it (said as a notice); nothing was
 * patched or written, and the image is to be rebuilt. */
static enum wp_err patch_in_place(const char *iso, const struct patch_opts *o,
				  const struct iso_media *m, const struct iso_layout *lay,
				  struct relay *r, struct iso_report *rep, bool *fallback,
				  const struct iso_medium *im)
{
	static char reason[600];
	struct iso_inplace ip;
	char why[512];
	struct msg_where where = { .shown_as = iso };

	*fallback = false;
	enum wp_err ret = iso_inplace_open(iso, m, o->work_dir, &ip, why, sizeof(why));
	if (ret == WP_OK)
		ret = iso_inplace_can_edit(&ip, im->rm, im->n_rm, im->add, im->add_size, im->n_add,
					   why, sizeof(why));
	if (ret == WP_OK && im->uefi_to)
		ret = iso_inplace_switch_boot(&ip, im->uefi_to, why, sizeof(why));
	if (ret == WP_ERR_USAGE) {
		snprintf(reason, sizeof(reason), "%s", why);
		msg_info("%s: not patched in place, rebuilt: %s", iso, reason);
		rep->route_reason = reason;
		*fallback = true;
		iso_inplace_close(&ip);
		return WP_OK;
	}
	if (ret == WP_OK)
		ret = iso_inplace_begin(&ip, o->output);	/* the copy, meanwhile */
	if (ret == WP_OK) {
		struct patch_opts sub = *o;
	sub.boot_by_image = true;
		sub.committed = NULL;	/* stand-ins are not the user's files */
		sub.output = NULL;	/* the stand-ins, in place */
		where.scratch = ip.st.root;
		msg_where_push(&where);
		r->root = ip.st.root;
		r->out = o->output;
		ret = patch_tree(ip.st.root, &sub, relay_done, r);
		msg_where_pop(&where);
	}
	if (ret == WP_OK)
		ret = iso_inplace_write(&ip, rep, relay_commit, r);
	rep->entries = m->files.n - ip.n_rm + ip.n_added + ip.n_new_dirs;
	rep->n_removed = ip.n_rm;
	iso_inplace_close(&ip);
	return ret;
}

enum wp_err patch_iso(const char *iso, const struct patch_opts *o,
	      void (*done)(const struct file_report *fr, void *ctx), void *ctx)
{
	struct iso_media m;
	struct iso_layout lay = { 0 };
	struct iso_listing tree = { 0 };
	struct iso_info oi;
	struct iso_report rep = { 0 };
	struct relay r = { .done = done, .ctx = ctx, .o = o, .iso = iso, .rep = &rep };
	struct iso_medium im = { 0 };
	/* Errors name the scratch tree's files as the image's. */
	struct msg_where where = { .shown_as = iso };
	const char *wim_rel = NULL;
	char *swm_rel = NULL;
	char what[4096], boot[256];
	bool apply = !o->dry_run, said_written = false;
	int ret;

	if (apply && !o->output) {
		msg_error("%s: an ISO image is not patched in place: wimpatch builds a new image; "
			  "give it a name with -o NEW.iso (%s stays as it is)", iso, iso);
		return WP_ERR_USAGE;
	}
	if (apply && (ret = check_output_dir(o->output)) != WP_OK)
		return ret;
	snprintf(what, sizeof(what), "%s: %s", iso,
		 !apply ? "reading an ISO image" : rebuild_reason(o) ? "rebuilding an ISO image"
						: "patching an ISO image");
	ret = iso_tools_find(ISO_TOOL_READER | (apply ? ISO_TOOL_CHECKER : 0) |
			     (apply && rebuild_reason(o) ? ISO_TOOL_WRITER : 0) |
			     (apply && !rebuild_reason(o) ? ISO_TOOL_UDF_CHECKER : 0), what);
	if (ret != WP_OK)
		return ret;
	if (apply && o->iso_label && iso_check_label(o->iso_label, "--label") < 0)
		return WP_ERR_USAGE;
	/* Read only (an image is never patched in place), but locked all the
	 * same, shared, as every target is. */
	size_t mark = fs_lock_mark();
	struct patch_opts reading = *o;
	reading.dry_run = true;
	if ((ret = target_lock(iso, &reading, false)) != WP_OK)
		return ret;
	if ((ret = iso_media_open(iso, &m)) != WP_OK) {
		fs_unlock_to(mark);
		return ret;
	}
	msg_where_push(&where);
	report_source(&rep, &m, apply && o->iso_label ? o->iso_label : m.info.label);
	if (media_plan_any(&o->plan->media)) {
		if ((ret = iso_medium_scan(iso, &m, &o->plan->media, &im)) != WP_OK)
			goto out;
		m.extra = im.extra;
		m.n_extra = im.n_extra;
	}

	if (apply) {
		if ((ret = choose_layout(iso, o, &m, &lay)) != WP_OK)
			goto out;
		if (im.uefi_to)
			lay.uefi_image = im.uefi_to;
		if (o->split_swm && (ret = split_request(iso, &m.files, &wim_rel, &swm_rel)) != WP_OK)
			goto out;
		if ((rep.route_reason = rebuild_reason(o)) == NULL) {
			bool fallback;
			said_written = true;
			ret = patch_in_place(iso, o, &m, &lay, &r, &rep, &fallback, &im);
			if (!fallback) {
				if (ret == WP_OK)
					ret = finish_report(o->output, &rep, &lay);
				goto out;
			}
			said_written = false;
			r.pending = false;
			if ((ret = iso_tools_find(ISO_TOOL_WRITER, what)) != WP_OK)
				goto out;
		}
		if (!rep.route)
			rep.route = "rebuild";
	}
	if (!apply) {
		/* diff: the medium's files as stand-ins, patched dry. */
		const char *root;
		struct iso_inplace ip;
		if ((ret = iso_inplace_read(iso, &m, o->work_dir, &ip, &root)) == WP_OK) {
			struct patch_opts sub = *o;
			sub.boot_by_image = true;
			sub.committed = NULL;	/* stand-ins are not the user's */
			where.scratch = root;
			r.root = root;
			ret = patch_tree(root, &sub, relay_done, &r);
		}
		iso_inplace_close(&ip);
		goto out;
	}
	ret = iso_media_extract(&m, iso, o->output, o->work_dir, true);
	if (ret != WP_OK)
		goto out;
	where.scratch = m.root;
	if (wim_rel && (ret = check_splittable(iso, m.root, wim_rel)) != WP_OK)
		goto out;

	struct patch_opts sub = *o;
	sub.boot_by_image = true;
	sub.committed = NULL;	/* scratch files are not the user's */
	sub.output = NULL;	/* the scratch tree, in place */
	sub.rebuild = true;	/* whole WIMs: no appended dead data in the image */
	r.root = m.root;
	r.out = apply ? o->output : NULL;
	r.wim_rel = wim_rel;
	r.swm_rel = swm_rel;
	said_written = apply;	/* reports name the new image from here on */
	if ((ret = patch_tree(m.root, &sub, relay_done, &r)) != WP_OK || !apply)
		goto out;
	if (wim_rel && (ret = split_install(iso, m.root, wim_rel, swm_rel, o->split_swm,
					    &rep.split_parts)) != WP_OK)
		goto out;
	if ((ret = iso_list_tree(m.root, &tree)) != WP_OK ||
	    (ret = check_file_list(iso, &m.files, &tree, wim_rel, &im)) != WP_OK)
		goto out;
	rep.checks = image_checks;
	rep.n_checks = 1;

	if ((ret = write_image(o->output, &lay, m.root, &tree, &oi, &rep, relay_commit, &r)) !=
	    WP_OK)
		goto out;
	iso_describe_boot(&oi, boot, sizeof(boot));
	rep.n_checks = sizeof(image_checks) / sizeof(image_checks[0]);
	rep.label = oi.label;
	rep.filesystems = "UDF + ISO 9660/Joliet";
	rep.boot_text = boot;
	rep.n_boot = iso_media_boot_report(&oi, lay.bios_image, lay.uefi_image, rep.boot, 8);
	rep.entries = tree.n;
	rep.split_from = wim_rel;
	rep.split_to = swm_rel;
	rep.split_max = o->split_swm;
out:
	if (ret == WP_OK && r.lost)
		ret = WP_ERR_INTERNAL;
	if (ret == WP_OK)
		report_boot_switch(iso, o, &im, &r);
	if (!r.committed && said_written)
		msg_info("%s: not written (the changes went into the work directory only, and no "
			 "file of it is reported or recorded as changed); %s is unchanged", o->output,
			 iso);
	msg_where_pop(&where);
	relay_flush(&r);
	report_image(iso, o, &rep, &r, ret);
	iso_listing_free(&tree);
	iso_media_close(&m);
	iso_medium_free(&im);
	free(swm_rel);
	fs_unlock_to(mark);
	return ret;
}

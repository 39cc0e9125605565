/* patch_tree.c - an extracted installation tree; see patch.h. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/copytree.h"
#include "targets/imagesel.h"
#include "core/error.h"
#include "util/clock.h"
#include "util/fsutil.h"
#include "util/lock.h"
#include "util/msg.h"
#include "targets/media.h"
#include "targets/media_files.h"
#include "targets/targets.h"
#include "targets/tree.h"
#include "util/path.h"

/* One file; with -o its result goes under `out_root` (the output tree
 * being made), while the report names it under o->output. */
static int patch_file(const struct media_tree *t, const struct tree_file *f,
		      const struct patch_opts *o, const char *out_root,
		      void (*done)(const struct file_report *, void *), void *ctx)
{
	struct file_report fr = { 0 };
	struct patch_opts sub = *o;
	char *out = NULL;
	int ret;

	fr.path = path_join(t->root, f->rel);
	fr.output = o->output ? path_join(o->output, f->rel) : NULL;
	out = out_root ? path_join(out_root, f->rel) : NULL;
	if (!fr.path || (o->output && !fr.output) || (out_root && !out)) {
		msg_error("out of memory");
		file_report_free(&fr);
		free(out);
		return WP_ERR_INTERNAL;
	}
	sub.output = out;
	/* With -o, a file is the user's only when the whole new tree is. */
	if (out_root)
		sub.committed = NULL;
	sub.role_hint = media_role(f->kind);
	struct msg_where where = { .file = fr.path };
	msg_where_push(&where);
	/* A split set is patched whole, through its first part. */
	if (f->kind == MEDIA_SPLIT_PART)
		ret = WP_ERR_INTERNAL;
	else if (media_kind_is_wim(f->kind))
		ret = patch_wim(fr.path, &sub, &fr);
	else
		ret = patch_bcd_file(fr.path, media_bcd_store(f->kind), &sub, &fr);
	msg_where_pop(&where);
	if (ret == WP_OK)
		done(&fr, ctx);
	file_report_free(&fr);
	free(out);
	return ret;
}

/* Lock every file the run works on, before any is touched (a tree is
 * one target: refused or waited for whole), in the order of the tree. */
static enum wp_err lock_files(const char *root, const struct media_tree *t,
			      const char *const *skip, size_t n_skip, const struct patch_opts *o)
{
	enum wp_err ret = WP_OK;

	for (size_t i = 0; i < n_skip && ret == WP_OK; i++) {
		for (size_t j = 0; j < t->n_files && ret == WP_OK; j++) {
			if (t->files[j].rel != skip[i])
				continue;
			char *p = path_join(root, skip[i]);
			ret = p ? target_lock(p, o, media_kind_is_wim(t->files[j].kind))
				: WP_ERR_INTERNAL;
			if (!p)
				msg_error("out of memory");
			free(p);
		}
	}
	return ret;
}

/* The medium's own files (<file>, <remove-file>, <boot>): planned on the
 * source tree, written into `dest` (the tree itself, or the new tree of
 * -o) unless this is a dry run, and reported as one "medium" file. */
static enum wp_err medium_files(const char *root, const char *dest, const struct patch_opts *o,
				const struct media_edits *e,
				void (*done)(const struct file_report *fr, void *ctx), void *ctx)
{
	struct file_report fr = { .kind = "medium", .media = e->v, .n_media = e->n };
	enum wp_err ret = WP_OK;

	if (o->plan->media.efi_noprompt && !o->boot_by_image)
		msg_info("%s: <boot efi=\"noprompt\"> (%s:%d) does nothing to a tree: a tree has no "
			 "El Torito boot catalog, and " MEDIA_UEFI_BOOT_IMAGE " is left as it is; "
			 "an ISO image made from it boots efisys_noprompt.bin only if its maker is "
			 "told so (genisoimage -e efi/microsoft/boot/efisys_noprompt.bin), as "
			 "wimpatch apply does it to an ISO image", root, o->plan->media.boot_src_file,
			 o->plan->media.boot_src_line);
	if (!(fr.path = strdup(root)) || (o->output && !(fr.output = strdup(o->output)))) {
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
	} else if (e->n && !o->dry_run) {
		ret = media_edits_write(dest, e);
	}
	fr.status = e->n == 0 ? (o->output && !o->dry_run ? FILE_COPIED : FILE_UNCHANGED)
		    : o->dry_run ? FILE_PENDING : FILE_WRITTEN;
	if (ret == WP_OK)
		done(&fr, ctx);
	fr.media = NULL;
	fr.n_media = 0;
	file_report_free(&fr);
	return ret;
}

enum wp_err patch_tree(const char *root, const struct patch_opts *o,
	       void (*done)(const struct file_report *fr, void *ctx), void *ctx)
{
	struct media_edits edits = { 0 };
	bool medium = media_plan_any(&o->plan->media);
	struct media_tree t;
	const char **skip = NULL;
	size_t n_skip = 0, mark = fs_lock_mark();
	struct fs_dir stage = { 0 };
	char *out_root = NULL;
	int ret = WP_OK;

	if (tree_scan(root, &t) < 0) {
		tree_free(&t);
		return WP_ERR_INPUT;
	}
	for (size_t i = 0; i < t.n_files; i++)
		msg_verbose("%s: found %s", root, t.files[i].rel);
	if ((ret = imagesel_check_medium(&t, o)) != WP_OK)
		goto out;
	skip = calloc(t.n_files + 1, sizeof(*skip));
	if (!skip) {
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
		goto out;
	}
	/* The files wimpatch writes itself: the WIMs (every part of a split
	 * set), and the BCD stores when the plan has BCD rules (else they are
	 * copied like any file). */
	for (size_t i = 0; i < t.n_files; i++) {
		enum media_kind k = t.files[i].kind;
		if (media_kind_is_wim(k) || (media_kind_is_bcd(k) && o->plan->n_bcd_rules))
			skip[n_skip++] = t.files[i].rel;
	}
	if ((ret = lock_files(root, &t, skip, n_skip, o)) != WP_OK)
		goto out;
	/* Before anything is written: what the medium's files become. */
	if (medium && (ret = media_edits_plan(root, &o->plan->media, &edits)) != WP_OK)
		goto out;
	/* A split set that cannot be written fails the run before boot.wim
	 * is touched. */
	for (size_t i = 0; i < t.n_files && !o->dry_run; i++) {
		if (t.files[i].kind != MEDIA_SPLIT)
			continue;
		char *p = path_join(root, t.files[i].rel);
		ret = p ? patch_wim_check_split(p) : WP_ERR_INTERNAL;
		free(p);
		if (ret != WP_OK)
			goto out;
	}
	/* -o: the new tree is made in a private directory next to the output
	 * and renamed into place whole when every file is done, so that no
	 * unfinished tree is ever found there, and of two runs making the
	 * same output only one can put its tree there. */
	if (o->output && !o->dry_run) {
		if (path_is_inside(o->output, root)) {
			msg_error("%s: the output tree cannot be inside the source tree %s",
				  o->output, root);
			ret = WP_ERR_USAGE;
			goto out;
		}
		if (fs_dir_near(o->output, &stage) < 0 || !(out_root = fs_dir_file(&stage, "tree"))) {
			ret = WP_ERR_WRITE;
			goto out;
		}
		msg_verbose("%s: copying the files wimpatch does not write to %s", root, o->output);
		if ((ret = copy_tree(root, out_root, skip, n_skip)) != WP_OK)
			goto out;
	}
	size_t applied = 0;
	struct patch_opts each = *o;
	each.n_applied = &applied;
	for (size_t i = 0; i < n_skip && ret == WP_OK; i++) {
		for (size_t j = 0; j < t.n_files; j++)
			if (t.files[j].rel == skip[i] && t.files[j].kind != MEDIA_SPLIT_PART)
				ret = patch_file(&t, &t.files[j], &each, out_root, done, ctx);
	}
	if (ret == WP_OK && medium) {
		ret = medium_files(root, out_root ? out_root : root, o, &edits, done, ctx);
		applied++;
	}
	/* Before the output is put in place: a medium none of whose files a
	 * rule can edit is no success, whatever was copied. */
	if (ret == WP_OK && applied == 0) {
		msg_error("%s: no rule of the profiles applies to this medium: none to its WIMs' "
			  "images%s nor to its BCD stores (-v says why each does not)", root,
			  o->n_images ? " selected" : "");
		ret = WP_ERR_NO_RULE;
	}
	/* With SOURCE_DATE_EPOCH, the new tree's directories (made now) and
	 * anything newer than the epoch get it (util/clock.h). */
	if (ret == WP_OK && out_root &&
	    (clock_clamp_tree(out_root) < 0 ||
	     fs_dir_put(&stage, "tree", -1, o->output, FS_PUT_NEW, NULL, 0) < 0))
		ret = WP_ERR_WRITE;
out:
	if (ret != WP_OK && out_root && ret != WP_ERR_USAGE)
		msg_info("%s: not written (the unfinished output tree is removed)", o->output);
	fs_dir_remove(&stage);
	media_edits_free(&edits);
	free(out_root);
	free(skip);
	tree_free(&t);
	fs_unlock_to(mark);
	return ret;
}

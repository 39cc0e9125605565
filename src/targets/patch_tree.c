/* patch_tree.c - an extracted installation tree; see patch.h. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "targets/copytree.h"
#include "core/error.h"
#include "util/fsutil.h"
#include "util/msg.h"
#include "targets/media.h"
#include "targets/targets.h"
#include "targets/tree.h"
#include "util/path.h"

static int patch_file(const struct media_tree *t, const struct tree_file *f,
		      const struct patch_opts *o,
		      void (*done)(const struct file_report *, void *), void *ctx)
{
	struct file_report fr = { 0 };
	struct patch_opts sub = *o;
	int ret;

	fr.path = path_join(t->root, f->rel);
	fr.output = o->output ? path_join(o->output, f->rel) : NULL;
	if (!fr.path || (o->output && !fr.output)) {
		msg_error("out of memory");
		file_report_free(&fr);
		return WP_ERR_INTERNAL;
	}
	sub.output = fr.output;
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
	return ret;
}

enum wp_err patch_tree(const char *root, const struct patch_opts *o,
	       void (*done)(const struct file_report *fr, void *ctx), void *ctx)
{
	struct media_tree t;
	const char **skip = NULL;
	size_t n_skip = 0;
	bool created = false;
	int ret = WP_OK;

	if (tree_scan(root, &t) < 0) {
		tree_free(&t);
		return WP_ERR_INPUT;
	}
	for (size_t i = 0; i < t.n_files; i++)
		msg_verbose("%s: found %s", root, t.files[i].rel);
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
	if (o->output && !o->dry_run) {
		if (path_is_inside(o->output, root)) {
			msg_error("%s: the output tree cannot be inside the source tree %s",
				  o->output, root);
			ret = WP_ERR_USAGE;
			goto out;
		}
		msg_verbose("%s: copying the files wimpatch does not write to %s", root, o->output);
		created = true;
		if ((ret = copy_tree(root, o->output, skip, n_skip)) != WP_OK)
			goto out;
	}
	for (size_t i = 0; i < n_skip && ret == WP_OK; i++) {
		for (size_t j = 0; j < t.n_files; j++)
			if (t.files[j].rel == skip[i] && t.files[j].kind != MEDIA_SPLIT_PART)
				ret = patch_file(&t, &t.files[j], o, done, ctx);
	}
out:
	/* An unfinished output tree is worse than none: a pipeline could
	 * take it for a result. */
	if (ret != WP_OK && created && ret != WP_ERR_USAGE) {
		msg_info("%s: removing the unfinished output tree", o->output);
		fs_remove_tree(o->output);
	}
	free(skip);
	tree_free(&t);
	return ret;
}

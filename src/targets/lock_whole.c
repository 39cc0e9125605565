/*
 * lock_whole.c - lock everything a run on a target locks, for a caller
 * that makes several runs on it and must see no other run's change in
 * between (undo: its check, then its write); see target.h.
 */
#include "config.h"

#include <stdlib.h>

#include "adapters/wim.h"
#include "targets/media.h"
#include "targets/target.h"
#include "targets/tree.h"
#include "util/msg.h"
#include "util/path.h"

/* A WIM and, for a split set, every other part, as patch_wim locks them. */
static enum wp_err lock_wim(const char *path, const struct patch_opts *o)
{
	enum wp_err ret = target_lock(path, o, true);
	struct wim *w;

	if (ret != WP_OK)
		return ret;
	if (!(w = wim_open(path, false)))
		return WP_ERR_INPUT;
	for (unsigned k = 2; k <= wim_part_count(w) && ret == WP_OK; k++)
		ret = target_lock(wim_part_path(w, k), o, true);
	wim_close(w);
	return ret;
}

/* Every WIM (every part) and BCD store of a tree, as patch_tree locks
 * those it writes. */
static enum wp_err lock_tree(const char *root, const struct patch_opts *o)
{
	struct media_tree t;
	enum wp_err ret = WP_OK;

	if (tree_scan(root, &t) < 0) {
		tree_free(&t);
		return WP_ERR_INPUT;
	}
	for (size_t i = 0; i < t.n_files && ret == WP_OK; i++) {
		enum media_kind k = t.files[i].kind;
		char *p;

		if (!media_kind_is_wim(k) && !media_kind_is_bcd(k))
			continue;
		if (!(p = path_join(root, t.files[i].rel))) {
			msg_error("out of memory");
			ret = WP_ERR_INTERNAL;
			break;
		}
		ret = target_lock(p, o, media_kind_is_wim(k));
		free(p);
	}
	tree_free(&t);
	return ret;
}

enum wp_err target_lock_whole(const struct target_type *t, const char *path,
			      const struct patch_opts *o)
{
	struct patch_opts reading = *o;

	switch (t->kind) {
	case TARGET_WIM:
		return lock_wim(path, o);
	case TARGET_TREE:
		return lock_tree(path, o);
	case TARGET_ISO:
		reading.dry_run = true;	/* never patched in place */
		return target_lock(path, &reading, false);
	case TARGET_BCD:
	case TARGET_HIVE:
		break;
	}
	return target_lock(path, o, false);
}

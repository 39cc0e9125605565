/*
 * target.h - the kinds of target wimpatch works on, in one table, and the
 * one routine that tells them apart.
 *
 * A target is what the command line names: an extracted installation
 * tree, an ISO image of one, a WIM/ESD archive (or the first part of a
 * split set), a BCD store or another registry hive.  Each kind says how
 * it is patched (apply, also for diff: o->dry_run) and shown.
 */
#ifndef WIMPATCH_TARGET_H
#define WIMPATCH_TARGET_H

#include "core/error.h"
#include "core/report.h"
#include "core/query.h"
#include "core/show_report.h"
#include "targets/targets.h"

enum target_kind { TARGET_TREE, TARGET_ISO, TARGET_WIM, TARGET_BCD, TARGET_HIVE };

/* Called with each file's report as it is finished. */
typedef void (*report_fn)(const struct file_report *fr, void *ctx);

struct show_opts {
	const char *work_dir;		/* ISO images: scratch space here (--work-dir) */
	/* Called with each piece found, in order (also when a later read
	 * fails: with what was read). */
	void (*done)(const struct shown *s, void *ctx);
	void *ctx;
	/* The profiles there are, for a bare hive that is not a SYSTEM hive
	 * (show names the rules that could edit it); asked for only then,
	 * with available_ctx.  NULL, or NULL returned: none. */
	const struct plan *(*available)(void *available_ctx);
	void *available_ctx;
};

struct query_result;
struct query_opts {
	struct query_request rq;
	const char *hive;		/* --hive: which hive of each image ("SYSTEM",
					   a path in the image; "BCD" on a medium:
					   its BCD stores), what a bare hive is */
	const char *const *images;	/* -i selections, as patch_opts has them */
	size_t n_images;
	const char *work_dir;		/* ISO images: scratch space here */
	/* Called with each hive's answer, in order. */
	void (*done)(const struct query_result *q, void *ctx);
	void *ctx;
};

struct target_type {
	enum target_kind kind;
	const char *name;		/* "an ISO image", for messages */
	enum wp_err (*apply)(const char *path, const struct patch_opts *o, report_fn done,
			     void *ctx);
	enum wp_err (*show)(const char *path, const struct show_opts *o);
	enum wp_err (*query)(const char *path, const struct query_opts *o);
};

/*
 * What `path` is: a directory is a tree; of a file the first 34 KiB are
 * read once, for the magic numbers of a WIM ("MSWIM"/"WLPWM" at 0), a
 * hive ("regf" at 0) and an ISO 9660/UDF volume (at 32 KiB), in that
 * order; a hive is a BCD store when its root holds Description and
 * Objects.  Anything else is reported, naming the file, and WP_ERR_INPUT
 * returned.
 */
enum wp_err target_detect(const char *path, const struct target_type **type);

/*
 * Lock every file a run of `t`'s apply on `path` with `o` would lock
 * (targets.h, target_lock; a tree's WIMs and BCD stores, every part of a
 * split set), for a caller that makes several runs on the target and
 * must see no other run's change between them: their own locks then find
 * the files held.  Released with fs_unlock_to() (util/lock.h).  As
 * target_lock().
 */
enum wp_err target_lock_whole(const struct target_type *t, const char *path,
			      const struct patch_opts *o);

/* The show side of each kind (show.c). */
enum wp_err show_tree(const char *root, const struct show_opts *o);
enum wp_err show_iso(const char *path, const struct show_opts *o);
enum wp_err show_wim(const char *path, const struct show_opts *o);
enum wp_err show_bcd(const char *path, const struct show_opts *o);
enum wp_err show_hive(const char *path, const struct show_opts *o);

/* The query side (query.c): each hive the key or value is read from goes
 * to o->done; absent is no error (query.h). */
enum wp_err query_tree(const char *root, const struct query_opts *o);
enum wp_err query_iso(const char *path, const struct query_opts *o);
enum wp_err query_wim(const char *path, const struct query_opts *o);
enum wp_err query_bcd(const char *path, const struct query_opts *o);
enum wp_err query_hive(const char *path, const struct query_opts *o);

#endif

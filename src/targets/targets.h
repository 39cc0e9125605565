/*
 * patch.h - apply a plan to one target file (a WIM/ESD or a bare hive),
 * write it crash-safely, read it back, and fill in a report.
 */
#ifndef WIMPATCH_PATCH_H
#define WIMPATCH_PATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/change.h"
#include "core/error.h"
#include "core/plan.h"
#include "core/report.h"

struct patch_opts {
	const struct plan *plan;
	bool dry_run;			/* compute changes, write nothing */
	const char *output;		/* write the result here instead of in place */
	const char *const *images;	/* --image selections: N, NAME, or either
					   after "boot:" or "install:" (media.h) */
	size_t n_images;
	size_t *n_applied;		/* a file of a tree or an ISO image: the
					   rules that apply to it are counted here,
					   and none is no error (the medium as a
					   whole is); NULL: a target on its own,
					   to which none applying is WP_ERR_NO_RULE */
	const char *hive_name;		/* --hive: what a bare hive file is */
	enum role role_hint;		/* the role the file's place in a tree
					   gives its images (ROLE_ANY: none) */
	bool allow_dirty;		/* edit hives with pending transaction logs */
	bool plain_replace;		/* put hives back into WIMs as new files,
					   losing their metadata (--plain-replace) */
	bool rebuild;			/* rewrite a WIM whole into a temporary
					   sibling and rename it over the original,
					   instead of appending (--rebuild) */
	const char *work_dir;		/* ISO targets: make the scratch tree in
					   this directory (--work-dir), not next
					   to the output (or, for diff, the image) */
	const char *iso_label;		/* ISO output: its volume label (--label);
					   NULL: the source's */
	uint64_t split_swm;		/* ISO output: split install.wim into
					   install.swm, install2.swm, ... of at
					   most this many bytes (--split-swm); 0: no */
	bool rebuild_iso;		/* ISO output: extract and write the image
					   anew, not in place (--rebuild-iso) */
	bool boot_by_image;		/* a scratch tree of an ISO image: <boot
					   efi="noprompt"> is the image's (patch_iso),
					   not the tree's to remark on */
	bool wait;			/* a file another run holds: wait for it,
					   rather than refuse it (--wait) */
	bool reg_report;		/* the changes go into a .reg report
					   (--format=reg) */
	bool reg_undo;			/* what undoes them goes into a .reg undo
					   record (--undo-file) */
	/* Called at a file's commit point, once its new content is where
	 * the user sees it and before it is read back, with signals held
	 * back and fr->status FILE_WRITTEN: what the report after a signal
	 * says and what undoes the file are recorded now.  NULL: nothing to
	 * call (a scratch tree: its files are not the user's yet). */
	void (*committed)(struct file_report *fr, void *ctx);
	void *committed_ctx;
};

/* The commit point of `fr` (above): with signals held back by the
 * caller. */
void patch_committed(const struct patch_opts *o, struct file_report *fr);

/*
 * Lock `path` for the rest of the work on it (util/lock.h; released with
 * fs_unlock_to): exclusive when the run writes it in place, shared when it
 * only reads it (a dry run, the source of -o); an OFD lock for a WIM
 * (`wim`), flock(2) for anything else; waiting for another run with
 * o->wait.  WP_ERR_WRITE when another run holds it (said: it is not
 * touched) or a WIM cannot be opened for writing in place, WP_ERR_INPUT
 * when it cannot be opened otherwise.
 */
enum wp_err target_lock(const char *path, const struct patch_opts *o, bool wim);

/* Before a hive is extracted from a WIM (into a scratch file that hivex
 * then reads whole): refuse one bigger than any hive wimpatch reads, by
 * the size the image's metadata gives (a 16 MB WIM can hold a 6 GiB sparse
 * file behind a real hive header).  `where` names the hive in messages.
 * Returns an enum wp_err (WP_ERR_INPUT for a file too big). */
struct wim;
enum wp_err hivefile_check_wim_size(struct wim *w, int image, const char *stored,
				    const char *where);

/* Each returns an enum wp_err and fills `fr` (also on error, as far as it got). */
enum wp_err patch_wim(const char *path, const struct patch_opts *o, struct file_report *fr);
/* Can the split set whose first part is `path` be patched (all parts
 * there, not solid)?  For trees, before anything is written.  Returns an
 * enum wp_err (the reason is reported). */
enum wp_err patch_wim_check_split(const char *path);
enum wp_err patch_hive_file(const char *path, const struct patch_opts *o, struct file_report *fr);

/* A BCD store: the plan's BCD rules for `store` (BCD_STORE_ANY for a bare
 * store file: every BCD rule applies). */
enum wp_err patch_bcd_file(const char *path, enum bcd_store_sel store, const struct patch_opts *o,
		   struct file_report *fr);
/* Is this hive file a BCD store (Description and Objects at its root)? */
bool bcdfile_is_store(const char *path);
/* Open a hive file (hive_open flags) that must be a BCD store; NULL after
 * reporting why not. */
struct hive *bcdfile_open(const char *path, int flags);
/* Open a store (by `locked`, the path of the locked file: lock.h's
 * fs_lock_last_path; `path` names it) and apply the BCD rules for `store`
 * in memory; *n_rules says how many applied.  Returns an enum wp_err. */
struct hive;
enum wp_err bcdfile_edit(const char *path, const char *locked, enum bcd_store_sel store,
			 const struct plan *plan, bool allow_dirty, struct changelist *out,
			 struct hive **hp, size_t *n_rules);

/*
 * An extracted installation tree: every WIM (and BCD store) in it, in
 * place or, with o->output, into a new tree that holds copies of all
 * other files.  `done` is called with each file's report as it finishes.
 * Returns an enum wp_err; stops at the first file that fails.
 */
enum wp_err patch_tree(const char *root, const struct patch_opts *o,
	       void (*done)(const struct file_report *fr, void *ctx), void *ctx);

/*
 * A Windows medium in an ISO image (iso.h).  With o->output (required
 * unless o->dry_run: an image is never patched in place), the image is
 * extracted whole into a scratch tree (next to the output, or in
 * o->work_dir), patched there as a tree, written into a new image with
 * the same boot layout and label (or o->iso_label), read back and
 * checked with independent readers, and renamed to o->output.  A dry run
 * extracts only the WIMs and BCD stores.  Reports name the files as
 * "IMAGE.iso/sources/boot.wim".  The scratch tree is always removed; on
 * error no output exists.  Returns an enum wp_err.
 */
enum wp_err patch_iso(const char *iso, const struct patch_opts *o,
	      void (*done)(const struct file_report *fr, void *ctx), void *ctx);

/*
 * The steps both share.  hivefile_edit opens the hive at `src` into memory,
 * applies `rules` and records the changes in `out`; the edited hive is
 * returned in *h (close it with hivefile_close).  hivefile_write writes
 * it to `dst`, syncs it if `sync` (not a scratch copy that a WIM write
 * reads), re-opens it and verifies every change is there.
 * Both return an enum wp_err.
 */
struct hive;
enum wp_err hivefile_edit(const char *src, const struct rule *const *rules, size_t n_rules,
		  const char *where, bool allow_dirty, struct changelist *out, struct hive **h);
enum wp_err hivefile_write(struct hive *h, const char *dst, const struct changelist *cl,
		   const char *where, bool sync);
void hivefile_close(struct hive *h);

/*
 * The end both share: a dry run only says whether anything is pending;
 * otherwise an edited hive is written to a temporary sibling of the
 * destination (the file itself, or o->output), verified and renamed into
 * place, and with -o an unchanged one is copied.  Nothing changed and no
 * -o: not a byte is written.  `locked` reaches the file `src` names as
 * it was locked (lock.h's fs_lock_last_path): a copy is read from it, and
 * src is replaced only while it still names that file (fs_lock_check).
 * The hive's report is fr's last; the logs
 * beside a hive written are emptied after it (hivelogs.h) and listed in
 * that report.  Sets fr->status; returns an enum wp_err.
 */
enum wp_err hivefile_finish(struct hive *h, const char *src, const char *locked,
			    const struct patch_opts *o, struct file_report *fr);

/*
 * Before anything is written: when the run writes its changes into a .reg
 * file (o->reg_report, o->reg_undo), every key and value name they touch
 * must be one a .reg file can hold (regfile_can_hold).  If not, says so,
 * naming `where` (file, image, hive) and the key, and returns
 * WP_ERR_INPUT; else WP_OK.
 */
enum wp_err hivefile_check_reg(const struct patch_opts *o, const struct changelist *cl,
			       const char *where);

/* Re-open a written hive and check `cl` against it.  Returns an enum wp_err. */
enum wp_err hivefile_verify(const char *path, const struct changelist *cl, const char *where,
		    bool allow_dirty);

#endif

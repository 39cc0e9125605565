/*
 * cmd_undo.c - "wimpatch undo UNDOFILE TARGET": put back the values an
 * apply run replaced, each in the file, image and hive it came from, and
 * the files it added or replaced inside images (deleted, or their old
 * bytes written back when the undo file keeps them).
 *
 * The undo file's sections (undo_file.h) become two plans: what the run
 * wrote, and what puts the old values back.  Three runs of the target's
 * own apply (the engine, locks, crash-safe writes and verification of
 * apply) follow:
 *   1. a dry run of what the run wrote: anything it would change is a
 *      value someone changed since the run, and the undo is refused;
 *   2. a dry run of the old values: every section must find its file,
 *      image and hive, and nothing else may be touched (with --dry-run,
 *      its report is the command's); files inside images are checked
 *      here, against the digest the run wrote (image_file_op.expect);
 *   3. the old values written.
 * Nothing is written unless the first two find nothing wrong, and the
 * target is locked (target_lock_whole) from before the first to after the
 * last, so that no other run changes it between the check and the write.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/base64.h"
#include "adapters/sha256.h"
#include "adapters/wim.h"
#include "cli/commands.h"
#include "cli/exit.h"
#include "cli/options.h"
#include "cli/patchopts.h"
#include "cli/sink.h"
#include "cli/undo_file.h"
#include "core/regfile.h"
#include "targets/media.h"
#include "targets/target.h"
#include "util/fdio.h"
#include "util/fsutil.h"
#include "util/lock.h"
#include "util/msg.h"
#include "util/path.h"
#include "util/progress.h"

static const struct cli_option undo_options[] = {
	{ 'o', 'o', "output", "PATH",
	  "write the result to PATH (which must not exist);\n"
	  "TARGET is left untouched; required for an .iso image", COMP_FILE, NULL },
	{ 'n', 'n', "dry-run", NULL,
	  "check the undo file against TARGET and show what\n"
	  "would be put back; write nothing", COMP_NONE, NULL },
	{ OPT_HIVE, 0, "hive", "NAME",
	  "what a bare hive file is (SYSTEM, SOFTWARE...);\n"
	  "default: what the undo file says", COMP_NONE, NULL },
	O_ALLOW_DIRTY,
	O_WORK_DIR,
	O_WAIT,
	O_LEVEL,
	O_THREADS,
	O_JSON,
	{ 0 },
};

#define FROM_FILE "undo puts back what UNDOFILE holds"
static const struct cli_refusal undo_refusals[] = {
	{ "profile", FROM_FILE ": it takes no profile" },
	{ "define", FROM_FILE ": it takes no profile parameters" },
	{ "image", FROM_FILE ", image by image, as the undo file says" },
	{ "undo-file", "the undo file is undo's first operand: wimpatch undo UNDOFILE TARGET" },
	{ "utf16", "undo writes no undo file" },
	{ "format", "undo reports as text or --json" },
	{ NULL },
};

/* -o and -n are undo's own; the others are apply's (patchopts.h). */
static int on_option(int id, const char *arg, void *ctx)
{
	struct patch_args *a = ctx;

	switch (id) {
	case 'o':
		if (a->po.output) {
			msg_error("-o given twice (%s, %s)", a->po.output, arg);
			return -1;
		}
		a->po.output = arg;
		return 0;
	case 'n':
		a->po.dry_run = true;
		return 0;
	}
	return patchopts_option(a, id, arg) > 0 ? 0 : -1;
}

/* One undo in progress. */
struct undo {
	struct undo_file uf;
	const char *target;
	struct plan wrote, restore;	/* from the sections, in their order */
	bool *found;			/* pass 2: the section found its hive */
	bool *found_files;		/* pass 2: the image-file record its file */
	size_t differ, strays;
	struct sink *sink;		/* pass 2 of --dry-run: its report */
	char *scratch;			/* the old bytes of files, decoded */
};

/* "HKEY_LOCAL_MACHINE\SYSTEM" -> "SYSTEM", "HKEY_USERS\.DEFAULT" -> "DEFAULT":
 * the name patch_hive gives a bare hive file (core/plan.h). */
static const char *root_hive_name(const char *root)
{
	return hive_name_for_root(root);
}

static enum role role_of(const char *name)
{
	static const enum role roles[] = { ROLE_SETUP, ROLE_INSTALLED, ROLE_UNKNOWN };
	for (size_t i = 0; name && i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(name, role_name(roles[i])) == 0)
			return roles[i];
	return ROLE_ANY;
}

/* A rule for section s: its image and hive, the entries of `text`. */
static int fill_rule(const struct undo *u, const struct undo_section *s, const char *text,
		     struct rule *r)
{
	if (!(r->profile = strdup("undo")) || !(r->src_file = strdup(u->uf.path)))
		goto oom;
	r->src_line = s->line;
	if (strcmp(s->kind, "wim") == 0) {
		r->role = role_of(s->role);
		if (!(r->images.indices = malloc(sizeof(int))))
			goto oom;
		r->images.indices[0] = s->image;
		r->images.n_indices = 1;
		r->hive = strdup(s->hive);
	} else if (strcmp(s->kind, "hive") == 0) {
		r->hive = strdup(root_hive_name(s->root));
	} else {
		r->hive = strdup(s->hive);
	}
	if (!r->hive)
		goto oom;
	return regfile_import_text(u->uf.path, text, s->line, s->root, r);
oom:
	msg_error("out of memory");
	return -1;
}

/* A BCD store's section: registry operations on the store, for the store
 * its place in the medium names (any, for a bare store). */
static int add_bcd(const struct undo *u, const struct undo_section *s, const char *text,
		   struct plan *p)
{
	const char *rel = undo_rel(s->file, s->target);
	enum media_kind k;
	struct bcd_rule *br = plan_add_bcd_rule(p);
	struct bcd_op *op = br ? bcd_rule_add_op(br) : NULL;

	if (!op || !(op->hive_ops = rule_new()) || !(br->profile = strdup("undo")) ||
	    !(br->src_file = strdup(u->uf.path)) || !(op->src_file = strdup(u->uf.path))) {
		msg_error("out of memory");
		return -1;
	}
	br->src_line = op->src_line = s->line;
	op->kind = BOP_HIVE_OPS;
	if (*rel && !(media_classify(rel, &k) && media_kind_is_bcd(k))) {
		msg_error("%s:%d: %s is not a BCD store of a medium", u->uf.path, s->line, rel);
		return -1;
	}
	br->store = *rel ? media_bcd_store(k) : BCD_STORE_ANY;
	return fill_rule(u, s, text, op->hive_ops);
}

/* The old bytes record f keeps, decoded into a file of the scratch
 * directory and checked against its old-sha256: the file's name,
 * malloc'd, or NULL (said). */
static char *old_bytes(struct undo *u, const struct undo_image_file *f, size_t k)
{
	size_t n = 0;
	unsigned char *b = base64_decode(f->b64 ? f->b64 : "", f->b64 ? strlen(f->b64) : 0, &n);
	char hex[65], *file = NULL;
	struct sha256 h;
	int fd = -1;

	if (!b) {
		msg_error("%s:%d: its wimpatch-undo-data lines are not base64 (the undo file is "
			  "damaged)", u->uf.path, f->line);
		return NULL;
	}
	sha256_init(&h);
	sha256_update(&h, b, n);
	sha256_final(&h, hex);
	if (strcmp(hex, f->old_sha256) != 0) {
		msg_error("%s:%d: the old bytes it keeps have sha256 %s, not %s as it says (the undo "
			  "file is damaged)", u->uf.path, f->line, hex, f->old_sha256);
		goto fail;
	}
	if (!u->scratch && !(u->scratch = fs_make_tempdir()))
		goto fail;
	if (!(file = msg_asprintf("%s/%zu-%s", u->scratch, k, path_base(f->path))))
		goto fail;
	if ((fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    pwrite_full(fd, b, n, 0) < 0 || close(fd) < 0) {
		msg_error("%s: %s", file, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	free(b);
	return file;
fail:
	free(file);
	free(b);
	return NULL;
}

/* Record f as an operation of the restore plan: an added file deleted, a
 * replaced one written back (keeping its metadata, as apply replaces);
 * each refused unless the image's file is what the run left there
 * (image_file_op.expect). */
static int add_image_file(struct undo *u, const struct undo_image_file *f, size_t k)
{
	struct image_file_op *op = plan_add_image_file(&u->restore);
	bool added = strcmp(f->action, "added") == 0;

	if (!op || !(op->profile = strdup("undo")) || !(op->src_file = strdup(u->uf.path)) ||
	    !(op->path = strdup(f->path)) || !(op->images.indices = malloc(sizeof(int))) ||
	    !(op->expect = strdup(f->sha256))) {
		msg_error("out of memory");
		return -1;
	}
	op->src_line = f->line;
	op->role = role_of(f->role);
	op->images.indices[0] = f->image;
	op->images.n_indices = 1;
	op->remove = added;
	return added || (op->from = old_bytes(u, f, k)) ? 0 : -1;
}

/* The UEFI boot entry a run switched: pointed back at the boot image it
 * loaded, if it loads the one the run left (media_plan.efi_expect). */
static int switch_back(struct undo *u, const struct undo_image_file *f)
{
	struct media_plan *m = &u->restore.media;

	if (m->efi_back) {
		msg_error("%s:%d: a second switch of the UEFI boot entry in one undo file",
			  u->uf.path, f->line);
		return -1;
	}
	if (!(m->efi_back = strdup(f->old_path)) || !(m->efi_expect = strdup(f->path)) ||
	    !(m->boot_src_file = strdup(u->uf.path))) {
		msg_error("out of memory");
		return -1;
	}
	m->boot_src_line = f->line;
	return 0;
}

/* A file the run added to the medium: removed, if it still has the bytes
 * the run wrote (media_op.expect); one it replaced: its old bytes written
 * back, on the same condition; one it removed: written back if the
 * medium has no such file again (media_op.expect_absent). */
static int add_medium_file(struct undo *u, const struct undo_image_file *f, size_t k)
{
	if (strcmp(f->action, "switched") == 0)
		return switch_back(u, f);
	struct media_op *op = media_plan_add_op(&u->restore.media);
	bool added = strcmp(f->action, "added") == 0, removed = strcmp(f->action, "removed") == 0;

	if (!op || !(op->profile = strdup("undo")) || !(op->src_file = strdup(u->uf.path)) ||
	    !(op->path = strdup(f->path)) || (!removed && !(op->expect = strdup(f->sha256)))) {
		msg_error("out of memory");
		return -1;
	}
	op->kind = added ? MOP_REMOVE : MOP_PUT_FILE;
	op->expect_absent = removed;
	op->src_line = f->line;
	return added || (op->from = old_bytes(u, f, k)) ? 0 : -1;
}

static int build_plans(struct undo *u)
{
	for (size_t i = 0; i < u->uf.n_files; i++) {
		const struct undo_image_file *f = &u->uf.files[i];
		if (undo_image_file_restorable(f) &&
		    (f->medium ? add_medium_file(u, f, i) : add_image_file(u, f, i)) < 0)
			return -1;
	}
	for (size_t i = 0; i < u->uf.n; i++) {
		const struct undo_section *s = &u->uf.v[i];
		bool bcd = strcmp(s->kind, "bcd") == 0;
		if (strcmp(s->kind, "wim") && strcmp(s->kind, "hive") && !bcd) {
			msg_error("%s:%d: kind=%s: not a wim, hive or bcd section", u->uf.path,
				  s->line, s->kind);
			return -1;
		}
		for (int part = 0; part < 2; part++) {
			struct plan *p = part ? &u->restore : &u->wrote;
			const char *text = part ? s->restore : s->wrote;
			struct rule *r;
			if (bcd ? add_bcd(u, s, text, p) < 0
				: !(r = plan_add_rule(p)) || fill_rule(u, s, text, r) < 0)
				return -1;
		}
	}
	return 0;
}

/* The section a hive report is for, or -1. */
static long section_of(const struct undo *u, const struct file_report *fr,
		       const struct hive_report *h)
{
	const char *rel = undo_rel(fr->path, u->target);

	for (size_t i = 0; rel && i < u->uf.n; i++) {
		const struct undo_section *s = &u->uf.v[i];
		if (strcmp(undo_rel(s->file, s->target), rel) == 0 && strcmp(s->kind, fr->kind) == 0 &&
		    s->image == h->image &&
		    (strcmp(s->kind, "wim") != 0 || strcasecmp(s->hive, h->hive) == 0))
			return (long)i;
	}
	return -1;
}

/* The record a file report's entry is for (image 0: a medium file;
 * `boot`: the UEFI boot entry switched back to `path`, which the record
 * names as its old-path), or -1. */
static long record_of(const struct undo *u, const struct file_report *fr, int image,
		      const char *path, bool boot)
{
	const char *rel = undo_rel(fr->path, u->target);

	for (size_t i = 0; rel && i < u->uf.n_files; i++) {
		const struct undo_image_file *r = &u->uf.files[i];
		bool switched = strcmp(r->action, "switched") == 0;
		if (undo_image_file_restorable(r) && r->medium == (image == 0) && switched == boot &&
		    strcmp(undo_rel(r->file, r->target), rel) == 0 && r->image == image &&
		    strcasecmp(boot ? r->old_path : r->path, path) == 0)
			return (long)i;
	}
	return -1;
}

/* Pass 2: a file the restore plan reaches must be one a record is for. */
static void file_found(struct undo *u, const struct file_report *fr, int image, const char *path,
		       bool boot)
{
	long k = record_of(u, fr, image, path, boot);

	if (k >= 0) {
		u->found_files[k] = true;
		return;
	}
	if (image)
		msg_error("%s: image %d: %s: the undo file's records reach it, but none is for it "
			  "(undo takes the TARGET apply was given, or its -o output)", fr->path, image,
			  path);
	else
		msg_error("%s: %s: the undo file's records reach it, but none is for it (undo takes "
			  "the TARGET apply was given, or its -o output)", fr->path, path);
	u->strays++;
}

/* "KEY" or "KEY\NAME" of a change, for messages; malloc'd or NULL. */
static char *change_path(const struct change *c)
{
	char *p = NULL;
	if (asprintf(&p, "%s%s%s", c->key, c->name ? "\\" : "",
		     c->name ? (*c->name ? c->name : "(Default)") : "") < 0)
		return NULL;
	return p;
}

/* "FILE: image 2 (NAME): HIVE", or "FILE" for a bare hive or a BCD
 * store; malloc'd, or NULL. */
static char *place(const struct file_report *fr, const struct hive_report *h)
{
	char *p = NULL;
	int n = h->image ? asprintf(&p, "%s: image %d (%s): %s", fr->path, h->image,
				    h->image_name ? h->image_name : "", h->hive)
			 : asprintf(&p, "%s", fr->path);
	return n < 0 ? NULL : p;
}

/* Pass 1: what re-applying the run's writes would change is what no
 * longer holds them. */
static void differs(const struct undo *u, const struct file_report *fr,
		    const struct hive_report *h, const struct change *c)
{
	char *at = place(fr, h), *what = change_path(c);
	char *now = c->has_old ? regval_to_reg(&c->old) : NULL;
	char *was = c->has_new ? regval_to_reg(&c->new) : NULL;
	struct msg_where w = { .file = fr->path, .image = h->image, .hive = h->hive, .key = c->key };
	const char *p = at ? at : fr->path, *k = what ? what : c->key;

	msg_where_push(&w);
	if (c->kind == CH_VALUE_SET && c->has_old)
		msg_error("%s: %s is %s, not %s as the run wrote it (changed since; see %s)", p, k,
			  now ? now : "?", was ? was : "?", u->uf.path);
	else
		msg_error("%s: %s %s since the run (it %s it; see %s)", p, k,
			  c->kind == CH_KEY_ADDED || c->kind == CH_VALUE_SET ? "is gone" : "is back",
			  c->kind == CH_KEY_ADDED ? "created" : c->kind == CH_VALUE_SET ? "set"
											: "deleted",
			  u->uf.path);
	msg_where_pop(&w);
	free(at);
	free(what);
	free(now);
	free(was);
}

/* A hive the undo file's rules reach but no section is for: the undo
 * file is for another target. */
static void stray(struct undo *u, const struct file_report *fr, const struct hive_report *h)
{
	char *at = place(fr, h);
	msg_error("%s: the undo file's rules reach it, but none of its sections is for it (undo "
		  "takes the TARGET apply was given, or its -o output)", at ? at : fr->path);
	free(at);
	u->strays++;
}

static void on_check(const struct file_report *fr, void *ctx)
{
	struct undo *u = ctx;

	for (size_t i = 0; i < fr->n_hives; i++) {
		const struct hive_report *h = &fr->hives[i];
		if (h->changes.n && section_of(u, fr, h) < 0) {
			stray(u, fr, h);
			continue;
		}
		for (size_t j = 0; j < h->changes.n; j++, u->differ++)
			differs(u, fr, h, &h->changes.v[j]);
	}
}

/* Pass 2: every change in a hive some section is for. */
static void on_restore(const struct file_report *fr, void *ctx)
{
	struct undo *u = ctx;

	for (size_t i = 0; i < fr->n_hives; i++) {
		const struct hive_report *h = &fr->hives[i];
		if (h->changes.n == 0)
			continue;
		long k = section_of(u, fr, h);
		if (k >= 0) {
			u->found[k] = true;
			continue;
		}
		stray(u, fr, h);
	}
	for (size_t i = 0; i < fr->n_files; i++)
		file_found(u, fr, fr->files[i].image, fr->files[i].path, false);
	for (size_t i = 0; i < fr->n_media; i++)
		file_found(u, fr, 0, fr->media[i].path, strcmp(fr->media[i].action, "boot") == 0);
	if (u->sink)
		sink_file_done(fr, u->sink);
}

static enum wp_err check_found(const struct undo *u)
{
	enum wp_err ret = u->strays ? WP_ERR_INPUT : WP_OK;

	for (size_t i = 0; i < u->uf.n; i++) {
		const struct undo_section *s = &u->uf.v[i];
		if (u->found[i])
			continue;
		msg_error("%s:%d: %s (image %d, %s) is not in %s: its values have nowhere to go "
			  "back to (undo takes the TARGET apply was given, or its -o output)",
			  u->uf.path, s->line, s->file, s->image, s->hive, u->target);
		ret = WP_ERR_INPUT;
	}
	for (size_t i = 0; i < u->uf.n_files; i++) {
		const struct undo_image_file *f = &u->uf.files[i];
		if (u->found_files[i] || !undo_image_file_restorable(f))
			continue;
		msg_error("%s:%d: %s (%s%.0d%s%s) is not in %s: the file has nowhere to go back "
			  "to (undo takes the TARGET apply was given, or its -o output)", u->uf.path,
			  f->line, f->file, f->image ? "image " : "", f->image, f->image ? ", " : "",
			  f->path, u->target);
		ret = WP_ERR_INPUT;
	}
	return ret;
}

/* Under the lock: check, dry run, write (see the top of the file). */
static enum wp_err undo_passes(struct undo *u, const struct patch_args *a,
			       const struct target_type *t, struct sink *sink)
{
	struct patch_opts po = a->po;
	enum wp_err ret;

	po.dry_run = true;
	po.output = NULL;
	po.plan = &u->wrote;
	/* Files inside images are checked by pass 2 (image_file_op.expect):
	 * an undo file of files only has no values to check here. */
	if ((u->wrote.n_rules || u->wrote.n_bcd_rules) &&
	    (ret = t->apply(u->target, &po, on_check, u)) != WP_OK)
		return ret;
	if (u->strays) {
		msg_error("%s: not undone: the undo file is not for it; nothing written", u->target);
		return WP_ERR_INPUT;
	}
	if (u->differ) {
		msg_error("%s: not undone: %zu value%s or key%s differ from what the run wrote; "
			  "nothing written", u->target, u->differ, u->differ == 1 ? "" : "s",
			  u->differ == 1 ? "" : "s");
		return WP_ERR_INPUT;
	}
	po.plan = &u->restore;
	u->sink = a->po.dry_run ? sink : NULL;
	if ((ret = t->apply(u->target, &po, on_restore, u)) != WP_OK ||
	    (ret = check_found(u)) != WP_OK || a->po.dry_run)
		return ret;
	po = a->po;
	po.plan = &u->restore;
	return t->apply(u->target, &po, sink_file_done, sink);
}

/* The three passes (see the top of the file), the target locked. */
static enum wp_err undo_target(struct undo *u, struct patch_args *a, struct sink *sink)
{
	const struct target_type *t;
	enum wp_err ret = target_detect(u->target, &t);

	if (ret != WP_OK)
		return ret;
	/* Said before two dry runs have extracted the image for nothing. */
	if (t->kind == TARGET_ISO && !a->po.dry_run && !a->po.output) {
		msg_error("%s: an ISO image is not patched in place: undo builds a new image, as "
			  "apply does; give it a name with -o NEW.iso", u->target);
		return WP_ERR_USAGE;
	}
	/* Held from the check to the write: a change another run makes in
	 * between would otherwise go unseen, and be overwritten. */
	size_t mark = fs_lock_mark();
	if ((ret = target_lock_whole(t, u->target, &a->po)) == WP_OK)
		ret = undo_passes(u, a, t, sink);
	fs_unlock_to(mark);
	return ret;
}

/* A bare hive is the hive its one section says, unless --hive says. */
static void default_hive_name(struct undo *u, struct patch_args *a)
{
	if (!a->po.hive_name && u->uf.n == 1 && strcmp(u->uf.v[0].kind, "hive") == 0)
		a->po.hive_name = root_hive_name(u->uf.v[0].root);
}

static int run_undo(struct patch_args *a, struct undo *u, struct sink *sink)
{
	/* The compression apply uses: undo writes what apply would. */
	struct wim_settings ws = patchopts_wim_settings(a);
	struct msg_where where = { .file = u->target };
	int ret;

	if (undo_file_read(u->uf.path, &u->uf) < 0 || undo_file_keep_target(&u->uf, u->target) < 0 ||
	    build_plans(u) < 0)
		return EXIT_INPUT;
	if (!(u->found = calloc(u->uf.n + 1, sizeof(*u->found))) ||
	    !(u->found_files = calloc(u->uf.n_files + 1, sizeof(*u->found_files)))) {
		msg_error("out of memory");
		return EXIT_INTERNAL;
	}
	default_hive_name(u, a);
	if (wim_init(&ws) != WP_OK)
		return EXIT_INTERNAL;
	progress_init();
	msg_where_push(&where);
	sink->target = u->target;
	enum wp_err e = undo_target(u, a, sink);
	msg_where_pop(&where);
	sink_target_done(sink, e);
	ret = exit_status(e);
	if (ret == EXIT_OK && sink->pending)
		ret = EXIT_PENDING;
	wim_cleanup();
	return ret;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct patch_args a = PATCH_ARGS_INIT;
	struct sink sink = { 0 };
	struct undo u = { 0 };
	struct stat st;
	int first, ret = opt_parse(cmd, argc, argv, on_option, &a, &first);

	if (ret >= 0)
		return ret;
	if (argc - first != 2) {
		msg_error("undo takes two operands: UNDOFILE TARGET");
		return opt_usage_error(cmd);
	}
	if (a.po.output && a.po.dry_run)
		a.po.output = NULL;	/* nothing is written anyway */
	if (a.po.output && lstat(a.po.output, &st) == 0) {
		msg_error("%s: already exists; wimpatch does not overwrite an output", a.po.output);
		return EXIT_USAGE;
	}
	u.uf.path = argv[first];
	u.target = argv[first + 1];
	if ((ret = sink_open(&sink, cmd->name, a.po.dry_run, a.json, false, NULL, false, false)) != EXIT_OK)
		return sink_close(&sink, ret);
	plan_init(&u.wrote);
	plan_init(&u.restore);
	ret = run_undo(&a, &u, &sink);
	ret = sink_close(&sink, ret);
	if (u.uf.path == argv[first])
		u.uf.path = NULL;	/* not read: nothing of it to free */
	undo_file_free(&u.uf);
	plan_free(&u.wrote);
	plan_free(&u.restore);
	free(u.found);
	free(u.found_files);
	if (u.scratch)
		fs_remove_tempdir(u.scratch);
	return ret;
}

const struct cli_command cli_undo = {
	.name = "undo",
	.summary = "put back the values an apply run's --undo-file recorded",
	.usage = "[OPTIONS] UNDOFILE TARGET",
	.description =
		"Put every value UNDOFILE (apply --undo-file) recorded back in the file,\n"
		"image and hive of TARGET it came from, BCD stores included; delete the\n"
		"files the run added inside images and write back the old bytes of those\n"
		"it replaced (when UNDOFILE keeps them).  TARGET is\n"
		"what apply was given (or its -o output): a tree, an .iso image (with\n"
		"-o NEW.iso), a .wim/.esd file, a BCD store or a bare hive.  Refused,\n"
		"writing nothing, when TARGET no longer holds what the run wrote.\n",
	.epilogue = "Exit status:\n"
		    "  0  undone          1  changes are pending (--dry-run)\n"
		    "  2  usage error\n"
		    "  4  input error: a bad undo file, or TARGET changed since the run\n"
		    "     or lacks a file, image or hive the undo file names\n"
		    "  5  write or verification error, or a target in use by\n"
		    "     another wimpatch run (inputs are left intact)\n"
		    "  6  internal error\n",
	.options = undo_options,
	.refusals = undo_refusals,
	.operands = COMP_FILE,
	.setup = CMD_SIGNALS,
	.run = run,
};

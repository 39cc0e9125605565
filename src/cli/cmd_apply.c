/*
 * cmd_apply.c - "wimpatch apply" and "wimpatch diff": load the profiles
 * into a plan, then run it over each target in turn.
 *
 * diff is apply with --dry-run; both print the same report, and diff's
 * exit status says whether anything would change.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adapters/wim.h"
#include "cli/commands.h"
#include "cli/exit.h"
#include "cli/options.h"
#include "cli/patchopts.h"
#include "cli/runlog.h"
#include "cli/sink.h"
#include "profiles/profile.h"
#include "profiles/profile_path.h"
#include "targets/target.h"
#include "util/array.h"
#include "util/fsutil.h"
#include "util/msg.h"
#include "util/path.h"

enum { OPT_PROFILE_DIR = OPT_PATCH_END, OPT_PLAIN_REPLACE, OPT_FORMAT, OPT_UNDO, OPT_UTF16,
       OPT_REBUILD, OPT_LABEL, OPT_SPLIT_SWM, OPT_KEEP_GOING, OPT_REBUILD_ISO };

/* The options both commands have, each written once (those undo has too
 * are in cli/patchopts.h). */
#define O_PROFILE { 'p', 'p', "profile", "NAME|FILE", \
	"profile to apply; repeat to apply several in order", COMP_PROFILE, NULL }
#define O_DEFINE { 'D', 'D', "define", "NAME=VALUE", \
	"a value for a profile parameter (repeatable)", COMP_PARAM, NULL }
#define O_IMAGE { 'i', 'i', "image", "[WIM:]N|NAME", \
	"only this image (repeatable; names in any case);\n" \
	"on a tree or .iso, install:N or boot:NAME selects in\n" \
	"that WIM only, a plain N in every WIM; default: every\n" \
	"image", COMP_IMAGE, NULL }
#define O_HIVE { OPT_HIVE, 0, "hive", "NAME", \
	"what a bare hive file is (SYSTEM, SOFTWARE...);\n" \
	"default: what its keys, then its names, say", COMP_NONE, NULL }
#define O_PROFILE_DIR { OPT_PROFILE_DIR, 0, "profile-dir", "DIR", \
	"look for profiles in DIR first (repeatable)", COMP_DIR, NULL }
#define O_KEEP_GOING { OPT_KEEP_GOING, 0, "keep-going", NULL, \
	"after a TARGET fails, go on with the next; the exit\n" \
	"status is the worst of all", COMP_NONE, NULL }
#define O_FORMAT { OPT_FORMAT, 0, "format", "text|reg", \
	"the report as text (default) or as a .reg file\n(with diff or --dry-run)", COMP_WORDS, \
	"text reg" }

static const struct cli_option apply_options[] = {
	O_PROFILE,
	O_DEFINE,
	O_IMAGE,
	{ 'o', 'o', "output", "PATH",
	  "write the result to PATH (which must not exist, or\n"
	  "for a tree be an empty directory); TARGET is\n"
	  "left untouched; with several TARGETs, PATH is a\n"
	  "directory and each goes to PATH/<its name>", COMP_FILE, NULL },
	O_KEEP_GOING,
	{ 'n', 'n', "dry-run", NULL, "show what would change, write nothing (as 'diff')", COMP_NONE,
	  NULL },
	O_HIVE,
	O_ALLOW_DIRTY,
	O_PROFILE_DIR,
	O_WORK_DIR,
	{ OPT_LABEL, 0, "label", "LABEL",
	  "(.iso) the new image's volume label (default: the\n"
	  "source's); the image is then rebuilt", COMP_NONE, NULL },
	{ OPT_REBUILD_ISO, 0, "rebuild-iso", NULL,
	  "(.iso) extract the image and write it anew with\n"
	  "genisoimage, instead of copying it and writing only\n"
	  "what changes; needs room for two copies", COMP_NONE, NULL },
	{ OPT_SPLIT_SWM, 0, "split-swm", "SIZE",
	  "(.iso) split install.wim into install.swm,\n"
	  "install2.swm, ... of at most SIZE bytes (K, M, G\n"
	  "suffixes: 1024-based), e.g. 4000M for FAT32", COMP_NONE, NULL },
	O_LEVEL,
	O_THREADS,
	{ OPT_PLAIN_REPLACE, 0, "plain-replace", NULL,
	  "put hives back into WIMs as new files: faster, but\n"
	  "loses their security descriptor, attributes, short\n"
	  "name, named streams, hard links and times", COMP_NONE, NULL },
	{ OPT_REBUILD, 0, "rebuild", NULL,
	  "rewrite each WIM whole and rename it into place\n"
	  "(reclaims the space appends leave) instead of\n"
	  "appending; needs room for a second copy", COMP_NONE, NULL },
	O_WAIT,
	O_JSON,
	O_FORMAT,
	{ OPT_UNDO, 0, "undo-file", "FILE", "write a .reg file that reverses the changes",
	  COMP_FILE, NULL },
	{ OPT_UTF16, 0, "utf16", NULL, "write the undo file in UTF-16LE with BOM, as regedit",
	  COMP_NONE, NULL },
	RUNLOG_OPTIONS,
	{ 0 },
};

static const struct cli_option diff_options[] = {
	O_PROFILE, O_DEFINE, O_IMAGE, O_HIVE, O_ALLOW_DIRTY, O_PROFILE_DIR, O_WORK_DIR, O_KEEP_GOING,
	O_WAIT,
	O_JSON, O_FORMAT, RUNLOG_OPTIONS, { 0 },
};

#define WRITES_NOTHING "diff writes nothing"
static const struct cli_refusal diff_refusals[] = {
	{ "output", WRITES_NOTHING "; 'apply -o PATH' writes the result to a new file" },
	{ "dry-run", "diff is always a dry run" },
	{ "undo-file", WRITES_NOTHING ", so there is nothing to undo; give it to apply" },
	{ "utf16", "it is the encoding of apply's --undo-file" },
	{ "label", WRITES_NOTHING ": --label names the image apply -o writes" },
	{ "split-swm", WRITES_NOTHING ": --split-swm splits the install.wim apply -o writes" },
	{ "compression-level", WRITES_NOTHING ": it is the level of the data apply writes" },
	{ "threads", WRITES_NOTHING ": it is the number of apply's compressor threads" },
	{ "plain-replace", WRITES_NOTHING ": it says how apply puts hives back" },
	{ "rebuild", WRITES_NOTHING ": it says how apply writes a WIM" },
	{ "rebuild-iso", WRITES_NOTHING ": it says how apply writes an .iso image" },
	{ NULL },
};

#define TARGET_TEXT \
	"TARGET is an extracted installation tree (with sources/boot.wim), an\n" \
	".iso image of one, a .wim/.esd file, or a bare registry hive file.\n"
#define EXIT_TEXT \
	"Exit status:\n" \
	"  0  success; nothing left to change\n" \
	"  1  changes are pending (diff, --dry-run)\n" \
	"  2  usage error          3  profile error\n" \
	"  4  input error (missing/malformed target, image, hive or key)\n" \
	"  5  write or verification error, or a target in use by\n" \
	"     another wimpatch run (inputs are left intact)\n" \
	"  6  internal error\n" \
	"  7  no rule of the profiles applies to a TARGET: it holds\n" \
	"     nothing they edit (see --hive, -i WIM:IMAGE)\n"

/* Everything the command line says. */
struct args {
	bool diff;
	const char **profiles, **images, **dirs;
	size_t n_profiles, n_images, n_dirs, a_profiles, a_images, a_dirs;
	struct profile_param *params;
	size_t n_params, a_params;
	bool reg, utf16, keep_going;
	const char *out_dir;		/* several targets with -o: their outputs go here */
	const char *undo_file;
	struct patch_args pa;	/* -o, -n and the options undo has too */
};

/* A size in bytes with an optional K, M or G (1024-based; "KiB", "MB"
 * and the like are read the same), at least 4 KiB (a bare "4000" is more
 * likely meant as megabytes than as bytes). */
static int parse_size_opt(const char *name, const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	unsigned shift = 0;
	if (end != s && *end) {
		switch (*end == 'k' ? 'K' : *end) {
		case 'K':
			shift = 10;
			break;
		case 'M':
			shift = 20;
			break;
		case 'G':
			shift = 30;
			break;
		default:
			shift = 99;
		}
		end++;
		if (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0)
			end += strlen(end);
	}
	if (end == s || *end || errno || s[0] == '-' || shift == 99 ||
	    v > (UINT64_MAX >> shift) || (v << shift) < 4096) {
		msg_error("%s: '%s' is not a size of at least 4K (e.g. 4000M)", name, s);
		return -1;
	}
	*out = (uint64_t)v << shift;
	return 0;
}

static int push(const char ***arr, size_t *n, size_t *alloc, const char *s)
{
	if (!ARRAY_GROW(*arr, *n + 1, *alloc)) {
		msg_error("out of memory");
		return -1;
	}
	(*arr)[(*n)++] = s;
	return 0;
}

/* -D NAME=VALUE: the name is copied, the value points into argv. */
static int add_param(struct args *a, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		msg_error("-D %s: expected NAME=VALUE", arg);
		return -1;
	}
	size_t len = (size_t)(eq - arg);
	for (size_t i = 0; i < a->n_params; i++) {
		if (strncmp(a->params[i].name, arg, len) == 0 && a->params[i].name[len] == '\0') {
			msg_error("-D %.*s given twice", (int)len, arg);
			return -1;
		}
	}
	char *name = strndup(arg, len);
	if (!name || !ARRAY_GROW(a->params, a->n_params + 1, a->a_params)) {
		free(name);
		msg_error("out of memory");
		return -1;
	}
	a->params[a->n_params++] = (struct profile_param){ .name = name, .value = eq + 1 };
	return 0;
}

static int on_option(int id, const char *arg, void *ctx)
{
	struct args *a = ctx;

	switch (id) {
	case 'p':
		return push(&a->profiles, &a->n_profiles, &a->a_profiles, arg);
	case 'i':
		return push(&a->images, &a->n_images, &a->a_images, arg);
	case 'D':
		return add_param(a, arg);
	case 'o':
		if (a->pa.po.output) {
			msg_error("-o given twice (%s, %s): a run has one output (a directory "
				  "for several targets)", a->pa.po.output, arg);
			return -1;
		}
		a->pa.po.output = arg;
		return 0;
	case OPT_KEEP_GOING:
		a->keep_going = true;
		return 0;
	case 'n':
		a->pa.po.dry_run = true;
		return 0;
	case OPT_PROFILE_DIR:
		return push(&a->dirs, &a->n_dirs, &a->a_dirs, arg);
	case OPT_FORMAT:
		a->reg = strcmp(arg, "reg") == 0;
		if (!a->reg && strcmp(arg, "text") != 0) {
			msg_error("--format: '%s' is not text or reg", arg);
			return -1;
		}
		return 0;
	case OPT_UNDO:
		a->undo_file = arg;
		return 0;
	case OPT_UTF16:
		a->utf16 = true;
		return 0;
	case OPT_PLAIN_REPLACE:
		a->pa.po.plain_replace = true;
		return 0;
	case OPT_LABEL:
		a->pa.po.iso_label = arg;
		return 0;
	case OPT_SPLIT_SWM:
		return parse_size_opt("--split-swm", arg, &a->pa.po.split_swm);
	case OPT_REBUILD:
		a->pa.po.rebuild = true;
		return 0;
	case OPT_REBUILD_ISO:
		a->pa.po.rebuild_iso = true;
		return 0;
	}
	int r = patchopts_option(&a->pa, id, arg);
	if (r != 0)
		return r < 0 ? -1 : 0;
	return runlog_option(id, arg) ? -1 : 0;
}

static bool dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool empty = true;

	if (!d)
		return false;
	while (empty && (e = readdir(d)))
		empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
	closedir(d);
	return empty;
}

/* An output is never overwritten; a tree may go into an empty directory.
 * True (said) if `out` is taken. */
static bool output_exists(const char *out, const char *target)
{
	struct stat st, ts;
	bool tree = stat(target, &ts) == 0 && S_ISDIR(ts.st_mode);

	if (lstat(out, &st) < 0 || (tree && S_ISDIR(st.st_mode) && dir_is_empty(out)))
		return false;
	msg_error("%s: already exists; wimpatch does not overwrite an output "
		  "(remove it, or patch in place without -o)", out);
	return true;
}

/* Several targets with -o DIR: DIR must be a directory, and no two
 * targets may have the same name in it. */
static int check_out_dir(struct args *a, int n_targets, char *const *targets)
{
	struct stat st;

	if (stat(a->pa.po.output, &st) < 0 || !S_ISDIR(st.st_mode)) {
		msg_error("-o %s: with several targets, -o names an existing directory for their "
			  "outputs", a->pa.po.output);
		return -1;
	}
	for (int i = 0; i < n_targets; i++) {
		if (!*path_base(targets[i])) {
			msg_error("%s: name it without a trailing '/' to give its output a name in %s",
				  targets[i], a->pa.po.output);
			return -1;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(path_base(targets[i]), path_base(targets[j])) == 0) {
				msg_error("%s and %s would both be written to %s/%s", targets[j],
					  targets[i], a->pa.po.output, path_base(targets[i]));
				return -1;
			}
	}
	a->out_dir = a->pa.po.output;
	a->pa.po.output = NULL;
	return 0;
}

/* What the options say together; 0, or -1 after saying why not. */
static int check_args(struct args *a, int n_targets, char *const *targets)
{
	if (a->n_profiles == 0) {
		msg_error("no profile given (-p NAME or -p FILE.xml)");
		return -1;
	}
	if (n_targets == 0) {
		msg_error("no target given");
		return -1;
	}
	if (a->pa.po.output && a->pa.po.dry_run)
		a->pa.po.output = NULL;	/* nothing is written anyway */
	if (a->pa.po.output && n_targets > 1 && check_out_dir(a, n_targets, targets) < 0)
		return -1;
	if (a->pa.po.output && output_exists(a->pa.po.output, targets[0]))
		return -1;
	if (a->pa.json && a->reg) {
		msg_error("--json and --format=reg cannot be used together");
		return -1;
	}
	if (a->reg && !a->pa.po.dry_run) {
		msg_error("--format=reg describes pending changes: use it with diff or --dry-run "
			  "(apply writes the reverse with --undo-file)");
		return -1;
	}
	if (a->undo_file && a->pa.po.dry_run) {
		msg_error("--undo-file goes with apply: a dry run changes nothing to undo");
		return -1;
	}
	return 0;
}

/* Load every -p into `plan`; a -D that no profile declares is a typo,
 * not something to ignore.  Returns an exit status. */
static int load_plan(struct args *a, struct plan *plan, struct profile_path *pp)
{
	if (paths_init(pp, a->dirs, a->n_dirs) < 0)
		return EXIT_INTERNAL;
	pp->params = a->params;
	pp->n_params = a->n_params;
	for (size_t i = 0; i < a->n_profiles; i++)
		if (profile_load(plan, a->profiles[i], pp) < 0)
			return EXIT_PROFILE;
	for (size_t i = 0; i < a->n_params; i++) {
		if (!a->params[i].used) {
			msg_error("-D %s: no profile given declares a parameter '%s'",
				  a->params[i].name, a->params[i].name);
			return EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < plan->n_profiles; i++)
		msg_verbose("profile %s (%s)", plan->profiles[i].name, plan->profiles[i].file);
	return EXIT_OK;
}

/* What a signal would leave: the targets, the one in progress, and the
 * files of it already committed (on_committed). */
static struct {
	char **argv;
	int first, cur, argc;
	const char *undo_file;
	bool undo_failed;	/* an undo record could not be written */
	size_t n_written;
	bool whole;		/* the target itself is what was written */
	char written[2048];	/* " to OUTPUT", or "FILE, FILE (to OUTPUT)" */
} note;

/* What the target in progress is now. */
static const char *current_state(char *buf, size_t len)
{
	const char *undo = !note.undo_file ? ""
			   : note.undo_failed ? " (its undo record could not be written in full)"
					      : " (what undoes it is in the undo file)";

	if (!note.n_written)
		return "unchanged (interrupted)";
	if (note.whole)
		snprintf(buf, len, "written%s (interrupted after its commit point)%s", note.written,
			 undo);
	else
		snprintf(buf, len, "partly written: %s written%s, the rest unchanged (interrupted)",
			 note.written, undo);
	return buf;
}

/* If a signal stops the run, say what it leaves: each target finished,
 * written (committed: interrupted while it was read back, say), partly written
 * (a tree), unchanged or not started; running the same command again
 * completes the job. */
static void write_interrupt_note(void)
{
	char text[4096], state[2300];
	size_t n = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "\nwimpatch: interrupted while working on %s\n",
			      note.argv[note.cur]);
	for (int i = note.first; i < note.argc && n < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "wimpatch:   %s: %s\n", note.argv[i],
				      i < note.cur ? "finished"
				      : i == note.cur ? current_state(state, sizeof(state))
						      : "not started");
	if (n < sizeof(text))
		snprintf(text + n, sizeof(text) - n,
			 "wimpatch: run the same command again to complete the job\n");
	fs_set_interrupt_note(text);
}

static void set_interrupt_note(char **argv, int first, int cur, int argc)
{
	note.argv = argv;
	note.first = first;
	note.cur = cur;
	note.argc = argc;
	note.n_written = 0;
	note.whole = false;
	note.written[0] = '\0';
	write_interrupt_note();
}

/* patch_opts.committed: a file of the target in progress is the user's
 * now (signals are held back): its undo record is written, and the note
 * a signal prints says so. */
static void on_committed(struct file_report *fr, void *ctx)
{
	size_t n = strlen(note.written);
	const char *out = fr->output;

	sink_file_committed(ctx, fr);
	note.undo_failed = ((struct sink *)ctx)->undo_failed;
	/* The files of a target written whole (an ISO image) come after it. */
	if (note.whole) {
		write_interrupt_note();
		return;
	}
	note.whole = note.n_written++ == 0 && strcmp(fr->path, note.argv[note.cur]) == 0;
	if (note.whole)
		snprintf(note.written, sizeof(note.written), "%s%s", out ? " to " : "", out ? out : "");
	else
		snprintf(note.written + n, sizeof(note.written) - n, "%s%s%s%s%s", n ? ", " : "",
			 fr->path, out ? " (to " : "", out ? out : "", out ? ")" : "");
	write_interrupt_note();
}

static enum wp_err run_target(const char *path, const struct patch_opts *po, struct sink *sink)
{
	const struct target_type *t;
	enum wp_err ret = target_detect(path, &t);

	if (ret != WP_OK)
		return ret;
	if (t->kind != TARGET_ISO && (po->iso_label || po->split_swm)) {
		msg_error("%s: --label and --split-swm are for .iso images", path);
		return WP_ERR_USAGE;
	}
	/* Each kind calls it at its files' commit points (an ISO image: at
	 * the rename of the new image, patch_iso.c). */
	struct patch_opts p = *po;
	p.committed = on_committed;
	p.committed_ctx = sink;
	return t->apply(path, &p, sink_file_done, sink);
}

/* One target: with -o DIR for several, its output is DIR/<its name>,
 * which must not exist yet.  Returns an exit status. */
static int run_one(struct args *a, const char *target, struct sink *sink)
{
	struct patch_opts po = a->pa.po;
	struct msg_where where = { .file = target };
	char *out = NULL;
	enum wp_err ret = WP_OK;

	msg_where_push(&where);
	sink->target = target;
	if (a->out_dir) {
		if (!(out = path_join(a->out_dir, path_base(target)))) {
			msg_error("out of memory");
			ret = WP_ERR_INTERNAL;
		} else if (output_exists(out, target)) {
			ret = WP_ERR_USAGE;
		}
		po.output = out;
	}
	if (ret == WP_OK)
		ret = run_target(target, &po, sink);
	msg_where_pop(&where);
	sink_target_done(sink, ret);
	free(out);
	return exit_status(ret);
}

/* The plan over every target, in order, stopping at the first failure
 * (unless --keep-going).
 * Returns an exit status. */
static int run_targets(struct args *a, const struct plan *plan, struct sink *sink, int argc,
		       char **argv, int first)
{
	struct wim_settings ws = patchopts_wim_settings(&a->pa);
	int ret = EXIT_OK;

	if (wim_init(&ws) != WP_OK)
		return EXIT_INTERNAL;
	a->pa.po.plan = plan;
	a->pa.po.images = a->images;
	a->pa.po.n_images = a->n_images;
	a->pa.po.reg_report = a->reg;
	a->pa.po.reg_undo = a->undo_file != NULL;
	note.undo_file = a->undo_file;
	for (int i = first; i < argc && (ret == EXIT_OK || a->keep_going); i++) {
		set_interrupt_note(argv, first, i, argc);
		int r = run_one(a, argv[i], sink);
		ret = exit_worst(r, ret);
	}
	fs_set_interrupt_note("");
	if (ret == EXIT_OK && sink->pending)
		ret = EXIT_PENDING;
	wim_cleanup();
	return ret;
}

static void args_free(struct args *a)
{
	free(a->profiles);
	free(a->images);
	free(a->dirs);
	for (size_t i = 0; i < a->n_params; i++)
		free((char *)a->params[i].name);
	free(a->params);
}

/* The command line read and the sinks open: -1 to go on, else the exit
 * status to end with (after --help, a usage error, a sink that failed). */
static int prepare(const struct cli_command *cmd, int argc, char **argv, struct args *a,
		   struct sink *sink, int *first)
{
	int ret = opt_parse(cmd, argc, argv, on_option, a, first);

	if (ret >= 0 || (ret = runlog_start(argc, argv)) >= 0)
		return ret;
	if (check_args(a, argc - *first, argv + *first) < 0)
		return opt_usage_error(cmd);
	ret = sink_open(sink, cmd->name, a->pa.po.dry_run, a->pa.json, a->reg, a->undo_file, a->utf16,
			a->pa.po.wait);
	return ret == EXIT_OK ? -1 : sink_close(sink, ret);
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct args a = { .diff = strcmp(cmd->name, "diff") == 0, .pa = PATCH_ARGS_INIT };
	struct sink sink = { 0 };
	struct profile_path pp = { 0 };
	struct plan plan;
	int first, ret;

	a.pa.po.dry_run = a.diff;
	if ((ret = prepare(cmd, argc, argv, &a, &sink, &first)) >= 0) {
		args_free(&a);
		return runlog_end(ret);
	}
	plan_init(&plan);
	profile_init();
	ret = load_plan(&a, &plan, &pp);
	if (ret == EXIT_OK)
		ret = run_targets(&a, &plan, &sink, argc, argv, first);
	plan_free(&plan);
	paths_free(&pp);
	profile_cleanup();
	ret = sink_close(&sink, ret);
	args_free(&a);
	return runlog_end(ret);
}

const struct cli_command cli_apply = {
	.name = "apply",
	.summary = "apply profiles to WIM/ESD files or hives (in place or -o)",
	.usage = "[OPTIONS] -p PROFILE [-p PROFILE...] TARGET...",
	.description = "Apply the profiles to each TARGET, in place unless -o is given.\n" TARGET_TEXT,
	.epilogue = EXIT_TEXT,
	.options = apply_options,
	.operands = COMP_FILE,
	.setup = CMD_SIGNALS,
	.run = run,
};

const struct cli_command cli_diff = {
	.name = "diff",
	.summary = "show what profiles would change; write nothing",
	.usage = "[OPTIONS] -p PROFILE [-p PROFILE...] TARGET...",
	.description = "Show what the profiles would change in each TARGET; write nothing.\n" TARGET_TEXT,
	.epilogue = EXIT_TEXT,
	.options = diff_options,
	.refusals = diff_refusals,
	.operands = COMP_FILE,
	.setup = CMD_SIGNALS,
	.run = run,
};

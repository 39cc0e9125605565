/*
 * cmd_apply.c - "wimpatch apply" and "wimpatch diff": load the profiles
 * into a plan, then run it over each target in turn.
 *
 * diff is apply with --dry-run; both print the same report, and diff's exit
 * status says whether anything would change.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/commands.h"
#include "util/cpus.h"
#include "cli/exit.h"
#include "util/fsutil.h"
#include "adapters/hive.h"
#include "adapters/iso.h"
#include "util/msg.h"
#include "targets/targets.h"
#include "profiles/profile_path.h"
#include "profiles/profile.h"
#include "util/progress.h"
#include "core/regfile.h"
#include "adapters/json_report.h"
#include "adapters/wim.h"

#define DEFAULT_COMPRESSION_LEVEL 20
/* LZMS (ESD) writes about a third faster at 10 than at 20, for 2-3 % more
 * added bytes: 10 is its fast default. */
#define DEFAULT_LZMS_LEVEL 10

enum { OPT_HIVE = 256, OPT_ALLOW_DIRTY, OPT_PROFILE_DIR, OPT_LEVEL, OPT_THREADS, OPT_PLAIN_REPLACE,
       OPT_JSON, OPT_FORMAT, OPT_UNDO, OPT_UTF16, OPT_REBUILD,
       OPT_WORK_DIR, OPT_LABEL, OPT_SPLIT_SWM };

static const struct option long_opts[] = {
	{ "profile", required_argument, NULL, 'p' },
	{ "define", required_argument, NULL, 'D' },
	{ "image", required_argument, NULL, 'i' },
	{ "output", required_argument, NULL, 'o' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "hive", required_argument, NULL, OPT_HIVE },
	{ "allow-dirty", no_argument, NULL, OPT_ALLOW_DIRTY },
	{ "profile-dir", required_argument, NULL, OPT_PROFILE_DIR },
	{ "compression-level", required_argument, NULL, OPT_LEVEL },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "plain-replace", no_argument, NULL, OPT_PLAIN_REPLACE },
	{ "rebuild", no_argument, NULL, OPT_REBUILD },
	{ "work-dir", required_argument, NULL, OPT_WORK_DIR },
	{ "label", required_argument, NULL, OPT_LABEL },
	{ "split-swm", required_argument, NULL, OPT_SPLIT_SWM },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "undo-file", required_argument, NULL, OPT_UNDO },
	{ "utf16", no_argument, NULL, OPT_UTF16 },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void usage(FILE *f, bool diff)
{
	fprintf(f,
		"Usage: wimpatch %s [OPTIONS] -p PROFILE [-p PROFILE...] TARGET...\n"
		"\n"
		"%s\n"
		"TARGET is an extracted installation tree (with sources/boot.wim), an\n"
		".iso image of one, a .wim/.esd file, or a bare registry hive file.\n"
		"\n"
		"Options:\n"
		"  -p, --profile NAME|FILE   profile to apply; repeat to apply several in order\n"
		"  -D, --define NAME=VALUE   a value for a profile parameter (repeatable)\n"
		"  -i, --image N|NAME        only this image (repeatable); default: every image\n",
		diff ? "diff" : "apply",
		diff ? "Show what the profiles would change in each TARGET; write nothing."
		     : "Apply the profiles to each TARGET, in place unless -o is given.");
	if (!diff)
		fputs("  -o, --output PATH         write the result to PATH (which must not exist, or\n"
		      "                            for a tree be an empty directory); TARGET is\n"
		      "                            left untouched (one TARGET only)\n"
		      "  -n, --dry-run             show what would change, write nothing (as 'diff')\n",
		      f);
	fputs("      --hive NAME           what a bare hive file is (SYSTEM, SOFTWARE...);\n"
	      "                            default: its file name\n"
	      "      --allow-dirty         edit hives whose transaction logs hold pending changes\n"
	      "      --profile-dir DIR     look for profiles in DIR first (repeatable)\n"
	      "      --work-dir DIR        (.iso) extract into a scratch directory in DIR;\n"
	      "                            default: next to the output (apply) or the image\n",
	      f);
	if (!diff)
		fputs("      --label LABEL         (.iso) the new image's volume label (default: the\n"
		      "                            source's); an .iso is rebuilt: -o is required\n"
		      "      --split-swm SIZE      (.iso) split install.wim into install.swm,\n"
		      "                            install2.swm, ... of at most SIZE bytes (K, M, G\n"
		      "                            suffixes: 1024-based), e.g. 4000M for FAT32\n",
		      f);
	if (!diff)
		fprintf(f,
			"      --compression-level N level for new WIM data (default %d, LZMS %d: fast;\n"
			"                            0 = wimlib's default, up to 100 = smallest)\n"
			"      --threads N           compressor threads (default: usable CPUs)\n"
			"      --plain-replace       put hives back into WIMs as new files: faster, but\n"
			"                            loses their security descriptor, attributes, short\n"
			"                            name, named streams, hard links and times\n"
			"      --rebuild             rewrite each WIM whole and rename it into place\n"
			"                            (reclaims the space appends leave) instead of\n"
			"                            appending; needs room for a second copy\n",
			DEFAULT_COMPRESSION_LEVEL, DEFAULT_LZMS_LEVEL);
	fputs("      --json                print the report as JSON (see wimpatch(1), JSON REPORT)\n"
	      "      --format=text|reg     the report as text (default) or as a .reg file\n"
	      "                            (with diff or --dry-run)\n"
	      "      --undo-file FILE      (apply) write a .reg file that reverses the changes\n"
	      "      --utf16               write the undo file in UTF-16LE with BOM, as regedit\n"
	      "  -q, --quiet               print errors only\n"
	      "  -v, --verbose             explain each decision (control set, images, rules)\n"
	      "  -h, --help                show this help\n"
	      "\n"
	      "Exit status:\n"
	      "  0  success; nothing left to change\n"
	      "  1  changes are pending (diff, --dry-run)\n"
	      "  2  usage error          3  profile error\n"
	      "  4  input error (missing/malformed target, image, hive or key)\n"
	      "  5  write or verification error (inputs are left intact)\n"
	      "  6  internal error\n",
	      f);
}

static int parse_uint_opt(const char *name, const char *s, unsigned max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *end || errno || v > max || s[0] == '-') {
		msg_error("%s: '%s' is not a number from 0 to %u", name, s, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

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

/* Grow-by-one array of strings borrowed from argv. */
static int push(const char ***arr, size_t *n, const char *s)
{
	const char **na = realloc(*arr, (*n + 1) * sizeof(*na));
	if (!na)
		return -1;
	na[(*n)++] = s;
	*arr = na;
	return 0;
}

/* Where file reports go: text on stdout as each file is done, or into
 * the JSON document printed at the end. */
struct sink {
	bool pending;
	struct json_report *json;
	struct regfile_out *reg;	/* --format=reg: the changes as a .reg file */
	struct regfile_out *undo;	/* --undo-file: what reverses them */
};

/* "; boot.wim: image 2 (Microsoft Windows Setup (x64)): Windows/...". */
static void reg_section_comment(struct regfile_out *r, const struct file_report *fr,
				const struct hive_report *h)
{
	char *c = NULL;
	if (h->image)
		(void)!asprintf(&c, "%s: image %d (%s): %s", fr->path, h->image, h->image_name,
				h->hive);
	else
		(void)!asprintf(&c, "%s", fr->path);
	if (c)
		regfile_comment(r, c);
	free(c);
}

static void print_report(const struct file_report *fr, void *ctx)
{
	struct sink *s = ctx;

	for (size_t i = 0; i < fr->n_hives; i++) {
		const struct hive_report *h = &fr->hives[i];
		if (h->changes.n == 0)
			continue;
		if (s->reg) {
			reg_section_comment(s->reg, fr, h);
			regfile_changes(s->reg, h->reg_root, &h->changes);
		}
		if (s->undo && fr->status == FILE_WRITTEN) {
			reg_section_comment(s->undo, fr, h);
			regfile_undo(s->undo, h->reg_root, &h->changes);
		}
	}
	if (s->json)
		json_report_add_file(s->json, fr);
	else if (!s->reg && msg_verbosity >= VERB_NORMAL)
		report_print(stdout, fr);
	if (fr->status == FILE_PENDING)
		s->pending = true;
}

static void json_error(const char *message, void *ctx)
{
	json_report_add_error(ctx, message);
}

/* -D NAME=VALUE: the name is copied, the value points into argv. */
static int add_param(struct profile_param **arr, size_t *n, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg) {
		msg_error("-D %s: expected NAME=VALUE", arg);
		return -1;
	}
	for (size_t i = 0; i < *n; i++) {
		if (strncmp((*arr)[i].name, arg, (size_t)(eq - arg)) == 0 &&
		    (*arr)[i].name[eq - arg] == '\0') {
			msg_error("-D %.*s given twice", (int)(eq - arg), arg);
			return -1;
		}
	}
	struct profile_param *na = realloc(*arr, (*n + 1) * sizeof(*na));
	if (!na)
		return -1;
	*arr = na;
	na[*n].name = strndup(arg, (size_t)(eq - arg));
	na[*n].value = eq + 1;
	na[*n].used = false;
	if (!na[*n].name)
		return -1;
	(*n)++;
	return 0;
}

static enum wp_err run_target(const char *target, const struct patch_opts *po, struct sink *sink)
{
	struct file_report fr = { 0 };
	struct stat st;
	enum wp_err ret;

	if (stat(target, &st) < 0) {
		msg_error("%s: %s", target, strerror(errno));
		return WP_ERR_INPUT;
	}
	if (S_ISDIR(st.st_mode)) {
		ret = patch_tree(target, po, print_report, sink);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		msg_error("%s: not a regular file", target);
		return WP_ERR_INPUT;
	}
	if (!wim_file_is_wim(target) && !hive_file_is_regf(target) && iso_file_is_iso(target))
		return patch_iso(target, po, print_report, sink);
	if (po->iso_label || po->split_swm) {
		msg_error("%s: --label and --split-swm are for .iso images", target);
		return WP_ERR_USAGE;
	}
	if (!(fr.path = strdup(target)) || (po->output && !(fr.output = strdup(po->output)))) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	if (wim_file_is_wim(target)) {
		ret = patch_wim(target, po, &fr);
	} else if (hive_file_is_regf(target) && bcdfile_is_store(target)) {
		ret = patch_bcd_file(target, BCD_STORE_ANY, po, &fr);
	} else if (hive_file_is_regf(target)) {
		ret = patch_hive_file(target, po, &fr);
	} else {
		msg_error("%s: not a WIM/ESD archive or a registry hive", target);
		ret = WP_ERR_INPUT;
	}
	if (ret == WP_OK)
		print_report(&fr, sink);
	file_report_free(&fr);
	return ret;
}

/* If a signal stops a multi-file run, say which files are done: each is
 * either finished or untouched, and running the same command again
 * completes the job. */
static void set_interrupt_note(char **argv, int first, int cur, int argc)
{
	char note[4096];
	size_t n = 0;

	note[0] = '\0';
	n += (size_t)snprintf(note + n, sizeof(note) - n, "\nwimpatch: interrupted while working on %s\n",
			      argv[cur]);
	for (int i = first; i < argc && n < sizeof(note); i++)
		n += (size_t)snprintf(note + n, sizeof(note) - n, "wimpatch:   %s: %s\n", argv[i],
				      i < cur ? "finished" : i == cur ? "unchanged (interrupted)"
								      : "not started");
	if (n < sizeof(note))
		snprintf(note + n, sizeof(note) - n,
			 "wimpatch: run the same command again to complete the job\n");
	fs_set_interrupt_note(note);
}

static int run(int argc, char **argv, bool diff)
{
	const char **profiles = NULL, **images = NULL, **dirs = NULL;
	size_t n_profiles = 0, n_images = 0, n_dirs = 0, n_params = 0;
	struct profile_param *params = NULL;
	struct sink sink = { 0 };
	bool json = false, reg = false, utf16 = false;
	const char *undo_file = NULL;
	struct patch_opts po = { 0 };
	unsigned level = DEFAULT_COMPRESSION_LEVEL, threads = 0;
	bool level_given = false;
	int c, ret = EXIT_USAGE;

	po.dry_run = diff;
	while ((c = getopt_long(argc, argv, diff ? "p:D:i:qvh" : "p:D:i:o:nqvh", long_opts, NULL)) != -1) {
		int r = 0;
		switch (c) {
		case 'p':
			r = push(&profiles, &n_profiles, optarg);
			break;
		case 'i':
			r = push(&images, &n_images, optarg);
			break;
		case 'D':
			if (add_param(&params, &n_params, optarg) < 0)
				goto usage;
			break;
		case 'o':
			po.output = optarg;
			break;
		case 'n':
			po.dry_run = true;
			break;
		case OPT_HIVE:
			po.hive_name = optarg;
			break;
		case OPT_ALLOW_DIRTY:
			po.allow_dirty = true;
			break;
		case OPT_PROFILE_DIR:
			r = push(&dirs, &n_dirs, optarg);
			break;
		case OPT_LEVEL:
			if (diff || parse_uint_opt("--compression-level", optarg, 1000, &level) < 0)
				goto usage;
			level_given = true;
			break;
		case OPT_THREADS:
			if (diff || parse_uint_opt("--threads", optarg, 1024, &threads) < 0)
				goto usage;
			break;
		case OPT_JSON:
			json = true;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "reg") == 0) {
				reg = true;
			} else if (strcmp(optarg, "text") != 0) {
				msg_error("--format: '%s' is not text or reg", optarg);
				goto usage;
			}
			break;
		case OPT_UNDO:
			undo_file = optarg;
			break;
		case OPT_UTF16:
			utf16 = true;
			break;
		case OPT_PLAIN_REPLACE:
			if (diff)
				goto usage;
			po.plain_replace = true;
			break;
		case OPT_WORK_DIR:
			po.work_dir = optarg;
			break;
		case OPT_LABEL:
			if (diff)
				goto usage;
			po.iso_label = optarg;
			break;
		case OPT_SPLIT_SWM:
			if (diff || parse_size_opt("--split-swm", optarg, &po.split_swm) < 0)
				goto usage;
			break;
		case OPT_REBUILD:
			if (diff)
				goto usage;
			po.rebuild = true;
			break;
		case 'q':
			msg_verbosity = VERB_QUIET;
			break;
		case 'v':
			msg_verbosity = VERB_VERBOSE;
			break;
		case 'h':
			usage(stdout, diff);
			ret = EXIT_OK;
			goto out;
		default:
			goto usage;
		}
		if (r < 0) {
			msg_error("out of memory");
			ret = EXIT_INTERNAL;
			goto out;
		}
	}
	if (n_profiles == 0) {
		msg_error("no profile given (-p NAME or -p FILE.xml)");
		goto usage;
	}
	if (optind >= argc) {
		msg_error("no target given");
		goto usage;
	}
	if (po.output && po.dry_run)
		po.output = NULL;	/* nothing is written anyway */
	if (po.output && argc - optind != 1) {
		msg_error("-o takes exactly one target");
		goto usage;
	}
	if (po.output) {
		/* An output is never overwritten; a tree may go into an empty
		 * directory. */
		struct stat st, ts;
		bool tree = stat(argv[optind], &ts) == 0 && S_ISDIR(ts.st_mode);
		if (lstat(po.output, &st) == 0 && !(tree && S_ISDIR(st.st_mode) && dir_is_empty(po.output))) {
			msg_error("%s: already exists; wimpatch does not overwrite an output "
				  "(remove it, or patch in place without -o)", po.output);
			goto usage;
		}
	}

	if (json && reg) {
		msg_error("--json and --format=reg cannot be used together");
		goto usage;
	}
	if (reg && !po.dry_run) {
		msg_error("--format=reg describes pending changes: use it with diff or --dry-run "
			  "(apply writes the reverse with --undo-file)");
		goto usage;
	}
	if (undo_file && po.dry_run) {
		msg_error("--undo-file goes with apply: a dry run changes nothing to undo");
		goto usage;
	}
	if (reg && !(sink.reg = regfile_stream(stdout))) {
		ret = EXIT_INTERNAL;
		goto out;
	}
	if (undo_file && !(sink.undo = regfile_create(undo_file, utf16))) {
		ret = EXIT_WRITE;
		goto out;
	}
	if (json) {
		/* From here on every error also goes into the document. */
		if (!(sink.json = json_report_new(diff ? "diff" : "apply", po.dry_run))) {
			ret = EXIT_INTERNAL;
			goto out;
		}
		msg_set_error_sink(json_error, sink.json);
	}
	struct profile_path pp;
	struct plan plan;
	plan_init(&plan);
	profile_init();
	if (paths_init(&pp, dirs, n_dirs) < 0) {
		ret = EXIT_INTERNAL;
		goto out;
	}
	pp.params = params;
	pp.n_params = n_params;
	ret = EXIT_OK;
	for (size_t i = 0; i < n_profiles && ret == EXIT_OK; i++)
		if (profile_load(&plan, profiles[i], &pp) < 0)
			ret = EXIT_PROFILE;
	/* A -D that no profile declares is a typo, not something to ignore. */
	for (size_t i = 0; i < n_params && ret == EXIT_OK; i++) {
		if (!params[i].used) {
			msg_error("-D %s: no profile given declares a parameter '%s'",
				  params[i].name, params[i].name);
			ret = EXIT_USAGE;
		}
	}
	if (ret == EXIT_OK) {
		for (size_t i = 0; i < plan.n_profiles; i++)
			msg_verbose("profile %s (%s)", plan.profiles[i].name, plan.profiles[i].file);
		struct wim_settings ws = {
			.threads = threads ? threads : cpus_usable(),
			.compression_level = (int)level,
			.lzms_level = level_given ? 0 : DEFAULT_LZMS_LEVEL,
		};
		if (wim_init(&ws) != WP_OK)
			ret = EXIT_INTERNAL;
	}
	if (ret == EXIT_OK) {
		po.plan = &plan;
		po.images = images;
		po.n_images = n_images;
		fs_install_signal_cleanup();
		progress_init();
		for (int i = optind; i < argc && ret == EXIT_OK; i++) {
			set_interrupt_note(argv, optind, i, argc);
			ret = exit_status(run_target(argv[i], &po, &sink));
		}
		fs_set_interrupt_note("");
		if (ret == EXIT_OK && sink.pending)
			ret = EXIT_PENDING;
		wim_cleanup();
	}
	plan_free(&plan);
	paths_free(&pp);
	profile_cleanup();
	/* The undo file covers every file that was written, also when a later
	 * one failed. */
	if (sink.undo && regfile_close(sink.undo) < 0 && ret == EXIT_OK)
		ret = EXIT_WRITE;
	sink.undo = NULL;
	if (sink.reg)
		regfile_close(sink.reg);
	sink.reg = NULL;
	if (sink.json) {
		msg_set_error_sink(NULL, NULL);
		json_report_finish(sink.json, ret, stdout);
	}
	goto out;
usage:
	fprintf(stderr, "Try 'wimpatch %s --help'.\n", diff ? "diff" : "apply");
	ret = EXIT_USAGE;
out:
	if (sink.undo)
		regfile_close(sink.undo);
	if (sink.reg)
		regfile_close(sink.reg);
	free(profiles);
	free(images);
	free(dirs);
	for (size_t i = 0; i < n_params; i++)
		free((char *)params[i].name);
	free(params);
	return ret;
}

int cmd_apply(int argc, char **argv)
{
	return run(argc, argv, false);
}

int cmd_diff(int argc, char **argv)
{
	return run(argc, argv, true);
}

/*
 * cmd_show.c - "wimpatch show TARGET...": an inventory of what a medium,
 * WIM or hive holds now, and which images are exposed to the iSCSI
 * crash-dump blue screen (targets/show.c).  Reads only.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>

#include "adapters/json_report.h"
#include "adapters/wim.h"
#include "cli/commands.h"
#include "cli/exit.h"
#include "cli/runlog.h"
#include "core/plan.h"
#include "profiles/profile.h"
#include "profiles/profile_path.h"
#include "core/show_report.h"
#include "targets/target.h"
#include "util/msg.h"

enum { OPT_WORK_DIR = 256, OPT_JSON };

static const struct cli_option show_options[] = {
	{ OPT_WORK_DIR, 0, "work-dir", "DIR",
	  "(.iso) extract its WIMs and BCD stores into a\n"
	  "scratch directory in DIR; default: next to the image", COMP_DIR, NULL },
	{ OPT_JSON, 0, "json", NULL, "print what is found as one JSON document (see\n"
	  "wimpatch(1), JSON REPORT)", COMP_NONE, NULL },
	RUNLOG_OPTIONS,
	{ 0 },
};

static const struct cli_refusal show_refusals[] = {
	{ "profile", "show takes no profiles: it shows what a target holds now "
		     "('diff -p PROFILE' shows what one would change)" },
	{ "output", "show writes nothing" },
	{ NULL },
};

struct show_args {
	struct show_opts o;
	bool json;
	/* The profiles there are, loaded when a hive asks (available()). */
	bool loaded;
	struct plan plan;
};

/* Every profile of the search path, loaded once.  Quietly: show takes no
 * profiles, so one that does not load is not its error ('wimpatch
 * profiles' says why). */
static const struct plan *available(void *ctx)
{
	struct show_args *a = ctx;
	struct profile_path pp;

	if (a->loaded)
		return &a->plan;
	a->loaded = true;
	plan_init(&a->plan);
	profile_init();
	if (paths_init(&pp, NULL, 0) < 0)
		return NULL;
	pp.sample_params = true;
	msg_thread_silence(true);
	profile_load_all(&a->plan, &pp);
	msg_thread_silence(false);
	paths_free(&pp);
	return &a->plan;
}

static int on_option(int id, const char *arg, void *ctx)
{
	struct show_args *a = ctx;
	switch (id) {
	case OPT_WORK_DIR:
		a->o.work_dir = arg;
		return 0;
	case OPT_JSON:
		a->json = true;
		return 0;
	}
	return runlog_option(id, arg) ? -1 : 0;
}

static void print_shown(const struct shown *s, void *ctx)
{
	(void)ctx;
	shown_print(stdout, s);
}

/* One target, its errors named after it; in the JSON document, its
 * errors get the kind of failure it ended with. */
static enum wp_err show_target(const char *path, const struct show_opts *o,
			       struct json_report *j)
{
	const struct target_type *t;
	struct msg_where about = { .file = path };
	enum wp_err ret;

	msg_where_push(&about);
	ret = target_detect(path, &t);
	if (ret == WP_OK)
		ret = t->show(path, o);
	msg_where_pop(&about);
	if (j) {
		json_report_errors_code(j, wp_err_name(ret));
		json_report_end_target(j);
	}
	return ret;
}

static int show_targets(const struct cli_command *cmd, int argc, char **argv, int first,
			const struct show_opts *o, struct json_report *j)
{
	struct wim_settings ws = { .threads = 1 };
	int ret = EXIT_OK;

	if (first >= argc) {
		msg_error("no target given");
		return opt_usage_error(cmd);
	}
	if (wim_init(&ws) != WP_OK)
		return EXIT_INTERNAL;
	for (int i = first; i < argc && ret == EXIT_OK; i++)
		ret = exit_status(show_target(argv[i], o, j));
	wim_cleanup();
	return ret;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct show_args a = { .o = { .done = print_shown, .available = available } };
	struct json_report *j = NULL;
	int first, ret = opt_parse(cmd, argc, argv, on_option, &a, &first);

	if (ret >= 0 || (ret = runlog_start(argc, argv)) >= 0)
		return ret;
	a.o.available_ctx = &a;
	/* From here on every error goes into the document too. */
	if (a.json) {
		if (!(j = json_report_new_show()))
			return EXIT_INTERNAL;
		msg_set_error_sink(json_report_error, j);
		a.o.done = json_report_add_shown;
		a.o.ctx = j;
	}
	ret = show_targets(cmd, argc, argv, first, &a.o, j);
	if (a.loaded) {
		plan_free(&a.plan);
		profile_cleanup();	/* after wimlib, which uses libxml2 too */
	}
	if (j) {
		msg_set_error_sink(NULL, NULL);
		json_report_errors_code(j, exit_status_kind(ret));
		json_report_finish(j, ret, stdout);
	}
	return runlog_end(ret);
}

const struct cli_command cli_show = {
	.name = "show",
	.summary = "show what a medium, WIM or hive holds now; write nothing",
	.usage = "[-qv] [--json] [--work-dir DIR] [--progress=MODE] [--log FILE] TARGET...",
	.description =
		"Show what TARGET holds now: for each WIM its images (index, name,\n"
		"edition, build, architecture, role) and, for each image, the settings\n"
		"the shipped profiles change (current control set, CrashDumpEnabled,\n"
		"BFE boot-time filters, PagingFiles, msiscsi), and whether the image is\n"
		"exposed to the iSCSI crash-dump blue screen.  Writes nothing.\n"
		"For BCD stores: the default loader, its debug setting and {dbgsettings}.\n"
		"TARGET is an installation tree, an .iso image of one, a .wim/.esd\n"
		"file, a BCD store or a registry hive (its kind, by its keys; for a\n"
		"SYSTEM hive the settings above, for others the rules of the\n"
		"profiles in the search path that could edit it).  For an .iso, its WIMs and BCD\n"
		"stores are extracted into a scratch directory next to it (or in\n"
		"--work-dir DIR), removed afterwards.  --json prints the same as one\n"
		"JSON document, errors included.\n",
	.epilogue = "Exit status: 0 shown, 2 usage error, 4 input error, 5 no scratch space.\n",
	.options = show_options,
	.refusals = show_refusals,
	.operands = COMP_FILE,
	.setup = CMD_SIGNALS,
	.run = run,
};

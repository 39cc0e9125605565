/*
 * cmd_show.c - "wimpatch show TARGET...": an inventory of what a medium,
 * WIM or hive holds now, and which images are exposed to the iSCSI
 * crash-dump blue screen (targets/show.c).  Reads only.
 */
#include "config.h"

#include <stdio.h>

#include "adapters/wim.h"
#include "cli/commands.h"
#include "cli/exit.h"
#include "targets/target.h"
#include "util/msg.h"

enum { OPT_WORK_DIR = 256 };

static const struct cli_option show_options[] = {
	{ OPT_WORK_DIR, 0, "work-dir", "DIR",
	  "(.iso) extract its WIMs and BCD stores into a\n"
	  "scratch directory in DIR; default: next to the image", COMP_DIR, NULL },
	{ 0 },
};

static const struct cli_refusal show_refusals[] = {
	{ "profile", "show takes no profiles: it shows what a target holds now "
		     "('diff -p PROFILE' shows what one would change)" },
	{ "output", "show writes nothing" },
	{ NULL },
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct show_opts *o = ctx;
	if (id != OPT_WORK_DIR)
		return -1;
	o->work_dir = arg;
	return 0;
}

static enum wp_err show_target(const char *path, const struct show_opts *o)
{
	const struct target_type *t;
	enum wp_err ret = target_detect(path, &t);
	return ret == WP_OK ? t->show(path, o) : ret;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct show_opts o = { 0 };
	struct wim_settings ws = { .threads = 1 };
	int first, ret = opt_parse(cmd, argc, argv, on_option, &o, &first);

	if (ret >= 0)
		return ret;
	if (first >= argc) {
		msg_error("no target given");
		return opt_usage_error(cmd);
	}
	if (wim_init(&ws) != WP_OK)
		return EXIT_INTERNAL;
	ret = EXIT_OK;
	for (int i = first; i < argc && ret == EXIT_OK; i++)
		ret = exit_status(show_target(argv[i], &o));
	wim_cleanup();
	return ret;
}

const struct cli_command cli_show = {
	.name = "show",
	.summary = "show what a medium, WIM or hive holds now; write nothing",
	.usage = "[-qv] [--work-dir DIR] TARGET...",
	.description =
		"Show what TARGET holds now: for each WIM its images (index, name,\n"
		"edition, build, architecture, role) and, for each image, the settings\n"
		"the shipped profiles change (current control set, CrashDumpEnabled,\n"
		"BFE boot-time filters, PagingFiles, msiscsi), and whether the image is\n"
		"exposed to the iSCSI crash-dump blue screen.  Writes nothing.\n"
		"For BCD stores: the default loader, its debug setting and {dbgsettings}.\n"
		"TARGET is an installation tree, an .iso image of one, a .wim/.esd\n"
		"file, a BCD store or a SYSTEM hive.  For an .iso, its WIMs and BCD\n"
		"stores are extracted into a scratch directory next to it (or in\n"
		"--work-dir DIR), removed afterwards.\n",
	.epilogue = "Exit status: 0 shown, 2 usage error, 4 input error, 5 no scratch space.\n",
	.options = show_options,
	.refusals = show_refusals,
	.operands = COMP_FILE,
	.setup = CMD_SIGNALS,
	.run = run,
};

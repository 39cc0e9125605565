/*
 * main.c - wimpatch: patch Windows installation media offline.
 *
 * The data flow, from here to the bytes on disk (HACKING.md says more):
 *   cli/        the command table below, each command's option table
 *               (options.c), the report sinks (sink.c), exit statuses
 *               (exit.c: the only place an internal error becomes one)
 *   profiles/   XML profiles (libxml2) -> a plan of rules (core/plan.h)
 *   targets/    what a path is (target.c) and the kind's apply or show:
 *               an ISO image (patch_iso.c, iso_media.c) or a tree
 *               (patch_tree.c, tree.c, media.c) -> its WIMs and BCD
 *               stores; a WIM's images (patch_wim.c) or a bare hive
 *               (patch_hive.c) -> hives, edited in memory (engine.c) or
 *               as BCD stores (bcd*.c) -> a list of changes (core/change.h)
 *               -> written to a fresh file, read back and verified
 *               (hivefile.c) -> put back into the WIM
 *   adapters/   wimlib (wim*.c), hivex (hive.c), libntfs-3g (ntfsvol.c),
 *               json-c (json_report.c), ISO images and their tools (iso.c)
 *   core/       the project's own types: values, plans, changes, reports,
 *               .reg files, the error enum
 *   util/       messages, crash-safe file steps, subprocesses, arrays
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "adapters/json_report.h"
#include "adapters/wim.h"
#include "cli/commands.h"
#include "cli/complete.h"
#include "cli/exit.h"
#include "profiles/profile.h"
#include "util/clock.h"
#include "util/fsutil.h"

const struct cli_command *const cli_commands[] = {
	&cli_apply, &cli_diff, &cli_undo, &cli_show, &cli_query, &cli_profiles, &cli_validate, NULL,
};

static void usage(FILE *f)
{
	fputs("Usage: wimpatch COMMAND [OPTIONS] ...\n"
	      "       wimpatch --version | --help\n"
	      "\n"
	      "Patch Windows installation media offline: registry edits inside the\n"
	      "images of boot.wim and install.wim/esd, bcdedit edits of the BCD stores,\n"
	      "files of the medium and of its images, the boot prompt and the editions\n"
	      "kept, driven by XML profiles.  A target is an .iso image, an extracted\n"
	      "installation tree, a .wim/.esd (or split .swm) file, a BCD store or a\n"
	      "bare registry hive.\n"
	      "\nCommands:\n",
	      f);
	for (size_t i = 0; cli_commands[i]; i++)
		fprintf(f, "  %-10s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
	fputs("\nRun 'wimpatch COMMAND --help' for a command's options.\n"
	      "Example: wimpatch apply -p iscsi-boot sources/boot.wim sources/install.wim\n",
	      f);
}

static void version(void)
{
	printf("wimpatch %s\n", PACKAGE_VERSION);
	printf("wimlib %s, hivex %s (built with), %s, json-c %s\n", wim_library_version(),
	       HIVEX_BUILD_VERSION, profile_library_version(), json_library_version());
}

static int run(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		version();
		return EXIT_OK;
	}
	if (strcmp(argv[1], "__complete") == 0)
		return cli_complete(argc, argv);
	const struct cli_command *cmd = cli_find_command(argv[1]);
	if (cmd) {
		/* Checked before any work, so that a bad value stops the run
		 * before anything is written with some other time. */
		if (clock_init() < 0)
			return EXIT_USAGE;
		if (cmd->setup & CMD_SIGNALS)
			fs_install_signal_cleanup();
		return cmd->run(cmd, argc - 1, argv + 1);
	}
	fprintf(stderr, "wimpatch: error: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	return exit_after_output(run(argc, argv));
}

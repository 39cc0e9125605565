/*
 * main.c - wimpatch: patch Windows installation media offline.
 *
 * The data flow, from here to the bytes on disk:
 *   profiles (profile.c) -> a plan of rules (plan.h)
 *   -> each target: a WIM's images (patch_wim.c) or a bare hive (patch_hive.c)
 *   -> each hive: rules applied in memory (engine.c on hive.c), a change list
 *   -> written to a fresh file, read back and verified (hivefile.c)
 *   -> put back into the WIM and written once per file (wim.c)
 *   -> reported (report.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/exit.h"
#include "profiles/profile.h"
#include "adapters/wim.h"

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "apply", cmd_apply, "apply profiles to WIM/ESD files or hives (in place or -o)" },
	{ "diff", cmd_diff, "show what profiles would change; write nothing" },
	{ "show", cmd_show, "show what a medium, WIM or hive holds now; write nothing" },
	{ "profiles", cmd_profiles, "list the available profiles, or show one" },
	{ "validate", cmd_validate, "check profile files against the schema" },
};

static void usage(FILE *f)
{
	fputs("Usage: wimpatch COMMAND [OPTIONS] ...\n"
	      "       wimpatch --version | --help\n"
	      "\n"
	      "Patch Windows installation media offline: registry edits inside the\n"
	      "images of boot.wim and install.wim/esd, driven by XML profiles.\n"
	      "\nCommands:\n",
	      f);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun 'wimpatch COMMAND --help' for a command's options.\n"
	      "Example: wimpatch apply -p iscsi-boot sources/boot.wim sources/install.wim\n",
	      f);
}

static void version(void)
{
	printf("wimpatch %s\n", PACKAGE_VERSION);
	printf("wimlib %s, hivex %s (built with), %s\n", wim_library_version(), HIVEX_BUILD_VERSION,
	       profile_library_version());
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return exit_after_output(EXIT_OK);
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		version();
		return exit_after_output(EXIT_OK);
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return exit_after_output(commands[i].fn(argc - 1, argv + 1));
	fprintf(stderr, "wimpatch: error: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}

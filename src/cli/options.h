/*
 * options.h - a command's options in one table.  getopt's arguments, the
 * --help text and the bash completion (wimpatch __complete) are all made
 * from it, so the three cannot disagree; an option of another command is
 * refused with the reason it does not apply.
 *
 * -q, -v and -h are every command's and are handled here.
 */
#ifndef WIMPATCH_OPTIONS_H
#define WIMPATCH_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>

/* What the shell offers for an option's argument or a command's operands. */
enum opt_complete {
	COMP_NONE,		/* a value: nothing to offer */
	COMP_FILE,
	COMP_DIR,
	COMP_PROFILE,		/* a profile name or an .xml file */
	COMP_WORDS,		/* one of `words` (space-separated) */
	COMP_PARAM,		/* NAME= of the parameters of the -p profiles on the line */
	COMP_IMAGE,		/* an image of the targets on the line (-i) */
};

struct cli_option {
	int id;			/* what the handler is given: the short letter, or >= 256 */
	char short_name;	/* 0 for none */
	const char *long_name;
	const char *arg;	/* "NAME|FILE" if it takes an argument, NULL for a flag */
	const char *help;	/* '\n' separates the lines; the first stands beside it */
	enum opt_complete complete;
	const char *words;	/* COMP_WORDS */
};

/* An option of other commands that this one refuses, and why. */
struct cli_refusal {
	const char *long_name;
	const char *reason;
};

/* What main sets up before a command runs (what depends on the command's
 * options, such as wimlib's settings, the command sets up itself). */
enum {
	/* Scratch files and external programs are cleaned up on SIGINT,
	 * SIGTERM and SIGHUP (util/fsutil.h): for commands that make them. */
	CMD_SIGNALS = 1,
};

struct cli_command {
	const char *name;
	const char *summary;		/* one line, for wimpatch --help */
	const char *usage;		/* after "wimpatch NAME " */
	const char *description;	/* before the options, lines ending in '\n' */
	const char *epilogue;		/* after them (exit statuses), or NULL */
	const struct cli_option *options;	/* ends with { 0 } */
	const struct cli_refusal *refusals;	/* ends with { NULL }; may be NULL */
	enum opt_complete operands;
	unsigned setup;			/* CMD_* below: what main sets up first */
	/* Runs the command; returns an exit status (cli/exit.h). */
	int (*run)(const struct cli_command *cmd, int argc, char **argv);
};

/* Every command, in the order --help lists them (main.c). */
extern const struct cli_command *const cli_commands[];
const struct cli_command *cli_find_command(const char *name);

/*
 * Parse argv's options for `cmd`, calling on_option(id, optarg, ctx) for
 * each of its own (a negative return stops with EXIT_USAGE: the handler
 * has said why).  Returns -1 when the operands start at *first, else the
 * exit status to end with: EXIT_OK after --help, EXIT_USAGE after a
 * message for an unknown option, a missing argument or an option that
 * does not apply to this command.
 */
int opt_parse(const struct cli_command *cmd, int argc, char **argv,
	      int (*on_option)(int id, const char *arg, void *ctx), void *ctx, int *first);

/* The --help text. */
void opt_usage(const struct cli_command *cmd, FILE *f);
/* "Try 'wimpatch NAME --help'." on stderr, and EXIT_USAGE. */
int opt_usage_error(const struct cli_command *cmd);

/*
 * For the bash completion: each option as "-s --long KIND" ("-" for no
 * short name; KIND none, file, dir, profile, value or words:a,b), then
 * "operands KIND".  Without a command: the command names.
 */
void opt_print_completion(const struct cli_command *cmd, FILE *f);

#endif

/*
 * exit.h - the exit statuses wimpatch promises pipelines, and the only
 * place where an internal result (core/error.h) becomes one.  Every
 * command uses the same ones; the man page and --help list them.
 */
#ifndef WIMPATCH_EXIT_H
#define WIMPATCH_EXIT_H

#include "core/error.h"

enum {
	EXIT_OK = 0,		/* success; for diff: nothing would change */
	EXIT_PENDING = 1,	/* diff / --dry-run: changes would be made */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_PROFILE = 3,	/* a profile is missing, malformed or invalid */
	EXIT_INPUT = 4,		/* a target is missing, malformed or lacks what a rule needs */
	EXIT_WRITE = 5,		/* writing or verifying the result failed; inputs intact */
	EXIT_INTERNAL = 6,	/* out of memory or a bug */
	EXIT_NO_RULE = 7,	/* no rule of the profiles applies to a target */
	EXIT_ABSENT = 8,	/* query: the key or value is not in (every) hive read */
};

/* The exit status for an internal result. */
int exit_status(enum wp_err e);
/* The worse of two statuses, for runs over several targets: an error
 * (2-6, by its number) over no rule applying (7; query's 8 ranks with
 * it) over pending changes (1) over success. */
int exit_worst(int a, int b);
/* The kind of failure an exit status says (wp_err_name: "input"...), for
 * errors that no target's result accounts for; NULL for 0 and 1. */
const char *exit_status_kind(int status);

/*
 * The status a command's run ends with, once its report is out: a report
 * that did not reach stdout in full (a full disk, a closed pipe) is a
 * write error (EXIT_WRITE, said on stderr), whatever the command found,
 * so that a pipeline never reads a truncated report as success.
 */
int exit_after_output(int status);

#endif

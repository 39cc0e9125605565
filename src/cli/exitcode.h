/*
 * exitcode.h - the exit statuses wimpatch promises pipelines.  Every
 * command uses the same ones; the man page and --help list them.
 */
#ifndef WIMPATCH_EXITCODE_H
#define WIMPATCH_EXITCODE_H

enum {
	EXIT_OK = 0,		/* success; for diff: nothing would change */
	EXIT_PENDING = 1,	/* diff / --dry-run: changes would be made */
	EXIT_USAGE = 2,		/* bad command line */
	EXIT_PROFILE = 3,	/* a profile is missing, malformed or invalid */
	EXIT_INPUT = 4,		/* a target is missing, malformed or lacks what a rule needs */
	EXIT_WRITE = 5,		/* writing or verifying the result failed; inputs intact */
	EXIT_INTERNAL = 6,	/* out of memory or a bug */
};

#endif

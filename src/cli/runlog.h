/*
 * runlog.h - the options apply, diff and show share for long runs:
 * --progress=auto|bar|plain|none (util/progress.h) and --log FILE
 * (util/msglog.h).  Each command puts RUNLOG_OPTIONS at the end of its
 * option table, hands the ids to runlog_option() and calls
 * runlog_start() once its options are read, runlog_end() last.
 */
#ifndef WIMPATCH_RUNLOG_H
#define WIMPATCH_RUNLOG_H

#include "cli/options.h"

/* Ids above every command's own (theirs start at 256). */
enum { OPT_RUNLOG_PROGRESS = 900, OPT_RUNLOG_LOG };

#define RUNLOG_OPTIONS \
	{ OPT_RUNLOG_PROGRESS, 0, "progress", "auto|bar|plain|none", \
	  "how long steps show progress on stderr: a bar,\n" \
	  "dated lines every few seconds (for CI logs) or\n" \
	  "none; auto (default): a bar on a terminal, else none", \
	  COMP_WORDS, "auto bar plain none" }, \
	{ OPT_RUNLOG_LOG, 0, "log", "FILE", \
	  "append every message, -v's included, dated, to FILE", COMP_FILE, NULL }

/* For the refusal tables of the commands without them. */
#define RUNLOG_REFUSALS \
	{ "progress", "it is an option of apply, diff and show (the commands with long steps)" }, \
	{ "log", "it is an option of apply, diff and show" }

/* One of RUNLOG_OPTIONS: 0, -1 after saying why; 1 for any other id. */
int runlog_option(int id, const char *arg);
/* The log opened (its first line: the command line) and the progress
 * mode settled.  -1 when no exit status is due, else the one to end with
 * (EXIT_USAGE: the log cannot be opened, said why). */
int runlog_start(int argc, char **argv);
/* `status` in the log's last line, the log closed; returns `status`. */
int runlog_end(int status);

#endif

/*
 * sink.h - where a run's file reports go: text on stdout as each file is
 * done, a .reg file of the changes (--format=reg) on stdout, the JSON
 * document printed at the end (--json), and the undo file (--undo-file)
 * that reverses what was written.
 *
 * The undo file is the only record of the values a run replaced, so it is
 * never truncated: what undoes a written file goes in front of what the
 * file already holds as soon as that file is written (newest first, so
 * that merging the whole file from the top undoes the runs in reverse
 * order), and a run that writes nothing leaves it alone (and creates
 * none).  Each hive written is a section of its own: a header comment
 * with the target, file, image, role and hive, what the run wrote as
 * "; wrote: " comments, then the old values (cli/undo_file.h reads it
 * back for wimpatch undo).
 */
#ifndef WIMPATCH_SINK_H
#define WIMPATCH_SINK_H

#include <stdbool.h>

#include "core/error.h"
#include "core/report.h"

struct sink {
	bool pending;			/* some file has changes pending (a dry run) */
	struct json_report *json;
	struct regfile_out *reg;
	const char *undo_file;		/* --undo-file (points into argv) */
	const char *target;		/* the TARGET being worked on, for the undo
					   file's section headers (argv) */
	bool utf16;
	bool undo_failed;		/* some of it could not be written */
};

/* Open what was asked for (command "apply" or "diff" for the JSON
 * document); from then on every error also goes into the JSON document.
 * The undo file is locked for the whole run (cli/undo_lock.h), waiting
 * for another run that holds it with `wait` (--wait).  Returns an exit
 * status, EXIT_OK when all is open (EXIT_WRITE: the undo file is in use). */
int sink_open(struct sink *s, const char *command, bool dry_run, bool json, bool reg,
	      const char *undo_file, bool utf16, bool wait);

/* A file's commit point (patch_opts.committed): what undoes it goes into
 * the undo file now, before a signal or a failed read-back can end the
 * run, and not again when its report comes. */
void sink_file_committed(struct sink *s, struct file_report *fr);

/* A target_type report_fn: record one file's report (ctx is the sink). */
void sink_file_done(const struct file_report *fr, void *ctx);

/* One target is done with `result`: the errors it caused are of that kind. */
void sink_target_done(struct sink *s, enum wp_err result);

/* Close everything; the JSON document gets `status` as its exit code.
 * Returns `status`, or EXIT_WRITE when the undo file or the .reg export
 * could not be written in full and nothing worse happened. */
int sink_close(struct sink *s, int status);

#endif

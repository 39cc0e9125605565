/*
 * spawn.h - run an external program (7-Zip, genisoimage, xorriso) as a
 * subprocess.
 *
 * The program is started with an argument vector (fork and exec, never
 * a shell), stdin from /dev/null; its stdout is collected in memory or
 * handed to a callback as it arrives, its stderr is kept for the error
 * messages of the caller.  While it runs it is registered with fsutil.h,
 * so that an interrupting signal kills it before the scratch files it may
 * be writing into are removed; it also dies with wimpatch (parent-death
 * signal).  Any thread may run programs: nothing here is shared between
 * calls but fsutil's list of running children.
 */
#ifndef WIMPATCH_SPAWN_H
#define WIMPATCH_SPAWN_H

#include <stdbool.h>
#include <stddef.h>

struct spawn_io {
	/* Set by the caller (zero: the defaults). */
	const char *program;	/* the file to run; NULL: argv[0], searched in PATH */
	char *const *envp;	/* its environment; NULL: wimpatch's */
	/* Each piece of stdout as it arrives.  A negative return stops the
	 * program (it is killed) and makes spawn_run return -1.  NULL: stdout
	 * is collected into `out`. */
	int (*on_stdout)(const char *buf, size_t n, void *ctx);
	/* Called about once a second while the program runs (NULL: never),
	 * for progress: e.g. the size of the file it is writing. */
	void (*on_tick)(void *ctx);
	void *ctx;		/* for both */

	/* Filled in by spawn_run; release with spawn_io_free. */
	char *out;		/* stdout (without on_stdout), NUL-terminated */
	size_t out_len;
	char *err;		/* the last 64 KiB of stderr, NUL-terminated */
	size_t err_len;
	int status;		/* exit status, or 128 + the signal that ended it */
	char said[700];		/* spawn_said's text */
};

/*
 * Run io->program (or argv[0], looked up in PATH) with `argv`
 * (NULL-terminated) and wait for it; io's output fields are reset.  Returns 0 when it ran to its end, whatever its exit status
 * (see io->status); -1 when it could not be started (reported, naming
 * the program) or on_stdout stopped it (not reported).
 */
int spawn_run(const char *const argv[], struct spawn_io *io);
void spawn_io_free(struct spawn_io *io);

/* The full path of program `name` (which may itself be a path) if it is
 * an executable file, searched in PATH; malloc'd, or NULL. */
char *spawn_find_program(const char *name);

/* What the program said on stderr, for an error message: its non-empty
 * lines joined with "; ", at most about 600 characters (the last ones),
 * or "exit status N" when it said nothing.  Points into `io`; valid until
 * the next call or spawn_io_free. */
const char *spawn_said(struct spawn_io *io);

#endif

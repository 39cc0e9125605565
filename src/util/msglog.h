/*
 * msglog.h - --log FILE: every message of the run (errors, warnings, what
 * -v explains), dated, in a file, whatever -q and -v say for the
 * terminal.  The file is appended to, so that a CI job run again keeps
 * the earlier runs; each run starts with a line giving its command line
 * and wimpatch's version.  msg.c writes every message here.
 */
#ifndef WIMPATCH_MSGLOG_H
#define WIMPATCH_MSGLOG_H

#include <stdbool.h>

/* Open `path` for appending (util/infile.h: no FIFO, device or symbolic
 * link) and write the run's first line, "STAMP wimpatch: run: `header`".
 * 0, or -1 after saying why (msg_error, naming the file). */
int msglog_open(const char *path, const char *header);
/* Is a log open (so that messages -v alone would print are made)? */
bool msglog_on(void);
/* One message, as shown on the terminal ("error: ..."), dated; a
 * failing write is said once on stderr and the log closed. */
void msglog_line(const char *prefix, const char *text);
/* Close it (at the end of the run), after a last line with the exit
 * status. */
void msglog_close(int status);

#endif

/*
 * progress.h - progress of the long steps (copying an image, writing,
 * extracting and checking WIMs, reading an image back, writing one with
 * genisoimage, its SHA-256) on stderr, in one of four modes:
 *
 *   bar    a one-line bar redrawn in place, for a terminal;
 *   plain  dated one-line reports a CI log can keep,
 *          "2026-12-03T14:20:01Z wimpatch: out.iso: copying: 1.2 GiB of
 *          4.6 GiB (26 %)", at most every PROGRESS_PLAIN_EVERY seconds
 *          and once at the end of each step;
 *   none   nothing;
 *   auto   (the default) a bar when stderr is a terminal and not -q,
 *          else nothing, so that pipelines see only the messages.
 *
 * Any thread may report; one step is shown at a time (the latest).
 */
#ifndef WIMPATCH_PROGRESS_H
#define WIMPATCH_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#define PROGRESS_PLAIN_EVERY 5	/* seconds */

/* --progress=WORD: "auto", "bar", "plain" or "none".  0, or -1 after
 * saying (msg_error) what the word should be. */
int progress_set_mode(const char *word);
/* Decide, once the options are read, what auto means here (stderr a
 * terminal, not -q). */
void progress_init(void);
/* Is progress shown at all?  (For work done only to show it.) */
bool progress_shown(void);
/* `step` ("copying", "writing") of `file` (a name as the user knows it)
 * at done of total bytes; total 0: not known.  done == total ends the
 * step's report (its last line says 100 %).  0 of 0: a step whose bytes
 * are not known either (shown by the time it has run), e.g. at each
 * spawn_io.on_tick of a program that says nothing. */
void progress_update(const char *file, const char *step, uint64_t done, uint64_t total);
/* The step is over: the bar erased; in plain mode its last state said if
 * it was not yet. */
void progress_done(void);
/* Erase the bar, if one is drawn, before a message is printed. */
void progress_clear(void);

#endif

/*
 * progress.h - a one-line progress bar on stderr for long WIM writes and
 * extractions.  Shown only when stderr is a terminal and not with -q;
 * pipelines and logs never see it.
 */
#ifndef WIMPATCH_PROGRESS_H
#define WIMPATCH_PROGRESS_H

#include <stdint.h>

/* Decide once whether a bar may be drawn (stderr a terminal, not -q). */
void progress_init(void);
/* "writing boot.wim" at done/total bytes; redrawn at most every 1 %. */
void progress_update(const char *what, uint64_t done, uint64_t total);
/* Erase the bar, if one is drawn. */
void progress_clear(void);

#endif

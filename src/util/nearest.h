/*
 * nearest.h - the nearest of a list of names to a misspelt one, for "did
 * you mean ...?" hints.  Case-insensitive, so "Set-Value" finds
 * "set-value".
 */
#ifndef WIMPATCH_NEAREST_H
#define WIMPATCH_NEAREST_H

#include <stddef.h>

/* Optimal string alignment distance (Levenshtein plus swapping two
 * neighbours), ignoring ASCII case; SIZE_MAX when either string is longer
 * than NEAREST_MAX_LEN, which no name worth suggesting is. */
#define NEAREST_MAX_LEN 64
size_t nearest_distance(const char *a, const char *b);

/* The candidate closest to `word`, or NULL when none is close enough to
 * be a likely typo (at most 1 edit for words of up to 4 characters, 2 up to
 * 10, 3 beyond).  Ties go to the earlier candidate. */
const char *nearest_name(const char *word, const char *const *cands, size_t n);

#endif

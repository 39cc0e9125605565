/*
 * array.h - growable arrays: one way to append, with the capacity kept
 * beside the count and doubled as it fills (git's ALLOC_GROW).
 *
 *	struct x *v = NULL; size_t n = 0, alloc = 0;
 *	if (!ARRAY_GROW(v, n + 1, alloc)) ...out of memory...
 *	v[n++] = item;
 *
 * ARRAY_GROW makes room for at least `need` elements and is false, with
 * the array left as it was, when memory runs out or the size overflows.
 */
#ifndef WIMPATCH_ARRAY_H
#define WIMPATCH_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

bool array_grow(void **v, size_t elem_size, size_t need, size_t *alloc);

#define ARRAY_GROW(v, need, alloc) array_grow((void **)&(v), sizeof(*(v)), (need), &(alloc))

/* Free n malloc'd strings and the array holding them (NULL is fine). */
void array_free_strings(char **v, size_t n);

#endif

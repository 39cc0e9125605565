/*
 * hindex.h - an index from 64-bit hashes to positions in an array the
 * caller keeps, for finding names among thousands without a linear scan.
 * Several positions may share a hash: the caller compares the candidates.
 * There is no removal: mark the array's element as gone and skip it.
 *
 *	struct hindex ix = { 0 };
 *	if (hindex_add(&ix, hash_nocase(name), n) < 0) ...out of memory...
 *	size_t it = 0, pos;
 *	while ((pos = hindex_next(&ix, hash_nocase(name), &it)) != HINDEX_END)
 *		...compare v[pos] with name...
 *	hindex_free(&ix);
 */
#ifndef WIMPATCH_HINDEX_H
#define WIMPATCH_HINDEX_H

#include <stddef.h>
#include <stdint.h>

#define HINDEX_END SIZE_MAX

struct hindex_slot {
	uint64_t hash;
	size_t pos;		/* HINDEX_END: empty */
};

struct hindex {
	struct hindex_slot *slot;
	size_t cap;		/* a power of two, or 0 */
	size_t n;
};

/* 0, or -1 when memory runs out (the index is left as it was). */
int hindex_add(struct hindex *x, uint64_t hash, size_t pos);
/* The next position added with `hash`, from *iter (start it at 0), or
 * HINDEX_END when there are no more. */
size_t hindex_next(const struct hindex *x, uint64_t hash, size_t *iter);
void hindex_free(struct hindex *x);

/* A hash of `s` (of its first n bytes) that ignores ASCII case, as
 * strcasecmp does. */
uint64_t hash_nocase(const char *s);
uint64_t hash_nocase_n(const char *s, size_t n);
/* A hash of a number (spreads offsets that share their low bits). */
uint64_t hash_u64(uint64_t v);

#endif

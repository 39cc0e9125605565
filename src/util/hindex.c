/* hindex.c - hash index with open addressing; see hindex.h. */
#include "config.h"

#include <stdlib.h>

#include "util/hindex.h"

/* Linear probing from the hash's home slot; kept at most half full, so
 * that a run of occupied slots stays short. */
static int grow(struct hindex *x)
{
	size_t cap = x->cap ? x->cap * 2 : 64;
	if (cap > SIZE_MAX / sizeof(*x->slot))
		return -1;
	struct hindex_slot *s = malloc(cap * sizeof(*s));
	if (!s)
		return -1;
	for (size_t i = 0; i < cap; i++)
		s[i].pos = HINDEX_END;
	for (size_t i = 0; i < x->cap; i++) {
		if (x->slot[i].pos == HINDEX_END)
			continue;
		size_t j = (size_t)x->slot[i].hash & (cap - 1);
		while (s[j].pos != HINDEX_END)
			j = (j + 1) & (cap - 1);
		s[j] = x->slot[i];
	}
	free(x->slot);
	x->slot = s;
	x->cap = cap;
	return 0;
}

int hindex_add(struct hindex *x, uint64_t hash, size_t pos)
{
	if ((x->n + 1) * 2 > x->cap && grow(x) < 0)
		return -1;
	size_t j = (size_t)hash & (x->cap - 1);
	while (x->slot[j].pos != HINDEX_END)
		j = (j + 1) & (x->cap - 1);
	x->slot[j].hash = hash;
	x->slot[j].pos = pos;
	x->n++;
	return 0;
}

/* *iter counts the slots probed so far, so a search resumes where it
 * stopped; the run ends at the first empty slot. */
size_t hindex_next(const struct hindex *x, uint64_t hash, size_t *iter)
{
	if (x->cap == 0)
		return HINDEX_END;
	while (*iter < x->cap) {
		const struct hindex_slot *s = &x->slot[((size_t)hash + *iter) & (x->cap - 1)];
		++*iter;
		if (s->pos == HINDEX_END)
			break;
		if (s->hash == hash)
			return s->pos;
	}
	*iter = x->cap;
	return HINDEX_END;
}

void hindex_free(struct hindex *x)
{
	free(x->slot);
	x->slot = NULL;
	x->cap = x->n = 0;
}

/* FNV-1a over the lower-cased bytes, then mixed (hash_u64) so that the
 * low bits, which pick the slot, depend on every byte. */
uint64_t hash_nocase_n(const char *s, size_t n)
{
	uint64_t h = UINT64_C(14695981039346656037);
	for (const unsigned char *p = (const unsigned char *)s; n-- && *p; p++) {
		unsigned char c = *p >= 'A' && *p <= 'Z' ? (unsigned char)(*p + 32) : *p;
		h = (h ^ c) * UINT64_C(1099511628211);
	}
	return hash_u64(h);
}

uint64_t hash_nocase(const char *s)
{
	return hash_nocase_n(s, SIZE_MAX);
}

/* The finaliser of MurmurHash3 (public domain): every input bit affects
 * every output bit. */
uint64_t hash_u64(uint64_t v)
{
	v ^= v >> 33;
	v *= UINT64_C(0xff51afd7ed558ccd);
	v ^= v >> 33;
	v *= UINT64_C(0xc4ceb9fe1a85ec53);
	v ^= v >> 33;
	return v;
}

/*
 * sha256.h - SHA-256 (FIPS 180-4), for the digest of a written image that
 * the JSON report gives, so that a pipeline can check what it copies
 * without reading the image again itself.  No library wimpatch links has
 * one it exports.
 */
#ifndef WIMPATCH_SHA256_H
#define WIMPATCH_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;			/* hashed so far */
	unsigned char block[64];	/* the partial block */
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* The digest as 64 lower-case hex digits and a NUL. */
void sha256_final(struct sha256 *s, char hex[65]);

/* The digest of a whole file, and its size.  Returns 0, or -1 with errno
 * set (nothing reported). */
int sha256_file(const char *path, char hex[65], uint64_t *size);

#endif

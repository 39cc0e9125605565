/*
 * sha256.h - SHA-256 digests of what wimpatch writes (the digest of a new
 * image that the JSON report gives, so that a pipeline can check what it
 * copies without reading the image again itself), by libcrypto
 * (OpenSSL): it uses the CPU's SHA instructions where there are, some
 * eight times the speed of portable code, which matters for a 5 GiB image.
 */
#ifndef WIMPATCH_SHA256_H
#define WIMPATCH_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	void *ctx;		/* libcrypto's; NULL after a failure */
};

/* init allocates (a later final frees, whatever happened); a failure
 * (no memory) shows as a digest of "" from final. */
void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
/* The digest as 64 lower-case hex digits and a NUL ("" on failure). */
void sha256_final(struct sha256 *s, char hex[65]);

/* The digest of a whole file (from its start, through `fd` for the
 * second), and its size; the first shows its progress (util/progress.h).
 * Returns 0, or -1 with errno set (nothing reported). */
int sha256_file(const char *path, char hex[65], uint64_t *size);
int sha256_fd(int fd, char hex[65], uint64_t *size);

#endif

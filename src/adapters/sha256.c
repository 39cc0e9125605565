/* sha256.c - SHA-256 by libcrypto; see sha256.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/sha256.h"
#include "util/progress.h"

void sha256_init(struct sha256 *s)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(c);
		c = NULL;
	}
	s->ctx = c;
}

void sha256_update(struct sha256 *s, const void *data, size_t n)
{
	if (s->ctx && EVP_DigestUpdate(s->ctx, data, n) != 1) {
		EVP_MD_CTX_free(s->ctx);
		s->ctx = NULL;
	}
}

void sha256_final(struct sha256 *s, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	hex[0] = '\0';
	if (s->ctx && EVP_DigestFinal_ex(s->ctx, md, &len) == 1 && len == 32)
		for (unsigned i = 0; i < len; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(s->ctx);
	s->ctx = NULL;
}

/* The digest of what `fd` holds; `shown` (a file name, or NULL for
 * none) is what its progress is shown as: a 5 GiB image takes seconds. */
static int digest_fd(int fd, const char *shown, char hex[65], uint64_t *size)
{
	enum { CHUNK = 1 << 20 };
	unsigned char *buf = malloc(CHUNK);
	struct sha256 s;
	struct stat st;
	uint64_t off = 0, total = shown && fstat(fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	ssize_t n = 0;

	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	sha256_init(&s);
	while ((n = pread(fd, buf, CHUNK, (off_t)off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		sha256_update(&s, buf, (size_t)n);
		off += (uint64_t)n;
		if (total)
			progress_update(shown, "SHA-256", off, total);
	}
	if (total)
		progress_done();
	int e = errno;
	free(buf);
	sha256_final(&s, hex);
	if (n < 0 || !hex[0]) {
		errno = n < 0 ? e : ENOMEM;
		return -1;
	}
	*size = off;
	return 0;
}

int sha256_fd(int fd, char hex[65], uint64_t *size)
{
	return digest_fd(fd, NULL, hex, size);
}

int sha256_file(const char *path, char hex[65], uint64_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	const char *base = strrchr(path, '/');
	int r = digest_fd(fd, base ? base + 1 : path, hex, size);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

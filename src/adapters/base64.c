/* base64.c - base64 through libcrypto's EVP_EncodeBlock/EVP_DecodeBlock; see base64.h. */
#include "config.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>

#include "adapters/base64.h"

char *base64_encode(const void *data, size_t n)
{
	char *out;

	/* EVP_EncodeBlock takes an int length. */
	if (n > (size_t)INT_MAX / 4 * 3 || !(out = malloc((n + 2) / 3 * 4 + 1)))
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, data, (int)n);
	return out;
}

unsigned char *base64_decode(const char *text, size_t len, size_t *n)
{
	unsigned char *out;

	/* Whole groups of four only: EVP_DecodeBlock would take a cut-short
	 * text for one with zero bytes at its end. */
	if (len % 4 || len > INT_MAX || !(out = malloc(len / 4 * 3 + 1)))
		return NULL;
	int got = len ? EVP_DecodeBlock(out, (const unsigned char *)text, (int)len) : 0;
	if (got < 0) {
		free(out);
		return NULL;
	}
	/* It counts the padding as zero bytes. */
	size_t pad = len && text[len - 1] == '=' ? 1 + (len > 1 && text[len - 2] == '=') : 0;
	*n = (size_t)got - pad;
	return out;
}

char *base64_file(const char *path, size_t size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = malloc(size + 1);
	char *out = NULL;

	/* One byte more than asked: a file grown since is not cut short. */
	if (f && buf && fread(buf, 1, size + 1, f) == size)
		out = base64_encode(buf, size);
	if (f)
		fclose(f);
	free(buf);
	return out;
}

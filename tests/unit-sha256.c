/* unit-sha256.c - adapters/sha256.c (libcrypto) against the FIPS 180-4 example digests,
 * fed whole and in pieces that cross block boundaries, and a file's
 * digest and size. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapters/sha256.h"
#include "tap.h"

static void digest(const char *data, size_t n, size_t piece, char hex[65])
{
	struct sha256 s;
	sha256_init(&s);
	for (size_t off = 0; off < n; off += piece)
		sha256_update(&s, data + off, n - off < piece ? n - off : piece);
	sha256_final(&s, hex);
}

int main(void)
{
	static const struct {
		const char *text, *want;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		/* 56 bytes: the length no longer fits the first block. */
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	char hex[65];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i].text);
		digest(v[i].text, n, n ? n : 1, hex);
		is_str(hex, v[i].want, "\"%s\" whole", v[i].text);
		digest(v[i].text, n, 5, hex);
		is_str(hex, v[i].want, "\"%s\" five bytes at a time", v[i].text);
	}

	size_t million = 1000000;
	char *a = malloc(million);
	if (!a)
		bail_out("malloc");
	memset(a, 'a', million);
	const char *want = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	digest(a, million, million, hex);
	is_str(hex, want, "a million 'a' whole");
	digest(a, million, 63, hex);
	is_str(hex, want, "a million 'a' in 63-byte pieces");

	char path[] = "unit-sha256.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, a, million) != (ssize_t)million || close(fd) != 0)
		bail_out("scratch file");
	uint64_t size = 0;
	is_int(sha256_file(path, hex, &size), 0, "sha256_file reads a file");
	is_str(hex, want, "its digest");
	is_int((long long)size, (long long)million, "its size");
	unlink(path);
	is_int(sha256_file(path, hex, &size), -1, "a missing file is -1");
	free(a);
	return done_testing();
}

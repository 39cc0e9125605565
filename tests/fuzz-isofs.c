/*
 * fuzz-isofs.c - adapters/isofs on hostile images.
 *
 * LLVMFuzzerTestOneInput() takes an image from memory through the reader
 * callback: open, list, remove a file, resize (grow and shrink), commit,
 * free.  Built
 * with -DISOFS_LIBFUZZER and -fsanitize=fuzzer it is a libFuzzer target;
 * otherwise main() replays deterministic mutations of the images named on
 * the command line (tests/isofs.test passes the images it builds): byte
 * flips in the descriptor sectors, the UDF tag of the flipped sector
 * sealed again for half of them so that the parsers behind the tag check
 * see the hostile bytes too.  Any crash, leak or sanitizer report fails;
 * refusals are the expected outcome.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/isofs.h"
#include "adapters/isofs_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct img {
	const uint8_t *d;
	uint64_t sectors;
};

static int img_read(void *ctx, uint64_t lba, size_t n, unsigned char *buf)
{
	const struct img *m = ctx;
	if (lba > m->sectors || n > m->sectors - lba)
		return -1;
	memcpy(buf, m->d + lba * SECT, n * SECT);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct img m = { data, size / SECT };
	struct isofs_reader rd = { img_read, &m };
	char why[256];
	struct isofs *fs = isofs_open(&rd, m.sectors, why, sizeof(why));
	if (!fs)
		return 0;
	uint64_t total = 0;
	const char *grow = NULL, *shrink = NULL, *gone = NULL;
	for (size_t i = 0; i < isofs_count(fs); i++) {
		const struct isofs_file *f = isofs_at(fs, i);
		for (size_t k = 0; k < f->n_ext; k++)
			total += f->ext[k].bytes;
		if (!f->dir && !grow)
			grow = f->path;
		else if (!f->dir && !shrink)
			shrink = f->path;
		else if (!f->dir && !gone)
			gone = f->path;
	}
	(void)isofs_find(fs, "SOURCES/BOOT.WIM");
	if (gone)
		isofs_remove(fs, gone, why, sizeof(why));
	isofs_add(fs, "$WinPEDriver$/net/new.inf", 5000, why, sizeof(why));
	isofs_add(fs, "Autounattend.xml", 12, why, sizeof(why));
	if (grow)
		isofs_set_size(fs, grow, isofs_find(fs, grow)->size + 3 * 1024 * 1024 + 7, why, sizeof(why));
	if (shrink)
		isofs_set_size(fs, shrink, isofs_find(fs, shrink)->size / 2, why, sizeof(why));
	struct isofs_patch *p;
	size_t n;
	uint64_t sectors;
	if (isofs_commit(fs, &p, &n, &sectors, why, sizeof(why)) == 0)
		isofs_patches_free(p, n);
	isofs_free(fs);
	return total == UINT64_MAX;	/* (uses total) */
}

#ifndef ISOFS_LIBFUZZER
static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* The sectors worth mutating: the volume descriptors, the UDF sequences,
 * the integrity descriptor, the anchors, the first sectors of the
 * partition (file set, file entries, directories) and the last sector. */
static uint64_t pick_sector(uint64_t sectors)
{
	static const uint64_t fixed[] = { 16, 17, 18, 19, 20, 32, 33, 34, 35, 36, 37, 48, 50, 64, 256 };
	uint64_t r = next() % 4;
	if (r == 0)
		return fixed[next() % (sizeof(fixed) / sizeof(fixed[0]))];
	if (r == 3)
		return sectors - 1 - next() % 2;
	return 257 + next() % 80;
}

static int replay(const char *path, int rounds)
{
	FILE *f = fopen(path, "rb");
	long n;
	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 17 * SECT || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "fuzz-isofs: cannot read %s\n", path);
		return 1;
	}
	uint8_t *orig = malloc((size_t)n), *d = malloc((size_t)n);
	if (!orig || !d || fread(orig, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "fuzz-isofs: cannot read %s\n", path);
		return 1;
	}
	fclose(f);
	uint64_t sectors = (uint64_t)n / SECT;
	LLVMFuzzerTestOneInput(orig, (size_t)n);
	for (int i = 0; i < rounds; i++) {
		memcpy(d, orig, (size_t)n);
		uint64_t s = pick_sector(sectors);
		if (s >= sectors)
			continue;
		unsigned char *sec = d + s * SECT;
		int flips = 1 + (int)(next() % 4);
		for (int k = 0; k < flips; k++) {
			size_t at = next() % 3 ? next() % 512 : next() % SECT;
			sec[at] = next() % 2 ? (unsigned char)next() : sec[at] ^ (unsigned char)(1u << next() % 8);
		}
		if (next() % 2 && get16(sec) >= 1 && get16(sec) <= 266)
			isofs_tag_seal(sec, get32(sec + 12), 0);
		/* Also cut the image short now and then. */
		size_t len = next() % 16 ? (size_t)n : (size_t)(next() % (uint64_t)n);
		LLVMFuzzerTestOneInput(d, len);
	}
	free(orig);
	free(d);
	return 0;
}

int main(int argc, char **argv)
{
	int r = 0;
	const char *env = getenv("FUZZ_ISOFS_ROUNDS");
	int rounds = env ? atoi(env) : 600;
	for (int i = 1; i < argc; i++)
		r |= replay(argv[i], rounds);
	return r;
}
#endif

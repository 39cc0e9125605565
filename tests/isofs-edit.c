/*
 * isofs-edit - drives adapters/isofs.h the way wimpatch's caller will, for
 * tests/isofs.test:
 *
 *   isofs-edit list IMAGE
 *	one line per entry: "d PATH" or "f SIZE PATH", then the volume size
 *   isofs-edit resize IMAGE PATH=FILE...
 *	edits IMAGE in place: gives each PATH the size of FILE, commits,
 *	sizes the image, writes FILE's bytes into PATH's extents, then the
 *	patches; prints "range LBA SECTORS" for every run written (the
 *	extents and the patches) and "size SECTORS" for the new image.
 *	A refusal prints the reason on stderr and exits 2.
 *   isofs-edit add IMAGE PATH=FILE...
 *	the same for new files (isofs_add): each PATH made with FILE's size
 *	and bytes.
 *   isofs-edit resize-sparse IMAGE PATH=SIZE...
 *	the same with sizes instead of files, writing no file data (the
 *	new extents stay holes), for sizes beyond what a test writes.
 */
#define _FILE_OFFSET_BITS 64
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/isofs.h"

static int rd(void *ctx, uint64_t lba, size_t n, unsigned char *buf)
{
	int fd = *(int *)ctx;
	size_t want = n * ISOFS_SECTOR;
	ssize_t got = pread(fd, buf, want, (off_t)(lba * ISOFS_SECTOR));
	return got == (ssize_t)want ? 0 : -1;
}

static int write_all(int fd, const unsigned char *p, size_t n, uint64_t off)
{
	while (n) {
		ssize_t w = pwrite(fd, p, n, (off_t)off);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
		off += (uint64_t)w;
	}
	return 0;
}

/* FILE's bytes into the extents of f. */
static int write_data(int fd, const struct isofs_file *f, const char *file)
{
	FILE *in = fopen(file, "rb");
	unsigned char buf[65536];
	if (!in)
		return -1;
	for (size_t i = 0; i < f->n_ext; i++) {
		uint64_t left = f->ext[i].bytes, off = f->ext[i].lba * ISOFS_SECTOR;
		while (left) {
			size_t k = left < sizeof(buf) ? (size_t)left : sizeof(buf);
			if (fread(buf, 1, k, in) != k || write_all(fd, buf, k, off) != 0) {
				fclose(in);
				return -1;
			}
			left -= k;
			off += k;
		}
		printf("range %" PRIu64 " %" PRIu64 "\n", f->ext[i].lba,
		       (f->ext[i].bytes + ISOFS_SECTOR - 1) / ISOFS_SECTOR);
	}
	fclose(in);
	return 0;
}

static int list(struct isofs *fs)
{
	for (size_t i = 0; i < isofs_count(fs); i++) {
		const struct isofs_file *f = isofs_at(fs, i);
		if (f->dir)
			printf("d %s\n", f->path);
		else
			printf("f %" PRIu64 " %s\n", f->size, f->path);
	}
	printf("volume %" PRIu64 "\n", isofs_volume_sectors(fs));
	return 0;
}

static int resize(struct isofs *fs, int fd, int argc, char **argv, bool sparse, bool add)
{
	char why[512];
	struct isofs_patch *p;
	size_t n;
	uint64_t sectors;
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		struct stat st;
		if (!eq)
			return 1;
		*eq = '\0';
		uint64_t size = sparse ? strtoull(eq + 1, NULL, 10)
				       : (stat(eq + 1, &st) == 0 ? (uint64_t)st.st_size : UINT64_MAX);
		if (size == UINT64_MAX ||
		    (add ? isofs_add(fs, argv[i], size, why, sizeof(why))
			 : isofs_set_size(fs, argv[i], size, why, sizeof(why))) != 0) {
			fprintf(stderr, "isofs-edit: %s: %s\n", argv[i], size == UINT64_MAX ? "cannot stat" : why);
			return 2;
		}
	}
	if (isofs_commit(fs, &p, &n, &sectors, why, sizeof(why)) != 0) {
		fprintf(stderr, "isofs-edit: commit: %s\n", why);
		return 2;
	}
	int r = ftruncate(fd, (off_t)(sectors * ISOFS_SECTOR)) == 0 ? 0 : 1;
	for (int i = 0; i < argc && r == 0 && !sparse; i++)
		if (write_data(fd, isofs_find(fs, argv[i]), argv[i] + strlen(argv[i]) + 1) != 0)
			r = 1;
	for (size_t i = 0; i < n && r == 0; i++) {
		if (write_all(fd, p[i].data, p[i].n_sectors * ISOFS_SECTOR, p[i].lba * ISOFS_SECTOR) != 0)
			r = 1;
		printf("range %" PRIu64 " %zu\n", p[i].lba, p[i].n_sectors);
	}
	printf("size %" PRIu64 "\n", sectors);
	isofs_patches_free(p, n);
	if (r == 0 && fsync(fd) != 0)
		r = 1;
	if (r)
		fprintf(stderr, "isofs-edit: write: %s\n", strerror(errno));
	return r;
}

int main(int argc, char **argv)
{
	char why[512];
	if (argc < 3)
		return 1;
	bool edit = strcmp(argv[1], "list") != 0;
	int fd = open(argv[2], edit ? O_RDWR : O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(argv[2]);
		return 1;
	}
	struct isofs_reader reader = { rd, &fd };
	struct isofs *fs = isofs_open(&reader, (uint64_t)st.st_size / ISOFS_SECTOR, why, sizeof(why));
	if (!fs) {
		fprintf(stderr, "isofs-edit: %s: %s\n", argv[2], why);
		close(fd);
		return 2;
	}
	int r = !edit ? list(fs)
		: resize(fs, fd, argc - 3, argv + 3, strcmp(argv[1], "resize-sparse") == 0,
			 strcmp(argv[1], "add") == 0);
	isofs_free(fs);
	close(fd);
	return r;
}

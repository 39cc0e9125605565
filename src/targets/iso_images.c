/* iso_images.c - the images of an ISO image's WIMs; see iso_images.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/isofs.h"
#include "adapters/wim_xmlnames.h"
#include "targets/iso_images.h"
#include "targets/iso_standin.h"
#include "targets/media.h"

/* Real XML data is some KiB per image; more is no Windows medium's. */
#define MAX_XML ((uint64_t)16 << 20)

static int read_sectors(void *ctx, uint64_t lba, size_t n, unsigned char *buf)
{
	int fd = *(int *)ctx;
	size_t want = n * ISOFS_SECTOR, got = 0;

	while (got < want) {
		ssize_t r = pread(fd, buf + got, want - got, (off_t)(lba * ISOFS_SECTOR + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

struct relay {
	enum role place;
	void (*fn)(enum role, int, const char *, void *);
	void *ctx;
};

static void relay(int index, const char *name, void *ctx)
{
	const struct relay *r = ctx;
	r->fn(r->place, index, name, r->ctx);
}

/* One WIM of the image: its header, then its XML data. */
static void list_wim(int fd, const struct isofs_file *f, enum role place,
		     void (*fn)(enum role, int, const char *, void *), void *ctx)
{
	/* Read through the stand-in reader: the same extent arithmetic. */
	struct iso_standin in = { .size = f->size, .ext = (struct isofs_extent *)f->ext,
				  .n_ext = f->n_ext, .fd = fd };
	unsigned char head[WIM_XMLNAMES_HEADER], *xml;
	uint64_t off, size;
	struct relay r = { place, fn, ctx };

	if (f->size < sizeof(head) || iso_standin_read(&in, 0, head, sizeof(head)) < 0 ||
	    wim_xml_locate(head, sizeof(head), &off, &size) < 0 || size > MAX_XML ||
	    off > f->size || size > f->size - off || !(xml = malloc(size)))
		return;
	if (iso_standin_read(&in, off, xml, size) == 0)
		wim_xml_images(xml, size, relay, &r);
	free(xml);
}

int iso_list_images(const char *iso, void (*fn)(enum role, int, const char *, void *),
		    void *ctx)
{
	/* O_NONBLOCK: target_detect has seen a regular file, but the name
	 * may lead to a FIFO by now. */
	int fd = open(iso, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	char why[256];
	struct isofs *fs;

	if (fd < 0)
		return -1;
	struct isofs_reader rd = { .read = read_sectors, .ctx = &fd };
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    !(fs = isofs_open(&rd, (uint64_t)st.st_size / ISOFS_SECTOR, why, sizeof(why)))) {
		close(fd);
		return -1;
	}
	for (size_t i = 0; i < isofs_count(fs); i++) {
		const struct isofs_file *f = isofs_at(fs, i);
		enum media_kind k;
		if (!f->dir && !f->embedded && media_classify(f->path, &k) && media_kind_is_wim(k) &&
		    k != MEDIA_SPLIT_PART)
			list_wim(fd, f, media_role(k), fn, ctx);
	}
	isofs_free(fs);
	close(fd);
	return 0;
}

/* iso_stamp.c - SOURCE_DATE_EPOCH in an image genisoimage wrote; see
 * iso_stamp.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "adapters/iso_parse.h"
#include "adapters/iso_stamp.h"
#include "util/clock.h"
#include "util/fdio.h"
#include "util/msg.h"

/* Bounds for a walk of the ISO 9660 tree: genisoimage's own output, but
 * a bug must not make it endless. */
#define MAX_DEPTH 255
#define MAX_CE_CHAIN 16

struct img {
	int fd;
	const char *path;
	struct tm tm;		/* the epoch, in UTC */
	uint32_t epoch;		/* its low 32 bits, for the volume set id */
	unsigned long dirs;	/* directories walked */
};

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static enum wp_err bad(const struct img *m, uint32_t lba, const char *what)
{
	msg_error("%s: sector %lu: %s: not laid out as genisoimage writes images, so its dates "
		  "cannot be set to SOURCE_DATE_EPOCH", m->path, (unsigned long)lba, what);
	return WP_ERR_WRITE;
}

static enum wp_err io(struct img *m, uint32_t lba, unsigned char *s, bool write)
{
	off_t off = (off_t)lba * ISO_SECTOR;
	ssize_t n = write ? (pwrite_full(m->fd, s, ISO_SECTOR, off) < 0 ? -1 : ISO_SECTOR)
			  : pread_full(m->fd, s, ISO_SECTOR, off);
	if (n == ISO_SECTOR)
		return WP_OK;
	if (n >= 0)
		return bad(m, lba, "beyond the end of the image");
	msg_error("%s: cannot %s sector %lu: %s", m->path, write ? "write" : "read",
		  (unsigned long)lba, strerror(errno));
	return WP_ERR_WRITE;
}

#define rd(m, lba, s) io(m, lba, s, false)
#define wr(m, lba, s) io(m, lba, s, true)

/* ---- ISO 9660 volume descriptors -------------------------------------- */

/* "YYYYMMDDHHMMSScc" and the offset from GMT in 15-minute units
 * (ECMA-119 8.4.26.1). */
static void put_vd_date(const struct img *m, unsigned char *p)
{
	char buf[80];
	snprintf(buf, sizeof(buf), "%04d%02d%02d%02d%02d%02d00", m->tm.tm_year + 1900,
		 m->tm.tm_mon + 1, m->tm.tm_mday, m->tm.tm_hour, m->tm.tm_min, m->tm.tm_sec);
	memcpy(p, buf, 16);
	p[16] = 0;
}

/* The primary and supplementary descriptors' dates; *root gets the
 * primary's root directory (extent and length). */
static enum wp_err stamp_9660(struct img *m, uint32_t *root, uint32_t *root_len)
{
	unsigned char s[ISO_SECTOR];

	*root = 0;
	for (uint32_t lba = 16; lba < 16 + 64; lba++) {
		enum wp_err r = rd(m, lba, s);
		if (r != WP_OK)
			return r;
		if (memcmp(s + 1, "CD001", 5) != 0 || s[0] == 255)
			break;
		if (s[0] != 1 && s[0] != 2)
			continue;	/* the boot record has no dates */
		put_vd_date(m, s + 813);	/* creation */
		put_vd_date(m, s + 830);	/* modification */
		put_vd_date(m, s + 864);	/* effective; expiration stays unset */
		if (s[0] == 1) {
			if (le16(s + 128) != ISO_SECTOR)
				return bad(m, lba, "a logical block size other than 2048");
			*root = le32(s + 156 + 2);
			*root_len = le32(s + 156 + 10);
		}
		if ((r = wr(m, lba, s)) != WP_OK)
			return r;
	}
	return *root ? WP_OK : bad(m, 16, "no primary volume descriptor");
}

/* ---- Rock Ridge TF entries ---------------------------------------------- */

/* Access and attribute-change times := modification time, in a TF entry
 * of `len` bytes (RRIP 4.1.6: flags, then the times its bits name, in
 * their order, 7 or, with bit 7, 17 bytes each). */
static bool fix_tf(unsigned char *e, unsigned len)
{
	unsigned flags = e[4], size = (flags & 0x80) ? 17 : 7, at = 5;
	unsigned char *when[7] = { NULL };

	for (unsigned bit = 0; bit < 7; bit++)
		if (flags & (1u << bit)) {
			if (at + size > len)
				return false;
			when[bit] = e + at;
			at += size;
		}
	if (!when[1])
		return true;	/* no modification time to copy */
	for (unsigned bit = 2; bit <= 3; bit++)
		if (when[bit])
			memcpy(when[bit], when[1], size);
	return true;
}

struct ce {
	uint32_t lba, off, len;
};

/* The System Use entries in `a` (n bytes): TF fixed, a CE (continuation
 * area) returned in *ce (len 0: none).  false if an entry runs over. */
static bool fix_susp(unsigned char *a, unsigned n, struct ce *ce)
{
	ce->len = 0;
	for (unsigned p = 0; p + 4 <= n;) {
		unsigned l = a[p + 2];
		if (a[p] == 0)
			break;	/* padding */
		if (l < 4 || p + l > n)
			return false;
		if (memcmp(a + p, "TF", 2) == 0 && !fix_tf(a + p, l))
			return false;
		if (memcmp(a + p, "CE", 2) == 0 && l >= 28) {
			ce->lba = le32(a + p + 4);
			ce->off = le32(a + p + 12);
			ce->len = le32(a + p + 20);
		}
		if (memcmp(a + p, "ST", 2) == 0)
			break;
		p += l;
	}
	return true;
}

/* Follow a chain of continuation areas from a record in sector `here`
 * (whose buffer `cur` is written back by the caller). */
static enum wp_err fix_ce_chain(struct img *m, uint32_t here, unsigned char *cur, struct ce ce)
{
	unsigned char s[ISO_SECTOR];

	for (int k = 0; ce.len; k++) {
		if (k == MAX_CE_CHAIN)
			return bad(m, ce.lba, "a chain of Rock Ridge continuation areas too long");
		uint32_t lba = ce.lba + ce.off / ISO_SECTOR, off = ce.off % ISO_SECTOR;
		if (ce.len > ISO_SECTOR - off)
			return bad(m, lba, "a Rock Ridge continuation area across sectors");
		unsigned char *b = lba == here ? cur : s;
		enum wp_err r = b == s ? rd(m, lba, s) : WP_OK;
		if (r != WP_OK)
			return r;
		if (!fix_susp(b + off, ce.len, &ce))
			return bad(m, lba, "a malformed Rock Ridge continuation area");
		if (b == s && (r = wr(m, lba, s)) != WP_OK)
			return r;
	}
	return WP_OK;
}

static enum wp_err walk_dir(struct img *m, uint32_t extent, uint32_t len, int depth);

/* One directory record at s + pos (sector `lba`): its TF entries, and the
 * directory it names. */
static enum wp_err fix_record(struct img *m, uint32_t lba, unsigned char *s, unsigned pos,
			      int depth)
{
	unsigned char *rec = s + pos;
	unsigned rl = rec[0], nl = rec[32];
	unsigned su = 33 + nl + !(nl & 1);	/* the name padded to an even length */
	struct ce ce;

	if (rl < 34 || pos + rl > ISO_SECTOR || su > rl)
		return bad(m, lba, "a malformed directory record");
	if (!fix_susp(rec + su, rl - su, &ce))
		return bad(m, lba, "a malformed Rock Ridge entry");
	enum wp_err r = fix_ce_chain(m, lba, s, ce);
	if (r != WP_OK)
		return r;
	bool dot = nl == 1 && (rec[33] == 0 || rec[33] == 1);
	if ((rec[25] & 2) && !dot)
		return walk_dir(m, le32(rec + 2), le32(rec + 10), depth + 1);
	return WP_OK;
}

static enum wp_err walk_dir(struct img *m, uint32_t extent, uint32_t len, int depth)
{
	unsigned char s[ISO_SECTOR];

	if (depth > MAX_DEPTH || ++m->dirs > 10000000)
		return bad(m, extent, "directories nested too deep or too many");
	for (uint32_t k = 0; k < (len + ISO_SECTOR - 1) / ISO_SECTOR; k++) {
		uint32_t lba = extent + k;
		enum wp_err r = rd(m, lba, s);
		for (unsigned pos = 0; r == WP_OK && pos < ISO_SECTOR && s[pos]; pos += s[pos])
			r = fix_record(m, lba, s, pos, depth);
		if (r == WP_OK)
			r = wr(m, lba, s);
		if (r != WP_OK)
			return r;
	}
	return WP_OK;
}

/* ---- UDF descriptors ---------------------------------------------------- */

/* CRC-ITU-T (x^16 + x^12 + x^5 + 1, initial value 0), as ECMA-167 3/7.2.6
 * defines the descriptor CRC. */
static unsigned crc_itu(const unsigned char *p, size_t n)
{
	unsigned crc = 0;
	for (size_t i = 0; i < n; i++) {
		crc ^= (unsigned)p[i] << 8;
		for (int b = 0; b < 8; b++)
			crc = (crc & 0x8000) ? ((crc << 1) ^ 0x1021) & 0xFFFF : (crc << 1) & 0xFFFF;
	}
	return crc;
}

static unsigned tag_sum(const unsigned char *t)
{
	unsigned sum = 0;
	for (int i = 0; i < 16; i++)
		if (i != 4)
			sum += t[i];
	return sum & 0xFF;
}

/* Is the sector a descriptor with tag `id`, its checksum and CRC right? */
static bool tag_ok(const unsigned char *s, unsigned id)
{
	unsigned crc_len = le16(s + 10);
	return le16(s) == id && s[4] == tag_sum(s) && crc_len <= ISO_SECTOR - 16 &&
	       crc_itu(s + 16, crc_len) == le16(s + 8);
}

static void retag(unsigned char *s)
{
	unsigned crc = crc_itu(s + 16, le16(s + 10));
	s[8] = (unsigned char)crc;
	s[9] = (unsigned char)(crc >> 8);
	s[4] = (unsigned char)tag_sum(s);
}

/* ECMA-167 1/7.3: UTC (type 1, offset 0). */
static void put_udf_time(const struct img *m, unsigned char *p)
{
	unsigned year = (unsigned)m->tm.tm_year + 1900;
	p[0] = 0x00;
	p[1] = 0x10;
	p[2] = (unsigned char)year;
	p[3] = (unsigned char)(year >> 8);
	p[4] = (unsigned char)(m->tm.tm_mon + 1);
	p[5] = (unsigned char)m->tm.tm_mday;
	p[6] = (unsigned char)m->tm.tm_hour;
	p[7] = (unsigned char)m->tm.tm_min;
	p[8] = (unsigned char)m->tm.tm_sec;
	p[9] = p[10] = p[11] = 0;
}

/* A descriptor with tag `id` at `lba` gets the epoch at `at`. */
static enum wp_err stamp_desc(struct img *m, uint32_t lba, unsigned id, unsigned at)
{
	unsigned char s[ISO_SECTOR];
	enum wp_err r = rd(m, lba, s);
	if (r != WP_OK)
		return r;
	if (!tag_ok(s, id))
		return bad(m, lba, id == 9 ? "no logical volume integrity descriptor"
					   : "no file set descriptor");
	put_udf_time(m, s + at);
	retag(s);
	return wr(m, lba, s);
}

struct vds {
	uint32_t part_start, integrity, fsd;	/* from the partition and LV descriptors */
	bool have_part, have_lv;
};

/* The primary volume descriptor: recording date and the volume set
 * identifier, which genisoimage makes of time(2) and clock(3) as 16 hex
 * digits in a dstring (compression ID 8). */
static enum wp_err stamp_udf_pvd(struct img *m, uint32_t lba, unsigned char *s)
{
	unsigned char *vsi = s + 72;
	char hex[17];

	if (vsi[0] != 8 || vsi[127] < 17)
		return bad(m, lba, "an unexpected UDF volume set identifier");
	snprintf(hex, sizeof(hex), "%08lX%08X", (unsigned long)m->epoch, 0u);
	memcpy(vsi + 1, hex, 16);
	put_udf_time(m, s + 376);
	retag(s);
	return wr(m, lba, s);
}

static enum wp_err stamp_vds(struct img *m, uint32_t loc, uint32_t len, struct vds *v)
{
	unsigned char s[ISO_SECTOR];

	for (uint32_t k = 0; k < len / ISO_SECTOR; k++) {
		uint32_t lba = loc + k;
		enum wp_err r = rd(m, lba, s);
		if (r != WP_OK)
			return r;
		unsigned id = le16(s);
		if (!tag_ok(s, id))
			return bad(m, lba, "a damaged UDF volume descriptor");
		if (id == 8)
			return WP_OK;	/* terminating descriptor */
		if (id == 1 && (r = stamp_udf_pvd(m, lba, s)) != WP_OK)
			return r;
		if (id == 5) {
			v->part_start = le32(s + 188);
			v->have_part = true;
		}
		if (id == 6) {
			v->fsd = le32(s + 248 + 4);
			v->integrity = le32(s + 432 + 4);
			v->have_lv = true;
		}
	}
	return WP_OK;
}

static enum wp_err stamp_udf(struct img *m)
{
	unsigned char s[ISO_SECTOR];
	struct vds v = { 0 };

	enum wp_err r = rd(m, 256, s);
	if (r != WP_OK)
		return r;
	if (!tag_ok(s, 2))
		return bad(m, 256, "no UDF anchor volume descriptor pointer");
	uint32_t main_len = le32(s + 16), main_loc = le32(s + 20);
	uint32_t res_len = le32(s + 24), res_loc = le32(s + 28);
	if ((r = stamp_vds(m, main_loc, main_len, &v)) != WP_OK ||
	    (r = stamp_vds(m, res_loc, res_len, &v)) != WP_OK)
		return r;
	if (!v.have_part || !v.have_lv)
		return bad(m, main_loc, "no UDF partition or logical volume descriptor");
	if ((r = stamp_desc(m, v.integrity, 9, 16)) != WP_OK)
		return r;
	return stamp_desc(m, v.part_start + v.fsd, 256, 16);
}

enum wp_err iso_stamp_dates(const char *path)
{
	if (!clock_fixed())
		return WP_OK;
	struct timespec now = wp_now();
	time_t t = now.tv_sec;
	struct img m = { .path = path, .epoch = (uint32_t)t };

	if (!gmtime_r(&t, &m.tm)) {
		msg_error("%s: SOURCE_DATE_EPOCH cannot be shown as a date", path);
		return WP_ERR_USAGE;
	}
	m.fd = open(path, O_RDWR | O_CLOEXEC);
	if (m.fd < 0) {
		msg_error("%s: cannot open the written image: %s", path, strerror(errno));
		return WP_ERR_WRITE;
	}
	uint32_t root, root_len;
	enum wp_err r = stamp_9660(&m, &root, &root_len);
	if (r == WP_OK)
		r = walk_dir(&m, root, root_len, 0);
	if (r == WP_OK)
		r = stamp_udf(&m);
	if (close(m.fd) < 0 && r == WP_OK) {
		msg_error("%s: cannot write the image: %s", path, strerror(errno));
		r = WP_ERR_WRITE;
	}
	return r;
}

/* iso_parse.c - ISO 9660, UDF and El Torito structures from memory; see iso_parse.h. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>

#include "adapters/iso_parse.h"

#define SECTOR ISO_SECTOR

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static unsigned le16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static bool vrs_id(const unsigned char *s, const char *id)
{
	return memcmp(s + 1, id, 5) == 0;
}

bool iso_header_is_iso(const unsigned char *head, size_t n)
{
	const unsigned char *b = head + 16 * SECTOR;
	if (n < 17 * SECTOR)
		return false;
	return vrs_id(b, "CD001") || vrs_id(b, "BEA01") || vrs_id(b, "NSR02") || vrs_id(b, "NSR03");
}

/* Append code point c as UTF-8. */
static void put_utf8(char *out, size_t size, size_t *n, unsigned c)
{
	char u[4];
	size_t k;
	if (c < 0x80) {
		u[0] = (char)c;
		k = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xC0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3F));
		k = 2;
	} else {
		u[0] = (char)(0xE0 | c >> 12);
		u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		u[2] = (char)(0x80 | (c & 0x3F));
		k = 3;
	}
	if (*n + k < size) {
		memcpy(out + *n, u, k);
		*n += k;
		out[*n] = '\0';
	}
}

static void trim_right(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\0'))
		s[--n] = '\0';
}

void iso_parse_cs0(const unsigned char *d, size_t len, char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	if (len < 1)
		return;
	if (d[0] == 8) {
		for (size_t i = 1; i < len; i++)
			put_utf8(out, size, &n, d[i]);
	} else if (d[0] == 16) {
		for (size_t i = 1; i + 1 < len; i += 2)
			put_utf8(out, size, &n, (unsigned)d[i] << 8 | d[i + 1]);
	}
}

/* The next code point of UTF-8 text at *p (advanced), or -1 when the
 * bytes are not UTF-8 of a character of the Basic Multilingual Plane. */
static long utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	unsigned long c;
	int more;
	if (s[0] < 0x80) {
		c = s[0], more = 0;
	} else if ((s[0] & 0xE0) == 0xC0) {
		c = s[0] & 0x1F, more = 1;
	} else if ((s[0] & 0xF0) == 0xE0) {
		c = s[0] & 0x0F, more = 2;
	} else {
		return -1;
	}
	for (int i = 1; i <= more; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		c = c << 6 | (s[i] & 0x3F);
	}
	if ((more == 1 && c < 0x80) || (more == 2 && (c < 0x800 || (c >= 0xD800 && c < 0xE000))))
		return -1;	/* overlong, or a surrogate */
	*p = s + more + 1;
	return (long)c;
}

size_t iso_make_cs0(const char *name, unsigned char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)name;
	bool wide = false;
	size_t n = 0;
	long c;
	while (*p) {
		if ((c = utf8_next(&p)) < 0)
			return 0;
		wide |= c > 0xFF;
		n++;
	}
	size_t len = 1 + n * (wide ? 2 : 1);
	if (n == 0 || len > size)
		return 0;
	out[0] = wide ? 16 : 8;
	p = (const unsigned char *)name;
	for (size_t i = 1; i < len;) {
		c = utf8_next(&p);
		if (wide)
			out[i++] = (unsigned char)(c >> 8);
		out[i++] = (unsigned char)c;
	}
	return len;
}

void iso_parse_ucs2be(const unsigned char *d, size_t len, char *out, size_t size)
{
	size_t n = 0;
	out[0] = '\0';
	for (size_t i = 0; i + 1 < len; i += 2)
		put_utf8(out, size, &n, (unsigned)d[i] << 8 | d[i + 1]);
}

/* A UDF dstring (OSTA compressed unicode): 8 or 16 bits per character,
 * the last byte the used length. */
static void udf_dstring(const unsigned char *d, size_t field, char *out, size_t size)
{
	size_t len = d[field - 1];
	out[0] = '\0';
	if (len < 1 || len > field - 1)
		return;
	iso_parse_cs0(d, len, out, size);
	trim_right(out);
}

static void add_boot(struct iso_info *info, unsigned platform, const unsigned char *e)
{
	if (info->n_boot >= sizeof(info->boot) / sizeof(info->boot[0]))
		return;
	struct iso_boot_entry *b = &info->boot[info->n_boot++];
	b->platform_id = platform;
	b->platform = platform == 0 ? ISO_PLATFORM_BIOS : platform == 0xEF ? ISO_PLATFORM_UEFI
									 : ISO_PLATFORM_OTHER;
	b->bootable = e[0] == 0x88;
	b->no_emulation = (e[1] & 0x0F) == 0;
	b->load_sectors = le16(e + 6);
	b->lba = le32(e + 8);
}

enum iso_vd iso_parse_vd(const unsigned char s[ISO_SECTOR], struct iso_vd_info *out)
{
	memset(out, 0, sizeof(*out));
	if (vrs_id(s, "CD001")) {
		if (s[0] == 1) {
			memcpy(out->label, s + 40, 32);
			out->label[32] = '\0';
			trim_right(out->label);
			unsigned bs = le16(s + 128);
			out->volume_size = (uint64_t)le32(s + 80) * (bs ? bs : SECTOR);
			return ISO_VD_PRIMARY;
		}
		if (s[0] == 0 && memcmp(s + 7, "EL TORITO SPECIFICATION", 23) == 0) {
			out->catalog_lba = le32(s + 0x47);
			return ISO_VD_BOOT;
		}
		return ISO_VD_OTHER_9660;
	}
	if (vrs_id(s, "NSR02") || vrs_id(s, "NSR03"))
		return ISO_VD_NSR;
	if (vrs_id(s, "BEA01") || vrs_id(s, "TEA01") || vrs_id(s, "BOOT2"))
		return ISO_VD_VRS;
	return ISO_VD_END;
}

bool iso_parse_catalog(const unsigned char c[ISO_SECTOR], struct iso_info *info, char *why,
		       size_t why_size)
{
	unsigned sum = 0;

	for (int i = 0; i < 32; i += 2)
		sum += le16(c + i);
	if (c[0] != 1 || c[30] != 0x55 || c[31] != 0xAA || (sum & 0xFFFF) != 0) {
		snprintf(why, why_size, "bad validation entry");
		return false;
	}
	add_boot(info, c[1], c + 32);
	for (size_t off = 64; off + 32 <= SECTOR;) {
		unsigned h = c[off];
		if (h != 0x90 && h != 0x91)
			break;
		unsigned platform = c[off + 1], n = le16(c + off + 2);
		off += 32;
		for (unsigned i = 0; i < n && off + 32 <= SECTOR; i++) {
			add_boot(info, platform, c + off);
			off += 32;
			while (off + 32 <= SECTOR && c[off] == 0x44)	/* extension entries */
				off += 32;
		}
		if (h == 0x91)
			break;
	}
	return true;
}

bool iso_catalog_retarget(unsigned char c[ISO_SECTOR], unsigned platform_id, uint32_t lba,
			  unsigned load_sectors, char *why, size_t why_size)
{
	struct iso_info info = { 0 };
	unsigned char *e = NULL;

	if (!iso_parse_catalog(c, &info, why, why_size))
		return false;
	if (load_sectors > 0xFFFF) {
		snprintf(why, why_size, "a load size of %u sectors does not fit the entry", load_sectors);
		return false;
	}
	/* The walk of iso_parse_catalog, looking for the entry. */
	if (c[1] == platform_id)
		e = c + 32;
	for (size_t off = 64; !e && off + 32 <= SECTOR;) {
		unsigned h = c[off];
		if (h != 0x90 && h != 0x91)
			break;
		unsigned platform = c[off + 1], n = le16(c + off + 2);
		off += 32;
		for (unsigned i = 0; i < n && off + 32 <= SECTOR && !e; i++) {
			if (platform == platform_id)
				e = c + off;
			off += 32;
			while (off + 32 <= SECTOR && c[off] == 0x44)
				off += 32;
		}
		if (h == 0x91)
			break;
	}
	if (!e) {
		snprintf(why, why_size, "the boot catalog has no entry for platform 0x%02X", platform_id);
		return false;
	}
	e[6] = (unsigned char)(load_sectors & 0xFF);
	e[7] = (unsigned char)(load_sectors >> 8);
	for (int i = 0; i < 4; i++)
		e[8 + i] = (unsigned char)(lba >> (8 * i));
	return true;
}

bool iso_parse_udf_anchor(const unsigned char s[ISO_SECTOR], uint32_t *len, uint32_t *loc)
{
	if (le16(s) != 2)
		return false;
	*len = le32(s + 16);
	*loc = le32(s + 20);
	return true;
}

bool iso_parse_udf_vd(const unsigned char s[ISO_SECTOR], char *label, size_t size, uint64_t *end)
{
	unsigned tag = le16(s);
	if (tag == 8)		/* terminating descriptor */
		return false;
	if (tag == 6)		/* logical volume descriptor */
		udf_dstring(s + 84, 128, label, size);
	if (tag == 5) {		/* partition descriptor */
		uint64_t e = ((uint64_t)le32(s + 188) + le32(s + 192)) * SECTOR;
		if (e > *end)
			*end = e;
	}
	return true;
}

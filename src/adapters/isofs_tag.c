/* isofs_tag.c - UDF descriptor tags: checksum and CRC (ECMA-167 3/7.2). */
#include "config.h"

#include <string.h>

#include "adapters/isofs_int.h"

/* CRC-ITU-T (x^16 + x^12 + x^5 + 1), initial 0, most significant bit first,
 * as ECMA-167 3/7.2.6 defines it. */
uint16_t isofs_crc_itu(const unsigned char *p, size_t n)
{
	uint32_t crc = 0;
	for (size_t i = 0; i < n; i++) {
		crc ^= (uint32_t)p[i] << 8;
		for (int b = 0; b < 8; b++)
			crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
		crc &= 0xFFFF;
	}
	return (uint16_t)crc;
}

/* The sum of the tag's bytes but its own checksum byte (3/7.2.3). */
static unsigned char tag_sum(const unsigned char *d)
{
	unsigned s = 0;
	for (int i = 0; i < 16; i++)
		if (i != 4)
			s += d[i];
	return (unsigned char)s;
}

bool isofs_tag_ok(const unsigned char *d, size_t avail, unsigned id, uint32_t loc)
{
	if (avail < 16 || tag_sum(d) != d[4])
		return false;
	if (id && get16(d) != id)
		return false;
	if (loc != ISOFS_ANY_LOC && get32(d + 12) != loc)
		return false;
	size_t crc_len = get16(d + 10);
	if (crc_len && 16 + crc_len <= avail && isofs_crc_itu(d + 16, crc_len) != get16(d + 8))
		return false;
	return 16 + crc_len <= avail;
}

void isofs_tag_seal(unsigned char *d, uint32_t loc, size_t desc_len)
{
	put32(d + 12, loc);
	if (desc_len >= 16)
		put16(d + 10, (uint32_t)(desc_len - 16));
	size_t crc_len = get16(d + 10);
	if (16 + crc_len > SECT) {	/* never past the sector it is in */
		crc_len = SECT - 16;
		put16(d + 10, (uint32_t)crc_len);
	}
	put16(d + 8, isofs_crc_itu(d + 16, crc_len));
	d[4] = tag_sum(d);
}

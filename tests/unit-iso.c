/* unit-iso.c - the ISO 9660 / UDF / El Torito parsers (adapters/iso_parse.c)
 * on sectors built here byte by byte, then on many randomly damaged ones:
 * they must never read out of bounds (the ASan and valgrind runs of make
 * check see that) and always leave their results in bounds. */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "adapters/iso_parse.h"
#include "tap.h"

static void put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, v & 0xFFFF);
	put16(p + 2, v >> 16);
}

static void pvd(unsigned char *s, const char *label, uint32_t blocks)
{
	memset(s, 0, ISO_SECTOR);
	s[0] = 1;
	memcpy(s + 1, "CD001", 5);
	s[6] = 1;
	memset(s + 40, ' ', 32);
	memcpy(s + 40, label, strlen(label));
	put32(s + 80, blocks);
	put16(s + 128, 2048);
}

static void boot_record(unsigned char *s, uint32_t catalog)
{
	memset(s, 0, ISO_SECTOR);
	memcpy(s + 1, "CD001", 5);
	s[6] = 1;
	memcpy(s + 7, "EL TORITO SPECIFICATION", 23);
	put32(s + 0x47, catalog);
}

/* Microsoft's layout: BIOS no-emulation default entry, then a final UEFI
 * section with one entry. */
static void catalog(unsigned char *c)
{
	unsigned sum = 0;
	memset(c, 0, ISO_SECTOR);
	c[0] = 1;		/* validation entry, platform x86 */
	c[30] = 0x55;
	c[31] = 0xAA;
	for (int i = 0; i < 32; i += 2)
		sum += (unsigned)c[i] | (unsigned)c[i + 1] << 8;
	put16(c + 28, (0x10000 - (sum & 0xFFFF)) & 0xFFFF);
	c[32] = 0x88;		/* bootable, no emulation */
	put16(c + 38, 8);
	put32(c + 40, 600);
	c[64] = 0x91;		/* final section header, UEFI, 1 entry */
	c[65] = 0xEF;
	put16(c + 66, 1);
	c[96] = 0x88;
	put32(c + 104, 700);
}

static void udf_lvd(unsigned char *s, const char *label, int bits)
{
	memset(s, 0, ISO_SECTOR);
	put16(s, 6);
	unsigned char *d = s + 84;
	size_t n = strlen(label), k = 1;
	d[0] = (unsigned char)bits;
	for (size_t i = 0; i < n; i++) {
		if (bits == 16)
			d[k++] = 0;
		d[k++] = (unsigned char)label[i];
	}
	d[127] = (unsigned char)k;
}

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

int main(void)
{
	unsigned char s[ISO_SECTOR], head[17 * ISO_SECTOR];
	struct iso_vd_info vd;
	struct iso_info info;
	char why[64], label[129];

	pvd(s, "CCCOMA_X64FRE_EN-US_DV9", 2300000);
	is_int(iso_parse_vd(s, &vd), ISO_VD_PRIMARY, "a primary volume descriptor");
	is_str(vd.label, "CCCOMA_X64FRE_EN-US_DV9", "its label, blanks trimmed");
	ok(vd.volume_size == (uint64_t)2300000 * 2048, "its size: blocks x block size");
	boot_record(s, 27);
	is_int(iso_parse_vd(s, &vd), ISO_VD_BOOT, "El Torito's boot record");
	is_int((int)vd.catalog_lba, 27, "points at the catalog");
	memset(s, 0, sizeof(s));
	memcpy(s + 1, "NSR02", 5);
	is_int(iso_parse_vd(s, &vd), ISO_VD_NSR, "NSR02: UDF");
	memcpy(s + 1, "BEA01", 5);
	is_int(iso_parse_vd(s, &vd), ISO_VD_VRS, "BEA01: the recognition sequence goes on");
	memset(s, 0, sizeof(s));
	is_int(iso_parse_vd(s, &vd), ISO_VD_END, "zeros end the descriptors");

	memset(head, 0, sizeof(head));
	ok(!iso_header_is_iso(head, sizeof(head)), "no descriptor at 32 KiB: not an image");
	memcpy(head + 16 * ISO_SECTOR + 1, "CD001", 5);
	ok(iso_header_is_iso(head, sizeof(head)), "CD001 at 32 KiB: an image");
	ok(!iso_header_is_iso(head, 16 * ISO_SECTOR + 5), "a file too short is none");

	catalog(s);
	memset(&info, 0, sizeof(info));
	ok(iso_parse_catalog(s, &info, why, sizeof(why)), "Microsoft's boot catalog");
	is_int((int)info.n_boot, 2, "two entries");
	ok(info.boot[0].platform == ISO_PLATFORM_BIOS && info.boot[0].bootable &&
		   info.boot[0].no_emulation && info.boot[0].load_sectors == 8 &&
		   info.boot[0].lba == 600, "BIOS, no emulation, 8 sectors at 600");
	ok(info.boot[1].platform == ISO_PLATFORM_UEFI && info.boot[1].lba == 700,
	   "UEFI at 700");
	unsigned char before[ISO_SECTOR];
	memcpy(before, s, sizeof(s));
	ok(iso_catalog_retarget(s, 0xEF, 812, 2880, why, sizeof(why)), "the UEFI entry retargeted");
	memset(&info, 0, sizeof(info));
	ok(iso_parse_catalog(s, &info, why, sizeof(why)), "the catalog still reads (checksum kept)");
	ok(info.boot[1].lba == 812 && info.boot[1].load_sectors == 2880 &&
		   info.boot[1].platform == ISO_PLATFORM_UEFI && info.boot[1].bootable,
	   "UEFI now at 812, 2880 sectors, still bootable");
	ok(info.boot[0].lba == 600 && info.boot[0].load_sectors == 8, "the BIOS entry as it was");
	size_t diff = 0;
	for (size_t i = 0; i < sizeof(s); i++)
		diff += s[i] != before[i];
	is_int((int)diff, 4, "only the entry's load size and block bytes changed (700->812, 0->2880)");
	ok(!iso_catalog_retarget(s, 0x02, 1, 1, why, sizeof(why)), "no entry for that platform: refused");
	is_str(why, "the boot catalog has no entry for platform 0x02", "with the reason");
	ok(!iso_catalog_retarget(s, 0xEF, 1, 70000, why, sizeof(why)), "a load size over 16 bits: refused");
	memcpy(s, before, sizeof(s));
	s[28] ^= 1;
	ok(!iso_catalog_retarget(s, 0xEF, 1, 1, why, sizeof(why)), "a bad catalog is not retargeted");
	memset(&info, 0, sizeof(info));
	ok(!iso_parse_catalog(s, &info, why, sizeof(why)), "a wrong checksum is refused");
	is_str(why, "bad validation entry", "with the reason");

	uint32_t len, loc;
	memset(s, 0, sizeof(s));
	put16(s, 2);
	put32(s + 16, 16 * 2048);
	put32(s + 20, 32);
	ok(iso_parse_udf_anchor(s, &len, &loc) && len == 16 * 2048 && loc == 32, "the UDF anchor");
	put16(s, 3);
	ok(!iso_parse_udf_anchor(s, &len, &loc), "another tag is no anchor");

	uint64_t end = 0;
	udf_lvd(s, "CCCOMA_X64FRE", 8);
	ok(iso_parse_udf_vd(s, label, sizeof(label), &end), "a logical volume descriptor");
	is_str(label, "CCCOMA_X64FRE", "its 8-bit dstring label");
	udf_lvd(s, "ESD-ISO", 16);
	iso_parse_udf_vd(s, label, sizeof(label), &end);
	is_str(label, "ESD-ISO", "a 16-bit dstring label");
	memset(s, 0, sizeof(s));
	put16(s, 5);
	put32(s + 188, 262);
	put32(s + 192, 1000);
	iso_parse_udf_vd(s, label, sizeof(label), &end);
	ok(end == (uint64_t)1262 * 2048, "a partition descriptor gives where the volume ends");
	put16(s, 8);
	ok(!iso_parse_udf_vd(s, label, sizeof(label), &end), "the terminating descriptor ends it");

	/* Damaged sectors: every parser on random changes of the good ones. */
	bool in_bounds = true;
	for (int i = 0; i < 20000; i++) {
		switch (i % 4) {
		case 0:
			pvd(s, "LABEL", 100);
			break;
		case 1:
			catalog(s);
			break;
		case 2:
			udf_lvd(s, "LABEL", i % 8 ? 8 : 16);
			break;
		default:
			for (size_t k = 0; k < sizeof(s); k++)
				s[k] = (unsigned char)rnd();
		}
		for (uint32_t k = rnd() % 64; k > 0; k--)
			s[rnd() % sizeof(s)] = (unsigned char)rnd();
		iso_parse_vd(s, &vd);
		memset(&info, 0, sizeof(info));
		iso_parse_catalog(s, &info, why, sizeof(why));
		iso_catalog_retarget(s, 0xEF, 1234, 64, why, sizeof(why));
		iso_parse_udf_anchor(s, &len, &loc);
		memset(label, 'x', sizeof(label));
		label[sizeof(label) - 1] = '\0';
		iso_parse_udf_vd(s, label, sizeof(label), &end);
		in_bounds &= memchr(vd.label, '\0', sizeof(vd.label)) != NULL;
		in_bounds &= info.n_boot <= sizeof(info.boot) / sizeof(info.boot[0]);
		in_bounds &= strlen(label) < sizeof(label);
	}
	ok(in_bounds, "20000 damaged sectors: results stay in bounds");
	return done_testing();
}

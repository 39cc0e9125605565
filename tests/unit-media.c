/* unit-media.c - the layout of a Windows medium (targets/media.c): which
 * paths are the medium's files, their kinds, roles and BCD stores, and
 * which are one file spelled twice. */
#include "config.h"

#include "targets/media.h"
#include "tap.h"

/* The kind of `rel`, or -1 when it is not a medium file. */
static int kind_of(const char *rel)
{
	enum media_kind k;
	return media_classify(rel, &k) ? (int)k : -1;
}

int main(void)
{
	is_int(kind_of("sources/boot.wim"), MEDIA_BOOT_WIM, "boot.wim");
	is_int(kind_of("SOURCES/BOOT.WIM"), MEDIA_BOOT_WIM, "names match without case");
	is_int(kind_of("sources/install.wim"), MEDIA_INSTALL, "install.wim");
	is_int(kind_of("Sources/Install.esd"), MEDIA_INSTALL, "install.esd");
	is_int(kind_of("boot/bcd"), MEDIA_BCD_BIOS, "boot/bcd is the BIOS store");
	is_int(kind_of("EFI/Microsoft/Boot/BCD"), MEDIA_BCD_EFI, "efi/microsoft/boot/bcd is the UEFI store");
	is_int(kind_of("sources/install.swm"), MEDIA_SPLIT, "install.swm is a set's first part");
	is_int(kind_of("sources/INSTALL2.SWM"), MEDIA_SPLIT_PART, "install2.swm is another part");
	is_int(kind_of("sources/install17.swm"), MEDIA_SPLIT_PART, "two-digit part numbers");
	is_int(kind_of("sources/install1.swm"), MEDIA_SPLIT_PART, "install1.swm is not a first part");
	is_int(kind_of("sources/install-old.swm"), -1, "install-old.swm is just a file");
	is_int(kind_of("sources/installx.swm"), -1, "installx.swm is just a file");
	is_int(kind_of("sources/sub/install.swm"), -1, "a part must be directly in sources/");
	is_int(kind_of("other/install.swm"), -1, "a part must be in sources/");
	is_int(kind_of("sources/boot.wim.bak"), -1, "near names are not medium files");
	is_int(kind_of("boot.wim"), -1, "boot.wim outside sources/ is not the medium's");
	is_int(kind_of("efi/boot/bcd"), -1, "only the two BCD stores");

	is_int((int)media_split_part("install.swm"), 1, "install.swm is part 1");
	is_int((int)media_split_part("install3.swm"), 3, "install3.swm is part 3");
	is_int((int)media_split_part("install.wim"), 0, "install.wim is no part");
	is_int((int)media_split_part("install99999999999999999999.swm"), 0,
	       "an absurd part number does not overflow");

	is_int(media_role(MEDIA_BOOT_WIM), ROLE_SETUP, "boot.wim's images are the setup environment");
	is_int(media_role(MEDIA_INSTALL), ROLE_INSTALLED, "install's are the installed system");
	is_int(media_role(MEDIA_SPLIT), ROLE_INSTALLED, "so are a split set's");
	is_int(media_role(MEDIA_BCD_EFI), ROLE_ANY, "a store has no image role");
	is_int(media_bcd_store(MEDIA_BCD_BIOS), BCD_STORE_BIOS, "boot/bcd takes BIOS-store rules");
	is_int(media_bcd_store(MEDIA_BCD_EFI), BCD_STORE_EFI, "efi store takes UEFI-store rules");
	ok(media_kind_is_wim(MEDIA_SPLIT_PART) && !media_kind_is_wim(MEDIA_BCD_BIOS), "WIM kinds");
	ok(media_kind_is_bcd(MEDIA_BCD_EFI) && !media_kind_is_bcd(MEDIA_INSTALL), "BCD kinds");
	const char *twins[] = { "sources/boot.wim", "sources/install.wim", "SOURCES/Boot.Wim" };
	is_int(media_check_spellings("m", twins, 3), -1, "boot.wim and Boot.Wim are one file twice");
	is_int(media_check_spellings("m", twins, 2), 0, "different files are not twins");
	const char *kinds[] = { "sources/install.wim", "sources/install.esd", "boot/bcd",
				"efi/microsoft/boot/bcd", "sources/install.swm", "sources/install2.swm" };
	is_int(media_check_spellings("m", kinds, 6), 0,
	       "install.wim and install.esd, the two stores, the parts of a set: no twins");
	is_int(media_check_spellings("m", NULL, 0), 0, "no files, no twins");

	is_int((int)media_n_fixed_files, 5, "five files at fixed places");
	for (size_t i = 0; i < media_n_fixed_files; i++)
		is_int(kind_of(media_fixed_files[i].path), (int)media_fixed_files[i].kind,
		       "the fixed files classify as their own kind");

	/* -i selections that name the WIM of a medium. */
	const char *image;
	is_int((int)media_image_sel("install:3", &image), ROLE_INSTALLED, "install:3 names install.*");
	is_str(image, "3", "and image 3");
	is_int((int)media_image_sel("BOOT:Microsoft Windows Setup (x64)", &image), ROLE_SETUP,
	       "BOOT: names boot.wim, without regard to case");
	is_str(image, "Microsoft Windows Setup (x64)", "and the image name after the colon");
	is_int((int)media_image_sel("3", &image), ROLE_ANY, "a plain 3 is for every WIM");
	is_str(image, "3", "and is image 3");
	is_int((int)media_image_sel("Windows 10: Pro", &image), ROLE_ANY,
	       "a name with a colon is a plain name");
	is_str(image, "Windows 10: Pro", "kept whole");
	is_int((int)media_image_sel("installer:1", &image), ROLE_ANY, "installer: is no WIM's prefix");
	is_int((int)media_image_sel("install:", &image), ROLE_INSTALLED, "install: with nothing after");
	is_str(image, "", "selects the empty name (no image has it: an error later)");
	return done_testing();
}

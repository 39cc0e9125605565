/* media.c - the layout of a Windows installation medium; see media.h. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "targets/media.h"
#include "util/msg.h"
#include "util/path.h"

const struct media_file_def media_fixed_files[] = {
	{ "sources/boot.wim", MEDIA_BOOT_WIM },
	{ "sources/install.wim", MEDIA_INSTALL },
	{ "sources/install.esd", MEDIA_INSTALL },
	{ "boot/bcd", MEDIA_BCD_BIOS },
	{ "efi/microsoft/boot/bcd", MEDIA_BCD_EFI },
};
const size_t media_n_fixed_files = sizeof(media_fixed_files) / sizeof(media_fixed_files[0]);

unsigned media_split_part(const char *name)
{
	size_t n = strlen(name), digits = 0;
	unsigned part = 0;

	if (n < 11 || strncasecmp(name, "install", 7) != 0 || strcasecmp(name + n - 4, ".swm") != 0)
		return 0;
	while (7 + digits < n - 4 && name[7 + digits] >= '0' && name[7 + digits] <= '9') {
		if (part > 9999)
			return 0;	/* no set has that many parts */
		part = part * 10 + (unsigned)(name[7 + digits] - '0');
		digits++;
	}
	if (7 + digits != n - 4)
		return 0;
	return digits == 0 ? 1 : part;
}

bool media_classify(const char *rel, enum media_kind *kind)
{
	for (size_t i = 0; i < media_n_fixed_files; i++) {
		if (strcasecmp(rel, media_fixed_files[i].path) == 0) {
			*kind = media_fixed_files[i].kind;
			return true;
		}
	}
	size_t n = strlen(MEDIA_SOURCES);
	if (strncasecmp(rel, MEDIA_SOURCES "/", n + 1) != 0 || strchr(rel + n + 1, '/'))
		return false;
	const char *name = rel + n + 1;
	unsigned part = media_split_part(name);
	if (part == 0)
		return false;
	/* install1.swm is not how a first part is named. */
	*kind = strcasecmp(name, "install.swm") == 0 ? MEDIA_SPLIT : MEDIA_SPLIT_PART;
	return true;
}

int media_check_spellings(const char *where, const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n; j++) {
			if (strcasecmp(paths[i], paths[j]) != 0)
				continue;
			/* The order found depends on the file system: report sorted. */
			bool swap = strcmp(paths[i], paths[j]) > 0;
			msg_error("%s: %s and %s: the same file of the medium twice, spelled "
				  "differently (Windows does not tell case apart and may read either): "
				  "remove or rename one", where, paths[swap ? j : i], paths[swap ? i : j]);
			return -1;
		}
	}
	return 0;
}

bool media_kind_is_wim(enum media_kind k)
{
	return k == MEDIA_BOOT_WIM || k == MEDIA_INSTALL || k == MEDIA_SPLIT || k == MEDIA_SPLIT_PART;
}

bool media_kind_is_bcd(enum media_kind k)
{
	return k == MEDIA_BCD_BIOS || k == MEDIA_BCD_EFI;
}

enum role media_role(enum media_kind k)
{
	if (k == MEDIA_BOOT_WIM)
		return ROLE_SETUP;
	return media_kind_is_wim(k) ? ROLE_INSTALLED : ROLE_ANY;
}

enum role media_role_of_name(const char *path, const char **source)
{
	const char *base = path_base(path);
	*source = "file name";
	if (strncasecmp(base, "boot", 4) == 0)
		return ROLE_SETUP;
	if (strncasecmp(base, "install", 7) == 0)
		return ROLE_INSTALLED;
	*source = "none";
	return ROLE_UNKNOWN;
}

enum role media_image_sel(const char *sel, const char **image)
{
	static const struct {
		const char *prefix;
		enum role role;
	} wims[] = { { "install:", ROLE_INSTALLED }, { "boot:", ROLE_SETUP } };

	for (size_t i = 0; i < sizeof(wims) / sizeof(wims[0]); i++) {
		size_t n = strlen(wims[i].prefix);
		if (strncasecmp(sel, wims[i].prefix, n) == 0) {
			*image = sel + n;
			return wims[i].role;
		}
	}
	*image = sel;
	return ROLE_ANY;
}

enum bcd_store_sel media_bcd_store(enum media_kind k)
{
	return k == MEDIA_BCD_BIOS ? BCD_STORE_BIOS : k == MEDIA_BCD_EFI ? BCD_STORE_EFI : BCD_STORE_ANY;
}

const char *media_bcd_label(enum media_kind k)
{
	return k == MEDIA_BCD_BIOS ? " (BIOS)" : k == MEDIA_BCD_EFI ? " (UEFI)" : "";
}

/* iso.c - ISO images of Windows installation media; see iso.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/error.h"
#include "util/fsutil.h"
#include "adapters/iso.h"
#include "adapters/iso_parse.h"
#include "adapters/iso_progress.h"
#include "adapters/iso_stamp.h"
#include "util/infile.h"
#include "util/clock.h"
#include "util/fdio.h"
#include "util/msg.h"
#include "util/path.h"
#include "util/progress.h"
#include "util/spawn.h"
#include "util/array.h"

#define SECTOR 2048

/* ---- the programs ------------------------------------------------------ */

static struct tool {
	const char *env;		/* overrides the program */
	const char *names[3];		/* looked up in PATH, in order */
	const char *what;		/* for the "missing" message */
	const char *package;		/* Debian package */
	char path[PATH_MAX];		/* found; "" until then */
} tools[5] = {
	{ .env = "WIMPATCH_7Z", .names = { "7zz", "7z", NULL },
	  .what = "7-Zip (7zz or 7z), which reads UDF", .package = "7zip" },
	{ .env = "WIMPATCH_GENISOIMAGE", .names = { "genisoimage", NULL, NULL },
	  .what = "genisoimage, which writes UDF + ISO 9660 images", .package = "genisoimage" },
	{ .env = "WIMPATCH_XORRISO", .names = { "xorriso", NULL, NULL },
	  .what = "xorriso, which reads the El Torito boot catalog back", .package = "xorriso" },
	{ .env = "WIMPATCH_UDFINFO", .names = { "udfinfo", NULL, NULL },
	  .what = "udfinfo, which checks a UDF volume", .package = "udftools" },
	{ .env = "WIMPATCH_ISOINFO", .names = { "isoinfo", NULL, NULL },
	  .what = "isoinfo, which lists the ISO 9660 and Joliet trees", .package = "genisoimage" },
};
#define N_TOOLS (sizeof(tools) / sizeof(tools[0]))

static bool tool_lookup(struct tool *t)
{
	const char *env = getenv(t->env);
	char *p = NULL;

	if (t->path[0])
		return true;
	if (env && *env) {
		p = spawn_find_program(env);
	} else {
		for (int i = 0; i < 3 && t->names[i] && !p; i++)
			p = spawn_find_program(t->names[i]);
	}
	if (p && strlen(p) < sizeof(t->path))
		strcpy(t->path, p);
	free(p);
	return t->path[0] != '\0';
}

enum wp_err iso_tools_find(unsigned need, const char *what)
{
	char missing[1024] = "";
	size_t n = 0;
	int ret = WP_OK;

	for (unsigned i = 0; i < N_TOOLS; i++) {
		if (!(need & (1u << i)) || tool_lookup(&tools[i]))
			continue;
		const char *env = getenv(tools[i].env);
		if (env && *env)
			n += (size_t)snprintf(missing + n, sizeof(missing) - n, "%s%s (%s=%s is not an executable)",
					      n ? "; " : "", tools[i].what, tools[i].env, env);
		else
			n += (size_t)snprintf(missing + n, sizeof(missing) - n, "%s%s (Debian package %s)",
					      n ? "; " : "", tools[i].what, tools[i].package);
		if (n >= sizeof(missing))
			n = sizeof(missing) - 1;
		if (ret == WP_OK)
			ret = i == 0 ? WP_ERR_INPUT : WP_ERR_WRITE;
	}
	if (ret != WP_OK)
		msg_error("%s needs programs that are not installed: %s", what, missing);
	return ret;
}

/* ---- volume descriptors and the boot catalog ---------------------------- */

static bool read_sector(int fd, uint64_t lba, unsigned char *buf)
{
	return pread_full(fd, buf, SECTOR, (off_t)(lba * SECTOR)) == SECTOR;
}

static bool read_catalog(int fd, const char *path, uint32_t lba, struct iso_info *info)
{
	unsigned char c[SECTOR];
	char why[64];

	if (!read_sector(fd, lba, c)) {
		msg_error("%s: cannot read the El Torito boot catalog at block %" PRIu32
			  " (truncated or damaged image)", path, lba);
		return false;
	}
	if (!iso_parse_catalog(c, info, why, sizeof(why))) {
		msg_error("%s: the El Torito boot catalog at block %" PRIu32 " is damaged (%s)", path,
			  lba, why);
		return false;
	}
	return true;
}

/* UDF: the anchor at block 256 leads to the volume descriptor sequence,
 * which holds the logical volume's name and the partition's extent. */
static bool read_udf(int fd, const char *path, struct iso_info *info, char *label, size_t size)
{
	unsigned char b[SECTOR];
	uint32_t len, loc;

	if (!read_sector(fd, 256, b) || !iso_parse_udf_anchor(b, &len, &loc)) {
		msg_error("%s: the UDF anchor at block 256 is missing (truncated or damaged image)",
			  path);
		return false;
	}
	for (uint32_t i = 0; i < len / SECTOR && i < 64; i++) {
		if (!read_sector(fd, (uint64_t)loc + i, b)) {
			msg_error("%s: cannot read the UDF volume descriptors (truncated or damaged "
				  "image)", path);
			return false;
		}
		if (!iso_parse_udf_vd(b, label, size, &info->volume_size))
			break;
	}
	return true;
}

/* The descriptors from sector 16 on: ISO 9660's, the UDF recognition
 * sequence; *catalog gets El Torito's boot catalog (0: none). */
static void read_descriptors(int fd, struct iso_info *info, bool *nsr, uint32_t *catalog)
{
	unsigned char b[SECTOR];
	struct iso_vd_info vd;

	for (uint64_t s = 16; s < 16 + 64 && read_sector(fd, s, b); s++) {
		enum iso_vd k = iso_parse_vd(b, &vd);
		if (k == ISO_VD_END)
			break;
		if (k == ISO_VD_PRIMARY && !info->iso9660) {
			info->iso9660 = true;
			snprintf(info->label, sizeof(info->label), "%s", vd.label);
			info->volume_size = vd.volume_size;
		} else if (k == ISO_VD_BOOT) {
			*catalog = vd.catalog_lba;
		} else if (k == ISO_VD_NSR) {
			*nsr = true;
		}
	}
}

enum wp_err iso_probe(const char *path, struct iso_info *info)
{
	char udf_label[sizeof(info->label)] = "";
	uint32_t catalog = 0;
	bool nsr = false;
	struct stat st;
	enum wp_err ret = WP_ERR_INPUT;

	memset(info, 0, sizeof(*info));
	char why[256];
	int fd = infile_open(path, false, &st, why, sizeof(why));
	if (fd < 0) {
		msg_error("%s: %s", path, why);
		goto out;
	}
	info->size = (uint64_t)st.st_size;
	read_descriptors(fd, info, &nsr, &catalog);
	if (!info->iso9660 && !nsr) {
		msg_error("%s: not an ISO 9660 or UDF image (no volume descriptors at 32 KiB%s)", path,
			  info->size < 17 * SECTOR ? "; the file is too short: truncated?" : "");
		goto out;
	}
	if (nsr && !read_udf(fd, path, info, udf_label, sizeof(udf_label)))
		goto out;
	info->udf = nsr;
	if (!info->label[0] && udf_label[0])
		snprintf(info->label, sizeof(info->label), "%s", udf_label);
	if (info->volume_size > info->size) {
		msg_error("%s: truncated: the volume is %" PRIu64 " bytes long, the file only %" PRIu64
			  " bytes", path, info->volume_size, info->size);
		goto out;
	}
	info->catalog_lba = catalog;
	if (catalog && !read_catalog(fd, path, catalog, info))
		goto out;
	ret = WP_OK;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

void iso_describe_boot(const struct iso_info *info, char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	if (!info->n_boot) {
		snprintf(buf, size, "none (no El Torito boot catalog)");
		return;
	}
	for (size_t i = 0; i < info->n_boot && n < size; i++) {
		const struct iso_boot_entry *e = &info->boot[i];
		char plat[16];
		if (e->platform == ISO_PLATFORM_OTHER)
			snprintf(plat, sizeof(plat), "platform 0x%02X", e->platform_id);
		n += (size_t)snprintf(buf + n, size - n, "%s%s (%s%s", i ? ", " : "",
				      e->platform == ISO_PLATFORM_BIOS   ? "BIOS"
				      : e->platform == ISO_PLATFORM_UEFI ? "UEFI"
									 : plat,
				      e->bootable ? "" : "not bootable, ",
				      e->no_emulation ? "no emulation" : "emulation");
		if (n < size && e->platform == ISO_PLATFORM_BIOS)
			n += (size_t)snprintf(buf + n, size - n, ", %u sectors", e->load_sectors);
		if (n < size)
			n += (size_t)snprintf(buf + n, size - n, ")");
	}
}

int iso_check_label(const char *label, const char *what)
{
	size_t n = strlen(label);
	if (n == 0) {
		msg_error("%s: a volume label cannot be empty", what);
		return -1;
	}
	if (n > ISO_LABEL_MAX) {
		msg_error("%s '%s': a volume label has at most %d characters (ISO 9660)", what, label,
			  ISO_LABEL_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)label[i] < 0x20 || (unsigned char)label[i] > 0x7E) {
			msg_error("%s '%s': a volume label is written in printable ASCII characters",
				  what, label);
			return -1;
		}
	}
	return 0;
}

/* ---- listings ------------------------------------------------------------ */

void iso_listing_free(struct iso_listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	l->v = NULL;
	l->n = l->alloc = 0;
}

static int listing_add(struct iso_listing *l, const char *path, size_t len, uint64_t size, bool dir)
{
	if (!ARRAY_GROW(l->v, l->n + 1, l->alloc) || !(l->v[l->n].path = strndup(path, len)))
		return -1;
	l->v[l->n].size = size;
	l->v[l->n].dir = dir;
	l->n++;
	return 0;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct iso_entry *)a)->path, ((const struct iso_entry *)b)->path);
}

void iso_listing_sort(struct iso_listing *l)
{
	if (l->n)
		qsort(l->v, l->n, sizeof(l->v[0]), by_path);
}

const struct iso_entry *iso_listing_find(const struct iso_listing *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcasecmp(l->v[i].path, path) == 0)
			return &l->v[i];
	return NULL;
}

/* The 7-Zip archive type for an image: UDF when it has one (Windows media
 * keep their files there; the ISO 9660 part may hold only a README). */
static const char *type_switch(const struct iso_info *info)
{
	return info->udf ? "-tudf" : "-tiso";
}

/* El Torito images show up as a "[BOOT]" directory in 7-Zip's ISO view. */
static bool boot_pseudo(const char *p, const struct iso_info *info)
{
	return !info->udf && strncmp(p, "[BOOT]", 6) == 0 && (p[6] == '\0' || p[6] == '/');
}

/* `7z l -slt`: after a "----------" line, one block of "Key = value"
 * lines per item, blocks separated by blank lines.  Index order. */
static int parse_slt(const char *out, const struct iso_info *info, struct iso_listing *l)
{
	const char *p = strstr(out, "\n----------\n");
	const char *path = NULL;
	size_t path_len = 0;
	uint64_t size = 0;
	bool dir = false;

	if (!p)
		return -1;
	p += 12;
	for (;;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n == 0) {
			if (path) {
				char *tmp = strndup(path, path_len);
				if (!tmp)
					return -1;
				bool skip = boot_pseudo(tmp, info);
				free(tmp);
				if (!skip && listing_add(l, path, path_len, size, dir) < 0)
					return -1;
			}
			path = NULL;
			size = 0;
			dir = false;
		} else if (n > 7 && strncmp(p, "Path = ", 7) == 0) {
			path = p + 7;
			path_len = n - 7;
		} else if (n > 7 && strncmp(p, "Size = ", 7) == 0) {
			size = strtoull(p + 7, NULL, 10);
		} else if (n >= 10 && strncmp(p, "Folder = +", 10) == 0) {
			dir = true;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	if (path && listing_add(l, path, path_len, size, dir) < 0)
		return -1;
	return 0;
}

/* List in 7-Zip's index order (the order `x -so` writes files in). */
static int list_raw(const char *path, const struct iso_info *info, struct iso_listing *l)
{
	const char *argv[] = { tools[0].path, "l", "-slt", type_switch(info), "-sccUTF-8", "--", path,
			       NULL };
	struct spawn_io io = { 0 };
	int ret = WP_ERR_INPUT;

	memset(l, 0, sizeof(*l));
	if (spawn_run(argv, &io) < 0)
		goto out;
	if (io.status != 0) {
		msg_error("%s: 7-Zip cannot list its files: %s", path, spawn_said(&io));
		goto out;
	}
	if (parse_slt(io.out, info, l) < 0) {
		msg_error("%s: cannot make sense of 7-Zip's listing (%s)", path, tools[0].path);
		iso_listing_free(l);
		goto out;
	}
	ret = WP_OK;
out:
	spawn_io_free(&io);
	return ret;
}

enum wp_err iso_list(const char *path, const struct iso_info *info, struct iso_listing *l)
{
	int ret = list_raw(path, info, l);
	if (ret == WP_OK)
		iso_listing_sort(l);
	return ret;
}

static int walk(const char *root, const char *rel, struct iso_listing *l)
{
	char dirpath[PATH_MAX];
	struct dirent *e;
	int ret = WP_OK;

	snprintf(dirpath, sizeof(dirpath), "%s%s%s", root, *rel ? "/" : "", rel);
	DIR *d = opendir(dirpath);
	if (!d) {
		msg_error("%s: %s", dirpath, strerror(errno));
		return WP_ERR_INPUT;
	}
	while (ret == WP_OK && (e = readdir(d))) {
		char sub[PATH_MAX], full[PATH_MAX];
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		int k1 = snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		int k2 = snprintf(full, sizeof(full), "%s/%s", root, sub);
		if (k1 < 0 || k2 < 0 || (size_t)k1 >= sizeof(sub) || (size_t)k2 >= sizeof(full)) {
			msg_error("%s/%s: path too long", dirpath, e->d_name);
			ret = WP_ERR_INPUT;
		} else if (lstat(full, &st) < 0) {
			msg_error("%s: %s", full, strerror(errno));
			ret = WP_ERR_INPUT;
		} else if (S_ISDIR(st.st_mode)) {
			if (listing_add(l, sub, strlen(sub), 0, true) < 0)
				ret = WP_ERR_INTERNAL;
			else
				ret = walk(root, sub, l);
		} else if (S_ISREG(st.st_mode)) {
			if (listing_add(l, sub, strlen(sub), (uint64_t)st.st_size, false) < 0)
				ret = WP_ERR_INTERNAL;
		} else {
			msg_error("%s: not a regular file or directory; an image holds only those", full);
			ret = WP_ERR_INPUT;
		}
	}
	closedir(d);
	if (ret == WP_ERR_INTERNAL)
		msg_error("out of memory");
	return ret;
}

enum wp_err iso_list_tree(const char *root, struct iso_listing *l)
{
	memset(l, 0, sizeof(*l));
	int ret = walk(root, "", l);
	if (ret != WP_OK)
		iso_listing_free(l);
	else
		iso_listing_sort(l);
	return ret;
}

/* ---- extracting ---------------------------------------------------------- */

enum wp_err iso_extract(const char *path, const struct iso_info *info, const char *dir,
		const char *const *paths, size_t n_paths, uint64_t bytes)
{
	struct iso_tick tick = { .file = path_base(path), .step = "extracting with 7-Zip",
				 .out_dir = dir, .total = bytes };
	const char **argv = calloc(n_paths + 16, sizeof(*argv));
	char *odir = NULL;
	struct spawn_io io = { 0 };
	size_t a = 0;
	int ret = WP_ERR_INPUT;

	if (!argv || asprintf(&odir, "-o%s", dir) < 0) {
		msg_error("out of memory");
		free(argv);
		return WP_ERR_INTERNAL;
	}
	argv[a++] = tools[0].path;
	argv[a++] = "x";
	argv[a++] = type_switch(info);
	argv[a++] = "-y";		/* no questions */
	argv[a++] = "-bd";		/* no progress */
	argv[a++] = "-bso0";		/* nothing on stdout */
	argv[a++] = "-bsp0";
	argv[a++] = "-sccUTF-8";
	argv[a++] = "-spd";		/* names are names, not wildcards */
	argv[a++] = odir;
	if (!info->udf)
		argv[a++] = "-x![BOOT]";
	argv[a++] = "--";
	argv[a++] = path;
	for (size_t i = 0; i < n_paths; i++)
		argv[a++] = paths[i];
	argv[a] = NULL;
	msg_verbose("%s: extracting %s with %s into %s", path,
		    n_paths ? "the WIMs and BCD stores" : "every file", tools[0].path, dir);
	io.on_tick = iso_tick;
	io.ctx = &tick;
	if (spawn_run(argv, &io) == 0) {
		if (io.status == 0)
			ret = WP_OK;
		else
			msg_error("%s: 7-Zip could not extract %s: %s", path,
				  n_paths ? "its WIMs and BCD stores" : "its files", spawn_said(&io));
	}
	iso_tick_done(&tick, ret == WP_OK);
	spawn_io_free(&io);
	free(odir);
	free(argv);
	return ret;
}

/* ---- writing --------------------------------------------------------------- */

/* Is there an entry named `name` (in any case) in `dir`? */
static bool has_entry(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;
	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = strcasecmp(e->d_name, name) == 0;
	closedir(d);
	return found;
}

/*
 * With SOURCE_DATE_EPOCH: genisoimage (cdrkit 1.1.11) does not read it.
 * It writes the dates of files and directories from their mtimes (the
 * tree is clamped first, util/clock.h) in local time: it runs in UTC, so
 * that the same instant gives the same bytes everywhere.  The volume's
 * own dates it takes from time(2); iso_stamp_dates puts the epoch there
 * afterwards.  Its environment is wimpatch's, TZ set to UTC; the strings
 * stay wimpatch's (free only the array).
 */
static char **env_utc(void)
{
	extern char **environ;
	size_t n = 0, k = 0;

	while (environ[n])
		n++;
	char **env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "TZ=", 3) != 0)
			env[k++] = environ[i];
	env[k++] = (char *)"TZ=UTC0";
	env[k] = NULL;
	return env;
}

enum wp_err iso_write(const char *root, const char *out, const struct iso_layout *lay)
{
	const char *argv[48];
	struct spawn_io io = { 0 };
	size_t a = 0;
	int ret = WP_ERR_WRITE;

	/* genisoimage puts the boot catalog in the tree; it is hidden from
	 * every directory, as on Microsoft's media, under a name no file has. */
	const char *cat = has_entry(root, "boot.catalog") ? "wimpatch.boot.catalog" : "boot.catalog";

	argv[a++] = tools[1].path;
	argv[a++] = "-quiet";
	argv[a++] = "-input-charset";
	argv[a++] = "utf-8";
	argv[a++] = "-V";
	argv[a++] = lay->label;
	argv[a++] = "-udf";			/* what Windows reads */
	argv[a++] = "-allow-limited-size";	/* files over 4 GiB: full size in UDF */
	argv[a++] = "-iso-level";
	argv[a++] = "3";
	argv[a++] = "-J";			/* Joliet */
	argv[a++] = "-joliet-long";		/* names up to 103 characters */
	argv[a++] = "-r";			/* Rock Ridge, for Unix readers */
	argv[a++] = "-D";			/* no deep-directory relocation */
	argv[a++] = "-c";
	argv[a++] = cat;
	argv[a++] = "-hide";
	argv[a++] = cat;
	argv[a++] = "-hide-joliet";
	argv[a++] = cat;
	if (lay->bios_image) {
		argv[a++] = "-b";
		argv[a++] = lay->bios_image;
		argv[a++] = "-no-emul-boot";
		argv[a++] = "-boot-load-size";
		argv[a++] = "8";
	}
	if (lay->uefi_image) {
		if (lay->bios_image)
			argv[a++] = "-eltorito-alt-boot";
		argv[a++] = "-e";
		argv[a++] = lay->uefi_image;
		argv[a++] = "-no-emul-boot";
	}
	argv[a++] = "-o";
	argv[a++] = out;
	argv[a++] = "--";
	argv[a++] = root;
	argv[a] = NULL;
	msg_verbose("%s: writing the image with %s (label '%s', boot entries:%s%s)", out,
		    tools[1].path, lay->label, lay->bios_image ? " BIOS" : "",
		    lay->uefi_image ? " UEFI" : "");
	char **env = NULL;
	if (clock_clamp_tree(root) < 0 || (clock_fixed() && !(env = env_utc()))) {
		if (!env && clock_fixed())
			msg_error("out of memory");
		return WP_ERR_WRITE;
	}
	/* Its files' bytes: a little short of the image, which the end
	 * line gives as it came out. */
	struct iso_tick tick = { .file = path_base(out), .step = "writing with genisoimage",
				 .out_file = out,
				 .total = progress_shown() ? iso_tree_bytes(root) : 0 };
	io.envp = env;
	io.on_tick = iso_tick;
	io.ctx = &tick;
	if (spawn_run(argv, &io) == 0) {
		if (io.status == 0)
			ret = WP_OK;
		else
			msg_error("%s: genisoimage could not write the image: %s", out, spawn_said(&io));
	}
	iso_tick_done(&tick, ret == WP_OK);
	spawn_io_free(&io);
	free(env);
	if (ret == WP_OK && clock_fixed())
		ret = iso_stamp_dates(out);
	return ret;
}

/* ---- reading back ---------------------------------------------------------- */

/* The path after "/" in xorriso's report, compared without regard to case
 * (Rock Ridge keeps the case; a reader without it would not). */
static bool same_image_path(const char *reported, const char *want)
{
	while (*reported == '/')
		reported++;
	return strcasecmp(reported, want) == 0;
}

struct torito_line {
	char platform[16], bootable[4], emul[16];
	unsigned load;
	char path[PATH_MAX];
};

static void scan_xorriso(const char *text, char *label, size_t label_size, struct torito_line *e,
			 size_t max, size_t *n)
{
	for (const char *p = text; p && *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char line[PATH_MAX + 64];
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		unsigned k, load;
		char plat[16], boot[4], emul[16], seg[16], hd[16];
		if (strncmp(line, "Volume id    : '", 16) == 0) {
			char *end = strrchr(line + 16, '\'');
			if (end)
				snprintf(label, label_size, "%.*s", (int)(end - line - 16), line + 16);
		} else if (sscanf(line, "El Torito boot img : %u %15s %3s %15s %15s %15s %u", &k, plat,
				  boot, emul, seg, hd, &load) == 7 && k >= 1 && k <= max) {
			snprintf(e[k - 1].platform, sizeof(e[k - 1].platform), "%s", plat);
			snprintf(e[k - 1].bootable, sizeof(e[k - 1].bootable), "%s", boot);
			snprintf(e[k - 1].emul, sizeof(e[k - 1].emul), "%s", emul);
			e[k - 1].load = load;
			if (k > *n)
				*n = k;
		} else if (sscanf(line, "El Torito img path : %u", &k) == 1 && k >= 1 && k <= max) {
			const char *slash = strchr(line + 20, '/');
			if (slash)
				snprintf(e[k - 1].path, sizeof(e[k - 1].path), "%s", slash);
		}
		p = eol ? eol + 1 : NULL;
	}
}

/* xorriso's report of an image's El Torito catalog and volume id: its
 * "El Torito" and "Volume id" lines, as it prints them (malloc'd), or
 * NULL after saying why. */
static char *torito_report(const char *path)
{
	const char *argv[] = { tools[2].path, "-no_rc", "-indev", path, "-report_el_torito", "plain",
			       NULL };
	struct spawn_io io = { 0 };
	char *r = NULL;
	size_t len = 0;
	FILE *f;

	if (spawn_run(argv, &io) < 0)
		goto out;
	if (io.status != 0) {
		msg_error("%s: xorriso cannot read the image: %s", path, spawn_said(&io));
		goto out;
	}
	if (!(f = open_memstream(&r, &len))) {
		msg_error("out of memory");
		goto out;
	}
	/* The report goes to stdout, the volume id to stderr. */
	for (int k = 0; k < 2; k++)
		for (const char *p = k ? io.out : io.err; p && *p;) {
			const char *eol = strchr(p, '\n');
			size_t n = eol ? (size_t)(eol - p) : strlen(p);
			if (strncmp(p, "El Torito", 9) == 0 || strncmp(p, "Volume id", 9) == 0)
				fprintf(f, "%.*s\n", (int)n, p);
			p = eol ? eol + 1 : NULL;
		}
	fclose(f);
out:
	spawn_io_free(&io);
	return r;
}

enum wp_err iso_verify_boot_same(const char *path, const char *src)
{
	char *a = torito_report(path), *b = a ? torito_report(src) : NULL;
	enum wp_err ret = WP_ERR_WRITE;

	if (a && b && strcmp(a, b) == 0) {
		msg_verbose("%s: xorriso reads the same label and El Torito catalog as in %s", path, src);
		ret = WP_OK;
	} else if (a && b) {
		msg_error("%s: verification failed: xorriso reads its label or El Torito catalog "
			  "differently from the source's", path);
	}
	free(a);
	free(b);
	return ret;
}

/* The report without entry k's lines (its "boot img" and "img path")
 * and without every "img blks" line: for an image no file system names
 * (Microsoft's layout hides them) xorriso guesses the blocks from the gap
 * to the next boot image, which moves with the switched one.  Malloc'd;
 * NULL when out of memory. */
static char *without_entry(const char *report, unsigned k)
{
	char *r = malloc(strlen(report) + 1), *o = r;

	if (!r)
		return NULL;
	for (const char *p = report; *p;) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p + 1) : strlen(p);
		unsigned i;
		bool drop = ((sscanf(p, "El Torito boot img : %u", &i) == 1 ||
			      sscanf(p, "El Torito img path : %u", &i) == 1) && i == k) ||
			    strncmp(p, "El Torito img blks", 18) == 0;
		if (!drop) {
			memcpy(o, p, n);
			o += n;
		}
		p += n;
	}
	*o = '\0';
	return r;
}

/* Entry k's load size, LBA and path as xorriso reads them; false when it
 * has no such entry. */
static bool entry_of(const char *report, unsigned k, unsigned *load, unsigned *lba, char *path,
		     size_t path_size)
{
	bool found = false;

	path[0] = '\0';
	for (const char *p = report; p && *p;) {
		const char *eol = strchr(p, '\n');
		unsigned i, ld, at;
		char a[16], b[4], c[16], d[16], e[16];
		if (sscanf(p, "El Torito boot img : %u %15s %3s %15s %15s %15s %u %u", &i, a, b, c, d, e,
			   &ld, &at) == 8 && i == k) {
			*load = ld;
			*lba = at;
			found = true;
		} else if (sscanf(p, "El Torito img path : %u", &i) == 1 && i == k) {
			const char *slash = strchr(p + 20, '/');
			size_t n = slash ? (size_t)((eol ? eol : slash + strlen(slash)) - slash) : 0;
			snprintf(path, path_size, "%.*s", (int)n, slash ? slash : "");
		}
		p = eol ? eol + 1 : NULL;
	}
	return found;
}

enum wp_err iso_verify_boot_switched(const char *path, const char *src, unsigned entry,
				     uint32_t lba, unsigned load, const char *image)
{
	char *a = torito_report(path), *b = a ? torito_report(src) : NULL;
	char *ra = a ? without_entry(a, entry) : NULL, *rb = b ? without_entry(b, entry) : NULL;
	char got_path[PATH_MAX];
	unsigned got_load = 0, got_lba = 0;
	enum wp_err ret = WP_ERR_WRITE;

	if (a && b && (!ra || !rb)) {
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
	} else if (a && b && strcmp(ra, rb) != 0) {
		msg_error("%s: verification failed: xorriso reads its label or El Torito catalog "
			  "differently from the source's beyond entry %u", path, entry);
	} else if (a && b && (!entry_of(a, entry, &got_load, &got_lba, got_path, sizeof(got_path)) ||
			      got_lba != lba || got_load != load ||
			      (got_path[0] && !same_image_path(got_path, image)))) {
		msg_error("%s: verification failed: xorriso reads El Torito entry %u at block %u, load "
			  "size %u, image %s; expected block %u, load size %u, /%s", path, entry,
			  got_lba, got_load, got_path[0] ? got_path : "(not named)", lba, load, image);
	} else if (a && b) {
		msg_verbose("%s: xorriso reads El Torito entry %u at block %u (%s), the rest as in %s",
			    path, entry, got_lba, image, src);
		ret = WP_OK;
	}
	free(ra);
	free(rb);
	free(a);
	free(b);
	return ret;
}

enum wp_err iso_verify_boot(const char *path, const struct iso_layout *lay)
{
	const char *argv[] = { tools[2].path, "-no_rc", "-indev", path, "-report_el_torito", "plain",
			       NULL };
	struct spawn_io io = { 0 };
	struct torito_line e[8];
	char label[256] = "";
	size_t n = 0, want = (lay->bios_image ? 1 : 0) + (lay->uefi_image ? 1 : 0);
	int ret = WP_ERR_WRITE;

	memset(e, 0, sizeof(e));
	if (spawn_run(argv, &io) < 0)
		goto out;
	if (io.status != 0) {
		msg_error("%s: xorriso cannot read the written image: %s", path, spawn_said(&io));
		goto out;
	}
	/* The report goes to stdout, the volume id to stderr. */
	scan_xorriso(io.out, label, sizeof(label), e, 8, &n);
	scan_xorriso(io.err, label, sizeof(label), e, 8, &n);
	if (strcmp(label, lay->label) != 0) {
		msg_error("%s: verification failed: xorriso reads the volume label '%s', not '%s'", path,
			  label, lay->label);
		goto out;
	}
	if (n != want) {
		msg_error("%s: verification failed: xorriso finds %zu El Torito boot entr%s, not %zu",
			  path, n, n == 1 ? "y" : "ies", want);
		goto out;
	}
	size_t k = 0;
	if (lay->bios_image) {
		if (strcmp(e[k].platform, "BIOS") != 0 || strcmp(e[k].bootable, "y") != 0 ||
		    strcmp(e[k].emul, "none") != 0 || e[k].load != 8 ||
		    !same_image_path(e[k].path, lay->bios_image)) {
			msg_error("%s: verification failed: El Torito entry 1 is %s %s, %s emulation, "
				  "load size %u, image %s; expected a bootable BIOS entry, no emulation, "
				  "load size 8, image /%s", path, e[k].platform,
				  strcmp(e[k].bootable, "y") ? "not bootable" : "bootable", e[k].emul,
				  e[k].load, e[k].path[0] ? e[k].path : "(none)", lay->bios_image);
			goto out;
		}
		k++;
	}
	if (lay->uefi_image) {
		if (strcmp(e[k].platform, "UEFI") != 0 || strcmp(e[k].bootable, "y") != 0 ||
		    strcmp(e[k].emul, "none") != 0 || !same_image_path(e[k].path, lay->uefi_image)) {
			msg_error("%s: verification failed: El Torito entry %zu is %s %s, %s emulation, "
				  "image %s; expected a bootable UEFI entry, no emulation, image /%s", path,
				  k + 1, e[k].platform,
				  strcmp(e[k].bootable, "y") ? "not bootable" : "bootable", e[k].emul,
				  e[k].path[0] ? e[k].path : "(none)", lay->uefi_image);
			goto out;
		}
	}
	msg_verbose("%s: xorriso reads label '%s' and %zu El Torito entr%s as written", path, label,
		    n, n == 1 ? "y" : "ies");
	ret = WP_OK;
out:
	spawn_io_free(&io);
	return ret;
}

/* Compare two sorted listings (paths, kinds, sizes of files); report the
 * first few differences.  Returns the number found. */
size_t iso_listing_diff(const struct iso_listing *a, const char *a_name,
			const struct iso_listing *b, const char *b_name, const char *what)
{
	size_t i = 0, j = 0, found = 0;
	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->v[i].path, b->v[j].path);
		const char *why = NULL, *p;
		if (c < 0) {
			p = a->v[i++].path;
			why = b_name;
		} else if (c > 0) {
			p = b->v[j++].path;
			why = a_name;
		} else {
			p = a->v[i].path;
			if (a->v[i].dir != b->v[j].dir)
				why = "is a directory in one, a file in the other";
			else if (!a->v[i].dir && a->v[i].size != b->v[j].size)
				why = "differs in size";
			i++;
			j++;
			if (!why)
				continue;
			if (++found <= 5)
				msg_error("%s: %s %s", what, p, why);
			continue;
		}
		if (++found <= 5)
			msg_error("%s: %s is missing from %s", what, p, why);
	}
	if (found > 5)
		msg_error("%s: and %zu more difference%s", what, found - 5, found - 5 == 1 ? "" : "s");
	return found;
}

struct compare {
	const char *root;
	const struct iso_listing *l;	/* index order */
	size_t next;			/* the next entry to start */
	const struct iso_entry *cur;	/* the file being compared */
	uint64_t left;			/* its bytes still to come */
	int fd;
	const char *shown;		/* the image, for progress */
	uint64_t done, total;		/* bytes of every file */
	char why[PATH_MAX + 128];
	unsigned char buf[64 * 1024];
};

static int compare_chunk(const char *data, size_t n, void *p)
{
	struct compare *c = p;

	c->done += n;
	progress_update(c->shown, "reading every file back with 7-Zip", c->done, c->total);
	while (n > 0) {
		while (!c->cur) {
			while (c->next < c->l->n && (c->l->v[c->next].dir || c->l->v[c->next].size == 0))
				c->next++;
			if (c->next == c->l->n) {
				snprintf(c->why, sizeof(c->why), "7-Zip reads more data than its files hold");
				return -1;
			}
			c->cur = &c->l->v[c->next++];
			c->left = c->cur->size;
			char full[PATH_MAX];
			snprintf(full, sizeof(full), "%s/%s", c->root, c->cur->path);
			if ((c->fd = open(full, O_RDONLY | O_CLOEXEC)) < 0) {
				snprintf(c->why, sizeof(c->why), "%s: %s", full, strerror(errno));
				return -1;
			}
		}
		size_t k = n < c->left ? n : (size_t)c->left;
		if (k > sizeof(c->buf))
			k = sizeof(c->buf);
		size_t got = 0;
		while (got < k) {
			ssize_t r = read(c->fd, c->buf + got, k - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				snprintf(c->why, sizeof(c->why), "%s: the tree's file is shorter than the image's",
					 c->cur->path);
				return -1;
			}
			got += (size_t)r;
		}
		if (memcmp(c->buf, data, k) != 0) {
			snprintf(c->why, sizeof(c->why), "%s: the image's bytes differ from the tree's at "
				 "offset %" PRIu64, c->cur->path, c->cur->size - c->left);
			return -1;
		}
		data += k;
		n -= k;
		c->left -= k;
		if (c->left == 0) {
			close(c->fd);
			c->fd = -1;
			c->cur = NULL;
		}
	}
	return 0;
}

/* Stream `member` of the image's UDF tree (every file, in 7-Zip's index
 * order, when NULL) through 7-Zip into `on_chunk`.  WP_OK when 7-Zip read
 * it all; else WP_ERR_WRITE after saying why: `why`, the callback's own
 * reason for stopping, or what 7-Zip said. */
static enum wp_err stream_back(const char *path, const char *member,
			       int (*on_chunk)(const char *buf, size_t n, void *ctx), void *ctx,
			       const char *why)
{
	const char *argv[] = { tools[0].path, "x", "-so", "-tudf", "-bd", "-sccUTF-8", "--", path,
			       member, NULL };
	struct spawn_io io = { .on_stdout = on_chunk, .ctx = ctx };
	enum wp_err ret = WP_ERR_WRITE;

	msg_verbose("%s: reading %s back with %s", path, member ? member : "every file",
		    tools[0].path);
	int r = spawn_run(argv, &io);
	progress_done();
	if (r < 0) {
		if (why[0])
			msg_error("%s: verification failed: %s", path, why);
	} else if (io.status != 0) {
		msg_error("%s: verification failed: 7-Zip cannot read %s back: %s", path,
			  member ? member : "it", spawn_said(&io));
	} else {
		ret = WP_OK;
	}
	spawn_io_free(&io);
	return ret;
}

enum wp_err iso_verify_content(const char *path, const char *root, const struct iso_listing *tree)
{
	struct iso_info info = { .udf = true };
	struct iso_listing raw = { 0 }, sorted = { 0 };
	struct compare *c = NULL;
	int ret = WP_ERR_WRITE;

	/* The image's files as 7-Zip reads them from UDF. */
	if (list_raw(path, &info, &raw) != WP_OK)
		goto out;
	sorted.n = raw.n;
	if (raw.n && !(sorted.v = malloc(raw.n * sizeof(*sorted.v)))) {
		msg_error("out of memory");
		goto out;
	}
	if (raw.n)
		memcpy(sorted.v, raw.v, raw.n * sizeof(*sorted.v));
	iso_listing_sort(&sorted);
	char what[PATH_MAX + 64];
	snprintf(what, sizeof(what), "%s: verification failed", path);
	if (iso_listing_diff(&sorted, "the image", tree, "the tree written", what) > 0)
		goto out;

	/* Every file's bytes, streamed by 7-Zip in index order. */
	if (!(c = calloc(1, sizeof(*c)))) {
		msg_error("out of memory");
		goto out;
	}
	c->root = root;
	c->l = &raw;
	c->fd = -1;
	c->shown = path_base(path);
	for (size_t i = 0; i < raw.n; i++)
		c->total += raw.v[i].dir ? 0 : raw.v[i].size;
	if (stream_back(path, NULL, compare_chunk, c, c->why) != WP_OK)
		goto out;
	if (c->cur) {
		msg_error("%s: verification failed: %s: 7-Zip reads only %" PRIu64 " of its %" PRIu64
			  " bytes", path, c->cur->path, c->cur->size - c->left, c->cur->size);
		goto out;
	}
	while (c->next < raw.n && (raw.v[c->next].dir || raw.v[c->next].size == 0))
		c->next++;
	if (c->next < raw.n) {
		msg_error("%s: verification failed: 7-Zip reads no data for %s", path,
			  raw.v[c->next].path);
		goto out;
	}
	msg_verbose("%s: %zu entries read back, every byte as in %s", path, raw.n, root);
	ret = WP_OK;
out:
	if (c && c->fd >= 0)
		close(c->fd);
	free(c);
	free(sorted.v);		/* shares its strings with raw */
	iso_listing_free(&raw);
	return ret;
}

/* ---- reading back what the in-place route wrote --------------------------- */

enum wp_err iso_verify_udf(const char *path)
{
	const char *argv[] = { tools[3].path, "--", path, NULL };
	struct spawn_io io = { 0 };
	/* udfinfo says nothing until it ends: shown by its time. */
	struct iso_tick tick = { .file = path_base(path), .step = "checking UDF with udfinfo" };
	enum wp_err ret = WP_ERR_WRITE;

	msg_verbose("%s: checking its UDF volume with %s", path, tools[3].path);
	io.on_tick = iso_tick;
	io.ctx = &tick;
	int r = spawn_run(argv, &io);
	iso_tick_done(&tick, r == 0 && io.status == 0);
	if (r < 0)
		goto out;
	if (io.status != 0) {
		msg_error("%s: verification failed: udfinfo does not accept its UDF volume: %s", path,
			  spawn_said(&io));
		goto out;
	}
	ret = WP_OK;
out:
	spawn_io_free(&io);
	return ret;
}

struct expect {
	const struct iso_expect *e;
	const char *shown;	/* the image, for progress */
	char step[PATH_MAX + 32];
	uint64_t off;
	size_t range;		/* the first of e->ranges not behind off */
	char why[PATH_MAX + 128];
	unsigned char buf[64 * 1024];
};

/* How many of the next n bytes at x->off need no comparison (outside
 * the ranges to compare), or, if 0, how many do (*cmp). */
static size_t unchecked(struct expect *x, size_t n, size_t *cmp)
{
	*cmp = n;
	if (!x->e->ranges)
		return 0;
	while (x->range < x->e->n_ranges &&
	       x->e->ranges[x->range].off + x->e->ranges[x->range].len <= x->off)
		x->range++;
	if (x->range == x->e->n_ranges)
		return n;
	const struct iso_range *r = &x->e->ranges[x->range];
	if (r->off > x->off)
		return r->off - x->off < n ? (size_t)(r->off - x->off) : n;
	if (r->off + r->len - x->off < n)
		*cmp = (size_t)(r->off + r->len - x->off);
	return 0;
}

static int expect_chunk(const char *data, size_t n, void *p)
{
	struct expect *x = p;

	while (n > 0) {
		size_t k = n < sizeof(x->buf) ? n : sizeof(x->buf), skip;
		if (x->off + k > x->e->size) {
			snprintf(x->why, sizeof(x->why), "%s: 7-Zip reads more than its %" PRIu64 " bytes",
				 x->e->path, x->e->size);
			return -1;
		}
		if ((skip = unchecked(x, k, &k)) > 0) {
			data += skip;
			n -= skip;
			x->off += skip;
			continue;
		}
		if (x->e->read(x->e->ctx, x->off, x->buf, k) < 0) {
			snprintf(x->why, sizeof(x->why), "%s: cannot read what was written: %s",
				 x->e->path, strerror(errno));
			return -1;
		}
		if (memcmp(x->buf, data, k) != 0) {
			snprintf(x->why, sizeof(x->why), "%s: the image's bytes differ from what was "
				 "written at offset %" PRIu64, x->e->path, x->off);
			return -1;
		}
		data += k;
		n -= k;
		x->off += k;
	}
	progress_update(x->shown, x->step, x->off, x->e->size);
	return 0;
}

enum wp_err iso_verify_file(const char *path, const struct iso_expect *e)
{
	struct expect *x = calloc(1, sizeof(*x));
	enum wp_err ret = WP_ERR_WRITE;

	if (!x) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	x->e = e;
	x->shown = path_base(path);
	snprintf(x->step, sizeof(x->step), "reading %s back with 7-Zip", e->path);
	if (stream_back(path, e->path, expect_chunk, x, x->why) != WP_OK)
		goto out;
	if (x->off != e->size) {
		msg_error("%s: verification failed: %s: 7-Zip reads %" PRIu64 " of its %" PRIu64
			  " bytes", path, e->path, x->off, e->size);
		goto out;
	}
	ret = WP_OK;
out:
	free(x);
	return ret;
}

/* One file record of `isoinfo -l`'s listing: "----------  ... [ LBA 00]  NAME;1"
 * under "Directory listing of /DIR/".  False for directories and other
 * lines. */
static bool isoinfo_file(const char *line, const char *dir, char *path, size_t size,
			 uint64_t *lba, uint64_t *bytes)
{
	const char *br = strchr(line, '['), *end = br ? strchr(br, ']') : NULL;
	if (line[0] != '-' || !br || !end || end[1] != ' ' || end[2] != ' ')
		return false;
	unsigned long long l = 0, b = 0;
	/* The mode, three numbers (links, owner, group), the size. */
	if (sscanf(br + 1, "%llu", &l) != 1 || sscanf(line + 10, "%*s %*s %*s %llu", &b) != 1)
		return false;
	snprintf(path, size, "%s%s", dir, end + 3);
	size_t n = strlen(path);
	while (n && path[n - 1] == ' ')	/* isoinfo ends each name with a space */
		path[--n] = '\0';
	char *semi = strrchr(path, ';');
	if (semi)
		*semi = '\0';
	n = strlen(path);
	if (n && path[n - 1] == '.')
		path[n - 1] = '\0';
	*lba = l;
	*bytes = b;
	return true;
}

static int fold_eq(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = *a >= 'a' && *a <= 'z' ? *a - 32 : *a, y = *b >= 'a' && *b <= 'z' ? *b - 32 : *b;
		if (x != y)
			return 0;
		if (!x)
			return 1;
	}
}

/* Is the record one of the removed files': by name, or (a name the tree
 * spells otherwise) by its first sector. */
static bool is_gone(const char *path, uint64_t lba, uint64_t bytes, const struct iso_gone *g,
		    size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fold_eq(path + 1, g[i].rel) || (bytes && g[i].size && lba == g[i].lba))
			return true;
	return false;
}

/* Is the record one of the added files': by name, or (the name the
 * tree gives it) by a sector of its data (one run, as isofs_add lays it
 * out; isoinfo names the last record of a multi-extent file), an empty
 * one by its extent at sector 0 (where isofs_add puts it). */
static bool is_added(const char *path, uint64_t lba, uint64_t bytes, const struct iso_gone *a,
		     size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fold_eq(path + 1, a[i].rel) ||
		    (a[i].size && lba >= a[i].lba && lba < a[i].lba + (a[i].size + 2047) / 2048) ||
		    (!a[i].size && !bytes && !lba))
			return true;
	return false;
}

/* isoinfo's listing of one tree of `path`: the file records, how many of
 * them are the removed files' and how many the added files'.  -1: no
 * such tree (the program failed), said by the caller when it matters. */
static int isoinfo_count(const char *path, bool joliet, const struct iso_gone *g, size_t n,
			 const struct iso_gone *add, size_t n_add, size_t *files, size_t *gone,
			 size_t *added)
{
	const char *argv[] = { tools[4].path, "-l", "-i", path, joliet ? "-J" : NULL, NULL };
	struct spawn_io io = { 0 };
	char dir[4096] = "/", rec[8192];
	int r = -1;

	*files = *gone = *added = 0;
	if (spawn_run(argv, &io) < 0 || io.status != 0)
		goto out;
	for (char *line = io.out, *eol; line && *line; line = eol ? eol + 1 : NULL) {
		uint64_t lba, bytes;
		if ((eol = strchr(line, '\n')))
			*eol = '\0';
		if (!strncmp(line, "Directory listing of ", 21))
			snprintf(dir, sizeof(dir), "%s", line + 21);
		else if (isoinfo_file(line, dir, rec, sizeof(rec), &lba, &bytes)) {
			++*files;
			*gone += is_gone(rec, lba, bytes, g, n);
			*added += is_added(rec, lba, bytes, add, n_add);
		}
	}
	r = 0;
out:
	spawn_io_free(&io);
	return r;
}

enum wp_err iso_verify_records(const char *path, const char *src, const struct iso_gone *g, size_t n,
				const struct iso_gone *add, size_t n_add, const size_t in_tree[2])
{
	for (int j = 0; j < 2; j++) {
		size_t sf, sg, sa, of, og, oa;
		const char *tree = j ? "Joliet" : "ISO 9660";
		/* The source's records that look like the added files' (by name
		 * or place) are not theirs: counted out of the output's. */
		if (isoinfo_count(src, j, g, n, add, n_add, &sf, &sg, &sa) < 0)
			continue;	/* the source has no such tree */
		if (isoinfo_count(path, j, g, n, add, n_add, &of, &og, &oa) < 0) {
			msg_error("%s: verification failed: isoinfo cannot list its %s tree", path, tree);
			return WP_ERR_WRITE;
		}
		if (og || oa < sa || oa - sa != in_tree[j] || of != sf - sg + in_tree[j]) {
			msg_error("%s: verification failed: isoinfo lists %zu file records in its %s tree "
				  "(%zu of the removed files', %zu of the added), the source %zu (%zu "
				  "removed, %zu to be added)", path, of, tree, og, oa - (oa < sa ? 0 : sa), sf, sg,
				  in_tree[j]);
			return WP_ERR_WRITE;
		}
		msg_verbose("%s: isoinfo lists the %s tree's %zu file records, without the %zu removed "
			    "and with the %zu added", path, tree, of, sg, oa - sa);
	}
	return WP_OK;
}

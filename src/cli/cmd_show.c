/*
 * cmd_show.c - "wimpatch show TARGET...": an inventory of what a medium,
 * WIM or hive holds now, and which images are exposed to the iSCSI
 * crash-dump blue screen.  Reads only.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "targets/bcd.h"
#include "cli/commands.h"
#include "cli/exit.h"
#include "util/fsutil.h"
#include "adapters/hive.h"
#include "targets/inventory.h"
#include "adapters/iso.h"
#include "util/msg.h"
#include "targets/targets.h"
#include "core/plan.h"
#include "targets/tree.h"
#include "adapters/wim.h"

static const char usage_text[] =
	"Usage: wimpatch show [-qv] [--work-dir DIR] TARGET...\n"
	"\n"
	"Show what TARGET holds now: for each WIM its images (index, name,\n"
	"edition, build, architecture, role) and, for each image, the settings\n"
	"the shipped profiles change (current control set, CrashDumpEnabled,\n"
	"BFE boot-time filters, PagingFiles, msiscsi), and whether the image is\n"
	"exposed to the iSCSI crash-dump blue screen.  Writes nothing.\n"
	"For BCD stores: the default loader, its debug setting and {dbgsettings}.\n"
	"TARGET is an installation tree, an .iso image of one, a .wim/.esd\n"
	"file, a BCD store or a SYSTEM hive.  For an .iso, its WIMs and BCD\n"
	"stores are extracted into a scratch directory next to it (or in\n"
	"--work-dir DIR), removed afterwards.\n"
	"\n"
	"Exit status: 0 shown, 2 usage error, 4 input error, 5 no scratch space.\n";

static void print_state(const char *indent, const struct system_state *st, long build)
{
	printf("%scurrent control set: %s\n", indent, st->control_set[0] ? st->control_set : "(none)");
	if (st->crash_dump < 0)
		printf("%sCrashDumpEnabled: (not set: crash dumps on by default)\n", indent);
	else
		printf("%sCrashDumpEnabled: %ld%s\n", indent, st->crash_dump,
		       st->crash_dump ? "" : " (off)");
	if (st->boot_filters < 0)
		printf("%sBFE boot-time filters: none (no BootTime\\Filter key)\n", indent);
	else
		printf("%sBFE boot-time filters: %ld\n", indent, st->boot_filters);
	printf("%sPagingFiles: %s\n", indent,
	       !st->paging_files_present ? "(not set)" : st->paging_files_set ? "set" : "empty (no page file)");
	printf("%smsiscsi: %s\n", indent, st->msiscsi ? "present" : "absent");
	printf("%s=> %s\n", indent, exposure_text(inventory_exposure(st, build)));
}

/* An .iso is shown from a scratch copy of its files; their paths are
 * printed as the image's ("X.iso/sources/boot.wim"). */
static const char *scratch_root, *image_name;

static const char *shown(const char *path)
{
	static char buf[PATH_MAX + 256];
	size_t n = scratch_root ? strlen(scratch_root) : 0;
	if (!n || strncmp(path, scratch_root, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return path;
	snprintf(buf, sizeof(buf), "%s%s", image_name, path + n);
	return buf;
}

static enum wp_err show_wim(const char *path, enum role hint)
{
	struct wim *w = wim_open(path, false);
	char *scratch = NULL;
	enum wp_err ret = WP_OK;

	if (!w)
		return WP_ERR_INPUT;
	if (!(scratch = fs_make_tempdir())) {
		wim_close(w);
		return WP_ERR_WRITE;
	}
	printf("%s: %d image%s, boot index %d", shown(path), wim_image_count(w),
	       wim_image_count(w) == 1 ? "" : "s", wim_boot_index(w));
	if (wim_is_split(w))
		printf(", split set of %u part%s", wim_part_count(w),
		       wim_part_count(w) == 1 ? "" : "s");
	printf("\n");
	for (int i = 1; i <= wim_image_count(w) && ret == WP_OK; i++) {
		struct wim_image img;
		char *stored = NULL, *dir = NULL, *file = NULL, *where = NULL;
		if (wim_image_get(w, i, &img) != WP_OK) {
			ret = WP_ERR_INTERNAL;
			break;
		}
		if (hint != ROLE_ANY)
			img.role = hint;
		printf("  image %d: %s\n", i, img.name);
		printf("    edition %s, build %s, %s, role %s\n", img.edition ? img.edition : "?",
		       img.build ? img.build : "?", img.arch ? img.arch : "?", role_name(img.role));
		enum wp_err f = wim_find_file(w, i, DEFAULT_HIVE, &stored);
		if (f != WP_OK) {
			ret = f;
		} else if (!stored) {
			printf("    (no %s)\n", DEFAULT_HIVE);
		} else if (asprintf(&dir, "%s/%d", scratch, i) < 0 ||
			   asprintf(&file, "%s/%s", dir, strrchr(stored, '/') + 1) < 0 ||
			   asprintf(&where, "%s: image %d: %s", shown(path), i, stored + 1) < 0) {
			ret = WP_ERR_INTERNAL;
		} else if (mkdir(dir, 0700) < 0) {
			msg_error("%s: %s", dir, strerror(errno));
			ret = WP_ERR_WRITE;
		} else if ((ret = wim_extract_file(w, i, stored, dir)) == WP_OK) {
			struct system_state st;
			if (inventory_read_system(file, where, &st) < 0)
				ret = WP_ERR_INPUT;
			else
				print_state("    ", &st, img.build ? atol(img.build) : 0);
		}
		free(stored);
		free(dir);
		free(file);
		free(where);
		wim_image_free(&img);
	}
	fs_remove_tempdir(scratch);
	wim_close(w);
	return ret;
}

static enum wp_err show_bcd(const char *path, const char *what)
{
	struct hive *h = bcdfile_open(path, HIVE_ALLOW_DIRTY);
	struct bcd_description d;
	enum wp_err ret = WP_OK;

	if (!h)
		return WP_ERR_INPUT;
	printf("%s: BCD store%s\n", shown(path), what);
	if (bcd_describe(h, path, &d) < 0) {
		ret = WP_ERR_INPUT;
	} else {
		if (!d.has_default)
			printf("  default loader: none (%s)\n", d.no_default);
		else
			printf("  default loader: %s%s%s%s\n", d.default_guid,
			       d.default_description ? " \"" : "",
			       d.default_description ? d.default_description : "",
			       d.default_description ? "\"" : d.default_exists ? "" : " (missing)");
		if (d.has_default)
			printf("  debug: %s\n", d.debug < 0 ? "not set (No)" : d.debug ? "Yes" : "No");
		if (!d.has_dbgsettings) {
			printf("  {dbgsettings}: none\n");
		} else {
			const char *t = d.debugtype >= 0 ? bcd_debugtype_name((uint64_t)d.debugtype) : NULL;
			printf("  {dbgsettings}: debugtype %s", d.debugtype < 0 ? "(not set)" : t ? t : "?");
			for (size_t i = 0; i < d.n_params; i++)
				printf(", %s %s", d.params[i].name, d.params[i].value);
			printf("\n");
		}
	}
	bcd_description_free(&d);
	hive_close(h);
	return ret;
}

static enum wp_err show_tree(const char *root)
{
	struct media_tree t;
	enum wp_err ret = WP_OK;

	if (tree_scan(root, &t) < 0) {
		tree_free(&t);
		return WP_ERR_INPUT;
	}
	printf("%s: Windows installation medium\n", shown(root));
	for (size_t i = 0; i < t.n_files && ret == WP_OK; i++) {
		const struct tree_file *f = &t.files[i];
		char *full;
		if (asprintf(&full, "%s/%s", root, f->rel) < 0)
			return WP_ERR_INTERNAL;
		switch (f->kind) {
		case TF_BOOT_WIM:
			ret = show_wim(full, ROLE_SETUP);
			break;
		case TF_INSTALL:
			ret = show_wim(full, ROLE_INSTALLED);
			break;
		case TF_SPLIT:		/* the whole set, through its first part */
			ret = show_wim(full, ROLE_INSTALLED);
			break;
		case TF_SPLIT_PART:	/* listed with the first part */
			break;
		case TF_BCD_BIOS:
			ret = show_bcd(full, " (BIOS)");
			break;
		case TF_BCD_EFI:
			ret = show_bcd(full, " (UEFI)");
			break;
		}
		free(full);
	}
	tree_free(&t);
	return ret;
}

static const char *work_dir;	/* --work-dir */

static enum wp_err show_iso(const char *path)
{
	struct iso_media m;
	char boot[256], what[PATH_MAX + 64];
	enum wp_err ret;

	snprintf(what, sizeof(what), "%s: reading an ISO image", path);
	if ((ret = iso_tools_find(ISO_TOOL_READER, what)) != WP_OK)
		return ret;
	if ((ret = iso_media_open(path, &m)) != WP_OK)
		return ret;
	/* Only the WIMs and BCD stores, in a scratch directory next to the
	 * image (or in --work-dir), removed when done. */
	if ((ret = iso_media_extract(&m, path, path, work_dir, false)) == WP_OK) {
		iso_describe_boot(&m.info, boot, sizeof(boot));
		printf("%s: ISO image (%s), label '%s', boot %s\n", path,
		       m.info.udf ? "UDF + ISO 9660" : "ISO 9660", m.info.label, boot);
		scratch_root = m.root;
		image_name = path;
		ret = show_tree(m.root);
		scratch_root = image_name = NULL;
	}
	iso_media_close(&m);
	return ret;
}

static enum wp_err show_target(const char *target)
{
	struct stat st;

	if (stat(target, &st) < 0) {
		msg_error("%s: %s", target, strerror(errno));
		return WP_ERR_INPUT;
	}
	if (S_ISDIR(st.st_mode))
		return show_tree(target);
	if (wim_file_is_wim(target))
		return show_wim(target, ROLE_ANY);
	if (hive_file_is_regf(target)) {
		char err[256];
		struct hive *h = hive_open(target, HIVE_ALLOW_DIRTY, err, sizeof(err));
		bool bcd = h && bcd_check_store(h, err, sizeof(err)) == 0;
		hive_close(h);
		if (bcd)
			return show_bcd(target, "");
		struct system_state s;
		if (inventory_read_system(target, target, &s) < 0)
			return WP_ERR_INPUT;
		printf("%s: registry hive\n", target);
		print_state("  ", &s, 0);
		return WP_OK;
	}
	if (iso_file_is_iso(target))
		return show_iso(target);
	msg_error("%s: not an installation tree, an ISO image, a WIM/ESD archive or a registry hive",
		  target);
	return WP_ERR_INPUT;
}

int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "work-dir", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 },
	};
	int c, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			msg_verbosity = VERB_QUIET;
			break;
		case 'v':
			msg_verbosity = VERB_VERBOSE;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		case 'W':
			work_dir = optarg;
			break;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		msg_error("no target given");
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	struct wim_settings ws = { .threads = 1 };
	if (wim_init(&ws) != WP_OK)
		return EXIT_INTERNAL;
	fs_install_signal_cleanup();
	for (int i = optind; i < argc && ret == EXIT_OK; i++)
		ret = exit_status(show_target(argv[i]));
	wim_cleanup();
	return ret;
}

/*
 * show.c - "what does this target hold now": for each WIM its images and,
 * for each image, the settings the shipped profiles change and whether
 * it is exposed to the iSCSI crash-dump blue screen; for BCD stores the
 * default loader and the debugger settings.  Reads only; the report goes
 * to stdout.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "adapters/hive.h"
#include "adapters/wim.h"
#include "targets/bcd.h"
#include "targets/inventory.h"
#include "targets/iso_media.h"
#include "targets/media.h"
#include "targets/target.h"
#include "targets/targets.h"
#include "targets/tree.h"
#include "util/fsutil.h"
#include "util/msg.h"
#include "util/path.h"

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
struct show_ctx {
	const struct show_opts *o;
	const char *scratch_root;	/* the scratch copy of an image's files, or NULL */
	const char *image_name;		/* the image they came from */
	char buf[PATH_MAX + 256];
};

static const char *shown(struct show_ctx *c, const char *path)
{
	size_t n = c->scratch_root ? strlen(c->scratch_root) : 0;
	if (!n || strncmp(path, c->scratch_root, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return path;
	snprintf(c->buf, sizeof(c->buf), "%s%s", c->image_name, path + n);
	return c->buf;
}

static enum wp_err show_wim_as(struct show_ctx *c, const char *path, enum role hint)
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
	printf("%s: %d image%s, boot index %d", shown(c, path), wim_image_count(w),
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
		else if (!img.install_type)
			img.role = media_role_of_name(path, &img.role_source);
		printf("  image %d: %s\n", i, img.name);
		printf("    edition %s, build %s, %s, role %s\n", img.edition ? img.edition : "?",
		       img.build ? img.build : "?", img.arch ? img.arch : "?", role_name(img.role));
		enum wp_err f = wim_find_file(w, i, DEFAULT_HIVE, &stored);
		if (f != WP_OK) {
			ret = f;
		} else if (!stored) {
			printf("    (no %s)\n", DEFAULT_HIVE);
		} else if (asprintf(&dir, "%s/%d", scratch, i) < 0 ||
			   asprintf(&file, "%s/%s", dir, path_base(stored)) < 0 ||
			   asprintf(&where, "%s: image %d: %s", shown(c, path), i, stored + 1) < 0) {
			ret = WP_ERR_INTERNAL;
		} else if ((ret = hivefile_check_wim_size(w, i, stored, where)) != WP_OK) {
			/* reported */
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

static enum wp_err show_bcd_as(struct show_ctx *c, const char *path, const char *what)
{
	struct hive *h = bcdfile_open(path, HIVE_ALLOW_DIRTY);
	struct bcd_description d;
	enum wp_err ret = WP_OK;

	if (!h)
		return WP_ERR_INPUT;
	printf("%s: BCD store%s\n", shown(c, path), what);
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

static enum wp_err show_tree_in(struct show_ctx *c, const char *root)
{
	struct media_tree t;
	enum wp_err ret = WP_OK;

	if (tree_scan(root, &t) < 0) {
		tree_free(&t);
		return WP_ERR_INPUT;
	}
	printf("%s: Windows installation medium\n", shown(c, root));
	for (size_t i = 0; i < t.n_files && ret == WP_OK; i++) {
		const struct tree_file *f = &t.files[i];
		char *full;
		if (asprintf(&full, "%s/%s", root, f->rel) < 0)
			return WP_ERR_INTERNAL;
		/* A split set is shown whole, through its first part. */
		if (media_kind_is_bcd(f->kind))
			ret = show_bcd_as(c, full, media_bcd_label(f->kind));
		else if (f->kind != MEDIA_SPLIT_PART)
			ret = show_wim_as(c, full, media_role(f->kind));
		free(full);
	}
	tree_free(&t);
	return ret;
}

enum wp_err show_iso(const char *path, const struct show_opts *o)
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
	if ((ret = iso_media_extract(&m, path, path, o->work_dir, false)) == WP_OK) {
		iso_describe_boot(&m.info, boot, sizeof(boot));
		printf("%s: ISO image (%s), label '%s', boot %s\n", path,
		       m.info.udf ? "UDF + ISO 9660" : "ISO 9660", m.info.label, boot);
		struct show_ctx c = { .o = o, .scratch_root = m.root, .image_name = path };
		ret = show_tree_in(&c, m.root);
	}
	iso_media_close(&m);
	return ret;
}

enum wp_err show_tree(const char *root, const struct show_opts *o)
{
	struct show_ctx c = { .o = o };
	return show_tree_in(&c, root);
}

enum wp_err show_wim(const char *path, const struct show_opts *o)
{
	struct show_ctx c = { .o = o };
	return show_wim_as(&c, path, ROLE_ANY);
}

enum wp_err show_bcd(const char *path, const struct show_opts *o)
{
	struct show_ctx c = { .o = o };
	return show_bcd_as(&c, path, "");
}

enum wp_err show_hive(const char *path, const struct show_opts *o)
{
	struct system_state s;

	(void)o;
	if (inventory_read_system(path, path, &s) < 0)
		return WP_ERR_INPUT;
	printf("%s: registry hive\n", path);
	print_state("  ", &s, 0);
	return WP_OK;
}

/* iso_media.c - a Windows medium in an ISO image, extracted; see iso_media.h. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "targets/iso_media.h"
#include "targets/media.h"
#include "util/fsutil.h"
#include "util/msg.h"
#include "util/path.h"

/* One file of the medium stored under two spellings is refused from the
 * listing, before anything is extracted (media.h says why). */
static enum wp_err check_spellings(const char *path, const struct iso_listing *l)
{
	const char **media = calloc(l->n + 1, sizeof(*media));
	size_t n = 0;
	enum media_kind kind;

	if (!media) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	for (size_t i = 0; i < l->n; i++)
		if (!l->v[i].dir && media_classify(l->v[i].path, &kind))
			media[n++] = l->v[i].path;
	int r = media_check_spellings(path, media, n);
	free(media);
	return r < 0 ? WP_ERR_INPUT : WP_OK;
}

enum wp_err iso_media_open(const char *path, struct iso_media *m)
{
	enum wp_err ret;

	memset(m, 0, sizeof(*m));
	if ((ret = iso_probe(path, &m->info)) != WP_OK)
		return ret;
	if ((ret = iso_list(path, &m->info, &m->files)) != WP_OK)
		return ret;
	if ((ret = check_spellings(path, &m->files)) != WP_OK) {
		iso_media_close(m);
		return ret;
	}
	const struct iso_entry *bw = iso_listing_find(&m->files, MEDIA_REQUIRED);
	if (!bw || bw->dir) {
		msg_error("%s: not a Windows installation medium (no " MEDIA_REQUIRED " in the image)",
			  path);
		iso_media_close(m);
		return WP_ERR_INPUT;
	}
	return WP_OK;
}

/* Make the extracted tree writable by its owner: wimpatch writes
 * temporary siblings next to the files it patches. */
static enum wp_err make_writable(const char *root, const struct iso_listing *l)
{
	for (size_t i = 0; i < l->n; i++) {
		char full[PATH_MAX];
		struct stat st;
		snprintf(full, sizeof(full), "%s/%s", root, l->v[i].path);
		mode_t want = l->v[i].dir ? S_IRWXU : S_IRUSR | S_IWUSR;
		if (lstat(full, &st) == 0 && (st.st_mode & want) != want &&
		    chmod(full, (st.st_mode & 07777) | want) < 0) {
			msg_error("%s: %s", full, strerror(errno));
			return WP_ERR_WRITE;
		}
	}
	return WP_OK;
}

/* The files to extract (all of them when `whole`: then *n_sel stays 0,
 * which iso_extract reads as "everything") and the bytes they take. */
static const char **select_files(const struct iso_media *m, bool whole, size_t *n_sel,
				 uint64_t *need)
{
	const char **sel = calloc(m->files.n + 1, sizeof(*sel));

	if (!sel) {
		msg_error("out of memory");
		return NULL;
	}
	*n_sel = 0;
	*need = 0;
	for (size_t i = 0; i < m->files.n; i++) {
		const struct iso_entry *e = &m->files.v[i];
		enum media_kind kind;
		if (e->dir || !(whole || media_classify(e->path, &kind)))
			continue;
		*need += e->size;
		if (!whole)
			sel[(*n_sel)++] = e->path;
	}
	return sel;
}

/* Make the scratch directory, next to `near` or in `work_dir`, and its
 * tree/ inside; the space check is done on the directory it is in. */
static enum wp_err make_work(struct iso_media *m, const char *near, const char *work_dir,
			     char *dir, size_t dir_size)
{
	char *base = NULL;
	enum wp_err ret = WP_OK;

	if (work_dir) {
		struct stat st;
		int e = stat(work_dir, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
		if (e) {
			msg_error("--work-dir %s: %s", work_dir, strerror(e));
			return WP_ERR_USAGE;
		}
		base = path_join(work_dir, path_base(near));
	} else {
		base = strdup(near);
	}
	if (!base) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	char *d = path_dir(base);
	snprintf(dir, dir_size, "%s", d ? d : ".");
	free(d);
	if (access(dir, W_OK | X_OK) < 0) {
		msg_error("%s: cannot make the work directory there: %s (--work-dir DIR puts it "
			  "elsewhere)", dir, strerror(errno));
		ret = WP_ERR_WRITE;
	} else if (fs_dir_near(base, &m->wd) < 0) {
		ret = WP_ERR_WRITE;
	} else if ((m->work = m->wd.name), asprintf(&m->root, "%s/tree", m->wd.path) < 0) {
		m->root = NULL;
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
	}
	free(base);
	return ret;
}

/* Room for the extracted files and, on the same file system, the new
 * image: about twice the image's size to rebuild it. */
static enum wp_err check_space(const struct iso_media *m, const char *path, const char *near,
			       const char *dir, bool whole, uint64_t need)
{
	struct statvfs vfs;
	struct stat ws, ns;
	char *near_dir = path_dir(near);

	if (whole && near_dir && fstat(m->wd.fd, &ws) == 0 && stat(near_dir, &ns) == 0 &&
	    ws.st_dev == ns.st_dev)
		need += m->info.size;
	free(near_dir);
	if (fstatvfs(m->wd.fd, &vfs) == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize < need) {
		char a[32], b[32];
		msg_error("%s: not enough free space in %s: about %s needed (%s), %s free; --work-dir "
			  "DIR puts the extracted files elsewhere", path, dir,
			  msg_human_size(need, a, sizeof(a)),
			  whole ? "the extracted files and the new image" : "the WIMs and BCD stores",
			  msg_human_size((uint64_t)vfs.f_bavail * vfs.f_frsize, b, sizeof(b)));
		return WP_ERR_WRITE;
	}
	return WP_OK;
}

/* Did everything arrive?  7-Zip's exit status alone does not say. */
static enum wp_err check_extracted(const struct iso_media *m, const char *path, bool whole,
				   const char *const *sel, size_t n_sel)
{
	struct iso_listing got;
	enum wp_err ret;

	if ((ret = iso_list_tree(m->root, &got)) != WP_OK)
		return ret;
	if (whole) {
		char what[PATH_MAX + 64];
		snprintf(what, sizeof(what), "%s: extraction incomplete", path);
		if (iso_listing_diff(&m->files, "the image", &got, "the extracted tree", what) > 0)
			ret = WP_ERR_INPUT;
	}
	for (size_t i = 0; i < n_sel && ret == WP_OK; i++) {
		const struct iso_entry *want = iso_listing_find(&m->files, sel[i]);
		const struct iso_entry *have = iso_listing_find(&got, sel[i]);
		if (!have || have->dir || have->size != want->size) {
			msg_error("%s: extraction incomplete: %s %s", path, sel[i],
				  have ? "differs in size" : "is missing");
			ret = WP_ERR_INPUT;
		}
	}
	if (ret == WP_OK)
		ret = make_writable(m->root, &got);
	iso_listing_free(&got);
	return ret;
}

enum wp_err iso_media_extract(struct iso_media *m, const char *path, const char *near,
			      const char *work_dir, bool whole)
{
	size_t n_sel = 0;
	uint64_t need = 0;
	char dir[PATH_MAX];
	const char **sel = select_files(m, whole, &n_sel, &need);
	enum wp_err ret;

	if (!sel)
		return WP_ERR_INTERNAL;
	ret = make_work(m, near, work_dir, dir, sizeof(dir));
	if (ret == WP_OK)
		ret = check_space(m, path, near, dir, whole, need);
	if (ret == WP_OK && mkdir(m->root, 0700) < 0) {
		msg_error("%s: %s", m->root, strerror(errno));
		ret = WP_ERR_WRITE;
	}
	if (ret == WP_OK)
		ret = iso_extract(path, &m->info, m->root, sel, n_sel, need);
	if (ret == WP_OK)
		ret = check_extracted(m, path, whole, sel, n_sel);
	free(sel);
	if (ret != WP_OK) {
		fs_dir_remove(&m->wd);
		m->work = NULL;
		free(m->root);
		m->root = NULL;
	}
	return ret;
}

void iso_media_close(struct iso_media *m)
{
	if (m->work)
		msg_verbose("removing the work directory %s", m->work);
	fs_dir_remove(&m->wd);
	m->work = NULL;
	free(m->root);
	m->root = NULL;
	iso_listing_free(&m->files);
}

void iso_media_boot_images(const struct iso_media *m, const char **bios, const char **uefi)
{
	const struct iso_entry *b = iso_listing_find(&m->files, MEDIA_BIOS_BOOT_IMAGE);
	const struct iso_entry *u = iso_listing_find(&m->files, MEDIA_UEFI_BOOT_IMAGE);
	*bios = b && !b->dir ? b->path : NULL;
	*uefi = u && !u->dir ? u->path : NULL;
}

size_t iso_media_boot_report(const struct iso_info *info, const char *bios_image,
			     const char *uefi_image, struct report_boot *out, size_t max)
{
	size_t n = 0;

	for (; n < info->n_boot && n < max; n++) {
		const struct iso_boot_entry *e = &info->boot[n];
		bool bios = e->platform == ISO_PLATFORM_BIOS, uefi = e->platform == ISO_PLATFORM_UEFI;
		out[n] = (struct report_boot){
			.platform = bios ? "bios" : uefi ? "uefi" : "other",
			.platform_id = e->platform_id,
			.bootable = e->bootable,
			.no_emulation = e->no_emulation,
			.load_sectors = e->load_sectors,
			.image = bios ? bios_image : uefi ? uefi_image : NULL,
		};
	}
	return n;
}

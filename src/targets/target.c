/* target.c - the kinds of target and how one is recognised; see target.h. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/hive.h"
#include "adapters/iso.h"
#include "adapters/wim.h"
#include "targets/target.h"
#include "util/fdio.h"
#include "util/fsutil.h"
#include "util/infile.h"
#include "util/lock.h"
#include "util/msg.h"

enum wp_err target_lock(const char *path, const struct patch_opts *o, bool wim)
{
	unsigned how = (!o->dry_run && !o->output ? FS_LOCK_EXCL : 0) | (wim ? FS_LOCK_OFD : 0) |
		       (o->wait ? FS_LOCK_WAIT : 0);
	int r = fs_lock(path, how);
	if (r == 0) {
		/* Ours to write: what killed runs left beside it goes. */
		if (how & FS_LOCK_EXCL)
			fs_clean_stale(path);
		return WP_OK;
	}
	/* Busy, or a WIM that cannot be opened for writing in place: nothing
	 * can be written, the input is fine. */
	if (r == FS_LOCK_BUSY || ((how & FS_LOCK_EXCL) && (how & FS_LOCK_OFD) &&
				  (errno == EROFS || errno == EACCES || errno == EPERM ||
				   errno == ETXTBSY)))
		return WP_ERR_WRITE;
	return WP_ERR_INPUT;
}

/* The kinds that are one file with one report. */
static enum wp_err apply_one(const char *path, const struct patch_opts *o, report_fn done,
			     void *ctx, enum wp_err (*patch)(const char *, const struct patch_opts *,
							     struct file_report *))
{
	struct file_report fr = { 0 };
	enum wp_err ret;

	if (!(fr.path = strdup(path)) || (o->output && !(fr.output = strdup(o->output)))) {
		msg_error("out of memory");
		file_report_free(&fr);
		return WP_ERR_INTERNAL;
	}
	ret = patch(path, o, &fr);
	if (ret == WP_OK)
		done(&fr, ctx);
	file_report_free(&fr);
	return ret;
}

static enum wp_err patch_bcd_any(const char *path, const struct patch_opts *o,
				 struct file_report *fr)
{
	/* A store on its own: every BCD rule applies, whichever store it names. */
	return patch_bcd_file(path, BCD_STORE_ANY, o, fr);
}

static enum wp_err apply_wim(const char *path, const struct patch_opts *o, report_fn done, void *ctx)
{
	return apply_one(path, o, done, ctx, patch_wim);
}

static enum wp_err apply_bcd(const char *path, const struct patch_opts *o, report_fn done, void *ctx)
{
	return apply_one(path, o, done, ctx, patch_bcd_any);
}

static enum wp_err apply_hive(const char *path, const struct patch_opts *o, report_fn done,
			      void *ctx)
{
	return apply_one(path, o, done, ctx, patch_hive_file);
}

static const struct target_type types[] = {
	[TARGET_TREE] = { TARGET_TREE, "an installation tree", patch_tree, show_tree, query_tree },
	[TARGET_ISO] = { TARGET_ISO, "an ISO image", patch_iso, show_iso, query_iso },
	[TARGET_WIM] = { TARGET_WIM, "a WIM/ESD archive", apply_wim, show_wim, query_wim },
	[TARGET_BCD] = { TARGET_BCD, "a BCD store", apply_bcd, show_bcd, query_bcd },
	[TARGET_HIVE] = { TARGET_HIVE, "a registry hive", apply_hive, show_hive, query_hive },
};

static enum target_kind kind_of_file(const char *path, const unsigned char *head, size_t n,
				     bool *known)
{
	*known = true;
	if (wim_header_is_wim(head, n))
		return TARGET_WIM;
	if (hive_header_is_regf(head, n))
		return bcdfile_is_store(path) ? TARGET_BCD : TARGET_HIVE;
	if (iso_header_is_iso(head, n))
		return TARGET_ISO;
	*known = false;
	return TARGET_HIVE;
}

enum wp_err target_detect(const char *path, const struct target_type **type)
{
	struct stat st;
	char why[256];
	/* The head is read from what was checked: a FIFO put in the file's
	 * place after a stat would otherwise hang the open. */
	int fd = infile_open(path, true, &st, why, sizeof(why));

	if (fd < 0) {
		msg_error("%s: %s", path, why);
		return WP_ERR_INPUT;
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		*type = &types[TARGET_TREE];
		return WP_OK;
	}
	unsigned char *head = malloc(ISO_HEADER_SIZE);
	if (!head) {
		close(fd);
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	ssize_t n = pread_full(fd, head, ISO_HEADER_SIZE, 0);
	if (n < 0)
		msg_error("%s: %s", path, strerror(errno));
	close(fd);
	if (n < 0) {
		free(head);
		return WP_ERR_INPUT;
	}
	bool known;
	enum target_kind k = kind_of_file(path, head, (size_t)n, &known);
	free(head);
	if (!known) {
		msg_error("%s: not a WIM/ESD archive or a registry hive, nor an ISO image or an "
			  "installation tree", path);
		return WP_ERR_INPUT;
	}
	*type = &types[k];
	return WP_OK;
}

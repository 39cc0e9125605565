/* hivefile.c - one hive file: apply, write, read back; see patch.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "targets/engine.h"
#include "targets/hivelogs.h"
#include "adapters/wim.h"
#include "core/error.h"
#include "util/fsutil.h"
#include "util/lock.h"
#include "adapters/hive.h"
#include "util/msg.h"
#include "util/path.h"
#include "targets/targets.h"
#include "core/regfile.h"
#include "core/report.h"

enum wp_err hivefile_check_wim_size(struct wim *w, int image, const char *stored,
				    const char *where)
{
	char why[512];
	uint64_t size;
	enum wp_err ret = wim_file_size(w, image, stored, &size);

	if (ret != WP_OK)
		return ret;
	if (hive_size_acceptable(size, "the file", why, sizeof(why)))
		return WP_OK;
	msg_error("%s: %s", where, why);
	return WP_ERR_INPUT;
}

enum wp_err hivefile_check_reg(const struct patch_opts *o, const struct changelist *cl,
			       const char *where)
{
	const char *key, *name;

	if (!o->reg_report && !o->reg_undo)
		return WP_OK;
	if (regfile_can_hold(cl, o->reg_undo, &key, &name))
		return WP_OK;
	/* msg.c shows the control characters escaped. */
	msg_error("%s: key '%s'%s%s%s: the %s name holds a control character (shown escaped "
		  "here), which a .reg file cannot express, so %s could not record this change: "
		  "refused before anything was written", where, key, name ? ", value '" : "",
		  name ? name : "", name ? "'" : "", name ? "value's" : "key's",
		  o->reg_undo ? "the undo record (--undo-file)" : "the .reg report (--format=reg)");
	return WP_ERR_INPUT;
}

enum wp_err hivefile_verify(const char *path, const struct changelist *cl, const char *where,
		    bool allow_dirty)
{
	char err[512];
	struct hive *h = hive_open(path, allow_dirty ? HIVE_ALLOW_DIRTY : 0, err, sizeof(err));
	if (!h) {
		msg_error("%s: verification failed: the written hive cannot be read back: %s", where,
			  err);
		return WP_ERR_WRITE;
	}
	int r = engine_verify(h, cl, where);
	hive_close(h);
	return r < 0 ? WP_ERR_WRITE : WP_OK;
}

enum wp_err hivefile_edit(const char *src, const struct rule *const *rules, size_t n_rules,
		  const char *where, bool allow_dirty, struct changelist *out, struct hive **hp)
{
	char err[512];
	int flags = HIVE_WRITABLE | (allow_dirty ? HIVE_ALLOW_DIRTY : 0);
	struct hive *h = hive_open(src, flags, err, sizeof(err));

	*hp = NULL;
	if (!h) {
		msg_error("%s: %s", where, err);
		return WP_ERR_INPUT;
	}
	if (engine_apply(h, rules, n_rules, where, out) < 0) {
		hive_close(h);
		return WP_ERR_INPUT;
	}
	*hp = h;
	return WP_OK;
}

enum wp_err hivefile_write(struct hive *h, const char *dst, const struct changelist *cl,
		   const char *where, bool sync)
{
	if (hive_commit(h, dst) < 0) {
		msg_error("%s: cannot write the new hive: %s", where, hive_error(h));
		return WP_ERR_WRITE;
	}
	if (sync && fs_fsync_file(dst) < 0)
		return WP_ERR_WRITE;
	/* hivex writes the whole hive anew with equal sequence numbers, so
	 * the result is checked without the dirty-hive exemption. */
	return hivefile_verify(dst, cl, where, false);
}

void hivefile_close(struct hive *h)
{
	hive_close(h);
}

void patch_committed(const struct patch_opts *o, struct file_report *fr)
{
	fr->status = FILE_WRITTEN;
	if (o->committed)
		o->committed(fr, o->committed_ctx);
}

enum wp_err hivefile_finish(struct hive *h, const char *src, const char *locked,
			    const struct patch_opts *o, struct file_report *fr)
{
	struct hive_report *rep = &fr->hives[fr->n_hives - 1];
	const struct changelist *cl = &rep->changes;
	enum file_status *status = &fr->status;
	const char *dest = o->output ? o->output : src;
	const char *base = path_base(dest);
	struct fs_dir d;
	char *file = NULL;
	int fd = -1, ret = WP_ERR_WRITE;

	*status = FILE_UNCHANGED;
	if (cl->n == 0 && (o->dry_run || !o->output))
		return WP_OK;	/* nothing to change: not a byte written */
	/* The logs beside the hive written (in a tree made with -o, the
	 * copies), found before anything is (hivelogs.h). */
	if (cl->n && (ret = hivelogs_find(dest, fr->output ? fr->output : dest, rep)) != WP_OK)
		return ret;
	ret = WP_ERR_WRITE;
	if (o->dry_run) {
		hivelogs_say(src, rep);
		*status = FILE_PENDING;
		return WP_OK;
	}
	/* The new file is made in a private directory next to dest and
	 * renamed from there (util/fsutil.h). */
	if (fs_dir_near(dest, &d) < 0)
		return WP_ERR_WRITE;
	if (!(file = fs_dir_file(&d, base)) || (fd = fs_dir_create(&d, base)) < 0)
		goto out;
	if (cl->n) {
		/* hivex writes it by name, through the private directory. */
		close(fd);
		fd = -1;
		ret = hivefile_write(h, file, cl, src, true);
	} else {
		/* -o always leaves a result, even an unchanged one. */
		ret = fs_copy_to_fd(locked, fd, dest) < 0 ? WP_ERR_WRITE : WP_OK;
	}
	/* The edit was made to the file locked: if another file was renamed
	 * over its name since, that one is left alone (lock.h). */
	if (ret == WP_OK && !o->output && fs_lock_check(src) < 0)
		ret = WP_ERR_WRITE;
	/* In place, it replaces the hive with the hive's owner, group and
	 * mode, locked first; an output must not exist.  Then its logs, with
	 * no signal in between, and the commit point is recorded. */
	fs_hold_signals(true);
	if (ret == WP_OK &&
	    fs_dir_put(&d, base, fd, dest, o->output ? FS_PUT_NEW : FS_PUT_LOCK, NULL,
		       fs_output_mode(locked)) < 0)
		ret = WP_ERR_WRITE;
	if (ret == WP_OK && cl->n) {
		/* The hive is in place, whatever fails after it. */
		ret = hivelogs_empty_files(rep);
		hivelogs_say(src, rep);
		patch_committed(o, fr);
	} else if (ret == WP_OK) {
		*status = FILE_COPIED;
	}
	fs_hold_signals(false);
out:
	if (ret != WP_OK && *status != FILE_WRITTEN)
		*status = FILE_UNCHANGED;
	if (fd >= 0)
		close(fd);
	free(file);
	fs_dir_remove(&d);
	return ret;
}

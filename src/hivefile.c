/* hivefile.c - one hive file: apply, write, read back; see patch.h. */
#include "config.h"

#include <stdio.h>

#include "engine.h"
#include "exitcode.h"
#include "fsutil.h"
#include "hive.h"
#include "msg.h"
#include "patch.h"

int hivefile_verify(const char *path, const struct changelist *cl, const char *where,
		    bool allow_dirty)
{
	char err[512];
	struct hive *h = hive_open(path, allow_dirty ? HIVE_ALLOW_DIRTY : 0, err, sizeof(err));
	if (!h) {
		msg_error("%s: the written hive cannot be read back: %s", where, err);
		return EXIT_WRITE;
	}
	int r = engine_verify(h, cl, where);
	hive_close(h);
	return r < 0 ? EXIT_WRITE : EXIT_OK;
}

int hivefile_edit(const char *src, const struct rule *const *rules, size_t n_rules,
		  const char *where, bool allow_dirty, struct changelist *out, struct hive **hp)
{
	char err[512];
	int flags = HIVE_WRITABLE | (allow_dirty ? HIVE_ALLOW_DIRTY : 0);
	struct hive *h = hive_open(src, flags, err, sizeof(err));

	*hp = NULL;
	if (!h) {
		msg_error("%s: %s", where, err);
		return EXIT_INPUT;
	}
	if (engine_apply(h, rules, n_rules, where, out) < 0) {
		hive_close(h);
		return EXIT_INPUT;
	}
	*hp = h;
	return EXIT_OK;
}

int hivefile_write(struct hive *h, const char *dst, const struct changelist *cl,
		   const char *where)
{
	if (hive_commit(h, dst) < 0) {
		msg_error("%s: cannot write %s: %s", where, dst, hive_error(h));
		return EXIT_WRITE;
	}
	if (fs_fsync_file(dst) < 0)
		return EXIT_WRITE;
	/* hivex writes the whole hive anew with equal sequence numbers, so
	 * the result is checked without the dirty-hive exemption. */
	return hivefile_verify(dst, cl, where, false);
}

void hivefile_close(struct hive *h)
{
	hive_close(h);
}

/* hivelogs.c - the transaction logs beside a rewritten hive; see hivelogs.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/hive.h"
#include "targets/hivelogs.h"
#include "util/fsutil.h"
#include "util/msg.h"
#include "util/path.h"

const char *const hivelogs_suffix[HIVE_LOGS_MAX] = { ".LOG", ".LOG1", ".LOG2" };

bool hivelogs_hive_dirty(const char *path)
{
	struct hive_base b;
	uint64_t size;

	return hive_base_read(path, &b, &size) == 0 && hive_base_dirty(&b);
}

bool hivelogs_warn_dirty(const char *path, const char *where)
{
	struct hive_base b;
	uint64_t size;

	if (hive_base_read(path, &b, &size) < 0 || !hive_base_dirty(&b))
		return false;
	msg_warn("%s: the hive is dirty (sequence numbers %" PRIu32 " and %" PRIu32 " differ): "
		 "Windows replays its transaction logs (.LOG1, .LOG2) when it loads it, and wimpatch "
		 "does not read them, so what is shown may be out of date; diff and apply refuse it "
		 "without --allow-dirty", where, b.seq1, b.seq2);
	return true;
}

enum wp_err hivelogs_note(struct hive_report *rep, char *name, const char *file)
{
	struct hive_base b;
	uint64_t size;

	if (rep->n_logs == HIVE_LOGS_MAX) {
		msg_error("%s: more transaction logs than a hive has", name);
		free(name);
		return WP_ERR_INPUT;
	}
	if (hive_base_read(file, &b, &size) < 0) {
		msg_error("%s: cannot read this transaction log: %s", name, strerror(errno));
		free(name);
		return WP_ERR_INPUT;
	}
	struct hive_log *l = &rep->logs[rep->n_logs++];
	l->name = name;
	l->size = size;
	l->regf = b.regf;
	l->seq1 = b.seq1;
	l->seq2 = b.seq2;
	/* Log data (entries, or a dirty vector and pages) starts at the
	 * second sector: a log no bigger than one holds none to replay. */
	l->action = size > 512 ? "to empty" : size ? "no data" : "empty";
	return WP_OK;
}

/* Which log `name` is for the hive named `base`: its suffix's index, or -1. */
static int log_index(const char *name, const char *base)
{
	size_t n = strlen(base);

	if (strncasecmp(name, base, n) != 0)
		return -1;
	for (int i = 0; i < HIVE_LOGS_MAX; i++)
		if (strcasecmp(name + n, hivelogs_suffix[i]) == 0)
			return i;
	return -1;
}

/* The name of `file` in the hive's directory `dir` as messages give it:
 * as the hive's own path gives its directory. */
static char *log_path(const char *hive, const char *dir, const char *file)
{
	char *p = strchr(hive, '/') ? path_join(dir, file) : strdup(file);

	if (!p)
		msg_error("out of memory");
	return p;
}

enum wp_err hivelogs_find(const char *hive, const char *shown, struct hive_report *rep)
{
	char *dir = path_dir(hive), *found[HIVE_LOGS_MAX] = { 0 };
	const char *base = path_base(hive);
	enum wp_err ret = WP_OK;
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;

	if (!d) {
		msg_error("%s: cannot list the hive's directory to find its transaction logs: %s",
			  hive, dir ? strerror(errno) : "out of memory");
		free(dir);
		return dir ? WP_ERR_INPUT : WP_ERR_INTERNAL;
	}
	while (ret == WP_OK && (e = readdir(d))) {
		int i = log_index(e->d_name, base);
		struct stat st;
		if (i < 0 || fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;	/* Windows writes only regular files */
		if (found[i]) {
			msg_error("%s: two transaction logs for one hive, %s and %s (names differing "
				  "only in case): which one Windows reads is not known", hive, found[i],
				  e->d_name);
			ret = WP_ERR_INPUT;
		} else if (!(found[i] = log_path(hive, dir, e->d_name))) {
			ret = WP_ERR_INTERNAL;
		}
	}
	closedir(d);
	/* In the order of hivelogs_suffix, whatever the directory's. */
	char *shown_dir = path_dir(shown);
	for (int i = 0; i < HIVE_LOGS_MAX; i++) {
		char *name = NULL;
		if (found[i] && ret == WP_OK &&
		    !(name = log_path(shown, shown_dir ? shown_dir : ".", path_base(found[i]))))
			ret = WP_ERR_INTERNAL;
		if (name && (ret = hivelogs_note(rep, name, found[i])) == WP_OK)
			rep->logs[rep->n_logs - 1].at = found[i];
		else
			free(found[i]);
	}
	free(shown_dir);
	free(dir);
	return ret;
}

/* Replace `path` by an empty file: made in a private directory next to
 * it, put in place with its owner, group and mode (fs_dir_put). */
static int empty_file(const char *path)
{
	const char *base = path_base(path);
	struct fs_dir d;
	int fd = -1, r = -1;

	if (fs_dir_near(path, &d) < 0)
		return -1;
	if ((fd = fs_dir_create(&d, base)) >= 0)
		r = fs_dir_put(&d, base, fd, path, FS_PUT_LOCK, NULL, 0);
	if (fd >= 0)
		close(fd);
	fs_dir_remove(&d);
	return r;
}

enum wp_err hivelogs_empty_files(struct hive_report *rep)
{
	enum wp_err ret = WP_OK;

	for (size_t k = 0; k < rep->n_logs; k++) {
		struct hive_log *l = &rep->logs[k];
		if (strcmp(l->action, "to empty") != 0)
			continue;
		if (empty_file(l->at ? l->at : l->name) < 0) {
			msg_error("%s: the hive beside it is written, but this transaction log could not "
				  "be emptied: it describes the old hive; truncate it to 0 bytes before "
				  "Windows uses the hive", l->name);
			ret = WP_ERR_WRITE;
			continue;
		}
		l->action = "emptied";
	}
	return ret;
}

void hivelogs_say(const char *where, const struct hive_report *rep)
{
	for (size_t k = 0; k < rep->n_logs; k++) {
		const struct hive_log *l = &rep->logs[k];
		if (l->regf)
			msg_verbose("%s: transaction log %s: %" PRIu64 " bytes, sequence numbers %" PRIu32
				    "/%" PRIu32 ": %s", where, l->name, l->size, l->seq1, l->seq2,
				    l->action);
		else
			msg_verbose("%s: transaction log %s: %" PRIu64 " bytes%s: %s", where, l->name,
				    l->size, l->size ? ", no base block" : "", l->action);
	}
}

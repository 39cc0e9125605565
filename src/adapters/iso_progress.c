/* iso_progress.c - progress of the silent ISO tools; see iso_progress.h. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/iso_progress.h"
#include "util/progress.h"

/* Deep enough for any installation tree; a deeper one is wimpatch's own
 * scratch gone wrong, and only progress would be off. */
#define MAX_DEPTH 64

static uint64_t bytes_at(int dfd, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	uint64_t sum = 0;

	if (!d) {
		close(dfd);
		return 0;
	}
	while ((e = readdir(d))) {
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			sum += (uint64_t)st.st_size;
		} else if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			int sub = openat(dirfd(d), e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				sum += bytes_at(sub, depth + 1);
		}
	}
	closedir(d);
	return sum;
}

uint64_t iso_tree_bytes(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? 0 : bytes_at(fd, 0);
}

static uint64_t bytes_now(const struct iso_tick *t)
{
	struct stat st;

	if (t->out_file)
		return stat(t->out_file, &st) == 0 ? (uint64_t)st.st_size : 0;
	return t->out_dir ? iso_tree_bytes(t->out_dir) : 0;
}

void iso_tick(void *ctx)
{
	const struct iso_tick *t = ctx;
	uint64_t done = progress_shown() ? bytes_now(t) : 0;

	/* An estimate is short of the end until the end: the image's own
	 * structures come on top of the files' bytes. */
	if (t->total && done >= t->total)
		done = t->total - 1;
	progress_update(t->file, t->step, done, t->total);
}

void iso_tick_done(const struct iso_tick *t, bool ok)
{
	if (ok && progress_shown()) {
		uint64_t done = bytes_now(t);
		/* The end as it came out: what was written, of itself. */
		progress_update(t->file, t->step, done, t->total ? done : 0);
	}
	progress_done();
}

/* undo_lock.c - one run at a time appends to an undo file; see undo_lock.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/undo_lock.h"
#include "util/fsutil.h"
#include "util/lock.h"
#include "util/msg.h"

/* The empty file this run made in the undo file's place, while it is
 * still that. */
static struct {
	char *path;
	dev_t dev;
	ino_t ino;
} made;

/* Make the empty file and lock it: 0, 1 when another run made one first
 * (or locked this one at once: it is then that run's), -1 (said). */
static int make_placeholder(const char *path)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);

	if (fd < 0 && errno == EEXIST)
		return 1;
	if (fd < 0 || fstat(fd, &st) < 0) {
		msg_error("%s: cannot create the undo file: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!(made.path = strdup(path))) {
		msg_error("out of memory");
		close(fd);
		unlink(path);
		return -1;
	}
	made.dev = st.st_dev;
	made.ino = st.st_ino;
	fs_track_file(made.path);
	int r = fs_lock_fd(fd, path, FS_LOCK_EXCL | FS_LOCK_KEEP);
	close(fd);
	if (r == FS_LOCK_BUSY) {
		/* Another run found it and locked it first: its to keep. */
		fs_untrack_file(made.path);
		free(made.path);
		made.path = NULL;
		return 1;
	}
	return r < 0 ? -1 : 0;
}

int undo_lock(const char *path, bool wait)
{
	unsigned how = FS_LOCK_EXCL | FS_LOCK_KEEP | FS_LOCK_MAY_GO | (wait ? FS_LOCK_WAIT : 0);

	for (int tries = 0; tries < 1000; tries++) {
		struct stat st;
		if (lstat(path, &st) < 0 && errno == ENOENT) {
			int r = make_placeholder(path);
			if (r <= 0)
				return r;
			continue;	/* another run's now: as if it had been there */
		}
		int r = fs_lock(path, how);
		if (r == 0)
			return 0;
		if (r != FS_LOCK_GONE)
			return -1;
		/* The run we waited for made it and removed it again. */
	}
	msg_error("%s: made and removed by other runs again and again: cannot lock it", path);
	return -1;
}

void undo_lock_recording(void)
{
	/* Not the signal handler's to remove from now on: the record may be
	 * renamed over it any moment.  The end still removes it if it is
	 * still the empty file (the record could not be written). */
	if (made.path)
		fs_untrack_file(made.path);
}

void undo_lock_end(void)
{
	struct stat st;

	if (!made.path)
		return;
	/* Still the empty file made (the lock keeps other runs off it). */
	if (lstat(made.path, &st) == 0 && st.st_dev == made.dev && st.st_ino == made.ino &&
	    st.st_size == 0 && unlink(made.path) < 0)
		msg_warn("%s: cannot remove the empty undo file this run made: %s", made.path,
			 strerror(errno));
	fs_untrack_file(made.path);
	free(made.path);
	made.path = NULL;
}

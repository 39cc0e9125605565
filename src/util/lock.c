/* lock.c - locks that keep wimpatch runs apart; see lock.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/array.h"
#include "util/lock.h"
#include "util/msg.h"

/* The stack.  An entry with fd -1 is a second taking of a file an
 * earlier entry holds. */
struct held {
	dev_t dev;
	ino_t ino;
	int fd;
	bool exclusive;
};
static struct held *stack;
static size_t depth, alloc;
/* The descriptor of the file locked (or taken again) last; -1: none. */
static int last_fd = -1;
/* FS_LOCK_KEEP: the descriptors that hold them, open until the end. */
static int *kept;
static size_t n_kept, a_kept;

/* Another run replacing a file again and again could keep a run that
 * does not wait going for ever; this many tries is plenty. */
#define MAX_TRIES 1000

static const struct held *find(const struct stat *st)
{
	for (size_t i = 0; i < depth; i++)
		if (stack[i].fd >= 0 && stack[i].dev == st->st_dev && stack[i].ino == st->st_ino)
			return &stack[i];
	return NULL;
}

static bool push(const struct stat *st, int fd, bool exclusive, unsigned how)
{
	if ((how & FS_LOCK_KEEP) && fd >= 0) {
		if (!ARRAY_GROW(kept, n_kept + 1, a_kept)) {
			msg_error("out of memory");
			return false;
		}
		kept[n_kept++] = fd;
		return true;
	}
	if (!ARRAY_GROW(stack, depth + 1, alloc)) {
		msg_error("out of memory");
		return false;
	}
	stack[depth++] = (struct held){ st->st_dev, st->st_ino, fd, exclusive };
	if (fd >= 0)
		last_fd = fd;
	return true;
}

/* One attempt: 0, or -1 with errno (EWOULDBLOCK/EAGAIN: held). */
static int try_lock(int fd, unsigned how, bool block)
{
	int r;
	do {
		if (how & FS_LOCK_OFD) {
			struct flock fl = { 0 };
			fl.l_type = (how & FS_LOCK_EXCL) ? F_WRLCK : F_RDLCK;
			fl.l_whence = SEEK_SET;	/* l_start 0, l_len 0: the whole file */
			r = fcntl(fd, block ? F_OFD_SETLKW : F_OFD_SETLK, &fl);
			if (r < 0 && errno == EACCES)
				errno = EWOULDBLOCK;
		} else {
			r = flock(fd, ((how & FS_LOCK_EXCL) ? LOCK_EX : LOCK_SH) | (block ? 0 : LOCK_NB));
		}
	} while (r < 0 && errno == EINTR);
	return r;
}

static bool unsupported(int e)
{
	return e == ENOLCK || e == EOPNOTSUPP || e == ENOSYS || e == EINVAL || e == EBADF;
}

/* Lock `fd` (of `path`): 0, FS_LOCK_BUSY or -1, reported. */
static int lock_open_fd(int fd, const char *path, unsigned how, bool *said_wait)
{
	if (try_lock(fd, how, false) == 0)
		return 0;
	if (errno == EWOULDBLOCK || errno == EAGAIN) {
		if (!(how & FS_LOCK_WAIT)) {
			msg_error("%s: in use by another wimpatch run (it holds a lock on it); left as "
				  "it is: run again when that run is done, or give --wait to wait for it",
				  path);
			return FS_LOCK_BUSY;
		}
		if (!*said_wait)
			msg_info("%s: in use by another wimpatch run; waiting for it (--wait)", path);
		*said_wait = true;
		if (try_lock(fd, how, true) == 0)
			return 0;
	}
	if (unsupported(errno)) {
		msg_warn("%s: cannot lock it (%s): another wimpatch run on it at the same time "
			 "would not be kept off", path, strerror(errno));
		return 0;
	}
	msg_error("%s: cannot lock it: %s", path, strerror(errno));
	return -1;
}

int fs_lock(const char *path, unsigned how)
{
	bool said_wait = false;
	/* An OFD write lock needs a descriptor open for writing. */
	int flags = ((how & FS_LOCK_OFD) && (how & FS_LOCK_EXCL) ? O_RDWR : O_RDONLY) |
		    O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

	for (int tries = 0; tries < MAX_TRIES; tries++) {
		struct stat st, now;
		int fd = open(path, flags);
		if (fd < 0 && errno == ENOENT && (how & FS_LOCK_MAY_GO))
			return FS_LOCK_GONE;
		if (fd < 0 || fstat(fd, &st) < 0) {
			int e = errno;
			msg_error("%s: %s%s", path, (flags & O_RDWR) ? "cannot open it for writing: " : "",
				  strerror(e));
			if (fd >= 0)
				close(fd);
			errno = e;
			return -1;
		}
		const struct held *h = find(&st);
		if (h) {
			close(fd);
			if ((how & FS_LOCK_EXCL) && !h->exclusive) {
				msg_error("%s: locked shared by this run, cannot lock it for writing "
					  "(a bug)", path);
				return -1;
			}
			int held_fd = h->fd;	/* push may move the stack */
			if (!push(&st, -1, h->exclusive, how))
				return -1;
			last_fd = held_fd;
			return 0;
		}
		int r = lock_open_fd(fd, path, how, &said_wait);
		if (r != 0) {
			close(fd);
			return r;
		}
		/* The name may lead elsewhere now: another run renamed a new file
		 * over the one we waited for. */
		if (stat(path, &now) < 0 && errno == ENOENT && (how & FS_LOCK_MAY_GO)) {
			close(fd);
			return FS_LOCK_GONE;
		}
		if (stat(path, &now) < 0) {
			msg_error("%s: %s (removed while this run %s)", path, strerror(errno),
				  said_wait ? "waited for it" : "locked it");
			close(fd);
			return -1;
		}
		if (now.st_dev == st.st_dev && now.st_ino == st.st_ino) {
			if (!push(&st, fd, how & FS_LOCK_EXCL, how)) {
				close(fd);
				return -1;
			}
			return 0;
		}
		close(fd);
		msg_verbose("%s: replaced by another run meanwhile; locking the new file", path);
	}
	msg_error("%s: replaced by other runs again and again: cannot lock it", path);
	return FS_LOCK_BUSY;
}

int fs_lock_fd(int fd, const char *path, unsigned how)
{
	bool said_wait = false;
	struct stat st;
	int own = fcntl(fd, F_DUPFD_CLOEXEC, 3);

	if (own < 0 || fstat(own, &st) < 0) {
		msg_error("%s: %s", path, strerror(errno));
		if (own >= 0)
			close(own);
		return -1;
	}
	int r = lock_open_fd(own, path, how & ~(unsigned)FS_LOCK_WAIT, &said_wait);
	if (r == 0 && !push(&st, own, how & FS_LOCK_EXCL, how))
		r = -1;
	if (r != 0)
		close(own);
	return r;
}

int fs_lock_last_path(char *buf, size_t size)
{
	if (last_fd < 0 || snprintf(buf, size, "/proc/self/fd/%d", last_fd) >= (int)size) {
		msg_error("no file locked to open (a bug)");
		return -1;
	}
	return 0;
}

int fs_lock_check(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		msg_error("%s: %s (removed or renamed since this run locked it): left as it is",
			  path, strerror(errno));
		return -1;
	}
	if (find(&st))
		return 0;
	msg_error("%s: another file was put in its place (renamed over it) after this run "
		  "locked it: that file is left as it is, and so is the one locked; run again"
		  " if the new file is to be patched", path);
	return -1;
}

size_t fs_lock_mark(void)
{
	return depth;
}

void fs_unlock_to(size_t mark)
{
	while (depth > mark) {
		struct held *h = &stack[--depth];
		if (h->fd >= 0)
			close(h->fd);	/* the lock goes with its open file description */
		if (h->fd == last_fd)
			last_fd = -1;
	}
	if (depth == 0) {
		free(stack);
		stack = NULL;
		alloc = 0;
	}
}

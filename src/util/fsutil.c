/* fsutil.c - crash-safe replacement and scratch space; see fsutil.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <time.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fs.h>

#include "util/clock.h"
#include "util/copydata.h"
#include "util/fsutil.h"
#include "util/lock.h"
#include "util/msg.h"
#include "util/path.h"
#include "util/progress.h"

/* Paths to remove if a signal ends the run.  A handful at most are live
 * at once (scratch dir, one temp sibling). */
#define MAX_TRACKED 16
static char *volatile tracked[MAX_TRACKED];
static volatile sig_atomic_t tracked_is_dir[MAX_TRACKED];

static void track(char *p, bool dir)
{
	for (int i = 0; i < MAX_TRACKED; i++) {
		if (!tracked[i]) {
			tracked_is_dir[i] = dir;
			tracked[i] = p;
			return;
		}
	}
}

static void untrack(const char *p)
{
	for (int i = 0; i < MAX_TRACKED; i++)
		if (tracked[i] == p)
			tracked[i] = NULL;
}

static int rm_cb(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void fs_remove_tree(const char *dir)
{
	nftw(dir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Remove a directory tree from a signal handler: nftw and readdir are not
 * async-signal-safe, but open, getdents64, unlinkat and close are.  No
 * recursion, so any depth works in constant stack (an ISO extracted for
 * rebuilding is as deep as the medium's directories): empty directories
 * are removed where they are met, a non-empty one is entered, and once a
 * directory is empty the walk goes back up through ".." and looks again.
 * A budget of steps bounds the walk should something refuse to go.
 */
struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define REMOVE_STEPS 1000000L

static bool is_dot(const char *n)
{
	return n[0] == '.' && (n[1] == '\0' || (n[1] == '.' && n[2] == '\0'));
}

/* Empty `fd` of everything but directories that are not empty; the first
 * of those is returned opened (-1: none). */
static int empty_dir_step(int fd, long *steps)
{
	char buf[4096];
	long n;

	lseek(fd, 0, SEEK_SET);
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n; off += ((struct linux_dirent64 *)(buf + off))->d_reclen) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			if (is_dot(d->d_name) || --*steps < 0)
				continue;
			if (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN) {
				unlinkat(fd, d->d_name, 0);
			} else if (unlinkat(fd, d->d_name, AT_REMOVEDIR) < 0 &&
				   (d->d_type == DT_DIR || unlinkat(fd, d->d_name, 0) < 0)) {
				int sub = openat(fd, d->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
							       O_CLOEXEC);
				if (sub >= 0)
					return sub;
			}
		}
	}
	return -1;
}

/* Everything below the directory open as `fd`; fd stays open and the
 * directory stays. */
static void remove_below(int fd)
{
	int cur = dup(fd);
	long depth = 0, steps = REMOVE_STEPS;

	while (cur >= 0 && steps > 0) {
		int sub = empty_dir_step(cur, &steps);
		if (sub >= 0) {
			close(cur);
			cur = sub;
			depth++;
			continue;
		}
		if (depth == 0)
			break;
		int up = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(cur);
		cur = up;
		depth--;
	}
	if (cur >= 0)
		close(cur);
}

void fs_remove_tree_signal_safe(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0) {
		remove_below(fd);
		close(fd);
	}
	unlinkat(parent, name, AT_REMOVEDIR);
}

static char interrupt_note[4096];
static volatile sig_atomic_t note_len;

void fs_set_interrupt_note(const char *note)
{
	note_len = 0;
	snprintf(interrupt_note, sizeof(interrupt_note), "%s", note);
	note_len = (sig_atomic_t)strlen(interrupt_note);
}

/* The subprocesses running now (spawn.h), killed before their scratch
 * goes.  Threads register theirs with compare-and-swap on a free slot;
 * the signal handler only reads. */
#define MAX_CHILDREN 16
static volatile sig_atomic_t children[MAX_CHILDREN];

bool fs_child_started(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (__sync_bool_compare_and_swap(&children[i], 0, (sig_atomic_t)pid))
			return true;
	return false;
}

void fs_child_ended(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (__sync_bool_compare_and_swap(&children[i], (sig_atomic_t)pid, 0))
			return;
}

/*
 * Held signals (fs_hold_signals).  sigprocmask holds them in the calling
 * thread only; a signal sent to the process goes to any thread that does
 * not block it.  So the handler itself looks: while a hold is on, a
 * signal that reaches some other thread is only noted, and the release
 * raises it again in the thread that held it.  Which threads there are
 * then does not matter.  (They are few anyway: wimlib's compressor
 * threads are joined before its write_blob_list() returns, through the
 * parallel chunk compressor's destroy, and the metadata resources, blob
 * table, XML data, integrity table and header are then written by the
 * calling thread alone (write.c, wimlib 1.13 and 1.14: one thread gives
 * a serial compressor); wimpatch's own threads (prefetch, the ISO copy,
 * its digest) are joined before any commit point.)
 */
static volatile sig_atomic_t holding, held_signal;

static void on_signal(int sig)
{
	if (holding) {
		held_signal = sig;
		return;
	}
	/* They may be writing into a scratch directory: stop them first. */
	for (int i = 0; i < MAX_CHILDREN; i++) {
		pid_t child = (pid_t)children[i];
		if (child <= 0)
			continue;
		kill(child, SIGKILL);
		while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (note_len > 0)
		(void)!write(STDERR_FILENO, interrupt_note, (size_t)note_len);
	for (int i = 0; i < MAX_TRACKED; i++) {
		char *p = tracked[i];
		if (!p)
			continue;
		if (tracked_is_dir[i])
			fs_remove_tree_signal_safe(AT_FDCWD, p);
		else
			unlink(p);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

void fs_install_signal_cleanup(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static int fsync_dir_of(const char *path);

/* "<dir>/.<base>.wimpatch-XXXXXX" for mkstemp/mkdtemp: hidden, next to
 * `target`, so a rename stays on one file system. */
static char *sibling_template(const char *target)
{
	const char *slash = strrchr(target, '/');
	char *t;
	int n = slash ? asprintf(&t, "%.*s/.%s.wimpatch-XXXXXX", (int)(slash - target), target,
				 slash + 1)
		      : asprintf(&t, ".%s.wimpatch-XXXXXX", target);
	if (n < 0) {
		msg_error("out of memory");
		return NULL;
	}
	return t;
}

/* A private directory is locked (flock) for as long as its run has it
 * open; one left by a run that was killed (no handler ran) is not, and
 * the next run that makes one for the same target removes it.  It gets
 * its name only once locked (made as ".<base>.wimpatch-new-XXXXXX", then
 * renamed), so that no run ever sees a live one unlocked; one kept on
 * purpose (fs_dir_keep) holds KEPT_MARK. */
#define KEPT_MARK ".kept-by-wimpatch"
#define UNNAMED_AGE 60

/* Remove the directories in `dir` named PREFIX + 6 characters (or
 * PREFIX + "new-" + 6, when older than UNNAMED_AGE) that are the user's,
 * unlocked, not kept, and, if `mark` is given, hold it (a named one). */
static void clean_stale_in(const char *dir, const char *prefix, const char *mark)
{
	DIR *dp = opendir(dir);
	struct dirent *e;

	if (!dp)
		return;
	size_t n = strlen(prefix), len;
	time_t now = time(NULL);
	while ((e = readdir(dp)) != NULL) {
		struct stat st;
		if (strncmp(e->d_name, prefix, n) != 0 ||
		    ((len = strlen(e->d_name)) != n + 6 &&
		     (len != n + 10 || strncmp(e->d_name + n, "new-", 4) != 0)))
			continue;
		int fd = openat(dirfd(dp), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		/* One still being made is locked within microseconds. */
		bool unnamed = len == n + 10;
		if (fstat(fd, &st) == 0 && st.st_uid == geteuid() &&
		    (!unnamed || now - st.st_ctime > UNNAMED_AGE) &&
		    (unnamed || !mark || faccessat(fd, mark, F_OK, AT_SYMLINK_NOFOLLOW) == 0) &&
		    faccessat(fd, KEPT_MARK, F_OK, AT_SYMLINK_NOFOLLOW) < 0 &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0) {
			msg_info("%s/%s: removing what an interrupted run left there", dir, e->d_name);
			fs_remove_tree_signal_safe(dirfd(dp), e->d_name);
		}
		close(fd);
	}
	closedir(dp);
}

void fs_clean_stale(const char *target)
{
	char *dir = path_dir(target), *prefix = NULL;

	if (dir && asprintf(&prefix, ".%s.wimpatch-", path_base(target)) >= 0)
		clean_stale_in(dir, prefix, NULL);
	else
		prefix = NULL;
	free(prefix);
	free(dir);
}

/* Make the directory as `made` (a mkdtemp template, its "new-" name),
 * lock it, put `mark` in it if given, and give it the name `tmp` with
 * made's last 6 characters (its XXXXXX): *t becomes that name (tmp,
 * which is taken over).  The descriptor, or -1 after saying why; `what`
 * says where it was to be, for messages. */
static int make_locked_as(char *tmp, char *made, const char *mark, const char *what, char **t,
			  struct stat *st)
{
	if (!mkdtemp(made)) {
		msg_error("%s: cannot create a private directory: %s", what, strerror(errno));
		free(made);
		free(tmp);
		return -1;
	}
	track(made, true);
	memcpy(tmp + strlen(tmp) - 6, made + strlen(made) - 6, 6);
	/* Open it at once and check it is still the one made: from here on it
	 * is reached through the descriptor. */
	int fd = open(made, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), m = -1;
	if (fd < 0 || fstat(fd, st) < 0 || st->st_uid != geteuid() || fchmod(fd, 0700) < 0 ||
	    flock(fd, LOCK_EX | LOCK_NB) < 0) {
		msg_error("%s: the private directory wimpatch just made is not its own any more "
			  "(%s): another user replaced it?", made,
			  fd < 0 ? strerror(errno) : "another owner");
		if (fd >= 0)
			close(fd);
		untrack(made);	/* not ours to remove */
		free(made);
		free(tmp);
		return -1;
	}
	if ((mark && (m = openat(fd, mark, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				 0600)) < 0) ||
	    renameat2(AT_FDCWD, made, AT_FDCWD, tmp, RENAME_NOREPLACE) < 0) {
		msg_error("%s: cannot name the private directory %s: %s", what, tmp,
			  strerror(errno));
		close(fd);
		fs_remove_tree(made);
		untrack(made);
		free(made);
		free(tmp);
		return -1;
	}
	if (m >= 0)
		close(m);
	track(tmp, true);
	untrack(made);
	free(made);
	*t = tmp;
	return fd;
}

/* ".<base>.wimpatch-XXXXXX" next to `target`, made as
 * ".<base>.wimpatch-new-XXXXXX" (make_locked_as). */
static int make_locked(const char *target, char **t, struct stat *st)
{
	char *tmp = sibling_template(target), *p;
	if (!tmp)
		return -1;
	p = strstr(tmp + strlen(tmp) - 16, ".wimpatch-");
	char *made = NULL;
	if (asprintf(&made, "%.*s.wimpatch-new-%s", (int)(p - tmp), tmp, p + 10) < 0) {
		msg_error("out of memory");
		free(tmp);
		return -1;
	}
	return make_locked_as(tmp, made, NULL, target, t, st);
}

/* The scratch directories in $TMPDIR follow the same protocol: made as
 * "wimpatch.new-XXXXXX", locked, marked as made so (SCRATCH_MARK: an
 * unlocked "wimpatch.XXXXXX" without it is none of this protocol's, and
 * is left alone), then named "wimpatch.XXXXXX"; the lock is held until
 * fs_remove_tempdir.  The first one a run makes removes, first, those
 * that runs killed before they could remove them left there. */
#define SCRATCH_MARK ".wimpatch-scratch"
#define MAX_TEMPDIRS 8
static struct {
	char *path;
	int fd;
} tempdirs[MAX_TEMPDIRS];

char *fs_make_tempdir(void)
{
	static bool cleaned;
	const char *base = getenv("TMPDIR");
	char *tmp = NULL, *made = NULL, *t;
	struct stat st;
	int slot = 0;

	if (!base || !*base)
		base = "/tmp";
	while (slot < MAX_TEMPDIRS && tempdirs[slot].path)
		slot++;
	if (slot == MAX_TEMPDIRS) {
		msg_error("too many scratch directories at once (a bug)");
		return NULL;
	}
	if (!cleaned)
		clean_stale_in(base, "wimpatch.", SCRATCH_MARK);
	cleaned = true;
	if (asprintf(&tmp, "%s/wimpatch.XXXXXX", base) < 0 ||
	    asprintf(&made, "%s/wimpatch.new-XXXXXX", base) < 0) {
		msg_error("out of memory");
		free(tmp);
		return NULL;
	}
	int fd = make_locked_as(tmp, made, SCRATCH_MARK, base, &t, &st);
	if (fd < 0)
		return NULL;
	tempdirs[slot].path = t;
	tempdirs[slot].fd = fd;
	return t;
}

int fs_dir_near(const char *target, struct fs_dir *d)
{
	char *t = NULL;
	struct stat st, pin;
	char proc[64];

	memset(d, 0, sizeof(*d));
	d->fd = -1;
	fs_clean_stale(target);
	int fd = make_locked(target, &t, &st);
	if (fd < 0)
		return -1;
	snprintf(proc, sizeof(proc), "/proc/%ld/fd/%d", (long)getpid(), fd);
	bool pinned = stat(proc, &pin) == 0 && pin.st_dev == st.st_dev && pin.st_ino == st.st_ino;
	d->name = t;
	d->fd = fd;
	if (!(d->path = strdup(pinned ? proc : t))) {
		msg_error("out of memory");
		fs_dir_remove(d);
		return -1;
	}
	if (!pinned)
		msg_verbose("%s: /proc is not there: libraries write in it by its name", t);
	return 0;
}

void fs_dir_remove(struct fs_dir *d)
{
	if (!d->name)
		return;
	untrack(d->name);
	if (d->fd >= 0) {
		/* What is in it through the descriptor (the directory we made,
		 * whatever its name leads to now; "/." so that nftw goes into it
		 * rather than report the /proc link), then the name. */
		char *in = NULL;
		if (d->path && asprintf(&in, "%s/.", d->path) >= 0)
			fs_remove_tree(in);
		else
			remove_below(d->fd);
		free(in);
		close(d->fd);
	}
	rmdir(d->name);
	free(d->name);
	free(d->path);
	memset(d, 0, sizeof(*d));
	d->fd = -1;
}

void fs_dir_keep(struct fs_dir *d)
{
	if (!d->name)
		return;
	untrack(d->name);
	if (d->fd >= 0) {
		int m = openat(d->fd, KEPT_MARK, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			       0600);
		if (m >= 0)
			close(m);
		close(d->fd);
	}
	free(d->name);
	free(d->path);
	memset(d, 0, sizeof(*d));
	d->fd = -1;
}

char *fs_dir_file(const struct fs_dir *d, const char *base)
{
	char *p;
	if (asprintf(&p, "%s/%s", d->path, base) < 0) {
		msg_error("out of memory");
		return NULL;
	}
	return p;
}

int fs_dir_create(const struct fs_dir *d, const char *base)
{
	int fd = openat(d->fd, base, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		msg_error("%s/%s: %s", d->name, base, strerror(errno));
	return fd;
}

/* Give the new file `fd` the owner, group and mode of `old` (the file it
 * replaces, `dest`), as far as the process may; say what it may not. */
static int keep_owner(int fd, const struct stat *old, const char *dest)
{
	struct stat now;

	if (fstat(fd, &now) < 0) {
		msg_error("%s: %s", dest, strerror(errno));
		return -1;
	}
	if ((now.st_uid != old->st_uid || now.st_gid != old->st_gid) &&
	    fchown(fd, old->st_uid, old->st_gid) < 0) {
		if (errno != EPERM) {
			msg_error("%s: cannot give the new file its owner: %s", dest, strerror(errno));
			return -1;
		}
		/* Not root: the group can be kept if the process is in it. */
		bool group = now.st_gid == old->st_gid || fchown(fd, (uid_t)-1, old->st_gid) == 0;
		if (now.st_uid != old->st_uid)
			msg_warn("%s: the patched file belongs to uid %ld (this process), not to its "
				 "owner uid %ld: only root can give a file to another user%s", dest,
				 (long)now.st_uid, (long)old->st_uid,
				 group ? "; its group and mode are kept" : "");
		if (!group)
			msg_warn("%s: the patched file is in group %ld, not in its group %ld: this "
				 "process is not in that group%s", dest, (long)now.st_gid,
				 (long)old->st_gid, now.st_uid == old->st_uid ? "; its owner and mode are kept" : "");
	}
	/* After the owner: chown clears the set-user-ID and set-group-ID bits. */
	if (fchmod(fd, old->st_mode & 07777) < 0) {
		msg_error("%s: cannot give the new file its mode: %s", dest, strerror(errno));
		return -1;
	}
	return 0;
}

/* rename d/base to dest, never replacing dest. */
static int rename_new(const struct fs_dir *d, const char *base, const char *dest)
{
	if (renameat2(d->fd, base, AT_FDCWD, dest, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -1;
	/* The file system cannot: link(2) never replaces either. */
	if (linkat(d->fd, base, AT_FDCWD, dest, 0) < 0)
		return -1;
	unlinkat(d->fd, base, 0);
	return 0;
}

int fs_dir_put(const struct fs_dir *d, const char *base, int fd, const char *dest, unsigned flags,
	       const struct stat *like, mode_t mode)
{
	struct stat st, old;
	int own = fd;
	int ret = -1;

	if (fstatat(d->fd, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		msg_error("%s/%s: %s", d->name, base, strerror(errno));
		return -1;
	}
	bool dir = S_ISDIR(st.st_mode);
	bool replace = !(flags & FS_PUT_NEW);
	if (own < 0) {
		int how = dir ? O_RDONLY | O_DIRECTORY
			      : (flags & FS_PUT_LOCK_OFD) ? O_RDWR : O_RDONLY;
		own = openat(d->fd, base, how | O_NOFOLLOW | O_CLOEXEC);
		if (own < 0) {
			msg_error("%s/%s: %s", d->name, base, strerror(errno));
			return -1;
		}
	}
	/* An output's times are the run's (util/clock.h). */
	if (!dir && clock_stamp(own, dest) < 0)
		goto out;
	if (fsync(own) < 0) {
		msg_error("%s/%s: cannot sync to disk: %s", d->name, base, strerror(errno));
		goto out;
	}
	if (!like && replace && !dir) {
		if (stat(dest, &old) < 0) {
			msg_error("%s: %s", dest, strerror(errno));
			goto out;
		}
		like = &old;
	}
	if (like) {
		if (keep_owner(own, like, dest) < 0)
			goto out;
	} else if (!dir && fchmod(own, mode & 07777) < 0) {
		msg_error("%s/%s: %s", d->name, base, strerror(errno));
		goto out;
	}
	if ((flags & FS_PUT_LOCK) &&
	    fs_lock_fd(own, dest, FS_LOCK_EXCL | ((flags & FS_PUT_LOCK_OFD) ? FS_LOCK_OFD : 0) |
				       ((flags & FS_PUT_LOCK_KEEP) ? FS_LOCK_KEEP : 0)) != 0)
		goto out;
	int r = replace || dir ? renameat(d->fd, base, AT_FDCWD, dest) : rename_new(d, base, dest);
	if (r < 0) {
		if (errno == EEXIST || errno == ENOTEMPTY)
			msg_error("%s: already exists: another run made it while this one worked; "
				  "wimpatch does not overwrite an output (this run's result is not kept)",
				  dest);
		else
			msg_error("%s: cannot put the new file in place: %s", dest, strerror(errno));
		goto out;
	}
	ret = fsync_dir_of(dest);
out:
	if (own != fd)
		close(own);
	return ret;
}

mode_t fs_output_mode(const char *source)
{
	struct stat st;
	mode_t um = umask(0);

	umask(um);
	if (stat(source, &st) < 0)
		return 0666 & ~um;
	return ((st.st_mode & 0777) | S_IWUSR) & ~um;
}

/* The temporary files of fs_temp_sibling, each in a directory of its own. */
#define MAX_TEMPS 8
static struct temp {
	char *path;		/* what fs_temp_sibling returned */
	struct fs_dir dir;
} temps[MAX_TEMPS];

static struct temp *find_temp(const char *tmp)
{
	for (int i = 0; i < MAX_TEMPS; i++)
		if (temps[i].path && temps[i].path == tmp)
			return &temps[i];
	return NULL;
}

char *fs_temp_sibling(const char *target)
{
	struct temp *t = NULL;

	for (int i = 0; i < MAX_TEMPS && !t; i++)
		if (!temps[i].path)
			t = &temps[i];
	if (!t) {
		msg_error("%s: too many temporary files at once (a bug)", target);
		return NULL;
	}
	if (fs_dir_near(target, &t->dir) < 0)
		return NULL;
	int fd = fs_dir_create(&t->dir, path_base(target));
	if (fd < 0 || !(t->path = fs_dir_file(&t->dir, path_base(target)))) {
		if (fd >= 0)
			close(fd);
		fs_dir_remove(&t->dir);
		return NULL;
	}
	close(fd);
	return t->path;
}

void fs_discard_temp(char *tmp)
{
	struct temp *t = tmp ? find_temp(tmp) : NULL;

	if (t) {
		fs_dir_remove(&t->dir);
		t->path = NULL;
	}
	free(tmp);
}

void fs_track_file(char *path)
{
	track(path, false);
}

void fs_untrack_file(const char *path)
{
	untrack(path);
}

int fs_commit_temp(char *tmp, const char *dst, unsigned flags)
{
	struct temp *t = find_temp(tmp);
	struct stat st;

	if (!t) {
		msg_error("%s: not a temporary file of this run (a bug)", tmp);
		return -1;
	}
	bool exists = stat(dst, &st) == 0;
	if (fs_dir_put(&t->dir, path_base(tmp), -1, dst, flags | (exists ? 0 : FS_PUT_NEW), NULL,
		       0600) < 0)
		return -1;
	fs_dir_remove(&t->dir);
	t->path = NULL;
	return 0;
}

void fs_hold_signals(bool hold)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	if (hold)
		holding = 1;
	pthread_sigmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL);
	if (!hold) {
		/* One held back here was delivered on unblocking; one another
		 * thread took is raised here now. */
		holding = 0;
		int sig = held_signal;
		held_signal = 0;
		if (sig)
			raise(sig);
	}
}

void fs_remove_tempdir(char *dir)
{
	if (!dir)
		return;
	untrack(dir);
	fs_remove_tree(dir);
	/* Its lock goes once it is gone. */
	for (int i = 0; i < MAX_TEMPDIRS; i++) {
		if (tempdirs[i].path == dir) {
			close(tempdirs[i].fd);
			tempdirs[i].path = NULL;
		}
	}
	free(dir);
}

int fs_fsync_file(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0) {
		msg_error("%s: cannot sync to disk: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char *dir = path_dir(path);
	int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
	int ret = 0;

	if (!dir) {
		msg_error("out of memory");
		return -1;
	}
	if (fd < 0 || fsync(fd) < 0) {
		msg_error("%s: cannot sync directory: %s", dir, strerror(errno));
		ret = -1;
	}
	if (fd >= 0)
		close(fd);
	free(dir);
	return ret;
}

int fs_sync_dir_of(const char *path)
{
	return fsync_dir_of(path);
}

struct copy_shown {
	const char *dst;
	uint64_t total;
};

/* Progress of a long copy, as the destination's. */
static bool show_copy(void *arg, uint64_t done)
{
	const struct copy_shown *c = arg;
	if (c->total > (256u << 20))
		progress_update(path_base(c->dst), "copying", done, c->total);
	return true;
}

static int copy_fds(int in, const char *src, int out, const char *dst)
{
	struct stat st;
	struct copy_shown shown = { dst, fstat(in, &st) == 0 ? (uint64_t)st.st_size : 0 };
	int ret = copy_data(in, out, show_copy, &shown);

	progress_done();
	if (ret < 0)
		msg_error("%s: cannot copy to %s: %s", src, dst, strerror(errno));
	else if (fsync(out) < 0) {
		msg_error("%s: cannot sync to disk: %s", dst, strerror(errno));
		ret = -1;
	}
	return ret;
}

int fs_copy_to_fd(const char *src, int out, const char *dst)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		msg_error("%s: %s", src, strerror(errno));
		return -1;
	}
	int ret = copy_fds(in, src, out, dst);
	close(in);
	return ret;
}

int fs_copy_file(const char *src, const char *dst)
{
	int in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		msg_error("%s: %s", src, strerror(errno));
		return -1;
	}
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		msg_error("%s: %s", dst, strerror(errno));
		close(in);
		return -1;
	}
	int ret = copy_fds(in, src, out, dst);
	if (close(out) < 0 && ret == 0) {
		msg_error("%s: %s", dst, strerror(errno));
		ret = -1;
	}
	close(in);
	return ret;
}

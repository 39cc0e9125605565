/* fsutil.c - crash-safe replacement and scratch space; see fsutil.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/fs.h>

#include "util/fsutil.h"
#include "util/msg.h"
#include "util/path.h"

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

void fs_remove_tree_signal_safe(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	long depth = 0, steps = REMOVE_STEPS;

	while (fd >= 0 && steps > 0) {
		int sub = empty_dir_step(fd, &steps);
		if (sub >= 0) {
			close(fd);
			fd = sub;
			depth++;
			continue;
		}
		if (depth == 0)
			break;
		int up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = up;
		depth--;
	}
	if (fd >= 0)
		close(fd);
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

static void on_signal(int sig)
{
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

char *fs_make_tempdir(void)
{
	const char *base = getenv("TMPDIR");
	char *t;
	if (!base || !*base)
		base = "/tmp";
	if (asprintf(&t, "%s/wimpatch.XXXXXX", base) < 0) {
		msg_error("out of memory");
		return NULL;
	}
	if (!mkdtemp(t)) {
		msg_error("cannot create a scratch directory in %s: %s", base, strerror(errno));
		free(t);
		return NULL;
	}
	track(t, true);
	return t;
}

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

char *fs_make_tempdir_near(const char *target)
{
	char *t = sibling_template(target);
	if (!t)
		return NULL;
	if (!mkdtemp(t)) {
		msg_error("%s: cannot create a scratch directory next to it: %s", target,
			  strerror(errno));
		free(t);
		return NULL;
	}
	track(t, true);
	return t;
}

void fs_keep_tempdir(char *dir)
{
	if (!dir)
		return;
	untrack(dir);
	free(dir);
}

void fs_hold_signals(bool hold)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGINT);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGHUP);
	sigprocmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL);
}

void fs_remove_tempdir(char *dir)
{
	if (!dir)
		return;
	untrack(dir);
	fs_remove_tree(dir);
	free(dir);
}

char *fs_temp_sibling(const char *target)
{
	char *t = sibling_template(target);
	if (!t)
		return NULL;
	int fd = mkstemp(t);
	if (fd < 0) {
		msg_error("%s: cannot create a temporary file next to it: %s", target,
			  strerror(errno));
		free(t);
		return NULL;
	}
	struct stat st;
	if (stat(target, &st) == 0)
		fchmod(fd, st.st_mode & 07777);
	close(fd);
	track(t, false);
	return t;
}

void fs_discard_temp(char *tmp)
{
	if (!tmp)
		return;
	untrack(tmp);
	unlink(tmp);
	free(tmp);
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

int fs_commit_temp(char *tmp, const char *dst)
{
	if (rename(tmp, dst) < 0) {
		msg_error("%s: cannot replace it with %s: %s", dst, tmp, strerror(errno));
		return -1;
	}
	untrack(tmp);
	return fsync_dir_of(dst);
}

int fs_rename_synced(const char *from, const char *to)
{
	if (rename(from, to) < 0) {
		msg_error("%s: cannot replace it with %s: %s", to, from, strerror(errno));
		return -1;
	}
	return fsync_dir_of(to);
}

int fs_sync_dir_of(const char *path)
{
	return fsync_dir_of(path);
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
	int ret = 0;
	if (ioctl(out, FICLONE, in) < 0) {
		ssize_t n;
		while ((n = copy_file_range(in, NULL, out, NULL, 1 << 30, 0)) > 0)
			;
		if (n < 0) {
			/* Fall back to plain reads for file systems without it. */
			char buf[1 << 16];
			if (lseek(in, 0, SEEK_SET) < 0 || ftruncate(out, 0) < 0 ||
			    lseek(out, 0, SEEK_SET) < 0)
				n = -1;
			else
				while ((n = read(in, buf, sizeof(buf))) > 0)
					if (write(out, buf, (size_t)n) != n) {
						n = -1;
						break;
					}
		}
		if (n < 0) {
			msg_error("%s: cannot copy to %s: %s", src, dst, strerror(errno));
			ret = -1;
		}
	}
	if (ret == 0 && fsync(out) < 0) {
		msg_error("%s: cannot sync to disk: %s", dst, strerror(errno));
		ret = -1;
	}
	if (close(out) < 0 && ret == 0) {
		msg_error("%s: %s", dst, strerror(errno));
		ret = -1;
	}
	close(in);
	return ret;
}

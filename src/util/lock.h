/*
 * lock.h - the locks that keep two wimpatch runs off the same file.
 *
 * A run locks every file it works on for the whole read-modify-write: a
 * WIM (every part of a split set), a hive, a BCD store, each of those in
 * a tree, the source of -o; shared to read (diff, -n, the source of -o),
 * exclusive to write.  Another run that wants a file held in a way that
 * excludes it is refused at once, with a message naming the file, or
 * with FS_LOCK_WAIT waits for it.
 *
 * The lock is on the file itself (its inode, whichever name or link
 * reaches it), taken through a descriptor of its own that stays open:
 * flock(2) locks and OFD locks belong to that open file description, so
 * a library opening and closing the same file (wimlib does) does not
 * drop them, as it would drop a POSIX record lock.  It is flock(2), but
 * for WIMs (FS_LOCK_OFD): wimlib takes flock(LOCK_EX | LOCK_NB) itself,
 * on a descriptor of its own, while it appends to a WIM, and would find
 * ours; a WIM gets an OFD write or read lock on its whole range instead
 * (fcntl F_OFD_SETLK), which flock(2) does not see on Linux's local file
 * systems.  Both are advisory: they keep wimpatch runs, and programs
 * that take the same kind of lock, apart.
 *
 * Once locked, the name is looked up again: if another run renamed a new
 * file over it meanwhile, the lock is on a file no one will use again;
 * it is dropped and the new file locked instead.  A file wimpatch renames
 * into place is locked before the rename (fs_lock_fd), so a run that
 * opens the new file finds it locked until this one is done.
 *
 * Locks are kept on a stack: fs_unlock_to(mark) releases every lock
 * taken since fs_lock_mark() returned mark.  Locking a file this process
 * already holds (a WIM of a tree the tree run locked) counts as taking it
 * again, without a second lock.  The process ending releases them all.
 */
#ifndef WIMPATCH_LOCK_H
#define WIMPATCH_LOCK_H

#include <stddef.h>

#define FS_LOCK_EXCL 0x1	/* exclusive (to write); else shared */
#define FS_LOCK_OFD 0x2		/* an OFD lock (WIMs), not flock(2) */
#define FS_LOCK_WAIT 0x4	/* wait for the other run rather than refuse */
#define FS_LOCK_KEEP 0x8	/* held until the process ends: not on the
				   stack, fs_unlock_to leaves it */
#define FS_LOCK_MAY_GO 0x10	/* the file may be removed by the run that
				   holds it: FS_LOCK_GONE, unsaid, if it is */

/* What fs_lock returns when another process holds the file and
 * FS_LOCK_WAIT is not given (after saying so, naming the file). */
#define FS_LOCK_BUSY (-2)
/* What fs_lock returns with FS_LOCK_MAY_GO when the file is not there,
 * or was removed while this run waited for it. */
#define FS_LOCK_GONE (-3)

/*
 * Lock the file or directory `path` (following symbolic links).  0 when
 * it is locked, FS_LOCK_BUSY (above), -1 when it cannot be opened
 * (reported; errno says why: a WIM locked exclusive is opened for
 * writing).  While waiting, says once that it waits and for what.  A
 * file system without locks (some network and FUSE file systems) gets a
 * warning and no lock; that is 0 too.
 */
int fs_lock(const char *path, unsigned how);
/* Lock the file open as `fd` (which is duplicated), named `path` in
 * messages; never waits (FS_LOCK_WAIT is ignored).  As fs_lock. */
int fs_lock_fd(int fd, const char *path, unsigned how);

/*
 * The file the last successful fs_lock or fs_lock_fd locked (or found
 * already held), as a path that reaches that very file through the
 * descriptor holding the lock ("/proc/self/fd/N"), whatever its name
 * leads to by now: libraries that open files by name (hivex) are given
 * this, so that a file renamed over the name after the lock was taken is
 * never read.  Valid until that lock is released.  0, or -1 (reported)
 * when there is none.
 */
int fs_lock_last_path(char *buf, size_t size);
/*
 * Does `path` still name a file this process holds locked?  0 if so;
 * else says that another file was put in its place since it was locked
 * (naming it) and returns -1.  Checked before a file is replaced by name,
 * and after a library that writes by name (wimlib) opened it.
 */
int fs_lock_check(const char *path);

/* The stack's depth now, for fs_unlock_to. */
size_t fs_lock_mark(void);
/* Release every lock taken since `mark`. */
void fs_unlock_to(size_t mark);

#endif

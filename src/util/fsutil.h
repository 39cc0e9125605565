/*
 * fsutil.h - the file-system steps that make writes crash-safe, and the
 * scratch space wimpatch works in.
 *
 * Rule: a file the user owns is only ever replaced by rename(2) of a
 * complete, fsynced file made in a private directory next to it (struct
 * fs_dir), which keeps the owner, group and mode of the one it replaces,
 * followed by an fsync of the directory; a new output is renamed into
 * place only if its name is still free.  Scratch files are tracked so
 * that an interrupting signal removes them.
 */
#ifndef WIMPATCH_FSUTIL_H
#define WIMPATCH_FSUTIL_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Create a private scratch directory (in $TMPDIR); tracked for removal. */
char *fs_make_tempdir(void);
/* Remove a scratch directory and everything in it; untracks it. */
void fs_remove_tempdir(char *dir);

/*
 * Private directories next to a target or an output.  Whatever wimpatch
 * writes next to a file it replaces or creates is made in one and renamed
 * from there: the directory is made with mkdtemp (mode 0700, so no other
 * user can put anything in it), opened at once, and kept open; libraries
 * and programs that create files by name (hivex, wimlib's split, genisoimage,
 * 7-Zip) are given its `path`, "/proc/<pid>/fd/<n>", which leads to that
 * open directory whatever is renamed meanwhile.  No name another user can
 * reach is ever released and re-created: in a directory other users may
 * write (group-writable, not sticky), they can rename or replace entries,
 * but not slip a symbolic link under a file wimpatch writes.
 * A directory is locked (flock) while its run has it; making one for a
 * target first removes the directories earlier runs left next to it,
 * killed before they could (SIGKILL, a crash), which nothing holds any
 * more; fs_dir_keep marks one as kept for the user instead.
 */
struct fs_dir {
	char *name;	/* "<dir>/.<base>.wimpatch-XXXXXX", for messages */
	char *path;	/* the way in for opening things in it: /proc/<pid>/fd/<n>,
			   or `name` where /proc is not mounted */
	int fd;		/* the directory, open */
};

/* Make a private directory next to `target` (which need not exist);
 * tracked for removal.  0, or -1 after saying why. */
int fs_dir_near(const char *target, struct fs_dir *d);
/* Remove the private directories killed runs left next to `target` (as
 * fs_dir_near does first), saying so; a run that writes a target in place
 * calls it once it holds the target's lock. */
void fs_clean_stale(const char *target);
/* Remove it and everything in it; untracks it.  A zeroed (never made)
 * fs_dir is fine. */
void fs_dir_remove(struct fs_dir *d);
/* Leave it where it is, with what it holds (the user needs it); untracks
 * it and frees `d`'s strings. */
void fs_dir_keep(struct fs_dir *d);
/* d->path/base, to hand a library or a program.  Malloc'd; NULL (said)
 * when out of memory. */
char *fs_dir_file(const struct fs_dir *d, const char *base);
/* Create d/base (O_EXCL, mode 0600) and return it open for reading and
 * writing, or -1 after saying why. */
int fs_dir_create(const struct fs_dir *d, const char *base);

/* How fs_dir_put puts a file in place. */
enum {
	/* `dest` is a new file (an output): it must not exist, and is never
	 * replaced, even by one made meanwhile (renameat2 RENAME_NOREPLACE,
	 * or link(2) where the file system cannot); it gets `mode`. */
	FS_PUT_NEW = 0x1,
	/* Lock the file before it goes in place (lock.h), exclusive, an OFD
	 * lock with FS_PUT_LOCK_OFD: a run that opens it finds it locked. */
	FS_PUT_LOCK = 0x2,
	FS_PUT_LOCK_OFD = 0x4,
	/* With FS_PUT_LOCK: held until the process ends (FS_LOCK_KEEP). */
	FS_PUT_LOCK_KEEP = 0x8,
};

/*
 * Put d/base in place as `dest`: synced (through `fd` when the caller
 * has it open, else opened here); given the owner, group and mode of
 * `like`, or when that is NULL, of dest itself if it is replaced, or
 * with FS_PUT_NEW the mode `mode` (an owner or group the process may not
 * give is said in a warning, naming both); locked (FS_PUT_LOCK); renamed;
 * dest's directory synced.  A directory is renamed as it is (rename(2)
 * replaces an empty one only).  0, or -1 after saying why (d/base is
 * then left where it was).
 */
int fs_dir_put(const struct fs_dir *d, const char *base, int fd, const char *dest, unsigned flags,
	       const struct stat *like, mode_t mode);
/* The mode of a new output made from `source`: its permission bits and
 * the owner's write bit, less the umask (0666 less the umask if it cannot
 * be read). */
mode_t fs_output_mode(const char *source);
/* Hold back SIGINT, SIGTERM and SIGHUP (true) until released (false):
 * for a few renames that must not stop half-way.  Whichever thread a
 * signal reaches meanwhile (wimlib's, wimpatch's), it waits for the
 * release, which raises it in the thread that held it. */
void fs_hold_signals(bool hold);

/* Remove a directory tree wimpatch created (an unfinished -o output). */
void fs_remove_tree(const char *dir);
/* The same with async-signal-safe calls only, as the signal handler does
 * it (at any depth, in constant stack): `name` in the directory `parent`
 * (an fd, or AT_FDCWD). */
void fs_remove_tree_signal_safe(int parent, const char *name);

/* A temporary file for `target` (in a private directory next to it, as
 * above): the path to write it by (it exists, empty, mode 0600); tracked
 * for removal. */
char *fs_temp_sibling(const char *target);
/* Remove a temporary file that will not be used, and its directory;
 * untracks and frees it. */
void fs_discard_temp(char *tmp);

int fs_fsync_file(const char *path);
/* Put `tmp` in place as `dst` (fs_dir_put: replacing dst, with its
 * owner, group and mode, or as a new file if dst does not exist; with
 * `flags` FS_PUT_LOCK...), then remove its directory.  0 (the caller
 * frees tmp) or -1 (said). */
int fs_commit_temp(char *tmp, const char *dst, unsigned flags);

/* A file this run made by name, removed if a signal ends the run, until
 * fs_untrack_file (`path` must live until then). */
void fs_track_file(char *path);
void fs_untrack_file(const char *path);

/* fsync the directory holding `path`. */
int fs_sync_dir_of(const char *path);

/* Copy a file's bytes (reflink when the file system can) into `dst`,
 * created or truncated; or into `out`, open for writing, named `out_name`
 * in messages.  Synced.  0, or -1 after saying why. */
int fs_copy_file(const char *src, const char *dst);
int fs_copy_to_fd(const char *src, int out, const char *out_name);

/* The external programs running now, from any thread (spawn.h): an
 * interrupting signal kills them and waits for them before removing the
 * scratch files they may be writing into.  fs_child_started is false
 * when too many run at once (the caller must not start another). */
bool fs_child_started(pid_t pid);
void fs_child_ended(pid_t pid);

/* Install SIGINT/SIGTERM/SIGHUP handlers that remove tracked scratch files
 * and print the note set with fs_set_interrupt_note(). */
void fs_install_signal_cleanup(void);
/* What to tell the user if a signal ends the run now (copied; a signal
 * handler can only write out text prepared in advance). */
void fs_set_interrupt_note(const char *note);

#endif

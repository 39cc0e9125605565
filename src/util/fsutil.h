/*
 * fsutil.h - the file-system steps that make writes crash-safe, and the
 * scratch space wimpatch works in.
 *
 * Rule: a file the user owns is only ever replaced by rename(2) of a
 * complete, fsynced sibling, followed by an fsync of the directory.
 * Scratch files are tracked so that an interrupting signal removes them.
 */
#ifndef WIMPATCH_FSUTIL_H
#define WIMPATCH_FSUTIL_H

#include <stdbool.h>
#include <sys/types.h>

/* Create a private scratch directory (in $TMPDIR); tracked for removal. */
char *fs_make_tempdir(void);
/* Remove a scratch directory and everything in it; untracks it. */
void fs_remove_tempdir(char *dir);

/* Create a private scratch directory next to `target`
 * ("<dir>/.<base>.wimpatch-XXXXXX"), on the same file system, for data
 * too big for TMPDIR that is renamed into place; tracked for removal. */
char *fs_make_tempdir_near(const char *target);
/* Stop tracking a scratch directory without removing it (it holds data
 * the user needs, see fs_make_tempdir_near); frees `dir`. */
void fs_keep_tempdir(char *dir);
/* Hold back SIGINT, SIGTERM and SIGHUP (true) until released (false):
 * for a few renames that must not stop half-way. */
void fs_hold_signals(bool hold);

/* Remove a directory tree wimpatch created (an unfinished -o output). */
void fs_remove_tree(const char *dir);
/* The same with async-signal-safe calls only, as the signal handler does
 * it (at any depth, in constant stack): `name` in the directory `parent`
 * (an fd, or AT_FDCWD). */
void fs_remove_tree_signal_safe(int parent, const char *name);

/* Create an empty temporary sibling of `target` ("<dir>/.<base>.XXXXXX"),
 * with `target`'s permissions if it exists; tracked for removal. */
char *fs_temp_sibling(const char *target);
/* Remove a temporary sibling that will not be used; untracks it. */
void fs_discard_temp(char *tmp);

int fs_fsync_file(const char *path);
/* rename(tmp, dst) then fsync dst's directory; untracks tmp on success. */
int fs_commit_temp(char *tmp, const char *dst);

/* rename(from, to), then fsync to's directory (untracked files). */
int fs_rename_synced(const char *from, const char *to);
/* fsync the directory holding `path`. */
int fs_sync_dir_of(const char *path);

/* Copy a file's bytes (reflink when the file system can). */
int fs_copy_file(const char *src, const char *dst);

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

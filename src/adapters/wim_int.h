/*
 * wim_int.h - what the files of the WIM adapter (wim.c, wim_split.c,
 * wim_meta.c, wim_keep.c, wim_prefetch.c) share.  Private to the adapter:
 * the rest of the project speaks wim.h, never wimlib.
 */
#ifndef WIMPATCH_WIM_INT_H
#define WIMPATCH_WIM_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <wimlib.h>

#include "adapters/wim.h"

/* ---- wim.c: the WIM, wimlib's settings, errors and messages */

struct wim {
	WIMStruct *ws;
	char *path;
	struct wimlib_wim_info info;
	/* WIM_REPLACE_KEEP_METADATA: a second, throw-away open of the same
	 * file, whose images are cut down (in memory only) to what goes into
	 * a scratch volume; an image is cut down at most once per open. */
	WIMStruct *shadow;
	bool *shadow_used;		/* [1..image_count] */
	char **volumes;			/* scratch volumes, read while writing */
	size_t n_volumes;
	/* A split set: its parts, [0] being `path`; NULL for a standalone WIM. */
	bool split;
	char **parts;
	unsigned n_parts;
	uint64_t part_size;		/* the limit the parts imply */
};

/* What wim_init was given (threads never 0). */
extern struct wim_settings settings;

/* Report wimlib's error `code` for `path` (image `image` if > 0) while
 * doing `what`, with the system's reason for I/O errors.  Returns -1. */
int wfail(const char *path, int image, int code, const char *what);

/* wimlib's error codes for NTFS-3G failures are generic ("NTFS-3G
 * encountered an error") and errno is gone by the time it returns; its
 * message says what failed and why.  Collect its messages during one
 * call, to quote the last one in ours.  With -v they are shown as well. */
struct wlog {
	FILE *fp;
	char *buf;
	size_t len;
};

void wlog_begin(struct wlog *l);
/* Ends the collection; returns wimlib's last message (without its
 * "[ERROR]" tag), or "" if it said nothing.  Valid until wlog_free. */
const char *wlog_end(struct wlog *l);
void wlog_free(struct wlog *l);

/* ---- wim_split.c: split sets */

/* Is the file a split set's part (or named like one)?  Decides how it is
 * opened; wimlib's own open checks the header properly. */
bool header_says_split(const char *path);
/* Find and check the other parts of the set w->path is the first part of
 * (see wim.h), and reference them in w->ws.  Returns 0 or -1 (reported). */
int open_split_set(struct wim *w, bool writable);
/* wimlib reads the other parts' data through these references.  Returns
 * 0 or -1 (reported). */
int reference_parts(struct wim *w, WIMStruct *ws);

/* ---- wim_meta.c: lists of strings, a file's metadata as text */

/* A growable list of strings (entries may be NULL). */
struct strv {
	char **v;
	size_t n, cap;
};

int strv_add(struct strv *s, const char *str);
void strv_free(struct strv *s);
bool strv_has(const struct strv *s, const char *str);

/* What WIM_REPLACE_KEEP_METADATA keeps of `stored` in image `image` of
 * `ws` (see wim_file_metadata); `hashes`: with the named streams'
 * hashes.  NULL on error (reported, naming `wpath`). */
char *metadata_text(WIMStruct *ws, const char *wpath, int image, const char *stored,
		    bool hashes);

/* ---- wim_keep.c: replacing a file, keeping its metadata */

struct file_info {
	char *path;
	char *short_name;	/* NULL if none */
	uint32_t attributes, num_links, unix_mode;
	uint64_t group;
	uint64_t size;		/* unnamed data stream */
	uint64_t stream_bytes;	/* named data streams */
	bool has_sd;
	struct strv links, short_names;		/* every link (this one first) */
};

/* Look `stored` up in `ws` and, if it has several links, find them all.
 * Returns 0 or -1 (reported, naming `wpath`). */
int file_info_get(WIMStruct *ws, const char *wpath, int image, const char *stored,
		  struct file_info *fi);

/* A file on its way through a scratch NTFS volume (see wim.h). */
struct wim_keep {
	int image;
	char *stored, *where, *scratch;
	struct file_info fi;
	struct strv rel;	/* its links, relative to T */
	char *T;		/* where the volume is added back */
	bool renamed;		/* the file itself was moved: set its short name again */
	char *before;		/* its metadata, to compare after the add */
	const char *volpath;	/* in w->volumes */
	uint64_t room;		/* the most data the volume was made for */
};

/* Free the throw-away WIMStruct (before a write: its memory goes). */
void drop_shadow(struct wim *w);
/* Where the scratch volume is added back; NULL (reported) if nowhere. */
char *add_target(const struct file_info *fi, const char *where, bool *renamed);
/* The file's one link into the volume by a move in `ws` itself: 0 when
 * done, 1 when this way does not apply, -1 on error (reported). */
int extract_moved(WIMStruct *ws, const char *wpath, int image, const char *T,
		  const struct strv *rel, const char *volpath, const char *where, bool throwaway);

#endif

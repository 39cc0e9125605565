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

#include "core/error.h"
#include "adapters/wim.h"

/* ---- the WIM header (wimlib's header.h, Microsoft's WIM format) */

#define WIM_HDR_SIZE 208
#define WIM_HDR_FLAGS 16
#define WIM_HDR_FLAG_WRITE_IN_PROGRESS 0x40
#define WIM_HDR_IMAGE_COUNT 44
#define WIM_HDR_BLOB_TABLE 48	/* resource headers: the blob table, */
#define WIM_HDR_XML 72		/* the XML data, */
#define WIM_HDR_BOOT_META 96	/* the boot image's metadata, */
#define WIM_HDR_BOOT_INDEX 120	/* (a 32-bit index) */
#define WIM_HDR_INTEGRITY 124	/* the integrity table */

/* A little-endian number of n bytes. */
static inline uint64_t wim_le(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* A resource header: 7 bytes of stored size, 1 of flags, the offset, the
 * original size. */
static inline void wim_reshdr(const unsigned char *p, uint64_t *off, uint64_t *size)
{
	*size = wim_le(p, 7);
	*off = wim_le(p + 8, 8);
}

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
	char *fresh;			/* a volume as mkntfs made it (wim_volume_make) */
	uint64_t fresh_size;
	/* A split set: its parts, [0] being `path`; NULL for a standalone WIM. */
	bool split;
	char **parts;
	unsigned n_parts;
	uint64_t part_size;		/* the limit the parts imply */
	uint64_t *lastmod;		/* [1..image_count]: wim_times_note */
	/* wim_commit_in_place: hold signals back once the metadata is
	 * written (what is left, up to the header, is short); held. */
	bool hold_after_metadata, held;
	bool dropped;			/* wim_drop_images deleted some */
};

/* What wim_init was given (threads never 0). */
extern struct wim_settings wim_conf;

/*
 * What a failed wimlib call worked on, which decides what its error code
 * means (wim_err):
 */
enum wside {
	/* It read the WIM (the input): a file it cannot open or read, or
	 * data it cannot make sense of, is the input's fault. */
	WS_IN,
	/* It read the WIM and wrote a file (an extracted copy, a scratch
	 * volume, the written WIM): the files it opens or makes are the
	 * outputs (the WIM is open already), the data it reads is the
	 * input's. */
	WS_OUT,
	/* It worked on what wimpatch made: its scratch files, volumes and
	 * WIMs, an image as wimpatch changed it in memory.  Whatever fails
	 * there fails the writing. */
	WS_OWN,
};

/* The one place where wimlib's error codes become enum wp_err; `side`:
 * what the call worked on.  Reads errno (for no space, file too large,
 * read-only: those are the output's whatever wimlib calls them).  0 gives
 * WP_OK. */
/* A new scratch volume's name in `scratch`, "<kind><image>-<n>.ntfs",
 * with room made in w->volumes for it: NULL (said) when out of memory.
 * Once the volume is made, wim_volume_own(w, vol) gives it to w, whose
 * wim_close removes it; until then it is the caller's. */
char *wim_volume_name(struct wim *w, const char *scratch, const char *kind, int image);
void wim_volume_own(struct wim *w, char *vol);
/* Make the empty scratch volume `vol` of `size` bytes (ntfsvol_create),
 * `where` naming the file it is for in messages; -1 after saying why.
 * Threads may call it at once (wim_prefetch.c). */
int wim_volume_make(struct wim *w, const char *vol, uint64_t size, const char *where);

/* After a file is added to `image` (wimlib_update_image): have wimlib
 * hash its data now (see wim.c); fails as a write does, said. */
enum wp_err wim_hash_added(struct wim *w, int image, const char *where);

enum wp_err wim_err(int code, enum wside side);
/* Report wimlib's error `code` for `path` (image `image` if > 0) while
 * doing `what`, with the system's reason for I/O errors; returns
 * wim_err(code, side). */
enum wp_err wfail(const char *path, int image, int code, enum wside side, const char *what);

/* wimlib's error codes for NTFS-3G failures are generic ("NTFS-3G
 * encountered an error") and errno is gone by the time it returns; its
 * message says what failed and why.  Collect its messages during one
 * call, to quote the last one in ours.  With -v they are shown as well.
 * Each thread collects its own (the FILE wimlib prints to is set once, at
 * wim_init, for the whole process). */
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

/* ---- wim_repro.c: image times under SOURCE_DATE_EPOCH, split set GUIDs */

/* Note each image's LASTMODIFICATIONTIME as the WIM has it (on open);
 * -1 for want of memory (then wim_times_fix does nothing). */
int wim_times_note(struct wim *w);
/* During a write, once wimlib has restamped the images it rewrites and
 * before it writes the XML: give those the fixed time, if there is one. */
void wim_times_fix(struct wim *w);
/* Give the `total` parts of the new split set `part1` (synced, with
 * wimlib's random GUID) a GUID made from `src`'s, the GUID of the WIM they
 * were split from; synced again.  WP_ERR_WRITE (said) on failure. */
enum wp_err set_split_guid(const uint8_t src[16], const char *part1, unsigned total);

/* ---- wim_split.c: split sets */

/* Is the file a split set's part (or named like one)?  Decides how it is
 * opened; wimlib's own open checks the header properly. */
bool header_says_split(const char *path);
/* Find and check the other parts of the set w->path is the first part of
 * (see wim.h), and reference them in w->ws.  Reports what fails. */
enum wp_err open_split_set(struct wim *w, bool writable);
/* wimlib reads the other parts' data through these references.  Reports
 * what fails. */
enum wp_err reference_parts(struct wim *w, WIMStruct *ws);

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
 * `ws` (see wim_file_metadata), into *text (NULL on error); `hashes`:
 * with the named streams' hashes; `side`: what `ws` is (an image as the
 * WIM holds it, or as wimpatch changed it).  Reports what fails, naming
 * `wpath`. */
enum wp_err metadata_text(WIMStruct *ws, const char *wpath, int image, const char *stored,
			  bool hashes, enum wside side, char **text);

/* ---- wim_keep.c: replacing a file, keeping its metadata */

struct file_info {
	char *path;
	char *short_name;	/* NULL if none */
	uint32_t attributes, num_links, unix_mode;
	uint64_t group;
	uint64_t size;		/* unnamed data stream */
	uint64_t stream_bytes;	/* named data streams */
	bool has_sd;
	uint64_t created, accessed;	/* NTFS times (100 ns since 1601) */
	struct strv links, short_names;		/* every link (this one first) */
};

/* Look `stored` up in `ws` (an image as the WIM holds it) and, if it has
 * several links, find them all.  Reports what fails, naming `wpath`. */
enum wp_err file_info_get(WIMStruct *ws, const char *wpath, int image, const char *stored,
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
/* The file's one link into the volume by a move in `ws` itself; *done
 * false: this way does not apply.  Reports what fails. */
enum wp_err extract_moved(WIMStruct *ws, const char *wpath, int image, const char *T,
			  const struct strv *rel, const char *volpath, const char *where,
			  bool throwaway, bool *done);

/* ---- wim_sparse.c: stand-ins */

/* Before `stored` of `image` is extracted from `ws` (opened on `path`):
 * if `path` is a stand-in, copy the file's resources into it.  WP_OK when
 * it is not one.  Reports what fails. */
enum wp_err wim_sparse_fetch(WIMStruct *ws, const char *path, int image, const char *stored);

#endif

/*
 * wim.h - WIM and ESD archives, in the project's terms.  The only module
 * that uses wimlib (wim.c, wim_split.c, wim_meta.c, wim_keep.c,
 * wim_prefetch.c).
 *
 * Errors are reported here, where wimlib's reason is known, naming the
 * file and image.  A function that can fail returns an enum wp_err
 * (core/error.h): WP_ERR_INPUT when the WIM cannot be read or what it
 * holds is malformed or unsupported, WP_ERR_WRITE when writing a result
 * (an extracted copy, a scratch volume, the written WIM or set) fails or
 * does not verify, WP_ERR_INTERNAL when memory runs out (or for a bug);
 * one function in wim.c (wim_err) turns wimlib's codes into these.  Those
 * that give a pointer (wim_open, wim_file_metadata) return NULL instead.
 */
#ifndef WIMPATCH_WIM_H
#define WIMPATCH_WIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/plan.h"

struct wim;

struct wim_image {
	int index;		/* 1-based */
	char *name;		/* NAME from the XML ("" if none) */
	char *install_type;	/* WINDOWS/INSTALLATIONTYPE, or NULL */
	char *edition;		/* WINDOWS/EDITIONID, or NULL */
	char *build;		/* WINDOWS/VERSION/BUILD, or NULL */
	char *arch;		/* WINDOWS/ARCH as a name (x86, x64, arm64...), or NULL */
	enum role role;
	const char *role_source;	/* "XML", "file name" or "none", for -v */
};

struct wim_settings {
	unsigned threads;		/* compressor threads; never 0 */
	int compression_level;		/* 0 = wimlib's default */
};

/* Process-wide setup (wimlib is global); call once.  WP_ERR_INTERNAL if
 * wimlib cannot be set up. */
enum wp_err wim_init(const struct wim_settings *s);
void wim_cleanup(void);
/* How many threads the run may use (--threads, else the CPUs it may run
 * on; at least 1): wimlib's compressors, and the adapter's users that
 * read a WIM in threads of their own. */
unsigned wim_thread_count(void);
/* Do a file's first n bytes make it a WIM (or ESD), by its magic number? */
bool wim_header_is_wim(const unsigned char *head, size_t n);
const char *wim_library_version(void);

/* `writable`: fail early if the file cannot be updated in place. */
struct wim *wim_open(const char *path, bool writable);
void wim_close(struct wim *w);
int wim_image_count(const struct wim *w);
int wim_boot_index(const struct wim *w);
const char *wim_path(const struct wim *w);

/* Describe image `index`; the role comes from INSTALLATIONTYPE
 * (WindowsPE = setup), else it is ROLE_UNKNOWN with role_source "none"
 * (media_guess_role, targets/media.h, reads it from the file name).
 * Fails only for want of memory (WP_ERR_INTERNAL). */
enum wp_err wim_image_get(struct wim *w, int index, struct wim_image *out);
void wim_image_free(struct wim_image *img);
/* Find an image by name: the one spelled exactly so, else the one whose
 * name differs only in ASCII case; 0 if none, -1 if several differ from
 * it only in case (and none is spelled exactly so). */
int wim_image_by_name(const struct wim *w, const char *name);
/* Image `index`'s name as its XML gives it ("" if none). */
const char *wim_image_name(const struct wim *w, int index);

/*
 * Find `path` ('/'-separated) in the image, matching each component
 * without regard to case, as Windows does.  *stored gets the path as the
 * image spells it if it is there (a regular file), NULL if it is absent;
 * absent is not an error.  WP_ERR_INPUT when the image cannot be read or
 * several entries match a component.
 */
enum wp_err wim_find_file(struct wim *w, int image, const char *path, char **stored);

/* The size of the data of `stored` (a path as wim_find_file gives it), as
 * the image's metadata says, without reading it.  WP_ERR_INPUT when the
 * image cannot be read. */
enum wp_err wim_file_size(struct wim *w, int image, const char *stored, uint64_t *size);

/* The SHA-1 of the data of `stored`, as the blob table has it, without
 * reading the data: files whose data is the same blob have the same one
 * (all zeros for an empty file).  WP_ERR_INPUT when the image cannot be
 * read. */
#define WIM_SHA1_LEN 20
enum wp_err wim_file_hash(struct wim *w, int image, const char *stored,
			  unsigned char sha1[WIM_SHA1_LEN]);

/* Extract one file (by stored path) into directory `dir`, as dir/<basename>.
 * WP_ERR_WRITE when writing the copy failed (no space, size limit),
 * WP_ERR_INPUT when the WIM's data is bad. */
enum wp_err wim_extract_file(struct wim *w, int image, const char *stored, const char *dir);

/* How wim_replace_file puts a file back. */
enum wim_replace_mode {
	/* New data, same file: the security descriptor, attributes, short
	 * name, named streams, object ID, hard links (every link gets the
	 * new data), creation and last-access times are kept; the last-write
	 * time becomes the run's (util/clock.h: SOURCE_DATE_EPOCH's if set).
	 * Goes through a scratch NTFS volume. */
	WIM_REPLACE_KEEP_METADATA,
	/* A new file in its place, with wimlib's defaults: no security
	 * descriptor, short name, named streams or other links; attributes
	 * NORMAL; every time the time of the run (util/clock.h). */
	WIM_REPLACE_PLAIN,
};

/*
 * Queue the replacement of the data of `stored` (a path as
 * wim_find_file gives it) by the bytes of the file `src`.
 *
 * WIM_REPLACE_KEEP_METADATA copies `src` into a scratch NTFS volume it
 * creates in the directory `scratch`; wimlib reads the volume while the
 * WIM is written, and wim_close() removes it (`src` may go at once).  The
 * file is put back by adding a directory above it, which must be below
 * the image root (adding onto the root would make wimlib rewrite the
 * image's WINDOWS XML): a file directly in the root, or one whose hard
 * links lie in different top-level directories, is refused (WP_ERR_INPUT),
 * as are directories, reparse points and encrypted files.
 *
 * WIM_REPLACE_PLAIN: wimlib reads `src` only when the WIM is written: it
 * must stay in place until then; `scratch` is not used.
 *
 * WP_ERR_WRITE when the scratch volume cannot be made, written or read
 * back, or the file cannot be put back; WP_ERR_INPUT when the file cannot
 * be read from the image or is refused (above); WP_ERR_INTERNAL when its
 * metadata would not survive the way back.
 */
enum wp_err wim_replace_file(struct wim *w, int image, const char *src, const char *stored,
			     enum wim_replace_mode mode, const char *scratch);

/*
 * WIM_REPLACE_KEEP_METADATA in two steps, so that the file's data is
 * extracted once (from a solid ESD resource that means decompressing a
 * chunk of up to 64 MiB): wim_keep_prepare puts the file's links into a
 * scratch NTFS volume in `scratch`, as wim_replace_file does, and copies
 * the file's data from there to the new file `copy`; wim_keep_commit
 * replaces the data on the volume by the bytes of `src` and puts the file
 * back (on a new volume if `src` is more than twice the old size).  Both
 * fail as wim_replace_file does.  wim_keep_free may be called on a handle
 * that was never committed; the volume stays until wim_close.
 */
struct wim_keep;
enum wp_err wim_keep_prepare(struct wim *w, int image, const char *stored, const char *scratch,
			     const char *copy, struct wim_keep **out);
enum wp_err wim_keep_commit(struct wim *w, struct wim_keep *k, const char *src);
void wim_keep_free(struct wim_keep *k);
/*
 * Images that share a hive get the same edited data: after
 * wim_keep_commit(w, done, ...) put it back into one image, give `stored`
 * of `image` the same data, keeping its own metadata.  When that metadata
 * (links, short names, attributes, security descriptor, times, streams)
 * is the same as the file `done` replaced had, done's volume is added to
 * `image` as it is: no extraction, no copy, no volume of its own; when
 * only the creation and last-access times differ, a copy of done's volume
 * (in `scratch`) given those times; otherwise a volume of its own, with
 * the data copied from done's.  Fails as wim_replace_file does.
 */
enum wp_err wim_keep_commit_again(struct wim *w, const struct wim_keep *done, int image,
				  const char *stored, const char *scratch);

/*
 * wim_keep_prepare for several files at once, in up to `threads` threads,
 * each reading the WIM through a WIMStruct of its own.  Only worth it for
 * solid (ESD) archives, where extracting a file means decompressing a
 * chunk of up to 64 MiB: for others, and with fewer than 2 threads or
 * jobs, it does nothing.  At most 2 threads, for memory (each holds an
 * image's metadata and a decompressed chunk while it works; the calling
 * thread's WIMStruct loads no image).  What a thread cannot prepare (a file with several
 * links, any error) is left with keep NULL, for wim_keep_prepare, which
 * reports what goes wrong; so is a job whose file is the same blob as that
 * of an earlier job of its group.  Nothing is reported from here.
 */
struct wim_keep_job {
	int image;
	const char *path;	/* to find, as for wim_find_file */
	const char *scratch;	/* a directory for this file only */
	uint64_t max_size;	/* a bigger file is left alone (0: no limit) */
	size_t group;		/* jobs whose files get the same edit: of those of
				   one group whose data is one blob, only the
				   first is prepared (the others reuse its edit) */
	char *stored;		/* out: as wim_find_file gives it, or NULL */
	char *copy;		/* out: scratch/<name>, holding its data */
	struct wim_keep *keep;	/* out: prepared, or NULL */
};
void wim_keep_prepare_many(struct wim *w, struct wim_keep_job *jobs, size_t n);

/*
 * The same in the background, for a WIM that is not solid: while the
 * caller works on job i (prepared by itself, or taken from the thread),
 * one thread with a WIMStruct of its own prepares the next, so that
 * extracting a hive (decompressing it, writing it to a scratch volume)
 * overlaps editing the one before.  NULL (nothing said) with fewer than
 * 2 threads (--threads) or jobs, for a stand-in (wim_sparse.c), or if no
 * thread can be started: the caller then prepares every job itself.
 * `jobs` stays the caller's, untouched until wim_prefetch_end.
 *
 * The caller goes through the jobs in order: wim_prefetch_take(pf, i)
 * gives job i's prepared handle (waiting for the thread if it is at it),
 * or NULL if the caller is to prepare it itself (the thread never started
 * it, or could not prepare it, or it is the twin of an earlier job of its
 * group); then wim_prefetch_known(pf, i, sha1) as soon as the caller knows
 * job i's blob (NULL: no such file), so that the thread can tell twins.
 * wim_prefetch_end stops the thread after the job it is at, frees what
 * was prepared and not taken, and gives the volumes made to `w`; it must
 * come before the WIM is written.  All take a NULL pf.
 */
struct wim_prefetch;
struct wim_prefetch *wim_prefetch_start(struct wim *w, struct wim_keep_job *jobs, size_t n);
struct wim_keep *wim_prefetch_take(struct wim_prefetch *pf, size_t i);
void wim_prefetch_known(struct wim_prefetch *pf, size_t i, const unsigned char *sha1);
void wim_prefetch_end(struct wim_prefetch *pf);

/*
 * A new file `path` ("Windows/Panther/unattend.xml": no leading '/'; each
 * component matched without regard to case, as Windows does) in the
 * image, holding the bytes of `src`, with the metadata Windows would give
 * it there (what *m says, for reports):
 *  - the security descriptor of the regular file of its directory whose
 *    name comes first in ASCII-case-insensitive order; if the directory
 *    holds none, or is made now, that of the deepest directory of its path
 *    the image has (the directory's own descriptor, inheritable entries
 *    and all);
 *  - attributes: that file's ARCHIVE and NOT_CONTENT_INDEXED bits
 *    (NORMAL if it has neither); ARCHIVE when there is no such file;
 *  - its four times, the run's (util/clock.h); no short name, no named
 *    streams.
 * Directories of the path the image lacks are made with that deepest
 * directory's security descriptor, attribute DIRECTORY and the run's
 * times; directories that exist keep their own metadata.  The file goes
 * in through a scratch NTFS volume in `scratch`, added onto the deepest
 * existing directory (never the root: refused, WP_ERR_INPUT), and is
 * checked in the image before anything is written.  With `src` NULL, only
 * *m is filled: what the file would get (a dry run).  WP_ERR_INPUT as well
 * when a component on the way is not a directory or several entries
 * match one; WP_ERR_WRITE when the volume cannot be made.
 */
struct wim_new_meta {
	char *sd_from;		/* the path (in the image) whose security
				   descriptor the file got */
	bool has_sd;		/* false: that path has none, nor the new file */
	uint32_t attributes;
	char *added_below;	/* the deepest existing directory */
	size_t dirs_made;	/* directories made below it */
};
enum wp_err wim_add_file(struct wim *w, int image, const char *path, const char *src,
			 const char *scratch, struct wim_new_meta *m);
void wim_new_meta_free(struct wim_new_meta *m);

/* Delete the file `stored` ("/Windows/x", as wim_find_file gives it) from
 * image `image`, in memory (written with the rest).  A directory is
 * refused by wimlib. */
enum wp_err wim_delete_file(struct wim *w, int image, const char *stored);

/* Delete the images `drop[1..image count]` says, keeping the boot image
 * (renumbered) or making the boot index 0 if it goes, and the XML of the
 * others.  Refuses to drop every image (WP_ERR_PROFILE, said).  A WIM with
 * images deleted cannot be appended to: it is written whole (the
 * caller's rebuild route).  Image numbers change at once. */
enum wp_err wim_drop_images(struct wim *w, const bool *drop);
bool wim_images_dropped(const struct wim *w);

/*
 * What WIM_REPLACE_KEEP_METADATA keeps of `stored`, as text (every link
 * with its short name, attributes, security descriptor, creation and
 * last-access times, object ID, named streams with their sizes and
 * hashes), to compare a written WIM with the original.  NULL on error
 * (reported).  Free with free().
 */
char *wim_file_metadata(struct wim *w, int image, const char *stored);

/* Write the queued changes into the file itself, by appending (the header
 * is the commit point, so an interrupted write leaves the old WIM).
 * SIGINT, SIGTERM and SIGHUP are held back (fs_hold_signals) from the end
 * of the metadata write on, through the header write and its fsync, so
 * that no signal falls between the commit point and the caller's record
 * of it: when wimlib succeeds they are still held when this returns
 * (whatever it returns) and the caller releases them; when it fails they
 * are released.  (A signal another thread takes meanwhile waits for the
 * release too, fsutil.c says how; wimlib's compressor threads are gone by
 * then anyway.)  *committed tells which:
 * whether the new header is written.
 * WP_ERR_WRITE when writing fails (the WIM cannot be opened for writing,
 * no space, size limit, I/O error), WP_ERR_INPUT when what is to be
 * copied from the WIM cannot be read or is bad. */
enum wp_err wim_commit_in_place(struct wim *w, bool *committed);
/* Write the whole WIM, changes included, through `fd` (a new, empty file
 * open for reading and writing, named `name` in messages), synced; the
 * descriptor stays open.  Fails as wim_commit_in_place does. */
enum wp_err wim_commit_to_fd(struct wim *w, int fd, const char *name);

/*
 * Split sets (install.swm, install2.swm, ...).  wim_open() on the first
 * part finds the others next to it (same name with a part number before
 * the extension, without regard to case), checks that they are one set
 * (same GUID and part count, every part once) and references them, so
 * that images read and extract as from a standalone WIM; on a later part
 * it fails, naming the first.  A set cannot be written in place: write a
 * standalone WIM (wim_commit_scratch) and split that (wim_split_file).
 */
/* Is this the first part of a split set (or a one-part .swm file)? */
bool wim_is_split(const struct wim *w);
unsigned wim_part_count(const struct wim *w);
/* The path of part `k` (1-based) as found on disk. */
const char *wim_part_path(const struct wim *w, unsigned k);
/* Does the WIM hold solid (LZMS "ESD") resources?  wimlib cannot split those. */
bool wim_is_solid(struct wim *w);
/* Can wimlib split this WIM (not solid)?  If not, says so as "WHAT:
 * CONTEXT: it holds solid ... resources" with what to do, and returns
 * WP_ERR_INPUT. */
enum wp_err wim_check_splittable(struct wim *w, const char *what, const char *context);
/* The part size the set was split with, as its parts imply (the largest
 * amount of resource data in a part that shows the limit, plus one byte;
 * see wim.c): a new split never puts more data in one part. */
uint64_t wim_split_part_size(struct wim *w);
/* The name of part `k` of a set whose first part is `part1`, as wimlib
 * and Microsoft's tools name them: install.swm, install2.swm, ... */
char *wim_part_name(const char *part1, unsigned k);
/* Write the whole WIM to `path` as scratch data: no integrity table, no
 * sync (it is read back, then split).  Fails as wim_commit_in_place does. */
enum wp_err wim_commit_scratch(struct wim *w, const char *path);
/* Split the standalone WIM `src` into parts of at most `part_size` bytes of
 * resources (a bigger single resource gets a part of its own), named
 * after `part1`, each synced; with an integrity table if `integrity`.
 * The parts get a new GUID, made from `src`'s (the same input gives the
 * same set; wim_repro.c).
 * *n_parts gets the number of parts.  `src` is one wimpatch wrote (or
 * copied): whatever fails is WP_ERR_WRITE (WP_ERR_INTERNAL for want of
 * memory). */
enum wp_err wim_split_file(const char *src, const char *part1, uint64_t part_size,
			   bool integrity, unsigned *n_parts);
/*
 * Stand-ins: a WIM stored inside an ISO image is patched through a sparse
 * file of its size that holds only what wimpatch reads of it (wim_sparse.c
 * says what), so that patching, showing or diffing it costs megabytes of
 * scratch space, not the WIM's size.  wim_sparse_make creates `path` (a
 * new name in a private directory) from `src`; wim_open on it then copies
 * each file's data in before it is extracted.  After a write,
 * wim_sparse_changes gives the byte ranges that now differ from the
 * source, in whole `block`s below the source's end, and the new size:
 * what goes back into the image.  The stand-in stays registered (by its
 * inode) until wim_sparse_forget; the file itself is the caller's.
 */
struct wim_source {
	/* Read n bytes at `off` of the WIM: 0, or -1 with errno set. */
	int (*read)(void *ctx, uint64_t off, void *buf, size_t n);
	void *ctx;
	uint64_t size;		/* the WIM's size */
};
struct wim_range {
	uint64_t off, len;
};
struct wim_change_list {
	struct wim_range *v;	/* ascending, not overlapping */
	size_t n, alloc;
	uint64_t size;		/* the stand-in's size now */
};
/* `name` names the WIM in messages ("X.iso:sources/boot.wim"). */
enum wp_err wim_sparse_make(const char *path, const struct wim_source *src, const char *name);
bool wim_sparse_is(const char *path);
enum wp_err wim_sparse_changes(const char *path, size_t block, struct wim_change_list *c);
void wim_change_list_free(struct wim_change_list *c);
void wim_sparse_forget(const char *path);

/* Did the WIM (or the set's first part) have an integrity table? */
/* A WIM file's blob table as the file has it now (not an open WIM's,
 * which may hold changes not yet written), for wim_verify_blobs; NULL
 * after saying why. */
struct wim_blobs;
struct wim_file_ref;
/* `files`: those the write will replace or add (their old data may go). */
struct wim_blobs *wim_blobs_read(const char *path, const struct wim_file_ref *files, size_t n);
void wim_blobs_free(struct wim_blobs *b);
/* A file a run wrote into a WIM: its image and its path there, and, when
 * the caller read it back from a fresh open of the written WIM, the SHA-1
 * of its data there (else NULL: looked up). */
struct wim_file_ref {
	int image;
	const char *path;
	const unsigned char *sha1;
};
/* Read back what a write of the WIM whose blobs were `before` produced in
 * `written` (`shown` in messages): written in place (`src` NULL), every
 * old blob keeps its table entry; written anew from the file `src`, every
 * old blob's stored bytes equal the source's; every new data blob is that
 * of one of `files`, the files written (whose bytes the caller reads back:
 * the hives; not checked when `images_dropped`: a dropped image's data
 * goes); every image with new metadata loads (wimlib checks its
 * SHA-1), unless `loaded[image]` says the caller loaded it from a fresh
 * open of `written` already (NULL: none).  Where wimlib stored an old
 * resource anew, the whole WIM is verified.  WP_OK, or WP_ERR_WRITE after
 * saying what differs (see wim_verify.c). */
enum wp_err wim_verify_blobs(const char *written, const char *shown,
			     const struct wim_blobs *before, const char *src,
			     const struct wim_file_ref *files, size_t n_files, bool images_dropped,
			     const bool *loaded);

bool wim_has_integrity(const struct wim *w);

#endif

/*
 * wim.h - WIM and ESD archives, in the project's terms.  The only module
 * that uses wimlib.
 *
 * Errors are reported here, where wimlib's reason is known, naming the
 * file and image; functions then return -1.
 */
#ifndef WIMPATCH_WIM_H
#define WIMPATCH_WIM_H

#include <stdbool.h>

#include "plan.h"

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

/* Process-wide setup (wimlib is global); call once. */
int wim_init(const struct wim_settings *s);
void wim_cleanup(void);
/* Is this file a WIM (or ESD) by its magic number? */
bool wim_file_is_wim(const char *path);
const char *wim_library_version(void);

/* `writable`: fail early if the file cannot be updated in place. */
struct wim *wim_open(const char *path, bool writable);
void wim_close(struct wim *w);
int wim_image_count(const struct wim *w);
int wim_boot_index(const struct wim *w);
const char *wim_path(const struct wim *w);

/* Describe image `index`; the role comes from INSTALLATIONTYPE, else
 * from the file name (boot* = setup, install* = installed). */
int wim_image_get(struct wim *w, int index, struct wim_image *out);
void wim_image_free(struct wim_image *img);
/* Find an image by name (exact); returns 0 if none. */
int wim_image_by_name(const struct wim *w, const char *name);

/*
 * Find `path` ('/'-separated) in the image, matching each component
 * without regard to case, as Windows does.  *stored gets the path as the
 * image spells it.  Returns 1 if found (a regular file), 0 if absent, -1
 * on error.
 */
int wim_find_file(struct wim *w, int image, const char *path, char **stored);

/* Extract one file (by stored path) into directory `dir`, as dir/<basename>.
 * Returns 0, or an EXIT_* code: EXIT_WRITE when writing the copy failed
 * (no space, size limit), EXIT_INPUT when the WIM's data is bad. */
int wim_extract_file(struct wim *w, int image, const char *stored, const char *dir);

/* How wim_replace_file puts a file back. */
enum wim_replace_mode {
	/* New data, same file: the security descriptor, attributes, short
	 * name, named streams, object ID, hard links (every link gets the
	 * new data), creation and last-access times are kept; the last-write
	 * time becomes now.  Goes through a scratch NTFS volume. */
	WIM_REPLACE_KEEP_METADATA,
	/* A new file in its place, with wimlib's defaults: no security
	 * descriptor, short name, named streams or other links; attributes
	 * NORMAL; every time the time of the run. */
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
 * links lie in different top-level directories, is refused (EXIT_INPUT),
 * as are directories, reparse points and encrypted files.
 *
 * WIM_REPLACE_PLAIN: wimlib reads `src` only when the WIM is written: it
 * must stay in place until then; `scratch` is not used.
 *
 * Returns 0, or an EXIT_* code (the error is reported).
 */
int wim_replace_file(struct wim *w, int image, const char *src, const char *stored,
		     enum wim_replace_mode mode, const char *scratch);

/*
 * What WIM_REPLACE_KEEP_METADATA keeps of `stored`, as text (every link
 * with its short name, attributes, security descriptor, creation and
 * last-access times, object ID, named streams with their sizes and
 * hashes), to compare a written WIM with the original.  NULL on error
 * (reported).  Free with free().
 */
char *wim_file_metadata(struct wim *w, int image, const char *stored);

/* Write the queued changes into the file itself, by appending (the header
 * is the commit point, so an interrupted write leaves the old WIM). */
int wim_commit_in_place(struct wim *w);
/* Write the whole WIM, changes included, to `path` (which must not exist). */
int wim_commit_to(struct wim *w, const char *path);

#endif

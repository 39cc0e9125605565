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

/*
 * Queue the replacement of `stored` by the file `src`.  wimlib reads `src`
 * only when the WIM is written: it must stay in place until then.
 */
int wim_replace_file(struct wim *w, int image, const char *src, const char *stored);

/* Write the queued changes into the file itself, by appending (the header
 * is the commit point, so an interrupted write leaves the old WIM). */
int wim_commit_in_place(struct wim *w);
/* Write the whole WIM, changes included, to `path` (which must not exist). */
int wim_commit_to(struct wim *w, const char *path);

#endif

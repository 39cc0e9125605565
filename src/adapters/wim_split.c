/*
 * wim_split.c - split sets (install.swm, install2.swm, ...): finding and
 * checking the parts of a set, naming them, the part size a set implies,
 * and splitting a WIM into a new set.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wimlib.h>

#include "util/infile.h"
#include "util/msg.h"
#include "adapters/wim.h"
#include "adapters/wim_int.h"
#include "util/path.h"

/* ------------------------------------------------------------------ */
/* Split sets: finding and checking the parts */

static bool has_swm_ext(const char *path)
{
	const char *b = path_base(path);
	size_t n = strlen(b);
	return n > 4 && strcasecmp(b + n - 4, ".swm") == 0;
}

/* Part number and part count from the header (little-endian 16-bit
 * fields at offsets 40 and 42), read without wimlib.  Returns 0 or -1. */
static int header_parts(const char *path, unsigned *part, unsigned *total)
{
	unsigned char h[44];
	struct stat st;
	char why[256];
	int fd = infile_open(path, false, &st, why, sizeof(why));
	ssize_t n = fd >= 0 ? pread(fd, h, sizeof(h), 0) : -1;

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(h))
		return -1;
	*part = h[40] | (unsigned)h[41] << 8;
	*total = h[42] | (unsigned)h[43] << 8;
	return 0;
}

bool header_says_split(const char *path)
{
	unsigned part, total;
	return has_swm_ext(path) || (header_parts(path, &part, &total) == 0 && total > 1);
}

char *wim_part_name(const char *part1, unsigned k)
{
	const char *dot = strrchr(path_base(part1), '.');
	size_t stem = dot ? (size_t)(dot - part1) : strlen(part1);
	char *s;

	if (k <= 1)
		return strdup(part1);
	if (asprintf(&s, "%.*s%u%s", (int)stem, part1, k, dot ? dot : "") < 0)
		return NULL;
	return s;
}

/* "install3.swm" -> "install.swm": the likely name of the first part. */
static char *first_part_name(const char *path)
{
	const char *b = path_base(path);
	const char *dot = strrchr(b, '.');
	const char *end = dot ? dot : b + strlen(b);
	const char *d = end;
	char *s;

	while (d > b && d[-1] >= '0' && d[-1] <= '9')
		d--;
	if (asprintf(&s, "%.*s%s", (int)(d - b), b, end) < 0)
		return NULL;
	return s;
}

/* Is `name` (a directory entry) named like a later part of the set whose
 * first part is called `base`: stem, digits, extension, without regard to
 * case? */
static bool part_name_matches(const char *base, const char *name)
{
	const char *dot = strrchr(base, '.');
	size_t stem = dot ? (size_t)(dot - base) : strlen(base);
	const char *ext = dot ? dot : "";

	if (strncasecmp(name, base, stem) != 0)
		return false;
	const char *p = name + stem, *q = p;
	while (*q >= '0' && *q <= '9')
		q++;
	return q > p && strcasecmp(q, ext) == 0;
}

/* A leftover directory of an interrupted re-split next to `path`, if any
 * (see patch_wim.c): its name, for the error message.  NULL if none. */
static char *leftover_split_dir(const char *path)
{
	char *dir = path_dir(path), *found = NULL, *prefix = NULL;
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;

	if (d && asprintf(&prefix, ".%s.wimpatch-", path_base(path)) >= 0) {
		while (!found && (e = readdir(d)))
			if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 &&
			    asprintf(&found, "%s/%s", dir, e->d_name) < 0)
				found = NULL;
	}
	if (d)
		closedir(d);
	free(prefix);
	free(dir);
	return found;
}

static int not_one_set(const struct wim *w, const char *other, const char *why)
{
	char *left = leftover_split_dir(w->path);
	msg_error("%s: %s is not part of the same split set (%s)%s%s%s", w->path, other, why,
		  left ? "; an interrupted wimpatch run left the rest of a new set in " : "",
		  left ? left : "",
		  left ? ": move its files next to the parts to complete it (see wimpatch(1), "
			 "WRITING SAFELY)" : "");
	free(left);
	return -1;
}

enum wp_err reference_parts(struct wim *w, WIMStruct *ws)
{
	if (w->n_parts < 2)
		return WP_OK;
	int r = wimlib_reference_resource_files(ws, (const char *const *)w->parts + 1,
						w->n_parts - 1, 0, 0);
	return r ? wfail(w->path, 0, r, WS_IN, "cannot read the other parts of the split set") : WP_OK;
}

static uint64_t implied_part_size(struct wim *w);

enum wp_err open_split_set(struct wim *w, bool writable)
{
	unsigned n = w->info.total_parts;
	char *dir = NULL;
	DIR *d = NULL;
	struct dirent *e;
	enum wp_err ret = WP_ERR_INPUT;

	if (w->info.part_number != 1) {
		char *first = first_part_name(w->path);
		msg_error("%s: part %u of a split WIM (%u parts): give its first part%s%s%s instead",
			  w->path, w->info.part_number, n, first ? " (" : "", first ? first : "",
			  first ? ")" : "");
		free(first);
		return WP_ERR_INPUT;
	}
	if (!(dir = path_dir(w->path)) || !(w->parts = calloc(n ? n : 1, sizeof(*w->parts))) ||
	    !(w->parts[0] = strdup(w->path))) {
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
		goto out;
	}
	w->n_parts = n ? n : 1;
	if (writable && access(dir, W_OK | X_OK) < 0) {
		msg_error("%s: cannot write the new parts of the split set next to it: %s: %s",
			  w->path, dir, strerror(errno));
		goto out;
	}
	if (!(d = opendir(dir))) {
		msg_error("%s: %s", dir, strerror(errno));
		goto out;
	}
	while ((e = readdir(d))) {
		char *p = NULL;
		WIMStruct *ws = NULL;
		struct wimlib_wim_info in;

		if (strcmp(e->d_name, path_base(w->path)) == 0 ||
		    !part_name_matches(path_base(w->path), e->d_name))
			continue;
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0) {
			msg_error("out of memory");
			ret = WP_ERR_INTERNAL;
			goto out;
		}
		/* wimlib's open would wait for ever on a FIFO of a part's name. */
		struct stat st;
		if (stat(p, &st) == 0 && !S_ISREG(st.st_mode)) {
			msg_error("%s: %s: not a regular file, so not a part of its split set",
				  w->path, p);
			free(p);
			goto out;
		}
		int r = wimlib_open_wim(p, 0, &ws);
		if (r) {
			ret = wfail(p, 0, r, WS_IN, "cannot open this part of the split set");
			free(p);
			goto out;
		}
		wimlib_get_wim_info(ws, &in);
		wimlib_free(ws);
		if (memcmp(in.guid, w->info.guid, sizeof(in.guid)) != 0 || in.total_parts != n) {
			not_one_set(w, p, in.total_parts != n ? "a different number of parts"
							      : "a different GUID");
			free(p);
			goto out;
		}
		if (in.part_number < 2 || in.part_number > n || w->parts[in.part_number - 1]) {
			msg_error("%s: %s says it is part %u of %u, which %s", w->path, p,
				  in.part_number, n,
				  in.part_number < 2 || in.part_number > n ? "cannot be"
									   : "another file is too");
			free(p);
			goto out;
		}
		w->parts[in.part_number - 1] = p;
	}
	for (unsigned k = 2; k <= n; k++) {
		if (!w->parts[k - 1]) {
			char *want = wim_part_name(w->path, k);
			msg_error("%s: part %u of the %u-part split set is missing (looked for %s)",
				  w->path, k, n, want ? want : "it");
			free(want);
			goto out;
		}
	}
	ret = reference_parts(w, w->ws);
	if (ret == WP_OK) {
		w->part_size = implied_part_size(w);
		msg_verbose("%s: split set of %u part%s, split with a part size of about %llu "
			    "bytes", w->path, w->n_parts, w->n_parts == 1 ? "" : "s",
			    (unsigned long long)w->part_size);
	}
out:
	if (d)
		closedir(d);
	free(dir);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Split sets: their parts, the part size they imply, splitting */

bool wim_is_split(const struct wim *w)
{
	return w->split;
}

unsigned wim_part_count(const struct wim *w)
{
	return w->split ? w->n_parts : 1;
}

const char *wim_part_path(const struct wim *w, unsigned k)
{
	if (!w->split)
		return k == 1 ? w->path : NULL;
	return k >= 1 && k <= w->n_parts ? w->parts[k - 1] : NULL;
}

struct part_sizes {
	uint64_t *bytes;
	unsigned *data;		/* file data resources (not image metadata) */
	unsigned n;
};

static int part_size_cb(const struct wimlib_resource_entry *r, void *ctx)
{
	struct part_sizes *ps = ctx;
	if (r->part_number >= 1 && r->part_number <= ps->n && !r->is_missing) {
		ps->bytes[r->part_number - 1] += r->compressed_size;
		ps->data[r->part_number - 1] += !r->is_metadata;
	}
	return 0;
}

/*
 * wimlib fills parts in order: the image metadata all goes into part 1,
 * then each resource goes into the current part unless that would bring
 * it to the limit, in which case it starts the next part.  So a part that
 * took a resource while it already held something stayed below the
 * limit: part 1 with any file data, a later part with two resources or
 * more.  The largest of those, plus one, is the smallest limit the set
 * is consistent with.  Computed when the set is opened, before images
 * change (a changed image's metadata is in no part).
 */
static uint64_t implied_part_size(struct wim *w)
{
	unsigned n = w->n_parts;
	struct part_sizes ps = { calloc(n, sizeof(uint64_t)), calloc(n, sizeof(unsigned)), n };
	uint64_t most = 0, largest = 0;

	if (ps.bytes && ps.data && wimlib_iterate_lookup_table(w->ws, 0, part_size_cb, &ps) == 0) {
		for (unsigned k = 0; k < n; k++) {
			if (ps.data[k] >= (k == 0 ? 1u : 2u) && ps.bytes[k] > most)
				most = ps.bytes[k];
			if (ps.bytes[k] > largest)
				largest = ps.bytes[k];
		}
	}
	free(ps.bytes);
	free(ps.data);
	return (most ? most : largest) + 1;
}

uint64_t wim_split_part_size(struct wim *w)
{
	return w->part_size;
}

enum wp_err wim_split_file(const char *src, const char *part1, uint64_t part_size, bool integrity,
			   unsigned *n_parts)
{
	WIMStruct *ws;
	unsigned part, total;

	int r = wimlib_open_wim(src, 0, &ws);
	if (r)
		return wfail(src, 0, r, WS_OWN, "cannot open the patched WIM to split it");
	struct wimlib_wim_info info;
	wimlib_get_wim_info(ws, &info);
	errno = 0;
	r = wimlib_split(ws, part1, part_size,
			 WIMLIB_WRITE_FLAG_FSYNC | (integrity ? WIMLIB_WRITE_FLAG_CHECK_INTEGRITY : 0));
	wimlib_free(ws);
	if (r)
		return wfail(part1, 0, r, WS_OWN, "cannot write the new split set");
	if (header_parts(part1, &part, &total) < 0 || part != 1 || total < 1) {
		msg_error("%s: cannot read back the header of the new first part", part1);
		return WP_ERR_WRITE;
	}
	*n_parts = total;
	return set_split_guid(info.guid, part1, total);
}

enum wp_err wim_check_splittable(struct wim *w, const char *what, const char *context)
{
	if (!wim_is_solid(w))
		return WP_OK;
	msg_error("%s: %s: it holds solid (LZMS, ESD-style) resources, and wimlib cannot split solid "
		  "resources; export it to a non-solid WIM first (wimlib-imagex export SRC all NEW.wim "
		  "--compress=LZX, with --ref for a split set)", what, context);
	return WP_ERR_INPUT;
}

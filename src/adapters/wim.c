/* wim.c - wimlib behind the project's own WIM API; see wim.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <wimlib.h>

#include "core/error.h"
#include "util/msg.h"
#include "util/progress.h"
#include "adapters/ntfsvol.h"
#include "adapters/wim.h"

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

static struct wim_settings settings;

static int wfail(const char *path, int image, int code, const char *what)
{
	char sys[128] = "";

	/* wimlib's strings for I/O errors are generic; the system's reason
	 * (no space, file too large, read-only) is what a user can act on. */
	if ((code == WIMLIB_ERR_WRITE || code == WIMLIB_ERR_READ || code == WIMLIB_ERR_OPEN ||
	     code == WIMLIB_ERR_MKDIR || code == WIMLIB_ERR_RENAME || code == WIMLIB_ERR_NTFS_3G) &&
	    errno)
		snprintf(sys, sizeof(sys), " (%s)", strerror(errno));
	if (image > 0)
		msg_error("%s: image %d: %s: %s%s", path, image, what,
			  wimlib_get_error_string(code), sys);
	else
		msg_error("%s: %s: %s%s", path, what, wimlib_get_error_string(code), sys);
	return -1;
}

int wim_init(const struct wim_settings *s)
{
	int r = wimlib_global_init(0);
	if (r) {
		msg_error("cannot initialise wimlib: %s", wimlib_get_error_string(r));
		return -1;
	}
	/* wimlib's own messages only when asked: ours name file and image. */
	wimlib_set_print_errors(msg_verbosity >= VERB_VERBOSE);
	settings = *s;
	if (settings.threads == 0)
		settings.threads = 1;
	if (settings.compression_level > 0) {
		r = wimlib_set_default_compression_level(-1, (unsigned)settings.compression_level);
		if (r) {
			msg_error("compression level %d: %s", settings.compression_level,
				  wimlib_get_error_string(r));
			return -1;
		}
	}
	if (settings.lzms_level > 0) {
		r = wimlib_set_default_compression_level(WIMLIB_COMPRESSION_TYPE_LZMS,
							 (unsigned)settings.lzms_level);
		if (r) {
			msg_error("LZMS compression level %d: %s", settings.lzms_level,
				  wimlib_get_error_string(r));
			return -1;
		}
	}
	return 0;
}

void wim_cleanup(void)
{
	wimlib_global_cleanup();
}

const char *wim_library_version(void)
{
	return wimlib_get_version_string();
}

bool wim_header_is_wim(const unsigned char *head, size_t n)
{
	/* "MSWIM" for normal WIMs and ESDs, "WLPWM" for pipable ones. */
	return n >= 8 && (memcmp(head, "MSWIM\0\0\0", 8) == 0 || memcmp(head, "WLPWM\0\0\0", 8) == 0);
}

/* wimlib reports bytes written, extracted and checksummed; the bar shows
 * them on a terminal (progress.c decides whether to draw at all). */
static enum wimlib_progress_status on_progress(enum wimlib_progress_msg msg,
					       union wimlib_progress_info *info, void *ctx)
{
	const struct wim *w = ctx;
	const char *base = strrchr(w->path, '/');
	char what[160];

	base = base ? base + 1 : w->path;
	switch (msg) {
	case WIMLIB_PROGRESS_MSG_WRITE_STREAMS:
		snprintf(what, sizeof(what), "writing %s", base);
		progress_update(what, info->write_streams.completed_bytes,
				info->write_streams.total_bytes);
		break;
	case WIMLIB_PROGRESS_MSG_EXTRACT_STREAMS:
		snprintf(what, sizeof(what), "extracting from %s", base);
		progress_update(what, info->extract.completed_bytes, info->extract.total_bytes);
		break;
	case WIMLIB_PROGRESS_MSG_VERIFY_INTEGRITY:
	case WIMLIB_PROGRESS_MSG_CALC_INTEGRITY:
		snprintf(what, sizeof(what), "checking %s", base);
		progress_update(what, info->integrity.completed_bytes, info->integrity.total_bytes);
		break;
	default:
		break;
	}
	return WIMLIB_PROGRESS_STATUS_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* Split sets: finding and checking the parts */

static const char *base_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static char *dir_of(const char *path)
{
	const char *s = strrchr(path, '/');
	return !s ? strdup(".") : s == path ? strdup("/") : strndup(path, (size_t)(s - path));
}

static bool has_swm_ext(const char *path)
{
	const char *b = base_of(path);
	size_t n = strlen(b);
	return n > 4 && strcasecmp(b + n - 4, ".swm") == 0;
}

/* Part number and part count from the header (little-endian 16-bit
 * fields at offsets 40 and 42), read without wimlib.  Returns 0 or -1. */
static int header_parts(const char *path, unsigned *part, unsigned *total)
{
	unsigned char h[44];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, h, sizeof(h), 0) : -1;

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(h))
		return -1;
	*part = h[40] | (unsigned)h[41] << 8;
	*total = h[42] | (unsigned)h[43] << 8;
	return 0;
}

/* Is the file a split set's part (or named like one)?  Decides how it is
 * opened; wimlib's own open checks the header properly. */
static bool header_says_split(const char *path)
{
	unsigned part, total;
	return has_swm_ext(path) || (header_parts(path, &part, &total) == 0 && total > 1);
}

char *wim_part_name(const char *part1, unsigned k)
{
	const char *dot = strrchr(base_of(part1), '.');
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
	const char *b = base_of(path);
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
	char *dir = dir_of(path), *found = NULL, *prefix = NULL;
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;

	if (d && asprintf(&prefix, ".%s.wimpatch-", base_of(path)) >= 0) {
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

/* wimlib reads the other parts' data through these references. */
static int reference_parts(struct wim *w, WIMStruct *ws)
{
	if (w->n_parts < 2)
		return 0;
	int r = wimlib_reference_resource_files(ws, (const char *const *)w->parts + 1,
						w->n_parts - 1, 0, 0);
	return r ? wfail(w->path, 0, r, "cannot read the other parts of the split set") : 0;
}

static uint64_t implied_part_size(struct wim *w);

static int open_split_set(struct wim *w, bool writable)
{
	unsigned n = w->info.total_parts;
	char *dir = NULL;
	DIR *d = NULL;
	struct dirent *e;
	int ret = -1;

	if (w->info.part_number != 1) {
		char *first = first_part_name(w->path);
		msg_error("%s: part %u of a split WIM (%u parts): give its first part%s%s%s instead",
			  w->path, w->info.part_number, n, first ? " (" : "", first ? first : "",
			  first ? ")" : "");
		free(first);
		return -1;
	}
	if (!(dir = dir_of(w->path)) || !(w->parts = calloc(n ? n : 1, sizeof(*w->parts))) ||
	    !(w->parts[0] = strdup(w->path))) {
		msg_error("out of memory");
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

		if (strcmp(e->d_name, base_of(w->path)) == 0 ||
		    !part_name_matches(base_of(w->path), e->d_name))
			continue;
		if (asprintf(&p, "%s/%s", dir, e->d_name) < 0) {
			msg_error("out of memory");
			goto out;
		}
		int r = wimlib_open_wim(p, 0, &ws);
		if (r) {
			wfail(p, 0, r, "cannot open this part of the split set");
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
	if (ret == 0) {
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

struct wim *wim_open(const char *path, bool writable)
{
	struct wim *w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path))) {
		free(w);
		msg_error("out of memory");
		return NULL;
	}
	/* A split set is never written in place (a new set replaces it), and
	 * wimlib refuses write access to one: only the directory matters. */
	w->split = header_says_split(path);
	int flags = writable && !w->split ? WIMLIB_OPEN_FLAG_WRITE_ACCESS : 0;
	int r = wimlib_open_wim_with_progress(path, flags, &w->ws, on_progress, w);
	if (r) {
		wfail(path, 0, r, writable ? "cannot open for update" : "cannot open");
		free(w->path);
		free(w);
		return NULL;
	}
	wimlib_get_wim_info(w->ws, &w->info);
	if (w->split && open_split_set(w, writable) < 0) {
		wim_close(w);
		return NULL;
	}
	if (w->info.write_in_progress)
		msg_warn("%s: an earlier write to this WIM was interrupted (its data is intact)", path);
	return w;
}

static void drop_shadow(struct wim *w)
{
	wimlib_free(w->shadow);
	w->shadow = NULL;
}

void wim_close(struct wim *w)
{
	if (!w)
		return;
	/* wimlib keeps the scratch volumes open until it is done with the
	 * WIMStruct: remove them only after. */
	wimlib_free(w->ws);
	drop_shadow(w);
	for (size_t i = 0; i < w->n_volumes; i++) {
		unlink(w->volumes[i]);
		free(w->volumes[i]);
	}
	free(w->volumes);
	free(w->shadow_used);
	for (unsigned i = 0; i < w->n_parts; i++)
		free(w->parts[i]);
	free(w->parts);
	free(w->path);
	free(w);
}

int wim_image_count(const struct wim *w)
{
	return (int)w->info.image_count;
}

int wim_boot_index(const struct wim *w)
{
	return (int)w->info.boot_index;
}

const char *wim_path(const struct wim *w)
{
	return w->path;
}

static char *prop(struct wim *w, int index, const char *name)
{
	const char *v = wimlib_get_image_property(w->ws, index, name);
	return v ? strdup(v) : NULL;
}

/* PROCESSOR_ARCHITECTURE numbers, as the XML stores them. */
static char *arch_name(const char *v)
{
	static const struct {
		int n;
		const char *name;
	} arch[] = { { 0, "x86" }, { 5, "arm" }, { 6, "ia64" }, { 9, "x64" }, { 12, "arm64" } };

	if (!v)
		return NULL;
	for (size_t i = 0; i < sizeof(arch) / sizeof(arch[0]); i++)
		if (atoi(v) == arch[i].n && v[0] >= '0' && v[0] <= '9')
			return strdup(arch[i].name);
	return strdup(v);
}

int wim_image_get(struct wim *w, int index, struct wim_image *out)
{
	memset(out, 0, sizeof(*out));
	out->index = index;
	const char *name = wimlib_get_image_name(w->ws, index);
	out->name = strdup(name ? name : "");
	out->install_type = prop(w, index, "WINDOWS/INSTALLATIONTYPE");
	out->edition = prop(w, index, "WINDOWS/EDITIONID");
	out->build = prop(w, index, "WINDOWS/VERSION/BUILD");
	out->arch = arch_name(wimlib_get_image_property(w->ws, index, "WINDOWS/ARCH"));
	if (!out->name) {
		msg_error("out of memory");
		return -1;
	}
	if (out->install_type) {
		out->role = strcasecmp(out->install_type, "WindowsPE") == 0 ? ROLE_SETUP
									     : ROLE_INSTALLED;
		out->role_source = "XML";
		return 0;
	}
	const char *base = strrchr(w->path, '/');
	base = base ? base + 1 : w->path;
	if (strncasecmp(base, "boot", 4) == 0) {
		out->role = ROLE_SETUP;
		out->role_source = "file name";
	} else if (strncasecmp(base, "install", 7) == 0) {
		out->role = ROLE_INSTALLED;
		out->role_source = "file name";
	} else {
		out->role = ROLE_UNKNOWN;
		out->role_source = "none";
	}
	return 0;
}

void wim_image_free(struct wim_image *img)
{
	free(img->name);
	free(img->install_type);
	free(img->edition);
	free(img->build);
	free(img->arch);
	memset(img, 0, sizeof(*img));
}

int wim_image_by_name(const struct wim *w, const char *name)
{
	for (int i = 1; i <= (int)w->info.image_count; i++) {
		const char *n = wimlib_get_image_name(w->ws, i);
		if (n && strcmp(n, name) == 0)
			return i;
	}
	return 0;
}

struct lookup {
	const char *want;
	char *exact;		/* same case */
	char *folded;		/* first case-insensitive match */
	int n_folded;
	bool is_dir_exact, is_dir_folded;
};

static int lookup_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	struct lookup *l = ctx;
	bool dir = d->attributes & WIMLIB_FILE_ATTRIBUTE_DIRECTORY;

	if (strcmp(d->filename, l->want) == 0) {
		l->exact = strdup(d->filename);
		l->is_dir_exact = dir;
		return l->exact ? 0 : WIMLIB_ERR_NOMEM;
	}
	if (strcasecmp(d->filename, l->want) == 0 && l->n_folded++ == 0) {
		l->folded = strdup(d->filename);
		l->is_dir_folded = dir;
		return l->folded ? 0 : WIMLIB_ERR_NOMEM;
	}
	return 0;
}

int wim_find_file(struct wim *w, int image, const char *path, char **stored)
{
	char *copy = strdup(path), *save = NULL;
	char *cur = malloc(strlen(path) + 2);
	int ret = -1;
	bool is_dir = true;

	*stored = NULL;
	if (!copy || !cur) {
		msg_error("out of memory");
		goto out;
	}
	strcpy(cur, "/");
	for (char *comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save)) {
		struct lookup l = { .want = comp };
		if (!is_dir) {
			ret = 0;
			goto out;
		}
		int r = wimlib_iterate_dir_tree(w->ws, image, cur,
						WIMLIB_ITERATE_DIR_TREE_FLAG_CHILDREN, lookup_cb, &l);
		if (r) {
			free(l.exact);
			free(l.folded);
			wfail(w->path, image, r, cur);
			goto out;
		}
		const char *name;
		if (l.exact) {
			name = l.exact;
			is_dir = l.is_dir_exact;
		} else if (l.n_folded > 1) {
			msg_error("%s: image %d: %s: several entries match '%s' without regard to case",
				  w->path, image, cur, comp);
			free(l.folded);
			goto out;
		} else if (l.folded) {
			name = l.folded;
			is_dir = l.is_dir_folded;
		} else {
			ret = 0;
			goto out;
		}
		if (strcmp(cur, "/") != 0)
			strcat(cur, "/");
		strcat(cur, name);
		free(l.exact);
		free(l.folded);
	}
	if (is_dir) {
		ret = 0;	/* a directory is not the hive file we want */
		goto out;
	}
	*stored = cur;
	cur = NULL;
	ret = 1;
out:
	free(copy);
	free(cur);
	return ret;
}

int wim_extract_file(struct wim *w, int image, const char *stored, const char *dir)
{
	const char *paths[1] = { stored };
	errno = 0;
	int r = wimlib_extract_paths(w->ws, image, dir, paths, 1,
				     WIMLIB_EXTRACT_FLAG_NO_PRESERVE_DIR_STRUCTURE);
	progress_clear();
	if (r) {
		char what[512];
		snprintf(what, sizeof(what), "cannot extract %s", stored);
		wfail(w->path, image, r, what);
		return r == WIMLIB_ERR_WRITE || r == WIMLIB_ERR_OPEN || r == WIMLIB_ERR_MKDIR
			       ? WP_ERR_WRITE : WP_ERR_INPUT;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Replacing a file: small helpers */

/* A growable list of strings (entries may be NULL). */
struct strv {
	char **v;
	size_t n, cap;
};

static int strv_add(struct strv *s, const char *str)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		char **v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	char *d = NULL;
	if (str && !(d = strdup(str)))
		return -1;
	s->v[s->n++] = d;
	return 0;
}

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static bool strv_has(const struct strv *s, const char *str)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] && strcmp(s->v[i], str) == 0)
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "/a/b" -> "/a", "/a" -> "/" (image paths: absolute, no trailing '/'). */
static char *parent_of(const char *p)
{
	const char *s = strrchr(p, '/');
	return s == NULL || s == p ? strdup("/") : strndup(p, (size_t)(s - p));
}

/* Is `p` the directory `dir` or below it? */
static bool path_within(const char *dir, const char *p)
{
	size_t n = strlen(dir);
	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(dir, p, n) == 0 && (p[n] == '\0' || p[n] == '/');
}

/* A growing text. */
struct text {
	char *s;
	size_t len, cap;
	bool oom;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	if (t->oom)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || t->len + (size_t)n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 256;
		while (n >= 0 && t->len + (size_t)n + 1 > cap)
			cap *= 2;
		char *s = n < 0 ? NULL : realloc(t->s, cap);
		if (!s) {
			t->oom = true;
			return;
		}
		t->s = s;
		t->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static void text_hex(struct text *t, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		text_add(t, "%02x", b[i]);
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* The file to replace and its links */

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

static void file_info_free(struct file_info *fi)
{
	free(fi->path);
	free(fi->short_name);
	strv_free(&fi->links);
	strv_free(&fi->short_names);
}

static int file_info_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	struct file_info *fi = ctx;

	if (!(fi->path = strdup(d->full_path)))
		return WIMLIB_ERR_NOMEM;
	/* wimlib gives "" as well as NULL for "no short name". */
	if (d->dos_name && *d->dos_name && !(fi->short_name = strdup(d->dos_name)))
		return WIMLIB_ERR_NOMEM;
	fi->attributes = d->attributes;
	fi->num_links = d->num_links;
	fi->unix_mode = d->unix_mode;
	fi->group = d->hard_link_group_id;
	fi->size = d->streams[0].resource.uncompressed_size;
	for (uint32_t i = 1; i <= d->num_named_streams; i++)
		fi->stream_bytes += d->streams[i].resource.uncompressed_size;
	fi->has_sd = d->security_descriptor && d->security_descriptor_size > 0;
	return 0;
}

static int links_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	struct file_info *fi = ctx;

	if (d->hard_link_group_id != fi->group || (d->attributes & WIMLIB_FILE_ATTRIBUTE_DIRECTORY) ||
	    strcmp(d->full_path, fi->path) == 0)
		return 0;
	if (strv_add(&fi->links, d->full_path) < 0 ||
	    strv_add(&fi->short_names, d->dos_name && *d->dos_name ? d->dos_name : NULL) < 0)
		return WIMLIB_ERR_NOMEM;
	return 0;
}

/* Look `stored` up in `ws` and, if it has several links, find them all. */
static int file_info_get(WIMStruct *ws, const char *wpath, int image, const char *stored,
			 struct file_info *fi)
{
	char what[600];

	memset(fi, 0, sizeof(*fi));
	snprintf(what, sizeof(what), "cannot look up %s", stored);
	int r = wimlib_iterate_dir_tree(ws, image, stored, 0, file_info_cb, fi);
	if (r)
		return wfail(wpath, image, r, what);
	if (strv_add(&fi->links, fi->path) < 0 || strv_add(&fi->short_names, fi->short_name) < 0) {
		msg_error("out of memory");
		return -1;
	}
	if (fi->num_links <= 1)
		return 0;
	/* Hard links: the whole image has to be searched for the others. */
	r = wimlib_iterate_dir_tree(ws, image, "/", WIMLIB_ITERATE_DIR_TREE_FLAG_RECURSIVE,
				    links_cb, fi);
	if (r)
		return wfail(wpath, image, r, "cannot list the image");
	if (fi->links.n != fi->num_links) {
		msg_error("%s: image %d: %s: the image says it has %u links, %zu were found", wpath,
			  image, stored, fi->num_links, fi->links.n);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Metadata as text, to compare before and after */

struct meta_ctx {
	struct text inode;
	struct strv links;
	uint64_t group;
	uint32_t num_links;
	bool hashes;
};

static void meta_inode(struct meta_ctx *m, const struct wimlib_dir_entry *d)
{
	struct text *t = &m->inode;

	text_add(t, "attributes 0x%08x\nlinks %u\nsecurity ", (unsigned)d->attributes,
		 (unsigned)d->num_links);
	if (d->security_descriptor && d->security_descriptor_size)
		text_hex(t, d->security_descriptor, d->security_descriptor_size);
	else
		text_add(t, "none");
	text_add(t, "\ncreated %lld.%09ld\naccessed %lld.%09ld\nobject-id ",
		 (long long)d->creation_time.tv_sec, (long)d->creation_time.tv_nsec,
		 (long long)d->last_access_time.tv_sec, (long)d->last_access_time.tv_nsec);
	if (all_zero(&d->object_id, sizeof(d->object_id)))
		text_add(t, "none");
	else
		text_hex(t, &d->object_id, sizeof(d->object_id));
	text_add(t, "\n");
	for (uint32_t i = 1; i <= d->num_named_streams; i++) {
		const struct wimlib_resource_entry *r = &d->streams[i].resource;
		text_add(t, "stream \"%s\" %llu bytes", d->streams[i].stream_name,
			 (unsigned long long)r->uncompressed_size);
		/* Data captured but not yet written has no hash yet. */
		if (m->hashes) {
			text_add(t, " sha1 ");
			text_hex(t, r->sha1_hash, sizeof(r->sha1_hash));
		}
		text_add(t, "\n");
	}
}

static int meta_link(struct meta_ctx *m, const struct wimlib_dir_entry *d)
{
	struct text l = { 0 };
	text_add(&l, "link %s short \"%s\"\n", d->full_path, d->dos_name ? d->dos_name : "");
	if (l.oom || strv_add(&m->links, l.s) < 0) {
		free(l.s);
		return WIMLIB_ERR_NOMEM;
	}
	free(l.s);
	return 0;
}

static int meta_first_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	struct meta_ctx *m = ctx;
	meta_inode(m, d);
	m->group = d->hard_link_group_id;
	m->num_links = d->num_links;
	return m->inode.oom ? WIMLIB_ERR_NOMEM : meta_link(m, d);
}

static int meta_links_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	struct meta_ctx *m = ctx;
	if (d->hard_link_group_id != m->group || (d->attributes & WIMLIB_FILE_ATTRIBUTE_DIRECTORY))
		return 0;
	return meta_link(m, d);
}

static char *metadata_text(WIMStruct *ws, const char *wpath, int image, const char *stored,
			   bool hashes)
{
	struct meta_ctx m = { .hashes = hashes };
	char *out = NULL;
	char what[600];

	snprintf(what, sizeof(what), "cannot look up %s", stored);
	int r = wimlib_iterate_dir_tree(ws, image, stored, 0, meta_first_cb, &m);
	if (!r && m.num_links > 1) {
		strv_free(&m.links);
		r = wimlib_iterate_dir_tree(ws, image, "/", WIMLIB_ITERATE_DIR_TREE_FLAG_RECURSIVE,
					    meta_links_cb, &m);
	}
	if (r) {
		wfail(wpath, image, r, what);
		goto out;
	}
	qsort(m.links.v, m.links.n, sizeof(*m.links.v), cmp_str);
	for (size_t i = 0; i < m.links.n; i++)
		text_add(&m.inode, "%s", m.links.v[i]);
	if (m.inode.oom) {
		msg_error("out of memory");
		goto out;
	}
	out = m.inode.s;
	m.inode.s = NULL;
out:
	free(m.inode.s);
	strv_free(&m.links);
	return out;
}

char *wim_file_metadata(struct wim *w, int image, const char *stored)
{
	return metadata_text(w->ws, w->path, image, stored, true);
}

/* ------------------------------------------------------------------ */
/* wimlib's own messages */

/* wimlib's error codes for NTFS-3G failures are generic ("NTFS-3G
 * encountered an error") and errno is gone by the time it returns; its
 * message says what failed and why.  Collect its messages during one
 * call, to quote the last one in ours.  With -v they are shown as well. */
struct wlog {
	FILE *fp;
	char *buf;
	size_t len;
};

static void wlog_begin(struct wlog *l)
{
	l->buf = NULL;
	l->len = 0;
	l->fp = open_memstream(&l->buf, &l->len);
	if (l->fp)
		wimlib_set_error_file(l->fp);
}

/* Ends the collection; returns wimlib's last message (without its
 * "[ERROR]" tag), or "" if it said nothing.  Valid until wlog_free. */
static const char *wlog_end(struct wlog *l)
{
	if (!l->fp)
		return "";
	wimlib_set_error_file(stderr);
	wimlib_set_print_errors(msg_verbosity >= VERB_VERBOSE);
	fclose(l->fp);
	l->fp = NULL;
	if (!l->buf)
		return "";
	if (msg_verbosity >= VERB_VERBOSE)
		fputs(l->buf, stderr);
	char *end = l->buf + strlen(l->buf);
	while (end > l->buf && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		*--end = '\0';
	char *last = end;
	while (last > l->buf && last[-1] != '\n' && last[-1] != '\r')
		last--;
	if (*last == '[' && (last = strchr(last, ']')) != NULL)
		last++;
	while (last && *last == ' ')
		last++;
	return last ? last : "";
}

static void wlog_free(struct wlog *l)
{
	free(l->buf);
	l->buf = NULL;
}

/* ------------------------------------------------------------------ */
/* The scratch copy of an image */

/* 0 if `p` exists, WIMLIB_ERR_PATH_DOES_NOT_EXIST if not, or an error. */
static int shadow_lookup(WIMStruct *s, int image, const char *p)
{
	struct file_info fi = { 0 };
	int r = wimlib_iterate_dir_tree(s, image, p, 0, file_info_cb, &fi);
	file_info_free(&fi);
	return r;
}

static int children_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	return strv_add(ctx, d->full_path) < 0 ? WIMLIB_ERR_NOMEM : 0;
}

static int queue_delete(struct wimlib_update_command **cmds, size_t *n, const char *p)
{
	struct wimlib_update_command *c = realloc(*cmds, (*n + 1) * sizeof(*c));
	if (!c)
		return -1;
	*cmds = c;
	memset(&c[*n], 0, sizeof(*c));
	c[*n].op = WIMLIB_UPDATE_OP_DELETE;
	c[*n].delete_.delete_flags = WIMLIB_DELETE_FLAG_RECURSIVE;
	if (!(c[*n].delete_.wim_path = strdup(p)))
		return -1;
	(*n)++;
	return 0;
}

static int run_deletes(WIMStruct *s, int image, struct wimlib_update_command *cmds, size_t n)
{
	int r = n ? wimlib_update_image(s, image, cmds, n, 0) : 0;
	for (size_t i = 0; i < n; i++)
		free(cmds[i].delete_.wim_path);
	free(cmds);
	return r;
}

/*
 * Cut image `image` of the throw-away WIMStruct down so that its root
 * stands for the add target `T` and holds only the paths `rel` (relative
 * to T, each starting with '/') and the directories leading to them.
 * wimlib cannot extract a chosen set of paths to an NTFS volume, and
 * extracting all of T would copy far too much.  Only T and the first
 * components below it are renamed: a rename drops a file's short name.
 * Returns 0 or a wimlib error code.
 */
static int shadow_cut(WIMStruct *s, int image, const char *T, const struct strv *rel)
{
	struct wimlib_update_command *cmds = NULL;
	size_t ncmds = 0;
	struct strv kids = { 0 }, firsts = { 0 }, dirs = { 0 };
	char tmp[64];
	unsigned salt = (unsigned)getpid();
	int r = WIMLIB_ERR_NOMEM;

	for (;;) {
		snprintf(tmp, sizeof(tmp), "/.wimpatch-%08x", salt++);
		r = shadow_lookup(s, image, tmp);
		if (r == WIMLIB_ERR_PATH_DOES_NOT_EXIST)
			break;
		if (r)
			goto out;
	}
	if ((r = wimlib_rename_path(s, image, T, tmp)) != 0)
		goto out;
	/* Everything else at the root goes. */
	r = wimlib_iterate_dir_tree(s, image, "/", WIMLIB_ITERATE_DIR_TREE_FLAG_CHILDREN,
				    children_cb, &kids);
	if (r)
		goto out;
	r = WIMLIB_ERR_NOMEM;
	for (size_t i = 0; i < kids.n; i++)
		if (strcmp(kids.v[i], tmp) != 0 && queue_delete(&cmds, &ncmds, kids.v[i]) < 0)
			goto out;
	r = run_deletes(s, image, cmds, ncmds);
	cmds = NULL;
	ncmds = 0;
	if (r)
		goto out;
	/* The first components of the paths move up to the root. */
	r = WIMLIB_ERR_NOMEM;
	for (size_t i = 0; i < rel->n; i++) {
		const char *slash = strchr(rel->v[i] + 1, '/');
		char *k = slash ? strndup(rel->v[i], (size_t)(slash - rel->v[i])) : strdup(rel->v[i]);
		if (!k || (!strv_has(&firsts, k) && strv_add(&firsts, k) < 0)) {
			free(k);
			goto out;
		}
		free(k);
	}
	for (size_t i = 0; i < firsts.n; i++) {
		char from[4096];
		snprintf(from, sizeof(from), "%s%s", tmp, firsts.v[i]);
		if ((r = wimlib_rename_path(s, image, from, firsts.v[i])) != 0)
			goto out;
	}
	r = WIMLIB_ERR_NOMEM;
	if (queue_delete(&cmds, &ncmds, tmp) < 0)
		goto out;
	/* Below them, only what leads to a path stays. */
	for (size_t i = 0; i < rel->n; i++) {
		char *d = parent_of(rel->v[i]);
		while (d && strcmp(d, "/") != 0) {
			if (!strv_has(&dirs, d) && strv_add(&dirs, d) < 0)
				break;
			char *p = parent_of(d);
			free(d);
			d = p;
		}
		if (!d || strcmp(d, "/") != 0) {
			free(d);
			goto out;
		}
		free(d);
	}
	for (size_t i = 0; i < dirs.n; i++) {
		strv_free(&kids);
		r = wimlib_iterate_dir_tree(s, image, dirs.v[i], WIMLIB_ITERATE_DIR_TREE_FLAG_CHILDREN,
					    children_cb, &kids);
		if (r)
			goto out;
		r = WIMLIB_ERR_NOMEM;
		for (size_t j = 0; j < kids.n; j++) {
			bool needed = false;
			for (size_t k = 0; k < rel->n && !needed; k++)
				needed = path_within(kids.v[j], rel->v[k]);
			if (!needed && queue_delete(&cmds, &ncmds, kids.v[j]) < 0)
				goto out;
		}
	}
	r = run_deletes(s, image, cmds, ncmds);
	cmds = NULL;
	ncmds = 0;
out:
	for (size_t i = 0; i < ncmds; i++)
		free(cmds[i].delete_.wim_path);
	free(cmds);
	strv_free(&kids);
	strv_free(&firsts);
	strv_free(&dirs);
	return r;
}

/* The throw-away WIMStruct, with image `image` as it is in the file. */
static WIMStruct *shadow_for(struct wim *w, int image)
{
	if (w->shadow && w->shadow_used[image])
		drop_shadow(w);
	if (!w->shadow_used &&
	    !(w->shadow_used = calloc(w->info.image_count + 1, sizeof(*w->shadow_used)))) {
		msg_error("out of memory");
		return NULL;
	}
	if (!w->shadow) {
		int r = wimlib_open_wim(w->path, 0, &w->shadow);
		if (r) {
			wfail(w->path, 0, r, "cannot open a second time");
			w->shadow = NULL;
			return NULL;
		}
		if (reference_parts(w, w->shadow) < 0) {
			drop_shadow(w);
			return NULL;
		}
		memset(w->shadow_used, 0, (w->info.image_count + 1) * sizeof(*w->shadow_used));
	}
	w->shadow_used[image] = true;
	return w->shadow;
}

/* ------------------------------------------------------------------ */
/* wim_replace_file */

static int replace_plain(struct wim *w, int image, const char *src, const char *stored)
{
	struct wimlib_update_command cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.op = WIMLIB_UPDATE_OP_ADD;
	cmd.add.fs_source_path = (char *)src;
	cmd.add.wim_target_path = (char *)stored;
	cmd.add.config_file = NULL;
	cmd.add.add_flags = 0;
	int r = wimlib_update_image(w->ws, image, &cmd, 1, 0);
	if (r) {
		char what[512];
		snprintf(what, sizeof(what), "cannot replace %s", stored);
		wfail(w->path, image, r, what);
		return WP_ERR_WRITE;
	}
	return WP_OK;
}

/*
 * Where the scratch volume is added: the deepest directory C holding all
 * links, or C's parent if a link lies directly in C, so that only
 * directories need renaming in the throw-away image.  Never the root.  A
 * single link directly in a top-level directory is the exception: T is
 * that directory and the file's short name is set again on the volume
 * (*renamed).  Returns NULL (reported) when there is no such directory.
 */
static char *add_target(const struct file_info *fi, const char *where, bool *renamed)
{
	char *C = parent_of(fi->links.v[0]);
	bool direct = false;

	*renamed = false;
	for (size_t i = 1; C && i < fi->links.n; i++)
		while (C && !path_within(C, fi->links.v[i])) {
			char *p = parent_of(C);
			free(C);
			C = p;
		}
	if (!C) {
		msg_error("out of memory");
		return NULL;
	}
	for (size_t i = 0; i < fi->links.n && !direct; i++) {
		char *d = parent_of(fi->links.v[i]);
		direct = d && strcmp(d, C) == 0;
		free(d);
	}
	char *T = C;
	if (direct && strcmp(C, "/") != 0) {
		char *p = parent_of(C);
		if (p && (strcmp(p, "/") != 0 || fi->links.n > 1)) {
			T = p;
			free(C);
		} else {
			free(p);
			*renamed = true;
		}
	}
	if (strcmp(T, "/") == 0) {
		if (fi->links.n == 1)
			msg_error("%s: cannot keep the metadata of a file directly in the image root "
				  "(wimpatch would have to add onto the root, which makes wimlib rewrite "
				  "the image's WINDOWS XML); --plain-replace replaces it as a new file",
				  where);
		else
			msg_error("%s: cannot keep the metadata of a file whose %zu hard links lie in "
				  "different top-level directories (%s, %s...): wimpatch would have to "
				  "add onto the image root, which makes wimlib rewrite the image's "
				  "WINDOWS XML; --plain-replace replaces it as a new file",
				  where, fi->links.n, fi->links.v[0], fi->links.v[1]);
		free(T);
		return NULL;
	}
	return T;
}

/*
 * The quick way into the volume, for a file with one link: move the
 * directory (or the file) below T that leads to it up to the image root,
 * extract just the file's path (wimlib makes the directories on the way,
 * with their metadata), and move it back.  This is done in the image
 * being patched, in memory: no second copy of the image to load and cut
 * down.  A move drops a short name, so what has one is not moved (the
 * image may be written even if this file does not change), unless the
 * WIMStruct is a throw-away copy (`throwaway`: then wimlib's messages are
 * not collected either, which is not safe in a thread); nor is anything
 * moved onto a name the root already holds.  Returns 0 when
 * done, 1 when this way does not apply (use the scratch copy), -1 on
 * error (reported).
 */
static int extract_moved(WIMStruct *ws, const char *wpath, int image, const char *T,
			 const struct strv *rel, const char *volpath, const char *where, bool throwaway)
{
	struct strv kids = { 0 };
	struct file_info top;
	char *first = NULL, *from = NULL;
	int ret = -1;

	memset(&top, 0, sizeof(top));
	if (rel->n != 1)
		return 1;
	const char *slash = strchr(rel->v[0] + 1, '/');
	first = slash ? strndup(rel->v[0], (size_t)(slash - rel->v[0])) : strdup(rel->v[0]);
	if (!first || asprintf(&from, "%s%s", T, first) < 0) {
		from = NULL;
		msg_error("out of memory");
		goto out;
	}
	int r = wimlib_iterate_dir_tree(ws, image, "/", WIMLIB_ITERATE_DIR_TREE_FLAG_CHILDREN,
					children_cb, &kids);
	if (!r)
		r = wimlib_iterate_dir_tree(ws, image, from, 0, file_info_cb, &top);
	if (r) {
		wfail(wpath, image, r, "cannot list the image");
		goto out;
	}
	ret = 1;
	for (size_t i = 0; i < kids.n; i++)
		if (strcasecmp(kids.v[i], first) == 0)
			goto out;
	if (top.short_name && !throwaway)
		goto out;
	if ((r = wimlib_rename_path(ws, image, from, first)) != 0) {
		wfail(wpath, image, r, "cannot prepare the extraction to a scratch volume");
		ret = -1;
		goto out;
	}
	struct wlog log = { 0 };
	const char *path = rel->v[0], *why = "";
	if (!throwaway)
		wlog_begin(&log);
	r = wimlib_extract_paths(ws, image, volpath, &path, 1,
				 WIMLIB_EXTRACT_FLAG_NTFS | WIMLIB_EXTRACT_FLAG_NORPFIX);
	if (!throwaway)
		why = wlog_end(&log);
	if (r)
		msg_error("%s: cannot extract it to scratch volume %s: %s%s%s", where, volpath,
			  wimlib_get_error_string(r), *why ? ": " : "", why);
	wlog_free(&log);
	int back = wimlib_rename_path(ws, image, first, from);
	if (back) {
		msg_error("%s: cannot move %s back to %s in the image (nothing is written): %s",
			  where, first, from, wimlib_get_error_string(back));
		ret = -1;
	} else {
		ret = r ? -1 : 0;
	}
out:
	strv_free(&kids);
	file_info_free(&top);
	free(first);
	free(from);
	return ret;
}

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

void wim_keep_free(struct wim_keep *k)
{
	if (!k)
		return;
	file_info_free(&k->fi);
	strv_free(&k->rel);
	free(k->T);
	free(k->before);
	free(k->stored);
	free(k->where);
	free(k->scratch);
	free(k);
}

/* Make the volume (with room for `room` bytes of data) and put the file's
 * links, and only they, into it. */
static int keep_prepare(struct wim *w, int image, const char *stored, const char *scratch,
			uint64_t room, struct wim_keep **out)
{
	struct wim_keep *k = calloc(1, sizeof(*k));
	char *vol = NULL;
	int ret = WP_ERR_INTERNAL;

	*out = NULL;
	if (!k || !(k->stored = strdup(stored)) || !(k->scratch = strdup(scratch)) ||
	    asprintf(&k->where, "%s: image %d: %s", w->path, image, stored + 1) < 0) {
		if (k)
			k->where = NULL;
		msg_error("out of memory");
		goto out;
	}
	k->image = image;
	const char *where = k->where;
	ret = WP_ERR_INPUT;
	if (file_info_get(w->ws, w->path, image, stored, &k->fi) < 0)
		goto out;
	if (k->fi.attributes & (WIMLIB_FILE_ATTRIBUTE_DIRECTORY | WIMLIB_FILE_ATTRIBUTE_REPARSE_POINT |
				WIMLIB_FILE_ATTRIBUTE_ENCRYPTED)) {
		msg_error("%s: is a directory, reparse point or encrypted file (attributes 0x%x): "
			  "cannot replace its data", where, (unsigned)k->fi.attributes);
		goto out;
	}
	if (k->fi.unix_mode)
		msg_warn("%s: its UNIX owner and mode (a wimlib extension) are not kept", where);
	if (!(k->T = add_target(&k->fi, where, &k->renamed)))
		goto out;
	ret = WP_ERR_INTERNAL;
	for (size_t i = 0; i < k->fi.links.n; i++)
		if (strv_add(&k->rel, k->fi.links.v[i] + strlen(k->T)) < 0) {
			msg_error("out of memory");
			goto out;
		}
	ret = WP_ERR_WRITE;
	if (!(k->before = metadata_text(w->ws, w->path, image, stored, false)))
		goto out;
	k->room = k->fi.size > room ? k->fi.size : room;
	char **vs = realloc(w->volumes, (w->n_volumes + 1) * sizeof(*vs));
	if (!vs || asprintf(&vol, "%s/image%d-%zu.ntfs", scratch, image, w->n_volumes) < 0) {
		if (vs)
			w->volumes = vs;
		vol = NULL;
		msg_error("out of memory");
		ret = WP_ERR_INTERNAL;
		goto out;
	}
	w->volumes = vs;
	msg_verbose("%s: keeping its metadata: %zu link%s, added back at %s from scratch volume %s",
		    where, k->fi.links.n, k->fi.links.n == 1 ? "" : "s", k->T, vol);
	if (ntfsvol_create(vol, ntfsvol_size_for(k->room, k->fi.stream_bytes), where) < 0)
		goto out;
	w->volumes[w->n_volumes++] = vol;	/* wim_close removes it */
	k->volpath = vol;
	vol = NULL;

	/* Moved up in this image for a moment, or from an untouched copy of
	 * the image cut down. */
	int r = extract_moved(w->ws, w->path, image, k->T, &k->rel, k->volpath, where, false);
	if (r < 0)
		goto out;
	if (r > 0) {
		struct wlog log;
		WIMStruct *s = shadow_for(w, image);
		if (!s)
			goto out;
		r = shadow_cut(s, image, k->T, &k->rel);
		if (r) {
			wfail(w->path, image, r, "cannot prepare the scratch copy of the image");
			goto out;
		}
		wlog_begin(&log);
		r = wimlib_extract_image(s, image, k->volpath,
					 WIMLIB_EXTRACT_FLAG_NTFS | WIMLIB_EXTRACT_FLAG_NORPFIX);
		const char *why = wlog_end(&log);
		if (r)
			msg_error("%s: cannot extract it to scratch volume %s: %s%s%s", where,
				  k->volpath, wimlib_get_error_string(r), *why ? ": " : "", why);
		wlog_free(&log);
		if (r)
			goto out;
	} else {
		msg_verbose("%s: extracted to the scratch volume from the image itself", where);
	}
	ret = WP_OK;
	*out = k;
	k = NULL;
out:
	free(vol);
	wim_keep_free(k);
	return ret;
}

/* The new data in, the volume back into the image, the metadata checked. */
static int keep_commit(struct wim *w, struct wim_keep *k, const char *src)
{
	const char *where = k->where;
	struct ntfsvol_edit e = {
		.file = k->rel.v[0],
		.data = src,
		.attributes = k->fi.attributes,
		.short_name = k->renamed ? k->fi.short_name : NULL,
	};
	if (ntfsvol_replace_data(k->volpath, &e, where) < 0)
		return WP_ERR_WRITE;

	/* Back in: the volume's root lands on T; directories already there
	 * keep their own metadata, each link is replaced by the captured one. */
	struct wimlib_update_command cmd;
	struct wlog log;
	memset(&cmd, 0, sizeof(cmd));
	cmd.op = WIMLIB_UPDATE_OP_ADD;
	cmd.add.fs_source_path = (char *)k->volpath;
	cmd.add.wim_target_path = k->T;
	cmd.add.config_file = NULL;
	/* NTFS-3G makes up a security descriptor for a file that has none:
	 * then capture none. */
	cmd.add.add_flags = WIMLIB_ADD_FLAG_NTFS | WIMLIB_ADD_FLAG_NORPFIX |
			    (k->fi.has_sd ? 0 : WIMLIB_ADD_FLAG_NO_ACLS);
	wlog_begin(&log);
	int r = wimlib_update_image(w->ws, k->image, &cmd, 1, 0);
	const char *why = wlog_end(&log);
	if (r)
		msg_error("%s: cannot add it back from scratch volume %s: %s%s%s", where, k->volpath,
			  wimlib_get_error_string(r), *why ? ": " : "", why);
	wlog_free(&log);
	if (r)
		return WP_ERR_WRITE;
	/* Check before anything is written. */
	char *after = metadata_text(w->ws, w->path, k->image, k->stored, false);
	if (!after)
		return WP_ERR_WRITE;
	int ret = WP_OK;
	if (strcmp(k->before, after) != 0) {
		msg_error("%s: the file's metadata would change on the way back in; nothing is "
			  "written (--plain-replace replaces it as a new file)", where);
		msg_verbose("before:\n%safter:\n%s", k->before, after);
		ret = WP_ERR_INTERNAL;
	}
	free(after);
	return ret;
}

int wim_keep_prepare(struct wim *w, int image, const char *stored, const char *scratch,
		     const char *copy, struct wim_keep **out)
{
	/* Sparse: room costs nothing until written. */
	struct wim_keep *k;
	int r = keep_prepare(w, image, stored, scratch, 0, &k);
	if (r != WP_OK)
		return r;
	k->room = 2 * k->room + (1u << 20);
	if (ntfsvol_read_data(k->volpath, k->rel.v[0], copy, k->where) < 0) {
		wim_keep_free(k);
		return WP_ERR_WRITE;
	}
	*out = k;
	return WP_OK;
}

int wim_keep_commit(struct wim *w, struct wim_keep *k, const char *src)
{
	struct stat st;

	if (stat(src, &st) < 0) {
		msg_error("%s: %s: %s", k->where, src, strerror(errno));
		return WP_ERR_WRITE;
	}
	if ((uint64_t)st.st_size <= k->room)
		return keep_commit(w, k, src);
	/* Grown past the volume: a new one, big enough. */
	struct wim_keep *k2;
	int r = keep_prepare(w, k->image, k->stored, k->scratch, (uint64_t)st.st_size, &k2);
	if (r == WP_OK)
		r = keep_commit(w, k2, src);
	wim_keep_free(k2);
	return r;
}

/* ------------------------------------------------------------------ */
/* Preparing several files at once (see wim.h) */

struct prep_pool {
	struct wim *w;
	struct wim_keep_job *jobs;
	char **vols;		/* each job's volume, for w->volumes */
	size_t n, next;
	pthread_mutex_t lock;
};

/* One job, in a worker thread, through the worker's own `ws`: what
 * keep_prepare does, for a file with one link, messages silenced. */
static void prep_one(struct prep_pool *p, WIMStruct *ws, size_t i)
{
	struct wim_keep_job *job = &p->jobs[i];
	struct wim *w = p->w, wt = *p->w;
	struct wim_keep *k = NULL;
	char *vol = NULL;

	/* The path, as the image spells it, looked up through this thread's
	 * WIMStruct. */
	wt.ws = ws;
	if (wim_find_file(&wt, job->image, job->path, &job->stored) != 1 ||
	    asprintf(&job->copy, "%s/%s", job->scratch, strrchr(job->stored, '/') + 1) < 0) {
		job->copy = NULL;
		return;
	}
	k = calloc(1, sizeof(*k));
	if (!k || !(k->stored = strdup(job->stored)) || !(k->scratch = strdup(job->scratch)) ||
	    asprintf(&k->where, "%s: image %d: %s", w->path, job->image, job->stored + 1) < 0) {
		if (k)
			k->where = NULL;
		goto fail;
	}
	k->image = job->image;
	if (file_info_get(ws, w->path, job->image, job->stored, &k->fi) < 0 || k->fi.links.n != 1 ||
	    (k->fi.attributes & (WIMLIB_FILE_ATTRIBUTE_DIRECTORY |
				 WIMLIB_FILE_ATTRIBUTE_REPARSE_POINT |
				 WIMLIB_FILE_ATTRIBUTE_ENCRYPTED)) ||
	    !(k->T = add_target(&k->fi, k->where, &k->renamed)) ||
	    strv_add(&k->rel, k->fi.links.v[0] + strlen(k->T)) < 0 ||
	    !(k->before = metadata_text(ws, w->path, job->image, job->stored, false)))
		goto fail;
	k->room = 2 * k->fi.size + (1u << 20);
	if (asprintf(&vol, "%s/image%d-p%zu.ntfs", job->scratch, job->image, i) < 0) {
		vol = NULL;
		goto fail;
	}
	if (ntfsvol_create(vol, ntfsvol_size_for(k->room, k->fi.stream_bytes), k->where) < 0)
		goto fail;
	k->volpath = vol;
	if (extract_moved(ws, w->path, job->image, k->T, &k->rel, vol, k->where, true) != 0 ||
	    ntfsvol_read_data(vol, k->rel.v[0], job->copy, k->where) < 0) {
		unlink(vol);
		unlink(job->copy);
		goto fail;
	}
	job->keep = k;
	p->vols[i] = vol;
	return;
fail:
	free(vol);
	wim_keep_free(k);
}

/* A worker opens the WIM afresh for each job: the image it loaded and the
 * chunk it decompressed are freed before the next (memory stays at one
 * image and one chunk per thread). */
static void *prep_worker(void *arg)
{
	struct prep_pool *p = arg;

	msg_thread_silence(true);
	for (;;) {
		WIMStruct *ws = NULL;
		pthread_mutex_lock(&p->lock);
		size_t i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->n)
			break;
		if (wimlib_open_wim(p->w->path, 0, &ws) == 0 && reference_parts(p->w, ws) == 0)
			prep_one(p, ws, i);
		wimlib_free(ws);
	}
	return NULL;
}

static int noop_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	(void)d;
	(void)ctx;
	return 0;
}

void wim_keep_prepare_many(struct wim *w, struct wim_keep_job *jobs, size_t n)
{
	struct prep_pool p = { .w = w, .jobs = jobs, .n = n };
	pthread_t t[2];
	unsigned nt = settings.threads < 2 ? settings.threads : 2, started = 0;

	for (size_t i = 0; i < n; i++) {
		jobs[i].keep = NULL;
		jobs[i].stored = jobs[i].copy = NULL;
	}
	if (nt < 2 || n < 2 || !wim_is_solid(w))
		return;
	char **vs = realloc(w->volumes, (w->n_volumes + n) * sizeof(*vs));
	if (!vs)
		return;
	w->volumes = vs;
	if (!(p.vols = calloc(n, sizeof(*p.vols))) || pthread_mutex_init(&p.lock, NULL) != 0) {
		free(p.vols);
		return;
	}
	/* wimlib's messages go to stderr (with -v) while the threads run:
	 * nothing else may redirect them meanwhile.  Process-wide state that
	 * libraries set up on first use is set up here, before the threads:
	 * libntfs-3g's name encoding, and wimlib's CPU feature detection
	 * (reading an image's metadata does it; this one is read later
	 * anyway). */
	ntfsvol_init();
	wimlib_iterate_dir_tree(w->ws, jobs[0].image, "/", 0, noop_cb, NULL);
	for (; started < nt; started++)
		if (pthread_create(&t[started], NULL, prep_worker, &p) != 0)
			break;
	if (started == 0)
		prep_worker(&p);
	for (unsigned i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	pthread_mutex_destroy(&p.lock);
	size_t done = 0;
	for (size_t i = 0; i < n; i++) {
		if (p.vols[i]) {
			w->volumes[w->n_volumes++] = p.vols[i];	/* wim_close removes it */
			done++;
		}
	}
	free(p.vols);
	msg_verbose("%s: %zu of %zu hives extracted to scratch volumes in %u threads", w->path,
		    done, n, started ? started : 1);
}

static int replace_keeping(struct wim *w, int image, const char *src, const char *stored,
			   const char *scratch)
{
	struct wim_keep *k;
	struct stat st;

	if (stat(src, &st) < 0) {
		msg_error("%s: image %d: %s: %s: %s", w->path, image, stored + 1, src,
			  strerror(errno));
		return WP_ERR_WRITE;
	}
	int r = keep_prepare(w, image, stored, scratch, (uint64_t)st.st_size, &k);
	if (r == WP_OK)
		r = keep_commit(w, k, src);
	wim_keep_free(k);
	return r;
}

int wim_replace_file(struct wim *w, int image, const char *src, const char *stored,
		     enum wim_replace_mode mode, const char *scratch)
{
	if (mode == WIM_REPLACE_PLAIN)
		return replace_plain(w, image, src, stored);
	return replace_keeping(w, image, src, stored, scratch);
}

/*
 * Solid (ESD) WIMs: new data goes into a new solid LZMS resource, which
 * wimlib compresses in chunks of 64 MiB by default, needing some 580 MiB
 * per compressor thread (plus 64 MiB buffers).  What wimpatch adds is a
 * few hives: compress it in 4 MiB chunks (about 37 MiB per thread, plus
 * four 4 MiB buffers), with no more threads than fit in 256 MiB.  This
 * costs about a sixth more on the added bytes only (no LZ matches across
 * 4 MiB); reading the WIM's own solid chunks still takes what their size
 * needs (about 130 MiB for 64 MiB chunks).
 */
#define SOLID_CHUNK_SIZE (UINT32_C(1) << 22)
#define SOLID_MEMORY (UINT64_C(256) << 20)

static unsigned write_threads(struct wim *w)
{
	unsigned threads = settings.threads;
	if (!wim_is_solid(w))
		return threads;
	int r = wimlib_set_output_pack_chunk_size(w->ws, SOLID_CHUNK_SIZE);
	if (r) {
		msg_warn("%s: cannot set the solid chunk size: %s", w->path,
			 wimlib_get_error_string(r));
		return threads;
	}
	uint64_t per = wimlib_get_compressor_needed_memory(WIMLIB_COMPRESSION_TYPE_LZMS,
							   SOLID_CHUNK_SIZE, 0) + 4 * SOLID_CHUNK_SIZE;
	unsigned fit = (unsigned)(SOLID_MEMORY / per);
	if (fit < 1)
		fit = 1;
	if (threads > fit) {
		msg_verbose("%s: solid resources: %u compressor threads (of %u) to stay within "
			    "%llu MiB", w->path, fit, threads,
			    (unsigned long long)(SOLID_MEMORY >> 20));
		threads = fit;
	}
	return threads;
}

int wim_commit_in_place(struct wim *w)
{
	/* Append mode (no REBUILD, no UNSAFE_COMPACT): new data and metadata go
	 * after the old, the header is rewritten last.  FSYNC makes the new
	 * header durable before we report success. */
	drop_shadow(w);
	unsigned threads = write_threads(w);
	errno = 0;
	int r = wimlib_overwrite(w->ws, WIMLIB_WRITE_FLAG_FSYNC, threads);
	progress_clear();
	if (r)
		return wfail(w->path, 0, r, "cannot write the updated WIM");
	return 0;
}

int wim_commit_to(struct wim *w, const char *path)
{
	/* The output is the same WIM, patched: it keeps the GUID, as an
	 * update in place does. */
	int flags = WIMLIB_WRITE_FLAG_FSYNC | WIMLIB_WRITE_FLAG_RETAIN_GUID;
	if (w->info.has_integrity_table)
		flags |= WIMLIB_WRITE_FLAG_CHECK_INTEGRITY;
	drop_shadow(w);
	unsigned threads = write_threads(w);
	errno = 0;
	int r = wimlib_write(w->ws, path, WIMLIB_ALL_IMAGES, flags, threads);
	progress_clear();
	if (r)
		return wfail(path, 0, r, "cannot write WIM");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Split sets: writing */

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

bool wim_has_integrity(const struct wim *w)
{
	return w->info.has_integrity_table;
}

static int solid_cb(const struct wimlib_resource_entry *r, void *ctx)
{
	if (r->packed) {
		*(bool *)ctx = true;
		return 1;	/* found: stop */
	}
	return 0;
}

bool wim_is_solid(struct wim *w)
{
	/* Not the header's version: non-solid LZMS WIMs carry the same one. */
	bool solid = false;
	wimlib_iterate_lookup_table(w->ws, 0, solid_cb, &solid);
	return solid;
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

int wim_commit_scratch(struct wim *w, const char *path)
{
	drop_shadow(w);
	errno = 0;
	int r = wimlib_write(w->ws, path, WIMLIB_ALL_IMAGES, WIMLIB_WRITE_FLAG_RETAIN_GUID,
			     settings.threads);
	progress_clear();
	if (r)
		return wfail(path, 0, r, "cannot write the patched WIM to split");
	return 0;
}

int wim_split_file(const char *src, const char *part1, uint64_t part_size, bool integrity,
		   unsigned *n_parts)
{
	WIMStruct *ws;
	unsigned part, total;

	int r = wimlib_open_wim(src, 0, &ws);
	if (r)
		return wfail(src, 0, r, "cannot open the patched WIM to split it");
	errno = 0;
	r = wimlib_split(ws, part1, part_size,
			 WIMLIB_WRITE_FLAG_FSYNC | (integrity ? WIMLIB_WRITE_FLAG_CHECK_INTEGRITY : 0));
	wimlib_free(ws);
	if (r)
		return wfail(part1, 0, r, "cannot write the new split set");
	if (header_parts(part1, &part, &total) < 0 || part != 1 || total < 1) {
		msg_error("%s: cannot read back the header of the new first part", part1);
		return -1;
	}
	*n_parts = total;
	return 0;
}

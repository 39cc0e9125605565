/* wim.c - wimlib behind the project's own WIM API; see wim.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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

#include "exitcode.h"
#include "msg.h"
#include "progress.h"
#include "ntfsvol.h"
#include "wim.h"

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

bool wim_file_is_wim(const char *path)
{
	unsigned char magic[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ssize_t r = read(fd, magic, sizeof(magic));
	close(fd);
	/* "MSWIM" for normal WIMs and ESDs, "WLPWM" for pipable ones. */
	return r == (ssize_t)sizeof(magic) &&
	       (memcmp(magic, "MSWIM\0\0\0", 8) == 0 || memcmp(magic, "WLPWM\0\0\0", 8) == 0);
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

struct wim *wim_open(const char *path, bool writable)
{
	struct wim *w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(path))) {
		free(w);
		msg_error("out of memory");
		return NULL;
	}
	int flags = writable ? WIMLIB_OPEN_FLAG_WRITE_ACCESS : 0;
	int r = wimlib_open_wim_with_progress(path, flags, &w->ws, on_progress, w);
	if (r) {
		wfail(path, 0, r, writable ? "cannot open for update" : "cannot open");
		free(w->path);
		free(w);
		return NULL;
	}
	wimlib_get_wim_info(w->ws, &w->info);
	if (w->info.total_parts > 1) {
		msg_error("%s: part %u of a split WIM (%u parts): patching split WIMs is not "
			  "supported; join the parts first (wimlib-imagex join)",
			  path, w->info.part_number, w->info.total_parts);
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
			       ? EXIT_WRITE : EXIT_INPUT;
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
		return EXIT_WRITE;
	}
	return EXIT_OK;
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

static int replace_keeping(struct wim *w, int image, const char *src, const char *stored,
			   const char *scratch, const char *where)
{
	struct file_info fi;
	struct strv rel = { 0 };
	char *T = NULL, *before = NULL, *after = NULL, *vol = NULL;
	bool renamed;
	struct stat st;
	int ret = EXIT_WRITE;

	if (stat(src, &st) < 0) {
		msg_error("%s: %s: %s", where, src, strerror(errno));
		return EXIT_WRITE;
	}
	if (file_info_get(w->ws, w->path, image, stored, &fi) < 0) {
		ret = EXIT_INPUT;
		goto out;
	}
	if (fi.attributes & (WIMLIB_FILE_ATTRIBUTE_DIRECTORY | WIMLIB_FILE_ATTRIBUTE_REPARSE_POINT |
			     WIMLIB_FILE_ATTRIBUTE_ENCRYPTED)) {
		msg_error("%s: is a directory, reparse point or encrypted file (attributes 0x%x): "
			  "cannot replace its data", where, (unsigned)fi.attributes);
		ret = EXIT_INPUT;
		goto out;
	}
	if (fi.unix_mode)
		msg_warn("%s: its UNIX owner and mode (a wimlib extension) are not kept", where);
	if (!(T = add_target(&fi, where, &renamed))) {
		ret = EXIT_INPUT;
		goto out;
	}
	for (size_t i = 0; i < fi.links.n; i++)
		if (strv_add(&rel, fi.links.v[i] + strlen(T)) < 0) {
			msg_error("out of memory");
			ret = EXIT_INTERNAL;
			goto out;
		}
	if (!(before = metadata_text(w->ws, w->path, image, stored, false)))
		goto out;
	uint64_t big = fi.size > (uint64_t)st.st_size ? fi.size : (uint64_t)st.st_size;
	if (asprintf(&vol, "%s/image%d-%zu.ntfs", scratch, image, w->n_volumes) < 0) {
		vol = NULL;
		msg_error("out of memory");
		ret = EXIT_INTERNAL;
		goto out;
	}
	char **vs = realloc(w->volumes, (w->n_volumes + 1) * sizeof(*vs));
	if (!vs) {
		msg_error("out of memory");
		ret = EXIT_INTERNAL;
		goto out;
	}
	w->volumes = vs;
	msg_verbose("%s: keeping its metadata: %zu link%s, added back at %s from scratch volume %s",
		    where, fi.links.n, fi.links.n == 1 ? "" : "s", T, vol);
	if (ntfsvol_create(vol, ntfsvol_size_for(big, fi.stream_bytes), where) < 0)
		goto out;
	w->volumes[w->n_volumes++] = vol;	/* wim_close removes it */
	const char *volpath = vol;
	vol = NULL;

	/* The links, and only they, into the volume, from an untouched copy
	 * of the image. */
	WIMStruct *s = shadow_for(w, image);
	if (!s)
		goto out;
	int r = shadow_cut(s, image, T, &rel);
	if (r) {
		wfail(w->path, image, r, "cannot prepare the scratch copy of the image");
		goto out;
	}
	struct wlog log;
	wlog_begin(&log);
	r = wimlib_extract_image(s, image, volpath,
				 WIMLIB_EXTRACT_FLAG_NTFS | WIMLIB_EXTRACT_FLAG_NORPFIX);
	const char *why = wlog_end(&log);
	if (r)
		msg_error("%s: cannot extract it to scratch volume %s: %s%s%s", where, volpath,
			  wimlib_get_error_string(r), *why ? ": " : "", why);
	wlog_free(&log);
	if (r)
		goto out;
	struct ntfsvol_edit e = {
		.file = rel.v[0],
		.data = src,
		.attributes = fi.attributes,
		.short_name = renamed ? fi.short_name : NULL,
	};
	if (ntfsvol_replace_data(volpath, &e, where) < 0)
		goto out;

	/* Back in: the volume's root lands on T; directories already there
	 * keep their own metadata, each link is replaced by the captured one. */
	struct wimlib_update_command cmd;
	memset(&cmd, 0, sizeof(cmd));
	cmd.op = WIMLIB_UPDATE_OP_ADD;
	cmd.add.fs_source_path = (char *)volpath;
	cmd.add.wim_target_path = T;
	cmd.add.config_file = NULL;
	/* NTFS-3G makes up a security descriptor for a file that has none:
	 * then capture none. */
	cmd.add.add_flags = WIMLIB_ADD_FLAG_NTFS | WIMLIB_ADD_FLAG_NORPFIX |
			    (fi.has_sd ? 0 : WIMLIB_ADD_FLAG_NO_ACLS);
	wlog_begin(&log);
	r = wimlib_update_image(w->ws, image, &cmd, 1, 0);
	why = wlog_end(&log);
	if (r)
		msg_error("%s: cannot add it back from scratch volume %s: %s%s%s", where, volpath,
			  wimlib_get_error_string(r), *why ? ": " : "", why);
	wlog_free(&log);
	if (r)
		goto out;
	/* Check before anything is written. */
	if (!(after = metadata_text(w->ws, w->path, image, stored, false)))
		goto out;
	if (strcmp(before, after) != 0) {
		msg_error("%s: the file's metadata would change on the way back in; nothing is "
			  "written (--plain-replace replaces it as a new file)", where);
		msg_verbose("before:\n%safter:\n%s", before, after);
		ret = EXIT_INTERNAL;
		goto out;
	}
	ret = EXIT_OK;
out:
	file_info_free(&fi);
	strv_free(&rel);
	free(T);
	free(before);
	free(after);
	free(vol);
	return ret;
}

int wim_replace_file(struct wim *w, int image, const char *src, const char *stored,
		     enum wim_replace_mode mode, const char *scratch)
{
	if (mode == WIM_REPLACE_PLAIN)
		return replace_plain(w, image, src, stored);
	char *where = NULL;
	if (asprintf(&where, "%s: image %d: %s", w->path, image, stored + 1) < 0) {
		msg_error("out of memory");
		return EXIT_INTERNAL;
	}
	int r = replace_keeping(w, image, src, stored, scratch, where);
	free(where);
	return r;
}

int wim_commit_in_place(struct wim *w)
{
	/* Append mode (no REBUILD, no UNSAFE_COMPACT): new data and metadata go
	 * after the old, the header is rewritten last.  FSYNC makes the new
	 * header durable before we report success. */
	drop_shadow(w);
	errno = 0;
	int r = wimlib_overwrite(w->ws, WIMLIB_WRITE_FLAG_FSYNC, settings.threads);
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
	errno = 0;
	int r = wimlib_write(w->ws, path, WIMLIB_ALL_IMAGES, flags, settings.threads);
	progress_clear();
	if (r)
		return wfail(path, 0, r, "cannot write WIM");
	return 0;
}

/*
 * wim.c - wimlib behind the project's own WIM API (see wim.h): setting
 * wimlib up, its errors and messages; opening and closing a WIM, its
 * images, finding and extracting a file; writing the changes.  Split
 * sets, metadata text, replacing a file and preparing several at once are
 * in wim_split.c, wim_meta.c, wim_keep.c and wim_prefetch.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <wimlib.h>

#include "core/error.h"
#include "util/clock.h"
#include "util/fsutil.h"
#include "util/msg.h"
#include "util/progress.h"
#include "adapters/ntfsvol.h"
#include "adapters/wim.h"
#include "adapters/wim_int.h"

struct wim_settings wim_conf;

enum wp_err wim_err(int code, enum wside side)
{
	int e = errno;

	switch (code) {
	case 0:
		return WP_OK;
	case WIMLIB_ERR_NOMEM:
	/* wimpatch asked for what wimlib cannot do (on_progress never
	 * aborts): a bug. */
	case WIMLIB_ERR_INVALID_PARAM:
	case WIMLIB_ERR_ABORTED_BY_PROGRESS:
	case WIMLIB_ERR_UNKNOWN_PROGRESS_STATUS:
		return WP_ERR_INTERNAL;
	default:
		break;
	}
	if (side == WS_OWN)
		return WP_ERR_WRITE;
	/* Only writing runs out of space or into a limit or a read-only file
	 * system, whatever wimlib calls the failure. */
	if (side == WS_OUT && (e == ENOSPC || e == EDQUOT || e == EFBIG || e == EROFS))
		return WP_ERR_WRITE;
	switch (code) {
	/* Writing, making or changing a file: only outputs are written. */
	case WIMLIB_ERR_WRITE:
	case WIMLIB_ERR_MKDIR:
	case WIMLIB_ERR_MKNOD:
	case WIMLIB_ERR_LINK:
	case WIMLIB_ERR_RENAME:
	case WIMLIB_ERR_SET_ATTRIBUTES:
	case WIMLIB_ERR_SET_REPARSE_DATA:
	case WIMLIB_ERR_SET_SECURITY:
	case WIMLIB_ERR_SET_SHORT_NAME:
	case WIMLIB_ERR_SET_TIMESTAMPS:
	case WIMLIB_ERR_SET_XATTR:
	/* wimpatch uses NTFS-3G on its scratch volumes only. */
	case WIMLIB_ERR_NTFS_3G:
	/* The WIM cannot be updated in place (another writer, read-only). */
	case WIMLIB_ERR_ALREADY_LOCKED:
	case WIMLIB_ERR_WIM_IS_READONLY:
		return WP_ERR_WRITE;
	/* Opening or finding a file: an output, when the call writes one. */
	case WIMLIB_ERR_OPEN:
	case WIMLIB_ERR_OPENDIR:
	case WIMLIB_ERR_STAT:
	case WIMLIB_ERR_NOTDIR:
	case WIMLIB_ERR_IS_DIRECTORY:
		return side == WS_OUT ? WP_ERR_WRITE : WP_ERR_INPUT;
	/* Reading the WIM (READ, UNEXPECTED_END_OF_FILE), or what it holds is
	 * malformed or unsupported (DECOMPRESSION, INVALID_*, INTEGRITY, XML,
	 * RESOURCE_NOT_FOUND, RESOURCE_ORDER, UNSUPPORTED, ...). */
	default:
		return WP_ERR_INPUT;
	}
}

enum wp_err wfail(const char *path, int image, int code, enum wside side, const char *what)
{
	char sys[128] = "";
	enum wp_err ret = wim_err(code, side);

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
	return ret;
}

/* ------------------------------------------------------------------ */
/* wimlib's own messages */

/*
 * wimlib prints to one FILE for the whole process (wimlib_set_error_file),
 * while several threads may be in wimlib at once (wim_prefetch.c,
 * targets/readback.c): so the FILE is set once, at wim_init, and it is
 * this cookie stream, which hands each write to the writing thread's
 * collection (wlog_begin) if it has one, drops it in a silenced thread
 * (its work is redone aloud), and otherwise shows it only with -v: ours
 * name the file and the image.  Unbuffered, so that what one thread writes
 * never waits in a buffer for another thread's write to flush it.
 */
static FILE *wlog_fp;
static _Thread_local struct wlog *wlog_mine;

static ssize_t wlog_write(void *cookie, const char *buf, size_t n)
{
	(void)cookie;
	if (wlog_mine && wlog_mine->fp)
		fwrite(buf, 1, n, wlog_mine->fp);
	else if (!msg_thread_silenced() && msg_verbosity >= VERB_VERBOSE)
		fwrite(buf, 1, n, stderr);
	return (ssize_t)n;
}

static int wlog_install(void)
{
	static const cookie_io_functions_t io = { .write = wlog_write };

	if (!wlog_fp && !(wlog_fp = fopencookie(NULL, "w", io)))
		return WIMLIB_ERR_NOMEM;
	setvbuf(wlog_fp, NULL, _IONBF, 0);
	return wimlib_set_error_file(wlog_fp);
}

static void wlog_uninstall(void)
{
	if (!wlog_fp)
		return;
	wimlib_set_error_file(NULL);
	fclose(wlog_fp);
	wlog_fp = NULL;
}

void wlog_begin(struct wlog *l)
{
	l->buf = NULL;
	l->len = 0;
	l->fp = open_memstream(&l->buf, &l->len);
	wlog_mine = l->fp ? l : NULL;
}

const char *wlog_end(struct wlog *l)
{
	wlog_mine = NULL;
	if (!l->fp)
		return "";
	fclose(l->fp);
	l->fp = NULL;
	if (!l->buf)
		return "";
	if (msg_verbosity >= VERB_VERBOSE && !msg_thread_silenced())
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

void wlog_free(struct wlog *l)
{
	free(l->buf);
	l->buf = NULL;
}

unsigned wim_thread_count(void)
{
	return wim_conf.threads ? wim_conf.threads : 1;
}

/* Setting wimlib up fails only for want of memory or for a compression
 * level the command line let through: internal either way. */
enum wp_err wim_init(const struct wim_settings *s)
{
	int r = wimlib_global_init(0);
	if (r) {
		msg_error("cannot initialise wimlib: %s", wimlib_get_error_string(r));
		return WP_ERR_INTERNAL;
	}
	if ((r = wlog_install()) != 0) {
		msg_error("cannot initialise wimlib: %s", wimlib_get_error_string(r));
		wimlib_global_cleanup();
		return WP_ERR_INTERNAL;
	}
	wim_conf = *s;
	if (wim_conf.threads == 0)
		wim_conf.threads = 1;
	if (wim_conf.compression_level > 0) {
		r = wimlib_set_default_compression_level(-1, (unsigned)wim_conf.compression_level);
		if (r) {
			msg_error("compression level %d: %s", wim_conf.compression_level,
				  wimlib_get_error_string(r));
			return WP_ERR_INTERNAL;
		}
	}
	return WP_OK;
}

void wim_cleanup(void)
{
	wimlib_global_cleanup();
	wlog_uninstall();
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

	base = base ? base + 1 : w->path;
	switch (msg) {
	case WIMLIB_PROGRESS_MSG_WRITE_METADATA_BEGIN:
		wim_times_fix((struct wim *)ctx);
		break;
	case WIMLIB_PROGRESS_MSG_WRITE_METADATA_END:
		/* From here to the header and its fsync only this thread
		 * writes: wimlib joins its compressor threads before
		 * write_blob_list() returns, and writes the metadata (one
		 * thread: a serial compressor), blob table, XML data,
		 * integrity table and header itself (write.c, 1.13 and 1.14).
		 * A signal another thread took would wait all the same
		 * (fsutil.c, fs_hold_signals). */
		if (w->hold_after_metadata && !w->held) {
			fs_hold_signals(true);
			((struct wim *)ctx)->held = true;
		}
		break;
	case WIMLIB_PROGRESS_MSG_WRITE_STREAMS:
		progress_update(base, "writing", info->write_streams.completed_bytes,
				info->write_streams.total_bytes);
		break;
	case WIMLIB_PROGRESS_MSG_EXTRACT_STREAMS:
		progress_update(base, "extracting", info->extract.completed_bytes,
				info->extract.total_bytes);
		break;
	case WIMLIB_PROGRESS_MSG_VERIFY_INTEGRITY:
	case WIMLIB_PROGRESS_MSG_CALC_INTEGRITY:
		progress_update(base, "checking", info->integrity.completed_bytes,
				info->integrity.total_bytes);
		break;
	default:
		break;
	}
	return WIMLIB_PROGRESS_STATUS_CONTINUE;
}


/* ------------------------------------------------------------------ */
/* Opening and closing */

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
		wfail(path, 0, r, WS_IN, writable ? "cannot open for update" : "cannot open");
		free(w->path);
		free(w);
		return NULL;
	}
	wimlib_get_wim_info(w->ws, &w->info);
	if (wim_times_note(w) < 0) {
		msg_error("out of memory");
		wim_close(w);
		return NULL;
	}
	if (w->split && open_split_set(w, writable) != WP_OK) {
		wim_close(w);
		return NULL;
	}
	if (w->info.write_in_progress)
		msg_warn("%s: an earlier write to this WIM was interrupted (its data is intact)", path);
	return w;
}

char *wim_volume_name(struct wim *w, const char *scratch, const char *kind, int image)
{
	char **vs = realloc(w->volumes, (w->n_volumes + 1) * sizeof(*vs));
	char *vol = NULL;

	if (vs)
		w->volumes = vs;
	if (!vs || asprintf(&vol, "%s/%s%d-%zu.ntfs", scratch, kind, image, w->n_volumes) < 0) {
		msg_error("out of memory");
		return NULL;
	}
	return vol;
}

void wim_volume_own(struct wim *w, char *vol)
{
	w->volumes[w->n_volumes++] = vol;	/* room made by wim_volume_name */
}

/*
 * wimlib computes the SHA-1 of data just added only when something needs
 * it (an extraction, the write), and the order in which it comes to the
 * new blobs decides the order they are written in.  Whether a later hive
 * is extracted by this WIMStruct or by a thread of its own (wim_prefetch.c)
 * must not change the bytes written: so the new data is hashed as soon as
 * it is added, at the same point in every run.  An extraction of no path
 * does that and nothing else (wimlib 1.13: extract.c hashes first).
 */
enum wp_err wim_hash_added(struct wim *w, int image, const char *where)
{
	int r = wimlib_extract_paths(w->ws, image, ".", NULL, 0, 0);
	if (r) {
		msg_error("%s: cannot read back the data just added: %s", where,
			  wimlib_get_error_string(r));
		return wim_err(r, WS_OWN);
	}
	return WP_OK;
}

/*
 * mkntfs is a process and a disk flush (about 10 ms) per volume, and the
 * volumes of one WIM differ in size only, by little (its hives are alike):
 * the first is copied as mkntfs left it (sparse, some 2.5 MiB of 40, or a
 * reflink) to "<name>-fresh.ntfs" beside it, and each later one of that
 * size is a copy of that.  The copy goes with the WIM (wim_close).
 * Threads that prepare files (wim_prefetch.c) make volumes too: the lock
 * keeps it one pristine copy for them all, made once.
 */
static pthread_mutex_t fresh_lock = PTHREAD_MUTEX_INITIALIZER;

static int volume_make(struct wim *w, const char *vol, uint64_t size, const char *where)
{
	if (w->fresh && w->fresh_size == size)
		return ntfsvol_clone(w->fresh, vol, where);
	if (ntfsvol_create(vol, size, where) < 0)
		return -1;
	if (w->fresh)
		return 0;	/* one of another size is kept */
	size_t stem = strlen(vol) - strlen(".ntfs");	/* "<name>.ntfs" */
	if (asprintf(&w->fresh, "%.*s-fresh.ntfs", (int)stem, vol) < 0) {
		w->fresh = NULL;
		msg_error("out of memory");
		return -1;
	}
	if (ntfsvol_clone(vol, w->fresh, where) < 0) {
		free(w->fresh);
		w->fresh = NULL;
		return -1;
	}
	w->fresh_size = size;
	return 0;
}

int wim_volume_make(struct wim *w, const char *vol, uint64_t size, const char *where)
{
	pthread_mutex_lock(&fresh_lock);
	int r = volume_make(w, vol, size, where);
	pthread_mutex_unlock(&fresh_lock);
	return r;
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
	if (w->fresh)
		unlink(w->fresh);
	free(w->fresh);
	free(w->shadow_used);
	for (unsigned i = 0; i < w->n_parts; i++)
		free(w->parts[i]);
	free(w->parts);
	free(w->lastmod);
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

/* ------------------------------------------------------------------ */
/* Images */

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

enum wp_err wim_image_get(struct wim *w, int index, struct wim_image *out)
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
		return WP_ERR_INTERNAL;
	}
	if (out->install_type) {
		out->role = strcasecmp(out->install_type, "WindowsPE") == 0 ? ROLE_SETUP
									     : ROLE_INSTALLED;
		out->role_source = "XML";
		return WP_OK;
	}
	/* Without the XML's word the role is the caller's to find (the
	 * file's name or place on a medium: targets/media.h). */
	out->role = ROLE_UNKNOWN;
	out->role_source = "none";
	return WP_OK;
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
	int found = 0;

	for (int i = 1; i <= (int)w->info.image_count; i++) {
		const char *n = wimlib_get_image_name(w->ws, i);
		if (n && strcmp(n, name) == 0)
			return i;
		/* People type "windows 10 pro" for "Windows 10 Pro". */
		if (n && strcasecmp(n, name) == 0)
			found = found ? -1 : i;
	}
	return found;
}

const char *wim_image_name(const struct wim *w, int index)
{
	const char *n = wimlib_get_image_name(w->ws, index);
	return n ? n : "";
}

/* ------------------------------------------------------------------ */
/* Finding and extracting a file */

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

enum wp_err wim_find_file(struct wim *w, int image, const char *path, char **stored)
{
	char *copy = strdup(path), *save = NULL;
	char *cur = malloc(strlen(path) + 2);
	enum wp_err ret = WP_ERR_INTERNAL;
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
			ret = WP_OK;
			goto out;
		}
		int r = wimlib_iterate_dir_tree(w->ws, image, cur,
						WIMLIB_ITERATE_DIR_TREE_FLAG_CHILDREN, lookup_cb, &l);
		if (r) {
			free(l.exact);
			free(l.folded);
			ret = wfail(w->path, image, r, WS_IN, cur);
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
			ret = WP_ERR_INPUT;
			goto out;
		} else if (l.folded) {
			name = l.folded;
			is_dir = l.is_dir_folded;
		} else {
			ret = WP_OK;
			goto out;
		}
		if (strcmp(cur, "/") != 0)
			strcat(cur, "/");
		strcat(cur, name);
		free(l.exact);
		free(l.folded);
	}
	ret = WP_OK;
	if (is_dir)
		goto out;	/* a directory is not the hive file we want */
	*stored = cur;
	cur = NULL;
out:
	free(copy);
	free(cur);
	return ret;
}

static int size_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	*(uint64_t *)ctx = d->streams[0].resource.uncompressed_size;
	return 0;
}

enum wp_err wim_file_size(struct wim *w, int image, const char *stored, uint64_t *size)
{
	*size = 0;
	int r = wimlib_iterate_dir_tree(w->ws, image, stored, 0, size_cb, size);
	if (r)
		return wfail(w->path, image, r, WS_IN, stored);
	return WP_OK;
}

static int hash_cb(const struct wimlib_dir_entry *d, void *ctx)
{
	memcpy(ctx, d->streams[0].resource.sha1_hash, WIM_SHA1_LEN);
	return 0;
}

enum wp_err wim_file_hash(struct wim *w, int image, const char *stored,
			  unsigned char sha1[WIM_SHA1_LEN])
{
	memset(sha1, 0, WIM_SHA1_LEN);
	int r = wimlib_iterate_dir_tree(w->ws, image, stored, 0, hash_cb, sha1);
	if (r)
		return wfail(w->path, image, r, WS_IN, stored);
	return WP_OK;
}

enum wp_err wim_extract_file(struct wim *w, int image, const char *stored, const char *dir)
{
	const char *paths[1] = { stored };
	enum wp_err ret = wim_sparse_fetch(w->ws, w->path, image, stored);
	if (ret != WP_OK)
		return ret;
	errno = 0;
	int r = wimlib_extract_paths(w->ws, image, dir, paths, 1,
				     WIMLIB_EXTRACT_FLAG_NO_PRESERVE_DIR_STRUCTURE);
	progress_done();
	if (r) {
		char what[512];
		snprintf(what, sizeof(what), "cannot extract %s", stored);
		return wfail(w->path, image, r, WS_OUT, what);
	}
	return WP_OK;
}

/* ------------------------------------------------------------------ */
/* Writing */

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
	unsigned threads = wim_conf.threads;
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

/*
 * Before a write that computes a new integrity table (in place over the
 * old data; with -o, --rebuild or a new split set over raw copies of it),
 * check the WIM against the table it has: otherwise data damaged since the
 * table was made comes out vouched for by a table that now passes, and
 * only a SHA-1 check of each resource (wimlib-imagex verify) still finds
 * it.  The resources wimpatch reads are checked against their SHA-1 as
 * they are read; this covers the ones it copies unread.  wimlib checks the
 * table only while opening, reading the whole file: a second, throw-away
 * open of each part that has a table, only when something is written.
 */
static enum wp_err check_part_integrity(struct wim *w, const char *part)
{
	WIMStruct *ws;

	msg_verbose("%s: checking it against its integrity table before writing", part);
	int r = wimlib_open_wim_with_progress(part, WIMLIB_OPEN_FLAG_CHECK_INTEGRITY, &ws,
					      on_progress, w);
	progress_done();
	if (r == WIMLIB_ERR_INTEGRITY) {
		msg_error("%s: its data does not match its integrity table (damaged since the table "
			  "was written?): not written, so that a new table does not hide the damage; "
			  "wimlib-imagex verify tells more", part);
		return WP_ERR_INPUT;
	}
	if (r)
		return wfail(part, 0, r, WS_IN, "cannot check the integrity table");
	wimlib_free(ws);
	return WP_OK;
}

/* Does a later part of a split set have a table?  (w->info says it of
 * the first.)  A part that cannot be opened has none to check: the write
 * reads it and fails then. */
static bool part_has_table(const char *part)
{
	WIMStruct *ws;
	struct wimlib_wim_info info = { 0 };

	if (wimlib_open_wim(part, 0, &ws) != 0)
		return false;
	wimlib_get_wim_info(ws, &info);
	wimlib_free(ws);
	return info.has_integrity_table;
}

static enum wp_err check_integrity(struct wim *w)
{
	unsigned n = wim_part_count(w);
	enum wp_err ret = WP_OK;

	/* A stand-in (wim_sparse.c) holds only some of the WIM's bytes: its
	 * append reuses the old table's digests for all but the last chunk it
	 * covers, which the stand-in holds, copied from the image unchanged. */
	if (wim_sparse_is(w->path)) {
		msg_verbose("%s: a partial copy of a WIM in an image: its integrity table is not "
			    "checked here (wimlib-imagex verify on the image's WIM does it)", w->path);
		return WP_OK;
	}

	for (unsigned k = 1; k <= n && ret == WP_OK; k++) {
		const char *part = wim_part_path(w, k);
		if (k == 1 ? w->info.has_integrity_table : part_has_table(part))
			ret = check_part_integrity(w, part);
	}
	return ret;
}

enum wp_err wim_commit_in_place(struct wim *w, bool *committed)
{
	*committed = false;
	enum wp_err ret = check_integrity(w);
	if (ret != WP_OK)
		return ret;
	/* Append mode (no REBUILD, no UNSAFE_COMPACT): new data and metadata go
	 * after the old, the header is rewritten last.  FSYNC makes the new
	 * header durable before we report success. */
	drop_shadow(w);
	unsigned threads = write_threads(w);
	errno = 0;
	w->hold_after_metadata = true;
	int r = wimlib_overwrite(w->ws, WIMLIB_WRITE_FLAG_FSYNC, threads);
	w->hold_after_metadata = false;
	progress_done();
	if (r)
		ret = wfail(w->path, 0, r, WS_OUT, "cannot write the updated WIM");
	/* wimlib wrote it by name: its times are the run's (util/clock.h). */
	else if (clock_stamp(-1, w->path) < 0)
		ret = WP_ERR_WRITE;
	/* Written (the header is), whatever failed after it: signals stay
	 * held for the caller to record that. */
	if (r && w->held)
		fs_hold_signals(false);
	*committed = !r;
	w->held = false;
	return ret;
}

enum wp_err wim_commit_to_fd(struct wim *w, int fd, const char *name)
{
	/* The output is the same WIM, patched: it keeps the GUID, as an
	 * update in place does.  wimlib writes through the descriptor and
	 * leaves it open: no file is made or opened by name. */
	int flags = WIMLIB_WRITE_FLAG_FSYNC | WIMLIB_WRITE_FLAG_RETAIN_GUID;
	if (w->info.has_integrity_table)
		flags |= WIMLIB_WRITE_FLAG_CHECK_INTEGRITY;
	enum wp_err ret = check_integrity(w);
	if (ret != WP_OK)
		return ret;
	drop_shadow(w);
	unsigned threads = write_threads(w);
	errno = 0;
	int r = wimlib_write_to_fd(w->ws, fd, WIMLIB_ALL_IMAGES, flags, threads);
	progress_done();
	if (r)
		return wfail(name, 0, r, WS_OUT, "cannot write WIM");
	return WP_OK;
}

enum wp_err wim_commit_scratch(struct wim *w, const char *path)
{
	/* The parts made from it get new tables when the set had some. */
	enum wp_err ret = check_integrity(w);
	if (ret != WP_OK)
		return ret;
	drop_shadow(w);
	errno = 0;
	int r = wimlib_write(w->ws, path, WIMLIB_ALL_IMAGES, WIMLIB_WRITE_FLAG_RETAIN_GUID,
			     wim_conf.threads);
	progress_done();
	if (r)
		return wfail(path, 0, r, WS_OUT, "cannot write the patched WIM to split");
	return WP_OK;
}

/* iso_standin.c - a medium's files in an ISO image as stand-ins; see iso_standin.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targets/iso_standin.h"
#include "util/array.h"
#include "util/fdio.h"
#include "util/msg.h"
#include "util/path.h"

#define SECTOR 2048
#define CHUNK (1u << 20)

int iso_standin_read(void *p, uint64_t off, void *buf, size_t n)
{
	const struct iso_standin *f = p;
	unsigned char *out = buf;
	uint64_t base = 0;

	if (off > f->size || n > f->size - off) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < f->n_ext && n; i++) {
		uint64_t len = f->ext[i].bytes;
		if (off >= base + len) {
			base += len;
			continue;
		}
		uint64_t in = off - base;
		size_t k = len - in < n ? (size_t)(len - in) : n;
		ssize_t got = pread_full(f->fd, out, k, (off_t)(f->ext[i].lba * SECTOR + in));
		if (got != (ssize_t)k) {
			if (got >= 0)
				errno = EIO;	/* the image ends inside the file */
			return -1;
		}
		out += k;
		off += k;
		n -= k;
		base += len;
	}
	if (n) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* Make the directories above `rel` under root. */
static int make_dirs(const char *root, const char *rel)
{
	char *p = path_join(root, rel);
	if (!p)
		return -1;
	for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		int r = mkdir(p, 0700);
		*s = '/';
		if (r < 0 && errno != EEXIST) {
			msg_error("%s: %s", p, strerror(errno));
			free(p);
			return -1;
		}
	}
	free(p);
	return 0;
}

/* A whole copy of a small file (a BCD store). */
static enum wp_err copy_whole(struct iso_standin *f)
{
	int out = open(f->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	unsigned char *buf = malloc(CHUNK);
	enum wp_err ret = WP_OK;

	if (out < 0 || !buf) {
		msg_error("%s: cannot make its scratch copy %s: %s", f->name, f->path,
			  buf ? strerror(errno) : "out of memory");
		ret = buf ? WP_ERR_WRITE : WP_ERR_INTERNAL;
	}
	for (uint64_t off = 0; ret == WP_OK && off < f->size;) {
		size_t n = f->size - off < CHUNK ? (size_t)(f->size - off) : CHUNK;
		if (iso_standin_read(f, off, buf, n) < 0) {
			msg_error("%s: cannot read it from the image: %s", f->name, strerror(errno));
			ret = WP_ERR_INPUT;
		} else if (write(out, buf, n) != (ssize_t)n) {
			msg_error("%s: cannot write its scratch copy %s: %s", f->name, f->path,
				  strerror(errno));
			ret = WP_ERR_WRITE;
		}
		off += n;
	}
	if (out >= 0 && close(out) < 0 && ret == WP_OK) {
		msg_error("%s: %s", f->path, strerror(errno));
		ret = WP_ERR_WRITE;
	}
	free(buf);
	return ret;
}

static enum wp_err make_one(const char *iso, int fd, const struct isofs_file *e,
			    enum media_kind kind, struct iso_standins *s)
{
	struct iso_standin *f = &s->v[s->n];

	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->kind = kind;
	f->size = e->size;
	f->sparse = kind == MEDIA_BOOT_WIM || kind == MEDIA_INSTALL;
	f->n_ext = e->n_ext;
	if (!(f->rel = strdup(e->path)) || !(f->path = path_join(s->root, e->path)) ||
	    asprintf(&f->name, "%s:%s", iso, e->path) < 0 ||
	    (e->n_ext && !(f->ext = malloc(e->n_ext * sizeof(*f->ext))))) {
		f->name = NULL;
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	if (e->n_ext)
		memcpy(f->ext, e->ext, e->n_ext * sizeof(*f->ext));
	s->n++;
	if (make_dirs(s->root, e->path) < 0)
		return WP_ERR_WRITE;
	if (!f->sparse)
		return copy_whole(f);
	struct wim_source src = { .read = iso_standin_read, .ctx = f, .size = f->size };
	return wim_sparse_make(f->path, &src, f->name);
}

/* The medium's files in the image, or why they cannot be stood in for. */
static bool standable(const struct isofs_file *e, enum media_kind kind, char *why, size_t size)
{
	if (kind == MEDIA_SPLIT || kind == MEDIA_SPLIT_PART) {
		snprintf(why, size, "%s is part of a split set (written again whole)", e->path);
		return false;
	}
	if (e->embedded) {
		snprintf(why, size, "%s keeps its data inside its file entry", e->path);
		return false;
	}
	return true;
}

/* The extra files that are there and are not medium files already. */
static const struct isofs_file *extra_file(const struct isofs *fs, const char *rel)
{
	const struct isofs_file *e = isofs_find(fs, rel);
	enum media_kind kind;

	return e && !e->dir && !media_classify(e->path, &kind) ? e : NULL;
}

enum wp_err iso_standins_make(const char *iso, int fd, const struct isofs *fs,
			      const char *work_dir, const char *const *extra, size_t n_extra,
			      struct iso_standins *s, char *why, size_t why_size)
{
	const char *tmp = work_dir ? work_dir : getenv("TMPDIR");
	char *near = path_join(tmp && *tmp ? tmp : "/tmp", "wimpatch-iso");
	size_t n = isofs_count(fs), alloc = 0;
	enum wp_err ret = WP_ERR_INTERNAL;

	memset(s, 0, sizeof(*s));
	s->wd.fd = -1;
	if (!near || !ARRAY_GROW(s->v, n + n_extra + 1, alloc)) {
		free(near);
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	for (size_t i = 0; i < n; i++) {
		const struct isofs_file *e = isofs_at(fs, i);
		enum media_kind kind;
		if (!e->dir && media_classify(e->path, &kind) && !standable(e, kind, why, why_size)) {
			free(near);
			return WP_ERR_USAGE;
		}
	}
	for (size_t i = 0; i < n_extra; i++) {
		const struct isofs_file *e = extra_file(fs, extra[i]);
		if (e && !standable(e, MEDIA_BCD_BIOS, why, why_size)) {
			free(near);
			return WP_ERR_USAGE;
		}
	}
	if (fs_dir_near(near, &s->wd) < 0) {
		free(near);
		return WP_ERR_WRITE;
	}
	free(near);
	if (!(s->root = path_join(s->wd.path, "tree")))
		return WP_ERR_INTERNAL;
	if (mkdir(s->root, 0700) < 0) {
		msg_error("%s: %s", s->root, strerror(errno));
		return WP_ERR_WRITE;
	}
	ret = WP_OK;
	for (size_t i = 0; i < n && ret == WP_OK; i++) {
		const struct isofs_file *e = isofs_at(fs, i);
		enum media_kind kind;
		if (!e->dir && media_classify(e->path, &kind))
			ret = make_one(iso, fd, e, kind, s);
	}
	/* Whole copies, as of a BCD store; patch_tree does not take them
	 * for one (its place does not make it one). */
	for (size_t i = 0; i < n_extra && ret == WP_OK; i++) {
		const struct isofs_file *e = extra_file(fs, extra[i]);
		bool dup = false;
		for (size_t j = 0; e && j < s->n && !dup; j++)
			dup = strcmp(s->v[j].rel, e->path) == 0;
		if (e && !dup)
			ret = make_one(iso, fd, e, MEDIA_BCD_BIOS, s);
	}
	return ret;
}

void iso_standins_free(struct iso_standins *s)
{
	for (size_t i = 0; i < s->n; i++) {
		struct iso_standin *f = &s->v[i];
		if (f->sparse && f->path)
			wim_sparse_forget(f->path);
		free(f->rel);
		free(f->path);
		free(f->name);
		free(f->ext);
	}
	free(s->v);
	free(s->root);
	if (s->wd.name)
		fs_dir_remove(&s->wd);
	memset(s, 0, sizeof(*s));
	s->wd.fd = -1;
}

/* A whole copy: compare it with the image, block by block. */
static enum wp_err whole_changes(const struct iso_standin *f, struct wim_change_list *c)
{
	struct stat st;
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	unsigned char a[SECTOR], b[SECTOR];
	enum wp_err ret = WP_OK;

	memset(c, 0, sizeof(*c));
	if (fd < 0 || fstat(fd, &st) < 0) {
		msg_error("%s: its scratch copy %s: %s", f->name, f->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return WP_ERR_INTERNAL;
	}
	c->size = (uint64_t)st.st_size;
	for (uint64_t off = 0; off < c->size && ret == WP_OK; off += SECTOR) {
		size_t n = c->size - off < SECTOR ? (size_t)(c->size - off) : SECTOR;
		bool differs = off + n > f->size;
		if (pread_full(fd, a, n, (off_t)off) != (ssize_t)n) {
			msg_error("%s: its scratch copy %s: %s", f->name, f->path, strerror(errno));
			ret = WP_ERR_INTERNAL;
		} else if (!differs && iso_standin_read((void *)f, off, b, n) < 0) {
			msg_error("%s: cannot read it from the image: %s", f->name, strerror(errno));
			ret = WP_ERR_INPUT;
		} else if (differs || memcmp(a, b, n) != 0) {
			struct wim_range *last = c->n ? &c->v[c->n - 1] : NULL;
			if (last && last->off + last->len == off)
				last->len += n;
			else if (!ARRAY_GROW(c->v, c->n + 1, c->alloc))
				ret = WP_ERR_INTERNAL;
			else
				c->v[c->n++] = (struct wim_range){ off, n };
		}
	}
	close(fd);
	if (ret != WP_OK)
		wim_change_list_free(c);
	return ret;
}

enum wp_err iso_standin_changes(const struct iso_standin *f, struct wim_change_list *c)
{
	if (f->sparse)
		return wim_sparse_changes(f->path, SECTOR, c);
	return whole_changes(f, c);
}

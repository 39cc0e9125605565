/* media_files.c - the plan's medium files on a tree; see media_files.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/base64.h"
#include "adapters/sha256.h"
#include "targets/media.h"
#include "targets/media_files.h"
#include "util/array.h"
#include "util/fdio.h"
#include "util/fsutil.h"
#include "util/msg.h"
#include "util/path.h"

/* ------------------------------------------------------------------ */
/* What the plan wants                                                 */

static enum wp_err want_add(struct media_wants *w, const char *rel, const char *from,
			    const struct media_op *op)
{
	if (!ARRAY_GROW(w->v, w->n + 1, w->alloc))
		goto oom;
	struct media_want *x = &w->v[w->n];
	x->op = op;
	x->rel = strdup(rel);
	x->from = from ? strdup(from) : NULL;
	if (!x->rel || (from && !x->from)) {
		free(x->rel);
		free(x->from);
		goto oom;
	}
	w->n++;
	return WP_OK;
oom:
	msg_error("out of memory");
	return WP_ERR_INTERNAL;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_link(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* Every regular file below `dir`, in name order (the same plan each
 * run), as `rel`/... */
static enum wp_err walk_dir(struct media_wants *w, const char *dir, const char *rel,
			    const struct media_op *op, int depth)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, alloc = 0;
	enum wp_err ret = WP_OK;
	struct dirent *de;

	if (!d) {
		msg_error("%s:%d: from-dir %s: %s", op->src_file, op->src_line, dir, strerror(errno));
		return WP_ERR_INPUT;
	}
	if (depth > 64) {
		msg_error("%s:%d: from-dir %s: more than 64 directories deep", op->src_file,
			  op->src_line, dir);
		closedir(d);
		return WP_ERR_INPUT;
	}
	while ((de = readdir(d)) && ret == WP_OK) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!ARRAY_GROW(names, n + 1, alloc) || !(names[n] = strdup(de->d_name))) {
			msg_error("out of memory");
			ret = WP_ERR_INTERNAL;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && ret == WP_OK; i++) {
		char *src = path_join(dir, names[i]);
		char *dst = rel[0] ? path_join(rel, names[i]) : strdup(names[i]);
		struct stat st;
		if (!src || !dst) {
			msg_error("out of memory");
			ret = WP_ERR_INTERNAL;
		} else if (stat(src, &st) < 0) {
			msg_error("%s:%d: from-dir: %s: %s", op->src_file, op->src_line, src,
				  strerror(errno));
			ret = WP_ERR_INPUT;
		} else if (S_ISDIR(st.st_mode) && is_link(src)) {
			/* Two links to a parent would make the walk exponential. */
			msg_error("%s:%d: from-dir: %s: a symbolic link to a directory: not followed "
				  "(give the directory itself)", op->src_file, op->src_line, src);
			ret = WP_ERR_INPUT;
		} else if (S_ISDIR(st.st_mode)) {
			ret = walk_dir(w, src, dst, op, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			ret = want_add(w, dst, src, op);
		} else {
			msg_error("%s:%d: from-dir: %s: not a regular file nor a directory: not "
				  "copied onto the medium", op->src_file, op->src_line, src);
			ret = WP_ERR_INPUT;
		}
		free(src);
		free(dst);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ret;
}

enum wp_err media_wants_get(const struct media_plan *mp, struct media_wants *w)
{
	enum wp_err ret = WP_OK;

	memset(w, 0, sizeof(*w));
	for (size_t i = 0; i < mp->n_ops && ret == WP_OK; i++) {
		const struct media_op *op = &mp->ops[i];
		switch (op->kind) {
		case MOP_PUT_FILE:
			ret = want_add(w, op->path, op->from, op);
			break;
		case MOP_PUT_DIR:
			ret = walk_dir(w, op->from, op->path, op, 0);
			break;
		case MOP_REMOVE:
			ret = want_add(w, op->path, NULL, op);
			break;
		}
	}
	/* A later want for the same file wins: the earlier goes. */
	size_t k = 0;
	for (size_t i = 0; i < w->n; i++) {
		bool later = false;
		for (size_t j = i + 1; j < w->n && !later; j++)
			later = media_path_same(w->v[i].rel, w->v[j].rel);
		if (later) {
			free(w->v[i].rel);
			free(w->v[i].from);
		} else {
			w->v[k++] = w->v[i];
		}
	}
	w->n = k;
	return ret;
}

void media_wants_free(struct media_wants *w)
{
	for (size_t i = 0; i < w->n; i++) {
		free(w->v[i].rel);
		free(w->v[i].from);
	}
	free(w->v);
	memset(w, 0, sizeof(*w));
}

bool media_path_same(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* ------------------------------------------------------------------ */
/* Finding them in the tree                                            */

/* The entry of `dir` named `name` without regard to case: its stored
 * name (malloc'd) in *found, or NULL when there is none.  Two spellings
 * of one name are an error, as tree.h has it. */
static enum wp_err find_entry(const char *dir, const char *name, char **found,
			      const struct media_want *w)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	enum wp_err ret = WP_OK;

	*found = NULL;
	if (!d) {
		if (errno == ENOENT)
			return WP_OK;
		msg_error("%s: %s", dir, strerror(errno));
		return WP_ERR_INPUT;
	}
	while ((de = readdir(d)) && ret == WP_OK) {
		if (strcasecmp(de->d_name, name) != 0)
			continue;
		if (*found) {
			msg_error("%s:%d: %s: the medium has both %s and %s in %s: which one the "
				  "profile means cannot be told", w->op->src_file, w->op->src_line,
				  w->rel, *found, de->d_name, dir);
			ret = WP_ERR_INPUT;
		} else if (!(*found = strdup(de->d_name))) {
			msg_error("out of memory");
			ret = WP_ERR_INTERNAL;
		}
	}
	closedir(d);
	if (ret != WP_OK) {
		free(*found);
		*found = NULL;
	}
	return ret;
}

/* `w->rel` in the tree's spelling (as far as it exists, the profile's
 * beyond) in *stored; *exists when the file is there.  Refuses a
 * symbolic link anywhere on the way, and a directory where a file is
 * wanted. */
static enum wp_err resolve(const char *root, const struct media_want *w, char **stored,
			   bool *exists)
{
	char *dir = strdup(root), *rel = strdup("");
	const char *p = w->rel;
	bool present = true;
	enum wp_err ret = WP_OK;

	*stored = NULL;
	*exists = false;
	while (ret == WP_OK && dir && rel && *p) {
		size_t l = strcspn(p, "/");
		char *name = strndup(p, l), *found = NULL, *nd = NULL, *nr = NULL;
		bool last = p[l] == '\0';
		struct stat st;
		if (!name) {
			ret = WP_ERR_INTERNAL;
			break;
		}
		if (present && (ret = find_entry(dir, name, &found, w)) != WP_OK) {
			free(name);
			break;
		}
		present = found != NULL;
		const char *use = found ? found : name;
		nd = path_join(dir, use);
		nr = rel[0] ? path_join(rel, use) : strdup(use);
		if (!nd || !nr)
			ret = WP_ERR_INTERNAL;
		else if (present && lstat(nd, &st) < 0) {
			msg_error("%s: %s", nd, strerror(errno));
			ret = WP_ERR_INPUT;
		} else if (present && S_ISLNK(st.st_mode)) {
			msg_error("%s:%d: %s: %s on the medium is a symbolic link: wimpatch does not "
				  "write through one", w->op->src_file, w->op->src_line, w->rel, nr);
			ret = WP_ERR_INPUT;
		} else if (present && !last && !S_ISDIR(st.st_mode)) {
			msg_error("%s:%d: %s: %s on the medium is not a directory", w->op->src_file,
				  w->op->src_line, w->rel, nr);
			ret = WP_ERR_INPUT;
		} else if (present && last && !S_ISREG(st.st_mode)) {
			msg_error("%s:%d: %s: %s on the medium is not a regular file (a directory?)",
				  w->op->src_file, w->op->src_line, w->rel, nr);
			ret = WP_ERR_INPUT;
		}
		free(name);
		free(found);
		free(dir);
		free(rel);
		dir = nd;
		rel = nr;
		p += l;
		p += *p == '/';
		if (last && ret == WP_OK)
			*exists = present;
	}
	if (!dir || !rel)
		ret = WP_ERR_INTERNAL;
	if (ret == WP_ERR_INTERNAL)
		msg_error("out of memory");
	if (ret == WP_OK)
		*stored = rel;
	else
		free(rel);
	free(dir);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Planning and writing                                                */

static enum wp_err digest(const char *path, char hex[65], uint64_t *size, const char *what)
{
	if (sha256_file(path, hex, size) == 0)
		return WP_OK;
	msg_error("%s: cannot read %s: %s", path, what, strerror(errno));
	return WP_ERR_INPUT;
}

/* The bytes `buf` (n of them) as the old file of `c`: digest, size and,
 * for wimpatch undo, base64.  False when memory runs out. */
static bool note_small(struct media_file_change *c, const unsigned char *buf, size_t n)
{
	struct sha256 h;

	sha256_init(&h);
	sha256_update(&h, buf, n);
	sha256_final(&h, c->old_sha256);
	c->old_size = n;
	return c->old_sha256[0] && (c->old_b64 = base64_encode(buf, n)) != NULL;
}

/* The medium's file as it is now: its digest and size and, when it is
 * small enough for wimpatch undo to put back, its bytes as base64, all
 * from one read, so that the undo record holds the bytes the digest is
 * of.  A file that grew past the size fstat gave is digested whole. */
static enum wp_err read_old(const char *path, struct media_file_change *c)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), e = 0;
	struct stat st;
	enum wp_err ret = WP_ERR_INPUT;

	if (fd >= 0 && fstat(fd, &st) == 0) {
		bool small = (uint64_t)st.st_size <= UNDO_OLD_BYTES_MAX;
		/* One byte more than it had: a file grown past it is digested
		 * whole, as a big one is. */
		size_t cap = small ? (size_t)st.st_size + 1 : 0;
		unsigned char *buf = small ? malloc(cap) : NULL;
		ssize_t n = buf ? pread_full(fd, buf, cap, 0) : 0;
		if (small && !buf)
			ret = WP_ERR_INTERNAL;
		else if (buf && n >= 0 && (size_t)n < cap)
			ret = note_small(c, buf, (size_t)n) ? WP_OK : WP_ERR_INTERNAL;
		else if (n >= 0)
			ret = sha256_fd(fd, c->old_sha256, &c->old_size) == 0 ? WP_OK : WP_ERR_INPUT;
		e = errno;
		free(buf);
	} else {
		e = errno;
	}
	if (fd >= 0)
		close(fd);
	if (ret == WP_ERR_INTERNAL)
		msg_error("out of memory");
	else if (ret != WP_OK)
		msg_error("%s: cannot read the medium's file: %s", path, strerror(e));
	return ret;
}

static enum wp_err plan_one(const char *root, const struct media_want *w, struct media_edits *e)
{
	char *stored = NULL, *full = NULL;
	bool exists;
	struct media_file_change c = { 0 };
	enum wp_err ret = resolve(root, w, &stored, &exists);

	if (ret != WP_OK)
		return ret;
	enum media_kind k;
	if (media_classify(stored, &k)) {
		msg_error("%s:%d: %s is one of the files wimpatch patches itself (a WIM or a BCD "
			  "store): <file> and <remove-file> do not replace nor remove it",
			  w->op->src_file, w->op->src_line, stored);
		free(stored);
		return WP_ERR_PROFILE;
	}
	if (w->op->expect && !exists) {
		msg_error("%s: %s is gone since the run (it wrote sha256 %s there)", root, stored,
			  w->op->expect);
		free(stored);
		return WP_ERR_INPUT;
	}
	if (!exists && !w->from) {
		msg_verbose("%s:%d: %s is not on the medium: nothing to remove", w->op->src_file,
			    w->op->src_line, stored);
		free(stored);
		return WP_OK;
	}
	if (!(full = path_join(root, stored))) {
		free(stored);
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	if (exists)
		ret = read_old(full, &c);
	if (ret == WP_OK && w->op->expect_absent && exists) {
		msg_error("%s: %s is there again since the run removed it (sha256 %s)", root, stored,
			  c.old_sha256);
		ret = WP_ERR_INPUT;
	}
	if (ret == WP_OK && w->op->expect && strcmp(c.old_sha256, w->op->expect) != 0) {
		msg_error("%s: %s holds sha256 %s, not %s as the run wrote it (changed since)", root,
			  stored, c.old_sha256, w->op->expect);
		ret = WP_ERR_INPUT;
	}
	if (ret == WP_OK && w->from)
		ret = digest(w->from, c.sha256, &c.size, "the file to put on the medium");
	free(full);
	if (ret != WP_OK || (exists && w->from && c.size == c.old_size &&
			     strcmp(c.sha256, c.old_sha256) == 0)) {
		if (ret == WP_OK)
			msg_verbose("%s: already holds the bytes of %s: nothing to write", stored,
				    w->from);
		free(c.old_b64);
		free(stored);
		return ret;
	}
	c.action = !w->from ? "remove" : exists ? "replace" : "add";
	c.path = stored;
	c.profile = w->op->profile;
	c.src_file = w->op->src_file;
	c.src_line = w->op->src_line;
	if ((w->from && !(c.from = strdup(w->from))) || !ARRAY_GROW(e->v, e->n + 1, e->alloc)) {
		free(c.from);
		free(c.old_b64);
		free(stored);
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	e->v[e->n++] = c;
	return WP_OK;
}

enum wp_err media_edits_plan(const char *root, const struct media_plan *mp,
			     struct media_edits *e)
{
	struct media_wants w;
	enum wp_err ret = media_wants_get(mp, &w);

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < w.n && ret == WP_OK; i++)
		ret = plan_one(root, &w.v[i], e);
	media_wants_free(&w);
	return ret;
}

/* The directories of `rel` below root that are not there yet. */
static enum wp_err make_parents(const char *root, const char *rel)
{
	char *p = path_join(root, rel);
	enum wp_err ret = WP_OK;

	if (!p) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			msg_error("%s: cannot make the directory: %s", p, strerror(errno));
			ret = WP_ERR_WRITE;
		} else if (fs_sync_dir_of(p) < 0) {
			ret = WP_ERR_WRITE;
		}
		*s = '/';
		if (ret != WP_OK)
			break;
	}
	free(p);
	return ret;
}

/* One file: a copy made in a private directory next to it, synced and
 * renamed over it (or into its free name). */
static enum wp_err put_file(const char *dest, const struct media_file_change *c)
{
	struct fs_dir d;
	enum wp_err ret = WP_ERR_WRITE;
	bool replace = strcmp(c->action, "replace") == 0;

	if (fs_dir_near(dest, &d) < 0)
		return WP_ERR_WRITE;
	int fd = fs_dir_create(&d, "new");
	if (fd >= 0 && fs_copy_to_fd(c->from, fd, dest) == 0 &&
	    fs_dir_put(&d, "new", fd, dest, replace ? 0 : FS_PUT_NEW, NULL,
		       fs_output_mode(c->from)) == 0)
		ret = WP_OK;
	if (fd >= 0)
		close(fd);
	fs_dir_remove(&d);
	return ret;
}

/* Read back: the file in place holds the bytes planned. */
static enum wp_err check_written(const char *dest, const struct media_file_change *c)
{
	char hex[65];
	uint64_t size;

	if (digest(dest, hex, &size, "the file just written") != WP_OK)
		return WP_ERR_WRITE;
	if (size == c->size && strcmp(hex, c->sha256) == 0)
		return WP_OK;
	msg_error("%s: verification failed: it holds %" PRIu64 " bytes (sha256 %s), not the "
		  "%" PRIu64 " bytes of %s (sha256 %s): was %s changed meanwhile?", dest, size, hex,
		  c->size, c->from, c->sha256, c->from);
	return WP_ERR_WRITE;
}

enum wp_err media_edits_write(const char *root, const struct media_edits *e)
{
	enum wp_err ret = WP_OK;

	for (size_t i = 0; i < e->n && ret == WP_OK; i++) {
		const struct media_file_change *c = &e->v[i];
		char *dest = path_join(root, c->path);
		if (!dest) {
			msg_error("out of memory");
			return WP_ERR_INTERNAL;
		}
		if (strcmp(c->action, "remove") == 0) {
			if (unlink(dest) < 0) {
				msg_error("%s: cannot remove it: %s", dest, strerror(errno));
				ret = WP_ERR_WRITE;
			} else if (fs_sync_dir_of(dest) < 0) {
				ret = WP_ERR_WRITE;
			}
		} else if (strcmp(c->action, "boot") != 0) {
			ret = make_parents(root, c->path);
			if (ret == WP_OK)
				ret = put_file(dest, c);
			if (ret == WP_OK)
				ret = check_written(dest, c);
		}
		if (ret == WP_OK)
			msg_verbose("%s: %s", dest, c->action);
		free(dest);
	}
	return ret;
}

void media_edits_free(struct media_edits *e)
{
	for (size_t i = 0; i < e->n; i++) {
		free(e->v[i].path);
		free(e->v[i].old_path);
		free(e->v[i].from);
		free(e->v[i].old_b64);
	}
	free(e->v);
	memset(e, 0, sizeof(*e));
}

bool media_edits_add_or_remove(const struct media_edits *e)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->v[i].action, "replace") != 0 && strcmp(e->v[i].action, "boot") != 0)
			return true;
	return false;
}

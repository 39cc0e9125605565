/* image_ops.c - <image-file> and <editions> on one WIM; see image_ops.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/infile.h"
#include "util/msg.h"
#include "util/path.h"
#include "adapters/base64.h"
#include "adapters/sha256.h"
#include "adapters/wim.h"
#include "targets/image_ops.h"
#include "targets/media.h"

/* ------------------------------------------------------------------ */
/* Editions */

/* The role of image `i` as patch_wim gives it: the tree's hint, else the
 * XML, else the file's name. */
static enum role role_of(struct wim *w, const struct patch_opts *o, const struct wim_image *img)
{
	const char *src;

	if (o->role_hint != ROLE_ANY)
		return o->role_hint;
	if (img->install_type)
		return img->role;
	return media_role_of_name(wim_path(w), &src);
}

/* Is image `img` (role `role`) dropped by the plan's <editions>? */
static bool dropped_by(const struct plan *p, const struct wim_image *img, enum role role)
{
	for (size_t k = 0; k < p->img.n_editions; k++) {
		const struct editions_op *e = &p->img.editions[k];
		bool hit = sel_matches_image(ROLE_ANY, &e->sel, img->index, img->name, role);
		if (e->keep != hit)
			return true;
	}
	return false;
}

enum wp_err image_ops_plan(struct wim *w, const struct patch_opts *o, struct file_report *fr,
			   struct image_ops *io)
{
	struct editions_report *er = &fr->editions;
	int n = wim_image_count(w);
	bool installed = true;

	io->n_images = n;
	io->n_copies = o->plan->img.n_files;
	if (!(io->drop = calloc((size_t)n + 1, sizeof(*io->drop))) ||
	    !(io->copies = calloc(o->plan->img.n_files + 1, sizeof(*io->copies))) ||
	    !(io->sums = calloc(o->plan->img.n_files + 1, sizeof(*io->sums))) ||
	    !(io->sizes = calloc(o->plan->img.n_files + 1, sizeof(*io->sizes)))) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	if (o->plan->img.n_editions == 0)
		return WP_OK;
	if (!(er->images = calloc((size_t)n + 1, sizeof(*er->images)))) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	for (int i = 1; i <= n; i++) {
		struct wim_image img;
		enum wp_err ret = wim_image_get(w, i, &img);
		if (ret != WP_OK)
			return ret;
		enum role role = role_of(w, o, &img);
		installed = installed && role == ROLE_INSTALLED;
		io->drop[i] = dropped_by(o->plan, &img, role);
		struct edition_entry *e = &er->images[er->n_images++];
		e->index = i;
		e->dropped = io->drop[i];
		e->name = strdup(img.name);
		wim_image_free(&img);
		if (!e->name) {
			msg_error("out of memory");
			return WP_ERR_INTERNAL;
		}
	}
	if (!installed) {
		/* <editions> is for install.wim/esd: boot.wim is left alone. */
		msg_verbose("%s: <editions> does not apply: not every image is an installed "
			    "system's (install.wim/esd)", wim_path(w));
		editions_report_free(er);
		memset(io->drop, 0, ((size_t)n + 1) * sizeof(*io->drop));
		return WP_OK;
	}
	/* Indices are the WIM's as it is now: one past its images most
	 * likely means the profile was applied already (images renumber). */
	for (size_t k = 0; k < o->plan->img.n_editions; k++) {
		const struct editions_op *e = &o->plan->img.editions[k];
		for (size_t i = 0; i < e->sel.n_indices; i++)
			if (e->sel.indices[i] > n) {
				msg_error("%s:%d: <editions> names image %d, but %s has %d image%s (an "
					  "<editions> by index applied already renumbers the images: "
					  "keep-name and drop-name can be applied again)", e->src_file,
					  e->src_line, e->sel.indices[i], wim_path(w), n,
					  n == 1 ? "" : "s");
				return WP_ERR_PROFILE;
			}
	}
	er->applies = true;
	er->boot_before = wim_boot_index(w);
	for (size_t i = 0; i < er->n_images; i++) {
		er->n_dropped += er->images[i].dropped;
		if (!er->images[i].dropped && er->images[i].index <= er->boot_before)
			er->boot_after++;
	}
	if (er->boot_before == 0 || io->drop[er->boot_before])
		er->boot_after = 0;
	if (er->n_dropped == er->n_images) {
		msg_error("%s: <editions> (%s:%d) would drop every one of its %d images: a WIM keeps "
			  "one at least", wim_path(w), o->plan->img.editions[0].src_file,
			  o->plan->img.editions[0].src_line, n);
		return WP_ERR_PROFILE;
	}
	for (int i = 1; i <= n; i++)
		if (io->drop[i])
			msg_verbose("%s: image %d \"%s\": dropped by <editions>", wim_path(w), i,
				    er->images[i - 1].name);
	return WP_OK;
}

enum wp_err image_ops_drop(struct wim *w, const struct patch_opts *o, struct image_ops *io,
			   struct file_report *fr, bool *rebuild)
{
	size_t n = 0;

	*rebuild = false;
	for (int i = 1; i <= io->n_images; i++)
		n += io->drop[i];
	if (n == 0 || o->dry_run)
		return WP_OK;
	enum wp_err ret = wim_drop_images(w, io->drop);
	if (ret != WP_OK)
		return ret;
	*rebuild = true;
	for (size_t k = 0; k < io->n_pend; k++)
		io->pend[k].image = image_ops_renumber(io, io->pend[k].image);
	/* What is reported and recorded for undo names the images as the
	 * written WIM numbers them (the editions' list keeps the old ones). */
	for (size_t k = 0; k < fr->n_hives; k++)
		fr->hives[k].image = image_ops_renumber(io, fr->hives[k].image);
	for (size_t k = 0; k < fr->n_files; k++)
		fr->files[k].image = image_ops_renumber(io, fr->files[k].image);
	return WP_OK;
}

int image_ops_renumber(const struct image_ops *io, int image)
{
	int before = 0;
	for (int i = 1; i < image && i <= io->n_images; i++)
		before += io->drop[i];
	return image - before;
}

/* ------------------------------------------------------------------ */
/* Files */

size_t image_ops_count(const struct patch_opts *o, const struct wim_image *img)
{
	size_t n = 0;
	for (size_t k = 0; k < o->plan->img.n_files; k++) {
		const struct image_file_op *f = &o->plan->img.files[k];
		n += sel_matches_image(f->role, &f->images, img->index, img->name, img->role);
	}
	return n;
}

/* Copy the op's local file into `dst` (new), its digest and size noted:
 * read once, through util/infile.h (no FIFO or device is opened). */
static enum wp_err copy_source(const struct image_file_op *f, const char *dst, char sum[65],
			       uint64_t *size)
{
	char why[256], buf[65536];
	struct stat st;
	struct sha256 h;
	int in = infile_open(f->from, false, &st, why, sizeof(why)), out = -1;
	enum wp_err ret = WP_ERR_PROFILE;

	if (in < 0) {
		msg_error("%s:%d: <image-file> from %s: %s", f->src_file, f->src_line, f->from, why);
		return WP_ERR_PROFILE;
	}
	sha256_init(&h);
	*size = 0;
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
		msg_error("%s: %s", dst, strerror(errno));
		ret = WP_ERR_WRITE;
		goto out;
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			msg_error("%s:%d: <image-file> from %s: %s", f->src_file, f->src_line, f->from,
				  strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		sha256_update(&h, buf, (size_t)n);
		*size += (uint64_t)n;
		if (write(out, buf, (size_t)n) != n) {
			msg_error("%s: %s", dst, strerror(errno ? errno : ENOSPC));
			ret = WP_ERR_WRITE;
			goto out;
		}
	}
	ret = close(out) < 0 ? WP_ERR_WRITE : WP_OK;
	out = -1;
	if (ret != WP_OK)
		msg_error("%s: %s", dst, strerror(errno));
out:
	sha256_final(&h, sum);
	if (out >= 0)
		close(out);
	close(in);
	return ret;
}

/* The copy of op k's file, made on first use. */
static enum wp_err source_of(struct image_ops *io, const struct plan *p, size_t k,
			     const char *scratch)
{
	if (io->copies[k])
		return WP_OK;
	char *dir = NULL, *file = NULL;
	if (asprintf(&dir, "%s/from%zu", scratch, k) < 0 ||
	    asprintf(&file, "%s/%s", dir, path_base(p->img.files[k].path)) < 0) {
		free(dir);
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	enum wp_err ret = WP_ERR_WRITE;
	if (mkdir(dir, 0700) < 0)
		msg_error("%s: %s", dir, strerror(errno));
	else
		ret = copy_source(&p->img.files[k], file, io->sums[k], &io->sizes[k]);
	free(dir);
	if (ret != WP_OK) {
		free(file);
		return ret;
	}
	io->copies[k] = file;
	return WP_OK;
}

/* The old file `stored`: its size, digest and (if small) bytes, from a
 * copy extracted into `dir`. */
static enum wp_err old_file(struct wim *w, int image, const char *stored, const char *dir,
			    struct image_file_report *r)
{
	char *copy = NULL;
	enum wp_err ret;

	if (mkdir(dir, 0700) < 0) {
		msg_error("%s: %s", dir, strerror(errno));
		return WP_ERR_WRITE;
	}
	if ((ret = wim_extract_file(w, image, stored, dir)) != WP_OK)
		return ret;
	if (asprintf(&copy, "%s/%s", dir, path_base(stored)) < 0) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	if (sha256_file(copy, r->old_sha256, &r->old_size) < 0) {
		msg_error("%s: %s", copy, strerror(errno));
		ret = WP_ERR_WRITE;
	} else if (r->old_size <= UNDO_OLD_BYTES_MAX) {
		r->old_b64 = base64_file(copy, (size_t)r->old_size);
	}
	unlink(copy);
	free(copy);
	return ret;
}

/* The report's entry for op k in image `img`. */
static struct image_file_report *new_entry(struct file_report *fr, const struct wim_image *img,
					   const struct image_file_op *f)
{
	struct image_file_report *r = file_report_add_file(fr);
	if (!r || !(r->image_name = strdup(img->name)) ||
	    (f->from && !(r->from = strdup(f->from)))) {
		msg_error("out of memory");
		return NULL;
	}
	r->image = img->index;
	r->role = img->role;
	return r;
}

/* What the diff says of a new file's metadata. */
static char *new_meta_text(const struct wim_new_meta *m)
{
	char *t;
	if (asprintf(&t, "new: security descriptor %s %s, attributes 0x%x, %zu director%s made",
		     m->has_sd ? "copied from" : "none, as", m->sd_from, (unsigned)m->attributes,
		     m->dirs_made, m->dirs_made == 1 ? "y" : "ies") < 0)
		return NULL;
	return t;
}

static enum wp_err queue_pending(struct image_ops *io, struct wim *w, int image,
				 const char *stored, const char *sum)
{
	struct image_ops_pending *p = realloc(io->pend, (io->n_pend + 1) * sizeof(*p));
	if (!p) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	io->pend = p;
	p = &p[io->n_pend];
	memset(p, 0, sizeof(*p));
	p->image = image;
	memcpy(p->sha256, sum, 65);
	if (!(p->stored = strdup(stored)))
		return WP_ERR_INTERNAL;
	if (!(p->meta = wim_file_metadata(w, image, stored))) {
		free(p->stored);
		return WP_ERR_INPUT;
	}
	io->n_pend++;
	return WP_OK;
}

/* wimpatch undo: does the image's file (`stored`, NULL when absent, its
 * digest in `now`) hold what the run being undone left there? */
static bool as_expected(struct wim *w, int image, const struct image_file_op *f,
			const char *stored, const char *now)
{
	if (!f->expect || (stored && strcmp(now, f->expect) == 0))
		return true;
	if (!stored)
		msg_error("%s: image %d: %s is gone since the run (it wrote sha256 %s there)",
			  wim_path(w), image, f->path, f->expect);
	else
		msg_error("%s: image %d: %s holds sha256 %s, not %s as the run wrote it (changed "
			  "since)", wim_path(w), image, stored + 1, now, f->expect);
	return false;
}

/* Op k deletes `stored` from image `img` (wimpatch undo of an addition). */
static enum wp_err remove_file(struct wim *w, const struct patch_opts *o, const struct wim_image *img,
			       const char *stored, struct image_file_report *r, struct image_ops *io)
{
	enum wp_err ret;

	r->removed = true;
	if (!(r->path = strdup(stored + 1)))
		return WP_ERR_INTERNAL;
	if (o->dry_run)
		return WP_OK;
	if ((ret = wim_delete_file(w, img->index, stored)) != WP_OK)
		return ret;
	struct image_ops_pending *p = realloc(io->pend, (io->n_pend + 1) * sizeof(*p));
	if (!p)
		return WP_ERR_INTERNAL;
	io->pend = p;
	p = &p[io->n_pend];
	memset(p, 0, sizeof(*p));
	p->image = img->index;
	p->absent = true;
	if (!(p->stored = strdup(stored)))
		return WP_ERR_INTERNAL;
	io->n_pend++;
	return WP_OK;
}

/* Op k in image `img`: replace `stored` or add the file. */
static enum wp_err one_file(struct wim *w, const struct patch_opts *o, const struct wim_image *img,
			    size_t k, const char *dir, struct file_report *fr, struct image_ops *io)
{
	const struct image_file_op *f = &o->plan->img.files[k];
	char *stored = NULL, *odir = NULL;
	enum wp_err ret;

	if ((ret = wim_find_file(w, img->index, f->path, &stored)) != WP_OK)
		return ret;
	struct image_file_report *r = new_entry(fr, img, f);
	if (!r || asprintf(&odir, "%s/old", dir) < 0) {
		free(stored);
		return WP_ERR_INTERNAL;
	}
	if (!f->remove) {
		r->size = io->sizes[k];
		memcpy(r->sha256, io->sums[k], 65);
	}
	if (stored && (ret = old_file(w, img->index, stored, odir, r)) != WP_OK)
		goto out;
	if (!as_expected(w, img->index, f, stored, r->old_sha256)) {
		ret = WP_ERR_INPUT;
		goto out;
	}
	if (f->remove) {
		if (stored)
			ret = remove_file(w, o, img, stored, r, io);
		else {
			image_file_report_free(r);	/* not there: nothing to do */
			fr->n_files--;
		}
		goto out;
	}
	if (stored) {
		if (strcmp(r->old_sha256, r->sha256) == 0) {
			/* Already there: not a change. */
			msg_verbose("%s: image %d: %s: already holds these bytes", wim_path(w),
				    img->index, stored + 1);
			image_file_report_free(r);
			fr->n_files--;
			goto out;
		}
		r->path = strdup(stored + 1);
		r->meta = strdup(o->plain_replace ? "replaced as a new file (--plain-replace): "
			"no security descriptor, attributes NORMAL" : "metadata kept (security "
			"descriptor, attributes, short name, streams, links, creation time)");
		if (!r->path || !r->meta) {
			ret = WP_ERR_INTERNAL;
			goto out;
		}
		if (o->dry_run)
			goto out;
		ret = wim_replace_file(w, img->index, io->copies[k], stored,
				       o->plain_replace ? WIM_REPLACE_PLAIN
							: WIM_REPLACE_KEEP_METADATA, dir);
		if (ret == WP_OK)
			ret = queue_pending(io, w, img->index, stored, r->sha256);
		goto out;
	}
	struct wim_new_meta m;
	r->added = true;
	ret = wim_add_file(w, img->index, f->path, o->dry_run ? NULL : io->copies[k], dir, &m);
	if (ret != WP_OK)
		goto out;
	const char *below = m.added_below;
	const char *rest = f->path + strlen(below);
	if (asprintf(&r->path, "%s%s", below, rest) < 0 || !(r->meta = new_meta_text(&m))) {
		r->path = NULL;
		ret = WP_ERR_INTERNAL;
	} else if (!o->dry_run) {
		char *sp = NULL;
		if (asprintf(&sp, "/%s", r->path) < 0)
			ret = WP_ERR_INTERNAL;
		else
			ret = queue_pending(io, w, img->index, sp, r->sha256);
		free(sp);
	}
	wim_new_meta_free(&m);
out:
	if (ret == WP_ERR_INTERNAL)
		msg_error("out of memory");
	free(stored);
	free(odir);
	return ret;
}

enum wp_err image_ops_files(struct wim *w, const struct patch_opts *o, const struct wim_image *img,
			    const char *scratch, struct file_report *fr, struct image_ops *io)
{
	enum wp_err ret = WP_OK;

	for (size_t k = 0; k < o->plan->img.n_files && ret == WP_OK; k++) {
		const struct image_file_op *f = &o->plan->img.files[k];
		if (!sel_matches_image(f->role, &f->images, img->index, img->name, img->role))
			continue;
		char *dir = NULL;
		struct msg_where about = { .image = img->index, .hive = f->path };
		msg_where_push(&about);
		if (!f->remove && (ret = source_of(io, o->plan, k, scratch)) != WP_OK) {
			msg_where_pop(&about);
			break;
		}
		if (asprintf(&dir, "%s/file%d-%zu", scratch, img->index, k) < 0) {
			msg_error("out of memory");
			ret = WP_ERR_INTERNAL;
		} else if (mkdir(dir, 0700) < 0) {
			msg_error("%s: %s", dir, strerror(errno));
			ret = WP_ERR_WRITE;
		} else {
			ret = one_file(w, o, img, k, dir, fr, io);
		}
		msg_where_pop(&about);
		free(dir);
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* Reading back */

static enum wp_err verify_one(struct wim *w, const char *shown, const struct image_ops_pending *p,
			      const char *dir)
{
	char *stored = NULL, *copy = NULL, sum[65];
	uint64_t size;
	enum wp_err ret = WP_ERR_WRITE;

	if (p->absent) {
		if (wim_find_file(w, p->image, p->stored + 1, &stored) != WP_OK || stored)
			msg_error("%s: image %d: %s: verification failed: the file deleted is still "
				  "there", shown, p->image, p->stored + 1);
		else
			ret = WP_OK;
		goto out;
	}
	if (wim_find_file(w, p->image, p->stored + 1, &stored) != WP_OK || !stored ||
	    strcmp(stored, p->stored) != 0) {
		msg_error("%s: image %d: %s: verification failed: the file is not there", shown,
			  p->image, p->stored + 1);
		goto out;
	}
	if (mkdir(dir, 0700) < 0 || wim_extract_file(w, p->image, stored, dir) != WP_OK ||
	    asprintf(&copy, "%s/%s", dir, path_base(stored)) < 0) {
		copy = NULL;
		msg_error("%s: image %d: %s: verification failed: cannot extract it", shown,
			  p->image, p->stored + 1);
		goto out;
	}
	if (sha256_file(copy, sum, &size) < 0 || strcmp(sum, p->sha256) != 0) {
		msg_error("%s: image %d: %s: verification failed: its bytes are not those written",
			  shown, p->image, p->stored + 1);
		goto out;
	}
	char *now = wim_file_metadata(w, p->image, stored);
	if (!now || strcmp(now, p->meta) != 0)
		msg_error("%s: image %d: %s: verification failed: its metadata (security "
			  "descriptor, attributes, short name, streams, links or times) changed",
			  shown, p->image, p->stored + 1);
	else
		ret = WP_OK;
	free(now);
out:
	if (copy)
		unlink(copy);
	free(copy);
	free(stored);
	return ret;
}

enum wp_err image_ops_verify(struct wim *written, const char *shown, const struct image_ops *io,
			     const char *scratch)
{
	static unsigned pass;	/* a split set is read back twice */
	enum wp_err ret = WP_OK;

	pass++;
	for (size_t k = 0; k < io->n_pend && ret == WP_OK; k++) {
		char *dir = NULL;
		if (asprintf(&dir, "%s/verify-file-%u-%zu", scratch, pass, k) < 0) {
			msg_error("out of memory");
			return WP_ERR_INTERNAL;
		}
		ret = verify_one(written, shown, &io->pend[k], dir);
		free(dir);
	}
	return ret;
}

void image_ops_free(struct image_ops *io)
{
	for (size_t k = 0; io->copies && k < io->n_copies; k++)
		free(io->copies[k]);
	free(io->copies);
	free(io->drop);
	free(io->sums);
	free(io->sizes);
	for (size_t k = 0; k < io->n_pend; k++) {
		free(io->pend[k].stored);
		free(io->pend[k].meta);
	}
	free(io->pend);
	memset(io, 0, sizeof(*io));
}

/* iso_inplace.c - an ISO image patched by writing only what changes; see iso_inplace.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>

#include "adapters/sha256.h"
#include "adapters/iso_parse.h"
#include "targets/iso_inplace.h"
#include "targets/media.h"
#include "util/array.h"
#include "util/fdio.h"
#include "util/fsutil.h"
#include "util/msg.h"
#include "util/path.h"
#include "util/progress.h"

#define SECTOR ISOFS_SECTOR
#define CHUNK (1u << 20)

/* Growth the trial resize asks for: a WIM's appended tail (the new hives
 * and metadata), a BCD store's new blocks, a medium file's new bytes. */
#define TRIAL_WIM_GROWTH (256u << 20)
#define TRIAL_BCD_GROWTH (1u << 20)
#define TRIAL_FILE_GROWTH (1u << 20)

static int read_sectors(void *ctx, uint64_t lba, size_t n, unsigned char *buf)
{
	int fd = *(int *)ctx;
	size_t want = n * SECTOR;
	ssize_t got = pread_full(fd, buf, want, (off_t)(lba * SECTOR));

	if (got >= 0 && (size_t)got < want)
		errno = EIO;	/* the image ends before the sectors asked for */
	return (size_t)got == want ? 0 : -1;
}

static struct isofs *open_fs(int *fd, uint64_t sectors, char *why, size_t why_size)
{
	struct isofs_reader rd = { .read = read_sectors, .ctx = fd };
	return isofs_open(&rd, sectors, why, why_size);
}

/* 7-Zip (the reader the rebuild route and every check use) and isofs
 * must see the same files with the same sizes: where they differ, one
 * of them misreads the layout, and the image is not patched in place. */
static bool same_listing(const struct isofs *fs, const struct iso_listing *l, char *why,
			 size_t why_size)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct isofs_file *f = isofs_find(fs, l->v[i].path);
		if (!f || f->dir != l->v[i].dir || (!f->dir && f->size != l->v[i].size)) {
			snprintf(why, why_size, "its file system reads differently here than with "
				 "7-Zip (%s)", l->v[i].path);
			return false;
		}
	}
	if (isofs_count(fs) != l->n) {
		snprintf(why, why_size, "its file system lists %zu entries, 7-Zip %zu",
			 isofs_count(fs), l->n);
		return false;
	}
	return true;
}

/* Is `path` one of the files the plan's <file> rules replace? */
static bool is_extra(const struct iso_media *m, const char *path)
{
	for (size_t i = 0; i < m->n_extra; i++)
		if (strcmp(m->extra[i], path) == 0)
			return true;
	return false;
}

/* Can every file a patch may change (the WIMs, the BCD stores, the files
 * <file> replaces) grow as the patch makes it grow?  Tried on a throw-away
 * reading of the file system, before anything is patched: what cannot be
 * done in place is then rebuilt, said why, rather than failing half-way. */
static bool trial_resize(int *fd, uint64_t sectors, const struct iso_media *m, char *why,
			 size_t why_size)
{
	struct isofs *t = open_fs(fd, sectors, why, why_size);
	struct isofs_patch *p = NULL;
	size_t np = 0;
	uint64_t ns;
	bool ok = t != NULL;

	for (size_t i = 0; ok && i < isofs_count(t); i++) {
		const struct isofs_file *f = isofs_at(t, i);
		enum media_kind k;
		bool patched = !f->dir && media_classify(f->path, &k);
		if (f->dir || (!patched && !is_extra(m, f->path)))
			continue;
		uint64_t grow = !patched ? TRIAL_FILE_GROWTH
				: k == MEDIA_BCD_BIOS || k == MEDIA_BCD_EFI ? TRIAL_BCD_GROWTH
									     : TRIAL_WIM_GROWTH;
		char *path = strdup(f->path);	/* f changes with the resize */
		ok = path && isofs_set_size(t, path, f->size + grow, why, why_size) == 0;
		free(path);
	}
	if (ok)
		ok = isofs_commit(t, &p, &np, &ns, why, why_size) == 0;
	isofs_patches_free(p, np);
	isofs_free(t);
	return ok;
}

static enum wp_err open_view(const char *iso, const struct iso_media *m, const char *work_dir,
			     struct iso_inplace *ip, bool trial, char *why, size_t why_size)
{
	struct stat st;

	memset(ip, 0, sizeof(*ip));
	ip->iso = iso;
	ip->m = m;
	ip->st.wd.fd = -1;
	ip->out_dir.fd = -1;
	ip->out_fd = -1;
	if ((ip->fd = open(iso, O_RDONLY | O_CLOEXEC)) < 0 || fstat(ip->fd, &st) < 0) {
		msg_error("%s: %s", iso, strerror(errno));
		return WP_ERR_INPUT;
	}
	ip->sectors = (uint64_t)st.st_size / SECTOR;
	if (!(ip->fs = open_fs(&ip->fd, ip->sectors, why, why_size)))
		return WP_ERR_USAGE;
	if (!same_listing(ip->fs, &m->files, why, why_size) ||
	    (trial && !trial_resize(&ip->fd, ip->sectors, m, why, why_size)))
		return WP_ERR_USAGE;
	return iso_standins_make(iso, ip->fd, ip->fs, work_dir, m->extra, m->n_extra, &ip->st, why,
				 why_size);
}

enum wp_err iso_inplace_open(const char *iso, const struct iso_media *m, const char *work_dir,
			     struct iso_inplace *ip, char *why, size_t why_size)
{
	return open_view(iso, m, work_dir, ip, true, why, why_size);
}

enum wp_err iso_inplace_read(const char *iso, struct iso_media *m, const char *work_dir,
			     struct iso_inplace *ip, const char **root)
{
	char why[512];
	enum wp_err ret = open_view(iso, m, work_dir, ip, false, why, sizeof(why));

	*root = ip->st.root;
	if (ret != WP_ERR_USAGE)
		return ret;
	msg_verbose("%s: its files are extracted with 7-Zip: %s", iso, why);
	iso_inplace_close(ip);
	/* The files <file> rules touch are no medium files: all of them. */
	ret = iso_media_extract(m, iso, iso, work_dir, m->n_extra > 0);
	*root = m->root;
	return ret;
}

enum wp_err iso_inplace_visit(const char *iso, const char *work_dir, iso_inplace_read_fn fn,
			      void *ctx)
{
	struct iso_media m;
	struct iso_inplace ip;
	const char *root;
	char what[4096];
	enum wp_err ret;

	snprintf(what, sizeof(what), "%s: reading an ISO image", iso);
	if ((ret = iso_tools_find(ISO_TOOL_READER, what)) != WP_OK)
		return ret;
	if ((ret = iso_media_open(iso, &m)) != WP_OK)
		return ret;
	if ((ret = iso_inplace_read(iso, &m, work_dir, &ip, &root)) == WP_OK) {
		struct msg_where about = { .scratch = root, .shown_as = iso };
		msg_where_push(&about);
		ret = fn(ctx, iso, &m, root);
		msg_where_pop(&about);
	}
	iso_inplace_close(&ip);
	iso_media_close(&m);
	return ret;
}

void iso_inplace_close(struct iso_inplace *ip)
{
	/* The copy's thread writes into the output's directory: stopped
	 * first (after a success it is done already). */
	iso_copy_cancel(&ip->copy);
	if (ip->out_fd >= 0)
		close(ip->out_fd);
	ip->out_fd = -1;
	free(ip->out_tmp);
	ip->out_tmp = NULL;
	if (ip->out_dir.name)
		fs_dir_remove(&ip->out_dir);
	iso_standins_free(&ip->st);
	free(ip->rm);
	ip->rm = NULL;
	ip->n_rm = 0;
	for (size_t i = 0; i < ip->n_added; i++) {
		free(ip->added[i].rel);
		free(ip->added[i].path);
	}
	free(ip->added);
	ip->added = NULL;
	ip->n_added = 0;
	array_free_strings(ip->new_dirs, ip->n_new_dirs);
	ip->new_dirs = NULL;
	ip->n_new_dirs = ip->alloc_new_dirs = 0;
	isofs_free(ip->fs);
	if (ip->fd >= 0)
		close(ip->fd);
	ip->fs = NULL;
	ip->fd = -1;
}

enum wp_err iso_inplace_can_edit(struct iso_inplace *ip, const char *const *rm, size_t n_rm,
				 const char *const *add, const uint64_t *add_size, size_t n_add,
				 char *why, size_t why_size)
{
	struct isofs *t = n_rm + n_add ? open_fs(&ip->fd, ip->sectors, why, why_size) : NULL;
	struct isofs_patch *p = NULL;
	size_t np = 0;
	uint64_t ns;
	bool ok = !(n_rm + n_add) || t != NULL;

	for (size_t i = 0; ok && i < n_rm; i++)
		ok = isofs_remove(t, rm[i], why, why_size) == 0;
	for (size_t i = 0; ok && i < n_add; i++)
		ok = isofs_add(t, add[i], add_size[i], why, why_size) == 0;
	if (ok && n_add)
		ok = isofs_commit(t, &p, &np, &ns, why, why_size) == 0;
	isofs_patches_free(p, np);
	isofs_free(t);
	return ok ? WP_OK : WP_ERR_USAGE;
}

static uint64_t sectors512(uint64_t bytes)
{
	return (bytes + 511) / 512;
}

enum wp_err iso_inplace_switch_boot(struct iso_inplace *ip, const char *rel, char *why,
				    size_t why_size)
{
	const struct iso_info *si = &ip->m->info;
	const struct isofs_file *e = isofs_find(ip->fs, rel), *old = NULL;
	size_t k = si->n_boot;

	for (size_t i = 0; i < si->n_boot && k == si->n_boot; i++)
		if (si->boot[i].platform == ISO_PLATFORM_UEFI)
			k = i;
	if (!e || e->dir || e->n_ext != 1 || k == si->n_boot || !si->catalog_lba) {
		snprintf(why, why_size, "%s", !e || e->dir ? "efisys_noprompt.bin is not in its UDF tree"
				     : e->n_ext != 1 ? "efisys_noprompt.bin is not in one run of "
						       "blocks, as El Torito loads a boot image"
						     : "no UEFI El Torito entry in a boot catalog");
		return WP_ERR_USAGE;
	}
	for (size_t i = 0; i < isofs_count(ip->fs) && !old; i++) {
		const struct isofs_file *f = isofs_at(ip->fs, i);
		if (!f->dir && f->n_ext && f->ext[0].lba == si->boot[k].lba)
			old = f;
	}
	/* Microsoft's media and genisoimage give the image's size; keep any
	 * other convention (0, 1) as the source has it. */
	unsigned load = si->boot[k].load_sectors;
	if (old && load == sectors512(old->size))
		load = sectors512(e->size) > 0xFFFF ? 0xFFFF : (unsigned)sectors512(e->size);
	if (read_sectors(&ip->fd, si->catalog_lba, 1, ip->cat) < 0) {
		snprintf(why, why_size, "cannot read its boot catalog: %s", strerror(errno));
		return WP_ERR_USAGE;
	}
	if (!iso_catalog_retarget(ip->cat, 0xEF, (uint32_t)e->ext[0].lba, load, why, why_size))
		return WP_ERR_USAGE;
	ip->want = *si;
	ip->want.boot[k].lba = (uint32_t)e->ext[0].lba;
	ip->want.boot[k].load_sectors = load;
	ip->cat_lba = si->catalog_lba;
	ip->cat_entry = (unsigned)k + 1;
	ip->cat_image = e->path;
	ip->cat_on = true;
	return WP_OK;
}

/* ------------------------------------------------------------------ */
/* Writing */

struct edit {
	const struct iso_standin *f;
	struct wim_change_list c;
	int fd;				/* the stand-in, read */
	bool added;			/* a file new to the image */
};

struct out {
	int fd;
	const char *name;
	uint64_t written;
};

/* Write n bytes at image offset `at`; with `check`, read them back at
 * once and compare.  That is for what no independent reader checks
 * whole: the descriptor sectors (udfinfo, xorriso and 7-Zip each look at
 * some of their fields only) and the zeros past a file's end; a changed
 * file's bytes are read back by 7-Zip (verify()). */
static enum wp_err write_at(struct out *o, const unsigned char *buf, size_t n, uint64_t at,
			    bool check)
{
	unsigned char *back = NULL;

	if (pwrite_full(o->fd, buf, n, (off_t)at) < 0) {
		msg_error("%s: cannot write: %s", o->name, strerror(errno));
		return WP_ERR_WRITE;
	}
	o->written += n;
	if (!check)
		return WP_OK;
	if (!(back = malloc(n))) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	ssize_t got = pread_full(o->fd, back, n, (off_t)at);
	bool same = got == (ssize_t)n && memcmp(back, buf, n) == 0;
	if (!same)
		msg_error("%s: verification failed: sector %" PRIu64 " reads back %s", o->name,
			  at / SECTOR, got < 0 ? strerror(errno) : "other than it was written");
	free(back);
	return same ? WP_OK : WP_ERR_WRITE;
}

/* Write n bytes of a file at file offset `off` through its extents. */
static enum wp_err put(struct out *o, const struct isofs_file *e, uint64_t off,
		       const unsigned char *buf, size_t n, bool check)
{
	uint64_t base = 0;

	for (size_t i = 0; i < e->n_ext && n; i++) {
		uint64_t len = (e->ext[i].bytes + SECTOR - 1) / SECTOR * SECTOR;
		if (off >= base + len) {
			base += len;
			continue;
		}
		size_t k = base + len - off < n ? (size_t)(base + len - off) : n;
		enum wp_err ret = write_at(o, buf, k, e->ext[i].lba * SECTOR + off - base, check);
		if (ret != WP_OK)
			return ret;
		buf += k;
		off += k;
		n -= k;
		base += len;
	}
	if (n) {
		msg_error("%s: internal error: %s has no room for its new bytes", o->name, e->path);
		return WP_ERR_INTERNAL;
	}
	return WP_OK;
}

/* A changed file's new bytes, and zeros to the end of its last sector. */
static enum wp_err write_file(struct out *o, const struct isofs *fs, const struct edit *ed)
{
	const struct isofs_file *e = isofs_find(fs, ed->f->rel);
	unsigned char *buf = malloc(CHUNK);
	enum wp_err ret = WP_OK;

	if (!buf || !e) {
		msg_error(buf ? "%s: internal error: %s is gone" : "out of memory", o->name,
			  ed->f->rel);
		free(buf);
		return WP_ERR_INTERNAL;
	}
	for (size_t i = 0; i < ed->c.n && ret == WP_OK; i++) {
		uint64_t off = ed->c.v[i].off, end = off + ed->c.v[i].len;
		while (off < end && ret == WP_OK) {
			size_t n = end - off < CHUNK ? (size_t)(end - off) : CHUNK;
			ssize_t got = pread_full(ed->fd, buf, n, (off_t)off);
			if (got < 0) {
				msg_error("%s: %s", ed->f->path, strerror(errno));
				ret = WP_ERR_INTERNAL;
				break;
			}
			memset(buf + got, 0, n - (size_t)got);	/* past a shorter end: zeros */
			ret = put(o, e, off, buf, n, false);
			off += n;
		}
	}
	size_t tail = (size_t)(ed->c.size % SECTOR);
	if (ret == WP_OK && tail) {
		memset(buf, 0, SECTOR - tail);
		ret = put(o, e, ed->c.size, buf, SECTOR - tail, true);
	}
	for (size_t i = 0; ret == WP_OK && ed->added && i < e->n_ext; i++)
		msg_verbose("%s: sectors %" PRIu64 "-%" PRIu64 " written (%s, added)", o->name,
			    e->ext[i].lba, e->ext[i].lba + (e->ext[i].bytes + SECTOR - 1) / SECTOR - 1,
			    e->path);
	free(buf);
	return ret;
}

static enum wp_err write_patches(struct out *o, const struct isofs_patch *p, size_t n)
{
	enum wp_err ret = WP_OK;
	for (size_t i = 0; i < n && ret == WP_OK; i++) {
		ret = write_at(o, p[i].data, p[i].n_sectors * SECTOR, p[i].lba * SECTOR, true);
		/* Said, so that what differs from the source can be checked
		 * against it (tests/media-files.test). */
		msg_verbose("%s: sectors %" PRIu64 "-%" PRIu64 " written (file-system descriptors)",
			    o->name, p[i].lba, p[i].lba + p[i].n_sectors - 1);
	}
	return ret;
}

/* ------------------------------------------------------------------ */
/* Reading back */

/* What a changed file must read as: its changed ranges from the stand-in,
 * the rest from the source, zeros past the source's end. */
static int expected_read(void *p, uint64_t off, void *buf, size_t n)
{
	const struct edit *ed = p;
	unsigned char *out = buf;

	while (n) {
		size_t k = n;
		const struct wim_range *in = NULL;
		for (size_t i = 0; i < ed->c.n; i++) {
			const struct wim_range *r = &ed->c.v[i];
			if (off >= r->off && off < r->off + r->len) {
				in = r;
				break;
			}
			if (r->off > off && r->off - off < k)
				k = (size_t)(r->off - off);
		}
		if (in) {
			if (in->off + in->len - off < k)
				k = (size_t)(in->off + in->len - off);
			ssize_t got = pread_full(ed->fd, out, k, (off_t)off);
			if (got < 0)
				return -1;
			memset(out + got, 0, k - (size_t)got);
		} else if (off < ed->f->size) {
			if (ed->f->size - off < k)
				k = (size_t)(ed->f->size - off);
			if (iso_standin_read((void *)ed->f, off, out, k) < 0)
				return -1;
		} else {
			memset(out, 0, k);
		}
		out += k;
		off += k;
		n -= k;
	}
	return 0;
}

static uint64_t ed_size(const struct edit *ed, size_t n_ed, const struct iso_standin *f)
{
	for (size_t k = 0; k < n_ed; k++)
		if (ed[k].f == f)
			return ed[k].c.size;
	return 0;
}

/* The files 7-Zip must list in the new image: the source's, with the
 * changed files' new sizes, and the files and directories added. */
static enum wp_err check_listing(const char *tmp, const struct iso_inplace *ip,
				 const struct edit *ed, size_t n_ed, const struct iso_info *oi)
{
	struct iso_listing got = { 0 }, want = { 0 };
	enum wp_err ret = WP_ERR_INTERNAL;
	const struct iso_listing *src = &ip->m->files;

	if (!(want.v = calloc(src->n + ip->n_added + ip->n_new_dirs + 1, sizeof(*want.v)))) {
		msg_error("out of memory");
		return ret;
	}
	for (size_t i = 0; i < src->n; i++) {
		bool gone = false;
		for (size_t k = 0; k < ip->n_rm; k++)
			gone |= strcmp(src->v[i].path, ip->rm[k]) == 0;
		if (gone)
			continue;
		want.v[want.n] = src->v[i];
		for (size_t k = 0; k < n_ed; k++)
			if (strcmp(src->v[i].path, ed[k].f->rel) == 0)
				want.v[want.n].size = ed[k].c.size;
		want.n++;
	}
	for (size_t i = 0; i < ip->n_added; i++)
		want.v[want.n++] = (struct iso_entry){ ip->added[i].rel, ed_size(ed, n_ed, &ip->added[i]),
						       false };
	for (size_t i = 0; i < ip->n_new_dirs; i++)
		want.v[want.n++] = (struct iso_entry){ ip->new_dirs[i], 0, true };
	iso_listing_sort(&want);
	if ((ret = iso_list(tmp, oi, &got)) == WP_OK) {
		char what[4096];
		snprintf(what, sizeof(what), "%s: verification failed", tmp);
		if (iso_listing_diff(&got, "the image written", &want, "the source patched", what))
			ret = WP_ERR_WRITE;
	}
	free(want.v);	/* its strings are the source's */
	iso_listing_free(&got);
	return ret;
}

/* The volume descriptors and boot catalog as the source has them. */
static enum wp_err check_boot(const char *tmp, const struct iso_info *si, const struct iso_info *oi)
{
	bool same = oi->udf == si->udf && oi->iso9660 == si->iso9660 &&
		    strcmp(oi->label, si->label) == 0 && oi->n_boot == si->n_boot;
	for (size_t i = 0; same && i < si->n_boot; i++) {
		const struct iso_boot_entry *a = &oi->boot[i], *b = &si->boot[i];
		same = a->platform_id == b->platform_id && a->bootable == b->bootable &&
		       a->no_emulation == b->no_emulation && a->load_sectors == b->load_sectors &&
		       a->lba == b->lba;
	}
	if (same)
		return WP_OK;
	msg_error("%s: verification failed: its volume descriptors or boot catalog differ from "
		  "the source's", tmp);
	return WP_ERR_WRITE;
}

/* The removed files gone from the ISO 9660 and Joliet trees too, and
 * the added ones there where isofs_add listed them, as isoinfo (another
 * reader than 7-Zip, which reads the UDF tree) lists them. */
static enum wp_err check_records(const char *tmp, const struct iso_inplace *ip)
{
	struct iso_gone *g, *a;
	enum wp_err ret;
	char what[4096];

	if (!ip->n_rm && !ip->n_added)
		return WP_OK;
	snprintf(what, sizeof(what), "%s: checking the files removed from it or added", tmp);
	if ((ret = iso_tools_find(ISO_TOOL_9660_CHECKER, what)) != WP_OK)
		return ret;
	g = calloc(ip->n_rm + 1, sizeof(*g));
	a = calloc(ip->n_added + 1, sizeof(*a));
	if (!g || !a) {
		free(g);
		free(a);
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	for (size_t i = 0; i < ip->n_added; i++) {
		const struct isofs_file *f = isofs_find(ip->fs, ip->added[i].rel);
		a[i].rel = ip->added[i].rel;
		a[i].lba = f && f->n_ext ? f->ext[0].lba : 0;
		a[i].size = f && f->n_ext ? f->size : 0;
	}
	for (size_t i = 0; i < ip->n_rm; i++) {
		g[i].rel = ip->rm[i];
		for (size_t k = 0; k < ip->st.n; k++)
			if (ip->st.v[k].rel == ip->rm[i] && ip->st.v[k].n_ext) {
				g[i].lba = ip->st.v[k].ext[0].lba;
				g[i].size = ip->st.v[k].size;
			}
	}
	ret = iso_verify_records(tmp, ip->iso, g, ip->n_rm, a, ip->n_added, ip->added_in_tree);
	free(g);
	free(a);
	return ret;
}

static enum wp_err verify(const char *tmp, const struct iso_inplace *ip,
			  struct edit *ed, size_t n_ed,
			  struct iso_info *oi)
{
	enum wp_err ret;

	if ((ret = iso_probe(tmp, oi)) != WP_OK ||
	    (ret = check_boot(tmp, ip->cat_on ? &ip->want : &ip->m->info, oi)) != WP_OK ||
	    (ret = ip->cat_on ? iso_verify_boot_switched(tmp, ip->iso, ip->cat_entry,
							  ip->want.boot[ip->cat_entry - 1].lba,
							  ip->want.boot[ip->cat_entry - 1].load_sectors,
							  ip->cat_image)
			      : iso_verify_boot_same(tmp, ip->iso)) != WP_OK ||
	    (ret = iso_verify_udf(tmp)) != WP_OK ||
	    (ret = check_listing(tmp, ip, ed, n_ed, oi)) != WP_OK ||
	    (ret = check_records(tmp, ip)) != WP_OK)
		return ret;
	/* 7-Zip reads each changed file whole; only what was written is
	 * compared: the rest was copied unchanged (the tests prove that). */
	for (size_t i = 0; i < n_ed && ret == WP_OK; i++) {
		struct iso_range *r = calloc(ed[i].c.n + 1, sizeof(*r));
		if (!r) {
			msg_error("out of memory");
			return WP_ERR_INTERNAL;
		}
		for (size_t k = 0; k < ed[i].c.n; k++)
			r[k] = (struct iso_range){ ed[i].c.v[k].off, ed[i].c.v[k].len };
		struct iso_expect x = { .path = ed[i].f->rel, .size = ed[i].c.size,
					.read = expected_read, .ctx = &ed[i], .ranges = r,
					.n_ranges = ed[i].c.n };
		ret = iso_verify_file(tmp, &x);
		free(r);
	}
	return ret;
}

/* ------------------------------------------------------------------ */

/* A stand-in patch_tree removed: the file is taken out of the image's
 * directories.  Removals come first (collect), so that a failure leaves
 * nothing resized. */
static enum wp_err remove_file(struct iso_inplace *ip, const struct iso_standin *f)
{
	char why[512];
	struct stat st;

	if (lstat(f->path, &st) == 0)
		return WP_OK;
	if (errno != ENOENT) {
		msg_error("%s: %s", f->path, strerror(errno));
		return WP_ERR_INTERNAL;
	}
	if (isofs_remove(ip->fs, f->rel, why, sizeof(why)) < 0) {
		msg_error("%s: %s cannot be removed in place: %s; --rebuild-iso writes the image "
			  "anew", ip->iso, f->rel, why);
		return WP_ERR_WRITE;
	}
	ip->rm[ip->n_rm++] = f->rel;
	return WP_OK;
}

static bool is_standin(const struct iso_inplace *ip, const char *rel)
{
	for (size_t k = 0; k < ip->st.n; k++)
		if (strcmp(ip->st.v[k].rel, rel) == 0)
			return true;
	return false;
}

/* The directories of `stored` (a file just added) the source lacks and
 * no file added before made: new entries 7-Zip is to list. */
static enum wp_err new_dirs(struct iso_inplace *ip, const char *stored)
{
	for (const char *s = strchr(stored, '/'); s; s = strchr(s + 1, '/')) {
		char *dir = strndup(stored, (size_t)(s - stored));
		bool known = !dir || iso_listing_find(&ip->m->files, dir);
		for (size_t i = 0; dir && !known && i < ip->n_new_dirs; i++)
			known = strcmp(ip->new_dirs[i], dir) == 0;
		if (dir && !known && !ARRAY_GROW(ip->new_dirs, ip->n_new_dirs + 1, ip->alloc_new_dirs)) {
			free(dir);
			dir = NULL;
		}
		if (!dir) {
			msg_error("out of memory");
			return WP_ERR_INTERNAL;
		}
		if (known)
			free(dir);
		else
			ip->new_dirs[ip->n_new_dirs++] = dir;
	}
	return WP_OK;
}

/* A file patch_tree added to the stand-ins' tree (a <file> the image
 * lacks): added to the image's UDF tree (isofs_add), an edit writing its
 * whole bytes. */
static enum wp_err add_file(struct iso_inplace *ip, const struct iso_entry *e, struct edit *ed)
{
	struct iso_standin *f = &ip->added[ip->n_added];
	char why[512];

	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (!(f->rel = strdup(e->path)) || !(f->path = path_join(ip->st.root, e->path)) ||
	    !(ed->c.v = calloc(1, sizeof(*ed->c.v)))) {
		free(f->rel);
		free(f->path);
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	ip->n_added++;
	ed->f = f;
	ed->added = true;
	ed->c.v[0] = (struct wim_range){ 0, e->size };
	ed->c.n = e->size ? 1 : 0;
	ed->c.alloc = 1;
	ed->c.size = e->size;
	if ((ed->fd = open(f->path, O_RDONLY | O_CLOEXEC)) < 0) {
		msg_error("%s: %s", f->path, strerror(errno));
		return WP_ERR_INTERNAL;
	}
	if (isofs_add(ip->fs, f->rel, e->size, why, sizeof(why)) < 0) {
		msg_error("%s: %s cannot be added in place: %s; --rebuild-iso writes the image anew",
			  ip->iso, f->rel, why);
		return WP_ERR_WRITE;
	}
	/* As the image now spells it (its directories keep their names):
	 * what 7-Zip is to list and read back. */
	char *stored = strdup(isofs_find(ip->fs, f->rel)->path);
	if (!stored) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	free(f->rel);
	f->rel = stored;
	return new_dirs(ip, stored);
}

/* The files patch_tree added: every file of the stand-ins' tree that is
 * no stand-in. */
static enum wp_err collect_added(struct iso_inplace *ip, struct edit **ed, size_t *n_ed)
{
	struct iso_listing tree = { 0 };
	enum wp_err ret = iso_list_tree(ip->st.root, &tree);
	struct edit *v;
	size_t n = 0;

	for (size_t i = 0; ret == WP_OK && i < tree.n; i++)
		n += !tree.v[i].dir && !is_standin(ip, tree.v[i].path);
	if (ret == WP_OK && n) {
		if (!(ip->added = calloc(n, sizeof(*ip->added))) ||
		    !(v = realloc(*ed, (*n_ed + n + 1) * sizeof(*v)))) {
			msg_error("out of memory");
			ret = WP_ERR_INTERNAL;
		} else {
			memset(v + *n_ed, 0, (n + 1) * sizeof(*v));
			*ed = v;
		}
	}
	size_t before[2], after[2];
	isofs_tree_files(ip->fs, before);
	for (size_t i = 0; ret == WP_OK && n && i < tree.n; i++) {
		if (tree.v[i].dir || is_standin(ip, tree.v[i].path))
			continue;
		ret = add_file(ip, &tree.v[i], &(*ed)[*n_ed]);
		if ((*ed)[*n_ed].f)
			(*n_ed)++;
	}
	isofs_tree_files(ip->fs, after);
	for (int j = 0; j < 2; j++)
		ip->added_in_tree[j] = after[j] - before[j];
	iso_listing_free(&tree);
	return ret;
}

/* What patching changed, file by file; removed or resized in the file
 * system. */
static enum wp_err collect(struct iso_inplace *ip, struct edit **edp, size_t *n_ed)
{
	struct edit *ed = *edp;
	char why[512];

	*n_ed = 0;
	if (!(ip->rm = calloc(ip->st.n + 1, sizeof(*ip->rm)))) {
		msg_error("out of memory");
		return WP_ERR_INTERNAL;
	}
	for (size_t i = 0; i < ip->st.n; i++) {
		enum wp_err ret = remove_file(ip, &ip->st.v[i]);
		if (ret != WP_OK)
			return ret;
	}
	for (size_t i = 0; i < ip->st.n; i++) {
		struct edit *e = &ed[*n_ed];
		const struct iso_standin *f = &ip->st.v[i];
		bool gone = false;
		for (size_t k = 0; k < ip->n_rm; k++)
			gone |= ip->rm[k] == f->rel;
		if (gone)
			continue;
		enum wp_err ret = iso_standin_changes(f, &e->c);
		if (ret != WP_OK)
			return ret;
		if (e->c.n == 0 && e->c.size == f->size) {
			wim_change_list_free(&e->c);
			continue;
		}
		e->f = f;
		if ((e->fd = open(f->path, O_RDONLY | O_CLOEXEC)) < 0) {
			msg_error("%s: %s", f->path, strerror(errno));
			wim_change_list_free(&e->c);
			return WP_ERR_INTERNAL;
		}
		(*n_ed)++;
		if (isofs_set_size(ip->fs, f->rel, e->c.size, why, sizeof(why)) < 0) {
			msg_error("%s: %s cannot take its new size (%" PRIu64 " bytes) in place: %s; "
				  "--rebuild-iso writes the image anew", ip->iso, f->rel, e->c.size,
				  why);
			return WP_ERR_WRITE;
		}
	}
	return collect_added(ip, edp, n_ed);
}

/* The switched boot catalog's sector (iso_inplace_switch_boot), synced
 * with the rest. */
static enum wp_err write_catalog(struct iso_inplace *ip, struct out *o)
{
	if (!ip->cat_on)
		return WP_OK;
	if (pwrite(o->fd, ip->cat, SECTOR, (off_t)ip->cat_lba * SECTOR) != SECTOR) {
		msg_error("%s: cannot write its boot catalog: %s", o->name, strerror(errno));
		return WP_ERR_WRITE;
	}
	o->written += SECTOR;
	msg_verbose("%s: sectors %" PRIu32 "-%" PRIu32 " written (the boot catalog)", o->name,
		    ip->cat_lba, ip->cat_lba);
	return WP_OK;
}

static enum wp_err write_out(struct iso_inplace *ip, struct out *o, struct edit *ed, size_t n_ed)
{
	struct isofs_patch *p = NULL;
	size_t np = 0;
	uint64_t sectors = ip->sectors;
	char why[512];
	enum wp_err ret = WP_ERR_WRITE;

	if (iso_copy_wait(&ip->copy, ip->iso, o->name) != WP_OK)
		return WP_ERR_WRITE;
	if (!n_ed && !ip->n_rm)
		return write_catalog(ip, o);
	if (isofs_commit(ip->fs, &p, &np, &sectors, why, sizeof(why)) < 0) {
		msg_error("%s: cannot be patched in place: %s; --rebuild-iso writes the image anew",
			  ip->iso, why);
		return WP_ERR_WRITE;
	}
	if (ftruncate(o->fd, (off_t)(sectors * SECTOR)) < 0) {
		msg_error("%s: %s", o->name, strerror(errno));
		goto out;
	}
	ret = WP_OK;
	for (size_t i = 0; i < n_ed && ret == WP_OK; i++)
		ret = write_file(o, ip->fs, &ed[i]);
	if (ret == WP_OK)
		ret = write_patches(o, p, np);
	if (ret == WP_OK)
		ret = write_catalog(ip, o);
	msg_verbose("%s: %" PRIu64 " bytes written in place (%zu descriptor runs), the image now "
		    "%" PRIu64 " sectors", o->name, o->written, np, sectors);
out:
	isofs_patches_free(p, np);
	return ret;
}

/* The new image synced to disk while it is read back and digested: the
 * copy and the edits are written back to the disk by the kernel while
 * 7-Zip and the digest read them from the page cache, and the rename
 * that commits the image waits for both (one fsync for the whole image,
 * none for the copy alone: only the image the rename publishes must be
 * on the disk). */
struct syncer {
	pthread_t t;
	int fd, ret, err;
	bool started;
};

static void *sync_run(void *p)
{
	struct syncer *s = p;
	s->ret = fsync(s->fd);
	s->err = errno;
	return NULL;
}

static void sync_start(struct syncer *s, int fd)
{
	s->fd = fd;
	s->started = pthread_create(&s->t, NULL, sync_run, s) == 0;
}

static enum wp_err sync_end(struct syncer *s, const char *name)
{
	if (!s->started)
		sync_run(s);
	else
		pthread_join(s->t, NULL);
	s->started = false;
	if (s->ret < 0) {
		msg_error("%s: cannot sync to disk: %s", name, strerror(s->err));
		return WP_ERR_WRITE;
	}
	return WP_OK;
}

/* The new image's digest, for the report, computed while it is read
 * back (another core; both read it from the page cache). */
struct digest {
	pthread_t t;
	int fd;
	bool started;
	int ret, err;
	char hex[65];
	uint64_t size;
};

static void *digest_run(void *p)
{
	struct digest *d = p;
	d->ret = sha256_fd(d->fd, d->hex, &d->size);
	d->err = errno;
	return NULL;
}

static void digest_start(struct digest *d, int fd)
{
	d->fd = fd;
	d->ret = -1;
	d->err = 0;
	d->started = pthread_create(&d->t, NULL, digest_run, d) == 0;
}

static enum wp_err digest_end(struct digest *d, const char *name, struct iso_report *rep)
{
	if (!d->started)
		digest_run(d);
	else
		pthread_join(d->t, NULL);
	d->started = false;
	if (d->ret < 0) {
		msg_error("%s: cannot read the new image back for its SHA-256: %s", name,
			  strerror(d->err));
		return WP_ERR_WRITE;
	}
	memcpy(rep->sha256, d->hex, sizeof(rep->sha256));
	rep->size = d->size;
	/* It ran beside the read-back, which had the progress line. */
	progress_update(path_base(name), "SHA-256", d->size, d->size);
	progress_done();
	return WP_OK;
}

enum wp_err iso_inplace_begin(struct iso_inplace *ip, const char *output)
{
	const char *base = path_base(output);

	ip->output = output;
	if (fs_dir_near(output, &ip->out_dir) < 0 ||
	    (ip->out_fd = fs_dir_create(&ip->out_dir, base)) < 0 ||
	    !(ip->out_tmp = fs_dir_file(&ip->out_dir, base)))
		return WP_ERR_WRITE;
	iso_copy_start(&ip->copy, ip->fd, ip->out_fd);
	return WP_OK;
}

enum wp_err iso_inplace_write(struct iso_inplace *ip, struct iso_report *rep,
			      void (*committed)(void *ctx), void *ctx)
{
	struct digest dg = { 0 };
	struct syncer sy = { 0 };
	struct edit *ed = calloc(ip->st.n + 1, sizeof(*ed));
	struct out o = { .fd = ip->out_fd, .name = ip->output };
	struct iso_info oi;
	size_t n_ed = 0;
	enum wp_err ret = WP_ERR_INTERNAL;

	if (!ed) {
		msg_error("out of memory");
		return ret;
	}
	ret = collect(ip, &ed, &n_ed);
	if (ret != WP_OK)
		goto out;
	if ((ret = write_out(ip, &o, ed, n_ed)) != WP_OK)
		goto out;
	sync_start(&sy, o.fd);
	digest_start(&dg, o.fd);
	bool changed = n_ed || ip->n_rm || ip->cat_on;	/* an added file is an edit */
	if (changed) {
		/* Messages name the image by the name it is to have. */
		struct msg_where about = { .scratch = ip->out_tmp, .shown_as = ip->output };
		msg_where_push(&about);
		ret = verify(ip->out_tmp, ip, ed, n_ed, &oi);
		msg_where_pop(&about);
	}
	enum wp_err dret = digest_end(&dg, ip->output, rep);
	enum wp_err sret = sync_end(&sy, ip->output);
	if (ret == WP_OK)
		ret = dret;
	if (ret == WP_OK)
		ret = sret;
	if (ret != WP_OK)
		goto out;
	/* The commit point: the image in place and what it holds recorded,
	 * with no signal in between. */
	fs_hold_signals(true);
	if (fs_dir_put(&ip->out_dir, path_base(ip->output), o.fd, ip->output, FS_PUT_NEW, NULL,
		       fs_output_mode(ip->iso)) < 0) {
		fs_hold_signals(false);
		ret = WP_ERR_WRITE;
		goto out;
	}
	rep->route = changed ? "in-place" : "copy";
	rep->bytes_written = changed ? o.written : ip->sectors * SECTOR;
	rep->n_edited = n_ed;
	committed(ctx);
	fs_hold_signals(false);
	ret = WP_OK;
out:
	for (size_t i = 0; i < n_ed; i++) {
		close(ed[i].fd);
		wim_change_list_free(&ed[i].c);
	}
	free(ed);
	return ret;
}

int iso_inplace_locate(const char *iso, const char *rel, struct isofs_extent *first,
		       size_t *n_ext)
{
	struct stat st;
	char why[512];
	int fd = open(iso, O_RDONLY | O_CLOEXEC), ret = -1;
	struct isofs *fs = NULL;

	if (fd >= 0 && fstat(fd, &st) == 0 &&
	    (fs = open_fs(&fd, (uint64_t)st.st_size / SECTOR, why, sizeof(why)))) {
		const struct isofs_file *e = isofs_find(fs, rel);
		if (e && !e->dir && e->n_ext) {
			*first = e->ext[0];
			*n_ext = e->n_ext;
			ret = 0;
		}
	}
	isofs_free(fs);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* hive.c - hivex behind the project's own hive API; see hive.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <hivex.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/hive.h"
#include "util/array.h"
#include "util/clock.h"
#include "util/fdio.h"
#include "util/msg.h"

/* Hostile hives can be deep or cyclic; real ones are far below these. */
#define MAX_DEPTH 512
#define MAX_SUBTREE_KEYS 16000000

struct hive {
	hive_h *h;
	bool links_ok;		/* the whole key tree was checked once */
	/* The keys edited (values set, subkeys added or deleted) and those
	 * added, to get the time of the edit on commit: hivex sets no key's
	 * time (a new key gets its parent's) nor the base block's. */
	hive_node *touched;
	size_t n_touched, a_touched;
	bool touch_failed;	/* out of memory: the commit fails */
	char file_name[33];	/* the base block's (hive_header_file_name) */
	char err[512];
};

static void touch(struct hive *h, hive_node n)
{
	if (h->n_touched && h->touched[h->n_touched - 1] == n)
		return;
	if (!ARRAY_GROW(h->touched, h->n_touched + 1, h->a_touched)) {
		h->touch_failed = true;
		return;
	}
	h->touched[h->n_touched++] = n;
}

static int fail(struct hive *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct hive *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
	return -1;
}

static int fail_errno(struct hive *h, const char *what)
{
	return fail(h, "%s: %s", what, strerror(errno ? errno : EIO));
}

const char *hive_error(const struct hive *h)
{
	return h->err;
}

/* The base block: "regf", then primary and secondary sequence numbers.
 * They differ while Windows has a change in flight that only the .LOG
 * files hold; hivex does not replay logs, so editing such a hive would
 * silently drop those changes.  *size gets the file's size. */
static int read_base_block(const char *path, unsigned char *buf, size_t len, uint64_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t r = fstat(fd, &st) == 0 ? pread(fd, buf, len, 0) : -1;
	int saved = errno;
	close(fd);
	errno = saved;
	*size = r < 0 ? 0 : (uint64_t)st.st_size;
	return r == (ssize_t)len ? 0 : -1;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void hive_base_parse(const unsigned char *b, size_t n, struct hive_base *out)
{
	memset(out, 0, sizeof(*out));
	if (n < 512 || memcmp(b, "regf", 4) != 0)
		return;
	out->regf = true;
	out->seq1 = le32(b + 4);
	out->seq2 = le32(b + 8);
	out->type = le32(b + 28);
	/* The XOR of the first 127 dwords, 0 and ~0 being taken by 1 and ~1. */
	uint32_t x = 0;
	for (size_t i = 0; i < 508; i += 4)
		x ^= le32(b + i);
	if (x == UINT32_MAX)
		x = UINT32_MAX - 1;
	else if (x == 0)
		x = 1;
	out->checksum_ok = x == le32(b + 508);
}

int hive_base_read(const char *path, struct hive_base *out, uint64_t *size)
{
	unsigned char buf[512];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	memset(out, 0, sizeof(*out));
	*size = 0;
	if (fd < 0)
		return -1;
	errno = 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int saved = errno;
		close(fd);
		errno = saved ? saved : EINVAL;
		return -1;
	}
	*size = (uint64_t)st.st_size;
	ssize_t r = pread(fd, buf, sizeof(buf), 0);
	int saved = errno;
	close(fd);
	errno = saved;
	if (r < 0)
		return -1;
	hive_base_parse(buf, (size_t)r, out);
	return 0;
}

bool hive_header_is_regf(const unsigned char *head, size_t n)
{
	return n >= 4 && memcmp(head, "regf", 4) == 0;
}

#define BASE_FILE_NAME 0x30
#define BASE_FILE_NAME_LEN 64

void hive_header_file_name(const unsigned char *head, size_t n, char *out, size_t size)
{
	size_t k = 0;

	for (size_t i = BASE_FILE_NAME; i + 1 < n && i + 1 < BASE_FILE_NAME + BASE_FILE_NAME_LEN &&
	     k + 1 < size; i += 2) {
		unsigned c = head[i] | (unsigned)head[i + 1] << 8;
		if (c == 0)
			break;
		out[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (size)
		out[k] = '\0';
}

const char *hive_file_name(const struct hive *h)
{
	return h->file_name;
}

bool hive_size_acceptable(uint64_t size, const char *what, char *err, size_t errlen)
{
	char a[32], b[32];

	if (size <= HIVE_MAX_FILE)
		return true;
	snprintf(err, errlen, "%s is %s, more than any registry hive wimpatch reads (%s of hive "
		 "data; a real SYSTEM hive holds tens of MB): damaged, or not a hive", what,
		 msg_human_size(size, a, sizeof(a)), msg_human_size(HIVE_MAX_DATA, b, sizeof(b)));
	return false;
}

/*
 * The hive bins data size at 0x28 says where the hive ends; hivex reads
 * the whole file into memory anyway.  So, before it does: the size must be
 * whole 4 KiB pages, at most HIVE_MAX_DATA, and the file must hold all of
 * it with at most HIVE_MAX_SLACK of unused space after it (a sparse file
 * of 6 GiB behind a real 20 KiB header cost 6.3 GB of memory).
 */
static bool size_matches_base_block(uint64_t size, const unsigned char *base, char *err,
				    size_t errlen)
{
	uint64_t data = le32(base + 0x28), end = 4096 + data;
	char a[32], b[32], c[32];

	if (data == 0 || data % 4096) {
		snprintf(err, errlen, "damaged: its header gives %" PRIu64 " bytes of hive data, not "
			 "a whole number of 4 KiB pages", data);
		return false;
	}
	if (data > HIVE_MAX_DATA) {
		snprintf(err, errlen, "its header gives %s of hive data, more than wimpatch reads "
			 "(%s; a real SYSTEM hive holds tens of MB): damaged?",
			 msg_human_size(data, a, sizeof(a)), msg_human_size(HIVE_MAX_DATA, b, sizeof(b)));
		return false;
	}
	if (size < end) {
		snprintf(err, errlen, "truncated: its header gives %s of hive data, the file holds "
			 "only %s of it", msg_human_size(data, a, sizeof(a)),
			 msg_human_size(size > 4096 ? size - 4096 : 0, b, sizeof(b)));
		return false;
	}
	if (size - end > HIVE_MAX_SLACK) {
		snprintf(err, errlen, "the file is %s, but its header says the hive ends after %s: "
			 "more than %s of unused space at the end (damaged, or not a hive)",
			 msg_human_size(size, a, sizeof(a)), msg_human_size(end, b, sizeof(b)),
			 msg_human_size(HIVE_MAX_SLACK, c, sizeof(c)));
		return false;
	}
	return true;
}

struct hive *hive_open(const char *path, int flags, char *err, size_t errlen)
{
	unsigned char base[512];
	uint64_t size;

	if (read_base_block(path, base, sizeof(base), &size) < 0) {
		if (errno == 0 || errno == EIO)
			snprintf(err, errlen, "too short to be a registry hive");
		else
			snprintf(err, errlen, "cannot read: %s", strerror(errno));
		return NULL;
	}
	if (memcmp(base, "regf", 4) != 0) {
		snprintf(err, errlen, "not a registry hive (no 'regf' signature)");
		return NULL;
	}
	if (!size_matches_base_block(size, base, err, errlen))
		return NULL;
	if (le32(base + 4) != le32(base + 8) && !(flags & HIVE_ALLOW_DIRTY)) {
		snprintf(err, errlen,
			 "hive is dirty (sequence numbers %u and %u differ): changes may be pending "
			 "in its transaction logs, which wimpatch does not replay; use --allow-dirty "
			 "to edit it anyway",
			 le32(base + 4), le32(base + 8));
		return NULL;
	}

	struct hive *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	hive_header_file_name(base, sizeof(base), h->file_name, sizeof(h->file_name));
	errno = 0;
	h->h = hivex_open(path, (flags & HIVE_WRITABLE) ? HIVEX_OPEN_WRITE : 0);
	if (!h->h) {
		snprintf(err, errlen, "hivex cannot open it (%s): damaged or not a registry hive",
			 strerror(errno ? errno : EINVAL));
		free(h);
		return NULL;
	}
	return h;
}

void hive_close(struct hive *h)
{
	if (!h)
		return;
	hivex_close(h->h);
	free(h->touched);
	free(h);
}

hive_node hive_root(struct hive *h)
{
	return hivex_root(h->h);
}

char *hive_node_name(struct hive *h, hive_node n)
{
	errno = 0;
	char *s = hivex_node_name(h->h, n);
	if (!s)
		fail_errno(h, "cannot read key name");
	return s;
}

int hive_child(struct hive *h, hive_node parent, const char *name, hive_node *out)
{
	errno = 0;
	*out = hivex_node_get_child(h->h, parent, name);
	if (*out == 0 && errno != 0)
		return fail_errno(h, "cannot read subkeys");
	return 0;
}

int hive_children(struct hive *h, hive_node parent, hive_node **out, size_t *n)
{
	errno = 0;
	hive_node_h *c = hivex_node_children(h->h, parent);
	if (!c)
		return fail_errno(h, "cannot list subkeys");
	size_t i = 0;
	while (c[i])
		i++;
	*out = c;
	*n = i;
	return 0;
}

int hive_add_child(struct hive *h, hive_node parent, const char *name, hive_node *out)
{
	errno = 0;
	*out = hivex_node_add_child(h->h, parent, name);
	if (*out == 0)
		return fail_errno(h, "cannot create key");
	touch(h, parent);
	touch(h, *out);
	return 0;
}

static int walk_subtree(struct hive *h, hive_node n, unsigned depth, size_t *keys,
			size_t *values)
{
	if (depth > MAX_DEPTH)
		return fail(h, "key tree deeper than %d levels (damaged hive?)", MAX_DEPTH);
	if (++*keys > MAX_SUBTREE_KEYS)
		return fail(h, "more than %d keys in one subtree (damaged hive?)", MAX_SUBTREE_KEYS);
	errno = 0;
	size_t nv = hivex_node_nr_values(h->h, n);
	if (nv == 0 && errno)
		return fail_errno(h, "cannot count values");
	*values += nv;

	hive_node *c;
	size_t nc;
	if (hive_children(h, n, &c, &nc) < 0)
		return -1;
	for (size_t i = 0; i < nc; i++) {
		errno = 0;
		hive_node p = hivex_node_parent(h->h, c[i]);
		if (p != n) {
			char *name = hivex_node_name(h->h, c[i]);
			fail(h, "key '%s' is also linked from another parent (damaged hive): "
				"deleting it would corrupt the hive", name ? name : "?");
			free(name);
			free(c);
			return -1;
		}
		if (walk_subtree(h, c[i], depth + 1, keys, values) < 0) {
			free(c);
			return -1;
		}
	}
	free(c);
	return 0;
}

int hive_subtree_stats(struct hive *h, hive_node n, size_t *keys, size_t *values)
{
	*keys = *values = 0;
	return walk_subtree(h, n, 0, keys, values);
}

/*
 * hivex trusts the subkey lists: a key cell listed under two parents (a
 * damaged hive) is freed by deleting it under one, and the other parent
 * then points at garbage.  Before the first delete, walk the whole tree
 * once and refuse if any key's parent link disagrees with the list it was
 * found in: that is how such sharing shows.
 */
static int check_links(struct hive *h)
{
	size_t keys = 0, values = 0;

	if (h->links_ok)
		return 0;
	if (walk_subtree(h, hivex_root(h->h), 0, &keys, &values) < 0)
		return -1;
	h->links_ok = true;
	return 0;
}

int hive_delete_key(struct hive *h, hive_node n)
{
	if (n == hivex_root(h->h))
		return fail(h, "refusing to delete the root key");
	if (check_links(h) < 0)
		return -1;
	errno = 0;
	hive_node parent = hivex_node_parent(h->h, n);
	if (parent == 0)
		return fail_errno(h, "cannot read the key's parent");
	if (hivex_node_delete_child(h->h, n) < 0)
		return fail_errno(h, "cannot delete key");
	touch(h, parent);
	return 0;
}

static int read_value(struct hive *h, hive_value_h vh, struct hive_value *out)
{
	hive_type t;
	size_t len;

	errno = 0;
	out->name = hivex_value_key(h->h, vh);
	if (!out->name)
		return fail_errno(h, "cannot read value name");
	errno = 0;
	char *data = hivex_value_value(h->h, vh, &t, &len);
	if (!data) {
		fail_errno(h, "cannot read value data");
		free(out->name);
		out->name = NULL;
		return -1;
	}
	out->val.type = (uint32_t)t;
	out->val.len = len;
	out->val.data = (unsigned char *)data;
	return 0;
}

void hive_values_free(struct hive_value *v, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		free(v[i].name);
		regval_free(&v[i].val);
	}
	free(v);
}

int hive_values(struct hive *h, hive_node n, struct hive_value **out, size_t *count)
{
	errno = 0;
	hive_value_h *vs = hivex_node_values(h->h, n);
	if (!vs)
		return fail_errno(h, "cannot list values");
	size_t nv = 0;
	while (vs[nv])
		nv++;
	struct hive_value *arr = calloc(nv ? nv : 1, sizeof(*arr));
	if (!arr) {
		free(vs);
		return fail(h, "out of memory");
	}
	for (size_t i = 0; i < nv; i++) {
		if (read_value(h, vs[i], &arr[i]) < 0) {
			hive_values_free(arr, i);
			free(vs);
			return -1;
		}
	}
	free(vs);
	*out = arr;
	*count = nv;
	return 0;
}

int hive_get_value(struct hive *h, hive_node n, const char *name,
		   struct regval *out, char **stored_name, bool *found)
{
	errno = 0;
	hive_value_h vh = hivex_node_get_value(h->h, n, name);
	*found = false;
	if (vh == 0) {
		if (errno)
			return fail_errno(h, "cannot read values");
		return 0;
	}
	struct hive_value hv;
	if (read_value(h, vh, &hv) < 0)
		return -1;
	*out = hv.val;
	if (stored_name)
		*stored_name = hv.name;
	else
		free(hv.name);
	*found = true;
	return 0;
}

int hive_put_value(struct hive *h, hive_node n, const char *name, const struct regval *v)
{
	struct regval old;
	char *stored = NULL;
	bool found;

	/* hivex replaces a case-insensitive match under the name we pass:
	 * pass the stored spelling so "crashdumpenabled" in a profile does
	 * not rename Windows' "CrashDumpEnabled". */
	if (hive_get_value(h, n, name, &old, &stored, &found) < 0)
		return -1;
	if (found)
		regval_free(&old);
	hive_set_value hv = {
		.key = (char *)(found ? stored : name),
		.t = (hive_type)v->type,
		.len = v->len,
		.value = (char *)v->data,
	};
	errno = 0;
	int r = hivex_node_set_value(h->h, n, &hv, 0);
	free(stored);
	if (r < 0)
		return fail_errno(h, "cannot set value");
	touch(h, n);
	return 0;
}

int hive_set_values(struct hive *h, hive_node n, const struct hive_value *v, size_t count)
{
	hive_set_value *sv = calloc(count ? count : 1, sizeof(*sv));
	if (!sv)
		return fail(h, "out of memory");
	for (size_t i = 0; i < count; i++) {
		sv[i].key = v[i].name;
		sv[i].t = (hive_type)v[i].val.type;
		sv[i].len = v[i].val.len;
		sv[i].value = (char *)v[i].val.data;
	}
	errno = 0;
	int r = hivex_node_set_values(h->h, n, count, sv, 0);
	free(sv);
	if (r < 0)
		return fail_errno(h, "cannot rewrite values");
	touch(h, n);
	return 0;
}

/* A hive wimpatch could not read back is no result: say why it grew. */
static int check_written_size(struct hive *h, const char *path)
{
	struct stat st;
	char a[32], b[32];

	if (stat(path, &st) < 0)
		return fail_errno(h, "cannot read the written hive's size");
	if ((uint64_t)st.st_size <= HIVE_MAX_FILE)
		return 0;
	return fail(h, "the edited hive is %s, more than wimpatch reads (%s of hive data); hivex "
		    "never reuses the cells it leaves, and writes a new copy of a key's subkey "
		    "list for each subkey it adds (wimpatch creates many keys under one key at "
		    "once only when their names are plain ASCII)",
		    msg_human_size((uint64_t)st.st_size, a, sizeof(a)),
		    msg_human_size(HIVE_MAX_DATA, b, sizeof(b)));
}

/* ------------------------------------------------------------------ */
/* Times, written into the file hivex wrote (it has no call for them) */

static void put_le64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* The key cell at `n` (a file offset, as hivex's handles are) gets time
 * `t`, if it is still a key in use: one that was edited and then deleted
 * with its parent is a free cell now, left alone. */
static int stamp_key(struct hive *h, int fd, off_t size, hive_node n, uint64_t t)
{
	unsigned char cell[16];

	if ((off_t)n < 4096 || (off_t)n > size - (off_t)sizeof(cell))
		return 0;
	if (pread(fd, cell, sizeof(cell), (off_t)n) != (ssize_t)sizeof(cell))
		return fail_errno(h, "cannot read back the written hive");
	if (!(cell[3] & 0x80) || cell[4] != 'n' || cell[5] != 'k')
		return 0;	/* a free cell, or no longer a key */
	put_le64(cell + 8, t);	/* nk: size, "nk", flags, last written */
	if (pwrite_full(fd, cell + 8, 8, (off_t)n + 8) < 0)
		return fail_errno(h, "cannot write key times into the hive");
	/* Read back: no reader of the hive would notice a wrong time. */
	unsigned char back[8];
	if (pread_full(fd, back, sizeof(back), (off_t)n + 8) != (ssize_t)sizeof(back) ||
	    memcmp(back, cell + 8, sizeof(back)) != 0)
		return fail(h, "verification failed: a key's time does not read back as written");
	return 0;
}

/* The base block's last-written time, and its checksum (the XOR of its
 * first 127 dwords, as hivex computes it). */
static int stamp_base_block(struct hive *h, int fd, uint64_t t)
{
	unsigned char b[512];
	uint32_t sum = 0;

	if (pread(fd, b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return fail_errno(h, "cannot read back the written hive");
	put_le64(b + 12, t);
	for (int i = 0; i < 127; i++)
		sum ^= le32(b + 4 * i);
	for (int i = 0; i < 4; i++)
		b[508 + i] = (unsigned char)(sum >> (8 * i));
	if (pwrite_full(fd, b, sizeof(b), 0) < 0)
		return fail_errno(h, "cannot write the hive's base block");
	return 0;
}

/* The edited and added keys and the base block get the time of the run
 * (util/clock.h: SOURCE_DATE_EPOCH's if set), as Windows gives them;
 * keys not edited keep theirs. */
static int stamp_times(struct hive *h, const char *path)
{
	struct stat st;
	int ret = -1;

	if (h->touch_failed)
		return fail(h, "out of memory");
	if (h->n_touched == 0)
		return 0;
	uint64_t t = clock_filetime(wp_now());
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return fail_errno(h, "cannot open the written hive");
	if (fstat(fd, &st) < 0) {
		fail_errno(h, "cannot read the written hive's size");
		goto out;
	}
	for (size_t i = 0; i < h->n_touched; i++)
		if (stamp_key(h, fd, st.st_size, h->touched[i], t) < 0)
			goto out;
	ret = stamp_base_block(h, fd, t);
out:
	if (close(fd) < 0 && ret == 0)
		ret = fail_errno(h, "cannot write key times into the hive");
	return ret;
}

/* Does the file hivex wrote hold, past its base block, the bytes hivex
 * has in memory?  hivex writes them once more, into memory, to compare:
 * its readers (ours, hivexget, reglookup) look at the cells they walk,
 * and a byte gone wrong elsewhere (a security cell, a value no rule
 * touched) would pass them.  The base blocks differ by design (each
 * commit counts its sequence numbers up); hive_open checks that one. */
static int check_written_bytes(struct hive *h, const char *path)
{
	enum { BASE = 4096, CHUNK = 1 << 16 };
	char again[64], *a = malloc(CHUNK), *b = malloc(CHUNK);
	int mem = memfd_create("wimpatch-hive-check", MFD_CLOEXEC);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret = -1;
	struct stat sa, sb;

	snprintf(again, sizeof(again), "/proc/self/fd/%d", mem);
	if (!a || !b || mem < 0 || fd < 0 || hivex_commit(h->h, again, 0) < 0 ||
	    fstat(fd, &sa) < 0 || fstat(mem, &sb) < 0) {
		fail_errno(h, "cannot read the written hive back");
		goto out;
	}
	if (sa.st_size != sb.st_size) {
		fail(h, "verification failed: the written hive has %lld bytes, not %lld",
		     (long long)sa.st_size, (long long)sb.st_size);
		goto out;
	}
	for (off_t off = BASE; off < sa.st_size; off += CHUNK) {
		size_t n = sa.st_size - off < CHUNK ? (size_t)(sa.st_size - off) : CHUNK;
		if (pread_full(fd, a, n, off) != (ssize_t)n || pread_full(mem, b, n, off) != (ssize_t)n ||
		    memcmp(a, b, n) != 0) {
			fail(h, "verification failed: the written hive differs from what was written "
			     "near offset %lld", (long long)off);
			goto out;
		}
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (mem >= 0)
		close(mem);
	free(a);
	free(b);
	return ret;
}

int hive_commit(struct hive *h, const char *path)
{
	errno = 0;
	if (hivex_commit(h->h, path, 0) < 0)
		return fail_errno(h, "cannot write hive");
	if (check_written_bytes(h, path) < 0 || stamp_times(h, path) < 0)
		return -1;
	return check_written_size(h, path);
}

/* ------------------------------------------------------------------ */
/* Many subkeys at once, written as cells of our own                   */

/*
 * hivex_node_add_child() decodes the name of every subkey of the parent
 * (twice: to refuse a duplicate, to find the sorted place) and writes a
 * new copy of the parent's subkey list, never reusing the old one: N new
 * keys under one parent cost N² in time and in hive size (5000 made
 * 110 MB).  hive_add_children() instead writes the hive out (into a
 * memfd), appends one hbin holding every new key cell and each parent's
 * new subkey list (the old one freed), and reads it back in: hivex's
 * handles are file offsets, which this keeps.  The cells are the ones
 * hivex writes for a new key: a compressed (ASCII) name, the parent's
 * security cell (its reference count raised) and time, no values, no
 * class; the lists are lh lists sorted as hivex sorts (ASCII upper-cased,
 * byte order), of at most LH_MAX entries, under an ri list when more.
 */
#define CELL_NK 80		/* a key cell without its name */
#define LH_MAX 512
/* hivex refuses to list the subkeys of a key that has more (ERANGE). */
#define HIVEX_SUBKEYS_MAX 70000

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put_le16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* What hivex writes as a compressed name, and we write here. */
static bool batchable_name(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 255)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e || *s == '\\')
			return false;
	return true;
}

/* hivex's order of subkeys (compare_name_with_nk_name). */
static int name_cmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = toupper((unsigned char)*a), y = toupper((unsigned char)*b);
		if (x != y)
			return x < y ? -1 : 1;
		if (!x)
			return 0;
	}
}

static uint32_t lh_hash(const char *s)
{
	uint32_t h = 0;
	for (; *s; s++)
		h = h * 37 + (uint32_t)toupper((unsigned char)*s);
	return h;
}

/* One parent's subkeys after the batch, in order. */
struct kid {
	hive_node node;		/* 0 until a new key's cell is placed */
	const char *name;
	size_t in;		/* a new key: its index in the caller's arrays */
};

struct fam {
	hive_node parent;
	struct kid *kids;
	size_t n;
	char **old_names;	/* the existing subkeys' names (freed) */
	size_t n_old;
};

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static bool cell_ok(const unsigned char *b, size_t size, size_t off, size_t need)
{
	if (off < 4096 + 32 || off % 8 || off + need > size)
		return false;
	int32_t len = (int32_t)le32(b + off);
	return len < 0 && (size_t)-(int64_t)len >= need;
}

static void free_cell(unsigned char *b, size_t off)
{
	int32_t len = (int32_t)le32(b + off);
	if (len < 0)
		put_le32(b + off, (uint32_t)-len);
}

/* Free the old subkey list at `lst` (an ri list's lists too). */
static void free_old_list(unsigned char *b, size_t size, uint32_t rel)
{
	size_t off = (size_t)rel + 4096;

	if (rel == UINT32_MAX || !cell_ok(b, size, off, 8))
		return;
	if (b[off + 4] == 'r' && b[off + 5] == 'i') {
		size_t n = le16(b + off + 6);
		if (cell_ok(b, size, off, 8 + 4 * n))
			for (size_t i = 0; i < n; i++) {
				size_t sub = (size_t)le32(b + off + 8 + 4 * i) + 4096;
				if (cell_ok(b, size, sub, 8))
					free_cell(b, sub);
			}
	}
	free_cell(b, off);
}

/* Bytes of the lists of a family of n subkeys. */
static size_t lists_size(size_t n)
{
	size_t chunks = (n + LH_MAX - 1) / LH_MAX, sz = 0;
	for (size_t c = 0; c < chunks; c++) {
		size_t k = n - c * LH_MAX < LH_MAX ? n - c * LH_MAX : LH_MAX;
		sz += align8(8 + 8 * k);
	}
	return sz + (chunks > 1 ? align8(8 + 4 * chunks) : 0);
}

static size_t put_cell(unsigned char *b, size_t *at, size_t len, const char *id)
{
	size_t off = *at;
	len = align8(len);
	memset(b + off, 0, len);
	put_le32(b + off, (uint32_t)-(int32_t)len);
	if (id)
		memcpy(b + off + 4, id, 2);
	*at += len;
	return off;
}

/* Write a family's lists at *at; the offset of its top list. */
static size_t put_lists(unsigned char *b, size_t *at, const struct fam *f)
{
	size_t chunks = (f->n + LH_MAX - 1) / LH_MAX, first = 0, ri = 0;
	if (chunks > 1) {
		ri = put_cell(b, at, 8 + 4 * chunks, "ri");
		put_le16(b + ri + 6, (uint16_t)chunks);
	}
	for (size_t c = 0; c < chunks; c++) {
		size_t k = f->n - c * LH_MAX < LH_MAX ? f->n - c * LH_MAX : LH_MAX;
		size_t lh = put_cell(b, at, 8 + 8 * k, "lh");
		put_le16(b + lh + 6, (uint16_t)k);
		for (size_t i = 0; i < k; i++) {
			const struct kid *kd = &f->kids[c * LH_MAX + i];
			put_le32(b + lh + 8 + 8 * i, (uint32_t)(kd->node - 4096));
			put_le32(b + lh + 12 + 8 * i, lh_hash(kd->name));
		}
		if (chunks > 1)
			put_le32(b + ri + 8 + 4 * c, (uint32_t)(lh - 4096));
		else
			first = lh;
	}
	return chunks > 1 ? ri : first;
}

static int fam_cmp_kid(const void *a, const void *b)
{
	return name_cmp(((const struct kid *)a)->name, ((const struct kid *)b)->name);
}

static void fams_free(struct fam *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].kids);
		for (size_t j = 0; j < f[i].n_old; j++)
			free(f[i].old_names[j]);
		free(f[i].old_names);
	}
	free(f);
}

/* The family of `parent`: its subkeys, then the new ones merged in. */
static int fam_build(struct hive *h, struct fam *f, hive_node parent, const size_t *idx,
		     size_t k, const char *const *names)
{
	hive_node *old;
	size_t n_old;
	struct kid *fresh = calloc(k ? k : 1, sizeof(*fresh));

	f->parent = parent;
	if (!fresh)
		return fail(h, "out of memory");
	for (size_t i = 0; i < k; i++)
		fresh[i] = (struct kid){ 0, names[idx[i]], idx[i] };
	qsort(fresh, k, sizeof(*fresh), fam_cmp_kid);
	if (hive_children(h, parent, &old, &n_old) < 0) {
		free(fresh);
		return -1;
	}
	if (n_old + k > HIVEX_SUBKEYS_MAX) {
		free(old);
		free(fresh);
		return fail(h, "cannot give a key %zu subkeys: hivex reads at most %d subkeys of a "
			    "key", n_old + k, HIVEX_SUBKEYS_MAX);
	}
	f->kids = calloc(n_old + k, sizeof(*f->kids));
	f->old_names = calloc(n_old ? n_old : 1, sizeof(char *));
	int ret = f->kids && f->old_names ? 0 : fail(h, "out of memory");
	for (size_t i = 0; i < n_old && ret == 0; i++)
		if (!(f->old_names[f->n_old++] = hive_node_name(h, old[i])))
			ret = -1;
	/* Merge: the existing order is kept as the hive has it. */
	size_t a = 0, b = 0;
	while (ret == 0 && (a < n_old || b < k)) {
		int c = a == n_old ? 1 : b == k ? -1 : name_cmp(f->old_names[a], fresh[b].name);
		if (c == 0)
			ret = fail(h, "cannot create key '%s': it exists", fresh[b].name);
		else if (c < 0)
			f->kids[f->n++] = (struct kid){ old[a], f->old_names[a], SIZE_MAX }, a++;
		else
			f->kids[f->n++] = fresh[b++];
	}
	free(old);
	free(fresh);
	return ret;
}

/* Place a family's new key cells and lists at *at in b (the hive file,
 * `end` bytes of it in use before the new hbin). */
static int fam_place(struct hive *h, unsigned char *b, size_t end, size_t *at, struct fam *f,
		     hive_node *out)
{
	size_t p = f->parent;

	if (!cell_ok(b, end, p, CELL_NK) || b[p + 4] != 'n' || b[p + 5] != 'k')
		return fail(h, "key cell at 0x%zx damaged", p);
	uint32_t sk_rel = le32(b + p + 48);
	size_t sk = (size_t)sk_rel + 4096;
	if (!cell_ok(b, end, sk, 24) || b[sk + 4] != 's' || b[sk + 5] != 'k')
		return fail(h, "the security cell of key 0x%zx is damaged", p);
	uint16_t max_name = le16(b + p + 56);
	for (size_t i = 0; i < f->n; i++) {
		struct kid *kd = &f->kids[i];
		if (kd->in == SIZE_MAX)
			continue;
		size_t len = strlen(kd->name);
		size_t nk = put_cell(b, at, CELL_NK + len, "nk");
		put_le16(b + nk + 6, 0x20);	/* the name is ASCII */
		memcpy(b + nk + 8, b + p + 8, 8);	/* the parent's time */
		put_le32(b + nk + 20, (uint32_t)(p - 4096));
		put_le32(b + nk + 32, UINT32_MAX);	/* no subkeys */
		put_le32(b + nk + 36, UINT32_MAX);
		put_le32(b + nk + 44, UINT32_MAX);	/* no values */
		put_le32(b + nk + 48, sk_rel);
		put_le32(b + nk + 52, UINT32_MAX);	/* no class */
		put_le16(b + nk + 76, (uint16_t)len);
		memcpy(b + nk + 80, kd->name, len);
		kd->node = nk;
		out[kd->in] = nk;
		put_le32(b + sk + 16, le32(b + sk + 16) + 1);
		if (2 * len > max_name)
			max_name = (uint16_t)(2 * len);
	}
	free_old_list(b, end, le32(b + p + 32));
	size_t top = put_lists(b, at, f);
	put_le32(b + p + 24, (uint32_t)f->n);
	put_le32(b + p + 32, (uint32_t)(top - 4096));
	put_le16(b + p + 56, max_name);
	return 0;
}

/* The hive written to `fd` (a memfd, `path` its /proc name) with the new
 * hbin appended, read in again as h's hive. */
static int rewrite_with(struct hive *h, int fd, const char *path, struct fam *f, size_t nf,
			size_t new_bytes, hive_node *out)
{
	struct stat st;
	unsigned char *b = NULL;
	int ret = -1;

	errno = 0;
	if (hivex_commit(h->h, path, 0) < 0 || fstat(fd, &st) < 0 || st.st_size < 4096)
		return fail_errno(h, "cannot write the hive out to add keys");
	size_t size = (size_t)st.st_size, end;
	unsigned char base[512];
	if (pread(fd, base, sizeof(base), 0) != (ssize_t)sizeof(base))
		return fail_errno(h, "cannot read the hive back");
	end = 4096 + (size_t)le32(base + 0x28);
	size_t hbin = (32 + new_bytes + 4095) & ~(size_t)4095;
	if (end > size || end + hbin > HIVE_MAX_FILE)
		return fail(h, "the hive would grow past %" PRIu64 " bytes", (uint64_t)HIVE_MAX_FILE);
	if (!(b = malloc(end + hbin)))
		return fail(h, "out of memory");
	if (pread(fd, b, end, 0) != (ssize_t)end) {
		fail_errno(h, "cannot read the hive back");
		goto out;
	}
	memset(b + end, 0, hbin);
	memcpy(b + end, "hbin", 4);
	put_le32(b + end + 4, (uint32_t)(end - 4096));
	put_le32(b + end + 8, (uint32_t)hbin);
	size_t at = end + 32;
	for (size_t i = 0; i < nf; i++)
		if (fam_place(h, b, end, &at, &f[i], out) < 0)
			goto out;
	if (at < end + hbin)
		put_le32(b + at, (uint32_t)(end + hbin - at));	/* the rest: one free cell */
	put_le32(b + 0x28, (uint32_t)(end + hbin - 4096));
	uint32_t sum = 0;
	for (int i = 0; i < 127; i++)
		sum ^= le32(b + 4 * i);
	put_le32(b + 508, sum);
	if (ftruncate(fd, 0) < 0 || pwrite(fd, b, end + hbin, 0) != (ssize_t)(end + hbin)) {
		fail_errno(h, "cannot write the hive out to add keys");
		goto out;
	}
	errno = 0;
	hive_h *nh = hivex_open(path, HIVEX_OPEN_WRITE);
	if (!nh) {
		fail_errno(h, "hivex cannot read the hive with the keys added");
		goto out;
	}
	hivex_close(h->h);
	h->h = nh;
	ret = 0;
out:
	free(b);
	return ret;
}

static int by_parent(const void *a, const void *b, void *parents)
{
	const hive_node *p = parents;
	hive_node x = p[*(const size_t *)a], y = p[*(const size_t *)b];
	return x < y ? -1 : x > y;
}

int hive_add_children(struct hive *h, const hive_node *parents, const char *const *names,
		      size_t n, hive_node *out)
{
	size_t *idx = calloc(n ? n : 1, sizeof(*idx)), k = 0, nf = 0, bytes = 0;
	struct fam *f = calloc(n ? n : 1, sizeof(*f));
	int fd = -1, ret = -1;
	char path[64];

	if (!idx || !f) {
		fail(h, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		out[i] = 0;
		if (batchable_name(names[i]))
			idx[k++] = i;
	}
	qsort_r(idx, k, sizeof(*idx), by_parent, (void *)parents);
	for (size_t i = 0; i < k;) {
		size_t j = i;
		while (j < k && parents[idx[j]] == parents[idx[i]])
			j++;
		if (fam_build(h, &f[nf++], parents[idx[i]], idx + i, j - i, names) < 0)
			goto out;
		bytes += lists_size(f[nf - 1].n);
		for (size_t m = i; m < j; m++)
			bytes += align8(CELL_NK + strlen(names[idx[m]]));
		i = j;
	}
	if (k) {
		if ((fd = memfd_create("wimpatch-hive", MFD_CLOEXEC)) < 0) {
			fail_errno(h, "cannot make a memory file to add keys");
			goto out;
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		if (rewrite_with(h, fd, path, f, nf, bytes, out) < 0)
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (!out[i] && hive_add_child(h, parents[i], names[i], &out[i]) < 0)
			goto out;
		touch(h, parents[i]);
		touch(h, out[i]);
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	fams_free(f, nf);
	free(idx);
	return ret;
}

/*
 * unit-bcd.c - BCD stores (src/targets/bcd_*.c and src/core/bcd_syntax.c over
 * src/adapters/hive.c).
 *
 * Every recipe is applied to a fresh copy of a store, written, and read
 * back: the whole store (every key, every value with type and bytes) must
 * differ from the original by exactly the expected element keys and
 * values, the recorded changes must be exactly that difference with BCD
 * notes, and applying the recipe again to what was written must record
 * nothing.  Bad parameters and unsuitable stores must be refused with a
 * clear reason before anything is touched.
 *
 * Environment: MKHIVE (tests/mkhive; the test is skipped without it)
 * builds the stores from tests/fixtures/bcd-*.reg under $top_srcdir (or
 * the current directory); the real stores in $top_srcdir/../shared/
 * testdata/bcd are used when present.  Scratch files go to a private
 * directory under $TMPDIR (or /tmp) that is removed at the end.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "targets/bcd.h"
#include "core/bcd_syntax.h"
#include "core/change.h"
#include "adapters/hive.h"
#include "util/msg.h"
#include "core/regval.h"
#include "tap.h"

#define G_BOOTMGR "{9dea862c-5cdd-4e70-acc1-f32b344d4795}"
#define G_DBG "{4636856e-540f-4170-a130-a84776f4c654}"
#define G_GLOBAL "{7ea2e1ac-2e61-4728-aaa3-896d9d0a9f0e}"
#define G_EMS "{0ce4991b-e6b3-4b16-b23c-5e0d9250e5d9}"
#define G_BADMEM "{5189b25c-5558-4bf2-bca4-289b11bd29e2}"
#define G_MEMDIAG "{b2721d73-1db4-4c62-bf78-c548a880142d}"
#define G_MEMDIAG_STORED "{B2721D73-1DB4-4C62-BF78-C548A880142D}"
#define G_SETUP "{7619dcc9-fafe-11d9-b411-000476eba25f}"
#define G_RAMDISK "{7619dcc8-fafe-11d9-b411-000476eba25f}"
#define G_BLS "{6efb52bf-1766-41db-a6b3-0ee5eff72bd7}"
#define G_FWBOOTMGR "{a5a30fa2-3d06-4e9f-b5f4-a01df9d1fcba}"
/* bcd-twoloaders.reg: the second loader (key in upper case) and a resume loader. */
#define G_PE "{3d1f2b9e-8c4a-4e57-b0d2-6a1c9e7f0b15}"
#define G_PE_STORED "{3D1F2B9E-8C4A-4E57-B0D2-6A1C9E7F0B15}"
#define G_RESUME "{3d1f2b9f-8c4a-4e57-b0d2-6a1c9e7f0b15}"

static char tmpdir[4096];
static char *media, *nodbg, *empty, *notbcd;	/* stores built from the fixture specs */
static char *twoloaders;
static char *realdir;				/* NULL when the real stores are absent */

/* ------------------------------------------------------------ helpers */

/* Strings that live until the end of the test. */
static char **pool;
static size_t n_pool;

static char *keep(char *s)
{
	char **np = realloc(pool, (n_pool + 1) * sizeof(*pool));
	if (!s || !np)
		bail_out("out of memory");
	pool = np;
	pool[n_pool++] = s;
	return s;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	va_list ap;
	char *s;
	va_start(ap, f);
	int r = vasprintf(&s, f, ap);
	va_end(ap);
	if (r < 0)
		bail_out("out of memory");
	return s;
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t r;
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		diag("cannot open %s: %s", from, strerror(errno));
		bail_out("cannot read a store");
	}
	unlink(to);
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		diag("cannot create %s: %s", to, strerror(errno));
		bail_out("cannot copy a store");
	}
	while ((r = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)r) != r)
			bail_out("short write while copying a store");
	if (r < 0 || close(out) < 0)
		bail_out("error while copying a store");
	close(in);
}

static void mkhive(const char *out, const char *spec, const char *root)
{
	const char *prog = getenv("MKHIVE");
	int status;
	pid_t pid = fork();

	if (pid < 0)
		bail_out("fork failed");
	if (pid == 0) {
		execl(prog, prog, out, spec, root, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		diag("%s %s %s %s failed", prog, out, spec, root);
		bail_out("cannot build a fixture store");
	}
}

static struct hive *open_store(const char *path, int flags)
{
	char err[512];
	struct hive *h = hive_open(path, flags, err, sizeof(err));
	if (!h) {
		diag("%s: %s", path, err);
		bail_out("cannot open a store");
	}
	return h;
}

/* Redirect fd 2 into a file while something runs; returns what it wrote. */
static int saved_fd = -1;
static char *cap_file;

static void capture_start(void)
{
	fflush(stderr);
	cap_file = fmt("%s/stderr.txt", tmpdir);
	saved_fd = dup(2);
	int fd = open(cap_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (saved_fd < 0 || fd < 0 || dup2(fd, 2) < 0)
		bail_out("cannot redirect stderr");
	close(fd);
}

static char *capture_end(void)
{
	static char buf[8192];
	fflush(stderr);
	dup2(saved_fd, 2);
	close(saved_fd);
	FILE *f = fopen(cap_file, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	unlink(cap_file);
	free(cap_file);
	return buf;
}

/* -------------------------------------------------- whole-store dumps */

struct lines {
	char **v;
	size_t n;
};

static void lines_add(struct lines *l, char *s)
{
	char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));
	if (!s || !nv)
		bail_out("out of memory");
	l->v = nv;
	l->v[l->n++] = s;
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static char *hex(const unsigned char *p, size_t n)
{
	char *s = malloc(3 * n + 1);
	if (!s)
		bail_out("out of memory");
	s[0] = '\0';
	for (size_t i = 0; i < n; i++)
		sprintf(s + strlen(s), "%s%02x", i ? " " : "", p[i]);
	return s;
}

static char *value_line(char sign, const char *key, const char *name, const struct regval *v)
{
	char *h = hex(v->data, v->len);
	char *s = fmt("%s[%s] \"%s\" %s %s", sign ? (sign == '+' ? "+" : "-") : "", key, name,
		      regtype_name(v->type), h);
	free(h);
	return s;
}

static void dump_node(struct hive *h, hive_node n, const char *path, struct lines *l)
{
	struct hive_value *vals;
	size_t nv, nc;
	hive_node *kids;

	lines_add(l, fmt("[%s]", path));
	if (hive_values(h, n, &vals, &nv) < 0)
		bail_out("cannot list values while dumping a store");
	for (size_t i = 0; i < nv; i++)
		lines_add(l, value_line(0, path, vals[i].name, &vals[i].val));
	hive_values_free(vals, nv);
	if (hive_children(h, n, &kids, &nc) < 0)
		bail_out("cannot list keys while dumping a store");
	for (size_t i = 0; i < nc; i++) {
		char *name = hive_node_name(h, kids[i]);
		if (!name)
			bail_out("cannot read a key name while dumping a store");
		char *sub = path[0] ? fmt("%s\\%s", path, name) : fmt("%s", name);
		dump_node(h, kids[i], sub, l);
		free(sub);
		free(name);
	}
	free(kids);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Diff lines "+x"/"-x": ordered by x, then sign. */
static int cmp_diff(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	int r = strcmp(x + 1, y + 1);
	return r ? r : (x[0] == '-' ? -1 : 1) * (x[0] != y[0]);
}

/* Every key and value of the hive, sorted. */
static struct lines dump_hive(struct hive *h)
{
	struct lines l = { 0 };
	dump_node(h, hive_root(h), "", &l);
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), cmp_str);
	return l;
}

static char *join_diff(struct lines *d)
{
	size_t len = 1;
	if (d->n > 1)
		qsort(d->v, d->n, sizeof(*d->v), cmp_diff);
	for (size_t i = 0; i < d->n; i++)
		len += strlen(d->v[i]) + 1;
	char *s = malloc(len);
	if (!s)
		bail_out("out of memory");
	s[0] = '\0';
	for (size_t i = 0; i < d->n; i++) {
		strcat(s, d->v[i]);
		strcat(s, "\n");
	}
	return s;
}

/* What changed from a to b: "-line" and "+line", sorted, one per line. */
static char *diff_dumps(const struct lines *a, const struct lines *b)
{
	struct lines d = { 0 };
	size_t i = 0, j = 0;
	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 : strcmp(a->v[i], b->v[j]);
		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			lines_add(&d, fmt("-%s", a->v[i++]));
		} else {
			lines_add(&d, fmt("+%s", b->v[j++]));
		}
	}
	char *s = join_diff(&d);
	lines_free(&d);
	return s;
}

/* The same difference as the change list tells it. */
static char *diff_recorded(const struct changelist *cl)
{
	struct lines d = { 0 };
	for (size_t i = 0; i < cl->n; i++) {
		const struct change *c = &cl->v[i];
		switch (c->kind) {
		case CH_KEY_ADDED:
			lines_add(&d, fmt("+[%s]", c->key));
			break;
		case CH_KEY_DELETED:
			lines_add(&d, fmt("-[%s]", c->key));
			break;
		case CH_VALUE_SET:
			if (c->has_old)
				lines_add(&d, value_line('-', c->key, c->name, &c->old));
			lines_add(&d, value_line('+', c->key, c->name, &c->new));
			break;
		case CH_VALUE_DELETED:
			lines_add(&d, value_line('-', c->key, c->name, &c->old));
			break;
		}
	}
	char *s = join_diff(&d);
	lines_free(&d);
	return s;
}

/* ------------------------------------------------ expected differences */

static const char *u64hex(uint64_t x)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(x >> (8 * i));
	return keep(hex(b, 8));
}

/* UTF-16LE of ASCII text, with its NUL. */
static const char *szhex(const char *s)
{
	size_t n = strlen(s);
	unsigned char *b = calloc(2 * n + 2, 1);
	if (!b)
		bail_out("out of memory");
	for (size_t i = 0; i < n; i++)
		b[2 * i] = (unsigned char)s[i];
	char *r = keep(hex(b, 2 * n + 2));
	free(b);
	return r;
}

/* REG_MULTI_SZ of up to three ASCII strings (NULL ends the list). */
static const char *multihex(const char *a, const char *b, const char *c)
{
	const char *v[3] = { a, b, c };
	unsigned char buf[1024];
	size_t n = 0;
	for (int i = 0; i < 3 && v[i]; i++) {
		for (const char *p = v[i]; *p; p++) {
			buf[n++] = (unsigned char)*p;
			buf[n++] = 0;
		}
		buf[n++] = 0;
		buf[n++] = 0;
	}
	buf[n++] = 0;
	buf[n++] = 0;
	return keep(hex(buf, n));
}

static void ex_line(struct lines *e, char *s)
{
	lines_add(e, s);
}

static void ex_new(struct lines *e, const char *guid, const char *id, const char *type,
		   const char *hexv)
{
	ex_line(e, fmt("+[Objects\\%s\\Elements\\%s]", guid, id));
	ex_line(e, fmt("+[Objects\\%s\\Elements\\%s] \"Element\" %s %s", guid, id, type, hexv));
}

static void ex_set(struct lines *e, const char *guid, const char *id, const char *type,
		   const char *oldhex, const char *newhex)
{
	ex_line(e, fmt("-[Objects\\%s\\Elements\\%s] \"Element\" %s %s", guid, id, type, oldhex));
	ex_line(e, fmt("+[Objects\\%s\\Elements\\%s] \"Element\" %s %s", guid, id, type, newhex));
}

static void ex_del(struct lines *e, const char *guid, const char *id, const char *type,
		   const char *oldhex)
{
	ex_line(e, fmt("-[Objects\\%s\\Elements\\%s]", guid, id));
	ex_line(e, fmt("-[Objects\\%s\\Elements\\%s] \"Element\" %s %s", guid, id, type, oldhex));
}

/* ------------------------------------------------------------ recipes */

enum rkind { R_DEBUG, R_DBG, R_TIMEOUT, R_BSP, R_RECOVERY, R_TEXT, R_BOOTDEBUG, R_EMS, R_EMSSET };

struct recipe {
	enum rkind kind;
	const char *object;
	bool on;
	struct bcd_dbgsettings dbg;
	bool create;
	uint64_t n;
	enum bcd_bootstatuspolicy bsp;
	uint32_t id;
	const char *text;
	uint32_t emsport, emsbaud;	/* R_EMSSET */
};

static int apply(struct bcd_ctx *c, const struct recipe *r)
{
	switch (r->kind) {
	case R_DEBUG:
		return bcd_set_debug(c, r->object, r->on);
	case R_DBG:
		return bcd_set_dbgsettings(c, &r->dbg, r->create);
	case R_TIMEOUT:
		return bcd_set_timeout(c, r->object, r->n);
	case R_BSP:
		return bcd_set_bootstatuspolicy(c, r->object, r->bsp);
	case R_RECOVERY:
		return bcd_set_recoveryenabled(c, r->object, r->on);
	case R_TEXT:
		return bcd_set_element_text(c, r->object, r->id, r->text);
	case R_BOOTDEBUG:
		return bcd_set_bootdebug(c, r->object, r->on);
	case R_EMS:
		return bcd_set_ems(c, r->object, r->on);
	case R_EMSSET:
		return bcd_set_emssettings(c, r->emsport, r->emsbaud);
	}
	return -1;
}

static bool has_note(const struct changelist *cl, const char *note)
{
	for (size_t i = 0; i < cl->n; i++)
		if (cl->v[i].note && strcmp(cl->v[i].note, note) == 0)
			return true;
	return false;
}

static void show_notes(const struct changelist *cl)
{
	for (size_t i = 0; i < cl->n; i++)
		diag("  %s %s%s%s: %s", change_kind_name(cl->v[i].kind), cl->v[i].key,
		     cl->v[i].name ? " " : "", cl->v[i].name ? cl->v[i].name : "",
		     cl->v[i].note ? cl->v[i].note : "(no note)");
}

/*
 * Apply `r` to a fresh copy of `store`, write it and read it back: the
 * store must differ by exactly `ex` (consumed), the changes recorded must
 * be that difference and carry `notes` (NULL-terminated), every value
 * change must have a note, nothing must be said, and applying `r` again
 * to what was written must succeed and record nothing.
 */
static void check_recipe(const char *what, const char *store, const struct recipe *r,
			 struct lines *ex, const char *const *notes)
{
	char *work = fmt("%s/work.bcd", tmpdir), *out = fmt("%s/out.bcd", tmpdir);
	struct changelist cl = { 0 }, cl2 = { 0 };

	copy_file(store, work);
	unlink(out);
	struct hive *h = open_store(work, HIVE_WRITABLE);
	struct lines before = dump_hive(h);
	struct bcd_ctx c = { .h = h, .where = what, .out = &cl };

	capture_start();
	int rc = apply(&c, r);
	char *said = capture_end();
	is_int(rc, 0, "%s: succeeds", what);
	is_str(said, "", "%s: says nothing", what);
	if (hive_commit(h, out) < 0) {
		diag("commit: %s", hive_error(h));
		bail_out("cannot write a store");
	}
	hive_close(h);

	h = open_store(out, 0);
	struct lines after = dump_hive(h);
	hive_close(h);
	char *got = diff_dumps(&before, &after);
	char *want = join_diff(ex);
	is_str(got, want, "%s: the written store differs by exactly the expected elements", what);
	char *rec = diff_recorded(&cl);
	is_str(rec, got, "%s: the recorded changes are exactly that difference", what);
	for (size_t i = 0; notes && notes[i]; i++)
		if (!ok(has_note(&cl, notes[i]), "%s: note '%s'", what, notes[i]))
			show_notes(&cl);
	bool noted = true;
	for (size_t i = 0; i < cl.n; i++)
		if ((cl.v[i].kind == CH_VALUE_SET || cl.v[i].kind == CH_VALUE_DELETED) &&
		    !cl.v[i].note)
			noted = false;
	ok(noted, "%s: every value change has a BCD note", what);

	/* Idempotence: the same again on what was written. */
	h = open_store(out, HIVE_WRITABLE);
	c.h = h;
	c.out = &cl2;
	capture_start();
	rc = apply(&c, r);
	said = capture_end();
	is_int(rc, 0, "%s, again: succeeds", what);
	if (!is_int(cl2.n, 0, "%s, again: records nothing", what))
		show_notes(&cl2);
	hive_close(h);

	free(got);
	free(want);
	free(rec);
	lines_free(&before);
	lines_free(&after);
	lines_free(ex);
	changelist_free(&cl);
	changelist_free(&cl2);
	unlink(work);
	unlink(out);
	free(work);
	free(out);
}

/* `r` must fail on a copy of `store`, saying every one of `needles`,
 * recording nothing and leaving the store as it was. */
static void check_refused(const char *what, const char *store, const struct recipe *r,
			  const char *const *needles)
{
	char *work = fmt("%s/work.bcd", tmpdir);
	struct changelist cl = { 0 };

	copy_file(store, work);
	struct hive *h = open_store(work, HIVE_WRITABLE);
	struct lines before = dump_hive(h);
	struct bcd_ctx c = { .h = h, .where = what, .out = &cl };

	capture_start();
	int rc = apply(&c, r);
	char *said = capture_end();
	is_int(rc, -1, "%s: refused", what);
	for (size_t i = 0; needles[i]; i++)
		if (!ok(strstr(said, needles[i]) != NULL, "%s: the message says '%s'", what,
			needles[i]))
			diag("  said: %s", said);
	ok(strstr(said, what) != NULL, "%s: the message names the store", what);
	is_int(cl.n, 0, "%s: records nothing", what);
	struct lines after = dump_hive(h);
	char *d = diff_dumps(&before, &after);
	is_str(d, "", "%s: the store is untouched", what);
	free(d);
	hive_close(h);
	lines_free(&before);
	lines_free(&after);
	changelist_free(&cl);
	unlink(work);
	free(work);
}

#define NOTES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static struct recipe dbg_serial(uint32_t port, uint32_t baud)
{
	struct recipe r = { .kind = R_DBG };
	r.dbg.type = BCD_DEBUG_SERIAL;
	r.dbg.debugport = port;
	r.dbg.baudrate = baud;
	return r;
}

static struct recipe dbg_net(uint32_t ip, uint32_t port, const char *key)
{
	struct recipe r = { .kind = R_DBG };
	r.dbg.type = BCD_DEBUG_NET;
	r.dbg.has_hostip = true;
	r.dbg.hostip = ip;
	r.dbg.port = port;
	r.dbg.key = key;
	return r;
}

static struct recipe text(const char *object, uint32_t id, const char *t)
{
	struct recipe r = { .kind = R_TEXT, .object = object, .id = id, .text = t };
	return r;
}

static struct recipe emsset(uint32_t port, uint32_t baud)
{
	struct recipe r = { .kind = R_EMSSET, .emsport = port, .emsbaud = baud };
	return r;
}

/* ------------------------------------------------ the fixture store */

/* The {dbgsettings} elements of bcd-media.reg, written back as 8 bytes
 * or deleted. */
static void ex_debugtype(struct lines *e, uint64_t t)
{
	ex_set(e, G_DBG, "15000011", "REG_BINARY", "00", u64hex(t));
}

static void ex_drop_serial(struct lines *e)
{
	ex_del(e, G_DBG, "15000013", "REG_BINARY", "01");
	ex_del(e, G_DBG, "15000014", "REG_BINARY", "00 c2 01");
}

static void test_media_recipes(void)
{
	struct lines e = { 0 };
	struct recipe r;

	/* debug: element 260000a0; detecthal (26000010 = 01) stays as it is. */
	r = (struct recipe){ .kind = R_DEBUG, .on = true };
	ex_new(&e, G_SETUP, "260000a0", "REG_BINARY", "01");
	check_recipe("media: debug on", media, &r, &e,
		     NOTES("{default} (Windows Setup): debug (none) -> Yes"));

	r = (struct recipe){ .kind = R_DEBUG, .on = false };
	ex_new(&e, G_SETUP, "260000a0", "REG_BINARY", "00");
	check_recipe("media: debug off", media, &r, &e,
		     NOTES("{default} (Windows Setup): debug (none) -> No"));

	r = (struct recipe){ .kind = R_DEBUG, .object = "{7619DCC9-FAFE-11D9-B411-000476EBA25F}",
			     .on = true };
	ex_new(&e, G_SETUP, "260000a0", "REG_BINARY", "01");
	check_recipe("media: debug on by upper-case GUID", media, &r, &e,
		     NOTES(G_SETUP " (Windows Setup): debug (none) -> Yes"));

	/* dbgsettings: short integers are rewritten as 8 bytes. */
	r = dbg_serial(2, 115200);
	ex_debugtype(&e, 0);
	ex_set(&e, G_DBG, "15000013", "REG_BINARY", "01", u64hex(2));
	ex_set(&e, G_DBG, "15000014", "REG_BINARY", "00 c2 01", u64hex(115200));
	check_recipe("media: dbgsettings serial debugport:2 baudrate:115200", media, &r, &e,
		     NOTES("{dbgsettings}: debugtype Serial -> Serial (1-byte integer rewritten as 8 bytes)",
			   "{dbgsettings}: debugport 1 -> 2",
			   "{dbgsettings}: baudrate 115200 -> 115200 (3-byte integer rewritten as 8 bytes)"));

	r = dbg_serial(0, 0);
	ex_debugtype(&e, 0);
	ex_drop_serial(&e);
	check_recipe("media: dbgsettings serial", media, &r, &e,
		     NOTES("{dbgsettings}: debugport 1 -> (none)",
			   "{dbgsettings}: baudrate 115200 -> (none)"));

	r = dbg_serial(1, 0);
	ex_debugtype(&e, 0);
	ex_set(&e, G_DBG, "15000013", "REG_BINARY", "01", u64hex(1));
	ex_del(&e, G_DBG, "15000014", "REG_BINARY", "00 c2 01");
	check_recipe("media: dbgsettings serial debugport:1", media, &r, &e,
		     NOTES("{dbgsettings}: debugport 1 -> 1 (1-byte integer rewritten as 8 bytes)"));

	r = dbg_serial(0, 57600);
	ex_debugtype(&e, 0);
	ex_del(&e, G_DBG, "15000013", "REG_BINARY", "01");
	ex_set(&e, G_DBG, "15000014", "REG_BINARY", "00 c2 01", u64hex(57600));
	check_recipe("media: dbgsettings serial baudrate:57600", media, &r, &e,
		     NOTES("{dbgsettings}: baudrate 115200 -> 57600"));

	r = dbg_net(0x0a000001, 50000, "Abc.1.2.XyZ");
	ex_debugtype(&e, 3);
	ex_drop_serial(&e);
	ex_new(&e, G_DBG, "1500001a", "REG_BINARY", "01 00 00 0a 00 00 00 00");
	ex_new(&e, G_DBG, "1500001b", "REG_BINARY", u64hex(50000));
	ex_new(&e, G_DBG, "1600001c", "REG_BINARY", "01");
	ex_new(&e, G_DBG, "1200001d", "REG_SZ", szhex("abc.1.2.xyz"));
	check_recipe("media: dbgsettings net hostip:10.0.0.1 port:50000 key", media, &r, &e,
		     NOTES("{dbgsettings}: debugtype Serial -> Net",
			   "{dbgsettings}: hostip (none) -> 10.0.0.1",
			   "{dbgsettings}: port (none) -> 50000", "{dbgsettings}: dhcp (none) -> Yes",
			   "{dbgsettings}: key (none) -> \"abc.1.2.xyz\""));

	r = dbg_net(0xc0a80102, 5364, NULL);
	ex_debugtype(&e, 3);
	ex_drop_serial(&e);
	ex_new(&e, G_DBG, "1500001a", "REG_BINARY", "02 01 a8 c0 00 00 00 00");
	ex_new(&e, G_DBG, "1500001b", "REG_BINARY", u64hex(5364));
	ex_new(&e, G_DBG, "1600001c", "REG_BINARY", "01");
	check_recipe("media: dbgsettings net hostip:192.168.1.2 port:5364 (no key)", media, &r,
		     &e, NOTES("{dbgsettings}: hostip (none) -> 192.168.1.2"));

	r = (struct recipe){ .kind = R_DBG, .dbg = { .type = BCD_DEBUG_USB, .targetname = "WINPE" } };
	ex_debugtype(&e, 2);
	ex_drop_serial(&e);
	ex_new(&e, G_DBG, "12000016", "REG_SZ", szhex("WINPE"));
	check_recipe("media: dbgsettings usb targetname:WINPE", media, &r, &e,
		     NOTES("{dbgsettings}: debugtype Serial -> USB",
			   "{dbgsettings}: targetname (none) -> \"WINPE\""));

	r = (struct recipe){ .kind = R_DBG, .dbg = { .type = BCD_DEBUG_USB } };
	ex_debugtype(&e, 2);
	ex_drop_serial(&e);
	check_recipe("media: dbgsettings usb", media, &r, &e, NULL);

	r = (struct recipe){ .kind = R_DBG,
			     .dbg = { .type = BCD_DEBUG_1394, .has_channel = true, .channel = 12 } };
	ex_debugtype(&e, 1);
	ex_drop_serial(&e);
	ex_new(&e, G_DBG, "15000015", "REG_BINARY", u64hex(12));
	check_recipe("media: dbgsettings 1394 channel:12", media, &r, &e,
		     NOTES("{dbgsettings}: debugtype Serial -> 1394",
			   "{dbgsettings}: channel (none) -> 12"));

	r = (struct recipe){ .kind = R_DBG,
			     .dbg = { .type = BCD_DEBUG_1394, .has_channel = true, .channel = 0 } };
	ex_debugtype(&e, 1);
	ex_drop_serial(&e);
	ex_new(&e, G_DBG, "15000015", "REG_BINARY", u64hex(0));
	check_recipe("media: dbgsettings 1394 channel:0", media, &r, &e, NULL);

	r = (struct recipe){ .kind = R_DBG, .dbg = { .type = BCD_DEBUG_LOCAL } };
	ex_debugtype(&e, 4);
	ex_drop_serial(&e);
	check_recipe("media: dbgsettings local", media, &r, &e,
		     NOTES("{dbgsettings}: debugtype Serial -> Local"));

	/* timeout: a 1-byte 30 becomes 8 bytes, even when the value stays. */
	r = (struct recipe){ .kind = R_TIMEOUT, .n = 5 };
	ex_set(&e, G_BOOTMGR, "25000004", "REG_BINARY", "1e", u64hex(5));
	check_recipe("media: timeout 5", media, &r, &e, NOTES("{bootmgr}: timeout 30 -> 5"));

	r = (struct recipe){ .kind = R_TIMEOUT, .n = 30 };
	ex_set(&e, G_BOOTMGR, "25000004", "REG_BINARY", "1e", u64hex(30));
	check_recipe("media: timeout 30 (same value, 1 byte)", media, &r, &e,
		     NOTES("{bootmgr}: timeout 30 -> 30 (1-byte integer rewritten as 8 bytes)"));

	r = (struct recipe){ .kind = R_BSP, .bsp = BCD_BSP_IGNORE_ALL_FAILURES };
	ex_new(&e, G_SETUP, "250000e0", "REG_BINARY", u64hex(1));
	check_recipe("media: bootstatuspolicy IgnoreAllFailures", media, &r, &e,
		     NOTES("{default} (Windows Setup): bootstatuspolicy (none) -> IgnoreAllFailures"));

	r = (struct recipe){ .kind = R_RECOVERY, .on = false };
	ex_new(&e, G_SETUP, "16000009", "REG_BINARY", "00");
	check_recipe("media: recoveryenabled no", media, &r, &e,
		     NOTES("{default} (Windows Setup): recoveryenabled (none) -> No"));

	r = (struct recipe){ .kind = R_RECOVERY, .object = "{default}", .on = true };
	ex_new(&e, G_SETUP, "16000009", "REG_BINARY", "01");
	check_recipe("media: recoveryenabled yes", media, &r, &e, NULL);

	/* The generic setter, one element of each format. */
	r = text("{default}", 0x12000004, "Windows Setup (debug)");
	ex_set(&e, G_SETUP, "12000004", "REG_SZ", szhex("Windows Setup"),
	       szhex("Windows Setup (debug)"));
	check_recipe("media: set description (string)", media, &r, &e,
		     NOTES("{default} (Windows Setup): description \"Windows Setup\" -> "
			   "\"Windows Setup (debug)\""));

	r = text("{bootmgr}", 0x23000003, "{memdiag}");
	ex_set(&e, G_BOOTMGR, "23000003", "REG_SZ", szhex(G_SETUP), szhex(G_MEMDIAG));
	check_recipe("media: set default (object, by alias)", media, &r, &e,
		     NOTES("{bootmgr}: default " G_SETUP " -> {memdiag}"));

	r = text("{bootmgr}", 0x24000001, "{default}  {B2721D73-1DB4-4C62-BF78-C548A880142D}");
	ex_set(&e, G_BOOTMGR, "24000001", "REG_MULTI_SZ", multihex(G_SETUP, NULL, NULL),
	       multihex(G_SETUP, G_MEMDIAG, NULL));
	check_recipe("media: set displayorder (object list)", media, &r, &e,
		     NOTES("{bootmgr}: displayorder " G_SETUP " -> " G_SETUP " {memdiag}"));

	r = text("{default}", 0x250000c2, "0");
	ex_set(&e, G_SETUP, "250000c2", "REG_BINARY", u64hex(1), u64hex(0));
	check_recipe("media: set bootmenupolicy (integer)", media, &r, &e,
		     NOTES("{default} (Windows Setup): bootmenupolicy 1 -> 0"));

	r = text("bootmgr", 0x25000004, "0x1E");
	ex_set(&e, G_BOOTMGR, "25000004", "REG_BINARY", "1e", u64hex(30));
	check_recipe("media: set timeout 0x1E (integer, hex)", media, &r, &e, NULL);

	r = text("{default}", 0x16000060, "off");
	ex_set(&e, G_SETUP, "16000060", "REG_BINARY", "01", "00");
	check_recipe("media: set isolatedcontext off (boolean)", media, &r, &e,
		     NOTES("{default} (Windows Setup): isolatedcontext Yes -> No"));

	r = text("{default}", 0x260000b0, "TRUE");
	ex_set(&e, G_SETUP, "260000B0", "REG_BINARY", "00", "01");
	check_recipe("media: set ems (boolean, upper-case element key)", media, &r, &e,
		     NOTES("{default} (Windows Setup): ems No -> Yes"));

	r = text("{badmemory}", 0x1700000a, "1 0x20");
	ex_line(&e, fmt("+[Objects\\%s\\Elements]", G_BADMEM));
	ex_new(&e, G_BADMEM, "1700000a", "REG_BINARY",
	       "01 00 00 00 00 00 00 00 20 00 00 00 00 00 00 00");
	check_recipe("media: set badmemory list (integer list, no Elements key yet)", media, &r,
		     &e, NOTES("{badmemory}: badmemory (none) -> 1 32"));

	r = text("{memdiag}", 0x12000004, "Memory Test");
	ex_set(&e, G_MEMDIAG_STORED, "12000004", "REG_SZ", szhex("Windows Memory Diagnostic"),
	       szhex("Memory Test"));
	check_recipe("media: set description of an upper-case object key", media, &r, &e,
		     NOTES("{memdiag}: description \"Windows Memory Diagnostic\" -> \"Memory Test\""));

	r = text("{default}", 0x26000099, "1");
	ex_new(&e, G_SETUP, "26000099", "REG_BINARY", "01");
	check_recipe("media: set an element without a name", media, &r, &e,
		     NOTES("{default} (Windows Setup): element 0x26000099 (none) -> Yes"));

	r = text("{dbgsettings}", 0x15000013, "1");
	ex_set(&e, G_DBG, "15000013", "REG_BINARY", "01", u64hex(1));
	check_recipe("media: set debugport 1 over a 1-byte 1", media, &r, &e,
		     NOTES("{dbgsettings}: debugport 1 -> 1 (1-byte integer rewritten as 8 bytes)"));
}

static void test_media_refusals(void)
{
	struct recipe r;

	r = (struct recipe){ .kind = R_DEBUG, .object = "{bootmgr}", .on = true };
	check_refused("media: debug on {bootmgr}", media, &r,
		      NOTES("{bootmgr}", "debug (element 260000a0)", "applies to Windows boot loader",
			    "0x10100002"));

	r = (struct recipe){ .kind = R_TIMEOUT, .object = "{default}", .n = 3 };
	check_refused("media: timeout on a loader", media, &r,
		      NOTES("timeout (element 25000004)", "boot manager"));

	r = (struct recipe){ .kind = R_DEBUG, .object = "{deadbeef-0000-0000-0000-000000000000}",
			     .on = true };
	check_refused("media: debug on a missing object", media, &r,
		      NOTES("{deadbeef-0000-0000-0000-000000000000}", "no such object"));

	r = (struct recipe){ .kind = R_DEBUG, .object = "{current}", .on = true };
	check_refused("media: debug on {current}", media, &r, NOTES("{current}", "offline"));

	r = (struct recipe){ .kind = R_DEBUG, .object = "loader", .on = true };
	check_refused("media: debug on a bad name", media, &r,
		      NOTES("'loader' is neither an object GUID"));

	r = text("{default}", 0x11000001, "00");
	check_refused("media: set a device element", media, &r,
		      NOTES("{default} (Windows Setup)", "device (element 11000001)",
			    "device elements cannot be set"));

	r = text("{bootmgr}", 0x23000003, "{deadbeef-0000-0000-0000-000000000000}");
	check_refused("media: set default to a missing object", media, &r,
		      NOTES("default (element 23000003)", "no object"));

	r = text("{bootmgr}", 0x24000001, "  ");
	check_refused("media: set an empty object list", media, &r, NOTES("empty"));

	r = text("{default}", 0x16000060, "maybe");
	check_refused("media: set a boolean to 'maybe'", media, &r,
		      NOTES("isolatedcontext (element 16000060)", "'maybe' is not a boolean"));

	r = text("{default}", 0x250000c2, "-1");
	check_refused("media: set an integer to -1", media, &r, NOTES("'-1' is not an unsigned"));

	r = text("{default}", 0x20000001, "1");
	check_refused("media: set an element of format 0", media, &r,
		      NOTES("element 20000001", "format 0"));

	struct recipe bad[] = {
		{ .kind = R_DBG, .dbg = { .type = BCD_DEBUG_1394, .has_channel = true, .channel = 63 } },
		{ .kind = R_DBG, .dbg = { .type = BCD_DEBUG_SERIAL, .baudrate = 12345 } },
		{ .kind = R_DBG, .dbg = { .type = BCD_DEBUG_NET, .has_hostip = true, .hostip = 1,
					  .port = 1000 } },
		{ .kind = R_DBG, .dbg = { .type = BCD_DEBUG_NET, .has_hostip = true, .hostip = 1 } },
		{ .kind = R_DBG, .dbg = { .type = BCD_DEBUG_NET, .has_hostip = true, .hostip = 1,
					  .port = 50000, .key = "a.b.c" } },
		{ .kind = R_DBG, .dbg = { .type = BCD_DEBUG_NET, .has_hostip = true, .hostip = 1,
					  .port = 50000, .debugport = 1 } },
		{ .kind = R_DBG, .dbg = { .type = BCD_DEBUG_LOCAL, .targetname = "x" } },
		{ .kind = R_DBG, .dbg = { .type = (enum bcd_debugtype)7 } },
	};
	const char *why[] = { "0-62", "12345", "port 1000", "needs both hostip and port",
			      "3 groups", "debugport is not a parameter of debugtype Net",
			      "targetname is not a parameter of debugtype Local", "debugtype 7" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *what = keep(fmt("media: bad dbgsettings %zu", i + 1));
		check_refused(what, media, &bad[i], NOTES("{dbgsettings}", why[i]));
	}
}

/* debug on, then off, in one change list; notes tell Yes -> No. */
static void test_sequence(void)
{
	char *work = fmt("%s/work.bcd", tmpdir);
	struct changelist cl = { 0 };

	copy_file(media, work);
	struct hive *h = open_store(work, HIVE_WRITABLE);
	struct bcd_ctx c = { .h = h, .where = "seq", .out = &cl };
	is_int(bcd_set_debug(&c, NULL, true), 0, "sequence: debug on");
	is_int(bcd_set_debug(&c, NULL, false), 0, "sequence: then off");
	is_int(bcd_set_debug(&c, NULL, false), 0, "sequence: off again");
	is_int(cl.n, 3, "sequence: key added, value set, value changed");
	if (cl.n == 3) {
		is_str(cl.v[2].note, "{default} (Windows Setup): debug Yes -> No",
		       "sequence: the change note says Yes -> No");
		ok(change_superseded(&cl, 1) && !change_superseded(&cl, 2),
		   "sequence: the first value is superseded by the second");
	} else {
		show_notes(&cl);
		skip(2, "wrong number of changes");
	}
	hive_close(h);
	changelist_free(&cl);
	unlink(work);
	free(work);
}

static void test_nodbg(void)
{
	struct lines e = { 0 };
	struct recipe r = dbg_serial(1, 115200);

	check_refused("nodbg: dbgsettings without opt-in", nodbg, &r,
		      NOTES("{dbgsettings}", "no {dbgsettings} object", "bcdedit"));

	r.create = true;
	ex_line(&e, fmt("+[Objects\\%s]", G_DBG));
	ex_line(&e, fmt("+[Objects\\%s\\Description]", G_DBG));
	ex_line(&e, fmt("+[Objects\\%s\\Description] \"Type\" REG_DWORD 00 00 10 20", G_DBG));
	ex_line(&e, fmt("+[Objects\\%s\\Elements]", G_DBG));
	ex_new(&e, G_DBG, "15000011", "REG_BINARY", u64hex(0));
	ex_new(&e, G_DBG, "15000013", "REG_BINARY", u64hex(1));
	ex_new(&e, G_DBG, "15000014", "REG_BINARY", u64hex(115200));
	ex_set(&e, G_GLOBAL, "14000006", "REG_MULTI_SZ", multihex(G_EMS, G_BADMEM, NULL),
	       multihex(G_EMS, G_BADMEM, G_DBG));
	check_recipe("nodbg: dbgsettings with opt-in creates {dbgsettings}", nodbg, &r, &e,
		     NOTES("{dbgsettings}: object created (type 0x20100000)",
			   "{dbgsettings}: debugtype (none) -> Serial",
			   "{globalsettings}: inherit {emssettings} {badmemory} -> {emssettings} "
			   "{badmemory} {dbgsettings}"));
}

static void test_empty(void)
{
	struct recipe r = { .kind = R_DEBUG, .on = true };
	check_refused("empty: debug on {default}", empty, &r,
		      NOTES("{default}", "no {bootmgr} object"));
	r = (struct recipe){ .kind = R_TIMEOUT, .n = 5 };
	check_refused("empty: timeout", empty, &r, NOTES("{bootmgr}", "no such object"));
	r = dbg_serial(0, 0);
	r.create = true;
	check_refused("empty: dbgsettings with opt-in", empty, &r,
		      NOTES("neither a {dbgsettings} object nor a {globalsettings} object"));
}


/* ------------------------------------- bootdebug, ems, emssettings, loaders */

static void test_media_boot_ems(void)
{
	struct lines e = { 0 };
	struct recipe r;

	/* bootdebug: 16000010 on any application object (not detecthal 26000010). */
	r = (struct recipe){ .kind = R_BOOTDEBUG, .object = "{default}", .on = true };
	ex_new(&e, G_SETUP, "16000010", "REG_BINARY", "01");
	check_recipe("media: bootdebug on {default}", media, &r, &e,
		     NOTES("{default} (Windows Setup): bootdebug (none) -> Yes"));

	r = (struct recipe){ .kind = R_BOOTDEBUG, .object = "{bootmgr}", .on = false };
	ex_new(&e, G_BOOTMGR, "16000010", "REG_BINARY", "00");
	check_recipe("media: bootdebug off {bootmgr}", media, &r, &e,
		     NOTES("{bootmgr}: bootdebug (none) -> No"));

	r = (struct recipe){ .kind = R_BOOTDEBUG, .object = "memdiag", .on = true };
	ex_new(&e, G_MEMDIAG_STORED, "16000010", "REG_BINARY", "01");
	check_recipe("media: bootdebug on {memdiag} (type 0x10200005)", media, &r, &e,
		     NOTES("{memdiag}: bootdebug (none) -> Yes"));

	r = (struct recipe){ .kind = R_BOOTDEBUG, .object = "7619DCC9-FAFE-11D9-B411-000476EBA25F",
			     .on = true };
	ex_new(&e, G_SETUP, "16000010", "REG_BINARY", "01");
	check_recipe("media: bootdebug on a GUID without braces", media, &r, &e,
		     NOTES(G_SETUP " (Windows Setup): bootdebug (none) -> Yes"));

	r = (struct recipe){ .kind = R_BOOTDEBUG, .object = BCD_ALL_LOADERS, .on = true };
	ex_new(&e, G_SETUP, "16000010", "REG_BINARY", "01");
	check_recipe("media: bootdebug on {all-loaders}", media, &r, &e,
		     NOTES(G_SETUP " (Windows Setup): bootdebug (none) -> Yes"));

	/* ems: 260000b0 (stored as "260000B0" = 00) on the loader. */
	r = (struct recipe){ .kind = R_EMS, .on = true };
	ex_set(&e, G_SETUP, "260000B0", "REG_BINARY", "00", "01");
	check_recipe("media: ems on", media, &r, &e,
		     NOTES("{default} (Windows Setup): ems No -> Yes"));

	r = (struct recipe){ .kind = R_EMS, .on = false };
	check_recipe("media: ems off (already so)", media, &r, &e, NULL);

	r = (struct recipe){ .kind = R_EMS, .object = G_SETUP, .on = true };
	ex_set(&e, G_SETUP, "260000B0", "REG_BINARY", "00", "01");
	check_recipe("media: ems on by GUID", media, &r, &e,
		     NOTES(G_SETUP " (Windows Setup): ems No -> Yes"));

	/* emssettings: emsport (15000022) is 1 byte, emsbaudrate (15000023) 8. */
	r = emsset(1, 115200);
	ex_set(&e, G_EMS, "15000022", "REG_BINARY", "01", u64hex(1));
	check_recipe("media: emssettings emsport:1 emsbaudrate:115200 (values as they are)", media,
		     &r, &e,
		     NOTES("{emssettings}: emsport 1 -> 1 (1-byte integer rewritten as 8 bytes)"));

	r = emsset(2, 115200);
	ex_set(&e, G_EMS, "15000022", "REG_BINARY", "01", u64hex(2));
	check_recipe("media: emssettings emsport:2 emsbaudrate:115200", media, &r, &e,
		     NOTES("{emssettings}: emsport 1 -> 2"));

	r = emsset(2, 0);
	ex_set(&e, G_EMS, "15000022", "REG_BINARY", "01", u64hex(2));
	ex_del(&e, G_EMS, "15000023", "REG_BINARY", u64hex(115200));
	check_recipe("media: emssettings emsport:2", media, &r, &e,
		     NOTES("{emssettings}: emsport 1 -> 2", "{emssettings}: emsbaudrate 115200 -> (none)"));

	r = emsset(3, 9600);
	ex_set(&e, G_EMS, "15000022", "REG_BINARY", "01", u64hex(3));
	ex_set(&e, G_EMS, "15000023", "REG_BINARY", u64hex(115200), u64hex(9600));
	check_recipe("media: emssettings emsport:3 emsbaudrate:9600", media, &r, &e,
		     NOTES("{emssettings}: emsport 1 -> 3", "{emssettings}: emsbaudrate 115200 -> 9600"));

	r = emsset(1, 921600);
	ex_set(&e, G_EMS, "15000022", "REG_BINARY", "01", u64hex(1));
	ex_set(&e, G_EMS, "15000023", "REG_BINARY", u64hex(115200), u64hex(921600));
	check_recipe("media: emssettings emsbaudrate:921600", media, &r, &e,
		     NOTES("{emssettings}: emsbaudrate 115200 -> 921600"));

	r = emsset(0, 0);
	ex_del(&e, G_EMS, "15000022", "REG_BINARY", "01");
	ex_del(&e, G_EMS, "15000023", "REG_BINARY", u64hex(115200));
	check_recipe("media: emssettings with neither (bootems stays)", media, &r, &e,
		     NOTES("{emssettings}: emsport 1 -> (none)",
			   "{emssettings}: emsbaudrate 115200 -> (none)"));

	r = emsset(1, 115200);
	ex_new(&e, G_EMS, "15000022", "REG_BINARY", u64hex(1));
	ex_new(&e, G_EMS, "15000023", "REG_BINARY", u64hex(115200));
	check_recipe("nodbg: emssettings emsport:1 emsbaudrate:115200 (none yet)", nodbg, &r, &e,
		     NOTES("{emssettings}: emsport (none) -> 1",
			   "{emssettings}: emsbaudrate (none) -> 115200"));

	/* Every loader of a one-loader store; other setters take it too. */
	r = (struct recipe){ .kind = R_DEBUG, .object = BCD_ALL_LOADERS, .on = true };
	ex_new(&e, G_SETUP, "260000a0", "REG_BINARY", "01");
	check_recipe("media: debug on {all-loaders}", media, &r, &e,
		     NOTES(G_SETUP " (Windows Setup): debug (none) -> Yes"));

	r = (struct recipe){ .kind = R_RECOVERY, .object = "all-loaders", .on = false };
	ex_new(&e, G_SETUP, "16000009", "REG_BINARY", "00");
	check_recipe("media: recoveryenabled no on all-loaders (no braces)", media, &r, &e,
		     NOTES(G_SETUP " (Windows Setup): recoveryenabled (none) -> No"));

	/* bootstatuspolicy still takes the settings loaders inherit. */
	r = (struct recipe){ .kind = R_BSP, .object = "{bootloadersettings}",
			     .bsp = BCD_BSP_IGNORE_ALL_FAILURES };
	ex_new(&e, G_BLS, "250000e0", "REG_BINARY", u64hex(1));
	check_recipe("media: bootstatuspolicy on {bootloadersettings}", media, &r, &e,
		     NOTES("{bootloadersettings}: bootstatuspolicy (none) -> IgnoreAllFailures"));
}

static void test_media_boot_ems_refusals(void)
{
	struct recipe r;

	/* debug: OS loaders only, not the settings they inherit. */
	r = (struct recipe){ .kind = R_DEBUG, .object = "bootloadersettings", .on = true };
	check_refused("media: debug on {bootloadersettings}", media, &r,
		      NOTES("{bootloadersettings}", "debug (element 260000a0)",
			    "Windows boot loader objects (type 0x10200003) only", "0x20200003"));
	r = (struct recipe){ .kind = R_DEBUG, .object = "{hypervisorsettings}", .on = true };
	check_refused("media: debug on {hypervisorsettings}", media, &r,
		      NOTES("{hypervisorsettings}", "0x20200003"));
	r = (struct recipe){ .kind = R_DEBUG, .object = "{memdiag}", .on = true };
	check_refused("media: debug on {memdiag}", media, &r,
		      NOTES("{memdiag}", "type 0x10200003) only", "0x10200005"));

	r = (struct recipe){ .kind = R_BOOTDEBUG, .on = true };
	check_refused("media: bootdebug without an object", media, &r,
		      NOTES("bootdebug (element 16000010)", "name the object", "{current}"));
	r = (struct recipe){ .kind = R_BOOTDEBUG, .object = "{current}", .on = true };
	check_refused("media: bootdebug on {current}", media, &r, NOTES("{current}", "offline"));
	r = (struct recipe){ .kind = R_BOOTDEBUG, .object = "{bootloadersettings}", .on = true };
	check_refused("media: bootdebug on {bootloadersettings}", media, &r,
		      NOTES("{bootloadersettings}", "bootdebug (element 16000010)",
			    "applies to boot application objects (type 0x10xxxxxx", "0x20200003"));
	r = (struct recipe){ .kind = R_BOOTDEBUG, .object = "{dbgsettings}", .on = true };
	check_refused("media: bootdebug on {dbgsettings}", media, &r,
		      NOTES("{dbgsettings}", "0x20100000"));
	r = (struct recipe){ .kind = R_BOOTDEBUG, .object = G_RAMDISK, .on = true };
	check_refused("media: bootdebug on a device object", media, &r,
		      NOTES(G_RAMDISK, "0x30000000"));
	r = (struct recipe){ .kind = R_BOOTDEBUG, .object = "{deadbeef-0000-0000-0000-000000000000}",
			     .on = true };
	check_refused("media: bootdebug on a missing object", media, &r,
		      NOTES("{deadbeef-0000-0000-0000-000000000000}", "no such object"));

	r = (struct recipe){ .kind = R_EMS, .object = "{bootmgr}", .on = true };
	check_refused("media: ems on {bootmgr}", media, &r,
		      NOTES("{bootmgr}", "ems (element 260000b0)", "type 0x10200003) only",
			    "0x10100002"));
	r = (struct recipe){ .kind = R_EMS, .object = "{bootloadersettings}", .on = true };
	check_refused("media: ems on {bootloadersettings}", media, &r,
		      NOTES("{bootloadersettings}", "ems (element 260000b0)", "0x20200003"));
	r = (struct recipe){ .kind = R_EMS, .object = "{current}", .on = true };
	check_refused("media: ems on {current}", media, &r, NOTES("{current}", "offline"));

	r = emsset(0, 115200);
	check_refused("media: emssettings emsbaudrate without emsport", media, &r,
		      NOTES("{emssettings}", "emsbaudrate 115200 without emsport"));
	r = emsset(1, 12345);
	check_refused("media: emssettings emsbaudrate:12345", media, &r,
		      NOTES("{emssettings}", "emsbaudrate (element 15000023)", "12345",
			    "9600, 19200, 38400, 57600, 115200"));
	r = emsset(1, 0);
	check_refused("twoloaders: emssettings without {emssettings}", twoloaders, &r,
		      NOTES("{emssettings}", "the store has no {emssettings} object"));
	check_refused("empty: emssettings", empty, &r, NOTES("no {emssettings} object"));

	/* {all-loaders}: checked for every loader before any edit. */
	r = (struct recipe){ .kind = R_TIMEOUT, .object = BCD_ALL_LOADERS, .n = 3 };
	check_refused("media: timeout on {all-loaders}", media, &r,
		      NOTES(BCD_ALL_LOADERS, "timeout (element 25000004)", "boot manager",
			    "0x10200003", G_SETUP " (Windows Setup)"));
	r = text(BCD_ALL_LOADERS, 0x11000001, "00");
	check_refused("media: set a device element on {all-loaders}", media, &r,
		      NOTES(BCD_ALL_LOADERS ": device (element 11000001)",
			    "device elements cannot be set"));
	r = text("{bootmgr}", 0x23000003, BCD_ALL_LOADERS);
	check_refused("media: set default to {all-loaders}", media, &r,
		      NOTES("default (element 23000003)", "names every Windows boot loader"));
	r = text(NULL, 0x12000004, "x");
	check_refused("media: set an element without an object", media, &r,
		      NOTES("description (element 12000004)", "no object named"));
	r = (struct recipe){ .kind = R_DEBUG, .object = BCD_ALL_LOADERS, .on = true };
	check_refused("empty: debug on {all-loaders}", empty, &r,
		      NOTES(BCD_ALL_LOADERS, "no Windows boot loader objects (type 0x10200003)"));
}

/* Two loaders: every edit of {all-loaders} touches only what differs. */
static void test_twoloaders(void)
{
	struct lines e = { 0 };
	struct recipe r;

	r = (struct recipe){ .kind = R_DEBUG, .object = BCD_ALL_LOADERS, .on = true };
	ex_new(&e, G_SETUP, "260000a0", "REG_BINARY", "01");
	check_recipe("twoloaders: debug on {all-loaders} (PE has it)", twoloaders, &r, &e,
		     NOTES(G_SETUP " (Windows Setup): debug (none) -> Yes"));

	r = (struct recipe){ .kind = R_DEBUG, .object = BCD_ALL_LOADERS, .on = false };
	ex_set(&e, G_PE_STORED, "260000a0", "REG_BINARY", "01", "00");
	ex_new(&e, G_SETUP, "260000a0", "REG_BINARY", "00");
	check_recipe("twoloaders: debug off {all-loaders}", twoloaders, &r, &e,
		     NOTES(G_PE " (Windows PE (x86)): debug Yes -> No",
			   G_SETUP " (Windows Setup): debug (none) -> No"));

	r = (struct recipe){ .kind = R_EMS, .object = BCD_ALL_LOADERS, .on = true };
	ex_set(&e, G_SETUP, "260000B0", "REG_BINARY", "00", "01");
	check_recipe("twoloaders: ems on {all-loaders}", twoloaders, &r, &e,
		     NOTES(G_SETUP " (Windows Setup): ems No -> Yes"));

	r = (struct recipe){ .kind = R_EMS, .object = BCD_ALL_LOADERS, .on = false };
	ex_set(&e, G_PE_STORED, "260000b0", "REG_BINARY", "01", "00");
	check_recipe("twoloaders: ems off {all-loaders}", twoloaders, &r, &e,
		     NOTES(G_PE " (Windows PE (x86)): ems Yes -> No"));

	r = (struct recipe){ .kind = R_BOOTDEBUG, .object = BCD_ALL_LOADERS, .on = true };
	ex_new(&e, G_PE_STORED, "16000010", "REG_BINARY", "01");
	ex_new(&e, G_SETUP, "16000010", "REG_BINARY", "01");
	check_recipe("twoloaders: bootdebug on {all-loaders}", twoloaders, &r, &e,
		     NOTES(G_PE " (Windows PE (x86)): bootdebug (none) -> Yes",
			   G_SETUP " (Windows Setup): bootdebug (none) -> Yes"));

	r = (struct recipe){ .kind = R_BOOTDEBUG, .object = G_RESUME, .on = true };
	ex_new(&e, G_RESUME, "16000010", "REG_BINARY", "01");
	check_recipe("twoloaders: bootdebug on a resume loader (type 0x10200004)", twoloaders, &r,
		     &e, NOTES(G_RESUME " (Windows Resume Application): bootdebug (none) -> Yes"));

	r = (struct recipe){ .kind = R_BSP, .object = "{ALL-LOADERS}",
			     .bsp = BCD_BSP_IGNORE_SHUTDOWN_FAILURES };
	ex_new(&e, G_PE_STORED, "250000e0", "REG_BINARY", u64hex(2));
	ex_new(&e, G_SETUP, "250000e0", "REG_BINARY", u64hex(2));
	check_recipe("twoloaders: bootstatuspolicy on {ALL-LOADERS}", twoloaders, &r, &e, NULL);

	r = text(BCD_ALL_LOADERS, 0x250000c2, "0");
	ex_new(&e, G_PE_STORED, "250000c2", "REG_BINARY", u64hex(0));
	ex_set(&e, G_SETUP, "250000c2", "REG_BINARY", u64hex(1), u64hex(0));
	check_recipe("twoloaders: set bootmenupolicy 0 on {all-loaders}", twoloaders, &r, &e,
		     NOTES(G_PE " (Windows PE (x86)): bootmenupolicy (none) -> 0",
			   G_SETUP " (Windows Setup): bootmenupolicy 1 -> 0"));

	r = (struct recipe){ .kind = R_DEBUG, .object = G_PE_STORED, .on = false };
	ex_set(&e, G_PE_STORED, "260000a0", "REG_BINARY", "01", "00");
	check_recipe("twoloaders: debug off the PE loader alone", twoloaders, &r, &e,
		     NOTES(G_PE " (Windows PE (x86)): debug Yes -> No"));

	r = (struct recipe){ .kind = R_EMS, .on = true };
	ex_set(&e, G_SETUP, "260000B0", "REG_BINARY", "00", "01");
	check_recipe("twoloaders: ems on {default} alone", twoloaders, &r, &e,
		     NOTES("{default} (Windows Setup): ems No -> Yes"));

	r = (struct recipe){ .kind = R_TIMEOUT, .object = BCD_ALL_LOADERS, .n = 3 };
	check_refused("twoloaders: timeout on {all-loaders}", twoloaders, &r,
		      NOTES(BCD_ALL_LOADERS, "boot manager", G_PE " (Windows PE (x86))"));
	r = text(BCD_ALL_LOADERS, 0x16000060, "perhaps");
	check_refused("twoloaders: set a bad boolean on {all-loaders}", twoloaders, &r,
		      NOTES(BCD_ALL_LOADERS ": isolatedcontext (element 16000060)",
			    "'perhaps' is not a boolean"));

	/* One change list: loaders in GUID order, each change its own note. */
	char *work = fmt("%s/work.bcd", tmpdir);
	struct changelist cl = { 0 };
	copy_file(twoloaders, work);
	struct hive *h = open_store(work, HIVE_WRITABLE);
	struct bcd_ctx c = { .h = h, .where = "order", .out = &cl };
	is_int(bcd_set_debug(&c, BCD_ALL_LOADERS, false), 0, "order: debug off {all-loaders}");
	if (is_int(cl.n, 3, "order: PE value set, Setup key added and value set") && cl.n == 3) {
		is_str(cl.v[0].note, G_PE " (Windows PE (x86)): debug Yes -> No",
		       "order: the PE loader ({3d1f...}) comes first");
		ok(cl.v[1].kind == CH_KEY_ADDED && !cl.v[1].note, "order: then Setup's element key");
		is_str(cl.v[2].note, G_SETUP " (Windows Setup): debug (none) -> No",
		       "order: then Setup's value");
	} else {
		show_notes(&cl);
		skip(3, "wrong number of changes");
	}
	hive_close(h);
	changelist_free(&cl);
	unlink(work);
	free(work);
}

/* bcd_os_loaders of a store file: the GUIDs joined with spaces. */
static void check_loaders(const char *what, const char *store, const char *want)
{
	struct hive *h = open_store(store, 0);
	char(*g)[BCD_GUID_LEN + 1] = NULL;
	size_t n = 99;
	char buf[1024] = "";

	capture_start();
	int rc = bcd_os_loaders(h, &g, &n);
	char *said = capture_end();
	is_int(rc, 0, "%s: bcd_os_loaders succeeds", what);
	is_str(said, "", "%s: bcd_os_loaders says nothing", what);
	for (size_t i = 0; i < n; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " " : "", g[i]);
	is_str(buf, want, "%s: the OS loaders, sorted", what);
	if (n == 0)
		ok(g == NULL, "%s: no array when there are no loaders", what);
	free(g);
	hive_close(h);
}

static void test_loaders(void)
{
	char err[512], guid[BCD_GUID_LEN + 1];

	check_loaders("media", media, G_SETUP);
	check_loaders("twoloaders", twoloaders, G_PE " " G_SETUP);
	check_loaders("nodbg", nodbg, G_SETUP);
	check_loaders("empty", empty, "");

	struct hive *h = open_store(notbcd, 0);
	char(*g)[BCD_GUID_LEN + 1] = NULL;
	size_t n = 0;
	capture_start();
	int rc = bcd_os_loaders(h, &g, &n);
	char *said = capture_end();
	is_int(rc, -1, "bcd_os_loaders: a SYSTEM hive is refused");
	ok(strstr(said, "not a BCD store") != NULL, "bcd_os_loaders says 'not a BCD store'");
	ok(g == NULL && n == 0, "bcd_os_loaders: nothing returned on error");
	hive_close(h);

	/* A loader whose key is not named by a GUID cannot be selected. */
	char *work = fmt("%s/work.bcd", tmpdir), *odd = fmt("%s/odd.bcd", tmpdir);
	unsigned char tb[4] = { 0x03, 0x00, 0x20, 0x10 };
	struct regval tv = { REGT_DWORD, 4, tb };
	hive_node objs, k, d;
	copy_file(media, work);
	h = open_store(work, HIVE_WRITABLE);
	if (hive_child(h, hive_root(h), "Objects", &objs) < 0 || !objs ||
	    hive_add_child(h, objs, "Windows Setup (copy)", &k) < 0 ||
	    hive_add_child(h, k, "Description", &d) < 0 || hive_put_value(h, d, "Type", &tv) < 0 ||
	    hive_commit(h, odd) < 0)
		bail_out("cannot build a store with an oddly named loader");
	hive_close(h);
	h = open_store(odd, 0);
	g = NULL;
	capture_start();
	rc = bcd_os_loaders(h, &g, &n);
	said = capture_end();
	is_int(rc, -1, "bcd_os_loaders: a loader named 'Windows Setup (copy)' is refused");
	if (!ok(strstr(said, "Objects\\Windows Setup (copy): a Windows boot loader object (type "
			     "0x10200003) whose key name is not an object GUID") != NULL,
		"bcd_os_loaders: the message names the key"))
		diag("  said: %s", said);
	ok(g == NULL, "bcd_os_loaders: nothing returned");
	hive_close(h);
	struct recipe r = { .kind = R_DEBUG, .object = BCD_ALL_LOADERS, .on = true };
	check_refused("odd: debug on {all-loaders}", odd, &r,
		      NOTES("{all-loaders}: Objects\\Windows Setup (copy)", "not an object GUID"));
	r.object = NULL;
	struct lines e = { 0 };
	ex_new(&e, G_SETUP, "260000a0", "REG_BINARY", "01");
	check_recipe("odd: debug on {default} still works", odd, &r, &e, NULL);
	unlink(odd);
	free(odd);
	free(work);

	h = open_store(media, 0);
	is_int(bcd_resolve_object(h, BCD_ALL_LOADERS, guid, err, sizeof(err)), -1,
	       "resolve {all-loaders} refused (several objects)");
	ok(strstr(err, "names every Windows boot loader") != NULL,
	   "resolve {all-loaders}: says why");
	hive_close(h);
	ok(!bcd_check_element_text(0x23000003, "all-loaders", err, sizeof(err)) &&
		   strstr(err, "names several objects"),
	   "element text: an object value cannot be {all-loaders}");
	is_str(bcd_element_name(0x16000010, 0x10100002), "bootdebug", "16000010 is bootdebug");
	is_str(bcd_element_name(0x260000b0, 0x10200003), "ems", "260000b0 on a loader is ems");
	is_str(bcd_element_name(0x15000022, 0x20100000), "emsport", "15000022 is emsport");
	is_str(bcd_element_name(0x15000023, 0x20100000), "emsbaudrate", "15000023 is emsbaudrate");
}

/* ---------------------------------------------------- reading stores */

static void test_reading(void)
{
	char err[512], guid[BCD_GUID_LEN + 1];
	struct hive *h = open_store(media, 0);

	is_int(bcd_check_store(h, err, sizeof(err)), 0, "bcd_check_store: media fixture is a store");
	is_int(bcd_resolve_object(h, "{default}", guid, err, sizeof(err)), 0, "resolve {default}");
	is_str(guid, G_SETUP, "{default} is the Windows Setup loader");
	is_int(bcd_resolve_object(h, "BOOTMGR", guid, err, sizeof(err)), 0, "resolve BOOTMGR");
	is_str(guid, G_BOOTMGR, "aliases without braces, any case");
	is_int(bcd_resolve_object(h, "7619DCC9-FAFE-11D9-B411-000476EBA25F", guid, err,
				  sizeof(err)), 0, "resolve a GUID without braces");
	is_str(guid, G_SETUP, "GUIDs come back in lower case with braces");
	is_int(bcd_resolve_object(h, "{current}", guid, err, sizeof(err)), -1, "{current} refused");
	is_int(bcd_resolve_object(h, "{7619dcc9-fafe-11d9-b411-000476eba25}", guid, err,
				  sizeof(err)), -1, "a short GUID refused");
	is_str(bcd_alias(G_DBG), "{dbgsettings}", "bcd_alias");
	is_str(bcd_alias(G_SETUP), NULL, "bcd_alias of a plain GUID");
	is_str(bcd_element_name(0x260000a0, 0x10200003), "debug", "260000a0 on a loader is debug");
	is_str(bcd_element_name(0x26000010, 0x10200003), "detecthal",
	       "26000010 on a loader is detecthal");
	is_str(bcd_element_name(0x23000003, 0x10100002), "default", "23000003 on bootmgr is default");
	is_str(bcd_element_name(0x23000003, 0x10200003), "resumeobject",
	       "23000003 on a loader is resumeobject");
	is_str(bcd_element_name(0x12000019, 0), "busparams", "12000019 is busparams");
	is_str(bcd_element_name(0x15000021, 0x20100000), NULL, "15000021 has no name");

	struct bcd_description d;
	is_int(bcd_describe(h, "media", &d), 0, "describe media fixture");
	ok(d.has_default && d.default_exists, "describe: has a default that exists");
	is_str(d.default_guid, G_SETUP, "describe: default GUID");
	is_str(d.default_description, "Windows Setup", "describe: default description");
	is_int(d.debug, -1, "describe: debug not set");
	ok(d.has_dbgsettings, "describe: has {dbgsettings}");
	is_int(d.debugtype, 0, "describe: debugtype Serial (1-byte)");
	is_int(d.n_params, 2, "describe: two parameters");
	if (d.n_params == 2) {
		is_str(d.params[0].name, "debugport", "describe: debugport");
		is_str(d.params[0].value, "1", "describe: debugport 1");
		is_str(d.params[1].name, "baudrate", "describe: baudrate");
		is_str(d.params[1].value, "115200", "describe: baudrate 115200 (3-byte)");
	} else {
		skip(4, "wrong number of parameters");
	}
	bcd_description_free(&d);
	hive_close(h);

	/* After net settings and debug on, in memory. */
	char *work = fmt("%s/work.bcd", tmpdir);
	struct changelist cl = { 0 };
	copy_file(media, work);
	h = open_store(work, HIVE_WRITABLE);
	struct bcd_ctx c = { .h = h, .where = "describe", .out = &cl };
	struct recipe r = dbg_net(0x0a000001, 50000, "A.B.C.D");
	is_int(bcd_set_dbgsettings(&c, &r.dbg, false) | bcd_set_debug(&c, NULL, true), 0,
	       "describe: net settings and debug on applied");
	is_int(bcd_describe(h, "media", &d), 0, "describe after net");
	is_int(d.debug, 1, "describe: debug Yes");
	is_int(d.debugtype, 3, "describe: debugtype Net");
	const char *want[][2] = { { "hostip", "10.0.0.1" }, { "port", "50000" },
				  { "dhcp", "Yes" }, { "key", "a.b.c.d" } };
	is_int(d.n_params, 4, "describe: four parameters");
	for (size_t i = 0; i < 4 && i < d.n_params; i++) {
		is_str(d.params[i].name, want[i][0], "describe: parameter %zu name", i + 1);
		is_str(d.params[i].value, want[i][1], "describe: parameter %zu value", i + 1);
	}
	bcd_description_free(&d);
	hive_close(h);
	changelist_free(&cl);
	unlink(work);
	free(work);

	h = open_store(empty, 0);
	is_int(bcd_check_store(h, err, sizeof(err)), 0, "bcd_check_store: an empty store is a store");
	is_int(bcd_describe(h, "empty", &d), 0, "describe the empty store");
	ok(!d.has_default && strstr(d.no_default, "no {bootmgr}"), "describe: no default, says why");
	ok(!d.has_dbgsettings && d.n_params == 0, "describe: no {dbgsettings}");
	bcd_description_free(&d);
	hive_close(h);

	h = open_store(notbcd, 0);
	is_int(bcd_check_store(h, err, sizeof(err)), -1, "bcd_check_store: a SYSTEM hive is not");
	ok(strstr(err, "not a BCD store") != NULL, "bcd_check_store says 'not a BCD store'");
	hive_close(h);
}

/* ------------------------------------------------------ parameter checks */

static void test_parsers(void)
{
	char err[512], key[64];
	uint32_t u;
	uint64_t x;
	bool b;
	enum bcd_debugtype t;
	enum bcd_bootstatuspolicy p;

#define BAD(call, needle, desc)                                                          \
	do {                                                                             \
		err[0] = '\0';                                                           \
		ok(!(call), "%s refused", desc);                                         \
		if (!ok(strstr(err, needle) != NULL, "%s: reason says '%s'", desc, needle)) \
			diag("  reason: %s", err);                                       \
	} while (0)

	ok(bcd_parse_hostip("10.0.0.1", &u, err, sizeof(err)) && u == 0x0a000001,
	   "hostip 10.0.0.1 = 0x0a000001");
	ok(bcd_parse_hostip("255.255.255.255", &u, err, sizeof(err)) && u == 0xffffffff,
	   "hostip 255.255.255.255");
	BAD(bcd_parse_hostip("256.1.1.1", &u, err, sizeof(err)), "256 is more than 255",
	    "hostip 256.1.1.1");
	BAD(bcd_parse_hostip("1.2.3", &u, err, sizeof(err)), "not an IPv4 address", "hostip 1.2.3");
	BAD(bcd_parse_hostip("1.2.3.4.5", &u, err, sizeof(err)), "not an IPv4", "hostip 1.2.3.4.5");
	BAD(bcd_parse_hostip("010.0.0.1", &u, err, sizeof(err)), "leading zeros", "hostip 010.0.0.1");
	BAD(bcd_parse_hostip("a.b.c.d", &u, err, sizeof(err)), "not an IPv4", "hostip a.b.c.d");

	ok(bcd_parse_netport("5364", &u, err, sizeof(err)) && u == 5364, "port 5364");
	ok(bcd_parse_netport("49152", &u, err, sizeof(err)) && u == 49152, "port 49152");
	ok(bcd_parse_netport("65535", &u, err, sizeof(err)) && u == 65535, "port 65535");
	BAD(bcd_parse_netport("1000", &u, err, sizeof(err)), "5364, or 49152-65535", "port 1000");
	BAD(bcd_parse_netport("65536", &u, err, sizeof(err)), "not allowed", "port 65536");
	BAD(bcd_parse_netport("http", &u, err, sizeof(err)), "not an unsigned integer", "port http");

	ok(bcd_parse_baudrate("115200", &u, err, sizeof(err)) && u == 115200, "baudrate 115200");
	ok(bcd_parse_baudrate("9600", &u, err, sizeof(err)) && u == 9600, "baudrate 9600");
	ok(bcd_parse_baudrate("921600", &u, err, sizeof(err)) && u == 921600, "baudrate 921600");
	BAD(bcd_parse_baudrate("12345", &u, err, sizeof(err)), "not one of 9600", "baudrate 12345");
	BAD(bcd_parse_baudrate("0", &u, err, sizeof(err)), "not one of", "baudrate 0");

	ok(bcd_parse_netkey("A1.b2.C3.d4", key, sizeof(key), err, sizeof(err)) &&
		   strcmp(key, "a1.b2.c3.d4") == 0, "key A1.b2.C3.d4 is lower-cased");
	ok(bcd_parse_netkey("3w5e11264sgsf.0.0.z", key, sizeof(key), err, sizeof(err)),
	   "key with a 2^64-1 group");
	BAD(bcd_parse_netkey("a.b.c", key, sizeof(key), err, sizeof(err)), "has 3 groups",
	    "key with 3 groups");
	BAD(bcd_parse_netkey("a.b.c.d.e", key, sizeof(key), err, sizeof(err)), "has 5 groups",
	    "key with 5 groups");
	BAD(bcd_parse_netkey("a_b.c.d.e", key, sizeof(key), err, sizeof(err)), "contains '_'",
	    "key with '_'");
	BAD(bcd_parse_netkey("a.b..d", key, sizeof(key), err, sizeof(err)), "empty group",
	    "key with an empty group");
	BAD(bcd_parse_netkey("3w5e11264sgsg.0.0.0", key, sizeof(key), err, sizeof(err)),
	    "larger than 64 bits", "key with a group over 64 bits");

	ok(bcd_parse_debugport("1", &u, err, sizeof(err)) && u == 1, "debugport 1");
	BAD(bcd_parse_debugport("0", &u, err, sizeof(err)), "COM ports start at 1", "debugport 0");
	ok(bcd_parse_channel("62", &u, err, sizeof(err)) && u == 62, "channel 62");
	ok(bcd_parse_channel("0", &u, err, sizeof(err)) && u == 0, "channel 0");
	BAD(bcd_parse_channel("63", &u, err, sizeof(err)), "out of range (0-62)", "channel 63");

	ok(bcd_parse_debugtype("SERIAL", &t, err, sizeof(err)) && t == BCD_DEBUG_SERIAL,
	   "debugtype SERIAL");
	ok(bcd_parse_debugtype("local", &t, err, sizeof(err)) && t == BCD_DEBUG_LOCAL,
	   "debugtype local");
	BAD(bcd_parse_debugtype("ethernet", &t, err, sizeof(err)), "serial, 1394, usb, net, local",
	    "debugtype ethernet");

	ok(bcd_parse_bool("On", &b, err, sizeof(err)) && b, "bool On");
	ok(bcd_parse_bool("no", &b, err, sizeof(err)) && !b, "bool no");
	ok(bcd_parse_bool("0", &b, err, sizeof(err)) && !b, "bool 0");
	BAD(bcd_parse_bool("2", &b, err, sizeof(err)), "not a boolean", "bool 2");

	ok(bcd_parse_integer("0x10", &x, err, sizeof(err)) && x == 16, "integer 0x10");
	ok(bcd_parse_integer("010", &x, err, sizeof(err)) && x == 10, "integer 010 is decimal");
	BAD(bcd_parse_integer("18446744073709551616", &x, err, sizeof(err)), "too large",
	    "integer 2^64");

	ok(bcd_parse_element_id("260000a0", &u, err, sizeof(err)) && u == 0x260000a0,
	   "element id 260000a0");
	ok(bcd_parse_element_id("0x260000A0", &u, err, sizeof(err)) && u == 0x260000a0,
	   "element id 0x260000A0");
	BAD(bcd_parse_element_id("20000001", &u, err, sizeof(err)), "format", "element id 20000001");
	BAD(bcd_parse_element_id("123456789", &u, err, sizeof(err)), "8 hex digits",
	    "element id of 9 digits");

	ok(bcd_parse_bootstatuspolicy("ignoreshutdownfailures", &p, err, sizeof(err)) &&
		   p == BCD_BSP_IGNORE_SHUTDOWN_FAILURES, "bootstatuspolicy ignoreshutdownfailures");
	BAD(bcd_parse_bootstatuspolicy("Never", &p, err, sizeof(err)), "IgnoreBootFailures",
	    "bootstatuspolicy Never");

	ok(bcd_check_element_text(0x23000003, "{default}", err, sizeof(err)),
	   "element text: object {default}");
	ok(bcd_check_element_text(0x14000006, "{globalsettings} {dbgsettings}", err, sizeof(err)),
	   "element text: object list of aliases");
	ok(bcd_check_element_text(0x12000004, "", err, sizeof(err)), "element text: empty string");
	BAD(bcd_check_element_text(0x11000001, "00", err, sizeof(err)), "device",
	    "element text: device");
	BAD(bcd_check_element_text(0x23000003, "loader", err, sizeof(err)), "neither",
	    "element text: bad object name");
	BAD(bcd_check_element_text(0x1700000a, "1 2 x", err, sizeof(err)), "'x' is not",
	    "element text: bad integer in a list");

	struct bcd_dbgsettings s = { .type = BCD_DEBUG_NET, .has_hostip = true, .port = 50000 };
	ok(bcd_dbgsettings_check(&s, err, sizeof(err)), "dbgsettings net hostip port: fine");
	s.key = "Q.W.E.R";
	ok(bcd_dbgsettings_check(&s, err, sizeof(err)), "dbgsettings net with upper-case key: fine");
	s.baudrate = 115200;
	BAD(bcd_dbgsettings_check(&s, err, sizeof(err)), "baudrate is not a parameter",
	    "dbgsettings net with baudrate");
#undef BAD
}

/* ------------------------------------------------------- real stores */

static char *real(const char *name)
{
	char *p = keep(fmt("%s/%s", realdir, name));
	return access(p, R_OK) == 0 ? p : NULL;
}

#define G_W10 "{733b62e5-f608-11eb-825c-c112f60133ab}"
#define G_BIOS "{1b67bffd-e290-11eb-8ffa-f459a0d9b879}"
#define G_EFI "{d65367c7-3fb7-11ec-8288-eab76d76405a}"
#define G_WINRE "{733b62e6-f608-11eb-825c-c112f60133ab}"
#define G_W10RESUME "{733b62e4-f608-11eb-825c-c112f60133ab}"
#define G_NT(n) "{19260817-6666-8888-abcd-" n "}"

/* bcd_describe of a store file, compared field by field. */
static void check_describe(const char *what, const char *store, const char *guid,
			   const char *desc, int debug, int64_t debugtype, const char *params)
{
	struct bcd_description d;
	struct hive *h = open_store(store, 0);
	char buf[512] = "";

	is_int(bcd_describe(h, what, &d), 0, "%s: describe succeeds", what);
	is_str(d.has_default ? d.default_guid : NULL, guid, "%s: default", what);
	is_str(d.default_description, desc, "%s: default description", what);
	is_int(d.debug, debug, "%s: debug", what);
	is_int(d.debugtype, debugtype, "%s: debugtype", what);
	for (size_t i = 0; i < d.n_params; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s=%s", i ? " " : "",
			 d.params[i].name, d.params[i].value);
	is_str(buf, params, "%s: debugger parameters", what);
	bcd_description_free(&d);
	hive_close(h);
}

static void test_real(void)
{
	struct lines e = { 0 };
	struct recipe r;
	char *f, err[512];

	if (!(f = real("media-efi-amd64.bcd"))) {
		skip(1, "media-efi-amd64.bcd not present");
	} else {
		struct hive *h = open_store(f, 0);
		is_int(bcd_check_store(h, err, sizeof(err)), 0, "real media: is a store");
		hive_close(h);
		check_describe("real media", f, G_SETUP, "Windows Setup", -1, 0,
			       "debugport=1 baudrate=115200");

		r = (struct recipe){ .kind = R_DEBUG, .on = true };
		ex_new(&e, G_SETUP, "260000a0", "REG_BINARY", "01");
		check_recipe("real media: debug on", f, &r, &e,
			     NOTES("{default} (Windows Setup): debug (none) -> Yes"));

		r = dbg_serial(1, 115200);
		ex_set(&e, G_DBG, "15000011", "REG_BINARY", "00", u64hex(0));
		ex_set(&e, G_DBG, "15000013", "REG_BINARY", "01", u64hex(1));
		ex_set(&e, G_DBG, "15000014", "REG_BINARY", "00 c2 01", u64hex(115200));
		check_recipe("real media: dbgsettings serial debugport:1 baudrate:115200", f, &r, &e,
			     NOTES("{dbgsettings}: baudrate 115200 -> 115200 (3-byte integer "
				   "rewritten as 8 bytes)"));

		r = (struct recipe){ .kind = R_TIMEOUT, .n = 30 };
		ex_set(&e, G_BOOTMGR, "25000004", "REG_BINARY", "1e", u64hex(30));
		check_recipe("real media: timeout 30", f, &r, &e, NULL);

		check_loaders("real media", f, G_SETUP);
		r = (struct recipe){ .kind = R_DEBUG, .object = BCD_ALL_LOADERS, .on = true };
		ex_new(&e, G_SETUP, "260000a0", "REG_BINARY", "01");
		check_recipe("real media: debug on {all-loaders}", f, &r, &e,
			     NOTES(G_SETUP " (Windows Setup): debug (none) -> Yes"));

		r = (struct recipe){ .kind = R_EMS, .on = true };
		ex_set(&e, G_SETUP, "260000b0", "REG_BINARY", "00", "01");
		check_recipe("real media: ems on", f, &r, &e,
			     NOTES("{default} (Windows Setup): ems No -> Yes"));

		r = (struct recipe){ .kind = R_BOOTDEBUG, .object = "{bootmgr}", .on = true };
		ex_new(&e, G_BOOTMGR, "16000010", "REG_BINARY", "01");
		check_recipe("real media: bootdebug on {bootmgr}", f, &r, &e,
			     NOTES("{bootmgr}: bootdebug (none) -> Yes"));

		r = emsset(2, 115200);
		ex_new(&e, G_EMS, "15000022", "REG_BINARY", u64hex(2));
		ex_new(&e, G_EMS, "15000023", "REG_BINARY", u64hex(115200));
		check_recipe("real media: emssettings emsport:2 emsbaudrate:115200", f, &r, &e,
			     NOTES("{emssettings}: emsport (none) -> 2",
				   "{emssettings}: emsbaudrate (none) -> 115200"));

		r = (struct recipe){ .kind = R_DEBUG, .object = "{bootloadersettings}", .on = true };
		check_refused("real media: debug on {bootloadersettings}", f, &r,
			      NOTES("{bootloadersettings}", "0x20200003"));
	}

	if (!(f = real("installed-win10-efi.bcd"))) {
		skip(1, "installed-win10-efi.bcd not present");
	} else {
		check_describe("real installed", f, G_W10, "Windows 10", -1, 4, "");
		r = (struct recipe){ .kind = R_DEBUG, .on = true };
		ex_new(&e, G_W10, "260000a0", "REG_BINARY", "01");
		check_recipe("real installed: debug on", f, &r, &e,
			     NOTES("{default} (Windows 10): debug (none) -> Yes"));

		r = (struct recipe){ .kind = R_DBG, .dbg = { .type = BCD_DEBUG_LOCAL } };
		check_recipe("real installed: dbgsettings local (already so)", f, &r, &e, NULL);

		r = dbg_net(0xc0a80102, 50005, "1.2.3.4");
		ex_set(&e, G_DBG, "15000011", "REG_BINARY", u64hex(4), u64hex(3));
		ex_new(&e, G_DBG, "1500001a", "REG_BINARY", "02 01 a8 c0 00 00 00 00");
		ex_new(&e, G_DBG, "1500001b", "REG_BINARY", u64hex(50005));
		ex_new(&e, G_DBG, "1600001c", "REG_BINARY", "01");
		ex_new(&e, G_DBG, "1200001d", "REG_SZ", szhex("1.2.3.4"));
		check_recipe("real installed: dbgsettings net", f, &r, &e,
			     NOTES("{dbgsettings}: debugtype Local -> Net"));

		r = (struct recipe){ .kind = R_BSP, .bsp = BCD_BSP_IGNORE_BOOT_FAILURES };
		ex_new(&e, G_W10, "250000e0", "REG_BINARY", u64hex(3));
		check_recipe("real installed: bootstatuspolicy IgnoreBootFailures", f, &r, &e, NULL);

		r = (struct recipe){ .kind = R_RECOVERY, .on = false };
		ex_set(&e, G_W10, "16000009", "REG_BINARY", "01", "00");
		check_recipe("real installed: recoveryenabled no", f, &r, &e,
			     NOTES("{default} (Windows 10): recoveryenabled Yes -> No"));

		/* Windows 10 and Windows RE are loaders; the resume loader is not. */
		check_loaders("real installed", f, G_W10 " " G_WINRE);
		r = (struct recipe){ .kind = R_DEBUG, .object = BCD_ALL_LOADERS, .on = true };
		ex_new(&e, G_W10, "260000a0", "REG_BINARY", "01");
		ex_new(&e, G_WINRE, "260000a0", "REG_BINARY", "01");
		check_recipe("real installed: debug on {all-loaders}", f, &r, &e,
			     NOTES(G_W10 " (Windows 10): debug (none) -> Yes",
				   G_WINRE " (Windows Recovery Environment): debug (none) -> Yes"));

		r = (struct recipe){ .kind = R_EMS, .object = BCD_ALL_LOADERS, .on = true };
		ex_new(&e, G_W10, "260000b0", "REG_BINARY", "01");
		ex_new(&e, G_WINRE, "260000b0", "REG_BINARY", "01");
		check_recipe("real installed: ems on {all-loaders}", f, &r, &e,
			     NOTES(G_W10 " (Windows 10): ems (none) -> Yes",
				   G_WINRE " (Windows Recovery Environment): ems (none) -> Yes"));

		r = (struct recipe){ .kind = R_BOOTDEBUG, .object = G_W10RESUME, .on = true };
		ex_new(&e, G_W10RESUME, "16000010", "REG_BINARY", "01");
		check_recipe("real installed: bootdebug on the resume loader", f, &r, &e,
			     NOTES(G_W10RESUME " (Windows Resume Application): bootdebug (none) -> Yes"));

		r = (struct recipe){ .kind = R_BOOTDEBUG, .object = "{fwbootmgr}", .on = true };
		ex_new(&e, G_FWBOOTMGR, "16000010", "REG_BINARY", "01");
		check_recipe("real installed: bootdebug on {fwbootmgr}", f, &r, &e,
			     NOTES("{fwbootmgr}: bootdebug (none) -> Yes"));

		r = emsset(1, 115200);
		ex_new(&e, G_EMS, "15000022", "REG_BINARY", u64hex(1));
		ex_new(&e, G_EMS, "15000023", "REG_BINARY", u64hex(115200));
		check_recipe("real installed: emssettings emsport:1 emsbaudrate:115200", f, &r, &e,
			     NOTES("{emssettings}: emsport (none) -> 1"));

		r = (struct recipe){ .kind = R_EMS, .object = G_W10RESUME, .on = true };
		check_refused("real installed: ems on the resume loader", f, &r,
			      NOTES(G_W10RESUME " (Windows Resume Application)", "0x10200004"));
	}

	if (!(f = real("template-bios.bcd"))) {
		skip(1, "template-bios.bcd not present");
	} else {
		r = (struct recipe){ .kind = R_DEBUG, .on = false };
		ex_new(&e, G_BIOS, "260000a0", "REG_BINARY", "00");
		check_recipe("real bios template: debug off", f, &r, &e, NULL);

		r = dbg_serial(1, 115200);
		ex_set(&e, G_DBG, "15000011", "REG_BINARY", u64hex(4), u64hex(0));
		ex_new(&e, G_DBG, "15000013", "REG_BINARY", u64hex(1));
		ex_new(&e, G_DBG, "15000014", "REG_BINARY", u64hex(115200));
		check_recipe("real bios template: dbgsettings serial", f, &r, &e,
			     NOTES("{dbgsettings}: debugtype Local -> Serial",
				   "{dbgsettings}: debugport (none) -> 1"));

		check_loaders("real bios template", f, G_BIOS);
		r = (struct recipe){ .kind = R_EMS, .object = BCD_ALL_LOADERS, .on = true };
		ex_new(&e, G_BIOS, "260000b0", "REG_BINARY", "01");
		check_recipe("real bios template: ems on {all-loaders}", f, &r, &e,
			     NOTES(G_BIOS " (Windows 10): ems (none) -> Yes"));
	}

	if (!(f = real("template-efi-no-dbgsettings.bcd"))) {
		skip(1, "template-efi-no-dbgsettings.bcd not present");
	} else {
		r = dbg_serial(1, 115200);
		check_refused("real efi template: dbgsettings", f, &r,
			      NOTES("no {dbgsettings} object"));
		r.create = true;
		check_refused("real efi template: dbgsettings with opt-in (no {globalsettings})", f,
			      &r, NOTES("nor a {globalsettings} object"));

		r = (struct recipe){ .kind = R_DEBUG, .on = true };
		ex_new(&e, G_EFI, "260000a0", "REG_BINARY", "01");
		check_recipe("real efi template: debug on", f, &r, &e,
			     NOTES("{default} (Windows 10 Pro): debug (none) -> Yes"));

		check_loaders("real efi template", f, G_EFI);
		r = emsset(1, 0);
		check_refused("real efi template: emssettings", f, &r,
			      NOTES("no {emssettings} object"));
		r = (struct recipe){ .kind = R_BOOTDEBUG, .object = "{fwbootmgr}", .on = true };
		ex_new(&e, G_FWBOOTMGR, "16000010", "REG_BINARY", "01");
		check_recipe("real efi template: bootdebug on {fwbootmgr}", f, &r, &e,
			     NOTES("{fwbootmgr}: bootdebug (none) -> Yes"));
	}

	if (!(f = real("ntloader-bcdedit-made.bcd"))) {
		skip(1, "ntloader-bcdedit-made.bcd not present");
	} else {
		check_describe("real ntloader", f, "{19260817-6666-8888-abcd-000000000000}", "NT6+ WIM",
			       -1, -1, "");
		r = dbg_serial(1, 115200);
		check_refused("real ntloader: dbgsettings", f, &r, NOTES("no {dbgsettings} object"));
		r.create = true;
		ex_line(&e, fmt("+[Objects\\%s]", G_DBG));
		ex_line(&e, fmt("+[Objects\\%s\\Description]", G_DBG));
		ex_line(&e, fmt("+[Objects\\%s\\Description] \"Type\" REG_DWORD 00 00 10 20", G_DBG));
		ex_line(&e, fmt("+[Objects\\%s\\Elements]", G_DBG));
		ex_new(&e, G_DBG, "15000011", "REG_BINARY", u64hex(0));
		ex_new(&e, G_DBG, "15000013", "REG_BINARY", u64hex(1));
		ex_new(&e, G_DBG, "15000014", "REG_BINARY", u64hex(115200));
		ex_new(&e, G_GLOBAL, "14000006", "REG_MULTI_SZ", multihex(G_DBG, NULL, NULL));
		check_recipe("real ntloader: dbgsettings with opt-in", f, &r, &e,
			     NOTES("{dbgsettings}: object created (type 0x20100000)",
				   "{globalsettings}: inherit (none) -> {dbgsettings}"));

		/* Three loaders (WIM, VHD, OS); ...0003 is a resume loader. */
		check_loaders("real ntloader", f,
			      G_NT("000000000000") " " G_NT("000000000001") " " G_NT("000000000002"));
		r = (struct recipe){ .kind = R_BOOTDEBUG, .object = BCD_ALL_LOADERS, .on = true };
		ex_new(&e, G_NT("000000000000"), "16000010", "REG_BINARY", "01");
		ex_new(&e, G_NT("000000000001"), "16000010", "REG_BINARY", "01");
		ex_new(&e, G_NT("000000000002"), "16000010", "REG_BINARY", "01");
		check_recipe("real ntloader: bootdebug on {all-loaders}", f, &r, &e,
			     NOTES(G_NT("000000000000") " (NT6+ WIM): bootdebug (none) -> Yes",
				   G_NT("000000000001") " (NT6+ VHD): bootdebug (none) -> Yes",
				   G_NT("000000000002") " (NT6+ OS): bootdebug (none) -> Yes"));

		r = (struct recipe){ .kind = R_EMS, .on = true };
		ex_new(&e, G_NT("000000000000"), "260000b0", "REG_BINARY", "01");
		check_recipe("real ntloader: ems on {default}", f, &r, &e,
			     NOTES("{default} (NT6+ WIM): ems (none) -> Yes"));

		r = emsset(1, 115200);
		check_refused("real ntloader: emssettings", f, &r, NOTES("no {emssettings} object"));
		r = (struct recipe){ .kind = R_DEBUG, .object = G_NT("100000000000"), .on = true };
		check_refused("real ntloader: debug on its loader settings object", f, &r,
			      NOTES(G_NT("100000000000"), "0x20200003"));
	}

	if (!(f = real("empty-store.bcd"))) {
		skip(1, "empty-store.bcd not present");
	} else {
		struct hive *h = open_store(f, 0);
		is_int(bcd_check_store(h, err, sizeof(err)), 0, "real empty store: is a store");
		hive_close(h);
		r = (struct recipe){ .kind = R_DEBUG, .on = true };
		check_describe("real empty store", f, NULL, NULL, -1, -1, "");
		check_refused("real empty store: debug on {default}", f, &r,
			      NOTES("no {bootmgr} object, so {default} cannot be resolved"));
		check_loaders("real empty store", f, "");
		r = (struct recipe){ .kind = R_DEBUG, .object = BCD_ALL_LOADERS, .on = true };
		check_refused("real empty store: debug on {all-loaders}", f, &r,
			      NOTES("no Windows boot loader objects"));
	}
}

/* ------------------------------------------------------------ main */

int main(void)
{
	const char *mk = getenv("MKHIVE");
	const char *top = getenv("top_srcdir");

	if (!mk || !*mk) {
		printf("1..0 # SKIP MKHIVE not set\n");
		return 0;
	}
	if (!top || !*top)
		top = ".";
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/unit-bcd.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir))
		bail_out("cannot create a temporary directory");

	struct {
		char **out;
		const char *spec, *file, *root;
	} fx[] = {
		{ &media, "bcd-media.reg", "media.bcd", "System" },
		{ &nodbg, "bcd-nodbg.reg", "nodbg.bcd", "System" },
		{ &empty, "bcd-empty.reg", "empty.bcd", "NewStoreRoot" },
		{ &twoloaders, "bcd-twoloaders.reg", "twoloaders.bcd", "System" },
		{ &notbcd, "system-pe.reg", "system.hive", "ROOT" },
	};
	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++) {
		char *spec = keep(fmt("%s/tests/fixtures/%s", top, fx[i].spec));
		*fx[i].out = keep(fmt("%s/%s", tmpdir, fx[i].file));
		mkhive(*fx[i].out, spec, fx[i].root);
	}
	realdir = keep(fmt("%s/../shared/testdata/bcd", top));
	struct stat st;
	if (stat(realdir, &st) < 0 || !S_ISDIR(st.st_mode))
		realdir = NULL;

	test_parsers();
	test_reading();
	test_media_recipes();
	test_media_refusals();
	test_loaders();
	test_media_boot_ems();
	test_media_boot_ems_refusals();
	test_twoloaders();
	test_sequence();
	test_nodbg();
	test_empty();
	if (realdir)
		test_real();
	else
		skip(1, "no real BCD stores in ../shared/testdata/bcd");

	for (size_t i = 0; i < sizeof(fx) / sizeof(fx[0]); i++)
		unlink(*fx[i].out);
	if (rmdir(tmpdir) < 0)
		diag("cannot remove %s: %s", tmpdir, strerror(errno));
	for (size_t i = 0; i < n_pool; i++)
		free(pool[i]);
	free(pool);
	return done_testing();
}

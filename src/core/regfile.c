/* regfile.c - .reg files in and out; see regfile.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/escape.h"
#include "util/fsutil.h"
#include "util/infile.h"
#include "util/msg.h"
#include "core/regfile.h"
#include "util/strbuf.h"
#include "core/regval.h"

/* ------------------------------------------------------------ writing */

struct regfile_out {
	FILE *stream;		/* writing straight to a stream, or */
	struct strbuf text;	/* building the text (UTF-8) in memory */
	struct strbuf notes;	/* what could not be written, as comment lines */
	char *dest;		/* the file, or what stands for the stream, in messages */
	char *context;		/* the last comment: which file, image and hive */
	const char *last_key;	/* the section header last written */
	char *last_root;
	bool lost_section;	/* the current section's header could not be written */
	size_t left_out;
};

/* regedit's line end; both regedit and hivexregedit read it. */
#define EOL "\r\n"
#define HEADER "Windows Registry Editor Version 5.00"

static void out(struct regfile_out *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(struct regfile_out *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (r->stream)
		vfprintf(r->stream, fmt, ap);
	else
		strbuf_vaddf(&r->text, fmt, ap);
	va_end(ap);
}

static struct regfile_out *start(FILE *f, const char *dest)
{
	struct regfile_out *r = calloc(1, sizeof(*r));
	if (!r || !(r->dest = strdup(dest))) {
		free(r);
		msg_error("out of memory");
		return NULL;
	}
	r->stream = f;
	out(r, HEADER EOL);
	return r;
}

struct regfile_out *regfile_stream(FILE *f, const char *dest)
{
	return start(f, dest);
}

struct regfile_out *regfile_new(const char *dest)
{
	return start(NULL, dest);
}

/* "; text": a comment quotes names from the inputs.  A line feed in one
 * would end it and make the rest a line of the file, a backslash at its
 * end would continue it over the next line (both readers join such
 * lines before they look for comments): neither survives. */
static void comment_line(struct strbuf *b, const char *text)
{
	char *e = esc_dup(text, false);
	if (!e) {
		b->failed = true;
		return;
	}
	size_t n = strlen(e);
	bool tail = n && e[n - 1] == '\\';
	strbuf_addf(b, "; %.*s%s" EOL, (int)(n - tail), e, tail ? "\\x5c" : "");
	free(e);
}

void regfile_comment(struct regfile_out *r, const char *text)
{
	struct strbuf line = STRBUF_INIT;

	comment_line(&line, text);
	out(r, "%s", line.buf && !line.failed ? line.buf : ";" EOL);
	strbuf_release(&line);
	free(r->context);
	r->context = strdup(text);
	r->last_key = NULL;
}

/*
 * An entry a .reg file cannot hold: its key or value name has a control
 * character (a line feed splits the line; there is no escape for names).
 * It becomes a comment at the end, with the names escaped, and an error:
 * the file is then not complete.
 */
static void left_out(struct regfile_out *r, const char *root, const char *key, const char *name,
		     const struct regval *v, bool del)
{
	struct strbuf e = STRBUF_INIT;
	char *data = v ? regval_to_reg(v) : NULL;

	strbuf_addf(&e, "[%s", del ? "-" : "");
	esc_add(&e, root, false);
	strbuf_addstr(&e, "\\");
	esc_add(&e, key, false);
	strbuf_addstr(&e, "]");
	if (name) {
		strbuf_addstr(&e, name[0] ? " \"" : " @");
		if (name[0]) {
			esc_add(&e, name, true);
			strbuf_addstr(&e, "\"");
		}
		strbuf_addstr(&e, "=");
		esc_add(&e, v ? (data ? data : "?") : "-", false);
	}
	free(data);
	if (e.failed) {
		msg_error("out of memory");
		r->notes.failed = true;
	} else {
		msg_error("%s: %s%s%s: a .reg file cannot hold a name with control characters: "
			  "left out, noted at its end as a comment", r->dest,
			  r->context ? r->context : "", r->context ? ": " : "", e.buf);
		if (r->left_out == 0)
			comment_line(&r->notes, "Left out: a .reg file cannot hold these names "
				     "(their control characters are shown as escapes):");
		comment_line(&r->notes, e.buf);
	}
	r->left_out++;
	strbuf_release(&e);
}

static void section(struct regfile_out *r, const char *root, const char *key, bool del)
{
	if (!del && r->last_key && r->last_root && strcmp(r->last_key, key) == 0 &&
	    strcmp(r->last_root, root) == 0)
		return;
	free(r->last_root);
	r->last_root = strdup(root);
	r->last_key = del ? NULL : key;
	r->lost_section = esc_has_control(root) || esc_has_control(key);
	if (r->lost_section) {
		/* The values that follow are left out with it, one by one. */
		left_out(r, root, key, NULL, NULL, del);
		return;
	}
	/* A blank line between sections, as regedit writes them. */
	out(r, EOL "[%s%s%s%s]" EOL, del ? "-" : "", root, key[0] ? "\\" : "", key);
}

/* "name"=data, with long hex data wrapped as regedit wraps it. */
static void value_line(struct regfile_out *r, const char *name, const struct regval *v)
{
	if (r->lost_section || esc_has_control(name)) {
		left_out(r, r->last_root ? r->last_root : "?", r->last_key ? r->last_key : "?", name,
			 v, false);
		return;
	}
	char *data = v ? regval_to_reg(v) : NULL;
	if (v && !data) {
		r->text.failed = true;
		return;
	}
	if (name[0] == '\0') {
		out(r, "@");
	} else {
		out(r, "\"");
		for (const char *p = name; *p; p++)
			out(r, "%s%c", (*p == '"' || *p == '\\') ? "\\" : "", *p);
		out(r, "\"");
	}
	if (!v) {
		out(r, "=-" EOL);
		return;
	}
	out(r, "=");
	size_t col = strlen(name) + 3;
	if (strncmp(data, "hex", 3) != 0) {
		out(r, "%s" EOL, data);
	} else {
		for (char *p = data; *p;) {
			size_t n = strcspn(p, ",");
			if (col + n + 1 > 78 && p != data) {
				out(r, "\\" EOL "  ");
				col = 2;
			}
			out(r, "%.*s%s", (int)n, p, p[n] ? "," : "");
			col += n + 1;
			p += n + (p[n] ? 1 : 0);
		}
		out(r, EOL);
	}
	free(data);
}

void regfile_changes(struct regfile_out *r, const char *root, const struct changelist *cl)
{
	for (size_t i = 0; i < cl->n; i++) {
		const struct change *c = &cl->v[i];
		switch (c->kind) {
		case CH_KEY_ADDED:
			section(r, root, c->key, false);
			break;
		case CH_KEY_DELETED:
			section(r, root, c->key, true);
			break;
		case CH_VALUE_SET:
			section(r, root, c->key, false);
			value_line(r, c->name, &c->new);
			break;
		case CH_VALUE_DELETED:
			section(r, root, c->key, false);
			value_line(r, c->name, NULL);
			break;
		}
	}
}

void regfile_key(struct regfile_out *r, const char *root, const char *key)
{
	/* Each key its own section, even one spelled like the last. */
	r->last_key = NULL;
	section(r, root, key, false);
}

void regfile_value(struct regfile_out *r, const char *name, const struct regval *v)
{
	value_line(r, name, v);
}

void regfile_undo(struct regfile_out *r, const char *root, const struct changelist *cl)
{
	for (size_t i = cl->n; i-- > 0;) {
		const struct change *c = &cl->v[i];
		switch (c->kind) {
		case CH_KEY_ADDED:
			section(r, root, c->key, true);
			break;
		case CH_KEY_DELETED:
			for (size_t k = 0; k < c->n_snapshot; k++) {
				const struct key_snapshot *s = &c->snapshot[k];
				section(r, root, s->path, false);
				for (size_t j = 0; j < s->n_values; j++)
					value_line(r, s->values[j].name, &s->values[j].val);
			}
			break;
		case CH_VALUE_SET:
			section(r, root, c->key, false);
			value_line(r, c->name, c->has_old ? &c->old : NULL);
			break;
		case CH_VALUE_DELETED:
			section(r, root, c->key, false);
			value_line(r, c->name, &c->old);
			break;
		}
	}
}

static void release(struct regfile_out *r);

void regfile_changes_comment(struct regfile_out *r, const char *prefix, const char *root,
			     const struct changelist *cl)
{
	struct regfile_out *w = start(NULL, r->dest);
	if (!w) {
		r->text.failed = true;
		return;
	}
	regfile_changes(w, root, cl);
	/* Lines without their blank separators, each behind the prefix;
	 * names a .reg file cannot hold are left out of both. */
	const char *p = w->text.buf ? w->text.buf + strlen(HEADER) : "";
	while (*p) {
		size_t n = strcspn(p, "\r\n");
		if (n)
			out(r, "%s%.*s" EOL, prefix, (int)n, p);
		p += n;
		p += strspn(p, "\r\n");
	}
	/* What it leaves out, the undo entries (written next) leave out and
	 * report too. */
	if (w->text.failed)
		r->text.failed = true;
	release(w);
}

static bool cannot_hold(const char *key, const char *name, const char **k, const char **n)
{
	if (esc_has_control(key)) {
		*k = key;
		*n = NULL;
		return true;
	}
	if (name && esc_has_control(name)) {
		*k = key;
		*n = name;
		return true;
	}
	return false;
}

bool regfile_can_hold(const struct changelist *cl, bool undo, const char **key, const char **name)
{
	for (size_t i = 0; i < cl->n; i++) {
		const struct change *c = &cl->v[i];
		if (cannot_hold(c->key, c->name, key, name))
			return false;
		if (!undo || c->kind != CH_KEY_DELETED)
			continue;
		/* What undoes a deleted key recreates all it held. */
		for (size_t k = 0; k < c->n_snapshot; k++) {
			const struct key_snapshot *s = &c->snapshot[k];
			if (cannot_hold(s->path, NULL, key, name))
				return false;
			for (size_t j = 0; j < s->n_values; j++)
				if (cannot_hold(s->path, s->values[j].name, key, name))
					return false;
		}
	}
	return true;
}

size_t regfile_left_out(const struct regfile_out *r)
{
	return r->left_out;
}

/* The notes on what was left out, after everything else: a comment
 * between a section's values would end the section for hivexregedit. */
static void add_notes(struct regfile_out *r)
{
	if (r->notes.len) {
		out(r, EOL "%s", r->notes.buf);
		strbuf_release(&r->notes);
	}
}

static void release(struct regfile_out *r)
{
	strbuf_release(&r->text);
	strbuf_release(&r->notes);
	free(r->dest);
	free(r->context);
	free(r->last_root);
	free(r);
}

int regfile_close(struct regfile_out *r)
{
	if (!r)
		return 0;
	int ret = r->left_out || r->notes.failed || r->text.failed ? -1 : 0;
	if (r->stream) {
		add_notes(r);
		out(r, EOL);
		fflush(r->stream);
	}
	release(r);
	return ret;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Replace `path` by `text` (UTF-8; UTF-16LE with BOM when utf16): a
 * synced temporary sibling renamed over it.  0, or -1 (reported). */
static int replace_file(const char *path, const char *text, bool utf16)
{
	const unsigned char *data = (const unsigned char *)text;
	size_t len = strlen(text);
	unsigned char *u16 = NULL;
	int ret = 0;

	if (utf16) {
		if (!(u16 = utf8_to_utf16le(text, &len))) {
			msg_error("%s: cannot convert to UTF-16", path);
			return -1;
		}
		data = u16;
	}
	char *tmp = fs_temp_sibling(path);
	int fd = tmp ? open(tmp, O_WRONLY | O_TRUNC | O_CLOEXEC) : -1;
	if (tmp && (fd < 0 || (utf16 && write_all(fd, "\xff\xfe", 2) < 0) ||
		    write_all(fd, data, len) < 0 || fsync(fd) < 0)) {
		msg_error("%s: cannot write: %s", tmp, strerror(errno));
		ret = -1;
	}
	if (fd >= 0 && close(fd) < 0 && ret == 0) {
		msg_error("%s: %s", tmp, strerror(errno));
		ret = -1;
	}
	/* Locked before it goes in place, until the run ends: a run waiting
	 * for the undo file (cli/undo_lock.h) finds the new one locked too. */
	if (!tmp || ret < 0 || fs_commit_temp(tmp, path, FS_PUT_LOCK | FS_PUT_LOCK_KEEP) < 0) {
		fs_discard_temp(tmp);
		ret = -1;
	} else {
		free(tmp);
	}
	free(u16);
	return ret;
}

/* ------------------------------------------------------------ reading */

#define REGFILE_MAX ((size_t)64 * 1024 * 1024)

struct reader {
	const char *file;
	const char *root;
	struct rule *rule;
	bool v4;		/* REGEDIT4: 8-bit strings */
	char *key;		/* current section, relative to root; NULL before one */
	int line;
	int errors;
};

static void rerr(struct reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rerr(struct reader *rd, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	msg_error("%s:%d: %s", rd->file, rd->line, buf);
	rd->errors++;
}

/* The whole file as UTF-8 text: UTF-16LE (with BOM) is converted. */
static char *read_text(const char *path, char *err, size_t errlen)
{
	size_t n;
	char *buf = infile_read(path, REGFILE_MAX, &n, err, errlen);

	if (!buf)
		return NULL;
	if (n >= 2 && (unsigned char)buf[0] == 0xff && (unsigned char)buf[1] == 0xfe) {
		char *u8 = utf16le_to_utf8((unsigned char *)buf + 2, n - 2);
		free(buf);
		buf = u8;
		if (!buf)
			snprintf(err, errlen, "not valid UTF-16");
	} else if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		memmove(buf, buf + 3, n - 2);
	} else if (memchr(buf, '\0', n)) {
		free(buf);
		buf = NULL;
		snprintf(err, errlen, "binary data: not a .reg file (UTF-16 files need a BOM)");
	}
	return buf;
}

/* Parse a quoted string at *p (escapes \\ and \"); advances past it. */
static char *parse_quoted(const char **p)
{
	const char *s = *p + 1;
	size_t cap = strlen(s) + 1, n = 0;
	char *outs = malloc(cap);

	if (!outs)
		return NULL;
	for (; *s && *s != '"'; s++) {
		if (*s == '\\' && (s[1] == '\\' || s[1] == '"'))
			s++;
		outs[n++] = *s;
	}
	if (*s != '"') {
		free(outs);
		return NULL;
	}
	outs[n] = '\0';
	*p = s + 1;
	return outs;
}

static bool parse_hex(const char *s, unsigned char **data, size_t *len)
{
	size_t cap = strlen(s) / 2 + 1, n = 0;
	unsigned char *b = malloc(cap);

	if (!b)
		return false;
	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) ||
		    (s[2] && s[2] != ',' && s[2] != ' ' && s[2] != '\t')) {
			free(b);
			return false;
		}
		char hx[3] = { s[0], s[1], 0 };
		b[n++] = (unsigned char)strtoul(hx, NULL, 16);
		s += 2;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == ',')
			s++;
	}
	*data = b;
	*len = n;
	return true;
}

/* REGEDIT4 stores the strings of hex(1), hex(2) and hex(7) as 8-bit text;
 * the hive wants UTF-16LE. */
static bool widen_ansi(struct regval *v)
{
	iconv_t cd = iconv_open("UTF-16LE", "WINDOWS-1252");
	if (cd == (iconv_t)-1)
		return false;
	size_t cap = v->len * 2 + 2;
	unsigned char *o = malloc(cap);
	char *in = (char *)v->data, *op = (char *)o;
	size_t inl = v->len, outl = cap;
	bool ok = o && iconv(cd, &in, &inl, &op, &outl) != (size_t)-1;
	iconv_close(cd);
	if (!ok) {
		free(o);
		return false;
	}
	free(v->data);
	v->data = o;
	v->len = cap - outl;
	return true;
}

static bool parse_data(struct reader *rd, const char *p, struct regval *v)
{
	memset(v, 0, sizeof(*v));
	if (*p == '"') {
		char *text = parse_quoted(&p);
		if (!text || *p) {
			free(text);
			rerr(rd, "badly quoted string value");
			return false;
		}
		size_t n;
		unsigned char *u = utf8_to_utf16le(text, &n);
		free(text);
		if (!u) {
			rerr(rd, "string value is not valid text");
			return false;
		}
		v->type = REGT_SZ;
		v->data = u;
		v->len = n + 2;
		return true;
	}
	if (strncasecmp(p, "dword:", 6) == 0) {
		char *end;
		errno = 0;
		unsigned long x = strtoul(p + 6, &end, 16);
		if (strlen(p + 6) != 8 || *end || errno) {
			rerr(rd, "dword: needs exactly 8 hex digits");
			return false;
		}
		v->type = REGT_DWORD;
		v->len = 4;
		if (!(v->data = malloc(4)))
			return false;
		for (int i = 0; i < 4; i++)
			v->data[i] = (unsigned char)(x >> (8 * i));
		return true;
	}
	if (strncasecmp(p, "hex", 3) == 0) {
		const char *q = p + 3;
		unsigned long type = REGT_BINARY;
		if (*q == '(') {
			char *end;
			type = strtoul(q + 1, &end, 16);
			if (*end != ')' || end == q + 1) {
				rerr(rd, "hex(N): N must be a hex number");
				return false;
			}
			q = end + 1;
		}
		if (*q != ':') {
			rerr(rd, "expected ':' after hex");
			return false;
		}
		v->type = (uint32_t)type;
		if (!parse_hex(q + 1, &v->data, &v->len)) {
			rerr(rd, "bad hex data (two digits per byte, separated by commas)");
			return false;
		}
		if (rd->v4 && (type == REGT_SZ || type == REGT_EXPAND_SZ || type == REGT_MULTI_SZ) &&
		    !widen_ansi(v)) {
			regval_free(v);
			rerr(rd, "cannot convert REGEDIT4 text to UTF-16");
			return false;
		}
		return true;
	}
	rerr(rd, "unknown value data '%.40s'", p);
	return false;
}

/* [KEY] relative to the rule's hive root; NULL (reported) if outside it. */
static char *relative_key(struct reader *rd, const char *key)
{
	static const struct {
		const char *full, *abbrev;
	} hk[] = { { "HKEY_LOCAL_MACHINE", "HKLM" }, { "HKEY_USERS", "HKU" },
		   { "HKEY_CURRENT_USER", "HKCU" } };
	const char *root = rd->root;

	for (size_t i = 0; i < sizeof(hk) / sizeof(hk[0]); i++) {
		size_t fl = strlen(hk[i].full), al = strlen(hk[i].abbrev);
		const char *tail = NULL;
		if (strncasecmp(key, hk[i].abbrev, al) == 0 && key[al] == '\\')
			tail = key + al;
		else if (strncasecmp(key, hk[i].full, fl) == 0 && key[fl] == '\\')
			tail = key + fl;
		if (tail && strncasecmp(root, hk[i].full, fl) == 0) {
			/* Compare what follows the hive's own root name. */
			const char *rt = root + fl;
			size_t rl = strlen(rt);
			if (strncasecmp(tail, rt, rl) == 0 && tail[rl] == '\\' && tail[rl + 1])
				return strdup(tail + rl + 1);
			if (strncasecmp(tail, rt, rl) == 0 && tail[rl] == '\0') {
				rerr(rd, "[%s] is the hive's root key: name a key below it", key);
				return NULL;
			}
		}
	}
	rerr(rd, "[%s] is not under %s, the hive this rule edits", key, root);
	return NULL;
}

static struct op *add(struct reader *rd, enum op_kind kind, const char *key)
{
	struct op *op = rule_add_op(rd->rule);
	if (!op || !(op->key = strdup(key)) || !(op->src_file = strdup(rd->file))) {
		rerr(rd, "out of memory");
		return NULL;
	}
	op->kind = kind;
	op->src_line = rd->line;
	return op;
}

static void parse_line(struct reader *rd, char *l)
{
	size_t n = strlen(l);
	while (n && (l[n - 1] == ' ' || l[n - 1] == '\t'))
		l[--n] = '\0';
	while (*l == ' ' || *l == '\t')
		l++;
	if (!*l || *l == ';')
		return;
	if (*l == '[') {
		bool del = l[1] == '-';
		char *end = strrchr(l, ']');
		if (!end || end[1]) {
			rerr(rd, "a key line must end with ']'");
			return;
		}
		*end = '\0';
		free(rd->key);
		rd->key = relative_key(rd, l + 1 + del);
		if (rd->key)
			add(rd, del ? OP_DELETE_KEY : OP_CREATE_KEY, rd->key);
		if (del) {
			free(rd->key);
			rd->key = NULL;	/* values after [-KEY] have nowhere to go */
		}
		return;
	}
	if (!rd->key) {
		rerr(rd, "a value outside a [KEY] section");
		return;
	}
	const char *p = l;
	char *name;
	if (*p == '@') {
		name = strdup("");
		p++;
	} else if (*p == '"') {
		name = parse_quoted(&p);
	} else {
		rerr(rd, "expected \"name\"=..., @=... or [KEY]");
		return;
	}
	if (!name || *p != '=') {
		free(name);
		rerr(rd, "expected '=' after the value name");
		return;
	}
	p++;
	struct op *op;
	if (strcmp(p, "-") == 0) {
		if ((op = add(rd, OP_DELETE_VALUE, rd->key)))
			op->name = name;
		else
			free(name);
		return;
	}
	struct regval v;
	if (!parse_data(rd, p, &v)) {
		free(name);
		return;
	}
	if ((op = add(rd, OP_SET_VALUE, rd->key))) {
		op->name = name;
		op->value = v;
	} else {
		free(name);
		regval_free(&v);
	}
}

/* The entries of `text` (its lines numbered from line0 + 1), with or
 * without the header line. */
static int import_text(const char *name, const char *text, int line0, bool header,
		       const char *root, struct rule *rule)
{
	struct reader rd = { .file = name, .root = root, .rule = rule, .line = line0 };
	/* Logical lines: CRLF or LF, a trailing backslash continues a line. */
	char *line = NULL;
	size_t cap = 0, len = 0;
	int start_line = 0;
	bool have_header = !header;
	for (const char *p = text, *next; *p || len; p = next) {
		size_t n = strcspn(p, "\n");
		next = p[n] ? p + n + 1 : p + n;
		if (n && p[n - 1] == '\r')
			n--;
		rd.line++;
		if (len == 0)
			start_line = rd.line;
		const char *piece = p;
		if (len) /* continuation: leading blanks are layout */
			while (n && (*piece == ' ' || *piece == '\t'))
				piece++, n--;
		bool cont = n && piece[n - 1] == '\\';
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			char *nl = realloc(line, cap);
			if (!nl) {
				rerr(&rd, "out of memory");
				break;
			}
			line = nl;
		}
		memcpy(line + len, piece, n - cont);
		len += n - cont;
		line[len] = '\0';
		if (cont && *next)
			continue;
		int save = rd.line;
		rd.line = start_line;
		if (!have_header) {
			if (strcmp(line, "Windows Registry Editor Version 5.00") == 0) {
				have_header = true;
			} else if (strcmp(line, "REGEDIT4") == 0) {
				have_header = rd.v4 = true;
			} else if (line[0]) {
				rerr(&rd, "not a .reg file: expected 'Windows Registry Editor Version "
					  "5.00' or 'REGEDIT4'");
				rd.line = save;
				break;
			}
		} else {
			parse_line(&rd, line);
		}
		rd.line = save;
		len = 0;
		if (!*next)
			break;
	}
	if (!have_header && rd.errors == 0) {
		rd.line = 1;
		rerr(&rd, "empty file: not a .reg file");
	}
	free(line);
	free(rd.key);
	return rd.errors ? -1 : 0;
}

int regfile_import(const char *path, const char *root, struct rule *rule)
{
	char err[256];
	char *text = read_text(path, err, sizeof(err));

	if (!text) {
		msg_error("%s: %s", path, err);
		return -1;
	}
	int ret = import_text(path, text, 0, true, root, rule);
	free(text);
	return ret;
}

int regfile_import_text(const char *name, const char *text, int line0, const char *root,
			struct rule *rule)
{
	return import_text(name, text, line0, false, root, rule);
}

char *regfile_read(const char *path)
{
	char err[256];
	char *text = read_text(path, err, sizeof(err));

	if (!text)
		msg_error("%s: %s", path, err);
	return text;
}

/* ------------------------------------------------------------ adding to a file */

/*
 * The .reg file at `path`, if there is one, as UTF-8 text in *text (NULL
 * when there is no file), with *body pointing past its header line.
 * Anything but a regular .reg file of version 5.00 is refused: the file
 * is only ever added to, never replaced by something else.  0, or -1
 * (reported).
 */
static int existing(const char *path, char **text, const char **body)
{
	struct stat st;
	char err[256];

	*text = NULL;
	*body = EOL;
	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		msg_error("%s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		/* Renaming over it would replace the link, not the file. */
		msg_error("%s: a symbolic link: give the file it points to", path);
		return -1;
	}
	if (!(*text = read_text(path, err, sizeof(err)))) {
		msg_error("%s: %s", path, err);
		return -1;
	}
	/* Empty: the place a run holds for its undo file (cli/undo_lock.h),
	 * or left so by one killed before it wrote anything. */
	if (!**text)
		return 0;
	size_t n = strlen(HEADER);
	if (strncmp(*text, HEADER, n) != 0 || ((*text)[n] && (*text)[n] != '\r' && (*text)[n] != '\n')) {
		msg_error("%s: not a .reg file of version 5.00 (its first line is not '" HEADER
			  "'): an undo file is only ever added to, so this one is left as it is; "
			  "give another file", path);
		free(*text);
		*text = NULL;
		return -1;
	}
	*body = *text + n;
	return 0;
}

int regfile_check_dest(const char *path)
{
	char *text;
	const char *body;

	if (existing(path, &text, &body) < 0)
		return -1;
	free(text);
	/* The directory must take the temporary file the writes go through;
	 * better known now than after the first target is written. */
	char *tmp = fs_temp_sibling(path);
	if (!tmp)
		return -1;
	fs_discard_temp(tmp);
	return 0;
}

int regfile_prepend(struct regfile_out *r, const char *path, bool utf16)
{
	char *old;
	const char *body;
	int ret = -1;

	add_notes(r);
	if (existing(path, &old, &body) == 0) {
		/* The old entries after the new: merged in order, the file
		 * undoes the latest run first. */
		strbuf_addstr(&r->text, body);
		if (r->text.failed)
			msg_error("%s: out of memory", path);
		else
			ret = replace_file(path, r->text.buf, utf16);
	}
	free(old);
	release(r);
	return ret;
}

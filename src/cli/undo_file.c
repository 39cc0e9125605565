/* undo_file.c - the sections of an undo file; see undo_file.h. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/undo_file.h"
#include "core/regfile.h"
#include "util/array.h"
#include "util/msg.h"
#include "util/strbuf.h"

#define HEADER "Windows Registry Editor Version 5.00"
#define SECTION "; wimpatch-undo: "
/* What sink.c writes before the sections of each file a run wrote. */
#define RUN "; wimpatch apply"
#define WROTE "; wrote: "
/* Files inside images and images dropped (sink.c): records, not sections. */
#define IMAGE_NOTE "; wimpatch-undo-image-file: "
#define MEDIUM_NOTE "; wimpatch-undo-medium-file: "
#define DATA "; wimpatch-undo-data: "
#define EDITIONS_NOTE "; wimpatch-undo-editions: "

/* A header field's value, %XX decoded; malloc'd, or NULL. */
static char *decode(const char *s, size_t n)
{
	char *d = malloc(n + 1), *o = d;
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (s[i] == '%' && i + 2 < n && sscanf(s + i + 1, "%2x", &v) == 1) {
			*o++ = (char)v;
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return d;
}

/* A record's field and where its value goes. */
struct field {
	const char *name;
	char **slot;
};

/* "name=value; name=value" into the fields named in f[] (NULL-ended) and
 * the number image=; other names are skipped (a later wimpatch may add
 * some). */
static int parse_fields(const struct undo_file *u, int line, const char *p, const struct field *f,
			int *image)
{
	while (*p) {
		size_t n = strcspn(p, ";");
		const char *eq = memchr(p, '=', n);
		if (!eq) {
			msg_error("%s:%d: '%.*s' in the record is not NAME=VALUE", u->path, line,
				  (int)n, p);
			return -1;
		}
		size_t kl = (size_t)(eq - p);
		char *v = decode(eq + 1, n - kl - 1), **slot = NULL;
		if (!v) {
			msg_error("out of memory");
			return -1;
		}
		for (const struct field *k = f; k->name && !slot; k++)
			if (strlen(k->name) == kl && strncmp(p, k->name, kl) == 0)
				slot = k->slot;
		if (kl == 5 && strncmp(p, "image", 5) == 0)
			*image = atoi(v);
		if (slot) {
			free(*slot);
			*slot = v;
		} else {
			free(v);
		}
		p += n;
		p += strspn(p, "; ");
	}
	return 0;
}

/* The section header's fields. */
static int parse_header(const struct undo_file *u, struct undo_section *s, const char *p)
{
	const struct field f[] = {
		{ "target", &s->target }, { "file", &s->file }, { "kind", &s->kind },
		{ "role", &s->role }, { "hive", &s->hive }, { "root", &s->root }, { NULL, NULL },
	};
	if (parse_fields(u, s->line, p, f, &s->image) < 0)
		return -1;
	if (!s->target || !s->file || !s->kind || !s->hive || !s->root ||
	    (strcmp(s->kind, "wim") == 0 && s->image < 1)) {
		msg_error("%s:%d: the section header lacks target, file, kind, image, hive or root",
			  u->path, s->line);
		return -1;
	}
	return 0;
}

/* The line `l` (of length n) goes to one part, a blank line to the other. */
static void add_line(struct strbuf *to, struct strbuf *other, const char *l, size_t n)
{
	strbuf_add(to, l, n);
	strbuf_addstr(to, "\n");
	strbuf_addstr(other, "\n");
}

static struct undo_section *new_section(struct undo_file *u, int line, struct strbuf *w,
					struct strbuf *r)
{
	if (!ARRAY_GROW(u->v, u->n + 1, u->alloc))
		return NULL;
	struct undo_section *s = &u->v[u->n++];
	memset(s, 0, sizeof(*s));
	s->line = line;
	strbuf_release(w);
	strbuf_release(r);
	return s;
}

static void end_section(struct undo_section *s, struct strbuf *w, struct strbuf *r)
{
	if (!s)
		return;
	s->wrote = strbuf_finish(w);
	s->restore = strbuf_finish(r);
}

static bool same_place(const struct undo_section *a, const struct undo_section *b)
{
	const char *ra = undo_rel(a->file, a->target), *rb = undo_rel(b->file, b->target);
	return ra && rb && strcmp(a->target, b->target) == 0 && strcmp(ra, rb) == 0 &&
	       a->image == b->image &&
	       strcmp(a->kind, b->kind) == 0 && (strcmp(a->kind, "bcd") == 0 ||
						 strcasecmp(a->hive, b->hive) == 0);
}

/*
 * Two sections for one place: `older` (further down: the file grows at
 * the top) is from an earlier run.  Everything above the piece of run
 * that holds it is newer and has no place twice, so that is where to
 * split: the part above undone first, then the rest.  Each run is checked
 * against the target as it is then, which one undo of both could not do.
 */
static void say_split(const struct undo_file *u, const struct undo_section *newer,
		      const struct undo_section *older)
{
	int cut = older->block - 1;	/* the last line of the newer part */

	msg_error("%s:%d and %d: two sections for %s, image %d, %s: the file holds several "
		  "runs, the newest first; undo them one at a time, newest first: split it "
		  "before line %d, e.g. head -n %d %s >newer.reg; { head -n 1 %s; tail -n +%d "
		  "%s; } >older.reg; then wimpatch undo newer.reg TARGET, and wimpatch undo "
		  "older.reg TARGET (which may hold several runs in turn)",
		  u->path, newer->line, older->line, older->file, older->image, older->hive,
		  cut + 1, cut, u->path, u->path, cut + 1, u->path);
}

/* An empty file's old bytes take no wimpatch-undo-data line. */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

bool undo_image_file_restorable(const struct undo_image_file *f)
{
	bool kept = f->old_sha256 && (f->b64 || strcmp(f->old_sha256, EMPTY_SHA256) == 0);
	if (f->medium && strcmp(f->action, "switched") == 0)
		return f->old_path != NULL;
	if (f->medium && strcmp(f->action, "removed") == 0)
		return kept;
	if (!f->sha256 || (!f->role && !f->medium))
		return false;	/* an older wimpatch's record */
	if (strcmp(f->action, "added") == 0)
		return true;
	return strcmp(f->action, "replaced") == 0 && kept;
}

static int check_sections(const struct undo_file *u)
{
	size_t files = 0, notes = u->n_editions;

	for (size_t i = 0; i < u->n_files; i++) {
		const struct undo_image_file *f = &u->files[i];
		if (!undo_image_file_restorable(f)) {
			notes++;
		} else if (!undo_rel(f->file, f->target)) {
			msg_error("%s:%d: file %s is not under target %s", u->path, f->line, f->file,
				  f->target);
			return -1;
		} else {
			files++;
		}
	}
	if (u->n_medium)
		msg_info("%s: %zu change%s to the medium's files (replaced or removed, their old "
			 "bytes over 64 KiB and not kept) or boot entry %s not put back by wimpatch "
			 "undo; its wimpatch-medium comments say what to do by hand", u->path,
			 u->n_medium, u->n_medium == 1 ? "" : "s", u->n_medium == 1 ? "is" : "are");
	if (u->n == 0 && files == 0) {
		if (notes)
			msg_error("%s: it records only files replaced inside images whose old bytes "
				  "are not kept, or images dropped (%zu), which wimpatch undo cannot "
				  "put back: its comments say how", u->path, notes);
		else
			msg_error("%s: no wimpatch-undo section: nothing to undo", u->path);
		return -1;
	}
	if (notes)
		msg_warn("%s: %zu change%s to files inside images (old bytes not kept) or to their "
			 "editions %s not put back by wimpatch undo (its comments say how)", u->path,
			 notes, notes == 1 ? "" : "s", notes == 1 ? "is" : "are");
	for (size_t i = 0; i < u->n; i++) {
		if (!undo_rel(u->v[i].file, u->v[i].target)) {
			msg_error("%s:%d: file %s is not under target %s", u->path, u->v[i].line,
				  u->v[i].file, u->v[i].target);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (same_place(&u->v[i], &u->v[j])) {
				say_split(u, &u->v[j], &u->v[i]);
				return -1;
			}
	}
	return 0;
}

/* A "; wimpatch-undo-image-file: " record (the text after it), or with
 * `medium` a "; wimpatch-undo-medium-file: " one. */
static int parse_image_file(struct undo_file *u, int line, const char *p, size_t len, bool medium)
{
	char *h = strndup(p, len);
	if (!h || !ARRAY_GROW(u->files, u->n_files + 1, u->a_files)) {
		free(h);
		msg_error("out of memory");
		return -1;
	}
	struct undo_image_file *f = &u->files[u->n_files++];
	memset(f, 0, sizeof(*f));
	f->line = line;
	f->medium = medium;
	const struct field fl[] = {
		{ "target", &f->target }, { "file", &f->file }, { "role", &f->role },
		{ "path", &f->path }, { "action", &f->action }, { "sha256", &f->sha256 },
		{ "old-sha256", &f->old_sha256 }, { "old-path", &f->old_path }, { NULL, NULL },
	};
	int ret = parse_fields(u, line, h, fl, &f->image);
	free(h);
	if (ret == 0 && (!f->target || !f->file || !f->path || !f->action ||
			 (!medium && f->image < 1))) {
		msg_error("%s:%d: the %s record lacks target, file,%s path or action", u->path, line,
			  medium ? "medium-file" : "image-file", medium ? "" : " image,");
		ret = -1;
	}
	return ret;
}

/* A "; wimpatch-undo-data: " line: more of the last record's old bytes. */
static int add_data(struct undo_file *u, int line, const char *p, size_t len)
{
	struct undo_image_file *f = u->n_files ? &u->files[u->n_files - 1] : NULL;
	if (!f) {
		msg_error("%s:%d: a wimpatch-undo-data line before any image-file record", u->path,
			  line);
		return -1;
	}
	size_t have = f->b64 ? strlen(f->b64) : 0;
	char *b = realloc(f->b64, have + len + 1);
	if (!b) {
		msg_error("out of memory");
		return -1;
	}
	memcpy(b + have, p, len);
	b[have + len] = '\0';
	f->b64 = b;
	return 0;
}

static bool starts(const char *p, size_t len, const char *prefix)
{
	return len >= strlen(prefix) && strncmp(p, prefix, strlen(prefix)) == 0;
}

static int parse(struct undo_file *u, const char *text)
{
	struct strbuf w = STRBUF_INIT, r = STRBUF_INIT;
	struct undo_section *cur = NULL;
	int line = 0, ret = 0, block = 0;

	for (const char *p = text, *next; *p && ret == 0; p = next) {
		size_t n = strcspn(p, "\n");
		next = p[n] ? p + n + 1 : p + n;
		size_t len = n && p[n - 1] == '\r' ? n - 1 : n;
		line++;
		if (line == 1) {
			if (len != strlen(HEADER) || strncmp(p, HEADER, len) != 0) {
				msg_error("%s:1: not an undo file (its first line is not '" HEADER "')",
					  u->path);
				ret = -1;
			}
			continue;
		}
		if (len >= strlen(RUN) && strncmp(p, RUN, strlen(RUN)) == 0)
			block = line;
		if (len >= strlen(SECTION) && strncmp(p, SECTION, strlen(SECTION)) == 0) {
			end_section(cur, &w, &r);
			char *h = strndup(p + strlen(SECTION), len - strlen(SECTION));
			if (!h || !(cur = new_section(u, line, &w, &r))) {
				free(h);
				msg_error("out of memory");
				ret = -1;
				break;
			}
			cur->block = block ? block : line;
			/* Both parts start on the line after the header. */
			ret = parse_header(u, cur, h);
			free(h);
			continue;
		}
		/* Records, not part of a section: a blank line in its text
		 * keeps the line numbers. */
		if (starts(p, len, IMAGE_NOTE) || starts(p, len, MEDIUM_NOTE) || starts(p, len, DATA)) {
			if (starts(p, len, DATA))
				ret = add_data(u, line, p + strlen(DATA), len - strlen(DATA));
			else if (starts(p, len, IMAGE_NOTE))
				ret = parse_image_file(u, line, p + strlen(IMAGE_NOTE),
						       len - strlen(IMAGE_NOTE), false);
			else
				ret = parse_image_file(u, line, p + strlen(MEDIUM_NOTE),
						       len - strlen(MEDIUM_NOTE), true);
			if (cur)
				add_line(&r, &w, "", 0);
			continue;
		}
		if (starts(p, len, EDITIONS_NOTE))
			u->n_editions++;
		const char *q = p + strspn(p, " \t");
		size_t ql = len - (size_t)(q - p);
		if (ql >= 19 && strncmp(q, "; wimpatch-medium: ", 19) == 0)
			u->n_medium++;
		if (!cur) {
			if (ql && *q != ';') {
				msg_error("%s:%d: an entry before any wimpatch-undo section: this undo "
					  "file does not say which file, image and hive its values "
					  "came from (an older wimpatch wrote it, or it was edited); "
					  "import it with regedit or hivexregedit instead", u->path, line);
				ret = -1;
			}
			continue;
		}
		if (len >= strlen(WROTE) && strncmp(p, WROTE, strlen(WROTE)) == 0)
			add_line(&w, &r, p + strlen(WROTE), len - strlen(WROTE));
		else
			add_line(&r, &w, p, len);
	}
	end_section(cur, &w, &r);
	if (ret == 0 && (w.failed || r.failed)) {
		msg_error("out of memory");
		ret = -1;
	}
	strbuf_release(&w);
	strbuf_release(&r);
	return ret == 0 ? check_sections(u) : -1;
}

int undo_file_read(const char *path, struct undo_file *u)
{
	memset(u, 0, sizeof(*u));
	if (!(u->path = strdup(path))) {
		msg_error("out of memory");
		return -1;
	}
	char *text = regfile_read(path);
	if (!text)
		return -1;
	int ret = parse(u, text);
	free(text);
	return ret;
}

void undo_file_free(struct undo_file *u)
{
	u->n += u->n_other;
	for (size_t i = 0; i < u->n; i++) {
		struct undo_section *s = &u->v[i];
		free(s->target);
		free(s->file);
		free(s->kind);
		free(s->role);
		free(s->hive);
		free(s->root);
		free(s->wrote);
		free(s->restore);
	}
	free(u->v);
	u->n_files += u->n_files_other;
	for (size_t i = 0; i < u->n_files; i++) {
		struct undo_image_file *f = &u->files[i];
		free(f->target);
		free(f->file);
		free(f->role);
		free(f->path);
		free(f->action);
		free(f->sha256);
		free(f->old_sha256);
		free(f->old_path);
		free(f->b64);
	}
	free(u->files);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

/* The records of `target` first, the others after them: how many it has. */
static size_t keep_files(struct undo_file *u, const char *target)
{
	size_t k = 0;

	for (size_t i = 0; i < u->n_files; i++) {
		if (strcmp(u->files[i].target, target) == 0) {
			struct undo_image_file t = u->files[k];
			u->files[k++] = u->files[i];
			u->files[i] = t;
		}
	}
	return k;
}

int undo_file_keep_target(struct undo_file *u, const char *target)
{
	size_t k = 0, kf;
	bool several = false;
	const char *first = u->n ? u->v[0].target : u->n_files ? u->files[0].target : NULL;
	int first_line = u->n ? u->v[0].line : u->n_files ? u->files[0].line : 0;

	for (size_t i = 0; i < u->n; i++)
		several |= strcmp(u->v[i].target, first) != 0;
	for (size_t i = 0; i < u->n_files; i++)
		several |= strcmp(u->files[i].target, first) != 0;
	if (!several)
		return 0;
	for (size_t i = 0; i < u->n; i++) {
		if (strcmp(u->v[i].target, target) == 0) {
			struct undo_section t = u->v[k];
			u->v[k++] = u->v[i];
			u->v[i] = t;
		}
	}
	kf = keep_files(u, target);
	if (k == 0 && kf == 0) {
		msg_error("%s: holds the undo of several targets, none of them %s (line %d: %s): "
			  "give the one to undo by the name apply was given", u->path, target,
			  first_line, first);
		return -1;
	}
	/* The others are freed with the file, after the kept ones. */
	u->n_other = u->n - k;
	u->n = k;
	u->n_files_other = u->n_files - kf;
	u->n_files = kf;
	return 0;
}

const char *undo_rel(const char *file, const char *target)
{
	size_t n = strlen(target);
	while (n > 1 && target[n - 1] == '/')
		n--;
	if (strcmp(file, target) == 0 || (strncmp(file, target, n) == 0 && file[n] == '\0'))
		return "";
	if (strncmp(file, target, n) == 0 && file[n] == '/')
		return file + n + 1;
	return NULL;
}

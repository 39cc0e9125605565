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
/* Files and images an apply recorded but undo does not put back (sink.c). */
#define IMAGE_NOTE "; wimpatch-undo-image-file: "
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

/* "name=value; name=value" into the section's fields. */
static int parse_header(const struct undo_file *u, struct undo_section *s, const char *p)
{
	while (*p) {
		size_t n = strcspn(p, ";");
		const char *eq = memchr(p, '=', n);
		if (!eq) {
			msg_error("%s:%d: '%.*s' in the section header is not NAME=VALUE", u->path,
				  s->line, (int)n, p);
			return -1;
		}
		size_t kl = (size_t)(eq - p);
		char *v = decode(eq + 1, n - kl - 1);
		char **slot = NULL;
		if (kl == 6 && strncmp(p, "target", 6) == 0)
			slot = &s->target;
		else if (kl == 4 && strncmp(p, "file", 4) == 0)
			slot = &s->file;
		else if (kl == 4 && strncmp(p, "kind", 4) == 0)
			slot = &s->kind;
		else if (kl == 4 && strncmp(p, "role", 4) == 0)
			slot = &s->role;
		else if (kl == 4 && strncmp(p, "hive", 4) == 0)
			slot = &s->hive;
		else if (kl == 4 && strncmp(p, "root", 4) == 0)
			slot = &s->root;
		else if (kl == 5 && strncmp(p, "image", 5) == 0 && v)
			s->image = atoi(v);
		if (!v) {
			msg_error("out of memory");
			return -1;
		}
		if (slot) {
			free(*slot);
			*slot = v;
		} else {
			free(v);	/* a field a later wimpatch may add */
		}
		p += n;
		p += strspn(p, "; ");
	}
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

static int check_sections(const struct undo_file *u, size_t notes)
{
	if (u->n_medium)
		msg_info("%s: %zu file%s of the medium %s added, replaced or removed: wimpatch undo "
			 "puts no file back (a replaced or removed file's bytes are not kept); its "
			 "wimpatch-medium comments say what to do by hand", u->path, u->n_medium,
			 u->n_medium == 1 ? "" : "s", u->n_medium == 1 ? "was" : "were");
	if (u->n == 0 && notes) {
		msg_error("%s: it records only files added or replaced inside images, or images "
			  "dropped (%zu), which wimpatch undo does not put back: its comments say how",
			  u->path, notes);
		return -1;
	}
	if (u->n == 0) {
		msg_error("%s: no wimpatch-undo section: nothing to undo", u->path);
		return -1;
	}
	if (notes)
		msg_warn("%s: %zu change%s to files inside images or to their editions %s not put "
			 "back by wimpatch undo (its comments say how)", u->path, notes,
			 notes == 1 ? "" : "s", notes == 1 ? "is" : "are");
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

static int parse(struct undo_file *u, const char *text)
{
	struct strbuf w = STRBUF_INIT, r = STRBUF_INIT;
	struct undo_section *cur = NULL;
	int line = 0, ret = 0, block = 0;
	size_t notes = 0;

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
		if ((len >= strlen(IMAGE_NOTE) && strncmp(p, IMAGE_NOTE, strlen(IMAGE_NOTE)) == 0) ||
		    (len >= strlen(EDITIONS_NOTE) && strncmp(p, EDITIONS_NOTE, strlen(EDITIONS_NOTE)) == 0))
			notes++;
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
	return ret == 0 ? check_sections(u, notes) : -1;
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
	free(u->path);
	memset(u, 0, sizeof(*u));
}

int undo_file_keep_target(struct undo_file *u, const char *target)
{
	size_t k = 0;
	bool several = false;

	for (size_t i = 1; i < u->n; i++)
		several |= strcmp(u->v[i].target, u->v[0].target) != 0;
	if (!several)
		return 0;
	for (size_t i = 0; i < u->n; i++) {
		if (strcmp(u->v[i].target, target) == 0) {
			struct undo_section t = u->v[k];
			u->v[k++] = u->v[i];
			u->v[i] = t;
		}
	}
	if (k == 0) {
		msg_error("%s: holds the undo of several targets, none of them %s (line %d: %s): "
			  "give the one to undo by the name apply was given", u->path, target,
			  u->v[0].line, u->v[0].target);
		return -1;
	}
	/* The others' sections are freed with the file, after the kept ones. */
	u->n_other = u->n - k;
	u->n = k;
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

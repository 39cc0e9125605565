/*
 * profile_media.c - the medium-level elements of a profile: <file>,
 * <remove-file> and <boot>, into the plan's media part (core/plan.h).
 *
 * A path on the medium is checked here for form only: '/' or '\'
 * separated, relative, no "." or ".." component, no control character;
 * whether it meets a symbolic link or an existing spelling is the
 * target's business.  A source (from=, from-dir=) written in the profile
 * is relative to the profile's directory; one that comes from a -D
 * parameter (the attribute holds "${...}") is the user's, relative to the
 * current directory.  Sources are checked before anything is written: a
 * regular file (or a directory for from-dir), and, with check="xml",
 * well-formed XML read by the same locked-down parser as profiles.
 * Listing and validating profiles without -D (sample parameters) checks
 * no source: there is none yet.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/plan.h"
#include "profiles/profile_int.h"
#include "util/infile.h"
#include "util/msg.h"

/* The medium path in normal form ("sources/$OEM$/x"), malloc'd; NULL with
 * the reason in `err` (or, err empty, out of memory). */
static char *medium_path(const char *in, bool dir_ok, char *err, size_t errlen)
{
	size_t n = strlen(in);
	char *out = malloc(n + 1), *o = out;

	err[0] = '\0';
	if (!out)
		return NULL;
	if (in[0] == '/' || in[0] == '\\' || (n >= 2 && in[1] == ':')) {
		snprintf(err, errlen, "is absolute: paths are relative to the medium's root");
		goto bad;
	}
	for (const char *p = in; *p;) {
		size_t l = strcspn(p, "/\\");
		if (l == 0) {
			p++;
			continue;
		}
		if ((l == 1 && p[0] == '.') || (l == 2 && p[0] == '.' && p[1] == '.')) {
			snprintf(err, errlen, "has a '%.*s' component: a path must name a place "
				 "inside the medium, plainly", (int)l, p);
			goto bad;
		}
		for (size_t i = 0; i < l; i++) {
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f) {
				snprintf(err, errlen, "has a control character");
				goto bad;
			}
		}
		if (o != out)
			*o++ = '/';
		memcpy(o, p, l);
		o += l;
		p += l;
	}
	*o = '\0';
	if (o == out && !dir_ok) {
		snprintf(err, errlen, "names no file");
		goto bad;
	}
	return out;
bad:
	free(out);
	return NULL;
}

/* `from` as a path that opens from the current directory: a profile's
 * own relative paths are taken from its directory. */
static char *source_path(struct doc_ctx *d, const char *from, bool from_param)
{
	const char *slash = strrchr(d->file, '/');
	char *s = NULL;

	if (from[0] == '/' || from_param || !slash)
		return strdup(from);
	if (asprintf(&s, "%.*s/%s", (int)(slash - d->file), d->file, from) < 0)
		return NULL;
	return s;
}

/* A source that is there and of the right kind, before anything is
 * written.  `raw` is the attribute as written: one naming a parameter is
 * said with it, so that the user knows which -D to fix. */
static bool source_ok(struct doc_ctx *d, xmlNodePtr n, const char *attr, const char *raw,
		      const char *src, bool dir, bool xml)
{
	struct stat st;
	char why[256], what[1024];
	int fd;

	if (d->L->path->sample_params)
		return true;
	if (strstr(raw, "${"))
		snprintf(what, sizeof(what), "%s=\"%s\" (-D: %s)", attr, raw, src);
	else
		snprintf(what, sizeof(what), "%s=\"%s\"", attr, src);
	if ((fd = infile_open(src, dir, &st, why, sizeof(why))) < 0) {
		doc_error(d, n, "%s: %s", what, why);
		return false;
	}
	close(fd);
	if (dir != S_ISDIR(st.st_mode)) {
		doc_error(d, n, "%s: %s", what,
			  dir ? "not a directory (from-dir names a directory of files to copy)"
			      : "a directory (give it as from-dir)");
		return false;
	}
	if (xml && doc_check_well_formed(src) < 0) {
		doc_error(d, n, "%s: not well-formed XML (check=\"xml\"), nothing is written", what);
		return false;
	}
	return true;
}

/* Appends an op with the element's place; NULL after counting an
 * out-of-memory error. */
static struct media_op *add_op(struct doc_ctx *d, xmlNodePtr n, enum media_op_kind kind)
{
	struct media_op *op = media_plan_add_op(&doc_plan(d)->media);

	if (!op || !(op->profile = strdup(d->name)) || !(op->src_file = strdup(d->file))) {
		doc_oom(d);
		return NULL;
	}
	op->kind = kind;
	op->src_line = (int)doc_line(n);
	return op;
}

/* <file path= (from= | from-dir=) check=>: add or replace medium files. */
void parse_media_file(struct doc_ctx *d, xmlNodePtr n)
{
	bool oom = false, dir;
	char err[256];
	char *path = doc_attr(d, n, "path", &oom);
	char *from = doc_attr(d, n, "from", &oom);
	char *from_dir = doc_attr(d, n, "from-dir", &oom);
	char *raw = doc_raw_attr(n, from ? "from" : "from-dir", &oom);
	char *check = doc_raw_attr(n, "check", &oom);
	char *mpath = NULL, *src = NULL;
	struct media_op *op;

	if (oom)
		goto oom;
	if (d->errors)
		goto out;
	/* An optional parameter without a value: the element does nothing. */
	if (!from && !from_dir) {
		if (!raw)
			doc_error(d, n, "<file> needs from= (a file) or from-dir= (a directory)");
		goto out;
	}
	if (from && from_dir) {
		doc_error(d, n, "<file> takes from= or from-dir=, not both");
		goto out;
	}
	dir = from_dir != NULL;
	if (!path || !(mpath = medium_path(path, dir, err, sizeof(err)))) {
		if (path && !err[0])
			goto oom;
		doc_error(d, n, "path=\"%s\": %s", path ? path : "", path ? err : "missing");
		goto out;
	}
	if (!(src = source_path(d, dir ? from_dir : from, strstr(raw, "${") != NULL)))
		goto oom;
	if (!source_ok(d, n, dir ? "from-dir" : "from", raw, src, dir,
		       check && strcmp(check, "xml") == 0))
		goto out;
	if (!(op = add_op(d, n, dir ? MOP_PUT_DIR : MOP_PUT_FILE)))
		goto out;
	op->path = mpath;
	op->from = src;
	mpath = src = NULL;
	goto out;
oom:
	doc_oom(d);
out:
	free(path);
	free(from);
	free(from_dir);
	free(raw);
	free(check);
	free(mpath);
	free(src);
}

/* <remove-file path=>: remove a medium file (nothing when absent). */
void parse_media_remove(struct doc_ctx *d, xmlNodePtr n)
{
	bool oom = false;
	char err[256];
	char *path = doc_attr(d, n, "path", &oom);
	char *mpath = NULL;
	struct media_op *op;

	if (oom) {
		doc_oom(d);
	} else if (!path || !(mpath = medium_path(path, false, err, sizeof(err)))) {
		if (path && !err[0])
			doc_oom(d);
		else if (!d->errors)
			doc_error(d, n, "path=\"%s\": %s", path ? path : "", path ? err : "missing");
	} else if ((op = add_op(d, n, MOP_REMOVE))) {
		op->path = mpath;
		mpath = NULL;
	}
	free(path);
	free(mpath);
}

/* <boot efi="noprompt|prompt" bios="noprompt|prompt"/>: "prompt" leaves
 * that firmware's prompt as the medium has it. */
void parse_media_boot(struct doc_ctx *d, xmlNodePtr n)
{
	bool oom = false;
	char *efi = doc_attr(d, n, "efi", &oom);
	char *bios = doc_attr(d, n, "bios", &oom);
	struct media_plan *m = &doc_plan(d)->media;

	if (oom)
		goto oom;
	if (efi && strcmp(efi, "noprompt") == 0 && !m->efi_noprompt) {
		if (!(m->boot_src_file = strdup(d->file)))
			goto oom;
		m->efi_noprompt = true;
		m->boot_src_line = (int)doc_line(n);
	}
	if (bios && strcmp(bios, "noprompt") == 0 && !m->bios_noprompt) {
		struct media_op *op = add_op(d, n, MOP_REMOVE);
		if (!op)
			goto out;
		if (!(op->path = strdup("boot/bootfix.bin")))
			goto oom;
		m->bios_noprompt = true;
	}
	goto out;
oom:
	doc_oom(d);
out:
	free(efi);
	free(bios);
}

/*
 * profile_image.c - image-level operations: <image-file> (a file inside
 * WIM images, added or replaced) and <editions> (which images of
 * install.wim/esd stay), checked and turned into the plan's image_plan.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan.h"
#include "profiles/profile_int.h"

/* "Windows\Panther\unattend.xml" or "/Windows/Panther/unattend.xml" ->
 * "Windows/Panther/unattend.xml"; refuses "", ".", ".." components and a
 * trailing slash.  malloc'd, or NULL with the reason. */
static char *image_path_normalise(const char *in, char *err, size_t errlen)
{
	while (*in == '/' || *in == '\\')
		in++;
	char *out = strdup(in);
	if (!out) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (char *c = out; *c; c++)
		if (*c == '\\')
			*c = '/';
	for (char *c = out;;) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) {
			snprintf(err, errlen, "path '%.300s' has an empty, '.' or '..' component (paths "
				 "are relative to the image root, e.g. Windows/Panther/unattend.xml)",
				 in);
			free(out);
			return NULL;
		}
		if (c[n] == '\0')
			break;
		c += n + 1;
	}
	return out;
}

/* `file` relative to the profile's directory (absolute as it is). */
static char *beside_profile(const char *profile, const char *file)
{
	const char *slash = strrchr(profile, '/');
	char *p;

	if (file[0] == '/' || !slash)
		return strdup(file);
	return asprintf(&p, "%.*s/%s", (int)(slash - profile), profile, file) < 0 ? NULL : p;
}

/* role, images, image-name as <rule> takes them. */
static bool parse_where(struct doc_ctx *d, xmlNodePtr n, enum role *role, struct image_sel *sel)
{
	char err[512];
	bool oom = false, ok = false;
	char *r = doc_attr(d, n, "role", &oom);
	char *images = doc_attr(d, n, "images", &oom);

	sel->name_glob = doc_attr(d, n, "image-name", &oom);
	if (oom) {
		doc_oom(d);
	} else if (!parse_role(r, role)) {
		doc_error(d, n, "role '%s' is not one of setup, installed, any", r);
	} else if (images && sel->name_glob) {
		doc_error(d, n, "images and image-name cannot be used together");
	} else if (sel->name_glob && !sel->name_glob[0]) {
		doc_error(d, n, "image-name is empty");
	} else if (!sel->name_glob && !images) {
		sel->all = true;
		ok = true;
	} else if (images && !parse_images(images, sel, err, sizeof(err))) {
		doc_error(d, n, "%s", err);
	} else {
		ok = true;
	}
	free(r);
	free(images);
	return ok;
}

void parse_image_file(struct doc_ctx *d, xmlNodePtr n)
{
	char err[512];
	bool oom = false;
	struct image_file_op *f = plan_add_image_file(doc_plan(d));
	char *path = NULL, *from = NULL;

	if (!f) {
		doc_oom(d);
		return;
	}
	f->profile = strdup(d->name);
	f->src_file = strdup(d->file);
	f->src_line = (int)doc_line(n);
	if (!f->profile || !f->src_file) {
		doc_oom(d);
		return;
	}
	if (!parse_where(d, n, &f->role, &f->images))
		return;
	path = doc_attr(d, n, "path", &oom);
	from = doc_attr(d, n, "from", &oom);
	if (oom) {
		doc_oom(d);
	} else if (!path || !from) {
		if (!d->errors)
			doc_error(d, n, "<image-file> needs a path and a from attribute");
	} else if (!from[0]) {
		doc_error(d, n, "<image-file> from is empty");
	} else if (!(f->path = image_path_normalise(path, err, sizeof(err)))) {
		doc_error(d, n, "<image-file>: %s", err);
	} else if (!strchr(f->path, '/')) {
		doc_error(d, n, "<image-file> path '%s' is directly in the image root: wimpatch "
			  "adds and replaces files below a directory of the image (adding onto the "
			  "root makes wimlib rewrite the image's WINDOWS XML)", f->path);
	} else if (!(f->from = beside_profile(d->file, from))) {
		doc_oom(d);
	}
	free(path);
	free(from);
}

void parse_editions(struct doc_ctx *d, xmlNodePtr n)
{
	static const char *const attrs[] = { "keep", "keep-name", "drop", "drop-name" };
	char err[512];
	bool oom = false;
	char *v[4];
	int given = 0, which = -1;
	struct editions_op *e = plan_add_editions(doc_plan(d));

	if (!e) {
		doc_oom(d);
		return;
	}
	e->profile = strdup(d->name);
	e->src_file = strdup(d->file);
	e->src_line = (int)doc_line(n);
	if (!e->profile || !e->src_file)
		doc_oom(d);
	for (int i = 0; i < 4; i++) {
		v[i] = doc_attr(d, n, attrs[i], &oom);
		if (v[i]) {
			given++;
			which = i;
		}
	}
	if (oom) {
		doc_oom(d);
	} else if (given != 1) {
		if (!d->errors)
			doc_error(d, n, "<editions> takes exactly one of keep, keep-name, drop, "
				  "drop-name (%d given)", given);
	} else {
		e->keep = which < 2;
		if (which == 1 || which == 3) {
			if (!v[which][0])
				doc_error(d, n, "<editions> %s is empty", attrs[which]);
			e->sel.name_glob = v[which];
			v[which] = NULL;
		} else if (!parse_images(v[which], &e->sel, err, sizeof(err))) {
			doc_error(d, n, "<editions> %s: %s", attrs[which], err);
		} else if (e->sel.all && !e->keep) {
			doc_error(d, n, "<editions> drop=\"all\" would drop every image: a WIM "
				  "keeps one at least");
		}
	}
	for (int i = 0; i < 4; i++)
		free(v[i]);
}

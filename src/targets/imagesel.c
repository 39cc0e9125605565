/* imagesel.c - which images of a WIM -i selects; see imagesel.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "adapters/wim.h"
#include "targets/imagesel.h"
#include "targets/media.h"
#include "targets/tree.h"
#include "util/strbuf.h"
#include "util/msg.h"

/* What names this WIM in an "install:3" selection: its place on the
 * medium, or, for a WIM on its own, its file name (media.h). */
static enum role wim_place(struct wim *w, const struct patch_opts *o)
{
	const char *source;
	return o->role_hint != ROLE_ANY ? o->role_hint : media_role_of_name(wim_path(w), &source);
}

/* " 1 \"Windows 10 Home\", 2 \"Windows 10 Pro\"", for the errors. */
static void list_images(struct wim *w, char *buf, size_t size)
{
	size_t k = 0;
	buf[0] = '\0';
	for (int i = 1; i <= wim_image_count(w) && k < size; i++)
		k += (size_t)snprintf(buf + k, size - k, "%s %d \"%s\"", i > 1 ? "," : "", i,
				      wim_image_name(w, i));
}

/* The image `image` (an index or a name) of selection `sel` names in
 * this WIM; 0 after saying that none is, listing those there are. */
static int find_image(struct wim *w, const struct patch_opts *o, const char *sel,
		      const char *image)
{
	int n = wim_image_count(w);
	char *end, list[2048];
	long idx = strtol(image, &end, 10);
	bool number = *image && *end == '\0';

	if (number && idx >= 1 && idx <= n)
		return (int)idx;
	if (!number && (idx = wim_image_by_name(w, image)) > 0)
		return (int)idx;
	list_images(w, list, sizeof(list));
	/* In a tree, a plain -i is for every WIM: the one meant is to be named. */
	const char *hint = o->role_hint != ROLE_ANY && sel == image
				   ? "; -i install:N or -i boot:N selects in one WIM only" : "";
	if (number)
		msg_error("%s: -i %s: no image %s (the WIM has %d image%s:%s)%s", wim_path(w), sel,
			  image, n, n == 1 ? "" : "s", list, hint);
	else
		msg_error("%s: -i %s: %s \"%s\" (the WIM has%s)%s", wim_path(w), sel,
			  idx < 0 ? "several images differing only in case are named"
				  : "no image named", image, list, hint);
	return 0;
}

enum wp_err imagesel_select(struct wim *w, const struct patch_opts *o, bool *sel)
{
	int n = wim_image_count(w);
	enum role place = wim_place(w, o);

	for (int i = 1; i <= n; i++)
		sel[i] = o->n_images == 0;
	for (size_t k = 0; k < o->n_images; k++) {
		const char *s = o->images[k], *image;
		enum role names = media_image_sel(s, &image);
		if (!*image) {
			msg_error("-i %s: no image given (an index or a name)", s);
			return WP_ERR_USAGE;
		}
		if (names != ROLE_ANY && names != place) {
			if (o->role_hint != ROLE_ANY)
				continue;	/* for another WIM of the medium */
			msg_error("%s: -i %s selects in the %s WIM of a medium; this WIM is not "
				  "named so: -i %s selects in it", wim_path(w), s,
				  names == ROLE_SETUP ? "boot" : "install", image);
			return WP_ERR_USAGE;
		}
		int idx = find_image(w, o, s, image);
		if (idx == 0)
			return WP_ERR_INPUT;
		sel[idx] = true;
	}
	return WP_OK;
}

/* "sources/boot.wim, sources/install.swm": the medium's WIMs (a split
 * set by its first part), for the error. */
static char *list_wims(const struct media_tree *t)
{
	struct strbuf b = STRBUF_INIT;
	size_t n = 0;

	for (size_t i = 0; i < t->n_files; i++)
		if (media_kind_is_wim(t->files[i].kind) && t->files[i].kind != MEDIA_SPLIT_PART)
			strbuf_addf(&b, "%s%s", n++ ? ", " : "", t->files[i].rel);
	if (n == 0)
		strbuf_addstr(&b, "no WIM");
	return strbuf_finish(&b);
}

enum wp_err imagesel_check_medium(const struct media_tree *t, const struct patch_opts *o)
{
	for (size_t k = 0; k < o->n_images; k++) {
		const char *image;
		enum role names = media_image_sel(o->images[k], &image);
		bool found = names == ROLE_ANY;

		for (size_t i = 0; i < t->n_files && !found; i++)
			found = media_kind_is_wim(t->files[i].kind) &&
				media_role(t->files[i].kind) == names;
		if (found)
			continue;
		char *has = list_wims(t);
		msg_error("%s: -i %s: no %s on this medium (it has: %s)", t->root, o->images[k],
			  names == ROLE_SETUP ? "boot.wim" : "install.wim/esd",
			  has ? has : "?");
		free(has);
		return WP_ERR_INPUT;
	}
	return WP_OK;
}

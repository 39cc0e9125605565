/* plan_image.c - the plan's image-level operations (<image-file>,
 * <editions>): storage and image selection; see plan.h. */
#include "config.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "core/plan.h"

bool sel_matches_image(enum role sel_role, const struct image_sel *sel, int index,
		       const char *name, enum role role)
{
	if (sel_role != ROLE_ANY && sel_role != role)
		return false;
	if (sel->name_glob)
		return name && fnmatch(sel->name_glob, name, 0) == 0;
	if (sel->all || sel->n_indices == 0)
		return true;
	for (size_t i = 0; i < sel->n_indices; i++)
		if (sel->indices[i] == index)
			return true;
	return false;
}

/* Grow `*v` (of `*n` elements of `size` bytes) by one zeroed element. */
static void *grow_one(void **v, size_t *n, size_t size)
{
	char *nv = realloc(*v, (*n + 1) * size);
	if (!nv)
		return NULL;
	memset(nv + *n * size, 0, size);
	*v = nv;
	return nv + (*n)++ * size;
}

struct image_file_op *plan_add_image_file(struct plan *p)
{
	return grow_one((void **)&p->img.files, &p->img.n_files, sizeof(*p->img.files));
}

struct editions_op *plan_add_editions(struct plan *p)
{
	return grow_one((void **)&p->img.editions, &p->img.n_editions, sizeof(*p->img.editions));
}

void image_plan_free(struct image_plan *ip)
{
	for (size_t i = 0; i < ip->n_files; i++) {
		struct image_file_op *f = &ip->files[i];
		free(f->profile);
		free(f->src_file);
		free(f->images.indices);
		free(f->images.name_glob);
		free(f->path);
		free(f->from);
		free(f->expect);
	}
	free(ip->files);
	for (size_t i = 0; i < ip->n_editions; i++) {
		struct editions_op *e = &ip->editions[i];
		free(e->profile);
		free(e->src_file);
		free(e->sel.indices);
		free(e->sel.name_glob);
	}
	free(ip->editions);
	memset(ip, 0, sizeof(*ip));
}

int image_plan_take(struct image_plan *to, struct image_plan *from)
{
	struct image_file_op *f = NULL;
	struct editions_op *e = NULL;

	if (from->n_files &&
	    !(f = realloc(to->files, (to->n_files + from->n_files) * sizeof(*f))))
		return -1;
	if (f)
		to->files = f;
	if (from->n_editions &&
	    !(e = realloc(to->editions, (to->n_editions + from->n_editions) * sizeof(*e))))
		return -1;
	if (e)
		to->editions = e;
	if (f)
		memcpy(to->files + to->n_files, from->files, from->n_files * sizeof(*f));
	if (e)
		memcpy(to->editions + to->n_editions, from->editions, from->n_editions * sizeof(*e));
	to->n_files += from->n_files;
	to->n_editions += from->n_editions;
	/* Moved: only the arrays stay to be freed. */
	free(from->files);
	free(from->editions);
	memset(from, 0, sizeof(*from));
	return 0;
}

bool plan_has_image_ops(const struct plan *p)
{
	return p->img.n_files || p->img.n_editions;
}

/* plan_media.c - the medium-level part of a plan; see plan.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/plan.h"

const char *media_op_kind_name(enum media_op_kind k)
{
	switch (k) {
	case MOP_PUT_FILE:
		return "file";
	case MOP_PUT_DIR:
		return "file-dir";
	case MOP_REMOVE:
		return "remove-file";
	}
	return "?";
}

struct media_op *media_plan_add_op(struct media_plan *m)
{
	struct media_op *n = realloc(m->ops, (m->n_ops + 1) * sizeof(*n));

	if (!n)
		return NULL;
	m->ops = n;
	memset(&n[m->n_ops], 0, sizeof(*n));
	return &n[m->n_ops++];
}

int media_plan_take(struct media_plan *to, struct media_plan *from)
{
	if (from->n_ops) {
		struct media_op *n = realloc(to->ops, (to->n_ops + from->n_ops) * sizeof(*n));
		if (!n)
			return -1;
		memcpy(n + to->n_ops, from->ops, from->n_ops * sizeof(*n));
		to->ops = n;
		to->n_ops += from->n_ops;
		free(from->ops);
		from->ops = NULL;
		from->n_ops = 0;
	}
	if (from->efi_noprompt && !to->efi_noprompt) {
		to->efi_noprompt = true;
		to->boot_src_file = from->boot_src_file;
		to->boot_src_line = from->boot_src_line;
		from->boot_src_file = NULL;
	}
	to->bios_noprompt |= from->bios_noprompt;
	return 0;
}

void media_plan_free(struct media_plan *m)
{
	for (size_t i = 0; i < m->n_ops; i++) {
		free(m->ops[i].path);
		free(m->ops[i].from);
		free(m->ops[i].profile);
		free(m->ops[i].src_file);
		free(m->ops[i].expect);
	}
	free(m->ops);
	free(m->efi_back);
	free(m->efi_expect);
	free(m->boot_src_file);
	memset(m, 0, sizeof(*m));
}

bool media_plan_any(const struct media_plan *m)
{
	return m->n_ops || m->efi_noprompt || m->bios_noprompt || m->efi_back;
}

/* query.c - a query's answers as text and as .reg entries; see query.h. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/query.h"
#include "util/escape.h"
#include "util/strbuf.h"

void query_result_free(struct query_result *q)
{
	for (size_t i = 0; i < q->n_keys; i++) {
		struct query_key *k = &q->keys[i];
		for (size_t v = 0; v < k->n_values; v++) {
			free(k->values[v].name);
			regval_free(&k->values[v].val);
		}
		for (size_t s = 0; s < k->n_subkeys; s++)
			free(k->subkeys[s]);
		free(k->values);
		free(k->subkeys);
		free(k->path);
	}
	free(q->keys);
	free(q->missing);
	q->keys = NULL;
	q->n_keys = 0;
	q->missing = NULL;
}

/* "file, image 3 "Pro", hive H (CurrentControlSet is ControlSet001: Select\Current = 1)" */
static void where_line(struct strbuf *b, const struct query_result *q)
{
	strbuf_addstr(b, "# ");
	esc_add(b, q->file, false);
	if (q->image) {
		strbuf_addf(b, ", image %d \"", q->image);
		esc_add(b, q->image_name ? q->image_name : "", true);
		strbuf_addstr(b, "\"");
	}
	strbuf_addstr(b, ", hive ");
	esc_add(b, q->hive, false);
	if (q->control_set[0])
		strbuf_addf(b, " (CurrentControlSet is %s: Select\\Current = %u)", q->control_set,
			    q->select_current);
	strbuf_addstr(b, "\n");
}

static void key_line(struct strbuf *b, const struct query_result *q, const char *path)
{
	strbuf_addstr(b, "[");
	esc_add(b, q->root, false);
	if (path[0]) {
		strbuf_addstr(b, "\\");
		esc_add(b, path, false);
	}
	strbuf_addstr(b, "]\n");
}

/* "  "Start" REG_DWORD 3 (0x3)"; the default value as (default). */
static void value_line(struct strbuf *b, const struct query_value *v)
{
	char *text = regval_to_text(&v->val);

	if (v->name[0]) {
		strbuf_addstr(b, "  \"");
		esc_add(b, v->name, true);
		strbuf_addstr(b, "\"");
	} else {
		strbuf_addstr(b, "  (default)");
	}
	strbuf_addf(b, " %s %s\n", regtype_name(v->val.type), text ? text : "?");
	if (!text)
		b->failed = true;
	free(text);
}

static void key_text(struct strbuf *b, const struct query_result *q, const struct query_key *k)
{
	key_line(b, q, k->path);
	for (size_t i = 0; i < k->n_values; i++)
		value_line(b, &k->values[i]);
	for (size_t i = 0; i < k->n_subkeys; i++) {
		strbuf_addstr(b, "  subkey \"");
		esc_add(b, k->subkeys[i], true);
		strbuf_addstr(b, "\"\n");
	}
}

void query_print_text(FILE *f, const struct query_request *rq, const struct query_result *q)
{
	struct strbuf b = STRBUF_INIT;

	where_line(&b, q);
	if (!q->found && rq->value && q->n_keys) {
		strbuf_addstr(&b, "  not found: value \"");
		esc_add(&b, q->missing ? q->missing : "", true);
		strbuf_addstr(&b, "\"\n");
	} else if (!q->found) {
		strbuf_addstr(&b, "  not found: key ");
		esc_add(&b, q->missing ? q->missing : "", false);
		strbuf_addstr(&b, "\n");
	}
	for (size_t i = 0; i < q->n_keys; i++)
		key_text(&b, q, &q->keys[i]);
	strbuf_addstr(&b, "\n");
	fputs(b.failed || !b.buf ? "# (out of memory)\n" : b.buf, f);
	strbuf_release(&b);
}

/* "file=F; image=N (NAME); hive=H; CurrentControlSet=ControlSet001" */
static char *where_comment(const struct query_result *q)
{
	struct strbuf b = STRBUF_INIT;

	strbuf_addf(&b, "wimpatch query: file=%s", q->file);
	if (q->image)
		strbuf_addf(&b, "; image=%d (%s)", q->image, q->image_name ? q->image_name : "");
	strbuf_addf(&b, "; hive=%s", q->hive);
	if (q->control_set[0])
		strbuf_addf(&b, "; CurrentControlSet=%s (Select\\Current=%u)", q->control_set,
			    q->select_current);
	if (!q->found)
		strbuf_addf(&b, "; not found: %s", q->missing ? q->missing : "");
	return strbuf_finish(&b);
}

void query_print_reg(struct regfile_out *r, const struct query_request *rq,
		     const struct query_result *q)
{
	char *c = where_comment(q);

	(void)rq;
	regfile_comment(r, c ? c : "wimpatch query");
	free(c);
	for (size_t i = 0; i < q->n_keys; i++) {
		const struct query_key *k = &q->keys[i];
		regfile_key(r, q->root, k->path);
		for (size_t v = 0; v < k->n_values; v++)
			regfile_value(r, k->values[v].name, &k->values[v].val);
	}
}

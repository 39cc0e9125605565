/* report_json.c - the --json report, via json-c; see report_json.h. */
#include "config.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/regval.h"
#include "adapters/json_report.h"

struct json_report {
	json_object *root, *files, *errors;
	size_t n_files, changes, written, pending;
};

const char *json_library_version(void)
{
	return json_c_version();
}

struct json_report *json_report_new(const char *command, bool dry_run)
{
	struct json_report *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->root = json_object_new_object();
	j->files = json_object_new_array();
	j->errors = json_object_new_array();
	json_object_object_add(j->root, "format_version", json_object_new_int(1));
	json_object_object_add(j->root, "command", json_object_new_string(command));
	json_object_object_add(j->root, "dry_run", json_object_new_boolean(dry_run));
	return j;
}

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *value_json(const struct regval *v)
{
	json_object *o = json_object_new_object();
	char *hex = malloc(v->len * 2 + 1);
	char *text = regval_to_text(v);

	for (size_t i = 0; hex && i < v->len; i++)
		sprintf(hex + 2 * i, "%02x", v->data[i]);
	if (hex)
		hex[v->len * 2] = '\0';
	json_object_object_add(o, "type", json_object_new_string(regtype_name(v->type)));
	json_object_object_add(o, "data", str_or_null(hex));
	json_object_object_add(o, "text", str_or_null(text));
	free(hex);
	free(text);
	return o;
}

static json_object *change_json(const struct change *c)
{
	json_object *o = json_object_new_object();
	const struct regval *typed = c->has_new ? &c->new : c->has_old ? &c->old : NULL;

	json_object_object_add(o, "op", json_object_new_string(change_kind_name(c->kind)));
	json_object_object_add(o, "key", json_object_new_string(c->key));
	json_object_object_add(o, "value", str_or_null(c->name));
	json_object_object_add(o, "type", typed ? json_object_new_string(regtype_name(typed->type)) : NULL);
	json_object_object_add(o, "old", c->has_old ? value_json(&c->old) : NULL);
	json_object_object_add(o, "new", c->has_new ? value_json(&c->new) : NULL);
	json_object_object_add(o, "note", str_or_null(c->note));
	if (c->kind == CH_KEY_DELETED) {
		json_object_object_add(o, "subkeys", json_object_new_int64((int64_t)c->sub_keys));
		json_object_object_add(o, "values", json_object_new_int64((int64_t)c->sub_values));
	}
	return o;
}

static const char *status_name(enum file_status s)
{
	switch (s) {
	case FILE_UNCHANGED:
		return "unchanged";
	case FILE_PENDING:
		return "pending";
	case FILE_WRITTEN:
		return "written";
	case FILE_COPIED:
		return "copied";
	}
	return "?";
}

void json_report_add_file(struct json_report *j, const struct file_report *fr)
{
	json_object *f = json_object_new_object(), *hives = json_object_new_array();
	size_t total = 0;

	json_object_object_add(f, "path", json_object_new_string(fr->path));
	json_object_object_add(f, "kind", json_object_new_string(fr->kind ? fr->kind : "?"));
	json_object_object_add(f, "output", str_or_null(fr->output));
	json_object_object_add(f, "status", json_object_new_string(status_name(fr->status)));
	for (size_t i = 0; i < fr->n_hives; i++) {
		const struct hive_report *h = &fr->hives[i];
		json_object *ho = json_object_new_object(), *ch = json_object_new_array();
		if (h->image) {
			json_object *img = json_object_new_object();
			json_object_object_add(img, "index", json_object_new_int(h->image));
			json_object_object_add(img, "name", str_or_null(h->image_name));
			json_object_object_add(img, "role", json_object_new_string(role_name(h->role)));
			json_object_object_add(ho, "image", img);
		} else {
			json_object_object_add(ho, "image", NULL);
		}
		json_object_object_add(ho, "hive", str_or_null(h->hive));
		json_object_object_add(ho, "root", str_or_null(h->reg_root));
		json_object_object_add(ho, "bcd", json_object_new_boolean(h->bcd));
		for (size_t k = 0; k < h->changes.n; k++)
			json_object_array_add(ch, change_json(&h->changes.v[k]));
		json_object_object_add(ho, "changes", ch);
		json_object_array_add(hives, ho);
		total += h->changes.n;
	}
	json_object_object_add(f, "changes", json_object_new_int64((int64_t)total));
	json_object_object_add(f, "hives", hives);
	json_object_array_add(j->files, f);
	j->n_files++;
	j->changes += total;
	j->written += fr->status == FILE_WRITTEN;
	j->pending += fr->status == FILE_PENDING;
}

void json_report_add_error(struct json_report *j, const char *message)
{
	json_object *e = json_object_new_object();
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_array_add(j->errors, e);
}

void json_report_finish(struct json_report *j, int exit_code, FILE *out)
{
	json_object *t = json_object_new_object();

	json_object_object_add(t, "files", json_object_new_int64((int64_t)j->n_files));
	json_object_object_add(t, "changes", json_object_new_int64((int64_t)j->changes));
	json_object_object_add(t, "written", json_object_new_int64((int64_t)j->written));
	json_object_object_add(t, "pending", json_object_new_int64((int64_t)j->pending));
	json_object_object_add(j->root, "files", j->files);
	json_object_object_add(j->root, "totals", t);
	json_object_object_add(j->root, "errors", j->errors);
	json_object_object_add(j->root, "exit_code", json_object_new_int(exit_code));
	fputs(json_object_to_json_string_ext(j->root, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE), out);
	fputc('\n', out);
	json_object_put(j->root);
	free(j);
}

/* report_json.c - the --json report, via json-c; see report_json.h. */
#include "config.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/regval.h"
#include "adapters/json_report.h"

struct json_report {
	json_object *root, *files, *isos, *errors;
	size_t n_files, changes, written, pending;
	size_t errors_coded;	/* errors[0 .. errors_coded) have their code */
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
	j->isos = json_object_new_array();
	j->errors = json_object_new_array();
	json_object_object_add(j->root, "format_version", json_object_new_int(JSON_FORMAT_VERSION));
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

static json_object *boot_json(const struct report_boot *b, size_t n)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "platform", json_object_new_string(b[i].platform));
		json_object_object_add(e, "platform_id", json_object_new_int((int)b[i].platform_id));
		json_object_object_add(e, "bootable", json_object_new_boolean(b[i].bootable));
		json_object_object_add(e, "no_emulation", json_object_new_boolean(b[i].no_emulation));
		json_object_object_add(e, "load_sectors", json_object_new_int((int)b[i].load_sectors));
		json_object_object_add(e, "image", str_or_null(b[i].image));
		json_object_array_add(a, e);
	}
	return a;
}

static json_object *split_json(const struct iso_report *r)
{
	json_object *o;

	if (!r->split_from)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "from", json_object_new_string(r->split_from));
	json_object_object_add(o, "to", str_or_null(r->split_to));
	json_object_object_add(o, "parts", json_object_new_int((int)r->split_parts));
	json_object_object_add(o, "max_size", json_object_new_int64((int64_t)r->split_max));
	return o;
}

/* An ISO image target as a whole: "isos", beside its files' reports. */
static void add_iso(struct json_report *j, const struct file_report *fr)
{
	const struct iso_report *r = fr->iso;
	json_object *o = json_object_new_object(), *checks = json_object_new_array();
	bool written = fr->status == FILE_WRITTEN && !r->failed;

	json_object_object_add(o, "input", json_object_new_string(fr->path));
	json_object_object_add(o, "output", str_or_null(fr->output));
	json_object_object_add(o, "status", json_object_new_string(r->failed ? "failed"
								    : status_name(fr->status)));
	json_object_object_add(o, "route", str_or_null(r->route));
	json_object_object_add(o, "size", written ? json_object_new_int64((int64_t)r->size) : NULL);
	json_object_object_add(o, "sha256", written ? json_object_new_string(r->sha256) : NULL);
	json_object_object_add(o, "label", str_or_null(r->label));
	json_object_object_add(o, "filesystems", written ? str_or_null(r->filesystems) : NULL);
	json_object_object_add(o, "boot", boot_json(r->boot, r->n_boot));
	json_object_object_add(o, "entries", written ? json_object_new_int64((int64_t)r->entries)
						     : NULL);
	json_object_object_add(o, "split", written ? split_json(r) : NULL);
	for (size_t i = 0; i < r->n_checks; i++)
		json_object_array_add(checks, json_object_new_string(r->checks[i]));
	json_object_object_add(o, "verification", checks);
	json_object_array_add(j->isos, o);
}

void json_report_add_file(struct json_report *j, const struct file_report *fr)
{
	json_object *f, *hives;
	size_t total = 0;

	if (fr->iso) {
		add_iso(j, fr);
		return;
	}
	f = json_object_new_object();
	hives = json_object_new_array();

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

void json_report_error(const char *message, const struct msg_about *about, void *ctx)
{
	struct json_report *j = ctx;
	json_object *e = json_object_new_object();

	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_object_add(e, "code", NULL);	/* known when the work fails */
	json_object_object_add(e, "file", str_or_null(about->file));
	json_object_object_add(e, "image", about->image ? json_object_new_int(about->image) : NULL);
	json_object_object_add(e, "hive", str_or_null(about->hive));
	json_object_object_add(e, "key", str_or_null(about->key));
	json_object_array_add(j->errors, e);
}

void json_report_errors_code(struct json_report *j, const char *code)
{
	size_t n = json_object_array_length(j->errors);

	for (size_t i = j->errors_coded; code && i < n; i++)
		json_object_object_add(json_object_array_get_idx(j->errors, i), "code",
				       json_object_new_string(code));
	j->errors_coded = n;
}

void json_report_finish(struct json_report *j, int exit_code, FILE *out)
{
	json_object *t = json_object_new_object();

	json_object_object_add(t, "files", json_object_new_int64((int64_t)j->n_files));
	json_object_object_add(t, "changes", json_object_new_int64((int64_t)j->changes));
	json_object_object_add(t, "written", json_object_new_int64((int64_t)j->written));
	json_object_object_add(t, "pending", json_object_new_int64((int64_t)j->pending));
	json_object_object_add(j->root, "files", j->files);
	json_object_object_add(j->root, "isos", j->isos);
	json_object_object_add(j->root, "totals", t);
	json_object_object_add(j->root, "errors", j->errors);
	json_object_object_add(j->root, "exit_code", json_object_new_int(exit_code));
	fputs(json_object_to_json_string_ext(j->root, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE), out);
	fputc('\n', out);
	json_object_put(j->root);
	free(j);
}

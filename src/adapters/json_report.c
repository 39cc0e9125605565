/* json_report.c - the --json documents, via json-c; see json_report.h. */
#include "config.h"

#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/json_report.h"
#include "core/bcd_syntax.h"
#include "core/query.h"
#include "core/regval.h"

/* One document; the arrays of the commands it is not for stay NULL. */
struct json_report {
	json_object *root, *errors;
	json_object *files, *isos;	/* apply, diff */
	size_t n_files, changes, written, pending;
	json_object *targets;		/* show */
	json_object *profiles;		/* profiles */
	json_object *hives;		/* query */
	json_object *medium;		/* show: the files of the ISO image or tree being shown */
	size_t errors_coded;		/* errors[0 .. errors_coded) have their code */
};

const char *json_library_version(void)
{
	return json_c_version();
}

static struct json_report *doc_new(const char *command)
{
	struct json_report *j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	j->root = json_object_new_object();
	j->errors = json_object_new_array();
	json_object_object_add(j->root, "format_version", json_object_new_int(JSON_FORMAT_VERSION));
	json_object_object_add(j->root, "command", json_object_new_string(command));
	return j;
}

struct json_report *json_report_new(const char *command, bool dry_run)
{
	struct json_report *j = doc_new(command);
	if (!j)
		return NULL;
	j->files = json_object_new_array();
	j->isos = json_object_new_array();
	json_object_object_add(j->root, "dry_run", json_object_new_boolean(dry_run));
	return j;
}

struct json_report *json_report_new_show(void)
{
	struct json_report *j = doc_new("show");
	if (j)
		j->targets = json_object_new_array();
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
	json_object_object_add(o, "route_reason", str_or_null(r->route_reason));
	json_object_object_add(o, "bytes_written",
			       written && r->route && strcmp(r->route, "rebuild") != 0
				       ? json_object_new_int64((int64_t)r->bytes_written)
				       : NULL);
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

/* The transaction logs beside a written hive, and what was done. */
static json_object *logs_json(const struct hive_report *h)
{
	json_object *a = json_object_new_array();

	for (size_t k = 0; k < h->n_logs; k++) {
		const struct hive_log *l = &h->logs[k];
		json_object *o = json_object_new_object();
		json_object_object_add(o, "file", str_or_null(l->name));
		json_object_object_add(o, "size", json_object_new_int64((int64_t)l->size));
		json_object_object_add(o, "sequence", l->regf ? json_object_new_array() : NULL);
		if (l->regf) {
			json_object *seq = json_object_object_get(o, "sequence");
			json_object_array_add(seq, json_object_new_int64(l->seq1));
			json_object_array_add(seq, json_object_new_int64(l->seq2));
		}
		json_object_object_add(o, "action", json_object_new_string(l->action));
		json_object_array_add(a, o);
	}
	return a;
}

/* The medium's files added, replaced or removed (core/report.h). */
static json_object *media_json(const struct file_report *fr)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < fr->n_media; i++) {
		const struct media_file_change *c = &fr->media[i];
		json_object *o = json_object_new_object();
		bool add = strcmp(c->action, "add") == 0, rem = strcmp(c->action, "remove") == 0;
		bool boot = strcmp(c->action, "boot") == 0;
		json_object_object_add(o, "action", json_object_new_string(c->action));
		json_object_object_add(o, "file", str_or_null(c->path));
		json_object_object_add(o, "from", str_or_null(c->from));
		json_object_object_add(o, "size", rem || boot ? NULL
						   : json_object_new_int64((int64_t)c->size));
		json_object_object_add(o, "sha256", c->sha256[0] ? json_object_new_string(c->sha256)
								 : NULL);
		json_object_object_add(o, "old_file", boot ? str_or_null(c->old_path) : NULL);
		json_object_object_add(o, "old_size", add || boot ? NULL
						       : json_object_new_int64((int64_t)c->old_size));
		json_object_object_add(o, "old_sha256", c->old_sha256[0]
				       ? json_object_new_string(c->old_sha256) : NULL);
		json_object_object_add(o, "old_bytes_kept", add || boot ? NULL
						     : json_object_new_boolean(c->old_b64 != NULL));
		json_object_object_add(o, "profile", str_or_null(c->profile));
		json_object_array_add(a, o);
	}
	return a;
}

/* Files added or replaced inside images. */
static json_object *image_files_json(const struct file_report *fr)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < fr->n_files; i++) {
		const struct image_file_report *r = &fr->files[i];
		json_object *o = json_object_new_object(), *img = json_object_new_object();
		json_object_object_add(img, "index", json_object_new_int(r->image));
		json_object_object_add(img, "name", str_or_null(r->image_name));
		json_object_object_add(img, "role", json_object_new_string(role_name(r->role)));
		json_object_object_add(o, "image", img);
		json_object_object_add(o, "path", str_or_null(r->path));
		json_object_object_add(o, "action", json_object_new_string(
			r->added ? "add" : r->removed ? "remove" : "replace"));
		json_object_object_add(o, "from", str_or_null(r->from));
		json_object_object_add(o, "size", r->removed ? NULL
					: json_object_new_int64((int64_t)r->size));
		json_object_object_add(o, "sha256", r->removed ? NULL
					: json_object_new_string(r->sha256));
		json_object_object_add(o, "old_size", r->added ? NULL
					: json_object_new_int64((int64_t)r->old_size));
		json_object_object_add(o, "old_sha256", r->added ? NULL
					: json_object_new_string(r->old_sha256));
		json_object_object_add(o, "metadata", str_or_null(r->meta));
		json_object_array_add(a, o);
	}
	return a;
}

/* Images kept and dropped, or null when no <editions> took the WIM. */
static json_object *editions_json(const struct editions_report *e)
{
	if (!e->applies)
		return NULL;
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	for (size_t i = 0; i < e->n_images; i++) {
		json_object *im = json_object_new_object();
		json_object_object_add(im, "index", json_object_new_int(e->images[i].index));
		json_object_object_add(im, "name", str_or_null(e->images[i].name));
		json_object_object_add(im, "dropped", json_object_new_boolean(e->images[i].dropped));
		json_object_array_add(a, im);
	}
	json_object_object_add(o, "images", a);
	json_object_object_add(o, "dropped", json_object_new_int64((int64_t)e->n_dropped));
	json_object_object_add(o, "boot_index_before", json_object_new_int(e->boot_before));
	json_object_object_add(o, "boot_index_after", json_object_new_int(e->boot_after));
	json_object_object_add(o, "rebuild", json_object_new_boolean(e->n_dropped > 0));
	return o;
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
		json_object_object_add(ho, "dirty", json_object_new_boolean(h->was_dirty));
		json_object_object_add(ho, "logs", logs_json(h));
		json_object_array_add(hives, ho);
		total += h->changes.n;
	}
	total += fr->n_media + fr->n_files + fr->editions.n_dropped;
	json_object_object_add(f, "changes", json_object_new_int64((int64_t)total));
	json_object_object_add(f, "hives", hives);
	if (fr->media || (fr->kind && strcmp(fr->kind, "medium") == 0))
		json_object_object_add(f, "files", media_json(fr));
	json_object_object_add(f, "image_files", image_files_json(fr));
	json_object_object_add(f, "editions", editions_json(&fr->editions));
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

/* ---------------------------------------------------------------- show */

static json_object *system_json(const struct system_state *st, enum exposure e)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "control_set", st->control_set[0]
							 ? json_object_new_string(st->control_set)
							 : NULL);
	json_object_object_add(o, "crash_dump_enabled",
			       st->crash_dump < 0 ? NULL : json_object_new_int64(st->crash_dump));
	json_object_object_add(o, "boot_time_filters",
			       st->boot_filters < 0 ? NULL : json_object_new_int64(st->boot_filters));
	json_object_object_add(o, "paging_files",
			       !st->paging_files_present ? NULL
			       : json_object_new_string(st->paging_files_set ? "set" : "empty"));
	json_object_object_add(o, "msiscsi", json_object_new_boolean(st->msiscsi));
	json_object *lab = json_object_new_array();
	for (int k = 0; k < LABCONFIG_CHECKS; k++)
		if (st->lab_bypass & 1u << k)
			json_object_array_add(lab, json_object_new_string(labconfig_checks[k]));
	json_object_object_add(o, "labconfig_bypass", lab);
	json_object_object_add(o, "dirty", json_object_new_boolean(st->dirty));
	json_object_object_add(o, "exposure", json_object_new_string(exposure_name(e)));
	json_object_object_add(o, "verdict", json_object_new_string(exposure_text(e)));
	return o;
}

static void add_wim(json_object *o, const struct shown *s)
{
	json_object *images = json_object_new_array();

	json_object_object_add(o, "image_count", json_object_new_int(s->image_count));
	json_object_object_add(o, "boot_index", json_object_new_int(s->boot_index));
	json_object_object_add(o, "split_parts", s->parts ? json_object_new_int((int)s->parts) : NULL);
	for (size_t i = 0; i < s->n_images; i++) {
		const struct shown_image *img = &s->images[i];
		json_object *io = json_object_new_object();
		json_object_object_add(io, "index", json_object_new_int(img->index));
		json_object_object_add(io, "name", str_or_null(img->name));
		json_object_object_add(io, "edition", str_or_null(img->edition));
		json_object_object_add(io, "build", str_or_null(img->build));
		json_object_object_add(io, "arch", str_or_null(img->arch));
		json_object_object_add(io, "role", json_object_new_string(role_name(img->role)));
		json_object_object_add(io, "hive", str_or_null(img->hive));
		json_object_object_add(io, "system", img->has_state ? system_json(&img->st, img->exposure)
								    : NULL);
		json_object_array_add(images, io);
	}
	json_object_object_add(o, "images", images);
}

static json_object *dbgsettings_json(const struct bcd_description *d)
{
	json_object *o = json_object_new_object(), *params = json_object_new_object();
	const char *t = d->debugtype >= 0 ? bcd_debugtype_name((uint64_t)d->debugtype) : NULL;

	json_object_object_add(o, "debugtype", str_or_null(t));
	json_object_object_add(o, "debugtype_value",
			       d->debugtype < 0 ? NULL : json_object_new_int64(d->debugtype));
	for (size_t i = 0; i < d->n_params; i++)
		json_object_object_add(params, d->params[i].name, str_or_null(d->params[i].value));
	json_object_object_add(o, "params", params);
	return o;
}

static void add_bcd(json_object *o, const struct shown *s)
{
	static const char *const stores[] = { [BCD_STORE_BIOS] = "bios", [BCD_STORE_EFI] = "uefi" };
	const struct bcd_description *d = s->bcd;
	json_object *def = NULL;

	json_object_object_add(o, "store", s->store == BCD_STORE_ANY ? NULL
					   : json_object_new_string(stores[s->store]));
	if (!d)
		return;	/* unreadable: the error says why */
	if (d->has_default) {
		def = json_object_new_object();
		json_object_object_add(def, "guid", json_object_new_string(d->default_guid));
		json_object_object_add(def, "description", str_or_null(d->default_description));
		json_object_object_add(def, "exists", json_object_new_boolean(d->default_exists));
		json_object_object_add(def, "debug", d->debug < 0 ? NULL
						     : json_object_new_boolean(d->debug));
	}
	json_object_object_add(o, "default_loader", def);
	json_object_object_add(o, "no_default", d->has_default ? NULL
					      : json_object_new_string(d->no_default));
	json_object_object_add(o, "dbgsettings", d->has_dbgsettings ? dbgsettings_json(d) : NULL);
}

/* A bare hive: its kind; a SYSTEM hive's state, for any other the rules
 * that could edit it (null for a SYSTEM hive). */
static void add_hive(json_object *o, const struct shown *s)
{
	json_object *rules = NULL;

	json_object_object_add(o, "hive_kind", json_object_new_string(s->hive_kind));
	json_object_object_add(o, "hive_kind_source", json_object_new_string(s->hive_kind_source));
	json_object_object_add(o, "system", s->state ? system_json(s->state, s->exposure) : NULL);
	if (!s->state) {
		rules = json_object_new_array();
		for (size_t i = 0; i < s->n_rules; i++) {
			const struct rule *r = s->rules[i];
			json_object *ro = json_object_new_object();
			json_object_object_add(ro, "profile", json_object_new_string(r->profile));
			json_object_object_add(ro, "id", r->id ? json_object_new_string(r->id) : NULL);
			json_object_object_add(ro, "file", json_object_new_string(r->src_file));
			json_object_object_add(ro, "line", json_object_new_int(r->src_line));
			json_object_object_add(ro, "hive", json_object_new_string(r->hive));
			json_object_array_add(rules, ro);
		}
	}
	json_object_object_add(o, "rules", rules);
}

static const char *shown_kind_name(enum shown_kind k)
{
	static const char *const names[] = { [SHOWN_ISO] = "iso", [SHOWN_TREE] = "tree",
					     [SHOWN_WIM] = "wim", [SHOWN_BCD] = "bcd",
					     [SHOWN_HIVE] = "hive" };
	return names[k];
}

/* An ISO image or a tree opens a target whose "files" the WIMs and BCD
 * stores that follow go into, until json_report_end_target. */
void json_report_add_shown(const struct shown *s, void *ctx)
{
	struct json_report *j = ctx;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "path", json_object_new_string(s->path));
	json_object_object_add(o, "kind", json_object_new_string(shown_kind_name(s->kind)));
	switch (s->kind) {
	case SHOWN_ISO:
		json_object_object_add(o, "label", json_object_new_string(s->label));
		json_object_object_add(o, "udf", json_object_new_boolean(s->udf));
		json_object_object_add(o, "boot", boot_json(s->boot, s->n_boot));
		j->medium = json_object_new_array();
		json_object_object_add(o, "files", j->medium);
		break;
	case SHOWN_TREE:
		j->medium = json_object_new_array();
		json_object_object_add(o, "files", j->medium);
		break;
	case SHOWN_WIM:
		add_wim(o, s);
		break;
	case SHOWN_BCD:
		add_bcd(o, s);
		break;
	case SHOWN_HIVE:
		add_hive(o, s);
		break;
	}
	json_object_array_add(j->medium && s->kind != SHOWN_ISO && s->kind != SHOWN_TREE
				      ? j->medium
				      : j->targets,
			      o);
}

void json_report_end_target(struct json_report *j)
{
	j->medium = NULL;
}

/* ------------------------------------------------------------ profiles */

struct json_report *json_report_new_profiles(void)
{
	struct json_report *j = doc_new("profiles");
	if (j)
		j->profiles = json_object_new_array();
	return j;
}

/* null for every image, else the indices and the name pattern. */
static json_object *images_json(const struct image_sel *sel)
{
	json_object *o, *ix;

	if (sel->all)
		return NULL;
	o = json_object_new_object();
	ix = json_object_new_array();
	for (size_t i = 0; i < sel->n_indices; i++)
		json_object_array_add(ix, json_object_new_int(sel->indices[i]));
	json_object_object_add(o, "indices", ix);
	json_object_object_add(o, "name", str_or_null(sel->name_glob));
	return o;
}

static json_object *rule_json(const struct rule *r)
{
	json_object *o = json_object_new_object(), *ops = json_object_new_array();

	json_object_object_add(o, "id", str_or_null(r->id));
	json_object_object_add(o, "profile", str_or_null(r->profile));
	json_object_object_add(o, "role", json_object_new_string(role_name(r->role)));
	json_object_object_add(o, "hive", str_or_null(r->hive));
	json_object_object_add(o, "all_control_sets", json_object_new_boolean(r->all_control_sets));
	json_object_object_add(o, "images", images_json(&r->images));
	for (size_t i = 0; i < r->n_ops; i++) {
		const struct op *op = &r->ops[i];
		bool set = op->kind == OP_SET_VALUE;
		json_object *oo = json_object_new_object();
		json_object_object_add(oo, "op", json_object_new_string(op_kind_name(op->kind)));
		json_object_object_add(oo, "key", str_or_null(op->key));
		json_object_object_add(oo, "value", str_or_null(op->name));
		json_object_object_add(oo, "type", set ? json_object_new_string(
							     regtype_name(op->value.type)) : NULL);
		json_object_object_add(oo, "new", set ? value_json(&op->value) : NULL);
		json_object_array_add(ops, oo);
	}
	json_object_object_add(o, "ops", ops);
	return o;
}

static json_object *bcd_rule_json(const struct bcd_rule *r)
{
	static const char *const stores[] = { [BCD_STORE_ANY] = "both", [BCD_STORE_BIOS] = "bios",
					      [BCD_STORE_EFI] = "uefi" };
	json_object *o = json_object_new_object(), *ops = json_object_new_array();

	json_object_object_add(o, "id", str_or_null(r->id));
	json_object_object_add(o, "profile", str_or_null(r->profile));
	json_object_object_add(o, "store", (unsigned)r->store < 3 ? json_object_new_string(
								       stores[r->store]) : NULL);
	for (size_t i = 0; i < r->n_ops; i++) {
		json_object *oo = json_object_new_object();
		json_object_object_add(oo, "op",
				       json_object_new_string(bcd_op_kind_name(r->ops[i].kind)));
		json_object_object_add(oo, "object", str_or_null(r->ops[i].object));
		json_object_array_add(ops, oo);
	}
	json_object_object_add(o, "ops", ops);
	return o;
}

/* The medium's files and boot entry: {"ops": [...], "efi_noprompt",
 * "bios_noprompt"}. */
static json_object *medium_ops_json(const struct media_plan *m)
{
	json_object *o = json_object_new_object(), *ops = json_object_new_array();

	for (size_t i = 0; i < m->n_ops; i++) {
		json_object *oo = json_object_new_object();
		json_object_object_add(oo, "op", json_object_new_string(media_op_kind_name(m->ops[i].kind)));
		json_object_object_add(oo, "path", str_or_null(m->ops[i].path));
		json_object_object_add(oo, "from", str_or_null(m->ops[i].from));
		json_object_object_add(oo, "profile", str_or_null(m->ops[i].profile));
		json_object_array_add(ops, oo);
	}
	json_object_object_add(o, "ops", ops);
	json_object_object_add(o, "efi_noprompt", json_object_new_boolean(m->efi_noprompt));
	json_object_object_add(o, "bios_noprompt", json_object_new_boolean(m->bios_noprompt));
	return o;
}

static json_object *image_ops_json(const struct image_plan *ip, json_object **editions)
{
	json_object *files = json_object_new_array();

	for (size_t i = 0; i < ip->n_files; i++) {
		const struct image_file_op *f = &ip->files[i];
		json_object *oo = json_object_new_object();
		json_object_object_add(oo, "path", str_or_null(f->path));
		json_object_object_add(oo, "from", str_or_null(f->from));
		json_object_object_add(oo, "profile", str_or_null(f->profile));
		json_object_object_add(oo, "role", json_object_new_string(role_name(f->role)));
		json_object_object_add(oo, "images", images_json(&f->images));
		json_object_array_add(files, oo);
	}
	*editions = json_object_new_array();
	for (size_t i = 0; i < ip->n_editions; i++) {
		const struct editions_op *e = &ip->editions[i];
		json_object *oo = json_object_new_object();
		json_object_object_add(oo, "profile", str_or_null(e->profile));
		json_object_object_add(oo, "keep", json_object_new_boolean(e->keep));
		json_object_object_add(oo, "images", images_json(&e->sel));
		json_object_array_add(*editions, oo);
	}
	return files;
}

void json_report_add_profile(struct json_report *j, const struct plan *plan, bool rules)
{
	const struct profile_info *pi = &plan->profiles[0];
	json_object *o = json_object_new_object();

	json_object_object_add(o, "name", str_or_null(pi->name));
	json_object_object_add(o, "file", str_or_null(pi->file));
	json_object_object_add(o, "description", str_or_null(pi->description));
	json_object_object_add(o, "parameters", str_or_null(pi->params));
	if (rules) {
		json_object *a = json_object_new_array(), *b = json_object_new_array();
		for (size_t i = 0; i < plan->n_rules; i++)
			json_object_array_add(a, rule_json(&plan->rules[i]));
		for (size_t i = 0; i < plan->n_bcd_rules; i++)
			json_object_array_add(b, bcd_rule_json(&plan->bcd_rules[i]));
		json_object_object_add(o, "rules", a);
		json_object_object_add(o, "bcd_rules", b);
		json_object *eds;
		json_object_object_add(o, "medium", medium_ops_json(&plan->media));
		json_object_object_add(o, "image_files", image_ops_json(&plan->img, &eds));
		json_object_object_add(o, "editions", eds);
	}
	json_object_array_add(j->profiles, o);
}

/* ------------------------------------------------------------ query */

struct json_report *json_report_new_query(const struct query_request *rq)
{
	struct json_report *j = doc_new("query");
	if (!j)
		return NULL;
	j->hives = json_object_new_array();
	json_object_object_add(j->root, "key", json_object_new_string(rq->key));
	json_object_object_add(j->root, "value", str_or_null(rq->value));
	json_object_object_add(j->root, "recursive", json_object_new_boolean(rq->recursive));
	return j;
}

/* The value as JSON has it: a number, a string, or null. */
static json_object *natural_json(const struct regval *v)
{
	uint64_t x = 0;
	char *s;

	if ((v->type == REGT_DWORD && v->len == 4) || (v->type == REGT_QWORD && v->len == 8)) {
		for (size_t i = 0; i < v->len; i++)
			x |= (uint64_t)v->data[i] << (8 * i);
		/* json-c's integers are signed: a QWORD above INT64_MAX is
		 * an unsigned one. */
		return x > INT64_MAX ? json_object_new_uint64(x) : json_object_new_int64((int64_t)x);
	}
	if ((v->type != REGT_SZ && v->type != REGT_EXPAND_SZ) || !(s = regval_string(v)))
		return NULL;
	json_object *o = json_object_new_string(s);
	free(s);
	return o;
}

static json_object *query_key_json(const struct query_key *k)
{
	json_object *o = json_object_new_object(), *vals = json_object_new_array(),
		    *subs = json_object_new_array();

	for (size_t i = 0; i < k->n_values; i++) {
		json_object *v = value_json(&k->values[i].val);
		json_object_object_add(v, "name", json_object_new_string(k->values[i].name));
		json_object_object_add(v, "value", natural_json(&k->values[i].val));
		json_object_array_add(vals, v);
	}
	for (size_t i = 0; i < k->n_subkeys; i++)
		json_object_array_add(subs, json_object_new_string(k->subkeys[i]));
	json_object_object_add(o, "path", json_object_new_string(k->path));
	json_object_object_add(o, "subkeys", subs);
	json_object_object_add(o, "values", vals);
	return o;
}

void json_report_add_query(const struct query_result *q, void *ctx)
{
	struct json_report *j = ctx;
	json_object *o = json_object_new_object(), *keys = json_object_new_array(), *img = NULL;

	if (q->image) {
		img = json_object_new_object();
		json_object_object_add(img, "index", json_object_new_int(q->image));
		json_object_object_add(img, "name", str_or_null(q->image_name));
	}
	for (size_t i = 0; i < q->n_keys; i++)
		json_object_array_add(keys, query_key_json(&q->keys[i]));
	json_object_object_add(o, "file", json_object_new_string(q->file));
	json_object_object_add(o, "image", img);
	json_object_object_add(o, "hive", json_object_new_string(q->hive));
	json_object_object_add(o, "root", json_object_new_string(q->root));
	json_object_object_add(o, "control_set",
			       q->control_set[0] ? json_object_new_string(q->control_set) : NULL);
	json_object_object_add(o, "found", json_object_new_boolean(q->found));
	json_object_object_add(o, "missing", str_or_null(q->missing));
	json_object_object_add(o, "keys", keys);
	json_object_array_add(j->hives, o);
}

/* ------------------------------------------------------------ the end */

static void add_totals(struct json_report *j)
{
	json_object *t = json_object_new_object();

	json_object_object_add(t, "files", json_object_new_int64((int64_t)j->n_files));
	json_object_object_add(t, "changes", json_object_new_int64((int64_t)j->changes));
	json_object_object_add(t, "written", json_object_new_int64((int64_t)j->written));
	json_object_object_add(t, "pending", json_object_new_int64((int64_t)j->pending));
	json_object_object_add(j->root, "files", j->files);
	json_object_object_add(j->root, "isos", j->isos);
	json_object_object_add(j->root, "totals", t);
}

void json_report_finish(struct json_report *j, int exit_code, FILE *out)
{
	if (j->files)
		add_totals(j);
	if (j->targets)
		json_object_object_add(j->root, "targets", j->targets);
	if (j->profiles)
		json_object_object_add(j->root, "profiles", j->profiles);
	if (j->hives)
		json_object_object_add(j->root, "hives", j->hives);
	json_object_object_add(j->root, "errors", j->errors);
	json_object_object_add(j->root, "exit_code", json_object_new_int(exit_code));
	fputs(json_object_to_json_string_ext(j->root, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE), out);
	fputc('\n', out);
	json_object_put(j->root);
	free(j);
}

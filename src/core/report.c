/* report.c - results and their text rendering; see report.h. */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <strings.h>

#include "core/report.h"
#include "util/array.h"
#include "util/escape.h"
#include "util/msg.h"

static char *copy_str(const char *s, bool *ok)
{
	char *d = s ? strdup(s) : NULL;
	*ok = *ok && (!s || d);
	return d;
}

bool file_report_copy(struct file_report *dst, const struct file_report *src)
{
	bool ok = true;

	*dst = *src;
	dst->hives = NULL;
	dst->n_hives = dst->a_hives = 0;
	dst->files = NULL;
	dst->n_files = dst->a_files = 0;
	dst->editions.images = NULL;
	dst->editions.n_images = 0;
	dst->own_media = NULL;
	dst->path = copy_str(src->path, &ok);
	dst->output = copy_str(src->output, &ok);
	if (src->n_hives && !(dst->hives = calloc(src->n_hives, sizeof(*dst->hives))))
		ok = false;
	for (size_t i = 0; ok && i < src->n_hives; i++) {
		const struct hive_report *a = &src->hives[i];
		struct hive_report *h = &dst->hives[dst->n_hives++];
		*h = *a;
		h->changes = (struct changelist){ 0 };
		h->image_name = copy_str(a->image_name, &ok);
		h->hive = copy_str(a->hive, &ok);
		h->reg_root = copy_str(a->reg_root, &ok);
		for (size_t k = 0; k < a->n_logs; k++) {
			h->logs[k].name = copy_str(a->logs[k].name, &ok);
			h->logs[k].at = copy_str(a->logs[k].at, &ok);
		}
		ok = ok && changelist_copy(&h->changes, &a->changes);
	}
	dst->a_hives = dst->n_hives;
	dst->media = dst->own_media = NULL;
	if (ok && src->n_media && !(dst->own_media = calloc(src->n_media, sizeof(*dst->own_media))))
		ok = false;
	for (size_t i = 0; ok && i < src->n_media; i++) {
		struct media_file_change *c = &dst->own_media[i];
		*c = src->media[i];
		c->path = copy_str(c->path, &ok);
		c->old_path = copy_str(c->old_path, &ok);
		c->from = copy_str(c->from, &ok);
		c->old_b64 = copy_str(c->old_b64, &ok);
	}
	dst->media = dst->own_media;
	if (ok && src->n_files && !(dst->files = calloc(src->n_files, sizeof(*dst->files))))
		ok = false;
	for (size_t i = 0; ok && i < src->n_files; i++) {
		struct image_file_report *f = &dst->files[dst->n_files++];
		*f = src->files[i];
		f->image_name = copy_str(f->image_name, &ok);
		f->path = copy_str(f->path, &ok);
		f->from = copy_str(f->from, &ok);
		f->meta = copy_str(f->meta, &ok);
		f->old_b64 = copy_str(f->old_b64, &ok);
	}
	dst->a_files = dst->n_files;
	const struct editions_report *e = &src->editions;
	if (ok && e->n_images && !(dst->editions.images = calloc(e->n_images, sizeof(*e->images))))
		ok = false;
	for (size_t i = 0; ok && i < e->n_images; i++) {
		dst->editions.images[dst->editions.n_images] = e->images[i];
		dst->editions.images[dst->editions.n_images++].name = copy_str(e->images[i].name, &ok);
	}
	if (!ok)
		file_report_free(dst);
	return ok;
}

/* Red for what goes, green for what comes: only on a terminal, and never
 * when NO_COLOR is set (https://no-color.org). */
static const char *c_del = "", *c_add = "", *c_off = "";

static void colours_for(FILE *out)
{
	const char *nc = getenv("NO_COLOR");
	bool on = isatty(fileno(out)) && !(nc && *nc);
	c_del = on ? "\033[31m" : "";
	c_add = on ? "\033[32m" : "";
	c_off = on ? "\033[0m" : "";
}

struct hive_report *file_report_add(struct file_report *fr)
{
	if (!ARRAY_GROW(fr->hives, fr->n_hives + 1, fr->a_hives))
		return NULL;
	memset(&fr->hives[fr->n_hives], 0, sizeof(fr->hives[0]));
	return &fr->hives[fr->n_hives++];
}

struct image_file_report *file_report_add_file(struct file_report *fr)
{
	if (!ARRAY_GROW(fr->files, fr->n_files + 1, fr->a_files))
		return NULL;
	memset(&fr->files[fr->n_files], 0, sizeof(fr->files[0]));
	return &fr->files[fr->n_files++];
}

size_t file_report_changes(const struct file_report *fr)
{
	size_t n = fr->n_media + fr->n_files + fr->editions.n_dropped;
	for (size_t i = 0; i < fr->n_hives; i++)
		n += fr->hives[i].changes.n;
	return n;
}

void file_report_free(struct file_report *fr)
{
	for (size_t i = 0; fr->own_media && i < fr->n_media; i++) {
		free(fr->own_media[i].path);
		free(fr->own_media[i].old_path);
		free(fr->own_media[i].from);
		free(fr->own_media[i].old_b64);
	}
	free(fr->own_media);
	fr->own_media = NULL;
	for (size_t i = 0; i < fr->n_hives; i++) {
		free(fr->hives[i].image_name);
		free(fr->hives[i].hive);
		free(fr->hives[i].reg_root);
		changelist_free(&fr->hives[i].changes);
		for (size_t k = 0; k < fr->hives[i].n_logs; k++)
			free(fr->hives[i].logs[k].name), free(fr->hives[i].logs[k].at);
	}
	free(fr->hives);
	for (size_t i = 0; i < fr->n_files; i++)
		image_file_report_free(&fr->files[i]);
	free(fr->files);
	editions_report_free(&fr->editions);
	free(fr->path);
	free(fr->output);
	memset(fr, 0, sizeof(*fr));
}


/* Text from the inputs (names, data, file and image names), printed with
 * its control characters as escapes: a name cannot start a line of its
 * own in the report, nor drive the terminal (escape.h). */
static void put(FILE *out, const char *s, bool quoted)
{
	char *e = esc_dup(s, quoted);
	fputs(e ? e : "?", out);
	free(e);
}

/* A value line the way .reg files write it: "Name"=data, @ for default. */
static void print_value_line(FILE *out, char sign, const char *name, const struct regval *v)
{
	char *data = v ? regval_to_reg(v) : NULL;
	char *text = v ? regval_to_text(v) : NULL;

	fputs(sign == '-' ? c_del : c_add, out);
	fputc(sign, out);
	if (name[0] == '\0') {
		fputc('@', out);
	} else {
		fputc('"', out);
		put(out, name, true);
		fputc('"', out);
	}
	if (v) {
		fputc('=', out);
		put(out, data ? data : "?", false);
		/* The raw .reg form of strings and lists is unreadable hex. */
		if (v->type != REGT_DWORD && v->type != REGT_BINARY && text)
			fprintf(out, "    ; %s %s", regtype_name(v->type), text);
	} else {
		fputs("=-", out);
	}
	fputs(c_off, out);
	fputc('\n', out);
	free(data);
	free(text);
}

/* [ROOT\key], with the key's control characters as escapes. */
static void put_key(FILE *out, const struct hive_report *h, const char *key)
{
	fputc('[', out);
	put(out, h->reg_root, false);
	fputc('\\', out);
	put(out, key, false);
	fputc(']', out);
}

static void print_change(FILE *out, const struct hive_report *h, const struct change *c,
			 const char **last_key)
{
	switch (c->kind) {
	case CH_KEY_ADDED:
		fprintf(out, "%s+", c_add);
		put_key(out, h, c->key);
		fprintf(out, "%s\n", c_off);
		*last_key = c->key;
		return;
	case CH_KEY_DELETED:
		fprintf(out, "%s-", c_del);
		put_key(out, h, c->key);
		fprintf(out, "    ; with %zu subkeys and %zu values%s\n", c->sub_keys, c->sub_values,
			c_off);
		*last_key = NULL;
		return;
	case CH_VALUE_SET:
	case CH_VALUE_DELETED:
		break;
	}
	if (!*last_key || strcmp(*last_key, c->key) != 0) {
		fputc(' ', out);
		put_key(out, h, c->key);
		fputc('\n', out);
		*last_key = c->key;
	}
	if (c->has_old)
		print_value_line(out, '-', c->name, &c->old);
	if (c->has_new)
		print_value_line(out, '+', c->name, &c->new);
}

/* "--- boot.wim: image 2 "Microsoft Windows Setup (x64)" (boot): SYSTEM". */
static void print_heading(FILE *out, const struct file_report *fr, const struct hive_report *h)
{
	fputs("--- ", out);
	put(out, fr->path, false);
	if (h->image) {
		fprintf(out, ": image %d \"", h->image);
		put(out, h->image_name ? h->image_name : "", true);
		fprintf(out, "\" (%s): ", role_name(h->role));
		put(out, h->hive ? h->hive : "", false);
	} else if (h->bcd) {
		fputs(" (BCD store)", out);
	}
	fputc('\n', out);
}

/* "  ; transaction log X.LOG1 (8 KiB, ...): emptied (...)": a line per log. */
static void print_logs(FILE *out, const struct hive_report *h)
{
	for (size_t k = 0; k < h->n_logs; k++) {
		const struct hive_log *l = &h->logs[k];
		char size[32];
		fputs("  ; transaction log ", out);
		put(out, l->name, false);
		if (l->size && l->regf)
			fprintf(out, " (%s, sequence numbers %" PRIu32 "/%" PRIu32 ")",
				msg_human_size(l->size, size, sizeof(size)), l->seq1, l->seq2);
		else if (l->size)
			fprintf(out, " (%s, no base block)", msg_human_size(l->size, size, sizeof(size)));
		if (strcmp(l->action, "empty") == 0)
			fputs(": empty, left as it is\n", out);
		else if (strcmp(l->action, "no data") == 0)
			fputs(": no log data in it (that starts at its second sector), left as it "
			      "is\n", out);
		else
			fprintf(out, ": %s, so that Windows cannot replay it over the rewritten hive\n",
				strcmp(l->action, "emptied") == 0 ? "emptied" : "would be emptied");
	}
}

/* Only a written image has a line: the reports of its files say what
 * is pending, and the errors what failed. */
static void print_iso(FILE *out, const struct file_report *fr)
{
	const struct iso_report *r = fr->iso;

	if (fr->status != FILE_WRITTEN || r->failed)
		return;
	if (r->route && strcmp(r->route, "copy") == 0) {
		fprintf(out, "%s: nothing to change, copied unchanged from %s\n", fr->output, fr->path);
		return;
	}
	if (r->route && strcmp(r->route, "in-place") == 0) {
		char size[32];
		fprintf(out, "%s: written and verified: patched in place (%s written, %zu file%s), "
			"%s, label '%s', boot %s, %zu files and directories as in %s", fr->output,
			msg_human_size(r->bytes_written, size, sizeof(size)), r->n_edited,
			r->n_edited == 1 ? "" : "s", r->filesystems, r->label, r->boot_text, r->entries,
			fr->path);
		if (r->n_removed)
			fprintf(out, " but the %zu removed", r->n_removed);
		fputc('\n', out);
		return;
	}
	fprintf(out, "%s: written and verified: %s, label '%s', boot %s, %zu files and directories "
		"as in %s%s\n", fr->output, r->filesystems, r->label, r->boot_text, r->entries,
		fr->path, r->split_parts ? " (install.wim split)" : "");
}

/* "+ Autounattend.xml (2.1 KiB, sha256 ...)" per medium file. */
static void print_media(FILE *out, const struct file_report *fr)
{
	char a[32], b[32];

	for (size_t i = 0; i < fr->n_media; i++) {
		const struct media_file_change *c = &fr->media[i];
		bool add = strcmp(c->action, "add") == 0, rem = strcmp(c->action, "remove") == 0;
		bool boot = strcmp(c->action, "boot") == 0;
		fprintf(out, "%s%c ", add ? c_add : rem ? c_del : "", add ? '+' : rem ? '-' : '~');
		put(out, c->path, false);
		if (boot) {
			fputs(": the UEFI boot entry loads it instead of ", out);
			put(out, c->old_path ? c->old_path : "?", false);
		} else if (rem) {
			fprintf(out, " removed (%s, sha256 %s; %s)",
				msg_human_size(c->old_size, a, sizeof(a)), c->old_sha256,
				c->old_b64 ? "an --undo-file keeps its bytes"
					   : "its bytes are not kept: over 64 KiB");
		} else {
			fprintf(out, " %s from ", add ? "added" : "replaced");
			put(out, c->from, false);
			fprintf(out, " (%s, sha256 %s", msg_human_size(c->size, a, sizeof(a)),
				c->sha256);
			if (!add)
				fprintf(out, "; was %s, sha256 %s", msg_human_size(c->old_size, b, sizeof(b)),
					c->old_sha256);
			fputc(')', out);
		}
		fprintf(out, "%s\n", add || rem ? c_off : "");
	}
	if (fr->n_media)
		fputc('\n', out);
}

void report_print(FILE *out, const struct file_report *fr)
{
	if (fr->iso) {
		print_iso(out, fr);
		return;
	}
	colours_for(out);
	print_media(out, fr);
	size_t total = file_report_changes(fr);

	for (size_t i = 0; i < fr->n_hives; i++) {
		const struct hive_report *h = &fr->hives[i];
		const char *last_key = NULL;

		if (h->changes.n == 0)
			continue;
		print_heading(out, fr, h);
		/* A BCD store's changes first in bcdedit's terms, then as keys. */
		for (size_t j = 0; h->bcd && j < h->changes.n; j++) {
			if (h->changes.v[j].note) {
				fputs("  ", out);
				put(out, h->changes.v[j].note, false);
				fputc('\n', out);
			}
		}
		for (size_t j = 0; j < h->changes.n; j++)
			print_change(out, h, &h->changes.v[j], &last_key);
		print_logs(out, h);
		fputc('\n', out);
	}
	report_print_image_files(out, fr->path, fr->files, fr->n_files);
	report_print_editions(out, fr->path, &fr->editions);
	const char *state = "";
	switch (fr->status) {
	case FILE_UNCHANGED:
		state = "nothing to change, not written";
		break;
	case FILE_PENDING:
		state = "would be written";
		break;
	case FILE_WRITTEN:
		state = "written and verified";
		break;
	case FILE_COPIED:
		state = "nothing to change, copied unchanged";
		break;
	}
	put(out, fr->path, false);
	fprintf(out, ": %zu change%s, %s", total, total == 1 ? "" : "s", state);
	if (fr->output) {
		fputs(" to ", out);
		put(out, fr->output, false);
	}
	fputc('\n', out);
}

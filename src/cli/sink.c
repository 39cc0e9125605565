/* sink.c - where the reports go; see sink.h. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "adapters/json_report.h"
#include "cli/exit.h"
#include "cli/sink.h"
#include "cli/undo_lock.h"
#include "core/regfile.h"
#include "util/clock.h"
#include "util/msg.h"
#include "util/strbuf.h"

int sink_open(struct sink *s, const char *command, bool dry_run, bool json, bool reg,
	      const char *undo_file, bool utf16, bool wait)
{
	if (reg && !(s->reg = regfile_stream(stdout, "--format=reg")))
		return EXIT_INTERNAL;
	/* Locked, then checked, before any target is touched, not after the
	 * first one is written: the undo file is the only record of the old
	 * values. */
	if (undo_file && (undo_lock(undo_file, wait) < 0 || regfile_check_dest(undo_file) < 0))
		return EXIT_WRITE;
	s->undo_file = undo_file;
	s->utf16 = utf16;
	if (json) {
		if (!(s->json = json_report_new(command, dry_run)))
			return EXIT_INTERNAL;
		msg_set_error_sink(json_report_error, s->json);
	}
	return EXIT_OK;
}

/* "; boot.wim: image 2 (Microsoft Windows Setup (x64)): Windows/...". */
static void reg_section_comment(struct regfile_out *r, const struct file_report *fr,
				const struct hive_report *h)
{
	char *c = NULL;
	if (h->image)
		(void)!asprintf(&c, "%s: image %d (%s): %s", fr->path, h->image, h->image_name,
				h->hive);
	else
		(void)!asprintf(&c, "%s", fr->path);
	if (c)
		regfile_comment(r, c);
	free(c);
}

/* "; wimpatch apply, 2026-12-03 09:29:42 UTC: what undoes it (...)". */
static void undo_run_comment(struct regfile_out *r)
{
	char when[64] = "";
	time_t now = wp_now().tv_sec;	/* SOURCE_DATE_EPOCH's, if set */
	struct tm tm;

	if (gmtime_r(&now, &tm))
		strftime(when, sizeof(when), ", %Y-%m-%d %H:%M:%S UTC", &tm);
	char *c = NULL;
	(void)!asprintf(&c, "wimpatch apply%s: what undoes it (later writes above, earlier "
			"ones below)", when);
	if (c)
		regfile_comment(r, c);
	free(c);
}

/* `s` with '%', ';' and control characters as %XX, so that a field of
 * the section header ends at the next "; " (cli/undo_file.c reads it). */
static void add_field(struct strbuf *b, const char *name, const char *s)
{
	strbuf_addf(b, "%s%s=", b->len ? "; " : "", name);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '%' || *p == ';' || *p < 0x20 || *p == 0x7f)
			strbuf_addf(b, "%%%02X", *p);
		else
			strbuf_addf(b, "%c", *p);
	}
}

/* "; wimpatch-undo: target=...; file=...; image=2; ...": where the
 * section's values came from, for 'wimpatch undo' (wimpatch(1), UNDO
 * FILES); then what the run wrote there, as "; wrote: " comments. */
static void undo_section_header(struct regfile_out *r, const struct sink *s,
				const struct file_report *fr, const struct hive_report *h)
{
	struct strbuf b = STRBUF_INIT;
	char num[16];

	add_field(&b, "target", s->target ? s->target : fr->path);
	add_field(&b, "file", fr->path);
	add_field(&b, "kind", fr->kind);
	snprintf(num, sizeof(num), "%d", h->image);
	add_field(&b, "image", num);
	if (h->image)
		add_field(&b, "role", role_name(h->role));
	add_field(&b, "hive", h->hive);
	add_field(&b, "root", h->reg_root);
	if (!b.failed) {
		char *c = NULL;
		if (asprintf(&c, "wimpatch-undo: %s", b.buf) >= 0)
			regfile_comment(r, c);
		free(c);
	}
	strbuf_release(&b);
}

/* What the run wrote into one hive: its changes but those a later one
 * overrode (only the last word on a value is in the hive). */
static void undo_wrote(struct regfile_out *r, const struct hive_report *h)
{
	bool *sup = change_superseded_all(&h->changes);
	struct changelist last = { 0 };

	if (sup && (last.v = calloc(h->changes.n, sizeof(*last.v)))) {
		for (size_t i = 0; i < h->changes.n; i++)
			if (!sup[i])
				last.v[last.n++] = h->changes.v[i];	/* borrowed */
		regfile_changes_comment(r, "; wrote: ", h->reg_root, &last);
	} else {
		msg_error("%s: out of memory", "--undo-file");
	}
	free(last.v);
	free(sup);
}

/* Old bytes, base64, on "; wimpatch-undo-data: " lines after their record. */
static void undo_data(struct regfile_out *r, const char *b64)
{
	size_t len = b64 ? strlen(b64) : 0;
	for (size_t k = 0; k < len; k += 76) {
		char *c = NULL;
		if (asprintf(&c, "wimpatch-undo-data: %.76s", b64 + k) >= 0)
			regfile_comment(r, c);
		free(c);
	}
}

/* The record of a medium file wimpatch undo puts back: an added one
 * removed, a replaced or removed one (its old bytes kept) written back,
 * each checked first against what the run left (sha256=, or absent). */
static void undo_medium_record(struct regfile_out *r, const struct sink *s,
			       const struct file_report *fr, const struct media_file_change *c)
{
	bool add = strcmp(c->action, "add") == 0, rem = strcmp(c->action, "remove") == 0;
	bool boot = strcmp(c->action, "boot") == 0;
	struct strbuf b = STRBUF_INIT;
	char *t = NULL;

	add_field(&b, "target", s->target ? s->target : fr->path);
	add_field(&b, "file", fr->path);
	add_field(&b, "path", c->path);
	add_field(&b, "action", add ? "added" : rem ? "removed" : boot ? "switched" : "replaced");
	if (boot)
		add_field(&b, "old-path", c->old_path);
	else if (!rem)
		add_field(&b, "sha256", c->sha256);
	if (!add && !boot)
		add_field(&b, "old-sha256", c->old_sha256);
	if (!b.failed && asprintf(&t, "wimpatch-undo-medium-file: %s", b.buf) >= 0)
		regfile_comment(r, t);
	strbuf_release(&b);
	free(t);
}

/* The medium's files: a record of each file added, replaced or removed
 * that wimpatch undo can put back (added; the others whose old bytes are
 * kept: UNDO_OLD_BYTES_MAX at most) and of the UEFI boot entry switched
 * from a file of the medium, and comments for a person about the rest
 * (larger old files; an entry that loaded no file). */
static void undo_media(struct regfile_out *r, const struct sink *s, const struct file_report *fr)
{
	for (size_t i = 0; i < fr->n_media; i++) {
		const struct media_file_change *c = &fr->media[i];
		char *t = NULL;
		const char *where = fr->output ? fr->output : fr->path;
		bool add = strcmp(c->action, "add") == 0, boot = strcmp(c->action, "boot") == 0;
		if (add || (!boot && c->old_b64) || (boot && c->old_path))
			undo_medium_record(r, s, fr, c);
		if (add)
			(void)!asprintf(&t, "wimpatch undo removes it (or, by hand: remove %s from %s)",
					c->path, where);
		else if (!boot && c->old_b64)
			(void)!asprintf(&t, "%s %s: its old %" PRIu64 " bytes, base64, on the "
					"wimpatch-undo-data lines below: wimpatch undo puts them back",
					strcmp(c->action, "remove") == 0 ? "removed" : "replaced",
					c->path, c->old_size);
		else if (!boot)
			(void)!asprintf(&t, "wimpatch-medium: %s: %s %s (%" PRIu64 " bytes, sha256 %s): "
					"its old bytes (more than %u) are not kept; to undo, copy it "
					"back from the source medium", where,
					strcmp(c->action, "remove") == 0 ? "removed" : "replaced",
					c->path, c->old_size, c->old_sha256, UNDO_OLD_BYTES_MAX);
		else if (c->old_path)
			(void)!asprintf(&t, "the UEFI boot entry of %s loads %s instead of %s: "
					"wimpatch undo switches it back", where, c->path, c->old_path);
		else
			(void)!asprintf(&t, "wimpatch-medium: %s: the UEFI boot entry loads %s instead "
					"of a boot image that is no file of the medium: not switched "
					"back by wimpatch undo", where, c->path);
		if (t)
			regfile_comment(r, t);
		free(t);
		if (!add && !boot)
			undo_data(r, c->old_b64);
	}
}

/* Files added or replaced inside images, and images dropped, as comments
 * (outside any section, so that a .reg import passes over them): wimpatch
 * undo deletes an added file and puts back a replaced one whose old bytes
 * are kept (UNDO_OLD_BYTES_MAX at most, in base64), checking first that
 * the image holds what the run wrote (sha256=).  Only undo removes files,
 * and it writes no undo file. */
static void undo_image_ops(struct regfile_out *r, const struct sink *s,
			   const struct file_report *fr)
{
	for (size_t i = 0; i < fr->n_files; i++) {
		const struct image_file_report *f = &fr->files[i];
		struct strbuf b = STRBUF_INIT;
		char num[16], *c = NULL;
		add_field(&b, "target", s->target ? s->target : fr->path);
		add_field(&b, "file", fr->path);
		snprintf(num, sizeof(num), "%d", f->image);
		add_field(&b, "image", num);
		add_field(&b, "role", role_name(f->role));
		add_field(&b, "path", f->path);
		add_field(&b, "action", f->added ? "added" : "replaced");
		add_field(&b, "sha256", f->sha256);
		if (!f->added)
			add_field(&b, "old-sha256", f->old_sha256);
		if (!b.failed && asprintf(&c, "wimpatch-undo-image-file: %s", b.buf) >= 0)
			regfile_comment(r, c);
		free(c);
		c = NULL;
		strbuf_release(&b);
		if (f->added)
			(void)!asprintf(&c, "wimpatch undo deletes it from the image (or: wimlib-imagex "
					"update '%s' %d --command='delete \"/%s\"')",
					fr->output ? fr->output : fr->path, f->image, f->path);
		else if (!f->old_b64)
			(void)!asprintf(&c, "its old bytes (%llu, more than %u) are not kept here: "
					"take the file from the original medium",
					(unsigned long long)f->old_size, UNDO_OLD_BYTES_MAX);
		else
			(void)!asprintf(&c, "its old %llu bytes, base64, on the wimpatch-undo-data "
					"lines below: wimpatch undo puts them back",
					(unsigned long long)f->old_size);
		if (c)
			regfile_comment(r, c);
		free(c);
		undo_data(r, f->old_b64);
	}
	const struct editions_report *e = &fr->editions;
	for (size_t i = 0; e->applies && i < e->n_images; i++) {
		char *c = NULL;
		if (!e->images[i].dropped)
			continue;
		if (asprintf(&c, "wimpatch-undo-editions: %s: image %d \"%s\" dropped; its data is "
			     "not kept: take it from the original medium (boot index %d -> %d)",
			     fr->path, e->images[i].index, e->images[i].name, e->boot_before,
			     e->boot_after) >= 0)
			regfile_comment(r, c);
		free(c);
	}
}

/* A file was written: what undoes it goes in front of the undo file at
 * once, so that a later failure (or a kill) cannot lose it. */
static void undo_file_done(struct sink *s, const struct file_report *fr)
{
	if (file_report_changes(fr) == 0)
		return;
	struct regfile_out *r = regfile_new(s->undo_file);
	if (!r) {
		s->undo_failed = true;
		return;
	}
	undo_run_comment(r);
	undo_media(r, s, fr);
	undo_image_ops(r, s, fr);
	for (size_t i = 0; i < fr->n_hives; i++) {
		const struct hive_report *h = &fr->hives[i];
		if (h->changes.n == 0)
			continue;
		undo_section_header(r, s, fr, h);
		reg_section_comment(r, fr, h);
		undo_wrote(r, h);
		regfile_undo(r, h->reg_root, &h->changes);
	}
	if (regfile_left_out(r))
		s->undo_failed = true;
	undo_lock_recording();
	if (regfile_prepend(r, s->undo_file, s->utf16) < 0)
		s->undo_failed = true;
}

void sink_file_committed(struct sink *s, struct file_report *fr)
{
	if (s->undo_file)
		undo_file_done(s, fr);
	fr->undo_recorded = true;
}

void sink_file_done(const struct file_report *fr, void *ctx)
{
	struct sink *s = ctx;

	for (size_t i = 0; s->reg && i < fr->n_hives; i++) {
		const struct hive_report *h = &fr->hives[i];
		if (h->changes.n == 0)
			continue;
		reg_section_comment(s->reg, fr, h);
		regfile_changes(s->reg, h->reg_root, &h->changes);
	}
	if (s->undo_file && fr->status == FILE_WRITTEN && !fr->undo_recorded)
		undo_file_done(s, fr);
	if (s->json)
		json_report_add_file(s->json, fr);
	else if (!s->reg && msg_verbosity >= VERB_NORMAL)
		report_print(stdout, fr);
	if (fr->status == FILE_PENDING)
		s->pending = true;
}

void sink_target_done(struct sink *s, enum wp_err result)
{
	if (s->json)
		json_report_errors_code(s->json, wp_err_name(result));
}

int sink_close(struct sink *s, int status)
{
	/* An undo file or a .reg export that could not be written in full is
	 * a write error, unless something worse happened. */
	bool incomplete = s->undo_failed;
	undo_lock_end();
	if (s->reg && regfile_close(s->reg) < 0)
		incomplete = true;
	s->reg = NULL;
	if (incomplete && (status == EXIT_OK || status == EXIT_PENDING))
		status = EXIT_WRITE;
	if (s->json) {
		msg_set_error_sink(NULL, NULL);
		json_report_errors_code(s->json, exit_status_kind(status));
		json_report_finish(s->json, status, stdout);
		s->json = NULL;
	}
	return status;
}

/* sink.c - where the reports go; see sink.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "adapters/json_report.h"
#include "cli/exit.h"
#include "cli/sink.h"
#include "core/regfile.h"
#include "util/clock.h"
#include "util/msg.h"

int sink_open(struct sink *s, const char *command, bool dry_run, bool json, bool reg,
	      const char *undo_file, bool utf16)
{
	if (reg && !(s->reg = regfile_stream(stdout, "--format=reg")))
		return EXIT_INTERNAL;
	/* Refused before any target is touched, not after the first one is
	 * written: the undo file is the only record of the old values. */
	if (undo_file && regfile_check_dest(undo_file) < 0)
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
	for (size_t i = 0; i < fr->n_hives; i++) {
		const struct hive_report *h = &fr->hives[i];
		if (h->changes.n == 0)
			continue;
		reg_section_comment(r, fr, h);
		regfile_undo(r, h->reg_root, &h->changes);
	}
	if (regfile_left_out(r))
		s->undo_failed = true;
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

/* sink.c - where the reports go; see sink.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "adapters/json_report.h"
#include "cli/exit.h"
#include "cli/sink.h"
#include "core/regfile.h"
#include "util/msg.h"

int sink_open(struct sink *s, const char *command, bool dry_run, bool json, bool reg,
	      const char *undo_file, bool utf16)
{
	if (reg && !(s->reg = regfile_stream(stdout)))
		return EXIT_INTERNAL;
	if (undo_file && !(s->undo = regfile_create(undo_file, utf16)))
		return EXIT_WRITE;
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

void sink_file_done(const struct file_report *fr, void *ctx)
{
	struct sink *s = ctx;

	for (size_t i = 0; i < fr->n_hives; i++) {
		const struct hive_report *h = &fr->hives[i];
		if (h->changes.n == 0)
			continue;
		if (s->reg) {
			reg_section_comment(s->reg, fr, h);
			regfile_changes(s->reg, h->reg_root, &h->changes);
		}
		if (s->undo && fr->status == FILE_WRITTEN) {
			reg_section_comment(s->undo, fr, h);
			regfile_undo(s->undo, h->reg_root, &h->changes);
		}
	}
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
	/* The undo file covers every file that was written, also when a
	 * later one failed. */
	if (s->undo && regfile_close(s->undo) < 0 && status == EXIT_OK)
		status = EXIT_WRITE;
	s->undo = NULL;
	if (s->reg)
		regfile_close(s->reg);
	s->reg = NULL;
	if (s->json) {
		msg_set_error_sink(NULL, NULL);
		json_report_errors_code(s->json, exit_status_kind(status));
		json_report_finish(s->json, status, stdout);
		s->json = NULL;
	}
	return status;
}

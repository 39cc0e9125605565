/* show_report.c - the text of `wimpatch show`; see show_report.h. */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "core/show_report.h"
#include "util/escape.h"
#include "util/strbuf.h"

/*
 * Image names, paths, BCD descriptions and labels come from the target,
 * so control characters in what is printed are shown as escapes
 * (util/escape.h), all but the format's own line feed at its end.
 */
static void say(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(FILE *out, const char *fmt, ...)
{
	struct strbuf raw = STRBUF_INIT, shown = STRBUF_INIT;
	size_t fl = strlen(fmt);
	bool eol = fl && fmt[fl - 1] == '\n';
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&raw, fmt, ap);
	va_end(ap);
	if (raw.buf && eol)
		raw.buf[--raw.len] = '\0';
	esc_add(&shown, raw.buf ? raw.buf : "", false);
	fputs(shown.buf && !shown.failed && !raw.failed ? shown.buf : "?", out);
	if (eol)
		fputc('\n', out);
	strbuf_release(&raw);
	strbuf_release(&shown);
}

const char *exposure_text(enum exposure e)
{
	switch (e) {
	case EXPOSED:
		return "EXPOSED to the iSCSI crash-dump blue screen (0xD1): apply iscsi-boot";
	case PATCHED:
		return "patched (crash dumps off, no boot-time filters)";
	case PARTLY_PATCHED:
		return "protected by one remedy (crash dumps off, or no boot-time filters); "
		       "iscsi-boot applies both";
	case NOT_AFFECTED:
		return "not affected (older than Windows 10)";
	}
	return "?";
}

const char *exposure_name(enum exposure e)
{
	switch (e) {
	case EXPOSED:
		return "exposed";
	case PATCHED:
		return "patched";
	case PARTLY_PATCHED:
		return "partly-patched";
	case NOT_AFFECTED:
		return "not-affected";
	}
	return "?";
}

const char *const labconfig_checks[LABCONFIG_CHECKS] = {
	"BypassTPMCheck", "BypassSecureBootCheck", "BypassRAMCheck", "BypassStorageCheck",
	"BypassCPUCheck",
};

static void print_state(FILE *out, const char *indent, const struct system_state *st,
			enum exposure verdict)
{
	say(out, "%scurrent control set: %s\n", indent,
		st->control_set[0] ? st->control_set : "(none)");
	if (st->crash_dump < 0)
		say(out, "%sCrashDumpEnabled: (not set: crash dumps on by default)\n", indent);
	else
		say(out, "%sCrashDumpEnabled: %ld%s\n", indent, st->crash_dump,
			st->crash_dump ? "" : " (off)");
	if (st->boot_filters < 0)
		say(out, "%sBFE boot-time filters: none (no BootTime\\Filter key)\n", indent);
	else
		say(out, "%sBFE boot-time filters: %ld\n", indent, st->boot_filters);
	say(out, "%sPagingFiles: %s\n", indent,
		!st->paging_files_present ? "(not set)"
		: st->paging_files_set	  ? "set"
					  : "empty (no page file)");
	say(out, "%smsiscsi: %s\n", indent, st->msiscsi ? "present" : "absent");
	/* Only when set: most media have no LabConfig key. */
	if (st->lab_bypass) {
		say(out, "%sSetup\\LabConfig (Windows 11 checks bypassed):", indent);
		for (int k = 0; k < LABCONFIG_CHECKS; k++)
			if (st->lab_bypass & 1u << k)
				say(out, " %s", labconfig_checks[k]);
		fputc('\n', out);
	}
	say(out, "%s=> %s\n", indent, exposure_text(verdict));
}

static void print_wim(FILE *out, const struct shown *s)
{
	say(out, "%s: %d image%s, boot index %d", s->path, s->image_count,
		s->image_count == 1 ? "" : "s", s->boot_index);
	if (s->parts)
		say(out, ", split set of %u part%s", s->parts, s->parts == 1 ? "" : "s");
	fputc('\n', out);
	for (size_t i = 0; i < s->n_images; i++) {
		const struct shown_image *img = &s->images[i];
		say(out, "  image %d: %s\n", img->index, img->name ? img->name : "");
		say(out, "    edition %s, build %s, %s, role %s\n",
			img->edition ? img->edition : "?", img->build ? img->build : "?",
			img->arch ? img->arch : "?", role_name(img->role));
		if (img->no_hive)
			say(out, "    (no %s)\n", DEFAULT_HIVE);
		else if (img->has_state)
			print_state(out, "    ", &img->st, img->exposure);
	}
}

static void print_bcd(FILE *out, const struct shown *s)
{
	const struct bcd_description *d = s->bcd;

	say(out, "%s: BCD store%s\n", s->path,
		s->store == BCD_STORE_BIOS ? " (BIOS)" : s->store == BCD_STORE_EFI ? " (UEFI)" : "");
	if (!d)
		return;
	if (!d->has_default)
		say(out, "  default loader: none (%s)\n", d->no_default);
	else
		say(out, "  default loader: %s%s%s%s\n", d->default_guid,
			d->default_description ? " \"" : "",
			d->default_description ? d->default_description : "",
			d->default_description ? "\"" : d->default_exists ? "" : " (missing)");
	if (d->has_default)
		say(out, "  debug: %s\n", d->debug < 0 ? "not set (No)" : d->debug ? "Yes" : "No");
	if (!d->has_dbgsettings) {
		say(out, "  {dbgsettings}: none\n");
		return;
	}
	const char *t = d->debugtype >= 0 ? bcd_debugtype_name((uint64_t)d->debugtype) : NULL;
	say(out, "  {dbgsettings}: debugtype %s", d->debugtype < 0 ? "(not set)" : t ? t : "?");
	for (size_t i = 0; i < d->n_params; i++)
		say(out, ", %s %s", d->params[i].name, d->params[i].value);
	fputc('\n', out);
}

/* A hive that is not SYSTEM has no crash-dump state; what matters is
 * which rules could edit it. */
static void print_rules(FILE *out, const struct shown *s)
{
	say(out, "  not a SYSTEM hive: no crash-dump, boot-filter or page-file state\n");
	if (s->n_rules == 0) {
		say(out, "  rules that could apply: none (no profile edits a %s hive)\n",
		    s->hive_kind);
		return;
	}
	say(out, "  rules that could apply: %zu\n", s->n_rules);
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct rule *r = s->rules[i];
		say(out, "    %s%s%s (%s:%d)\n", r->profile, r->id ? " rule " : "",
		    r->id ? r->id : "", r->src_file, r->src_line);
	}
}

void shown_print(FILE *out, const struct shown *s)
{
	switch (s->kind) {
	case SHOWN_ISO:
		say(out, "%s: ISO image (%s), label '%s', boot %s\n", s->path,
			s->udf ? "UDF + ISO 9660" : "ISO 9660", s->label, s->boot_text);
		say(out, "%s: Windows installation medium\n", s->path);
		break;
	case SHOWN_TREE:
		say(out, "%s: Windows installation medium\n", s->path);
		break;
	case SHOWN_WIM:
		print_wim(out, s);
		break;
	case SHOWN_BCD:
		print_bcd(out, s);
		break;
	case SHOWN_HIVE:
		say(out, "%s: registry hive, %s (by %s)\n", s->path, s->hive_kind,
		    s->hive_kind_source);
		if (s->state)
			print_state(out, "  ", s->state, s->exposure);
		else
			print_rules(out, s);
		break;
	}
}

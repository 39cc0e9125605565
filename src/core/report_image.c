/* report_image.c - image-level results and their lines in the diff; see
 * report_image.h. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/report_image.h"
#include "util/escape.h"

void image_file_report_free(struct image_file_report *r)
{
	free(r->image_name);
	free(r->path);
	free(r->from);
	free(r->meta);
	free(r->old_b64);
	memset(r, 0, sizeof(*r));
}

void editions_report_free(struct editions_report *e)
{
	for (size_t i = 0; i < e->n_images; i++)
		free(e->images[i].name);
	free(e->images);
	memset(e, 0, sizeof(*e));
}

static void put(FILE *out, const char *s, bool quoted)
{
	char *e = esc_dup(s ? s : "", quoted);
	fputs(e ? e : "?", out);
	free(e);
}

/* "--- install.wim: image 3 "Windows 10 Pro" (installed): files"; then a
 * line per file:
 *   + Windows/Panther/unattend.xml  ; added, 1234 bytes, sha256 ..., from F; ...
 *   ~ Windows/System32/x.dll        ; replaced, 10 -> 12 bytes, sha256 A -> B, ... */
void report_print_image_files(FILE *out, const char *path, const struct image_file_report *v,
			      size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct image_file_report *r = &v[i];
		if (i == 0 || v[i - 1].image != r->image) {
			if (i)
				fputc('\n', out);
			fputs("--- ", out);
			put(out, path, false);
			fprintf(out, ": image %d \"", r->image);
			put(out, r->image_name, true);
			fprintf(out, "\" (%s): files\n", role_name(r->role));
		}
		fputs(r->added ? "+" : r->removed ? "-" : "~", out);
		put(out, r->path, false);
		if (r->removed) {
			fprintf(out, "    ; removed, %" PRIu64 " bytes, sha256 %s\n", r->old_size,
				r->old_sha256);
			continue;
		}
		if (r->added)
			fprintf(out, "    ; added, %" PRIu64 " bytes, sha256 %s", r->size, r->sha256);
		else
			fprintf(out, "    ; replaced, %" PRIu64 " -> %" PRIu64 " bytes, sha256 %s -> %s",
				r->old_size, r->size, r->old_sha256, r->sha256);
		fputs(", from ", out);
		put(out, r->from, false);
		fputs("; ", out);
		put(out, r->meta, false);
		fputc('\n', out);
	}
	if (n)
		fputc('\n', out);
}

/* "--- install.wim: editions", a line per image, and what it costs. */
void report_print_editions(FILE *out, const char *path, const struct editions_report *e)
{
	if (!e->applies || e->n_dropped == 0)
		return;
	fputs("--- ", out);
	put(out, path, false);
	fputs(": editions\n", out);
	for (size_t i = 0; i < e->n_images; i++) {
		fprintf(out, "%c image %d \"", e->images[i].dropped ? '-' : ' ', e->images[i].index);
		put(out, e->images[i].name, true);
		fprintf(out, "\"    ; %s\n", e->images[i].dropped ? "dropped" : "kept");
	}
	fprintf(out, "  ; %zu of %zu images dropped (the others renumbered 1 to %zu); boot index "
		"%d -> %d; deleting images means rebuilding the whole WIM (written anew beside it, "
		"then renamed over it)\n\n", e->n_dropped, e->n_images, e->n_images - e->n_dropped,
		e->boot_before, e->boot_after);
}

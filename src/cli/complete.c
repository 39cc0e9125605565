/* complete.c - answers for the bash completion; see complete.h. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/wim.h"
#include "cli/commands.h"
#include "cli/complete.h"
#include "cli/exit.h"
#include "core/plan.h"
#include "profiles/profile.h"
#include "profiles/profile_path.h"
#include "targets/iso_images.h"
#include "targets/media.h"
#include "targets/target.h"
#include "targets/tree.h"
#include "util/msg.h"
#include "util/path.h"
#include "util/strbuf.h"

/* A name a shell word can take: no control characters (a line feed would
 * split it in two offers). */
static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

/* ---- -D NAME= ----------------------------------------------------------- */

/* Each parameter name once, in the order the profiles declare them. */
static void print_params(const struct plan *p)
{
	struct strbuf seen = STRBUF_INIT;	/* " a b c ": the names printed */

	strbuf_addstr(&seen, " ");
	for (size_t i = 0; i < p->n_profiles; i++) {
		const char *s = p->profiles[i].param_names;
		char name[258];

		while (s && *s && !seen.failed) {
			size_t len = strcspn(s, " ");
			snprintf(name, sizeof(name), " %.*s ", (int)len, s);
			if (!strstr(seen.buf, name)) {
				printf("%.*s=\n", (int)len, s);
				strbuf_addstr(&seen, name + 1);
			}
			s += len + (s[len] == ' ');
		}
	}
	strbuf_release(&seen);
}

/* [-d DIR]... PROFILE...: loaded as -p loads them (--profile-dir DIR),
 * a required parameter given a sample value. */
static int complete_params(int argc, char **argv)
{
	const char **dirs = calloc((size_t)argc + 1, sizeof(*dirs));
	const char **specs = calloc((size_t)argc + 1, sizeof(*specs));
	size_t n_dirs = 0, n_specs = 0;
	struct profile_path pp;
	struct plan plan;

	if (!dirs || !specs) {
		free(dirs);
		free(specs);
		return EXIT_INTERNAL;
	}
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "-d") == 0 && i + 1 < argc)
			dirs[n_dirs++] = argv[++i];
		else
			specs[n_specs++] = argv[i];
	profile_init();
	plan_init(&plan);
	if (paths_init(&pp, dirs, n_dirs) == 0) {
		pp.sample_params = true;
		for (size_t i = 0; i < n_specs; i++)
			profile_load(&plan, specs[i], &pp);	/* a bad one offers nothing */
		print_params(&plan);
		paths_free(&pp);
	}
	plan_free(&plan);
	profile_cleanup();
	free(dirs);
	free(specs);
	return EXIT_OK;
}

/* ---- -i SELECTION -------------------------------------------------------- */

/* Each image of the WIM at `path`, by index and by name, after `prefix`. */
static void print_wim_images(const char *path, const char *prefix)
{
	struct wim *w = wim_open(path, false);

	if (!w)
		return;
	for (int i = 1; i <= wim_image_count(w); i++) {
		const char *name = wim_image_name(w, i);
		printf("%s%d\n", prefix, i);
		if (name && *name && printable(name))
			printf("%s%s\n", prefix, name);
	}
	wim_close(w);
}

/* A tree's WIMs, each by its place: install:N, boot:NAME. */
static void print_tree_images(const char *root)
{
	struct media_tree t;

	if (tree_scan(root, &t) == 0) {
		for (size_t i = 0; i < t.n_files; i++) {
			enum media_kind k = t.files[i].kind;
			char *p;
			if (!media_kind_is_wim(k) || k == MEDIA_SPLIT_PART ||
			    !(p = path_join(root, t.files[i].rel)))
				continue;
			print_wim_images(p, media_role(k) == ROLE_SETUP ? "boot:" : "install:");
			free(p);
		}
	}
	tree_free(&t);
}

static void print_iso_image(enum role place, int index, const char *name, void *ctx)
{
	const char *prefix = place == ROLE_SETUP ? "boot:" : "install:";

	(void)ctx;
	printf("%s%d\n", prefix, index);
	if (name && *name && printable(name))
		printf("%s%s\n", prefix, name);
}

static int complete_images(int argc, char **argv)
{
	struct wim_settings ws = { .threads = 1 };

	if (wim_init(&ws) != WP_OK)
		return EXIT_INTERNAL;
	for (int i = 0; i < argc; i++) {
		const struct target_type *t;
		if (target_detect(argv[i], &t) != WP_OK)
			continue;
		if (t->kind == TARGET_WIM)
			print_wim_images(argv[i], "");
		else if (t->kind == TARGET_TREE)
			print_tree_images(argv[i]);
		else if (t->kind == TARGET_ISO)
			iso_list_images(argv[i], print_iso_image, NULL);
	}
	wim_cleanup();
	return EXIT_OK;
}

int cli_complete(int argc, char **argv)
{
	int ret;

	if (argc > 2 && (strcmp(argv[2], "--params") == 0 || strcmp(argv[2], "--images") == 0)) {
		msg_thread_silence(true);
		ret = argv[2][2] == 'p' ? complete_params(argc - 3, argv + 3)
					: complete_images(argc - 3, argv + 3);
		msg_thread_silence(false);
		return ret;
	}
	const struct cli_command *cmd = argc > 2 ? cli_find_command(argv[2]) : NULL;
	if (argc > 2 && !cmd)
		return EXIT_USAGE;
	opt_print_completion(cmd, stdout);
	return EXIT_OK;
}

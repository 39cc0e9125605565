/*
 * cmd_profiles.c - "wimpatch profiles [NAME]" lists the profiles found on
 * the search path, or shows one; "wimpatch validate FILE..." checks user
 * profiles against the schema without touching any target.
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "util/array.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "cli/exit.h"
#include "util/escape.h"
#include "util/msg.h"
#include "profiles/profile_path.h"
#include "core/plan.h"
#include "profiles/profile.h"

enum { OPT_PROFILE_DIR = 256 };

static const struct cli_option profile_dir_options[] = {
	{ OPT_PROFILE_DIR, 0, "profile-dir", "DIR", "look for profiles in DIR first (repeatable)",
	  COMP_DIR, NULL },
	{ 0 },
};

struct dirs {
	const char **v;
	size_t n, alloc;
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct dirs *d = ctx;
	if (id != OPT_PROFILE_DIR)
		return -1;
	if (!ARRAY_GROW(d->v, d->n + 1, d->alloc)) {
		msg_error("out of memory");
		return -1;
	}
	d->v[d->n++] = arg;
	return 0;
}

/* What validate and profiles do once the search path is set up. */
typedef int (*profiles_body)(const struct profile_path *pp, int argc, char **argv, int first);

/* Parse the options, set up libxml2 and the search path, run `body`.
 * Returns an exit status. */
static int with_profile_path(const struct cli_command *cmd, int argc, char **argv,
			     bool need_operand, profiles_body body)
{
	struct dirs dirs = { 0 };
	struct profile_path pp;
	int first, ret = opt_parse(cmd, argc, argv, on_option, &dirs, &first);

	if (ret < 0 && need_operand && first >= argc) {
		msg_error("no profile file given");
		ret = opt_usage_error(cmd);
	}
	if (ret < 0) {
		profile_init();
		if (paths_init(&pp, dirs.v, dirs.n) < 0) {
			ret = EXIT_INTERNAL;
		} else {
			pp.sample_params = true;
			ret = body(&pp, argc, argv, first);
			paths_free(&pp);
		}
		profile_cleanup();
	}
	free(dirs.v);
	return ret;
}

static int validate_files(const struct profile_path *pp, int argc, char **argv, int first)
{
	int ret = EXIT_OK;
	for (int i = first; i < argc; i++) {
		if (profile_validate_file(argv[i], pp) < 0)
			ret = EXIT_PROFILE;
		else
			msg_info("%s: valid", argv[i]);
	}
	return ret;
}

static int run_validate(const struct cli_command *cmd, int argc, char **argv)
{
	return with_profile_path(cmd, argc, argv, true, validate_files);
}

/* " images 1,3" or " images matching \"Windows 10 Pro*\"" (nothing for all). */
static void print_images(const struct image_sel *sel)
{
	if (sel->all)
		return;
	if (sel->n_indices) {
		printf(", images ");
		for (size_t i = 0; i < sel->n_indices; i++)
			printf("%s%d", i ? "," : "", sel->indices[i]);
	}
	if (sel->name_glob)
		printf(", images named \"%s\"", sel->name_glob);
}

static void show_rule(const struct rule *r)
{
	printf("\nrule%s%s (profile %s): role %s, hive %s%s", r->id ? " " : "", r->id ? r->id : "",
	       r->profile, role_name(r->role), r->hive,
	       r->all_control_sets ? ", every control set" : "");
	print_images(&r->images);
	printf("\n");
	for (size_t j = 0; j < r->n_ops; j++) {
		const struct op *o = &r->ops[j];
		char *v = o->kind == OP_SET_VALUE ? regval_to_text(&o->value) : NULL;
		/* Character references put line breaks in names too. */
		char *key = esc_dup(o->key, false);
		char *name = o->name ? esc_dup(o->name[0] ? o->name : "@", false) : NULL;
		printf("  %-13s %s%s%s%s%s%s\n", op_kind_name(o->kind), key ? key : "?",
		       o->name ? " : " : "", o->name ? (name ? name : "?") : "", v ? " = " : "",
		       v ? regtype_name(o->value.type) : "", v ? " " : "");
		if (v)
			printf("                %s\n", v);
		free(v);
		free(key);
		free(name);
	}
}

static void show_bcd_rule(const struct bcd_rule *r)
{
	static const char *const stores[] = { "both BCD stores", "boot/bcd (BIOS)",
					      "efi/microsoft/boot/bcd (UEFI)" };
	printf("\nBCD rule%s%s (profile %s): %s\n", r->id ? " " : "", r->id ? r->id : "", r->profile,
	       (unsigned)r->store < 3 ? stores[r->store] : "?");
	for (size_t j = 0; j < r->n_ops; j++)
		printf("  %-13s %s\n", bcd_op_kind_name(r->ops[j].kind),
		       r->ops[j].object ? r->ops[j].object : "(its usual object)");
}

static void show_one(const struct plan *plan)
{
	/* profiles[0] is the one asked for; its includes follow. */
	const struct profile_info *pi = &plan->profiles[0];
	printf("%s (%s)\n\n%s\n", pi->name, pi->file, pi->description ? pi->description : "");
	if (pi->params)
		printf("\nparameters (-D NAME=VALUE): %s\n", pi->params);
	for (size_t i = 0; i < plan->n_rules; i++)
		show_rule(&plan->rules[i]);
	for (size_t i = 0; i < plan->n_bcd_rules; i++)
		show_bcd_rule(&plan->bcd_rules[i]);
}

/* Returns how many profiles it listed. */
static size_t list_dir(const char *dir, const struct profile_path *pp)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	size_t listed = 0;

	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name);
		char *path = NULL;
		struct plan plan;
		plan_init(&plan);
		/* A broken file is not listed; its error says why. */
		if (len > 4 && strcmp(name + len - 4, ".xml") == 0 && (path = path_join(dir, name)) &&
		    profile_load(&plan, path, pp) == 0 && plan.n_profiles) {
			const struct profile_info *pi = &plan.profiles[0];
			const char *d = pi->description ? pi->description : "";
			printf("%-30s %.*s\n", pi->name, (int)strcspn(d, "\n"), d);
			if (pi->params)
				printf("%-30s parameters: %s\n", "", pi->params);
			listed++;
		}
		free(path);
		plan_free(&plan);
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
	return listed;
}

static int list_or_show(const struct profile_path *pp, int argc, char **argv, int first)
{
	int ret = EXIT_OK;

	if (first >= argc) {
		size_t listed = 0;
		for (size_t i = 0; i < pp->n_dirs; i++)
			listed += list_dir(pp->dirs[i], pp);
		if (listed == 0) {
			/* An empty list from a broken install must not pass for one. */
			struct strbuf where = STRBUF_INIT;
			for (size_t i = 0; i < pp->n_dirs; i++)
				strbuf_addf(&where, "%s%s", i ? ", " : "", pp->dirs[i]);
			msg_error("no profiles found (searched: %s)", where.buf ? where.buf : "nothing");
			strbuf_release(&where);
			return EXIT_PROFILE;
		}
		return EXIT_OK;
	}
	for (int i = first; i < argc; i++) {
		struct plan plan;
		plan_init(&plan);
		if (profile_load(&plan, argv[i], pp) < 0)
			ret = EXIT_PROFILE;
		else
			show_one(&plan);
		plan_free(&plan);
	}
	return ret;
}

static int run_profiles(const struct cli_command *cmd, int argc, char **argv)
{
	return with_profile_path(cmd, argc, argv, false, list_or_show);
}

const struct cli_command cli_profiles = {
	.name = "profiles",
	.summary = "list the available profiles, or show one",
	.usage = "[--profile-dir DIR] [NAME]",
	.description = "List the profiles on the search path with the first line of their\n"
		       "description, or show one profile's description and rules.\n",
	.epilogue = "Exit status: 0 listed, 2 usage error, 3 a profile is missing or invalid.\n",
	.options = profile_dir_options,
	.operands = COMP_PROFILE,
	.run = run_profiles,
};

const struct cli_command cli_validate = {
	.name = "validate",
	.summary = "check profile files against the schema",
	.usage = "[--profile-dir DIR] FILE...",
	.description = "Check profiles against the schema and wimpatch's rules; touch nothing.\n",
	.epilogue = "Exit status: 0 all valid, 2 usage error, 3 a profile is invalid.\n",
	.options = profile_dir_options,
	.operands = COMP_FILE,
	.run = run_validate,
};

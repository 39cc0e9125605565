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

#include "adapters/json_report.h"
#include "cli/commands.h"
#include "util/array.h"
#include "util/path.h"
#include "util/strbuf.h"
#include "cli/exit.h"
#include "cli/runlog.h"
#include "util/escape.h"
#include "util/msg.h"
#include "profiles/profile_path.h"
#include "core/plan.h"
#include "profiles/profile.h"

enum { OPT_PROFILE_DIR = 256, OPT_JSON };

#define O_PROFILE_DIR { OPT_PROFILE_DIR, 0, "profile-dir", "DIR", \
	"look for profiles in DIR first (repeatable)", COMP_DIR, NULL }

static const struct cli_option validate_options[] = {
	O_PROFILE_DIR,
	{ 0 },
};

static const struct cli_option profiles_options[] = {
	O_PROFILE_DIR,
	{ OPT_JSON, 0, "json", NULL, "print the list or the profiles as one JSON document\n"
	  "(see wimpatch(1), JSON REPORT)", COMP_NONE, NULL },
	{ 0 },
};

static const struct cli_refusal validate_refusals[] = {
	{ "json", "validate only says whether profiles are valid ('profiles NAME --json' "
		  "prints one)" },
	RUNLOG_REFUSALS,
	{ NULL },
};

static const struct cli_refusal profiles_refusals[] = {
	RUNLOG_REFUSALS,
	{ NULL },
};

struct args {
	const char **dirs;
	size_t n_dirs, a_dirs;
	bool json;
	struct json_report *doc;	/* --json: the document, open */
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct args *a = ctx;
	if (id == OPT_JSON) {
		a->json = true;
		return 0;
	}
	if (id != OPT_PROFILE_DIR)
		return -1;
	if (!ARRAY_GROW(a->dirs, a->n_dirs + 1, a->a_dirs)) {
		msg_error("out of memory");
		return -1;
	}
	a->dirs[a->n_dirs++] = arg;
	return 0;
}

/* What validate and profiles do once the search path is set up. */
typedef int (*profiles_body)(const struct profile_path *pp, const struct args *a, int argc,
			     char **argv, int first);

/* libxml2 and the search path set up around `body`.  Returns an exit status. */
static int run_body(const struct args *a, int argc, char **argv, int first, profiles_body body)
{
	struct profile_path pp;
	int ret;

	profile_init();
	if (paths_init(&pp, a->dirs, a->n_dirs) < 0) {
		ret = EXIT_INTERNAL;
	} else {
		pp.sample_params = true;
		ret = body(&pp, a, argc, argv, first);
		paths_free(&pp);
	}
	profile_cleanup();
	return ret;
}

/* Parse the options and run `body`; with --json, every error from then
 * on goes into the document too.  Returns an exit status. */
static int with_profile_path(const struct cli_command *cmd, int argc, char **argv,
			     bool need_operand, profiles_body body)
{
	struct args a = { 0 };
	int first, ret = opt_parse(cmd, argc, argv, on_option, &a, &first);

	if (ret < 0 && a.json) {
		if (!(a.doc = json_report_new_profiles()))
			ret = EXIT_INTERNAL;
		else
			msg_set_error_sink(json_report_error, a.doc);
	}
	if (ret < 0 && need_operand && first >= argc) {
		msg_error("no profile file given");
		ret = opt_usage_error(cmd);
	}
	if (ret < 0)
		ret = run_body(&a, argc, argv, first, body);
	if (a.doc) {
		msg_set_error_sink(NULL, NULL);
		json_report_errors_code(a.doc, exit_status_kind(ret));
		json_report_finish(a.doc, ret, stdout);
	}
	free(a.dirs);
	return ret;
}

static int validate_files(const struct profile_path *pp, const struct args *a, int argc,
			  char **argv, int first)
{
	int ret = EXIT_OK;

	(void)a;
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

/* What a profile does beside the registry: the medium's files and boot
 * entry, files inside images, editions kept or dropped. */
/* bios="noprompt" is the remove-file of boot/bootfix.bin it became. */
static void show_medium(const struct media_plan *m)
{
	for (size_t i = 0; i < m->n_ops; i++) {
		const struct media_op *o = &m->ops[i];
		char *path = esc_dup(o->path, false), *from = o->from ? esc_dup(o->from, false) : NULL;
		printf("\nmedium %s %s%s%s%s (profile %s)\n", media_op_kind_name(o->kind),
		       path ? path : "?", o->kind == MOP_PUT_DIR ? "/" : "", from ? " from " : "",
		       from ? from : "", o->profile ? o->profile : "?");
		free(path);
		free(from);
	}
	if (m->efi_noprompt)
		printf("\nboot: the UEFI El Torito entry loads efi/microsoft/boot/efisys_noprompt.bin\n");
}

static void show_image_ops(const struct image_plan *ip)
{
	for (size_t i = 0; i < ip->n_files; i++) {
		const struct image_file_op *f = &ip->files[i];
		char *path = esc_dup(f->path, false), *from = esc_dup(f->from, false);
		printf("\nimage-file %s from %s (profile %s): role %s", path ? path : "?",
		       from ? from : "?", f->profile, role_name(f->role));
		print_images(&f->images);
		printf("\n");
		free(path);
		free(from);
	}
	for (size_t i = 0; i < ip->n_editions; i++) {
		const struct editions_op *e = &ip->editions[i];
		printf("\neditions (profile %s): %s install.wim/esd images", e->profile,
		       e->keep ? "keep only" : "drop");
		for (size_t k = 0; k < e->sel.n_indices; k++)
			printf("%s%d", k ? "," : " ", e->sel.indices[k]);
		if (e->sel.name_glob)
			printf("%s named \"%s\"", e->sel.n_indices ? " and those" : "", e->sel.name_glob);
		printf(" (the WIM is rebuilt)\n");
	}
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
	show_medium(&plan->media);
	show_image_ops(&plan->img);
}

/* A profile's line in the list: its name and the first line of its
 * description, and its parameters. */
static void print_listed(const struct profile_info *pi)
{
	const char *d = pi->description ? pi->description : "";
	printf("%-30s %.*s\n", pi->name, (int)strcspn(d, "\n"), d);
	if (pi->params)
		printf("%-30s parameters: %s\n", "", pi->params);
}

/* Returns how many profiles it listed. */
static size_t list_dir(const char *dir, const struct profile_path *pp, struct json_report *doc)
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
			if (doc)
				json_report_add_profile(doc, &plan, false);
			else
				print_listed(&plan.profiles[0]);
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

static int list_or_show(const struct profile_path *pp, const struct args *a, int argc,
			char **argv, int first)
{
	int ret = EXIT_OK;

	if (first >= argc) {
		size_t listed = 0;
		for (size_t i = 0; i < pp->n_dirs; i++)
			listed += list_dir(pp->dirs[i], pp, a->doc);
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
		else if (a->doc)
			json_report_add_profile(a->doc, &plan, true);
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
	.usage = "[--json] [--profile-dir DIR] [NAME...]",
	.description = "List the profiles on the search path with the first line of their\n"
		       "description, or show each NAME's description and rules.\n",
	.epilogue = "Exit status: 0 listed, 2 usage error, 3 a profile is missing or invalid.\n",
	.options = profiles_options,
	.refusals = profiles_refusals,
	.operands = COMP_PROFILE,
	.run = run_profiles,
};

const struct cli_command cli_validate = {
	.name = "validate",
	.summary = "check profile files against the schema",
	.usage = "[--profile-dir DIR] FILE...",
	.description = "Check profiles against the schema and wimpatch's rules; touch nothing.\n",
	.epilogue = "Exit status: 0 all valid, 2 usage error, 3 a profile is invalid.\n",
	.options = validate_options,
	.refusals = validate_refusals,
	.operands = COMP_FILE,
	.run = run_validate,
};

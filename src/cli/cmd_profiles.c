/*
 * cmd_profiles.c - "wimpatch profiles [NAME]" lists the profiles found on
 * the search path, or shows one; "wimpatch validate FILE..." checks user
 * profiles against the schema without touching any target.
 */
#include "config.h"

#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/exit.h"
#include "util/msg.h"
#include "profiles/profile_path.h"
#include "core/plan.h"
#include "profiles/profile.h"

enum { OPT_PROFILE_DIR = 256 };

static const struct option long_opts[] = {
	{ "profile-dir", required_argument, NULL, OPT_PROFILE_DIR },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Shared option parsing: returns -1 to continue, else an exit code. */
static int parse(int argc, char **argv, const char *usage_text, const char ***dirs,
		 size_t *n_dirs)
{
	int c;
	while ((c = getopt_long(argc, argv, "qvh", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_PROFILE_DIR: {
			const char **nd = realloc(*dirs, (*n_dirs + 1) * sizeof(*nd));
			if (!nd)
				return EXIT_INTERNAL;
			nd[(*n_dirs)++] = optarg;
			*dirs = nd;
			break;
		}
		case 'q':
			msg_verbosity = VERB_QUIET;
			break;
		case 'v':
			msg_verbosity = VERB_VERBOSE;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return EXIT_USAGE;
		}
	}
	return -1;
}

static const char validate_usage[] =
	"Usage: wimpatch validate [--profile-dir DIR] FILE...\n"
	"\n"
	"Check profiles against the schema and wimpatch's rules; touch nothing.\n"
	"Exit status: 0 all valid, 2 usage error, 3 a profile is invalid.\n";

int cmd_validate(int argc, char **argv)
{
	const char **dirs = NULL;
	size_t n_dirs = 0;
	struct profile_path pp;
	int ret = parse(argc, argv, validate_usage, &dirs, &n_dirs);

	if (ret >= 0)
		goto out;
	if (optind >= argc) {
		msg_error("no profile file given");
		fputs(validate_usage, stderr);
		ret = EXIT_USAGE;
		goto out;
	}
	profile_init();
	if (paths_init(&pp, dirs, n_dirs) < 0) {
		ret = EXIT_INTERNAL;
		goto out_xml;
	}
	pp.sample_params = true;
	ret = EXIT_OK;
	for (int i = optind; i < argc; i++) {
		if (profile_validate_file(argv[i], &pp) < 0)
			ret = EXIT_PROFILE;
		else
			msg_info("%s: valid", argv[i]);
	}
	paths_free(&pp);
out_xml:
	profile_cleanup();
out:
	free(dirs);
	return ret;
}

static const char profiles_usage[] =
	"Usage: wimpatch profiles [--profile-dir DIR] [NAME]\n"
	"\n"
	"List the profiles on the search path with the first line of their\n"
	"description, or show one profile's description and rules.\n";

static void show_one(const struct plan *plan)
{
	/* profiles[0] is the one asked for; its includes follow. */
	const struct profile_info *pi = &plan->profiles[0];
	printf("%s (%s)\n\n%s\n", pi->name, pi->file, pi->description ? pi->description : "");
	if (pi->params)
		printf("\nparameters (-D NAME=VALUE): %s\n", pi->params);
	for (size_t i = 0; i < plan->n_rules; i++) {
		const struct rule *r = &plan->rules[i];
		printf("\nrule%s%s (profile %s): role %s, hive %s%s\n", r->id ? " " : "",
		       r->id ? r->id : "", r->profile, role_name(r->role), r->hive,
		       r->all_control_sets ? ", every control set" : "");
		for (size_t j = 0; j < r->n_ops; j++) {
			const struct op *o = &r->ops[j];
			char *v = o->kind == OP_SET_VALUE ? regval_to_text(&o->value) : NULL;
			printf("  %-13s %s%s%s%s%s%s\n", op_kind_name(o->kind), o->key,
			       o->name ? " : " : "", o->name ? (o->name[0] ? o->name : "@") : "",
			       v ? " = " : "", v ? regtype_name(o->value.type) : "",
			       v ? " " : "");
			if (v)
				printf("                %s\n", v);
			free(v);
		}
	}
}

static void list_dir(const char *dir, const struct profile_path *pp)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		size_t len = strlen(name);
		if (len > 4 && strcmp(name + len - 4, ".xml") == 0) {
			char *path;
			struct plan plan;
			plan_init(&plan);
			if (asprintf(&path, "%s/%s", dir, name) >= 0) {
				/* A broken file is not listed; its error says why. */
				int r = profile_load(&plan, path, pp);
				if (r == 0 && plan.n_profiles) {
					const struct profile_info *pi = &plan.profiles[0];
					const char *d = pi->description ? pi->description : "";
					printf("%-30s %.*s\n", pi->name, (int)strcspn(d, "\n"), d);
					if (pi->params)
						printf("%-30s parameters: %s\n", "", pi->params);
				}
				free(path);
			}
			plan_free(&plan);
		}
		free(ents[i]);
	}
	free(ents);
}

int cmd_profiles(int argc, char **argv)
{
	const char **dirs = NULL;
	size_t n_dirs = 0;
	struct profile_path pp;
	int ret = parse(argc, argv, profiles_usage, &dirs, &n_dirs);

	if (ret >= 0)
		goto out;
	profile_init();
	if (paths_init(&pp, dirs, n_dirs) < 0) {
		ret = EXIT_INTERNAL;
		goto out_xml;
	}
	pp.sample_params = true;
	ret = EXIT_OK;
	if (optind < argc) {
		for (int i = optind; i < argc; i++) {
			struct plan plan;
			plan_init(&plan);
			if (profile_load(&plan, argv[i], &pp) < 0)
				ret = EXIT_PROFILE;
			else
				show_one(&plan);
			plan_free(&plan);
		}
	} else {
		for (size_t i = 0; i < pp.n_dirs; i++)
			list_dir(pp.dirs[i], &pp);
	}
	paths_free(&pp);
out_xml:
	profile_cleanup();
out:
	free(dirs);
	return ret;
}

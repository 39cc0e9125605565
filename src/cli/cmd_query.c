/*
 * cmd_query.c - "wimpatch query TARGET KEY [VALUE]": print a key (its
 * values and its subkeys' names, or with -r its subtree) or one value,
 * from the hives of a target (targets/query.c), as text, a .reg file or
 * JSON.  Reads only; lets people look before they patch.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "adapters/json_report.h"
#include "adapters/wim.h"
#include "cli/commands.h"
#include "cli/exit.h"
#include "cli/runlog.h"
#include "core/query.h"
#include "core/regfile.h"
#include "targets/target.h"
#include "util/array.h"
#include "util/msg.h"

enum { OPT_HIVE = 256, OPT_FORMAT, OPT_JSON, OPT_WORK_DIR };
enum query_format { FORMAT_TEXT, FORMAT_REG, FORMAT_JSON };

static const struct cli_option query_options[] = {
	{ 'i', 'i', "image", "[WIM:]N|NAME",
	  "only this image (repeatable; names in any case);\n"
	  "on a tree or .iso, install:N or boot:NAME selects in\n"
	  "that WIM only, a plain N in every WIM; default: every\n"
	  "image", COMP_NONE, NULL },
	{ OPT_HIVE, 0, "hive", "NAME",
	  "the hive read in each image (default SYSTEM; SOFTWARE,\n"
	  "DEFAULT... or a path); BCD on a tree or .iso: its BCD\n"
	  "stores; for a bare hive, what it is (default: what\n"
	  "its keys, then its names, say)", COMP_NONE, NULL },
	{ 'r', 'r', "recursive", NULL, "the key's whole subtree, not only its values and\n"
	  "its subkeys' names", COMP_NONE, NULL },
	{ OPT_FORMAT, 0, "format", "text|reg|json",
	  "text (default), a .reg file hivexregedit --merge and\n"
	  "regedit import (the key with its subtree, as reg export\n"
	  "makes it), or JSON (see wimpatch(1), JSON REPORT)", COMP_WORDS,
	  "text reg json" },
	{ OPT_JSON, 0, "json", NULL, "the same as --format=json", COMP_NONE, NULL },
	{ OPT_WORK_DIR, 0, "work-dir", "DIR",
	  "(.iso) the scratch directory goes in DIR; default:\n"
	  "next to the image", COMP_DIR, NULL },
	{ 0 },
};

static const struct cli_refusal query_refusals[] = {
	{ "profile", "query takes no profiles: it prints what a hive holds "
		     "('diff -p PROFILE' shows what one would change)" },
	{ "output", "query writes nothing; its report goes to standard output" },
	RUNLOG_REFUSALS,
	{ NULL },
};

struct query_args {
	struct query_opts o;
	const char **images;
	size_t n_images, a_images;
	enum query_format format;
	struct regfile_out *reg;
	struct json_report *json;
	size_t n_hives, n_absent;
};

static int on_option(int id, const char *arg, void *ctx)
{
	struct query_args *a = ctx;
	switch (id) {
	case 'i':
		if (!ARRAY_GROW(a->images, a->n_images + 1, a->a_images)) {
			msg_error("out of memory");
			return -1;
		}
		a->images[a->n_images++] = arg;
		return 0;
	case OPT_HIVE:
		a->o.hive = arg;
		return 0;
	case 'r':
		a->o.rq.recursive = true;
		return 0;
	case OPT_JSON:
		a->format = FORMAT_JSON;
		return 0;
	case OPT_WORK_DIR:
		a->o.work_dir = arg;
		return 0;
	case OPT_FORMAT:
		if (strcmp(arg, "text") == 0)
			a->format = FORMAT_TEXT;
		else if (strcmp(arg, "reg") == 0)
			a->format = FORMAT_REG;
		else if (strcmp(arg, "json") == 0)
			a->format = FORMAT_JSON;
		else {
			msg_error("--format %s: not text, reg or json", arg);
			return -1;
		}
		return 0;
	}
	return -1;
}

/* A key as profiles write it, relative to the hive root ("\" or "" is the
 * root): *key gets it without the leading backslash.  0, or -1 said. */
static int check_key(const char *in, const char **key)
{
	static const char hint[] = "keys are relative to the hive root, e.g. "
				   "CurrentControlSet\\Control\\...";
	const char *k = in[0] == '\\' ? in + 1 : in;

	if (strncasecmp(k, "HKEY_", 5) == 0 || strncasecmp(k, "HKLM", 4) == 0) {
		msg_error("key '%s' names a root key: %s", in, hint);
		return -1;
	}
	for (const char *c = k; *c; c++)
		if (*c == '\\' && (c == k || c[-1] == '\\' || c[1] == '\0')) {
			msg_error("key '%s' has an empty component: %s", in, hint);
			return -1;
		}
	*key = k;
	return 0;
}

static void on_answer(const struct query_result *q, void *ctx)
{
	struct query_args *a = ctx;

	a->n_hives++;
	if (!q->found) {
		a->n_absent++;
		if (q->image)
			msg_verbose("%s: image %d: not found: %s", q->file, q->image, q->missing);
		else
			msg_verbose("%s: not found: %s", q->file, q->missing);
	}
	switch (a->format) {
	case FORMAT_TEXT:
		query_print_text(stdout, &a->o.rq, q);
		break;
	case FORMAT_REG:
		query_print_reg(a->reg, &a->o.rq, q);
		break;
	case FORMAT_JSON:
		json_report_add_query(q, a->json);
		break;
	}
}

/* The target read: an exit status. */
static int query(const char *path, struct query_args *a)
{
	struct wim_settings ws = { .threads = 1 };
	const struct target_type *t;
	struct msg_where about = { .file = path };
	enum wp_err ret;

	if (wim_init(&ws) != WP_OK)
		return EXIT_INTERNAL;
	msg_where_push(&about);
	ret = target_detect(path, &t);
	if (ret == WP_OK)
		ret = t->query(path, &a->o);
	msg_where_pop(&about);
	wim_cleanup();
	if (a->json)
		json_report_errors_code(a->json, ret == WP_OK ? NULL : wp_err_name(ret));
	if (ret != WP_OK)
		return exit_status(ret);
	return a->n_absent ? EXIT_ABSENT : EXIT_OK;
}

/* The sink for the answers, before any is read. */
static int start_output(struct query_args *a)
{
	if (a->format == FORMAT_REG && !(a->reg = regfile_stream(stdout, "--format=reg")))
		return EXIT_INTERNAL;
	if (a->format == FORMAT_JSON) {
		if (!(a->json = json_report_new_query(&a->o.rq)))
			return EXIT_INTERNAL;
		/* From here on every error goes into the document too. */
		msg_set_error_sink(json_report_error, a->json);
	}
	return -1;
}

static int finish_output(struct query_args *a, int ret)
{
	/* A .reg file that left out a name is not the key as it is. */
	if (a->reg && regfile_close(a->reg) < 0 && (ret == EXIT_OK || ret == EXIT_ABSENT))
		ret = EXIT_WRITE;
	if (a->json) {
		msg_set_error_sink(NULL, NULL);
		json_report_finish(a->json, ret, stdout);
	}
	return ret;
}

static int run(const struct cli_command *cmd, int argc, char **argv)
{
	struct query_args a = { .o = { .done = on_answer } };
	int first, ret = opt_parse(cmd, argc, argv, on_option, &a, &first);

	a.o.ctx = &a;
	if (ret < 0 && (argc - first < 2 || argc - first > 3)) {
		msg_error(argc - first < 2 ? "a TARGET and a KEY are needed"
					   : "too many operands: TARGET KEY [VALUE]");
		ret = opt_usage_error(cmd);
	}
	if (ret < 0 && check_key(argv[first + 1], &a.o.rq.key) < 0)
		ret = opt_usage_error(cmd);
	if (ret < 0 && argc - first == 3 && a.o.rq.recursive) {
		msg_error("-r reads a key's subtree: give no VALUE with it");
		ret = opt_usage_error(cmd);
	}
	if (ret < 0) {
		a.o.rq.value = argc - first == 3 ? argv[first + 2] : NULL;
		/* An export is the key with its subtree, as reg export makes it. */
		if (a.format == FORMAT_REG && !a.o.rq.value)
			a.o.rq.recursive = true;
		a.o.images = a.images;
		a.o.n_images = a.n_images;
		if ((ret = start_output(&a)) < 0)
			ret = finish_output(&a, query(argv[first], &a));
	}
	free(a.images);
	return ret;
}

const struct cli_command cli_query = {
	.name = "query",
	.summary = "print a key or value of the hives in a medium, WIM or hive",
	.usage = "[-qvr] [-i [WIM:]IMAGE]... [--hive NAME] [--format=text|reg|json] "
		 "[--work-dir DIR] TARGET KEY [VALUE]",
	.description =
		"Print KEY (its values and its subkeys' names; with -r its whole\n"
		"subtree) or its value VALUE (\"\" is the default value) from the hives\n"
		"of TARGET: in each image of each WIM (the SYSTEM hive, or --hive) of\n"
		"an installation tree or an .iso image of one (its files read in place,\n"
		"not extracted), or of a .wim/.esd file; or from a bare hive or BCD\n"
		"store.  KEY is written as in profiles, relative to the hive root\n"
		"(\\ is the root itself); CurrentControlSet is the control set\n"
		"Select\\Current names, which the output says.  --format=reg writes a\n"
		"file hivexregedit --merge and regedit import; --format=json (--json)\n"
		"one JSON document.  Writes nothing.\n",
	.epilogue = "Exit status: 0 found in every hive read, 8 not found in one, 2 usage error,\n"
		    "4 input error, 5 the .reg output left a name out or no scratch space.\n",
	.options = query_options,
	.refusals = query_refusals,
	.operands = COMP_FILE,
	.setup = CMD_SIGNALS,
	.run = run,
};

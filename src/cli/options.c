/* options.c - option tables to getopt, --help and completion; see options.h. */
#include "config.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/exit.h"
#include "cli/options.h"
#include "util/msg.h"

/* Every command's: said last in --help. */
static const struct cli_option common_options[] = {
	{ 'q', 'q', "quiet", NULL, "print errors only", COMP_NONE, NULL },
	{ 'v', 'v', "verbose", NULL, "explain each decision (control set, images, rules)", COMP_NONE,
	  NULL },
	{ 'h', 'h', "help", NULL, "show this help", COMP_NONE, NULL },
	{ 0 },
};

const struct cli_command *cli_find_command(const char *name)
{
	for (size_t i = 0; cli_commands[i]; i++)
		if (strcmp(cli_commands[i]->name, name) == 0)
			return cli_commands[i];
	return NULL;
}

/* ---- parsing ------------------------------------------------------------ */

/* An option getopt may meet: this command's, a common one, or another
 * command's (which is refused, with the reason). */
struct known {
	const struct cli_option *opt;
	const struct cli_command *owner;	/* NULL: this command's or common */
};

struct parser {
	struct known *known;
	size_t n;
	struct option *longs;
	char shorts[256];
	int by_short[256];			/* index into known, -1: none */
};

static bool has_long(const struct parser *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->known[i].opt->long_name, name) == 0)
			return true;
	return false;
}

static void add_table(struct parser *p, const struct cli_option *t, const struct cli_command *owner)
{
	for (; t->long_name; t++) {
		if (has_long(p, t->long_name))
			continue;	/* the first owner wins: this command's own */
		p->known[p->n].opt = t;
		p->known[p->n].owner = owner;
		unsigned char c = (unsigned char)t->short_name;
		if (c && p->by_short[c] < 0) {
			p->by_short[c] = (int)p->n;
			size_t k = strlen(p->shorts);
			p->shorts[k++] = (char)c;
			if (t->arg)
				p->shorts[k++] = ':';
			p->shorts[k] = '\0';
		}
		p->n++;
	}
}

static size_t count(const struct cli_option *t)
{
	size_t n = 0;
	while (t[n].long_name)
		n++;
	return n;
}

static bool parser_init(struct parser *p, const struct cli_command *cmd)
{
	size_t max = count(common_options);
	for (size_t i = 0; cli_commands[i]; i++)
		max += count(cli_commands[i]->options);
	memset(p, 0, sizeof(*p));
	memset(p->by_short, -1, sizeof(p->by_short));
	strcpy(p->shorts, ":");	/* a missing argument returns ':' */
	p->known = calloc(max, sizeof(*p->known));
	p->longs = calloc(max + 1, sizeof(*p->longs));
	if (!p->known || !p->longs)
		return false;
	add_table(p, cmd->options, NULL);
	add_table(p, common_options, NULL);
	for (size_t i = 0; cli_commands[i]; i++)
		if (cli_commands[i] != cmd)
			add_table(p, cli_commands[i]->options, cli_commands[i]);
	for (size_t i = 0; i < p->n; i++) {
		p->longs[i].name = p->known[i].opt->long_name;
		p->longs[i].has_arg = p->known[i].opt->arg ? required_argument : no_argument;
		p->longs[i].val = 1000 + (int)i;
	}
	return true;
}

static void parser_free(struct parser *p)
{
	free(p->known);
	free(p->longs);
}

/* An option another command has: say why it is not this one's. */
static int refuse(const struct cli_command *cmd, const struct known *k)
{
	const char *why = NULL;
	for (const struct cli_refusal *r = cmd->refusals; r && r->long_name && !why; r++)
		if (strcmp(r->long_name, k->opt->long_name) == 0)
			why = r->reason;
	if (why)
		msg_error("%s: --%s does not apply: %s", cmd->name, k->opt->long_name, why);
	else
		msg_error("%s: --%s does not apply: it is an option of '%s'", cmd->name,
			  k->opt->long_name, k->owner->name);
	return opt_usage_error(cmd);
}

static int handle(const struct cli_command *cmd, const struct known *k, const char *arg,
		  int (*on_option)(int, const char *, void *), void *ctx)
{
	if (k->owner)
		return refuse(cmd, k);
	switch (k->opt->id) {
	case 'q':
		msg_verbosity = VERB_QUIET;
		return -1;
	case 'v':
		msg_verbosity = VERB_VERBOSE;
		return -1;
	case 'h':
		opt_usage(cmd, stdout);
		return EXIT_OK;
	}
	return on_option(k->opt->id, arg, ctx) < 0 ? opt_usage_error(cmd) : -1;
}

int opt_parse(const struct cli_command *cmd, int argc, char **argv,
	      int (*on_option)(int id, const char *arg, void *ctx), void *ctx, int *first)
{
	struct parser p;
	int c, ret = -1;

	if (!parser_init(&p, cmd)) {
		parser_free(&p);
		msg_error("out of memory");
		return EXIT_INTERNAL;
	}
	opterr = 0;
	while (ret < 0 && (c = getopt_long(argc, argv, p.shorts, p.longs, NULL)) != -1) {
		const char *word = argv[optind - 1];
		if (c == '?' || c == ':') {
			if (optopt && optopt < 1000)
				msg_error("%s: -%c: %s", cmd->name, optopt,
					  c == ':' ? "needs an argument" : "unknown option");
			else
				msg_error("%s: %s: %s", cmd->name, word,
					  c == ':' ? "needs an argument" : "unknown option");
			ret = opt_usage_error(cmd);
		} else if (c >= 1000) {
			ret = handle(cmd, &p.known[c - 1000], optarg, on_option, ctx);
		} else if (c > 0 && c < 256 && p.by_short[c] >= 0) {
			ret = handle(cmd, &p.known[p.by_short[c]], optarg, on_option, ctx);
		} else {
			ret = opt_usage_error(cmd);
		}
	}
	parser_free(&p);
	*first = optind;
	return ret;
}

/* ---- help ----------------------------------------------------------------- */

#define HELP_COLUMN 28

static void print_option(const struct cli_option *o, FILE *f)
{
	char head[128];
	int n = snprintf(head, sizeof(head), "  %c%c%c --%s%s%s", o->short_name ? '-' : ' ',
			 o->short_name ? o->short_name : ' ', o->short_name ? ',' : ' ',
			 o->long_name, o->arg ? " " : "", o->arg ? o->arg : "");
	const char *line = o->help;

	fputs(head, f);
	if (n >= HELP_COLUMN) {
		fputc('\n', f);
		n = 0;
	}
	for (bool firstline = true; *line; firstline = false) {
		size_t len = strcspn(line, "\n");
		fprintf(f, "%*s%.*s\n", firstline ? HELP_COLUMN - n : HELP_COLUMN, "", (int)len, line);
		line += len + (line[len] == '\n');
	}
}

void opt_usage(const struct cli_command *cmd, FILE *f)
{
	fprintf(f, "Usage: wimpatch %s %s\n\n%s", cmd->name, cmd->usage, cmd->description);
	fputs("\nOptions:\n", f);
	for (const struct cli_option *o = cmd->options; o->long_name; o++)
		print_option(o, f);
	for (const struct cli_option *o = common_options; o->long_name; o++)
		print_option(o, f);
	if (cmd->epilogue)
		fprintf(f, "\n%s", cmd->epilogue);
}

int opt_usage_error(const struct cli_command *cmd)
{
	fprintf(stderr, "Try 'wimpatch %s --help'.\n", cmd->name);
	return EXIT_USAGE;
}

/* ---- completion ----------------------------------------------------------- */

static const char *kind_name(enum opt_complete k, bool has_arg)
{
	switch (k) {
	case COMP_FILE:
		return "file";
	case COMP_DIR:
		return "dir";
	case COMP_PROFILE:
		return "profile";
	case COMP_WORDS:
		return "words";
	case COMP_PARAM:
		return "param";
	case COMP_IMAGE:
		return "image";
	case COMP_NONE:
		break;
	}
	return has_arg ? "value" : "none";
}

static void print_completion_of(const struct cli_option *o, FILE *f)
{
	char s[3] = { '-', o->short_name, '\0' };
	fprintf(f, "%s --%s %s", o->short_name ? s : "-", o->long_name,
		kind_name(o->complete, o->arg != NULL));
	if (o->complete == COMP_WORDS) {
		fputc(':', f);
		for (const char *w = o->words; *w; w++)
			fputc(*w == ' ' ? ',' : *w, f);
	}
	fputc('\n', f);
}

void opt_print_completion(const struct cli_command *cmd, FILE *f)
{
	if (!cmd) {
		for (size_t i = 0; cli_commands[i]; i++)
			fprintf(f, "%s\n", cli_commands[i]->name);
		return;
	}
	for (const struct cli_option *o = cmd->options; o->long_name; o++)
		print_completion_of(o, f);
	for (const struct cli_option *o = common_options; o->long_name; o++)
		print_completion_of(o, f);
	fprintf(f, "operands %s\n", kind_name(cmd->operands, true));
}

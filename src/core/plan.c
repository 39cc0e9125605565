/* plan.c - the plan of rules and operations; see plan.h. */
#include "config.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/plan.h"
#include "util/path.h"

const char *role_name(enum role r)
{
	switch (r) {
	case ROLE_ANY:
		return "any";
	case ROLE_SETUP:
		return "setup";
	case ROLE_INSTALLED:
		return "installed";
	case ROLE_UNKNOWN:
		break;
	}
	return "unknown";
}

const char *op_kind_name(enum op_kind k)
{
	switch (k) {
	case OP_CREATE_KEY:
		return "create-key";
	case OP_SET_VALUE:
		return "set-value";
	case OP_DELETE_VALUE:
		return "delete-value";
	case OP_DELETE_KEY:
		return "delete-key";
	case OP_CLEAR_VALUES:
		return "delete-values";
	}
	return "?";
}

const char *bcd_op_kind_name(enum bcd_op_kind k)
{
	switch (k) {
	case BOP_DEBUG:
		return "debug";
	case BOP_BOOTDEBUG:
		return "bootdebug";
	case BOP_EMS:
		return "ems";
	case BOP_EMSSETTINGS:
		return "emssettings";
	case BOP_DBGSETTINGS:
		return "dbgsettings";
	case BOP_TIMEOUT:
		return "timeout";
	case BOP_BOOTSTATUSPOLICY:
		return "bootstatuspolicy";
	case BOP_RECOVERYENABLED:
		return "recoveryenabled";
	case BOP_SET_ELEMENT:
		return "set-element";
	case BOP_HIVE_OPS:
		return "registry operations";
	}
	return "?";
}

void plan_init(struct plan *p)
{
	memset(p, 0, sizeof(*p));
}

static void op_free(struct op *o)
{
	free(o->key);
	free(o->name);
	regval_free(&o->value);
	free(o->src_file);
}

static void rule_free(struct rule *r)
{
	free(r->profile);
	free(r->src_file);
	free(r->id);
	free(r->images.indices);
	free(r->images.name_glob);
	free(r->hive);
	for (size_t i = 0; i < r->n_ops; i++)
		op_free(&r->ops[i]);
	free(r->ops);
}

struct rule *rule_new(void)
{
	return calloc(1, sizeof(struct rule));
}

static void bcd_rule_free(struct bcd_rule *r)
{
	free(r->profile);
	free(r->src_file);
	free(r->id);
	for (size_t i = 0; i < r->n_ops; i++) {
		struct bcd_op *o = &r->ops[i];
		free(o->object);
		free(o->text);
		free(o->targetname);
		free(o->netkey);
		if (o->hive_ops)
			rule_free(o->hive_ops);
		free(o->hive_ops);
		free(o->src_file);
	}
	free(r->ops);
}

void plan_free(struct plan *p)
{
	image_plan_free(&p->img);
	for (size_t i = 0; i < p->n_rules; i++)
		rule_free(&p->rules[i]);
	free(p->rules);
	for (size_t i = 0; i < p->n_bcd_rules; i++)
		bcd_rule_free(&p->bcd_rules[i]);
	free(p->bcd_rules);
	for (size_t i = 0; i < p->n_profiles; i++) {
		free(p->profiles[i].name);
		free(p->profiles[i].file);
		free(p->profiles[i].description);
		free(p->profiles[i].params);
		free(p->profiles[i].param_names);
	}
	free(p->profiles);
	media_plan_free(&p->media);
	plan_init(p);
}

/* Grow an array by one zeroed element. */
static void *grow(void *arr, size_t *n, size_t size)
{
	char *na = realloc(arr, (*n + 1) * size);
	if (!na)
		return NULL;
	memset(na + *n * size, 0, size);
	(*n)++;
	return na;
}

struct rule *plan_add_rule(struct plan *p)
{
	struct rule *nr = grow(p->rules, &p->n_rules, sizeof(*nr));
	if (!nr)
		return NULL;
	p->rules = nr;
	return &nr[p->n_rules - 1];
}

struct op *rule_add_op(struct rule *r)
{
	struct op *no = grow(r->ops, &r->n_ops, sizeof(*no));
	if (!no)
		return NULL;
	r->ops = no;
	return &no[r->n_ops - 1];
}

struct bcd_rule *plan_add_bcd_rule(struct plan *p)
{
	struct bcd_rule *nr = grow(p->bcd_rules, &p->n_bcd_rules, sizeof(*nr));
	if (!nr)
		return NULL;
	p->bcd_rules = nr;
	return &nr[p->n_bcd_rules - 1];
}

struct bcd_op *bcd_rule_add_op(struct bcd_rule *r)
{
	struct bcd_op *no = grow(r->ops, &r->n_ops, sizeof(*no));
	if (!no)
		return NULL;
	r->ops = no;
	return &no[r->n_ops - 1];
}

bool rule_matches_image(const struct rule *r, int index, const char *name,
			enum role role)
{
	return sel_matches_image(r->role, &r->images, index, name, role);
}

char *hive_path_normalise(const char *in, char *err, size_t errlen)
{
	static const char config_dir[] = "Windows/System32/config/";
	size_t len = strlen(in);
	char *out;

	while (*in == '/' || *in == '\\')
		in++, len--;
	if (len == 0) {
		snprintf(err, errlen, "empty hive path");
		return NULL;
	}
	if (!strchr(in, '/') && !strchr(in, '\\')) {
		out = malloc(sizeof(config_dir) + len);
		if (!out)
			goto oom;
		memcpy(out, config_dir, sizeof(config_dir) - 1);
		memcpy(out + sizeof(config_dir) - 1, in, len + 1);
	} else {
		out = strdup(in);
		if (!out)
			goto oom;
	}
	for (char *c = out; *c; c++)
		if (*c == '\\')
			*c = '/';
	/* Components must be real names: no "", ".", "..". */
	for (char *c = out; *c;) {
		size_t n = strcspn(c, "/");
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) {
			snprintf(err, errlen, "hive path '%s' has an empty, '.' or '..' component", out);
			free(out);
			return NULL;
		}
		c += n;
		if (*c == '/')
			c++;
		if (*c == '\0' && c[-1] == '/') {
			snprintf(err, errlen, "hive path '%s' ends in a slash", out);
			free(out);
			return NULL;
		}
	}
	return out;
oom:
	snprintf(err, errlen, "out of memory");
	return NULL;
}

/* The user hives a profile may edit, by the root Windows loads them at:
 * a user's own (the default profile's is what every new user starts
 * from) and its classes. */
static const struct {
	const char *name, *root;
} user_hives[] = {
	{ "DEFAULT", "HKEY_USERS\\.DEFAULT" },
	{ "NTUSER.DAT", "HKEY_CURRENT_USER" },
	{ "USRCLASS.DAT", "HKEY_CURRENT_USER\\Software\\Classes" },
};

char *reg_root_for(const char *hive_path)
{
	static const char *const machine[] = { "SYSTEM", "SOFTWARE", "SAM", "SECURITY" };
	const char *base = path_base(hive_path);
	char *r;

	for (size_t i = 0; i < sizeof(machine) / sizeof(machine[0]); i++)
		if (strcasecmp(base, machine[i]) == 0)
			return asprintf(&r, "HKEY_LOCAL_MACHINE\\%s", machine[i]) < 0 ? NULL : r;
	/* "NTUSER" (a bare hive's name, as --hive gives it) is NTUSER.DAT. */
	size_t bl = strcspn(base, ".");
	for (size_t i = 0; i < sizeof(user_hives) / sizeof(user_hives[0]); i++)
		if (bl == strcspn(user_hives[i].name, ".") &&
		    strncasecmp(base, user_hives[i].name, bl) == 0)
			return strdup(user_hives[i].root);
	return asprintf(&r, "HKEY_LOCAL_MACHINE\\%s", base) < 0 ? NULL : r;
}

const char *hive_name_for_root(const char *root)
{
	for (size_t i = 0; i < sizeof(user_hives) / sizeof(user_hives[0]); i++)
		if (strcasecmp(root, user_hives[i].root) == 0)
			return user_hives[i].name;
	const char *b = strrchr(root, '\\');
	return b ? b + 1 : root;
}

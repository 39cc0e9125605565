/*
 * profile_rules.c - registry <rule>s: where a rule applies (role, images,
 * hive) and its operations (<create-key>, <set-value>, <delete-value>,
 * <delete-key>, <delete-values>, <import-reg>), checked and turned into the
 * plan's rules and ops.
 */
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/msg.h"
#include "core/plan.h"
#include "core/regfile.h"
#include "core/regval.h"
#include "profiles/profile_int.h"
#include "util/array.h"

/* ------------------------------------------------------------------ */
/* Semantic checks the schema cannot express                           */

/*
 * Keys are written relative to the hive root, backslash-separated.  People
 * copy paths from regedit ("HKEY_LOCAL_MACHINE\SYSTEM\...") so those get a
 * message saying what is expected instead.
 */
static const char key_hint[] =
	"keys are relative to the hive root, e.g. CurrentControlSet\\Control\\...";

static char *check_key(const char *in, char *err, size_t errlen)
{
	const char *k = in[0] == '\\' ? in + 1 : in;
	char *out;

	if (*k == '\0') {
		snprintf(err, errlen, "empty key: %s", key_hint);
		return NULL;
	}
	if (strncasecmp(k, "HKEY_", 5) == 0 || strncasecmp(k, "HKLM", 4) == 0) {
		snprintf(err, errlen, "key '%.200s' names a root key: %s", in, key_hint);
		return NULL;
	}
	for (const char *c = k; *c; c++) {
		if (*c != '\\')
			continue;
		if (c == k || c[-1] == '\\') {
			snprintf(err, errlen, "key '%.200s' has an empty component: %s",
				 in, key_hint);
			return NULL;
		}
		if (c[1] == '\0') {
			snprintf(err, errlen, "key '%.200s' ends in a backslash: %s",
				 in, key_hint);
			return NULL;
		}
	}
	out = strdup(k);
	if (!out)
		snprintf(err, errlen, "out of memory");
	return out;
}

/* images="all" or 1-based indices separated by whitespace and/or commas. */
bool parse_images(const char *text, struct image_sel *sel, char *err,
			 size_t errlen)
{
	static const char seps[] = " \t\r\n,";
	const char *p = text + strspn(text, seps);
	size_t n = 0;

	if (*p == '\0') {
		snprintf(err, errlen, "images is empty: use \"all\" or 1-based image indices");
		return false;
	}
	if (strncmp(p, "all", 3) == 0 && p[3 + strspn(p + 3, seps)] == '\0') {
		sel->all = true;
		return true;
	}
	/* Each index takes a digit and a separator at least: one
	 * allocation is enough. */
	sel->indices = malloc(sizeof(*sel->indices) * (strlen(p) / 2 + 1));
	if (!sel->indices) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	while (*p) {
		size_t len = strcspn(p, seps);
		long long v = 0;
		bool digits = true;

		for (size_t i = 0; i < len; i++) {
			if (p[i] < '0' || p[i] > '9') {
				digits = false;
				break;
			}
			if (v <= INT_MAX)
				v = v * 10 + (p[i] - '0');
		}
		if (!digits || v < 1 || v > INT_MAX) {
			snprintf(err, errlen,
				 "images: '%.*s' is not an image index (1, 2, ...; or \"all\" alone)",
				 (int)(len > 40 ? 40 : len), p);
			free(sel->indices);
			sel->indices = NULL;
			return false;
		}
		sel->indices[n++] = (int)v;
		p += len;
		p += strspn(p, seps);
	}
	sel->n_indices = n;
	sel->all = false;
	return true;
}

/* The common part of every operation: key, source position. */
static struct op *new_op(struct doc_ctx *d, struct rule *r, xmlNodePtr n,
			 enum op_kind kind)
{
	char err[512];
	bool oom = false;
	char *key_attr = doc_attr(d, n, "key", &oom);
	char *key;
	struct op *op;

	if (oom)
		goto oom;
	if (!key_attr) {
		doc_error(d, n, "<%s> needs a key attribute", (const char *)n->name);
		return NULL;
	}
	key = check_key(key_attr, err, sizeof(err));
	free(key_attr);
	if (!key) {
		doc_error(d, n, "%s", err);
		return NULL;
	}
	op = rule_add_op(r);
	if (!op) {
		free(key);
		goto oom;
	}
	op->kind = kind;
	op->key = key;
	op->src_file = strdup(d->file);
	op->src_line = (int)doc_line(n);
	if (!op->src_file)
		goto oom;
	return op;
oom:
	doc_oom(d);
	return NULL;
}

/* Collect the <string> items of a REG_MULTI_SZ set-value. */
static char **multi_strings(xmlNodePtr n, size_t *np, bool *oom)
{
	size_t count = 0, i = 0;
	char **v;

	for (xmlNodePtr c = n->children; c; c = c->next)
		if (doc_is_element(c, "string"))
			count++;
	v = calloc(count + 1, sizeof(*v));
	if (!v) {
		*oom = true;
		return NULL;
	}
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (!doc_is_element(c, "string"))
			continue;
		v[i] = doc_text(c);
		if (!v[i]) {
			*oom = true;
			break;
		}
		i++;
	}
	*np = i;
	return v;
}

static bool has_string_children(xmlNodePtr n)
{
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (doc_is_element(c, "string"))
			return true;
	return false;
}

/* The types a profile may write (regval knows more, for reading hives). */
static bool writable_type(uint32_t t)
{
	return t == REGT_SZ || t == REGT_EXPAND_SZ || t == REGT_MULTI_SZ ||
	       t == REGT_DWORD || t == REGT_QWORD || t == REGT_BINARY;
}

/* set-value: type and value (or <string> items) become the exact bytes. */
static void parse_set_value(struct doc_ctx *d, struct rule *r, xmlNodePtr n)
{
	char err[512];
	bool oom = false;
	char *type_name = doc_attr(d, n, "type", &oom);
	char *name = doc_attr(d, n, "name", &oom);
	char *text = doc_attr(d, n, "value", &oom);
	char **strv = NULL;
	size_t nstr = 0;
	uint32_t type;
	struct regval val = { 0 };
	struct op *op;

	if (oom)
		goto oom;
	if (!type_name || !regtype_from_name(type_name, &type) ||
	    !writable_type(type)) {
		doc_error(d, n, "set-value: unsupported type '%s' (REG_SZ, REG_EXPAND_SZ, "
			  "REG_MULTI_SZ, REG_DWORD, REG_QWORD or REG_BINARY)",
			  type_name ? type_name : "");
		goto out;
	}
	if (!name) {
		doc_error(d, n, "set-value needs a name attribute (name=\"\" is the default value)");
		goto out;
	}
	if (type == REGT_MULTI_SZ) {
		if (text) {
			doc_error(d, n, "REG_MULTI_SZ value '%.200s' must be given as "
				  "<string> children, not a value attribute", name);
			goto out;
		}
		strv = multi_strings(n, &nstr, &oom);
		if (oom)
			goto oom;
	} else {
		if (!text) {
			doc_error(d, n, "%s value '%.200s' needs a value attribute",
				  type_name, name);
			goto out;
		}
		if (has_string_children(n)) {
			doc_error(d, n, "<string> items are for REG_MULTI_SZ only, "
				  "not %s", type_name);
			goto out;
		}
	}
	if (!regval_from_text(&val, type, text, (const char *const *)strv, nstr,
			      err, sizeof(err))) {
		doc_error(d, n, "bad %s value for '%.200s': %s", type_name, name, err);
		goto out;
	}
	op = new_op(d, r, n, OP_SET_VALUE);
	if (!op) {
		regval_free(&val);
		goto out;
	}
	op->name = name;
	name = NULL;
	op->value = val;
	goto out;
oom:
	doc_oom(d);
out:
	free(type_name);
	free(name);
	free(text);
	array_free_strings(strv, nstr);
}

/* <import-reg file="x.reg"/>: a standard .reg file's entries become the
 * rule's operations, in place; its keys must lie under the rule's hive.
 * The path is relative to the profile.  Needs the rule's hive, so rules
 * parse their attributes before their operations. */
static void parse_import_reg(struct doc_ctx *d, struct rule *r, xmlNodePtr n)
{
	bool oom = false;
	char *file = doc_attr(d, n, "file", &oom);
	char *path = NULL, *root = NULL;

	if (oom || !file) {
		if (oom)
			doc_oom(d);
		else if (!d->errors)
			doc_error(d, n, "<import-reg> needs a file attribute");
		free(file);
		return;
	}
	const char *slash = strrchr(d->file, '/');
	if (file[0] == '/' || !slash)
		path = strdup(file);
	else if (asprintf(&path, "%.*s/%s", (int)(slash - d->file), d->file, file) < 0)
		path = NULL;
	root = reg_root_for(r->hive);
	if (!path || !root) {
		doc_oom(d);
	} else {
		msg_verbose("%s:%ld: importing %s under %s", d->file, doc_line(n), path, root);
		if (regfile_import(path, root, r) < 0)
			doc_error(d, n, "cannot import %s (see above)", path);
	}
	free(file);
	free(path);
	free(root);
}

static void parse_op(struct doc_ctx *d, struct rule *r, xmlNodePtr n)
{
	bool oom = false;
	struct op *op;

	if (doc_is_element(n, "set-value")) {
		parse_set_value(d, r, n);
	} else if (doc_is_element(n, "delete-value")) {
		char *name = doc_attr(d, n, "name", &oom);

		if (oom) {
			doc_oom(d);
		} else if (!name) {
			doc_error(d, n, "delete-value needs a name attribute "
				  "(name=\"\" is the default value)");
		} else if ((op = new_op(d, r, n, OP_DELETE_VALUE))) {
			op->name = name;
			name = NULL;
		}
		free(name);
	} else if (doc_is_element(n, "create-key")) {
		new_op(d, r, n, OP_CREATE_KEY);
	} else if (doc_is_element(n, "delete-key")) {
		new_op(d, r, n, OP_DELETE_KEY);
	} else if (doc_is_element(n, "delete-values")) {
		new_op(d, r, n, OP_CLEAR_VALUES);
	} else if (doc_is_element(n, "import-reg")) {
		parse_import_reg(d, r, n);
	} else {
		doc_error(d, n, "unknown operation <%s>", (const char *)n->name);
	}
}

bool parse_role(const char *s, enum role *role)
{
	if (!s || strcmp(s, "any") == 0)
		*role = ROLE_ANY;
	else if (strcmp(s, "setup") == 0)
		*role = ROLE_SETUP;
	else if (strcmp(s, "installed") == 0)
		*role = ROLE_INSTALLED;
	else
		return false;
	return true;
}

/* The rule's attributes: where it applies. */
static bool parse_rule_attrs(struct doc_ctx *d, struct rule *r, xmlNodePtr n)
{
	char err[512];
	bool oom = false, ok = false;
	char *role = doc_attr(d, n, "role", &oom);
	char *images = doc_attr(d, n, "images", &oom);
	char *hive = doc_attr(d, n, "hive", &oom);
	char *acs = doc_attr(d, n, "all-control-sets", &oom);

	r->id = doc_attr(d, n, "id", &oom);
	r->images.name_glob = doc_attr(d, n, "image-name", &oom);
	if (oom) {
		doc_oom(d);
		goto out;
	}
	if (!parse_role(role, &r->role)) {
		doc_error(d, n, "role '%s' is not one of setup, installed, any", role);
		goto out;
	}
	if (images && r->images.name_glob) {
		doc_error(d, n, "images and image-name cannot be used together");
		goto out;
	}
	if (r->images.name_glob) {
		if (r->images.name_glob[0] == '\0') {
			doc_error(d, n, "image-name is empty");
			goto out;
		}
	} else if (!images) {
		r->images.all = true;
	} else if (!parse_images(images, &r->images, err, sizeof(err))) {
		doc_error(d, n, "%s", err);
		goto out;
	}
	r->hive = hive_path_normalise(hive ? hive : "SYSTEM", err, sizeof(err));
	if (!r->hive) {
		doc_error(d, n, "hive: %s", err);
		goto out;
	}
	if (acs && strcmp(acs, "true") != 0 && strcmp(acs, "false") != 0) {
		doc_error(d, n, "all-control-sets must be true or false, not '%s'", acs);
		goto out;
	}
	r->all_control_sets = acs && strcmp(acs, "true") == 0;
	ok = true;
out:
	free(role);
	free(images);
	free(hive);
	free(acs);
	return ok;
}

void parse_rule(struct doc_ctx *d, xmlNodePtr n)
{
	struct rule *r = plan_add_rule(&d->L->scratch);
	size_t nops = 0;

	if (!r) {
		doc_oom(d);
		return;
	}
	r->profile = strdup(d->name);
	r->src_file = strdup(d->file);
	r->src_line = (int)doc_line(n);
	if (!r->profile || !r->src_file) {
		doc_oom(d);
		return;
	}
	if (!parse_rule_attrs(d, r, n))
		return;
	for (xmlNodePtr c = n->children; c && !d->L->oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		parse_op(d, r, c);
		nops++;
	}
	if (nops == 0)
		doc_error(d, n, "rule has no operations");
}

/*
 * profile_params.c - a profile's <param> declarations, the values they get
 * (-D NAME=VALUE, else the default), and the ${name} substitution in
 * attributes.  The types themselves are checked in profile_bcd.c.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/msg.h"
#include "profiles/profile.h"
#include "profiles/profile_int.h"

static struct doc_param *find_param(struct doc_ctx *d, const char *name, size_t len)
{
	for (size_t i = 0; i < d->n_params; i++)
		if (strlen(d->params[i].name) == len && strncmp(d->params[i].name, name, len) == 0)
			return &d->params[i];
	return NULL;
}

char *doc_attr(struct doc_ctx *d, xmlNodePtr n, const char *name, bool *oom)
{
	char *raw = doc_raw_attr(n, name, oom);
	char *out, *o;
	size_t cap;

	if (!raw || !strchr(raw, '$'))
		return raw;
	/* A lone reference to an unset optional parameter: attribute unset. */
	size_t rl = strlen(raw);
	if (rl > 3 && raw[0] == '$' && raw[1] == '{' && raw[rl - 1] == '}' &&
	    !memchr(raw + 2, '}', rl - 3)) {
		struct doc_param *p = find_param(d, raw + 2, rl - 3);
		if (p && !p->value) {
			free(raw);
			return NULL;
		}
	}
	cap = rl + 1;
	for (size_t i = 0; i < d->n_params; i++)
		if (d->params[i].value)
			cap += strlen(d->params[i].value) * (rl / 3 + 1);
	out = o = malloc(cap);
	if (!out) {
		free(raw);
		*oom = true;
		return NULL;
	}
	for (const char *p = raw; *p;) {
		if (p[0] == '$' && p[1] == '$') {
			*o++ = '$';
			p += 2;
		} else if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			struct doc_param *prm = end ? find_param(d, p + 2, (size_t)(end - p - 2)) : NULL;
			if (!end || !prm || !prm->value) {
				doc_error(d, n, "%s=\"%.200s\": %s", name, raw,
					  !end ? "unterminated ${...}"
					  : !prm ? "refers to a parameter this profile does not declare "
						   "(<param name=...>)"
						 : "a parameter without a value is used inside other text");
				free(raw);
				free(out);
				return NULL;
			}
			size_t vl = strlen(prm->value);
			memcpy(o, prm->value, vl);
			o += vl;
			p = end + 1;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	free(raw);
	return out;
}

/* <param name= type= required= default=>: a value the user gives with
 * -D NAME=VALUE, checked against its type before anything is touched. */
void parse_param(struct doc_ctx *d, xmlNodePtr n)
{
	bool oom = false;
	char err[512];
	char *name = doc_raw_attr(n, "name", &oom);
	char *type = doc_raw_attr(n, "type", &oom);
	char *req = doc_raw_attr(n, "required", &oom);
	char *def = doc_raw_attr(n, "default", &oom);
	const char *value = def;
	struct profile_param *given = NULL;

	if (oom)
		goto oom;
	if (!name || !type) {
		doc_error(d, n, "<param> needs name and type attributes");
		goto out;
	}
	if (find_param(d, name, strlen(name))) {
		doc_error(d, n, "parameter '%s' is declared twice", name);
		goto out;
	}
	for (size_t i = 0; i < d->L->path->n_params; i++) {
		if (strcmp(d->L->path->params[i].name, name) == 0) {
			given = &d->L->path->params[i];
			given->used = true;
			value = given->value;
		}
	}
	if (!value && req && strcmp(req, "true") == 0 && d->L->path->sample_params)
		value = param_sample(type);
	if (!value && req && strcmp(req, "true") == 0) {
		doc_error(d, n, "profile '%s' needs parameter '%s' (%s): give -D %s=VALUE",
			  d->name, name, type, name);
		goto out;
	}
	if (value && !param_value_ok(type, value, err, sizeof(err))) {
		doc_error(d, n, "parameter '%s'%s: %s", name, given ? " (from -D)" : " default", err);
		goto out;
	}
	struct doc_param *np = realloc(d->params, (d->n_params + 1) * sizeof(*np));
	if (!np)
		goto oom;
	d->params = np;
	np[d->n_params].name = name;
	np[d->n_params].value = value ? strdup(value) : NULL;
	if (value && !np[d->n_params].value)
		goto oom;
	d->n_params++;
	char *sum = NULL;
	if (asprintf(&sum, "%s%s%s (%s%s%s%s)", d->param_summary ? d->param_summary : "",
		     d->param_summary ? ", " : "", name, type,
		     req && strcmp(req, "true") == 0 ? ", required" : "", def ? ", default " : "",
		     def ? def : "") < 0) {
		name = NULL;	/* d->params holds it now */
		goto oom;
	}
	free(d->param_summary);
	d->param_summary = sum;
	msg_verbose("%s: parameter %s = %s%s", d->file, name, value ? value : "(unset)",
		    given ? " (from -D)" : value ? " (default)" : "");
	name = NULL;
	goto out;
oom:
	doc_oom(d);
out:
	free(name);
	free(type);
	free(req);
	free(def);
}

void free_params(struct doc_ctx *d)
{
	for (size_t i = 0; i < d->n_params; i++) {
		free(d->params[i].name);
		free(d->params[i].value);
	}
	free(d->params);
}

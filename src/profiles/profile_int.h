/*
 * profile_int.h - what the files of the profile module (profile.c,
 * profile_bcd.c) share.  Private to the module: the rest of the project
 * speaks profile.h and plan.h, never libxml2.
 */
#ifndef WIMPATCH_PROFILE_INT_H
#define WIMPATCH_PROFILE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "core/plan.h"
#include "profiles/profile.h"

struct loader;

/* A parameter a profile declares, with the value it has in this run. */
struct doc_param {
	char *name;
	char *type;
	char *value;		/* -D value, else the default; NULL: unset (optional) */
};

/* One file being turned into rules. */
struct doc_ctx {
	struct loader *L;
	const char *file;
	const char *name;	/* the profile's name */
	int errors;
	struct doc_param *params;
	size_t n_params;
	char *param_summary;	/* for profile_info.params */
};

/* Report a semantic error at the node's line; counts it. */
void doc_error(struct doc_ctx *d, xmlNodePtr n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void doc_oom(struct doc_ctx *d);
bool doc_is_element(xmlNodePtr n, const char *name);
long doc_line(xmlNodePtr n);
/* The plan this load builds (moved into the caller's on success). */
struct plan *doc_plan(struct doc_ctx *d);

/*
 * An attribute with ${name} parameter references expanded ("$$" is a
 * literal "$"), as a malloc'd string.  NULL if absent, or if its whole
 * value is a reference to an optional parameter that has no value (so
 * optional parameters leave attributes unset).  Errors (unknown
 * parameter) are reported and counted, and give NULL too: check
 * d->errors.  *oom is set on allocation failure.
 */
char *doc_attr(struct doc_ctx *d, xmlNodePtr n, const char *name, bool *oom);

/* <bcd> rules (profile_bcd.c). */
void parse_bcd(struct doc_ctx *d, xmlNodePtr n);

/* A valid value of a parameter type, for validating profiles without -D. */
const char *param_sample(const char *type);

/* Check a parameter value against its declared type; false with a reason. */
bool param_value_ok(const char *type, const char *value, char *err, size_t errlen);

#endif

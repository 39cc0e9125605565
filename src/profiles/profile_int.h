/*
 * profile_int.h - what the files of the profile module share, grouped by
 * the file that defines it.  Private to the module: the rest of the
 * project speaks profile.h and plan.h, never libxml2.
 */
#ifndef WIMPATCH_PROFILE_INT_H
#define WIMPATCH_PROFILE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "core/plan.h"
#include "profiles/profile.h"

/* ------------------------------------------------------------------ */
/* Shared state                                                        */

struct chain_link {
	char *real;		/* realpath, for identity */
	char *file;		/* as the user or the include named it, for messages */
};

/* One profile_load() or profile_validate_file() call. */
struct loader {
	const struct profile_path *path;
	struct plan scratch;	/* what this call adds, moved over on success */
	char **seen;		/* realpaths of profiles in the plan or loaded now */
	size_t n_seen;
	struct chain_link *chain;	/* files being loaded, outermost first */
	size_t n_chain;
	bool oom;
};

/* A parameter a profile declares, with the value it has in this run. */
struct doc_param {
	char *name;
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

/* ------------------------------------------------------------------ */
/* profile_xml.c: libxml2                                              */

/* Report "FILE:LINE: reason" (or "FILE: reason" when no line applies). */
void err_at(const char *file, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void err_oom(const char *file);

/* Parse and schema-check one profile.  NULL (errors reported) if bad. */
xmlDocPtr load_valid_doc(const char *file, const char *schema_file);
xmlNodePtr doc_root(xmlDocPtr doc);
void doc_free(xmlDocPtr doc);

bool doc_is_element(xmlNodePtr n, const char *name);
long doc_line(xmlNodePtr n);
/* An attribute as a malloc'd string, as written (no parameters expanded:
 * see doc_attr()).  NULL if absent; *oom set on allocation failure. */
char *doc_raw_attr(xmlNodePtr n, const char *name, bool *oom);
/* Is `file` well-formed XML, read with the same locked-down parser as
 * profiles (no DOCTYPE, no entities, no network)?  0, or -1 with the
 * reason reported as "FILE:LINE: reason". */
int doc_check_well_formed(const char *file);
/* Text content, malloc'd ("" if none); NULL on allocation failure. */
char *doc_text(xmlNodePtr n);
/* Text content with surrounding whitespace removed, malloc'd. */
char *doc_trimmed_text(xmlNodePtr n);

/* ------------------------------------------------------------------ */
/* profile_names.c: the schema's names, for typo messages              */

struct schema_names;
/* The element and attribute names and enumerated values a RELAX NG
 * grammar allows, read from its document.  NULL on out of memory. */
struct schema_names *schema_names_build(xmlNodePtr grammar);
void schema_names_free(struct schema_names *sn);
/* Report each unknown element, attribute and enumerated value of the tree
 * at `root`, with the nearest valid name; the number found. */
int schema_names_check(const struct schema_names *sn, const char *file, xmlNodePtr root);

/* ------------------------------------------------------------------ */
/* profile_load.c: loading files and includes                          */

/* Report a semantic error at the node's line; counts it. */
void doc_error(struct doc_ctx *d, xmlNodePtr n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void doc_oom(struct doc_ctx *d);
/* The plan this load builds (moved into the caller's on success). */
struct plan *doc_plan(struct doc_ctx *d);

/* ------------------------------------------------------------------ */
/* profile_params.c: <param> and ${name}                               */

/*
 * An attribute with ${name} parameter references expanded ("$$" is a
 * literal "$"), as a malloc'd string.  NULL if absent, or if its whole
 * value is a reference to an optional parameter that has no value (so
 * optional parameters leave attributes unset).  Errors (unknown
 * parameter) are reported and counted, and give NULL too: check
 * d->errors.  *oom is set on allocation failure.
 */
char *doc_attr(struct doc_ctx *d, xmlNodePtr n, const char *name, bool *oom);

/* <param name= type= required= default=>: adds it to d->params. */
void parse_param(struct doc_ctx *d, xmlNodePtr n);
void free_params(struct doc_ctx *d);

/* ------------------------------------------------------------------ */
/* profile_rules.c: registry <rule>s                                   */

/* A <rule> and its operations, appended to doc_plan(d). */
void parse_rule(struct doc_ctx *d, xmlNodePtr n);

/* role="setup|installed|any" (NULL: any); false if none of those. */
bool parse_role(const char *s, enum role *role);
/* images="all" or 1-based indices; false with a reason. */
bool parse_images(const char *text, struct image_sel *sel, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* profile_image.c: <image-file> and <editions>                        */

void parse_image_file(struct doc_ctx *d, xmlNodePtr n);
void parse_editions(struct doc_ctx *d, xmlNodePtr n);

/* ------------------------------------------------------------------ */
/* profile_media.c: <file>, <remove-file> and <boot>                   */

/* Each appends to doc_plan(d)->media. */
void parse_media_file(struct doc_ctx *d, xmlNodePtr n);
void parse_media_remove(struct doc_ctx *d, xmlNodePtr n);
void parse_media_boot(struct doc_ctx *d, xmlNodePtr n);

/* ------------------------------------------------------------------ */
/* profile_bcd.c: <bcd> rules and parameter types                      */

void parse_bcd(struct doc_ctx *d, xmlNodePtr n);

/* A valid value of a parameter type, for validating profiles without -D. */
const char *param_sample(const char *type);

/* Check a parameter value against its declared type; false with a reason. */
bool param_value_ok(const char *type, const char *value, char *err, size_t errlen);

#endif

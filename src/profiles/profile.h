/*
 * profile.h - load XML profiles into a plan.  The only module that uses
 * libxml2.
 *
 * A profile is validated against the shipped RELAX NG schema before any of
 * it is used.  The parser never touches the network, never loads a DTD and
 * refuses documents that declare one (so no entity can be expanded).
 */
#ifndef WIMPATCH_PROFILE_H
#define WIMPATCH_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/plan.h"

/* A -D NAME=VALUE from the command line. */
struct profile_param {
	const char *name;
	const char *value;
	bool used;		/* set when a loaded profile declares it */
};

struct profile_path {
	const char **dirs;	/* searched in order for "-p NAME" */
	size_t n_dirs;
	const char *schema;	/* path of wimpatch-profile.rng */
	struct profile_param *params;	/* -D values (may be NULL) */
	size_t n_params;
	bool sample_params;	/* listing/validating: a required parameter
				   without a value gets a sample of its type */
};

/*
 * Load the profile `spec` and everything it includes, appending its rules
 * to `plan` in document order (an include's rules come where the include
 * stands).  `spec` is a file path when it contains '/' or ends in ".xml",
 * otherwise a profile name looked up as NAME.xml in the search dirs.
 * Errors are reported with msg_error() as "FILE:LINE: reason".
 * Returns 0 on success, -1 on error.
 */
int profile_load(struct plan *plan, const char *spec,
		 const struct profile_path *path);

/*
 * Load every profile of the search path (each NAME.xml of path->dirs; a
 * name found in an earlier directory hides the later ones, as for -p
 * NAME) into `plan`, for what needs "the profiles there are".  A profile
 * that does not load is left out, its errors reported as usual.  Returns
 * how many were left out.
 */
size_t profile_load_all(struct plan *plan, const struct profile_path *path);

/* Check one file against the schema and the semantic rules without
 * keeping anything.  Returns 0 if valid, -1 (errors reported) if not. */
int profile_validate_file(const char *file, const struct profile_path *path);

/* Process-wide libxml2 setup: refuse every external entity load.  Call once
 * before anything else parses XML. */
void profile_init(void);
void profile_cleanup(void);

/* "libxml2 2.9.14": the XML library in use, for --version. */
const char *profile_library_version(void);

#endif

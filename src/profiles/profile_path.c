/* profile_path.c - profile search path and data directory; see profile_path.h. */
#include "config.h"
#include "datadir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/msg.h"
#include "profiles/profile_path.h"

const char *paths_datadir(void)
{
	const char *d = getenv("WIMPATCH_DATADIR");
	return d && *d ? d : PKGDATADIR;
}

static int add_dir(struct profile_path *pp, const char *d, size_t len)
{
	if (len == 0)
		return 0;
	const char **nd = realloc(pp->dirs, (pp->n_dirs + 1) * sizeof(*nd));
	if (!nd)
		return -1;
	pp->dirs = nd;
	char *copy = strndup(d, len);
	if (!copy)
		return -1;
	pp->dirs[pp->n_dirs++] = copy;
	return 0;
}

int paths_init(struct profile_path *pp, const char *const *extra_dirs, size_t n_extra)
{
	const char *env = getenv("WIMPATCH_PROFILE_PATH");
	const char *home = getenv("HOME");
	char *user = NULL, *schema = NULL;

	memset(pp, 0, sizeof(*pp));
	for (size_t i = 0; i < n_extra; i++)
		if (add_dir(pp, extra_dirs[i], strlen(extra_dirs[i])) < 0)
			goto oom;
	while (env && *env) {
		size_t n = strcspn(env, ":");
		if (add_dir(pp, env, n) < 0)
			goto oom;
		env += n + (env[n] == ':');
	}
	if (home && *home) {
		if (asprintf(&user, "%s/.config/wimpatch/profiles", home) < 0)
			goto oom;
		int r = add_dir(pp, user, strlen(user));
		free(user);
		if (r < 0)
			goto oom;
	}
	if (add_dir(pp, paths_datadir(), strlen(paths_datadir())) < 0)
		goto oom;
	if (asprintf(&schema, "%s/wimpatch-profile.rng", paths_datadir()) < 0)
		goto oom;
	pp->schema = schema;
	return 0;
oom:
	msg_error("out of memory");
	paths_free(pp);
	return -1;
}

void paths_free(struct profile_path *pp)
{
	for (size_t i = 0; i < pp->n_dirs; i++)
		free((char *)pp->dirs[i]);
	free(pp->dirs);
	free((char *)pp->schema);
	memset(pp, 0, sizeof(*pp));
}

/* path.c - paths as strings; see path.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/path.h"

const char *path_base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

char *path_dir(const char *path)
{
	const char *s = strrchr(path, '/');
	if (!s)
		return strdup(".");
	if (s == path)
		return strdup("/");
	return strndup(path, (size_t)(s - path));
}

char *path_join(const char *a, const char *b)
{
	char *s;
	return asprintf(&s, "%s/%s", a, b) < 0 ? NULL : s;
}

char *path_rebased(const char *path, const char *root, const char *shown)
{
	size_t n = root ? strlen(root) : 0;
	char *s;

	if (!n || strncmp(path, root, n) != 0 || (path[n] != '/' && path[n] != '\0'))
		return strdup(path);
	return asprintf(&s, "%s%s", shown, path + n) < 0 ? NULL : s;
}

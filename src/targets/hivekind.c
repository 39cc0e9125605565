/* hivekind.c - which hive a bare hive file is; see hivekind.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "targets/hivekind.h"
#include "util/msg.h"
#include "util/path.h"

/* Is there a key `name` at the root?  -1 on a read error. */
static int has(struct hive *h, const char *name)
{
	hive_node n;
	if (hive_child(h, hive_root(h), name, &n) < 0)
		return -1;
	return n != 0;
}

/* ControlSet001 ... ControlSet999: Windows keeps one to four. */
static int has_control_set(struct hive *h)
{
	char name[16];
	for (int i = 1; i <= 9; i++) {
		snprintf(name, sizeof(name), "ControlSet%03d", i);
		int r = has(h, name);
		if (r != 0)
			return r;
	}
	return 0;
}

/* SOFTWARE holds Microsoft\Windows NT\CurrentVersion at its root (a user
 * hive holds it under Software). */
static int has_current_version(struct hive *h)
{
	static const char *const path[] = { "Microsoft", "Windows NT", "CurrentVersion" };
	hive_node n = hive_root(h);

	for (size_t i = 0; i < sizeof(path) / sizeof(path[0]); i++) {
		if (hive_child(h, n, path[i], &n) < 0)
			return -1;
		if (n == 0)
			return 0;
	}
	return 1;
}

/* Every mark must be there (-1: a read error). */
static int all(struct hive *h, const char *const *names)
{
	for (; *names; names++) {
		int r = has(h, *names);
		if (r != 1)
			return r;
	}
	return 1;
}

/* What the root keys make it: "SYSTEM"..., "user" for DEFAULT or an
 * NTUSER.DAT (the same keys), NULL for neither; -1 on a read error. */
static int by_content(struct hive *h, const char **kind)
{
	static const char *const bcd[] = { "Description", "Objects", NULL };
	static const char *const security[] = { "Policy", "RXACT", NULL };
	static const char *const sam[] = { "SAM", NULL };
	static const char *const user[] = { "Software", "Control Panel", "Environment", NULL };
	int r;

	*kind = NULL;
	if ((r = has(h, "Select")) == 1 && (r = has_control_set(h)) == 1)
		*kind = "SYSTEM";
	else if (r >= 0 && (r = has_current_version(h)) == 1)
		*kind = "SOFTWARE";
	else if (r >= 0 && (r = all(h, bcd)) == 1)
		*kind = "BCD";
	else if (r >= 0 && (r = all(h, security)) == 1)
		*kind = "SECURITY";
	else if (r >= 0 && (r = all(h, sam)) == 1)
		*kind = "SAM";
	else if (r >= 0 && (r = all(h, user)) == 1)
		*kind = "user";
	return r < 0 ? -1 : 0;
}

bool hivekind_same(const char *a, const char *b)
{
	size_t na = strcspn(a, "."), nb = strcspn(b, ".");
	return na == nb && strncasecmp(a, b, na) == 0;
}

const char *hivekind_known(const char *name)
{
	static const char *const names[] = { "SYSTEM", "SOFTWARE", "SAM", "SECURITY", "DEFAULT",
					     "NTUSER.DAT", "USRCLASS.DAT", "COMPONENTS", "DRIVERS",
					     "BCD" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (hivekind_same(name, names[i]))
			return names[i];
	return NULL;
}

/* "\SystemRoot\System32\Config\SYSTEM" -> "SYSTEM"; NULL for a name
 * that is no hive's: tools write what they like there ("BadSubkeyHive",
 * the name of the file they made). */
static const char *header_base(const char *name)
{
	const char *b = strrchr(name, '\\');
	return hivekind_known(b ? b + 1 : name);
}

/* A user hive is DEFAULT or someone's NTUSER.DAT: the names say which. */
static const char *user_hive(const char *header, const char *file)
{
	static const char *const names[] = { "DEFAULT", "NTUSER.DAT" };
	for (size_t i = 0; i < 2; i++)
		if ((header && hivekind_same(header, names[i])) || hivekind_same(file, names[i]))
			return names[i];
	return NULL;
}

int hivekind_of(struct hive *h, const char *path, struct hivekind *out)
{
	const char *header = header_base(hive_file_name(h)), *file = path_base(path);

	*out = (struct hivekind){ 0 };
	if (by_content(h, &out->content) < 0)
		return -1;
	if (out->content && strcmp(out->content, "user") == 0) {
		out->name = user_hive(header, file);
		out->source = "its keys and its names";
		if (!out->name)
			out->content = NULL;	/* a user hive, but which one? */
		else
			out->content = out->name;
	} else if (out->content) {
		out->name = out->content;
		out->source = "its keys";
	}
	if (!out->name && header) {
		out->name = header;
		out->source = "the file name in its header";
	} else if (!out->name) {
		out->name = file;
		out->source = "its file name";
	}
	return 0;
}

int hivekind_of_file(const char *file, const char *path, struct hivekind *out)
{
	char err[512];
	struct hive *h = hive_open(file, HIVE_ALLOW_DIRTY, err, sizeof(err));
	int ret;

	if (!h) {
		msg_error("%s: %s", path, err);
		return -1;
	}
	if ((ret = hivekind_of(h, path, out)) < 0)
		msg_error("%s: cannot read its root key: %s", path, hive_error(h));
	hive_close(h);
	return ret;
}

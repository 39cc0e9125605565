/* inventory.c - read what the shipped profiles touch; see inventory.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "adapters/hive.h"
#include "targets/hivelogs.h"
#include "targets/inventory.h"
#include "util/msg.h"

static hive_node walk(struct hive *h, hive_node n, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	char *save = NULL;
	for (char *c = strtok_r(buf, "\\", &save); c && n; c = strtok_r(NULL, "\\", &save))
		if (hive_child(h, n, c, &n) < 0)
			return 0;
	return n;
}

static long dword(struct hive *h, hive_node n, const char *name)
{
	struct regval v;
	bool found;
	long r = -1;

	if (n && hive_get_value(h, n, name, &v, NULL, &found) == 0 && found) {
		if (v.type == REGT_DWORD && v.len == 4)
			r = (long)(v.data[0] | v.data[1] << 8 | v.data[2] << 16 | (unsigned long)v.data[3] << 24);
		regval_free(&v);
	}
	return r;
}

int inventory_read_system(const char *path, const char *where, struct system_state *st)
{
	char err[512], key[128];
	struct hive *h = hive_open(path, HIVE_ALLOW_DIRTY, err, sizeof(err));

	memset(st, 0, sizeof(*st));
	st->crash_dump = st->boot_filters = -1;
	if (!h) {
		msg_error("%s: %s", where, err);
		return -1;
	}
	st->dirty = hivelogs_warn_dirty(path, where);
	hive_node root = hive_root(h);
	long cur = dword(h, walk(h, root, "Select"), "Current");
	if (cur > 0 && cur < 1000)
		snprintf(st->control_set, sizeof(st->control_set), "ControlSet%03ld", cur);
	hive_node cs = st->control_set[0] ? walk(h, root, st->control_set) : 0;
	if (cs) {
		st->crash_dump = dword(h, walk(h, cs, "Control\\CrashControl"), "CrashDumpEnabled");
		hive_node f = walk(h, cs, "Services\\BFE\\Parameters\\Policy\\BootTime\\Filter");
		if (f) {
			struct hive_value *vals;
			size_t nv;
			if (hive_values(h, f, &vals, &nv) == 0) {
				st->boot_filters = (long)nv;
				hive_values_free(vals, nv);
			}
		}
		hive_node mm = walk(h, cs, "Control\\Session Manager\\Memory Management");
		struct regval v;
		bool found = false;
		if (mm && hive_get_value(h, mm, "PagingFiles", &v, NULL, &found) == 0 && found) {
			st->paging_files_present = true;
			/* Empty: a lone UTF-16 NUL or nothing. */
			st->paging_files_set = v.len > 4 || (v.len > 0 && (v.data[0] || v.data[1]));
			regval_free(&v);
		}
		snprintf(key, sizeof(key), "Services\\msiscsi");
		st->msiscsi = walk(h, cs, key) != 0;
	}
	hive_node lab = walk(h, root, "Setup\\LabConfig");
	for (int k = 0; lab && k < LABCONFIG_CHECKS; k++)
		if (dword(h, lab, labconfig_checks[k]) == 1)
			st->lab_bypass |= 1u << k;
	hive_close(h);
	return 0;
}

enum exposure inventory_exposure(const struct system_state *st, long build)
{
	bool dumps = st->crash_dump != 0;	/* absent means the default: on */
	bool filters = st->boot_filters > 0;

	if (build > 0 && build < 10240)
		return NOT_AFFECTED;
	if (dumps && filters)
		return EXPOSED;
	if (!dumps && !filters)
		return PATCHED;
	return PARTLY_PATCHED;
}

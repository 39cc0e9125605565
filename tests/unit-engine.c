/*
 * unit-engine.c - applying rules to real hives (src/engine.c over
 * src/hive.c) and what gets recorded; verifying a written hive; which
 * recorded changes are superseded, and copies of change lists
 * (src/change.c).
 *
 * Reads the fixture hives from $FIXTURES (built by tests/make-fixtures.sh)
 * and only ever edits private copies of them in a temporary directory.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/change.h"
#include "targets/engine.h"
#include "adapters/hive.h"
#include "core/plan.h"
#include "core/regval.h"
#include "tap.h"

static char tmpdir[4096];
static char err[512];

/* Every rule gets a plan of its own, so that rule and op pointers kept in
 * change records stay valid until the end. */
#define MAX_PLANS 64
static struct plan plans[MAX_PLANS];
static size_t n_plans;

/* ------------------------------------------------------------ helpers */

static char *path_in(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);
	if (!p)
		bail_out("out of memory");
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t r;
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		diag("cannot open %s: %s", from, strerror(errno));
		bail_out("cannot read a fixture hive (run tests/make-fixtures.sh)");
	}
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0) {
		diag("cannot create %s: %s", to, strerror(errno));
		bail_out("cannot copy a fixture hive");
	}
	while ((r = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)r) != r)
			bail_out("short write while copying a fixture hive");
	if (r < 0 || close(out) < 0)
		bail_out("error while copying a fixture hive");
	close(in);
}

/* Copy fixture `name` into the temp dir as `copy` and open it. */
static struct hive *open_copy(const char *name, const char *copy, int flags)
{
	char *from = path_in(getenv("FIXTURES"), name);
	char *to = path_in(tmpdir, copy);
	copy_file(from, to);
	struct hive *h = hive_open(to, flags, err, sizeof(err));
	if (!h) {
		diag("%s: %s", to, err);
		bail_out("cannot open a copy of a fixture hive");
	}
	free(from);
	free(to);
	return h;
}

static struct rule *new_rule(bool all_control_sets)
{
	if (n_plans == MAX_PLANS)
		bail_out("MAX_PLANS too small");
	struct plan *p = &plans[n_plans++];
	plan_init(p);
	struct rule *r = plan_add_rule(p);
	if (!r)
		bail_out("plan_add_rule failed");
	r->profile = strdup("unit-engine");
	r->src_file = strdup("unit-engine.xml");
	r->src_line = (int)n_plans;
	r->role = ROLE_ANY;
	r->images.all = true;
	r->hive = strdup(DEFAULT_HIVE);
	r->all_control_sets = all_control_sets;
	return r;
}

static struct op *add_op(struct rule *r, enum op_kind kind, const char *key, const char *name)
{
	struct op *o = rule_add_op(r);
	if (!o)
		bail_out("rule_add_op failed");
	o->kind = kind;
	o->key = strdup(key);
	o->name = name ? strdup(name) : NULL;
	o->src_file = strdup("unit-engine.xml");
	o->src_line = 100 + (int)r->n_ops;
	return o;
}

static struct op *add_set(struct rule *r, const char *key, const char *name, uint32_t type,
			  const char *text)
{
	struct op *o = add_op(r, OP_SET_VALUE, key, name);
	char why[256];
	if (!regval_from_text(&o->value, type, text, NULL, 0, why, sizeof(why))) {
		diag("%s", why);
		bail_out("regval_from_text failed while building a rule");
	}
	return o;
}

/* engine_apply with one rule; *first is where its changes start. */
static int apply(struct hive *h, const struct rule *r, struct changelist *cl, size_t *first)
{
	*first = cl->n;
	return engine_apply(h, &r, 1, "unit: SYSTEM", cl);
}

/* Redirect fd 2 into a file while `fn` runs; returns what it wrote. */
struct capture {
	int saved;
	char *file;
};

static void capture_start(struct capture *c)
{
	c->file = path_in(tmpdir, "stderr.txt");
	fflush(stderr);
	c->saved = dup(2);
	int fd = open(c->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (c->saved < 0 || fd < 0 || dup2(fd, 2) < 0)
		bail_out("cannot redirect stderr");
	close(fd);
}

static char *capture_end(struct capture *c)
{
	static char buf[8192];
	fflush(stderr);
	dup2(c->saved, 2);
	close(c->saved);
	FILE *f = fopen(c->file, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	buf[n] = '\0';
	if (f)
		fclose(f);
	unlink(c->file);
	free(c->file);
	return buf;
}

static bool check_change(const struct changelist *cl, size_t i, enum change_kind kind,
			 const char *key, const char *name, const char *what)
{
	if (!ok(i < cl->n, "%s: change %zu exists", what, i)) {
		skip(3, "no such change");
		return false;
	}
	const struct change *c = &cl->v[i];
	bool r = is_str(change_kind_name(c->kind), change_kind_name(kind), "%s: kind", what);
	r &= is_str(c->key, key, "%s: key", what);
	r &= is_str(c->name, name, "%s: value name", what);
	return r;
}

/* Index of the change for `key` (exact spelling) in [first, cl->n), or -1. */
static long find_change(const struct changelist *cl, size_t first, const char *key)
{
	for (size_t i = first; i < cl->n; i++)
		if (strcmp(cl->v[i].key, key) == 0)
			return (long)i;
	return -1;
}

/* The value `name` of key `key` in `h`, found by walking with hive_child. */
static bool get_value(struct hive *h, const char *key, const char *name, struct regval *v,
		      char **stored)
{
	char *copy = strdup(key), *save = NULL;
	hive_node n = hive_root(h);
	bool found = false;

	memset(v, 0, sizeof(*v));
	for (char *c = strtok_r(copy, "\\", &save); c && n; c = strtok_r(NULL, "\\", &save))
		if (hive_child(h, n, c, &n) < 0)
			n = 0;
	free(copy);
	if (!n)
		return false;
	if (hive_get_value(h, n, name, v, stored, &found) < 0)
		return false;
	return found;
}

static bool key_exists(struct hive *h, const char *key)
{
	char *copy = strdup(key), *save = NULL;
	hive_node n = hive_root(h);

	for (char *c = strtok_r(copy, "\\", &save); c && n; c = strtok_r(NULL, "\\", &save))
		if (hive_child(h, n, c, &n) < 0)
			n = 0;
	free(copy);
	return n != 0;
}

static size_t value_count(struct hive *h, const char *key)
{
	char *copy = strdup(key), *save = NULL;
	hive_node n = hive_root(h);
	struct hive_value *vals;
	size_t nv = (size_t)-1;

	for (char *c = strtok_r(copy, "\\", &save); c && n; c = strtok_r(NULL, "\\", &save))
		if (hive_child(h, n, c, &n) < 0)
			n = 0;
	free(copy);
	if (n && hive_values(h, n, &vals, &nv) == 0)
		hive_values_free(vals, nv);
	return nv;
}

static const unsigned char DW0[] = { 0, 0, 0, 0 }, DW1[] = { 1, 0, 0, 0 },
			   DW2[] = { 2, 0, 0, 0 }, DW3[] = { 3, 0, 0, 0 },
			   DW7[] = { 7, 0, 0, 0 };

#define CS1 "ControlSet001"
#define CS2 "ControlSet002"
#define CRASH "\\Control\\CrashControl"
#define FILTER "\\Services\\BFE\\Parameters\\Policy\\BootTime\\Filter"

/* ------------------------------------------------------------ tests */

/* Everything on one copy of SYSTEM-installed; `cl` collects all changes. */
static void test_installed(struct hive *h, struct changelist *cl)
{
	struct rule *r;
	struct op *o;
	size_t first;
	struct regval v;
	char *stored = NULL;

	/* set-value through CurrentControlSet -> Select\Current = 1. */
	r = new_rule(false);
	o = add_set(r, "CurrentControlSet\\Control\\CrashControl", "CrashDumpEnabled", REGT_DWORD,
		    "0");
	is_int(apply(h, r, cl, &first), 0, "set CrashDumpEnabled=0: engine_apply succeeds");
	is_int(cl->n - first, 1, "set CrashDumpEnabled=0: one change");
	if (check_change(cl, first, CH_VALUE_SET, CS1 CRASH, "CrashDumpEnabled",
			 "set CrashDumpEnabled=0")) {
		const struct change *c = &cl->v[first];
		ok(c->has_old && c->has_new, "set CrashDumpEnabled=0: old and new recorded");
		is_int(c->old.type, REGT_DWORD, "set CrashDumpEnabled=0: old type");
		is_mem(c->old.data, c->old.len, DW7, 4, "set CrashDumpEnabled=0: old = 7");
		is_int(c->new.type, REGT_DWORD, "set CrashDumpEnabled=0: new type");
		is_mem(c->new.data, c->new.len, DW0, 4, "set CrashDumpEnabled=0: new = 0");
	}
	ok(get_value(h, CS1 CRASH, "CrashDumpEnabled", &v, NULL) &&
		   v.type == REGT_DWORD && v.len == 4 && memcmp(v.data, DW0, 4) == 0,
	   "the hive in memory holds CrashDumpEnabled = 0");
	regval_free(&v);
	ok(get_value(h, CS2 CRASH, "CrashDumpEnabled", &v, NULL) && v.len == 4 &&
		   memcmp(v.data, DW7, 4) == 0,
	   "ControlSet002 is left alone without all-control-sets");
	regval_free(&v);

	/* The same again: nothing to do, nothing recorded. */
	r = new_rule(false);
	add_set(r, "CurrentControlSet\\Control\\CrashControl", "CrashDumpEnabled", REGT_DWORD, "0");
	is_int(apply(h, r, cl, &first), 0, "set CrashDumpEnabled=0 again: succeeds");
	is_int(cl->n - first, 0, "set CrashDumpEnabled=0 again: records nothing");

	/* A profile spelled in lower case: the stored spelling is recorded and kept. */
	r = new_rule(false);
	add_set(r, "currentcontrolset\\control\\crashcontrol", "crashdumpenabled", REGT_DWORD, "2");
	is_int(apply(h, r, cl, &first), 0, "lower-case set: succeeds");
	is_int(cl->n - first, 1, "lower-case set: one change");
	if (check_change(cl, first, CH_VALUE_SET, CS1 CRASH, "CrashDumpEnabled",
			 "lower-case set")) {
		const struct change *c = &cl->v[first];
		is_mem(c->old.data, c->old.len, DW0, 4, "lower-case set: old = 0");
		is_mem(c->new.data, c->new.len, DW2, 4, "lower-case set: new = 2");
	}
	stored = NULL;
	ok(get_value(h, CS1 CRASH, "CRASHDUMPENABLED", &v, &stored) && v.len == 4 &&
		   memcmp(v.data, DW2, 4) == 0,
	   "the hive holds CrashDumpEnabled = 2");
	is_str(stored, "CrashDumpEnabled", "the value keeps its stored spelling");
	regval_free(&v);
	free(stored);
	is_int(value_count(h, CS1 CRASH), 6, "no second CrashDumpEnabled was added");

	/* all-control-sets: every ControlSet00N, stored spellings ("services"). */
	r = new_rule(true);
	add_set(r, "CurrentControlSet\\Services\\msiscsi", "Start", REGT_DWORD, "0");
	is_int(apply(h, r, cl, &first), 0, "all-control-sets set msiscsi Start=0: succeeds");
	is_int(cl->n - first, 2, "all-control-sets: two changes");
	long i1 = find_change(cl, first, CS1 "\\Services\\msiscsi");
	long i2 = find_change(cl, first, CS2 "\\services\\msiscsi");
	ok(i1 >= 0, "all-control-sets: ControlSet001\\Services\\msiscsi recorded");
	if (!ok(i2 >= 0, "all-control-sets: ControlSet002 recorded with its stored \"services\""))
		for (size_t i = first; i < cl->n; i++)
			diag("  recorded: %s", cl->v[i].key);
	for (long i = 0; i < 2; i++) {
		long k = i ? i2 : i1;
		if (k < 0) {
			skip(3, "change not recorded");
			continue;
		}
		const struct change *c = &cl->v[k];
		is_int(c->kind, CH_VALUE_SET, "all-control-sets %ld: kind", i + 1);
		is_mem(c->old.data, c->old.len, DW3, 4, "all-control-sets %ld: old = 3", i + 1);
		is_mem(c->new.data, c->new.len, DW0, 4, "all-control-sets %ld: new = 0", i + 1);
	}

	/* A key named with another spelling than the stored one. */
	r = new_rule(false);
	add_set(r, "CONTROLSET002\\Services\\NDIS", "start", REGT_DWORD, "1");
	is_int(apply(h, r, cl, &first), 0, "set in ControlSet002\\Services\\NDIS: succeeds");
	is_int(cl->n - first, 1, "set in ControlSet002\\Services\\NDIS: one change");
	check_change(cl, first, CH_VALUE_SET, CS2 "\\services\\NDIS", "Start",
		     "set in CONTROLSET002\\Services\\NDIS records the stored path");

	/* delete-key: counts what went with it. */
	r = new_rule(false);
	add_op(r, OP_DELETE_KEY, "CurrentControlSet" FILTER, NULL);
	is_int(apply(h, r, cl, &first), 0, "delete-key BootTime\\Filter: succeeds");
	is_int(cl->n - first, 1, "delete-key BootTime\\Filter: one change");
	if (check_change(cl, first, CH_KEY_DELETED, CS1 FILTER, NULL, "delete-key Filter")) {
		const struct change *c = &cl->v[first];
		is_int(c->sub_values, 4, "delete-key Filter: 4 values went with it");
		is_int(c->sub_keys, 0, "delete-key Filter: no subkeys");
		ok(!c->has_old && !c->has_new, "delete-key Filter: no old/new value");
	}
	ok(!key_exists(h, CS1 FILTER), "Filter is gone from ControlSet001");
	ok(key_exists(h, CS1 "\\Services\\BFE\\Parameters\\Policy\\BootTime\\Provider"),
	   "its sibling Provider is still there");
	ok(key_exists(h, CS2 FILTER), "ControlSet002's Filter is still there");

	/* A subtree, given with a spelling other than the stored one. */
	r = new_rule(false);
	add_op(r, OP_DELETE_KEY, CS2 "\\Services\\BFE\\Parameters\\Policy\\BootTime", NULL);
	is_int(apply(h, r, cl, &first), 0, "delete-key ControlSet002 BootTime: succeeds");
	if (check_change(cl, first, CH_KEY_DELETED,
			 CS2 "\\services\\BFE\\Parameters\\Policy\\BootTime", NULL,
			 "delete-key ControlSet002 BootTime (stored spelling)")) {
		is_int(cl->v[first].sub_keys, 2, "delete-key BootTime: 2 subkeys (Filter, Provider)");
		is_int(cl->v[first].sub_values, 5, "delete-key BootTime: 5 values below it");
	}

	/* Absent keys: nothing to do, success. */
	r = new_rule(false);
	add_op(r, OP_DELETE_KEY, "CurrentControlSet" FILTER, NULL);
	add_op(r, OP_DELETE_KEY, "CurrentControlSet\\Services\\NoSuchService", NULL);
	add_op(r, OP_DELETE_KEY, "NoSuchKey\\Deeper\\Still", NULL);
	add_op(r, OP_DELETE_VALUE, "NoSuchKey", "x");
	add_op(r, OP_CLEAR_VALUES, "NoSuchKey\\Deeper", NULL);
	add_op(r, OP_DELETE_VALUE, "CurrentControlSet" CRASH, "NoSuchValue");
	{
		struct capture cap;
		int rc;
		capture_start(&cap);
		rc = apply(h, r, cl, &first);
		char *said = capture_end(&cap);
		is_int(rc, 0, "deleting absent keys and values succeeds");
		is_str(said, "", "deleting absent things says nothing (without -v)");
	}
	is_int(cl->n - first, 0, "deleting absent keys and values records nothing");

	/* delete-value records the old value and the stored name. */
	r = new_rule(false);
	add_op(r, OP_DELETE_VALUE, "CurrentControlSet" CRASH, "logevent");
	is_int(apply(h, r, cl, &first), 0, "delete-value LogEvent: succeeds");
	is_int(cl->n - first, 1, "delete-value LogEvent: one change");
	if (check_change(cl, first, CH_VALUE_DELETED, CS1 CRASH, "LogEvent", "delete-value")) {
		const struct change *c = &cl->v[first];
		ok(c->has_old && !c->has_new, "delete-value: old recorded, no new");
		is_int(c->old.type, REGT_DWORD, "delete-value: old type");
		is_mem(c->old.data, c->old.len, DW1, 4, "delete-value: old = 1");
	}
	ok(!get_value(h, CS1 CRASH, "LogEvent", &v, NULL), "LogEvent is gone");
	is_int(value_count(h, CS1 CRASH), 5, "the other 5 CrashControl values are kept");
	ok(get_value(h, CS1 CRASH, "Overwrite", &v, NULL) && v.len == 4 &&
		   memcmp(v.data, DW1, 4) == 0,
	   "Overwrite is unchanged");
	regval_free(&v);

	/* delete-values: every value, in stored order, subkeys kept. */
	r = new_rule(false);
	add_op(r, OP_CLEAR_VALUES, "CurrentControlSet\\Services\\Tcpip\\Parameters", NULL);
	is_int(apply(h, r, cl, &first), 0, "delete-values Tcpip\\Parameters: succeeds");
	is_int(cl->n - first, 5, "delete-values: five changes");
	{
		static const char *names[] = { "Hostname", "NV Hostname", "DataBasePath",
					       "EnableICMPRedirect", "SearchList" };
		for (size_t i = 0; i < 5; i++)
			check_change(cl, first + i, CH_VALUE_DELETED,
				     CS1 "\\Services\\Tcpip\\Parameters", names[i], "delete-values");
		if (cl->n - first == 5) {
			const struct change *c = &cl->v[first];
			is_int(c->old.type, REGT_SZ, "delete-values: Hostname was REG_SZ");
			is_mem(c->old.data, c->old.len, "M\0I\0N\0W\0I\0N\0P\0C\0\0\0", 18,
			       "delete-values: Hostname's old data");
			c = &cl->v[first + 3];
			is_mem(c->old.data, c->old.len, DW1, 4,
			       "delete-values: EnableICMPRedirect's old data");
			ok(!c->has_new, "delete-values: no new value");
		} else {
			skip(4, "wrong number of changes");
		}
	}
	is_int(value_count(h, CS1 "\\Services\\Tcpip\\Parameters"), 0, "no values left");
	ok(key_exists(h, CS1 "\\Services\\Tcpip\\Parameters"), "the key itself is kept");
	r = new_rule(false);
	add_op(r, OP_CLEAR_VALUES, "MountedDevices", NULL);
	is_int(apply(h, r, cl, &first), 0, "delete-values on a key without values: succeeds");
	is_int(cl->n - first, 0, "delete-values on a key without values: records nothing");

	/* create-key of a 3-deep new path: 3 additions, top down. */
	r = new_rule(false);
	add_op(r, OP_CREATE_KEY, "WimpatchTest\\Level2\\Level3", NULL);
	is_int(apply(h, r, cl, &first), 0, "create-key 3 deep: succeeds");
	is_int(cl->n - first, 3, "create-key 3 deep: three changes");
	check_change(cl, first, CH_KEY_ADDED, "WimpatchTest", NULL, "create-key 1/3");
	check_change(cl, first + 1, CH_KEY_ADDED, "WimpatchTest\\Level2", NULL, "create-key 2/3");
	check_change(cl, first + 2, CH_KEY_ADDED, "WimpatchTest\\Level2\\Level3", NULL,
		     "create-key 3/3");
	ok(key_exists(h, "WimpatchTest\\Level2\\Level3"), "the new key exists");
	r = new_rule(false);
	add_op(r, OP_CREATE_KEY, "wimpatchtest\\LEVEL2", NULL);
	add_op(r, OP_CREATE_KEY, "setup\\Child", NULL);
	is_int(apply(h, r, cl, &first), 0, "create-key of existing and half-existing keys");
	is_int(cl->n - first, 1, "only the missing key is recorded");
	check_change(cl, first, CH_KEY_ADDED, "Setup\\Child", NULL,
		     "create-key under an existing key uses its stored spelling");

	/* set-value under a missing key creates it; strings and the default value. */
	r = new_rule(false);
	add_set(r, "CurrentControlSet\\Control\\WimpatchNew", "Flag", REGT_SZ, "on");
	add_set(r, "CurrentControlSet\\Control\\WimpatchNew", "", REGT_EXPAND_SZ, "%SystemRoot%");
	is_int(apply(h, r, cl, &first), 0, "set-value under a missing key: succeeds");
	is_int(cl->n - first, 3, "set-value under a missing key: three changes");
	check_change(cl, first, CH_KEY_ADDED, CS1 "\\Control\\WimpatchNew", NULL,
		     "set-value under a missing key: key added first");
	if (check_change(cl, first + 1, CH_VALUE_SET, CS1 "\\Control\\WimpatchNew", "Flag",
			 "set-value under a missing key: value")) {
		const struct change *c = &cl->v[first + 1];
		ok(!c->has_old && c->has_new, "set-value of a new value: no old");
		is_int(c->new.type, REGT_SZ, "set-value of a new value: type");
		is_mem(c->new.data, c->new.len, "o\0n\0\0\0", 6, "set-value of a new value: data");
	}
	check_change(cl, first + 2, CH_VALUE_SET, CS1 "\\Control\\WimpatchNew", "",
		     "set-value of the default value");
	ok(get_value(h, CS1 "\\Control\\WimpatchNew", "Flag", &v, NULL) &&
		   v.type == REGT_SZ && v.len == 6 && memcmp(v.data, "o\0n\0\0\0", 6) == 0,
	   "the hive holds Flag = \"on\"");
	regval_free(&v);

	/* REG_MULTI_SZ: an empty list replaces PagingFiles. */
	r = new_rule(false);
	o = add_op(r, OP_SET_VALUE,
		   "CurrentControlSet\\Control\\Session Manager\\Memory Management",
		   "PagingFiles");
	if (!regval_from_text(&o->value, REGT_MULTI_SZ, NULL, NULL, 0, err, sizeof(err)))
		bail_out(err);
	is_int(apply(h, r, cl, &first), 0, "set PagingFiles to an empty list: succeeds");
	if (check_change(cl, first, CH_VALUE_SET,
			 CS1 "\\Control\\Session Manager\\Memory Management", "PagingFiles",
			 "set PagingFiles")) {
		const struct change *c = &cl->v[first];
		is_mem(c->old.data, c->old.len, "?\0:\0\\\0p\0a\0g\0e\0f\0i\0l\0e\0.\0s\0y\0s\0\0\0\0\0",
		       34, "set PagingFiles: old multi-sz data");
		is_int(c->old.type, REGT_MULTI_SZ, "set PagingFiles: old type");
		is_mem(c->new.data, c->new.len, "\0\0", 2, "set PagingFiles: new = empty list");
	}

	/* Set, then delete the key: only the deletion has the last word. */
	r = new_rule(false);
	add_set(r, "CurrentControlSet\\Control\\Temporary", "X", REGT_DWORD, "1");
	add_op(r, OP_DELETE_KEY, "CurrentControlSet\\Control\\Temporary", NULL);
	is_int(apply(h, r, cl, &first), 0, "set then delete a new key: succeeds");
	is_int(cl->n - first, 3, "set then delete: three changes");
	check_change(cl, first, CH_KEY_ADDED, CS1 "\\Control\\Temporary", NULL, "set then delete 1/3");
	check_change(cl, first + 1, CH_VALUE_SET, CS1 "\\Control\\Temporary", "X",
		     "set then delete 2/3");
	if (check_change(cl, first + 2, CH_KEY_DELETED, CS1 "\\Control\\Temporary", NULL,
			 "set then delete 3/3"))
		is_int(cl->v[first + 2].sub_values, 1, "set then delete: the deleted key had 1 value");
	if (cl->n - first == 3) {
		ok(change_superseded(cl, first), "the key addition is superseded by the deletion");
		ok(change_superseded(cl, first + 1), "the set is superseded by the deletion");
		ok(!change_superseded(cl, first + 2), "the deletion is not superseded");
	} else {
		skip(3, "wrong number of changes");
	}
	ok(!key_exists(h, CS1 "\\Control\\Temporary"), "Temporary is gone");

	/* The first CrashDumpEnabled change was set again later. */
	long c0 = find_change(cl, 0, CS1 CRASH);
	ok(c0 == 0 && change_superseded(cl, (size_t)c0),
	   "the first CrashDumpEnabled change is superseded by the lower-case one");
	ok(!change_superseded(cl, 1), "the lower-case CrashDumpEnabled change is not superseded");
}

/* Write, re-open, verify; then verify the untouched original. */
static void test_verify(struct hive *h, const struct changelist *cl)
{
	char *written = path_in(tmpdir, "SYSTEM-written");
	char *orig = path_in(getenv("FIXTURES"), "SYSTEM-installed");
	struct regval v;
	struct capture cap;
	char *said;
	int rc;

	if (!is_int(hive_commit(h, written), 0, "hive_commit to a new file"))
		diag("  %s", hive_error(h));
	struct hive *w = hive_open(written, 0, err, sizeof(err));
	if (!ok(w != NULL, "the written hive opens (not dirty)")) {
		diag("  %s", err);
		skip(9, "no written hive");
		goto out;
	}
	capture_start(&cap);
	rc = engine_verify(w, cl, "unit: written");
	said = capture_end(&cap);
	is_int(rc, 0, "engine_verify on the written hive: 0");
	is_str(said, "", "engine_verify on the written hive says nothing");
	ok(get_value(w, CS1 CRASH, "CrashDumpEnabled", &v, NULL) && v.len == 4 &&
		   memcmp(v.data, DW2, 4) == 0,
	   "the written hive holds CrashDumpEnabled = 2");
	regval_free(&v);
	ok(!key_exists(w, CS1 FILTER), "the written hive has no ControlSet001 Filter");
	ok(key_exists(w, "WimpatchTest\\Level2\\Level3"), "the written hive has the new keys");
	hive_close(w);

	struct hive *o = hive_open(orig, 0, err, sizeof(err));
	if (!ok(o != NULL, "the original fixture opens")) {
		skip(4, "no original");
		goto out;
	}
	capture_start(&cap);
	rc = engine_verify(o, cl, "unit: original");
	said = capture_end(&cap);
	is_int(rc, -1, "engine_verify on the unmodified original: -1");
	ok(strstr(said, "CrashDumpEnabled") != NULL, "it names the value that differs");
	ok(strstr(said, "BootTime\\Filter") != NULL, "it names the key that still exists");
	ok(strstr(said, "WimpatchTest") != NULL, "it names the key that is missing");
	hive_close(o);
out:
	free(written);
	free(orig);
}

/* changelist_copy: a deep copy, equal field by field, that verifies the
 * written hive as the original list does (images sharing a hive get a
 * copy of the first one's changes). */
static bool same_change(const struct change *a, const struct change *b)
{
	bool same = a->kind == b->kind && strcmp(a->key, b->key) == 0 && a->key != b->key &&
		    (a->name ? b->name && strcmp(a->name, b->name) == 0 : !b->name) &&
		    a->has_old == b->has_old && a->has_new == b->has_new &&
		    (!a->has_old || regval_equal(&a->old, &b->old)) &&
		    (!a->has_new || regval_equal(&a->new, &b->new)) &&
		    a->sub_keys == b->sub_keys && a->sub_values == b->sub_values &&
		    a->n_snapshot == b->n_snapshot &&
		    (a->note ? b->note && strcmp(a->note, b->note) == 0 : !b->note);
	for (size_t i = 0; same && i < a->n_snapshot; i++) {
		const struct key_snapshot *x = &a->snapshot[i], *y = &b->snapshot[i];
		same = x != y && strcmp(x->path, y->path) == 0 && x->n_values == y->n_values;
		for (size_t j = 0; same && j < x->n_values; j++)
			same = strcmp(x->values[j].name, y->values[j].name) == 0 &&
			       regval_equal(&x->values[j].val, &y->values[j].val);
	}
	return same;
}

static void test_copy(const struct changelist *cl)
{
	struct changelist c = { 0 };
	size_t snaps = 0, same = 0;

	ok(changelist_copy(&c, cl), "changelist_copy succeeds");
	is_int(c.n, cl->n, "the copy has as many changes");
	for (size_t i = 0; i < cl->n && i < c.n; i++) {
		snaps += cl->v[i].n_snapshot;
		same += same_change(&cl->v[i], &c.v[i]);
	}
	ok(snaps > 0, "the list copied has a deleted key's snapshot");
	is_int(same, cl->n, "every change copied equals its original (deep: other pointers)");
	char *written = path_in(tmpdir, "SYSTEM-written");
	struct hive *w = hive_open(written, 0, err, sizeof(err));
	if (ok(w != NULL, "the written hive opens again")) {
		struct capture cap;
		capture_start(&cap);
		int rc = engine_verify(w, &c, "unit: copy");
		const char *said = capture_end(&cap);
		is_int(rc, 0, "the copy verifies the written hive");
		is_str(said, "", "and says nothing");
		hive_close(w);
	} else {
		skip(1, "no written hive");
	}
	free(written);
	changelist_free(&c);
}

static void test_noselect(void)
{
	struct changelist cl = { 0 };
	struct hive *h = open_copy("SYSTEM-noselect", "SYSTEM-noselect", HIVE_WRITABLE);
	struct rule *r;
	struct capture cap;
	size_t first;
	int rc;

	r = new_rule(false);
	add_set(r, "CurrentControlSet\\Control\\CrashControl", "CrashDumpEnabled", REGT_DWORD, "0");
	capture_start(&cap);
	rc = apply(h, r, &cl, &first);
	char *said = capture_end(&cap);
	is_int(rc, -1, "CurrentControlSet without a Select key: engine_apply fails");
	ok(strstr(said, "Select") != NULL, "the error mentions Select");
	ok(strstr(said, "error") != NULL, "it is reported as an error");
	ok(strstr(said, "unit: SYSTEM") != NULL, "it names the hive");
	if (!strstr(said, "Select"))
		diag("  stderr was: '%s'", said);
	is_int(cl.n, 0, "nothing recorded");

	/* all-control-sets does not need Select. */
	r = new_rule(true);
	add_set(r, "CurrentControlSet\\Control\\CrashControl", "CrashDumpEnabled", REGT_DWORD, "0");
	is_int(apply(h, r, &cl, &first), 0, "all-control-sets without a Select key: succeeds");
	is_int(cl.n, 1, "all-control-sets without a Select key: the one control set");
	check_change(&cl, 0, CH_VALUE_SET, CS1 CRASH, "CrashDumpEnabled",
		     "all-control-sets without a Select key");
	changelist_free(&cl);
	hive_close(h);
}

static void test_pe(void)
{
	struct changelist cl = { 0 };
	struct hive *h = open_copy("SYSTEM-pe", "SYSTEM-pe", HIVE_WRITABLE);
	struct rule *r = new_rule(true);
	size_t first;

	add_op(r, OP_DELETE_KEY, "CurrentControlSet" FILTER, NULL);
	is_int(apply(h, r, &cl, &first), 0, "SYSTEM-pe all-control-sets delete-key: succeeds");
	is_int(cl.n, 1, "SYSTEM-pe has one control set");
	if (check_change(&cl, 0, CH_KEY_DELETED, CS1 FILTER, NULL, "SYSTEM-pe delete Filter"))
		is_int(cl.v[0].sub_values, 3, "SYSTEM-pe's Filter had 3 values");
	changelist_free(&cl);
	hive_close(h);
}

/* change_superseded_all gives change_superseded's answer for every change. */
static void same_as_pairwise(const struct changelist *cl, const char *what)
{
	bool *all = change_superseded_all(cl);
	size_t bad = 0;

	if (!all)
		bail_out("change_superseded_all: out of memory");
	for (size_t i = 0; i < cl->n; i++)
		if (all[i] != change_superseded(cl, i)) {
			if (bad++ < 5)
				diag("change %zu (%s %s %s): all says %d", i, change_kind_name(cl->v[i].kind),
				     cl->v[i].key, cl->v[i].name ? cl->v[i].name : "", all[i]);
		}
	free(all);
	ok(bad == 0, "change_superseded_all agrees with change_superseded on %s", what);
}

/* A pseudo-random list (fixed seed) over a few nested keys and names in
 * both cases: every rule of change_superseded gets exercised. */
static void test_superseded_random(void)
{
	static const char *const keys[] = { "A", "a\\B", "A\\b\\C", "A\\BC", "b", "B\\x", "\\A" };
	static const char *const names[] = { "v", "V", "w", "" };
	struct changelist cl = { 0 };
	struct regval one;
	unsigned seed = 12345;

	if (!regval_from_text(&one, REGT_DWORD, "1", NULL, 0, err, sizeof(err)))
		bail_out(err);
	for (int i = 0; i < 400; i++) {
		seed = seed * 1103515245u + 12345u;
		unsigned r = seed >> 8;
		/* Key deletions rarer than the rest: each supersedes much. */
		unsigned k16 = r % 16;
		enum change_kind kind = k16 == 0 ? CH_KEY_DELETED : k16 < 4 ? CH_KEY_ADDED
					: k16 < 12 ? CH_VALUE_SET : CH_VALUE_DELETED;
		const char *key = keys[(r / 16) % (sizeof(keys) / sizeof(keys[0]))];
		const char *name = names[(r / 128) % (sizeof(names) / sizeof(names[0]))];
		bool value = kind == CH_VALUE_SET || kind == CH_VALUE_DELETED;
		if (!changelist_add(&cl, kind, key, value ? name : NULL, NULL,
				    kind == CH_VALUE_SET ? &one : NULL))
			bail_out("changelist_add failed");
	}
	same_as_pairwise(&cl, "400 pseudo-random changes");
	size_t n_sup = 0;
	for (size_t i = 0; i < cl.n; i++)
		n_sup += change_superseded(&cl, i);
	ok(n_sup > 20 && n_sup < 390, "and both answers are common among them (%zu superseded)", n_sup);
	changelist_free(&cl);
	bool *none = change_superseded_all(&cl);
	ok(none != NULL, "change_superseded_all on an empty list");
	free(none);
	regval_free(&one);
}

/* change_superseded on hand-made lists. */
static void test_superseded(void)
{
	struct changelist cl = { 0 };
	struct regval one, two;

	if (!regval_from_text(&one, REGT_DWORD, "1", NULL, 0, err, sizeof(err)) ||
	    !regval_from_text(&two, REGT_DWORD, "2", NULL, 0, err, sizeof(err)))
		bail_out(err);
	changelist_add(&cl, CH_VALUE_SET, "A\\B", "v", NULL, &one);	/* 0 */
	changelist_add(&cl, CH_VALUE_SET, "A\\BC", "v", NULL, &one);	/* 1 */
	changelist_add(&cl, CH_VALUE_SET, "A\\B", "w", NULL, &one);	/* 2 */
	changelist_add(&cl, CH_VALUE_SET, "a\\b", "V", &one, &two);	/* 3 */
	changelist_add(&cl, CH_KEY_ADDED, "X", NULL, NULL, NULL);	/* 4 */
	changelist_add(&cl, CH_VALUE_SET, "X", "v", NULL, &one);	/* 5 */
	changelist_add(&cl, CH_KEY_DELETED, "Y", NULL, NULL, NULL);	/* 6 */
	changelist_add(&cl, CH_KEY_ADDED, "Y", NULL, NULL, NULL);	/* 7 */
	changelist_add(&cl, CH_VALUE_DELETED, "A\\BC", "v", &one, NULL); /* 8 */
	changelist_add(&cl, CH_KEY_DELETED, "Z\\Sub", NULL, NULL, NULL); /* 9 */
	changelist_add(&cl, CH_KEY_DELETED, "z", NULL, NULL, NULL);	/* 10 */
	if (!ok(cl.n == 11, "11 changes recorded by hand"))
		bail_out("changelist_add failed");
	ok(cl.v[3].has_old && cl.v[3].has_new && !cl.v[0].has_old, "has_old/has_new follow the arguments");
	is_mem(cl.v[3].new.data, cl.v[3].new.len, "\x02\0\0\0", 4, "changelist_add copies the value");
	ok(cl.v[3].new.data != two.data, "... into its own buffer");

	ok(change_superseded(&cl, 0), "a value set again (other case) is superseded");
	ok(change_superseded(&cl, 1), "a value deleted later is superseded");
	ok(!change_superseded(&cl, 2), "another value of the same key is not");
	ok(!change_superseded(&cl, 3), "the last set of a value is not");
	ok(!change_superseded(&cl, 4), "a key addition with a value written into it is not");
	ok(!change_superseded(&cl, 5), "a value in an added key is not");
	ok(change_superseded(&cl, 6), "a deleted key re-created later is superseded");
	ok(!change_superseded(&cl, 7), "the re-creation is not");
	ok(!change_superseded(&cl, 8), "the last delete of A\\BC is not (A\\B is a different key)");
	ok(change_superseded(&cl, 9), "a subkey deletion followed by its parent's is superseded");
	ok(!change_superseded(&cl, 10), "the last change is never superseded");
	same_as_pairwise(&cl, "the hand-made list");
	changelist_free(&cl);
	ok(cl.n == 0 && cl.v == NULL, "changelist_free empties the list");
	regval_free(&one);
	regval_free(&two);
}

/* The file name Windows writes into a base block, read without hivex. */
static void test_header_file_name(void)
{
	unsigned char b[512] = "regf";
	const char *path = "\\SystemRoot\\System32\\Config\\SYSTEM";
	char out[40];
	size_t n = strlen(path);

	hive_header_file_name(b, sizeof(b), out, sizeof(out));
	is_str(out, "", "no name in the base block: empty");
	/* Windows keeps the last 31 characters. */
	for (size_t i = 0; i < 31; i++)
		b[0x30 + 2 * i] = (unsigned char)path[n - 31 + i];
	hive_header_file_name(b, sizeof(b), out, sizeof(out));
	is_str(out, path + n - 31, "the last 31 characters of the path");
	b[0x31] = 0x04;	/* a Cyrillic letter */
	hive_header_file_name(b, sizeof(b), out, sizeof(out));
	ok(out[0] == '?', "a character outside ASCII is shown as '?'");
	for (size_t i = 0; i < 32; i++) {	/* no NUL: it stops at the field's end */
		b[0x30 + 2 * i] = 'A';
		b[0x31 + 2 * i] = 0;
	}
	hive_header_file_name(b, sizeof(b), out, sizeof(out));
	is_int((int)strlen(out), 32, "a field without a NUL ends with the field");
	hive_header_file_name(b, 0x34, out, sizeof(out));
	is_int((int)strlen(out), 2, "a short header is read only as far as it goes");
	hive_header_file_name(b, sizeof(b), out, 4);
	is_str(out, "AAA", "the output is cut to its size");
}

int main(void)
{
	const char *fx = getenv("FIXTURES");

	if (!fx || !*fx) {
		printf("1..0 # SKIP FIXTURES not set\n");
		return 0;
	}
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/unit-engine.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir))
		bail_out("cannot create a temporary directory");

	struct changelist cl = { 0 };
	struct hive *h = open_copy("SYSTEM-installed", "SYSTEM-installed", HIVE_WRITABLE);
	test_installed(h, &cl);
	test_verify(h, &cl);
	test_copy(&cl);
	hive_close(h);
	changelist_free(&cl);

	test_header_file_name();
	test_noselect();
	test_pe();
	test_superseded();
	test_superseded_random();

	for (size_t i = 0; i < n_plans; i++)
		plan_free(&plans[i]);

	static const char *files[] = { "SYSTEM-installed", "SYSTEM-written", "SYSTEM-noselect",
				       "SYSTEM-pe" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *p = path_in(tmpdir, files[i]);
		unlink(p);
		free(p);
	}
	if (rmdir(tmpdir) < 0)
		diag("cannot remove %s: %s", tmpdir, strerror(errno));
	return done_testing();
}

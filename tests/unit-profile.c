/*
 * unit-profile.c - profile loading: shipped profiles, includes, and every
 * class of bad profile, including hostile XML.
 *
 * Environment: srcdir (else top_srcdir, else ".") locates profiles/ and
 * tests/profiles/; WIMPATCH_SCHEMA overrides
 * $srcdir/profiles/wimpatch-profile.rng.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/msg.h"
#include "util/nearest.h"
#include "core/plan.h"
#include "profiles/profile.h"
#include "core/regval.h"
#include "tap.h"

static char schema[PATH_MAX];
static char shipped_dir[PATH_MAX];	/* $srcdir/profiles */
static char tests_dir[PATH_MAX];	/* $srcdir/tests/profiles */
static char tmp_dir[PATH_MAX];		/* generated inputs */

/* Profile names resolve in the shipped profiles only, unless a test says. */
static const char *default_dirs[1];
static struct profile_path pp;

/* ------------------------------------------------------------------ */
/* stderr capture: error messages are part of what is tested.          */

static int saved_stderr = -1;
static FILE *capture_file;

static void capture_start(void)
{
	fflush(stderr);
	capture_file = tmpfile();
	saved_stderr = dup(2);
	if (!capture_file || saved_stderr < 0 || dup2(fileno(capture_file), 2) < 0)
		bail_out("cannot capture stderr");
}

/* Returns what was written to stderr since capture_start (malloc'd). */
static char *capture_end(void)
{
	long len;
	char *buf;

	fflush(stderr);
	if (dup2(saved_stderr, 2) < 0)
		bail_out("cannot restore stderr");
	close(saved_stderr);
	len = ftell(capture_file);
	buf = malloc(len > 0 ? (size_t)len + 1 : 1);
	if (!buf)
		bail_out("out of memory");
	rewind(capture_file);
	if (len > 0 && fread(buf, 1, (size_t)len, capture_file) != (size_t)len)
		bail_out("cannot read captured stderr");
	buf[len > 0 ? len : 0] = '\0';
	fclose(capture_file);
	return buf;
}

/* Every line libxml2 might print itself would not start like ours. */
static bool only_our_messages(const char *err)
{
	for (const char *line = err; *line;) {
		const char *nl = strchr(line, '\n');

		if (strncmp(line, "wimpatch: ", 10) != 0)
			return false;
		if (!nl)
			break;
		line = nl + 1;
	}
	return true;
}

static int load_captured(struct plan *p, const char *spec,
			 const struct profile_path *path, char **err)
{
	int rc;

	capture_start();
	rc = profile_load(p, spec, path);
	*err = capture_end();
	return rc;
}

static const char *in_dir(const char *dir, const char *file)
{
	static char buf[16][PATH_MAX];
	static int next;
	char *b = buf[next++ % 16];

	if (snprintf(b, PATH_MAX, "%s/%s", dir, file) >= PATH_MAX)
		bail_out("path too long");
	return b;
}

#define T(file) in_dir(tests_dir, file)
#define S(file) in_dir(shipped_dir, file)

/* ------------------------------------------------------------------ */
/* Error checks                                                        */

/*
 * Load `file`, which must fail: nothing may reach the plan, and the
 * message must name the file, the line (0: none) and say `needle`.
 */
static void expect_error(const char *file, int line, const char *needle)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	char where[PATH_MAX + 32];
	struct plan p;
	char *err;
	int rc;
	bool good = true;

	plan_init(&p);
	rc = load_captured(&p, file, &pp, &err);
	if (line > 0)
		snprintf(where, sizeof(where), "%s:%d: ", file, line);
	else
		snprintf(where, sizeof(where), "%s: ", file);
	good &= ok(rc == -1, "%s: refused", base);
	good &= ok(p.n_rules == 0 && p.n_profiles == 0 && !media_plan_any(&p.media),
		   "%s: plan untouched", base);
	good &= ok(strstr(err, where) != NULL, "%s: message at %s:%d", base, base, line);
	good &= ok(strstr(err, needle) != NULL, "%s: message says '%s'", base, needle);
	good &= ok(only_our_messages(err), "%s: nothing but wimpatch messages", base);
	if (!good)
		diag("stderr was:\n%s", err);
	free(err);
	plan_free(&p);
}

/* ------------------------------------------------------------------ */
/* Shipped profiles                                                    */

static const struct op *only_op(const struct plan *p, size_t rule)
{
	if (rule >= p->n_rules || p->rules[rule].n_ops == 0)
		return NULL;
	return &p->rules[rule].ops[0];
}

/* The line of `file` that first contains `needle` (0: none), so the
 * shipped profiles' descriptions can change without breaking the tests. */
static int line_of(const char *file, const char *needle)
{
	char buf[1024];
	int line = 0;
	FILE *f = fopen(file, "r");

	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f)) {
		line++;
		if (strstr(buf, needle)) {
			fclose(f);
			return line;
		}
	}
	fclose(f);
	return 0;
}

static bool ends_trimmed(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && !strchr(" \t\r\n", s[0]) && !strchr(" \t\r\n", s[n - 1]);
}

static void test_disable_crashdump(void)
{
	static const unsigned char zero4[4] = { 0, 0, 0, 0 };
	struct plan p;
	char *err;
	const struct op *op;
	const struct rule *r;

	plan_init(&p);
	is_int(load_captured(&p, "disable-crashdump", &pp, &err), 0,
	       "disable-crashdump loads by name");
	is_str(err, "", "disable-crashdump: no messages");
	free(err);
	is_int(p.n_profiles, 1, "disable-crashdump: one profile");
	if (p.n_profiles == 1) {
		is_str(p.profiles[0].name, "disable-crashdump", "profile name");
		is_str(p.profiles[0].file, S("disable-crashdump.xml"), "profile file");
		ok(ends_trimmed(p.profiles[0].description), "description trimmed");
		ok(p.profiles[0].description &&
		   strncmp(p.profiles[0].description, "Disable crash dumps", 19) == 0,
		   "description starts with a one-line summary");
		ok(p.profiles[0].description &&
		   strstr(p.profiles[0].description, "0xD1") &&
		   strstr(p.profiles[0].description, "KfdReadAndApplyBoottimePolicy") &&
		   strstr(p.profiles[0].description, "NdisReleaseRWLock"),
		   "description explains the crash");
	}
	is_int(p.n_rules, 1, "disable-crashdump: one rule");
	if (p.n_rules != 1) {
		plan_free(&p);
		return;
	}
	r = &p.rules[0];
	is_str(r->profile, "disable-crashdump", "rule profile");
	is_str(r->src_file, S("disable-crashdump.xml"), "rule src_file");
	is_int(r->src_line, line_of(S("disable-crashdump.xml"), "<rule "), "rule src_line");
	is_str(r->id, "crashdump-off", "rule id");
	is_int(r->role, ROLE_ANY, "role any");
	ok(r->images.all && r->images.n_indices == 0 && !r->images.name_glob,
	   "all images");
	is_str(r->hive, DEFAULT_HIVE, "SYSTEM hive");
	ok(!r->all_control_sets, "current control set only");
	is_int(r->n_ops, 1, "one op");
	op = only_op(&p, 0);
	if (op) {
		is_int(op->kind, OP_SET_VALUE, "set-value");
		is_str(op->key, "CurrentControlSet\\Control\\CrashControl", "key");
		is_str(op->name, "CrashDumpEnabled", "value name");
		is_int(op->value.type, REGT_DWORD, "REG_DWORD");
		is_mem(op->value.data, op->value.len, zero4, 4, "DWORD 0 is 00 00 00 00");
		is_str(op->src_file, S("disable-crashdump.xml"), "op src_file");
		/* libxml2 gives the line where the start tag ends. */
		is_int(op->src_line, line_of(S("disable-crashdump.xml"), "value=\"0\"/>"),
		       "op src_line");
	}
	plan_free(&p);
}

static void test_remove_bfe(void)
{
	static const char *const keys[] = {
		"CurrentControlSet\\Services\\BFE\\Parameters\\Policy\\BootTime\\Filter",
		"CurrentControlSet\\Services\\BFE\\Parameters\\Boot\\Filter",
	};
	struct plan p;
	char *err;

	plan_init(&p);
	is_int(load_captured(&p, S("remove-bfe-boottime-filters.xml"), &pp, &err), 0,
	       "remove-bfe-boottime-filters loads by path");
	free(err);
	is_int(p.n_rules, 1, "remove-bfe: one rule");
	if (p.n_rules == 1) {
		const struct rule *r = &p.rules[0];

		is_int(r->role, ROLE_ANY, "remove-bfe: role any");
		is_str(r->hive, DEFAULT_HIVE, "remove-bfe: SYSTEM hive");
		ok(!r->all_control_sets, "remove-bfe: current control set only");
		is_int(r->n_ops, 2, "remove-bfe: two ops");
		for (size_t i = 0; i < 2 && i < r->n_ops; i++) {
			is_int(r->ops[i].kind, OP_DELETE_KEY, "op %zu deletes a key", i + 1);
			is_str(r->ops[i].key, keys[i], "op %zu key", i + 1);
			ok(!r->ops[i].name, "op %zu: no value name", i + 1);
		}
	}
	plan_free(&p);
}

static void test_disable_pagefile(void)
{
	struct plan p;
	struct regval empty;
	char err_buf[256];
	char *err;
	const struct op *op;

	plan_init(&p);
	is_int(load_captured(&p, "disable-pagefile", &pp, &err), 0,
	       "disable-pagefile loads");
	free(err);
	ok(p.n_profiles == 1 && p.profiles[0].description &&
	   strstr(p.profiles[0].description, "image-based deployment") &&
	   strstr(p.profiles[0].description, "never helps ISO setup") &&
	   strstr(p.profiles[0].description, "setup.exe"),
	   "description limits it to image-based deployment");
	is_int(p.n_rules, 1, "disable-pagefile: one rule");
	op = only_op(&p, 0);
	if (!op) {
		plan_free(&p);
		return;
	}
	is_int(p.rules[0].role, ROLE_INSTALLED, "disable-pagefile: installed system only");
	is_int(op->kind, OP_SET_VALUE, "set-value");
	is_str(op->key, "CurrentControlSet\\Control\\Session Manager\\Memory Management",
	       "Memory Management key");
	is_str(op->name, "PagingFiles", "PagingFiles");
	is_int(op->value.type, REGT_MULTI_SZ, "REG_MULTI_SZ");
	ok(regval_from_text(&empty, REGT_MULTI_SZ, NULL, NULL, 0, err_buf, sizeof(err_buf)),
	   "regval encodes an empty list");
	is_mem(op->value.data, op->value.len, empty.data, empty.len,
	       "empty list bytes as regval_from_text makes them");
	regval_free(&empty);
	plan_free(&p);
}

static void test_iscsi_boot(void)
{
	static const char *const names[] = {
		"iscsi-boot", "disable-crashdump", "remove-bfe-boottime-filters"
	};
	struct plan p;
	char *err;

	plan_init(&p);
	is_int(load_captured(&p, "iscsi-boot", &pp, &err), 0, "iscsi-boot loads");
	free(err);
	is_int(p.n_profiles, 3, "iscsi-boot: itself and two includes");
	for (size_t i = 0; i < 3 && i < p.n_profiles; i++)
		is_str(p.profiles[i].name, names[i], "profile %zu", i + 1);
	is_int(p.n_rules, 2, "iscsi-boot: two rules");
	if (p.n_rules == 2) {
		is_str(p.rules[0].profile, "disable-crashdump", "crash dump rule first");
		is_str(p.rules[1].profile, "remove-bfe-boottime-filters", "BFE rule second");
		is_str(p.rules[0].ops[0].name, "CrashDumpEnabled", "first op");
		is_int(p.rules[1].ops[0].kind, OP_DELETE_KEY, "second rule deletes");
	}
	plan_free(&p);
}

/* Loading the same file twice, by name or path, or through an include,
 * adds it once. */
static void test_repeats(void)
{
	struct plan p;
	char *err;

	plan_init(&p);
	is_int(load_captured(&p, "disable-crashdump", &pp, &err), 0, "-p by name");
	free(err);
	is_int(load_captured(&p, S("disable-crashdump.xml"), &pp, &err), 0,
	       "-p by path after -p by name");
	free(err);
	ok(p.n_rules == 1 && p.n_profiles == 1, "same file not loaded twice");
	is_int(load_captured(&p, "iscsi-boot", &pp, &err), 0,
	       "iscsi-boot after disable-crashdump");
	free(err);
	is_int(p.n_rules, 2, "iscsi-boot adds only the BFE rule");
	is_int(p.n_profiles, 3, "three profiles in all");
	if (p.n_rules == 2)
		is_str(p.rules[1].profile, "remove-bfe-boottime-filters",
		       "the BFE rule follows");

	/* A failed load leaves what is there alone. */
	is_int(load_captured(&p, T("bad-include-bad.xml"), &pp, &err), -1,
	       "bad include fails");
	free(err);
	ok(p.n_rules == 2 && p.n_profiles == 3,
	   "plan unchanged although the bad profile's first rule was fine");
	plan_free(&p);
}

/* ------------------------------------------------------------------ */
/* Test profiles                                                       */

static void test_all_ops(void)
{
	static const unsigned char sz[] = { 'h', 0, 0xe9, 0, 'l', 0, 'l', 0, 'o', 0, 0, 0 };
	static const unsigned char multi[] = { 'a', 0, 0, 0, 'b', 0, 'c', 0, 0, 0, 0, 0 };
	static const unsigned char qword[] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	static const unsigned char dword[] = { 0xff, 0xff, 0xff, 0xff };
	static const unsigned char bin[] = { 0xde, 0xad, 0xbe, 0xef };
	static const enum op_kind kinds[] = {
		OP_CREATE_KEY, OP_SET_VALUE, OP_SET_VALUE, OP_SET_VALUE, OP_SET_VALUE,
		OP_SET_VALUE, OP_SET_VALUE, OP_DELETE_VALUE, OP_DELETE_KEY, OP_CLEAR_VALUES,
	};
	struct plan p;
	char *err;
	const struct rule *r;

	plan_init(&p);
	is_int(load_captured(&p, T("good-all-ops.xml"), &pp, &err), 0,
	       "good-all-ops loads");
	is_str(err, "", "good-all-ops: no messages");
	free(err);
	is_int(p.n_profiles, 1, "one profile");
	if (p.n_profiles == 1) {
		is_str(p.profiles[0].name, "good-all-ops", "name defaults to the file name");
		ok(p.profiles[0].description == NULL, "no description: NULL");
	}
	is_int(p.n_rules, 3, "three rules");
	if (p.n_rules != 3) {
		plan_free(&p);
		return;
	}
	r = &p.rules[0];
	is_str(r->profile, "good-all-ops", "rule profile is the default name");
	is_str(r->id, "every-op", "id");
	is_int(r->src_line, 4, "rule line");
	is_int(r->role, ROLE_SETUP, "role setup");
	ok(!r->images.all && r->images.n_indices == 3 && r->images.indices[0] == 1 &&
	   r->images.indices[1] == 3 && r->images.indices[2] == 4 && !r->images.name_glob,
	   "images \"1, 3 4\" is 1 3 4");
	is_str(r->hive, "Windows/System32/config/SOFTWARE", "bare hive name completed");
	ok(r->all_control_sets, "all-control-sets");
	is_int(r->n_ops, 10, "ten ops");
	for (size_t i = 0; i < 10 && i < r->n_ops; i++) {
		is_int(r->ops[i].kind, kinds[i], "op %zu kind", i + 1);
		is_int(r->ops[i].src_line, (int)i + 5, "op %zu line", i + 1);
	}
	if (r->n_ops == 10) {
		const struct op *o = r->ops;

		is_str(o[0].key, "Wimpatch\\Test", "leading backslash stripped");
		is_str(o[1].name, "", "name=\"\" is the default value");
		is_int(o[1].value.type, REGT_SZ, "REG_SZ");
		is_mem(o[1].value.data, o[1].value.len, sz, sizeof(sz), "REG_SZ UTF-16LE + NUL");
		is_int(o[2].value.type, REGT_EXPAND_SZ, "REG_EXPAND_SZ");
		is_int(o[3].value.type, REGT_MULTI_SZ, "REG_MULTI_SZ");
		is_mem(o[3].value.data, o[3].value.len, multi, sizeof(multi), "MULTI_SZ a, bc");
		is_mem(o[4].value.data, o[4].value.len, qword, sizeof(qword), "QWORD 0x0102...");
		is_mem(o[5].value.data, o[5].value.len, dword, sizeof(dword), "DWORD max");
		is_mem(o[6].value.data, o[6].value.len, bin, sizeof(bin), "BINARY de ad be ef");
		is_str(o[7].name, "Old", "delete-value name");
		is_str(o[8].key, "Wimpatch\\Gone", "delete-key key");
		is_str(o[9].key, "Wimpatch\\Empty", "delete-values key");
	}
	r = &p.rules[1];
	ok(!r->images.all && r->images.n_indices == 0, "image-name: no index list");
	is_str(r->images.name_glob, "Windows 10 *", "image-name glob");
	is_str(r->hive, "Windows/System32/config/DEFAULT", "hive path kept");
	is_int(r->role, ROLE_ANY, "role defaults to any");
	ok(!r->id, "no id: NULL");
	r = &p.rules[2];
	ok(r->images.all && r->images.n_indices == 0, "images=\"all\"");
	ok(!r->all_control_sets, "all-control-sets defaults to false");
	plan_free(&p);
}

static void test_includes(void)
{
	static const char *const diamond_rules[] = { "base", "left", "top", "right" };
	static const char *const diamond_profiles[] = {
		"diamond-top", "diamond-left", "diamond-base", "diamond-right"
	};
	static const char *const by_name_rules[] = { "before", "crashdump-off", "after" };
	struct plan p;
	char *err;

	plan_init(&p);
	is_int(load_captured(&p, T("diamond-top.xml"), &pp, &err), 0, "diamond loads");
	free(err);
	is_int(p.n_rules, 4, "diamond: base rule once");
	for (size_t i = 0; i < 4 && i < p.n_rules; i++)
		is_str(p.rules[i].id, diamond_rules[i], "diamond rule %zu in include order", i + 1);
	if (p.n_rules == 4)
		is_str(p.rules[3].src_file, T("diamond-right.xml"),
		       "include \"./x.xml\" is relative to the including file");
	is_int(p.n_profiles, 4, "diamond: base profile once");
	for (size_t i = 0; i < 4 && i < p.n_profiles; i++)
		is_str(p.profiles[i].name, diamond_profiles[i], "diamond profile %zu", i + 1);
	plan_free(&p);

	plan_init(&p);
	is_int(load_captured(&p, T("include-by-name.xml"), &pp, &err), 0,
	       "include by name from the profile dirs");
	free(err);
	is_int(p.n_rules, 3, "include-by-name: three rules");
	for (size_t i = 0; i < 3 && i < p.n_rules; i++)
		is_str(p.rules[i].id, by_name_rules[i], "rule %zu where the include stands", i + 1);
	plan_free(&p);
}

static void test_search_path(void)
{
	const char *ab[] = { T("order-a"), T("order-b") };
	const char *ba[] = { T("order-b"), T("order-a") };
	const char *missing[] = { "/nonexistent/wimpatch-profiles", shipped_dir };
	struct profile_path path = pp;
	struct plan p;
	char *err;

	path.dirs = ab;
	path.n_dirs = 2;
	plan_init(&p);
	load_captured(&p, "order", &path, &err);
	free(err);
	ok(p.n_profiles == 1 && strcmp(p.profiles[0].name, "order-from-a") == 0,
	   "first directory wins");
	plan_free(&p);
	path.dirs = ba;
	load_captured(&p, "order", &path, &err);
	free(err);
	ok(p.n_profiles == 1 && strcmp(p.profiles[0].name, "order-from-b") == 0,
	   "search order follows the dirs");
	plan_free(&p);

	path.dirs = missing;
	is_int(load_captured(&p, "no-such-profile", &path, &err), -1,
	       "unknown profile name fails");
	ok(strstr(err, "'no-such-profile' not found") != NULL, "message names the profile");
	ok(strstr(err, "/nonexistent/wimpatch-profiles") && strstr(err, shipped_dir),
	   "message lists the dirs searched");
	ok(p.n_rules == 0 && p.n_profiles == 0, "nothing loaded");
	if (!strstr(err, shipped_dir))
		diag("stderr was:\n%s", err);
	free(err);
	plan_free(&p);
}

/* ------------------------------------------------------------------ */
/* Hostile input                                                       */

static bool plan_mentions(const struct plan *p, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < p->n_rules; i++) {
		for (size_t j = 0; j < p->rules[i].n_ops; j++) {
			const struct regval *v = &p->rules[i].ops[j].value;

			/* as UTF-8 and as UTF-16LE */
			for (size_t k = 0; k + n <= v->len; k++)
				if (memcmp(v->data + k, s, n) == 0)
					return true;
			for (size_t k = 0; k + 2 * n <= v->len; k++) {
				size_t m = 0;

				while (m < n && v->data[k + 2 * m] == (unsigned char)s[m] &&
				       v->data[k + 2 * m + 1] == 0)
					m++;
				if (m == n)
					return true;
			}
		}
	}
	return false;
}

static void test_xxe(void)
{
	struct plan p;
	char *err;

	expect_error(T("bad-xxe.xml"), 2,
		     "DOCTYPE/entity declarations are not allowed in profiles");

	/* Into a plan that has rules already: nothing of /etc/passwd may
	 * appear anywhere, messages included. */
	plan_init(&p);
	load_captured(&p, "disable-crashdump", &pp, &err);
	free(err);
	is_int(load_captured(&p, T("bad-xxe.xml"), &pp, &err), -1, "XXE refused");
	ok(!plan_mentions(&p, "root:") && !plan_mentions(&p, "/bin/"),
	   "no rule holds /etc/passwd content");
	ok(!strstr(err, "root:"), "no /etc/passwd content in messages");
	is_int(p.n_rules, 1, "plan keeps its one rule");
	free(err);
	plan_free(&p);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_billion_laughs(void)
{
	double t0 = now();

	expect_error(T("bad-billion-laughs.xml"), 2,
		     "DOCTYPE/entity declarations are not allowed in profiles");
	ok(now() - t0 < 2.0, "entity bomb refused fast (%.3f s)", now() - t0);
}

/* Write a generated input into tmp_dir; returns its path. */
static const char *write_tmp(const char *name, const char *head, const char *unit,
			     size_t times, const char *unit2, size_t times2,
			     const char *tail)
{
	const char *file = in_dir(tmp_dir, name);
	FILE *f = fopen(file, "w");

	if (!f)
		bail_out("cannot write a temporary file");
	fputs(head, f);
	for (size_t i = 0; i < times; i++)
		fputs(unit, f);
	for (size_t i = 0; i < times2; i++)
		fputs(unit2, f);
	fputs(tail, f);
	if (fclose(f) != 0)
		bail_out("cannot write a temporary file");
	return file;
}

/* The typo hints: one message per typo, the names taken from the schema. */
static void test_name_hints(void)
{
	static const char *const ops[] = { "create-key", "set-value", "delete-key" };
	struct profile_path pp2 = pp;
	char text[16384], *err, *p;
	const char *rng, *many;
	struct plan plan;
	size_t len, lines = 0;
	FILE *f;

	is_int((int)nearest_distance("set-valu", "set-value"), 1, "distance: one deletion");
	is_int((int)nearest_distance("prot", "port"), 1, "distance: a swap is one edit");
	is_int((int)nearest_distance("Debug", "debug"), 0, "distance: case ignored");
	is_int((int)nearest_distance("kitten", "sitting"), 3, "distance: kitten/sitting");
	ok(nearest_distance("x", "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy")
	   == SIZE_MAX, "distance: over-long names are never near");
	ok(nearest_name("rename-key", ops, 3) == NULL, "rename-key is not a typo of create-key");
	is_str(nearest_name("delete-kye", ops, 3), "delete-key", "delete-kye: delete-key");

	plan_init(&plan);
	load_captured(&plan, T("bad-typo-attr.xml"), &pp, &err);
	ok(strstr(err, "needs a name attribute") == NULL && strchr(err, '\n') == strrchr(err, '\n'),
	   "a misspelt attribute gives one message, no follow-ups");
	if (strchr(err, '\n') != strrchr(err, '\n'))
		diag("stderr was:\n%s", err);
	free(err);

	/* A schema with one more type: the list follows it. */
	f = fopen(schema, "r");
	if (!f)
		bail_out("cannot read the schema");
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	p = strstr(text, "<value>REG_BINARY</value>");
	if (!p || len + 32 >= sizeof(text))
		bail_out("the schema has no REG_BINARY value");
	p += strlen("<value>REG_BINARY</value>");
	rng = write_tmp("more-types.rng", "", "", 0, "", 0, "");
	f = fopen(rng, "w");
	if (!f || fprintf(f, "%.*s<value>REG_NONE</value>%s", (int)(p - text), text, p) < 0 ||
	    fclose(f) != 0)
		bail_out("cannot write a schema");
	pp2.schema = rng;
	load_captured(&plan, T("bad-type-far.xml"), &pp2, &err);
	ok(strstr(err, "(valid: REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ, REG_DWORD, REG_QWORD, "
		   "REG_BINARY, REG_NONE)") != NULL, "the valid types are the schema's");
	free(err);

	/* 30 typos: 20 messages and a count, not an endless list. */
	many = write_tmp("many.xml", "<?xml version=\"1.0\"?>\n<profile version=\"1\">\n<rule>\n",
			 "<set-valu/>\n", 30, "", 0, "</rule>\n</profile>\n");
	load_captured(&plan, many, &pp, &err);
	for (p = err; (p = strchr(p, '\n')); p++)
		lines++;
	is_int((int)lines, 21, "30 typos: 20 messages and a summary");
	ok(strstr(err, "10 more unknown names not shown") != NULL, "the summary counts the rest");
	free(err);
	ok(plan.n_rules == 0, "nothing loaded");
	unlink(rng);
	unlink(many);
	plan_free(&plan);
}

/* <image-file> and <editions>: into the plan's image ops, checked. */
static void test_image_ops(void)
{
	static const char head[] = "<?xml version=\"1.0\"?>\n<profile version=\"1\">\n";
	struct plan p;
	char *err;
	const char *good = write_tmp("img.xml", head,
		"<image-file role=\"installed\" images=\"1 3\" path=\"\\Windows\\Panther\\u.xml\" "
		"from=\"sub/u.xml\"/>\n<editions keep-name=\"Windows 10 Pro*\"/>\n"
		"<editions drop=\"2\"/>\n", 1, "", 0, "</profile>\n");

	plan_init(&p);
	ok(load_captured(&p, good, &pp, &err) == 0, "image ops: loaded");
	free(err);
	if (ok(p.img.n_files == 1, "one <image-file>")) {
		const struct image_file_op *f = &p.img.files[0];
		is_str(f->path, "Windows/Panther/u.xml", "path: no leading slash, slashes");
		is_str(f->from, in_dir(tmp_dir, "sub/u.xml"), "from: beside the profile");
		ok(f->role == ROLE_INSTALLED && f->images.n_indices == 2 && f->images.indices[1] == 3,
		   "role and images as a rule's");
		ok(f->src_line == 3, "its line");
	}
	if (ok(p.img.n_editions == 2, "two <editions>")) {
		ok(p.img.editions[0].keep && p.img.editions[0].sel.name_glob &&
		   strcmp(p.img.editions[0].sel.name_glob, "Windows 10 Pro*") == 0, "keep-name");
		ok(!p.img.editions[1].keep && p.img.editions[1].sel.n_indices == 1 &&
		   p.img.editions[1].sel.indices[0] == 2, "drop by index");
	}
	plan_free(&p);
	unlink(good);

	static const struct {
		const char *name, *body, *needle;
	} bad[] = {
		{ "img-root.xml", "<image-file path=\"x.xml\" from=\"a\"/>\n", "directly in the image root" },
		{ "img-dots.xml", "<image-file path=\"Windows/../x\" from=\"a\"/>\n", "'..' component" },
		{ "img-empty.xml", "<image-file path=\"Windows//x\" from=\"a\"/>\n", "empty" },
		{ "img-both.xml", "<image-file images=\"1\" image-name=\"x\" path=\"W/x\" from=\"a\"/>\n",
		  "image-file" },
		{ "ed-all.xml", "<editions drop=\"all\"/>\n", "would drop every image" },
		{ "ed-two.xml", "<editions keep=\"1\" drop=\"2\"/>\n", "editions" },
		{ "ed-bad.xml", "<editions keep=\"one\"/>\n", "is not an image index" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *f = write_tmp(bad[i].name, head, bad[i].body, 1, "", 0, "</profile>\n");
		expect_error(f, 3, bad[i].needle);
		unlink(f);
	}
}

static void test_limits(void)
{
	static const char head[] = "<?xml version=\"1.0\"?>\n<profile version=\"1\">\n";
	const char *deep, *big;
	double t0;

	/* 100000 nested elements (700 KB): libxml2's depth limit, no crash. */
	deep = write_tmp("deep.xml", head, "<a>", 100000, "</a>", 100000, "\n</profile>\n");
	t0 = now();
	expect_error(deep, 3, "depth");
	ok(now() - t0 < 2.0, "deep nesting refused fast");

	big = write_tmp("big.xml", "<?xml version=\"1.0\"?>\n<profile version=\"1\">\n"
			"<rule id=\"", "x", 2 * 1024 * 1024, "", 0,
			"\"><create-key key=\"A\"/></rule>\n</profile>\n");
	expect_error(big, 0, "too large");
	unlink(deep);
	unlink(big);

	expect_error("/dev/null", 0, "not a regular file");
}

static void test_bad_profiles(void)
{
	static const struct {
		const char *file;
		int line;
		const char *needle;
	} cases[] = {
		{ "bad-not-xml.xml", 1, "Start tag expected" },
		{ "bad-root.xml", 2, "unknown element <profiles> as the root element; did you mean <profile>?" },
		{ "bad-no-version.xml", 2, "<profile> needs a version attribute" },
		{ "bad-version.xml", 2, "version '2' is not supported" },
		{ "bad-unknown-element.xml", 5, "unknown element <rename-key> in <rule> (allowed there: "
		  "<create-key>, <set-value>, <delete-value>, <delete-key>, <delete-values>, <import-reg>)" },
		{ "bad-typo-element.xml", 4, "unknown element <set-valu> in <rule>; did you mean <set-value>?" },
		{ "bad-typo-case.xml", 4, "unknown element <Debug> in <bcd>; did you mean <debug>?" },
		{ "bad-misplaced.xml", 5, "element <string> does not belong in <rule> (allowed there: <create-key>" },
		{ "bad-unknown-attr.xml", 3, "unknown attribute colour= on <rule> (valid: id=, role=, "
		  "images=, image-name=, hive=, all-control-sets=)" },
		{ "bad-typo-attr.xml", 5, "unknown attribute namee= on <set-value>; did you mean name=?" },
		{ "bad-typo-bcd-attr.xml", 4, "unknown attribute prot= on <dbgsettings>; did you mean port=?" },
		{ "bad-role.xml", 3, "role=\"boot\" on <rule> is not valid (valid: setup, installed, any)" },
		{ "bad-type.xml", 4, "type=\"REG_DWORDX\" on <set-value> is not valid; did you mean REG_DWORD? "
		  "(valid: REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ, REG_DWORD, REG_QWORD, REG_BINARY)" },
		{ "bad-type-far.xml", 4, "type=\"DWORD\" on <set-value> is not valid (valid: REG_SZ, "
		  "REG_EXPAND_SZ, REG_MULTI_SZ, REG_DWORD, REG_QWORD, REG_BINARY)" },
		{ "bad-dword-range.xml", 5, "'4294967296' is out of range" },
		{ "bad-dword-negative.xml", 4, "'-1' is not an unsigned integer" },
		{ "bad-binary-odd.xml", 4, "odd number of hex digits" },
		{ "bad-binary-hex.xml", 4, "not a hex digit" },
		{ "bad-multi-value.xml", 4, "<string> children, not a value attribute" },
		{ "bad-multi-empty-string.xml", 4, "empty string" },
		{ "bad-missing-value.xml", 4, "needs a value attribute" },
		{ "bad-string-on-dword.xml", 4, "<string> items are for REG_MULTI_SZ only" },
		{ "bad-missing-name.xml", 4, "<delete-value> needs a name attribute" },
		{ "bad-hklm-key.xml", 4, "keys are relative to the hive root, e.g. CurrentControlSet\\Control\\" },
		{ "bad-hkey-key.xml", 4, "keys are relative to the hive root" },
		{ "bad-empty-component.xml", 4, "empty component" },
		{ "bad-trailing-backslash.xml", 4, "ends in a backslash" },
		{ "bad-root-key.xml", 4, "empty key" },
		{ "bad-hive-dotdot.xml", 3, "'..'" },
		{ "bad-images-and-name.xml", 3, "Invalid attribute image-name" },
		{ "bad-images-zero.xml", 3, "'0' is not an image index" },
		{ "bad-images-x.xml", 3, "'x' is not an image index" },
		{ "bad-empty-rule.xml", 3, "<rule> holds no operation" },
		{ "bad-include-unknown.xml", 3, "included profile 'no-such-profile' not found in: " },
		{ "bad-include-missing-file.xml", 3, "no-such-file.xml: No such file" },
		{ "bad-undefined-entity.xml", 4, "Entity 'undefined' not defined" },
		{ "bad-external-dtd.xml", 2, "DOCTYPE/entity declarations are not allowed in profiles" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(T(cases[i].file), cases[i].line, cases[i].needle);
}

/* Errors inside an included file are reported there. */
static void test_include_errors(void)
{
	char want[3 * PATH_MAX];
	struct plan p;
	char *err;

	plan_init(&p);
	is_int(load_captured(&p, T("bad-include-bad.xml"), &pp, &err), -1,
	       "include of a bad profile fails");
	ok(strstr(err, T("bad-role.xml:3: ")) != NULL, "error reported in the included file");
	ok(p.n_rules == 0 && p.n_profiles == 0, "nothing loaded");
	free(err);

	/* a -> b -> a: reported at b's include, with the chain. */
	snprintf(want, sizeof(want), "%s:4: include cycle: %s -> ", T("cycle-b.xml"),
		 T("cycle-a.xml"));
	is_int(load_captured(&p, T("cycle-a.xml"), &pp, &err), -1, "include cycle fails");
	ok(strstr(err, want) != NULL, "cycle reported at cycle-b.xml:4");
	snprintf(want, sizeof(want), "%s -> %s -> %s", T("cycle-a.xml"),
		 T("cycle-b.xml"), T("cycle-a.xml"));
	ok(strstr(err, want) != NULL, "cycle message names the chain");
	if (!strstr(err, want))
		diag("stderr was:\n%s", err);
	ok(p.n_rules == 0 && p.n_profiles == 0, "nothing loaded");
	free(err);
	plan_free(&p);
}

static void test_validate(void)
{
	static const char *const shipped[] = {
		"disable-crashdump.xml", "remove-bfe-boottime-filters.xml",
		"iscsi-boot.xml", "disable-pagefile.xml",
	};
	char cmd[3 * PATH_MAX];
	bool have_xmllint = system("command -v xmllint >/dev/null 2>&1") == 0;
	char *err;
	int rc;

	for (size_t i = 0; i < 4; i++) {
		capture_start();
		rc = profile_validate_file(S(shipped[i]), &pp);
		err = capture_end();
		is_int(rc, 0, "%s validates", shipped[i]);
		is_str(err, "", "%s: no messages", shipped[i]);
		free(err);
		if (!have_xmllint) {
			skip(1, "xmllint not installed");
			continue;
		}
		snprintf(cmd, sizeof(cmd),
			 "xmllint --noout --relaxng '%s' '%s' >/dev/null 2>&1",
			 schema, S(shipped[i]));
		is_int(system(cmd), 0, "%s validates with xmllint", shipped[i]);
	}
	capture_start();
	rc = profile_validate_file(T("bad-role.xml"), &pp);
	err = capture_end();
	is_int(rc, -1, "validate: bad profile fails");
	ok(strstr(err, T("bad-role.xml:3: ")) != NULL, "validate: reports file:line");
	free(err);

	/* The entity loader refuses everything, even a schema's own include
	 * of a file that exists. */
	{
		struct profile_path inc = pp;
		char real[PATH_MAX];
		const char *rng;
		FILE *f;

		if (!realpath(schema, real))
			bail_out("cannot resolve the schema path");
		rng = in_dir(tmp_dir, "include.rng");
		f = fopen(rng, "w");
		if (!f)
			bail_out("cannot write a temporary file");
		fprintf(f, "<grammar xmlns=\"http://relaxng.org/ns/structure/1.0\">"
			"<include href=\"%s\"/></grammar>\n", real);
		fclose(f);
		inc.schema = rng;
		capture_start();
		rc = profile_validate_file(S("disable-crashdump.xml"), &inc);
		err = capture_end();
		is_int(rc, -1, "schema including another file: load refused");
		ok(strstr(err, real) != NULL && only_our_messages(err),
		   "refused load reported through wimpatch messages");
		if (!strstr(err, real))
			diag("stderr was:\n%s", err);
		free(err);
		unlink(rng);
	}

	{
		struct profile_path nop = pp;

		nop.schema = "/nonexistent/wimpatch-profile.rng";
		capture_start();
		rc = profile_validate_file(S("disable-crashdump.xml"), &nop);
		err = capture_end();
		is_int(rc, -1, "missing schema fails");
		ok(strstr(err, "/nonexistent/wimpatch-profile.rng") != NULL,
		   "missing schema named");
		free(err);
	}
}

/* ------------------------------------------------------------------ */
/* Medium files and boot (profile_media.c)                             */

static const char *put_tmp(const char *name, const char *text)
{
	const char *path = in_dir(tmp_dir, name);
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		bail_out("cannot write a test profile");
	return path;
}

/* A profile of one medium element, in tmp_dir. */
static const char *media_profile(const char *name, const char *body)
{
	char text[2048];

	snprintf(text, sizeof(text), "<?xml version=\"1.0\"?>\n<profile version=\"1\">\n%s\n"
		 "</profile>\n", body);
	return put_tmp(name, text);
}

static void test_media(void)
{
	struct plan p;
	char *err;

	put_tmp("m-src.txt", "x");
	put_tmp("m-bad.xml", "<a>");
	put_tmp("m-good.xml", "<?xml version=\"1.0\"?><unattend/>");
	const char *sub = in_dir(tmp_dir, "m-dir");
	if (mkdir(sub, 0700) < 0 && errno != EEXIST)
		bail_out("cannot make a test directory");
	const char *f = media_profile("m-ok.xml",
				      "<file path=\"a\\b//c.txt\" from=\"m-src.txt\"/>\n"
				      "<file path=\"$WinPEDriver$/\" from-dir=\"m-dir\"/>\n"
				      "<file path=\"Autounattend.xml\" from=\"m-good.xml\" check=\"xml\"/>\n"
				      "<remove-file path=\"support/x.txt\"/>\n"
				      "<boot efi=\"noprompt\" bios=\"noprompt\"/>");
	plan_init(&p);
	ok(load_captured(&p, f, &pp, &err) == 0, "medium elements load");
	is_int((int)p.media.n_ops, 5, "five medium operations (bios=noprompt is a removal)");
	if (p.media.n_ops == 5) {
		const struct media_op *o = p.media.ops;
		ok(o[0].kind == MOP_PUT_FILE && strcmp(o[0].path, "a/b/c.txt") == 0,
		   "backslashes and doubled slashes become one '/'");
		is_str(o[0].from, in_dir(tmp_dir, "m-src.txt"), "from= is relative to the profile");
		ok(o[0].src_line == 3, "the op keeps its line");
		ok(o[1].kind == MOP_PUT_DIR && strcmp(o[1].path, "$WinPEDriver$") == 0,
		   "from-dir: a directory, '$' kept (not a ${parameter})");
		ok(o[3].kind == MOP_REMOVE && strcmp(o[3].path, "support/x.txt") == 0, "remove-file");
		ok(o[4].kind == MOP_REMOVE && strcmp(o[4].path, "boot/bootfix.bin") == 0,
		   "bios=noprompt removes boot/bootfix.bin");
	}
	ok(p.media.efi_noprompt && p.media.boot_src_line == 7, "efi=noprompt, with its line");
	free(err);
	plan_free(&p);

	expect_error(media_profile("m-up.xml", "<file path=\"a/../../x\" from=\"m-src.txt\"/>"), 3,
		     "has a '..' component");
	expect_error(media_profile("m-abs.xml", "<remove-file path=\"/etc/passwd\"/>"), 3,
		     "is absolute");
	expect_error(media_profile("m-drive.xml", "<remove-file path=\"C:\\boot.ini\"/>"), 3,
		     "is absolute");
	expect_error(media_profile("m-dot.xml", "<remove-file path=\"./x\"/>"), 3,
		     "has a '.' component");
	expect_error(media_profile("m-none.xml", "<file path=\"x\" from=\"m-absent\"/>"), 3,
		     "No such file or directory");
	expect_error(media_profile("m-notdir.xml", "<file path=\"x\" from-dir=\"m-src.txt\"/>"), 3,
		     "not a directory");
	expect_error(media_profile("m-isdir.xml", "<file path=\"x\" from=\"m-dir\"/>"), 3,
		     "not a regular file (a directory)");
	expect_error(media_profile("m-xml.xml", "<file path=\"x\" from=\"m-bad.xml\" check=\"xml\"/>"),
		     3, "not well-formed XML");
	expect_error(media_profile("m-both.xml", "<file path=\"x\" from=\"a\" from-dir=\"b\"/>"), 3,
		     "Invalid attribute from-dir");
	rmdir(in_dir(tmp_dir, "m-dir"));
	const char *names[] = { "m-src.txt", "m-bad.xml", "m-good.xml", "m-ok.xml", "m-up.xml",
				"m-abs.xml", "m-drive.xml", "m-dot.xml", "m-none.xml", "m-notdir.xml",
				"m-isdir.xml", "m-xml.xml", "m-both.xml" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(in_dir(tmp_dir, names[i]));
}

int main(void)
{
	const char *srcdir = getenv("srcdir");
	const char *env_schema = getenv("WIMPATCH_SCHEMA");
	const char *tmp = getenv("TMPDIR");

	if (!srcdir || !*srcdir)
		srcdir = getenv("top_srcdir");
	if (!srcdir || !*srcdir)
		srcdir = ".";
	snprintf(shipped_dir, sizeof(shipped_dir), "%s/profiles", srcdir);
	snprintf(tests_dir, sizeof(tests_dir), "%s/tests/profiles", srcdir);
	if (env_schema && *env_schema)
		snprintf(schema, sizeof(schema), "%s", env_schema);
	else
		snprintf(schema, sizeof(schema), "%s/profiles/wimpatch-profile.rng", srcdir);
	snprintf(tmp_dir, sizeof(tmp_dir), "%s/unit-profile.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmp_dir))
		bail_out("cannot create a temporary directory");

	default_dirs[0] = shipped_dir;
	pp.dirs = default_dirs;
	pp.n_dirs = 1;
	pp.schema = schema;

	profile_init();
	test_disable_crashdump();
	test_remove_bfe();
	test_disable_pagefile();
	test_iscsi_boot();
	test_repeats();
	test_all_ops();
	test_includes();
	test_search_path();
	test_bad_profiles();
	test_name_hints();
	test_include_errors();
	test_xxe();
	test_billion_laughs();
	test_limits();
	test_image_ops();
	test_validate();
	test_media();
	profile_cleanup();

	rmdir(tmp_dir);
	return done_testing();
}

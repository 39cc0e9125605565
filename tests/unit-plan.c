/*
 * unit-plan.c - the plan (src/plan.c): hive path normalisation, which
 * images a rule selects, and building and freeing plans.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/plan.h"
#include "tap.h"

static void norm_ok(const char *in, const char *want)
{
	char err[256] = "";
	char *got = hive_path_normalise(in, err, sizeof(err));

	if (!is_str(got, want, "hive_path_normalise('%s')", in))
		diag("  reason: %s", err);
	free(got);
}

static void norm_bad(const char *in)
{
	char err[256] = "";
	char *got = hive_path_normalise(in, err, sizeof(err));

	if (!ok(got == NULL, "hive_path_normalise('%s') is refused", in))
		diag("  got '%s'", got);
	ok(err[0] != '\0', "hive_path_normalise('%s'): a reason is given ('%s')", in, err);
	free(got);
}

static void test_normalise(void)
{
	norm_ok("SYSTEM", "Windows/System32/config/SYSTEM");
	norm_ok("SOFTWARE", "Windows/System32/config/SOFTWARE");
	norm_ok("\\Windows\\System32\\config\\SOFTWARE", "Windows/System32/config/SOFTWARE");
	norm_ok("Windows\\System32\\config\\SOFTWARE", "Windows/System32/config/SOFTWARE");
	norm_ok("/Windows/System32/config/SYSTEM", "Windows/System32/config/SYSTEM");
	norm_ok("//\\Windows/System32\\config/SAM", "Windows/System32/config/SAM");
	norm_ok("/SYSTEM", "Windows/System32/config/SYSTEM");
	norm_ok("Users\\Default\\NTUSER.DAT", "Users/Default/NTUSER.DAT");
	norm_ok("a.b/..c/d..", "a.b/..c/d..");
	norm_ok(DEFAULT_HIVE, DEFAULT_HIVE);

	norm_bad("a/../b");
	norm_bad("a\\..\\b");
	norm_bad("..");
	norm_bad("a//b");
	norm_bad("a\\\\b");
	norm_bad("./x");
	norm_bad("a/./b");
	norm_bad("x/..");
	norm_bad("x/");
	norm_bad("x\\");
	norm_bad("");
	norm_bad("/");
	norm_bad("\\\\");
}

struct img {
	int index;
	const char *name;
	enum role role;
};

static const struct img setup1 = { 1, "Microsoft Windows PE (x64)", ROLE_SETUP };
static const struct img setup2 = { 2, "Microsoft Windows Setup (x64)", ROLE_SETUP };
static const struct img home = { 1, "Windows 10 Home", ROLE_INSTALLED };
static const struct img edu = { 2, "Windows 10 Education", ROLE_INSTALLED };
static const struct img pro = { 3, "Windows 10 Pro", ROLE_INSTALLED };
static const struct img w11 = { 4, "Windows 11 Pro", ROLE_INSTALLED };
static const struct img unknown1 = { 1, "Windows 10 Pro", ROLE_UNKNOWN };
static const struct img noname = { 3, NULL, ROLE_INSTALLED };

static void match(const struct rule *r, const char *rdesc, const struct img *i, bool want)
{
	bool got = rule_matches_image(r, i->index, i->name, i->role);
	ok(got == want, "rule %s %s image %d '%s' (%s)", rdesc, want ? "matches" : "does not match",
	   i->index, i->name ? i->name : "(null)", role_name(i->role));
}

static void test_matches(void)
{
	struct rule r;
	int idx13[] = { 1, 3 };

	memset(&r, 0, sizeof(r));
	r.role = ROLE_ANY;
	r.images.all = true;
	match(&r, "any/all", &setup1, true);
	match(&r, "any/all", &pro, true);
	match(&r, "any/all", &unknown1, true);
	match(&r, "any/all", &noname, true);

	r.images.all = false;	/* no selection at all: every image */
	match(&r, "any/(none)", &edu, true);
	match(&r, "any/(none)", &unknown1, true);

	r.role = ROLE_SETUP;
	match(&r, "setup", &setup1, true);
	match(&r, "setup", &setup2, true);
	match(&r, "setup", &pro, false);
	match(&r, "setup", &unknown1, false);

	r.role = ROLE_INSTALLED;
	match(&r, "installed", &setup2, false);
	match(&r, "installed", &home, true);
	match(&r, "installed", &pro, true);
	match(&r, "installed", &unknown1, false);

	r.role = ROLE_ANY;
	r.images.indices = idx13;
	r.images.n_indices = 2;
	match(&r, "any/images=1,3", &home, true);
	match(&r, "any/images=1,3", &edu, false);
	match(&r, "any/images=1,3", &pro, true);
	match(&r, "any/images=1,3", &w11, false);
	match(&r, "any/images=1,3", &setup1, true);
	match(&r, "any/images=1,3", &unknown1, true);

	r.role = ROLE_SETUP;
	match(&r, "setup/images=1,3", &setup1, true);
	match(&r, "setup/images=1,3", &setup2, false);
	match(&r, "setup/images=1,3", &home, false);

	r.role = ROLE_INSTALLED;
	r.images.n_indices = 1;	/* just 1 */
	match(&r, "installed/images=1", &home, true);
	match(&r, "installed/images=1", &pro, false);

	r.images.indices = NULL;
	r.images.n_indices = 0;
	r.images.name_glob = "Windows 10 *";
	match(&r, "installed/'Windows 10 *'", &home, true);
	match(&r, "installed/'Windows 10 *'", &pro, true);
	match(&r, "installed/'Windows 10 *'", &w11, false);
	match(&r, "installed/'Windows 10 *'", &noname, false);
	match(&r, "installed/'Windows 10 *'", &unknown1, false);
	match(&r, "installed/'Windows 10 *'", &setup2, false);
	r.role = ROLE_ANY;
	match(&r, "any/'Windows 10 *'", &unknown1, true);
	match(&r, "any/'Windows 10 *'", &setup1, false);
	r.images.name_glob = "*Setup*";
	match(&r, "any/'*Setup*'", &setup2, true);
	match(&r, "any/'*Setup*'", &setup1, false);
	r.images.name_glob = "Windows 10 Pro";
	match(&r, "any/'Windows 10 Pro'", &pro, true);
	match(&r, "any/'Windows 10 Pro'", &w11, false);
	r.images.name_glob = "Windows 1[01] Pro";
	match(&r, "any/'Windows 1[01] Pro'", &w11, true);
}

static void test_names(void)
{
	is_str(role_name(ROLE_ANY), "any", "role_name(ROLE_ANY)");
	is_str(role_name(ROLE_SETUP), "setup", "role_name(ROLE_SETUP)");
	is_str(role_name(ROLE_INSTALLED), "installed", "role_name(ROLE_INSTALLED)");
	is_str(role_name(ROLE_UNKNOWN), "unknown", "role_name(ROLE_UNKNOWN)");
	is_str(op_kind_name(OP_CREATE_KEY), "create-key", "op_kind_name(OP_CREATE_KEY)");
	is_str(op_kind_name(OP_SET_VALUE), "set-value", "op_kind_name(OP_SET_VALUE)");
	is_str(op_kind_name(OP_DELETE_VALUE), "delete-value", "op_kind_name(OP_DELETE_VALUE)");
	is_str(op_kind_name(OP_DELETE_KEY), "delete-key", "op_kind_name(OP_DELETE_KEY)");
	is_str(op_kind_name(OP_CLEAR_VALUES), "delete-values", "op_kind_name(OP_CLEAR_VALUES)");
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void test_build(void)
{
	struct plan p;
	char err[256];

	plan_init(&p);
	ok(p.rules == NULL && p.n_rules == 0 && p.profiles == NULL && p.n_profiles == 0,
	   "plan_init gives an empty plan");

	/* Enough rules and ops that the arrays get moved by realloc. */
	for (int i = 0; i < 40; i++) {
		struct rule *r = plan_add_rule(&p);
		if (!r)
			bail_out("plan_add_rule failed");
		if (i == 0 || i == 39) {
			ok(all_zero(r, sizeof(*r)), "rule %d is zeroed", i);
			is_int(p.n_rules, i + 1, "n_rules after adding rule %d", i);
			ok(r == &p.rules[p.n_rules - 1], "the returned rule is the last one");
		}
		r->profile = strdup("test");
		r->src_file = strdup("test.xml");
		r->src_line = i + 1;
		if (i % 3 == 0)
			r->id = strdup("an-id");
		r->role = (enum role)(i % 3);
		if (i % 2) {
			r->images.indices = malloc(2 * sizeof(int));
			r->images.indices[0] = 1;
			r->images.indices[1] = i;
			r->images.n_indices = 2;
		} else {
			r->images.name_glob = strdup("Windows *");
		}
		r->hive = hive_path_normalise("SYSTEM", err, sizeof(err));
		for (int j = 0; j < i % 7; j++) {
			struct op *o = rule_add_op(r);
			if (!o)
				bail_out("rule_add_op failed");
			if (i == 6 && j == 0)
				ok(all_zero(o, sizeof(*o)), "op is zeroed");
			o->kind = (enum op_kind)(j % 5);
			o->key = strdup("CurrentControlSet\\Control");
			o->src_file = strdup("test.xml");
			o->src_line = j;
			if (o->kind == OP_SET_VALUE) {
				o->name = strdup("Name");
				if (!regval_from_text(&o->value, REGT_SZ, "some text", NULL, 0, err,
						      sizeof(err)))
					bail_out(err);
			} else if (o->kind == OP_DELETE_VALUE) {
				o->name = strdup("");
			}
		}
	}
	is_int(p.n_rules, 40, "40 rules");
	is_int(p.rules[0].src_line, 1, "rule 0 kept its data across reallocs");
	is_int(p.rules[13].images.indices[1], 13, "rule 13 kept its image list");
	is_str(p.rules[12].images.name_glob, "Windows *", "rule 12 kept its glob");
	is_int(p.rules[6].n_ops, 6, "rule 6 has 6 ops");
	is_str(p.rules[6].ops[1].name, "Name", "rule 6 op 1 is the set-value");
	is_int(p.rules[6].ops[1].value.len, 20, "rule 6 op 1 value is 'some text' in UTF-16");
	is_str(p.rules[5].ops[4].key, "CurrentControlSet\\Control", "rule 5 op 4 kept its key");

	p.profiles = calloc(2, sizeof(*p.profiles));
	p.n_profiles = 2;
	p.profiles[0].name = strdup("a");
	p.profiles[0].file = strdup("a.xml");
	p.profiles[0].description = strdup("A");
	p.profiles[1].name = strdup("b");	/* the rest NULL */

	plan_free(&p);
	ok(p.rules == NULL && p.n_rules == 0 && p.profiles == NULL && p.n_profiles == 0,
	   "plan_free leaves an empty plan");
	plan_free(&p);	/* again: harmless */
	ok(p.n_rules == 0, "plan_free twice is harmless");

	/* A rule without any ops or strings. */
	struct rule *r = plan_add_rule(&p);
	ok(r != NULL && r->n_ops == 0 && r->ops == NULL, "bare rule");
	plan_free(&p);
}

/* The roots reports, undo files and .reg imports name each hive by. */
static void test_roots(void)
{
	static const struct {
		const char *hive, *root, *back;
	} cases[] = {
		{ "Windows/System32/config/SYSTEM", "HKEY_LOCAL_MACHINE\\SYSTEM", "SYSTEM" },
		{ "Windows/system32/config/software", "HKEY_LOCAL_MACHINE\\SOFTWARE", "SOFTWARE" },
		{ "Windows/System32/config/DEFAULT", "HKEY_USERS\\.DEFAULT", "DEFAULT" },
		{ "Users/Default/NTUSER.DAT", "HKEY_CURRENT_USER", "NTUSER.DAT" },
		{ "Users/Default/ntuser.dat", "HKEY_CURRENT_USER", "NTUSER.DAT" },
		{ "NTUSER", "HKEY_CURRENT_USER", "NTUSER.DAT" },
		{ "Users/Default/AppData/Local/Microsoft/Windows/UsrClass.dat",
		  "HKEY_CURRENT_USER\\Software\\Classes", "USRCLASS.DAT" },
		{ "Windows/System32/config/DRIVERS", "HKEY_LOCAL_MACHINE\\DRIVERS", "DRIVERS" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *r = reg_root_for(cases[i].hive);
		is_str(r, cases[i].root, "reg_root_for(%s)", cases[i].hive);
		is_str(r ? hive_name_for_root(r) : NULL, cases[i].back, "hive_name_for_root(%s)",
		       cases[i].root);
		free(r);
	}
}

/* <image-file> and <editions> ops move from one plan to another whole. */
static void test_image_plan(void)
{
	struct plan a, b;

	plan_init(&a);
	plan_init(&b);
	struct image_file_op *f = plan_add_image_file(&b);
	struct editions_op *e = plan_add_editions(&b);
	ok(f && e, "image ops appended");
	if (!f || !e)
		return;
	f->path = strdup("Windows/Panther/unattend.xml");
	e->keep = true;
	e->sel.name_glob = strdup("Windows 10 Pro*");
	ok(plan_has_image_ops(&b) && !plan_has_image_ops(&a), "plan_has_image_ops");
	ok(image_plan_take(&a.img, &b.img) == 0, "image_plan_take");
	ok(a.img.n_files == 1 && a.img.n_editions == 1 && b.img.n_files == 0 &&
	   b.img.n_editions == 0, "... moved them");
	is_str(a.img.files[0].path, "Windows/Panther/unattend.xml", "... the file op intact");
	ok(sel_matches_image(ROLE_ANY, &a.img.editions[0].sel, 3, "Windows 10 Pro", ROLE_INSTALLED),
	   "sel_matches_image: keep-name matches Windows 10 Pro");
	ok(!sel_matches_image(ROLE_ANY, &a.img.editions[0].sel, 1, "Windows 10 Home",
			      ROLE_INSTALLED), "sel_matches_image: not Windows 10 Home");
	ok(!sel_matches_image(ROLE_SETUP, &a.img.editions[0].sel, 3, "Windows 10 Pro",
			      ROLE_INSTALLED), "sel_matches_image: the role decides first");
	plan_free(&a);
	plan_free(&b);
	ok(a.img.files == NULL && a.img.n_files == 0, "plan_free frees image ops");
}

int main(void)
{
	test_normalise();
	test_roots();
	test_image_plan();
	test_matches();
	test_names();
	test_build();
	return done_testing();
}

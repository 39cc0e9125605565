/*
 * profile_load.c - profile_load() and profile_validate_file(): finding a
 * profile by name in the search path, following <include>s (each file
 * once, cycles refused) and turning each validated document into a
 * profile_info and its rules.
 *
 * Each file is checked against the schema first (profile_xml.c), then
 * semantically (values, key paths, image lists, hive paths).  Everything is
 * built into a scratch plan that is moved into the caller's plan only when
 * the whole profile and all its includes are good, so a failed load leaves
 * the plan untouched.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include "util/msg.h"
#include "util/strbuf.h"
#include "core/plan.h"
#include "profiles/profile.h"
#include "profiles/profile_int.h"

/* A profile spec names a file if it looks like one, else a profile name. */
static bool spec_is_path(const char *spec)
{
	size_t n = strlen(spec);

	return strchr(spec, '/') || (n >= 4 && strcmp(spec + n - 4, ".xml") == 0);
}

/* "dir1, dir2" for "not found" messages. */
static char *dir_list(const struct profile_path *path)
{
	size_t len = 1;
	char *s;

	if (path->n_dirs == 0)
		return strdup("(no profile directories configured)");
	for (size_t i = 0; i < path->n_dirs; i++)
		len += strlen(path->dirs[i]) + 2;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < path->n_dirs; i++) {
		if (i)
			strcat(s, ", ");
		strcat(s, path->dirs[i]);
	}
	return s;
}

/*
 * Find NAME.xml in the profile directories, first match wins.  Returns the
 * malloc'd path, or NULL with *oom false when it is nowhere.
 */
static char *find_profile(const char *name, const struct profile_path *path,
			  bool *oom)
{
	struct stat st;

	for (size_t i = 0; i < path->n_dirs; i++) {
		size_t len = strlen(path->dirs[i]) + strlen(name) + sizeof("/.xml");
		char *file = malloc(len);

		if (!file) {
			*oom = true;
			return NULL;
		}
		snprintf(file, len, "%s/%s.xml", path->dirs[i], name);
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
			msg_verbose("profile '%s' is %s", name, file);
			return file;
		}
		free(file);
	}
	return NULL;
}

/* The name a profile gets when it has no name attribute: its file name
 * without directory and ".xml". */
static char *default_name(const char *file)
{
	const char *base = strrchr(file, '/');
	size_t n;
	char *s;

	base = base ? base + 1 : file;
	n = strlen(base);
	if (n > 4 && strcmp(base + n - 4, ".xml") == 0)
		n -= 4;
	s = malloc(n + 1);
	if (!s)
		return NULL;
	memcpy(s, base, n);
	s[n] = '\0';
	return s;
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */

static int load_file(struct loader *L, const char *file, const char *from_file,
		     long from_line);

static bool remember_seen(struct loader *L, const char *real)
{
	char **ns = realloc(L->seen, (L->n_seen + 1) * sizeof(*ns));
	char *copy = strdup(real);

	if (ns)
		L->seen = ns;
	if (!ns || !copy) {
		free(copy);
		return false;
	}
	L->seen[L->n_seen++] = copy;
	return true;
}

static bool is_seen(const struct loader *L, const char *real)
{
	for (size_t i = 0; i < L->n_seen; i++)
		if (strcmp(L->seen[i], real) == 0)
			return true;
	return false;
}

static int loader_init(struct loader *L, const struct plan *plan,
		       const struct profile_path *path)
{
	memset(L, 0, sizeof(*L));
	L->path = path;
	plan_init(&L->scratch);
	/* Files loaded by earlier calls count as loaded: "-p a -p a" and
	 * two profiles including a third are harmless. */
	for (size_t i = 0; plan && i < plan->n_profiles; i++) {
		char *real = plan->profiles[i].file ?
			realpath(plan->profiles[i].file, NULL) : NULL;

		if (!real)
			continue;
		if (!remember_seen(L, real)) {
			free(real);
			msg_error("out of memory");
			return -1;
		}
		free(real);
	}
	return 0;
}

static void loader_free(struct loader *L)
{
	for (size_t i = 0; i < L->n_seen; i++)
		free(L->seen[i]);
	free(L->seen);
	for (size_t i = 0; i < L->n_chain; i++) {
		free(L->chain[i].real);
		free(L->chain[i].file);
	}
	free(L->chain);
	plan_free(&L->scratch);
}

/* Move the scratch plan's rules and profiles to the end of `plan`: all or
 * nothing. */
static int plan_take(struct plan *plan, struct plan *scratch)
{
	size_t base = plan->n_rules;

	for (size_t i = 0; i < scratch->n_rules; i++) {
		struct rule *r = plan_add_rule(plan);

		if (!r) {
			/* The copies still belong to scratch, which frees them. */
			plan->n_rules = base;
			msg_error("out of memory");
			return -1;
		}
		*r = scratch->rules[i];
	}
	if (media_plan_take(&plan->media, &scratch->media) < 0) {
		plan->n_rules = base;
		msg_error("out of memory");
		return -1;
	}
	if (scratch->n_bcd_rules > 0) {
		size_t n = plan->n_bcd_rules + scratch->n_bcd_rules;
		struct bcd_rule *nb = realloc(plan->bcd_rules, n * sizeof(*nb));

		if (!nb) {
			plan->n_rules = base;
			msg_error("out of memory");
			return -1;
		}
		memcpy(nb + plan->n_bcd_rules, scratch->bcd_rules,
		       scratch->n_bcd_rules * sizeof(*nb));
		plan->bcd_rules = nb;
		plan->n_bcd_rules = n;
		scratch->n_bcd_rules = 0;
	}
	if (scratch->n_profiles > 0) {
		size_t n = plan->n_profiles + scratch->n_profiles;
		struct profile_info *np = realloc(plan->profiles, n * sizeof(*np));

		if (!np) {
			plan->n_rules = base;
			msg_error("out of memory");
			return -1;
		}
		memcpy(np + plan->n_profiles, scratch->profiles,
		       scratch->n_profiles * sizeof(*np));
		plan->profiles = np;
		plan->n_profiles = n;
	}
	if (image_plan_take(&plan->img, &scratch->img) < 0) {
		plan->n_rules = base;
		msg_error("out of memory");
		return -1;
	}
	/* Ownership has moved: free only scratch's arrays. */
	scratch->n_rules = 0;
	scratch->n_profiles = 0;
	plan_free(scratch);
	return 0;
}

static struct profile_info *add_profile_info(struct plan *p)
{
	struct profile_info *np = realloc(p->profiles,
					  (p->n_profiles + 1) * sizeof(*np));

	if (!np)
		return NULL;
	p->profiles = np;
	memset(&np[p->n_profiles], 0, sizeof(*np));
	return &np[p->n_profiles++];
}

/* Report a semantic error in the current file. */
void doc_error(struct doc_ctx *d, xmlNodePtr n, const char *fmt, ...)
{
	char buf[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	err_at(d->file, doc_line(n), "%s", buf);
	d->errors++;
}

void doc_oom(struct doc_ctx *d)
{
	if (!d->L->oom)
		err_oom(d->file);
	d->L->oom = true;
	d->errors++;
}

struct plan *doc_plan(struct doc_ctx *d)
{
	return &d->L->scratch;
}

/* An include's profile is a path relative to the including file, or a name
 * looked up in the profile directories. */
static void parse_include(struct doc_ctx *d, xmlNodePtr n)
{
	bool oom = false;
	char *spec = doc_raw_attr(n, "profile", &oom);
	char *target = NULL;
	long line = doc_line(n);

	if (oom || !spec) {
		if (oom)
			doc_oom(d);
		else
			doc_error(d, n, "<include> needs a profile attribute");
		free(spec);
		return;
	}
	if (spec_is_path(spec)) {
		const char *rel = spec;
		const char *slash = strrchr(d->file, '/');

		/* "./x.xml" and "x.xml" name the same file: say it the short way. */
		while (rel[0] == '.' && rel[1] == '/')
			rel += 2;

		if (rel[0] == '/' || !slash) {
			target = strdup(rel);
		} else {
			/* dirname(file) + "/" + rel */
			size_t dl = (size_t)(slash - d->file) + 1;

			target = malloc(dl + strlen(rel) + 1);
			if (target) {
				memcpy(target, d->file, dl);
				strcpy(target + dl, rel);
			}
		}
		if (!target)
			oom = true;
	} else {
		target = find_profile(spec, d->L->path, &oom);
		if (!target && !oom) {
			char *dirs = dir_list(d->L->path);

			if (dirs)
				doc_error(d, n, "included profile '%s' not found in: %s",
					  spec, dirs);
			else
				oom = true;
			free(dirs);
		}
	}
	if (oom)
		doc_oom(d);
	else if (target && load_file(d->L, target, d->file, line) != 0)
		d->errors++;
	free(target);
	free(spec);
}

/* "hostip port key": the names of the parameters it declares. */
static char *param_names(const struct doc_ctx *d)
{
	struct strbuf b = STRBUF_INIT;

	for (size_t i = 0; i < d->n_params; i++)
		strbuf_addf(&b, "%s%s", i ? " " : "", d->params[i].name);
	return strbuf_finish(&b);
}

/* Turn a validated document into a profile_info and rules. */
static int process_doc(struct loader *L, const char *file, xmlDocPtr doc)
{
	xmlNodePtr root = doc_root(doc);
	struct doc_ctx d = { .L = L, .file = file };
	struct profile_info *info;
	size_t info_idx;
	bool oom = false;
	char *name = doc_raw_attr(root, "name", &oom);
	char *version = doc_raw_attr(root, "version", &oom);
	int rc = -1;

	if (oom)
		goto oom;
	/* The schema says this too; the check stays in case another schema
	 * file is configured. */
	if (!doc_is_element(root, "profile") || !version || strcmp(version, "1") != 0) {
		doc_error(&d, root, "not a version 1 wimpatch profile");
		goto out;
	}
	if (!name) {
		name = default_name(file);
		if (!name)
			goto oom;
	}
	d.name = name;
	msg_verbose("loading profile '%s' from %s", name, file);

	/* Profiles are listed in the order they start loading: the one asked
	 * for first, then its includes. */
	info = add_profile_info(&L->scratch);
	if (!info)
		goto oom;
	info_idx = L->scratch.n_profiles - 1;
	info->name = strdup(name);
	info->file = strdup(file);
	if (!info->name || !info->file)
		goto oom;
	/* Parameters first: rules anywhere in the file may refer to them. */
	for (xmlNodePtr c = root->children; c && !L->oom; c = c->next)
		if (c->type == XML_ELEMENT_NODE && doc_is_element(c, "param"))
			parse_param(&d, c);
	if (d.errors)
		goto out;
	for (xmlNodePtr c = root->children; c && !L->oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || doc_is_element(c, "param"))
			continue;
		if (doc_is_element(c, "bcd")) {
			parse_bcd(&d, c);
		} else if (doc_is_element(c, "description")) {
			/* By index: includes may have moved the profile list. */
			info = &L->scratch.profiles[info_idx];
			free(info->description);
			info->description = doc_trimmed_text(c);
			if (!info->description)
				goto oom;
		} else if (doc_is_element(c, "include")) {
			parse_include(&d, c);
		} else if (doc_is_element(c, "rule")) {
			parse_rule(&d, c);
		} else if (doc_is_element(c, "file")) {
			parse_media_file(&d, c);
		} else if (doc_is_element(c, "remove-file")) {
			parse_media_remove(&d, c);
		} else if (doc_is_element(c, "boot")) {
			parse_media_boot(&d, c);
		} else if (doc_is_element(c, "image-file")) {
			parse_image_file(&d, c);
		} else if (doc_is_element(c, "editions")) {
			parse_editions(&d, c);
		} else {
			doc_error(&d, c, "unknown element <%s>", (const char *)c->name);
		}
	}
	L->scratch.profiles[info_idx].params = d.param_summary;
	d.param_summary = NULL;
	if (d.n_params && !(L->scratch.profiles[info_idx].param_names = param_names(&d)))
		goto oom;
	rc = d.errors ? -1 : 0;
	goto out;
oom:
	doc_oom(&d);
out:
	free_params(&d);
	free(d.param_summary);
	free(name);
	free(version);
	return L->oom ? -1 : rc;
}

/* "a.xml -> b.xml -> a.xml" for the cycle that closes at chain[from]. */
static char *cycle_text(const struct loader *L, size_t from, const char *file)
{
	size_t len = strlen(file) + 1;
	char *s;

	for (size_t i = from; i < L->n_chain; i++)
		len += strlen(L->chain[i].file) + 4;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = from; i < L->n_chain; i++) {
		strcat(s, L->chain[i].file);
		strcat(s, " -> ");
	}
	strcat(s, file);
	return s;
}

static bool chain_push(struct loader *L, const char *real, const char *file)
{
	struct chain_link *nc = realloc(L->chain, (L->n_chain + 1) * sizeof(*nc));

	if (!nc)
		return false;
	L->chain = nc;
	nc[L->n_chain].real = strdup(real);
	nc[L->n_chain].file = strdup(file);
	if (!nc[L->n_chain].real || !nc[L->n_chain].file) {
		free(nc[L->n_chain].real);
		free(nc[L->n_chain].file);
		return false;
	}
	L->n_chain++;
	return true;
}

static void chain_pop(struct loader *L)
{
	L->n_chain--;
	free(L->chain[L->n_chain].real);
	free(L->chain[L->n_chain].file);
}

/*
 * Load one file and, through its includes, everything below it.  from_file
 * and from_line name the include that asked for it (NULL at the top), so
 * problems finding the file are reported where the include stands.
 */
static int load_file(struct loader *L, const char *file, const char *from_file,
		     long from_line)
{
	char *real = realpath(file, NULL);
	xmlDocPtr doc;
	int rc;

	if (!real) {
		if (from_file)
			err_at(from_file, from_line, "cannot load included profile %s: %s",
			       file, strerror(errno));
		else
			err_at(file, 0, "cannot load profile: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < L->n_chain; i++) {
		if (strcmp(L->chain[i].real, real) == 0) {
			char *cycle = cycle_text(L, i, file);

			err_at(from_file, from_line, "include cycle: %s",
			       cycle ? cycle : "(out of memory)");
			free(cycle);
			free(real);
			return -1;
		}
	}
	if (is_seen(L, real)) {
		if (from_file)
			msg_verbose("%s:%ld: %s is already loaded, not loading it again",
				    from_file, from_line, file);
		else
			msg_verbose("%s is already loaded, not loading it again", file);
		free(real);
		return 0;
	}
	if (!remember_seen(L, real) || !chain_push(L, real, file)) {
		free(real);
		err_oom(file);
		L->oom = true;
		return -1;
	}
	free(real);
	doc = load_valid_doc(file, L->path->schema);
	rc = doc ? process_doc(L, file, doc) : -1;
	doc_free(doc);
	chain_pop(L);
	return rc;
}

int profile_load(struct plan *plan, const char *spec,
		 const struct profile_path *path)
{
	struct loader L;
	char *file;
	bool oom = false;
	int rc = -1;

	profile_init();
	if (loader_init(&L, plan, path) != 0) {
		loader_free(&L);
		return -1;
	}
	if (spec_is_path(spec)) {
		file = strdup(spec);
		oom = !file;
	} else {
		file = find_profile(spec, path, &oom);
		if (!file && !oom) {
			char *dirs = dir_list(path);

			if (dirs)
				msg_error("profile '%s' not found (searched for %s.xml in: %s)",
					  spec, spec, dirs);
			oom = !dirs;
			free(dirs);
		}
	}
	if (oom)
		msg_error("out of memory");
	if (file && load_file(&L, file, NULL, 0) == 0)
		rc = plan_take(plan, &L.scratch);
	free(file);
	loader_free(&L);
	return rc;
}

int profile_validate_file(const char *file, const struct profile_path *path)
{
	struct loader L;
	int rc = -1;

	profile_init();
	if (loader_init(&L, NULL, path) == 0)
		rc = load_file(&L, file, NULL, 0);
	loader_free(&L);
	return rc;
}

/* Is a profile of this file name ("x.xml") already in the plan? */
static bool name_loaded(const struct plan *plan, const char *file)
{
	size_t len = strlen(file) - 4;

	for (size_t i = 0; i < plan->n_profiles; i++) {
		const char *f = strrchr(plan->profiles[i].file, '/');

		f = f ? f + 1 : plan->profiles[i].file;
		if (strncmp(f, file, len) == 0 && strcmp(f + len, ".xml") == 0)
			return true;
	}
	return false;
}

size_t profile_load_all(struct plan *plan, const struct profile_path *path)
{
	size_t failed = 0;

	for (size_t d = 0; d < path->n_dirs; d++) {
		struct dirent **ents;
		int n = scandir(path->dirs[d], &ents, NULL, alphasort);

		for (int i = 0; i < n; i++) {
			const char *name = ents[i]->d_name;
			size_t len = strlen(name);
			char *file;

			if (len > 4 && strcmp(name + len - 4, ".xml") == 0 &&
			    !name_loaded(plan, name) &&
			    asprintf(&file, "%s/%s", path->dirs[d], name) >= 0) {
				failed += profile_load(plan, file, path) < 0;
				free(file);
			}
			free(ents[i]);
		}
		if (n >= 0)
			free(ents);
	}
	return failed;
}

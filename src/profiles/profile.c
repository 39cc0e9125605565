/*
 * profile.c - load XML profiles into a plan; see profile.h.
 *
 * This is the only file that includes libxml2 headers.  Profiles are input
 * that people download and share, so the parser is locked down: no network,
 * no DTD loading, no entity substitution, an external entity loader that
 * refuses everything, and any DOCTYPE stops the parser at once, before an
 * internal subset could declare a single entity.  Files are read into memory
 * by us (size-limited) so libxml2 never opens anything itself.
 *
 * Each file is checked against the RELAX NG schema first (structure, element
 * and attribute names, enumerations), then semantically (values, key paths,
 * image lists, hive paths).  Everything is built into a scratch plan that is
 * moved into the caller's plan only when the whole profile and all its
 * includes are good, so a failed load leaves the plan untouched.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "util/msg.h"
#include "core/plan.h"
#include "profiles/profile.h"
#include "profiles/profile_int.h"
#include "core/regfile.h"
#include "core/regval.h"

/* Real profiles are a few KiB; the limit keeps a hostile or mistaken file
 * (a disk image given to -p) from being read or parsed at all. */
#define PROFILE_MAX_BYTES (1024L * 1024L)

/* NONET: never fetch anything.  BIG_LINES: right line numbers past 65535.
 * Deliberately absent: NOENT (substitute entities), DTDLOAD, DTDATTR,
 * DTDVALID (read DTDs) and HUGE (lifts the depth and size safety limits). */
#define PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES)

/* Structured error callbacks take a const pointer since libxml2 2.12. */
#if LIBXML_VERSION >= 21200
typedef const xmlError *xml_error_ptr;
#else
typedef xmlErrorPtr xml_error_ptr;
#endif

/* ------------------------------------------------------------------ */
/* Messages                                                            */

/* Report "FILE:LINE: reason" (or "FILE: reason" when no line applies). */
static void err_at(const char *file, long line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void err_at(const char *file, long line, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (line > 0)
		msg_error("%s:%ld: %s", file, line, buf);
	else
		msg_error("%s: %s", file, buf);
}

static void err_oom(const char *file)
{
	msg_error("%s: out of memory", file);
}

/* libxml2 messages end in a newline; ours must not. */
static void copy_trimmed(char *dst, size_t cap, const char *src)
{
	size_t n;

	snprintf(dst, cap, "%s", src ? src : "unknown XML error");
	n = strlen(dst);
	while (n > 0 && (dst[n - 1] == '\n' || dst[n - 1] == ' '))
		dst[--n] = '\0';
}

/*
 * Where libxml2's complaints about one file go.  Every parser and validator
 * context gets one of these, so messages carry our file name and end up in
 * msg_error() instead of libxml2's own stderr output.
 */
#define SINK_HELD 8

struct xml_sink {
	const char *file;
	int errors;
	bool doctype;		/* a DOCTYPE was seen and the parser stopped */
	/*
	 * Some schema errors ("Element profile failed to validate
	 * attributes") come without a node or line.  They are held back and
	 * placed, or dropped as redundant, once validation is over; see
	 * explain_invalid().
	 */
	char held_elem[SINK_HELD][64];
	char held_msg[SINK_HELD][1024];
	int n_held;
	char lined_elem[SINK_HELD][64];	/* elements errors with a line were about */
	int n_lined;
};

/* Limit errors advise "use XML_PARSE_HUGE option": not something a
 * profile author can do, and the limits are there on purpose. */
static void drop_huge_advice(char *msg)
{
	static const char advice[] = " use XML_PARSE_HUGE option";
	char *p = strstr(msg, advice);

	if (p)
		memmove(p, p + sizeof(advice) - 1, strlen(p + sizeof(advice) - 1) + 1);
}

/*
 * The schema validator says "Invalid attribute role for element rule" but
 * not what the attribute held; the value is what the user has to fix.
 */
static void add_attr_hint(char *msg, size_t cap, xml_error_ptr err)
{
	static const char prefix[] = "Invalid attribute ";
	xmlNodePtr node = err->node;
	char name[128];
	size_t n, len = strlen(msg);
	xmlChar *val;

	if (err->domain != XML_FROM_RELAXNGV || !node ||
	    node->type != XML_ELEMENT_NODE ||
	    strncmp(msg, prefix, sizeof(prefix) - 1) != 0)
		return;
	n = strcspn(msg + sizeof(prefix) - 1, " ");
	if (n == 0 || n >= sizeof(name))
		return;
	memcpy(name, msg + sizeof(prefix) - 1, n);
	name[n] = '\0';
	val = xmlGetNoNsProp(node, (const xmlChar *)name);
	if (!val)
		return;
	snprintf(msg + len, cap - len, " (%s=\"%.100s\")", name, (const char *)val);
	xmlFree(val);
}

static void sink_report(struct xml_sink *s, xml_error_ptr err)
{
	char msg[1024];
	long line = err->line;

	/* After a refused DOCTYPE the parser only complains that it stopped. */
	if (s->doctype)
		return;
	if (line <= 0 && err->node)
		line = xmlGetLineNo((xmlNodePtr)err->node);
	copy_trimmed(msg, sizeof(msg), err->message);
	drop_huge_advice(msg);
	add_attr_hint(msg, sizeof(msg), err);
	if (err->level == XML_ERR_WARNING) {
		if (line > 0)
			msg_warn("%s:%ld: %s", s->file, line, msg);
		else
			msg_warn("%s: %s", s->file, msg);
		return;
	}
	s->errors++;
	if (line <= 0 && err->domain == XML_FROM_RELAXNGV && err->str1 &&
	    s->n_held < SINK_HELD) {
		snprintf(s->held_elem[s->n_held], sizeof(s->held_elem[0]), "%s", err->str1);
		snprintf(s->held_msg[s->n_held], sizeof(s->held_msg[0]), "%s", msg);
		s->n_held++;
		return;
	}
	if (line > 0 && err->node && s->n_lined < SINK_HELD &&
	    ((xmlNodePtr)err->node)->type == XML_ELEMENT_NODE)
		snprintf(s->lined_elem[s->n_lined++], sizeof(s->lined_elem[0]),
			 "%s", (const char *)((xmlNodePtr)err->node)->name);
	err_at(s->file, line, "%s", msg);
}

/* Validator and schema parser callbacks get the sink itself. */
static void sink_structured_error(void *data, xml_error_ptr err)
{
	sink_report(data, err);
}

/* Parser callbacks get the parser context; the sink hangs off _private. */
static void parser_structured_error(void *ctx, xml_error_ptr err)
{
	xmlParserCtxtPtr ctxt = ctx;

	if (ctxt && ctxt->_private)
		sink_report(ctxt->_private, err);
	else
		msg_error("XML: %s", err->message ? err->message : "unknown error");
}

static bool is_element(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	       xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

/* Process-wide fallbacks, so that nothing libxml2 says bypasses msg.c. */
static void global_structured_error(void *data, xml_error_ptr err)
{
	char msg[1024];

	(void)data;
	copy_trimmed(msg, sizeof(msg), err->message);
	if (err->file && err->line > 0)
		msg_error("%s:%d: %s", err->file, err->line, msg);
	else if (err->file)
		msg_error("%s: %s", err->file, msg);
	else
		msg_error("XML: %s", msg);
}

static void global_generic_error(void *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void global_generic_error(void *ctx, const char *fmt, ...)
{
	char raw[1024], msg[1024];
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	copy_trimmed(msg, sizeof(msg), raw);
	if (msg[0])
		msg_error("XML: %s", msg);
}

/* ------------------------------------------------------------------ */
/* Hardened parsing                                                    */

static bool initialised;
static xmlExternalEntityLoader saved_loader;
static xmlRelaxNGPtr schema_cache;
static char *schema_cache_file;

/* Nothing a profile names is ever fetched: not a DTD, not an entity, not
 * a file, not a URL.  libxml2 reports the failed load itself. */
static xmlParserInputPtr refuse_entity_loader(const char *url, const char *id,
					      xmlParserCtxtPtr ctxt)
{
	(void)ctxt;
	msg_verbose("refused to load external XML entity %s%s%s",
		    url ? url : "", url && id ? " " : "", id ? id : "");
	return NULL;
}

static void refuse_doctype_at(void *ctx)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct xml_sink *s = ctxt->_private;

	if (s && !s->doctype) {
		err_at(s->file, xmlSAX2GetLineNumber(ctx),
		       "DOCTYPE/entity declarations are not allowed in profiles");
		s->errors++;
		s->doctype = true;
	}
	xmlStopParser(ctxt);
}

/*
 * Called as soon as "<!DOCTYPE name ExternalID" has been read, before any
 * internal subset: stopping here means no entity is ever declared, so
 * neither entity bombs nor XXE can get anywhere.
 */
static void refuse_internal_subset(void *ctx, const xmlChar *name,
				   const xmlChar *external_id,
				   const xmlChar *system_id)
{
	(void)name;
	(void)external_id;
	(void)system_id;
	refuse_doctype_at(ctx);
}

/* Belt and braces: these cannot be reached once the DOCTYPE stopped us. */
static void refuse_external_subset(void *ctx, const xmlChar *name,
				   const xmlChar *external_id,
				   const xmlChar *system_id)
{
	(void)name;
	(void)external_id;
	(void)system_id;
	refuse_doctype_at(ctx);
}

static void refuse_entity_decl(void *ctx, const xmlChar *name, int type,
			       const xmlChar *public_id,
			       const xmlChar *system_id, xmlChar *content)
{
	(void)name;
	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	refuse_doctype_at(ctx);
}

/*
 * Read a whole file into memory, refusing anything that is not a regular
 * file (a FIFO or device could block or never end) or is too big.
 */
static char *read_small_file(const char *file, size_t *lenp)
{
	FILE *f = fopen(file, "rb");
	struct stat st;
	char *buf = NULL;
	size_t len;

	if (!f) {
		err_at(file, 0, "cannot open: %s", strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) != 0) {
		err_at(file, 0, "cannot stat: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_at(file, 0, "not a regular file");
		goto out;
	}
	if (st.st_size > PROFILE_MAX_BYTES) {
		err_at(file, 0, "profile too large (%lld bytes; the limit is %ld)",
		       (long long)st.st_size, PROFILE_MAX_BYTES);
		goto out;
	}
	/* One byte more than allowed, in case the file grew since fstat. */
	buf = malloc(PROFILE_MAX_BYTES + 1);
	if (!buf) {
		err_oom(file);
		goto out;
	}
	len = fread(buf, 1, PROFILE_MAX_BYTES + 1, f);
	if (ferror(f)) {
		err_at(file, 0, "read error: %s", strerror(errno));
		free(buf);
		buf = NULL;
	} else if (len > PROFILE_MAX_BYTES) {
		err_at(file, 0, "profile too large (more than %ld bytes)",
		       PROFILE_MAX_BYTES);
		free(buf);
		buf = NULL;
	} else {
		*lenp = len;
	}
out:
	fclose(f);
	return buf;
}

/* Parse a file with the hardened settings; NULL (errors reported) if it is
 * not well-formed XML or declares a DOCTYPE. */
static xmlDocPtr parse_file(const char *file)
{
	struct xml_sink sink = { .file = file };
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	size_t len = 0;
	char *buf = read_small_file(file, &len);

	if (!buf)
		return NULL;
	ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		free(buf);
		err_oom(file);
		return NULL;
	}
	ctxt->_private = &sink;
	ctxt->sax->internalSubset = refuse_internal_subset;
	ctxt->sax->externalSubset = refuse_external_subset;
	ctxt->sax->entityDecl = refuse_entity_decl;
	ctxt->sax->serror = parser_structured_error;
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, file, NULL, PARSE_OPTIONS);
	/* A stopped parse may still hand back a partial tree: never use it. */
	if (doc && (sink.errors > 0 || !ctxt->wellFormed)) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (!doc && sink.errors == 0)
		err_at(file, 0, "not a well-formed XML document");
	if (doc && !xmlDocGetRootElement(doc)) {
		err_at(file, 0, "no root element");
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	free(buf);
	return doc;
}

void profile_init(void)
{
	if (initialised)
		return;
	xmlInitParser();
	saved_loader = xmlGetExternalEntityLoader();
	xmlSetExternalEntityLoader(refuse_entity_loader);
	xmlSetStructuredErrorFunc(NULL, global_structured_error);
	xmlSetGenericErrorFunc(NULL, global_generic_error);
	initialised = true;
}

/*
 * Releases everything, libxml2's global state included: call it once at
 * exit, after every other user of libxml2 in the process (wimlib 1.13 is
 * one) is done.
 */
void profile_cleanup(void)
{
	if (schema_cache)
		xmlRelaxNGFree(schema_cache);
	schema_cache = NULL;
	free(schema_cache_file);
	schema_cache_file = NULL;
	if (!initialised)
		return;
	xmlSetExternalEntityLoader(saved_loader);
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlSetGenericErrorFunc(NULL, NULL);
	xmlCleanupParser();
	initialised = false;
}

/* The schema, parsed once per process (per schema file). */
static xmlRelaxNGPtr get_schema(const char *file)
{
	struct xml_sink sink = { .file = file };
	xmlRelaxNGParserCtxtPtr pctxt;
	xmlRelaxNGPtr schema;
	xmlDocPtr doc;
	char *copy;

	if (!file) {
		msg_error("no profile schema (wimpatch-profile.rng) configured");
		return NULL;
	}
	if (schema_cache && strcmp(schema_cache_file, file) == 0)
		return schema_cache;
	copy = strdup(file);
	if (!copy) {
		err_oom(file);
		return NULL;
	}
	/* The schema goes through the same locked-down parser as profiles. */
	doc = parse_file(file);
	if (!doc) {
		free(copy);
		return NULL;
	}
	/* The context works on its own copy of the document. */
	pctxt = xmlRelaxNGNewDocParserCtxt(doc);
	xmlFreeDoc(doc);
	if (!pctxt) {
		free(copy);
		err_oom(file);
		return NULL;
	}
	xmlRelaxNGSetParserStructuredErrors(pctxt, sink_structured_error, &sink);
	schema = xmlRelaxNGParse(pctxt);
	xmlRelaxNGFreeParserCtxt(pctxt);
	if (!schema) {
		if (sink.errors == 0)
			err_at(file, 0, "not a usable RELAX NG schema");
		free(copy);
		return NULL;
	}
	if (schema_cache)
		xmlRelaxNGFree(schema_cache);
	free(schema_cache_file);
	schema_cache = schema;
	schema_cache_file = copy;
	return schema;
}

/*
 * The attributes the schema requires.  Only used to explain a failed
 * validation: libxml2 reports a missing attribute as "Element X failed to
 * validate attributes", sometimes without a line.
 */
static const struct {
	const char *element;
	const char *attrs[4];
} required_attrs[] = {
	{ "profile", { "version" } },
	{ "include", { "profile" } },
	{ "create-key", { "key" } },
	{ "set-value", { "key", "name", "type" } },
	{ "delete-value", { "key", "name" } },
	{ "delete-key", { "key" } },
	{ "delete-values", { "key" } },
};

#define N_REQUIRED (sizeof(required_attrs) / sizeof(required_attrs[0]))

/*
 * Report "<E> needs a NAME attribute" for every element lacking a required
 * attribute (and rules without operations), marking in explained[] which element kinds had one.  The tree
 * has not passed the schema, but libxml2's depth limit bounds the
 * recursion.
 */
static void explain_missing_attrs(struct xml_sink *s, xmlNodePtr n,
				  bool explained[N_REQUIRED])
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (size_t i = 0; i < N_REQUIRED; i++) {
			if (strcmp(required_attrs[i].element, (const char *)n->name) != 0)
				continue;
			for (const char *const *a = required_attrs[i].attrs; *a; a++) {
				if (xmlHasProp(n, (const xmlChar *)*a))
					continue;
				err_at(s->file, xmlGetLineNo(n), "<%s> needs a %s attribute",
				       (const char *)n->name, *a);
				explained[i] = true;
			}
		}
		if (strcmp((const char *)n->name, "rule") == 0 && !xmlFirstElementChild(n))
			err_at(s->file, xmlGetLineNo(n),
			       "<rule> holds no operation (create-key, set-value, "
			       "delete-value, delete-key or delete-values)");
		explain_missing_attrs(s, n->children, explained);
	}
}

/* How many elements are named `name`; *line is the last one's line. */
static int count_elements(xmlNodePtr n, const char *name, long *line)
{
	int count = 0;

	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, name) == 0) {
			count++;
			*line = xmlGetLineNo(n);
		}
		count += count_elements(n->children, name, line);
	}
	return count;
}

/* After a failed validation: add what libxml2 left vague, then place the
 * held line-less errors that nothing else has covered. */
static void explain_invalid(struct xml_sink *s, xmlDocPtr doc)
{
	bool explained[N_REQUIRED] = { false };
	xmlNodePtr root = xmlDocGetRootElement(doc);

	explain_missing_attrs(s, root, explained);
	for (int i = 0; i < s->n_held; i++) {
		const char *elem = s->held_elem[i];
		bool covered = false;
		long line = 0;

		for (int j = 0; j < s->n_lined; j++)
			if (strcmp(s->lined_elem[j], elem) == 0)
				covered = true;
		for (size_t j = 0; j < N_REQUIRED; j++)
			if (explained[j] && strcmp(required_attrs[j].element, elem) == 0)
				covered = true;
		if (covered)
			continue;
		/* Point at the element if there is only one of its kind. */
		if (count_elements(root, elem, &line) != 1)
			line = 0;
		err_at(s->file, line, "%s", s->held_msg[i]);
	}
}

/*
 * A profile of another format version needs another schema: say so
 * instead of listing every way it fails this one.
 */
static bool version_supported(const char *file, xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	xmlChar *v;
	bool ok = true;

	if (!is_element(root, "profile"))
		return true;	/* the schema will say what is wrong */
	v = xmlGetNoNsProp(root, (const xmlChar *)"version");
	if (v && xmlStrcmp(v, (const xmlChar *)"1") != 0) {
		err_at(file, xmlGetLineNo(root),
		       "profile format version '%.20s' is not supported "
		       "(this wimpatch reads version 1)", (const char *)v);
		ok = false;
	}
	xmlFree(v);
	return ok;
}

/* Parse and schema-check one profile.  NULL (errors reported) if bad. */
static xmlDocPtr load_valid_doc(const char *file, const char *schema_file)
{
	struct xml_sink sink = { .file = file };
	xmlRelaxNGValidCtxtPtr vctxt;
	xmlRelaxNGPtr schema = get_schema(schema_file);
	xmlDocPtr doc;
	int rc;

	if (!schema)
		return NULL;
	doc = parse_file(file);
	if (!doc)
		return NULL;
	if (!version_supported(file, doc)) {
		xmlFreeDoc(doc);
		return NULL;
	}
	vctxt = xmlRelaxNGNewValidCtxt(schema);
	if (!vctxt) {
		err_oom(file);
		xmlFreeDoc(doc);
		return NULL;
	}
	xmlRelaxNGSetValidStructuredErrors(vctxt, sink_structured_error, &sink);
	rc = xmlRelaxNGValidateDoc(vctxt, doc);
	xmlRelaxNGFreeValidCtxt(vctxt);
	if (rc != 0) {
		explain_invalid(&sink, doc);
		if (sink.errors == 0)
			err_at(file, 0, "does not match the profile schema %s",
			       schema_file);
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static long node_line(xmlNodePtr n)
{
	return xmlGetLineNo(n);
}

/* An attribute as a malloc'd string (plan.c frees with free(), libxml2's
 * strings need xmlFree()).  NULL if absent; *oom set on allocation failure. */
static char *get_attr(xmlNodePtr n, const char *name, bool *oom)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	char *copy;

	if (!v)
		return NULL;
	copy = strdup((const char *)v);
	xmlFree(v);
	if (!copy)
		*oom = true;
	return copy;
}

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

/* Text content with surrounding whitespace removed, malloc'd. */
static char *trimmed_content(xmlNodePtr n)
{
	xmlChar *c = xmlNodeGetContent(n);
	const char *s = c ? (const char *)c : "";
	size_t len;
	char *out;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	len = strlen(s);
	while (len > 0 && strchr(" \t\n\r", s[len - 1]))
		len--;
	out = malloc(len + 1);
	if (out) {
		memcpy(out, s, len);
		out[len] = '\0';
	}
	xmlFree(c);
	return out;
}

/* ------------------------------------------------------------------ */
/* Semantic checks the schema cannot express                           */

/*
 * Keys are written relative to the hive root, backslash-separated.  People
 * copy paths from regedit ("HKEY_LOCAL_MACHINE\SYSTEM\...") so those get a
 * message saying what is expected instead.
 */
static const char key_hint[] =
	"keys are relative to the hive root, e.g. CurrentControlSet\\Control\\...";

static char *check_key(const char *in, char *err, size_t errlen)
{
	const char *k = in[0] == '\\' ? in + 1 : in;
	char *out;

	if (*k == '\0') {
		snprintf(err, errlen, "empty key: %s", key_hint);
		return NULL;
	}
	if (strncasecmp(k, "HKEY_", 5) == 0 || strncasecmp(k, "HKLM", 4) == 0) {
		snprintf(err, errlen, "key '%.200s' names a root key: %s", in, key_hint);
		return NULL;
	}
	for (const char *c = k; *c; c++) {
		if (*c != '\\')
			continue;
		if (c == k || c[-1] == '\\') {
			snprintf(err, errlen, "key '%.200s' has an empty component: %s",
				 in, key_hint);
			return NULL;
		}
		if (c[1] == '\0') {
			snprintf(err, errlen, "key '%.200s' ends in a backslash: %s",
				 in, key_hint);
			return NULL;
		}
	}
	out = strdup(k);
	if (!out)
		snprintf(err, errlen, "out of memory");
	return out;
}

/* images="all" or 1-based indices separated by whitespace and/or commas. */
static bool parse_images(const char *text, struct image_sel *sel, char *err,
			 size_t errlen)
{
	static const char seps[] = " \t\r\n,";
	const char *p = text + strspn(text, seps);
	size_t n = 0;

	if (*p == '\0') {
		snprintf(err, errlen, "images is empty: use \"all\" or 1-based image indices");
		return false;
	}
	if (strncmp(p, "all", 3) == 0 && p[3 + strspn(p + 3, seps)] == '\0') {
		sel->all = true;
		return true;
	}
	/* Each index takes a digit and a separator at least: one
	 * allocation is enough. */
	sel->indices = malloc(sizeof(*sel->indices) * (strlen(p) / 2 + 1));
	if (!sel->indices) {
		snprintf(err, errlen, "out of memory");
		return false;
	}
	while (*p) {
		size_t len = strcspn(p, seps);
		long long v = 0;
		bool digits = true;

		for (size_t i = 0; i < len; i++) {
			if (p[i] < '0' || p[i] > '9') {
				digits = false;
				break;
			}
			if (v <= INT_MAX)
				v = v * 10 + (p[i] - '0');
		}
		if (!digits || v < 1 || v > INT_MAX) {
			snprintf(err, errlen,
				 "images: '%.*s' is not an image index (1, 2, ...; or \"all\" alone)",
				 (int)(len > 40 ? 40 : len), p);
			free(sel->indices);
			sel->indices = NULL;
			return false;
		}
		sel->indices[n++] = (int)v;
		p += len;
		p += strspn(p, seps);
	}
	sel->n_indices = n;
	sel->all = false;
	return true;
}

/* ------------------------------------------------------------------ */
/* Loading                                                             */

struct chain_link {
	char *real;		/* realpath, for identity */
	char *file;		/* as the user or the include named it, for messages */
};

struct loader {
	const struct profile_path *path;
	struct plan scratch;	/* what this call adds, moved over on success */
	char **seen;		/* realpaths of profiles in the plan or loaded now */
	size_t n_seen;
	struct chain_link *chain;	/* files being loaded, outermost first */
	size_t n_chain;
	bool oom;
};


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
	err_at(d->file, node_line(n), "%s", buf);
	d->errors++;
}

void doc_oom(struct doc_ctx *d)
{
	if (!d->L->oom)
		err_oom(d->file);
	d->L->oom = true;
	d->errors++;
}

bool doc_is_element(xmlNodePtr n, const char *name)
{
	return is_element(n, name);
}

long doc_line(xmlNodePtr n)
{
	return node_line(n);
}

struct plan *doc_plan(struct doc_ctx *d)
{
	return &d->L->scratch;
}

static struct doc_param *find_param(struct doc_ctx *d, const char *name, size_t len)
{
	for (size_t i = 0; i < d->n_params; i++)
		if (strlen(d->params[i].name) == len && strncmp(d->params[i].name, name, len) == 0)
			return &d->params[i];
	return NULL;
}

char *doc_attr(struct doc_ctx *d, xmlNodePtr n, const char *name, bool *oom)
{
	char *raw = get_attr(n, name, oom);
	char *out, *o;
	size_t cap;

	if (!raw || !strchr(raw, '$'))
		return raw;
	/* A lone reference to an unset optional parameter: attribute unset. */
	size_t rl = strlen(raw);
	if (rl > 3 && raw[0] == '$' && raw[1] == '{' && raw[rl - 1] == '}' &&
	    !memchr(raw + 2, '}', rl - 3)) {
		struct doc_param *p = find_param(d, raw + 2, rl - 3);
		if (p && !p->value) {
			free(raw);
			return NULL;
		}
	}
	cap = rl + 1;
	for (size_t i = 0; i < d->n_params; i++)
		if (d->params[i].value)
			cap += strlen(d->params[i].value) * (rl / 3 + 1);
	out = o = malloc(cap);
	if (!out) {
		free(raw);
		*oom = true;
		return NULL;
	}
	for (const char *p = raw; *p;) {
		if (p[0] == '$' && p[1] == '$') {
			*o++ = '$';
			p += 2;
		} else if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			struct doc_param *prm = end ? find_param(d, p + 2, (size_t)(end - p - 2)) : NULL;
			if (!end || !prm || !prm->value) {
				doc_error(d, n, "%s=\"%.200s\": %s", name, raw,
					  !end ? "unterminated ${...}"
					  : !prm ? "refers to a parameter this profile does not declare "
						   "(<param name=...>)"
						 : "a parameter without a value is used inside other text");
				free(raw);
				free(out);
				return NULL;
			}
			size_t vl = strlen(prm->value);
			memcpy(o, prm->value, vl);
			o += vl;
			p = end + 1;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	free(raw);
	return out;
}

/* <param name= type= required= default=>: a value the user gives with
 * -D NAME=VALUE, checked against its type before anything is touched. */
static void parse_param(struct doc_ctx *d, xmlNodePtr n)
{
	bool oom = false;
	char err[512];
	char *name = get_attr(n, "name", &oom);
	char *type = get_attr(n, "type", &oom);
	char *req = get_attr(n, "required", &oom);
	char *def = get_attr(n, "default", &oom);
	const char *value = def;
	struct profile_param *given = NULL;

	if (oom)
		goto oom;
	if (!name || !type) {
		doc_error(d, n, "<param> needs name and type attributes");
		goto out;
	}
	if (find_param(d, name, strlen(name))) {
		doc_error(d, n, "parameter '%s' is declared twice", name);
		goto out;
	}
	for (size_t i = 0; i < d->L->path->n_params; i++) {
		if (strcmp(d->L->path->params[i].name, name) == 0) {
			given = &d->L->path->params[i];
			given->used = true;
			value = given->value;
		}
	}
	if (!value && req && strcmp(req, "true") == 0 && d->L->path->sample_params)
		value = param_sample(type);
	if (!value && req && strcmp(req, "true") == 0) {
		doc_error(d, n, "profile '%s' needs parameter '%s' (%s): give -D %s=VALUE",
			  d->name, name, type, name);
		goto out;
	}
	if (value && !param_value_ok(type, value, err, sizeof(err))) {
		doc_error(d, n, "parameter '%s'%s: %s", name, given ? " (from -D)" : " default", err);
		goto out;
	}
	struct doc_param *np = realloc(d->params, (d->n_params + 1) * sizeof(*np));
	if (!np)
		goto oom;
	d->params = np;
	np[d->n_params].name = name;
	np[d->n_params].type = type;
	np[d->n_params].value = value ? strdup(value) : NULL;
	if (value && !np[d->n_params].value)
		goto oom;
	d->n_params++;
	char *sum = NULL;
	if (asprintf(&sum, "%s%s%s (%s%s%s%s)", d->param_summary ? d->param_summary : "",
		     d->param_summary ? ", " : "", name, type,
		     req && strcmp(req, "true") == 0 ? ", required" : "", def ? ", default " : "",
		     def ? def : "") < 0)
		goto oom;
	free(d->param_summary);
	d->param_summary = sum;
	msg_verbose("%s: parameter %s = %s%s", d->file, name, value ? value : "(unset)",
		    given ? " (from -D)" : value ? " (default)" : "");
	name = type = NULL;
	goto out;
oom:
	doc_oom(d);
out:
	free(name);
	free(type);
	free(req);
	free(def);
}

static void free_params(struct doc_ctx *d)
{
	for (size_t i = 0; i < d->n_params; i++) {
		free(d->params[i].name);
		free(d->params[i].type);
		free(d->params[i].value);
	}
	free(d->params);
}

/* The common part of every operation: key, source position. */
static struct op *new_op(struct doc_ctx *d, struct rule *r, xmlNodePtr n,
			 enum op_kind kind)
{
	char err[512];
	bool oom = false;
	char *key_attr = doc_attr(d, n, "key", &oom);
	char *key;
	struct op *op;

	if (oom)
		goto oom;
	if (!key_attr) {
		doc_error(d, n, "<%s> needs a key attribute", (const char *)n->name);
		return NULL;
	}
	key = check_key(key_attr, err, sizeof(err));
	free(key_attr);
	if (!key) {
		doc_error(d, n, "%s", err);
		return NULL;
	}
	op = rule_add_op(r);
	if (!op) {
		free(key);
		goto oom;
	}
	op->kind = kind;
	op->key = key;
	op->if_exists = kind == OP_DELETE_VALUE || kind == OP_DELETE_KEY ||
			kind == OP_CLEAR_VALUES;
	op->src_file = strdup(d->file);
	op->src_line = (int)node_line(n);
	if (!op->src_file)
		goto oom;
	return op;
oom:
	doc_oom(d);
	return NULL;
}

/* Collect the <string> items of a REG_MULTI_SZ set-value. */
static char **multi_strings(xmlNodePtr n, size_t *np, bool *oom)
{
	size_t count = 0, i = 0;
	char **v;

	for (xmlNodePtr c = n->children; c; c = c->next)
		if (is_element(c, "string"))
			count++;
	v = calloc(count + 1, sizeof(*v));
	if (!v) {
		*oom = true;
		return NULL;
	}
	for (xmlNodePtr c = n->children; c; c = c->next) {
		xmlChar *t;

		if (!is_element(c, "string"))
			continue;
		t = xmlNodeGetContent(c);
		v[i] = strdup(t ? (const char *)t : "");
		xmlFree(t);
		if (!v[i]) {
			*oom = true;
			break;
		}
		i++;
	}
	*np = i;
	return v;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static bool has_string_children(xmlNodePtr n)
{
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (is_element(c, "string"))
			return true;
	return false;
}

/* The types a profile may write (regval knows more, for reading hives). */
static bool writable_type(uint32_t t)
{
	return t == REGT_SZ || t == REGT_EXPAND_SZ || t == REGT_MULTI_SZ ||
	       t == REGT_DWORD || t == REGT_QWORD || t == REGT_BINARY;
}

/* set-value: type and value (or <string> items) become the exact bytes. */
static void parse_set_value(struct doc_ctx *d, struct rule *r, xmlNodePtr n)
{
	char err[512];
	bool oom = false;
	char *type_name = doc_attr(d, n, "type", &oom);
	char *name = doc_attr(d, n, "name", &oom);
	char *text = doc_attr(d, n, "value", &oom);
	char **strv = NULL;
	size_t nstr = 0;
	uint32_t type;
	struct regval val = { 0 };
	struct op *op;

	if (oom)
		goto oom;
	if (!type_name || !regtype_from_name(type_name, &type) ||
	    !writable_type(type)) {
		doc_error(d, n, "set-value: unsupported type '%s' (REG_SZ, REG_EXPAND_SZ, "
			  "REG_MULTI_SZ, REG_DWORD, REG_QWORD or REG_BINARY)",
			  type_name ? type_name : "");
		goto out;
	}
	if (!name) {
		doc_error(d, n, "set-value needs a name attribute (name=\"\" is the default value)");
		goto out;
	}
	if (type == REGT_MULTI_SZ) {
		if (text) {
			doc_error(d, n, "REG_MULTI_SZ value '%.200s' must be given as "
				  "<string> children, not a value attribute", name);
			goto out;
		}
		strv = multi_strings(n, &nstr, &oom);
		if (oom)
			goto oom;
	} else {
		if (!text) {
			doc_error(d, n, "%s value '%.200s' needs a value attribute",
				  type_name, name);
			goto out;
		}
		if (has_string_children(n)) {
			doc_error(d, n, "<string> items are for REG_MULTI_SZ only, "
				  "not %s", type_name);
			goto out;
		}
	}
	if (!regval_from_text(&val, type, text, (const char *const *)strv, nstr,
			      err, sizeof(err))) {
		doc_error(d, n, "bad %s value for '%.200s': %s", type_name, name, err);
		goto out;
	}
	op = new_op(d, r, n, OP_SET_VALUE);
	if (!op) {
		regval_free(&val);
		goto out;
	}
	op->name = name;
	name = NULL;
	op->value = val;
	goto out;
oom:
	doc_oom(d);
out:
	free(type_name);
	free(name);
	free(text);
	free_strv(strv, nstr);
}

/* <import-reg file="x.reg"/>: a standard .reg file's entries become the
 * rule's operations, in place; its keys must lie under the rule's hive.
 * The path is relative to the profile.  Needs the rule's hive, so rules
 * parse their attributes before their operations. */
static void parse_import_reg(struct doc_ctx *d, struct rule *r, xmlNodePtr n)
{
	bool oom = false;
	char *file = doc_attr(d, n, "file", &oom);
	char *path = NULL, *root = NULL;

	if (oom || !file) {
		if (oom)
			doc_oom(d);
		else if (!d->errors)
			doc_error(d, n, "<import-reg> needs a file attribute");
		free(file);
		return;
	}
	const char *slash = strrchr(d->file, '/');
	if (file[0] == '/' || !slash)
		path = strdup(file);
	else if (asprintf(&path, "%.*s/%s", (int)(slash - d->file), d->file, file) < 0)
		path = NULL;
	root = reg_root_for(r->hive);
	if (!path || !root) {
		doc_oom(d);
	} else {
		msg_verbose("%s:%ld: importing %s under %s", d->file, node_line(n), path, root);
		if (regfile_import(path, root, r) < 0)
			doc_error(d, n, "cannot import %s (see above)", path);
	}
	free(file);
	free(path);
	free(root);
}

static void parse_op(struct doc_ctx *d, struct rule *r, xmlNodePtr n)
{
	bool oom = false;
	struct op *op;

	if (is_element(n, "set-value")) {
		parse_set_value(d, r, n);
	} else if (is_element(n, "delete-value")) {
		char *name = doc_attr(d, n, "name", &oom);

		if (oom) {
			doc_oom(d);
		} else if (!name) {
			doc_error(d, n, "delete-value needs a name attribute "
				  "(name=\"\" is the default value)");
		} else if ((op = new_op(d, r, n, OP_DELETE_VALUE))) {
			op->name = name;
			name = NULL;
		}
		free(name);
	} else if (is_element(n, "create-key")) {
		new_op(d, r, n, OP_CREATE_KEY);
	} else if (is_element(n, "delete-key")) {
		new_op(d, r, n, OP_DELETE_KEY);
	} else if (is_element(n, "delete-values")) {
		new_op(d, r, n, OP_CLEAR_VALUES);
	} else if (is_element(n, "import-reg")) {
		parse_import_reg(d, r, n);
	} else {
		doc_error(d, n, "unknown operation <%s>", (const char *)n->name);
	}
}

static bool parse_role(const char *s, enum role *role)
{
	if (!s || strcmp(s, "any") == 0)
		*role = ROLE_ANY;
	else if (strcmp(s, "setup") == 0)
		*role = ROLE_SETUP;
	else if (strcmp(s, "installed") == 0)
		*role = ROLE_INSTALLED;
	else
		return false;
	return true;
}

/* The rule's attributes: where it applies. */
static bool parse_rule_attrs(struct doc_ctx *d, struct rule *r, xmlNodePtr n)
{
	char err[512];
	bool oom = false, ok = false;
	char *role = doc_attr(d, n, "role", &oom);
	char *images = doc_attr(d, n, "images", &oom);
	char *hive = doc_attr(d, n, "hive", &oom);
	char *acs = doc_attr(d, n, "all-control-sets", &oom);

	r->id = doc_attr(d, n, "id", &oom);
	r->images.name_glob = doc_attr(d, n, "image-name", &oom);
	if (oom) {
		doc_oom(d);
		goto out;
	}
	if (!parse_role(role, &r->role)) {
		doc_error(d, n, "role '%s' is not one of setup, installed, any", role);
		goto out;
	}
	if (images && r->images.name_glob) {
		doc_error(d, n, "images and image-name cannot be used together");
		goto out;
	}
	if (r->images.name_glob) {
		if (r->images.name_glob[0] == '\0') {
			doc_error(d, n, "image-name is empty");
			goto out;
		}
	} else if (!images) {
		r->images.all = true;
	} else if (!parse_images(images, &r->images, err, sizeof(err))) {
		doc_error(d, n, "%s", err);
		goto out;
	}
	r->hive = hive_path_normalise(hive ? hive : "SYSTEM", err, sizeof(err));
	if (!r->hive) {
		doc_error(d, n, "hive: %s", err);
		goto out;
	}
	if (acs && strcmp(acs, "true") != 0 && strcmp(acs, "false") != 0) {
		doc_error(d, n, "all-control-sets must be true or false, not '%s'", acs);
		goto out;
	}
	r->all_control_sets = acs && strcmp(acs, "true") == 0;
	ok = true;
out:
	free(role);
	free(images);
	free(hive);
	free(acs);
	return ok;
}

static void parse_rule(struct doc_ctx *d, xmlNodePtr n)
{
	struct rule *r = plan_add_rule(&d->L->scratch);
	size_t nops = 0;

	if (!r) {
		doc_oom(d);
		return;
	}
	r->profile = strdup(d->name);
	r->src_file = strdup(d->file);
	r->src_line = (int)node_line(n);
	if (!r->profile || !r->src_file) {
		doc_oom(d);
		return;
	}
	if (!parse_rule_attrs(d, r, n))
		return;
	for (xmlNodePtr c = n->children; c && !d->L->oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		parse_op(d, r, c);
		nops++;
	}
	if (nops == 0)
		doc_error(d, n, "rule has no operations");
}

/* An include's profile is a path relative to the including file, or a name
 * looked up in the profile directories. */
static void parse_include(struct doc_ctx *d, xmlNodePtr n)
{
	bool oom = false;
	char *spec = get_attr(n, "profile", &oom);
	char *target = NULL;
	long line = node_line(n);

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

/* Turn a validated document into a profile_info and rules. */
static int process_doc(struct loader *L, const char *file, xmlDocPtr doc)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	struct doc_ctx d = { .L = L, .file = file };
	struct profile_info *info;
	size_t info_idx;
	bool oom = false;
	char *name = get_attr(root, "name", &oom);
	char *version = get_attr(root, "version", &oom);
	int rc = -1;

	if (oom)
		goto oom;
	/* The schema says this too; the check stays in case another schema
	 * file is configured. */
	if (!is_element(root, "profile") || !version || strcmp(version, "1") != 0) {
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
		if (c->type == XML_ELEMENT_NODE && is_element(c, "param"))
			parse_param(&d, c);
	if (d.errors)
		goto out;
	for (xmlNodePtr c = root->children; c && !L->oom; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || is_element(c, "param"))
			continue;
		if (is_element(c, "bcd")) {
			parse_bcd(&d, c);
		} else if (is_element(c, "description")) {
			/* By index: includes may have moved the profile list. */
			info = &L->scratch.profiles[info_idx];
			free(info->description);
			info->description = trimmed_content(c);
			if (!info->description)
				goto oom;
		} else if (is_element(c, "include")) {
			parse_include(&d, c);
		} else if (is_element(c, "rule")) {
			parse_rule(&d, c);
		} else {
			doc_error(&d, c, "unknown element <%s>", (const char *)c->name);
		}
	}
	L->scratch.profiles[info_idx].params = d.param_summary;
	d.param_summary = NULL;
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
	xmlFreeDoc(doc);
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

const char *profile_library_version(void)
{
	static char buf[64];
	/* xmlParserVersion is "20914" for 2.9.14: the library actually loaded. */
	int v = atoi(xmlParserVersion);
	snprintf(buf, sizeof(buf), "libxml2 %d.%d.%d", v / 10000, v / 100 % 100, v % 100);
	return buf;
}

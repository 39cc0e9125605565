/*
 * profile_xml.c - the libxml2 side of profile loading: reading a document
 * safely, checking it against the RELAX NG schema, and the node and
 * attribute helpers the other files use.  The only file of the module that
 * calls libxml2 functions.
 *
 * Profiles are input that people download and share, so the parser is
 * locked down: no network, no DTD loading, no entity substitution, an
 * external entity loader that refuses everything, and any DOCTYPE stops the
 * parser at once, before an internal subset could declare a single entity.
 * Files are read into memory by us (size-limited) so libxml2 never opens
 * anything itself.
 *
 * Each file is checked against the RELAX NG schema (structure, element and
 * attribute names, enumerations) before the other files look at its
 * values.
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/SAX2.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "util/infile.h"
#include "util/msg.h"
#include "profiles/profile.h"
#include "profiles/profile_int.h"

/* Real profiles are a few KiB; the limit keeps a hostile or mistaken file
 * (a disk image given to -p) from being read or parsed at all. */
#define PROFILE_MAX_BYTES ((size_t)1024 * 1024)

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

void err_at(const char *file, long line, const char *fmt, ...)
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

void err_oom(const char *file)
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
static struct schema_names *schema_cache_names;
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
	char why[256];
	char *buf = infile_read(file, PROFILE_MAX_BYTES, lenp, why, sizeof(why));

	if (!buf)
		err_at(file, 0, "cannot read the profile: %s", why);
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
	schema_names_free(schema_cache_names);
	schema_cache_names = NULL;
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
	struct schema_names *names;
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
	names = schema_names_build(xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
	if (!pctxt || !names) {
		if (pctxt)
			xmlRelaxNGFreeParserCtxt(pctxt);
		schema_names_free(names);
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
		schema_names_free(names);
		free(copy);
		return NULL;
	}
	if (schema_cache)
		xmlRelaxNGFree(schema_cache);
	schema_names_free(schema_cache_names);
	free(schema_cache_file);
	schema_cache = schema;
	schema_cache_names = names;
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

	if (!doc_is_element(root, "profile"))
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

xmlDocPtr load_valid_doc(const char *file, const char *schema_file)
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
	/* Names first: a typo then gets its own message with the nearest
	 * valid name, not the validator's and its follow-ups. */
	if (!version_supported(file, doc) ||
	    schema_names_check(schema_cache_names, file, xmlDocGetRootElement(doc)) > 0) {
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

xmlNodePtr doc_root(xmlDocPtr doc)
{
	return xmlDocGetRootElement(doc);
}

void doc_free(xmlDocPtr doc)
{
	xmlFreeDoc(doc);
}

bool doc_is_element(xmlNodePtr n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	       xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

long doc_line(xmlNodePtr n)
{
	return xmlGetLineNo(n);
}

/* plan.c frees with free(), libxml2's strings need xmlFree(). */
char *doc_raw_attr(xmlNodePtr n, const char *name, bool *oom)
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

char *doc_text(xmlNodePtr n)
{
	xmlChar *t = xmlNodeGetContent(n);
	char *copy = strdup(t ? (const char *)t : "");

	xmlFree(t);
	return copy;
}

char *doc_trimmed_text(xmlNodePtr n)
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

const char *profile_library_version(void)
{
	static char buf[64];
	/* xmlParserVersion is "20914" for 2.9.14: the library actually loaded. */
	int v = atoi(xmlParserVersion);
	snprintf(buf, sizeof(buf), "libxml2 %d.%d.%d", v / 10000, v / 100 % 100, v % 100);
	return buf;
}

int doc_check_well_formed(const char *file)
{
	xmlDocPtr doc = parse_file(file);

	if (!doc)
		return -1;
	xmlFreeDoc(doc);
	return 0;
}

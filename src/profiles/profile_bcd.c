/*
 * profile_bcd.c - <bcd> rules and <param> types of profiles: the
 * bcdedit-equivalent edits of the media's BCD stores.  Every value is
 * checked here, with the BCD module's own parsers, so a bad IP address or
 * port is a profile error (file:line) before any store is opened.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bcd_syntax.h"
#include "profiles/profile_int.h"

const char *param_sample(const char *type)
{
	static const struct {
		const char *type, *sample;
	} samples[] = {
		{ "integer", "1" }, { "boolean", "on" }, { "ipv4", "192.0.2.1" },
		{ "port", "50000" }, { "key", "a.b.c.d" }, { "baudrate", "115200" },
		{ "debugport", "1" }, { "channel", "1" }, { "debugtype", "serial" },
	};
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		if (strcmp(samples[i].type, type) == 0)
			return samples[i].sample;
	return "sample";
}

bool param_value_ok(const char *type, const char *v, char *err, size_t errlen)
{
	uint64_t n;
	uint32_t u;
	bool b;
	enum bcd_debugtype t;
	char key[256];

	if (strcmp(type, "string") == 0)
		return true;
	/* A local path; profile_media.c checks what it names. */
	if (strcmp(type, "file") == 0 || strcmp(type, "directory") == 0) {
		if (v[0])
			return true;
		snprintf(err, errlen, "an empty path");
		return false;
	}
	if (strcmp(type, "integer") == 0)
		return bcd_parse_integer(v, &n, err, errlen);
	if (strcmp(type, "boolean") == 0)
		return bcd_parse_bool(v, &b, err, errlen);
	if (strcmp(type, "ipv4") == 0)
		return bcd_parse_hostip(v, &u, err, errlen);
	if (strcmp(type, "port") == 0)
		return bcd_parse_netport(v, &u, err, errlen);
	if (strcmp(type, "key") == 0) {
		if (strlen(v) >= sizeof(key)) {
			snprintf(err, errlen, "key '%.40s...' is too long", v);
			return false;
		}
		return bcd_parse_netkey(v, key, sizeof(key), err, errlen);
	}
	if (strcmp(type, "baudrate") == 0)
		return bcd_parse_baudrate(v, &u, err, errlen);
	if (strcmp(type, "debugport") == 0)
		return bcd_parse_debugport(v, &u, err, errlen);
	if (strcmp(type, "channel") == 0)
		return bcd_parse_channel(v, &u, err, errlen);
	if (strcmp(type, "debugtype") == 0)
		return bcd_parse_debugtype(v, &t, err, errlen);
	snprintf(err, errlen, "unknown parameter type '%s'", type);
	return false;
}

/* Object names are checked for form here; the store resolves them. */
static bool object_ok(struct doc_ctx *d, xmlNodePtr n, const char *obj)
{
	char guid[BCD_GUID_LEN + 1], err[256];

	if (!obj)
		return true;
	switch (bcd_parse_object_name(obj, guid, err, sizeof(err))) {
	case BCD_NAME_CURRENT:
		doc_error(d, n, "{current} means the running system's loader and has no meaning "
			  "offline: name the object ({default}, {all-loaders}, {bootmgr}, a {guid})");
		return false;
	case BCD_NAME_BAD:
		doc_error(d, n, "object: %s", err);
		return false;
	case BCD_NAME_GUID:		/* aliases and GUIDs resolve without a store */
	case BCD_NAME_DEFAULT:		/* these two need one */
	case BCD_NAME_ALL_LOADERS:
		break;
	}
	return true;
}

struct attrs {
	char *object, *value, *type, *debugport, *baudrate, *channel, *targetname, *hostip,
		*port, *key, *create, *id;
};

static void attrs_free(struct attrs *a)
{
	free(a->object);
	free(a->value);
	free(a->type);
	free(a->debugport);
	free(a->baudrate);
	free(a->channel);
	free(a->targetname);
	free(a->hostip);
	free(a->port);
	free(a->key);
	free(a->create);
	free(a->id);
}

static bool need(struct doc_ctx *d, xmlNodePtr n, const char *v, const char *attr)
{
	if (v)
		return true;
	doc_error(d, n, "<%s> needs a %s attribute", (const char *)n->name, attr);
	return false;
}

/* Fill op from <dbgsettings>: the same checks bcdedit makes. */
static bool parse_dbgsettings(struct doc_ctx *d, xmlNodePtr n, struct attrs *a, struct bcd_op *op)
{
	char err[512], key[256];
	enum bcd_debugtype t;
	struct bcd_dbgsettings s = { 0 };

	if (!need(d, n, a->type, "type"))
		return false;
	if (!bcd_parse_debugtype(a->type, &t, err, sizeof(err)))
		goto bad;
	s.type = t;
	if (a->debugport && !bcd_parse_debugport(a->debugport, &s.debugport, err, sizeof(err)))
		goto bad;
	if (a->baudrate && !bcd_parse_baudrate(a->baudrate, &s.baudrate, err, sizeof(err)))
		goto bad;
	if (a->channel) {
		if (!bcd_parse_channel(a->channel, &s.channel, err, sizeof(err)))
			goto bad;
		s.has_channel = true;
	}
	s.targetname = a->targetname;
	if (a->hostip) {
		if (!bcd_parse_hostip(a->hostip, &s.hostip, err, sizeof(err)))
			goto bad;
		s.has_hostip = true;
	}
	if (a->port && !bcd_parse_netport(a->port, &s.port, err, sizeof(err)))
		goto bad;
	if (a->key) {
		if (strlen(a->key) >= sizeof(key)) {
			snprintf(err, sizeof(err), "key is too long");
			goto bad;
		}
		if (!bcd_parse_netkey(a->key, key, sizeof(key), err, sizeof(err)))
			goto bad;
		s.key = key;
	}
	if (!bcd_dbgsettings_check(&s, err, sizeof(err)))
		goto bad;
	op->dbg_type = (int)s.type;
	op->debugport = s.debugport;
	op->baudrate = s.baudrate;
	op->has_channel = s.has_channel;
	op->channel = s.channel;
	op->has_hostip = s.has_hostip;
	op->hostip = s.hostip;
	op->netport = s.port;
	if (a->targetname && !(op->targetname = strdup(a->targetname)))
		goto oom;
	if (s.key && !(op->netkey = strdup(key)))
		goto oom;
	if (a->create) {
		bool b;
		if (!bcd_parse_bool(a->create, &b, err, sizeof(err)))
			goto bad;
		op->create_missing = b;
	}
	return true;
bad:
	doc_error(d, n, "dbgsettings: %s", err);
	return false;
oom:
	doc_oom(d);
	return false;
}

/* The operation an element names; false if it names none. */
static bool bcd_op_kind_of(xmlNodePtr n, enum bcd_op_kind *kind)
{
	static const struct {
		const char *elem;
		enum bcd_op_kind kind;
	} kinds[] = {
		{ "debug", BOP_DEBUG },
		{ "bootdebug", BOP_BOOTDEBUG },
		{ "ems", BOP_EMS },
		{ "emssettings", BOP_EMSSETTINGS },
		{ "dbgsettings", BOP_DBGSETTINGS },
		{ "timeout", BOP_TIMEOUT },
		{ "bootstatuspolicy", BOP_BOOTSTATUSPOLICY },
		{ "recoveryenabled", BOP_RECOVERYENABLED },
		{ "set-element", BOP_SET_ELEMENT },
	};
	bool found = false;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (doc_is_element(n, kinds[i].elem)) {
			*kind = kinds[i].kind;
			found = true;
		}
	return found;
}

/* Every attribute a BCD operation may have, parameters expanded. */
static void attrs_read(struct doc_ctx *d, xmlNodePtr n, struct attrs *a, bool *oom)
{
	a->object = doc_attr(d, n, "object", oom);
	a->value = doc_attr(d, n, "value", oom);
	a->type = doc_attr(d, n, "type", oom);
	a->debugport = doc_attr(d, n, "debugport", oom);
	a->baudrate = doc_attr(d, n, "baudrate", oom);
	a->channel = doc_attr(d, n, "channel", oom);
	a->targetname = doc_attr(d, n, "targetname", oom);
	a->hostip = doc_attr(d, n, "hostip", oom);
	a->port = doc_attr(d, n, "port", oom);
	a->key = doc_attr(d, n, "key", oom);
	a->create = doc_attr(d, n, "create-missing", oom);
	a->id = doc_attr(d, n, "id", oom);
}

/* Check the operation's values and fill them into op (its kind is set);
 * errors are reported and counted. */
static void parse_bcd_values(struct doc_ctx *d, xmlNodePtr n, struct attrs *a,
			     struct bcd_op *op)
{
	char err[512];
	uint64_t num = 0;
	uint32_t u32;
	enum bcd_bootstatuspolicy bsp;

	switch (op->kind) {
	case BOP_DEBUG:
	case BOP_BOOTDEBUG:
	case BOP_EMS:
	case BOP_RECOVERYENABLED:
		if (op->kind == BOP_BOOTDEBUG && !need(d, n, a->object, "object"))
			break;
		if (need(d, n, a->value, "value") && !bcd_parse_bool(a->value, &op->on, err, sizeof(err)))
			doc_error(d, n, "%s: %s", (const char *)n->name, err);
		break;
	case BOP_EMSSETTINGS:
		if (a->port && !bcd_parse_debugport(a->port, &op->ems_port, err, sizeof(err)))
			doc_error(d, n, "emssettings port: %s", err);
		else if (a->baudrate && !bcd_parse_baudrate(a->baudrate, &op->ems_baudrate, err, sizeof(err)))
			doc_error(d, n, "emssettings baudrate: %s", err);
		break;
	case BOP_DBGSETTINGS:
		parse_dbgsettings(d, n, a, op);
		break;
	case BOP_TIMEOUT:
		if (need(d, n, a->value, "value")) {
			if (!bcd_parse_integer(a->value, &num, err, sizeof(err)))
				doc_error(d, n, "timeout: %s", err);
			op->number = num;
		}
		break;
	case BOP_BOOTSTATUSPOLICY:
		if (need(d, n, a->value, "value")) {
			if (!bcd_parse_bootstatuspolicy(a->value, &bsp, err, sizeof(err)))
				doc_error(d, n, "bootstatuspolicy: %s", err);
			op->number = (unsigned long long)bsp;
		}
		break;
	case BOP_SET_ELEMENT:
		if (!need(d, n, a->object, "object") || !need(d, n, a->id, "id") ||
		    !need(d, n, a->value, "value"))
			break;
		if (!bcd_parse_element_id(a->id, &u32, err, sizeof(err)) ||
		    !bcd_check_element_text(u32, a->value, err, sizeof(err))) {
			doc_error(d, n, "set-element: %s", err);
			break;
		}
		op->element = u32;
		if (!(op->text = strdup(a->value)))
			doc_oom(d);
		break;
	case BOP_HIVE_OPS:	/* made by wimpatch undo, never by a profile */
		break;
	}
}

static void parse_bcd_op(struct doc_ctx *d, struct bcd_rule *r, xmlNodePtr n)
{
	struct attrs a = { 0 };
	bool oom = false;
	enum bcd_op_kind kind = BOP_DEBUG;
	struct bcd_op *op;
	int before = d->errors;

	if (!bcd_op_kind_of(n, &kind)) {
		doc_error(d, n, "unknown BCD operation <%s>", (const char *)n->name);
		return;
	}
	attrs_read(d, n, &a, &oom);
	if (oom) {
		doc_oom(d);
		goto out;
	}
	if (d->errors != before || !object_ok(d, n, a.object))
		goto out;
	if (!(op = bcd_rule_add_op(r))) {
		doc_oom(d);
		goto out;
	}
	op->kind = kind;
	op->src_line = (int)doc_line(n);
	if (!(op->src_file = strdup(d->file)) || (a.object && !(op->object = strdup(a.object)))) {
		doc_oom(d);
		goto out;
	}
	parse_bcd_values(d, n, &a, op);
out:
	attrs_free(&a);
}

void parse_bcd(struct doc_ctx *d, xmlNodePtr n)
{
	struct bcd_rule *r = plan_add_bcd_rule(doc_plan(d));
	bool oom = false;
	size_t nops = 0;

	if (!r) {
		doc_oom(d);
		return;
	}
	char *store = doc_attr(d, n, "store", &oom);
	r->id = doc_attr(d, n, "id", &oom);
	r->profile = strdup(d->name);
	r->src_file = strdup(d->file);
	r->src_line = (int)doc_line(n);
	if (oom || !r->profile || !r->src_file) {
		free(store);
		doc_oom(d);
		return;
	}
	if (!store || strcmp(store, "any") == 0)
		r->store = BCD_STORE_ANY;
	else if (strcmp(store, "bios") == 0)
		r->store = BCD_STORE_BIOS;
	else if (strcmp(store, "efi") == 0)
		r->store = BCD_STORE_EFI;
	else
		doc_error(d, n, "store '%s' is not one of any, bios, efi", store);
	free(store);
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		parse_bcd_op(d, r, c);
		nops++;
	}
	if (nops == 0)
		doc_error(d, n, "<bcd> has no operations");
}

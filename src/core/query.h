/*
 * query.h - what `wimpatch query` asks of a hive and what it finds there:
 * one answer per hive read (each image of a WIM, a bare hive, a BCD
 * store), and its rendering as text for people and as a .reg file.  The
 * JSON rendering is in adapters/json_report.c; targets/query*.c read the
 * hives.
 */
#ifndef WIMPATCH_QUERY_H
#define WIMPATCH_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/regfile.h"
#include "core/regval.h"

struct query_request {
	const char *key;	/* as in profiles: relative to the hive root,
				   '\'-separated, CurrentControlSet allowed;
				   "" is the root */
	const char *value;	/* one value of it ("" the default), or NULL */
	bool recursive;		/* the key's whole subtree */
};

struct query_value {
	char *name;		/* as stored; "" is the default value */
	struct regval val;
};

struct query_key {
	char *path;		/* from the hive root, as stored ("" the root) */
	struct query_value *values;
	size_t n_values;
	char **subkeys;		/* their names, as stored */
	size_t n_subkeys;
};

/* One hive's answer.  The strings the reader fills are its own (freed
 * by query_result_free); those about where the hive is are the caller's. */
struct query_result {
	const char *file;	/* as the user names it ("m.iso/sources/install.wim") */
	int image;		/* 1-based; 0: no WIM image */
	const char *image_name;
	const char *hive;	/* its path in the image, or the file's kind ("SYSTEM") */
	const char *root;	/* "HKEY_LOCAL_MACHINE\SYSTEM", as .reg files name it */
	char control_set[16];	/* what CurrentControlSet was read as, "" if not asked */
	unsigned select_current;	/* the Select\Current that said so */
	bool found;
	char *missing;		/* when not found: the key (as stored where
				   found, as asked after) or value that is not there */
	struct query_key *keys;	/* the key, then (recursive) its subtree, depth first */
	size_t n_keys;
};

/* The reader's part of `q` (keys, missing). */
void query_result_free(struct query_result *q);

/* The answer as text: a line naming the file, image, hive and control
 * set, then each key's path, values and subkeys; every name and string
 * from the hive escaped (util/escape.h). */
void query_print_text(FILE *f, const struct query_request *rq, const struct query_result *q);

/* The answer as .reg entries (with a comment naming where it is from);
 * what cannot be written is left out, as regfile.h says. */
void query_print_reg(struct regfile_out *r, const struct query_request *rq,
		     const struct query_result *q);

#endif

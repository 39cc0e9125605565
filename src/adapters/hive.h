/*
 * hive.h - registry hive files, in the project's terms.  The only module
 * that uses hivex.
 *
 * A hive is always opened into memory (hivex's write mode reads the whole
 * file), so edits never touch the file until hive_commit(), which writes a
 * new file: callers choose where, and rename it into place themselves.
 * Key and value names are matched case-insensitively, as Windows does.
 *
 * Functions returning int give 0 on success and -1 on error, with the
 * reason in hive_error(); "not found" is not an error (see each function).
 */
#ifndef WIMPATCH_HIVE_H
#define WIMPATCH_HIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/regval.h"

struct hive;
typedef size_t hive_node;

struct hive_value {
	char *name;		/* as stored; "" is the default value */
	struct regval val;
};

enum hive_open_flags {
	HIVE_WRITABLE = 1,	/* edits allowed (hive is read into memory) */
	HIVE_ALLOW_DIRTY = 2,	/* accept a hive whose sequence numbers differ */
};

/* On failure returns NULL and puts a one-line reason (no file name) in err. */
struct hive *hive_open(const char *path, int flags, char *err, size_t errlen);
void hive_close(struct hive *h);
const char *hive_error(const struct hive *h);

/*
 * What a base block says (the first 512 bytes of a hive or of a
 * transaction log beside it, SYSTEM.LOG1...): the signature, the primary
 * and secondary sequence numbers, the file type (0 a hive, 1 or 2 an old
 * log, 6 a new one: Windows 8.1 on), and whether the checksum at 508
 * matches.  A hive is dirty when its sequence numbers differ: Windows
 * then replays its logs at load.  Does not need hivex.
 */
struct hive_base {
	bool regf, checksum_ok;
	uint32_t seq1, seq2, type;
};
void hive_base_parse(const unsigned char *b, size_t n, struct hive_base *out);
/* The base block of the file at `path`; *size gets the file's size.  0,
 * or -1 with errno set (0 for a file too short to hold one: then
 * out->regf is false and 0 is returned). */
int hive_base_read(const char *path, struct hive_base *out, uint64_t *size);
static inline bool hive_base_dirty(const struct hive_base *b)
{
	return b->regf && b->seq1 != b->seq2;
}

/* Do a file's first n bytes make it a regf hive?  Does not need hivex. */
bool hive_header_is_regf(const unsigned char *head, size_t n);

/*
 * The file name Windows wrote into a hive's base block (`head`, its
 * first n bytes): at 0x30, 64 bytes of UTF-16LE, the last 31 characters
 * of the path ("\SystemRoot\System32\Config\SYSTEM", "SYSTEM",
 * "\??\C:\Users\x\ntuser.dat").  Put into `out` as ASCII, every other
 * character as '?', ending at the first NUL; "" when there is none (hivex
 * writes none, nor do older Windows versions).  Does not need hivex.
 */
void hive_header_file_name(const unsigned char *head, size_t n, char *out, size_t size);
/* The same, of an open hive ("" if none). */
const char *hive_file_name(const struct hive *h);

/*
 * The largest hive wimpatch reads: a 4 KiB base block, at most
 * HIVE_MAX_DATA bytes of hive data (a real SYSTEM hive holds tens of MB,
 * rarely 200) and at most HIVE_MAX_SLACK of unused space after them
 * (Windows leaves some).  hivex reads a hive file whole into memory, so
 * this bounds what one costs: hive_open() checks a file against its base
 * block and these limits before reading it.
 */
#define HIVE_MAX_DATA (UINT64_C(1) << 30)
#define HIVE_MAX_SLACK (UINT64_C(16) << 20)
#define HIVE_MAX_FILE (4096 + HIVE_MAX_DATA + HIVE_MAX_SLACK)
/* May a hive file be `size` bytes?  For a size known before the file is
 * at hand (a WIM's metadata gives it before extracting): if not, puts
 * "WHAT is N GiB, more than..." in err and returns false. */
bool hive_size_acceptable(uint64_t size, const char *what, char *err, size_t errlen);

hive_node hive_root(struct hive *h);
/* The stored name of a node (malloc'd), or NULL on error. */
char *hive_node_name(struct hive *h, hive_node n);
/* Child by name; *out = 0 when there is none.  -1 only on read errors. */
int hive_child(struct hive *h, hive_node parent, const char *name, hive_node *out);
/* All children (malloc'd array, *n entries). */
int hive_children(struct hive *h, hive_node parent, hive_node **out, size_t *n);
int hive_add_child(struct hive *h, hive_node parent, const char *name, hive_node *out);
/*
 * Add n keys at once: names[i] under parents[i] (parents may repeat; no
 * name may exist under its parent yet, nor be given twice for it), the
 * new nodes in out[i].  For thousands of keys under one parent: hivex
 * adds one key in time and hive space that grow with the parent's
 * subkeys (N keys cost N²), this in one rewrite of the hive (written out
 * and read in again, so the cost of that is once per call).  Names that
 * are not plain ASCII are added one by one by hivex.  On error the
 * hive may hold some of the keys.
 */
int hive_add_children(struct hive *h, const hive_node *parents, const char *const *names,
		      size_t n, hive_node *out);

/* Count the keys and values below and including `n`, checking that every
 * key's parent link points back where we came from: a key cell listed under
 * two parents would be corrupted by deleting it, so that is an error. */
int hive_subtree_stats(struct hive *h, hive_node n, size_t *keys, size_t *values);
/* Delete `n` and its subtree; checks the subtree first as above. */
int hive_delete_key(struct hive *h, hive_node n);

/* Value by name; *found = false when absent.  out->data is malloc'd and
 * *stored_name (if not NULL) gets the name's stored spelling. */
int hive_get_value(struct hive *h, hive_node n, const char *name,
		   struct regval *out, char **stored_name, bool *found);
/* All values of a key, in stored order (free with hive_values_free). */
int hive_values(struct hive *h, hive_node n, struct hive_value **out, size_t *count);
void hive_values_free(struct hive_value *v, size_t count);
/* Set (create or replace) one value.  A replaced value keeps its stored name. */
int hive_put_value(struct hive *h, hive_node n, const char *name, const struct regval *v);
/* Replace all values of `n` by `v`, in that order, in one rewrite (this is
 * also how a value is deleted: hivex has no call for that).  hivex
 * writes every value of a key into new cells whenever one of them changes
 * and never reuses the cells it leaves, so a key's values are best set at
 * once (targets/keyvals.h). */
int hive_set_values(struct hive *h, hive_node n, const struct hive_value *v, size_t count);

/* Write the whole hive to `path` (created or truncated); the caller
 * fsyncs and renames.  The keys edited or added since the hive was opened
 * (values set, subkeys added or deleted) and the base block get the time
 * of the run (util/clock.h); other keys keep theirs.  The in-memory hive stays open and usable.  A hive
 * written bigger than HIVE_MAX_FILE (which hive_open would refuse) is an
 * error; `path` then holds it, for the caller to remove. */
int hive_commit(struct hive *h, const char *path);

#endif

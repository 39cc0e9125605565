/*
 * query_read.h - one key (its values and subkeys' names, or its whole
 * subtree) or one value, read from an open hive into a query's answer.
 */
#ifndef WIMPATCH_QUERY_READ_H
#define WIMPATCH_QUERY_READ_H

#include "adapters/hive.h"
#include "core/query.h"

/*
 * Fill q's keys (and found, missing, control_set) from `h`; q's other
 * fields are the caller's.  A key starting with CurrentControlSet is
 * read in the control set Select\Current names.  A key or value that is
 * not there is no error: q->found is false and q->missing names it.
 * Returns 0, or -1 after reporting the reason with `where` (the file,
 * image and hive) and the key.
 */
int query_read(struct hive *h, const struct query_request *rq, const char *where,
	       struct query_result *q);

#endif

/*
 * report_json.h - the machine-readable report (--json), built with json-c.
 *
 * Format (version 1; stable: fields are only ever added):
 *   { "format_version": 1, "command": "apply"|"diff", "dry_run": bool,
 *     "files": [ { "path", "kind": "wim"|"hive"|"bcd", "output": str|null,
 *                  "status": "written"|"unchanged"|"pending"|"copied",
 *                  "changes": n,
 *                  "hives": [ { "image": {"index","name","role"}|null,
 *                               "hive", "root", "bcd": bool,
 *                               "changes": [ { "op", "key", "value", "type",
 *                                              "old", "new", "note",
 *                                              "subkeys", "values" } ] } ] } ],
 *     "totals": { "files", "changes", "written", "pending" },
 *     "errors": [ { "message" } ],
 *     "exit_code": n }
 * "old" and "new" are null when absent, else { "type", "data" (hex),
 * "text" (readable) }; "value" is null for key operations.
 */
#ifndef WIMPATCH_REPORT_JSON_H
#define WIMPATCH_REPORT_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include "core/report.h"

struct json_report;

struct json_report *json_report_new(const char *command, bool dry_run);
void json_report_add_file(struct json_report *j, const struct file_report *fr);
void json_report_add_error(struct json_report *j, const char *message);
/* Print the document to `out` and free everything. */
void json_report_finish(struct json_report *j, int exit_code, FILE *out);
/* "0.16": the json-c in use, for --version. */
const char *json_library_version(void);

#endif

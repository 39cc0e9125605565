/*
 * json_report.h - the machine-readable reports (--json), built with json-c.
 *
 * Format (version 2; stable: fields are only ever added, and version 2
 * is version 1 with more fields):
 *   { "format_version": 2, "command": "apply"|"diff", "dry_run": bool,
 *     "files": [ { "path", "kind": "wim"|"hive"|"bcd", "output": str|null,
 *                  "status": "written"|"unchanged"|"pending"|"copied",
 *                  "changes": n,
 *                  "hives": [ { "image": {"index","name","role"}|null,
 *                               "hive", "root", "bcd": bool,
 *                               "changes": [ { "op", "key", "value", "type",
 *                                              "old", "new", "note",
 *                                              "subkeys", "values" } ] } ] } ],
 *     "isos": [ { "input", "output", "status" (as files', or "failed"),
 *                 "route": "rebuild", "size", "sha256", "label",
 *                 "filesystems", "boot": [ { "platform", "platform_id",
 *                 "bootable", "no_emulation", "load_sectors", "image" } ],
 *                 "entries", "split": {"from","to","parts","max_size"}|null,
 *                 "verification": [ str ] } ],
 *     "totals": { "files", "changes", "written", "pending" },
 *     "errors": [ { "message", "code", "file", "image", "hive", "key" } ],
 *     "exit_code": n }
 * "old" and "new" are null when absent, else { "type", "data" (hex),
 * "text" (readable) }; "value" is null for key operations.  An ISO
 * image's size, sha256, filesystems, entries and split are null unless
 * it was written.  An error's fields are null where not known.
 *
 *   { "format_version": 2, "command": "show",
 *     "targets": [ { "path", "kind": "iso"|"tree"|"wim"|"bcd"|"hive", ... } ],
 *     "errors", "exit_code" }
 * iso: "label", "udf", "boot" (as above), "files": [ wim|bcd ]; tree:
 * "files"; wim: "image_count", "boot_index", "split_parts", "images":
 * [ { "index", "name", "edition", "build", "arch", "role", "hive",
 * "system" } ]; bcd: "store", "default_loader": { "guid", "description",
 * "exists", "debug" }|null, "no_default", "dbgsettings": { "debugtype",
 * "debugtype_value", "params": { name: value } }|null; hive: "system".
 * system: { "control_set", "crash_dump_enabled", "boot_time_filters",
 * "paging_files", "msiscsi", "exposure", "verdict" }.
 *
 *   { "format_version": 2, "command": "profiles",
 *     "profiles": [ { "name", "file", "description", "parameters",
 *                     "rules": [ { "id", "profile", "role", "hive",
 *                                  "all_control_sets", "images",
 *                                  "ops": [ { "op", "key", "value",
 *                                             "type", "new" } ] } ],
 *                     "bcd_rules": [ { "id", "profile", "store",
 *                                      "ops": [ { "op", "object" } ] } ] } ],
 *     "errors", "exit_code" }
 * "rules" and "bcd_rules" only for the profiles named (not in a list).
 *
 *   { "format_version": 2, "command": "query", "key", "value": str|null,
 *     "recursive": bool,
 *     "hives": [ { "file", "image": {"index","name"}|null, "hive", "root",
 *                  "control_set": str|null, "found": bool,
 *                  "missing": str|null,
 *                  "keys": [ { "path", "subkeys": [ str ],
 *                              "values": [ { "name", "type", "data",
 *                                            "text", "value" } ] } ] } ],
 *     "errors", "exit_code" }
 * A value's "value" is a number (DWORD, QWORD), a string (SZ,
 * EXPAND_SZ) or null (other types, or string data that is no clean text).
 * wimpatch(1), JSON REPORT, is the reference.
 */
#ifndef WIMPATCH_REPORT_JSON_H
#define WIMPATCH_REPORT_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include "core/plan.h"
#include "core/report.h"
#include "core/show_report.h"
#include "util/msg.h"

/* One number for every document wimpatch prints; see wimpatch(1). */
#define JSON_FORMAT_VERSION 2

struct json_report;

/* The document of "apply" or "diff". */
struct json_report *json_report_new(const char *command, bool dry_run);
/* The document of "show": json_report_add_shown is a show_opts done
 * function (ctx: the report); after each target, json_report_end_target. */
struct json_report *json_report_new_show(void);
void json_report_add_shown(const struct shown *s, void *ctx);
void json_report_end_target(struct json_report *j);
/* The document of "profiles": each profile (plan->profiles[0]) as listed,
 * or with `rules` as shown, with the rules it and its includes have. */
struct json_report *json_report_new_profiles(void);
void json_report_add_profile(struct json_report *j, const struct plan *plan, bool rules);
/* The document of "query": json_report_add_query is a query_opts done
 * function (ctx: the report). */
struct query_request;
struct query_result;
struct json_report *json_report_new_query(const struct query_request *rq);
void json_report_add_query(const struct query_result *q, void *ctx);
void json_report_add_file(struct json_report *j, const struct file_report *fr);
/* An error sink for msg_set_error_sink (ctx: the report): each error
 * with what it is about, its code still null. */
void json_report_error(const char *message, const struct msg_about *about, void *ctx);
/* The errors added since the last call get `code` (wp_err_name: the kind
 * of failure they led to); with NULL (the work succeeded after all) they
 * keep a null code. */
void json_report_errors_code(struct json_report *j, const char *code);
/* Print the document to `out` and free everything. */
void json_report_finish(struct json_report *j, int exit_code, FILE *out);
/* "0.16": the json-c in use, for --version. */
const char *json_library_version(void);

#endif

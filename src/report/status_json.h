/* `status --json`: the watch list and the daemon summary as JSON, in the
 * shape 0.1.0's state.json had (the sequential state left out: it is
 * internal, the analysis is what users read):
 *   {"version": 1, "daemon": {...}, "experiments": [{..., "analysis": {...}}]}
 * status_report_add_json() adds the rest. Pure: builds a json-c tree. */
#pragma once
#include <json-c/json.h>

#include "store/experiments.h"
#include "store/watchlist.h"

struct status_report;

/* How `status --json` has written its document since 0.1.0: pretty, with
 * slashes escaped (json_output.h). */
#define STATUS_JSON_FLAGS JSON_C_TO_STRING_PRETTY

/* A new object, or NULL on ENOMEM. */
json_object *status_json_new(const struct watchlist *w, const struct daemon_summary *s);

/* The whole `status --json` document: status_json_new and the report's
 * members (status_report_add_json). NULL on ENOMEM. */
json_object *status_json_document(const struct watchlist *w, const struct daemon_summary *s,
                                  const struct status_report *report);

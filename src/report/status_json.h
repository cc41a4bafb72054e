/* `status --json`: the watch list and the daemon summary as JSON, in the
 * shape 0.1.0's state.json had (the sequential state left out: it is
 * internal, the analysis is what users read):
 *   {"version": 1, "daemon": {...}, "experiments": [{..., "analysis": {...}}]}
 * status_report_add_json() adds the rest. Pure: builds a json-c tree. */
#pragma once
#include <json-c/json.h>

#include "store/experiments.h"
#include "store/watchlist.h"

/* A new object, or NULL on ENOMEM. */
json_object *status_json_new(const struct watchlist *w, const struct daemon_summary *s);

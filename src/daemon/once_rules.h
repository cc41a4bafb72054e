/* What the rules say about one `once` cycle: which hold now, evaluated on a
 * scratch alert state. `once` only shows this; it never notifies or acts,
 * so running it next to the daemon can never send or pause twice. */
#pragma once
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>

struct config;
struct silences;
struct watched_experiment;

/* The rules that hold for e now, as a JSON array of
 * {"rule","variant_id","state":"firing"|"pending","severity","action",
 * "silenced_by","inhibited_by","action_withheld"} ("pending": the rule's
 * `for` has not elapsed yet; silenced_by: the id of a silence of
 * silences (may be NULL) that holds it back, inhibited_by: the source rule
 * of an inhibit entry that does). NULL on ENOMEM. */
json_object *once_rules_holding(const struct config *c, const struct watched_experiment *e, int64_t now,
                                const struct silences *silences);

/* The same as lines of text, after the experiment's table. */
void once_rules_print(FILE *out, json_object *holding);

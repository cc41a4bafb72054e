/* A rule transition as the event the notifiers format (struct alert_event). */
#pragma once
#include "notify/notify_payload.h"

struct config;
struct analysis_summary;
struct rule_transition;

/* Fills *ev for transition t of c->rules[t->rule_index] with the figures of
 * its variant in a, an analysis's summary (a may be NULL, e.g. no analysis
 * since a restart: then only the rule and ids are filled). FIRED, REPEAT and STILL_FIRING give
 * ALERT_EVENT_FIRED, RESOLVED gives ALERT_EVENT_RESOLVED. Strings are
 * borrowed from t, c and a; id and experiment_url are left NULL for the
 * caller. For an action event, change kind and set action/action_result. */
void rule_transition_event(const struct rule_transition *t, const struct config *c,
                           const struct analysis_summary *a, struct alert_event *ev);

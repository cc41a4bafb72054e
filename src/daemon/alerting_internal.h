/* Shared by alerting.c, alerting_notify.c, alerting_holds.c and
 * alerting_journal.c only:
 * the daemon's alerting split by concern. Not for other files. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "alerting.h"
#include "rules/alert_holds.h"

struct config_rule;

/* The journal's note on the message an alert was held back for. */
#define ALERTING_RELEASE_NOTE " (held back until now)"

/* Journals transition t of rule: note is appended to the message, e.g.
 * " (not sent: silence 3)"; hold (may be NULL) adds MIDA_SILENCE_ID or
 * MIDA_INHIBITED_BY and makes a fire or repeat an ALERT_HELD record; a
 * note starting ALERTING_RELEASE_NOTE an ALERT_RELEASED one. */
void alerting_journal_transition(const struct rule_transition *t, const struct config_rule *rule,
                                 const struct alert_event *ev, const char *event_id, const struct alert_hold *hold,
                                 const char *note);

/* Adds ev to the open group's batch; false when out of memory. */
bool alerting_batch_event(struct alerting *al, const struct rule_transition *t, const struct config_rule *rule,
                          const struct alert_event *ev);
/* Tells t as usual: at once for a rule with an action, else in the batch. */
void alerting_announce(struct alerting *al, const struct rule_transition *t, struct alert_event *ev, const char *note);

/* Queues ev for every notifier of c->rules[rule_index] now, outside the
 * batch: action results arrive after the cycle. */
void alerting_send_now(struct alerting *al, size_t rule_index, const struct alert_event *ev);
/* The batch's events, one call per notifier with the events of its rules. */
void alerting_queue_batch(struct alerting *al);

/* alerting_holds.c: a transition of a held alert; the action of a rule,
 * or why it is withheld; the owed messages of e's alerts nothing holds any
 * more; the silences, read again when state.db changed. */
void alerting_hold_transition(struct alerting *al, const struct rule_transition *t, struct alert_event *ev,
                              const struct alert_hold *hold);
void alerting_consider_action(struct alerting *al, const struct rule_transition *t, const struct watched_experiment *e,
                              const struct alert_hold *hold);
void alerting_release_held(struct alerting *al, const struct watched_experiment *e, int64_t now);
void alerting_refresh_silences(struct alerting *al, int64_t now);

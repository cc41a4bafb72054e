/* Alerts something holds back (silences, inhibition): their transitions
 * journalled and not told, their actions withheld, and the one message
 * each is owed once nothing holds it; and the silences read again when
 * `mida-monitor silence` changed them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerting.h"
#include "alerting_internal.h"
#include "config/config.h"
#include "rules/alert_holds.h"
#include "rules/rule_event.h"
#include "stats/analysis_summary.h"
#include "store/db.h"
#include "store/group_commit.h"
#include "store/watchlist.h"
#include "util/log.h"

/* A transition of an alert something holds back: journalled, not told.
 * A fire or repeat leaves a message owed (record held); the end of an
 * alert that was announced still ends it where state is kept
 * (Alertmanager, PagerDuty); nothing else goes out. */
void alerting_hold_transition(struct alerting *al, const struct rule_transition *t, struct alert_event *ev,
                            const struct alert_hold *hold)
{
        const struct config_rule *rule = &al->config->rules[t->rule_index];
        struct alert_record *r = rules_find_alert(&al->alerts, rule->name, t->experiment_id, t->variant_id);
        char what[96], note[128];

        alert_hold_describe(hold, what, sizeof(what));
        snprintf(note, sizeof(note), " (not sent: %s)", what);
        if (t->kind == RULE_TRANSITION_FIRED || t->kind == RULE_TRANSITION_REPEAT) {
                alerting_journal_transition(t, rule, ev, NULL, hold, note);
                /* A held repeat is only a reminder of an alert already
                 * announced: nothing is owed for it. */
                if (r && !r->held && t->kind == RULE_TRANSITION_FIRED)
                        al->holds_changed = r->held = true;
        } else if (t->kind == RULE_TRANSITION_RESOLVED) {
                alerting_journal_transition(t, rule, ev, NULL, hold, note);
                ev->state_only = true;
                if (!t->held && rule->n_notify > 0)
                        (void) alerting_batch_event(al, t, rule, ev);
        }
}

void alerting_consider_action(struct alerting *al, const struct rule_transition *t, const struct watched_experiment *e,
                            const struct alert_hold *hold)
{
        const char *rule = al->config->rules[t->rule_index].name;
        char what[96], id[24], silence[24] = "";
        struct log_field fields[] = {
                { "MIDA_RULE", rule }, { "MIDA_EXPERIMENT_ID", id },
                { "MIDA_SILENCE_ID", NULL }, { "MIDA_INHIBITED_BY", NULL },   /* what withholds it, below */
        };

        if (hold->actions) {
                struct alert_hold by = { .silence_id = hold->actions_silence_id,
                                         .inhibited_by = hold->actions_inhibited_by };

                alert_hold_describe(&by, what, sizeof(what));
                snprintf(id, sizeof(id), "%lld", t->experiment_id);
                snprintf(silence, sizeof(silence), "%lld", by.silence_id);
                fields[2].value = by.silence_id ? silence : NULL;
                fields[3].value = by.inhibited_by;
                /* Once per fire; the later polls that find it still held only at debug. */
                log_event(t->kind == RULE_TRANSITION_STILL_FIRING ? LOG_DEBUG : LOG_NOTICE, MIDA_MSGID_ACTION_WITHHELD,
                          fields, 4, "rule %s, experiment %lld: action withheld %s %s", rule, t->experiment_id,
                          by.silence_id ? "by" : "while", what);
                return;
        }
        action_runner_consider(&al->actions, t, e->current, al->dry_run_forced || al->config->monitor.dry_run);
}

/* Alerts of e that fired while held and that nothing holds any more get
 * their message now, once. */
void alerting_release_held(struct alerting *al, const struct watched_experiment *e, int64_t now)
{
        for (size_t i = 0; i < al->alerts.n; i++) {
                struct alert_record *r = &al->alerts.records[i];
                struct rule_transition t = { .kind = RULE_TRANSITION_FIRED, .experiment_id = e->id, .at = now,
                                             .notify = true };
                struct alert_hold hold;
                struct alert_event ev;

                if (r->experiment_id != e->id || r->state != ALERT_FIRING || !r->held ||
                    !rule_find(al->config, r->rule, &t.rule_index) ||
                    alert_hold_find(al->config, &al->alerts, &al->silences, t.rule_index, e->id, r->variant_id, now,
                                    &hold))
                        continue;
                al->holds_changed = true;
                r->held = false;
                t.fired_at = r->fired_at;
                t.variant_id = *r->variant_id ? r->variant_id : NULL;
                t.variant_index = t.variant_id && e->last ? analysis_summary_find_variant(e->last, t.variant_id)
                                                          : SIZE_MAX;
                /* The event borrows the transition: keep a copy in the batch. */
                if (rule_transitions_push(&al->batch.transitions, &t) < 0) {
                        log_error("out of memory: the held message of rule %s is lost", r->rule);
                        continue;
                }
                rule_transition_event(&al->batch.transitions.items[al->batch.transitions.n - 1], al->config, e->last,
                                      &ev);
                alerting_announce(al, &al->batch.transitions.items[al->batch.transitions.n - 1], &ev, ALERTING_RELEASE_NOTE);
        }
}

/* The silences `mida-monitor silence` changed are read again: state.db's
 * data_version moves when another connection commits. */
void alerting_refresh_silences(struct alerting *al, int64_t now)
{
        struct store *store = store_group_store(al->group);
        long long version = 0;
        int r = store_data_version(store, &version);

        if (r >= 0 && al->silences_loaded && version == al->silences_version)
                return;
        if (r >= 0)
                r = silences_load(store, now, &al->silences);
        if (r < 0) {
                log_warning("state.db: cannot read the silences: %s; using those read before", strerror(-r));
                return;
        }
        al->silences_loaded = true;
        al->silences_version = version;
}


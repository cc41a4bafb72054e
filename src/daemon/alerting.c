/* The rules engine in the daemon: evaluate, journal, batch, queue. */
#include "alerting.h"
#include "alerting_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats/analysis.h"
#include "stats/analysis_summary.h"
#include "config/config.h"
#include "experiment_update.h"
#include "util/grow.h"
#include "util/log.h"
#include "notify/outbox.h"
#include "rules/alert_holds.h"
#include "rules/rule_event.h"
#include "store/digest_rows.h"
#include "store/db.h"
#include "store/group_commit.h"
#include "store/meta.h"
#include "store/watchlist.h"

/* Writes of the open group: a failure dooms it (rolled back, and the
 * committed hook makes the next group rewrite the whole state). */
static void write_result(struct alerting *al, int r)
{
        if (r < 0)
                store_group_fail(al->group, r);
}

/* Per state directory, so that two installations never share ids;
 * committed at once, before any id derives from it. */
static void ensure_salt(struct alerting *al)
{
        struct rules_state *s = &al->alerts;
        char fresh[NOTIFY_EVENT_ID_SIZE];
        int r;

        if (s->salt[0])
                return;
        notify_new_event_id(fresh);
        memcpy(s->salt, fresh + 4, sizeof(s->salt) - 1);   /* the 32 hex digits */
        s->salt[sizeof(s->salt) - 1] = 0;
        r = store_group_join(al->group);
        if (r >= 0)
                r = store_salt_set(store_group_store(al->group), s->salt);
        write_result(al, r);
        if (r >= 0)
                r = store_group_flush(al->group);
        if (r < 0)
                log_warning("state.db: cannot save the event-id salt: %s", strerror(-r));
}

/* The action runner's report hook: the action event for the rule's
 * notifiers, with the experiment's latest figures when the daemon has them. */
static void report_action(void *userdata, const struct action_report *r)
{
        struct alerting *al = userdata;
        const struct watched_experiment *e = watchlist_find(al->watch, r->experiment_id);
        const struct analysis_summary *a = e ? e->last : NULL;
        struct rule_transition t = {
                .kind = RULE_TRANSITION_FIRED, .experiment_id = r->experiment_id,
                .variant_id = (char *) r->variant_id, .variant_index = analysis_summary_find_variant(a, r->variant_id),
                .at = time(NULL),
        };
        char id[NOTIFY_EVENT_ID_SIZE];
        struct alert_event ev;

        if (!rule_find(al->config, r->rule, &t.rule_index))
                return;   /* the rule was removed meanwhile: the journal has it */
        alerting_event_id(al, r->what, r->rule, r->experiment_id, r->per_cycle, id);
        rule_transition_event(&t, al->config, a, &ev);
        if (!ev.experiment_name && e)
                ev.experiment_name = e->name;
        ev.id = id;
        ev.kind = r->kind;
        ev.action = r->action;
        ev.action_result = r->result;
        ev.dry_run = r->dry_run;
        alerting_send_now(al, t.rule_index, &ev);
}

static void actions_idle(void *userdata)
{
        struct alerting *al = userdata;

        if (al->idle)
                al->idle(al->idle_userdata);
}

static void before_commit(void *userdata);
static void committed(void *userdata, int r);

static void load_alerts(struct alerting *al)
{
        int r = rules_state_load(store_group_store(al->group), &al->alerts);
        size_t n;

        if (r == -EBADMSG)
                log_warning("state.db: alert rows this version cannot read were skipped; the others are kept");
        else if (r < 0)
                log_error("state.db: cannot read the alert states: %s; starting without them", strerror(-r));
        n = rules_state_prune(&al->alerts, al->config);
        if (n > 0)
                al->resync = true;   /* rows of rules no longer configured go too */
}

int alerting_open(struct alerting *al, sd_event *event, struct http_client *api_http,
                  struct http_client *delivery_http)
{
        const struct action_runner_hooks hooks = { .userdata = al, .report = report_action, .idle = actions_idle };
        const struct store_group_listener l = { .before_commit = before_commit, .committed = committed,
                                                .userdata = al };
        int r;

        load_alerts(al);
        ensure_salt(al);
        r = store_group_listen(al->group, &l);
        if (r < 0)
                return r;
        action_runner_open(&al->actions, event, api_http, al->config, al->group, &hooks);
        r = outbox_open(al->group, event, delivery_http, &al->outbox);
        if (r < 0)
                log_error("state.db: cannot open the delivery outbox: %s", strerror(-r));
        else
                outbox_set_config(al->outbox, al->config);
        return r;
}

void alerting_close(struct alerting *al)
{
        action_runner_close(&al->actions);
        outbox_free(al->outbox);
        al->outbox = NULL;
        rule_transitions_clear(&al->batch.transitions);
        silences_clear(&al->silences);
        al->silences_loaded = false;
        free(al->batch.items);
        al->batch = (struct alert_batch) { 0 };
        rules_state_clear(&al->alerts);
}

/* An alert that fired or resolved, in the log digests summarise, with
 * the alert rows in the open group. */
static void log_transition(struct alerting *al, const struct rule_transition *t, const char *rule, bool held,
                           int64_t now)
{
        int r;

        if (t->kind != RULE_TRANSITION_FIRED && t->kind != RULE_TRANSITION_RESOLVED)
                return;
        r = store_group_join(al->group);
        if (r >= 0)
                r = store_alert_log_add(store_group_store(al->group), &(struct store_alert_log_row) {
                        .at = now, .rule = rule, .experiment_id = t->experiment_id, .variant_id = t->variant_id,
                        .resolved = t->kind == RULE_TRANSITION_RESOLVED, .held = held });
        write_result(al, r);
}

/* The event's strings point into e->last, which stays until e's next
 * poll: after the group that queues the batch has committed. */
static void handle_transition(struct alerting *al, const struct rule_transition *t,
                              const struct watched_experiment *e, int64_t now)
{
        const struct config_rule *rule = &al->config->rules[t->rule_index];
        struct alert_hold hold = { 0 };   /* nothing holds a pending alert */
        bool held = t->kind != RULE_TRANSITION_PENDING &&
                    alert_hold_find(al->config, &al->alerts, &al->silences, t->rule_index, t->experiment_id,
                                    t->variant_id, now, &hold);
        struct alert_event ev;

        rule_transition_event(t, al->config, e->last, &ev);
        log_transition(al, t, rule->name, held, now);
        if (held)
                alerting_hold_transition(al, t, &ev, &hold);
        else if (t->kind == RULE_TRANSITION_RESOLVED && t->held)
                /* Never announced: its end is not news to anyone. */
                alerting_journal_transition(t, rule, &ev, NULL, NULL, " (not sent: it was never announced)");
        else
                alerting_announce(al, t, &ev, NULL);
        if (rule->action != RULE_ACTION_NONE && t->kind != RULE_TRANSITION_RESOLVED &&
            t->kind != RULE_TRANSITION_PENDING)
                alerting_consider_action(al, t, e, &hold);
}

/* The experiment's alert rows follow its records in the open group. */
static void save_experiment_alerts(struct alerting *al, long long experiment_id)
{
        int r = store_group_join(al->group);

        if (r >= 0)
                r = rules_state_save_experiment(store_group_store(al->group), &al->alerts, experiment_id);
        write_result(al, r);
        if (r < 0)
                al->resync = true;
}

void alerting_evaluate(struct alerting *al, struct watched_experiment *e)
{
        struct rule_transitions *all = &al->batch.transitions;
        size_t first = all->n, end;
        int64_t now = time(NULL);
        int r;

        if (!e->current || al->config->n_rules == 0)
                return;
        alerting_refresh_silences(al, now);
        r = rules_evaluate_experiment(&al->alerts, al->config, e->current,
                                      experiment_hours_since_new_visitor(e, now), now, all);
        if (r < 0)
                log_error("out of memory evaluating the rules of experiment %lld", e->id);
        al->holds_changed = false;
        end = all->n;
        /* Before the transitions: a released alert is told before its action is considered. */
        alerting_release_held(al, e, now);
        for (size_t i = first; i < end; i++)
                handle_transition(al, &all->items[i], e, now);
        if (r != 0 || al->holds_changed)
                save_experiment_alerts(al, e->id);
}

/* The experiment's firing alerts end unannounced (it was stopped on
 * purpose), but Alertmanager and PagerDuty keep state of their own: they
 * are told (state_only) that the alerts ended. */
static void end_dropped_alerts(struct alerting *al, long long experiment_id)
{
        time_t now = time(NULL);

        for (size_t i = 0; i < al->alerts.n; i++) {
                const struct alert_record *r = &al->alerts.records[i];
                const struct config_rule *rule;
                char id[NOTIFY_EVENT_ID_SIZE], what[96];
                size_t index;

                /* A held alert was never announced: nothing to end. */
                if (r->experiment_id != experiment_id || r->state != ALERT_FIRING || r->held ||
                    !(rule = rule_find(al->config, r->rule, &index)))
                        continue;
                snprintf(what, sizeof(what), "alert ended %s", r->variant_id);
                alerting_event_id(al, what, rule->name, experiment_id, true, id);
                alerting_send_now(al, index, &(struct alert_event) {
                        .id = id, .kind = ALERT_EVENT_RESOLVED, .rule = rule->name,
                        .severity = rule_severity_to_string(rule->severity), .experiment_id = experiment_id,
                        .variant_id = *r->variant_id ? r->variant_id : NULL, .visitors = -1, .variant_visitors = -1,
                        .created_at = now, .fired_at = (time_t) r->fired_at, .resolved_at = now, .state_only = true,
                });
        }
}

/* The firing alerts of an experiment no longer watched end in the log
 * too, so that a digest lists them as resolved. */
static void log_dropped_alerts(struct alerting *al, long long experiment_id, int64_t now)
{
        for (size_t i = 0; i < al->alerts.n; i++) {
                const struct alert_record *r = &al->alerts.records[i];
                int k;

                if (r->experiment_id != experiment_id || r->state != ALERT_FIRING)
                        continue;
                k = store_group_join(al->group);
                if (k >= 0)
                        k = store_alert_log_add(store_group_store(al->group), &(struct store_alert_log_row) {
                                .at = now, .rule = r->rule, .experiment_id = experiment_id,
                                .variant_id = r->variant_id, .resolved = true, .held = r->held });
                write_result(al, k);
        }
}

void alerting_forget(struct alerting *al, long long experiment_id)
{
        size_t n;

        end_dropped_alerts(al, experiment_id);
        log_dropped_alerts(al, experiment_id, time(NULL));
        n = rules_drop_experiment(&al->alerts, experiment_id);

        if (n == 0)
                return;
        log_info("experiment %lld: %zu alert%s ended with it", experiment_id, n, n == 1 ? "" : "s");
        save_experiment_alerts(al, experiment_id);
}

/* The group's last writes: the notifications of its transitions (Slack
 * groups them: one message per notifier and group) and the generation
 * their ids derive from, so that they commit with the alert rows. */
static void before_commit(void *userdata)
{
        struct alerting *al = userdata;
        struct store *store = store_group_store(al->group);

        if (al->batch.n > 0) {
                alerting_queue_batch(al);
                al->alerts.generation++;
                write_result(al, store_generation_set(store, al->alerts.generation));
        }
        rule_transitions_clear(&al->batch.transitions);
        al->batch.n = 0;
        if (al->resync) {
                write_result(al, rules_state_save(store, &al->alerts));
                al->resync = false;
        }
}

/* Rolled back: the memory is right, the rows are not; the next group
 * rewrites them all. */
static void committed(void *userdata, int r)
{
        struct alerting *al = userdata;

        if (r < 0)
                al->resync = true;
}

void alerting_config_changed(struct alerting *al, const struct config *config, struct http_client *api_http)
{
        size_t n;

        al->config = al->actions.config = config;
        al->actions.http = api_http;
        n = rules_state_prune(&al->alerts, config);
        if (n > 0) {
                log_info("%zu alert%s of rules no longer configured forgotten", n, n == 1 ? "" : "s");
                al->resync = true;
                (void) store_group_join(al->group);   /* the window's end writes them */
        }
        if (al->outbox)
                outbox_set_config(al->outbox, config);
}


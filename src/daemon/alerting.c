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
#include "store/db.h"
#include "store/group_commit.h"
#include "store/meta.h"
#include "store/watchlist.h"

void alerting_event_id(const struct alerting *al, const char *what, const char *rule, long long experiment_id,
                       bool per_cycle, char id[static NOTIFY_EVENT_ID_SIZE])
{
        char generation[24] = "", experiment[24];
        const char *parts[] = { al->alerts.salt, generation, what, rule, experiment };

        if (per_cycle)
                snprintf(generation, sizeof(generation), "%llu", (unsigned long long) al->alerts.generation);
        snprintf(experiment, sizeof(experiment), "%lld", experiment_id);
        notify_derived_event_id(id, parts, sizeof(parts) / sizeof(parts[0]));
}

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

static void send_now(struct alerting *al, size_t rule_index, const struct alert_event *ev);

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
        send_now(al, t.rule_index, &ev);
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

static struct batched_event *batch_add(struct alert_batch *b)
{
        struct batched_event *items = grow_array(b->items, &b->cap, b->n, sizeof(*b->items));

        if (!items)
                return NULL;
        b->items = items;
        return &b->items[b->n++];
}

static const char *const transition_names[] = {
        [RULE_TRANSITION_FIRED] = "fired", [RULE_TRANSITION_REPEAT] = "repeat",
        [RULE_TRANSITION_RESOLVED] = "resolved", [RULE_TRANSITION_STILL_FIRING] = "still-firing",
        [RULE_TRANSITION_PENDING] = "pending",
};

static void transition_event_id(const struct alerting *al, const struct rule_transition *t,
                                const struct config_rule *rule, char id[static NOTIFY_EVENT_ID_SIZE])
{
        char what[64];

        snprintf(what, sizeof(what), "alert %s %s", transition_names[t->kind], t->variant_id ? t->variant_id : "");
        alerting_event_id(al, what, rule->name, t->experiment_id, true, id);
}

/* A rule with an action is told at once, in its own message: its action
 * starts now, and its report must not reach a receiver before the alert
 * that caused it (the cycle's batch is queued only when the cycle ends). */
static void notify_before_action(struct alerting *al, const struct rule_transition *t, const struct config_rule *rule,
                                 struct alert_event *ev, const char *note)
{
        char id[NOTIFY_EVENT_ID_SIZE];

        transition_event_id(al, t, rule, id);
        ev->id = id;
        alerting_journal_transition(t, rule, ev, t->notify && rule->n_notify > 0 ? id : NULL, NULL, note);
        /* Not announced, a resolution still ends the alert where state is kept. */
        ev->state_only = !t->notify;
        send_now(al, t->rule_index, ev);
}

/* Adds ev to the cycle's batch; false when out of memory. */
bool alerting_batch_event(struct alerting *al, const struct rule_transition *t, const struct config_rule *rule,
                        const struct alert_event *ev)
{
        struct batched_event *b = batch_add(&al->batch);

        if (!b) {
                log_error("out of memory: the notification of rule %s is lost", rule->name);
                return false;
        }
        (void) store_group_join(al->group);   /* queued when the group commits */
        transition_event_id(al, t, rule, b->id);
        b->ev = *ev;   /* ev.id is set when queued: items may move */
        b->rule_index = t->rule_index;
        return true;
}

/* Told to people: fired, repeated, resolved (with notify_resolved). What
 * the rule does not announce goes state_only to the notifiers that keep
 * state (notify_wants()): Alertmanager must hear of every firing alert each
 * cycle, and Alertmanager and PagerDuty of every end. */
static void batch_transition(struct alerting *al, const struct rule_transition *t, const struct config_rule *rule,
                             struct alert_event *ev, const char *note)
{
        bool told = t->notify && rule->n_notify > 0 && t->kind != RULE_TRANSITION_STILL_FIRING;
        bool queued = false;

        ev->state_only = !told;
        if (told || t->kind == RULE_TRANSITION_RESOLVED ||
            (t->kind == RULE_TRANSITION_STILL_FIRING && rule_notifies_alertmanager(al->config, rule)))
                queued = alerting_batch_event(al, t, rule, ev);
        if (t->kind != RULE_TRANSITION_STILL_FIRING)
                alerting_journal_transition(t, rule, ev, told && queued ? al->batch.items[al->batch.n - 1].id : NULL, NULL,
                                   note);
}

/* The event's strings point into e->last, which stays until e's next
 * poll: after the group that queues the batch has committed. */
/* Told as usual: at once for a rule with an action, else in the batch. */
void alerting_announce(struct alerting *al, const struct rule_transition *t, struct alert_event *ev, const char *note)
{
        const struct config_rule *rule = &al->config->rules[t->rule_index];

        if (rule->action != RULE_ACTION_NONE && t->kind != RULE_TRANSITION_STILL_FIRING &&
            t->kind != RULE_TRANSITION_PENDING)
                notify_before_action(al, t, rule, ev, note);
        else
                batch_transition(al, t, rule, ev, note);
}

static void handle_transition(struct alerting *al, const struct rule_transition *t,
                              const struct watched_experiment *e, int64_t now)
{
        const struct config_rule *rule = &al->config->rules[t->rule_index];
        struct alert_hold hold;
        bool held = t->kind != RULE_TRANSITION_PENDING &&
                    alert_hold_find(al->config, &al->alerts, &al->silences, t->rule_index, t->experiment_id,
                                    t->variant_id, now, &hold);
        struct alert_event ev;

        rule_transition_event(t, al->config, e->last, &ev);
        if (held)
                alerting_hold_transition(al, t, &ev, &hold);
        else if (t->kind == RULE_TRANSITION_RESOLVED && t->held)
                /* Never announced: its end is not news to anyone. */
                alerting_journal_transition(t, rule, &ev, NULL, NULL, " (not sent: it was never announced)");
        else
                alerting_announce(al, t, &ev, NULL);
        if (!held)
                hold = (struct alert_hold) { .actions = false };
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
                send_now(al, index, &(struct alert_event) {
                        .id = id, .kind = ALERT_EVENT_RESOLVED, .rule = rule->name,
                        .severity = rule_severity_to_string(rule->severity), .experiment_id = experiment_id,
                        .variant_id = *r->variant_id ? r->variant_id : NULL, .visitors = -1, .variant_visitors = -1,
                        .created_at = now, .fired_at = (time_t) r->fired_at, .resolved_at = now, .state_only = true,
                });
        }
}

void alerting_forget(struct alerting *al, long long experiment_id)
{
        size_t n;

        end_dropped_alerts(al, experiment_id);
        n = rules_drop_experiment(&al->alerts, experiment_id);

        if (n == 0)
                return;
        log_info("experiment %lld: %zu alert%s ended with it", experiment_id, n, n == 1 ? "" : "s");
        save_experiment_alerts(al, experiment_id);
}

static bool rule_notifies(const struct config_rule *rule, size_t notifier_index)
{
        for (size_t i = 0; i < rule->n_notify; i++)
                if (rule->notify[i] == notifier_index)
                        return true;
        return false;
}

/* One call per notifier with the events of its rules: Slack groups them. */
static void queue_batch(struct alerting *al)
{
        struct alert_batch *b = &al->batch;
        const struct alert_event **events = calloc(b->n ? b->n : 1, sizeof(*events));
        struct notify_context ctx = notify_context_now();

        if (!events) {
                log_error("out of memory: %zu notifications of this cycle are lost", b->n);
                return;
        }
        for (size_t i = 0; i < b->n; i++)
                b->items[i].ev.id = b->items[i].id;
        for (size_t j = 0; j < al->config->n_notifiers; j++) {
                size_t k = 0;

                for (size_t i = 0; i < b->n; i++)
                        if (rule_notifies(&al->config->rules[b->items[i].rule_index], j))
                                events[k++] = &b->items[i].ev;
                if (k > 0 && al->outbox)
                        (void) notify_events(al->outbox, &al->config->notifiers[j], &ctx, events, k);
        }
        free(events);
}

/* The group's last writes: the notifications of its transitions (Slack
 * groups them: one message per notifier and group) and the generation
 * their ids derive from, so that they commit with the alert rows. */
static void before_commit(void *userdata)
{
        struct alerting *al = userdata;
        struct store *store = store_group_store(al->group);

        if (al->batch.n > 0) {
                queue_batch(al);
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

/* Queues ev for every notifier of rule (by index into the config) now,
 * outside the cycle's batch: action results arrive after the cycle. */
static void send_now(struct alerting *al, size_t rule_index, const struct alert_event *ev)
{
        const struct config_rule *rule = &al->config->rules[rule_index];
        const struct alert_event *events[] = { ev };
        struct notify_context ctx = notify_context_now();

        for (size_t i = 0; i < rule->n_notify && al->outbox; i++)
                (void) notify_events(al->outbox, &al->config->notifiers[rule->notify[i]], &ctx, events, 1);
}

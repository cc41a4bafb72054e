/* The rules engine in the daemon: evaluate, journal, batch, queue. */
#include "alerting.h"

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

#define RELEASE_NOTE " (held back until now)"

static void format_figure(struct alert_figure f, char *buf, size_t size)
{
        if (f.present)
                snprintf(buf, size, "%.6g", f.value);
        else
                buf[0] = 0;
}

static const char *transition_message_id(enum rule_transition_kind kind)
{
        switch (kind) {
        case RULE_TRANSITION_RESOLVED: return MIDA_MSGID_ALERT_RESOLVED;
        case RULE_TRANSITION_PENDING:  return MIDA_MSGID_ALERT_PENDING;
        default:                       return MIDA_MSGID_ALERT_FIRED;
        }
}

/* note: appended to the message, e.g. " (not sent: silence 3)"; hold
 * (may be NULL) adds MIDA_SILENCE_ID or MIDA_INHIBITED_BY, and makes a
 * fire or repeat an ALERT_HELD record; a note starting " (held back"
 * marks the release of one (ALERT_RELEASED). */
static void journal_transition(const struct rule_transition *t, const struct config_rule *rule,
                               const struct alert_event *ev, const char *event_id, const struct alert_hold *hold,
                               const char *note)
{
        bool quiet = t->kind == RULE_TRANSITION_RESOLVED || t->kind == RULE_TRANSITION_PENDING;
        char id[24], lift[32], p[32], silence[24] = "";
        char *summary;
        struct log_field fields[] = {
                { "MIDA_RULE", rule->name }, { "MIDA_EXPERIMENT_ID", id },
                { "MIDA_EXPERIMENT_NAME", ev->experiment_name }, { "MIDA_VARIANT_ID", ev->variant_id },
                { "MIDA_SEVERITY", ev->severity }, { "MIDA_LIFT", lift }, { "MIDA_P_VALUE", p },
                { "MIDA_EVENT_ID", event_id },
                { "MIDA_SILENCE_ID", hold && hold->silence_id ? silence : NULL },
                { "MIDA_INHIBITED_BY", hold ? hold->inhibited_by : NULL },
        };

        const char *message_id = transition_message_id(t->kind);

        if (hold && hold->silence_id)
                snprintf(silence, sizeof(silence), "%lld", hold->silence_id);
        if (hold && (t->kind == RULE_TRANSITION_FIRED || t->kind == RULE_TRANSITION_REPEAT))
                message_id = MIDA_MSGID_ALERT_HELD;
        else if (note && strncmp(note, RELEASE_NOTE, strlen(RELEASE_NOTE)) == 0)
                message_id = MIDA_MSGID_ALERT_RELEASED;
        int priority = quiet ? LOG_NOTICE : rule->severity == RULE_SEVERITY_CRITICAL ? LOG_CRIT :
                       rule->severity == RULE_SEVERITY_WARNING ? LOG_WARNING : LOG_NOTICE;

        snprintf(id, sizeof(id), "%lld", t->experiment_id);
        format_figure(ev->lift, lift, sizeof(lift));
        format_figure(ev->p_value, p, sizeof(p));
        if (t->kind == RULE_TRANSITION_PENDING) {
                log_event(priority, transition_message_id(t->kind), fields, sizeof(fields) / sizeof(fields[0]),
                          "%s pending on %s: fires if it still holds in %llu s", rule->name,
                          ev->experiment_name ? ev->experiment_name : id,
                          (unsigned long long) (rule->for_usec / 1000000));
                return;
        }
        summary = alert_event_summary(ev);
        log_event(priority, message_id, fields, sizeof(fields) / sizeof(fields[0]),
                  "%s%s%s", summary ? summary : rule->name, t->kind == RULE_TRANSITION_REPEAT ? " (repeat)" : "",
                  note ? note : "");
        free(summary);
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
        journal_transition(t, rule, ev, t->notify && rule->n_notify > 0 ? id : NULL, NULL, note);
        /* Not announced, a resolution still ends the alert where state is kept. */
        ev->state_only = !t->notify;
        send_now(al, t->rule_index, ev);
}

/* Adds ev to the cycle's batch; false when out of memory. */
static bool batch_event(struct alerting *al, const struct rule_transition *t, const struct config_rule *rule,
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
                queued = batch_event(al, t, rule, ev);
        if (t->kind != RULE_TRANSITION_STILL_FIRING)
                journal_transition(t, rule, ev, told && queued ? al->batch.items[al->batch.n - 1].id : NULL, NULL,
                                   note);
}

/* The event's strings point into e->last, which stays until e's next
 * poll: after the group that queues the batch has committed. */
/* Told as usual: at once for a rule with an action, else in the batch. */
static void announce(struct alerting *al, const struct rule_transition *t, struct alert_event *ev, const char *note)
{
        const struct config_rule *rule = &al->config->rules[t->rule_index];

        if (rule->action != RULE_ACTION_NONE && t->kind != RULE_TRANSITION_STILL_FIRING &&
            t->kind != RULE_TRANSITION_PENDING)
                notify_before_action(al, t, rule, ev, note);
        else
                batch_transition(al, t, rule, ev, note);
}

/* A transition of an alert something holds back: journalled, not told.
 * A fire or repeat leaves a message owed (record held); the end of an
 * alert that was announced still ends it where state is kept
 * (Alertmanager, PagerDuty); nothing else goes out. */
static void hold_transition(struct alerting *al, const struct rule_transition *t, struct alert_event *ev,
                            const struct alert_hold *hold)
{
        const struct config_rule *rule = &al->config->rules[t->rule_index];
        struct alert_record *r = rules_find_alert(&al->alerts, rule->name, t->experiment_id, t->variant_id);
        char what[96], note[128];

        alert_hold_describe(hold, what, sizeof(what));
        snprintf(note, sizeof(note), " (not sent: %s)", what);
        if (t->kind == RULE_TRANSITION_FIRED || t->kind == RULE_TRANSITION_REPEAT) {
                journal_transition(t, rule, ev, NULL, hold, note);
                /* A held repeat is only a reminder of an alert already
                 * announced: nothing is owed for it. */
                if (r && !r->held && t->kind == RULE_TRANSITION_FIRED)
                        al->holds_changed = r->held = true;
        } else if (t->kind == RULE_TRANSITION_RESOLVED) {
                journal_transition(t, rule, ev, NULL, hold, note);
                ev->state_only = true;
                if (!t->held && rule->n_notify > 0)
                        (void) batch_event(al, t, rule, ev);
        }
}

static void consider_action(struct alerting *al, const struct rule_transition *t, const struct watched_experiment *e,
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
                hold_transition(al, t, &ev, &hold);
        else if (t->kind == RULE_TRANSITION_RESOLVED && t->held)
                /* Never announced: its end is not news to anyone. */
                journal_transition(t, rule, &ev, NULL, NULL, " (not sent: it was never announced)");
        else
                announce(al, t, &ev, NULL);
        if (!held)
                hold = (struct alert_hold) { .actions = false };
        if (rule->action != RULE_ACTION_NONE && t->kind != RULE_TRANSITION_RESOLVED &&
            t->kind != RULE_TRANSITION_PENDING)
                consider_action(al, t, e, &hold);
}

/* Alerts of e that fired while held and that nothing holds any more get
 * their message now, once. */
static void release_held(struct alerting *al, const struct watched_experiment *e, int64_t now)
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
                announce(al, &al->batch.transitions.items[al->batch.transitions.n - 1], &ev, RELEASE_NOTE);
        }
}

/* The silences `mida-monitor silence` changed are read again: state.db's
 * data_version moves when another connection commits. */
static void refresh_silences(struct alerting *al, int64_t now)
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
        refresh_silences(al, now);
        r = rules_evaluate_experiment(&al->alerts, al->config, e->current,
                                      experiment_hours_since_new_visitor(e, now), now, all);
        if (r < 0)
                log_error("out of memory evaluating the rules of experiment %lld", e->id);
        al->holds_changed = false;
        end = all->n;
        /* Before the transitions: a released alert is told before its action is considered. */
        release_held(al, e, now);
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

                if (r->experiment_id != experiment_id || r->state != ALERT_FIRING ||
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

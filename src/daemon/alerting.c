/* The rules engine in the daemon: evaluate, journal, batch, queue. */
#include "alerting.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats/analysis.h"
#include "config/config.h"
#include "experiment_update.h"
#include "util/grow.h"
#include "util/log.h"
#include "notify/outbox.h"
#include "rules/rule_event.h"
#include "store/watchlist.h"

static const char *outbox_dir_name = "outbox";

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

/* Per state directory, so that two installations never share ids; saved
 * at once, before any id derives from it, or a crash in the first cycle
 * would replay that cycle under another salt. */
static void ensure_salt(struct rules_state *s, const char *dir)
{
        char fresh[NOTIFY_EVENT_ID_SIZE];
        int r;

        if (s->salt[0])
                return;
        notify_new_event_id(fresh);
        memcpy(s->salt, fresh + 4, sizeof(s->salt) - 1);   /* the 32 hex digits */
        s->salt[sizeof(s->salt) - 1] = 0;
        r = rules_state_save(dir, s);
        if (r < 0)
                log_warning("%s: cannot save the alert state: %s", dir, strerror(-r));
}

static void send_now(struct alerting *al, size_t rule_index, const struct alert_event *ev);

/* The action runner's report hook: the action event for the rule's
 * notifiers, with the experiment's latest figures when the daemon has them. */
static void report_action(void *userdata, const struct action_report *r)
{
        struct alerting *al = userdata;
        const struct watched_experiment *e = watchlist_find(al->watch, r->experiment_id);
        const struct experiment_analysis *a = e ? e->current : NULL;
        struct rule_transition t = {
                .kind = RULE_TRANSITION_FIRED, .experiment_id = r->experiment_id,
                .variant_id = (char *) r->variant_id, .variant_index = analysis_find_variant(a, r->variant_id),
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

int alerting_open(struct alerting *al, sd_event *event, struct http_client *api_http,
                  struct http_client *delivery_http)
{
        const char *dir = al->config->monitor.state_directory;
        const struct action_runner_hooks hooks = { .userdata = al, .report = report_action, .idle = actions_idle };
        char *outbox_dir = NULL;
        int r;

        rules_state_load(dir, &al->alerts);
        rules_state_prune(&al->alerts, al->config);
        ensure_salt(&al->alerts, dir);
        action_runner_open(&al->actions, event, api_http, al->config, &hooks);
        if (asprintf(&outbox_dir, "%s/%s", dir, outbox_dir_name) < 0)
                return -ENOMEM;
        r = outbox_open(outbox_dir, event, delivery_http, &al->outbox);
        if (r < 0)
                log_error("%s: cannot open the delivery outbox: %s", outbox_dir, strerror(-r));
        else
                outbox_set_config(al->outbox, al->config);
        free(outbox_dir);
        return r;
}

void alerting_close(struct alerting *al)
{
        action_runner_close(&al->actions);
        outbox_free(al->outbox);
        al->outbox = NULL;
        rule_transitions_clear(&al->batch.transitions);
        free(al->batch.items);
        al->batch = (struct alert_batch) { 0 };
        rules_state_clear(&al->alerts);
}

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

static void journal_transition(const struct rule_transition *t, const struct config_rule *rule,
                               const struct alert_event *ev, const char *event_id)
{
        bool quiet = t->kind == RULE_TRANSITION_RESOLVED || t->kind == RULE_TRANSITION_PENDING;
        char id[24], lift[32], p[32];
        char *summary;
        struct log_field fields[] = {
                { "MIDA_RULE", rule->name }, { "MIDA_EXPERIMENT_ID", id },
                { "MIDA_EXPERIMENT_NAME", ev->experiment_name }, { "MIDA_VARIANT_ID", ev->variant_id },
                { "MIDA_SEVERITY", ev->severity }, { "MIDA_LIFT", lift }, { "MIDA_P_VALUE", p },
                { "MIDA_EVENT_ID", event_id },
        };
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
        log_event(priority, transition_message_id(t->kind), fields, sizeof(fields) / sizeof(fields[0]),
                  "%s%s", summary ? summary : rule->name, t->kind == RULE_TRANSITION_REPEAT ? " (repeat)" : "");
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
                                 struct alert_event *ev)
{
        char id[NOTIFY_EVENT_ID_SIZE];

        transition_event_id(al, t, rule, id);
        ev->id = id;
        journal_transition(t, rule, ev, t->notify && rule->n_notify > 0 ? id : NULL);
        if (t->notify)
                send_now(al, t->rule_index, ev);
}

static void handle_transition(struct alerting *al, const struct rule_transition *t,
                              const struct experiment_analysis *a)
{
        const struct config_rule *rule = &al->config->rules[t->rule_index];
        struct batched_event *b = NULL;
        struct alert_event ev;

        rule_transition_event(t, al->config, a, &ev);
        if (rule->action != RULE_ACTION_NONE && t->kind != RULE_TRANSITION_STILL_FIRING &&
            t->kind != RULE_TRANSITION_PENDING) {
                notify_before_action(al, t, rule, &ev);
        } else if (t->kind != RULE_TRANSITION_STILL_FIRING) {
                if (t->notify && rule->n_notify > 0 && !(b = batch_add(&al->batch)))
                        log_error("out of memory: the notification of rule %s is lost", rule->name);
                if (b) {
                        transition_event_id(al, t, rule, b->id);
                        b->ev = ev;   /* ev.id is set when queued: items may move */
                        b->rule_index = t->rule_index;
                }
                journal_transition(t, rule, &ev, b ? b->id : NULL);
        }
        if (rule->action != RULE_ACTION_NONE &&
            (t->kind != RULE_TRANSITION_RESOLVED && t->kind != RULE_TRANSITION_PENDING))
                action_runner_consider(&al->actions, t, a, al->dry_run_forced || al->config->monitor.dry_run);
}

void alerting_evaluate(struct alerting *al, struct watched_experiment *e)
{
        struct rule_transitions *all = &al->batch.transitions;
        size_t first = all->n;
        int64_t now = time(NULL);

        if (!e->current || al->config->n_rules == 0)
                return;
        if (rules_evaluate_experiment(&al->alerts, al->config, e->current,
                                      experiment_hours_since_new_visitor(e, now), now, all) < 0)
                log_error("out of memory evaluating the rules of experiment %lld", e->id);
        for (size_t i = first; i < all->n; i++)
                handle_transition(al, &all->items[i], e->current);
}

void alerting_forget(struct alerting *al, long long experiment_id)
{
        size_t n = rules_drop_experiment(&al->alerts, experiment_id);

        if (n > 0)
                log_info("experiment %lld: %zu alert%s ended with it", experiment_id, n, n == 1 ? "" : "s");
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
                        (void) notify_events(al->outbox, &al->config->notifiers[j], events, k);
        }
        free(events);
}

static int save_alerts(struct alerting *al)
{
        int r = rules_state_save(al->config->monitor.state_directory, &al->alerts);

        if (r < 0)
                log_error("%s: cannot save the alert state: %s; will retry next cycle",
                          al->config->monitor.state_directory, strerror(-r));
        return r;
}

int alerting_cycle_finished(struct alerting *al)
{
        queue_batch(al);
        rule_transitions_clear(&al->batch.transitions);
        al->batch.n = 0;
        /* Saved with the states it names: a crash before this replays the
         * cycle under the same event ids. */
        al->alerts.generation++;
        return save_alerts(al);
}

void alerting_config_changed(struct alerting *al, const struct config *config, struct http_client *api_http)
{
        size_t n;

        al->config = al->actions.config = config;
        al->actions.http = api_http;
        n = rules_state_prune(&al->alerts, config);
        if (n > 0)
                log_info("%zu alert%s of rules no longer configured forgotten", n, n == 1 ? "" : "s");
        if (al->outbox)
                outbox_set_config(al->outbox, config);
}

/* Queues ev for every notifier of rule (by index into the config) now,
 * outside the cycle's batch: action results arrive after the cycle. */
static void send_now(struct alerting *al, size_t rule_index, const struct alert_event *ev)
{
        const struct config_rule *rule = &al->config->rules[rule_index];
        const struct alert_event *events[] = { ev };

        for (size_t i = 0; i < rule->n_notify && al->outbox; i++)
                (void) notify_events(al->outbox, &al->config->notifiers[rule->notify[i]], events, 1);
}

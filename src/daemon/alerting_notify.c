/* How alert transitions are told: at once for a rule with an action (its
 * report must not arrive before the alert), else in the open group's batch,
 * which is queued per notifier when the group commits (Slack and Teams get
 * one message for it). */
#include <stdio.h>
#include <stdlib.h>

#include "alerting.h"
#include "alerting_internal.h"
#include "config/config.h"
#include "notify/outbox.h"
#include "store/group_commit.h"
#include "util/grow.h"
#include "util/log.h"

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
        alerting_send_now(al, t->rule_index, ev);
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
                alerting_journal_transition(t, rule, ev, told && queued ? al->batch.items[al->batch.n - 1].id : NULL,
                                            NULL, note);
}

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

static bool rule_notifies(const struct config_rule *rule, size_t notifier_index)
{
        for (size_t i = 0; i < rule->n_notify; i++)
                if (rule->notify[i] == notifier_index)
                        return true;
        return false;
}

/* One call per notifier with the events of its rules: Slack groups them. */
void alerting_queue_batch(struct alerting *al)
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

/* Queues ev for every notifier of rule (by index into the config) now,
 * outside the cycle's batch: action results arrive after the cycle. */
void alerting_send_now(struct alerting *al, size_t rule_index, const struct alert_event *ev)
{
        const struct config_rule *rule = &al->config->rules[rule_index];
        const struct alert_event *events[] = { ev };
        struct notify_context ctx = notify_context_now();

        for (size_t i = 0; i < rule->n_notify && al->outbox; i++)
                (void) notify_events(al->outbox, &al->config->notifiers[rule->notify[i]], &ctx, events, 1);
}

/* The alert state machine: pending → firing → resolved, per rule ×
 * experiment × variant. Pure; persistence is in rules_store.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/analysis.h"
#include "config/config.h"
#include "expr/expr.h"
#include "util/grow.h"
#include "rule_env.h"
#include "rules.h"

#define USEC_PER_SEC 1000000u

/* What one evaluation works on. */
struct evaluation {
        struct rules_state *s;
        const struct config *c;
        const struct experiment_analysis *a;
        int64_t now;
        struct rule_transitions *out;
        bool changed;              /* a record was added, removed or updated */
};

static void record_free(struct alert_record *r)
{
        free(r->rule);
        free(r->variant_id);
}

void rules_state_clear(struct rules_state *s)
{
        for (size_t i = 0; i < s->n; i++)
                record_free(&s->records[i]);
        free(s->records);
        *s = (struct rules_state) {};
}

void rule_transitions_clear(struct rule_transitions *t)
{
        for (size_t i = 0; i < t->n; i++)
                free(t->items[i].variant_id);
        free(t->items);
        *t = (struct rule_transitions) {};
}

static void remove_record(struct rules_state *s, size_t index)
{
        record_free(&s->records[index]);
        s->records[index] = s->records[--s->n];
}

struct alert_record *rules_find_alert(struct rules_state *s, const char *rule, long long experiment_id,
                                      const char *variant_id)
{
        if (!variant_id)
                variant_id = "";
        for (size_t i = 0; i < s->n; i++) {
                struct alert_record *r = &s->records[i];

                if (r->experiment_id == experiment_id && strcmp(r->rule, rule) == 0 &&
                    strcmp(r->variant_id, variant_id) == 0)
                        return r;
        }
        return NULL;
}

static struct alert_record *add_record(struct rules_state *s, const char *rule, long long experiment_id,
                                       const char *variant_id)
{
        struct alert_record *r;

        r = grow_array(s->records, &s->cap, s->n, sizeof(*r));
        if (!r)
                return NULL;
        s->records = r;
        r = &s->records[s->n];
        *r = (struct alert_record) { .rule = strdup(rule), .experiment_id = experiment_id,
                                     .variant_id = strdup(variant_id) };
        if (!r->rule || !r->variant_id) {
                record_free(r);
                return NULL;
        }
        s->n++;
        return r;
}

bool rule_applies_to(const struct config_rule *rule, long long experiment_id, const char *name)
{
        return config_experiment_filter(rule->experiments, rule->n_experiments, experiment_id, name);
}

/* Whole seconds of a config duration, rounded up: "held for 1.5s" needs 2. */
static int64_t duration_seconds(uint64_t usec)
{
        return (int64_t) ((usec + USEC_PER_SEC - 1) / USEC_PER_SEC);
}

static bool elapsed(int64_t since, int64_t now, uint64_t usec)
{
        return now >= since && now - since >= duration_seconds(usec);
}

int rule_transitions_push(struct rule_transitions *t, const struct rule_transition *item)
{
        struct rule_transition *items = grow_array(t->items, &t->cap, t->n, sizeof(*items));

        if (!items)
                return -ENOMEM;
        t->items = items;
        items[t->n] = *item;
        if (item->variant_id && !(items[t->n].variant_id = strdup(item->variant_id)))
                return -ENOMEM;
        t->n++;
        return 0;
}

static int emit(struct evaluation *ev, enum rule_transition_kind kind, size_t rule_index,
                const struct alert_record *r, size_t variant_index, bool notify)
{
        struct rule_transitions *t = ev->out;
        struct rule_transition *item;

        item = grow_array(t->items, &t->cap, t->n, sizeof(*item));
        if (!item)
                return -ENOMEM;
        t->items = item;
        item = &t->items[t->n];
        *item = (struct rule_transition) {
                .kind = kind, .rule_index = rule_index, .experiment_id = r->experiment_id,
                .variant_index = variant_index, .fired_at = r->fired_at, .at = ev->now, .notify = notify,
                .held = r->held,
        };
        if (*r->variant_id && !(item->variant_id = strdup(r->variant_id)))
                return -ENOMEM;
        t->n++;
        return 0;
}

/* The condition no longer holds: a firing alert resolves, a pending one
 * is forgotten quietly. */
static int end_alert(struct evaluation *ev, size_t rule_index, size_t record_index, size_t variant_index)
{
        struct alert_record *r = &ev->s->records[record_index];
        int k = 0;

        if (r->state == ALERT_FIRING)
                k = emit(ev, RULE_TRANSITION_RESOLVED, rule_index, r, variant_index,
                         ev->c->rules[rule_index].notify_resolved);
        remove_record(ev->s, record_index);
        ev->changed = true;
        return k;
}

bool rule_notifies_alertmanager(const struct config *c, const struct config_rule *rule)
{
        for (size_t i = 0; i < rule->n_notify; i++)
                if (c->notifiers[rule->notify[i]].type == NOTIFIER_ALERTMANAGER)
                        return true;
        return false;
}

static int keep_firing(struct evaluation *ev, size_t rule_index, struct alert_record *r, size_t variant_index)
{
        const struct config_rule *rule = &ev->c->rules[rule_index];

        if (rule->repeat_usec > 0 && elapsed(r->last_notified, ev->now, rule->repeat_usec)) {
                r->last_notified = ev->now;
                ev->changed = true;
                return emit(ev, RULE_TRANSITION_REPEAT, rule_index, r, variant_index, true);
        }
        if (rule->action != RULE_ACTION_NONE || rule_notifies_alertmanager(ev->c, rule))
                return emit(ev, RULE_TRANSITION_STILL_FIRING, rule_index, r, variant_index, false);
        return 0;
}

/* One alert, one evaluation of its condition. */
static int step(struct evaluation *ev, size_t rule_index, const char *variant_id, size_t variant_index,
                bool holds)
{
        const struct config_rule *rule = &ev->c->rules[rule_index];
        struct alert_record *r = rules_find_alert(ev->s, rule->name, ev->a->test_id, variant_id);

        if (r)
                r->visited = true;
        if (!holds)
                return r ? end_alert(ev, rule_index, (size_t) (r - ev->s->records), variant_index) : 0;
        if (!r) {
                r = add_record(ev->s, rule->name, ev->a->test_id, variant_id);
                if (!r)
                        return -ENOMEM;
                r->state = ALERT_PENDING;
                r->active_since = ev->now;
                r->visited = true;
                ev->changed = true;
                /* Journalled, never notified: `for` has yet to pass. */
                if (rule->for_usec > 0 && emit(ev, RULE_TRANSITION_PENDING, rule_index, r, variant_index, false) < 0)
                        return -ENOMEM;
        }
        if (r->state == ALERT_FIRING)
                return keep_firing(ev, rule_index, r, variant_index);
        if (!elapsed(r->active_since, ev->now, rule->for_usec))
                return 0;
        r->state = ALERT_FIRING;
        r->fired_at = r->last_notified = ev->now;
        ev->changed = true;
        return emit(ev, RULE_TRANSITION_FIRED, rule_index, r, variant_index, true);
}

static bool holds(const struct expr *condition, const struct expr_env *env)
{
        bool value = false;

        return expr_eval(condition, env, &value) == 0 && value;
}

static int evaluate_rule(struct evaluation *ev, size_t rule_index, struct expr_env *env)
{
        const struct config_rule *rule = &ev->c->rules[rule_index];
        const struct experiment_analysis *a = ev->a;
        int k = 0;

        if (!expr_uses_variant_level(rule->condition))
                return step(ev, rule_index, "", SIZE_MAX, holds(rule->condition, env));
        for (size_t v = 0; v < a->n_variants && k >= 0; v++) {
                if (a->variants[v].control || !a->variants[v].variant_id)
                        continue;
                rule_env_variant(a, v, env);
                k = step(ev, rule_index, a->variants[v].variant_id, v, holds(rule->condition, env));
        }
        return k;
}

const struct config_rule *rule_find(const struct config *c, const char *name, size_t *ret_index)
{
        for (size_t i = 0; i < c->n_rules; i++)
                if (c->rules[i].name && c->rules[i].condition && strcmp(c->rules[i].name, name) == 0) {
                        if (ret_index)
                                *ret_index = i;
                        return &c->rules[i];
                }
        return NULL;
}

/* Alerts of this experiment that no rule evaluated this time. */
static int end_unvisited(struct evaluation *ev)
{
        struct rules_state *s = ev->s;
        int k = 0;

        for (size_t i = s->n; i-- > 0 && k >= 0;) {
                struct alert_record *r = &s->records[i];
                const struct config_rule *rule;
                size_t rule_index;

                if (r->experiment_id != ev->a->test_id || r->visited)
                        continue;
                rule = rule_find(ev->c, r->rule, &rule_index);
                if (!rule || expr_uses_variant_level(rule->condition) != (*r->variant_id != '\0')) {
                        remove_record(s, i);   /* the rule is gone or changed: nothing to resolve */
                        ev->changed = true;
                }
                else
                        k = end_alert(ev, rule_index, i, analysis_find_variant(ev->a, r->variant_id));
        }
        return k;
}

int rules_evaluate_experiment(struct rules_state *s, const struct config *c,
                              const struct experiment_analysis *a, double hours_since_new_visitor,
                              int64_t now, struct rule_transitions *out)
{
        struct evaluation ev = { .s = s, .c = c, .a = a, .now = now, .out = out };
        struct expr_env env;
        int k = 0;

        for (size_t i = 0; i < s->n; i++)
                s->records[i].visited = false;
        for (size_t i = 0; i < c->n_rules && k >= 0; i++) {
                if (!c->rules[i].condition || !rule_applies_to(&c->rules[i], a->test_id, a->test_name))
                        continue;
                rule_env_experiment(a, hours_since_new_visitor, &env);
                k = evaluate_rule(&ev, i, &env);
        }
        if (k >= 0)
                k = end_unvisited(&ev);
        return k < 0 ? k : ev.changed;
}

size_t rules_drop_experiment(struct rules_state *s, long long experiment_id)
{
        size_t dropped = 0;

        for (size_t i = s->n; i-- > 0;)
                if (s->records[i].experiment_id == experiment_id) {
                        remove_record(s, i);
                        dropped++;
                }
        return dropped;
}

size_t rules_state_prune(struct rules_state *s, const struct config *c)
{
        size_t dropped = 0, index;

        for (size_t i = s->n; i-- > 0;)
                if (!rule_find(c, s->records[i].rule, &index)) {
                        remove_record(s, i);
                        dropped++;
                }
        return dropped;
}

static size_t count_state(const struct rules_state *s, const char *rule_name, enum alert_state state)
{
        size_t n = 0;

        for (size_t i = 0; i < s->n; i++)
                if (s->records[i].state == state && (!rule_name || strcmp(s->records[i].rule, rule_name) == 0))
                        n++;
        return n;
}

size_t rules_firing_count(const struct rules_state *s, const char *rule_name)
{
        return count_state(s, rule_name, ALERT_FIRING);
}

size_t rules_pending_count(const struct rules_state *s, const char *rule_name)
{
        return count_state(s, rule_name, ALERT_PENDING);
}

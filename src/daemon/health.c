/* The health state machine: see health.h. */
#include "health.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/duration.h"
#include "store/health_rows.h"
#include "util/grow.h"
#include "util/log.h"

#define USEC_PER_SEC 1000000ULL

/* The names (journal, metrics, state.db; 0.1.0's health.json) are the store's:
 * one list, in the same order as enum health_condition. */
_Static_assert((int) HEALTH_CONDITION_COUNT == (int) STORE_HEALTH_CONDITION_COUNT,
               "enum health_condition and enum store_health_condition must match");

static const char *const message_ids[HEALTH_CONDITION_COUNT] = {
        [HEALTH_API_KEY_REJECTED] = MIDA_MSGID_HEALTH_API_KEY_REJECTED,
        [HEALTH_API_FAILING] = MIDA_MSGID_HEALTH_API_FAILING,
        [HEALTH_EXPERIMENT_FAILING] = MIDA_MSGID_HEALTH_EXPERIMENT_FAILING,
        [HEALTH_DELIVERY_FAILING] = MIDA_MSGID_HEALTH_DELIVERY_FAILING,
        [HEALTH_STATE_NOT_WRITABLE] = MIDA_MSGID_HEALTH_STATE_NOT_WRITABLE,
        [HEALTH_EXPERIMENT_STALLED] = MIDA_MSGID_HEALTH_EXPERIMENT_STALLED,
};

const char *health_condition_to_string(enum health_condition c)
{
        return store_health_condition_to_string((enum store_health_condition) c);
}

int health_condition_from_string(const char *s)
{
        for (int i = 0; s && i < HEALTH_CONDITION_COUNT; i++)
                if (strcmp(s, health_condition_to_string(i)) == 0)
                        return i;
        return -EINVAL;
}

const char *health_condition_message_id(enum health_condition c)
{
        return (unsigned) c < HEALTH_CONDITION_COUNT ? message_ids[c] : NULL;
}

const char *health_transition_message_id(const struct health_transition *t)
{
        switch (t->kind) {
        case HEALTH_DETECTED:
                return health_condition_message_id(t->condition);
        case HEALTH_ALERT:
        case HEALTH_REPEAT:
                return MIDA_MSGID_HEALTH_DEGRADED;
        default:
                return MIDA_MSGID_HEALTH_RECOVERED;
        }
}

static void record_free(struct health_record *r)
{
        free(r->subject);
        free(r->name);
        free(r->detail);
}

void health_state_clear(struct health_state *s)
{
        for (size_t i = 0; i < s->n; i++)
                record_free(&s->records[i]);
        free(s->records);
        *s = (struct health_state) { 0 };
}

void health_transitions_clear(struct health_transitions *t)
{
        for (size_t i = 0; i < t->n; i++) {
                free(t->items[i].subject);
                free(t->items[i].name);
                free(t->items[i].detail);
        }
        free(t->items);
        *t = (struct health_transitions) { 0 };
}

static struct health_record *find(struct health_state *s, enum health_condition c, const char *subject)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->records[i].condition == c && strcmp(s->records[i].subject, subject) == 0)
                        return &s->records[i];
        return NULL;
}

/* Replaces *slot with a copy of value (NULL stays NULL); keeps the old
 * one when out of memory. */
static void set_text(char **slot, const char *value)
{
        char *copy;

        if (!value) {
                free(*slot);
                *slot = NULL;
                return;
        }
        if (*slot && strcmp(*slot, value) == 0)
                return;
        copy = strdup(value);
        if (!copy)
                return;
        free(*slot);
        *slot = copy;
}

static int emit(struct health_transitions *out, enum health_transition_kind kind, const struct health_record *r,
                int64_t now)
{
        struct health_transition *items = grow_array(out->items, &out->cap, out->n, sizeof(*out->items));
        struct health_transition *t;

        if (!items)
                return -ENOMEM;
        out->items = items;
        t = &out->items[out->n];
        *t = (struct health_transition) {
                .kind = kind, .condition = r->condition, .since = r->since, .at = now,
                .notify = kind == HEALTH_ALERT || kind == HEALTH_REPEAT || kind == HEALTH_RECOVERED,
                .subject = strdup(r->subject),
                .name = r->name ? strdup(r->name) : NULL,
                .detail = r->detail ? strdup(r->detail) : NULL,
        };
        if (!t->subject || (r->name && !t->name) || (r->detail && !t->detail)) {
                free(t->subject);
                free(t->name);
                free(t->detail);
                return -ENOMEM;
        }
        out->n++;
        return 0;
}

/* How long a condition must hold before it is notified. */
static int64_t threshold(enum health_condition c, const struct health_settings *settings)
{
        /* Stalled is defined over stalled_after already (see health.h). */
        if (c == HEALTH_EXPERIMENT_STALLED)
                return 0;
        return (int64_t) (settings->after_usec / USEC_PER_SEC);
}

/* The condition holds this cycle. since: when it started, if the
 * observation knows better than "now" (a notifier's first failure). */
static int holds(struct health_state *s, const struct health_settings *settings, enum health_condition c,
                 const char *subject, const char *name, const char *detail, int64_t since, int64_t now,
                 struct health_transitions *out)
{
        struct health_record *r = find(s, c, subject);
        int64_t repeat = (int64_t) (settings->repeat_usec / USEC_PER_SEC);
        int k = 0;

        if (!r) {
                struct health_record *records = grow_array(s->records, &s->cap, s->n, sizeof(*s->records));

                if (!records)
                        return -ENOMEM;
                s->records = records;
                r = &s->records[s->n];
                *r = (struct health_record) { .condition = c, .since = since > 0 && since <= now ? since : now };
                r->subject = strdup(subject);
                if (!r->subject)
                        return -ENOMEM;
                s->n++;
                set_text(&r->name, name);
                set_text(&r->detail, detail);
                k = emit(out, HEALTH_DETECTED, r, now);
        } else {
                if (name)
                        set_text(&r->name, name);
                if (detail)
                        set_text(&r->detail, detail);
        }
        r->seen = true;
        if (r->alerted_at == 0 && now - r->since >= threshold(c, settings)) {
                r->alerted_at = r->last_notified = now;
                return emit(out, HEALTH_ALERT, r, now) < 0 ? -ENOMEM : k;
        }
        if (r->alerted_at > 0 && repeat > 0 && now - r->last_notified >= repeat) {
                r->last_notified = now;
                return emit(out, HEALTH_REPEAT, r, now) < 0 ? -ENOMEM : k;
        }
        return k;
}

static void remove_at(struct health_state *s, size_t i)
{
        record_free(&s->records[i]);
        memmove(&s->records[i], &s->records[i + 1], (s->n - i - 1) * sizeof(*s->records));
        s->n--;
}

/* The condition does not hold this cycle: recovered, or cleared unseen. */
static int clears(struct health_state *s, enum health_condition c, const char *subject, int64_t now,
                  struct health_transitions *out)
{
        struct health_record *r = find(s, c, subject);
        int k;

        if (!r)
                return 0;
        k = emit(out, r->alerted_at > 0 ? HEALTH_RECOVERED : HEALTH_CLEARED, r, now);
        remove_at(s, (size_t) (r - s->records));
        return k;
}

/* A record the cycle says nothing about keeps its state. */
static void unchanged(struct health_state *s, enum health_condition c, const char *subject)
{
        struct health_record *r = find(s, c, subject);

        if (r)
                r->seen = true;
}

static int evaluate_api(struct health_state *s, const struct health_settings *settings,
                        const struct health_observations *o, struct health_transitions *out)
{
        int k = 0;

        switch (o->api) {
        case HEALTH_API_UNKNOWN:
                unchanged(s, HEALTH_API_KEY_REJECTED, "");
                unchanged(s, HEALTH_API_FAILING, "");
                break;
        case HEALTH_API_OK:
                k |= clears(s, HEALTH_API_KEY_REJECTED, "", o->now, out);
                k |= clears(s, HEALTH_API_FAILING, "", o->now, out);
                break;
        case HEALTH_API_AUTH_FAILED:
                /* The API answers: it is the key, not the API. */
                k |= clears(s, HEALTH_API_FAILING, "", o->now, out);
                k |= holds(s, settings, HEALTH_API_KEY_REJECTED, "", NULL, o->api_error, 0, o->now, out);
                break;
        case HEALTH_API_ALL_FAILED:
                /* Whether the key would be accepted is unknown. */
                unchanged(s, HEALTH_API_KEY_REJECTED, "");
                k |= holds(s, settings, HEALTH_API_FAILING, "", NULL, o->api_error, 0, o->now, out);
                break;
        }
        return k;
}

static bool stalled(const struct health_experiment_observation *e, const struct health_settings *settings,
                    int64_t now)
{
        int64_t after = (int64_t) (settings->stalled_after_usec / USEC_PER_SEC);

        return e->live && after > 0 && e->visitors_grew_at > 0 && now - e->visitors_grew_at >= after;
}

static int evaluate_experiment(struct health_state *s, const struct health_settings *settings,
                               const struct health_observations *o, const struct health_experiment_observation *e,
                               struct health_transitions *out)
{
        char id[24], detail[64];
        int k = 0;

        snprintf(id, sizeof(id), "%lld", e->id);
        if (e->poll == HEALTH_POLL_FAILED && o->api == HEALTH_API_OK)
                k |= holds(s, settings, HEALTH_EXPERIMENT_FAILING, id, e->name, e->error, 0, o->now, out);
        else if (e->poll == HEALTH_POLL_OK)
                k |= clears(s, HEALTH_EXPERIMENT_FAILING, id, o->now, out);
        else
                unchanged(s, HEALTH_EXPERIMENT_FAILING, id);

        if (e->poll != HEALTH_POLL_OK) {
                unchanged(s, HEALTH_EXPERIMENT_STALLED, id);
        } else if (stalled(e, settings, o->now)) {
                char grew[32];
                duration_format((uint64_t) (o->now - e->visitors_grew_at) * USEC_PER_SEC, grew, sizeof(grew));
                snprintf(detail, sizeof(detail), "no new visitors for %s", grew);
                k |= holds(s, settings, HEALTH_EXPERIMENT_STALLED, id, e->name, detail,
                           e->visitors_grew_at + (int64_t) (settings->stalled_after_usec / USEC_PER_SEC), o->now, out);
        } else {
                k |= clears(s, HEALTH_EXPERIMENT_STALLED, id, o->now, out);
        }
        return k;
}

static int evaluate_notifier(struct health_state *s, const struct health_settings *settings,
                             const struct health_observations *o, const struct health_notifier_observation *n,
                             struct health_transitions *out)
{
        if (n->failing_since > 0)
                return holds(s, settings, HEALTH_DELIVERY_FAILING, n->name, NULL, n->error, n->failing_since,
                             o->now, out);
        return clears(s, HEALTH_DELIVERY_FAILING, n->name, o->now, out);
}

static int compare_records(const void *a, const void *b)
{
        const struct health_record *x = a, *y = b;
        bool x_global = x->subject[0] == 0, y_global = y->subject[0] == 0;

        if (x_global != y_global)
                return x_global ? -1 : 1;
        if (x->condition != y->condition)
                return x->condition < y->condition ? -1 : 1;
        return strcmp(x->subject, y->subject);
}

int health_evaluate(struct health_state *s, const struct health_settings *settings,
                    const struct health_observations *o, struct health_transitions *out)
{
        int k = 0;

        /* Stable order in, stable order out. */
        if (s->n > 1)
                qsort(s->records, s->n, sizeof(*s->records), compare_records);
        for (size_t i = 0; i < s->n; i++)
                s->records[i].seen = false;

        k |= evaluate_api(s, settings, o, out);
        if (o->state_writable == 0)
                k |= holds(s, settings, HEALTH_STATE_NOT_WRITABLE, "", NULL, o->state_error, 0, o->now, out);
        else if (o->state_writable == 1)
                k |= clears(s, HEALTH_STATE_NOT_WRITABLE, "", o->now, out);
        else
                unchanged(s, HEALTH_STATE_NOT_WRITABLE, "");
        for (size_t i = 0; i < o->n_experiments; i++)
                k |= evaluate_experiment(s, settings, o, &o->experiments[i], out);
        for (size_t i = 0; i < o->n_notifiers; i++)
                k |= evaluate_notifier(s, settings, o, &o->notifiers[i], out);

        /* Experiments no longer watched, notifiers no longer configured. */
        for (size_t i = s->n; i-- > 0;)
                if (!s->records[i].seen)
                        remove_at(s, i);
        if (s->n > 1)
                qsort(s->records, s->n, sizeof(*s->records), compare_records);
        return k < 0 ? -ENOMEM : 0;
}

size_t health_count(const struct health_state *s, bool alerted_only)
{
        size_t n = 0;

        for (size_t i = 0; i < s->n; i++)
                if (!alerted_only || s->records[i].alerted_at > 0)
                        n++;
        return n;
}

bool health_holds(const struct health_state *s, enum health_condition condition)
{
        for (size_t i = 0; i < s->n; i++)
                if (s->records[i].condition == condition)
                        return true;
        return false;
}

size_t health_targets(const struct config *c, const struct health_transition *t, size_t *out, size_t max)
{
        size_t n = 0;

        for (size_t i = 0; i < c->health.n_notify && n < max; i++) {
                size_t j = c->health.notify[i];
                bool duplicate = false;

                if (j >= c->n_notifiers)
                        continue;
                if (t->condition == HEALTH_DELIVERY_FAILING && strcmp(c->notifiers[j].name, t->subject) == 0)
                        continue;
                for (size_t k = 0; k < n; k++)
                        duplicate = duplicate || out[k] == j;
                if (!duplicate)
                        out[n++] = j;
        }
        return n;
}

static const char *experiment_label(const char *subject, const char *name, char *buf, size_t size)
{
        if (name && *name)
                snprintf(buf, size, "experiment %s (%s)", subject, name);
        else
                snprintf(buf, size, "experiment %s", subject);
        return buf;
}

const char *health_describe(enum health_condition c, const char *subject, const char *name, char *buf,
                            size_t size)
{
        char x[300];

        switch (c) {
        case HEALTH_API_KEY_REJECTED:
                snprintf(buf, size, "the Mida API rejects the API key");
                break;
        case HEALTH_API_FAILING:
                snprintf(buf, size, "the Mida API fails every request");
                break;
        case HEALTH_EXPERIMENT_FAILING:
                snprintf(buf, size, "%s: results fail while other requests work",
                         experiment_label(subject, name, x, sizeof(x)));
                break;
        case HEALTH_DELIVERY_FAILING:
                snprintf(buf, size, "deliveries to notifier %s fail", subject);
                break;
        case HEALTH_STATE_NOT_WRITABLE:
                snprintf(buf, size, "the state directory is not writable");
                break;
        case HEALTH_EXPERIMENT_STALLED:
                snprintf(buf, size, "%s: traffic stalled", experiment_label(subject, name, x, sizeof(x)));
                break;
        default:
                snprintf(buf, size, "unknown condition");
        }
        return buf;
}

const char *health_transition_text(const struct health_transition *t, const struct health_settings *settings,
                                   char *buf, size_t size)
{
        char what[400], detail[300] = "", wait[32], lasted[32];
        int64_t after = threshold(t->condition, settings);

        health_describe(t->condition, t->subject, t->name, what, sizeof(what));
        /* A failing experiment's poll-failed record just said why. */
        if (t->detail && *t->detail && !(t->kind == HEALTH_DETECTED && t->condition == HEALTH_EXPERIMENT_FAILING))
                snprintf(detail, sizeof(detail), " (%s)", t->detail);
        duration_format((uint64_t) (after > 0 ? after : 0) * USEC_PER_SEC, wait, sizeof(wait));
        duration_format((uint64_t) (t->at > t->since ? t->at - t->since : 0) * USEC_PER_SEC, lasted, sizeof(lasted));
        switch (t->kind) {
        case HEALTH_DETECTED:
                if (after > 0)
                        snprintf(buf, size, "health: %s%s; notified if it lasts %s", what, detail, wait);
                else
                        snprintf(buf, size, "health: %s%s", what, detail);
                break;
        case HEALTH_ALERT:
                snprintf(buf, size, "health degraded: %s%s, for %s", what, detail, lasted);
                break;
        case HEALTH_REPEAT:
                snprintf(buf, size, "health still degraded: %s%s, for %s", what, detail, lasted);
                break;
        case HEALTH_RECOVERED:
                snprintf(buf, size, "health recovered: %s no more, after %s", what, lasted);
                break;
        case HEALTH_CLEARED:
                snprintf(buf, size, "health: %s no more, after %s (not notified)", what, lasted);
                break;
        }
        return buf;
}

/* Health and metrics in the daemon: see health_daemon.h. */
#include "health_daemon.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions/actions.h"
#include "stats/analysis.h"
#include "stats/analysis_summary.h"
#include "config/config.h"
#include "health_payload.h"
#include "util/log.h"
#include "alerting.h"
#include "store/db.h"
#include "store/experiments.h"
#include "store/group_commit.h"
#include "store/watchlist.h"
#include "notify/notify.h"
#include "notify/outbox.h"
#include "rules/rules.h"

static const char *const poll_error_kinds[] = {
        "auth", "rate_limited", "server", "client", "invalid_response", "transport",
};
#define N_KINDS (sizeof(poll_error_kinds) / sizeof(poll_error_kinds[0]))

struct health_daemon {
        struct health_state state;
        struct store_group *group;       /* the conditions are written in its transaction */
        /* Since the last cycle finished: */
        unsigned requests_ok, requests_failed, requests_auth_failed;
        char api_error[256];
        int state_writable;              /* -1 not tried */
        char state_error[128];
        int64_t cycle_started_at;        /* wall clock: polled_at at or after it is this cycle's */
        /* Since the daemon started: */
        uint64_t poll_errors[N_KINDS];
        bool metrics_failing;            /* one error record per failing spell */
};

/* Without them the daemon still monitors: a condition that still holds is
 * detected again (and notified again once it has lasted `after`). */
static void load_conditions(struct health_daemon *h)
{
        int r = health_state_load(store_group_store(h->group), &h->state);

        if (r == -EBADMSG)
                log_warning("%s: skipped a health condition this mida-monitor cannot read (written by a newer "
                            "version?); the others are loaded, and the next save drops it", STORE_FILE);
        else if (r < 0)
                log_error("%s: cannot read the health conditions: %s; starting without them", STORE_FILE,
                          strerror(-r));
}

int health_daemon_open(struct store_group *g, struct health_daemon **ret)
{
        struct health_daemon *h;

        if (!g)
                return -EINVAL;
        h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->group = g;
        h->state_writable = -1;
        h->cycle_started_at = time(NULL);
        load_conditions(h);
        *ret = h;
        return 0;
}

void health_daemon_close(struct health_daemon *h)
{
        if (!h)
                return;
        health_state_clear(&h->state);
        free(h);
}

void health_daemon_request(struct health_daemon *h, bool ok, int http_status, const char *error)
{
        const char *kind;

        if (!h)
                return;
        if (ok) {
                h->requests_ok++;
                return;
        }
        h->requests_failed++;
        if (http_status == 401 || http_status == 403)
                h->requests_auth_failed++;
        snprintf(h->api_error, sizeof(h->api_error), "%s", error ? error : "request failed");
        kind = metrics_poll_error_kind(http_status);
        for (size_t i = 0; i < N_KINDS; i++)
                if (strcmp(kind, poll_error_kinds[i]) == 0)
                        h->poll_errors[i]++;
}

void health_daemon_state_written(struct health_daemon *h, int r)
{
        if (!h)
                return;
        if (r >= 0) {
                if (h->state_writable < 0)
                        h->state_writable = 1;
                return;
        }
        if (h->state_writable == 0)
                return;   /* the first failure of the cycle is the one shown */
        h->state_writable = 0;
        snprintf(h->state_error, sizeof(h->state_error), "%s", strerror(-r));
}

static enum health_api api_outcome(const struct health_daemon *h)
{
        if (h->requests_ok > 0)
                return HEALTH_API_OK;
        if (h->requests_auth_failed > 0)
                return HEALTH_API_AUTH_FAILED;
        if (h->requests_failed > 0)
                return HEALTH_API_ALL_FAILED;
        return HEALTH_API_UNKNOWN;
}

static bool experiment_live(const struct health_sources *m, const struct watched_experiment *e)
{
        if (e->last && e->last->status_code >= 0)
                return e->last->status_code == 1;
        return m->config->monitor.experiments_live;   /* found by discovery of live ones */
}

/* The observation arrays point into the watch list and the outbox, which
 * stay put until health_evaluate returns. */
static int observe(struct health_daemon *h, const struct health_sources *m, struct health_observations *o,
                   struct health_experiment_observation **ret_x, struct health_notifier_observation **ret_n)
{
        size_t n = watchlist_count_active(m->watch), k = 0;
        struct health_experiment_observation *x = calloc(n ? n : 1, sizeof(*x));
        struct health_notifier_observation *nt = calloc(m->config->n_notifiers ? m->config->n_notifiers : 1,
                                                       sizeof(*nt));

        if (!x || !nt) {
                free(x);
                free(nt);
                return -ENOMEM;
        }
        for (size_t i = 0; i < m->watch->n && k < n; i++) {
                const struct watched_experiment *e = m->watch->items[i];
                if (!e->active)
                        continue;
                x[k++] = (struct health_experiment_observation) {
                        .id = e->id, .name = e->name,
                        .poll = e->failures > 0 ? HEALTH_POLL_FAILED :
                                e->polled_at >= h->cycle_started_at ? HEALTH_POLL_OK : HEALTH_POLL_NONE,
                        .error = e->last_error, .live = experiment_live(m, e),
                        .visitors_grew_at = e->visitors_grew_at,
                };
        }
        for (size_t i = 0; i < m->config->n_notifiers; i++) {
                const char *error = NULL;
                uint64_t since = outbox_notifier_failing_since(m->alerting->outbox, m->config->notifiers[i].name, &error);
                nt[i] = (struct health_notifier_observation) {
                        .name = m->config->notifiers[i].name, .failing_since = (int64_t) (since / 1000000),
                        .error = error,
                };
        }
        *o = (struct health_observations) {
                .now = time(NULL), .api = api_outcome(h), .api_error = h->api_error,
                .experiments = x, .n_experiments = k, .notifiers = nt, .n_notifiers = m->config->n_notifiers,
                .state_writable = h->state_writable, .state_error = h->state_error,
        };
        *ret_x = x;
        *ret_n = nt;
        return 0;
}

static int transition_priority(const struct health_transition *t)
{
        switch (t->kind) {
        case HEALTH_DETECTED: return LOG_WARNING;
        case HEALTH_ALERT:
        case HEALTH_REPEAT: return t->condition == HEALTH_EXPERIMENT_STALLED ? LOG_WARNING : LOG_ERR;
        case HEALTH_RECOVERED: return LOG_NOTICE;
        default: return LOG_INFO;
        }
}

static void journal(const struct health_transition *t, const struct health_settings *settings,
                    const char *event_id)
{
        bool experiment = t->condition == HEALTH_EXPERIMENT_FAILING || t->condition == HEALTH_EXPERIMENT_STALLED;
        struct log_field fields[6];
        size_t n = 0;
        char text[1024];

        fields[n++] = (struct log_field) { "MIDA_HEALTH_CONDITION", health_condition_to_string(t->condition) };
        if (experiment) {
                fields[n++] = (struct log_field) { "MIDA_EXPERIMENT_ID", t->subject };
                if (t->name)
                        fields[n++] = (struct log_field) { "MIDA_EXPERIMENT_NAME", t->name };
        }
        if (t->condition == HEALTH_DELIVERY_FAILING)
                fields[n++] = (struct log_field) { "MIDA_NOTIFIER", t->subject };
        if (event_id)
                fields[n++] = (struct log_field) { "MIDA_EVENT_ID", event_id };
        log_event(transition_priority(t), health_transition_message_id(t), fields, n, "%s",
                  health_transition_text(t, settings, text, sizeof(text)));
}

/* Queues t for each health notifier that should get it; journals it with
 * the event id of the first delivery. */
static void handle(const struct health_sources *m, const struct health_transition *t, const struct health_settings *settings)
{
        size_t targets[64], n = 0;
        char id[NOTIFY_EVENT_ID_SIZE] = "";

        if (t->notify && m->alerting->outbox)
                n = health_targets(m->config, t, targets, sizeof(targets) / sizeof(targets[0]));
        if (n > 0)
                notify_new_event_id(id);
        journal(t, settings, n > 0 ? id : NULL);
        for (size_t i = 0; i < n; i++) {
                const struct config_notifier *nt = &m->config->notifiers[targets[i]];
                char *body = health_render(m->config, nt, id, t, time(NULL));
                int r = body ? outbox_enqueue(m->alerting->outbox, nt->name, id, body) : -ENOMEM;

                if (r < 0 && r != -ENOSPC && r != -EROFS && r != -EACCES && r != -EIO)
                        log_error("cannot queue the health notification %s for notifier %s: %s", id, nt->name,
                                  strerror(-r));
                free(body);
        }
        if (t->notify && n == 0 && m->config->health.n_notify > 0 && t->condition == HEALTH_DELIVERY_FAILING)
                log_info("no other health notifier to report %s through", t->subject);
}

/* The conditions after this cycle's evaluation, in the open group, before
 * the transitions are handled: the outbox rows of their notifications then
 * join the same group, and the two commit together or not at all. A write
 * that fails dooms the group; its rollback reaches the manager's listener,
 * which reports it here. Returns 0 or -errno. */
static int save_conditions(struct health_daemon *h)
{
        int r = store_group_join(h->group);

        if (r < 0)
                return r;   /* nothing is open, so no listener hears of it */
        r = health_state_save(store_group_store(h->group), &h->state);
        if (r < 0) {
                log_debug("%s: cannot save the health conditions: %s", STORE_FILE, strerror(-r));
                store_group_fail(h->group, r);
        }
        return r;
}

static void write_metrics(struct health_daemon *h, const struct health_sources *m)
{
        const char *path = m->config->monitor.metrics_file;
        char *text = NULL;
        size_t len = 0;
        int r;

        if (!path)
                return;
        r = health_daemon_metrics_text(h, m, &text, &len);
        if (r >= 0)
                r = metrics_write_file(path, text, len);
        free(text);
        if (r < 0 && !h->metrics_failing)
                log_error("%s: cannot write the metrics file: %s; will retry each cycle", path, strerror(-r));
        else if (r >= 0 && h->metrics_failing)
                log_notice("%s: metrics file written again", path);
        h->metrics_failing = r < 0;
}

void health_daemon_cycle_finished(struct health_daemon *h, const struct health_sources *m)
{
        struct health_settings settings;
        struct health_observations o;
        struct health_experiment_observation *x = NULL;
        struct health_notifier_observation *nt = NULL;
        struct health_transitions out = { 0 };
        int r;

        if (!h)
                return;
        settings = (struct health_settings) {
                .after_usec = m->config->health.after_usec, .repeat_usec = m->config->health.repeat_usec,
                .stalled_after_usec = m->config->health.stalled_after_usec,
        };
        if (observe(h, m, &o, &x, &nt) < 0 || health_evaluate(&h->state, &settings, &o, &out) < 0)
                log_error("out of memory evaluating the daemon's health");
        r = save_conditions(h);
        for (size_t i = 0; i < out.n; i++)
                handle(m, &out.items[i], &settings);
        health_transitions_clear(&out);
        free(x);
        free(nt);
        write_metrics(h, m);

        h->requests_ok = h->requests_failed = h->requests_auth_failed = 0;
        h->api_error[0] = 0;
        h->state_writable = -1;
        h->cycle_started_at = time(NULL);
        /* The next cycle evaluates it: a transaction that could not even
         * begin reaches no listener (a failed write also comes back through
         * the manager when its group rolls back: the same error, held once). */
        if (r < 0)
                health_daemon_state_written(h, r);
}

static double figure(json_object *o, const char *key)
{
        json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v) || !v)
                return NAN;
        if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
                return NAN;
        return json_object_get_double(v);
}

static long long count(json_object *o, const char *key)
{
        json_object *v;

        if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
                return -1;
        return (long long) json_object_get_int64(v);
}

/* A figure as analysis_to_json writes it: null (here NaN) unless finite. */
static double valid_figure(double x)
{
        return isfinite(x) ? x : NAN;
}

/* The figures of `once --json`, from the analysis of this run's last poll. */
static int last_metrics(const struct watched_experiment *e, struct metrics_experiment *x)
{
        const struct analysis_summary *a = e->last;
        struct metrics_variant *v = a->n_variants > 0 ? calloc(a->n_variants, sizeof(*v)) : NULL;

        if (a->n_variants > 0 && !v)
                return -ENOMEM;
        for (size_t i = 0; i < a->n_variants; i++) {
                const struct variant_summary *va = &a->variants[i];
                v[i] = (struct metrics_variant) {
                        .variant_id = va->variant_id, .visitors = va->visitors, .conversions = va->conversions,
                        .lift = valid_figure(va->lift), .lift_low = valid_figure(va->lift_low),
                        .lift_high = valid_figure(va->lift_high), .p_value = valid_figure(va->p_value),
                        .p_value_adjusted = valid_figure(va->p_value_adjusted),
                        .prob_beat_control = valid_figure(va->prob_beat_control),
                };
        }
        *x = (struct metrics_experiment) { .id = e->id, .name = e->name, .srm_p = valid_figure(a->srm_p),
                                           .variants = v, .n_variants = a->n_variants };
        return 0;
}

static const char *variant_id_of(json_object *variant)
{
        json_object *id;

        return json_object_object_get_ex(variant, "variant_id", &id) && json_object_is_type(id, json_type_string)
               ? json_object_get_string(id) : "";
}

/* The same from the analysis the store held (not yet polled since start).
 * The variant ids are copied behind the array, in the same block, as the
 * parsed text is released here. */
static int restored_metrics(const struct watched_experiment *e, struct metrics_experiment *x)
{
        json_object *analysis = json_tokener_parse(e->restored_analysis), *variants = NULL;
        size_t n = 0, ids = 0;
        struct metrics_variant *v = NULL;
        char *tail;

        if (json_object_object_get_ex(analysis, "variants", &variants) &&
            json_object_is_type(variants, json_type_array))
                n = json_object_array_length(variants);
        for (size_t i = 0; i < n; i++)
                ids += strlen(variant_id_of(json_object_array_get_idx(variants, i))) + 1;
        if (n > 0 && !(v = calloc(1, n * sizeof(*v) + ids))) {
                json_object_put(analysis);
                return -ENOMEM;
        }
        tail = (char *) (v + n);
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_array_get_idx(variants, i);
                const char *id = variant_id_of(o);
                size_t len = strlen(id) + 1;
                memcpy(tail, id, len);
                v[i] = (struct metrics_variant) {
                        .variant_id = tail, .visitors = count(o, "visitors"), .conversions = count(o, "conversions"),
                        .lift = figure(o, "lift"), .lift_low = figure(o, "lift_low"),
                        .lift_high = figure(o, "lift_high"), .p_value = figure(o, "p_value"),
                        .p_value_adjusted = figure(o, "p_value_adjusted"),
                        .prob_beat_control = figure(o, "prob_beat_control"),
                };
                tail += len;
        }
        *x = (struct metrics_experiment) { .id = e->id, .name = e->name, .srm_p = figure(analysis, "srm_p"),
                                           .variants = v, .n_variants = n };
        json_object_put(analysis);
        return 0;
}

/* The analysis as `once --json` prints it, so the two always agree. */
static int experiment_metrics(const struct watched_experiment *e, struct metrics_experiment *x)
{
        return e->last ? last_metrics(e, x) : restored_metrics(e, x);
}

int health_daemon_metrics(const struct health_daemon *h, const struct health_sources *m, struct metrics_input *in)
{
        const struct config *c = m->config;
        struct metrics_experiment *x = calloc(m->watch->n ? m->watch->n : 1, sizeof(*x));
        struct metrics_labelled *rules = calloc(c->n_rules ? c->n_rules : 1, sizeof(*rules));
        struct metrics_labelled *errors = calloc(N_KINDS, sizeof(*errors));
        struct metrics_labelled *actions = calloc(2, sizeof(*actions));
        struct metrics_labelled *health = calloc(HEALTH_CONDITION_COUNT, sizeof(*health));
        size_t k = 0;

        *in = (struct metrics_input) {
                .version = PACKAGE_VERSION, .experiments = x, .rules_firing = rules, .n_rules = c->n_rules,
                .poll_errors = errors, .n_poll_errors = N_KINDS, .actions = actions, .n_actions = 2,
                .health = health, .n_health = HEALTH_CONDITION_COUNT,
                .poll_duration_seconds = m->summary->last_cycle_at > 0 ? m->summary->last_cycle_seconds : NAN,
                .last_cycle_timestamp = (double) m->summary->last_cycle_at,
                .deliveries_pending = m->alerting->outbox ? (double) outbox_pending(m->alerting->outbox) : NAN,
                .deliveries_failed_total = m->alerting->outbox ? (double) outbox_failed_total(m->alerting->outbox) : NAN,
        };
        if (!x || !rules || !errors || !actions || !health) {
                health_daemon_metrics_free(in);
                return -ENOMEM;
        }
        for (size_t i = 0; i < m->watch->n; i++) {
                const struct watched_experiment *e = m->watch->items[i];
                if (!e->active || (!e->last && !e->restored_analysis))
                        continue;
                if (experiment_metrics(e, &x[k]) < 0) {
                        in->n_experiments = k;
                        health_daemon_metrics_free(in);
                        return -ENOMEM;
                }
                k++;
        }
        in->n_experiments = k;
        for (size_t i = 0; i < c->n_rules; i++)
                rules[i] = (struct metrics_labelled) { c->rules[i].name,
                                                       (double) rules_firing_count(&m->alerting->alerts, c->rules[i].name) };
        for (size_t i = 0; i < N_KINDS; i++)
                errors[i] = (struct metrics_labelled) { poll_error_kinds[i],
                                                        h ? (double) h->poll_errors[i] : 0 };
        actions[0] = (struct metrics_labelled) { rule_action_to_string(RULE_ACTION_PAUSE), 0 };
        actions[1] = (struct metrics_labelled) { rule_action_to_string(RULE_ACTION_SERVE_WINNER), 0 };
        for (size_t i = 0; i < m->alerting->actions.ledger.n; i++)
                if (m->alerting->actions.ledger.entries[i].state == ACTION_STATE_DONE)
                        actions[m->alerting->actions.ledger.entries[i].action == RULE_ACTION_SERVE_WINNER].value++;
        for (int i = 0; i < HEALTH_CONDITION_COUNT; i++)
                health[i] = (struct metrics_labelled) { health_condition_to_string(i),
                                                        h && health_holds(&h->state, i) ? 1 : 0 };
        return 0;
}

void health_daemon_metrics_free(struct metrics_input *in)
{
        for (size_t i = 0; in->experiments && i < in->n_experiments; i++)
                free((void *) in->experiments[i].variants);
        free((void *) in->experiments);
        free((void *) in->rules_firing);
        free((void *) in->poll_errors);
        free((void *) in->actions);
        free((void *) in->health);
        *in = (struct metrics_input) { 0 };
}

int health_daemon_metrics_text(const struct health_daemon *h, const struct health_sources *s, char **ret,
                               size_t *ret_len)
{
        struct metrics_input in;
        int r = health_daemon_metrics(h, s, &in);

        if (r >= 0)
                r = metrics_format(&in, ret, ret_len);
        health_daemon_metrics_free(&in);
        return r;
}

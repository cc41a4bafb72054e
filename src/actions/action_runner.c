/* Firing rules → ledger → Mida API → journal and notifiers. */
#include "action_runner.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions.h"
#include "daemon/alerting.h"
#include "stats/analysis.h"
#include "mida/backoff.h"
#include "config/config.h"
#include "util/log.h"
#include "daemon/manager.h"
#include "mida/mida_client.h"
#include "rules/rule_event.h"

#define USEC_PER_SEC 1000000ULL
#define ACTION_MAX_ATTEMPTS 4   /* within one run; a restart resends an unfinished intent */
static const struct backoff_policy action_backoff = {
        .initial_usec = 2 * USEC_PER_SEC, .max_usec = 60 * USEC_PER_SEC,
};

struct action_request {
        struct action_request *next;
        struct manager *m;
        char *rule;
        long long experiment_id;
        enum rule_action action;
        char *serve_variant;         /* serve-winner's variant */
        int traffic_allocation;
        char *firing_variant;        /* the variant the rule fired on, for the report */
        unsigned attempt;
        struct http_transfer *transfer;
        sd_event_source *retry_timer;
};

static int save_ledger(struct manager *m)
{
        int r = actions_ledger_save(m->config->monitor.state_directory, &m->actions);

        if (r < 0)
                log_error("%s: cannot save the action ledger: %s", m->config->monitor.state_directory,
                          strerror(-r));
        return r;
}

static size_t find_variant(const struct experiment_analysis *a, const char *variant_id)
{
        for (size_t i = 0; a && variant_id && i < a->n_variants; i++)
                if (a->variants[i].variant_id && strcmp(a->variants[i].variant_id, variant_id) == 0)
                        return i;
        return SIZE_MAX;
}

/* The action event for the rule's notifiers, with the experiment's latest
 * figures when the daemon has them. */
static void notify_action(struct manager *m, const char *id, const char *rule_name, long long experiment_id,
                          const char *variant_id, enum alert_event_kind kind, const char *action,
                          const char *result, bool dry_run)
{
        const struct watched_experiment *e = watchlist_find(&m->watch, experiment_id);
        const struct experiment_analysis *a = e ? e->current : NULL;
        struct rule_transition t = {
                .kind = RULE_TRANSITION_FIRED, .experiment_id = experiment_id,
                .variant_id = (char *) variant_id, .variant_index = find_variant(a, variant_id),
                .at = time(NULL),
        };
        struct alert_event ev;

        if (!rule_find(m->config, rule_name, &t.rule_index))
                return;   /* the rule was removed meanwhile: the journal has it */
        rule_transition_event(&t, m->config, a, &ev);
        if (!ev.experiment_name && e)
                ev.experiment_name = e->name;
        ev.id = id;
        ev.kind = kind;
        ev.action = action;
        ev.action_result = result;
        ev.dry_run = dry_run;
        alerting_send_now(m, t.rule_index, &ev);
}

static void report_entry(struct manager *m, const struct action_entry *entry, const char *firing_variant)
{
        bool ok = entry->state == ACTION_STATE_DONE || entry->state == ACTION_STATE_DRY_RUN;
        const char *action = rule_action_to_string(entry->action);
        char result[256], id[24], what[96], event_id[NOTIFY_EVENT_ID_SIZE];
        struct log_field fields[] = {
                { "MIDA_RULE", entry->rule }, { "MIDA_EXPERIMENT_ID", id },
                { "MIDA_VARIANT_ID", entry->variant_id ? entry->variant_id : firing_variant },
                { "MIDA_ACTION", action },
        };

        action_entry_describe(entry, result, sizeof(result));
        snprintf(id, sizeof(id), "%lld", entry->experiment_id);
        /* One entry, one outcome: a report repeated after a crash keeps its id. */
        snprintf(what, sizeof(what), "action %s %lld", action_entry_state_to_string(entry->state),
                 (long long) entry->intended_at);
        alerting_event_id(m, what, entry->rule, entry->experiment_id, false, event_id);
        log_event(ok ? LOG_NOTICE : LOG_ERR, ok ? MIDA_MSGID_ACTION_TAKEN : MIDA_MSGID_ACTION_FAILED, fields,
                  sizeof(fields) / sizeof(fields[0]), "rule %s, experiment %lld: %s: %s", entry->rule,
                  entry->experiment_id, action, result);
        notify_action(m, event_id, entry->rule, entry->experiment_id, firing_variant,
                      ok ? ALERT_EVENT_ACTION : ALERT_EVENT_ACTION_FAILED, action, result,
                      entry->state == ACTION_STATE_DRY_RUN);
}

static void request_free(struct action_request *q)
{
        struct action_request **p = &q->m->action_requests;

        while (*p && *p != q)
                p = &(*p)->next;
        if (*p)
                *p = q->next;
        if (q->transfer)
                http_transfer_cancel(q->transfer);
        sd_event_source_disable_unref(q->retry_timer);
        free(q->rule);
        free(q->serve_variant);
        free(q->firing_variant);
        free(q);
}

/* Records the outcome of rule × experiment's intent, reports it, then saves
 * the ledger. Reporting first: a kill between the two then repeats the
 * (harmless) request and the report, under the same id, rather than leave
 * a done action untold. */
static void conclude(struct manager *m, const char *rule, long long experiment_id, int http_status,
                     const char *error, const char *firing_variant)
{
        const struct action_entry *entry =
                actions_record_result(&m->actions, rule, experiment_id, http_status, error, time(NULL));

        if (entry)
                report_entry(m, entry, firing_variant);
        (void) save_ledger(m);
}

static void finished(struct action_request *q, int http_status, const char *error)
{
        struct manager *m = q->m;

        conclude(m, q->rule, q->experiment_id, http_status, error, q->firing_variant);
        request_free(q);
        manager_idle_check(m);
}

static void send_request(struct action_request *q);

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
        struct action_request *q = userdata;

        q->retry_timer = sd_event_source_disable_unref(q->retry_timer);
        send_request(q);
        return 0;
}

static bool retry_later(struct action_request *q, long retry_after)
{
        uint64_t now = 0, delay;

        if (q->attempt >= ACTION_MAX_ATTEMPTS || q->m->stopping)
                return false;
        delay = backoff_delay(&action_backoff, q->attempt - 1, manager_random(q->m), retry_after);
        sd_event_now(q->m->event, CLOCK_MONOTONIC, &now);
        return sd_event_add_time(q->m->event, &q->retry_timer, CLOCK_MONOTONIC, now + delay, USEC_PER_SEC / 10,
                                 on_retry, q) >= 0;
}

static void on_done(const struct http_response *r, void *userdata)
{
        struct action_request *q = userdata;
        enum mida_call call = q->action == RULE_ACTION_PAUSE ? MIDA_CALL_STATUS : MIDA_CALL_SERVE_WINNER;
        char what[256] = "";

        bool unconfirmed = r->status >= 200 && r->status < 300;

        q->transfer = NULL;
        if (unconfirmed && mida_action_confirmed(r->body, r->body_len)) {
                finished(q, r->status, NULL);
                return;
        }
        if (unconfirmed)
                snprintf(what, sizeof(what), "HTTP %d without a confirmation from the API", r->status);
        else
                mida_failure_reason(call, r, what, sizeof(what));   /* the ledger keeps the status apart */
        if ((unconfirmed || mida_failure_is_transient(r->status)) && retry_later(q, r->retry_after_seconds)) {
                log_warning("rule %s, experiment %lld: %s failed (%s), attempt %u; retrying", q->rule,
                            q->experiment_id, rule_action_to_string(q->action), what, q->attempt);
                /* The earlier request may have gone through: a 409 from
                 * serve-winner on the retry then means it did. */
                actions_note_retry(&q->m->actions, q->rule, q->experiment_id);
                return;
        }
        finished(q, unconfirmed ? 0 : r->status, what);
}

static void send_request(struct action_request *q)
{
        struct manager *m = q->m;
        int r;

        q->attempt++;
        if (q->action == RULE_ACTION_PAUSE)
                r = mida_set_status(m->http, &m->config->mida, q->experiment_id, 0, on_done, q, &q->transfer);
        else
                r = mida_serve_winner(m->http, &m->config->mida, q->experiment_id, q->serve_variant,
                                      q->traffic_allocation, on_done, q, &q->transfer);
        if (r < 0)
                finished(q, 0, r == -ENOMEM ? "out of memory" : "cannot build the request");
}

/* Sends the request of an intended entry (already saved in the ledger). */
static void start(struct manager *m, const struct action_entry *entry, const char *firing_variant)
{
        struct action_request *q = calloc(1, sizeof(*q));

        if (q) {
                *q = (struct action_request) {
                        .m = m, .rule = strdup(entry->rule), .experiment_id = entry->experiment_id,
                        .action = entry->action, .traffic_allocation = entry->traffic_allocation,
                        .serve_variant = entry->variant_id ? strdup(entry->variant_id) : NULL,
                        .firing_variant = firing_variant ? strdup(firing_variant) : NULL,
                };
        }
        if (!q || !q->rule || (entry->variant_id && !q->serve_variant)) {
                if (q)
                        request_free(q);
                conclude(m, entry->rule, entry->experiment_id, 0, "out of memory", firing_variant);
                return;
        }
        q->next = m->action_requests;
        m->action_requests = q;
        log_info("rule %s, experiment %lld: %s", q->rule, q->experiment_id,
                 q->action == RULE_ACTION_PAUSE ? "pausing" : "serving the winner");
        send_request(q);
}

static void circuit_opened(struct manager *m, const struct rule_transition *t, const struct config_rule *rule)
{
        char result[160], id[24], event_id[NOTIFY_EVENT_ID_SIZE];
        struct log_field fields[] = {
                { "MIDA_RULE", rule->name }, { "MIDA_EXPERIMENT_ID", id },
                { "MIDA_ACTION", rule_action_to_string(rule->action) },
        };

        alerting_event_id(m, "circuit opened", rule->name, t->experiment_id, true, event_id);
        snprintf(id, sizeof(id), "%lld", t->experiment_id);
        snprintf(result, sizeof(result), "skipped: more than %d actions in the last hour (max_actions_per_hour); "
                 "no action runs until the hour has passed", m->config->monitor.max_actions_per_hour);
        log_event(LOG_ERR, MIDA_MSGID_ACTION_FAILED, fields, 3, "rule %s, experiment %lld: %s %s", rule->name,
                  t->experiment_id, rule_action_to_string(rule->action), result);
        notify_action(m, event_id, rule->name, t->experiment_id, t->variant_id, ALERT_EVENT_ACTION_FAILED,
                      rule_action_to_string(rule->action), result, false);
}

static double firing_lift(const struct rule_transition *t, const struct experiment_analysis *a)
{
        if (!a || t->variant_index >= a->n_variants || !a->variants[t->variant_index].lift.valid)
                return NAN;
        return a->variants[t->variant_index].lift.value;
}

void action_runner_consider(struct manager *m, const struct rule_transition *t,
                            const struct experiment_analysis *a)
{
        const struct config_rule *rule = &m->config->rules[t->rule_index];
        const struct action_entry *entry = NULL;
        enum action_decision d;
        int r = actions_decide(&m->actions, rule, t->experiment_id, t->variant_id, firing_lift(t, a),
                               manager_dry_run(m), m->config->monitor.max_actions_per_hour, t->at, &d, &entry);

        if (r < 0) {
                log_error("rule %s, experiment %lld: cannot decide its action: %s", rule->name, t->experiment_id,
                          strerror(-r));
                return;
        }
        switch (d) {
        case ACTION_RUN:
                if (save_ledger(m) < 0) {
                        /* Never act without a record: a crash would act again. */
                        conclude(m, rule->name, t->experiment_id, 0, "not sent: the intent could not be saved",
                                 t->variant_id);
                        break;
                }
                start(m, entry, t->variant_id);
                break;
        case ACTION_DRY_RUN:
                (void) save_ledger(m);
                report_entry(m, entry, t->variant_id);
                break;
        case ACTION_SKIP_NOT_POSITIVE:
                if (t->kind == RULE_TRANSITION_FIRED)
                        log_warning("rule %s, experiment %lld: not serving variant %s, its lift is not positive",
                                    rule->name, t->experiment_id, t->variant_id ? t->variant_id : "?");
                break;
        case ACTION_SKIP_CIRCUIT_OPENED:
                (void) save_ledger(m);
                circuit_opened(m, t, rule);
                break;
        case ACTION_ALREADY_DONE:
        case ACTION_SKIP_CIRCUIT_OPEN:
        case ACTION_SKIP_DISABLED:
                break;
        }
}

void action_runner_resume(struct manager *m)
{
        size_t n = actions_prepare_retries(&m->actions);

        if (n == 0)
                return;
        log_notice("%zu action%s interrupted by a stop; sending %s again", n, n == 1 ? " was" : "s were",
                   n == 1 ? "it" : "them");
        if (save_ledger(m) < 0)
                return;   /* retried at the next start, when the ledger can be saved */
        for (size_t i = 0; i < m->actions.n; i++)
                if (m->actions.entries[i].state == ACTION_STATE_INTENDED)
                        start(m, &m->actions.entries[i], NULL);
}

bool action_runner_busy(const struct manager *m)
{
        return m->action_requests != NULL;
}

void action_runner_cancel_all(struct manager *m)
{
        while (m->action_requests)
                request_free(m->action_requests);
}

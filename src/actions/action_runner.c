/* Firing rules → ledger → Mida API → journal and notifiers. */
#include "action_runner.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "config/config.h"
#include "mida/backoff.h"
#include "mida/mida_client.h"
#include "rules/rules.h"
#include "stats/analysis.h"
#include "util/log.h"

#define USEC_PER_SEC 1000000ULL
#define ACTION_MAX_ATTEMPTS 4   /* within one run; a restart resends an unfinished intent */
static const struct backoff_policy action_backoff = {
        .initial_usec = 2 * USEC_PER_SEC, .max_usec = 60 * USEC_PER_SEC,
};

struct action_request {
        struct action_request *next;
        struct action_runner *runner;
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

static int save_ledger(struct action_runner *ar)
{
        int r = actions_ledger_save(ar->config->monitor.state_directory, &ar->ledger);

        if (r < 0)
                log_error("%s: cannot save the action ledger: %s", ar->config->monitor.state_directory,
                          strerror(-r));
        return r;
}

static void report_entry(struct action_runner *ar, const struct action_entry *entry, const char *firing_variant)
{
        bool ok = entry->state == ACTION_STATE_DONE || entry->state == ACTION_STATE_DRY_RUN;
        const char *action = rule_action_to_string(entry->action);
        char result[256], id[24], what[96];
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
        log_event(ok ? LOG_NOTICE : LOG_ERR, ok ? MIDA_MSGID_ACTION_TAKEN : MIDA_MSGID_ACTION_FAILED, fields,
                  sizeof(fields) / sizeof(fields[0]), "rule %s, experiment %lld: %s: %s", entry->rule,
                  entry->experiment_id, action, result);
        ar->hooks.report(ar->hooks.userdata, &(struct action_report) {
                .what = what, .rule = entry->rule, .experiment_id = entry->experiment_id,
                .variant_id = firing_variant, .kind = ok ? ALERT_EVENT_ACTION : ALERT_EVENT_ACTION_FAILED,
                .action = action, .result = result, .dry_run = entry->state == ACTION_STATE_DRY_RUN,
        });
}

static void request_free(struct action_request *q)
{
        struct action_request **p = &q->runner->requests;

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
static void conclude(struct action_runner *ar, const char *rule, long long experiment_id, int http_status,
                     const char *error, const char *firing_variant)
{
        const struct action_entry *entry =
                actions_record_result(&ar->ledger, rule, experiment_id, http_status, error, time(NULL));

        if (entry)
                report_entry(ar, entry, firing_variant);
        (void) save_ledger(ar);
}

static void finished(struct action_request *q, int http_status, const char *error)
{
        struct action_runner *ar = q->runner;

        conclude(ar, q->rule, q->experiment_id, http_status, error, q->firing_variant);
        request_free(q);
        if (!ar->requests && ar->hooks.idle)
                ar->hooks.idle(ar->hooks.userdata);
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

        if (q->attempt >= ACTION_MAX_ATTEMPTS || q->runner->stopping)
                return false;
        delay = backoff_delay(&action_backoff, q->attempt - 1, backoff_random(&q->runner->rng), retry_after);
        sd_event_now(q->runner->event, CLOCK_MONOTONIC, &now);
        return sd_event_add_time(q->runner->event, &q->retry_timer, CLOCK_MONOTONIC, now + delay, USEC_PER_SEC / 10,
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
                actions_note_retry(&q->runner->ledger, q->rule, q->experiment_id);
                return;
        }
        finished(q, unconfirmed ? 0 : r->status, what);
}

static void send_request(struct action_request *q)
{
        struct action_runner *ar = q->runner;
        int r;

        q->attempt++;
        if (q->action == RULE_ACTION_PAUSE)
                r = mida_set_status(ar->http, &ar->config->mida, q->experiment_id, 0, on_done, q, &q->transfer);
        else
                r = mida_serve_winner(ar->http, &ar->config->mida, q->experiment_id, q->serve_variant,
                                      q->traffic_allocation, on_done, q, &q->transfer);
        if (r < 0)
                finished(q, 0, r == -ENOMEM ? "out of memory" : "cannot build the request");
}

/* Sends the request of an intended entry (already saved in the ledger). */
static void start(struct action_runner *ar, const struct action_entry *entry, const char *firing_variant)
{
        struct action_request *q = calloc(1, sizeof(*q));

        if (q) {
                *q = (struct action_request) {
                        .runner = ar, .rule = strdup(entry->rule), .experiment_id = entry->experiment_id,
                        .action = entry->action, .traffic_allocation = entry->traffic_allocation,
                        .serve_variant = entry->variant_id ? strdup(entry->variant_id) : NULL,
                        .firing_variant = firing_variant ? strdup(firing_variant) : NULL,
                };
        }
        if (!q || !q->rule || (entry->variant_id && !q->serve_variant)) {
                if (q)
                        request_free(q);
                conclude(ar, entry->rule, entry->experiment_id, 0, "out of memory", firing_variant);
                return;
        }
        q->next = ar->requests;
        ar->requests = q;
        log_info("rule %s, experiment %lld: %s", q->rule, q->experiment_id,
                 q->action == RULE_ACTION_PAUSE ? "pausing" : "serving the winner");
        send_request(q);
}

static void circuit_opened(struct action_runner *ar, const struct rule_transition *t,
                           const struct config_rule *rule)
{
        char result[160], id[24];
        struct log_field fields[] = {
                { "MIDA_RULE", rule->name }, { "MIDA_EXPERIMENT_ID", id },
                { "MIDA_ACTION", rule_action_to_string(rule->action) },
        };

        snprintf(id, sizeof(id), "%lld", t->experiment_id);
        snprintf(result, sizeof(result), "skipped: more than %d actions in the last hour (max_actions_per_hour); "
                 "no action runs until the hour has passed", ar->config->monitor.max_actions_per_hour);
        log_event(LOG_ERR, MIDA_MSGID_ACTION_FAILED, fields, 3, "rule %s, experiment %lld: %s %s", rule->name,
                  t->experiment_id, rule_action_to_string(rule->action), result);
        ar->hooks.report(ar->hooks.userdata, &(struct action_report) {
                .what = "circuit opened", .per_cycle = true, .rule = rule->name,
                .experiment_id = t->experiment_id, .variant_id = t->variant_id, .kind = ALERT_EVENT_ACTION_FAILED,
                .action = rule_action_to_string(rule->action), .result = result,
        });
}

static double firing_lift(const struct rule_transition *t, const struct experiment_analysis *a)
{
        if (!a || t->variant_index >= a->n_variants || !a->variants[t->variant_index].lift.valid)
                return NAN;
        return a->variants[t->variant_index].lift.value;
}

void action_runner_consider(struct action_runner *ar, const struct rule_transition *t,
                            const struct experiment_analysis *a, bool dry_run)
{
        const struct config_rule *rule = &ar->config->rules[t->rule_index];
        const struct action_entry *entry = NULL;
        enum action_decision d;
        int r = actions_decide(&ar->ledger, rule, t->experiment_id, t->variant_id, firing_lift(t, a),
                               dry_run, ar->config->monitor.max_actions_per_hour, t->at, &d, &entry);

        if (r < 0) {
                log_error("rule %s, experiment %lld: cannot decide its action: %s", rule->name, t->experiment_id,
                          strerror(-r));
                return;
        }
        switch (d) {
        case ACTION_RUN:
                if (save_ledger(ar) < 0) {
                        /* Never act without a record: a crash would act again. */
                        conclude(ar, rule->name, t->experiment_id, 0, "not sent: the intent could not be saved",
                                 t->variant_id);
                        break;
                }
                start(ar, entry, t->variant_id);
                break;
        case ACTION_DRY_RUN:
                (void) save_ledger(ar);
                report_entry(ar, entry, t->variant_id);
                break;
        case ACTION_SKIP_NOT_POSITIVE:
                if (t->kind == RULE_TRANSITION_FIRED)
                        log_warning("rule %s, experiment %lld: not serving variant %s, its lift is not positive",
                                    rule->name, t->experiment_id, t->variant_id ? t->variant_id : "?");
                break;
        case ACTION_SKIP_CIRCUIT_OPENED:
                (void) save_ledger(ar);
                circuit_opened(ar, t, rule);
                break;
        case ACTION_ALREADY_DONE:
        case ACTION_SKIP_CIRCUIT_OPEN:
        case ACTION_SKIP_DISABLED:
                break;
        }
}

void action_runner_open(struct action_runner *ar, sd_event *event, struct http_client *http,
                        const struct config *config, const struct action_runner_hooks *hooks)
{
        *ar = (struct action_runner) { .event = event, .http = http, .config = config, .hooks = *hooks };
        if (getrandom(&ar->rng, sizeof(ar->rng), GRND_NONBLOCK) != sizeof(ar->rng))
                ar->rng = (uint64_t) time(NULL);
        actions_ledger_load(config->monitor.state_directory, &ar->ledger);
}

void action_runner_close(struct action_runner *ar)
{
        while (ar->requests)
                request_free(ar->requests);
        actions_ledger_clear(&ar->ledger);
}

void action_runner_resume(struct action_runner *ar)
{
        size_t n = actions_prepare_retries(&ar->ledger);

        if (n == 0)
                return;
        log_notice("%zu action%s interrupted by a stop; sending %s again", n, n == 1 ? " was" : "s were",
                   n == 1 ? "it" : "them");
        if (save_ledger(ar) < 0)
                return;   /* retried at the next start, when the ledger can be saved */
        for (size_t i = 0; i < ar->ledger.n; i++)
                if (ar->ledger.entries[i].state == ACTION_STATE_INTENDED)
                        start(ar, &ar->ledger.entries[i], NULL);
}

bool action_runner_busy(const struct action_runner *ar)
{
        return ar->requests != NULL;
}

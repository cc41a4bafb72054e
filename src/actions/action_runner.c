/* Firing rules → ledger (state.db, group commit) → Mida API → journal and
 * notifiers. */
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
#include "store/action_rows.h"
#include "store/db.h"
#include "store/group_commit.h"
#include "util/log.h"

#define USEC_PER_SEC 1000000ULL
#define ACTION_MAX_ATTEMPTS 4   /* within one run; a restart resends an unfinished intent */
static const struct backoff_policy action_backoff = {
        .initial_usec = 2 * USEC_PER_SEC, .max_usec = 60 * USEC_PER_SEC,
};

/* Where a request stands with the group commit of its intent. */
enum request_phase {
        REQUEST_UNCOMMITTED,   /* its intent is written in the open group */
        REQUEST_COMMITTING,    /* that group is ending: its commit decides */
        REQUEST_SENDING,       /* committed: in flight or waiting for a retry */
};

struct action_request {
        struct action_request *next;
        struct action_runner *runner;
        enum request_phase phase;
        bool resumed;                /* the intent of an earlier run, sent again */
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

/* Before a write: joins the open group (opening one). A group that cannot
 * be opened leaves the rows behind the memory until a later one. */
static int join_group(struct action_runner *ar)
{
        int r = ar->group ? store_group_join(ar->group) : -ENOTCONN;

        if (r < 0)
                ar->resync = true;
        else
                ar->written = true;
        return r;
}

/* A failed write, in SQLite's words. entry NULL: the circuit flag, or the
 * whole ledger. */
static void log_write_error(struct action_runner *ar, const struct action_entry *entry, int r)
{
        const char *why = store_error(store_group_store(ar->group));

        if (entry)
                log_error("state.db: cannot write the action of rule %s, experiment %lld: %s (%s)", entry->rule,
                          entry->experiment_id, why, strerror(-r));
        else
                log_error("state.db: cannot write the action ledger: %s (%s)", why, strerror(-r));
}

/* Writes entry (may be NULL) and, when it changed, the circuit flag into
 * the open group. Returns 0 or -errno; a failed write dooms the group, and
 * its rollback makes the next group rewrite the whole ledger. */
static int write_ledger(struct action_runner *ar, const struct action_entry *entry, bool circuit_changed)
{
        struct store *s;
        int r = join_group(ar);

        if (r < 0)
                return r;
        s = store_group_store(ar->group);
        if (entry)
                r = actions_entry_save(s, entry);
        if (r >= 0 && circuit_changed)
                r = store_actions_circuit_open_set(s, ar->ledger.circuit_open);
        if (r < 0) {
                log_write_error(ar, entry, r);
                store_group_fail(ar->group, r);
        }
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

/* Records the outcome of rule × experiment's intent, writes it into the
 * open group, then reports it: the report's notifications join the same
 * group, so that the result and its report commit together (a kill before
 * that commit repeats the harmless request and the report, under the same
 * id, rather than leave a done action untold). */
static void conclude(struct action_runner *ar, const char *rule, long long experiment_id, int http_status,
                     const char *error, const char *firing_variant)
{
        const struct action_entry *entry =
                actions_record_result(&ar->ledger, rule, experiment_id, http_status, error, time(NULL));

        if (!entry)
                return;
        (void) write_ledger(ar, entry, false);
        report_entry(ar, entry, firing_variant);
}

/* The request is over (or will never be sent). */
static void drop(struct action_request *q)
{
        struct action_runner *ar = q->runner;

        request_free(q);
        if (!ar->requests && ar->hooks.idle)
                ar->hooks.idle(ar->hooks.userdata);
}

static void finished(struct action_request *q, int http_status, const char *error)
{
        conclude(q->runner, q->rule, q->experiment_id, http_status, error, q->firing_variant);
        drop(q);
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
        else if (!q->serve_variant)
                r = -EINVAL;   /* a row without its variant: nothing to serve */
        else
                r = mida_serve_winner(ar->http, &ar->config->mida, q->experiment_id, q->serve_variant,
                                      q->traffic_allocation, on_done, q, &q->transfer);
        if (r < 0)
                finished(q, 0, r == -ENOMEM ? "out of memory" : "cannot build the request");
}

/* The group holding q's intent has committed: the request may go. */
static void start(struct action_request *q)
{
        if (q->runner->stopping) {
                drop(q);   /* committed 'intended': sent again at the next start */
                return;
        }
        q->phase = REQUEST_SENDING;
        log_info("rule %s, experiment %lld: %s", q->rule, q->experiment_id,
                 q->action == RULE_ACTION_PAUSE ? "pausing" : "serving the winner");
        send_request(q);
}

/* q's intent is not stored (its write or its group failed): never act
 * without a record, or a crash would act again. */
static void intent_not_saved(struct action_request *q)
{
        if (!q->resumed) {
                finished(q, 0, "not sent: the intent could not be saved");
                return;
        }
        /* It may have gone out before the stop: not a failure, and still
         * 'intended' in the table, so the next start tries again. */
        log_error("rule %s, experiment %lld: the %s is not sent again: its new attempt could not be saved; "
                  "the next start tries again", q->rule, q->experiment_id, rule_action_to_string(q->action));
        drop(q);
}

static struct action_request *request_new(struct action_runner *ar, const struct action_entry *entry,
                                          const char *firing_variant, bool resumed)
{
        struct action_request *q = calloc(1, sizeof(*q));

        if (!q)
                return NULL;
        *q = (struct action_request) {
                .runner = ar, .resumed = resumed, .rule = strdup(entry->rule),
                .experiment_id = entry->experiment_id, .action = entry->action,
                .traffic_allocation = entry->traffic_allocation,
                .serve_variant = entry->variant_id ? strdup(entry->variant_id) : NULL,
                .firing_variant = firing_variant ? strdup(firing_variant) : NULL,
        };
        if (!q->rule || (entry->variant_id && !q->serve_variant) || (firing_variant && !q->firing_variant)) {
                request_free(q);
                return NULL;
        }
        q->next = ar->requests;
        ar->requests = q;
        return q;
}

/* Writes the intent of an intended entry into the open group; its request
 * waits for that group's commit (on_committed). A failed write dooms the
 * group, whose rollback then concludes the intent; with no group at all,
 * it is concluded now. */
static void intend(struct action_runner *ar, const struct action_entry *entry, const char *firing_variant,
                   bool resumed, bool circuit_changed)
{
        struct action_request *q = request_new(ar, entry, firing_variant, resumed);

        if (!q) {
                conclude(ar, entry->rule, entry->experiment_id, 0, "out of memory", firing_variant);
                return;
        }
        if (write_ledger(ar, entry, circuit_changed) < 0 && !store_group_is_open(ar->group))
                intent_not_saved(q);
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
        bool was_open = ar->ledger.circuit_open, circuit_changed;
        enum action_decision d;
        int r = actions_decide(&ar->ledger, rule, t->experiment_id, t->variant_id, firing_lift(t, a),
                               dry_run, ar->config->monitor.max_actions_per_hour, t->at, &d, &entry);

        if (r < 0) {
                log_error("rule %s, experiment %lld: cannot decide its action: %s", rule->name, t->experiment_id,
                          strerror(-r));
                return;
        }
        circuit_changed = ar->ledger.circuit_open != was_open;
        switch (d) {
        case ACTION_RUN:
                intend(ar, entry, t->variant_id, false, circuit_changed);
                break;
        case ACTION_DRY_RUN:
                (void) write_ledger(ar, entry, circuit_changed);
                report_entry(ar, entry, t->variant_id);
                break;
        case ACTION_SKIP_NOT_POSITIVE:
                if (t->kind == RULE_TRANSITION_FIRED)
                        log_warning("rule %s, experiment %lld: not serving variant %s, its lift is not positive",
                                    rule->name, t->experiment_id, t->variant_id ? t->variant_id : "?");
                break;
        case ACTION_SKIP_CIRCUIT_OPENED:
                (void) write_ledger(ar, NULL, circuit_changed);
                circuit_opened(ar, t, rule);
                break;
        case ACTION_ALREADY_DONE:
        case ACTION_SKIP_CIRCUIT_OPEN:
        case ACTION_SKIP_DISABLED:
                break;
        }
}

static struct action_request *first_in_phase(const struct action_runner *ar, enum request_phase phase)
{
        for (struct action_request *q = ar->requests; q; q = q->next)
                if (q->phase == phase)
                        return q;
        return NULL;
}

/* The group is about to commit: the whole ledger when its rows lag the
 * memory, and the intents written so far are the ones it decides. */
static void on_before_commit(void *userdata)
{
        struct action_runner *ar = userdata;
        int r;

        if (!ar->group)
                return;   /* closed */
        if (ar->resync) {
                ar->resync = false;
                ar->written = true;
                r = actions_ledger_save(store_group_store(ar->group), &ar->ledger);
                if (r < 0) {
                        log_write_error(ar, NULL, r);
                        store_group_fail(ar->group, r);
                }
        }
        for (struct action_request *q = ar->requests; q; q = q->next)
                if (q->phase == REQUEST_UNCOMMITTED)
                        q->phase = REQUEST_COMMITTING;
        ar->committing_written = ar->committing_written || ar->written;
        ar->written = false;
}

/* The intents of the group go (r = 0) or fail (r < 0: not stored). Each
 * request is taken afresh: sending or concluding one changes the list. */
static void on_committed(void *userdata, int r)
{
        struct action_runner *ar = userdata;
        struct action_request *q;

        if (!ar->group)
                return;
        if (r < 0 && (ar->committing_written || ar->written))
                ar->resync = true;   /* the memory is the truth: the next group catches up */
        ar->committing_written = false;
        while ((q = first_in_phase(ar, REQUEST_COMMITTING)))
                if (r < 0)
                        intent_not_saved(q);
                else
                        start(q);
        /* Intents written after this group's before_commit hooks ran wait for
         * the next group: make sure there is one. */
        if (first_in_phase(ar, REQUEST_UNCOMMITTED))
                (void) store_group_join(ar->group);
}

static void load_ledger(struct action_runner *ar)
{
        int r = actions_ledger_load(store_group_store(ar->group), &ar->ledger);

        if (r < 0)
                log_error("state.db: cannot read all of the action ledger: %s; going on with the %zu action%s "
                          "it could read", strerror(-r), ar->ledger.n, ar->ledger.n == 1 ? "" : "s");
}

int action_runner_open(struct action_runner *ar, sd_event *event, struct http_client *http,
                       const struct config *config, struct store_group *g, const struct action_runner_hooks *hooks)
{
        const struct store_group_listener l = { .before_commit = on_before_commit, .committed = on_committed,
                                                .userdata = ar };
        int r;

        *ar = (struct action_runner) { .event = event, .http = http, .config = config, .group = g,
                                       .hooks = *hooks };
        if (getrandom(&ar->rng, sizeof(ar->rng), GRND_NONBLOCK) != sizeof(ar->rng))
                ar->rng = (uint64_t) time(NULL);
        if (!g)
                return 0;
        load_ledger(ar);
        r = store_group_listen(g, &l);
        if (r < 0) {
                log_error("state.db: the action runner cannot follow its commits: %s; no action will be taken",
                          strerror(-r));
                ar->group = NULL;   /* an intent it cannot see committed is never sent */
        }
        return r;
}

void action_runner_close(struct action_runner *ar)
{
        while (ar->requests)
                request_free(ar->requests);
        actions_ledger_clear(&ar->ledger);
        ar->group = NULL;   /* the group keeps the listener: it now does nothing */
}

void action_runner_resume(struct action_runner *ar)
{
        size_t n = actions_prepare_retries(&ar->ledger);

        if (n == 0)
                return;
        log_notice("%zu action%s interrupted by a stop; sending %s again once %s new attempt is saved", n,
                   n == 1 ? " was" : "s were", n == 1 ? "it" : "them", n == 1 ? "its" : "their");
        for (size_t i = 0; i < ar->ledger.n; i++)
                if (ar->ledger.entries[i].state == ACTION_STATE_INTENDED)
                        intend(ar, &ar->ledger.entries[i], NULL, true, false);
}

bool action_runner_busy(const struct action_runner *ar)
{
        return ar->requests != NULL;
}

/* The action ledger: once per rule × experiment, crash recovery, circuit
 * breaker over a sliding hour, dry run, persistence in state.db; and the
 * runner in the group commit: an intent committed before its request, its
 * outcome and report in one group after it, against a real HTTP server on
 * 127.0.0.1 and a real sd-event loop. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/action_runner.h"
#include "actions/actions.h"
#include "mida/http.h"
#include "rules/rules.h"
#include "store/action_rows.h"
#include "store/db.h"
#include "store/group_commit.h"
#include "http_test_server.h"
#include "rules_fixture.h"
#include "store_fixture.h"

#define T0 1700000000
#define HOUR 3600

TestSuite(actions, .init = store_fixture_make_dir, .fini = store_fixture_remove_dir);

static struct config_rule pause_rule = { .name = "harm", .action = RULE_ACTION_PAUSE, .traffic_allocation = 100 };
static struct config_rule serve_rule = { .name = "winner", .action = RULE_ACTION_SERVE_WINNER,
                                         .traffic_allocation = 25 };

static enum action_decision decide(struct action_ledger *l, const struct config_rule *rule, long long id,
                                   double lift, bool dry_run, int max, int64_t now)
{
        enum action_decision d;

        cr_assert_eq(actions_decide(l, rule, id, "1", lift, dry_run, max, now, &d, NULL), 0);
        return d;
}

Test(actions, once_per_rule_and_experiment)
{
        struct action_ledger l = {};
        const struct action_entry *e = NULL;
        enum action_decision d;
        char text[128];

        cr_assert_eq(actions_decide(&l, &pause_rule, 7, NULL, NAN, false, 3, T0, &d, &e), 0);
        cr_assert_eq(d, ACTION_RUN);
        cr_assert_not_null(e);
        cr_expect_eq(e->state, ACTION_STATE_INTENDED);
        cr_expect_eq(e->attempts, 1);
        cr_expect_null(e->variant_id);
        cr_expect_str_eq(action_entry_describe(e, text, sizeof(text)), "pausing");
        cr_expect_eq(decide(&l, &pause_rule, 7, NAN, false, 3, T0 + 1), ACTION_ALREADY_DONE, "in flight");
        e = actions_record_result(&l, "harm", 7, 200, NULL, T0 + 2);
        cr_assert_not_null(e);
        cr_expect_eq(e->state, ACTION_STATE_DONE);
        cr_expect_str_eq(action_entry_describe(e, text, sizeof(text)), "paused");
        cr_expect_eq(decide(&l, &pause_rule, 7, NAN, false, 3, T0 + 10 * HOUR), ACTION_ALREADY_DONE,
                     "never again, even much later");
        cr_expect_null(actions_record_result(&l, "harm", 7, 200, NULL, T0 + 3), "no second result");
        cr_expect_eq(decide(&l, &pause_rule, 8, NAN, false, 3, T0 + 3), ACTION_RUN, "another experiment");
        cr_expect_eq(decide(&l, &serve_rule, 7, 0.1, false, 3, T0 + 3), ACTION_RUN, "another rule");
        cr_expect_eq(actions_count(&l, ACTION_STATE_DONE), 1);
        cr_expect_eq(actions_count(&l, ACTION_STATE_INTENDED), 2);
        actions_ledger_clear(&l);
}

Test(actions, failure_is_final_and_described)
{
        struct action_ledger l = {};
        const struct action_entry *e;
        char text[128];

        cr_assert_eq(decide(&l, &pause_rule, 7, NAN, false, 3, T0), ACTION_RUN);
        e = actions_record_result(&l, "harm", 7, 403, "plan limit", T0 + 1);
        cr_assert_not_null(e);
        cr_expect_eq(e->state, ACTION_STATE_FAILED);
        cr_expect_str_eq(action_entry_describe(e, text, sizeof(text)), "failed: HTTP 403 plan limit");
        cr_expect_eq(decide(&l, &pause_rule, 7, NAN, false, 3, T0 + 60), ACTION_ALREADY_DONE);
        cr_expect_eq(actions_count(&l, ACTION_STATE_FAILED), 1);
        actions_ledger_clear(&l);
}

Test(actions, serve_winner_needs_positive_lift)
{
        struct action_ledger l = {};
        const struct action_entry *e = NULL;
        enum action_decision d;
        char text[128];

        cr_expect_eq(decide(&l, &serve_rule, 7, -0.02, false, 3, T0), ACTION_SKIP_NOT_POSITIVE);
        cr_expect_eq(decide(&l, &serve_rule, 7, 0.0, false, 3, T0), ACTION_SKIP_NOT_POSITIVE);
        cr_expect_eq(decide(&l, &serve_rule, 7, NAN, false, 3, T0), ACTION_SKIP_NOT_POSITIVE);
        cr_expect_eq(l.n, 0, "a skip records nothing");
        cr_assert_eq(actions_decide(&l, &serve_rule, 7, "2", 0.08, false, 3, T0, &d, &e), 0);
        cr_assert_eq(d, ACTION_RUN);
        cr_expect_str_eq(e->variant_id, "2");
        cr_expect_eq(e->traffic_allocation, 25);
        e = actions_record_result(&l, "winner", 7, 200, NULL, T0);
        cr_expect_str_eq(action_entry_describe(e, text, sizeof(text)), "serving variant 2 to 25%");
        cr_expect_eq(actions_decide(&l, &serve_rule, 8, NULL, 0.08, false, 3, T0, &d, NULL), -EINVAL,
                     "serve-winner without a variant");
        cr_expect_eq(actions_decide(&l, &(struct config_rule) { .name = "x" }, 8, NULL, NAN, false, 3, T0, &d, NULL),
                     -EINVAL, "a rule without action");
        actions_ledger_clear(&l);
}

/* The ledger through state.db, as a restart sees it. */
static void restart(struct action_ledger *l)
{
        struct store *s = NULL;

        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_assert_eq(actions_ledger_save(s, l), 0);
        store_close(s);
        actions_ledger_clear(l);
        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_assert_eq(actions_ledger_load(s, l), 0);
        store_close(s);
}

Test(actions, crash_after_intent_retries_the_same_request)
{
        struct action_ledger l = {};
        const struct action_entry *e;

        cr_assert_eq(decide(&l, &serve_rule, 7, 0.08, false, 3, T0), ACTION_RUN);
        cr_assert_eq(decide(&l, &pause_rule, 8, NAN, false, 3, T0 + 1), ACTION_RUN);
        cr_assert_not_null(actions_record_result(&l, "harm", 8, 200, NULL, T0 + 1));
        restart(&l);   /* crashed before serve-winner's result was recorded */
        cr_assert_eq(l.n, 2);
        cr_expect_eq(actions_prepare_retries(&l), 1, "only the unfinished intent");
        e = &l.entries[0];
        cr_expect_eq(e->state, ACTION_STATE_INTENDED);
        cr_expect_eq(e->attempts, 2);
        cr_expect_eq(e->action, RULE_ACTION_SERVE_WINNER);
        cr_expect_str_eq(e->variant_id, "1");
        cr_expect_eq(e->traffic_allocation, 25);
        cr_expect_eq(e->intended_at, T0);
        cr_expect_eq(l.entries[1].state, ACTION_STATE_DONE, "a finished entry survives as it was");
        cr_expect_eq(decide(&l, &serve_rule, 7, 0.08, false, 3, T0 + 60), ACTION_ALREADY_DONE,
                     "the alert still firing does not start a second action");
        /* The first request had gone through: the retry gets 409, which counts as done. */
        e = actions_record_result(&l, "winner", 7, 409, "already serving", T0 + 60);
        cr_assert_not_null(e);
        cr_expect_eq(e->state, ACTION_STATE_DONE);
        actions_ledger_clear(&l);
}

Test(actions, conflict_on_a_first_attempt_is_a_failure)
{
        struct action_ledger l = {};
        const struct action_entry *e;

        cr_assert_eq(decide(&l, &serve_rule, 7, 0.08, false, 3, T0), ACTION_RUN);
        e = actions_record_result(&l, "winner", 7, 409, "draft", T0 + 1);
        cr_assert_not_null(e);
        cr_expect_eq(e->state, ACTION_STATE_FAILED);
        cr_expect_str_eq(e->error, "draft");
        actions_ledger_clear(&l);
}

Test(actions, conflict_after_a_retry_within_one_run_is_done)
{
        struct action_ledger l = {};
        const struct action_entry *e;

        cr_assert_eq(decide(&l, &serve_rule, 7, 0.08, false, 3, T0), ACTION_RUN);
        /* The first reply was lost (timeout): the request may have gone through. */
        actions_note_retry(&l, "winner", 7);
        cr_expect_eq(l.entries[0].attempts, 2);
        e = actions_record_result(&l, "winner", 7, 409, "already serving", T0 + 5);
        cr_assert_not_null(e);
        cr_expect_eq(e->state, ACTION_STATE_DONE);
        actions_note_retry(&l, "winner", 7);
        cr_expect_eq(l.entries[0].attempts, 2, "a finished entry is not retried");
        actions_ledger_clear(&l);
}

Test(actions, circuit_breaker_over_a_sliding_hour)
{
        struct action_ledger l = {};

        cr_expect_eq(decide(&l, &pause_rule, 1, NAN, false, 2, T0), ACTION_RUN);
        cr_expect_eq(decide(&l, &pause_rule, 2, NAN, false, 2, T0 + 1800), ACTION_RUN);
        cr_expect_eq(decide(&l, &pause_rule, 3, NAN, false, 2, T0 + 1801), ACTION_SKIP_CIRCUIT_OPENED);
        cr_expect_eq(decide(&l, &pause_rule, 4, NAN, false, 2, T0 + 1802), ACTION_SKIP_CIRCUIT_OPEN,
                     "reported once per opening");
        cr_expect_eq(decide(&l, &pause_rule, 3, NAN, false, 2, T0 + HOUR - 1), ACTION_SKIP_CIRCUIT_OPEN);
        cr_expect_eq(l.n, 2, "skips record nothing");
        restart(&l);
        cr_expect(l.circuit_open, "the report is not repeated after a restart");
        cr_expect_eq(decide(&l, &pause_rule, 3, NAN, false, 2, T0 + HOUR), ACTION_RUN,
                     "the first action left the window");
        cr_expect_eq(decide(&l, &pause_rule, 4, NAN, false, 2, T0 + HOUR + 1), ACTION_SKIP_CIRCUIT_OPENED,
                     "a new opening is reported again");
        cr_expect_eq(decide(&l, &pause_rule, 4, NAN, false, 2, T0 + 1800 + HOUR), ACTION_RUN);
        actions_ledger_clear(&l);
}

Test(actions, zero_per_hour_disables_actions)
{
        struct action_ledger l = {};

        cr_expect_eq(decide(&l, &pause_rule, 1, NAN, false, 0, T0), ACTION_SKIP_DISABLED);
        cr_expect_eq(decide(&l, &pause_rule, 1, NAN, true, 0, T0), ACTION_SKIP_DISABLED);
        cr_expect_eq(l.n, 0);
        actions_ledger_clear(&l);
}

Test(actions, dry_run_records_without_blocking_a_real_action)
{
        struct action_ledger l = {};
        const struct action_entry *e = NULL;
        enum action_decision d;
        char text[128];

        cr_assert_eq(actions_decide(&l, &pause_rule, 7, NULL, NAN, true, 1, T0, &d, &e), 0);
        cr_assert_eq(d, ACTION_DRY_RUN);
        cr_expect_eq(e->state, ACTION_STATE_DRY_RUN);
        cr_expect_str_eq(action_entry_describe(e, text, sizeof(text)), "would pause (dry run)");
        cr_expect_eq(decide(&l, &pause_rule, 7, NAN, true, 1, T0 + 60), ACTION_ALREADY_DONE, "said once");
        cr_expect_eq(decide(&l, &pause_rule, 8, NAN, true, 1, T0 + 60), ACTION_DRY_RUN,
                     "the breaker does not limit dry runs");
        cr_expect_null(actions_record_result(&l, "harm", 7, 200, NULL, T0), "a dry run has no result");
        cr_expect_eq(decide(&l, &pause_rule, 7, NAN, false, 1, T0 + HOUR), ACTION_RUN,
                     "dry_run turned off: the real action runs");
        cr_expect_eq(decide(&l, &pause_rule, 9, NAN, true, 1, T0 + HOUR), ACTION_DRY_RUN);
        cr_expect_eq(decide(&l, &pause_rule, 7, NAN, true, 1, T0 + HOUR), ACTION_ALREADY_DONE);
        cr_expect_eq(actions_count(&l, ACTION_STATE_DRY_RUN), 3);
        cr_expect_eq(actions_count(&l, ACTION_STATE_INTENDED), 1);
        actions_ledger_clear(&l);
}

Test(actions, ledger_store_round_trip_keeps_every_field)
{
        struct action_ledger l = {};
        const struct action_entry *e;

        cr_assert_eq(decide(&l, &serve_rule, 7, 0.08, false, 3, T0), ACTION_RUN);
        cr_assert_not_null(actions_record_result(&l, "winner", 7, 500, "server error after retries", T0 + 5));
        cr_assert_eq(decide(&l, &pause_rule, 7, NAN, true, 3, T0 + 6), ACTION_DRY_RUN);
        restart(&l);
        cr_assert_eq(l.n, 2);
        e = &l.entries[0];
        cr_expect_str_eq(e->rule, "winner");
        cr_expect_eq(e->experiment_id, 7);
        cr_expect_eq(e->action, RULE_ACTION_SERVE_WINNER);
        cr_expect_str_eq(e->variant_id, "1");
        cr_expect_eq(e->traffic_allocation, 25);
        cr_expect_eq(e->state, ACTION_STATE_FAILED);
        cr_expect_eq(e->attempts, 1);
        cr_expect_eq(e->intended_at, T0);
        cr_expect_eq(e->finished_at, T0 + 5);
        cr_expect_eq(e->http_status, 500);
        cr_expect_str_eq(e->error, "server error after retries");
        cr_expect_eq(l.entries[1].state, ACTION_STATE_DRY_RUN);
        cr_expect_null(l.entries[1].variant_id);
        cr_expect_str_eq(l.entries[1].error, "");
        actions_ledger_clear(&l);
}

Test(actions, a_real_entry_wins_the_row_it_shares_with_a_dry_run)
{
        struct action_ledger l = {};
        struct action_entry swap;

        cr_assert_eq(decide(&l, &pause_rule, 7, NAN, true, 3, T0), ACTION_DRY_RUN);
        cr_assert_eq(decide(&l, &pause_rule, 7, NAN, false, 3, T0 + 60), ACTION_RUN);
        /* The dry run after the intent: written in that order, it would
         * replace the intent's row. */
        swap = l.entries[0];
        l.entries[0] = l.entries[1];
        l.entries[1] = swap;
        restart(&l);
        cr_assert_eq(l.n, 1, "one row per rule × experiment");
        cr_expect_eq(l.entries[0].state, ACTION_STATE_INTENDED);
        cr_expect_eq(decide(&l, &pause_rule, 7, NAN, false, 3, T0 + HOUR), ACTION_ALREADY_DONE);
        actions_ledger_clear(&l);
}

Test(actions, load_keeps_the_rows_before_an_unreadable_one)
{
        struct action_ledger l = {};
        struct store *s = NULL;

        cr_assert_eq(decide(&l, &pause_rule, 1, NAN, false, 3, T0), ACTION_RUN);
        cr_assert_eq(decide(&l, &pause_rule, 2, NAN, false, 3, T0 + 1), ACTION_RUN);
        cr_assert_eq(store_open(store_dir, 0, &s), 0);
        cr_assert_eq(actions_ledger_save(s, &l), 0);
        cr_assert_eq(store_actions_circuit_open_set(s, true), 0);
        /* A state a later version might write. */
        store_exec_sql(s, "INSERT INTO actions (rule, experiment_id, action, state, intended_at) "
                          "VALUES ('harm', 3, 'pause', 'undone', 1700000002)");
        actions_ledger_clear(&l);
        cr_expect_eq(actions_ledger_load(s, &l), -EBADMSG);
        cr_expect_eq(l.n, 2, "what was read before it is kept");
        cr_expect(l.circuit_open, "and the flag too");
        cr_expect_eq(decide(&l, &pause_rule, 2, NAN, false, 3, T0 + 2), ACTION_ALREADY_DONE);
        store_close(s);
        actions_ledger_clear(&l);
}

/* ---- the runner: state.db's group commit, the Mida API on 127.0.0.1 ---- */

#define REPORTS_MAX 8

/* One report hook call, with what the open group held at that moment. */
struct seen_report {
        enum alert_event_kind kind;
        char what[96], result[256];
        bool dry_run;
        bool group_open;          /* the report joined an open group */
        char row_state[16];       /* the entry's row as that group has it */
};

static struct runner_fixture {
        struct test_server server;
        sd_event *loop;
        struct http_client *http;
        struct config *config;
        struct store *store, *reader;   /* reader: another connection, sees only what committed */
        struct store_group *group;
        struct action_runner runner;
        bool open;
        struct seen_report reports[REPORTS_MAX];
        size_t n_reports;
        unsigned idle;
} fx;

/* The state of rule × experiment's row in s: "" when there is none. */
static void row_state(struct store *s, const char *rule, long long experiment_id, char *buf, size_t size)
{
        struct actions_read got = { 0 };

        buf[0] = 0;
        cr_assert_eq(store_actions_each(s, collect_action, &got), 0);
        for (size_t i = 0; i < got.n; i++)
                if (got.rows[i].experiment_id == experiment_id && strcmp(got.rows[i].rule, rule) == 0)
                        snprintf(buf, size, "%s", store_action_state_to_string(got.rows[i].state));
        actions_read_clear(&got);
}

static const char *committed_state(const char *rule, long long experiment_id)
{
        static char state[16];

        row_state(fx.reader, rule, experiment_id, state, sizeof(state));
        return state;
}

static void on_report(void *userdata, const struct action_report *r)
{
        struct seen_report *seen;

        cr_assert_lt(fx.n_reports, REPORTS_MAX);
        seen = &fx.reports[fx.n_reports++];
        seen->kind = r->kind;
        seen->dry_run = r->dry_run;
        snprintf(seen->what, sizeof(seen->what), "%s", r->what);
        snprintf(seen->result, sizeof(seen->result), "%s", r->result);
        seen->group_open = store_group_is_open(fx.group);
        row_state(fx.store, r->rule, r->experiment_id, seen->row_state, sizeof(seen->row_state));
}

static void on_idle(void *userdata)
{
        fx.idle++;
}

static void runner_open(void)
{
        const struct action_runner_hooks hooks = { .report = on_report, .idle = on_idle };

        cr_assert_eq(store_open(store_dir, 0, &fx.store), 0);
        cr_assert_eq(store_group_new(fx.store, NULL, &fx.group), 0, "no loop: the test ends each group");
        cr_assert_eq(action_runner_open(&fx.runner, fx.loop, fx.http, fx.config, fx.group, &hooks), 0);
        cr_assert_eq(store_open(store_dir, STORE_READ_ONLY, &fx.reader), 0);
        fx.open = true;
}

/* A stop: what the last group holds commits, as the manager does. */
static void runner_close(void)
{
        if (!fx.open)
                return;
        store_group_free(fx.group);
        action_runner_close(&fx.runner);
        store_close(fx.reader);
        store_close(fx.store);
        fx.open = false;
}

static void runner_setup(void)
{
        const struct http_client_options o = { .user_agent = "test", .timeout_ms = 10000 };
        char url[256];

        store_fixture_make_dir();
        fx = (struct runner_fixture) { 0 };
        cr_assert_eq(test_server_start(&fx.server), 0, "cannot start the test server");
        cr_assert_geq(sd_event_new(&fx.loop), 0);
        cr_assert_not_null(fx.http = http_client_new(fx.loop, &o));
        fx.config = fixture_config("( { name = \"harm\"; when = \"visitors > 0\"; action = \"pause\"; } )");
        /* Every request is refused for good: one attempt, then its outcome. */
        free(fx.config->mida.base_url);
        cr_assert_not_null(fx.config->mida.base_url = strdup(test_server_url(&fx.server, "/status/403", url,
                                                                             sizeof(url))));
        runner_open();
}

static void runner_teardown(void)
{
        runner_close();
        http_client_free(fx.http);
        config_free(fx.config);
        test_server_stop(&fx.server);
        sd_event_unref(fx.loop);
        store_fixture_remove_dir();
}

TestSuite(action_runner, .init = runner_setup, .fini = runner_teardown, .timeout = 30);

static void fire(long long experiment_id, bool dry_run)
{
        struct rule_transition t = { .kind = RULE_TRANSITION_FIRED, .rule_index = 0, .experiment_id = experiment_id,
                                     .variant_index = SIZE_MAX, .at = T0 + experiment_id };

        action_runner_consider(&fx.runner, &t, NULL, dry_run);
}

static size_t requests_seen(void)
{
        size_t n;

        pthread_mutex_lock(&fx.server.lock);
        n = fx.server.n_seen;
        pthread_mutex_unlock(&fx.server.lock);
        return n;
}

/* Gives a request time to leave, had it been started. */
static void run_loop_briefly(void)
{
        for (int i = 0; i < 5; i++)
                cr_assert_geq(sd_event_run(fx.loop, 20 * 1000), 0);
}

static void run_loop_until_reports(size_t n)
{
        while (fx.n_reports < n)
                cr_assert_geq(sd_event_run(fx.loop, UINT64_MAX), 0);
}

Test(action_runner, a_dry_run_row_commits_with_its_group_and_reloads)
{
        fire(7, true);
        cr_assert_eq(fx.n_reports, 1);
        cr_expect(fx.reports[0].dry_run);
        cr_expect_eq(fx.reports[0].kind, ALERT_EVENT_ACTION);
        cr_expect_str_eq(fx.reports[0].result, "would pause (dry run)");
        cr_expect(fx.reports[0].group_open, "the report joins the group of its row");
        cr_expect_str_eq(fx.reports[0].row_state, "dry-run", "written before the report");
        cr_expect_str_eq(committed_state("harm", 7), "", "not committed before the group ends");
        cr_assert_eq(store_group_flush(fx.group), 0);
        cr_expect_str_eq(committed_state("harm", 7), "dry-run");
        cr_expect_eq(requests_seen(), 0, "a dry run sends nothing");

        runner_close();
        runner_open();
        cr_assert_eq(fx.runner.ledger.n, 1, "the ledger reloads from state.db");
        cr_expect_eq(fx.runner.ledger.entries[0].state, ACTION_STATE_DRY_RUN);
        cr_expect_eq(fx.runner.ledger.entries[0].intended_at, T0 + 7);
        fire(7, true);
        cr_expect_eq(fx.n_reports, 1, "said once, also across a restart");
}

Test(action_runner, an_intent_is_sent_only_once_committed)
{
        const struct seen_request *req = &fx.server.seen[0];
        char state[16];

        fire(7, false);
        cr_expect_eq(fx.n_reports, 0);
        cr_expect(action_runner_busy(&fx.runner), "waiting for its commit counts as busy");
        row_state(fx.store, "harm", 7, state, sizeof(state));
        cr_expect_str_eq(state, "intended", "written in the open group");
        cr_expect_str_eq(committed_state("harm", 7), "");
        run_loop_briefly();
        cr_expect_eq(requests_seen(), 0, "no request before the intent has committed");

        cr_assert_eq(store_group_flush(fx.group), 0);
        cr_expect_str_eq(committed_state("harm", 7), "intended");
        run_loop_until_reports(1);
        cr_expect_eq(requests_seen(), 1);
        cr_expect_str_eq(req->method, "PATCH");
        cr_expect(strstr(req->path, "/experiment/7/status") != NULL, "%s", req->path);
        cr_expect_eq(fx.reports[0].kind, ALERT_EVENT_ACTION_FAILED);
        cr_expect(strncmp(fx.reports[0].result, "failed: HTTP 403", 16) == 0, "%s", fx.reports[0].result);
        cr_expect(fx.reports[0].group_open, "the outcome and its report share a group");
        cr_expect_str_eq(fx.reports[0].row_state, "failed");
        cr_expect_str_eq(committed_state("harm", 7), "intended", "the outcome commits with its group");
        cr_expect(!action_runner_busy(&fx.runner));
        cr_expect_eq(fx.idle, 1);
        cr_assert_eq(store_group_flush(fx.group), 0);
        cr_expect_str_eq(committed_state("harm", 7), "failed");
}

Test(action_runner, an_intent_whose_group_rolls_back_is_not_sent)
{
        fire(7, false);
        store_group_fail(fx.group, -EIO);   /* another writer's write failed */
        cr_expect_eq(store_group_flush(fx.group), -EIO);
        cr_assert_eq(fx.n_reports, 1, "concluded at once");
        cr_expect_eq(fx.reports[0].kind, ALERT_EVENT_ACTION_FAILED);
        cr_expect_str_eq(fx.reports[0].result, "failed: not sent: the intent could not be saved");
        cr_expect(fx.reports[0].group_open, "in a new group");
        cr_expect(!action_runner_busy(&fx.runner));
        run_loop_briefly();
        cr_expect_eq(requests_seen(), 0, "never act without a record");
        cr_assert_eq(store_group_flush(fx.group), 0);
        cr_expect_str_eq(committed_state("harm", 7), "failed");
        fire(7, false);
        cr_expect_eq(fx.n_reports, 1, "a failed action is final");
}

Test(action_runner, an_intent_whose_row_cannot_be_written_is_not_sent)
{
        store_exec_sql(fx.store, "CREATE TRIGGER full BEFORE INSERT ON actions "
                                 "BEGIN SELECT RAISE(ABORT, 'disk full'); END");
        fire(7, false);
        cr_expect_eq(fx.n_reports, 0, "concluded when its doomed group ends");
        cr_expect_lt(store_group_flush(fx.group), 0);
        cr_assert_eq(fx.n_reports, 1);
        cr_expect_str_eq(fx.reports[0].result, "failed: not sent: the intent could not be saved");
        cr_expect(!action_runner_busy(&fx.runner));
        cr_expect_lt(store_group_flush(fx.group), 0, "the outcome's row fails too");
        store_exec_sql(fx.store, "DROP TRIGGER full");
        run_loop_briefly();
        cr_expect_eq(requests_seen(), 0);
        /* The rows catch up with the memory in the next group. */
        cr_assert_eq(store_group_join(fx.group), 0);
        cr_assert_eq(store_group_flush(fx.group), 0);
        cr_expect_str_eq(committed_state("harm", 7), "failed");
}

Test(action_runner, an_intent_without_a_group_is_not_sent)
{
        struct store *blocker = NULL;

        /* Another connection holds the write lock: BEGIN fails (at once,
         * without the busy timeout), so no group can open. */
        cr_assert_eq(store_open(store_dir, 0, &blocker), 0);
        cr_assert_eq(store_begin(blocker), 0);
        cr_assert_eq(sqlite3_busy_timeout(store_db(fx.store), 0), SQLITE_OK);
        fire(7, false);
        cr_expect(!store_group_is_open(fx.group));
        cr_assert_eq(fx.n_reports, 1);
        cr_expect_str_eq(fx.reports[0].result, "failed: not sent: the intent could not be saved");
        cr_expect(!action_runner_busy(&fx.runner));
        store_rollback(blocker);
        store_close(blocker);
        run_loop_briefly();
        cr_expect_eq(requests_seen(), 0);
        /* The rows caught up with the memory in the next group. */
        cr_assert_eq(store_group_join(fx.group), 0);
        cr_assert_eq(store_group_flush(fx.group), 0);
        cr_expect_str_eq(committed_state("harm", 7), "failed");
}

Test(action_runner, a_rolled_back_group_is_rewritten_by_the_next)
{
        fire(1, true);
        cr_assert_eq(store_group_flush(fx.group), 0);
        fire(2, true);
        store_group_fail(fx.group, -EIO);
        cr_expect_eq(store_group_flush(fx.group), -EIO);
        cr_expect_str_eq(committed_state("harm", 2), "", "rolled back");
        cr_expect_eq(fx.runner.ledger.n, 2, "the memory keeps it");
        fire(3, true);
        cr_assert_eq(store_group_flush(fx.group), 0);
        cr_expect_str_eq(committed_state("harm", 1), "dry-run");
        cr_expect_str_eq(committed_state("harm", 2), "dry-run", "rewritten with the next group");
        cr_expect_str_eq(committed_state("harm", 3), "dry-run");
}

Test(action_runner, a_resumed_intent_is_sent_after_its_attempt_commits)
{
        struct actions_read got = { 0 };
        const struct store_action_row intended = {
                .rule = "harm", .experiment_id = 9, .action = RULE_ACTION_PAUSE, .state = STORE_ACTION_INTENDED,
                .attempts = 1, .intended_at = T0,
        };

        runner_close();
        cr_assert_eq(store_open(store_dir, 0, &fx.store), 0);
        cr_assert_eq(store_action_upsert(fx.store, &intended), 0);
        store_close(fx.store);
        runner_open();
        cr_assert_eq(fx.runner.ledger.n, 1);
        action_runner_resume(&fx.runner);
        cr_expect(action_runner_busy(&fx.runner));
        run_loop_briefly();
        cr_expect_eq(requests_seen(), 0, "not before the new attempt has committed");
        cr_assert_eq(store_group_flush(fx.group), 0);
        cr_assert_eq(store_actions_each(fx.reader, collect_action, &got), 0);
        cr_assert_eq(got.n, 1);
        cr_expect_eq(got.rows[0].attempts, 2);
        actions_read_clear(&got);
        run_loop_until_reports(1);
        cr_expect_eq(requests_seen(), 1);
        cr_expect_str_eq(fx.reports[0].row_state, "failed");
        cr_expect_str_eq(fx.reports[0].what, "action failed 1700000000");
}

Test(action_runner, the_circuit_flag_commits_with_its_report)
{
        bool open = false;

        fx.config->monitor.max_actions_per_hour = 1;
        fire(1, false);
        fire(2, false);
        cr_assert_eq(fx.n_reports, 1);
        cr_expect_str_eq(fx.reports[0].what, "circuit opened");
        cr_expect(fx.reports[0].group_open);
        cr_assert_eq(store_group_flush(fx.group), 0);
        cr_assert_eq(store_actions_circuit_open_get(fx.reader, &open), 0);
        cr_expect(open);
        run_loop_until_reports(2);   /* the first action's outcome */
        runner_close();
        runner_open();
        cr_expect(fx.runner.ledger.circuit_open, "the report is not repeated after a restart");
}

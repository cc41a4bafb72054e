/* The action ledger: once per rule × experiment, crash recovery, circuit
 * breaker over a sliding hour, dry run, persistence. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions/actions.h"
#include "rules_fixture.h"

#define T0 1700000000
#define HOUR 3600

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

/* The ledger through its file, as a restart sees it. */
static void restart(struct action_ledger *l)
{
        char *dir = fixture_directory();

        cr_assert_eq(actions_ledger_save(dir, l), 0);
        actions_ledger_clear(l);
        cr_assert_eq(actions_ledger_load(dir, l), 0);
        fixture_remove_directory(dir);
}

Test(actions, crash_after_intent_retries_the_same_request)
{
        struct action_ledger l = {};
        const struct action_entry *e;

        cr_assert_eq(decide(&l, &serve_rule, 7, 0.08, false, 3, T0), ACTION_RUN);
        cr_assert_eq(decide(&l, &pause_rule, 8, NAN, false, 3, T0), ACTION_RUN);
        cr_assert_not_null(actions_record_result(&l, "harm", 8, 200, NULL, T0));
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

Test(actions, ledger_json_round_trip_keeps_every_field)
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
        actions_ledger_clear(&l);
}

Test(actions, corrupt_ledger_is_moved_aside)
{
        char *dir = fixture_directory(), path[512];
        struct action_ledger l = {};
        FILE *f;

        snprintf(path, sizeof(path), "%s/" ACTIONS_LEDGER_FILE, dir);
        f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs("{\"version\":1,\"circuit_open\":false,\"entries\":[{\"rule\":\"r\"", f);
        fclose(f);
        cr_expect_eq(actions_ledger_load(dir, &l), 0);
        cr_expect_eq(l.n, 0);
        cr_expect_neq(access(path, F_OK), 0);
        actions_ledger_clear(&l);
        fixture_remove_directory(dir);
}

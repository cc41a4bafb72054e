/* The alert lifecycle on a fake clock: pending → firing → resolved, `for`,
 * `repeat`, null handling, per-variant rules, filters, persistence across a
 * restart, reloads and failed polls. */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats/analysis.h"
#include "config/config.h"
#include "rules/rules.h"
#include "store/db.h"
#include "rules_fixture.h"

#define HOUR 3600
#define T0 1700000000

/* control 10000/1000; "1" lifts by `lift` (significant), "2" is flat. */
static void two_arms(struct experiment_analysis *a, long long id, double lift)
{
        const struct variant_spec v[] = {
                { "0", 10000, 1000, NAN, NAN, NAN, NAN, NAN, -1 },
                { "1", 10000, 1000, lift, lift - 0.02, lift + 0.02, 0.001, 0.99, 1 },
        };

        fixture_analysis(a, id, "checkout", v, 2);
}

struct run {
        struct config *c;
        struct rules_state s;
        struct rule_transitions t;
        size_t pending;            /* PENDING transitions of the last evaluation */
        int changed;               /* what the last evaluation returned */
};

static void run_init(struct run *r, const char *rules)
{
        *r = (struct run) { .c = fixture_config(rules) };
}

static void run_free(struct run *r)
{
        rules_state_clear(&r->s);
        rule_transitions_clear(&r->t);
        config_free(r->c);
}

/* Evaluates a at now; returns the number of transitions (left in r->t)
 * other than PENDING, which is journal-only and counted in r->pending. */
static size_t eval_at(struct run *r, const struct experiment_analysis *a, int64_t now)
{
        size_t kept = 0;

        rule_transitions_clear(&r->t);
        r->pending = 0;
        r->changed = rules_evaluate_experiment(&r->s, r->c, a, NAN, now, &r->t);
        cr_assert_geq(r->changed, 0);
        for (size_t i = 0; i < r->t.n; i++) {
                if (r->t.items[i].kind == RULE_TRANSITION_PENDING) {
                        cr_expect_not(r->t.items[i].notify, "a pending alert is never notified");
                        free(r->t.items[i].variant_id);
                        r->pending++;
                } else {
                        r->t.items[kept++] = r->t.items[i];
                }
        }
        r->t.n = kept;
        return kept;
}

/* Evaluates two_arms(id, lift) at now. */
static size_t eval_lift(struct run *r, long long id, double lift, int64_t now)
{
        struct experiment_analysis a;
        size_t n;

        two_arms(&a, id, lift);
        n = eval_at(r, &a, now);
        experiment_analysis_free(&a);
        return n;
}

static void expect_transition(const struct rule_transition *t, enum rule_transition_kind kind,
                              const char *variant_id, int64_t fired_at, bool notify)
{
        cr_expect_eq(t->kind, kind, "kind %d, expected %d", t->kind, kind);
        if (variant_id)
                cr_expect_str_eq(t->variant_id ? t->variant_id : "(null)", variant_id);
        else
                cr_expect_null(t->variant_id);
        cr_expect_eq(t->fired_at, fired_at, "fired_at %lld, expected %lld", (long long) t->fired_at,
                     (long long) fired_at);
        cr_expect_eq(t->notify, notify);
}

Test(rules, for_then_repeat_then_resolve)
{
        struct run r;

        run_init(&r, "( { name = \"w\"; when = \"lift > 0.02\"; for = \"1h\"; repeat = \"2h\"; } )");
        cr_expect_eq(eval_lift(&r, 1, 0.05, T0), 0, "pending sends nothing");
        cr_expect_eq(r.pending, 1, "becoming pending is one (journal-only) transition");
        cr_expect_eq(rules_pending_count(&r.s, "w"), 1);
        cr_expect_eq(eval_lift(&r, 1, 0.05, T0 + HOUR - 1), 0, "one second short of `for`");
        cr_expect_eq(r.pending, 0, "still pending is not a transition");
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0 + HOUR), 1);
        expect_transition(&r.t.items[0], RULE_TRANSITION_FIRED, "1", T0 + HOUR, true);
        cr_expect_eq(r.t.items[0].rule_index, 0);
        cr_expect_eq(r.t.items[0].experiment_id, 1);
        cr_expect_eq(r.t.items[0].variant_index, 1);
        cr_expect_eq(rules_firing_count(&r.s, "w"), 1);
        cr_expect_eq(rules_pending_count(&r.s, "w"), 0);
        cr_expect_eq(eval_lift(&r, 1, 0.05, T0 + 2 * HOUR), 0, "fired once, repeat not due");
        cr_expect_eq(eval_lift(&r, 1, 0.05, T0 + 3 * HOUR - 1), 0);
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0 + 3 * HOUR), 1);
        expect_transition(&r.t.items[0], RULE_TRANSITION_REPEAT, "1", T0 + HOUR, true);
        cr_expect_eq(eval_lift(&r, 1, 0.05, T0 + 4 * HOUR), 0, "the repeat interval restarts");
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0 + 5 * HOUR), 1);
        cr_expect_eq(r.t.items[0].kind, RULE_TRANSITION_REPEAT);
        cr_assert_eq(eval_lift(&r, 1, 0.01, T0 + 5 * HOUR + 60), 1);
        expect_transition(&r.t.items[0], RULE_TRANSITION_RESOLVED, "1", T0 + HOUR, true);
        cr_expect_eq(r.t.items[0].at, T0 + 5 * HOUR + 60);
        cr_expect_eq(r.s.n, 0, "a resolved alert is forgotten");
        cr_expect_eq(eval_lift(&r, 1, 0.01, T0 + 6 * HOUR), 0, "resolved once");
        run_free(&r);
}

Test(rules, for_zero_fires_on_first_true_evaluation)
{
        struct run r;

        run_init(&r, "( { name = \"w\"; when = \"lift > 0.02\"; } )");
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0), 1);
        expect_transition(&r.t.items[0], RULE_TRANSITION_FIRED, "1", T0, true);
        cr_expect_eq(eval_lift(&r, 1, 0.05, T0 + 100 * HOUR), 0, "no repeat by default");
        run_free(&r);
}

Test(rules, pending_that_clears_sends_nothing_and_restarts)
{
        struct run r;

        run_init(&r, "( { name = \"w\"; when = \"lift > 0.02\"; for = \"1h\"; } )");
        cr_expect_eq(eval_lift(&r, 1, 0.05, T0), 0);
        cr_expect_eq(eval_lift(&r, 1, 0.00, T0 + 60), 0, "pending → inactive is silent");
        cr_expect_eq(r.s.n, 0);
        cr_expect_eq(eval_lift(&r, 1, 0.05, T0 + 120), 0);
        cr_expect_eq(eval_lift(&r, 1, 0.05, T0 + HOUR), 0, "`for` counts from the new start");
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0 + 120 + HOUR), 1);
        cr_expect_eq(r.t.items[0].kind, RULE_TRANSITION_FIRED);
        run_free(&r);
}

Test(rules, notify_resolved_false_still_reports_without_notifying)
{
        struct run r;

        run_init(&r, "( { name = \"w\"; when = \"lift > 0.02\"; notify_resolved = false; } )");
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0), 1);
        cr_assert_eq(eval_lift(&r, 1, 0.00, T0 + 60), 1);
        expect_transition(&r.t.items[0], RULE_TRANSITION_RESOLVED, "1", T0, false);
        run_free(&r);
}

Test(rules, null_is_false)
{
        struct run r;

        run_init(&r, "( { name = \"up\"; when = \"lift > 0.02\"; },"
                     "  { name = \"not_down\"; when = \"!(lift < 0)\"; },"
                     "  { name = \"either\"; when = \"lift > 0 || visitors > 0\"; } )");
        cr_assert_eq(eval_lift(&r, 1, NAN, T0), 1, "only a condition true whatever lift is fires");
        cr_expect_eq(r.t.items[0].rule_index, 2);
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0 + 60), 2);
        cr_expect_eq(r.t.items[0].rule_index, 0);
        cr_expect_eq(r.t.items[1].rule_index, 1);
        cr_assert_eq(eval_lift(&r, 1, NAN, T0 + 120), 2, "null resolves what was firing");
        cr_expect_eq(r.t.items[0].kind, RULE_TRANSITION_RESOLVED);
        cr_expect_eq(r.t.items[1].kind, RULE_TRANSITION_RESOLVED);
        cr_expect_eq(rules_firing_count(&r.s, NULL), 1);
        cr_expect_eq(rules_firing_count(&r.s, "either"), 1);
        run_free(&r);
}

Test(rules, variant_level_rules_run_per_non_control_variant)
{
        const struct variant_spec v[] = {
                { "0", 10000, 1000, NAN, NAN, NAN, NAN, NAN, -1 },
                { "1", 10000, 1100, 0.10, 0.04, 0.16, 0.001, 0.99, 1 },
                { "2", 10000, 990, -0.01, -0.06, 0.04, 0.7, 0.4, 0 },
                { "3", 10000, 1200, 0.20, 0.10, 0.30, 0.0001, 0.999, 1 },
        };
        struct experiment_analysis a;
        struct run r;

        run_init(&r, "( { name = \"up\"; when = \"lift > 0.02\"; },"
                     "  { name = \"big\"; when = \"visitors > 1000\"; } )");
        fixture_analysis(&a, 5, "three", v, 4);
        cr_assert_eq(eval_at(&r, &a, T0), 3);
        expect_transition(&r.t.items[0], RULE_TRANSITION_FIRED, "1", T0, true);
        cr_expect_eq(r.t.items[0].variant_index, 1);
        expect_transition(&r.t.items[1], RULE_TRANSITION_FIRED, "3", T0, true);
        cr_expect_eq(r.t.items[1].variant_index, 3);
        expect_transition(&r.t.items[2], RULE_TRANSITION_FIRED, NULL, T0, true);
        cr_expect_eq(r.t.items[2].variant_index, SIZE_MAX, "experiment-level: no variant");
        cr_expect_eq(rules_firing_count(&r.s, "up"), 2, "one alert per variant, none for the control");
        /* Variant 1 falls back: only its alert resolves. */
        a.variants[1].lift.value = 0.0;
        cr_assert_eq(eval_at(&r, &a, T0 + 60), 1);
        expect_transition(&r.t.items[0], RULE_TRANSITION_RESOLVED, "1", T0, true);
        cr_expect_eq(rules_firing_count(&r.s, "up"), 1);
        experiment_analysis_free(&a);
        run_free(&r);
}

Test(rules, variant_gone_from_the_result_resolves)
{
        const struct variant_spec v[] = {
                { "0", 10000, 1000, NAN, NAN, NAN, NAN, NAN, -1 },
                { "7", 10000, 1100, 0.10, 0.04, 0.16, 0.001, 0.99, 1 },
        };
        struct experiment_analysis a;
        struct run r;

        run_init(&r, "( { name = \"up\"; when = \"lift > 0.02\"; } )");
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0), 1);
        fixture_analysis(&a, 1, "checkout", v, 2);   /* "1" replaced by "7" */
        cr_assert_eq(eval_at(&r, &a, T0 + 60), 2);
        expect_transition(&r.t.items[0], RULE_TRANSITION_FIRED, "7", T0 + 60, true);
        expect_transition(&r.t.items[1], RULE_TRANSITION_RESOLVED, "1", T0, true);
        cr_expect_eq(r.t.items[1].variant_index, SIZE_MAX);
        experiment_analysis_free(&a);
        run_free(&r);
}

Test(rules, experiment_filters_match_ids_and_name_globs)
{
        struct experiment_analysis a;
        struct run r;

        run_init(&r, "( { name = \"w\"; when = \"lift > 0\"; experiments = ( \"42\", \"check*\", 77 ); } )");
        cr_expect(rule_applies_to(&r.c->rules[0], 42, "home"), "id listed");
        cr_expect(rule_applies_to(&r.c->rules[0], 77, NULL), "id given as a number");
        cr_expect(rule_applies_to(&r.c->rules[0], 9, "checkout-button"), "name glob");
        cr_expect_not(rule_applies_to(&r.c->rules[0], 9, "home"));
        cr_expect_not(rule_applies_to(&r.c->rules[0], 420, "Checkout"), "globs are case-sensitive, ids exact");
        cr_expect_not(rule_applies_to(&r.c->rules[0], 9, NULL));
        cr_expect_eq(eval_lift(&r, 42, 0.05, T0), 1);
        two_arms(&a, 9, 0.05);
        free(a.test_name);
        a.test_name = strdup("home");
        cr_expect_eq(eval_at(&r, &a, T0), 0, "a rule that does not apply is not evaluated");
        cr_expect_eq(rules_firing_count(&r.s, "w"), 1);
        experiment_analysis_free(&a);
        run_free(&r);
}

Test(rules, no_filter_applies_everywhere)
{
        struct run r;

        run_init(&r, "( { name = \"w\"; when = \"lift > 0\"; } )");
        cr_expect(rule_applies_to(&r.c->rules[0], 1, NULL));
        run_free(&r);
}

/* Saves s to a fresh state.db, closes it, and loads it back: a restart. */
static void restart(struct rules_state *s)
{
        char *dir = fixture_directory();
        struct store *st = NULL;

        cr_assert_eq(store_open(dir, 0, &st), 0);
        cr_assert_eq(store_begin(st), 0);
        cr_assert_eq(rules_state_save(st, s), 0);
        cr_assert_eq(store_commit(st), 0);
        store_close(st);
        rules_state_clear(s);
        cr_assert_eq(store_open(dir, STORE_READ_ONLY, &st), 0);
        cr_assert_eq(rules_state_load(st, s), 0);
        store_close(st);
        fixture_remove_directory(dir);
}

Test(rules, event_id_inputs_survive_a_restart)
{
        struct run r;

        run_init(&r, "( { name = \"w\"; when = \"lift > 0.02\"; } )");
        r.s.generation = 41;
        snprintf(r.s.salt, sizeof(r.s.salt), "%s", "0123456789abcdef0123456789abcdef");
        restart(&r.s);
        cr_expect_eq(r.s.generation, 41);
        cr_expect_str_eq(r.s.salt, "0123456789abcdef0123456789abcdef");
        run_free(&r);
}

Test(rules, restart_never_resends_a_firing_alert)
{
        struct run r;

        run_init(&r, "( { name = \"w\"; when = \"lift > 0.02\"; repeat = \"6h\"; } )");
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0), 1);
        restart(&r.s);
        cr_expect_eq(rules_firing_count(&r.s, "w"), 1);
        cr_expect_eq(eval_lift(&r, 1, 0.05, T0 + 60), 0, "still firing after the restart: nothing sent");
        restart(&r.s);
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0 + 6 * HOUR), 1, "the repeat clock survived too");
        cr_expect_eq(r.t.items[0].kind, RULE_TRANSITION_REPEAT);
        restart(&r.s);
        cr_assert_eq(eval_lift(&r, 1, 0.0, T0 + 7 * HOUR), 1);
        expect_transition(&r.t.items[0], RULE_TRANSITION_RESOLVED, "1", T0, true);
        run_free(&r);
}

Test(rules, restart_keeps_a_pending_alert_pending)
{
        struct run r;

        run_init(&r, "( { name = \"w\"; when = \"lift > 0.02\"; for = \"1h\"; } )");
        cr_expect_eq(eval_lift(&r, 1, 0.05, T0), 0);
        restart(&r.s);
        cr_expect_eq(rules_pending_count(&r.s, "w"), 1);
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0 + HOUR), 1, "`for` counted from before the restart");
        cr_expect_eq(r.t.items[0].kind, RULE_TRANSITION_FIRED);
        run_free(&r);
}

static size_t alert_rows(struct store *st)
{
        struct rules_state loaded = {};
        size_t n;

        cr_assert_eq(rules_state_load(st, &loaded), 0);
        n = loaded.n;
        rules_state_clear(&loaded);
        return n;
}

Test(rules, an_experiments_rows_follow_its_records)
{
        char *dir = fixture_directory();
        struct store *st = NULL;
        struct run r;

        run_init(&r, "( { name = \"w\"; when = \"lift > 0.02\"; }, { name = \"v\"; when = \"visitors > 0\"; } )");
        cr_assert_eq(store_open(dir, 0, &st), 0);
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0), 2);
        cr_expect_eq(r.changed, 1);
        cr_assert_eq(eval_lift(&r, 2, 0.05, T0), 2);
        cr_assert_eq(rules_state_save_experiment(st, &r.s, 1), 0);
        cr_expect_eq(alert_rows(st), 2, "experiment 2's records are not written by experiment 1's save");
        cr_assert_eq(rules_state_save_experiment(st, &r.s, 2), 0);
        cr_expect_eq(alert_rows(st), 4);

        cr_assert_eq(eval_lift(&r, 1, 0.05, T0 + 60), 0);
        cr_expect_eq(r.changed, 0, "still firing, no repeat: nothing to save");
        cr_assert_eq(eval_lift(&r, 1, 0.0, T0 + 120), 1, "w resolves; v still holds");
        cr_expect_eq(r.changed, 1);
        cr_assert_eq(rules_state_save_experiment(st, &r.s, 1), 0);
        cr_expect_eq(alert_rows(st), 3, "the resolved alert's row is gone");
        store_close(st);
        run_free(&r);
        fixture_remove_directory(dir);
}

Test(rules, a_pending_alert_forgotten_quietly_is_a_change)
{
        struct run r;

        run_init(&r, "( { name = \"w\"; when = \"lift > 0.02\"; for = \"1h\"; } )");
        cr_expect_eq(eval_lift(&r, 1, 0.05, T0), 0);
        cr_expect_eq(r.changed, 1, "a pending record was added");
        cr_expect_eq(eval_lift(&r, 1, 0.0, T0 + 60), 0, "nothing is sent");
        cr_expect_eq(r.changed, 1, "but the record went: its row must go too");
        cr_expect_eq(rules_pending_count(&r.s, "w"), 0);
        run_free(&r);
}

Test(rules, reload_drops_alerts_of_removed_rules)
{
        struct config *reloaded = fixture_config("( { name = \"a\"; when = \"lift > 0\"; } )");
        struct run r;

        run_init(&r, "( { name = \"a\"; when = \"lift > 0\"; }, { name = \"b\"; when = \"lift > 0\"; } )");
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0), 2);
        cr_expect_eq(rules_state_prune(&r.s, reloaded), 1);
        cr_expect_eq(rules_firing_count(&r.s, "b"), 0);
        cr_expect_eq(rules_firing_count(&r.s, "a"), 1);
        config_free(r.c);
        r.c = reloaded;
        cr_expect_eq(eval_lift(&r, 1, 0.05, T0 + 60), 0, "no resolved for a removed rule, no refire for a kept one");
        run_free(&r);
}

Test(rules, evaluation_drops_removed_rule_without_prune)
{
        struct config *reloaded = fixture_config("( { name = \"a\"; when = \"visitors > 0\"; } )");
        struct run r;

        run_init(&r, "( { name = \"a\"; when = \"lift > 0\"; }, { name = \"b\"; when = \"lift > 0\"; } )");
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0), 2);
        config_free(r.c);
        r.c = reloaded;
        /* "a" became experiment-level: its variant alert is dropped, a new one fires. */
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0 + 60), 1);
        expect_transition(&r.t.items[0], RULE_TRANSITION_FIRED, NULL, T0 + 60, true);
        cr_expect_eq(r.s.n, 1);
        run_free(&r);
}

Test(rules, failed_poll_keeps_states)
{
        struct run r;

        run_init(&r, "( { name = \"w\"; when = \"lift > 0.02\"; } )");
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0), 1);
        cr_assert_eq(eval_lift(&r, 2, 0.05, T0), 1);
        /* Experiment 2's poll fails: only 1 is evaluated, and it clears. */
        cr_assert_eq(eval_lift(&r, 1, 0.0, T0 + 60), 1);
        cr_expect_eq(r.t.items[0].experiment_id, 1);
        cr_expect_eq(rules_firing_count(&r.s, "w"), 1);
        cr_assert_eq(r.s.n, 1);
        cr_expect_eq(r.s.records[0].experiment_id, 2);
        cr_expect_eq(eval_lift(&r, 2, 0.05, T0 + 120), 0, "experiment 2 still firing, not re-sent");
        run_free(&r);
}

Test(rules, dropped_experiment_is_forgotten_silently)
{
        struct run r;

        run_init(&r, "( { name = \"w\"; when = \"lift > 0.02\"; }, { name = \"v\"; when = \"visitors > 0\"; } )");
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0), 2);
        cr_assert_eq(eval_lift(&r, 2, 0.05, T0), 2);
        cr_expect_eq(rules_drop_experiment(&r.s, 1), 2);
        cr_expect_eq(r.s.n, 2);
        cr_expect_eq(rules_drop_experiment(&r.s, 1), 0);
        cr_expect_eq(r.s.records[0].experiment_id, 2);
        run_free(&r);
}

Test(rules, action_rules_report_still_firing)
{
        struct run r;

        run_init(&r, "( { name = \"p\"; when = \"lift > 0.02\"; action = \"pause\"; repeat = \"1h\"; },"
                     "  { name = \"n\"; when = \"lift > 0.02\"; } )");
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0), 2);
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0 + 60), 1, "only the rule with an action");
        expect_transition(&r.t.items[0], RULE_TRANSITION_STILL_FIRING, "1", T0, false);
        cr_expect_eq(r.t.items[0].rule_index, 0);
        cr_assert_eq(eval_lift(&r, 1, 0.05, T0 + HOUR), 1);
        cr_expect_eq(r.t.items[0].kind, RULE_TRANSITION_REPEAT, "a repeat replaces it");
        run_free(&r);
}

Test(rules, clock_going_back_does_not_fire_early)
{
        struct run r;

        run_init(&r, "( { name = \"w\"; when = \"lift > 0.02\"; for = \"1h\"; } )");
        cr_expect_eq(eval_lift(&r, 1, 0.05, T0), 0);
        cr_expect_eq(eval_lift(&r, 1, 0.05, T0 - 2 * HOUR), 0);
        cr_expect_eq(rules_pending_count(&r.s, "w"), 1);
        run_free(&r);
}

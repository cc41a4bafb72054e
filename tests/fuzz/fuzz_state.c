/* libFuzzer harness: the readers of 0.1.0's state files, which the upgrade
 * runs on whatever a state directory holds (daemon/upgrade_read.h). The
 * input is read as state.json (written to a private directory and walked
 * by upgrade_read_state), and parsed as alerts.json, actions.json and
 * health.json (upgrade_read_alerts, _actions, _health). Each reader accepts
 * or rejects it without crashing or leaking; what it accepts keeps the
 * reader's documented invariants, and a second read gives the same. */
#include <errno.h>
#include <math.h>

#include "actions/actions.h"
#include "daemon/health.h"
#include "daemon/upgrade_read.h"
#include "fuzz.h"
#include "rules/rules.h"
#include "stats/analysis.h"
#include "store/experiments.h"
#include "store/watchlist.h"
#include "util/json_read.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
        fuzz_quiet_log();
        (void) fuzz_tmpdir();
        return 0;
}

static bool same_string(const char *a, const char *b)
{
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* NaN reads back as NaN: the same result, though not ==. */
static bool same_double(double a, double b)
{
        return a == b || (isnan(a) && isnan(b));
}

/* ---- state.json ---- */

static void check_sequential(const struct sequential_state *q)
{
        FUZZ_CHECK(q->n_variants == 0 || q->variants);
        for (size_t i = 0; i < q->n_variants; i++)
                FUZZ_CHECK(q->variants[i].variant_id);
}

static bool same_sequential(const struct sequential_state *a, const struct sequential_state *b)
{
        if (!a || !b)
                return !a && !b;
        if (!same_string(a->start_date, b->start_date) || !same_double(a->alpha, b->alpha) ||
            !same_double(a->tuning, b->tuning) || a->n_variants != b->n_variants)
                return false;
        for (size_t i = 0; i < a->n_variants; i++) {
                const struct sequential_variant_state *x = &a->variants[i], *y = &b->variants[i];

                if (!same_string(x->variant_id, y->variant_id) || x->visitors != y->visitors ||
                    x->conversions != y->conversions || x->has_bound != y->has_bound ||
                    !same_double(x->min_p, y->min_p) || !same_double(x->low, y->low) ||
                    !same_double(x->high, y->high))
                        return false;
        }
        return true;
}

/* An experiment as the reader documents it: restored as text, never as a
 * poll; its analysis a JSON object; its sequential state whole, or absent
 * (with the reason when it did not parse). */
static void check_experiment(const struct watched_experiment *e)
{
        FUZZ_CHECK(!e->current);
        FUZZ_CHECK(!(e->sequential && e->sequential_error));
        if (e->sequential)
                check_sequential(e->sequential);
        if (e->restored_analysis) {
                json_object *o = json_tokener_parse(e->restored_analysis);

                FUZZ_CHECK(json_object_is_type(o, json_type_object));
                json_object_put(o);
        }
}

static void check_watchlist(const struct watchlist *w)
{
        FUZZ_CHECK(w->n <= w->cap && (w->n == 0 || w->items));
        for (size_t i = 0; i < w->n; i++) {
                FUZZ_CHECK(i == 0 || w->items[i - 1]->id < w->items[i]->id);   /* sorted, one per id */
                check_experiment(w->items[i]);
        }
}

static void check_same_experiment(const struct watched_experiment *a, const struct watched_experiment *b)
{
        FUZZ_CHECK(a->id == b->id && a->active == b->active && a->polled_at == b->polled_at);
        FUZZ_CHECK(a->failures == b->failures && a->visitors == b->visitors);
        FUZZ_CHECK(a->visitors_grew_at == b->visitors_grew_at && a->last_http_status == b->last_http_status);
        FUZZ_CHECK(same_string(a->name, b->name) && same_string(a->last_error, b->last_error));
        FUZZ_CHECK(same_string(a->restored_analysis, b->restored_analysis));
        FUZZ_CHECK(same_string(a->sequential_error, b->sequential_error));
        FUZZ_CHECK(same_sequential(a->sequential, b->sequential));
}

static void check_same_summary(const struct daemon_summary *a, const struct daemon_summary *b)
{
        FUZZ_CHECK(a->started_at == b->started_at && a->last_cycle_at == b->last_cycle_at);
        FUZZ_CHECK(same_double(a->last_cycle_seconds, b->last_cycle_seconds));
        FUZZ_CHECK(a->last_cycle_polled == b->last_cycle_polled && a->last_cycle_failed == b->last_cycle_failed);
        FUZZ_CHECK(strcmp(a->api_error, b->api_error) == 0);
}

static bool summary_empty(const struct daemon_summary *s)
{
        static const struct daemon_summary empty = { 0 };

        return memcmp(s, &empty, sizeof(empty)) == 0;
}

static void fuzz_state_file(const char *dir, const uint8_t *data, size_t size)
{
        struct watchlist w = { 0 }, w2 = { 0 };
        struct daemon_summary s = { 0 }, s2 = { 0 };   /* left as they are without a "daemon" member */
        int r, r2;

        fuzz_write_file(dir, UPGRADE_STATE_FILE, data, size);
        r = upgrade_read_state(dir, &w, &s);
        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
        if (r < 0) {
                FUZZ_CHECK(w.n == 0 && summary_empty(&s));   /* nothing half read */
                return;
        }
        FUZZ_CHECK(memchr(s.api_error, '\0', sizeof(s.api_error)));
        check_watchlist(&w);
        r2 = upgrade_read_state(dir, &w2, &s2);
        FUZZ_CHECK(r2 == 0 || r2 == -ENOMEM);
        if (r2 == 0) {
                FUZZ_CHECK(w2.n == w.n);
                for (size_t i = 0; i < w.n; i++)
                        check_same_experiment(w.items[i], w2.items[i]);
                check_same_summary(&s, &s2);
        }
        watchlist_clear(&w);
        watchlist_clear(&w2);
}

/* ---- alerts.json ---- */

static void check_alerts(const struct rules_state *s)
{
        FUZZ_CHECK(s->n == 0 || s->records);
        FUZZ_CHECK(memchr(s->salt, '\0', sizeof(s->salt)));
        for (size_t i = 0; i < s->n; i++) {
                const struct alert_record *a = &s->records[i];

                FUZZ_CHECK(a->rule && a->variant_id);
                FUZZ_CHECK(a->state == ALERT_PENDING || a->state == ALERT_FIRING);
        }
}

static void check_same_alerts(const struct rules_state *a, const struct rules_state *b)
{
        FUZZ_CHECK(a->n == b->n && a->generation == b->generation && strcmp(a->salt, b->salt) == 0);
        for (size_t i = 0; i < a->n; i++) {
                const struct alert_record *x = &a->records[i], *y = &b->records[i];

                FUZZ_CHECK(strcmp(x->rule, y->rule) == 0 && strcmp(x->variant_id, y->variant_id) == 0);
                FUZZ_CHECK(x->experiment_id == y->experiment_id && x->state == y->state);
                FUZZ_CHECK(x->active_since == y->active_since && x->fired_at == y->fired_at &&
                           x->last_notified == y->last_notified);
        }
}

static void fuzz_alerts(json_object *root)
{
        struct rules_state s, s2;
        char *error = NULL;
        int r = upgrade_read_alerts(root, &s, &error);

        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
        FUZZ_CHECK(r != -EINVAL || error);
        free(error);
        error = NULL;
        if (r < 0) {
                FUZZ_CHECK(s.n == 0 && !s.records);
                return;
        }
        check_alerts(&s);
        if (upgrade_read_alerts(root, &s2, &error) == 0) {
                check_same_alerts(&s, &s2);
                rules_state_clear(&s2);
        }
        free(error);
        rules_state_clear(&s);
}

/* ---- actions.json ---- */

static void check_ledger(const struct action_ledger *l)
{
        FUZZ_CHECK(l->n == 0 || l->entries);
        for (size_t i = 0; i < l->n; i++) {
                const struct action_entry *e = &l->entries[i];

                FUZZ_CHECK(e->rule);
                FUZZ_CHECK(e->action == RULE_ACTION_PAUSE || e->action == RULE_ACTION_SERVE_WINNER);
                FUZZ_CHECK(e->action != RULE_ACTION_SERVE_WINNER || e->variant_id);
                FUZZ_CHECK((unsigned) e->state < ACTION_STATE_COUNT);
                FUZZ_CHECK(e->attempts <= 1000000);
                FUZZ_CHECK(e->traffic_allocation >= 0 && e->traffic_allocation <= 100);
                FUZZ_CHECK(e->http_status >= 0 && e->http_status <= 999);
                FUZZ_CHECK(memchr(e->error, '\0', sizeof(e->error)));
        }
}

static void check_same_ledger(const struct action_ledger *a, const struct action_ledger *b)
{
        FUZZ_CHECK(a->n == b->n && a->circuit_open == b->circuit_open);
        for (size_t i = 0; i < a->n; i++) {
                const struct action_entry *x = &a->entries[i], *y = &b->entries[i];

                FUZZ_CHECK(strcmp(x->rule, y->rule) == 0 && same_string(x->variant_id, y->variant_id));
                FUZZ_CHECK(x->experiment_id == y->experiment_id && x->action == y->action && x->state == y->state);
                FUZZ_CHECK(x->traffic_allocation == y->traffic_allocation && x->attempts == y->attempts);
                FUZZ_CHECK(x->intended_at == y->intended_at && x->finished_at == y->finished_at);
                FUZZ_CHECK(x->http_status == y->http_status && strcmp(x->error, y->error) == 0);
        }
}

static void fuzz_actions(json_object *root)
{
        struct action_ledger l, l2;
        char *error = NULL;
        int r = upgrade_read_actions(root, &l, &error);

        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
        FUZZ_CHECK(r != -EINVAL || error);
        free(error);
        error = NULL;
        if (r < 0) {
                FUZZ_CHECK(l.n == 0 && !l.entries);
                return;
        }
        check_ledger(&l);
        (void) actions_count(&l, ACTION_STATE_DONE);
        if (upgrade_read_actions(root, &l2, &error) == 0) {
                check_same_ledger(&l, &l2);
                actions_ledger_clear(&l2);
        }
        free(error);
        actions_ledger_clear(&l);
}

/* ---- health.json ---- */

static void check_health(const struct health_state *s)
{
        FUZZ_CHECK(s->n == 0 || s->records);
        for (size_t i = 0; i < s->n; i++) {
                const struct health_record *h = &s->records[i];

                FUZZ_CHECK((unsigned) h->condition < HEALTH_CONDITION_COUNT);
                FUZZ_CHECK(h->subject);
                FUZZ_CHECK(h->since >= 0 && h->alerted_at >= 0 && h->last_notified >= 0);
        }
}

static void check_same_health(const struct health_state *a, const struct health_state *b)
{
        FUZZ_CHECK(a->n == b->n);
        for (size_t i = 0; i < a->n; i++) {
                const struct health_record *x = &a->records[i], *y = &b->records[i];

                FUZZ_CHECK(x->condition == y->condition && strcmp(x->subject, y->subject) == 0);
                FUZZ_CHECK(same_string(x->name, y->name) && same_string(x->detail, y->detail));
                FUZZ_CHECK(x->since == y->since && x->alerted_at == y->alerted_at &&
                           x->last_notified == y->last_notified);
        }
}

static void fuzz_health(json_object *root)
{
        struct health_state s, s2;
        char *error = NULL;
        int r = upgrade_read_health(root, &s, &error);

        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ENOMEM);
        FUZZ_CHECK(r != -EINVAL || error);
        free(error);
        error = NULL;
        if (r < 0) {
                FUZZ_CHECK(s.n == 0 && !s.records);
                return;
        }
        check_health(&s);
        (void) health_count(&s, true);
        if (upgrade_read_health(root, &s2, &error) == 0) {
                check_same_health(&s, &s2);
                health_state_clear(&s2);
        }
        free(error);
        health_state_clear(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const char *dir = fuzz_tmpdir();
        json_object *root = NULL;
        char *error = NULL;

        fuzz_state_file(dir, data, size);
        fuzz_empty_dir(dir);
        /* The other files are read whole, by the same strict parser. */
        if (json_read_document((const char *) data, size, &root, &error) == 0) {
                fuzz_alerts(root);
                fuzz_actions(root);
                fuzz_health(root);
        }
        json_object_put(root);
        free(error);
        return 0;
}

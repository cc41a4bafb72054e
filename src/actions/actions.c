/* Action decisions: exactly once per rule × experiment, dry run, circuit
 * breaker. Pure; persistence is in actions_store.c. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "util/grow.h"

static const char *const state_names[ACTION_STATE_COUNT] = {
        [ACTION_STATE_INTENDED] = "intended", [ACTION_STATE_DONE] = "done",
        [ACTION_STATE_FAILED] = "failed", [ACTION_STATE_DRY_RUN] = "dry-run",
};

const char *action_entry_state_to_string(enum action_entry_state s)
{
        return (unsigned) s < ACTION_STATE_COUNT ? state_names[s] : NULL;
}

void actions_ledger_clear(struct action_ledger *l)
{
        for (size_t i = 0; i < l->n; i++) {
                free(l->entries[i].rule);
                free(l->entries[i].variant_id);
        }
        free(l->entries);
        *l = (struct action_ledger) {};
}

/* The real (dry_run false) or dry-run entry of rule × experiment. */
static struct action_entry *find_entry(const struct action_ledger *l, const char *rule, long long experiment_id,
                                       bool dry_run)
{
        for (size_t i = 0; i < l->n; i++) {
                struct action_entry *e = &l->entries[i];

                if (e->experiment_id == experiment_id && (e->state == ACTION_STATE_DRY_RUN) == dry_run &&
                    strcmp(e->rule, rule) == 0)
                        return e;
        }
        return NULL;
}

static struct action_entry *add_entry(struct action_ledger *l, const struct config_rule *rule,
                                      long long experiment_id, const char *variant_id)
{
        struct action_entry *e;

        e = grow_array(l->entries, &l->cap, l->n, sizeof(*e));
        if (!e)
                return NULL;
        l->entries = e;
        e = &l->entries[l->n];
        *e = (struct action_entry) {
                .rule = strdup(rule->name), .experiment_id = experiment_id, .action = rule->action,
                .traffic_allocation = rule->traffic_allocation,
        };
        if (rule->action == RULE_ACTION_SERVE_WINNER)
                e->variant_id = strdup(variant_id);
        if (!e->rule || (rule->action == RULE_ACTION_SERVE_WINNER && !e->variant_id)) {
                free(e->rule);
                free(e->variant_id);
                return NULL;
        }
        l->n++;
        return e;
}

/* Real actions started in the sliding hour before now. */
static int actions_in_window(const struct action_ledger *l, int64_t now)
{
        int n = 0;

        for (size_t i = 0; i < l->n; i++)
                if (l->entries[i].state != ACTION_STATE_DRY_RUN && l->entries[i].intended_at <= now &&
                    now - l->entries[i].intended_at < ACTIONS_WINDOW_SECONDS)
                        n++;
        return n;
}

/* The breaker, for a real action that would otherwise run. */
static enum action_decision breaker(struct action_ledger *l, int max_per_hour, int64_t now)
{
        if (actions_in_window(l, now) < max_per_hour) {
                l->circuit_open = false;
                return ACTION_RUN;
        }
        if (l->circuit_open)
                return ACTION_SKIP_CIRCUIT_OPEN;
        l->circuit_open = true;
        return ACTION_SKIP_CIRCUIT_OPENED;
}

static enum action_decision precheck(const struct action_ledger *l, const struct config_rule *rule,
                                     long long experiment_id, double lift, bool dry_run, int max_per_hour)
{
        if (find_entry(l, rule->name, experiment_id, false) ||
            (dry_run && find_entry(l, rule->name, experiment_id, true)))
                return ACTION_ALREADY_DONE;
        if (rule->action == RULE_ACTION_SERVE_WINNER && !(isfinite(lift) && lift > 0))
                return ACTION_SKIP_NOT_POSITIVE;
        if (max_per_hour <= 0)
                return ACTION_SKIP_DISABLED;
        return dry_run ? ACTION_DRY_RUN : ACTION_RUN;
}

int actions_decide(struct action_ledger *l, const struct config_rule *rule, long long experiment_id,
                   const char *variant_id, double lift, bool dry_run, int max_per_hour, int64_t now,
                   enum action_decision *ret_decision, const struct action_entry **ret_entry)
{
        enum action_decision d;
        struct action_entry *e;

        if (rule->action == RULE_ACTION_NONE || (rule->action == RULE_ACTION_SERVE_WINNER && !variant_id))
                return -EINVAL;
        d = precheck(l, rule, experiment_id, lift, dry_run, max_per_hour);
        if (d == ACTION_RUN)
                d = breaker(l, max_per_hour, now);
        *ret_decision = d;
        if (d != ACTION_RUN && d != ACTION_DRY_RUN)
                return 0;
        e = add_entry(l, rule, experiment_id, variant_id);
        if (!e)
                return -ENOMEM;
        e->intended_at = now;
        if (d == ACTION_DRY_RUN) {
                e->state = ACTION_STATE_DRY_RUN;
                e->finished_at = now;
        } else
                e->attempts = 1;
        if (ret_entry)
                *ret_entry = e;
        return 0;
}

static bool succeeded(const struct action_entry *e, int http_status)
{
        if (http_status >= 200 && http_status < 300)
                return true;
        /* The first request went through before the crash: serving already. */
        return http_status == 409 && e->action == RULE_ACTION_SERVE_WINNER && e->attempts > 1;
}

const struct action_entry *actions_record_result(struct action_ledger *l, const char *rule,
                                                 long long experiment_id, int http_status,
                                                 const char *error, int64_t now)
{
        struct action_entry *e = find_entry(l, rule, experiment_id, false);

        if (!e || e->state != ACTION_STATE_INTENDED)
                return NULL;
        e->http_status = http_status;
        e->finished_at = now;
        e->state = succeeded(e, http_status) ? ACTION_STATE_DONE : ACTION_STATE_FAILED;
        snprintf(e->error, sizeof(e->error), "%s", e->state == ACTION_STATE_FAILED && error ? error : "");
        return e;
}

void actions_note_retry(struct action_ledger *l, const char *rule, long long experiment_id)
{
        struct action_entry *e = find_entry(l, rule, experiment_id, false);

        if (e && e->state == ACTION_STATE_INTENDED)
                e->attempts++;
}

size_t actions_prepare_retries(struct action_ledger *l)
{
        size_t n = 0;

        for (size_t i = 0; i < l->n; i++)
                if (l->entries[i].state == ACTION_STATE_INTENDED) {
                        l->entries[i].attempts++;
                        n++;
                }
        return n;
}

size_t actions_count(const struct action_ledger *l, enum action_entry_state state)
{
        size_t n = 0;

        for (size_t i = 0; i < l->n; i++)
                if (l->entries[i].state == state)
                        n++;
        return n;
}

static void describe_action(const struct action_entry *e, const char *verb_pause, const char *verb_serve,
                            char *buf, size_t size)
{
        if (e->action == RULE_ACTION_SERVE_WINNER)
                snprintf(buf, size, "%s variant %s to %d%%", verb_serve, e->variant_id ? e->variant_id : "?",
                         e->traffic_allocation);
        else
                snprintf(buf, size, "%s", verb_pause);
}

const char *action_entry_describe(const struct action_entry *e, char *buf, size_t size)
{
        char what[96];

        switch (e->state) {
        case ACTION_STATE_INTENDED:
                describe_action(e, "pausing", "serving", buf, size);
                break;
        case ACTION_STATE_DONE:
                describe_action(e, "paused", "serving", buf, size);
                break;
        case ACTION_STATE_DRY_RUN:
                describe_action(e, "pause", "serve", what, sizeof(what));
                snprintf(buf, size, "would %s (dry run)", what);
                break;
        default:
                if (e->http_status > 0)
                        snprintf(buf, size, "failed: HTTP %d%s%s", e->http_status, *e->error ? " " : "", e->error);
                else
                        snprintf(buf, size, "failed: %s", *e->error ? e->error : "no response");
                break;
        }
        return buf;
}

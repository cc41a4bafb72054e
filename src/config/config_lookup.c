/* Looking things up in a loaded config: notifiers, rules and digests by
 * name, the names of its enums, and the `experiments` filters. Apart from
 * the loading (config.c and the config_*.c lists), so that those can use
 * it without a circle. */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util/suggest.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

const struct config_notifier *config_find_notifier(const struct config *c, const char *name)
{
        for (size_t i = 0; c && name && i < c->n_notifiers; i++)
                if (strcmp(c->notifiers[i].name, name) == 0)
                        return &c->notifiers[i];
        return NULL;
}

long config_find_rule(const struct config *c, const char *name, const char **nearest)
{
        const char **names;

        for (size_t i = 0; i < c->n_rules; i++)
                if (c->rules[i].name && strcmp(c->rules[i].name, name) == 0)
                        return (long) i;
        if (!nearest)
                return -1;
        names = calloc(c->n_rules + 1, sizeof(*names));
        for (size_t i = 0; names && i < c->n_rules; i++)
                names[i] = c->rules[i].name ? c->rules[i].name : "";
        *nearest = names ? suggest_nearest(name, names, c->n_rules) : NULL;
        free(names);
        return -1;
}

const char *notifier_type_to_string(enum notifier_type t)
{
        static const char *const names[] = {
                [NOTIFIER_SLACK] = "slack", [NOTIFIER_WEBHOOK] = "webhook",
                [NOTIFIER_ALERTMANAGER] = "alertmanager", [NOTIFIER_PAGERDUTY] = "pagerduty",
                [NOTIFIER_TEAMS] = "teams", [NOTIFIER_EMAIL] = "email",
        };

        return (unsigned) t < N_ELEMENTS(names) ? names[t] : "slack";
}

const char *rule_severity_to_string(enum rule_severity s)
{
        static const char *const names[] = { "info", "warning", "critical" };
        return (unsigned) s < N_ELEMENTS(names) ? names[s] : "warning";
}

const char *rule_action_to_string(enum rule_action a)
{
        static const char *const names[] = { "none", "pause", "serve-winner" };
        return (unsigned) a < N_ELEMENTS(names) ? names[a] : "none";
}

bool notifier_type_takes_digests(enum notifier_type t)
{
        return t != NOTIFIER_ALERTMANAGER && t != NOTIFIER_PAGERDUTY;
}

bool config_experiment_filter(char *const *patterns, size_t n, long long experiment_id, const char *name)
{
        char id[32];

        if (n == 0)
                return true;
        snprintf(id, sizeof(id), "%lld", experiment_id);
        for (size_t i = 0; i < n; i++)
                if (fnmatch(patterns[i], id, 0) == 0 || (name && fnmatch(patterns[i], name, 0) == 0))
                        return true;
        return false;
}

const struct config_digest *config_find_digest(const struct config *c, const char *name)
{
        for (size_t i = 0; c && name && i < c->n_digests; i++)
                if (c->digests[i].name && strcmp(c->digests[i].name, name) == 0)
                        return &c->digests[i];
        return NULL;
}

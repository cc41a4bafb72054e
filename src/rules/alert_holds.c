#include "alert_holds.h"

#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "rules.h"
#include "silences.h"

/* Whether rule fires (on any variant) on the experiment. */
static bool rule_fires_on(const struct rules_state *alerts, const char *rule, long long experiment_id)
{
        for (size_t i = 0; i < alerts->n; i++) {
                const struct alert_record *r = &alerts->records[i];

                if (r->experiment_id == experiment_id && r->state == ALERT_FIRING && strcmp(r->rule, rule) == 0)
                        return true;
        }
        return false;
}

static bool targets(const struct config_inhibit *in, size_t rule_index)
{
        for (size_t i = 0; i < in->n_targets; i++)
                if (in->targets[i] == rule_index)
                        return true;
        return false;
}

/* The first inhibit entry holding the rule back on the experiment;
 * with for_actions, the first that withholds its action. */
static const struct config_inhibit *inhibition(const struct config *c, const struct rules_state *alerts,
                                               size_t rule_index, long long experiment_id, bool for_actions)
{
        for (size_t i = 0; i < c->n_inhibits; i++) {
                const struct config_inhibit *in = &c->inhibits[i];

                if (in->valid && (!for_actions || in->actions) && targets(in, rule_index) &&
                    rule_fires_on(alerts, c->rules[in->source].name, experiment_id))
                        return in;
        }
        return NULL;
}

bool alert_hold_find(const struct config *c, const struct rules_state *alerts, const struct silences *silences,
                     size_t rule_index, long long experiment_id, const char *variant_id, int64_t now,
                     struct alert_hold *out)
{
        const struct config_rule *rule = &c->rules[rule_index];
        const struct silence *s = silences_match(silences, rule->name, experiment_id, variant_id, now, false);
        const struct config_inhibit *in = inhibition(c, alerts, rule_index, experiment_id, false);
        bool acts = rule->action != RULE_ACTION_NONE;
        const struct silence *as = acts ? silences_match(silences, rule->name, experiment_id, variant_id, now, true) : NULL;
        const struct config_inhibit *ain = acts && !as ? inhibition(c, alerts, rule_index, experiment_id, true) : NULL;

        *out = (struct alert_hold) {
                .silence_id = s ? s->id : 0,
                .inhibited_by = in ? c->rules[in->source].name : NULL,
                .actions = as || ain,
                .actions_silence_id = as ? as->id : 0,
                .actions_inhibited_by = ain ? c->rules[ain->source].name : NULL,
        };
        return s || in;
}

void alert_hold_describe(const struct alert_hold *h, char *buf, size_t size)
{
        if (h->silence_id)
                snprintf(buf, size, "silence %lld", h->silence_id);
        else if (h->inhibited_by)
                snprintf(buf, size, "inhibited by %s", h->inhibited_by);
        else
                snprintf(buf, size, "nothing");
}

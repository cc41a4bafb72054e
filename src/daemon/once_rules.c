#include "once_rules.h"

#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "experiment_update.h"
#include "rules/alert_holds.h"
#include "rules/rules.h"

static json_object *holding_entry(const struct config *c, const struct rules_state *state,
                                  const struct silences *silences, const struct alert_record *r, int64_t now)
{
        json_object *o = json_object_new_object();
        size_t index;
        const struct config_rule *rule = rule_find(c, r->rule, &index);
        struct alert_hold hold = { 0 };

        if (!o || !rule)
                return o;
        (void) alert_hold_find(c, state, silences, index, r->experiment_id, r->variant_id, now, &hold);
        json_object_object_add(o, "rule", json_object_new_string(r->rule));
        json_object_object_add(o, "variant_id", *r->variant_id ? json_object_new_string(r->variant_id) : NULL);
        json_object_object_add(o, "state", json_object_new_string(r->state == ALERT_FIRING ? "firing" : "pending"));
        json_object_object_add(o, "severity", json_object_new_string(rule_severity_to_string(rule->severity)));
        json_object_object_add(o, "action", rule->action == RULE_ACTION_NONE ? NULL :
                               json_object_new_string(rule_action_to_string(rule->action)));
        json_object_object_add(o, "silenced_by", hold.silence_id ? json_object_new_int64(hold.silence_id) : NULL);
        json_object_object_add(o, "inhibited_by", hold.inhibited_by ? json_object_new_string(hold.inhibited_by) : NULL);
        json_object_object_add(o, "action_withheld", json_object_new_boolean(hold.actions));
        return o;
}

json_object *once_rules_holding(const struct config *c, const struct watched_experiment *e, int64_t now,
                                const struct silences *silences)
{
        struct rules_state scratch = { 0 };
        struct rule_transitions ignored = { 0 };
        json_object *list = json_object_new_array();

        if (list && e->current &&
            rules_evaluate_experiment(&scratch, c, e->current, experiment_hours_since_new_visitor(e, now), now,
                                      &ignored) >= 0)
                for (size_t i = 0; i < scratch.n; i++)
                        json_object_array_add(list, holding_entry(c, &scratch, silences, &scratch.records[i], now));
        rule_transitions_clear(&ignored);
        rules_state_clear(&scratch);
        return list;
}

void once_rules_print(FILE *out, json_object *holding)
{
        size_t n = holding ? json_object_array_length(holding) : 0;

        for (size_t i = 0; i < n; i++) {
                json_object *h = json_object_array_get_idx(holding, i), *v;
                const char *variant = json_object_object_get_ex(h, "variant_id", &v) && v ?
                                      json_object_get_string(v) : NULL;
                const char *action = json_object_object_get_ex(h, "action", &v) && v ?
                                     json_object_get_string(v) : NULL;
                char held[96] = "";
                bool withheld = json_object_object_get_ex(h, "action_withheld", &v) && json_object_get_boolean(v);

                if (json_object_object_get_ex(h, "silenced_by", &v) && v)
                        snprintf(held, sizeof(held), " (silenced by silence %s)", json_object_get_string(v));
                else if (json_object_object_get_ex(h, "inhibited_by", &v) && v)
                        snprintf(held, sizeof(held), " (inhibited by %s)", json_object_get_string(v));

                json_object_object_get_ex(h, "state", &v);
                fprintf(out, "  rule %s %s%s%s%s%s%s%s\n", json_object_get_string(json_object_object_get(h, "rule")),
                        strcmp(json_object_get_string(v), "firing") == 0 ? "holds" : "holds, waiting for its `for`",
                        variant ? " on variant " : "", variant ? variant : "", held,
                        action ? "; the daemon would " : "", action ? action : "",
                        action && withheld ? ", but the action is withheld" : "");
        }
}

#include "once_rules.h"

#include <string.h>

#include "config/config.h"
#include "experiment_update.h"
#include "rules/rules.h"

static json_object *holding_entry(const struct config *c, const struct alert_record *r)
{
        json_object *o = json_object_new_object();
        const struct config_rule *rule = rule_find(c, r->rule, NULL);

        if (!o || !rule)
                return o;
        json_object_object_add(o, "rule", json_object_new_string(r->rule));
        json_object_object_add(o, "variant_id", *r->variant_id ? json_object_new_string(r->variant_id) : NULL);
        json_object_object_add(o, "state", json_object_new_string(r->state == ALERT_FIRING ? "firing" : "pending"));
        json_object_object_add(o, "severity", json_object_new_string(rule_severity_to_string(rule->severity)));
        json_object_object_add(o, "action", rule->action == RULE_ACTION_NONE ? NULL :
                               json_object_new_string(rule_action_to_string(rule->action)));
        return o;
}

json_object *once_rules_holding(const struct config *c, const struct watched_experiment *e, int64_t now)
{
        struct rules_state scratch = { 0 };
        struct rule_transitions ignored = { 0 };
        json_object *list = json_object_new_array();

        if (list && e->current &&
            rules_evaluate_experiment(&scratch, c, e->current, experiment_hours_since_new_visitor(e, now), now,
                                      &ignored) >= 0)
                for (size_t i = 0; i < scratch.n; i++)
                        json_object_array_add(list, holding_entry(c, &scratch.records[i]));
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

                json_object_object_get_ex(h, "state", &v);
                fprintf(out, "  rule %s %s%s%s%s%s\n", json_object_get_string(json_object_object_get(h, "rule")),
                        strcmp(json_object_get_string(v), "firing") == 0 ? "holds" : "holds, waiting for its `for`",
                        variant ? " on variant " : "", variant ? variant : "",
                        action ? "; the daemon would " : "", action ? action : "");
        }
}

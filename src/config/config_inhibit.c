/* The `inhibit` list: while a source rule fires on an experiment, the
 * target rules' messages (and, with actions, their actions) on that
 * experiment are held back. A rule may not inhibit itself, and the
 * source → target arrows may not go round in a cycle: two rules holding
 * each other back would both stay silent for good. */
#include <stdlib.h>
#include <string.h>

#include "config_loader.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const inhibit_keys[] = { "source", "targets", "actions" };

/* The index of the rule called by setting s (a string), or -1 after an error. */
static long rule_ref(struct config_loader *l, const config_setting_t *s, const char *what, const struct config *c)
{
        const char *name = config_setting_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s) : NULL;
        const char *near = NULL;
        long k;

        if (!name) {
                loader_error(l, s, "%s of an inhibit entry must be a rule's name", what);
                return -1;
        }
        if ((k = config_find_rule(c, name, &near)) >= 0)
                return k;
        if (near)
                loader_error(l, s, "unknown rule '%s' in %s of an inhibit entry (did you mean '%s'?)", name, what, near);
        else
                loader_error(l, s, "unknown rule '%s' in %s of an inhibit entry", name, what);
        return -1;
}

static void load_targets(struct config_loader *l, const config_setting_t *g, const struct config *c,
                         struct config_inhibit *in)
{
        const config_setting_t *t = config_setting_get_member(g, "targets");
        bool single = t && config_setting_type(t) == CONFIG_TYPE_STRING;
        size_t n = single ? 1 : t && config_setting_is_aggregate(t) ? (size_t) config_setting_length(t) : 0;

        if (n == 0) {
                loader_error(l, t ? t : g, "an inhibit entry needs 'targets': the rules it holds back");
                return;
        }
        in->targets = calloc(n, sizeof(*in->targets));
        for (size_t i = 0; in->targets && i < n; i++) {
                const config_setting_t *s = single ? t : config_setting_get_elem(t, (unsigned) i);
                long k = rule_ref(l, s, "targets", c);

                if (k >= 0 && (size_t) k == in->source)
                        loader_error(l, s, "rule '%s' cannot inhibit itself", c->rules[k].name);
                else if (k >= 0)
                        in->targets[in->n_targets++] = (size_t) k;
        }
}

static void load_inhibit(struct config_loader *l, const config_setting_t *g, const struct config *c,
                         struct config_inhibit *in)
{
        const config_setting_t *source = config_setting_get_member(g, "source");
        long k;

        *in = (struct config_inhibit) { .line = loader_line(g) };
        if (!config_setting_is_group(g)) {
                loader_error(l, g, "each entry of inhibit must be a group { source = ...; targets = [ ... ]; }");
                return;
        }
        loader_check_known(l, g, "an inhibit entry", inhibit_keys, N_ELEMENTS(inhibit_keys));
        loader_bool(l, g, "an inhibit entry", "actions", &in->actions);
        if (!source) {
                loader_error(l, g, "an inhibit entry needs 'source': the rule whose firing holds the others back");
                return;
        }
        if ((k = rule_ref(l, source, "source", c)) < 0)
                return;
        in->source = (size_t) k;
        in->valid = true;
        load_targets(l, g, c, in);
}

/* Whether rule `from` reaches rule `to` through the inhibit arrows seen so
 * far (depth-first; seen guards against the cycles being looked for). */
static bool reaches(const struct config *c, size_t from, size_t to, bool *seen)
{
        if (seen[from])
                return false;
        seen[from] = true;
        for (size_t i = 0; i < c->n_inhibits; i++) {
                const struct config_inhibit *in = &c->inhibits[i];

                if (!in->valid || in->source != from)
                        continue;
                for (size_t j = 0; j < in->n_targets; j++)
                        if (in->targets[j] == to || reaches(c, in->targets[j], to, seen))
                                return true;
        }
        return false;
}

/* A target that reaches back to its source closes a cycle. */
static void check_cycles(struct config_loader *l, const config_setting_t *list, const struct config *c)
{
        bool *seen = calloc(c->n_rules + 1, sizeof(*seen));

        for (size_t i = 0; seen && i < c->n_inhibits; i++) {
                const struct config_inhibit *in = &c->inhibits[i];

                for (size_t j = 0; in->valid && j < in->n_targets; j++) {
                        memset(seen, 0, (c->n_rules + 1) * sizeof(*seen));
                        if (!reaches(c, in->targets[j], in->source, seen))
                                continue;
                        loader_error(l, config_setting_get_elem(list, (unsigned) i),
                                     "inhibit: rule '%s' holds back '%s', which (through the other entries) holds "
                                     "back '%s': a cycle would keep both silent", c->rules[in->source].name,
                                     c->rules[in->targets[j]].name, c->rules[in->source].name);
                        free(seen);
                        return;
                }
        }
        free(seen);
}

void load_inhibits(struct config_loader *l, const config_setting_t *list, struct config *c)
{
        if (config_setting_type(list) != CONFIG_TYPE_LIST) {
                loader_error(l, list, "'inhibit' must be a list: inhibit = ( { source = ...; targets = [ ... ]; } );");
                return;
        }
        c->inhibits = calloc((size_t) config_setting_length(list) + 1, sizeof(*c->inhibits));
        for (int i = 0; c->inhibits && i < config_setting_length(list); i++, c->n_inhibits++)
                load_inhibit(l, config_setting_get_elem(list, (unsigned) i), c, &c->inhibits[c->n_inhibits]);
        check_cycles(l, list, c);
}

void config_inhibits_free(struct config *c)
{
        for (size_t i = 0; i < c->n_inhibits; i++)
                free(c->inhibits[i].targets);
        free(c->inhibits);
}

/* The `rules` list of the config (when, and who gets told), and the
 * checks every list entry starts with (the notifiers use them too). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_loader.h"
#include "duration.h"
#include "expr/expr.h"
#include "util/suggest.h"

static const char *const rule_keys[] = {
        "name", "when", "for", "severity", "notify", "action", "traffic_allocation",
        "repeat", "notify_resolved", "experiments",
};
static const char *const severities[] = { "info", "warning", "critical", NULL };
/* Index + 1 is the enum rule_action (0 is "no action"). */
static const char *const actions[] = { "pause", "serve-winner", NULL };

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

bool loader_valid_name(const char *name)
{
        static const char name_chars[] =
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

        return *name && name[strspn(name, name_chars)] == '\0';
}

/* Reads `name` of a list entry; where becomes "KIND 'NAME'", or
 * "KIND #N" when the name is missing or invalid. Returns the name or NULL. */
static char *entry_name(struct config_loader *l, const config_setting_t *entry, const char *kind,
                        int index, char *where, size_t where_size)
{
        const char *name = NULL;

        snprintf(where, where_size, "%s #%d", kind, index + 1);
        if (!loader_string(l, entry, where, "name", true, &name))
                return NULL;
        if (!loader_valid_name(name)) {
                loader_error(l, config_setting_get_member(entry, "name"),
                             "'name' in %s must be letters, digits, '_' or '-'", where);
                return NULL;
        }
        snprintf(where, where_size, "%s '%.64s'", kind, name);
        return strdup(name);
}

/* Reports a name already used by an earlier entry. */
static void check_unique(struct config_loader *l, const config_setting_t *list, int index, const char *kind)
{
        const config_setting_t *mine = config_setting_get_member(config_setting_get_elem(list, (unsigned) index), "name");

        for (int i = 0; i < index; i++) {
                const config_setting_t *other = config_setting_get_member(config_setting_get_elem(list, (unsigned) i), "name");

                if (other && config_setting_type(other) == CONFIG_TYPE_STRING &&
                    strcmp(config_setting_get_string(other), config_setting_get_string(mine)) == 0) {
                        loader_error(l, mine, "duplicate %s name '%s' (first defined at line %u)", kind,
                                     config_setting_get_string(mine), loader_line(other));
                        return;
                }
        }
}

/* The checks every list entry starts with: a group, a valid unique name,
 * known keys. Fills where; returns false when the entry is not a group. */
bool loader_begin_entry(struct config_loader *l, const config_setting_t *list, int index, const char *kind,
                        const char *const *keys, size_t n_keys, char **ret_name, char *where, size_t where_size)
{
        const config_setting_t *g = config_setting_get_elem(list, (unsigned) index);

        if (!config_setting_is_group(g)) {
                loader_error(l, g, "each entry of %ss must be a group { name = ...; ... }", kind);
                return false;
        }
        *ret_name = entry_name(l, g, kind, index, where, where_size);
        if (*ret_name)
                check_unique(l, list, index, kind);
        loader_check_known(l, g, where, keys, n_keys);
        return true;
}

/* The first of keys present in group, to point an error at it. */
const config_setting_t *loader_first_member(const config_setting_t *group, const char *const *keys, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const config_setting_t *s = config_setting_get_member(group, keys[i]);
                if (s)
                        return s;
        }
        return group;
}

/* Checks that list is a list of groups and allocates that many entries. */
void *loader_alloc_entries(struct config_loader *l, const config_setting_t *list, const char *kind, size_t size)
{
        if (config_setting_type(list) != CONFIG_TYPE_LIST) {
                loader_error(l, list, "'%s' must be a list: %s = ( { ... }, { ... } );", kind, kind);
                return NULL;
        }
        return calloc((size_t) config_setting_length(list) + 1, size);
}

static bool add_notifier_ref(struct config_loader *l, const config_setting_t *s, const char *where,
                             const struct config *c, size_t *ref)
{
        const char **names;
        const char *name, *near;

        if (config_setting_type(s) != CONFIG_TYPE_STRING) {
                loader_error(l, s, "'notify' in %s must list notifier names", where);
                return false;
        }
        name = config_setting_get_string(s);
        for (size_t i = 0; i < c->n_notifiers; i++)
                if (c->notifiers[i].name && strcmp(c->notifiers[i].name, name) == 0) {
                        *ref = i;
                        return true;
                }
        names = calloc(c->n_notifiers + 1, sizeof(*names));
        if (!names)
                return false;
        for (size_t i = 0; i < c->n_notifiers; i++)
                names[i] = c->notifiers[i].name ? c->notifiers[i].name : "";
        near = suggest_nearest(name, names, c->n_notifiers);
        if (near)
                loader_error(l, s, "unknown notifier '%s' in notify of %s (did you mean '%s'?)", name, where, near);
        else
                loader_error(l, s, "unknown notifier '%s' in notify of %s", name, where);
        free(names);
        return false;
}

bool loader_notifier_refs(struct config_loader *l, const config_setting_t *group, const char *where,
                          const struct config *c, size_t **ret, size_t *ret_n)
{
        const config_setting_t *s = config_setting_get_member(group, "notify");
        bool single, ok = true;
        size_t n;

        if (!s)
                return false;
        single = config_setting_type(s) == CONFIG_TYPE_STRING;
        if (!single && !config_setting_is_aggregate(s)) {
                loader_error(l, s, "'notify' in %s must be a list of notifier names", where);
                return false;
        }
        n = single ? 1 : (size_t) config_setting_length(s);
        *ret = calloc(n + 1, sizeof(**ret));
        if (!*ret)
                return false;
        for (size_t i = 0; i < n; i++)
                ok = add_notifier_ref(l, single ? s : config_setting_get_elem(s, (unsigned) i), where, c, &(*ret)[i]) && ok;
        *ret_n = n;
        return ok;
}

static void load_rule_action(struct config_loader *l, const config_setting_t *g, const char *where,
                             struct config_rule *r)
{
        const config_setting_t *allocation = config_setting_get_member(g, "traffic_allocation");
        long long percent;
        int action;

        if (loader_enum(l, g, where, "action", actions, &action))
                r->action = (enum rule_action) (action + 1);
        if (loader_int(l, g, where, "traffic_allocation", 1, 100, &percent))
                r->traffic_allocation = (int) percent;
        if (allocation && r->action != RULE_ACTION_SERVE_WINNER)
                loader_warning(l, allocation, "'traffic_allocation' in %s has no effect without action = \"serve-winner\"",
                               where);
}

/* The 1-based column just after the opening quote of `key = "` on line of
 * file, so that expression errors can point into the file; 0 when the
 * string does not start on that line. libconfig does not record columns. */
static unsigned string_column(const char *file, unsigned line, const char *key)
{
        FILE *f = fopen(file, "re");
        char *text = NULL, *p;
        size_t size = 0;
        unsigned column = 0;

        if (!f)
                return 0;
        for (unsigned i = 0; i < line; i++)
                if (getline(&text, &size, f) < 0) {
                        free(text);
                        fclose(f);
                        return 0;
                }
        fclose(f);
        for (p = strstr(text, key); p; p = strstr(p + 1, key)) {
                const char *q = p + strlen(key);

                q += strspn(q, " \t");
                if (*q != '=' && *q != ':')
                        continue;
                q += 1 + strspn(q + 1, " \t");
                if (*q == '"')
                        column = (unsigned) (q - text) + 2;
                break;
        }
        free(text);
        return column;
}

static void load_rule(struct config_loader *l, const config_setting_t *list, int index,
                      struct config *c, struct config_rule *r)
{
        const config_setting_t *g = config_setting_get_elem(list, (unsigned) index), *s;
        const char *when = NULL;
        char where[96];
        int severity;

        *r = (struct config_rule) { .severity = RULE_SEVERITY_WARNING, .traffic_allocation = 100,
                                    .notify_resolved = true, .line = loader_line(g) };
        if (!loader_begin_entry(l, list, index, "rule", rule_keys, N_ELEMENTS(rule_keys), &r->name, where, sizeof(where)))
                return;
        if (loader_string(l, g, where, "when", true, &when)) {
                s = config_setting_get_member(g, "when");
                if (!*when)
                        loader_error(l, s, "'when' in %s must not be empty", where);
                r->when = strdup(when);
                r->when_file = strdup(config_setting_source_file(s) ? config_setting_source_file(s) : l->path);
                r->when_line = loader_line(s);
                if (r->when_file)
                        r->when_column = string_column(r->when_file, r->when_line, "when");
        }
        loader_duration(l, g, where, "for", &r->for_usec);
        loader_duration(l, g, where, "repeat", &r->repeat_usec);
        if (loader_enum(l, g, where, "severity", severities, &severity))
                r->severity = (enum rule_severity) severity;
        loader_notifier_refs(l, g, where, c, &r->notify, &r->n_notify);
        load_rule_action(l, g, where, r);
        loader_bool(l, g, where, "notify_resolved", &r->notify_resolved);
        if ((s = config_setting_get_member(g, "experiments")))
                loader_id_list(l, s, where, true, &r->experiments, &r->n_experiments);
        compile_rule_condition(l, g, where, r);
}

void load_rules(struct config_loader *l, const config_setting_t *list, struct config *c)
{
        c->rules = loader_alloc_entries(l, list, "rules", sizeof(*c->rules));
        for (int i = 0; c->rules && i < config_setting_length(list); i++, c->n_rules++)
                load_rule(l, list, i, c, &c->rules[i]);
}

void config_rule_clear(struct config_rule *r)
{
        free(r->name);
        free(r->when);
        free(r->when_file);
        expr_free(r->condition);
        free(r->notify);
        loader_free_strv(r->experiments, r->n_experiments);
        *r = (struct config_rule) {};
}

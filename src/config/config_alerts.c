/* The `notifiers` and `rules` lists of the config: who gets told, and when. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_loader.h"
#include "duration.h"
#include "expr/expr.h"
#include "secret.h"
#include "util/suggest.h"
#include "url_check.h"

static const char *const notifier_keys[] = {
        "name", "type", "url", "url_file", "url_credential",
        "secret", "secret_file", "secret_credential", "max_age",
};
static const char *const notifier_types[] = { "slack", "webhook", NULL };

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
static bool begin_entry(struct config_loader *l, const config_setting_t *list, int index, const char *kind,
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
static const config_setting_t *first_member(const config_setting_t *group, const char *const *keys, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const config_setting_t *s = config_setting_get_member(group, keys[i]);
                if (s)
                        return s;
        }
        return group;
}

static void load_notifier_url(struct config_loader *l, const config_setting_t *g, const char *where,
                              struct config_notifier *n)
{
        static const char *const url_keys[] = { "url", "url_file", "url_credential" };
        enum url_verdict v;
        int r = loader_secret(l, g, where, "url", "url_file", "url_credential", NULL, &n->url);

        if (r == 0)
                loader_error(l, g, "missing url in %s: set one of url, url_file or url_credential", where);
        if (r != 1)
                return;
        v = url_check_transport(n->url);
        if (v != URL_OK)   /* the URL itself is a secret: not quoted */
                loader_error(l, first_member(g, url_keys, N_ELEMENTS(url_keys)),
                             "url of %s %s", where, url_verdict_to_string(v));
}

static void load_notifier_secret(struct config_loader *l, const config_setting_t *g, const char *where,
                                 struct config_notifier *n)
{
        static const char *const secret_keys[] = { "secret", "secret_file", "secret_credential" };
        const config_setting_t *s = first_member(g, secret_keys, N_ELEMENTS(secret_keys));
        char *text = NULL;
        int r;

        if (s == g)
                return;
        if (n->type != NOTIFIER_WEBHOOK) {
                loader_error(l, s, "'%s' in %s: signing secrets are for webhook notifiers only",
                             config_setting_name(s), where);
                return;
        }
        r = loader_secret(l, g, where, "secret", "secret_file", "secret_credential", NULL, &text);
        if (r == 1 && secret_decode_whsec(text, &n->secret, &n->secret_size) < 0)
                loader_error(l, s, "signing secret of %s is not of the form whsec_<base64>", where);
        secret_free_string(text);
}

static void load_notifier(struct config_loader *l, const config_setting_t *list, int index,
                          struct config_notifier *n)
{
        const config_setting_t *g = config_setting_get_elem(list, (unsigned) index);
        char where[96];
        int type = -1;

        *n = (struct config_notifier) { .max_age_usec = 24 * 3600 * DURATION_USEC_PER_SEC, .line = loader_line(g) };
        if (!begin_entry(l, list, index, "notifier", notifier_keys, N_ELEMENTS(notifier_keys),
                         &n->name, where, sizeof(where)))
                return;
        if (!config_setting_get_member(g, "type"))
                loader_error(l, g, "missing required setting 'type' in %s (slack or webhook)", where);
        else if (loader_enum(l, g, where, "type", notifier_types, &type))
                n->type = (enum notifier_type) type;
        load_notifier_url(l, g, where, n);
        if (type >= 0)
                load_notifier_secret(l, g, where, n);
        loader_positive_duration(l, g, where, "max_age", &n->max_age_usec);
}

/* Checks that list is a list of groups and allocates that many entries. */
static void *alloc_entries(struct config_loader *l, const config_setting_t *list, const char *kind, size_t size)
{
        if (config_setting_type(list) != CONFIG_TYPE_LIST) {
                loader_error(l, list, "'%s' must be a list: %s = ( { ... }, { ... } );", kind, kind);
                return NULL;
        }
        return calloc((size_t) config_setting_length(list) + 1, size);
}

void load_notifiers(struct config_loader *l, const config_setting_t *list, struct config *c)
{
        c->notifiers = alloc_entries(l, list, "notifiers", sizeof(*c->notifiers));
        for (int i = 0; c->notifiers && i < config_setting_length(list); i++, c->n_notifiers++)
                load_notifier(l, list, i, &c->notifiers[i]);
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
        if (!begin_entry(l, list, index, "rule", rule_keys, N_ELEMENTS(rule_keys), &r->name, where, sizeof(where)))
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
        c->rules = alloc_entries(l, list, "rules", sizeof(*c->rules));
        for (int i = 0; c->rules && i < config_setting_length(list); i++, c->n_rules++)
                load_rule(l, list, i, c, &c->rules[i]);
}

void config_notifier_clear(struct config_notifier *n)
{
        free(n->name);
        secret_free_string(n->url);
        secret_free(n->secret, n->secret_size);
        *n = (struct config_notifier) {};
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

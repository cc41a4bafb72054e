/* The config file: libconfig reads it, this file holds the schema (groups,
 * keys, defaults, ranges) and turns it into a struct config. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_loader.h"
#include "duration.h"
#include "secret.h"
#include "url_check.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))
#define SEC DURATION_USEC_PER_SEC
#define MIN_INTERVAL_USEC (30 * SEC)

static const char *const root_keys[] = { "mida", "monitor", "statistics", "notifiers", "rules", "inhibit", "digests", "health",
                                         "lifecycle", "web" };
static const char *const lifecycle_keys[] = { "notify", "events" };
static const char *const lifecycle_events[] = { "started", "stopped", "concluded", "disappeared", NULL };
static const char *const mida_keys[] = {
        "region", "base_url", "project_key", "api_key", "api_key_file", "api_key_credential",
        "timeout", "connect_timeout", "max_connections", "max_requests_per_second",
        "max_response_size", "ca_file",
};
static const char *const monitor_keys[] = {
        "interval", "experiments", "exclude", "state_directory", "dry_run",
        "max_actions_per_hour", "metrics_file", "spread", "history_retention",
};
static const char *const statistics_keys[] = {
        "method", "alpha", "sequential_tuning", "correction", "srm_alpha", "srm_method", "srm_concentration",
        "min_visitors", "min_conversions", "min_days", "weights", "decision_horizon",
};
static const char *const health_keys[] = { "notify", "after", "repeat", "stalled_after" };

static const char *const regions[] = { "us", "eu", NULL };
static const char *const region_urls[] = { "https://api-us.mida.so/v2", "https://api-eu.mida.so/v2" };
static const char *const methods[] = { "sequential", "fixed", NULL };
static const char *const corrections[] = { "holm", "bonferroni", "none", NULL };
static const char *const srm_methods[] = { "sequential", "chi2", NULL };

/* systemd's $STATE_DIRECTORY (it may list several, separated by ':');
 * outside systemd the one its unit would give: mida-monitor.service's for
 * mida-monitor.conf, and mida-monitor@NAME.service's for NAME.conf, so that
 * `status -c /etc/mida-monitor/NAME.conf` finds that instance's state. Not
 * mida-monitor/NAME: with DynamicUser=, /var/lib/mida-monitor is the main
 * unit's symlink into /var/lib/private, and systemd refuses to nest. */
static char *default_state_directory(const char *config_path)
{
        const char *env = getenv("STATE_DIRECTORY"), *base = strrchr(config_path, '/');
        size_t n;
        char *dir;

        if (env && *env == '/')
                return strndup(env, strcspn(env, ":"));
        base = base ? base + 1 : config_path;
        n = strlen(base);
        if (n <= 5 || strcmp(base + n - 5, ".conf") != 0 || strcmp(base, "mida-monitor.conf") == 0)
                return strdup("/var/lib/mida-monitor");
        return asprintf(&dir, "/var/lib/mida-monitor-%.*s", (int) (n - 5), base) < 0 ? NULL : dir;
}

static void set_defaults(struct config *c)
{
        c->mida = (struct config_mida) {
                .timeout_usec = 30 * SEC, .connect_timeout_usec = 10 * SEC,
                .max_connections = 4, .max_requests_per_second = 5,
                .max_response_size = 8 << 20,
        };
        c->monitor = (struct config_monitor) {
                .interval_usec = 15 * 60 * SEC, .experiments_live = true,
                .max_actions_per_hour = 3, .spread = 0.5,
                .history_retention_usec = 400 * 24 * 3600 * SEC,
        };
        c->statistics = statistics_settings_default();
        c->health = (struct config_health) {
                .after_usec = 3600 * SEC, .repeat_usec = 24 * 3600 * SEC, .stalled_after_usec = 24 * 3600 * SEC,
        };
}

/* A top-level group, or NULL when absent or not a group (reported). */
static const config_setting_t *group(struct config_loader *l, const config_setting_t *root, const char *name)
{
        const config_setting_t *g = config_setting_get_member(root, name);

        if (g && !config_setting_is_group(g)) {
                loader_error(l, g, "'%s' must be a group: %s: { ... };", name, name);
                return NULL;
        }
        return g;
}

static void load_base_url(struct config_loader *l, const config_setting_t *g, struct config_mida *m)
{
        const config_setting_t *base = config_setting_get_member(g, "base_url");
        const char *url;
        enum url_verdict v;
        int region = 0;

        if (base && config_setting_get_member(g, "region")) {
                loader_error(l, base, "set either 'region' or 'base_url' in mida, not both");
                return;
        }
        if (!loader_string(l, g, "mida", "base_url", false, &url)) {
                loader_enum(l, g, "mida", "region", regions, &region);
                m->base_url = strdup(region_urls[region]);
                return;
        }
        v = url_check_transport(url);
        if (v != URL_OK) {
                loader_error(l, base, "'base_url' in mida %s", url_verdict_to_string(v));
                return;
        }
        m->base_url = strndup(url, strlen(url) - (url[strlen(url) - 1] == '/'));
}

static bool has_control_characters(const char *s)
{
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

static void load_api_key(struct config_loader *l, const config_setting_t *g, struct config_mida *m)
{
        int r = loader_secret(l, g, "mida", "api_key", "api_key_file", "api_key_credential",
                              CONFIG_DEFAULT_API_KEY_CREDENTIAL, &m->api_key);

        if (r == 0)
                loader_error(l, g, "no API key: set api_key_file or provide the systemd credential %s",
                             CONFIG_DEFAULT_API_KEY_CREDENTIAL);
        /* It goes into an HTTP header: a stray line break would corrupt it. */
        if (r == 1 && has_control_characters(m->api_key))
                loader_error(l, g, "the API key contains a line break or other control character");
}

static void load_mida(struct config_loader *l, const config_setting_t *g, struct config_mida *m)
{
        static const char key_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.";
        const char *s;
        long long n;

        loader_check_known(l, g, "mida", mida_keys, N_ELEMENTS(mida_keys));
        load_base_url(l, g, m);
        if (loader_string(l, g, "mida", "project_key", true, &s)) {
                if (!*s || s[strspn(s, key_chars)] != '\0')
                        loader_error(l, config_setting_get_member(g, "project_key"),
                                     "'project_key' in mida must be letters, digits, '_', '-' or '.'");
                m->project_key = strdup(s);
        }
        load_api_key(l, g, m);
        loader_positive_duration(l, g, "mida", "timeout", &m->timeout_usec);
        loader_positive_duration(l, g, "mida", "connect_timeout", &m->connect_timeout_usec);
        if (loader_int(l, g, "mida", "max_connections", 1, 64, &n))
                m->max_connections = (int) n;
        loader_number(l, g, "mida", "max_requests_per_second", 0, false, INFINITY, &m->max_requests_per_second);
        if (loader_int(l, g, "mida", "max_response_size", 4096, 1LL << 30, &n))
                m->max_response_size = (uint64_t) n;
        if (loader_string(l, g, "mida", "ca_file", false, &s)) {
                m->ca_file = loader_resolve_path(l, s);
                if (m->ca_file && access(m->ca_file, R_OK) < 0)
                        loader_error(l, config_setting_get_member(g, "ca_file"), "cannot read 'ca_file' in mida (%s): %s",
                                     m->ca_file, strerror(errno));
        }
}

static void load_experiments(struct config_loader *l, const config_setting_t *g, struct config_monitor *m)
{
        const config_setting_t *s = config_setting_get_member(g, "experiments");

        if (!s)
                return;
        if (config_setting_type(s) == CONFIG_TYPE_STRING) {
                if (strcmp(config_setting_get_string(s), "live") != 0)
                        loader_error(l, s, "'experiments' in monitor must be \"live\" or a list of experiment ids");
                return;
        }
        if (!loader_id_list(l, s, "monitor", false, &m->experiments, &m->n_experiments))
                return;
        m->experiments_live = false;
        if (m->n_experiments == 0)
                loader_error(l, s, "'experiments' in monitor lists no experiment; use \"live\" to watch every live one");
}

static void load_path(struct config_loader *l, const config_setting_t *g, const char *key, char **ret)
{
        const char *s;

        if (!loader_string(l, g, "monitor", key, false, &s))
                return;
        if (!*s) {
                loader_error(l, config_setting_get_member(g, key), "'%s' in monitor must not be empty", key);
                return;
        }
        free(*ret);
        *ret = strdup(s);
}

/* The textfile collector reads only *.prom files of one directory, and the
 * daemon's working directory is no place for a relative path. */
static void check_metrics_file(struct config_loader *l, const config_setting_t *s, struct config_monitor *m)
{
        size_t n = m->metrics_file ? strlen(m->metrics_file) : 0;

        if (!s || !m->metrics_file)
                return;
        if (m->metrics_file[0] != '/' || m->metrics_file[n - 1] == '/') {
                loader_error(l, s, "'metrics_file' in monitor must be an absolute file name, e.g. "
                             "\"/var/lib/prometheus/node-exporter/mida.prom\"");
                free(m->metrics_file);
                m->metrics_file = NULL;
        } else if (n < 5 || strcmp(m->metrics_file + n - 5, ".prom") != 0) {
                loader_warning(l, s, "'metrics_file' in monitor does not end in \".prom\"; "
                               "node_exporter's textfile collector reads only *.prom files");
        }
}

static void load_monitor(struct config_loader *l, const config_setting_t *g, struct config_monitor *m)
{
        const config_setting_t *exclude = config_setting_get_member(g, "exclude");
        long long n;

        loader_check_known(l, g, "monitor", monitor_keys, N_ELEMENTS(monitor_keys));
        if (loader_duration(l, g, "monitor", "interval", &m->interval_usec) && m->interval_usec < MIN_INTERVAL_USEC)
                loader_error(l, config_setting_get_member(g, "interval"), "'interval' in monitor must be at least 30s");
        load_experiments(l, g, m);
        if (exclude)
                loader_id_list(l, exclude, "monitor", false, &m->exclude, &m->n_exclude);
        load_path(l, g, "state_directory", &m->state_directory);
        loader_bool(l, g, "monitor", "dry_run", &m->dry_run);
        if (loader_int(l, g, "monitor", "max_actions_per_hour", 0, INT_MAX, &n))
                m->max_actions_per_hour = (int) n;
        load_path(l, g, "metrics_file", &m->metrics_file);
        check_metrics_file(l, config_setting_get_member(g, "metrics_file"), m);
        loader_number(l, g, "monitor", "spread", 0, false, 1, &m->spread);
        loader_duration(l, g, "monitor", "history_retention", &m->history_retention_usec);
}

static void load_weights(struct config_loader *l, const config_setting_t *g, struct statistics_settings *st)
{
        const config_setting_t *w = config_setting_get_member(g, "weights");
        int n = w ? config_setting_length(w) : 0;

        if (!w)
                return;
        if (!config_setting_is_aggregate(w) || config_setting_is_group(w) || n < 2 || n > STATS_MAX_WEIGHTS) {
                loader_error(l, w, "'weights' in statistics must be a list of 2 to %d numbers, one per variant",
                             STATS_MAX_WEIGHTS);
                return;
        }
        for (int i = 0; i < n; i++) {
                const config_setting_t *e = config_setting_get_elem(w, (unsigned) i);
                int type = config_setting_type(e);
                double v = type == CONFIG_TYPE_FLOAT ? config_setting_get_float(e)
                         : type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64 ? (double) config_setting_get_int64(e)
                         : NAN;

                if (!(v > 0) || !isfinite(v)) {
                        loader_error(l, e, "'weights' in statistics: each weight must be a number greater than 0");
                        return;
                }
                st->weights[i] = v;
        }
        st->n_weights = n;
}

static void load_statistics(struct config_loader *l, const config_setting_t *g, struct statistics_settings *st)
{
        uint64_t horizon;
        long long n;
        int e;

        loader_check_known(l, g, "statistics", statistics_keys, N_ELEMENTS(statistics_keys));
        if (loader_enum(l, g, "statistics", "method", methods, &e))
                st->method = (enum stats_method) e;
        loader_number(l, g, "statistics", "alpha", 0, true, 0.5, &st->alpha);
        loader_number(l, g, "statistics", "sequential_tuning", 0, true, INFINITY, &st->sequential_tuning);
        if (loader_enum(l, g, "statistics", "correction", corrections, &e))
                st->correction = (enum stats_correction) e;
        loader_number(l, g, "statistics", "srm_alpha", 0, true, 0.5, &st->srm_alpha);
        if (loader_enum(l, g, "statistics", "srm_method", srm_methods, &e))
                st->srm_method = (enum stats_srm_method) e;
        loader_number(l, g, "statistics", "srm_concentration", 0, true, 1e9, &st->srm_concentration);
        if (loader_int(l, g, "statistics", "min_visitors", 0, LLONG_MAX, &n))
                st->min_visitors = (long) n;
        if (loader_int(l, g, "statistics", "min_conversions", 0, LLONG_MAX, &n))
                st->min_conversions = (long) n;
        if (loader_int(l, g, "statistics", "min_days", 0, 3650, &n))
                st->min_days = (long) n;
        if (loader_positive_duration(l, g, "statistics", "decision_horizon", &horizon))
                st->decision_horizon_days = (double) horizon / (86400.0 * DURATION_USEC_PER_SEC);
        load_weights(l, g, st);
}

const char *lifecycle_event_to_string(enum lifecycle_event e)
{
        return (unsigned) e < LIFECYCLE_EVENT_COUNT ? lifecycle_events[e] : NULL;
}

static void load_lifecycle_events(struct config_loader *l, const config_setting_t *list, struct config_lifecycle *lc)
{
        if (!config_setting_is_aggregate(list) || config_setting_length(list) == 0) {
                loader_error(l, list, "'events' in lifecycle must be a list of started, stopped, concluded, disappeared");
                return;
        }
        lc->events = 0;
        for (int i = 0; i < config_setting_length(list); i++) {
                const config_setting_t *s = config_setting_get_elem(list, (unsigned) i);
                const char *name = config_setting_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s) : "";
                int k = 0;

                while (lifecycle_events[k] && strcmp(lifecycle_events[k], name) != 0)
                        k++;
                if (lifecycle_events[k])
                        lc->events |= 1u << k;
                else
                        loader_error(l, s, "unknown lifecycle event '%s' (started, stopped, concluded or disappeared)",
                                     name);
        }
}

static void load_lifecycle(struct config_loader *l, const config_setting_t *g, struct config *c)
{
        const config_setting_t *events = config_setting_get_member(g, "events");

        loader_check_known(l, g, "lifecycle", lifecycle_keys, N_ELEMENTS(lifecycle_keys));
        if (!loader_notifier_refs(l, g, "lifecycle", c, &c->lifecycle.notify, &c->lifecycle.n_notify) &&
            !config_setting_get_member(g, "notify"))
                loader_error(l, g, "lifecycle needs 'notify': the notifiers that get the notices");
        if (events)
                load_lifecycle_events(l, events, &c->lifecycle);
        for (size_t i = 0; i < c->lifecycle.n_notify; i++) {
                const struct config_notifier *n = &c->notifiers[c->lifecycle.notify[i]];

                if (n->type == NOTIFIER_ALERTMANAGER || n->type == NOTIFIER_PAGERDUTY)
                        loader_warning(l, config_setting_get_member(g, "notify"),
                                       "lifecycle: notifier '%s' is %s, which gets no lifecycle notices (they are "
                                       "not alerts)", n->name, notifier_type_to_string(n->type));
        }
        if (!c->monitor.experiments_live)
                loader_warning(l, g, "lifecycle notices need monitor.experiments = \"live\" (the experiment list); "
                               "with a list of ids none are sent");
}

static void load_health(struct config_loader *l, const config_setting_t *g, struct config *c)
{
        loader_check_known(l, g, "health", health_keys, N_ELEMENTS(health_keys));
        loader_notifier_refs(l, g, "health", c, &c->health.notify, &c->health.n_notify);
        loader_duration(l, g, "health", "after", &c->health.after_usec);
        loader_duration(l, g, "health", "repeat", &c->health.repeat_usec);
        loader_duration(l, g, "health", "stalled_after", &c->health.stalled_after_usec);
}

static void load_root(struct config_loader *l, const config_setting_t *root, struct config *c)
{
        const config_setting_t *g, *list;

        loader_check_known(l, root, "the top level", root_keys, N_ELEMENTS(root_keys));
        if ((g = group(l, root, "mida")))
                load_mida(l, g, &c->mida);
        else if (!config_setting_get_member(root, "mida"))
                loader_error(l, root, "missing required group 'mida' (project_key and the API key)");
        if ((g = group(l, root, "monitor")))
                load_monitor(l, g, &c->monitor);
        if ((g = group(l, root, "statistics")))
                load_statistics(l, g, &c->statistics);
        if ((list = config_setting_get_member(root, "notifiers")))
                load_notifiers(l, list, c);
        if ((list = config_setting_get_member(root, "rules")))
                load_rules(l, list, c);
        if ((list = config_setting_get_member(root, "inhibit")))
                load_inhibits(l, list, c);
        if ((list = config_setting_get_member(root, "digests")))
                load_digests(l, list, c);
        if ((g = group(l, root, "health")))
                load_health(l, g, c);
        c->lifecycle.events = (1u << LIFECYCLE_EVENT_COUNT) - 1;
        if ((g = group(l, root, "lifecycle")))
                load_lifecycle(l, g, c);
        if ((g = group(l, root, "web")))
                load_web(l, g, &c->web);
        if (!c->monitor.state_directory)
                c->monitor.state_directory = default_state_directory(c->path);
}

/* Parses the file with libconfig; syntax errors keep libconfig's own text. */
static int parse_file(const char *path, const char *dir, config_t *cf, struct config_diag *diag)
{
        FILE *f = fopen(path, "re");
        int ok, r;

        if (!f) {
                r = -errno;
                config_diag_add(diag, false, path, 0, 0, "cannot read the config file: %s", strerror(-r));
                return r;
        }
        r = config_check_includes(path, dir, diag);
        if (r < 0) {
                fclose(f);
                return r;
        }
        config_set_include_dir(cf, dir);
        ok = config_read(cf, f);
        fclose(f);
        if (!ok) {
                config_diag_add(diag, false, config_error_file(cf) ? config_error_file(cf) : path,
                                (unsigned) config_error_line(cf), 0, "%s", config_error_text(cf));
                return -EINVAL;
        }
        return 0;
}

static char *directory_of(const char *path)
{
        const char *slash = strrchr(path, '/');

        if (!slash)
                return strdup(".");
        return slash == path ? strdup("/") : strndup(path, (size_t) (slash - path));
}

int config_load_with_flags(const char *path, unsigned flags, struct config **ret,
                           struct config_diag *diag)
{
        struct config_loader l = { .path = path, .flags = flags, .diag = diag };
        size_t errors_before = diag->n_errors;
        struct config *c = calloc(1, sizeof(*c));
        config_t cf;
        int r;

        l.dir = directory_of(path);
        if (!c || !l.dir || !(c->path = strdup(path))) {
                free(l.dir);
                config_free(c);
                return -ENOMEM;
        }
        config_init(&cf);
        r = parse_file(path, l.dir, &cf, diag);
        if (r == 0) {
                set_defaults(c);
                load_root(&l, config_root_setting(&cf), c);
        }
        config_destroy(&cf);
        if (l.deferred_credentials)
                config_diag_add(diag, true, path, l.deferred_line, 0,
                                "systemd credentials not checked, $CREDENTIALS_DIRECTORY is set only "
                                "inside the service: %s", l.deferred_credentials);
        free(l.deferred_credentials);
        free(l.dir);
        if (r == 0 && diag->out_of_memory)
                r = -ENOMEM;
        else if (r == 0 && diag->n_errors > errors_before)
                r = -EINVAL;
        if (r < 0) {
                config_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

int config_load(const char *path, struct config **ret, struct config_diag *diag)
{
        return config_load_with_flags(path, 0, ret, diag);
}

void config_free(struct config *c)
{
        if (!c)
                return;
        free(c->path);
        free(c->mida.base_url);
        free(c->mida.project_key);
        secret_free_string(c->mida.api_key);
        free(c->mida.ca_file);
        loader_free_strv(c->monitor.experiments, c->monitor.n_experiments);
        loader_free_strv(c->monitor.exclude, c->monitor.n_exclude);
        free(c->monitor.state_directory);
        free(c->monitor.metrics_file);
        for (size_t i = 0; i < c->n_notifiers; i++)
                config_notifier_clear(&c->notifiers[i]);
        free(c->notifiers);
        for (size_t i = 0; i < c->n_rules; i++)
                config_rule_clear(&c->rules[i]);
        free(c->rules);
        config_inhibits_free(c);
        config_digests_free(c);
        free(c->health.notify);
        free(c->lifecycle.notify);
        config_web_clear(&c->web);
        free(c);
}

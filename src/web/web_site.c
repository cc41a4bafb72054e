/* The site: routes, the read-only state.db connection and the caches. See
 * web_site.h. The pages themselves are pure (page_*.c); this file decides
 * when state.db is read and what each path answers. */
#include "web_site.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "experiment_data.h"
#include "html.h"
#include "page_experiment.h"
#include "page_index.h"
#include "report/history_output.h"
#include "report/json_output.h"
#include "report/status_json.h"
#include "report/status_read.h"
#include "store/db.h"
#include "web_assets.h"
#include "web_gzip.h"
#include "web_static.h"

/* The experiment pages last looked at, each kept as the status is. */
#define EXPERIMENT_CACHE_SIZE 8
#define METRICS_MAX_AGE_SEC 5
/* A page requested this recently is "in use": rebuilt when a cycle ends. */
#define IN_USE_SEC 600

#define TYPE_HTML "text/html; charset=utf-8"
#define TYPE_JSON "application/json"
#define TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"

/* A built page or document, shared by the cache and the responses that
 * send it; the last reference frees it. */
struct web_shared {
        unsigned refs;
        size_t len;
        char data[];
};

struct text {
        struct web_shared *shared;   /* NULL until built */
        struct web_shared *gzip;     /* shared compressed; NULL for a short one */
        char *data;                  /* the static files' text (chartjs) */
        size_t len;
};

/* A page and its JSON, built together from one read of state.db. */
struct cached {
        bool valid;
        uint64_t generation;            /* the site's when built */
        uint64_t built_usec;            /* CLOCK_MONOTONIC */
        long long id;                   /* an experiment's; 0 for the status */
        struct text html, json;
};

struct web_site {
        char *state_directory;
        char *chartjs_dir;
        const struct statistics_settings *statistics;
        struct statistics_settings defaults;   /* when no settings were given */
        char *(*metrics_text)(void *userdata, size_t *len);
        void *userdata;
        struct store *store;            /* read-only; NULL until it opens */
        uint64_t generation;            /* web_site_invalidate counts it up */
        struct cached status;
        struct cached metrics;          /* its html is the exposition text */
        struct cached experiments[EXPERIMENT_CACHE_SIZE];
        uint64_t status_wanted_usec;    /* CLOCK_MONOTONIC of the last request of each; 0: none */
        uint64_t metrics_wanted_usec;
        size_t next_experiment;         /* the slot replaced next */
        struct text chartjs;            /* read at its first request, then kept */
        unsigned builds;
};

static uint64_t now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

void web_shared_unref(void *shared)
{
        struct web_shared *sh = shared;

        if (sh && --sh->refs == 0)
                free(sh);
}

static void text_clear(struct text *t)
{
        web_shared_unref(t->shared);
        web_shared_unref(t->gzip);
        free(t->data);
        *t = (struct text) { 0 };
}

static struct web_shared *shared_new(const char *data, size_t len)
{
        struct web_shared *sh = malloc(sizeof(*sh) + len + 1);

        if (sh) {
                *sh = (struct web_shared) { .refs = 1, .len = len };
                memcpy(sh->data, data, len);
                sh->data[len] = '\0';
        }
        return sh;
}

/* Takes data (malloc'd, len bytes; NULL: an allocation failed) as t's
 * shared text, and its gzip when it is long. 0 or -ENOMEM. */
static int text_take(struct text *t, char *data, size_t len)
{
        char *gz = NULL;
        size_t gz_len = 0;

        t->shared = data ? shared_new(data, len) : NULL;
        if (t->shared && len >= WEB_GZIP_MIN_SIZE && web_gzip(data, len, &gz, &gz_len) >= 0) {
                t->gzip = shared_new(gz, gz_len);   /* without it, sent as it is */
                free(gz);
        }
        free(data);
        return t->shared ? 0 : -ENOMEM;
}

static void cached_clear(struct cached *c)
{
        text_clear(&c->html);
        text_clear(&c->json);
        *c = (struct cached) { 0 };
}

/* Built for what the daemon shows now: not invalidated since, and young
 * enough that a missed invalidation (a `silence` command) shows soon. */
static bool fresh_within(const struct web_site *s, const struct cached *c, unsigned max_age_sec)
{
        return c->valid && c->generation == s->generation &&
               now_usec() - c->built_usec < (uint64_t) max_age_sec * 1000000u;
}

static bool fresh(const struct web_site *s, const struct cached *c)
{
        return fresh_within(s, c, WEB_SITE_CACHE_MAX_AGE_SEC);
}

static const struct statistics_settings *settings(const struct web_site *s)
{
        return s->statistics ? s->statistics : &s->defaults;
}

/* ---- responses ---- */

static int respond_static(struct web_response *out, const char *type, const char *data, size_t len)
{
        *out = (struct web_response) { .status = 200, .content_type = type, .static_body = data, .length = len };
        return 0;
}

static int respond_message(struct web_response *out, unsigned status, const char *title, const char *message)
{
        size_t len = 0;
        char *body = html_message_page(title, message, &len);

        if (!body)
                return -ENOMEM;
        *out = (struct web_response) { .status = status, .content_type = TYPE_HTML, .body = body, .length = len };
        return 0;
}

static int respond_not_found(struct web_response *out, const char *message)
{
        return respond_message(out, 404, "Not found", message);
}

/* What a failed read of state.db answers: 503 while there is no state to
 * show, 500 when there is one that cannot be read. */
static int respond_store_error(struct web_response *out, int r)
{
        char message[300];

        switch (r) {
        case -ENOMEM:
                return -ENOMEM;
        case -ENOENT:
                return respond_message(out, 503, "No state yet", "no state yet: the daemon has not finished a cycle");
        case -EPROTO:
                return respond_message(out, 503, "State from a newer version",
                                       "state.db was written by a newer mida-monitor: its schema is newer than "
                                       "this program's");
        case -EBADMSG:
                return respond_message(out, 500, "Unreadable state", "state.db is not a readable database");
        default:
                snprintf(message, sizeof(message), "cannot read state.db: %s", strerror(-r));
                return respond_message(out, 500, "Unreadable state", message);
        }
}

/* ---- state.db ---- */

static int open_store(struct web_site *s, struct store **ret)
{
        int r = 0;

        if (!s->store)
                r = store_open(s->state_directory, STORE_READ_ONLY, &s->store);
        *ret = s->store;
        return r;
}

/* After a failed read the connection is opened afresh next time: the
 * database may have been moved aside and recreated. */
static void forget_store(struct web_site *s, int r)
{
        if (r < 0 && r != -ENOMEM) {
                store_close(s->store);
                s->store = NULL;
        }
}

/* A command's JSON document (json_output_text: NULL on ENOMEM) as t's. */
static int json_take(struct text *t, char *text)
{
        return text_take(t, text, text ? strlen(text) : 0);
}

/* The response sends t's shared text (or its gzip), holding references. */
static int respond_shared(struct web_response *out, const char *type, const struct text *t)
{
        t->shared->refs++;
        *out = (struct web_response) { .status = 200, .content_type = type, .static_body = t->shared->data,
                                       .length = t->shared->len, .shared = t->shared };
        if (t->gzip) {
                t->gzip->refs++;
                out->gzip = t->gzip;
                out->gzip_body = t->gzip->data;
                out->gzip_length = t->gzip->len;
        }
        return 0;
}

/* ---- / and /api/v1/status: one status read, two renderings ---- */

static int render_status(const struct watchlist *w, const struct daemon_summary *sum,
                         const struct status_report *rep, struct cached *c)
{
        const struct page_index_input in = { .watchlist = w, .summary = sum, .report = rep, .now = time(NULL) };

        /* Exactly `status --json` (cli/cmd_status.c). */
        if (json_take(&c->json, json_output_text(status_json_document(w, sum, rep), STATUS_JSON_FLAGS)) < 0)
                return -ENOMEM;
        size_t len = 0;
        char *html = page_index(&in, &len);

        return text_take(&c->html, html, len);
}

static int build_status(struct web_site *s)
{
        struct watchlist w = { 0 };
        struct daemon_summary sum = { 0 };
        struct status_report rep = { 0 };
        struct cached c = { .generation = s->generation };
        const char *what = NULL;
        struct store *store;
        int r = open_store(s, &store);

        if (r >= 0) {
                s->builds++;
                r = status_read(store, settings(s), &w, &sum, &rep, &what);
        }
        if (r >= 0)
                r = render_status(&w, &sum, &rep, &c);
        forget_store(s, r);
        status_report_clear(&rep);
        watchlist_clear(&w);
        if (r < 0) {
                cached_clear(&c);
                return r;
        }
        cached_clear(&s->status);
        c.valid = true;
        c.built_usec = now_usec();
        s->status = c;
        return 0;
}

static int get_status(struct web_site *s, bool json, struct web_response *out)
{
        const struct text *t;
        int r;

        s->status_wanted_usec = now_usec();
        r = fresh(s, &s->status) ? 0 : build_status(s);

        if (r < 0)
                return respond_store_error(out, r);
        t = json ? &s->status.json : &s->status.html;
        return respond_shared(out, json ? TYPE_JSON : TYPE_HTML, t);
}

static int get_index(struct web_site *s, const char *rest, struct web_response *out)
{
        return get_status(s, false, out);
}

static int get_status_json(struct web_site *s, const char *rest, struct web_response *out)
{
        return get_status(s, true, out);
}

/* ---- /experiment/ID and /api/v1/experiment/ID ---- */

/* A positive decimal id and nothing else; 0 otherwise. */
static long long parse_id(const char *text)
{
        long long id = 0;

        if (!*text || *text == '0')
                return 0;
        for (const char *p = text; *p; p++) {
                if (*p < '0' || *p > '9' || id > (INT64_MAX - (*p - '0')) / 10)
                        return 0;
                id = id * 10 + (*p - '0');
        }
        return id;
}

static int render_experiment(const struct experiment_data *d, struct cached *c)
{
        const struct page_experiment_input in = { .series = &d->series, .analysis = d->analysis,
                                                  .analyses = d->analyses, .events = d->events,
                                                  .n_events = d->n_events };
        const struct history_view view = { .series = &d->series, .analyses = d->analyses };

        /* Exactly `history ID --json` (cli/cmd_history.c, report/json_output.c). */
        if (json_take(&c->json, json_output_text(history_to_json(&view), JSON_OUTPUT_FLAGS)) < 0)
                return -ENOMEM;
        size_t len = 0;
        char *html = page_experiment(&in, &len);

        return text_take(&c->html, html, len);
}

/* Returns 1 with the entry of id built, 0 when id has no recorded poll, or
 * -errno. */
static int build_experiment(struct web_site *s, long long id, struct cached **ret)
{
        struct experiment_data d = { 0 };
        struct cached c = { .generation = s->generation, .id = id }, *slot;
        struct store *store;
        int r = open_store(s, &store);

        if (r >= 0) {
                s->builds++;
                r = experiment_data_read(store, settings(s), id, &d);
        }
        if (r > 0 && render_experiment(&d, &c) < 0)
                r = -ENOMEM;
        forget_store(s, r);
        experiment_data_clear(&d);
        if (r <= 0) {
                cached_clear(&c);
                return r;
        }
        slot = &s->experiments[s->next_experiment];
        s->next_experiment = (s->next_experiment + 1) % EXPERIMENT_CACHE_SIZE;
        cached_clear(slot);
        c.valid = true;
        c.built_usec = now_usec();
        *slot = c;
        *ret = slot;
        return 1;
}

static int find_experiment(struct web_site *s, long long id, struct cached **ret)
{
        for (size_t i = 0; i < EXPERIMENT_CACHE_SIZE; i++) {
                struct cached *c = &s->experiments[i];
                if (c->valid && c->id == id && fresh(s, c)) {
                        *ret = c;
                        return 1;
                }
                if (c->valid && c->id == id)
                        cached_clear(c);   /* stale: rebuilt into the next slot */
        }
        return build_experiment(s, id, ret);
}

static int get_experiment(struct web_site *s, const char *rest, bool json, struct web_response *out)
{
        long long id = parse_id(rest);
        struct cached *c = NULL;
        char message[120];
        int r;

        if (id <= 0)
                return respond_not_found(out, "not an experiment id: experiments are numbered");
        r = find_experiment(s, id, &c);
        if (r < 0)
                return respond_store_error(out, r);
        if (r == 0) {
                snprintf(message, sizeof(message), "experiment %lld has no recorded poll", id);
                return respond_not_found(out, message);
        }
        return json ? respond_shared(out, TYPE_JSON, &c->json) : respond_shared(out, TYPE_HTML, &c->html);
}

static int get_experiment_page(struct web_site *s, const char *rest, struct web_response *out)
{
        return get_experiment(s, rest, false, out);
}

static int get_experiment_json(struct web_site *s, const char *rest, struct web_response *out)
{
        return get_experiment(s, rest, true, out);
}

/* ---- /metrics and /static/ ---- */

/* The exposition changes when a cycle ends (and with the outbox between
 * them): built once per cycle, and at most METRICS_MAX_AGE_SEC old, as
 * each build formats every experiment's samples. */
static int build_metrics(struct web_site *s)
{
        size_t len = 0;
        char *text = s->metrics_text ? s->metrics_text(s->userdata, &len) : NULL;

        if (!text)
                return -ENODATA;
        cached_clear(&s->metrics);
        if (text_take(&s->metrics.html, text, len) < 0)
                return -ENOMEM;
        s->metrics = (struct cached) { .valid = true, .generation = s->generation, .built_usec = now_usec(),
                                       .html = s->metrics.html };
        return 0;
}

static int get_metrics(struct web_site *s, const char *rest, struct web_response *out)
{
        int r = 0;

        s->metrics_wanted_usec = now_usec();
        if (!fresh_within(s, &s->metrics, METRICS_MAX_AGE_SEC))
                r = build_metrics(s);
        if (r == -ENODATA)
                return respond_message(out, 503, "No metrics", "the metrics are not available now");
        return r < 0 ? r : respond_shared(out, TYPE_METRICS, &s->metrics.html);
}

static int get_style(struct web_site *s, const char *rest, struct web_response *out)
{
        return respond_static(out, "text/css; charset=utf-8", web_asset_style_css, web_asset_style_css_size);
}

static int get_app(struct web_site *s, const char *rest, struct web_response *out)
{
        return respond_static(out, "text/javascript; charset=utf-8", web_asset_app_js, web_asset_app_js_size);
}

/* Read once and kept; while missing it is looked for again at each
 * request (a package installed meanwhile). */
static int get_chartjs(struct web_site *s, const char *rest, struct web_response *out)
{
        char message[600];
        int r = 0;

        if (!s->chartjs.data)
                r = web_chartjs_read(s->chartjs_dir, &s->chartjs.data, &s->chartjs.len);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                snprintf(message, sizeof(message),
                         "Chart.js is not installed: no chart.min.js in %s (%s); install libjs-chart.js or "
                         "configure --with-chartjs=PATH. The tables work without it.",
                         s->chartjs_dir ? s->chartjs_dir : "(no directory set)", strerror(-r));
                return respond_not_found(out, message);
        }
        return respond_static(out, "text/javascript; charset=utf-8", s->chartjs.data, s->chartjs.len);
}

/* ---- the routes ---- */

static const struct route {
        const char *path;
        bool prefix;                    /* the rest of the path is the handler's argument */
        int (*get)(struct web_site *s, const char *rest, struct web_response *out);
} routes[] = {
        { "/", false, get_index },
        { "/experiment/", true, get_experiment_page },
        { "/api/v1/status", false, get_status_json },
        { "/api/v1/experiment/", true, get_experiment_json },
        { "/metrics", false, get_metrics },
        { "/static/style.css", false, get_style },
        { "/static/app.js", false, get_app },
        { "/static/chart.js", false, get_chartjs },
};

int web_site_get(struct web_site *s, const char *path, struct web_response *out)
{
        *out = (struct web_response) { 0 };
        for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
                const struct route *rt = &routes[i];
                size_t n = strlen(rt->path);
                if (rt->prefix ? strncmp(path, rt->path, n) == 0 : strcmp(path, rt->path) == 0)
                        return rt->get(s, path + n, out);
        }
        return respond_not_found(out, "no such page");
}

void web_response_clear(struct web_response *r)
{
        free(r->body);
        web_shared_unref(r->shared);
        web_shared_unref(r->gzip);
        *r = (struct web_response) { 0 };
}

/* ---- the site ---- */

int web_site_new(const struct web_site_options *o, struct web_site **ret)
{
        struct web_site *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        s->state_directory = strdup(o->state_directory ? o->state_directory : ".");
        s->chartjs_dir = o->chartjs_dir ? strdup(o->chartjs_dir) : NULL;
        if (!s->state_directory || (o->chartjs_dir && !s->chartjs_dir)) {
                web_site_free(s);
                return -ENOMEM;
        }
        s->statistics = o->statistics;
        s->defaults = statistics_settings_default();
        s->metrics_text = o->metrics_text;
        s->userdata = o->userdata;
        *ret = s;
        return 0;
}

void web_site_free(struct web_site *s)
{
        if (!s)
                return;
        cached_clear(&s->status);
        cached_clear(&s->metrics);
        for (size_t i = 0; i < EXPERIMENT_CACHE_SIZE; i++)
                cached_clear(&s->experiments[i]);
        text_clear(&s->chartjs);
        store_close(s->store);
        free(s->state_directory);
        free(s->chartjs_dir);
        free(s);
}

void web_site_set_statistics(struct web_site *s, const struct statistics_settings *statistics)
{
        s->statistics = statistics;
        web_site_invalidate(s);
}

void web_site_invalidate(struct web_site *s)
{
        s->generation++;
}

static bool in_use(uint64_t wanted_usec)
{
        return wanted_usec && now_usec() - wanted_usec < (uint64_t) IN_USE_SEC * 1000000u;
}

void web_site_cycle_finished(struct web_site *s)
{
        web_site_invalidate(s);
        /* While someone looks (a person, a scraper), the next page is built
         * now, between cycles, rather than by the first request, which may
         * come while the next cycle's polls are being handled. */
        if (in_use(s->status_wanted_usec))
                (void) build_status(s);
        if (in_use(s->metrics_wanted_usec))
                (void) build_metrics(s);
}

unsigned web_site_builds(const struct web_site *s)
{
        return s->builds;
}

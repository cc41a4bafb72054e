/* The site the optional web listener serves (issue 21), apart from HTTP:
 * each route a function from a path to a response, reading state.db
 * read-only (report/), the daemon's metrics text, and static files (the
 * page's CSS and JavaScript, built in; Chart.js from its directory). The
 * listener (web_server.c) speaks HTTP: methods, auth, headers, limits.
 *
 * Routes (GET and HEAD):
 *   /                        the monitor's health and every watched experiment (HTML)
 *   /experiment/ID           a chart per variant of lift over time, its table of polls (HTML)
 *   /api/v1/status           the `status --json` document
 *   /api/v1/experiment/ID    the `history ID --json` document
 *   /metrics                 the Prometheus exposition (text/plain; version=0.0.4)
 *   /static/style.css, /static/app.js, /static/chart.js
 *
 * What is read from state.db for / and /api/v1/status is built once and
 * served from a cache until the daemon says it changed (a cycle ended:
 * web_site_invalidate) or it is older than WEB_SITE_CACHE_MAX_AGE_SEC, so
 * that many page loads never cost the daemon's loop more than one build. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "config/statistics_settings.h"

#define WEB_SITE_CACHE_MAX_AGE_SEC 60

struct web_response {
        unsigned status;              /* 200, 404, 500, 503 (no state.db yet) */
        const char *content_type;     /* "text/html; charset=utf-8", "application/json", ... */
        char *body;                   /* malloc'd; or NULL, with static_body */
        const char *static_body;      /* kept by the site (static file) as long as it lives,
                                       * or the text of shared */
        size_t length;                /* of body or static_body */
        /* A cached page is shared by every response that sends it, not
         * copied (at 1,000 experiments the page is ~0.8 MB): a reference
         * the response owns until it is sent (web_shared_unref). */
        struct web_shared *shared;
        /* The same body gzip-compressed, for a client that takes it
         * (NULL: none); a reference as shared is. */
        struct web_shared *gzip;
        const char *gzip_body;
        size_t gzip_length;
};

/* Drops one reference to a shared page; frees it with the last. Its type
 * is libmicrohttpd's free callback's. */
void web_shared_unref(void *shared);

struct web_site_options {
        const char *state_directory;
        const struct statistics_settings *statistics;   /* must outlive the site, or be replaced */
        const char *chartjs_dir;      /* where chart.min.js is (configure --with-chartjs) */
        /* The daemon's metrics exposition now (malloc'd, *len set), or NULL. */
        char *(*metrics_text)(void *userdata, size_t *len);
        void *userdata;
};

struct web_site;

/* Returns 0, or -errno (-ENOMEM). Nothing is read until a request. */
int web_site_new(const struct web_site_options *o, struct web_site **ret);
void web_site_free(struct web_site *s);
/* A reload: the statistics settings the pages are computed with. */
void web_site_set_statistics(struct web_site *s, const struct statistics_settings *statistics);
/* What the pages show changed: the next request rebuilds. */
void web_site_invalidate(struct web_site *s);
/* A cycle ended: invalidated, and the status page and the metrics, each
 * while it is in use (requested in the last 10 minutes), are rebuilt now,
 * between cycles. */
void web_site_cycle_finished(struct web_site *s);
/* The response for GET of path (no query string; the server strips it).
 * Unknown paths are a 404 with a short HTML body. Returns 0 with *out
 * filled (free with web_response_clear), or -ENOMEM. */
int web_site_get(struct web_site *s, const char *path, struct web_response *out);
void web_response_clear(struct web_response *r);
/* How many times pages were built from state.db (the status, an
 * experiment): what the cache saves, for tests and benchmarks. */
unsigned web_site_builds(const struct web_site *s);

/* `status`: what the daemon last saw, read from state.db in its state
 * directory. The database is opened read-only and nothing is changed, so
 * it is safe to run while the daemon runs (WAL). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats/analysis.h"
#include "commands.h"
#include "config/config.h"
#include "store/db.h"
#include "store/experiments.h"
#include "report/json_output.h"
#include "report/status_json.h"
#include "report/status_read.h"
#include "report/status_report.h"

static long long analysis_visitors(const struct watched_experiment *e)
{
        json_object *a, *v;
        long long visitors = -1;

        if (e->current)
                return e->current->visitors;
        a = e->restored_analysis ? json_tokener_parse(e->restored_analysis) : NULL;
        if (json_object_object_get_ex(a, "visitors", &v))
                visitors = json_object_get_int64(v);
        json_object_put(a);
        return visitors;
}

static void print_experiment(const struct watched_experiment *e)
{
        char polled[32];
        long long visitors = analysis_visitors(e);

        status_format_time(e->polled_at, polled, sizeof(polled));
        printf("  %-10lld %-32.32s %-8s polled %s", e->id, e->name ? e->name : "-",
               e->active ? "watched" : "dropped", polled);
        if (visitors >= 0)
                printf("  %lld visitors", visitors);
        if (e->last_error)
                printf("  ERROR: %s (%u failed polls)", e->last_error, e->failures);
        printf("\n");
}

static void print_text(const struct config *c, const struct watchlist *w, const struct daemon_summary *s,
                       const struct status_report *rep)
{
        const struct health_settings hs = { .after_usec = c->health.after_usec };
        const char *dir = c->monitor.state_directory;
        char when[32], started[32];

        status_format_time(s->last_cycle_at, when, sizeof(when));
        status_format_time(s->started_at, started, sizeof(started));
        /* Health first: whether what follows can be trusted. */
        status_report_print_health(stdout, rep, &hs);
        printf("State directory: %s\n", dir);
        printf("Daemon started:  %s\n", started);
        printf("Last cycle:      %s (%.1f s): %u polled, %u failed\n", when, s->last_cycle_seconds,
               s->last_cycle_polled, s->last_cycle_failed);
        printf("Mida API:        %s\n", s->api_error[0] ? s->api_error : "OK");
        printf("Experiments:     %zu watched\n", watchlist_count_active(w));
        for (size_t i = 0; i < w->n; i++)
                print_experiment(w->items[i]);
        status_report_print_rest(stdout, rep);
}

static int print_json(const struct watchlist *w, const struct daemon_summary *s, const struct status_report *rep)
{
        char *text = json_output_text(status_json_document(w, s, rep), STATUS_JSON_FLAGS);

        if (!text)
                return -ENOMEM;
        fputs(text, stdout);
        free(text);
        return 0;
}

static const char *open_error(int r)
{
        switch (r) {
        case -ENOENT: return "no state yet (has the daemon run?)";
        case -EPROTO: return "written by a newer mida-monitor (its schema is newer than this program's); "
                             "read it with that version";
        case -EBADMSG: return "not a readable database (corrupt?)";
        default: return strerror(-r);
        }
}

static const char *read_error(int r)
{
        return r == -EBADMSG ? "it holds a row this mida-monitor cannot read (corrupt?)" : strerror(-r);
}

/* Everything status shows, from the store: 0, or -errno with the message
 * printed. */
static int read_all(struct store *store, const struct config *c, struct watchlist *w, struct daemon_summary *s,
                    struct status_report *report)
{
        const char *what = NULL;
        int r = status_read(store, &c->statistics, w, s, report, &what);

        if (r < 0)
                fprintf(stderr, "mida-monitor: %s/%s: cannot read %s: %s\n", c->monitor.state_directory, STORE_FILE,
                        what, read_error(r));
        return r;
}

int cmd_status(const struct cli *cli)
{
        struct config *config = NULL;
        struct watchlist w = { 0 };
        struct daemon_summary s = { 0 };
        struct status_report report = { 0 };
        struct store *store = NULL;
        const char *dir;
        int r;

        if (cli_config_load(cli, &config) < 0)
                return EXIT_FAIL;
        dir = config->monitor.state_directory;
        r = store_open(dir, STORE_READ_ONLY, &store);
        if (r < 0)
                fprintf(stderr, "mida-monitor: %s/%s: %s\n", dir, STORE_FILE, open_error(r));
        if (r >= 0)
                r = read_all(store, config, &w, &s, &report);
        store_close(store);
        if (r >= 0 && cli->json && (r = print_json(&w, &s, &report)) < 0)
                fprintf(stderr, "mida-monitor: out of memory\n");
        else if (r >= 0 && !cli->json)
                print_text(config, &w, &s, &report);
        status_report_clear(&report);
        watchlist_clear(&w);
        config_free(config);
        return r < 0 ? EXIT_FAIL : EXIT_OK;
}

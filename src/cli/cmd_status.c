/* `status`: what the daemon last saw, read from its state directory. It
 * changes nothing, so it is safe to run while the daemon runs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "stats/analysis.h"
#include "commands.h"
#include "config/config.h"
#include "store/state.h"
#include "status_report.h"

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

static void print_json(const struct watchlist *w, const struct daemon_summary *s, const struct status_report *rep)
{
        json_object *root = state_to_json(w, s);
        json_object *list;

        /* The sequential bookkeeping is internal; the analysis is what users read. */
        if (json_object_object_get_ex(root, "experiments", &list))
                for (size_t i = 0; i < json_object_array_length(list); i++)
                        json_object_object_del(json_object_array_get_idx(list, i), "sequential");
        status_report_add_json(root, rep);
        printf("%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
        json_object_put(root);
}

int cmd_status(const struct cli *cli)
{
        struct config *config = NULL;
        struct watchlist w = { 0 };
        struct daemon_summary s = { 0 };
        struct status_report report;
        int r;

        if (cli_config_load(cli, &config) < 0)
                return EXIT_FAIL;
        r = state_read(config->monitor.state_directory, &w, &s);
        if (r < 0) {
                fprintf(stderr, "mida-monitor: %s/%s: %s\n", config->monitor.state_directory, STATE_FILE,
                        r == -ENOENT ? "no state yet (has the daemon run?)" :
                        r == -EINVAL ? "state file is corrupt" : strerror(-r));
                config_free(config);
                return EXIT_FAIL;
        }
        status_report_read(config->monitor.state_directory, &report);
        if (cli->json)
                print_json(&w, &s, &report);
        else
                print_text(config, &w, &s, &report);
        status_report_clear(&report);
        watchlist_clear(&w);
        config_free(config);
        return EXIT_OK;
}

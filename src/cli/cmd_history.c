/* `mida-monitor history ID [--variant V] [--since DURATION] [--json]`: the
 * recorded polls of one experiment, read from state.db (read-only, so it
 * works while the daemon runs), each analysed as the daemon analysed it:
 * the config's statistics settings, and the sequential running minimum and
 * intersection over the whole recorded series, whatever --since shows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "config/config.h"
#include "config/duration.h"
#include "report/history_output.h"
#include "report/history_read.h"
#include "report/history_series.h"
#include "report/json_output.h"
#include "store/db.h"
#include "store/experiments.h"
#include "store/watchlist.h"

#define HISTORY_USAGE "Usage: mida-monitor [-c FILE] history ID [--variant V] [--since DURATION] [--json]\n"

struct history_args {
        long long id;
        int64_t since;               /* 0: from the first poll */
};

static int usage(const char *fmt, const char *arg)
{
        fprintf(stderr, "mida-monitor: history: ");
        fprintf(stderr, fmt, arg);
        fprintf(stderr, "\n" HISTORY_USAGE);
        return EXIT_USAGE;
}

/* Returns -1 to go on, else the exit code of a usage error. */
static int parse_args(const struct cli *cli, struct history_args *out)
{
        uint64_t usec;
        char *end;

        if (cli->n_args != 1)
                return usage("%s", "needs one experiment ID");
        errno = 0;
        out->id = strtoll(cli->args[0], &end, 10);
        if (errno || end == cli->args[0] || *end || out->id <= 0)
                return usage("'%s' is not an experiment ID (a positive integer)", cli->args[0]);
        out->since = 0;
        if (cli->since) {
                if (duration_parse(cli->since, &usec) < 0)
                        return usage("--since '%s' is not a duration (such as 90m, 12h, 7d)", cli->since);
                int64_t back = (int64_t) (usec / DURATION_USEC_PER_SEC), now = (int64_t) time(NULL);
                out->since = back < now ? now - back : 1;
        }
        return -1;
}

static const char *open_error(int r)
{
        switch (r) {
        case -ENOENT: return "no history yet (the daemon has not recorded a poll)";
        case -EPROTO: return "written by a newer mida-monitor (its schema is newer than this program's); "
                             "read it with that version";
        case -EBADMSG: return "not a readable database";
        default: return strerror(-r);
        }
}

static void print_variants(const struct history_series *s)
{
        for (size_t i = 0; i < s->n_variants; i++)
                fprintf(stderr, "%s%s", i ? ", " : "", s->variants[i].variant_id);
        fprintf(stderr, ")\n");
}

static int show(const struct cli *cli, const struct history_view *view)
{
        if (!cli->json) {
                history_print_table(stdout, view);
                return 0;
        }
        return json_output_print(stdout, history_to_json(view));
}

static int run(const struct cli *cli, const struct history_args *args, const struct config *c)
{
        const char *dir = c->monitor.state_directory;
        struct history_series series = { 0 };
        struct experiment_analysis *analyses = NULL;
        struct history_view view = { .series = &series, .since = args->since, .variant = cli->variant };
        struct store *store = NULL;
        int r = store_open(dir, STORE_READ_ONLY, &store);

        if (r < 0) {
                fprintf(stderr, "mida-monitor: %s/%s: %s\n", dir, STORE_FILE, open_error(r));
                return EXIT_FAIL;
        }
        r = history_read(store, &c->statistics, args->id, &series);
        if (r < 0)
                fprintf(stderr, "mida-monitor: %s/%s: cannot read the history of experiment %lld: %s\n", dir,
                        STORE_FILE, args->id, r == -ENOMEM ? "out of memory" : store_error(store));
        store_close(store);
        if (r == 0)
                fprintf(stderr, "mida-monitor: experiment %lld: no recorded polls\n", args->id);
        if (r > 0 && cli->variant && history_series_find(&series, cli->variant) < 0) {
                fprintf(stderr, "mida-monitor: experiment %lld: no variant '%s' in its history (variants: ",
                        args->id, cli->variant);
                print_variants(&series);
                r = 0;
        }
        if (r > 0 && (r = history_series_analyse(&series, &c->statistics, &analyses)) < 0)
                fprintf(stderr, "mida-monitor: out of memory\n");
        if (analyses) {
                view.analyses = analyses;
                while (view.first < series.n_polls && series.polled_at[view.first] < args->since)
                        view.first++;
                if ((r = show(cli, &view)) < 0)
                        fprintf(stderr, "mida-monitor: out of memory\n");
                else
                        r = 1;
        }
        history_analyses_free(analyses, series.n_polls);
        history_series_free(&series);
        return r > 0 ? EXIT_OK : EXIT_FAIL;
}

int cmd_history(const struct cli *cli)
{
        struct config *config = NULL;
        struct history_args args;
        int r = parse_args(cli, &args);

        if (r >= 0)
                return r;
        if (cli_config_load(cli, &config) < 0)
                return EXIT_FAIL;
        r = run(cli, &args, config);
        config_free(config);
        return r;
}

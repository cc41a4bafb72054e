/* bench/store: the size of state.db's history and the cost of recording
 * it. N experiments × 3 variants are polled 96 times a day (every 15
 * minutes) for D days, every poll changing every variant's counts (the
 * worst case: a row is written only when counts change), each poll's
 * experiments written in one transaction as the recorder does. Prints one
 * JSON line: bytes per experiment per day, microseconds per recorded
 * experiment. Usage: bench/store [EXPERIMENTS [DAYS]] (default 1000 7). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "mida/mida.h"
#include "stats/analysis.h"
#include "store/db.h"
#include "store/experiments.h"
#include "store/watchlist.h"

#define VARIANTS 3
#define POLLS_PER_DAY 96

static double now_sec(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

/* One poll of e: counts grown by a few hundred visitors since the last. */
static int poll(struct watched_experiment *e, long long step, const struct statistics_settings *s)
{
        static char *ids[VARIANTS] = { "0", "1", "2" };
        struct mida_variant v[VARIANTS];
        struct mida_result r = { .test_id = e->id, .status_code = 1, .n_variants = VARIANTS, .variants = v,
                                 .start_date = (char *) "2026-11-01T00:00:00.000Z" };
        struct experiment_analysis *a = calloc(1, sizeof(*a));

        for (int i = 0; i < VARIANTS; i++) {
                long long visitors = 300 * step + 7 * i + e->id % 13;
                v[i] = (struct mida_variant) { .variant_id = ids[i], .name = ids[i], .visitors = visitors,
                                               .conversions = visitors / (9 + i), .has_visitors = true,
                                               .has_conversions = true, .is_control = i == 0 };
        }
        if (!a || analysis_run(&r, s, e->sequential, a) < 0)
                return -1;
        watchlist_set_current(e, a);
        e->polled_at = 1790000000 + step * 900;
        return 0;
}

int main(int argc, char **argv)
{
        long n = argc > 1 ? atol(argv[1]) : 1000, days = argc > 2 ? atol(argv[2]) : 7;
        char dir[] = "/tmp/mida-bench-store-XXXXXX", path[64], cmd[96];
        struct statistics_settings s = statistics_settings_default();
        struct watchlist w = { 0 };
        struct store *st;
        struct stat sb;
        double t0, recording = 0;

        if (n < 1 || days < 1 || !mkdtemp(dir) || store_open(dir, 0, &st) < 0)
                return 1;
        for (long i = 0; i < n; i++) {
                struct watched_experiment *e = watchlist_get(&w, 1000 + i);
                if (!e || !(e->sequential = calloc(1, sizeof(*e->sequential))))
                        return 1;
                e->active = true;
        }
        for (long step = 1; step <= days * POLLS_PER_DAY; step++) {
                for (size_t i = 0; i < w.n; i++)
                        if (poll(w.items[i], step, &s) < 0)
                                return 1;
                t0 = now_sec();
                if (store_begin(st) < 0)
                        return 1;
                for (size_t i = 0; i < w.n; i++)
                        if (store_experiment_save(st, w.items[i], 1790000000 + step * 900) < 0 ||
                            store_poll_record(st, w.items[i]) < 0)
                                return 1;
                if (store_commit(st) < 0)
                        return 1;
                recording += now_sec() - t0;
        }
        store_close(st);   /* checkpoints the WAL into the file */
        snprintf(path, sizeof(path), "%s/%s", dir, STORE_FILE);
        if (stat(path, &sb) < 0)
                return 1;
        printf("{\"bench\":\"store\",\"experiments\":%ld,\"variants\":%d,\"days\":%ld,\"polls_per_day\":%d,"
               "\"db_bytes\":%lld,\"bytes_per_experiment_per_day\":%.0f,\"usec_per_recorded_experiment\":%.1f}\n",
               n, VARIANTS, days, POLLS_PER_DAY, (long long) sb.st_size,
               (double) sb.st_size / (double) n / (double) days,
               recording * 1e6 / ((double) n * (double) days * POLLS_PER_DAY));
        watchlist_clear(&w);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : 1;
}

/* `mida-monitor analyze [FILE|-] [--json] [-c CONFIG]`: analyses a saved Get
 * Experiment Result response, or a JSON array of successive snapshots of one
 * experiment (oldest first, so the sequential running bounds apply), with
 * the config's statistics settings when -c is given, else the defaults. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis_table.h"
#include "report/json_output.h"
#include "stats/analysis.h"
#include "util/atomic_file.h"
#include "commands.h"
#include "config/config.h"
#include "mida/mida.h"

#define MAX_INPUT (64u << 20)   /* a year of hourly snapshots is a few MiB */

static int read_stdin(char **ret, size_t *ret_len)
{
        size_t len = 0, size = 0;
        char *buf = NULL;

        for (;;) {
                if (size - len < 65536) {
                        size = size ? size * 2 : 65536;
                        char *bigger = size <= MAX_INPUT + 65536 ? realloc(buf, size + 1) : NULL;
                        if (!bigger) {
                                free(buf);
                                return size > MAX_INPUT ? -EFBIG : -ENOMEM;
                        }
                        buf = bigger;
                }
                ssize_t n = read(STDIN_FILENO, buf + len, size - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int r = -errno;
                        free(buf);
                        return r;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        buf[len] = '\0';
        *ret = buf;
        *ret_len = len;
        return 0;
}

static int read_input(const char *path, char **text, size_t *len)
{
        int r = strcmp(path, "-") == 0 ? read_stdin(text, len) : read_file_limited(path, MAX_INPUT, text, len);

        if (r == -EFBIG)
                fprintf(stderr, "mida-monitor: %s: larger than %u MiB\n", path, MAX_INPUT >> 20);
        else if (r < 0)
                fprintf(stderr, "mida-monitor: %s: %s\n", path, strerror(-r));
        return r;
}

/* The statistics settings: the config's with -c, else the defaults. */
static int load_settings(const struct cli *cli, struct statistics_settings *out)
{
        struct config_diag diag = { 0 };
        struct config *c = NULL;

        *out = statistics_settings_default();
        if (!cli->config_given)
                return 0;
        int r = config_load_with_flags(cli->config_path, CONFIG_LOAD_CHECK_ONLY, &c, &diag);
        config_diag_print(&diag, stderr);
        config_diag_clear(&diag);
        if (r < 0)
                return r;
        *out = c->statistics;
        config_free(c);
        return 0;
}

/* Snapshots must be of one experiment for the running bounds to mean anything. */
static int check_one_experiment(const struct mida_result *results, size_t n, const char *path)
{
        for (size_t i = 1; i < n; i++)
                if (results[i].test_id != results[0].test_id) {
                        fprintf(stderr, "mida-monitor: %s: [%zu] is experiment %lld, [0] is %lld: "
                                "snapshots must be of one experiment\n", path, i, results[i].test_id,
                                results[0].test_id);
                        return -EINVAL;
                }
        return 0;
}

/* Runs every snapshot through one sequential state; *out is the last. */
static int analyse_snapshots(const struct mida_result *results, size_t n, const struct statistics_settings *s,
                             struct experiment_analysis *out)
{
        struct sequential_state state = { 0 };
        int r = 0;

        for (size_t i = 0; i < n && r == 0; i++) {
                if (i > 0)
                        experiment_analysis_free(out);
                r = analysis_run(&results[i], s, &state, out);
        }
        sequential_state_free(&state);
        return r;
}

static int print_analysis(const struct experiment_analysis *a, bool json)
{
        if (!json) {
                analysis_print_table(stdout, a);
                return 0;
        }
        return json_output_print(stdout, analysis_to_json(a));
}

int cmd_analyze(const struct cli *cli)
{
        const char *path = cli->n_args > 0 ? cli->args[0] : "-";
        struct statistics_settings settings;
        struct experiment_analysis analysis = { 0 };
        struct mida_result *results = NULL;
        size_t n = 0, len = 0;
        char *text = NULL, *error = NULL;
        int r;

        if (load_settings(cli, &settings) < 0 || read_input(path, &text, &len) < 0)
                return EXIT_FAIL;
        r = mida_results_parse(text, len, &results, &n, &error);
        free(text);
        if (r < 0) {
                fprintf(stderr, "mida-monitor: %s: %s\n", strcmp(path, "-") == 0 ? "stdin" : path,
                        error ? error : strerror(-r));
                free(error);
                return EXIT_FAIL;
        }
        r = check_one_experiment(results, n, path);
        if (r == 0)
                r = analyse_snapshots(results, n, &settings, &analysis);
        if (r == 0)
                r = print_analysis(&analysis, cli->json);
        if (r == -ENOMEM)
                fprintf(stderr, "mida-monitor: out of memory\n");
        experiment_analysis_free(&analysis);
        mida_results_free(results, n);
        return r < 0 ? EXIT_FAIL : EXIT_OK;
}

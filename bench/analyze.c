/* Benchmark of the statistics engine. Prints one JSON line per figure:
 *   variant analyses per second at 10^6 visitors per arm, without and with
 *   prob_beat_control (targets 1,000,000/s and 50,000/s, one core);
 *   parsing + analysing a 1000-snapshot file in process, and the
 *   `mida-monitor analyze --json` command on it end to end.
 * Counts vary per iteration so nothing is hoisted out of the loop. */
#include <json-c/json.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "stats/analysis.h"
#include "mida/mida.h"

#define SNAPSHOTS 1000

extern char **environ;
static volatile double sink;

static double now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Runs analysis_compare for at least a second; returns analyses/s. */
static double compare_rate(bool with_prob_beat, double *checksum)
{
        struct statistics_settings s = statistics_settings_default();
        long iterations = 0;
        double start = now(), elapsed;

        do {
                for (int i = 0; i < 1000; i++, iterations++) {
                        struct arm_counts control = { 1000000, 100000 + (iterations & 255) };
                        struct arm_counts treatment = { 1000000, 101000 + (iterations & 1023) };
                        struct variant_analysis v = { 0 };
                        analysis_compare(&control, &treatment, &s, with_prob_beat, &v);
                        *checksum += v.p_value.value + (with_prob_beat ? v.prob_beat_control.value : 0);
                }
                elapsed = now() - start;
        } while (elapsed < 1.0);
        return (double) iterations / elapsed;
}

/* 1000 snapshots of a three-variant experiment growing by 1000 visitors per
 * arm each, as a JSON array (the input `analyze` takes). */
static char *snapshot_file(size_t *len)
{
        json_object *all = json_object_new_array();

        for (int k = 1; k <= SNAPSHOTS; k++) {
                json_object *r = json_object_new_object(), *variants = json_object_new_array();
                json_object_object_add(r, "success", json_object_new_boolean(1));
                json_object_object_add(r, "test_id", json_object_new_int(1234));
                json_object_object_add(r, "test_name", json_object_new_string("Bench"));
                json_object_object_add(r, "status_code", json_object_new_int(1));
                json_object_object_add(r, "start_date", json_object_new_string("2024-01-15T10:30:00.000Z"));
                for (int v = 0; v < 3; v++) {
                        json_object *o = json_object_new_object();
                        char id[8];
                        snprintf(id, sizeof(id), "%d", v);
                        json_object_object_add(o, "variant_id", json_object_new_string(id));
                        json_object_object_add(o, "name", json_object_new_string(id));
                        json_object_object_add(o, "visitors", json_object_new_int64(1000LL * k + v));
                        json_object_object_add(o, "conversions", json_object_new_int64(100LL * k + v * k / 10));
                        json_object_object_add(o, "is_control", json_object_new_boolean(v == 0));
                        json_object_array_add(variants, o);
                }
                json_object_object_add(r, "variants", variants);
                json_object_array_add(all, r);
        }
        char *text = strdup(json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN));
        *len = strlen(text);
        json_object_put(all);
        return text;
}

/* Parse + analyse every snapshot through one state + JSON of the last, as
 * `analyze` does, in process. Returns seconds. */
static double analyze_in_process(const char *text, size_t len)
{
        struct statistics_settings s = statistics_settings_default();
        struct sequential_state state = { 0 };
        struct mida_result *results;
        size_t n;
        char *error = NULL;
        double start = now();

        if (mida_results_parse(text, len, &results, &n, &error) < 0) {
                fprintf(stderr, "bench: %s\n", error);
                exit(1);
        }
        for (size_t i = 0; i < n; i++) {
                struct experiment_analysis a;
                if (analysis_run(&results[i], &s, &state, &a) < 0)
                        exit(1);
                if (i == n - 1)
                        json_object_put(analysis_to_json(&a));
                experiment_analysis_free(&a);
        }
        double elapsed = now() - start;
        sequential_state_free(&state);
        mida_results_free(results, n);
        return elapsed;
}

/* `mida-monitor analyze --json FILE >/dev/null`, end to end; -1 if unavailable. */
static double analyze_command(const char *path)
{
        const char *bin = getenv("MIDA_MONITOR") ? getenv("MIDA_MONITOR") : "src/mida-monitor";
        char *argv[] = { (char *) bin, "analyze", "--json", (char *) path, NULL };
        posix_spawn_file_actions_t actions;
        pid_t pid;
        int status;

        if (access(bin, X_OK) < 0)
                return -1;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        double start = now();
        int r = posix_spawn(&pid, bin, &actions, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        if (r != 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -1;
        return now() - start;
}

int main(void)
{
        double checksum = 0;
        double plain = compare_rate(false, &checksum), beat = compare_rate(true, &checksum);

        printf("{\"bench\": \"variant_analyses_per_second\", \"visitors_per_arm\": 1000000, "
               "\"prob_beat_control\": false, \"value\": %.0f, \"target\": 1000000}\n", plain);
        printf("{\"bench\": \"variant_analyses_per_second\", \"visitors_per_arm\": 1000000, "
               "\"prob_beat_control\": true, \"value\": %.0f, \"target\": 50000}\n", beat);

        size_t len;
        char *text = snapshot_file(&len);
        char path[] = "/tmp/mida-bench-snapshots-XXXXXX";
        int fd = mkstemp(path);
        if (fd < 0 || write(fd, text, len) != (ssize_t) len) {
                perror("bench: snapshot file");
                return 1;
        }
        close(fd);
        printf("{\"bench\": \"analyze_in_process\", \"snapshots\": %d, \"variants\": 3, \"bytes\": %zu, "
               "\"seconds\": %.4f}\n", SNAPSHOTS, len, analyze_in_process(text, len));
        double cmd = analyze_command(path);
        if (cmd >= 0)
                printf("{\"bench\": \"analyze_command\", \"snapshots\": %d, \"seconds\": %.4f}\n", SNAPSHOTS, cmd);
        unlink(path);
        free(text);
        sink = checksum;   /* keeps the loops from being optimised away */
        return 0;
}

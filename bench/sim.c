/* bench/sim: requests per second mida-sim sustains on the Get Experiment
 * Result endpoint with 1, 8 and 64 keep-alive connections (libcurl multi).
 * Prints one JSON line per connection count. Usage:
 *   bench/sim [SECONDS_PER_LEVEL]   (mida-sim from $top_builddir or .) */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXPERIMENTS 100
#define SERVER_THREADS "2"

struct level {
        CURLM *multi;
        CURL **easy;
        struct curl_slist *headers;
        unsigned port;
        long requests;
        long errors;
        int n;
};

static double now_seconds(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds (user + system) the simulator process has used so far, from
 * /proc/PID/stat: a figure that holds even when the machine is shared. */
static double process_cpu_seconds(pid_t pid)
{
        char path[64], buf[1024];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        FILE *f = fopen(path, "r");
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (f)
                fclose(f);
        buf[n] = '\0';
        const char *p = strrchr(buf, ')');
        unsigned long utime = 0, stime = 0;
        if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
                return 0.0;
        return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static size_t discard(char *data, size_t size, size_t n, void *cls)
{
        return size * n;
}

static pid_t start_sim(const char *port_file)
{
        const char *dir = getenv("top_builddir");
        char exe[4096];
        snprintf(exe, sizeof(exe), "%s/sim/mida-sim", dir && *dir ? dir : ".");
        unlink(port_file);
        pid_t pid = fork();
        if (pid == 0) {
                execl(exe, exe, "--scenario", "many", "--experiments", "1000", "--speed", "3600",
                      "--threads", SERVER_THREADS, "--port", "0", "--port-file", port_file, "--quiet", (char *)NULL);
                perror(exe);
                _exit(127);
        }
        return pid;
}

static unsigned wait_port(const char *port_file)
{
        for (int i = 0; i < 200; i++) {
                FILE *f = fopen(port_file, "r");
                unsigned port = 0;
                if (f && fscanf(f, "%u", &port) == 1 && port) {
                        fclose(f);
                        return port;
                }
                if (f)
                        fclose(f);
                usleep(50000);
        }
        return 0;
}

static void arm(struct level *l, int i, long round)
{
        char url[256];
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/v2/project/many/experiment/%ld/result",
                 l->port, (i * 7 + round) % EXPERIMENTS + 1);
        curl_easy_setopt(l->easy[i], CURLOPT_URL, url);
        curl_multi_add_handle(l->multi, l->easy[i]);
}

static void level_init(struct level *l, unsigned port, int n)
{
        *l = (struct level){ .multi = curl_multi_init(), .easy = calloc((size_t)n, sizeof(CURL *)), .port = port, .n = n };
        l->headers = curl_slist_append(NULL, "x-api-key: many-key");
        curl_multi_setopt(l->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)n);
        curl_multi_setopt(l->multi, CURLMOPT_MAXCONNECTS, (long)n);
        for (int i = 0; i < n; i++) {
                CURL *e = l->easy[i] = curl_easy_init();
                curl_easy_setopt(e, CURLOPT_HTTPHEADER, l->headers);
                curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
                curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
                arm(l, i, 0);
        }
}

static void level_free(struct level *l)
{
        for (int i = 0; i < l->n; i++) {
                curl_multi_remove_handle(l->multi, l->easy[i]);
                curl_easy_cleanup(l->easy[i]);
        }
        curl_multi_cleanup(l->multi);
        curl_slist_free_all(l->headers);
        free(l->easy);
}

/* Drives the transfers until `until`, re-arming each finished one. */
static void drive(struct level *l, double until)
{
        int running, left;
        while (now_seconds() < until) {
                curl_multi_perform(l->multi, &running);
                CURLMsg *m;
                while ((m = curl_multi_info_read(l->multi, &left))) {
                        if (m->msg != CURLMSG_DONE)
                                continue;
                        long code = 0;
                        curl_easy_getinfo(m->easy_handle, CURLINFO_RESPONSE_CODE, &code);
                        if (m->data.result == CURLE_OK && code == 200)
                                l->requests++;
                        else
                                l->errors++;
                        int i = 0;
                        while (l->easy[i] != m->easy_handle)
                                i++;
                        curl_multi_remove_handle(l->multi, m->easy_handle);
                        arm(l, i, l->requests + l->errors);
                }
                curl_multi_poll(l->multi, NULL, 0, 50, NULL);
        }
}

static void run_level(pid_t server, unsigned port, int n, double seconds)
{
        struct level l;
        level_init(&l, port, n);
        drive(&l, now_seconds() + 0.3);   /* warm-up: connections opened */
        l.requests = l.errors = 0;
        double start = now_seconds(), cpu = process_cpu_seconds(server);
        drive(&l, start + seconds);
        double elapsed = now_seconds() - start;
        cpu = process_cpu_seconds(server) - cpu;
        printf("{\"bench\":\"sim_result\",\"connections\":%d,\"server_threads\":%s,\"seconds\":%.3f,"
               "\"requests\":%ld,\"errors\":%ld,\"requests_per_second\":%.0f,"
               "\"server_cpu_seconds\":%.2f,\"requests_per_server_cpu_second\":%.0f}\n",
               n, SERVER_THREADS, elapsed, l.requests, l.errors, (double)l.requests / elapsed,
               cpu, cpu > 0 ? (double)l.requests / cpu : 0.0);
        fflush(stdout);
        level_free(&l);
}

int main(int argc, char **argv)
{
        double seconds = argc > 1 ? atof(argv[1]) : 3.0;
        char port_file[64];
        snprintf(port_file, sizeof(port_file), "/tmp/mida-sim-bench.%d.port", (int)getpid());
        curl_global_init(CURL_GLOBAL_DEFAULT);
        pid_t pid = start_sim(port_file);
        unsigned port = wait_port(port_file);
        int rc = 0;
        if (!port) {
                fprintf(stderr, "bench/sim: mida-sim did not start\n");
                rc = 1;
        } else {
                const int levels[] = { 1, 8, 64 };
                for (size_t i = 0; i < 3; i++)
                        run_level(pid, port, levels[i], seconds > 0 ? seconds : 3.0);
        }
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        unlink(port_file);
        curl_global_cleanup();
        return rc;
}

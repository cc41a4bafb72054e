/* mida-sim entry point: parses argv, starts the simulator and the server,
 * waits for SIGINT/SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "help.h"
#include "isotime.h"
#include "server.h"
#include "sim.h"

enum { OPT_EXPERIMENTS = 256, OPT_SEED, OPT_SPEED, OPT_NOW, OPT_PORT, OPT_PORT_FILE, OPT_THREADS, OPT_VERSION };

static const struct option long_options[] = {
        { "scenario", required_argument, NULL, 's' },
        { "experiments", required_argument, NULL, OPT_EXPERIMENTS },
        { "seed", required_argument, NULL, OPT_SEED },
        { "speed", required_argument, NULL, OPT_SPEED },
        { "now", required_argument, NULL, OPT_NOW },
        { "port", required_argument, NULL, OPT_PORT },
        { "port-file", required_argument, NULL, OPT_PORT_FILE },
        { "threads", required_argument, NULL, OPT_THREADS },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 },
};

static int usage_error(const char *fmt, const char *arg)
{
        fprintf(stderr, "mida-sim: ");
        fprintf(stderr, fmt, arg);
        fprintf(stderr, "\nTry 'mida-sim --help'.\n");
        return 2;
}

static bool parse_number(const char *s, double min, double max, double *out)
{
        char *end;
        errno = 0;
        *out = strtod(s, &end);
        return *s && !*end && !errno && *out >= min && *out <= max;
}

/* 0: parsed; 1: done (help/version); 2: usage error. */
static int parse_option(int c, const char *arg, struct sim_options *o)
{
        double x;
        switch (c) {
        case 's': o->scenario = arg; return 0;
        case 'q': o->verbose = 0; return 0;
        case 'h': help_print(stdout); return 1;
        case OPT_VERSION: puts("mida-sim " PACKAGE_VERSION); return 1;
        case OPT_PORT_FILE: o->port_file = arg; return 0;
        case OPT_NOW:
                return isotime_parse(arg, &o->now) == 0 ? 0 : usage_error("--now: not an ISO 8601 time: %s", arg);
        case OPT_EXPERIMENTS:
                if (!parse_number(arg, 0, 10000000, &x))
                        return usage_error("--experiments: not a count: %s", arg);
                o->experiments = (long)x;
                return 0;
        case OPT_SEED:
                if (!parse_number(arg, 0, 1.8e19, &x))
                        return usage_error("--seed: not a number: %s", arg);
                o->seed = strtoull(arg, NULL, 10);
                return 0;
        case OPT_SPEED:
                if (!parse_number(arg, 0, 1e9, &x))
                        return usage_error("--speed: not a number >= 0: %s", arg);
                o->speed = x;
                return 0;
        case OPT_PORT:
                if (!parse_number(arg, 0, 65535, &x) || x != floor(x))
                        return usage_error("--port: not a port: %s", arg);
                o->port = (unsigned)x;
                return 0;
        case OPT_THREADS:
                if (!parse_number(arg, 1, 64, &x) || x != floor(x))
                        return usage_error("--threads: 1 to 64: %s", arg);
                o->threads = (unsigned)x;
                return 0;
        default:
                return 2;
        }
}

static int parse_args(int argc, char **argv, struct sim_options *o)
{
        int c, r;
        while ((c = getopt_long(argc, argv, "s:qh", long_options, NULL)) != -1)
                if ((r = parse_option(c, optarg, o)) != 0)
                        return r == 2 && c == '?' ? usage_error("%s", "unknown option") : r;
        if (optind < argc)
                return usage_error("unexpected argument: %s", argv[optind]);
        if (!o->scenario)
                return usage_error("%s", "--scenario is required");
        return 0;
}

static int write_port_file(const char *path, unsigned port)
{
        char tmp[4096];
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        FILE *f = fopen(tmp, "w");
        if (!f)
                return -errno;
        fprintf(f, "%u\n", port);
        if (fclose(f) != 0 || rename(tmp, path) != 0)
                return -errno;
        return 0;
}

static int serve(struct sim *sim)
{
        sigset_t stop;
        sigemptyset(&stop);
        sigaddset(&stop, SIGINT);
        sigaddset(&stop, SIGTERM);
        /* block before the server threads exist so they inherit the mask */
        pthread_sigmask(SIG_BLOCK, &stop, NULL);
        struct server srv;
        if (server_start(&srv, sim, sim->opts.port, sim->opts.threads, sim->opts.verbose) < 0) {
                fprintf(stderr, "mida-sim: cannot listen on 127.0.0.1:%u\n", sim->opts.port);
                return 1;
        }
        if (sim->opts.verbose) {
                printf("mida-sim listening on http://127.0.0.1:%u (project %s)\n", srv.port, sim->project.project_key);
                fflush(stdout);
        }
        if (sim->opts.port_file && write_port_file(sim->opts.port_file, srv.port) < 0) {
                fprintf(stderr, "mida-sim: cannot write %s: %s\n", sim->opts.port_file, strerror(errno));
                server_stop(&srv);
                return 1;
        }
        int sig;
        sigwait(&stop, &sig);
        server_stop(&srv);
        return 0;
}

int main(int argc, char **argv)
{
        struct sim_options opts = { .experiments = -1, .seed = 1, .speed = 1.0, .now = NAN,
                                    .threads = 2, .verbose = 1 };
        int r = parse_args(argc, argv, &opts);
        if (r)
                return r == 1 ? 0 : 2;
        struct sim sim;
        char err[SIM_ERR_MAX] = "";
        if (sim_init(&sim, &opts, err, sizeof(err)) < 0) {
                fprintf(stderr, "mida-sim: %s\n", err);
                sim_done(&sim);
                return 1;
        }
        r = serve(&sim);
        sim_done(&sim);
        return r;
}

/* Simulator set-up and reset: scenario -> project, faults, hooks, clock. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "sim.h"

#define DEFAULT_GENERATED 1000

/* "many" (or a path whose file name is "many" and does not exist) is the
 * generated scenario; "x" falls back to "x.conf". */
static const char *resolve_path(const char *scenario, char *buf, size_t len)
{
        if (access(scenario, R_OK) == 0)
                return scenario;
        snprintf(buf, len, "%s.conf", scenario);
        if (access(buf, R_OK) == 0)
                return buf;
        const char *base = strrchr(scenario, '/');
        base = base ? base + 1 : scenario;
        return !strcmp(base, "many") ? NULL : scenario;
}

static int load_faults(struct sim *sim, const config_setting_t *list, char *err, size_t errlen)
{
        for (int i = 0; list && i < config_setting_length(list); i++) {
                const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
                struct fields f = { .setting = s };
                struct fault fault;
                char why[256];
                if (fault_parse(&f, &fault, why, sizeof(why)) < 0) {
                        scenario_where(s, err, errlen);
                        size_t n = strlen(err);
                        snprintf(err + n, errlen - n, "%s", why);
                        return -EINVAL;
                }
                if (fault_list_add(&sim->faults, &fault) < 0)
                        return -ENOMEM;
        }
        return 0;
}

static double start_time(const struct sim *sim, const config_t *cfg)
{
        if (!isnan(sim->opts.now))
                return sim->opts.now;
        double t = cfg ? scenario_clock_start(cfg) : NAN;
        return isnan(t) ? floor(clock_wall_seconds()) : t;
}

static int load_file(struct sim *sim, const char *path, char *err, size_t errlen)
{
        config_t cfg;
        config_init(&cfg);
        int r = -EINVAL;
        if (!config_read_file(&cfg, path)) {
                snprintf(err, errlen, "%s:%d: %s", config_error_file(&cfg) ? config_error_file(&cfg) : path,
                         config_error_line(&cfg), config_error_text(&cfg));
                goto out;
        }
        double start = start_time(sim, &cfg);
        r = scenario_load_project(&cfg, start, sim->opts.experiments, &sim->project, err, errlen);
        if (r == 0)
                r = load_faults(sim, config_lookup(&cfg, "faults"), err, errlen);
        if (r == 0)
                r = hooks_load_config(&sim->hooks, config_lookup(&cfg, "hooks"), err, errlen);
        clock_init(&sim->clock, start, sim->opts.speed);
out:
        config_destroy(&cfg);
        return r;
}

static int load_generated(struct sim *sim)
{
        double start = start_time(sim, NULL);
        struct project *p = &sim->project;
        p->project_key = strdup("many");
        p->api_key = strdup("many-key");
        p->company_id = 1001;
        p->clock_start = start;
        clock_init(&sim->clock, start, sim->opts.speed);
        if (!p->project_key || !p->api_key)
                return -ENOMEM;
        long n = sim->opts.experiments >= 0 ? sim->opts.experiments : DEFAULT_GENERATED;
        return scenario_generate((size_t)n, start, p);
}

static int load(struct sim *sim, char *err, size_t errlen)
{
        char buf[4096];
        const char *path = resolve_path(sim->opts.scenario, buf, sizeof(buf));
        sim->faults.seed = sim->opts.seed;
        int r = path ? load_file(sim, path, err, errlen) : load_generated(sim);
        if (r == -ENOMEM)
                snprintf(err, errlen, "out of memory loading the scenario");
        return r;
}

static void unload(struct sim *sim)
{
        project_free(&sim->project);
        fault_list_clear(&sim->faults);
        hooks_free(&sim->hooks);
        reqlog_clear(sim->log);
}

int sim_init(struct sim *sim, const struct sim_options *opts, char *err, size_t errlen)
{
        *sim = (struct sim){ .opts = *opts };
        sim->log = calloc(1, sizeof(*sim->log));
        if (!sim->log)
                return -ENOMEM;
        pthread_mutex_init(&sim->lock, NULL);
        return load(sim, err, errlen);
}

int sim_reset(struct sim *sim, char *err, size_t errlen)
{
        unload(sim);
        return load(sim, err, errlen);
}

void sim_done(struct sim *sim)
{
        if (sim->log)
                unload(sim);
        free(sim->log);
        pthread_mutex_destroy(&sim->lock);
}

double sim_now(const struct sim *sim)
{
        return clock_now(&sim->clock);
}

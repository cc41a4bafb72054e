/* The simulated Mida project: experiments, variants and their traffic
 * parameters. Plain data; scenario.c fills it, api.c and traffic.c read it. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_MAX_VARIANTS 8

enum exp_status { EXP_INACTIVE = 0, EXP_LIVE = 1, EXP_DRAFT = 9 };

/* A conversion rate that takes effect from simulated time `at` on. */
struct rate_change {
        double at;
        double rate;
};

/* A traffic weight that takes effect from simulated time `at` on. */
struct weight_change {
        double at;
        double weight;
};

struct variant {
        char *name;
        double weight;                 /* share of traffic actually sent here,
                                          before any weight change */
        double rate;                   /* true conversion rate before any change */
        struct rate_change *changes;   /* sorted by `at` */
        size_t n_changes;
        struct weight_change *weight_changes;  /* sorted by `at` */
        size_t n_weight_changes;
};

/* A stretch of simulated time during which the experiment collects data. */
struct interval {
        double from;
        double to;                     /* INFINITY while still running */
};

/* Cumulative counts over whole simulated hours already settled. */
struct traffic_cache {
        bool valid;
        int64_t next_hour;
        uint64_t visitors[SIM_MAX_VARIANTS];
        uint64_t conversions[SIM_MAX_VARIANTS];
};

struct experiment {
        long id;
        char *name;
        char *url;
        int status;                    /* enum exp_status */
        bool is_completed;
        double created_at;             /* = start_date in the result */
        double updated_at;
        double end_date;               /* NAN when not concluded */
        char *goal_name, *goal_type, *goal_value;  /* goal_name NULL: no goal */
        double visitors_per_hour;
        struct variant variants[SIM_MAX_VARIANTS];
        size_t n_variants;
        struct interval *running;
        size_t n_running;
        bool is_serving;
        char serving_variant[16];
        double traffic_allocation;
        struct traffic_cache cache;
};

struct project {
        char *project_key;
        char *api_key;
        long company_id;
        int plan_live_limit;           /* 0: no cap on live experiments */
        double clock_start;            /* NAN: the real time at start-up */
        struct experiment *experiments; /* sorted by id */
        size_t n_experiments;
};

struct experiment *project_find(struct project *p, long id);
int project_count_live(const struct project *p);
void project_free(struct project *p);
/* Deletes experiment e (one of p's) and keeps the rest sorted; pointers
 * into p->experiments are invalid afterwards. */
void project_remove(struct project *p, struct experiment *e);

/* Running-interval bookkeeping used when the status changes at time `now`. */
int experiment_start_running(struct experiment *e, double now);
void experiment_stop_running(struct experiment *e, double now);
/* The rate of variant v in effect at simulated time t. */
double variant_rate_at(const struct variant *v, double t);
int variant_add_rate_change(struct variant *v, double at, double rate);
/* The traffic weight of variant v in effect at simulated time t. */
double variant_weight_at(const struct variant *v, double t);
int variant_add_weight_change(struct variant *v, double at, double weight);

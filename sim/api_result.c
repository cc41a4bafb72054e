/* GET .../experiment/{id}/result: per-variant visitors, conversions,
 * conversion rate and improvement in percent, as documented. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "api_handlers.h"
#include "isotime.h"
#include "traffic.h"

#define DAY 86400.0

static const char *status_label(int status)
{
        return status == EXP_LIVE ? "live" : status == EXP_DRAFT ? "draft" : "inactive";
}

/* The optional start_date/end_date window; false when malformed or reversed. */
static bool date_window(const struct request *rq, double *lo, double *hi, bool *filtered)
{
        const char *start = request_query(rq, "start_date"), *end = request_query(rq, "end_date");
        *lo = -INFINITY;
        *hi = INFINITY;
        *filtered = start || end;
        if (start && isodate_parse_day(start, lo) < 0)
                return false;
        if (end && isodate_parse_day(end, hi) < 0)
                return false;
        if (end)
                *hi += DAY;     /* the end date is inclusive */
        return !(start && end && *lo >= *hi);
}

static void window_counts(struct sim *sim, struct experiment *e, double lo, double hi,
                          struct traffic_counts *c)
{
        double now = sim_now(sim);
        struct traffic_counts before;
        traffic_counts_at(e, sim->opts.seed, fmin(hi, now), c);
        if (isinf(lo))
                return;
        traffic_counts_at(e, sim->opts.seed, fmin(lo, fmin(hi, now)), &before);
        for (size_t v = 0; v < e->n_variants; v++) {
                c->visitors[v] -= before.visitors[v];
                c->conversions[v] -= before.conversions[v];
        }
}

/* A number rounded to 2 decimals, written as such (8.0, 10.25). */
static struct json_object *percent_json(double x)
{
        char buf[64];
        snprintf(buf, sizeof(buf), "%.2f", round(x * 100.0) / 100.0);
        size_t n = strlen(buf);
        if (buf[n - 1] == '0' && buf[n - 2] != '.')
                buf[--n] = '\0';
        return json_object_new_double_s(round(x * 100.0) / 100.0, buf);
}

static double rate_percent(uint64_t conversions, uint64_t visitors)
{
        return visitors ? 100.0 * (double)conversions / (double)visitors : 0.0;
}

static struct json_object *variants_json(const struct experiment *e, const struct traffic_counts *c)
{
        struct json_object *list = json_object_new_array();
        double control = rate_percent(c->conversions[0], c->visitors[0]);
        for (size_t v = 0; v < e->n_variants; v++) {
                struct json_object *o = json_object_new_object();
                char id[24];
                double rate = rate_percent(c->conversions[v], c->visitors[v]);
                snprintf(id, sizeof(id), "%zu", v);
                json_object_object_add(o, "variant_id", json_object_new_string(id));
                json_object_object_add(o, "name", json_object_new_string(e->variants[v].name));
                json_object_object_add(o, "visitors", json_object_new_int64((int64_t)c->visitors[v]));
                json_object_object_add(o, "conversions", json_object_new_int64((int64_t)c->conversions[v]));
                json_object_object_add(o, "conversion_rate", percent_json(rate));
                /* "only on non-control variants when the control has data" */
                if (v > 0 && control > 0.0)
                        json_object_object_add(o, "improvement", percent_json(100.0 * (rate / control - 1.0)));
                json_object_object_add(o, "is_control", json_object_new_boolean(v == 0));
                json_object_array_add(list, o);
        }
        return list;
}

static struct json_object *goal_json(const struct experiment *e)
{
        if (!e->goal_name)
                return NULL;
        struct json_object *g = json_object_new_object();
        json_object_object_add(g, "goal_name", json_object_new_string(e->goal_name));
        json_object_object_add(g, "goal_type", json_object_new_string(e->goal_type));
        json_object_object_add(g, "goal_value", json_object_new_string(e->goal_value));
        return g;
}

static void add_dates(struct json_object *o, const struct experiment *e, double now)
{
        char buf[ISOTIME_MAX];
        isotime_format(e->created_at, buf);
        json_object_object_add(o, "start_date", json_object_new_string(buf));
        if (isnan(e->end_date)) {
                json_object_object_add(o, "end_date", NULL);
        } else {
                isotime_format(e->end_date, buf);
                json_object_object_add(o, "end_date", json_object_new_string(buf));
        }
        double until = isnan(e->end_date) ? now : e->end_date;
        json_object_object_add(o, "days_running",
                               json_object_new_int64((int64_t)fmax(0.0, floor((until - e->created_at) / DAY))));
}

void api_result(struct sim *sim, struct experiment *e, const struct request *rq, struct reply *out)
{
        double lo, hi, now = sim_now(sim);
        bool filtered;
        if (!date_window(rq, &lo, &hi, &filtered)) {
                reply_error(out, 400, "Invalid date parameters: use YYYY-MM-DD with start_date before end_date");
                return;
        }
        struct traffic_counts c;
        if (filtered)
                window_counts(sim, e, lo, hi, &c);
        else
                traffic_counts_now(e, sim->opts.seed, now, &c);
        uint64_t visitors = 0, conversions = 0;
        for (size_t v = 0; v < e->n_variants; v++) {
                visitors += c.visitors[v];
                conversions += c.conversions[v];
        }
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "success", json_object_new_boolean(1));
        json_object_object_add(o, "test_id", json_object_new_int64(e->id));
        json_object_object_add(o, "test_name", json_object_new_string(e->name));
        json_object_object_add(o, "status", json_object_new_string(status_label(e->status)));
        json_object_object_add(o, "status_code", json_object_new_int(e->status));
        add_dates(o, e, now);
        json_object_object_add(o, "primary_goal", goal_json(e));
        json_object_object_add(o, "total_visitors", json_object_new_int64((int64_t)visitors));
        json_object_object_add(o, "total_conversions", json_object_new_int64((int64_t)conversions));
        json_object_object_add(o, "variants", variants_json(e, &c));
        reply_json(out, 200, o);
}

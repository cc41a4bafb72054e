#include "alert_facts.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text_format.h"

static char *variant_value(const struct alert_event *ev)
{
        const char *name = ev->variant_name ? ev->variant_name : ev->variant_id;
        char *value = NULL;

        if (!name)
                return strdup(TEXT_MISSING);
        if (ev->variant_id && *ev->variant_id)
                return asprintf(&value, "%s (id %s)", name, ev->variant_id) < 0 ? NULL : value;
        return strdup(name);
}

static char *figures_value(const char *fmt, struct alert_figure a, bool a_is_p_value, struct alert_figure b)
{
        char left[32], right[32], *value = NULL;

        if (a_is_p_value)
                format_p_value(a.present ? a.value : NAN, left, sizeof(left));
        else
                format_percent(a.present ? a.value : NAN, false, left, sizeof(left));
        format_percent(b.present ? b.value : NAN, false, right, sizeof(right));
        return asprintf(&value, fmt, left, right) < 0 ? NULL : value;
}

static const char *count_text(long long n, char *buf, size_t size)
{
        if (n < 0)
                return TEXT_MISSING;
        snprintf(buf, size, "%lld", n);
        return buf;
}

static char *visitors_value(const struct alert_event *ev)
{
        char variant[32], total[32], *value = NULL;

        if (asprintf(&value, "%s in variant \xc2\xb7 %s in total",
                     count_text(ev->variant_visitors, variant, sizeof(variant)),
                     count_text(ev->visitors, total, sizeof(total))) < 0)
                return NULL;
        return value;
}

static char *action_value(const struct alert_event *ev)
{
        char *value = NULL;

        return asprintf(&value, "%s: %s", ev->action, ev->action_result ? ev->action_result : TEXT_MISSING) < 0
               ? NULL : value;
}

/* A plug-in estimate, so rounded up and hedged. */
char *alert_decision_text(const char *prefix, double days_to_decision)
{
        double days = ceil(days_to_decision);
        char *value = NULL;

        if (asprintf(&value, "%s~%.0f day%s at current traffic if the lift holds", prefix, days, days == 1 ? "" : "s") < 0)
                return NULL;
        return value;
}

static char *decision_value(const struct alert_event *ev)
{
        return alert_decision_text(ev->underpowered ? "underpowered: " : "", ev->days_to_decision.value);
}

static char *srm_value(const struct alert_event *ev)
{
        char p[32];

        format_p_value(ev->srm_p.value, p, sizeof(p));
        return strdup(p);
}

/* Takes value; a NULL value is an allocation that failed. */
static int add(struct alert_facts *f, const char *label, char *value)
{
        char *clean = value ? text_sanitize(value, true) : NULL;

        free(value);
        if (!clean)
                return -ENOMEM;
        f->items[f->n++] = (struct alert_fact) { label, clean };
        return 0;
}

int alert_facts_build(const struct alert_event *ev, struct alert_facts *f)
{
        char lift[96];
        int r;

        *f = (struct alert_facts) { .n = 0 };
        if (ev->summary_text)
                return 0;
        if (ev->kind == ALERT_EVENT_LIFECYCLE)
                return add(f, "Status", strdup(ev->experiment_status ? ev->experiment_status : TEXT_MISSING));
        format_lift(ev, lift, sizeof(lift));
        r = add(f, "Variant", variant_value(ev));
        if (r >= 0)
                r = add(f, "Lift", strdup(lift));
        if (r >= 0)
                r = add(f, "p-value \xc2\xb7 chance to beat control",
                        figures_value("p %s \xc2\xb7 %s", ev->p_value, true, ev->prob_beat_control));
        if (r >= 0)
                r = add(f, "Visitors", visitors_value(ev));
        if (r >= 0 && !ev->variant_id && ev->srm_p.present)
                r = add(f, "Sample-ratio p", srm_value(ev));
        if (r >= 0)
                r = add(f, "Conversion rate",
                        figures_value("%s vs %s control", ev->conversion_rate, false, ev->control_rate));
        if (r >= 0 && ev->days_to_decision.present && ev->kind != ALERT_EVENT_RESOLVED)
                r = add(f, "Time to decision", decision_value(ev));
        if (r >= 0 && ev->action)
                r = add(f, "Action", action_value(ev));
        if (r < 0)
                alert_facts_clear(f);
        return r;
}

void alert_facts_clear(struct alert_facts *f)
{
        for (size_t i = 0; i < f->n; i++)
                free(f->items[i].value);
        f->n = 0;
}

char *alert_facts_lines(const struct alert_facts *f, const char *sep)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&buf, &size);

        if (!out)
                return NULL;
        for (size_t i = 0; i < f->n; i++)
                fprintf(out, "%s%s: %s", i ? sep : "", f->items[i].label, f->items[i].value);
        if (fclose(out) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

time_t alert_event_time(const struct alert_event *ev)
{
        time_t t = ev->kind == ALERT_EVENT_FIRED ? ev->fired_at
                 : ev->kind == ALERT_EVENT_RESOLVED ? ev->resolved_at : 0;

        return t ? t : ev->created_at;
}

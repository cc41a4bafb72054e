/* The plain-text digest, and the lines every digest renderer shows: the
 * same figures, phrased once. */
#include "digest.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert_facts.h"
#include "util/text_format.h"

int digest_format_count(long long n, char *buf, size_t size)
{
        char digits[24], grouped[32];
        int len, o = 0;

        if (n < 0)
                return snprintf(buf, size, "%s", TEXT_MISSING);
        len = snprintf(digits, sizeof(digits), "%lld", n);
        for (int i = 0; i < len; i++) {
                if (i > 0 && (len - i) % 3 == 0)
                        grouped[o++] = ',';
                grouped[o++] = digits[i];
        }
        grouped[o] = '\0';
        return snprintf(buf, size, "%s", grouped);
}

int digest_format_time(time_t t, char *buf, size_t size)
{
        if (t <= 0 || format_utc_minute(t, buf, size) < 0)
                return snprintf(buf, size, "%s", TEXT_MISSING);
        return (int) strlen(buf);
}

/* One line of valid UTF-8 whatever the names (from the API, the config) hold. */
static char *line_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *line_printf(const char *fmt, ...)
{
        char *raw = NULL, *clean;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&raw, fmt, ap);
        va_end(ap);
        if (r < 0)
                return NULL;
        clean = text_sanitize(raw, true);
        free(raw);
        return clean;
}

static double value_or_nan(struct alert_figure f)
{
        return f.present ? f.value : NAN;
}

char *digest_title(const struct digest *d)
{
        char when[48];

        digest_format_time(d->scheduled_for > 0 ? d->scheduled_for : d->generated_at, when, sizeof(when));
        return line_printf("Digest%s%s \xe2\x80\x94 %s", d->name ? " " : "", d->name ? d->name : "", when);
}

char *digest_period(const struct digest *d)
{
        char since[48];

        if (d->since <= 0)
                return strdup("the first digest");
        digest_format_time(d->since, since, sizeof(since));
        return line_printf("since %s", since);
}

char *digest_monitor_line(const struct digest *d)
{
        const char *health = d->health ? d->health : d->healthy ? "OK" : "not healthy";

        return line_printf("Monitor%s%s: %s", d->instance ? " on " : "", d->instance ? d->instance : "", health);
}

static char *experiment_label(const char *name, long long id)
{
        return name ? line_printf("%s (#%lld)", name, id) : line_printf("experiment #%lld", id);
}

char *digest_experiment_label(const struct digest_experiment *e)
{
        return experiment_label(e->name, e->id);
}

char *digest_experiment_state(const struct digest_experiment *e)
{
        char visitors[32], count[32], day[32] = "", gained[64] = "", srm[64] = "", p[32];

        digest_format_count(e->visitors, visitors, sizeof(visitors));
        if (e->days_running >= 0)
                snprintf(day, sizeof(day), ", day %ld", e->days_running);
        if (e->visitors_gained >= 0) {
                digest_format_count(e->visitors_gained, count, sizeof(count));
                snprintf(gained, sizeof(gained), " (+%s since the last digest)", count);
        }
        if (e->srm_p.present) {
                format_p_value(e->srm_p.value, p, sizeof(p));
                snprintf(srm, sizeof(srm), ", sample-ratio p %s", p);
        }
        return line_printf("%s%s, %s visitors%s%s", e->status ? e->status : e->live ? "live" : "stopped", day, visitors,
                           gained, srm);
}

static const char *variant_name(const struct digest_variant *v)
{
        return v->name ? v->name : v->variant_id ? v->variant_id : "variant";
}

/* Figures below the sample guards are noise so far: said so, never "significant". */
static const char *verdict(const struct digest_variant *v)
{
        if (v->below_guards)
                return " (too early: below the sample guards)";
        return v->significant ? ", significant" : ", not significant";
}

char *digest_variant_figures(const struct digest_variant *v)
{
        struct alert_event ev = { .lift = v->lift, .lift_low = v->lift_low, .lift_high = v->lift_high };
        char lift[96], p[32], chance[32], visitors[32], conversions[32];

        if (v->control) {
                digest_format_count(v->visitors, visitors, sizeof(visitors));
                digest_format_count(v->conversions, conversions, sizeof(conversions));
                return line_printf("%s (control): %s visitors, %s conversions", variant_name(v), visitors, conversions);
        }
        format_lift(&ev, lift, sizeof(lift));
        format_p_value(value_or_nan(v->p_value), p, sizeof(p));
        format_percent(value_or_nan(v->prob_beat_control), false, chance, sizeof(chance));
        return line_printf("%s: lift %s, p %s, %s chance to beat control%s", variant_name(v), lift, p, chance,
                           verdict(v));
}

char *digest_variant_decision(const struct digest_variant *v)
{
        if (v->control)
                return strdup("");
        if (v->days_to_decision.present)
                return alert_decision_text(v->underpowered ? "underpowered: beyond the decision horizon, "
                                                           : "time to decision ", v->days_to_decision.value);
        if (v->underpowered)
                return strdup("underpowered: beyond the decision horizon");
        if (v->decision_reason)
                return line_printf("time to decision: %s", v->decision_reason);
        return strdup("");
}

char *digest_variant_outlook(const struct digest_variant *v)
{
        char visitors[32], conversions[32], then[32], now[32], trend[96] = "";

        if (v->control)
                return strdup("");
        if (v->lift_then.present) {
                format_percent(v->lift_then.value, true, then, sizeof(then));
                format_percent(value_or_nan(v->lift), true, now, sizeof(now));
                snprintf(trend, sizeof(trend), "; lift then %s \xe2\x86\x92 now %s", then, now);
        }
        digest_format_count(v->visitors, visitors, sizeof(visitors));
        digest_format_count(v->conversions, conversions, sizeof(conversions));
        return line_printf("%s visitors, %s conversions%s", visitors, conversions, trend);
}

char *digest_alert_line(const struct digest_alert *a)
{
        char when[48], *label = experiment_label(a->experiment_name, a->experiment_id), *line;

        if (!label)
                return NULL;
        digest_format_time(a->at, when, sizeof(when));
        line = line_printf("%s: %s on %s%s%s, %s",
                           alert_event_kind_name(a->resolved ? ALERT_EVENT_RESOLVED : ALERT_EVENT_FIRED),
                           a->rule ? a->rule : "alert", label, a->variant_id ? ", variant " : "",
                           a->variant_id ? a->variant_id : "", when);
        free(label);
        return line;
}

char *digest_action_line(const struct digest_action *a)
{
        char when[48], *label = experiment_label(a->experiment_name, a->experiment_id), *line;

        if (!label)
                return NULL;
        digest_format_time(a->at, when, sizeof(when));
        line = line_printf("%s on %s, rule %s: %s%s%s%s, %s", a->action ? a->action : "action", label,
                           a->rule ? a->rule : TEXT_MISSING, a->state ? a->state : TEXT_MISSING, a->error ? " (" : "",
                           a->error ? a->error : "", a->error ? ")" : "", when);
        free(label);
        return line;
}

struct walk {
        int (*line)(enum digest_line_kind kind, const char *text, void *userdata);
        void *userdata;
        int r;
};

/* Passes text (taken; NULL: an allocation failed) on, unless a line failed before. */
static void emit(struct walk *w, enum digest_line_kind kind, char *text)
{
        if (w->r >= 0)
                w->r = text ? w->line(kind, text, w->userdata) : -ENOMEM;
        free(text);
}

static char *joined(char *a, const char *fmt, char *b)
{
        char *line = a && b ? line_printf(fmt, a, b) : NULL;

        free(a);
        free(b);
        return line;
}

static void emit_experiment(struct walk *w, const struct digest_experiment *e)
{
        emit(w, DIGEST_LINE_ITEM, joined(digest_experiment_label(e), "%s \xe2\x80\x94 %s", digest_experiment_state(e)));
        for (size_t i = 0; i < e->n_variants && w->r >= 0; i++) {
                const struct digest_variant *v = &e->variants[i];
                char *decision;

                emit(w, DIGEST_LINE_DETAIL, digest_variant_figures(v));
                if (v->control)
                        continue;
                emit(w, DIGEST_LINE_MORE, digest_variant_outlook(v));
                decision = digest_variant_decision(v);
                if (decision && !*decision)
                        free(decision);
                else
                        emit(w, DIGEST_LINE_MORE, decision);
        }
}

/* "Alerts since the last digest (1,204)", or the title and "none". */
static void emit_heading(struct walk *w, const char *title, size_t n)
{
        char count[32];

        digest_format_count((long long) n, count, sizeof(count));
        emit(w, DIGEST_LINE_HEADING, n ? line_printf("%s (%s)", title, count) : strdup(title));
        if (n == 0)
                emit(w, DIGEST_LINE_ITEM, strdup("none"));
}

static void emit_experiments(struct walk *w, const struct digest *d, bool live)
{
        size_t n = 0;

        for (size_t i = 0; i < d->n_experiments; i++)
                n += d->experiments[i].live == live;
        emit_heading(w, live ? "Live experiments" : "Stopped since the last digest", n);
        for (size_t i = 0; i < d->n_experiments && w->r >= 0; i++)
                if (d->experiments[i].live == live)
                        emit_experiment(w, &d->experiments[i]);
}

int digest_lines(const struct digest *d, int (*line)(enum digest_line_kind kind, const char *text, void *userdata),
                 void *userdata)
{
        struct walk w = { line, userdata, 0 };

        emit(&w, DIGEST_LINE_TITLE, joined(digest_title(d), "%s (%s)", digest_period(d)));
        emit(&w, DIGEST_LINE_NOTE, digest_monitor_line(d));
        emit_experiments(&w, d, true);
        emit_experiments(&w, d, false);
        emit_heading(&w, "Alerts since the last digest", d->n_alerts);
        for (size_t i = 0; i < d->n_alerts && w.r >= 0; i++)
                emit(&w, DIGEST_LINE_ITEM, digest_alert_line(&d->alerts[i]));
        emit_heading(&w, "Actions since the last digest", d->n_actions);
        for (size_t i = 0; i < d->n_actions && w.r >= 0; i++)
                emit(&w, DIGEST_LINE_ITEM, digest_action_line(&d->actions[i]));
        return w.r < 0 ? w.r : 0;
}

static int write_line(enum digest_line_kind kind, const char *text, void *userdata)
{
        static const char *const before[] = {
                [DIGEST_LINE_TITLE] = "", [DIGEST_LINE_NOTE] = "", [DIGEST_LINE_HEADING] = "\n",
                [DIGEST_LINE_ITEM] = "  ", [DIGEST_LINE_DETAIL] = "    ", [DIGEST_LINE_MORE] = "      ",
        };

        return fprintf(userdata, "%s%s\n", before[kind], text) < 0 ? -ENOMEM : 0;
}

char *digest_text(const struct digest *d)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        int r;

        if (!f)
                return NULL;
        r = digest_lines(d, write_line, f);
        if (fclose(f) != 0 || r < 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

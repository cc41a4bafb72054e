#include "once_output.h"

#include <time.h>

#include "analysis_table.h"
#include "report/json_output.h"
#include "stats/analysis.h"
#include "daemon/once_rules.h"
#include "util/log.h"

/* One experiment's `analyze --json` object with its "rules_holding". */
static json_object *experiment_json(const struct watched_experiment *e, const struct config *c, int64_t now,
                                    const struct silences *silences)
{
        json_object *analysis = analysis_to_json(e->current);

        if (analysis)
                json_object_object_add(analysis, "rules_holding", once_rules_holding(c, e, now, silences));
        return analysis;
}

void once_stream_experiment(struct once_stream *s, struct watched_experiment *e, const struct config *c)
{
        json_object *o = e->current ? experiment_json(e, c, time(NULL), s->silences) : NULL;
        int flags = (s->lines ? JSON_C_TO_STRING_PLAIN : JSON_C_TO_STRING_PRETTY) | JSON_C_TO_STRING_NOSLASHESCAPE;
        /* An array: "[" before the first object, "," before the others. */
        const char *before = s->lines ? "" : s->printed ? ",\n" : "[\n", *after = s->lines ? "\n" : "";

        if (o)
                fprintf(s->out, "%s%s%s", before, json_object_to_json_string_ext(o, flags), after);
        else if (e->current)
                log_error("experiment %lld: out of memory printing its analysis", e->id);
        s->printed += o != NULL;
        json_object_put(o);
        fflush(s->out);
        /* Printed: nothing of it needs to stay (`once` keeps no state). */
        watchlist_drop_current(e);
        watchlist_drop_sequential(e);
}

void once_stream_finish(struct once_stream *s)
{
        if (!s->lines)
                fputs(s->printed ? "\n]\n" : "[]\n", s->out);
        fflush(s->out);
}

static void print_tables(FILE *out, const struct watchlist *w, const struct config *c, int64_t now,
                         const struct silences *silences)
{
        for (size_t i = 0; i < w->n; i++) {
                const struct watched_experiment *e = w->items[i];
                json_object *holding;
                if (!e->active)
                        continue;
                if (e->current) {
                        analysis_print_table(out, e->current);
                        holding = once_rules_holding(c, e, now, silences);
                        once_rules_print(out, holding);
                        json_object_put(holding);
                } else {
                        fprintf(out, "Experiment %lld (%s): no result: %s\n", e->id,
                                e->name ? e->name : "unnamed", e->last_error ? e->last_error : "not polled");
                }
                fputc('\n', out);
        }
}

void once_output_print(FILE *out, const struct watchlist *w, const struct config *c, const struct silences *silences)
{
        print_tables(out, w, c, time(NULL), silences);
}

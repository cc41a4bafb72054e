#include "once_output.h"

#include <time.h>

#include "analysis_table.h"
#include "json_output.h"
#include "stats/analysis.h"
#include "daemon/once_rules.h"

static void print_json(FILE *out, const struct watchlist *w, const struct config *c, int64_t now)
{
        json_object *list = json_object_new_array();

        for (size_t i = 0; i < w->n; i++) {
                const struct watched_experiment *e = w->items[i];
                json_object *analysis;
                if (!e->active || !e->current || !(analysis = analysis_to_json(e->current)))
                        continue;
                json_object_object_add(analysis, "rules_holding", once_rules_holding(c, e, now));
                json_object_array_add(list, analysis);
        }
        (void) json_output_print(out, list);
}

static void print_tables(FILE *out, const struct watchlist *w, const struct config *c, int64_t now)
{
        for (size_t i = 0; i < w->n; i++) {
                const struct watched_experiment *e = w->items[i];
                json_object *holding;
                if (!e->active)
                        continue;
                if (e->current) {
                        analysis_print_table(out, e->current);
                        holding = once_rules_holding(c, e, now);
                        once_rules_print(out, holding);
                        json_object_put(holding);
                } else {
                        fprintf(out, "Experiment %lld (%s): no result: %s\n", e->id,
                                e->name ? e->name : "unnamed", e->last_error ? e->last_error : "not polled");
                }
                fputc('\n', out);
        }
}

void once_output_print(FILE *out, const struct watchlist *w, const struct config *c, bool json)
{
        int64_t now = time(NULL);

        if (json)
                print_json(out, w, c, now);
        else
                print_tables(out, w, c, now);
}

#include "once_output.h"

#include "analysis.h"

static void print_json(FILE *out, const struct watchlist *w)
{
        json_object *list = json_object_new_array();

        for (size_t i = 0; i < w->n; i++)
                if (w->items[i]->active && w->items[i]->current)
                        json_object_array_add(list, json_object_get(w->items[i]->analysis));
        fprintf(out, "%s\n", json_object_to_json_string_ext(list, JSON_C_TO_STRING_PRETTY |
                                                                  JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(list);
}

static void print_tables(FILE *out, const struct watchlist *w)
{
        for (size_t i = 0; i < w->n; i++) {
                const struct watched_experiment *e = w->items[i];
                if (!e->active)
                        continue;
                if (e->current)
                        analysis_print_table(out, e->current);
                else
                        fprintf(out, "Experiment %lld (%s): no result: %s\n", e->id,
                                e->name ? e->name : "unnamed", e->last_error ? e->last_error : "not polled");
                fputc('\n', out);
        }
}

void once_output_print(FILE *out, const struct watchlist *w, bool json)
{
        if (json)
                print_json(out, w);
        else
                print_tables(out, w);
}

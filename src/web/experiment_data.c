/* One experiment's page data from state.db: see experiment_data.h. */
#include "experiment_data.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report/history_read.h"
#include "report/status_report.h"
#include "store/action_rows.h"
#include "store/db.h"
#include "store/digest_rows.h"
#include "util/grow.h"

struct event_walk {
        struct experiment_data *data;
        long long id;
};

static char *copy(const char *s)
{
        return s ? strdup(s) : NULL;
}

/* Appends e with copies of its strings. 0 or -ENOMEM. */
static int add_event(struct experiment_data *d, const struct page_event *e)
{
        struct page_event *grown = grow_array(d->events, &d->cap_events, d->n_events, sizeof(*grown));
        struct page_event *c;

        if (!grown)
                return -ENOMEM;
        d->events = grown;
        c = &grown[d->n_events++];
        *c = *e;
        c->rule = copy(e->rule);
        c->variant_id = copy(e->variant_id);
        c->outcome = copy(e->outcome);
        if ((e->rule && !c->rule) || (e->variant_id && !c->variant_id) || (e->outcome && !c->outcome))
                return -ENOMEM;
        return 0;
}

static int add_alert(void *userdata, const struct store_alert_log_row *row)
{
        struct event_walk *w = userdata;

        return add_event(w->data, &(struct page_event) {
                .at = row->at, .kind = row->resolved ? PAGE_EVENT_RESOLVED : PAGE_EVENT_FIRED, .rule = row->rule,
                .variant_id = row->variant_id, .held = row->held,
        });
}

static int add_action(void *userdata, const struct store_action_row *row)
{
        struct event_walk *w = userdata;
        char outcome[200];

        if (row->experiment_id != w->id)
                return 0;
        /* When it ran; an action still intended has only its decision. */
        return add_event(w->data, &(struct page_event) {
                .at = row->finished_at > 0 ? row->finished_at : row->intended_at, .kind = PAGE_EVENT_ACTION,
                .rule = row->rule, .variant_id = row->variant_id,
                .outcome = status_report_describe_action(row, outcome, sizeof(outcome)),
        });
}

static int by_time(const void *a, const void *b)
{
        const struct page_event *x = a, *y = b;

        return (x->at > y->at) - (x->at < y->at);
}

/* Unreadable rows (-EBADMSG: written by a newer program) are left out, as
 * `status` does: the others are shown. */
static int read_events(struct store *store, long long id, struct experiment_data *d)
{
        struct event_walk w = { .data = d, .id = id };
        int r = store_alert_log_each(store, 0, id, add_alert, &w);

        if (r >= 0 || r == -EBADMSG)
                r = store_actions_each(store, add_action, &w);
        if (r == -EBADMSG)
                r = 0;
        if (r >= 0 && d->n_events > 1)
                qsort(d->events, d->n_events, sizeof(*d->events), by_time);
        return r;
}

int experiment_data_read(struct store *store, const struct statistics_settings *settings, long long id,
                         struct experiment_data *d)
{
        int r = store_read_begin(store);   /* one snapshot: the polls and the events agree */

        if (r >= 0)
                r = history_read_analysis(store, settings, id, &d->series, &d->analysis);
        if (r > 0)
                r = history_series_analyse(&d->series, settings, &d->analyses);
        if (r >= 0 && d->analyses)
                r = read_events(store, id, d);
        store_read_end(store);
        if (r < 0)
                return r;
        return d->analyses ? 1 : 0;
}

void experiment_data_clear(struct experiment_data *d)
{
        for (size_t i = 0; i < d->n_events; i++) {
                free((char *) d->events[i].rule);
                free((char *) d->events[i].variant_id);
                free((char *) d->events[i].outcome);
        }
        free(d->events);
        free(d->analysis);
        history_analyses_free(d->analyses, d->series.n_polls);
        history_series_free(&d->series);
        *d = (struct experiment_data) { 0 };
}

/* Lifecycle notices in the daemon: each complete discovery's experiment
 * list is compared with the previous one (the listed table), and the
 * changes go to the `lifecycle` notifiers. The rows and the notices' outbox
 * rows are written in the same group commit, so a restart or a crash
 * neither repeats a notice nor loses one. The very first list is a silent
 * baseline: installing the daemon does not announce every running
 * experiment as started. */
#include "lifecycle.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "lifecycle_changes.h"
#include "mida/mida.h"
#include "notify/notify.h"
#include "store/action_rows.h"
#include "store/db.h"
#include "store/group_commit.h"
#include "store/listed_rows.h"
#include "util/grow.h"
#include "util/log.h"

#define BASELINE_KEY "lifecycle_baseline"

/* The previous list, as read from the listed table (names owned). */
struct previous {
        struct listed_state *items;
        int64_t *live_since;
        size_t n, cap;
};

static void previous_clear(struct previous *p)
{
        for (size_t i = 0; i < p->n; i++)
                free((char *) p->items[i].name);
        free(p->items);
        free(p->live_since);
}

static int add_previous(void *userdata, const struct store_listed_row *row)
{
        struct previous *p = userdata;
        size_t cap = p->cap;
        struct listed_state *items = grow_array(p->items, &cap, p->n, sizeof(*items));
        int64_t *since;

        if (!items)
                return -ENOMEM;
        p->items = items;
        since = realloc(p->live_since, cap * sizeof(*since));
        if (!since)
                return -ENOMEM;
        p->live_since = since;
        p->cap = cap;
        p->items[p->n] = (struct listed_state) { .id = row->experiment_id, .status = row->status,
                                                  .completed = row->completed };
        if (row->name && !(p->items[p->n].name = strdup(row->name)))
                return -ENOMEM;
        p->live_since[p->n++] = row->live_since;
        return 0;
}

const char *lifecycle_status_name(int status)
{
        switch (status) {
        case 1: return "live";
        case 0: return "inactive";
        case 9: return "draft";
        default: return "unknown";
        }
}

/* Whether this daemon's own pause, done since the experiment last became
 * live, explains its stop: that is reported as an action already. */
struct own_pause {
        long long experiment_id;
        int64_t since;
        bool found;
};

static int find_own_pause(void *userdata, const struct store_action_row *row)
{
        struct own_pause *q = userdata;

        if (row->experiment_id == q->experiment_id && row->action == RULE_ACTION_PAUSE &&
            (row->state == STORE_ACTION_DONE || row->state == STORE_ACTION_INTENDED) && row->intended_at >= q->since)
                q->found = true;
        return 0;
}

static bool stopped_by_us(struct store *s, long long id, int64_t live_since)
{
        struct own_pause q = { .experiment_id = id, .since = live_since };

        return store_actions_each(s, find_own_pause, &q) >= 0 && q.found;
}

/* Rows that changed are written: status, completion, name, live_since
 * (the previous rows are in id order: a lookup each, not a scan). */
static int save_now(struct store *s, const struct previous *p, const struct listed_state *now, size_t n, int64_t at)
{
        int r = 0;

        for (size_t i = 0; i < n && r >= 0; i++) {
                const struct listed_state *x = &now[i], *was = listed_state_find(p->items, p->n, x->id);
                int64_t since;

                if (was && was->status == x->status && was->completed == x->completed &&
                    strcmp(was->name ? was->name : "", x->name ? x->name : "") == 0)
                        continue;
                since = x->status != LISTED_LIVE ? 0 : was && was->status == LISTED_LIVE ? p->live_since[was - p->items] : at;
                r = store_listed_upsert(s, &(struct store_listed_row) {
                        .experiment_id = x->id, .name = x->name, .status = x->status, .completed = x->completed,
                        .live_since = since });
        }
        return r;
}

static void journal(const struct alert_event *ev)
{
        char id[24];
        char *summary = alert_event_summary(ev);
        struct log_field fields[] = {
                { "MIDA_EXPERIMENT_ID", id }, { "MIDA_EXPERIMENT_NAME", ev->experiment_name },
                { "MIDA_LIFECYCLE_EVENT", ev->lifecycle }, { "MIDA_EVENT_ID", ev->id },
        };

        snprintf(id, sizeof(id), "%lld", ev->experiment_id);
        log_event(LOG_NOTICE, MIDA_MSGID_LIFECYCLE, fields, 4, "%s", summary ? summary : ev->lifecycle);
        free(summary);
}

static const char *const labels[] = {
        [LIFECYCLE_STARTED] = "Experiment started", [LIFECYCLE_STOPPED] = "Experiment stopped",
        [LIFECYCLE_CONCLUDED] = "Experiment concluded", [LIFECYCLE_DISAPPEARED] = "Experiment disappeared",
};

/* The notice of event on experiment id (name may be NULL) at `at`. */
static void notice_event(struct alert_event *ev, const char *event_id, enum lifecycle_event event, long long id,
                         const char *name, const char *status, int64_t at)
{
        *ev = (struct alert_event) {
                .id = event_id, .kind = ALERT_EVENT_LIFECYCLE, .rule = labels[event], .severity = "info",
                .experiment_id = id, .experiment_name = name, .visitors = -1, .variant_visitors = -1,
                .created_at = (time_t) at, .lifecycle = lifecycle_event_to_string(event), .experiment_status = status,
        };
}

/* The notice for one change, or false when it is not one to send. */
static bool notice(struct store *s, const struct config *c, const struct previous *p, const struct lifecycle_change *ch,
                   int64_t at, struct alert_event *ev, char id[static NOTIFY_EVENT_ID_SIZE])
{
        const struct listed_state *x = ch->now ? ch->now : ch->before;

        if (!(c->lifecycle.events & (1u << ch->event)))
                return false;
        if (ch->event == LIFECYCLE_STOPPED && stopped_by_us(s, x->id, p->live_since[ch->before - p->items])) {
                log_debug("experiment %lld: stopped by this daemon's pause (reported as its action)", x->id);
                return false;
        }
        notify_new_event_id(id);
        notice_event(ev, id, ch->event, x->id, x->name ? x->name : ch->before ? ch->before->name : NULL,
                     ch->now ? lifecycle_status_name(ch->now->status) : "gone", at);
        return true;
}

static void queue(struct outbox *o, const struct config *c, const struct alert_event *const *events, size_t n)
{
        struct notify_context ctx = notify_context_now();

        for (size_t i = 0; i < c->lifecycle.n_notify && o && n > 0; i++)
                (void) notify_events(o, &c->notifiers[c->lifecycle.notify[i]], &ctx, events, n);
}

/* The changes as notices: journalled, queued in the open group. */
static int announce(struct store *s, struct outbox *o, const struct config *c, const struct previous *p,
                    const struct lifecycle_change *changes, size_t n, int64_t at)
{
        struct alert_event *events = calloc(n + 1, sizeof(*events));
        const struct alert_event **ptrs = calloc(n + 1, sizeof(*ptrs));
        char (*ids)[NOTIFY_EVENT_ID_SIZE] = calloc(n + 1, sizeof(*ids));
        size_t k = 0;

        if (!events || !ptrs || !ids) {
                free(events), free(ptrs), free(ids);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
                if (notice(s, c, p, &changes[i], at, &events[k], ids[k])) {
                        journal(&events[k]);
                        ptrs[k] = &events[k];
                        k++;
                }
        queue(o, c, ptrs, k);
        free(events), free(ptrs), free(ids);
        return 0;
}

static void to_states(const struct mida_experiment *items, size_t n, struct listed_state *out)
{
        for (size_t i = 0; i < n; i++)
                out[i] = (struct listed_state) { .id = items[i].test_id, .name = items[i].test_name,
                                                 .status = items[i].status, .completed = items[i].is_completed };
}

static int update(struct store_group *g, struct outbox *o, const struct config *c, const struct previous *p,
                  const struct listed_state *now, size_t n, bool baseline, int64_t at)
{
        struct store *s = store_group_store(g);
        struct lifecycle_change *changes = NULL;
        long k = lifecycle_changes(p->items, p->n, now, n, &changes);
        int r = k < 0 ? (int) k : store_group_join(g);

        if (r >= 0)
                r = save_now(s, p, now, n, at);
        for (long i = 0; r >= 0 && i < k; i++)
                if (changes[i].event == LIFECYCLE_DISAPPEARED)
                        r = store_listed_delete(s, changes[i].before->id);
        if (r >= 0 && !baseline)
                r = store_meta_set(s, BASELINE_KEY, "1");
        if (r >= 0 && baseline && c->lifecycle.n_notify > 0)
                r = announce(s, o, c, p, changes, (size_t) k, at);
        if (r >= 0 && !baseline)
                log_info("lifecycle: the experiment list's first look (%zu experiments) is the baseline; "
                         "changes from now on are announced", n);
        free(changes);
        return r;
}

void lifecycle_concluded(struct store_group *g, struct outbox *o, const struct config *c, long long id,
                         const char *name)
{
        struct store *s = store_group_store(g);
        struct store_listed_row row;
        char *baseline = NULL, event_id[NOTIFY_EVENT_ID_SIZE];
        const struct alert_event *events[1];
        struct alert_event ev;
        /* One row by its key: a concluded experiment still live comes here every poll. */
        int r = store_listed_get(s, id, &row);

        /* Not listed yet, or concluded already: the list tells or told it. */
        if (r != 1 || row.completed)
                return;
        r = store_meta_get(s, BASELINE_KEY, &baseline);
        free(baseline);
        if (r < 0 || !baseline)
                return;
        row.completed = true;
        row.name = name;
        r = store_group_join(g);
        if (r >= 0)
                r = store_listed_upsert(s, &row);
        if (r < 0) {
                store_group_fail(g, r);
                return;
        }
        if (!(c->lifecycle.events & (1u << LIFECYCLE_CONCLUDED)) || c->lifecycle.n_notify == 0)
                return;
        notify_new_event_id(event_id);
        notice_event(&ev, event_id, LIFECYCLE_CONCLUDED, id, name, lifecycle_status_name(row.status), (int64_t) time(NULL));
        events[0] = &ev;
        journal(&ev);
        queue(o, c, events, 1);
}

void lifecycle_listed(struct store_group *g, struct outbox *o, const struct config *c,
                      const struct mida_experiment *items, size_t n)
{
        struct store *s = store_group_store(g);
        struct previous p = { 0 };
        struct listed_state *now = calloc(n + 1, sizeof(*now));
        char *baseline = NULL;
        int r = now ? store_listed_each(s, add_previous, &p) : -ENOMEM;

        if (r >= 0)
                r = store_meta_get(s, BASELINE_KEY, &baseline);
        if (r >= 0) {
                to_states(items, n, now);
                r = update(g, o, c, &p, now, n, baseline != NULL, (int64_t) time(NULL));
        }
        if (r < 0) {
                if (store_group_is_open(g))
                        store_group_fail(g, r);
                log_warning("lifecycle: cannot compare the experiment list with the last one: %s; "
                            "trying again at the next discovery", strerror(-r));
        }
        free(baseline);
        free(now);
        previous_clear(&p);
}

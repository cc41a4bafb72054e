/* `status` beyond the watch list: see status_report.h. */
#include "status_report.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions/actions.h"
#include "config/config.h"
#include "config/duration.h"
#include "store/outbox_rows.h"
#include "util/grow.h"
#include "util/text_format.h"

#define ACTIONS_SHOWN 5
/* The "version" of the alerts and actions documents of `status --json`
 * (they began as the state files' own). */
#define DOCUMENT_VERSION 1

void status_format_time(int64_t t, char *buf, size_t size)
{
        time_t tt = (time_t) t;
        struct tm tm;

        if (t <= 0 || !gmtime_r(&tt, &tm))
                snprintf(buf, size, "never");
        else
                strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* ---- reading: each walk copies its rows, strings and all ---- */

/* What one read keeps beside the report while the walk runs. */
struct reading {
        struct status_report *report;
        size_t cap;                       /* of the array being filled */
        struct pending_notifier { char *name; size_t n; } *notifiers;
        size_t n_notifiers, cap_notifiers;
        uint64_t oldest_failing_usec;
};

/* *slot becomes a copy of text (NULL stays NULL). */
static int copy_text(const char **slot, const char *text)
{
        char *copy = text ? strdup(text) : NULL;

        *slot = copy;
        return text && !copy ? -ENOMEM : 0;
}

/* The rows' strings are the report's own copies. */
static void free_text(const char *text)
{
        free((void *) text);
}

/* Each add_* counts the row even when a copy fails, with the strings not
 * yet copied set to NULL, so that clearing frees exactly the copies. */
static int add_health(void *userdata, const struct store_health_row *row)
{
        struct reading *g = userdata;
        struct status_report *r = g->report;
        struct store_health_row *rows = grow_array(r->health, &g->cap, r->n_health, sizeof(*rows));
        struct store_health_row *copy;
        int k;

        if (!rows)
                return -ENOMEM;
        r->health = rows;
        copy = &rows[r->n_health++];
        *copy = *row;
        copy->subject = copy->name = copy->detail = NULL;
        k = copy_text(&copy->subject, row->subject);
        if (k >= 0)
                k = copy_text(&copy->name, row->name);
        if (k >= 0)
                k = copy_text(&copy->detail, row->detail);
        return k;
}

static int add_alert(void *userdata, const struct store_alert_row *row)
{
        struct reading *g = userdata;
        struct status_report *r = g->report;
        struct store_alert_row *rows = grow_array(r->alerts, &g->cap, r->n_alerts, sizeof(*rows));
        struct store_alert_row *copy;
        int k;

        if (!rows)
                return -ENOMEM;
        r->alerts = rows;
        copy = &rows[r->n_alerts++];
        *copy = *row;
        copy->rule = copy->variant_id = NULL;
        k = copy_text(&copy->rule, row->rule);
        if (k >= 0)
                k = copy_text(&copy->variant_id, row->variant_id);
        return k;
}

static int add_silence(void *userdata, const struct store_silence_row *row)
{
        struct reading *g = userdata;
        struct status_report *r = g->report;
        struct store_silence_row *rows = grow_array(r->silences, &g->cap, r->n_silences, sizeof(*rows));
        struct store_silence_row *copy;
        int k;

        if (!rows)
                return -ENOMEM;
        r->silences = rows;
        copy = &rows[r->n_silences++];
        *copy = *row;
        copy->rule = copy->variant_id = copy->comment = copy->created_by = NULL;
        k = copy_text(&copy->rule, row->rule);
        if (k >= 0)
                k = copy_text(&copy->variant_id, row->variant_id);
        if (k >= 0)
                k = copy_text(&copy->comment, row->comment);
        if (k >= 0)
                k = copy_text(&copy->created_by, row->created_by);
        return k;
}

static int add_action(void *userdata, const struct store_action_row *row)
{
        struct reading *g = userdata;
        struct status_report *r = g->report;
        struct store_action_row *rows = grow_array(r->actions, &g->cap, r->n_actions, sizeof(*rows));
        struct store_action_row *copy;
        int k;

        if (!rows)
                return -ENOMEM;
        r->actions = rows;
        copy = &rows[r->n_actions++];
        *copy = *row;
        copy->rule = copy->variant_id = copy->error = NULL;
        k = copy_text(&copy->rule, row->rule);
        if (k >= 0)
                k = copy_text(&copy->variant_id, row->variant_id);
        if (k >= 0)
                k = copy_text(&copy->error, row->error);
        return k;
}

static int count_notifier(struct reading *g, const char *name)
{
        struct pending_notifier *grown;

        for (size_t i = 0; i < g->n_notifiers; i++)
                if (strcmp(g->notifiers[i].name, name) == 0) {
                        g->notifiers[i].n++;
                        return 0;
                }
        grown = grow_array(g->notifiers, &g->cap_notifiers, g->n_notifiers, sizeof(*grown));
        if (!grown)
                return -ENOMEM;
        g->notifiers = grown;
        grown[g->n_notifiers] = (struct pending_notifier) { .name = strdup(name), .n = 1 };
        return grown[g->n_notifiers++].name ? 0 : -ENOMEM;
}

/* The body is never looked at: only who it is for and whether it failed. */
static int count_delivery(void *userdata, const struct store_delivery *d)
{
        struct reading *g = userdata;
        struct status_report *r = g->report;

        r->deliveries_pending++;
        if (d->last_error && d->created_at_usec < g->oldest_failing_usec) {
                g->oldest_failing_usec = d->created_at_usec;
                snprintf(r->last_delivery_error, sizeof(r->last_delivery_error), "%s: %s", d->notifier,
                         d->last_error);
        }
        return count_notifier(g, d->notifier);
}

static int read_health(struct store *s, struct status_report *r)
{
        struct reading g = { .report = r };
        int k = store_health_each(s, add_health, &g);

        /* The others are read: shown as UNKNOWN, not as an error. */
        r->health_unreadable = k == -EBADMSG;
        return k == -EBADMSG ? 0 : k;
}

static int read_alerts(struct store *s, struct status_report *r)
{
        struct reading g = { .report = r };
        int k = store_alerts_each(s, add_alert, &g);

        if (k >= 0)
                k = store_salt_get(s, r->salt);
        if (k >= 0)
                k = store_generation_get(s, &r->generation);
        return k;
}

static int read_silences(struct store *s, struct status_report *r)
{
        struct reading g = { .report = r };
        int k = store_silences_each(s, time(NULL), false, add_silence, &g);

        return k == -EBADMSG ? 0 : k;
}

static int read_actions(struct store *s, struct status_report *r)
{
        struct reading g = { .report = r };
        int k = store_actions_each(s, add_action, &g);

        return k < 0 ? k : store_actions_circuit_open_get(s, &r->circuit_open);
}

static int read_deliveries(struct store *s, struct status_report *r)
{
        struct reading g = { .report = r, .oldest_failing_usec = UINT64_MAX };
        int k = store_deliveries_each(s, count_delivery, &g);
        size_t used = 0;

        for (size_t i = 0; i < g.n_notifiers; i++) {
                if (used < sizeof(r->pending_notifiers))
                        used += (size_t) snprintf(r->pending_notifiers + used, sizeof(r->pending_notifiers) - used,
                                                  "%s%s: %zu", i ? ", " : "", g.notifiers[i].name, g.notifiers[i].n);
                free(g.notifiers[i].name);
        }
        free(g.notifiers);
        return k;
}

int status_report_read(struct store *s, struct status_report *r, const char **what)
{
        static const struct {
                const char *what;
                int (*read)(struct store *s, struct status_report *r);
        } parts[] = {
                { "the health conditions", read_health },
                { "the alerts", read_alerts },
                { "the silences", read_silences },
                { "the actions", read_actions },
                { "the queued deliveries", read_deliveries },
        };
        int k = 0;

        *r = (struct status_report) { 0 };
        for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && k >= 0; i++) {
                k = parts[i].read(s, r);
                if (k < 0)
                        *what = parts[i].what;
        }
        if (k < 0)
                status_report_clear(r);
        return k < 0 ? k : 0;
}

void status_report_clear(struct status_report *r)
{
        for (size_t i = 0; i < r->n_health; i++) {
                free_text(r->health[i].subject);
                free_text(r->health[i].name);
                free_text(r->health[i].detail);
        }
        for (size_t i = 0; i < r->n_alerts; i++) {
                free_text(r->alerts[i].rule);
                free_text(r->alerts[i].variant_id);
        }
        for (size_t i = 0; i < r->n_silences; i++) {
                free_text(r->silences[i].rule);
                free_text(r->silences[i].variant_id);
                free_text(r->silences[i].comment);
                free_text(r->silences[i].created_by);
        }
        free(r->silences);
        for (size_t i = 0; i < r->n_actions; i++) {
                free_text(r->actions[i].rule);
                free_text(r->actions[i].variant_id);
                free_text(r->actions[i].error);
        }
        free(r->health);
        free(r->alerts);
        free(r->actions);
        *r = (struct status_report) { 0 };
}

/* ---- text ---- */

void status_report_print_health(FILE *out, const struct status_report *r, const struct health_settings *s)
{
        if (r->health_unreadable) {
                fprintf(out, "Health:          UNKNOWN (state.db holds a health condition this mida-monitor "
                        "cannot read)\n");
                return;
        }
        if (r->n_health == 0) {
                fprintf(out, "Health:          OK\n");
                return;
        }
        fprintf(out, "Health:          DEGRADED\n");
        for (size_t i = 0; i < r->n_health; i++) {
                const struct store_health_row *h = &r->health[i];
                char what[400], since[32], wait[32];

                /* The same enum in the same order (the _Static_assert of health.c). */
                health_describe((enum health_condition) h->condition, h->subject, h->name, what, sizeof(what));
                status_format_time(h->since, since, sizeof(since));
                fprintf(out, "  - %s", what);
                if (h->detail && *h->detail)
                        fprintf(out, ": %s", h->detail);
                fprintf(out, "; since %s", since);
                if (h->alerted_at > 0) {
                        status_format_time(h->alerted_at, since, sizeof(since));
                        fprintf(out, "; notified %s\n", since);
                } else {
                        duration_format(s->after_usec, wait, sizeof(wait));
                        fprintf(out, "; notified if it lasts %s\n", wait);
                }
        }
}

static enum action_entry_state entry_state(enum store_action_state state)
{
        switch (state) {
        case STORE_ACTION_DONE: return ACTION_STATE_DONE;
        case STORE_ACTION_FAILED: return ACTION_STATE_FAILED;
        case STORE_ACTION_DRY_RUN: return ACTION_STATE_DRY_RUN;
        default: return ACTION_STATE_INTENDED;
        }
}

const char *status_report_describe_action(const struct store_action_row *row, char *buf, size_t size)
{
        struct action_entry e = {
                .rule = (char *) row->rule, .experiment_id = row->experiment_id, .action = row->action,
                .variant_id = (char *) row->variant_id, .traffic_allocation = row->traffic_allocation,
                .state = entry_state(row->state), .attempts = row->attempts, .intended_at = row->intended_at,
                .finished_at = row->finished_at, .http_status = row->http_status,
        };

        snprintf(e.error, sizeof(e.error), "%s", row->error ? row->error : "");
        return action_entry_describe(&e, buf, size);
}

static size_t firing_count(const struct status_report *r)
{
        size_t n = 0;

        for (size_t i = 0; i < r->n_alerts; i++)
                n += r->alerts[i].state == STORE_ALERT_FIRING;
        return n;
}

static void print_silences(FILE *out, const struct status_report *r)
{
        fprintf(out, "Silences:        %zu in force or to come\n", r->n_silences);
        for (size_t i = 0; i < r->n_silences; i++) {
                const struct store_silence_row *s = &r->silences[i];
                char until[32], experiment[40] = "";

                status_format_time(s->expired_at ? s->expired_at : s->ends_at, until, sizeof(until));
                if (s->experiment_id > 0)
                        snprintf(experiment, sizeof(experiment), " experiment %lld", s->experiment_id);
                fprintf(out, "  #%lld%s%s%s%s%s until %s%s: %s (%s)\n", s->id, s->rule ? " rule " : "",
                        s->rule ? s->rule : "", experiment, s->variant_id ? " variant " : "",
                        s->variant_id ? s->variant_id : "", until, s->actions ? ", actions withheld" : "",
                        s->comment ? s->comment : "", s->created_by ? s->created_by : "?");
        }
}

void status_report_print_rest(FILE *out, const struct status_report *r)
{
        fprintf(out, "Firing alerts:   %zu\n", firing_count(r));
        for (size_t i = 0; i < r->n_alerts; i++) {
                const struct store_alert_row *a = &r->alerts[i];
                bool variant = a->variant_id && *a->variant_id;
                char since[32];

                if (a->state != STORE_ALERT_FIRING)
                        continue;
                status_format_time(a->fired_at, since, sizeof(since));
                fprintf(out, "  %-16s experiment %lld%s%s, since %s%s\n", a->rule, a->experiment_id,
                        variant ? " variant " : "", variant ? a->variant_id : "", since,
                        a->held ? "; held back (silence or inhibition): its message is owed" : "");
        }
        print_silences(out, r);
        fprintf(out, "Deliveries:      %zu pending%s%s%s\n", r->deliveries_pending, r->pending_notifiers[0] ? " (" : "",
                r->pending_notifiers, r->pending_notifiers[0] ? ")" : "");
        if (r->last_delivery_error[0])
                fprintf(out, "  failing: %s\n", r->last_delivery_error);
        fprintf(out, "Actions:         %zu recorded\n", r->n_actions);
        /* The store walks them oldest first: the latest are at the end. */
        for (size_t i = 0; i < r->n_actions && i < ACTIONS_SHOWN; i++) {
                const struct store_action_row *a = &r->actions[r->n_actions - 1 - i];
                char when[32], what[200];

                status_format_time(a->intended_at, when, sizeof(when));
                fprintf(out, "  %s  %-16s experiment %lld: %s\n", when, a->rule, a->experiment_id,
                        status_report_describe_action(a, what, sizeof(what)));
        }
}

/* ---- JSON: the schema `status --json` has always had ---- */

/* One element of each list (rows_json's fn). */
static json_object *health_condition_json(const void *item)
{
        const struct store_health_row *h = item;

        return JSON_OBJECT(
                JSON_MEMBER("condition", json_object_new_string(store_health_condition_to_string(h->condition))),
                JSON_MEMBER("subject", json_object_new_string(h->subject ? h->subject : "")),
                JSON_OPTIONAL("name", h->name, json_object_new_string(h->name)),
                JSON_OPTIONAL("detail", h->detail, json_object_new_string(h->detail)),
                JSON_MEMBER("since", json_object_new_int64(h->since)),
                JSON_MEMBER("alerted_at", json_object_new_int64(h->alerted_at)),
                JSON_MEMBER("last_notified", json_object_new_int64(h->last_notified)));
}

static json_object *alert_json(const void *item)
{
        const struct store_alert_row *a = item;

        return JSON_OBJECT(
                JSON_MEMBER("rule", json_object_new_string(a->rule)),
                JSON_MEMBER("experiment_id", json_object_new_int64(a->experiment_id)),
                JSON_MEMBER("variant_id", json_object_new_string(a->variant_id ? a->variant_id : "")),
                JSON_MEMBER("state", json_object_new_string(store_alert_state_to_string(a->state))),
                JSON_MEMBER("active_since", json_object_new_int64(a->active_since)),
                JSON_MEMBER("fired_at", json_object_new_int64(a->fired_at)),
                JSON_MEMBER("last_notified", json_object_new_int64(a->last_notified)),
                JSON_MEMBER("held", json_object_new_boolean(a->held)));
}

static json_object *silence_json(const void *item)
{
        const struct store_silence_row *s = item;

        return JSON_OBJECT(
                JSON_MEMBER("id", json_object_new_int64(s->id)),
                JSON_OPTIONAL("experiment_id", s->experiment_id > 0, json_object_new_int64(s->experiment_id)),
                JSON_OPTIONAL("rule", s->rule, json_object_new_string(s->rule)),
                JSON_OPTIONAL("variant_id", s->variant_id, json_object_new_string(s->variant_id)),
                JSON_MEMBER("starts_at", json_object_new_int64(s->starts_at)),
                JSON_MEMBER("ends_at", json_object_new_int64(s->expired_at ? s->expired_at : s->ends_at)),
                JSON_MEMBER("actions", json_object_new_boolean(s->actions)),
                JSON_MEMBER("comment", json_object_new_string(s->comment ? s->comment : "")),
                JSON_OPTIONAL("created_by", s->created_by, json_object_new_string(s->created_by)));
}

static json_object *action_json(const void *item)
{
        const struct store_action_row *a = item;
        bool error = a->error && *a->error;

        return JSON_OBJECT(
                JSON_MEMBER("rule", json_object_new_string(a->rule)),
                JSON_MEMBER("experiment_id", json_object_new_int64(a->experiment_id)),
                JSON_MEMBER("action", json_object_new_string(rule_action_to_string(a->action))),
                JSON_OPTIONAL("variant_id", a->variant_id, json_object_new_string(a->variant_id)),
                JSON_MEMBER("traffic_allocation", json_object_new_int(a->traffic_allocation)),
                JSON_MEMBER("state", json_object_new_string(store_action_state_to_string(a->state))),
                JSON_MEMBER("attempts", json_object_new_int64(a->attempts)),
                JSON_MEMBER("intended_at", json_object_new_int64(a->intended_at)),
                JSON_MEMBER("finished_at", json_object_new_int64(a->finished_at)),
                JSON_MEMBER("http_status", json_object_new_int(a->http_status)),
                JSON_OPTIONAL("error", error, json_object_new_string(a->error)));
}

/* n rows of size bytes, each converted by fn: a new array, NULL on ENOMEM. */
static json_object *rows_json(const void *rows, size_t n, size_t size, json_object *(*fn)(const void *item))
{
        json_object *list = json_object_new_array_ext((int) n);

        for (size_t i = 0; list && i < n; i++) {
                json_object *o = fn((const char *) rows + i * size);

                if (!o || json_object_array_add(list, o) < 0) {
                        json_object_put(o);
                        json_object_put(list);
                        return NULL;
                }
        }
        return list;
}

/* {"version": 1, "<key>": list}. */
static json_object *document(const char *key, json_object *list)
{
        return JSON_OBJECT(JSON_MEMBER("version", json_object_new_int(DOCUMENT_VERSION)), JSON_MEMBER(key, list));
}

static json_object *health_json(const struct status_report *r)
{
        json_object *o = json_object_new_object();
        int k = o ? 0 : -ENOMEM;

        if (k >= 0)
                k = json_add(o, "ok", json_object_new_boolean(r->n_health == 0 && !r->health_unreadable));
        if (k >= 0)
                k = json_add(o, "conditions",
                             rows_json(r->health, r->n_health, sizeof(*r->health), health_condition_json));
        if (k < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static json_object *alerts_json(const struct status_report *r)
{
        json_object *o = document("alerts", rows_json(r->alerts, r->n_alerts, sizeof(*r->alerts), alert_json));
        int k = o ? 0 : -ENOMEM;

        if (k >= 0)
                k = json_add(o, "generation", json_object_new_int64((int64_t) r->generation));
        if (k >= 0)
                k = json_add(o, "salt", json_object_new_string(r->salt));
        if (k < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static json_object *deliveries_json(const struct status_report *r)
{
        json_object *o = json_object_new_object();

        if (o && json_add(o, "pending", json_object_new_int64((int64_t) r->deliveries_pending)) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static json_object *actions_json(const struct status_report *r)
{
        json_object *o = document("entries",
                                  rows_json(r->actions, r->n_actions, sizeof(*r->actions), action_json));

        if (o && json_add(o, "circuit_open", json_object_new_boolean(r->circuit_open)) < 0) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

int status_report_add_json(json_object *root, const struct status_report *r)
{
        int k = json_add(root, "health", health_json(r));

        if (k >= 0)
                k = json_add(root, "alerts", alerts_json(r));
        if (k >= 0)
                k = json_add(root, "silences", rows_json(r->silences, r->n_silences, sizeof(*r->silences), silence_json));
        if (k >= 0)
                k = json_add(root, "deliveries", deliveries_json(r));
        if (k >= 0)
                k = json_add(root, "actions", actions_json(r));
        return k;
}

/* `status` beyond state.json: see status_report.h. */
#include "status_report.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/atomic_file.h"
#include "config/duration.h"
#include "util/json_read.h"
#include "notify/outbox.h"
#include "notify/outbox_file.h"

#define MAX_STATE_FILE (64u << 20)
#define ACTIONS_SHOWN 5

void status_format_time(int64_t t, char *buf, size_t size)
{
        time_t tt = (time_t) t;
        struct tm tm;

        if (t <= 0 || !gmtime_r(&tt, &tm))
                snprintf(buf, size, "never");
        else
                strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* dir/name parsed, or NULL (missing, unreadable or corrupt: *bad says which). */
static json_object *read_json(const char *dir, const char *name, bool *bad)
{
        char path[4096], *text = NULL, *error = NULL;
        json_object *root = NULL;
        size_t len = 0;
        int r;

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        r = read_file_limited(path, MAX_STATE_FILE, &text, &len);
        if (r >= 0 && json_read_document(text, len, &root, &error) < 0)
                root = NULL;
        if (bad)
                *bad = r != -ENOENT && !root;
        free(text);
        free(error);
        return root;
}

static void count_deliveries(const char *dir, struct status_report *r)
{
        char path[4096];
        struct { char name[OUTBOX_MAX_TOKEN + 1]; size_t n; } per[16];
        size_t n_per = 0, used = 0;
        uint64_t oldest_failing = UINT64_MAX;
        struct dirent *d;
        DIR *dd;

        snprintf(path, sizeof(path), "%s/outbox", dir);
        if ((dd = opendir(path))) {
                while ((d = readdir(dd))) {
                        size_t len = strlen(d->d_name), k;
                        const char *dot = strchr(d->d_name, '.');
                        struct outbox_record rec = { 0 };
                        char file[4600], *text = NULL, *error = NULL;
                        size_t text_len;

                        if (d->d_name[0] == '.' || len <= 5 || strcmp(d->d_name + len - 5, ".json") != 0 || !dot)
                                continue;
                        r->deliveries_pending++;
                        for (k = 0; k < n_per; k++)
                                if (strlen(per[k].name) == (size_t) (dot - d->d_name) &&
                                    strncmp(per[k].name, d->d_name, (size_t) (dot - d->d_name)) == 0)
                                        break;
                        if (k == n_per && n_per < 16 && (size_t) (dot - d->d_name) <= OUTBOX_MAX_TOKEN) {
                                snprintf(per[k].name, sizeof(per[k].name), "%.*s", (int) (dot - d->d_name), d->d_name);
                                per[k].n = 0;
                                n_per++;
                        }
                        if (k < n_per)
                                per[k].n++;
                        snprintf(file, sizeof(file), "%s/%s", path, d->d_name);
                        if (read_file_limited(file, OUTBOX_MAX_BODY + 4096, &text, &text_len) >= 0 &&
                            outbox_record_from_json(text, text_len, &rec, &error) >= 0 && rec.last_error &&
                            rec.created_at < oldest_failing) {
                                oldest_failing = rec.created_at;
                                snprintf(r->last_delivery_error, sizeof(r->last_delivery_error), "%s: %s",
                                         rec.notifier, rec.last_error);
                        }
                        outbox_record_clear(&rec);
                        free(text);
                        free(error);
                }
                closedir(dd);
        }
        for (size_t k = 0; k < n_per && used < sizeof(r->pending_notifiers); k++)
                used += (size_t) snprintf(r->pending_notifiers + used, sizeof(r->pending_notifiers) - used, "%s%s: %zu",
                                          k ? ", " : "", per[k].name, per[k].n);
        snprintf(path, sizeof(path), "%s/outbox/failed", dir);
        if ((dd = opendir(path))) {
                while ((d = readdir(dd)))
                        if (d->d_name[0] != '.' && strstr(d->d_name, ".json"))
                                r->deliveries_failed++;
                closedir(dd);
        }
}

void status_report_read(const char *dir, struct status_report *r)
{
        json_object *root;
        char *error = NULL;

        *r = (struct status_report) { 0 };
        if ((root = read_json(dir, HEALTH_STATE_FILE, &r->health_unreadable))) {
                if (health_state_from_json(root, &r->health, &error) < 0)
                        r->health_unreadable = true;
                json_object_put(root);
                free(error);
                error = NULL;
        }
        if ((root = read_json(dir, RULES_STATE_FILE, NULL))) {
                (void) rules_state_from_json(root, &r->alerts, &error);
                json_object_put(root);
                free(error);
                error = NULL;
        }
        if ((root = read_json(dir, ACTIONS_LEDGER_FILE, NULL))) {
                (void) actions_ledger_from_json(root, &r->actions, &error);
                json_object_put(root);
                free(error);
        }
        count_deliveries(dir, r);
}

void status_report_clear(struct status_report *r)
{
        health_state_clear(&r->health);
        rules_state_clear(&r->alerts);
        actions_ledger_clear(&r->actions);
}

void status_report_print_health(FILE *out, const struct status_report *r, const struct health_settings *s)
{
        if (r->health_unreadable) {
                fprintf(out, "Health:          UNKNOWN (%s is unreadable)\n", HEALTH_STATE_FILE);
                return;
        }
        if (r->health.n == 0) {
                fprintf(out, "Health:          OK\n");
                return;
        }
        fprintf(out, "Health:          DEGRADED\n");
        for (size_t i = 0; i < r->health.n; i++) {
                const struct health_record *h = &r->health.records[i];
                char what[400], since[32], wait[32];

                health_describe(h->condition, h->subject, h->name, what, sizeof(what));
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

static int by_intended_at_desc(const void *a, const void *b)
{
        const struct action_entry *x = *(const struct action_entry *const *) a;
        const struct action_entry *y = *(const struct action_entry *const *) b;

        return x->intended_at < y->intended_at ? 1 : x->intended_at > y->intended_at ? -1 : 0;
}

void status_report_print_rest(FILE *out, const struct status_report *r)
{
        size_t firing = rules_firing_count(&r->alerts, NULL);
        const struct action_entry **sorted;

        fprintf(out, "Firing alerts:   %zu\n", firing);
        for (size_t i = 0; i < r->alerts.n; i++) {
                const struct alert_record *a = &r->alerts.records[i];
                char since[32];

                if (a->state != ALERT_FIRING)
                        continue;
                status_format_time(a->fired_at, since, sizeof(since));
                fprintf(out, "  %-16s experiment %lld%s%s, since %s\n", a->rule, a->experiment_id,
                        a->variant_id && *a->variant_id ? " variant " : "", a->variant_id ? a->variant_id : "", since);
        }
        fprintf(out, "Deliveries:      %zu pending%s%s%s, %zu given up (outbox/failed)\n", r->deliveries_pending,
                r->pending_notifiers[0] ? " (" : "", r->pending_notifiers, r->pending_notifiers[0] ? ")" : "",
                r->deliveries_failed);
        if (r->last_delivery_error[0])
                fprintf(out, "  failing: %s\n", r->last_delivery_error);
        fprintf(out, "Actions:         %zu recorded\n", r->actions.n);
        sorted = calloc(r->actions.n ? r->actions.n : 1, sizeof(*sorted));
        if (!sorted)
                return;
        for (size_t i = 0; i < r->actions.n; i++)
                sorted[i] = &r->actions.entries[i];
        if (r->actions.n > 1)
                qsort(sorted, r->actions.n, sizeof(*sorted), by_intended_at_desc);
        for (size_t i = 0; i < r->actions.n && i < ACTIONS_SHOWN; i++) {
                char when[32], what[200];
                status_format_time(sorted[i]->intended_at, when, sizeof(when));
                fprintf(out, "  %s  %-16s experiment %lld: %s\n", when, sorted[i]->rule, sorted[i]->experiment_id,
                        action_entry_describe(sorted[i], what, sizeof(what)));
        }
        free(sorted);
}

void status_report_add_json(json_object *root, const struct status_report *r)
{
        json_object *health = json_object_new_object(), *deliveries = json_object_new_object();
        json_object *conditions = health_state_to_json(&r->health), *list = NULL;

        if (conditions && json_object_object_get_ex(conditions, "conditions", &list))
                json_object_get(list);
        json_object_put(conditions);
        if (health) {
                json_object_object_add(health, "ok", json_object_new_boolean(r->health.n == 0 && !r->health_unreadable));
                json_object_object_add(health, "conditions", list ? list : json_object_new_array());
                json_object_object_add(root, "health", health);
        } else {
                json_object_put(list);
        }
        json_object_object_add(root, "alerts", rules_state_to_json(&r->alerts));
        if (deliveries) {
                json_object_object_add(deliveries, "pending", json_object_new_int64((int64_t) r->deliveries_pending));
                json_object_object_add(deliveries, "failed", json_object_new_int64((int64_t) r->deliveries_failed));
                json_object_object_add(root, "deliveries", deliveries);
        }
        json_object_object_add(root, "actions", actions_ledger_to_json(&r->actions));
}

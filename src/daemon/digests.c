#include "digests.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "digest_build.h"
#include "notify/digest.h"
#include "notify/event_id.h"
#include "notify/notify.h"
#include "notify/outbox.h"
#include "store/digest_rows.h"
#include "store/group_commit.h"
#include "util/log.h"
#include "util/text_format.h"

#define RETRY_AFTER_FAILURE_SEC 60
#define MAX_SLOTS_COUNTED 10000

struct digest_due digest_due(const struct weekly_schedule *s, const char *tz, int64_t armed_at, int64_t last_sent,
                             int64_t now)
{
        int64_t latest = weekly_schedule_at_or_before(s, tz, now), floor = armed_at - 1;
        struct digest_due due = { 0 };

        if (last_sent > floor)
                floor = last_sent;
        if (latest <= floor)
                return due;
        due.slot = latest;
        for (int64_t t = weekly_schedule_at_or_before(s, tz, latest - 1);
             t > floor && due.skipped < MAX_SLOTS_COUNTED; t = weekly_schedule_at_or_before(s, tz, t - 1)) {
                due.skipped++;
                due.oldest_skipped = t;
        }
        return due;
}

static void format_slot(int64_t t, char *buf, size_t size)
{
        if (format_utc_minute((time_t) t, buf, size) < 0)
                snprintf(buf, size, "%" PRId64, t);
}

static void journal_skipped(const struct config_digest *cd, const struct digest_due *due)
{
        char oldest[32];
        struct log_field fields[] = { { "MIDA_DIGEST", cd->name } };

        format_slot(due->oldest_skipped, oldest, sizeof(oldest));
        log_event(LOG_NOTICE, MIDA_MSGID_DIGEST_SKIPPED, fields, 1,
                  "digest %s: %u scheduled time%s missed while the daemon was down (the oldest %s) skipped; "
                  "only the latest is sent", cd->name, due->skipped, due->skipped == 1 ? "" : "s", oldest);
}

/* Queues the rendered digest for each of its notifiers, in the open group. */
static size_t queue_digest(struct digests *d, const struct config_digest *cd, const struct notify_context *ctx,
                           const struct digest *view)
{
        size_t queued = 0;

        for (size_t i = 0; i < cd->n_notify; i++) {
                const struct config_notifier *n = &d->config->notifiers[cd->notify[i]];
                char *body = digest_render(n, ctx, view);
                int r = body ? outbox_enqueue(d->outbox, n->name, view->id, body) : -ENOMEM;

                if (r >= 0 || r == -EEXIST)
                        queued++;
                else
                        log_error("digest %s: cannot queue it for notifier '%s': %s", cd->name, n->name, strerror(-r));
                free(body);
        }
        return queued;
}

/* Builds the digest of slot and records it with its deliveries in one
 * group: 0 (also when it was recorded already), or -errno to retry. */
static int send_scheduled(struct digests *d, const struct config_digest *cd, int64_t slot, int64_t last,
                          int64_t now)
{
        struct store *s = store_group_store(d->group);
        struct notify_context ctx = notify_context_now();
        char id[NOTIFY_EVENT_ID_SIZE], slot_text[24], when[32];
        const char *parts[] = { "digest", cd->name, slot_text };
        struct digest_data *data = NULL;
        int r;

        snprintf(slot_text, sizeof(slot_text), "%" PRId64, slot);
        notify_derived_event_id(id, parts, 3);
        r = store_group_join(d->group);
        if (r >= 0)
                r = digest_build(s, d->config, &(struct digest_request) {
                        .digest = cd, .id = id, .now = now, .scheduled_for = slot,
                        .since = digest_since_last(cd, last, slot), .instance = ctx.instance }, &data);
        if (r >= 0)
                r = store_digest_add(s, &(struct store_digest_row) {
                        .name = cd->name, .slot = slot, .id = id, .sent_at = now });
        if (r == -EEXIST) {
                digest_data_free(data);
                return 0;
        }
        if (r >= 0) {
                const struct digest *view = digest_data_view(data);
                size_t queued = queue_digest(d, cd, &ctx, view);
                struct log_field fields[] = { { "MIDA_DIGEST", cd->name }, { "MIDA_DIGEST_SLOT", slot_text },
                                              { "MIDA_EVENT_ID", id } };

                format_slot(slot, when, sizeof(when));
                log_event(LOG_INFO, MIDA_MSGID_DIGEST_SENT, fields, 3,
                          "digest %s for %s: %zu experiment%s, %zu alert%s, %zu action%s; queued for %zu notifier%s",
                          cd->name, when, view->n_experiments, view->n_experiments == 1 ? "" : "s", view->n_alerts,
                          view->n_alerts == 1 ? "" : "s", view->n_actions, view->n_actions == 1 ? "" : "s", queued,
                          queued == 1 ? "" : "s");
        }
        digest_data_free(data);
        /* A digest of thousands of experiments is tens of MiB of transient
         * text and trees: give the pages back rather than keep them. */
        malloc_trim(0);
        return r;
}

/* Sends what is due for cd at now; -errno when it must be tried again. */
static int run_digest(struct digests *d, const struct config_digest *cd, int64_t now)
{
        struct store *s = store_group_store(d->group);
        int64_t armed_at = now, last = 0;
        struct digest_due due;
        int r = store_group_join(d->group);

        if (r >= 0)
                r = store_digest_armed(s, cd->name, now, &armed_at);
        if (r >= 0)
                r = store_digest_last(s, cd->name, &last);
        if (r < 0)
                return r;
        due = digest_due(&cd->schedule, cd->timezone, armed_at, last, now);
        if (due.skipped > 0)
                journal_skipped(cd, &due);
        return due.slot > 0 ? send_scheduled(d, cd, due.slot, last, now) : 0;
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata);

/* Arms the timer at the earliest next slot, or after a failure in a minute. */
static void arm(struct digests *d, int64_t now, bool failed)
{
        int64_t next = failed ? now + RETRY_AFTER_FAILURE_SEC : INT64_MAX;
        int r;

        for (size_t i = 0; i < d->config->n_digests; i++) {
                const struct config_digest *cd = &d->config->digests[i];
                int64_t t = weekly_schedule_after(&cd->schedule, cd->timezone, now);

                if (t > 0 && t < next)
                        next = t;
        }
        if (next == INT64_MAX) {
                if (d->timer)
                        (void) sd_event_source_set_enabled(d->timer, SD_EVENT_OFF);
                return;
        }
        if (d->timer) {
                r = sd_event_source_set_time(d->timer, (uint64_t) next * 1000000u);
                if (r >= 0)
                        r = sd_event_source_set_enabled(d->timer, SD_EVENT_ONESHOT);
        } else
                r = sd_event_add_time(d->event, &d->timer, CLOCK_REALTIME, (uint64_t) next * 1000000u,
                                      1000000u, on_timer, d);
        if (r < 0)
                log_error("digests: cannot arm the timer: %s; digests are not sent", strerror(-r));
}

static void run_due(struct digests *d)
{
        int64_t now = (int64_t) time(NULL);
        bool failed = false;

        for (size_t i = 0; d->config && i < d->config->n_digests; i++) {
                const struct config_digest *cd = &d->config->digests[i];
                int r = run_digest(d, cd, now);

                if (r < 0) {
                        store_group_fail(d->group, r);
                        log_error("digest %s: cannot record it in state.db: %s; trying again in %d s", cd->name,
                                  strerror(-r), RETRY_AFTER_FAILURE_SEC);
                        failed = true;
                }
        }
        if (d->config)
                arm(d, now, failed);
}

static int on_timer(sd_event_source *source, uint64_t usec, void *userdata)
{
        (void) source;
        (void) usec;
        run_due(userdata);
        return 0;
}

void digests_open(struct digests *d, sd_event *e, struct store_group *g, struct outbox *o, const struct config *c)
{
        *d = (struct digests) { .event = e, .group = g, .outbox = o, .config = c };
        if (g && o)
                run_due(d);
}

void digests_set_config(struct digests *d, const struct config *c)
{
        d->config = c;
        if (d->group && d->outbox)
                run_due(d);
}

void digests_close(struct digests *d)
{
        d->timer = sd_event_source_unref(d->timer);
        *d = (struct digests) { 0 };
}

/* The outbox: per-notifier FIFO queues of deliveries kept as rows of
 * state.db, one sd-event timer for the earliest retry, and the
 * bookkeeping of each attempt. */
#include "outbox.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "config/config.h"
#include "delivery.h"
#include "store/group_commit.h"
#include "store/outbox_rows.h"
#include "util/grow.h"
#include "util/log.h"

#define USEC_PER_SEC 1000000ULL
#define TIMER_ACCURACY_USEC 1000ULL

static const struct backoff_policy default_backoff = {
        .initial_usec = 1 * USEC_PER_SEC,
        .max_usec = 600 * USEC_PER_SEC,
};

struct entry {
        char *id;
        char *notifier;
        char *body;
        char *last_error;             /* NULL: none yet */
        uint64_t created_at;          /* µs since the epoch */
        uint64_t next_attempt_at;
        unsigned attempts;
        /* Its row is in a group not committed yet: not sent before it is. */
        bool uncommitted;
        uint64_t added_at_commit;     /* the outbox's commits_begun when the row was added */
        struct entry *next;
};

/* One notifier's deliveries, oldest first; only the head is ever sent. */
struct queue {
        struct outbox *owner;
        char *notifier;
        struct entry *head, *tail;
        struct http_transfer *transfer;   /* the head's POST in flight, or NULL */
        bool missing_logged;              /* said once that the notifier is gone */
        /* Health (outbox_notifier_failing_since): the first failure since
         * the last success, µs since the epoch, 0 while deliveries work. */
        uint64_t failing_since;
        char last_failure[256];
};

/* A done delivery whose row is still to leave the table: its DELETE
 * failed, or the group it was in was rolled back. Retried in each group
 * until one commits it, so that a full disk does not mean a second send
 * at the next start. */
struct removal {
        char *notifier, *id;
        bool written;                     /* its DELETE is in the open group */
        uint64_t written_at_commit;       /* commits_begun when it was written */
};

struct outbox {
        struct store_group *group;
        sd_event *event;
        struct http_client *http;
        const struct config *config;
        struct queue **queues;            /* pointers: callbacks hold them */
        size_t n_queues;
        sd_event_source *timer;
        struct backoff_policy backoff;
        unsigned in_flight;
        size_t pending;
        uint64_t commits_begun;           /* the group's before_commit hooks heard */
        struct removal *removals;         /* rows still to remove */
        size_t n_removals, cap_removals;
        uint64_t failed_total, delivered_total;
};

static void pump(struct outbox *o);

static uint64_t now_usec(const struct outbox *o)
{
        uint64_t t = 0;

        (void) sd_event_now(o->event, CLOCK_REALTIME, &t);
        return t;
}

static uint64_t random_u64(void)
{
        uint64_t x = 0;

        (void) getrandom(&x, sizeof(x), GRND_NONBLOCK);
        return x;
}

bool outbox_valid_token(const char *s)
{
        static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
        size_t n = s ? strspn(s, chars) : 0;

        return n > 0 && n <= OUTBOX_MAX_TOKEN && s[n] == '\0';
}

static void entry_free(struct entry *e)
{
        if (!e)
                return;
        free(e->id);
        free(e->notifier);
        free(e->body);
        free(e->last_error);
        free(e);
}

/* The row's strings copied; NULL on ENOMEM. */
static struct entry *entry_new(const struct store_delivery *d)
{
        struct entry *e = calloc(1, sizeof(*e));

        if (!e || !(e->id = strdup(d->id)) || !(e->notifier = strdup(d->notifier)) ||
            !(e->body = strdup(d->body)) || (d->last_error && !(e->last_error = strdup(d->last_error)))) {
                entry_free(e);
                return NULL;
        }
        e->created_at = d->created_at_usec;
        e->next_attempt_at = d->next_attempt_at_usec;
        e->attempts = d->attempts;
        return e;
}

static struct store_delivery entry_row(const struct entry *e)
{
        return (struct store_delivery) {
                .id = e->id, .notifier = e->notifier, .body = e->body, .created_at_usec = e->created_at,
                .next_attempt_at_usec = e->next_attempt_at, .attempts = e->attempts, .last_error = e->last_error,
        };
}

static struct queue *find_queue(const struct outbox *o, const char *notifier)
{
        for (size_t i = 0; i < o->n_queues; i++)
                if (strcmp(o->queues[i]->notifier, notifier) == 0)
                        return o->queues[i];
        return NULL;
}

static struct queue *get_queue(struct outbox *o, const char *notifier)
{
        struct queue *q = find_queue(o, notifier), **grown;

        if (q)
                return q;
        grown = realloc(o->queues, (o->n_queues + 1) * sizeof(*grown));
        if (!grown)
                return NULL;
        o->queues = grown;
        q = calloc(1, sizeof(*q));
        if (!q || !(q->notifier = strdup(notifier))) {
                free(q);
                return NULL;
        }
        q->owner = o;
        o->queues[o->n_queues++] = q;
        return q;
}

static void queue_append(struct outbox *o, struct queue *q, struct entry *e)
{
        if (q->tail)
                q->tail->next = e;
        else
                q->head = e;
        q->tail = e;
        o->pending++;
}

static struct entry *queue_pop(struct outbox *o, struct queue *q)
{
        struct entry *e = q->head;

        q->head = e->next;
        if (!q->head)
                q->tail = NULL;
        o->pending--;
        return e;
}

static bool queue_has_id(const struct queue *q, const char *id)
{
        for (const struct entry *e = q->head; e; e = e->next)
                if (strcmp(e->id, id) == 0)
                        return true;
        return false;
}

/* ---- the rows: each write joins the open group; a failed one dooms it ---- */

/* The journal fields of a delivery's error records (never its URL). */
#define ENTRY_FIELDS(e) ((struct log_field[]) { { "MIDA_NOTIFIER", (e)->notifier }, { "MIDA_EVENT_ID", (e)->id } })

static void not_crash_safe(const struct entry *e, const char *why, int r)
{
        log_event(LOG_ERR, NULL, ENTRY_FIELDS(e), 2,
                  "state.db: delivery %s to notifier %s is not stored (%s: %s); it is sent all the same but is not "
                  "crash-safe: a restart before it is delivered loses it", e->id, e->notifier, why, strerror(-r));
}

/* Returns 0, -EEXIST when the table has that notifier and id already
 * (nothing changed, the group goes on), or the -errno of the write. */
static int row_add(struct outbox *o, const struct entry *e)
{
        const struct store_delivery d = entry_row(e);
        int r = store_group_join(o->group);

        if (r >= 0)
                r = store_delivery_add(store_group_store(o->group), &d);
        if (r < 0 && r != -EEXIST)
                store_group_fail(o->group, r);
        return r;
}

/* After a failed attempt. A row that is not there was never stored (its
 * write failed, or its group was rolled back): nothing to update. */
static void row_attempted(struct outbox *o, const struct entry *e)
{
        int r = store_group_join(o->group);

        if (r >= 0)
                r = store_delivery_attempted(store_group_store(o->group), e->notifier, e->id, e->attempts,
                                             e->next_attempt_at, e->last_error);
        if (r >= 0 || r == -ENOENT)
                return;
        store_group_fail(o->group, r);
        log_event(LOG_ERR, NULL, ENTRY_FIELDS(e), 2,
                  "state.db: cannot record the failed attempt of delivery %s to notifier %s: %s; it is retried "
                  "all the same", e->id, e->notifier, strerror(-r));
}

/* Writes a removal's DELETE into the open group (opening one); a failure
 * dooms the group and leaves the removal for the next one. */
static int write_removal(struct outbox *o, struct removal *m)
{
        int r = store_group_join(o->group);

        if (r >= 0)
                r = store_delivery_remove(store_group_store(o->group), m->notifier, m->id);
        m->written = r >= 0;
        m->written_at_commit = o->commits_begun;
        if (r < 0)
                store_group_fail(o->group, r);
        return r;
}

/* A delivery that is done (delivered or given up) leaves the table: its
 * removal is kept until a commit holds it. Out of memory, the row stays and
 * the next start sends it again (at least once, same id). */
static void row_remove(struct outbox *o, const struct entry *e, const char *outcome)
{
        struct removal *m = grow_array(o->removals, &o->cap_removals, o->n_removals, sizeof(*m));
        int r = -ENOMEM;

        if (m) {
                o->removals = m;
                m = &o->removals[o->n_removals];
                *m = (struct removal) { .notifier = strdup(e->notifier), .id = strdup(e->id) };
                if (m->notifier && m->id) {
                        o->n_removals++;
                        r = write_removal(o, m);
                } else {
                        free(m->notifier);
                        free(m->id);
                }
        }
        if (r >= 0)
                return;
        log_event(LOG_ERR, NULL, ENTRY_FIELDS(e), 2,
                  "state.db: cannot remove delivery %s to notifier %s (%s): %s; %s", e->id, e->notifier, outcome,
                  strerror(-r), r == -ENOMEM ? "the next start sends it again" : "retried with the next commit");
}

/* The removals a commit that just ended holds are done (r = 0); after a
 * rollback every one is written again in the next group. */
static void settle_removals(struct outbox *o, int r, bool newer_group_open)
{
        size_t kept = 0;

        for (size_t i = 0; i < o->n_removals; i++) {
                struct removal *m = &o->removals[i];
                bool ended = m->written && (m->written_at_commit < o->commits_begun || !newer_group_open);

                if (ended && r >= 0) {
                        free(m->notifier);
                        free(m->id);
                        continue;
                }
                if (ended)
                        m->written = false;
                o->removals[kept++] = *m;
        }
        o->n_removals = kept;
}

/* ---- the group's hooks ---- */

static void on_before_commit(void *userdata)
{
        struct outbox *o = userdata;

        for (size_t i = 0; i < o->n_removals; i++)
                if (!o->removals[i].written)
                        (void) write_removal(o, &o->removals[i]);
        o->commits_begun++;
}

/* Whether the commit that just ended holds e's row. A row added before
 * that commit began (our before_commit hook) is in it. One added since is
 * in it too (another listener's before_commit wrote it), unless a newer
 * group is open already: then a listener's committed hook, heard before
 * ours, may have opened that group and written the row into it, and e
 * waits for the next commit (a delay, never a send before the commit). */
static bool in_ended_commit(const struct outbox *o, const struct entry *e, bool newer_group_open)
{
        return e->added_at_commit < o->commits_begun || !newer_group_open;
}

/* r = 0: the rows are durable, their deliveries may go. r < 0: rolled
 * back; they go all the same, not crash-safe. */
static void on_committed(void *userdata, int r)
{
        struct outbox *o = userdata;
        bool newer_group_open = store_group_is_open(o->group);

        for (size_t i = 0; i < o->n_queues; i++)
                for (struct entry *e = o->queues[i]->head; e; e = e->next) {
                        if (!e->uncommitted || !in_ended_commit(o, e, newer_group_open))
                                continue;
                        e->uncommitted = false;
                        if (r < 0)
                                not_crash_safe(e, "its transaction was rolled back", r);
                }
        settle_removals(o, r, newer_group_open);
        pump(o);
}

/* ---- delivery ---- */

/* The store keeps no given-up delivery: this record, with the body in a
 * field of its own (the journal's, not the message), is what is left. */
static void give_up(struct outbox *o, struct queue *q, int status, const char *why)
{
        struct entry *e = queue_pop(o, q);
        char status_text[16];
        struct log_field fields[] = {
                { "MIDA_NOTIFIER", e->notifier },
                { "MIDA_EVENT_ID", e->id },
                { "MIDA_DELIVERY_BODY", e->body },
                { "MIDA_HTTP_STATUS", status_text },   /* last: left out without a status */
        };

        snprintf(status_text, sizeof(status_text), "%d", status);
        log_event(LOG_ERR, MIDA_MSGID_DELIVERY_FAILED, fields, status > 0 ? 4 : 3,
                  "giving up delivery of %s to notifier %s after %u attempt%s: %s", e->id,
                  e->notifier, e->attempts, e->attempts == 1 ? "" : "s", why);
        row_remove(o, e, "given up");
        entry_free(e);
        o->failed_total++;
}

/* what: "HTTP 200", "SMTP 250". */
static void delivered(struct outbox *o, struct queue *q, const char *what)
{
        struct entry *e = queue_pop(o, q);

        log_debug("delivered %s to notifier %s (%s, attempt %u)", e->id, e->notifier, what, e->attempts);
        row_remove(o, e, "delivered");
        entry_free(e);
        o->delivered_total++;
}

/* The last moment worth trying: created_at + the notifier's max_age
 * (none while the notifier is missing from the config). */
static uint64_t deadline(const struct outbox *o, const struct entry *e)
{
        const struct config_notifier *n = config_find_notifier(o->config, e->notifier);

        return n ? e->created_at + n->max_age_usec : UINT64_MAX;
}

/* Kept in the row so that status can say why a notifier is failing. */
static void set_last_error(struct entry *e, const char *error)
{
        char *copy = strdup(error);

        if (copy) {
                free(e->last_error);
                e->last_error = copy;
        }
}

static void retry_later(struct outbox *o, struct queue *q, const char *error, long retry_after)
{
        struct entry *e = q->head;
        uint64_t now = now_usec(o), until = deadline(o, e), delay;

        set_last_error(e, error);
        if (now >= until) {
                give_up(o, q, 0, "still failing after the notifier's max_age");
                return;
        }
        delay = backoff_delay(&o->backoff, e->attempts - 1, random_u64(), retry_after);
        /* The final attempt happens at the deadline, not never. */
        e->next_attempt_at = delay > until - now ? until : now + delay;
        log_warning("delivery of %s to notifier %s failed (%s), attempt %u; next in %.1f s", e->id, e->notifier,
                    error, e->attempts, (double) (e->next_attempt_at - now) / USEC_PER_SEC);
        row_attempted(o, e);
}

static void note_outcome(struct outbox *o, struct queue *q, bool ok, const char *what)
{
        if (ok) {
                q->failing_since = 0;
                q->last_failure[0] = 0;
                return;
        }
        if (q->failing_since == 0)
                q->failing_since = now_usec(o);
        snprintf(q->last_failure, sizeof(q->last_failure), "%s", what);
}

static void on_done(const struct http_response *r, void *userdata)
{
        struct queue *q = userdata;
        struct outbox *o = q->owner;
        const struct config_notifier *n = config_find_notifier(o->config, q->notifier);
        enum notifier_type type = n ? n->type : NOTIFIER_WEBHOOK;
        enum delivery_outcome outcome = delivery_classify_for(type, r->status);
        char what[256], why[300];

        q->transfer = NULL;
        o->in_flight--;
        delivery_describe_for(type, r, what, sizeof(what));
        note_outcome(o, q, outcome == DELIVERY_DELIVERED, what);
        switch (outcome) {
        case DELIVERY_DELIVERED:
                delivered(o, q, what);
                break;
        case DELIVERY_PERMANENT:
                snprintf(why, sizeof(why), "%s (permanent, not retried)", what);
                set_last_error(q->head, what);
                give_up(o, q, r->status, why);
                break;
        case DELIVERY_TRANSIENT:
                retry_later(o, q, what, delivery_honours_retry_after(r->status) ? r->retry_after_seconds : -1);
                break;
        }
        pump(o);
}

static void start_attempt(struct outbox *o, struct queue *q, const struct config_notifier *n, uint64_t now)
{
        struct entry *e = q->head;
        int r;

        e->attempts++;
        r = delivery_start(o->http, n, e->id, e->body, strlen(e->body), (time_t) (now / USEC_PER_SEC), on_done, q,
                           &q->transfer);
        if (r >= 0) {
                o->in_flight++;
                return;
        }
        q->transfer = NULL;
        retry_later(o, q, r == -ENOMEM ? "out of memory" : "cannot build the request", -1);
}

/* Whether q's head may be sent now or later: a notifier to send it to,
 * and its row committed. */
static const struct config_notifier *sendable(struct queue *q)
{
        const struct config_notifier *n;

        if (!q->head || q->head->uncommitted || q->transfer || !q->owner->config)
                return NULL;
        n = config_find_notifier(q->owner->config, q->notifier);
        if (!n && !q->missing_logged)
                log_warning("notifier %s is not in the config; its deliveries are kept until it is again",
                            q->notifier);
        q->missing_logged = !n;
        return n;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        (void) s;
        (void) usec;
        pump(userdata);
        return 0;
}

/* One timer for the earliest head not yet due; due heads left waiting for
 * a free slot are started by the next completion instead, and uncommitted
 * ones by the commit. */
static void arm_timer(struct outbox *o, uint64_t now)
{
        uint64_t next = UINT64_MAX;

        for (size_t i = 0; i < o->n_queues; i++) {
                struct queue *q = o->queues[i];

                if (q->head && !q->head->uncommitted && !q->transfer && q->head->next_attempt_at > now &&
                    q->head->next_attempt_at < next && config_find_notifier(o->config, q->notifier))
                        next = q->head->next_attempt_at;
        }
        if (next == UINT64_MAX) {
                (void) sd_event_source_set_enabled(o->timer, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(o->timer, next);
        (void) sd_event_source_set_enabled(o->timer, SD_EVENT_ONESHOT);
}

static void pump(struct outbox *o)
{
        uint64_t now = now_usec(o);

        for (size_t i = 0; i < o->n_queues && o->in_flight < OUTBOX_MAX_IN_FLIGHT; i++) {
                struct queue *q = o->queues[i];
                const struct config_notifier *n = sendable(q);

                if (n && q->head->next_attempt_at <= now)
                        start_attempt(o, q, n, now);
        }
        arm_timer(o, now);
}

int outbox_enqueue(struct outbox *o, const char *notifier, const char *id, const char *body)
{
        struct queue *q;
        struct entry *e;
        uint64_t now;
        int r;

        if (!o || !outbox_valid_token(notifier) || !outbox_valid_token(id) || !body)
                return -EINVAL;
        q = get_queue(o, notifier);
        if (!q)
                return -ENOMEM;
        if (queue_has_id(q, id))
                return -EEXIST;
        now = now_usec(o);
        e = entry_new(&(struct store_delivery) { .id = id, .notifier = notifier, .body = body,
                                                 .created_at_usec = now, .next_attempt_at_usec = now });
        if (!e)
                return -ENOMEM;
        r = row_add(o, e);
        if (r == -EEXIST) {   /* a row this run no longer sends: its removal failed */
                entry_free(e);
                return r;
        }
        e->uncommitted = r >= 0;
        e->added_at_commit = o->commits_begun;
        if (r < 0)
                not_crash_safe(e, "cannot write it", r);
        queue_append(o, q, e);
        pump(o);
        return r < 0 ? r : 0;
}

/* ---- open and close ---- */

/* One row of the table, in queue order; due at once. */
static int load_row(void *userdata, const struct store_delivery *d)
{
        struct outbox *o = userdata;
        struct queue *q;
        struct entry *e;

        if (!outbox_valid_token(d->notifier) || !outbox_valid_token(d->id)) {
                log_warning("state.db: a queued delivery has no valid notifier name or id (%.64s to %.64s); "
                            "left in the outbox table, not sent", d->id, d->notifier);
                return 0;
        }
        q = get_queue(o, d->notifier);
        e = q ? entry_new(d) : NULL;
        if (!e)
                return -ENOMEM;
        e->next_attempt_at = 0;
        /* Failing before the restart: still failing until shown otherwise. */
        if (e->attempts > 0 && e->last_error && q->failing_since == 0) {
                q->failing_since = e->created_at;
                snprintf(q->last_failure, sizeof(q->last_failure), "%s", e->last_error);
        }
        queue_append(o, q, e);
        return 0;
}

int outbox_open(struct store_group *g, sd_event *e, struct http_client *http, struct outbox **ret)
{
        struct outbox *o;
        int r;

        if (!g || !e || !http || !ret)
                return -EINVAL;
        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->group = g;
        o->event = sd_event_ref(e);
        o->http = http;
        o->backoff = default_backoff;
        /* The retry timer, off until a delivery waits: created now so that
         * sd-event opens its CLOCK_REALTIME timerfd at start-up, not on the
         * first failed delivery (the daemon's descriptors stay as they are). */
        r = sd_event_add_time(e, &o->timer, CLOCK_REALTIME, 0, TIMER_ACCURACY_USEC, on_timer, o);
        if (r >= 0)
                r = sd_event_source_set_enabled(o->timer, SD_EVENT_OFF);
        if (r >= 0)
                r = store_deliveries_each(store_group_store(g), load_row, o);
        if (r == -EBADMSG) {
                log_warning("state.db: a queued delivery could not be read; left in the outbox table, not sent");
                r = 0;
        }
        /* Last: a failure before leaves no listener behind. */
        if (r >= 0)
                r = store_group_listen(g, &(struct store_group_listener) { .before_commit = on_before_commit,
                                                                            .committed = on_committed,
                                                                            .userdata = o });
        if (r < 0) {
                outbox_free(o);
                return r;
        }
        if (o->pending > 0)
                log_info("outbox: %zu deliver%s pending from before", o->pending, o->pending == 1 ? "y" : "ies");
        *ret = o;
        return 0;
}

void outbox_free(struct outbox *o)
{
        if (!o)
                return;
        for (size_t i = 0; i < o->n_queues; i++) {
                struct queue *q = o->queues[i];

                if (q->transfer)
                        http_transfer_cancel(q->transfer);
                while (q->head)
                        entry_free(queue_pop(o, q));
                free(q->notifier);
                free(q);
        }
        free(o->queues);
        for (size_t i = 0; i < o->n_removals; i++) {
                free(o->removals[i].notifier);
                free(o->removals[i].id);
        }
        free(o->removals);
        sd_event_source_unref(o->timer);
        sd_event_unref(o->event);
        free(o);
}

void outbox_set_config(struct outbox *o, const struct config *c)
{
        o->config = c;
        pump(o);
}

size_t outbox_pending(const struct outbox *o)
{
        return o->pending;
}

uint64_t outbox_failed_total(const struct outbox *o)
{
        return o->failed_total;
}

uint64_t outbox_delivered_total(const struct outbox *o)
{
        return o->delivered_total;
}

void outbox_set_backoff(struct outbox *o, const struct backoff_policy *p)
{
        o->backoff = *p;
}

uint64_t outbox_notifier_failing_since(const struct outbox *o, const char *notifier, const char **last_failure)
{
        const struct queue *q = o ? find_queue(o, notifier) : NULL;

        if (last_failure)
                *last_failure = q && q->failing_since ? q->last_failure : NULL;
        return q ? q->failing_since : 0;
}

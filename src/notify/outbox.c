/* The outbox: per-notifier FIFO queues of delivery files, one sd-event
 * timer for the earliest retry, and the bookkeeping of each attempt. */
#include "outbox.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "util/atomic_file.h"
#include "config/config.h"
#include "delivery.h"
#include "util/log.h"
#include "outbox_file.h"

#define USEC_PER_SEC 1000000ULL
#define TIMER_ACCURACY_USEC 1000ULL
#define FILE_NAME_SIZE (2 * OUTBOX_MAX_TOKEN + 8)

static const struct backoff_policy default_backoff = {
        .initial_usec = 1 * USEC_PER_SEC,
        .max_usec = 600 * USEC_PER_SEC,
};

struct entry {
        struct outbox_record rec;
        char file[FILE_NAME_SIZE];
        bool persisted;               /* the file holds this entry (false after a failed write) */
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

struct outbox {
        char *dir;
        char *failed_dir;
        sd_event *event;
        struct http_client *http;
        const struct config *config;
        struct queue **queues;            /* pointers: callbacks hold them */
        size_t n_queues;
        sd_event_source *timer;
        struct backoff_policy backoff;
        unsigned in_flight;
        size_t pending;
        uint64_t last_created;
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

static void entry_free(struct entry *e)
{
        if (!e)
                return;
        outbox_record_clear(&e->rec);
        free(e);
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
                if (strcmp(e->rec.id, id) == 0)
                        return true;
        return false;
}

static int write_entry(const char *dir, const struct entry *e)
{
        char *text = outbox_record_to_json(&e->rec);
        int r;

        if (!text)
                return -ENOMEM;
        r = atomic_write_file(dir, e->file, text, strlen(text), 0600);
        free(text);
        return r;
}

/* Rewrites the entry's file after a change; a failure is logged, and the
 * entry goes on in memory. */
static int persist(struct outbox *o, struct entry *e)
{
        int r = write_entry(o->dir, e);

        e->persisted = r >= 0;
        if (r < 0)
                log_event(LOG_ERR, NULL, (struct log_field[]) { { "MIDA_NOTIFIER", e->rec.notifier },
                                                                { "MIDA_EVENT_ID", e->rec.id } }, 2,
                          "cannot write outbox file %s/%s: %s; delivery goes on but would not survive a restart",
                          o->dir, e->file, strerror(-r));
        return r;
}

static void remove_file(struct outbox *o, const struct entry *e)
{
        char path[4096];

        snprintf(path, sizeof(path), "%s/%s", o->dir, e->file);
        if (unlink(path) < 0 && errno != ENOENT)
                log_warning("cannot remove outbox file %s: %s", path, strerror(errno));
}

/* A given-up delivery is kept in failed/ with its last error, for
 * inspection, and leaves the queue. */
static void keep_failed(struct outbox *o, const struct entry *e)
{
        int r = ensure_directory(o->failed_dir, 0700);

        if (r >= 0)
                r = write_entry(o->failed_dir, e);
        if (r < 0)
                log_warning("cannot keep %s in %s: %s", e->file, o->failed_dir, strerror(-r));
        remove_file(o, e);
}

static void give_up(struct outbox *o, struct queue *q, int status, const char *why)
{
        struct entry *e = queue_pop(o, q);
        char status_text[16];
        struct log_field fields[] = {
                { "MIDA_NOTIFIER", e->rec.notifier },
                { "MIDA_EVENT_ID", e->rec.id },
                { "MIDA_HTTP_STATUS", status_text },
        };

        snprintf(status_text, sizeof(status_text), "%d", status);
        log_event(LOG_ERR, MIDA_MSGID_DELIVERY_FAILED, fields, status > 0 ? 3 : 2,
                  "giving up delivery of %s to notifier %s after %u attempt%s: %s", e->rec.id,
                  e->rec.notifier, e->rec.attempts, e->rec.attempts == 1 ? "" : "s", why);
        keep_failed(o, e);
        entry_free(e);
        o->failed_total++;
}

static void delivered(struct outbox *o, struct queue *q, const struct http_response *r)
{
        struct entry *e = queue_pop(o, q);

        log_debug("delivered %s to notifier %s (HTTP %d, attempt %u)", e->rec.id, e->rec.notifier,
                  r->status, e->rec.attempts);
        remove_file(o, e);
        entry_free(e);
        o->delivered_total++;
}

/* The last moment worth trying: created_at + the notifier's max_age
 * (none while the notifier is missing from the config). */
static uint64_t deadline(const struct outbox *o, const struct entry *e)
{
        const struct config_notifier *n = config_find_notifier(o->config, e->rec.notifier);

        return n ? e->rec.created_at + n->max_age_usec : UINT64_MAX;
}

/* Kept in the file so an operator reading outbox/ or failed/ sees why. */
static void set_last_error(struct entry *e, const char *error)
{
        char *copy = strdup(error);

        if (copy) {
                free(e->rec.last_error);
                e->rec.last_error = copy;
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
        delay = backoff_delay(&o->backoff, e->rec.attempts - 1, random_u64(), retry_after);
        /* The final attempt happens at the deadline, not never. */
        e->rec.next_attempt_at = delay > until - now ? until : now + delay;
        log_warning("delivery of %s to notifier %s failed (%s), attempt %u; next in %.1f s", e->rec.id,
                    e->rec.notifier, error, e->rec.attempts,
                    (double) (e->rec.next_attempt_at - now) / USEC_PER_SEC);
        (void) persist(o, e);
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
        char what[256], why[300];

        q->transfer = NULL;
        o->in_flight--;
        delivery_describe(r, what, sizeof(what));
        note_outcome(o, q, delivery_classify(r->status) == DELIVERY_DELIVERED, what);
        switch (delivery_classify(r->status)) {
        case DELIVERY_DELIVERED:
                delivered(o, q, r);
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

        e->rec.attempts++;
        r = delivery_start(o->http, n, e->rec.id, e->rec.body, strlen(e->rec.body),
                           (time_t) (now / USEC_PER_SEC), on_done, q, &q->transfer);
        if (r >= 0) {
                o->in_flight++;
                return;
        }
        q->transfer = NULL;
        retry_later(o, q, r == -ENOMEM ? "out of memory" : "cannot build the request", -1);
}

/* Whether q's head may be sent now or later: a notifier to send it to. */
static const struct config_notifier *sendable(struct queue *q)
{
        const struct config_notifier *n;

        if (!q->head || q->transfer || !q->owner->config)
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
 * a free slot are started by the next completion instead. */
static void arm_timer(struct outbox *o, uint64_t now)
{
        uint64_t next = UINT64_MAX;

        for (size_t i = 0; i < o->n_queues; i++) {
                struct queue *q = o->queues[i];

                if (q->head && !q->transfer && q->head->rec.next_attempt_at > now &&
                    q->head->rec.next_attempt_at < next && config_find_notifier(o->config, q->notifier))
                        next = q->head->rec.next_attempt_at;
        }
        if (next == UINT64_MAX) {
                if (o->timer)
                        (void) sd_event_source_set_enabled(o->timer, SD_EVENT_OFF);
                return;
        }
        if (!o->timer) {
                int r = sd_event_add_time(o->event, &o->timer, CLOCK_REALTIME, next, TIMER_ACCURACY_USEC,
                                          on_timer, o);
                if (r < 0)
                        log_error("cannot arm the outbox timer: %s", strerror(-r));
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

                if (n && q->head->rec.next_attempt_at <= now)
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
        e = calloc(1, sizeof(*e));
        if (!e || !(e->rec.id = strdup(id)) || !(e->rec.notifier = strdup(notifier)) ||
            !(e->rec.body = strdup(body))) {
                entry_free(e);
                return -ENOMEM;
        }
        /* Strictly increasing, so the order survives a restart. */
        now = now_usec(o);
        e->rec.created_at = now > o->last_created ? now : o->last_created + 1;
        o->last_created = e->rec.created_at;
        e->rec.next_attempt_at = e->rec.created_at;
        (void) outbox_file_name(notifier, id, e->file, sizeof(e->file));
        r = persist(o, e);
        queue_append(o, q, e);
        pump(o);
        return r < 0 ? r : 0;
}

static int by_created_at(const void *a, const void *b)
{
        const struct entry *x = *(struct entry *const *) a, *y = *(struct entry *const *) b;

        return x->rec.created_at < y->rec.created_at ? -1 : x->rec.created_at > y->rec.created_at;
}

/* Reads one file; a bad one is renamed aside. NULL when skipped. */
static struct entry *load_file(struct outbox *o, const char *name)
{
        char path[4096], *text = NULL, *error = NULL;
        struct entry *e;
        size_t len = 0;
        int r;

        snprintf(path, sizeof(path), "%s/%s", o->dir, name);
        r = read_file_limited(path, OUTBOX_MAX_BODY + 4096, &text, &len);
        e = r >= 0 ? calloc(1, sizeof(*e)) : NULL;
        if (e)
                r = outbox_record_from_json(text, len, &e->rec, &error);
        free(text);
        if (e && r >= 0) {
                snprintf(e->file, sizeof(e->file), "%s", name);
                e->persisted = true;
                return e;
        }
        free(e);
        if (r == -EBADMSG || r == -EFBIG) {
                log_warning("outbox file %s is not a valid delivery (%s); moved aside", path,
                            error ? error : "too large");
                (void) move_aside(o->dir, name);
        } else if (r < 0 && r != -EISDIR && r != -EINVAL && r != -ENOENT)
                log_warning("cannot read outbox file %s: %s", path, strerror(-r));
        free(error);
        return NULL;
}

static bool is_delivery_file(const char *name)
{
        size_t n = strlen(name);

        /* Hidden names are atomic_write_file()'s temporaries. */
        return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* Every delivery file, oldest first. */
static int load_all(struct outbox *o)
{
        struct entry **all = NULL;
        size_t n = 0;
        struct dirent *d;
        DIR *dir = opendir(o->dir);
        int r = 0;

        if (!dir)
                return -errno;
        while ((d = readdir(dir))) {
                struct entry *e, **grown;

                if (!is_delivery_file(d->d_name) || !(e = load_file(o, d->d_name)))
                        continue;
                grown = realloc(all, (n + 1) * sizeof(*all));
                if (!grown) {
                        entry_free(e);
                        r = -ENOMEM;
                        break;
                }
                all = grown;
                all[n++] = e;
        }
        closedir(dir);
        if (n > 1)   /* qsort(NULL, 0) is undefined */
                qsort(all, n, sizeof(*all), by_created_at);
        for (size_t i = 0; i < n; i++) {
                struct queue *q = r < 0 ? NULL : get_queue(o, all[i]->rec.notifier);

                if (!q) {
                        entry_free(all[i]);
                        r = -ENOMEM;
                        continue;
                }
                all[i]->rec.next_attempt_at = 0;   /* due at once after a start */
                if (all[i]->rec.created_at > o->last_created)
                        o->last_created = all[i]->rec.created_at;
                /* Failing before the restart: still failing until shown otherwise. */
                if (all[i]->rec.attempts > 0 && all[i]->rec.last_error && q->failing_since == 0) {
                        q->failing_since = all[i]->rec.created_at;
                        snprintf(q->last_failure, sizeof(q->last_failure), "%s", all[i]->rec.last_error);
                }
                queue_append(o, q, all[i]);
        }
        free(all);
        return r;
}

int outbox_open(const char *dir, sd_event *e, struct http_client *http, struct outbox **ret)
{
        struct outbox *o;
        int r;

        if (!dir || !e || !http || !ret)
                return -EINVAL;
        r = ensure_directory(dir, 0700);
        if (r < 0)
                return r;
        o = calloc(1, sizeof(*o));
        if (!o)
                return -ENOMEM;
        o->event = sd_event_ref(e);
        o->http = http;
        o->backoff = default_backoff;
        if (!(o->dir = strdup(dir)) || asprintf(&o->failed_dir, "%s/failed", dir) < 0) {
                o->failed_dir = NULL;
                outbox_free(o);
                return -ENOMEM;
        }
        /* The retry timer, off until a delivery waits: created now so that
         * sd-event opens its CLOCK_REALTIME timerfd at start-up, not on the
         * first failed delivery (the daemon's descriptors stay as they are). */
        r = sd_event_add_time(e, &o->timer, CLOCK_REALTIME, 0, TIMER_ACCURACY_USEC, on_timer, o);
        if (r >= 0)
                r = sd_event_source_set_enabled(o->timer, SD_EVENT_OFF);
        if (r < 0) {
                outbox_free(o);
                return r;
        }
        r = load_all(o);
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
        sd_event_source_unref(o->timer);
        sd_event_unref(o->event);
        free(o->dir);
        free(o->failed_dir);
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

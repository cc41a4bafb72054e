/* The durable delivery outbox: every notification is a row of the outbox
 * table of state.db (store/outbox_rows.h) before its first attempt, and
 * the row goes only after a 2xx, so a crash or kill -9 at any point loses
 * nothing (delivery is at least once; receivers drop duplicates by id).
 *
 * A row: id (the event id, also the webhook-id header), notifier, the
 * exact JSON POSTed, created_at, attempts, next_attempt_at and last_error
 * ("HTTP 503" or NULL), in the order queued (times in µs since the epoch).
 *
 * The rows are written in the store's group commit (store/group_commit.h),
 * and nothing leaves the process before the commit that records it: a
 * queued delivery waits for its group's committed hook, so a transition
 * and the deliveries it causes are durable together or not at all. A
 * delivery whose row cannot be written, or whose group is rolled back, is
 * logged as not crash-safe and sent all the same (a restart before it is
 * delivered loses it).
 *
 * Delivery: at most OUTBOX_MAX_IN_FLIGHT POSTs at once and one per notifier,
 * oldest first, so order within a notifier holds and one failing notifier
 * does not hold up the others. 408, 429, 5xx and transport errors are
 * retried with exponential backoff and jitter (1 s … 10 min), never sooner
 * than a 429/503's Retry-After; each failure updates the row (attempts,
 * next_attempt_at, last_error). Any other status is permanent: an error
 * record (MESSAGE_ID delivery-failed, the body in MIDA_DELIVERY_BODY) and
 * the row goes; the store keeps no given-up deliveries, the journal record
 * is what is left of one. A
 * delivery still failing max_age after it was queued is given up the same
 * way. On start every row is due at once (attempts are kept, so the
 * backoff carries on where it was); a row whose notifier or id is not a
 * valid name is logged and left in the table, unsent. URLs never reach a
 * log line. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "mida/backoff.h"

#define OUTBOX_MAX_IN_FLIGHT 4
#define OUTBOX_MAX_TOKEN 64

struct config;
struct http_client;
struct outbox;
struct store_group;

/* Letters, digits, '_' or '-', 1..OUTBOX_MAX_TOKEN characters: what a
 * notifier's name and an event id may be (safe in a header and in the
 * signed "id.timestamp.body" text). */
bool outbox_valid_token(const char *s);

/* Loads every queued row of g's store, oldest first, and listens to g's
 * commits; nothing is sent before outbox_set_config(). e and http must
 * outlive the outbox. A group cannot drop a listener, so g must not
 * commit after outbox_free(): free g first (store_group_free() commits
 * what is open and tells the outbox, which may start POSTs), then the
 * outbox (which cancels them), with no run of the loop in between.
 * Returns 0, -EINVAL, -ENOSPC (g has no room for another listener),
 * -ENOMEM, or the -errno of reading the table. */
int outbox_open(struct store_group *g, sd_event *e, struct http_client *http, struct outbox **ret);
/* Cancels the POSTs in flight (their rows stay for the next start). */
void outbox_free(struct outbox *o);

/* The config whose notifiers are looked up by name at each attempt; call
 * again after a reload (c must stay valid until the next call or free).
 * An entry whose notifier is gone is kept, logged once, and not sent until
 * a config has that notifier again. NULL: send nothing. */
void outbox_set_config(struct outbox *o, const struct config *c);

/* Queues body (the exact JSON to POST) for notifier under id (both
 * outbox_valid_token()). Its row joins the open group, and the first
 * attempt waits for the group's commit. Returns 0; -EINVAL for a bad name
 * or id, -EEXIST when that notifier already has id queued (in memory or
 * in the table), -ENOMEM; or the -errno of the failed write (-ENOSPC,
 * -EROFS, ...) — then the entry is kept in memory and sent at once (just
 * not crash-safe), and it is logged. */
int outbox_enqueue(struct outbox *o, const char *notifier, const char *id, const char *body);

/* Deliveries queued or in flight. */
size_t outbox_pending(const struct outbox *o);
/* Deliveries given up (permanent failure or max_age) since open. */
uint64_t outbox_failed_total(const struct outbox *o);
/* Deliveries that got a 2xx since open. */
uint64_t outbox_delivered_total(const struct outbox *o);

/* Health: when deliveries to notifier started failing (µs since the epoch:
 * the first failure since its last success, also a permanent one), 0
 * while they work or none was tried; *last_failure (may be NULL) the
 * latest failure ("HTTP 503", no URL), valid until the next call. */
uint64_t outbox_notifier_failing_since(const struct outbox *o, const char *notifier, const char **last_failure);

/* Tests: shorter retry delays than the 1 s … 10 min default. */
void outbox_set_backoff(struct outbox *o, const struct backoff_policy *p);

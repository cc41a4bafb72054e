/* The durable delivery outbox: every notification is a file in
 * <state_directory>/outbox/ before its first attempt and is deleted only
 * after a 2xx, so a crash or kill -9 at any point loses nothing (delivery is
 * at least once; receivers drop duplicates by id).
 *
 * File "<notifier>.<id>.json", mode 0600:
 *   { "version": 1, "id": "evt_…", "notifier": "ops",
 *     "created_at": µs, "attempts": N, "next_attempt_at": µs,
 *     "last_error": "HTTP 503" | null, "body": "<the exact JSON POSTed>" }
 * (times in microseconds since the epoch). The id is also the
 * webhook-id header.
 *
 * Delivery: at most OUTBOX_MAX_IN_FLIGHT POSTs at once and one per notifier,
 * oldest first, so order within a notifier holds and one failing notifier
 * does not hold up the others. 408, 429, 5xx and transport errors are
 * retried with exponential backoff and jitter (1 s … 10 min), never sooner
 * than a 429/503's Retry-After; each failure rewrites the file (attempts,
 * next_attempt_at, last_error). Any other status is permanent: an error
 * record (MESSAGE_ID delivery-failed) and the file moves to outbox/failed/,
 * from where an operator can move it back after fixing the notifier. A
 * delivery still failing max_age after it was queued is given up the same
 * way. On start every file is due at once (attempts are kept, so the
 * backoff carries on where it was). Files that cannot be read are renamed
 * *.corrupt-<time> with a warning. URLs never reach a log line. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "mida/backoff.h"

#define OUTBOX_MAX_IN_FLIGHT 4
#define OUTBOX_FILE_VERSION 1
#define OUTBOX_MAX_BODY (4u * 1024 * 1024)

struct config;
struct http_client;
struct outbox;

/* Creates dir (0700) if needed and loads the pending files; nothing is sent
 * before outbox_set_config(). e and http must outlive the outbox. Returns
 * 0, or -errno when dir cannot be created or read, or -ENOMEM. */
int outbox_open(const char *dir, sd_event *e, struct http_client *http, struct outbox **ret);
/* Cancels the POSTs in flight (their files stay for the next start). */
void outbox_free(struct outbox *o);

/* The config whose notifiers are looked up by name at each attempt; call
 * again after a reload (c must stay valid until the next call or free).
 * An entry whose notifier is gone is kept, logged once, and not sent until
 * a config has that notifier again. NULL: send nothing. */
void outbox_set_config(struct outbox *o, const struct config *c);

/* Queues body (the exact JSON to POST) for notifier under id ("letters,
 * digits, '_' or '-'", at most 64 characters). The file is written and
 * fsync'd before the first attempt. Returns 0; -EINVAL for a bad name or
 * id, -EEXIST when that notifier already has id pending, -ENOMEM; or the
 * -errno of the failed write (-ENOSPC, -EROFS, ...) — then the entry is
 * kept in memory and still sent (just not crash-safe), and it is logged. */
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

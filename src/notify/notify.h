/* Room notify/: how an alert reaches people — the payload each notifier
 * type gets (notify_payload.c, notify_slack.c), webhook signing, and the
 * durable outbox that delivers with retries (outbox.c, delivery.c). May
 * use: store/ (the outbox table, the group commit), mida/ (the HTTP
 * client, backoff), config/, util/. Used by rules/ (the alert_event it
 * fills), actions/, daemon/, cli/ (test-notify).
 *
 * This file: alert events to deliveries — the payload each kind of
 * notifier gets, and the outbox entries for one cycle's events. */
#pragma once
#include <stddef.h>

#include "config/config.h"
#include "notify_payload.h"

struct outbox;

/* "evt_" + 32 hex digits from getrandom() + NUL fits */
#define NOTIFY_EVENT_ID_SIZE 40

/* A fresh event id, "evt_<32 hex>". */
void notify_new_event_id(char buf[static NOTIFY_EVENT_ID_SIZE]);
/* A derived event id, "evt_" + 32 hex digits of SHA-256 over the parts:
 * the same parts give the same id, so an event replayed after a crash is
 * recognised (outbox_enqueue() says -EEXIST; receivers drop it by id). */
void notify_derived_event_id(char buf[static NOTIFY_EVENT_ID_SIZE], const char *const *parts, size_t n);

/* The JSON text POSTed to a notifier of this type: for Slack one message
 * grouping the n events (see slack_payload()); for a webhook the payload of
 * events[0] alone (n must be 1). Plain, without escaped slashes. Returns a
 * malloc'd string, NULL for n == 0 (or n > 1 for a webhook) or on ENOMEM. */
char *notify_render(enum notifier_type type, const struct alert_event *const *events, size_t n);

/* The body POSTed for payload o (taken: it is put): plain JSON without
 * escaped slashes, malloc'd; NULL for a NULL o or on ENOMEM. */
char *notify_json_text(json_object *o);

/* Queues one cycle's events for notifier n: a Slack notifier gets ONE
 * grouped message under a fresh id; a webhook notifier gets one delivery
 * per event under the event's own id (so receivers can dedupe). Every event
 * is queued even when one fails; returns 0 or the first error (see
 * outbox_enqueue(): on a failed write the delivery is still queued in
 * memory). */
int notify_events(struct outbox *o, const struct config_notifier *n,
                  const struct alert_event *const *events, size_t n_events);

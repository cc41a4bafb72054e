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
#include <stdbool.h>
#include <stddef.h>

#include "config/config.h"
#include "event_id.h"
#include "notify_payload.h"

struct outbox;

/* The context of payloads rendered now: the time and this host's name. */
struct notify_context notify_context_now(void);

/* Whether a notifier of type gets ev at all: state_only events go to
 * Alertmanager, and their resolutions to PagerDuty too; a successful
 * action is not for Alertmanager or PagerDuty (they route and page on
 * alerts). */
bool notify_wants(enum notifier_type type, const struct alert_event *ev);
/* Whether a notifier of type gets one message for all of a cycle's events
 * (Slack, Teams; Alertmanager's array), or one per event under the
 * event's id (webhook, PagerDuty, e-mail). */
bool notify_groups(enum notifier_type type);

/* What is sent to notifier n for the events (which it wants): one
 * message grouping them for a grouping type, else the message for
 * events[0] alone (count must be 1). JSON without escaped slashes, or for
 * e-mail the RFC 5322 message. Returns a malloc'd string, NULL for
 * count == 0, count > 1 for a type that does not group, or on ENOMEM. */
char *notify_render(const struct config_notifier *n, const struct notify_context *ctx,
                    const struct alert_event *const *events, size_t count);

/* Queues one cycle's events for notifier n, those it wants: a grouping
 * type gets ONE message under a fresh id; the others one delivery per
 * event under the event's own id (so receivers can dedupe). Every event is
 * queued even when one fails; returns 0 or the first error (see
 * outbox_enqueue(): on a failed write the delivery is still queued in
 * memory). */
int notify_events(struct outbox *o, const struct config_notifier *n, const struct notify_context *ctx,
                  const struct alert_event *const *events, size_t n_events);

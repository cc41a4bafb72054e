/* Event ids: "evt_" and 32 hex digits, fresh (getrandom) or derived from
 * the event's identity, so that an event replayed after a crash is
 * recognised. Used by every notifier and the daemon's alerting. */
#pragma once
#include <stddef.h>

/* "evt_" + 32 hex digits from getrandom() + NUL fits */
#define NOTIFY_EVENT_ID_SIZE 40

/* A fresh event id, "evt_<32 hex>". */
void notify_new_event_id(char buf[static NOTIFY_EVENT_ID_SIZE]);
/* A derived event id, "evt_" + 32 hex digits of SHA-256 over the parts:
 * the same parts give the same id, so an event replayed after a crash is
 * recognised (outbox_enqueue() says -EEXIST; receivers drop it by id). */
void notify_derived_event_id(char buf[static NOTIFY_EVENT_ID_SIZE], const char *const *parts, size_t n);


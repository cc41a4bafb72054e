/* The delivery file of 0.1.0, outbox/<notifier>.<id>.json, read back; pure.
 * The outbox keeps its deliveries in state.db now (outbox.h): this reader
 * is left for the import of a 0.1.0 state directory (daemon/upgrade.c),
 * like the other 0.1.0 readers. Nothing writes these files any more.
 *
 * File, mode 0600:
 *   { "version": 1, "id": "evt_…", "notifier": "ops",
 *     "created_at": µs, "attempts": N, "next_attempt_at": µs,
 *     "last_error": "HTTP 503" | null, "body": "<the exact JSON POSTed>" }
 * (times in microseconds since the epoch). */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define OUTBOX_FILE_VERSION 1
#define OUTBOX_MAX_BODY (4u * 1024 * 1024)

struct outbox_record {
        char *id;
        char *notifier;
        char *body;
        uint64_t created_at;          /* µs since the epoch */
        uint64_t next_attempt_at;
        unsigned attempts;
        char *last_error;             /* NULL: none yet */
};

/* Parses a file's text. Returns 0, -EBADMSG (with *error set, malloc'd)
 * when it is not a valid version-1 record (the id and notifier must be
 * outbox_valid_token()), -ENOMEM. */
int outbox_record_from_json(const char *text, size_t len, struct outbox_record *ret, char **error);
void outbox_record_clear(struct outbox_record *r);

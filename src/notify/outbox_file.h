/* One outbox file (format in outbox.h) to and from its JSON text; pure. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OUTBOX_MAX_TOKEN 64

struct outbox_record {
        char *id;
        char *notifier;
        char *body;
        uint64_t created_at;          /* µs since the epoch */
        uint64_t next_attempt_at;
        unsigned attempts;
        char *last_error;             /* NULL: none yet */
};

/* Letters, digits, '_' or '-', 1..OUTBOX_MAX_TOKEN characters: safe in a
 * file name and in the signed "id.timestamp.body" text. */
bool outbox_valid_token(const char *s);

/* "<notifier>.<id>.json" (neither holds a '.'). -ENAMETOOLONG if it does
 * not fit. */
int outbox_file_name(const char *notifier, const char *id, char *buf, size_t size);

/* The file's text; NULL on ENOMEM. */
char *outbox_record_to_json(const struct outbox_record *r);
/* Parses a file's text. Returns 0, -EBADMSG (with *error set, malloc'd)
 * when it is not a valid version-1 record, -ENOMEM. */
int outbox_record_from_json(const char *text, size_t len, struct outbox_record *ret, char **error);
void outbox_record_clear(struct outbox_record *r);

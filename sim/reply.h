/* What a handler answers, before server.c turns it into an MHD response. */
#pragma once
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

enum reply_kind {
        REPLY_BODY,        /* status + body */
        REPLY_CLOSE,       /* drop the connection without answering */
        REPLY_TRUNCATED,   /* announce the whole body, send half, then close */
        REPLY_OVERSIZED,   /* a valid-looking JSON body of oversize_bytes */
};

struct reply {
        enum reply_kind kind;
        unsigned status;
        char *body;                /* owned */
        size_t len;
        const char *content_type;  /* static string */
        int retry_after;           /* seconds; < 0: no Retry-After header */
        unsigned delay_ms;         /* wait this long before answering */
        uint64_t oversize_bytes;
};

#define REPLY_INIT { .kind = REPLY_BODY, .status = 500, .retry_after = -1 }

/* Serialises obj (and drops the reference) as the reply body. */
void reply_json(struct reply *r, unsigned status, struct json_object *obj);
/* {"error": message} */
void reply_error(struct reply *r, unsigned status, const char *message);
void reply_text(struct reply *r, unsigned status, const char *content_type, const char *text);
void reply_clear(struct reply *r);

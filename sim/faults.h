/* Fault injection for the API endpoints: per endpoint kind and optionally per
 * experiment, for the next N matching requests and/or a fraction of them. */
#pragma once
#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fields.h"
#include "reply.h"

enum endpoint_kind {
        EP_ANY, EP_LIST, EP_DETAILS, EP_RESULT, EP_STATUS, EP_SERVE_WINNER,
};

enum fault_kind {
        FAULT_STATUS,      /* an error status: 500, 502, 503, 429 (+Retry-After), 401... */
        FAULT_DELAY,       /* answer normally after delay_ms */
        FAULT_CLOSE,       /* close the connection without a response */
        FAULT_MALFORMED,   /* 200 with a body that is not valid JSON */
        FAULT_TRUNCATED,   /* the real body, cut off mid-way */
        FAULT_OVERSIZED,   /* 200 with a huge body (default 50 MiB), streamed */
        FAULT_WRONG_TYPES, /* the real body with numbers/booleans turned into strings */
        FAULT_HTML,        /* an HTML error page (default status 502) */
};

struct fault {
        unsigned id;
        enum fault_kind kind;
        enum endpoint_kind endpoint;
        long test_id;              /* 0: any experiment */
        long remaining;            /* < 0: unlimited */
        double fraction;           /* probability a matching request is hit */
        unsigned status;
        int retry_after;
        unsigned delay_ms;
        uint64_t bytes;
        uint64_t seen;             /* matching requests so far (keys the fraction draw) */
};

struct fault_list {
        struct fault *items;
        size_t n;
        unsigned next_id;
        uint64_t seed;
};

const char *endpoint_kind_name(enum endpoint_kind k);
/* Reads one fault (kind, status, endpoint, test_id, count, fraction,
 * retry_after, delay_ms, bytes). -EINVAL with a message in err. */
int fault_parse(const struct fields *f, struct fault *out, char *err, size_t errlen);
int fault_list_add(struct fault_list *l, const struct fault *f);
void fault_list_clear(struct fault_list *l);
struct json_object *fault_list_json(const struct fault_list *l);
/* Finds the first fault that hits this request and consumes one use. */
bool fault_list_take(struct fault_list *l, enum endpoint_kind ep, long test_id, struct fault *hit);

/* True when the fault replaces the handler entirely (fills r). */
bool fault_replaces_handler(const struct fault *f, struct reply *r);
/* Alters the handler's reply for delay, truncation and wrong types. */
void fault_alter_reply(const struct fault *f, struct reply *r);

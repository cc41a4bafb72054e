/* The request log behind GET /__requests: the last REQLOG_CAPACITY API and
 * webhook requests, oldest first. Never stores credentials, only which of the
 * documented styles carried them. */
#pragma once
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#define REQLOG_CAPACITY 10000

struct reqlog_entry {
        uint64_t seq;
        char *method;
        char *path;
        struct json_object *query;
        const char *auth;          /* static: "bearer", "x-api-key", "api-key", "none" */
        char *body;
        unsigned status;
        double sim_time;
};

struct reqlog {
        struct reqlog_entry entries[REQLOG_CAPACITY];
        uint64_t next_seq;         /* entries hold seqs [next_seq - count, next_seq) */
        size_t count;
};

void reqlog_add(struct reqlog *log, const char *method, const char *path,
                struct json_object *query, const char *auth, const char *body,
                unsigned status, double sim_time);
/* {"requests": [...], "next": seq} with entries whose seq >= since. */
struct json_object *reqlog_json(const struct reqlog *log, uint64_t since);
void reqlog_clear(struct reqlog *log);

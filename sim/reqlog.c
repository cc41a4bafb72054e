/* Ring buffer of requests. */
#include <stdlib.h>
#include <string.h>

#include "isotime.h"
#include "reqlog.h"

static void entry_free(struct reqlog_entry *e)
{
        free(e->method);
        free(e->path);
        free(e->body);
        json_object_put(e->query);
        memset(e, 0, sizeof(*e));
}

void reqlog_add(struct reqlog *log, const char *method, const char *path,
                struct json_object *query, const char *auth, const char *body,
                unsigned status, double sim_time)
{
        struct reqlog_entry *e = &log->entries[log->next_seq % REQLOG_CAPACITY];
        entry_free(e);
        *e = (struct reqlog_entry){
                .seq = log->next_seq++, .method = strdup(method), .path = strdup(path),
                .query = query, .auth = auth, .body = strdup(body ? body : ""),
                .status = status, .sim_time = sim_time,
        };
        if (log->count < REQLOG_CAPACITY)
                log->count++;
}

static struct json_object *entry_json(const struct reqlog_entry *e)
{
        struct json_object *o = json_object_new_object();
        char when[ISOTIME_MAX];
        isotime_format(e->sim_time, when);
        json_object_object_add(o, "seq", json_object_new_int64((int64_t)e->seq));
        json_object_object_add(o, "method", json_object_new_string(e->method ? e->method : ""));
        json_object_object_add(o, "path", json_object_new_string(e->path ? e->path : ""));
        json_object_object_add(o, "query", json_object_get(e->query));
        json_object_object_add(o, "auth", json_object_new_string(e->auth));
        json_object_object_add(o, "body", json_object_new_string(e->body ? e->body : ""));
        json_object_object_add(o, "status", json_object_new_int((int)e->status));
        json_object_object_add(o, "sim_time", json_object_new_string(when));
        return o;
}

struct json_object *reqlog_json(const struct reqlog *log, uint64_t since)
{
        struct json_object *o = json_object_new_object(), *list = json_object_new_array();
        uint64_t first = log->next_seq - log->count;
        for (uint64_t s = since > first ? since : first; s < log->next_seq; s++)
                json_object_array_add(list, entry_json(&log->entries[s % REQLOG_CAPACITY]));
        json_object_object_add(o, "requests", list);
        json_object_object_add(o, "next", json_object_new_int64((int64_t)log->next_seq));
        json_object_object_add(o, "dropped", json_object_new_int64((int64_t)first));
        return o;
}

void reqlog_clear(struct reqlog *log)
{
        for (size_t i = 0; i < REQLOG_CAPACITY; i++)
                entry_free(&log->entries[i]);
        log->count = 0;
}

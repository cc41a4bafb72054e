/* Fault rules: parsing, matching and their effect on a reply. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faults.h"
#include "rng.h"

#define DEFAULT_OVERSIZE (50u * 1024u * 1024u)

static const char *const endpoint_names[] = {
        [EP_ANY] = "any", [EP_LIST] = "experiments", [EP_DETAILS] = "details",
        [EP_RESULT] = "result", [EP_STATUS] = "status", [EP_SERVE_WINNER] = "serve-winner",
};

static const char *const kind_names[] = {
        [FAULT_STATUS] = "status", [FAULT_DELAY] = "delay", [FAULT_CLOSE] = "close",
        [FAULT_MALFORMED] = "malformed", [FAULT_TRUNCATED] = "truncated",
        [FAULT_OVERSIZED] = "oversized", [FAULT_WRONG_TYPES] = "wrong-types",
        [FAULT_HTML] = "html",
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

const char *endpoint_kind_name(enum endpoint_kind k)
{
        return endpoint_names[k];
}

static int lookup_name(const char *const *names, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (!strcmp(names[i], s))
                        return (int)i;
        return -1;
}

static int parse_error(char *err, size_t errlen, const char *msg)
{
        snprintf(err, errlen, "%s", msg);
        return -EINVAL;
}

int fault_parse(const struct fields *f, struct fault *out, char *err, size_t errlen)
{
        const char *s;
        double x;
        *out = (struct fault){ .remaining = -1, .fraction = 1.0, .retry_after = -1 };
        int kind = fields_string(f, "kind", &s) ? lookup_name(kind_names, N_ELEMS(kind_names), s) : -1;
        if (kind < 0)
                return parse_error(err, errlen, "fault kind must be one of status, delay, close, "
                                   "malformed, truncated, oversized, wrong-types, html");
        out->kind = (enum fault_kind)kind;
        int ep = fields_string(f, "endpoint", &s) ? lookup_name(endpoint_names, N_ELEMS(endpoint_names), s) : 0;
        if (ep < 0)
                return parse_error(err, errlen, "fault endpoint must be one of any, experiments, "
                                   "details, result, status, serve-winner");
        out->endpoint = (enum endpoint_kind)ep;
        out->status = kind == FAULT_HTML ? 502 : 500;
        if (fields_number(f, "status", &x))
                out->status = (unsigned)x;
        if (out->status < 100 || out->status > 599)
                return parse_error(err, errlen, "fault status must be an HTTP status code");
        if (fields_number(f, "test_id", &x))
                out->test_id = (long)x;
        if (fields_number(f, "count", &x))
                out->remaining = (long)x;
        if (fields_number(f, "fraction", &x))
                out->fraction = x;
        if (!(out->fraction >= 0.0 && out->fraction <= 1.0))
                return parse_error(err, errlen, "fault fraction must be in [0, 1]");
        if (fields_number(f, "retry_after", &x))
                out->retry_after = (int)x;
        else if (out->status == 429 || out->status == 503)
                out->retry_after = 1;
        if (fields_number(f, "delay_ms", &x))
                out->delay_ms = (unsigned)x;
        out->bytes = fields_number(f, "bytes", &x) && x > 0 ? (uint64_t)x : DEFAULT_OVERSIZE;
        return 0;
}

int fault_list_add(struct fault_list *l, const struct fault *f)
{
        struct fault *items = realloc(l->items, (l->n + 1) * sizeof(*items));
        if (!items)
                return -ENOMEM;
        l->items = items;
        items[l->n] = *f;
        items[l->n].id = ++l->next_id;
        return (int)items[l->n++].id;
}

void fault_list_clear(struct fault_list *l)
{
        free(l->items);
        l->items = NULL;
        l->n = 0;
}

struct json_object *fault_list_json(const struct fault_list *l)
{
        struct json_object *list = json_object_new_array();
        for (size_t i = 0; i < l->n; i++) {
                const struct fault *f = &l->items[i];
                struct json_object *o = json_object_new_object();
                json_object_object_add(o, "id", json_object_new_int((int)f->id));
                json_object_object_add(o, "kind", json_object_new_string(kind_names[f->kind]));
                json_object_object_add(o, "endpoint", json_object_new_string(endpoint_names[f->endpoint]));
                json_object_object_add(o, "test_id", json_object_new_int64(f->test_id));
                json_object_object_add(o, "remaining", json_object_new_int64(f->remaining));
                json_object_object_add(o, "fraction", json_object_new_double(f->fraction));
                json_object_object_add(o, "status", json_object_new_int((int)f->status));
                json_object_object_add(o, "hits_seen", json_object_new_int64((int64_t)f->seen));
                json_object_array_add(list, o);
        }
        return list;
}

static bool fault_matches(const struct fault *f, enum endpoint_kind ep, long test_id)
{
        return f->remaining != 0 && (f->endpoint == EP_ANY || f->endpoint == ep) &&
               (f->test_id == 0 || f->test_id == test_id);
}

bool fault_list_take(struct fault_list *l, enum endpoint_kind ep, long test_id, struct fault *hit)
{
        for (size_t i = 0; i < l->n; i++) {
                struct fault *f = &l->items[i];
                if (!fault_matches(f, ep, test_id))
                        continue;
                struct rng r = rng_keyed(l->seed, f->id, f->seen++, 0x6661756c74ULL);
                if (f->fraction < 1.0 && rng_uniform(&r) >= f->fraction)
                        continue;
                if (f->remaining > 0)
                        f->remaining--;
                *hit = *f;
                return true;
        }
        return false;
}

static const char *status_message(unsigned status)
{
        switch (status) {
        case 401: return "Invalid or missing API key";
        case 403: return "Forbidden";
        case 404: return "Not found";
        case 429: return "Too many requests";
        case 502: return "Bad gateway";
        case 503: return "Service unavailable";
        case 504: return "Gateway timeout";
        default:  return "Internal server error";
        }
}

static void html_page(struct reply *r, unsigned status)
{
        char page[512];
        snprintf(page, sizeof(page),
                 "<html>\r\n<head><title>%u %s</title></head>\r\n<body>\r\n"
                 "<center><h1>%u %s</h1></center>\r\n<hr><center>nginx</center>\r\n"
                 "</body>\r\n</html>\r\n", status, status_message(status), status, status_message(status));
        reply_text(r, status, "text/html", page);
}

bool fault_replaces_handler(const struct fault *f, struct reply *r)
{
        switch (f->kind) {
        case FAULT_STATUS:
                reply_error(r, f->status, status_message(f->status));
                r->retry_after = f->retry_after;
                return true;
        case FAULT_HTML:
                html_page(r, f->status);
                return true;
        case FAULT_CLOSE:
                reply_clear(r);
                r->kind = REPLY_CLOSE;
                return true;
        case FAULT_MALFORMED:
                reply_text(r, 200, "application/json",
                           "{\"success\": true, \"test_id\": 1234, \"variants\": [{\"variant_id\": \"0\",, ]");
                return true;
        case FAULT_OVERSIZED:
                reply_clear(r);
                r->kind = REPLY_OVERSIZED;
                r->status = 200;
                r->content_type = "application/json";
                r->oversize_bytes = f->bytes;
                return true;
        default:
                return false;
        }
}

/* Numbers and booleans become strings, recursively: "visitors": "1500". */
static struct json_object *retype(struct json_object *v)
{
        switch (json_object_get_type(v)) {
        case json_type_int:
        case json_type_double:
        case json_type_boolean:
                return json_object_new_string(json_object_get_string(v));
        case json_type_array: {
                struct json_object *a = json_object_new_array();
                for (size_t i = 0; i < json_object_array_length(v); i++)
                        json_object_array_add(a, retype(json_object_array_get_idx(v, i)));
                return a;
        }
        case json_type_object: {
                struct json_object *o = json_object_new_object();
                json_object_object_foreach(v, key, val)
                        json_object_object_add(o, key, retype(val));
                return o;
        }
        default:
                return json_object_get(v);
        }
}

void fault_alter_reply(const struct fault *f, struct reply *r)
{
        if (f->kind == FAULT_DELAY) {
                r->delay_ms = f->delay_ms;
        } else if (f->kind == FAULT_TRUNCATED && r->kind == REPLY_BODY) {
                r->kind = REPLY_TRUNCATED;
        } else if (f->kind == FAULT_WRONG_TYPES && r->kind == REPLY_BODY) {
                struct json_object *parsed = json_tokener_parse(r->body ? r->body : "");
                if (parsed) {
                        reply_json(r, r->status, retype(parsed));
                        json_object_put(parsed);
                }
        }
}

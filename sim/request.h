/* One received HTTP request as the handlers see it. */
#pragma once
#include <json-c/json.h>
#include <stddef.h>

struct MHD_Connection;

struct request {
        struct MHD_Connection *conn;
        const char *method;
        const char *path;          /* without the query string */
        const char *body;          /* NUL-terminated; "" when empty */
        size_t body_len;
};

const char *request_header(const struct request *rq, const char *name);
const char *request_query(const struct request *rq, const char *name);
/* The query arguments as a JSON object (for the request log). */
struct json_object *request_query_json(const struct request *rq);
/* All headers as a JSON object with lower-case names. */
struct json_object *request_headers_json(const struct request *rq);
/* The body parsed as a JSON object, or NULL if it is not one. */
struct json_object *request_body_json(const struct request *rq);

/* Request accessors over libmicrohttpd's parsed headers and arguments. */
#include <ctype.h>
#include <microhttpd.h>
#include <string.h>

#include "request.h"

const char *request_header(const struct request *rq, const char *name)
{
        return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

const char *request_query(const struct request *rq, const char *name)
{
        return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

static enum MHD_Result add_value(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
        struct json_object *o = cls;
        char lower[256];
        size_t n = strnlen(key, sizeof(lower) - 1);
        for (size_t i = 0; i < n; i++)
                lower[i] = (char)tolower((unsigned char)key[i]);
        lower[n] = '\0';
        json_object_object_add(o, kind == MHD_HEADER_KIND ? lower : key,
                               value ? json_object_new_string(value) : NULL);
        return MHD_YES;
}

struct json_object *request_query_json(const struct request *rq)
{
        struct json_object *o = json_object_new_object();
        MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, add_value, o);
        return o;
}

struct json_object *request_headers_json(const struct request *rq)
{
        struct json_object *o = json_object_new_object();
        MHD_get_connection_values(rq->conn, MHD_HEADER_KIND, add_value, o);
        return o;
}

struct json_object *request_body_json(const struct request *rq)
{
        struct json_object *o = json_tokener_parse(rq->body);
        if (o && !json_object_is_type(o, json_type_object)) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

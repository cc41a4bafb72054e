/* Reply construction helpers. */
#include <stdlib.h>
#include <string.h>

#include "reply.h"

void reply_text(struct reply *r, unsigned status, const char *content_type, const char *text)
{
        free(r->body);
        r->kind = REPLY_BODY;
        r->status = status;
        r->content_type = content_type;
        r->body = strdup(text);
        r->len = r->body ? strlen(r->body) : 0;
        if (!r->body)
                r->status = 500;
}

void reply_json(struct reply *r, unsigned status, struct json_object *obj)
{
        const char *s = obj ? json_object_to_json_string_ext(obj,
                JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
        reply_text(r, s ? status : 500, "application/json", s ? s : "{\"error\":\"Out of memory\"}");
        json_object_put(obj);
}

void reply_error(struct reply *r, unsigned status, const char *message)
{
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "error", json_object_new_string(message));
        reply_json(r, status, o);
}

void reply_clear(struct reply *r)
{
        free(r->body);
        *r = (struct reply)REPLY_INIT;
}

/* Slack's documented Block Kit limits for the blocks a notifier sends. */
#include <json-c/json.h>
#include <stdbool.h>
#include <string.h>

#include "slack_limits.h"

/* Slack counts characters, not bytes. */
static size_t utf8_length(const char *s)
{
        size_t n = 0;
        for (; *s; s++)
                n += ((unsigned char)*s & 0xC0) != 0x80;
        return n;
}

/* obj.text.text as a string, or NULL. */
static const char *text_of(struct json_object *obj)
{
        struct json_object *t, *s;
        if (!json_object_object_get_ex(obj, "text", &t) || !json_object_object_get_ex(t, "text", &s) ||
            !json_object_is_type(s, json_type_string))
                return NULL;
        return json_object_get_string(s);
}

static bool section_ok(struct json_object *b)
{
        const char *text = text_of(b);
        struct json_object *fields;
        bool has_fields = json_object_object_get_ex(b, "fields", &fields);
        if (text && utf8_length(text) > SLACK_MAX_SECTION_TEXT)
                return false;
        if (!has_fields)
                return text != NULL;
        if (!json_object_is_type(fields, json_type_array))
                return false;
        size_t n = json_object_array_length(fields);
        if (n == 0 || n > SLACK_MAX_SECTION_FIELDS)
                return false;
        for (size_t i = 0; i < n; i++) {
                struct json_object *f = json_object_array_get_idx(fields, i), *s;
                if (!json_object_object_get_ex(f, "text", &s) || !json_object_is_type(s, json_type_string) ||
                    utf8_length(json_object_get_string(s)) > SLACK_MAX_FIELD_TEXT)
                        return false;
        }
        return true;
}

static bool block_ok(struct json_object *b)
{
        struct json_object *type;
        if (!json_object_is_type(b, json_type_object) || !json_object_object_get_ex(b, "type", &type))
                return false;
        const char *t = json_object_get_string(type);
        if (!strcmp(t, "header")) {
                const char *text = text_of(b);
                return text && *text && utf8_length(text) <= SLACK_MAX_HEADER_TEXT;
        }
        if (!strcmp(t, "section"))
                return section_ok(b);
        return true;
}

static const char *check(struct json_object *payload)
{
        struct json_object *text, *blocks;
        bool has_text = json_object_object_get_ex(payload, "text", &text) &&
                        json_object_is_type(text, json_type_string) && *json_object_get_string(text);
        if (!json_object_object_get_ex(payload, "blocks", &blocks))
                return has_text ? NULL : "no_text";
        if (!json_object_is_type(blocks, json_type_array))
                return "invalid_blocks";
        size_t n = json_object_array_length(blocks);
        if (n > SLACK_MAX_BLOCKS)
                return "invalid_blocks";
        if (n == 0 && !has_text)
                return "no_text";
        for (size_t i = 0; i < n; i++)
                if (!block_ok(json_object_array_get_idx(blocks, i)))
                        return "invalid_blocks";
        return NULL;
}

const char *slack_check_payload(const char *body)
{
        struct json_object *payload = json_tokener_parse(body);
        const char *verdict = json_object_is_type(payload, json_type_object) ? check(payload) : "invalid_payload";
        json_object_put(payload);
        return verdict;
}

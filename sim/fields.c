/* Field access over libconfig or json-c. */
#include "fields.h"

bool fields_string(const struct fields *f, const char *key, const char **out)
{
        if (f->setting)
                return config_setting_lookup_string(f->setting, key, out) == CONFIG_TRUE;
        struct json_object *v;
        if (!json_object_object_get_ex(f->json, key, &v) || !json_object_is_type(v, json_type_string))
                return false;
        *out = json_object_get_string(v);
        return true;
}

static bool setting_number(const config_setting_t *s, double *out)
{
        switch (config_setting_type(s)) {
        case CONFIG_TYPE_INT:
        case CONFIG_TYPE_INT64:
                *out = (double)config_setting_get_int64(s);
                return true;
        case CONFIG_TYPE_FLOAT:
                *out = config_setting_get_float(s);
                return true;
        case CONFIG_TYPE_BOOL:
                *out = config_setting_get_bool(s);
                return true;
        default:
                return false;
        }
}

bool fields_number(const struct fields *f, const char *key, double *out)
{
        if (f->setting) {
                const config_setting_t *m = config_setting_get_member(f->setting, key);
                return m && setting_number(m, out);
        }
        struct json_object *v;
        if (!json_object_object_get_ex(f->json, key, &v))
                return false;
        switch (json_object_get_type(v)) {
        case json_type_int:
        case json_type_double:
        case json_type_boolean:
                *out = json_object_get_double(v);
                return true;
        default:
                return false;
        }
}

/* Named fields read the same way from a libconfig group (scenario file) or a
 * json-c object (control endpoint body), so faults and hooks parse once. */
#pragma once
#include <json-c/json.h>
#include <libconfig.h>
#include <stdbool.h>

struct fields {
        const config_setting_t *setting;   /* exactly one of the two is set */
        struct json_object *json;
};

bool fields_string(const struct fields *f, const char *key, const char **out);
/* Numbers; booleans read as 0/1. */
bool fields_number(const struct fields *f, const char *key, double *out);

#include "json_output.h"

#include <errno.h>
#include <stdlib.h>

char *json_output_text(json_object *o, int flags)
{
        char *text = NULL;

        if (o && asprintf(&text, "%s\n", json_object_to_json_string_ext(o, flags)) < 0)
                text = NULL;
        json_object_put(o);
        return text;
}

int json_output_print(FILE *out, json_object *o)
{
        char *text = json_output_text(o, JSON_OUTPUT_FLAGS);

        if (!text)
                return -ENOMEM;
        fputs(text, out);
        free(text);
        return 0;
}

#include "json_output.h"

#include <errno.h>

int json_output_print(FILE *out, json_object *o)
{
        if (!o)
                return -ENOMEM;
        fprintf(out, "%s\n",
                json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
        return 0;
}

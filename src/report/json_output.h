/* The --json output of the commands: one document, pretty, slashes plain. */
#pragma once
#include <json-c/json.h>
#include <stdio.h>

/* Prints o and a newline to out and puts o (taken). Returns 0, or -ENOMEM
 * for a NULL o (its constructor failed). */
int json_output_print(FILE *out, json_object *o);

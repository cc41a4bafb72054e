/* The --json output of the commands: one document, pretty, slashes plain. */
#pragma once
#include <json-c/json.h>
#include <stdio.h>

/* How the commands write a document; `status --json` keeps the slashes
 * escaped, as it has since 0.1.0 (STATUS_JSON_FLAGS). */
#define JSON_OUTPUT_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)

/* o written with flags and a newline, as a command prints it (malloc'd),
 * o put (taken); NULL for a NULL o (its constructor failed) or on ENOMEM.
 * The web page serves the same bytes. */
char *json_output_text(json_object *o, int flags);

/* Prints o (JSON_OUTPUT_FLAGS) and a newline to out and puts o (taken).
 * Returns 0, or -ENOMEM for a NULL o (its constructor failed). */
int json_output_print(FILE *out, json_object *o);

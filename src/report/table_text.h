/* Text tables on a terminal: widths in display columns of UTF-8 text. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Display columns of UTF-8 text: every byte that does not continue a
 * character starts one. */
size_t text_columns(const char *s);
/* text in width display columns, padded (right-aligned with right), then a
 * space; longer text overflows (a figure is never cut). */
void table_cell(FILE *out, const char *text, size_t width, bool right);

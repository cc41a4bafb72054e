/* Doubles as the shortest of %.15g, %.16g and %.17g that reads back as the
 * same value: how every number in the JSON the daemon writes looks. */
#pragma once
#include <stddef.h>

/* Large enough for any output, sign and exponent included. */
#define DOUBLE_FORMAT_MAX 32

/* Writes d into buf (NUL-terminated) and returns its length. */
size_t double_format_shortest(double d, char buf[static DOUBLE_FORMAT_MAX]);

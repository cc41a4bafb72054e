/* ISO 8601 timestamps as the Mida API writes them ("2024-01-15T10:30:00.000Z"). */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define ISOTIME_MAX 32

/* Formats epoch seconds t into buf (at least ISOTIME_MAX bytes). */
void isotime_format(double t, char *buf);
/* Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z" or "YYYY-MM-DD"; -EINVAL if neither. */
int isotime_parse(const char *s, double *t);
/* Parses exactly "YYYY-MM-DD" (a real calendar date); -EINVAL otherwise. */
int isodate_parse_day(const char *s, double *t);

/* A point in time as people type it on a command line: ISO 8601
 * ("2026-12-08T09:00:00Z", "2026-12-08T09:00+01:00", "2026-12-08T09:00",
 * the last in local time) or "YYYY-MM-DD HH:MM" in local time. Pure but
 * for the local time zone (TZ). */
#pragma once
#include <time.h>

/* 0 and *ret, or -EINVAL when text is none of the forms. */
int time_parse(const char *text, time_t *ret);

/* ISO 8601 timestamps via strptime/timegm; rejects anything the calendar
 * normalises (2024-02-30) by formatting the result back. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "isotime.h"

void isotime_format(double t, char *buf)
{
        time_t secs = (time_t)floor(t);
        int ms = (int)((t - (double)secs) * 1000.0);
        struct tm tm;
        gmtime_r(&secs, &tm);
        size_t n = strftime(buf, ISOTIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(buf + n, ISOTIME_MAX - n, ".%03dZ", ms < 0 ? 0 : ms > 999 ? 999 : ms);
}

int isodate_parse_day(const char *s, double *t)
{
        struct tm tm = { 0 };
        const char *end = strptime(s, "%Y-%m-%d", &tm);
        if (!end || *end || strlen(s) != 10)
                return -EINVAL;
        /* timegm normalises 2024-02-30 to March 1st: format back to catch it */
        time_t secs = timegm(&tm);
        struct tm norm;
        char back[16];
        gmtime_r(&secs, &norm);
        strftime(back, sizeof(back), "%Y-%m-%d", &norm);
        if (strcmp(back, s) != 0)
                return -EINVAL;
        *t = (double)secs;
        return 0;
}

int isotime_parse(const char *s, double *t)
{
        if (isodate_parse_day(s, t) == 0)
                return 0;
        struct tm tm = { 0 };
        const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end)
                return -EINVAL;
        double frac = 0.0;
        if (*end == '.') {
                char *after;
                frac = strtod(end, &after);
                end = after;
        }
        if (strcmp(end, "Z") != 0 && strcmp(end, "+00:00") != 0)
                return -EINVAL;
        *t = (double)timegm(&tm) + frac;
        return 0;
}

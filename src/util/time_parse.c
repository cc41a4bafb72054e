#include "time_parse.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* "Z", "+HH:MM", "-HHMM", "+HH": seconds east of UTC; -1 when not an offset. */
static long parse_offset(const char *s)
{
        int hours = 0, minutes = 0, n = 0;
        long sign;

        if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0)
                return 0;
        if (*s != '+' && *s != '-')
                return -1;
        sign = *s == '-' ? -1 : 1;
        if (sscanf(s + 1, "%2d:%2d%n", &hours, &minutes, &n) == 2 && s[1 + n] == '\0')
                ;
        else if (sscanf(s + 1, "%2d%2d%n", &hours, &minutes, &n) == 2 && s[1 + n] == '\0')
                ;
        else if (sscanf(s + 1, "%2d%n", &hours, &n) == 1 && s[1 + n] == '\0' && n == 2)
                minutes = 0;
        else
                return -1;
        if (hours > 23 || minutes > 59)
                return -1;
        return sign * (hours * 3600L + minutes * 60L);
}

int time_parse(const char *text, time_t *ret)
{
        static const char *const formats[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S",
                                               "%Y-%m-%d %H:%M" };
        struct tm tm;
        const char *rest = NULL;
        bool utc = false;
        long offset = 0;
        time_t t;

        for (size_t i = 0; text && !rest && i < sizeof(formats) / sizeof(formats[0]); i++) {
                memset(&tm, 0, sizeof(tm));
                rest = strptime(text, formats[i], &tm);
                /* strptime stops early for a shorter format: the zone, or nothing, must follow. */
                if (rest && *rest && *rest != 'Z' && *rest != 'z' && *rest != '+' && *rest != '-')
                        rest = NULL;
        }
        if (!rest || !isdigit((unsigned char) text[0]))
                return -EINVAL;
        if (*rest) {
                offset = parse_offset(rest);
                if (offset == -1 && strcmp(rest, "-00:00") != 0)
                        return -EINVAL;
                utc = true;
        }
        tm.tm_isdst = -1;
        t = utc ? timegm(&tm) - offset : mktime(&tm);
        if (t == (time_t) -1)
                return -EINVAL;
        *ret = t;
        return 0;
}

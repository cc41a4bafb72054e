#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "duration.h"

struct unit {
        char suffix;
        uint64_t seconds;
};

/* Largest first: duration_format relies on the order. */
static const struct unit units[] = {
        { 'w', 7 * 86400 }, { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
};

static const struct unit *find_unit(char suffix)
{
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (units[i].suffix == suffix)
                        return &units[i];
        return NULL;
}

int duration_from_seconds(long long seconds, uint64_t *ret_usec)
{
        if (seconds < 0 || (unsigned long long) seconds > UINT64_MAX / DURATION_USEC_PER_SEC)
                return -ERANGE;
        *ret_usec = (uint64_t) seconds * DURATION_USEC_PER_SEC;
        return 0;
}

/* Reads the digits at *p into *ret, advancing *p; -EINVAL if there are none. */
static int read_number(const char **p, uint64_t *ret)
{
        uint64_t n = 0;
        const char *s = *p;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        for (; *s >= '0' && *s <= '9'; s++) {
                if (n > (UINT64_MAX - (uint64_t) (*s - '0')) / 10)
                        return -ERANGE;
                n = n * 10 + (uint64_t) (*s - '0');
        }
        *p = s;
        *ret = n;
        return 0;
}

int duration_parse(const char *text, uint64_t *ret_usec)
{
        uint64_t total = 0;
        const char *p = text;
        bool bare_seconds;

        if (!text || !*text)
                return -EINVAL;
        bare_seconds = text[strspn(text, "0123456789")] == '\0';
        while (*p) {
                const struct unit *u;
                uint64_t n = 0, usec;
                int r = read_number(&p, &n);

                if (r < 0)
                        return r;
                u = bare_seconds ? find_unit('s') : find_unit(*p++);
                if (!u)
                        return -EINVAL;
                if (n > UINT64_MAX / u->seconds / DURATION_USEC_PER_SEC)
                        return -ERANGE;
                usec = n * u->seconds * DURATION_USEC_PER_SEC;
                if (usec > UINT64_MAX - total)
                        return -ERANGE;
                total += usec;
        }
        *ret_usec = total;
        return 0;
}

int duration_format(uint64_t usec, char *buf, size_t size)
{
        uint64_t left = usec / DURATION_USEC_PER_SEC;
        size_t len = 0;

        if (size < 3)
                return -ENOSPC;
        if (left == 0)
                return snprintf(buf, size, "0s");
        buf[0] = '\0';
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]) && left > 0; i++) {
                int n;

                if (left < units[i].seconds)
                        continue;
                n = snprintf(buf + len, size - len, "%llu%c",
                             (unsigned long long) (left / units[i].seconds), units[i].suffix);
                if (n < 0 || (size_t) n >= size - len)
                        return -ENOSPC;
                len += (size_t) n;
                left %= units[i].seconds;
        }
        return (int) len;
}

#include "weekly_schedule.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DAY_SECONDS 86400
#define SEARCH_DAYS 15

/* Indexed by struct tm's tm_wday. */
static const char *const day_names[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

static const char msg_empty[] = "schedule is empty: write e.g. 'mon 09:00' or 'daily 09:00'";
static const char msg_shape[] = "schedule must be days and a time separated by one space, "
                                "e.g. 'mon,thu 09:00' or 'daily 09:00'";
static const char msg_no_time[] = "schedule needs a time after the days, e.g. 'mon 09:00'";
static const char msg_no_days[] = "schedule needs days before the time, e.g. 'daily 09:00' or 'mon 09:00'";
static const char msg_list_space[] = "no spaces in the list of days: write e.g. 'mon,thu 09:00'";
static const char msg_empty_day[] = "empty day in the list: separate days with single commas, e.g. 'mon,thu'";
static const char msg_unknown_day[] = "unknown day: use mon, tue, wed, thu, fri, sat, sun or daily";
static const char msg_lowercase[] = "day names are lowercase: mon, tue, wed, thu, fri, sat, sun or daily";
static const char msg_long_day[] = "use three-letter day names: mon, tue, wed, thu, fri, sat, sun or daily";
static const char msg_range[] = "day ranges are not supported: list the days, e.g. 'mon,tue,wed,thu,fri'";
static const char msg_duplicate[] = "day listed twice";
static const char msg_daily_mix[] = "'daily' cannot be combined with other days";
static const char msg_time[] = "time must be HH:MM (24-hour), e.g. 09:00";
static const char msg_hour[] = "hour must be 00 to 23";
static const char msg_minute[] = "minute must be 00 to 59";

/* ---- parsing ---- */

/* Why an unknown day item (not lowercase-exact) was refused. */
static const char *unknown_day_reason(const char *item, size_t len)
{
        if (memchr(item, '-', len))
                return msg_range;
        for (int d = 0; d < 7; d++) {
                if (len == 3 && strncasecmp(item, day_names[d], 3) == 0)
                        return msg_lowercase;
                if (len > 3 && strncasecmp(item, day_names[d], 3) == 0)
                        return msg_long_day; /* "monday", "tues" */
        }
        if (len == 5 && strncasecmp(item, "daily", 5) == 0)
                return msg_lowercase;
        return msg_unknown_day;
}

/* Adds one item of the day list to *days (*daily for "daily"). */
static const char *parse_day(const char *item, size_t len, unsigned *days, bool *daily)
{
        if (len == 0)
                return msg_empty_day;
        if (len == 5 && memcmp(item, "daily", 5) == 0) {
                if (*daily)
                        return msg_duplicate;
                if (*days)
                        return msg_daily_mix;
                *daily = true;
                return NULL;
        }
        for (int d = 0; d < 7; d++) {
                if (len != 3 || memcmp(item, day_names[d], 3) != 0)
                        continue;
                if (*daily)
                        return msg_daily_mix;
                if (*days & (1u << d))
                        return msg_duplicate;
                *days |= 1u << d;
                return NULL;
        }
        return unknown_day_reason(item, len);
}

/* The comma-separated day list [list, list + len). */
static const char *parse_days(const char *list, size_t len, unsigned *ret)
{
        const char *end = list + len;
        unsigned days = 0;
        bool daily = false;

        for (const char *item = list;;) {
                const char *comma = memchr(item, ',', (size_t) (end - item));
                const char *stop = comma ? comma : end;
                const char *why = parse_day(item, (size_t) (stop - item), &days, &daily);

                if (why)
                        return why;
                if (!comma)
                        break;
                item = comma + 1;
        }
        *ret = daily ? WEEKLY_SCHEDULE_DAILY : days;
        return NULL;
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

/* Exactly "HH:MM". */
static const char *parse_time(const char *s, int *hour, int *minute)
{
        if (strlen(s) != 5 || !is_digit(s[0]) || !is_digit(s[1]) || s[2] != ':' || !is_digit(s[3]) ||
            !is_digit(s[4]))
                return msg_time;
        *hour = (s[0] - '0') * 10 + (s[1] - '0');
        *minute = (s[3] - '0') * 10 + (s[4] - '0');
        if (*hour > 23)
                return msg_hour;
        if (*minute > 59)
                return msg_minute;
        return NULL;
}

/* Why text is not "DAYS HH:MM" with its one space, given it is not. */
static const char *shape_reason(const char *text)
{
        if (!strchr(text, ' ') && !strpbrk(text, "\t\n\v\f\r"))
                return strchr(text, ':') || is_digit(text[0]) ? msg_no_days : msg_no_time;
        if (strstr(text, ", ") || strstr(text, " ,"))
                return msg_list_space;
        return msg_shape;
}

static const char *parse(const char *text, struct weekly_schedule *s)
{
        const char *space, *why;

        if (!text || !*text)
                return msg_empty;
        space = strchr(text, ' ');
        if (!space || space == text || !space[1] || strchr(space + 1, ' ') || strpbrk(text, "\t\n\v\f\r"))
                return shape_reason(text);
        why = parse_days(text, (size_t) (space - text), &s->days);
        return why ? why : parse_time(space + 1, &s->hour, &s->minute);
}

int weekly_schedule_parse(const char *text, struct weekly_schedule *ret, const char **why)
{
        struct weekly_schedule s = { 0 };
        const char *reason = parse(text, &s);

        if (reason) {
                if (why)
                        *why = reason;
                return -EINVAL;
        }
        *ret = s;
        return 0;
}

/* ---- time zones ---- */

bool timezone_known(const char *name)
{
        const char *dir = getenv("TZDIR");
        char path[PATH_MAX], magic[4];
        struct stat st;
        bool ok;
        int fd, n;

        if (!name || !*name || name[0] == '/' || strstr(name, ".."))
                return false;
        if (!dir || !*dir)
                dir = "/usr/share/zoneinfo";
        n = snprintf(path, sizeof(path), "%s/%s", dir, name);
        if (n < 0 || (size_t) n >= sizeof(path))
                return false;
        /* O_NONBLOCK: a FIFO planted in the directory must not hang us. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return false;
        ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, magic, sizeof(magic)) == sizeof(magic) &&
             memcmp(magic, "TZif", sizeof(magic)) == 0;
        close(fd);
        return ok;
}

/* ---- slots ----
 *
 * Calendar arithmetic is done on "wall" seconds: the local date and time
 * counted as if they were UTC, so a local day is exactly 86400 wall seconds
 * whatever DST does, and day numbers (wall / 86400) step through local dates
 * with no mktime normalisation (which would also need a time that exists
 * on every date: noon did not on Pacific/Apia's 2011-12-30). Only the
 * conversion between an instant and wall time asks the zone, through
 * localtime_r's tm_gmtoff. */

static int64_t floor_div(int64_t a, int64_t b)
{
        return a / b - (a % b < 0);
}

/* Wall seconds of instant u in the current TZ. */
static bool wall_at(int64_t u, int64_t *wall)
{
        time_t tt = (time_t) u;
        struct tm tm;

        if ((int64_t) tt != u || !localtime_r(&tt, &tm))
                return false;
        *wall = u + tm.tm_gmtoff;
        return true;
}

/* Whether instant u shows wall time w. */
static bool shows(int64_t u, int64_t w)
{
        int64_t wall;

        return wall_at(u, &wall) && wall == w;
}

/* First instant whose wall time is >= w, knowing lo shows less and hi at
 * least w: where a spring-forward gap over w ends. */
static int64_t gap_end(int64_t lo, int64_t hi, int64_t w)
{
        while (hi - lo > 1) {
                int64_t mid = lo + (hi - lo) / 2, wall;

                if (!wall_at(mid, &wall))
                        return -1;
                if (wall >= w)
                        hi = mid;
                else
                        lo = mid;
        }
        return hi;
}

/* The instant of wall time w: the earlier one when w occurs twice, the end
 * of the gap when it does not occur. The offsets a day either side bracket
 * any transition near w (zones change at most once in two days). */
static bool wall_to_instant(int64_t w, int64_t *ret)
{
        int64_t wall_before, wall_after, off_before, off_after, early, late, lo_wall, hi_wall;

        if (!wall_at(w - DAY_SECONDS, &wall_before) || !wall_at(w + DAY_SECONDS, &wall_after))
                return false;
        off_before = wall_before - (w - DAY_SECONDS);
        off_after = wall_after - (w + DAY_SECONDS);
        /* A larger offset east means an earlier instant for the same wall time. */
        early = w - (off_before > off_after ? off_before : off_after);
        late = w - (off_before > off_after ? off_after : off_before);
        if (shows(early, w)) {
                *ret = early;
                return true;
        }
        if (shows(late, w)) {
                *ret = late;
                return true;
        }
        if (!wall_at(early, &lo_wall) || !wall_at(late, &hi_wall) || lo_wall >= w || hi_wall < w)
                return false;
        *ret = gap_end(early, late, w);
        return *ret != -1;
}

/* The slot on local day number day (days since 1970-01-01, local), if any. */
static bool slot_on_day(const struct weekly_schedule *s, int64_t day, int64_t *ret)
{
        int64_t weekday = (day % 7 + 7 + 4) % 7; /* 1970-01-01 was a Thursday */
        int64_t w = day * DAY_SECONDS + s->hour * 3600 + s->minute * 60, u, wall;

        if (!(s->days & (1u << weekday)) || !wall_to_instant(w, &u) || !wall_at(u, &wall))
                return false;
        /* A gap can push the slot past midnight (a skipped date): then this
         * date has none, rather than the next one getting two. */
        if (floor_div(wall, DAY_SECONDS) != day)
                return false;
        *ret = u;
        return true;
}

/* The first slot > t (forward) or the last <= t, in the current TZ. Starts
 * one day on the other side of t's local date: slots only grow with the
 * date, and that covers a slot pushed across midnight. Looks 15 days ahead,
 * not 8: a weekly slot on a date the zone skipped leaves a 14-day gap. Days
 * not in the set cost nothing. */
static int64_t search(const struct weekly_schedule *s, int64_t t, bool forward)
{
        int64_t wall, today, u;

        if (!wall_at(t, &wall))
                return -1;
        today = floor_div(wall, DAY_SECONDS);
        for (int k = -1; k <= SEARCH_DAYS; k++) {
                int64_t day = forward ? today + k : today - k;

                if (slot_on_day(s, day, &u) && (forward ? u > t : u <= t))
                        return u;
        }
        return -1;
}

/* search() with TZ set to tz, then TZ put back exactly as it was (unset
 * stays unset; the old value is copied first, as setenv may free it).
 * Process-wide state: not thread-safe. */
static int64_t search_in_zone(const struct weekly_schedule *s, const char *tz, int64_t t, bool forward)
{
        const char *old;
        char *saved = NULL;
        int64_t r;

        if (!tz || !*tz)
                return search(s, t, forward);
        old = getenv("TZ");
        if (old && !(saved = strdup(old)))
                return -1;
        if (setenv("TZ", tz, 1) < 0) {
                free(saved);
                return -1;
        }
        tzset();
        r = search(s, t, forward);
        if (saved)
                setenv("TZ", saved, 1);
        else
                unsetenv("TZ");
        tzset();
        free(saved);
        return r;
}

static bool schedule_valid(const struct weekly_schedule *s)
{
        return s && s->days != 0 && (s->days & ~WEEKLY_SCHEDULE_DAILY) == 0 && s->hour >= 0 && s->hour <= 23 &&
               s->minute >= 0 && s->minute <= 59;
}

int64_t weekly_schedule_at_or_before(const struct weekly_schedule *s, const char *tz, int64_t t)
{
        return schedule_valid(s) ? search_in_zone(s, tz, t, false) : -1;
}

int64_t weekly_schedule_after(const struct weekly_schedule *s, const char *tz, int64_t t)
{
        return schedule_valid(s) ? search_in_zone(s, tz, t, true) : -1;
}

/* ---- formatting ---- */

void weekly_schedule_format(const struct weekly_schedule *s, char *buf, size_t size)
{
        char days[WEEKLY_SCHEDULE_FORMAT_MAX] = "";
        size_t len = 0;

        if (size == 0)
                return;
        if ((s->days & WEEKLY_SCHEDULE_DAILY) == WEEKLY_SCHEDULE_DAILY)
                strcpy(days, "daily");
        else if ((s->days & WEEKLY_SCHEDULE_DAILY) == 0)
                strcpy(days, "never");
        else
                for (int i = 1; i <= 7; i++) { /* Monday first, Sunday last */
                        if (s->days & (1u << (i % 7)))
                                len += (size_t) snprintf(days + len, sizeof(days) - len, "%s%s", len ? "," : "",
                                                         day_names[i % 7]);
                }
        snprintf(buf, size, "%s %02d:%02d", days, s->hour, s->minute);
}

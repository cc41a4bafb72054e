/* Tests of src/util/weekly_schedule.c: the schedule syntax and its error
 * messages, the tzdata check, and slots across daylight-saving changes.
 * Expected instants are written as UTC calendar times (timegm, which knows
 * no zones) from the transitions zdump lists, a few also as plain Unix
 * numbers from `date -u -d ... +%s`, never computed by the code under test.
 * Criterion forks per test, so setenv("TZ") in one test stays there. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/weekly_schedule.h"

#define HOUR 3600
#define DAY 86400

#define SUN (1u << 0)
#define MON (1u << 1)
#define TUE (1u << 2)
#define WED (1u << 3)
#define THU (1u << 4)
#define FRI (1u << 5)
#define SAT (1u << 6)

static int64_t utc(int year, int month, int day, int hour, int minute)
{
        struct tm tm = { .tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day, .tm_hour = hour,
                         .tm_min = minute };

        return (int64_t) timegm(&tm);
}

static struct weekly_schedule sched(const char *text)
{
        struct weekly_schedule s;
        const char *why = NULL;

        cr_assert_eq(weekly_schedule_parse(text, &s, &why), 0, "'%s': %s", text, why ? why : "");
        return s;
}

static int64_t after(const char *text, const char *tz, int64_t t)
{
        struct weekly_schedule s = sched(text);

        return weekly_schedule_after(&s, tz, t);
}

static int64_t before(const char *text, const char *tz, int64_t t)
{
        struct weekly_schedule s = sched(text);

        return weekly_schedule_at_or_before(&s, tz, t);
}

#define assert_time(got, want)                                                                              \
        do {                                                                                                \
                int64_t got_ = (got), want_ = (want);                                                       \
                cr_assert_eq(got_, want_, "%s: got %lld, want %lld (%+lld s)", #got, (long long) got_,      \
                             (long long) want_, (long long) (got_ - want_));                                \
        } while (0)

/* Local wall clock of t in zone tz, as the test sees it. */
static struct tm local_in(const char *tz, int64_t t)
{
        time_t tt = (time_t) t;
        struct tm tm;

        setenv("TZ", tz, 1);
        tzset();
        cr_assert_not_null(localtime_r(&tt, &tm));
        return tm;
}

/* ---- parsing ---- */

Test(weekly_schedule_parse, accepts)
{
        static const struct {
                const char *text;
                unsigned days;
                int hour, minute;
        } cases[] = {
                { "daily 09:00", 0x7f, 9, 0 },
                { "mon 09:00", MON, 9, 0 },
                { "mon,thu 09:00", MON | THU, 9, 0 },
                { "thu,mon 09:00", MON | THU, 9, 0 },
                { "sun 00:00", SUN, 0, 0 },
                { "sat 23:59", SAT, 23, 59 },
                { "tue,wed,fri 12:30", TUE | WED | FRI, 12, 30 },
                { "mon,tue,wed,thu,fri,sat,sun 07:05", 0x7f, 7, 5 },
                { "sun,sat 18:00", SUN | SAT, 18, 0 },
                { "daily 00:01", 0x7f, 0, 1 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct weekly_schedule s = { 99, 99, 99 };
                const char *why = "untouched";

                cr_assert_eq(weekly_schedule_parse(cases[i].text, &s, &why), 0, "'%s': %s", cases[i].text, why);
                cr_expect_eq(s.days, cases[i].days, "'%s': days %#x", cases[i].text, s.days);
                cr_expect_eq(s.hour, cases[i].hour, "'%s'", cases[i].text);
                cr_expect_eq(s.minute, cases[i].minute, "'%s'", cases[i].text);
                cr_expect_str_eq(why, "untouched", "'%s'", cases[i].text);
        }
}

#define EMPTY "schedule is empty: write e.g. 'mon 09:00' or 'daily 09:00'"
#define SHAPE "schedule must be days and a time separated by one space, e.g. 'mon,thu 09:00' or 'daily 09:00'"
#define NO_TIME "schedule needs a time after the days, e.g. 'mon 09:00'"
#define NO_DAYS "schedule needs days before the time, e.g. 'daily 09:00' or 'mon 09:00'"
#define LIST_SPACE "no spaces in the list of days: write e.g. 'mon,thu 09:00'"
#define EMPTY_DAY "empty day in the list: separate days with single commas, e.g. 'mon,thu'"
#define UNKNOWN "unknown day: use mon, tue, wed, thu, fri, sat, sun or daily"
#define LOWER "day names are lowercase: mon, tue, wed, thu, fri, sat, sun or daily"
#define LONG "use three-letter day names: mon, tue, wed, thu, fri, sat, sun or daily"
#define RANGE "day ranges are not supported: list the days, e.g. 'mon,tue,wed,thu,fri'"
#define DUP "day listed twice"
#define MIX "'daily' cannot be combined with other days"
#define TIME "time must be HH:MM (24-hour), e.g. 09:00"
#define HOUR_RANGE "hour must be 00 to 23"
#define MINUTE_RANGE "minute must be 00 to 59"

Test(weekly_schedule_parse, rejects_with_reason)
{
        static const struct {
                const char *text, *why;
        } cases[] = {
                { NULL, EMPTY },
                { "", EMPTY },
                { "mon", NO_TIME },
                { "daily", NO_TIME },
                { "mon,thu", NO_TIME },
                { "09:00", NO_DAYS },
                { "9", NO_DAYS },
                { "mno 09:00", UNKNOWN },
                { "weekdays 09:00", UNKNOWN },
                { "x 09:00", UNKNOWN },
                { "mon,xyz 09:00", UNKNOWN },
                { "Mon 09:00", LOWER },
                { "MON 09:00", LOWER },
                { "mon,Thu 09:00", LOWER },
                { "DAILY 09:00", LOWER },
                { "Daily 09:00", LOWER },
                { "monday 09:00", LONG },
                { "tues 09:00", LONG },
                { "Thursday 09:00", LONG },
                { "mon-fri 09:00", RANGE },
                { "mon,mon 09:00", DUP },
                { "mon,thu,mon 09:00", DUP },
                { "daily,daily 09:00", DUP },
                { "daily,mon 09:00", MIX },
                { "mon,daily 09:00", MIX },
                { "mon,,thu 09:00", EMPTY_DAY },
                { ",mon 09:00", EMPTY_DAY },
                { "mon, 09:00", EMPTY_DAY },
                { "mon,thu, 09:00", EMPTY_DAY },
                { "mon, thu 09:00", LIST_SPACE },
                { "mon ,thu 09:00", LIST_SPACE },
                { "mon  09:00", SHAPE },
                { " mon 09:00", SHAPE },
                { "mon 09:00 ", SHAPE },
                { "mon\t09:00", SHAPE },
                { "mon 09:00\n", SHAPE },
                { "mon 09:00 10:00", SHAPE },
                { "mon 9:00", TIME },
                { "mon 09:0", TIME },
                { "mon 0900", TIME },
                { "mon 09:00:00", TIME },
                { "mon 9am", TIME },
                { "mon 09.00", TIME },
                { "mon +9:00", TIME },
                { "mon 0x:00", TIME },
                { "mon 09:00pm", TIME },
                { "daily ", SHAPE },
                { "mon 24:00", HOUR_RANGE },
                { "mon 99:00", HOUR_RANGE },
                { "mon 09:60", MINUTE_RANGE },
                { "mon 23:99", MINUTE_RANGE },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct weekly_schedule s = { 99, 99, 99 };
                const char *why = NULL;
                const char *text = cases[i].text ? cases[i].text : "(null)";

                cr_expect_eq(weekly_schedule_parse(cases[i].text, &s, &why), -EINVAL, "'%s' accepted", text);
                cr_expect_str_eq(why ? why : "(none)", cases[i].why, "'%s'", text);
                cr_expect(s.days == 99 && s.hour == 99 && s.minute == 99, "'%s' changed *ret", text);
        }
}

Test(weekly_schedule_parse, why_may_be_null)
{
        struct weekly_schedule s;

        cr_assert_eq(weekly_schedule_parse("mon 25:00", &s, NULL), -EINVAL);
}

/* ---- formatting ---- */

static void assert_format(const char *text, const char *want)
{
        struct weekly_schedule s = sched(text), back;
        char buf[WEEKLY_SCHEDULE_FORMAT_MAX];

        weekly_schedule_format(&s, buf, sizeof(buf));
        cr_assert_str_eq(buf, want, "'%s'", text);
        cr_assert_eq(weekly_schedule_parse(buf, &back, NULL), 0, "'%s' does not parse back", buf);
        cr_assert(back.days == s.days && back.hour == s.hour && back.minute == s.minute, "'%s'", buf);
}

Test(weekly_schedule_format, round_trips_monday_first)
{
        assert_format("daily 09:00", "daily 09:00");
        assert_format("mon,thu 09:00", "mon,thu 09:00");
        assert_format("thu,mon 09:05", "mon,thu 09:05");
        assert_format("sun,mon 00:00", "mon,sun 00:00");
        assert_format("sat 23:59", "sat 23:59");
        assert_format("mon,tue,wed,thu,fri,sat,sun 07:30", "daily 07:30");
        assert_format("sun,sat,fri,thu,wed,tue 12:00", "tue,wed,thu,fri,sat,sun 12:00");
}

Test(weekly_schedule_format, longest_fits_and_short_buffers_truncate)
{
        struct weekly_schedule six = sched("mon,tue,wed,thu,fri,sat 23:59"), none = { 0, 9, 0 };
        char buf[WEEKLY_SCHEDULE_FORMAT_MAX], small[4] = "xyz", zero[1] = "q";

        weekly_schedule_format(&six, buf, sizeof(buf));
        cr_assert_str_eq(buf, "mon,tue,wed,thu,fri,sat 23:59");
        weekly_schedule_format(&six, small, sizeof(small));
        cr_assert_str_eq(small, "mon");
        weekly_schedule_format(&six, zero, 0);
        cr_assert_eq(zero[0], 'q');
        weekly_schedule_format(&none, buf, sizeof(buf));
        cr_assert_str_eq(buf, "never 09:00");
}

/* ---- time zones ---- */

Test(timezone_known, system_zones)
{
        cr_assert(timezone_known("Europe/Berlin"));
        cr_assert(timezone_known("America/New_York"));
        cr_assert(timezone_known("UTC"));
        cr_assert_not(timezone_known("Mars/Olympus"));
        cr_assert_not(timezone_known("europe/berlin"));
        cr_assert_not(timezone_known("../etc/passwd"));
        cr_assert_not(timezone_known("Europe/../UTC"));
        cr_assert_not(timezone_known("/usr/share/zoneinfo/UTC"));
        cr_assert_not(timezone_known("Europe"));         /* a directory */
        cr_assert_not(timezone_known("Europe/Berlin/")); /* not a directory */
        cr_assert_not(timezone_known(NULL));
        cr_assert_not(timezone_known(""));
        cr_assert_not(timezone_known("CET-1CEST,M3.5.0,M10.5.0/3")); /* a POSIX rule, not a name */
        if (access("/usr/share/zoneinfo/zone.tab", R_OK) == 0)
                cr_assert_not(timezone_known("zone.tab")); /* a file, but no TZif magic */
}

static void write_file(const char *path, const char *content)
{
        FILE *f = fopen(path, "w");

        cr_assert_not_null(f, "%s", path);
        fputs(content, f);
        cr_assert_eq(fclose(f), 0);
}

Test(timezone_known, tzdir_overrides)
{
        char dir[] = "/tmp/test_weekly_schedule.XXXXXX", path[256];

        cr_assert_not_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/Fake", dir);
        cr_assert_eq(mkdir(path, 0700), 0);
        snprintf(path, sizeof(path), "%s/Fake/Zone", dir);
        write_file(path, "TZif2 and the rest");
        snprintf(path, sizeof(path), "%s/Text", dir);
        write_file(path, "# not a zone\n");
        snprintf(path, sizeof(path), "%s/Fifo", dir);
        cr_assert_eq(mkfifo(path, 0600), 0);

        setenv("TZDIR", dir, 1);
        cr_expect(timezone_known("Fake/Zone"));
        cr_expect_not(timezone_known("Text"));
        cr_expect_not(timezone_known("Fifo"));
        cr_expect_not(timezone_known("Europe/Berlin"));
        setenv("TZDIR", "", 1); /* empty: the default directory */
        cr_expect(timezone_known("Europe/Berlin"));
        cr_expect_not(timezone_known("Fake/Zone"));

        unlink(path);
        snprintf(path, sizeof(path), "%s/Text", dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/Fake/Zone", dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/Fake", dir);
        rmdir(path);
        rmdir(dir);
}

/* ---- slots in UTC ---- */

Test(weekly_schedule_slots, utc_mon_thu_across_weeks)
{
        /* 2026-06-01 is a Monday. */
        int64_t want[] = { utc(2026, 6, 1, 9, 0),  utc(2026, 6, 4, 9, 0),  utc(2026, 6, 8, 9, 0),
                           utc(2026, 6, 11, 9, 0), utc(2026, 6, 15, 9, 0), utc(2026, 6, 18, 9, 0) };
        int64_t t = utc(2026, 6, 1, 0, 0);

        cr_assert_eq(utc(2026, 6, 1, 0, 0), 1780272000); /* the helper, against date(1) */
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
                t = after("mon,thu 09:00", "UTC", t);
                assert_time(t, want[i]);
        }
        assert_time(before("mon,thu 09:00", "UTC", utc(2026, 6, 3, 12, 0)), utc(2026, 6, 1, 9, 0));
        assert_time(before("mon,thu 09:00", "UTC", utc(2026, 6, 1, 8, 59)), utc(2026, 5, 28, 9, 0));
        assert_time(before("mon,thu 09:00", "UTC", utc(2026, 6, 7, 23, 59)), utc(2026, 6, 4, 9, 0));
}

Test(weekly_schedule_slots, exact_slot_boundaries)
{
        int64_t slot = utc(2026, 6, 4, 9, 0);

        assert_time(before("mon,thu 09:00", "UTC", slot), slot);
        assert_time(before("mon,thu 09:00", "UTC", slot - 1), utc(2026, 6, 1, 9, 0));
        assert_time(after("mon,thu 09:00", "UTC", slot - 1), slot);
        assert_time(after("mon,thu 09:00", "UTC", slot), utc(2026, 6, 8, 9, 0));
        cr_assert_gt(after("daily 00:00", "UTC", utc(2026, 6, 4, 0, 0)), utc(2026, 6, 4, 0, 0));
}

Test(weekly_schedule_slots, one_day_a_week_spans_the_whole_search)
{
        /* Just after Sunday's slot the next is 7 days on; the one before a
         * Sunday 23:58 is a week back. 2026-06-07 is a Sunday. */
        assert_time(after("sun 23:59", "UTC", utc(2026, 6, 7, 23, 59)), utc(2026, 6, 14, 23, 59));
        assert_time(before("sun 23:59", "UTC", utc(2026, 6, 7, 23, 58)), utc(2026, 5, 31, 23, 59));
        assert_time(after("mon 00:00", "UTC", utc(2026, 6, 1, 0, 0)), utc(2026, 6, 8, 0, 0));
        assert_time(before("mon 00:00", "UTC", utc(2026, 6, 1, 0, 0) - 1), utc(2026, 5, 25, 0, 0));
}

/* ---- Europe/Berlin: CET (+1) / CEST (+2); 2026-03-29 01:00 UTC 02:00 -> 03:00,
 * 2026-10-25 01:00 UTC 03:00 -> 02:00. ---- */

#define BERLIN "Europe/Berlin"

Test(weekly_schedule_berlin, daily_nine_spring_is_23_hours)
{
        int64_t sat = utc(2026, 3, 28, 8, 0), sun = utc(2026, 3, 29, 7, 0); /* 09:00 CET, 09:00 CEST */

        cr_assert_eq(sun, 1774767600);
        assert_time(after("daily 09:00", BERLIN, sat), sun);
        cr_assert_eq(sun - sat, 23 * HOUR);
        assert_time(after("daily 09:00", BERLIN, sun), utc(2026, 3, 30, 7, 0));
        assert_time(before("daily 09:00", BERLIN, sun - 1), sat);
        assert_time(before("daily 09:00", BERLIN, sun), sun);
        assert_time(after("daily 09:00", BERLIN, utc(2026, 3, 27, 12, 0)), sat);
}

Test(weekly_schedule_berlin, daily_nine_autumn_is_25_hours)
{
        int64_t sat = utc(2026, 10, 24, 7, 0), sun = utc(2026, 10, 25, 8, 0); /* 09:00 CEST, 09:00 CET */

        assert_time(after("daily 09:00", BERLIN, sat), sun);
        cr_assert_eq(sun - sat, 25 * HOUR);
        assert_time(after("daily 09:00", BERLIN, sun), utc(2026, 10, 26, 8, 0));
        assert_time(before("daily 09:00", BERLIN, sun - 1), sat);
        assert_time(before("daily 09:00", BERLIN, sun), sun);
}

Test(weekly_schedule_berlin, nonexistent_time_moves_to_end_of_gap)
{
        int64_t gap_end = utc(2026, 3, 29, 1, 0); /* 03:00 CEST */

        cr_assert_eq(gap_end, 1774746000);
        /* 02:30 does not exist that day: 03:00 CEST, not mktime's 03:30. */
        assert_time(after("daily 02:30", BERLIN, utc(2026, 3, 28, 12, 0)), gap_end);
        assert_time(before("daily 02:30", BERLIN, gap_end), gap_end);
        assert_time(before("daily 02:30", BERLIN, gap_end - 1), utc(2026, 3, 28, 1, 30)); /* 02:30 CET */
        assert_time(after("daily 02:30", BERLIN, gap_end), utc(2026, 3, 30, 0, 30));      /* 02:30 CEST */
        /* Every time inside the gap lands on its end; the edges are ordinary. */
        assert_time(after("sun 02:00", BERLIN, utc(2026, 3, 28, 12, 0)), gap_end);
        assert_time(after("sun 02:59", BERLIN, utc(2026, 3, 28, 12, 0)), gap_end);
        assert_time(after("sun 03:00", BERLIN, utc(2026, 3, 28, 12, 0)), gap_end);
        assert_time(after("sun 01:59", BERLIN, utc(2026, 3, 28, 12, 0)), utc(2026, 3, 29, 0, 59));
}

Test(weekly_schedule_berlin, repeated_time_uses_first_occurrence_once)
{
        int64_t first = utc(2026, 10, 25, 0, 30), second = utc(2026, 10, 25, 1, 30); /* 02:30 CEST, CET */

        cr_assert_eq(first, 1792888200);
        assert_time(after("daily 02:30", BERLIN, utc(2026, 10, 24, 12, 0)), first);
        assert_time(after("daily 02:30", BERLIN, first), utc(2026, 10, 26, 1, 30)); /* not `second` */
        assert_time(after("daily 02:30", BERLIN, second), utc(2026, 10, 26, 1, 30));
        assert_time(before("daily 02:30", BERLIN, second), first);
        assert_time(before("daily 02:30", BERLIN, first), first);
        assert_time(before("daily 02:30", BERLIN, first - 1), utc(2026, 10, 24, 0, 30));
        /* 02:00 repeats too (first at 00:00 UTC); 03:00 happens once, in CET. */
        assert_time(after("sun 02:00", BERLIN, utc(2026, 10, 24, 12, 0)), utc(2026, 10, 25, 0, 0));
        assert_time(after("sun 03:00", BERLIN, utc(2026, 10, 24, 12, 0)), utc(2026, 10, 25, 2, 0));
        assert_time(after("sun 01:59", BERLIN, utc(2026, 10, 24, 12, 0)), utc(2026, 10, 24, 23, 59));
}

Test(weekly_schedule_berlin, mon_thu_in_summer_and_winter)
{
        /* 2026-06-01 Monday 09:00 CEST = 07:00 UTC; 2026-12-03 Thursday 09:00 CET = 08:00 UTC. */
        assert_time(after("mon,thu 09:00", BERLIN, utc(2026, 5, 31, 12, 0)), utc(2026, 6, 1, 7, 0));
        assert_time(after("mon,thu 09:00", BERLIN, utc(2026, 6, 1, 7, 0)), utc(2026, 6, 4, 7, 0));
        assert_time(after("mon,thu 09:00", BERLIN, utc(2026, 11, 30, 8, 0)), utc(2026, 12, 3, 8, 0));
        assert_time(before("mon,thu 09:00", BERLIN, utc(2026, 12, 3, 7, 59)), utc(2026, 11, 30, 8, 0));
        /* Local midnight is not UTC midnight: Monday 00:30 CEST is Sunday 22:30 UTC. */
        assert_time(after("mon 00:30", BERLIN, utc(2026, 5, 31, 12, 0)), utc(2026, 5, 31, 22, 30));
        assert_time(after("sun 23:30", BERLIN, utc(2026, 5, 31, 12, 0)), utc(2026, 5, 31, 21, 30));
}

/* Walks a daily schedule through 2026 with after(), checking each slot's local
 * time, that local dates follow one another, and that at_or_before agrees. */
static void walk_year(const char *text, const char *tz, int hour, int minute, int64_t shifted_slot,
                      int shifted_hour, int shifted_minute)
{
        int64_t t = utc(2025, 12, 30, 0, 0), prev = -1;
        int count = 0, last_yday = -1;

        for (;;) {
                int64_t slot = after(text, tz, t);
                struct tm tm = local_in(tz, slot);

                cr_assert_gt(slot, t);
                if (tm.tm_year < 2026 - 1900) {
                        prev = t = slot;
                        continue;
                }
                if (tm.tm_year > 2026 - 1900)
                        break;
                cr_assert_eq(tm.tm_yday, last_yday + 1, "%s %s: slot %lld skips or repeats a day", text, tz,
                             (long long) slot);
                if (slot == shifted_slot)
                        cr_assert(tm.tm_hour == shifted_hour && tm.tm_min == shifted_minute);
                else
                        cr_assert(tm.tm_hour == hour && tm.tm_min == minute, "%s %s: slot %lld at %02d:%02d",
                                  text, tz, (long long) slot, tm.tm_hour, tm.tm_min);
                assert_time(before(text, tz, slot), slot);
                if (prev != -1)
                        assert_time(before(text, tz, slot - 1), prev);
                last_yday = tm.tm_yday;
                prev = t = slot;
                count++;
        }
        cr_assert_eq(count, 365, "%s %s: %d slots in 2026", text, tz, count);
}

Test(weekly_schedule_berlin, every_day_of_2026)
{
        walk_year("daily 09:00", BERLIN, 9, 0, -1, 0, 0);
        walk_year("daily 02:30", BERLIN, 2, 30, utc(2026, 3, 29, 1, 0), 3, 0);
        walk_year("daily 00:00", BERLIN, 0, 0, -1, 0, 0);
        walk_year("daily 23:59", BERLIN, 23, 59, -1, 0, 0);
}

Test(weekly_schedule_berlin, before_and_after_bracket_any_time)
{
        uint64_t seed = 42;

        for (int i = 0; i < 2000; i++) {
                int64_t t, b, a;

                seed = seed * 6364136223846793005u + 1442695040888963407u;
                t = utc(2026, 1, 1, 0, 0) + (int64_t) ((seed >> 33) % (366u * DAY));
                b = before("mon,thu 02:30", BERLIN, t);
                a = after("mon,thu 02:30", BERLIN, t);
                cr_assert(b != -1 && a != -1 && b <= t && t < a, "t %lld: %lld %lld", (long long) t,
                          (long long) b, (long long) a);
                assert_time(after("mon,thu 02:30", BERLIN, b), a);
                assert_time(before("mon,thu 02:30", BERLIN, a - 1), b);
                cr_assert(a - b >= 3 * DAY - HOUR && a - b <= 4 * DAY + HOUR, "gap %lld", (long long) (a - b));
        }
}

/* ---- America/New_York: EST (-5) / EDT (-4); 2026-03-08 07:00 UTC 02:00 -> 03:00,
 * 2026-11-01 06:00 UTC 02:00 -> 01:00. ---- */

#define NEW_YORK "America/New_York"

Test(weekly_schedule_new_york, daily_nine_across_both_changes)
{
        assert_time(after("daily 09:00", NEW_YORK, utc(2026, 3, 7, 14, 0)), utc(2026, 3, 8, 13, 0));
        cr_assert_eq(utc(2026, 3, 8, 13, 0) - utc(2026, 3, 7, 14, 0), 23 * HOUR);
        assert_time(before("daily 09:00", NEW_YORK, utc(2026, 3, 8, 12, 59)), utc(2026, 3, 7, 14, 0));
        assert_time(after("daily 09:00", NEW_YORK, utc(2026, 10, 31, 13, 0)), utc(2026, 11, 1, 14, 0));
        assert_time(before("daily 09:00", NEW_YORK, utc(2026, 11, 1, 13, 59)), utc(2026, 10, 31, 13, 0));
        walk_year("daily 09:00", NEW_YORK, 9, 0, -1, 0, 0);
}

Test(weekly_schedule_new_york, gap_and_repeat)
{
        /* 02:30 on 03-08 does not exist: 03:00 EDT = 07:00 UTC. */
        assert_time(after("daily 02:30", NEW_YORK, utc(2026, 3, 7, 12, 0)), utc(2026, 3, 8, 7, 0));
        assert_time(after("daily 02:30", NEW_YORK, utc(2026, 3, 8, 7, 0)), utc(2026, 3, 9, 6, 30));
        /* 01:30 on 11-01 happens twice: 01:30 EDT = 05:30 UTC only. */
        assert_time(after("daily 01:30", NEW_YORK, utc(2026, 10, 31, 12, 0)), utc(2026, 11, 1, 5, 30));
        assert_time(after("daily 01:30", NEW_YORK, utc(2026, 11, 1, 5, 30)), utc(2026, 11, 2, 6, 30));
        assert_time(before("daily 01:30", NEW_YORK, utc(2026, 11, 1, 6, 30)), utc(2026, 11, 1, 5, 30));
        walk_year("daily 02:30", NEW_YORK, 2, 30, utc(2026, 3, 8, 7, 0), 3, 0);
}

/* ---- zones whose changes are at midnight, by half an hour, or skip a date ---- */

Test(weekly_schedule_odd_zones, santiago_changes_at_midnight)
{
        /* 2026-09-06: 00:00 -04 -> 01:00 -03 (04:00 UTC); 00:30 does not exist. */
        assert_time(after("daily 00:30", "America/Santiago", utc(2026, 9, 5, 12, 0)), utc(2026, 9, 6, 4, 0));
        assert_time(before("daily 00:30", "America/Santiago", utc(2026, 9, 6, 3, 59)), utc(2026, 9, 5, 4, 30));
        /* 2026-04-04 24:00 -03 -> 23:00 -04 (03:00 UTC): Saturday 23:30 twice. */
        assert_time(after("sat 23:30", "America/Santiago", utc(2026, 4, 4, 12, 0)), utc(2026, 4, 5, 2, 30));
        assert_time(after("daily 23:30", "America/Santiago", utc(2026, 4, 5, 2, 30)), utc(2026, 4, 6, 3, 30));
        walk_year("daily 00:30", "America/Santiago", 0, 30, utc(2026, 9, 6, 4, 0), 1, 0);
}

Test(weekly_schedule_odd_zones, lord_howe_half_hour_gap)
{
        /* 2026-10-04 02:00 +1030 -> 02:30 +11 (15:30 UTC on 10-03). */
        assert_time(after("sun 02:15", "Australia/Lord_Howe", utc(2026, 10, 2, 0, 0)), utc(2026, 10, 3, 15, 30));
        assert_time(after("daily 02:15", "Australia/Lord_Howe", utc(2026, 10, 2, 0, 0)), utc(2026, 10, 2, 15, 45));
}

Test(weekly_schedule_odd_zones, apia_skipped_a_date)
{
        /* 2011-12-30 (a Friday) never happened in Pacific/Apia: 29th 23:59:59
         * -10 was followed by 31st 00:00 +14. That date has no slot. */
        const char *apia = "Pacific/Apia";

        assert_time(after("daily 09:00", apia, utc(2011, 12, 29, 12, 0)), utc(2011, 12, 29, 19, 0));
        assert_time(after("daily 09:00", apia, utc(2011, 12, 29, 19, 0)), utc(2011, 12, 30, 19, 0));
        assert_time(before("daily 09:00", apia, utc(2011, 12, 30, 18, 59)), utc(2011, 12, 29, 19, 0));
        assert_time(after("fri 09:00", apia, utc(2011, 12, 29, 20, 0)), 1325790000); /* 2012-01-06 09:00 +14 */
        /* so the Friday before 2012-01-06 is 2011-12-23, two weeks back */
        assert_time(before("fri 09:00", apia, 1325790000 - 1), utc(2011, 12, 23, 19, 0)); /* 09:00 -10 */
}

/* ---- the process's TZ ---- */

Test(weekly_schedule_tz, restored_when_set)
{
        struct weekly_schedule s = sched("daily 09:00");
        time_t now = (time_t) utc(2026, 6, 1, 0, 0);
        struct tm tm;

        setenv("TZ", "Asia/Tokyo", 1);
        tzset();
        assert_time(weekly_schedule_after(&s, BERLIN, utc(2026, 6, 1, 0, 0)), utc(2026, 6, 1, 7, 0));
        assert_time(weekly_schedule_at_or_before(&s, BERLIN, utc(2026, 6, 1, 0, 0)), utc(2026, 5, 31, 7, 0));
        cr_assert_str_eq(getenv("TZ"), "Asia/Tokyo");
        /* and tzset() ran again: the C library's zone is Tokyo's too */
        cr_assert_not_null(localtime_r(&now, &tm));
        cr_assert_eq(tm.tm_gmtoff, 9 * HOUR);
}

Test(weekly_schedule_tz, restored_when_unset_or_empty)
{
        struct weekly_schedule s = sched("daily 09:00");

        unsetenv("TZ");
        tzset();
        assert_time(weekly_schedule_after(&s, BERLIN, utc(2026, 6, 1, 0, 0)), utc(2026, 6, 1, 7, 0));
        cr_assert_null(getenv("TZ"));
        assert_time(weekly_schedule_at_or_before(&s, NEW_YORK, utc(2026, 6, 1, 0, 0)), utc(2026, 5, 31, 13, 0));
        cr_assert_null(getenv("TZ"));

        setenv("TZ", "", 1);
        assert_time(weekly_schedule_after(&s, BERLIN, utc(2026, 6, 1, 0, 0)), utc(2026, 6, 1, 7, 0));
        cr_assert_str_eq(getenv("TZ"), "");
}

Test(weekly_schedule_tz, null_or_empty_zone_uses_the_process_zone)
{
        struct weekly_schedule s = sched("daily 09:00");

        setenv("TZ", BERLIN, 1);
        tzset();
        assert_time(weekly_schedule_after(&s, NULL, utc(2026, 3, 28, 8, 0)), utc(2026, 3, 29, 7, 0));
        assert_time(weekly_schedule_after(&s, "", utc(2026, 3, 28, 8, 0)), utc(2026, 3, 29, 7, 0));
        setenv("TZ", NEW_YORK, 1);
        tzset();
        assert_time(weekly_schedule_after(&s, NULL, utc(2026, 3, 7, 14, 0)), utc(2026, 3, 8, 13, 0));
        cr_assert_str_eq(getenv("TZ"), NEW_YORK);
}

/* ---- invalid schedules ---- */

Test(weekly_schedule_slots, invalid_schedule_gives_minus_one)
{
        static const struct weekly_schedule bad[] = {
                { 0, 9, 0 }, { 0x80, 9, 0 }, { MON, 24, 0 }, { MON, -1, 0 }, { MON, 9, 60 }, { MON, 9, -1 },
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                cr_expect_eq(weekly_schedule_after(&bad[i], "UTC", utc(2026, 6, 1, 0, 0)), -1, "case %zu", i);
                cr_expect_eq(weekly_schedule_at_or_before(&bad[i], "UTC", utc(2026, 6, 1, 0, 0)), -1, "case %zu",
                             i);
        }
        cr_expect_eq(weekly_schedule_after(NULL, "UTC", 0), -1);
}

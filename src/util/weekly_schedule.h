/* When a digest is due: a weekly schedule ("mon,thu 09:00", "daily 09:00")
 * read from the config, and its instants in an IANA time zone, with the
 * daylight-saving rules people expect. Owns the schedule syntax, the check
 * that a zone name exists in tzdata, and slot arithmetic; nothing else.
 *
 * Slots are per local calendar day: each local date whose weekday is in the
 * set has one slot, at local HH:MM of that date. When HH:MM does not exist
 * that day (spring forward) the slot is the first instant after the gap
 * (02:30 -> 03:00); when it occurs twice (fall back) the slot is the first
 * occurrence only. A date that does not exist at all (Pacific/Apia,
 * 2011-12-30) has no slot.
 *
 * Not thread-safe: the slot functions switch the process's TZ for the time
 * of the call (setenv + tzset), which the single-threaded daemon allows. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct weekly_schedule {
        unsigned days; /* bit d set: weekday d (0 = Sunday .. 6 = Saturday, as struct tm) */
        int hour, minute;
};

/* Bit mask of all seven days: "daily". */
#define WEEKLY_SCHEDULE_DAILY 0x7fu

/* Large enough for any weekly_schedule_format() output of a parsed schedule. */
#define WEEKLY_SCHEDULE_FORMAT_MAX 40

/* Parses "daily HH:MM" or "DAY[,DAY...] HH:MM" (DAY: mon tue wed thu fri sat
 * sun, lowercase; one space before the time; HH 00-23 and MM 00-59, two
 * digits each). Returns 0 and *ret, or -EINVAL and, when why is not NULL,
 * *why = a constant English message saying what is wrong and how to write
 * it (it does not quote text: the caller shows the value). */
int weekly_schedule_parse(const char *text, struct weekly_schedule *ret, const char **why);

/* Whether name is an IANA time zone this system's tzdata has: a relative
 * path without "..", naming a regular file under /usr/share/zoneinfo ($TZDIR
 * when set, as glibc does) that starts with the "TZif" magic. NULL or "" ->
 * false. */
bool timezone_known(const char *name);

/* The latest slot <= t and the first slot > t (Unix seconds), in zone tz
 * (NULL or "": the process's current TZ, unchanged). tz should have passed
 * timezone_known(): glibc silently treats an unknown zone as UTC. TZ is
 * restored exactly afterwards (an unset TZ stays unset). Returns -1 for an
 * invalid schedule (no days, hour or minute out of range) or when no slot
 * lies within 15 days, which cannot happen for a valid one (7 days at most,
 * 14 around a date the zone skipped). */
int64_t weekly_schedule_at_or_before(const struct weekly_schedule *s, const char *tz, int64_t t);
int64_t weekly_schedule_after(const struct weekly_schedule *s, const char *tz, int64_t t);

/* The schedule as text that parses back to it, days Monday first:
 * "mon,thu 09:00", "daily 09:00" (all seven days). Always NUL-terminates
 * when size > 0, truncating if buf is short; a schedule without days
 * prints as "never HH:MM". */
void weekly_schedule_format(const struct weekly_schedule *s, char *buf, size_t size);

/* Durations as the config writes them: "90s", "15m", "1h", "2d", "1w",
 * sums such as "1h30m", or a plain count of seconds ("90", or an integer
 * setting). Values are kept in microseconds, the unit of sd-event. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define DURATION_USEC_PER_SEC UINT64_C(1000000)

/* Returns 0, -EINVAL for text that is not a duration, or -ERANGE when the
 * value does not fit in 64 bits of microseconds. */
int duration_parse(const char *text, uint64_t *ret_usec);

/* Whole seconds as a duration. Returns 0 or -ERANGE (negative or too large). */
int duration_from_seconds(long long seconds, uint64_t *ret_usec);

/* Writes the shortest exact form ("1h30m", "0s") into buf; sub-second parts
 * are dropped. Returns the length written, or -ENOSPC. */
int duration_format(uint64_t usec, char *buf, size_t size);

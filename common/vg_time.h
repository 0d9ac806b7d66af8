/*
 * vg_time: the one clock format vigil speaks.
 *
 * Every timestamp inside vigil is an int64 count of milliseconds since the
 * Unix epoch, UTC. On the wire it is RFC 3339 with exactly three fractional
 * digits and a literal 'Z' ("2026-11-22T04:48:38.203Z"). The civil-date
 * arithmetic is done here by hand (no timegm/TZ), so parsing is thread-safe,
 * locale-free and independent of the process time zone.
 */
#ifndef VG_TIME_H
#define VG_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" plus NUL. */
#define VG_TIME_LEN 25
#define VG_MS_PER_DAY 86400000LL

/* Parses the strict event format (exactly ".mmm" and "Z"). Returns 0 and sets
 * *ms, or -1 when the text is not a valid timestamp (bad digits, month 13,
 * Feb 30, a leap second, trailing characters, years outside 1970-9999). */
int vg_time_parse(const char *s, int64_t *ms);

/* Parses what a person types on a command line or in a query string:
 * "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.mmm]]Z" (the Z may be omitted).
 * Returns 0 or -1 as vg_time_parse does. */
int vg_time_parse_loose(const char *s, int64_t *ms);

/* Parses a policy date "YYYY-MM-DD" to midnight UTC. Returns 0 or -1. */
int vg_date_parse(const char *s, int64_t *ms);

/* Formats ms (>= 0) as the strict event format into out[VG_TIME_LEN]. */
void vg_time_format(int64_t ms, char out[VG_TIME_LEN]);

/* Formats the date part "YYYY-MM-DD" of ms into out (at least 11 bytes). */
void vg_date_format(int64_t ms, char out[11]);

/* Days since 1970-01-01 for a proleptic Gregorian civil date, and back. */
int64_t vg_days_from_civil(int y, unsigned m, unsigned d);
void vg_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);

/* Day of week of ms: 0 = Monday ... 6 = Sunday. */
int vg_time_weekday(int64_t ms);

/* Wall clock now, in ms since the epoch (CLOCK_REALTIME). */
int64_t vg_time_now(void);

/* Monotonic clock in nanoseconds, for latency measurements. */
int64_t vg_time_mono_ns(void);

#endif

/* Time: int64 milliseconds in the store, ISO-8601 UTC ("2025-06-17T08:18:14.000Z") on the wire. */
#ifndef SB_TIME_H
#define SB_TIME_H

#include <stdint.h>
#include <apr_pools.h>

int64_t sb_now_ms(void);
/* Format ms as ISO-8601 UTC with milliseconds and 'Z'. */
const char *sb_time_iso(apr_pool_t *p, int64_t ms);
/* Parse ISO-8601 (date-time with 'Z' or ±HH:MM offset, optional fraction); 0 on success. */
int sb_time_parse_iso(const char *s, int64_t *ms);
/* Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
int64_t sb_days_from_civil(int year, int month, int day);
/* Day of the week, 0 = Monday .. 6 = Sunday. */
int sb_weekday(int year, int month, int day);
int sb_is_leap_year(int year);

#endif

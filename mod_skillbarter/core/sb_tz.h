/*
 * Time zones from the system tz database without touching the process environment
 * (no setenv("TZ") / tzset, which are not thread-safe): a small TZif (RFC 8536) reader.
 * Instants before the file's last transition use its table; later ones its POSIX TZ footer
 * rule ("CET-1CEST,M3.5.0,M10.5.0/3"). Availability is stored as local wall times in the
 * user's zone; these functions turn a slot on a given date into UTC instants, so a 09:00
 * slot stays 09:00 local on both sides of a daylight-saving change.
 */
#ifndef SB_TZ_H
#define SB_TZ_H

#include <stdint.h>
#include <apr_pools.h>

#include "sb_time.h"

typedef struct sb_tz sb_tz_t;

/* Load a zone by IANA name (validated with sb_valid_timezone); NULL when unknown or not a
 * TZif file. The zone lives in p. */
sb_tz_t *sb_tz_load(apr_pool_t *p, const char *name);
/* Parse TZif bytes (for tests and fuzzing); NULL when malformed. */
sb_tz_t *sb_tz_parse(apr_pool_t *p, const unsigned char *buf, apr_size_t len);
/* Offset from UTC in seconds (east positive) at the UTC instant t (seconds). */
int32_t sb_tz_offset(const sb_tz_t *z, int64_t t);
/*
 * The UTC instant (seconds) of a local wall time. A time skipped by a spring-forward gap
 * resolves as if the clock had not moved yet (02:30 in a 02:00→03:00 gap is 03:30 after it);
 * an ambiguous one (the repeated hour in autumn) resolves to the earlier instant.
 */
int64_t sb_tz_local_to_utc(const sb_tz_t *z, int year, int month, int day, int minute_of_day);
/* A weekly slot ("HH:MM" start and end) on the local date year-month-day → UTC ms.
 * Returns 1, or 0 when the times are not HH:MM or the date is invalid. */
int sb_tz_slot_utc(const sb_tz_t *z, int year, int month, int day, const char *start,
                   const char *end, int64_t *start_ms, int64_t *end_ms);

#endif

/* Parsing of operator-facing quantities: durations ("90", "15min", "7d") and sizes ("1M"). */
#ifndef SB_UNITS_H
#define SB_UNITS_H

#include <stdint.h>

/* Duration with optional unit s|m|h|d (no unit = seconds) → seconds > 0. 0 on success. */
int sb_parse_duration(const char *s, int64_t *seconds);
/* Size with optional unit K|M|G (powers of 1024, no unit = bytes) → bytes > 0. 0 on success. */
int sb_parse_size(const char *s, int64_t *bytes);
/* Plain decimal integer in [min, max]. 0 on success. */
int sb_parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

#endif

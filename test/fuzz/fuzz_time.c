/*
 * libFuzzer target: the ISO-8601 parser. Whatever it accepts in the years 1970-9999 formats
 * back (sb_time_iso) to a text that parses to the same instant; the calendar helpers agree
 * with each other on the dates the input names.
 */
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "sb_time.h"

#define MAX_MS 253402300799999LL /* 9999-12-31T23:59:59.999Z */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    apr_initialize();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *s, *back;
    int64_t ms = 0, ms2 = 0;

    apr_pool_create(&p, NULL);
    s = apr_pstrmemdup(p, (const char *)data, size);
    if (sb_time_parse_iso(s, &ms) == 0 && ms >= 0 && ms <= MAX_MS) {
        back = sb_time_iso(p, ms);
        if (!back || sb_time_parse_iso(back, &ms2) != 0 || ms2 != ms) {
            __builtin_trap();
        }
    }
    if (size >= 4) {
        int year = 1 + (data[0] << 8 | data[1]) % 9999, month = 1 + data[2] % 12;
        int day = 1 + data[3] % 28;
        int64_t d = sb_days_from_civil(year, month, day);
        int64_t next = sb_days_from_civil(year, month, day + 1);
        if (next != d + 1 || sb_weekday(year, month, day) != (int)(((d % 7) + 7 + 3) % 7)) {
            __builtin_trap(); /* 1970-01-01 was a Thursday (3 with Monday = 0) */
        }
    }
    apr_pool_destroy(p);
    return 0;
}

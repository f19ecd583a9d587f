/* sb_time: ISO-8601 formatting and parsing. */
#include "sb_test.h"

#include <stdio.h>
#include <time.h>

#include "sb_time.h"

static int64_t parse(const char *s)
{
    int64_t ms = -42;
    assert_int_equal(sb_time_parse_iso(s, &ms), 0);
    return ms;
}

static void test_format(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(sb_time_iso(p, 0), "1970-01-01T00:00:00.000Z");
    assert_string_equal(sb_time_iso(p, 1750148294000LL), "2025-06-17T08:18:14.000Z");
    assert_string_equal(sb_time_iso(p, 1750148294123LL), "2025-06-17T08:18:14.123Z");
    assert_string_equal(sb_time_iso(p, -1), "1969-12-31T23:59:59.999Z");
    assert_string_equal(sb_time_iso(p, 951782400000LL), "2000-02-29T00:00:00.000Z");
}

static void test_round_trip(void **state)
{
    apr_pool_t *p = *state;
    const int64_t samples[] = {0,  1,         999,           1000, 1750148294123LL, 4102444799999LL,
                               -1, -86400001, 951782400000LL};
    size_t i;

    for (i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        assert_int_equal(parse(sb_time_iso(p, samples[i])), samples[i]);
    }
    i = (size_t)sb_now_ms();
    assert_int_equal(parse(sb_time_iso(p, (int64_t)i)), (int64_t)i);
}

static void test_offsets(void **state)
{
    assert_int_equal(parse("2025-06-17T10:18:14+02:00"), 1750148294000LL);
    assert_int_equal(parse("2025-06-17T03:48:14-04:30"), 1750148294000LL);
    assert_int_equal(parse("2025-06-17T08:18:14+00:00"), 1750148294000LL);
    assert_int_equal(parse("2025-06-17T08:18:14-00:00"), 1750148294000LL);
    assert_int_equal(parse("2025-06-17t08:18:14z"), 1750148294000LL);
    assert_int_equal(parse("2025-06-17T08:18Z"), 1750148280000LL);
    /* an offset crossing midnight and the year */
    assert_int_equal(parse("2025-01-01T00:30:00+01:00"), parse("2024-12-31T23:30:00Z"));
}

static void test_fraction(void **state)
{
    assert_int_equal(parse("2025-06-17T08:18:14.5Z"), 1750148294500LL);
    assert_int_equal(parse("2025-06-17T08:18:14.12Z"), 1750148294120LL);
    assert_int_equal(parse("2025-06-17T08:18:14.123Z"), 1750148294123LL);
    assert_int_equal(parse("2025-06-17T08:18:14.123999Z"), 1750148294123LL); /* truncated */
    assert_int_equal(parse("2025-06-17T08:18:14.123456789Z"), 1750148294123LL);
}

static void test_bad(void **state)
{
    const char *bad[] = {
        "",
        "2025",
        "2025-06-17",
        "2025-02-30T00:00:00Z",
        "2023-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2025-04-31T00:00:00Z",
        "2025-13-01T00:00:00Z",
        "2025-00-10T00:00:00Z",
        "2025-06-00T00:00:00Z",
        "2025-06-17T24:00:00Z",
        "2025-06-17T23:60:00Z",
        "2025-06-17T23:59:60Z",
        "2025-06-17T08:18:14",
        "2025-06-17T08:18:14.Z",
        "2025-06-17T08:18:14.1234567890Z",
        "2025-06-17T08:18:14+0200",
        "2025-06-17T08:18:14+24:00",
        "2025-06-17T08:18:14Zjunk",
        "2025-06-17 08:18:14Z",
        "25-06-17T08:18:14Z",
        "2025-6-17T08:18:14Z",
        "2025-06-17T8:18:14Z",
        "garbage",
    };
    size_t i;
    int64_t ms;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (sb_time_parse_iso(bad[i], &ms) == 0) {
            fail_msg("accepted \"%s\"", bad[i]);
        }
    }
    assert_int_not_equal(sb_time_parse_iso(NULL, &ms), 0);
    assert_int_equal(parse("2024-02-29T00:00:00Z"), 1709164800000LL);
    assert_int_equal(parse("2000-02-29T00:00:00Z"), 951782400000LL);
}

/* The formatter against gmtime_r and printf (what it replaced), over every day boundary of
 * leap and century years and a spread of instants from year 0000 to past 9999. */
static void reference(int64_t ms, char *buf, size_t n)
{
    struct tm tm;
    time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (int64_t)secs * 1000);

    gmtime_r(&secs, &tm);
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static void test_format_matches_gmtime(void **state)
{
    apr_pool_t *p = *state;
    char want[64];
    int64_t ms, day = 86400000LL;
    uint64_t x = 88172645463325252ULL;
    int i;

    /* every day from 1899 to 2101 (1900 and 2100 are not leap years, 2000 is), at both ends */
    for (ms = -2240611200000LL; ms < 4133980800000LL; ms += day) {
        reference(ms, want, sizeof want);
        assert_string_equal(sb_time_iso(p, ms), want);
        reference(ms - 1, want, sizeof want);
        assert_string_equal(sb_time_iso(p, ms - 1), want);
    }
    /* random instants from year -100 to 10100 (outside 0000-9999 the slow path answers) */
    for (i = 0; i < 50000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ms = (int64_t)(x % 318000000000000ULL) - 65000000000000LL;
        reference(ms, want, sizeof want);
        assert_string_equal(sb_time_iso(p, ms), want);
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
static const struct CMUnitTest tests[] = {
    T(test_format),     T(test_format_matches_gmtime),
    T(test_round_trip), T(test_offsets),
    T(test_fraction),   T(test_bad),
};

SB_TEST_MAIN("time", tests)

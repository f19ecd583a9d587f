/*
 * sb_ratelimit when its table is full (issue 13): a flood of distinct keys evicts the entries
 * whose window ends soonest instead of switching limiting off, never evicts an entry that is
 * refusing requests, and when nothing can be evicted a fail_closed limiter (auth) refuses
 * while the others let the request through; the warning stays at one a minute.
 */
#include "sb_rl_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include "sb_ratelimit.h"

#define DAY_MS (86400LL * 1000)
#define T0     (1750000000000LL - 1750000000000LL % DAY_MS) /* a boundary of every window */

static sb_rl_status_t hit(fx_t *fx, const char *lim, const char *key, uint32_t max,
                          uint32_t window_s, int fail_closed, int64_t now, sb_rl_hit_t *h,
                          int *warn)
{
    int w;

    memset(h, 0, sizeof *h);
    h->limiter = lim;
    h->key = key;
    h->max = max;
    h->window_s = window_s;
    h->fail_closed = fail_closed;
    return sb_rl_consume(fx->t, h, 1, now, warn ? warn : &w);
}

static const char *key_of(char *buf, size_t n, const char *prefix, int i)
{
    snprintf(buf, n, "ip:%s.%d.%d", prefix, i / 256, i % 256);
    return buf;
}

/* 16x the table's size in distinct addresses: every one is counted, none lets itself through
 * unseen, and a caller already over its limit stays refused throughout. */
static void test_flood_evicts_instead_of_failing_open(void **state)
{
    fx_t *fx = *state;
    int64_t now = T0 + 1000;
    sb_rl_hit_t h;
    char key[48];
    int i, warns = 0, warn;

    for (i = 0; i < 5; i++) {
        assert_int_equal(hit(fx, "auth", "ip:203.0.113.9", 5, 900, 1, now, &h, NULL), SB_RL_ALLOW);
    }
    assert_int_equal(hit(fx, "auth", "ip:203.0.113.9", 5, 900, 1, now, &h, NULL), SB_RL_DENY);
    for (i = 0; i < 16 * SB_RL_MIN_CAPACITY; i++) {
        assert_int_equal(
            hit(fx, "auth", key_of(key, sizeof key, "10", i), 5, 900, 1, now + i, &h, &warn),
            SB_RL_ALLOW);
        assert_int_equal(h.status, SB_RL_ALLOW);
        assert_int_equal(h.remaining, 4);
        warns += warn;
        if (i % 1024 == 0) {
            assert_int_equal(hit(fx, "auth", "ip:203.0.113.9", 5, 900, 1, now + i, &h, NULL),
                             SB_RL_DENY);
        }
    }
    assert_int_equal(warns, 1); /* one warning a minute: the flood took 16 s */
    assert_int_equal(hit(fx, "auth", "ip:203.0.113.9", 5, 900, 1, now + 20000, &h, NULL),
                     SB_RL_DENY);
}

/* The entry whose window ends soonest goes first: with as many 60 s entries as 1 h ones in a
 * full table, new keys push out the short ones and the long ones stay. */
static void test_soonest_window_end_is_evicted(void **state)
{
    fx_t *fx = *state;
    int64_t now = T0 + 1000;
    int i, long_kept = 0, short_kept = 0;
    sb_rl_hit_t h;
    char key[48];

    for (i = 0; i < SB_RL_MIN_CAPACITY; i++) {
        hit(fx, "long", key_of(key, sizeof key, "1", i), 100, 3600, 0, now, &h, NULL);
        hit(fx, "short", key_of(key, sizeof key, "2", i), 100, 60, 0, now, &h, NULL);
    }
    for (i = 0; i < SB_RL_MIN_CAPACITY / 2; i++) {
        hit(fx, "new", key_of(key, sizeof key, "3", i), 100, 900, 0, now, &h, NULL);
        assert_int_equal(h.status, SB_RL_ALLOW);
    }
    /* a second hit tells a kept entry (98 left) from a fresh one (99 left) */
    for (i = 0; i < SB_RL_MIN_CAPACITY; i++) {
        hit(fx, "long", key_of(key, sizeof key, "1", i), 100, 3600, 0, now + 1, &h, NULL);
        long_kept += h.remaining == 98;
    }
    for (i = 0; i < SB_RL_MIN_CAPACITY; i++) {
        hit(fx, "short", key_of(key, sizeof key, "2", i), 100, 60, 0, now + 1, &h, NULL);
        short_kept += h.remaining == 98;
    }
    print_message("kept: %d of the 1 h entries, %d of the 60 s ones\n", long_kept, short_kept);
    assert_true(long_kept > 8 * (short_kept + 1));
}

/* Every slot refusing: auth (fail_closed) answers DENY with a Retry-After, others pass. */
static void test_nothing_to_evict(void **state)
{
    fx_t *fx = *state;
    int64_t now = T0 + 1000;
    int i, full = 0, warns = 0, warn;
    sb_rl_hit_t h;
    char key[48];

    for (i = 0; i < 4 * SB_RL_MIN_CAPACITY; i++) { /* max 1: one hit and it is refusing */
        hit(fx, "global", key_of(key, sizeof key, "10", i), 1, 60, 0, now, &h, &warn);
        full += h.status == SB_RL_FULL;
        warns += warn;
    }
    assert_true(full >= 4 * SB_RL_MIN_CAPACITY - SB_RL_MIN_CAPACITY);
    assert_int_equal(warns, 1);
    for (i = 0; i < 64; i++) {
        char k2[48];
        key_of(k2, sizeof k2, "172", i);
        assert_int_equal(hit(fx, "auth", k2, 5, 900, 1, now + 1, &h, &warn), SB_RL_DENY);
        assert_int_equal(h.status, SB_RL_DENY);
        assert_int_equal(h.remaining, 0);
        /* the blocking entries are 60 s ones: room within the minute after their window */
        assert_true(h.retry_s >= 1 && h.retry_s <= 120);
        assert_int_equal(warn, 0); /* still the same minute */
        assert_int_equal(hit(fx, "global", k2, 5, 900, 0, now + 1, &h, NULL), SB_RL_ALLOW);
        assert_int_equal(h.status, SB_RL_FULL);
    }
    /* a minute on, the warning comes again */
    assert_int_equal(hit(fx, "auth", "ip:172.99.0.1", 5, 900, 1, now + 61000, &h, &warn),
                     SB_RL_DENY);
    assert_int_equal(warn, 1);
    /* once the 60 s windows are behind (two windows), auth counts again */
    assert_int_equal(hit(fx, "auth", "ip:172.99.0.1", 5, 900, 1, now + 121000, &h, NULL),
                     SB_RL_ALLOW);
    assert_int_equal(h.remaining, 4);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_flood_evicts_instead_of_failing_open, fx_setup,
                                    fx_teardown),
    cmocka_unit_test_setup_teardown(test_soonest_window_end_is_evicted, fx_setup, fx_teardown),
    cmocka_unit_test_setup_teardown(test_nothing_to_evict, fx_setup, fx_teardown),
};

SB_TEST_MAIN("ratelimit_full", tests)

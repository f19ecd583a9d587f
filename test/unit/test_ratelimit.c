/* sb_ratelimit: the sliding-window counter, window edges, clock steps, the bounded table,
 * refunds, and the shared segment seen from several mappings and processes. */
#include "sb_rl_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include "sb_ratelimit.h"

#define MIN_MS 60000LL
#define T0     (1750000000000LL - 1750000000000LL % (15 * MIN_MS)) /* a window boundary */

static sb_rl_status_t hit1(sb_rl_table_t *t, const char *lim, const char *key, uint32_t max,
                           uint32_t window_s, int64_t now, sb_rl_hit_t *h)
{
    int warn;
    memset(h, 0, sizeof *h);
    h->limiter = lim;
    h->key = key;
    h->max = max;
    h->window_s = window_s;
    return sb_rl_consume(t, h, 1, now, &warn);
}

/* How many of n hits at time now pass. */
static int passes(sb_rl_table_t *t, const char *key, uint32_t max, uint32_t window_s, int64_t now,
                  int n)
{
    sb_rl_hit_t h;
    int i, ok = 0;
    for (i = 0; i < n; i++) {
        ok += hit1(t, "x", key, max, window_s, now, &h) == SB_RL_ALLOW;
    }
    return ok;
}

static void test_limit_and_headers(void **state)
{
    fx_t *fx = *state;
    sb_rl_hit_t h;
    uint32_t i;

    for (i = 0; i < 5; i++) {
        assert_int_equal(hit1(fx->t, "auth", "ip:1.2.3.4", 5, 900, T0 + 1000, &h), SB_RL_ALLOW);
        assert_int_equal(h.remaining, 4 - i);
        /* with nothing left, Reset is when the next request passes, as Retry-After */
        assert_int_equal(h.reset_s, i < 4 ? 899 : 1079);
    }
    assert_int_equal(hit1(fx->t, "auth", "ip:1.2.3.4", 5, 900, T0 + 1000, &h), SB_RL_DENY);
    assert_int_equal(h.status, SB_RL_DENY);
    assert_int_equal(h.remaining, 0);
    /* cur 5 = max, no previous window: the next window weighs 5 at its start, so it clears
     * when the weight drops under 5 — strictly after the start of the following window */
    assert_int_equal(h.retry_s, 1079);
    assert_int_equal(h.reset_s, h.retry_s);
    /* other keys and other limiters are independent */
    assert_int_equal(hit1(fx->t, "auth", "ip:1.2.3.5", 5, 900, T0 + 1000, &h), SB_RL_ALLOW);
    assert_int_equal(hit1(fx->t, "global", "ip:1.2.3.4", 5, 900, T0 + 1000, &h), SB_RL_ALLOW);
}

/* A full window right before the edge leaves nothing at the start of the next one. */
static void test_no_double_burst_at_edge(void **state)
{
    fx_t *fx = *state;
    const int64_t w = 60 * 1000;

    assert_int_equal(passes(fx->t, "k", 10, 60, T0 + w - 1, 20), 10);
    assert_int_equal(passes(fx->t, "k", 10, 60, T0 + w, 20), 0);
    assert_int_equal(passes(fx->t, "k", 10, 60, T0 + w + 1, 20), 0);
    /* a quarter into the window the previous one still weighs ceil(7.5) = 8: 2 more pass */
    assert_int_equal(passes(fx->t, "k", 10, 60, T0 + w + w / 4, 20), 2);
    /* halfway: weight 5, with 2 counted already: 3 more */
    assert_int_equal(passes(fx->t, "k", 10, 60, T0 + w + w / 2, 20), 3);
    /* next window: previous = 5 at full weight, so 5 pass at its start */
    assert_int_equal(passes(fx->t, "k", 10, 60, T0 + 2 * w, 20), 5);
    /* two windows of silence: everything forgotten */
    assert_int_equal(passes(fx->t, "k", 10, 60, T0 + 5 * w, 20), 10);
}

/* Retry-After is exact to the second: one second early still fails, on time passes. */
static void test_retry_after_is_exact(void **state)
{
    fx_t *fx = *state;
    sb_rl_hit_t h;
    int64_t now = T0 + 7 * MIN_MS + 1234;
    int64_t retry;

    assert_int_equal(passes(fx->t, "r", 7, 600, now, 7), 7);
    assert_int_equal(hit1(fx->t, "x", "r", 7, 600, now, &h), SB_RL_DENY);
    retry = h.retry_s;
    assert_true(retry > 1);
    assert_int_equal(hit1(fx->t, "x", "r", 7, 600, now + (retry - 1) * 1000LL, &h), SB_RL_DENY);
    assert_int_equal(hit1(fx->t, "x", "r", 7, 600, now + retry * 1000LL, &h), SB_RL_ALLOW);
}

/* A clock that steps back neither underflows nor forgives; a jump forward forgets. */
static void test_clock_steps(void **state)
{
    fx_t *fx = *state;
    sb_rl_hit_t h;
    int64_t now = T0 + 10 * MIN_MS;

    assert_int_equal(passes(fx->t, "c", 5, 900, now, 5), 5);
    assert_int_equal(hit1(fx->t, "x", "c", 5, 900, now - 20 * MIN_MS, &h), SB_RL_DENY);
    assert_int_equal(h.remaining, 0);
    assert_true(h.retry_s >= 1 && h.retry_s <= 2 * 900);
    assert_int_equal(h.reset_s, h.retry_s);
    assert_int_equal(hit1(fx->t, "x", "c", 5, 900, now - 3650LL * 86400000, &h), SB_RL_DENY);
    assert_true(h.retry_s >= 1 && h.retry_s <= 2 * 900); /* capped: two windows at most */
    /* with room left, Reset is the rest of the window, never more, however far back */
    assert_int_equal(hit1(fx->t, "x", "c2", 5, 900, now, &h), SB_RL_ALLOW);
    assert_int_equal(hit1(fx->t, "x", "c2", 5, 900, now - 3650LL * 86400000, &h), SB_RL_ALLOW);
    assert_int_equal(h.remaining, 3);
    assert_int_equal(h.reset_s, 900);
    assert_int_equal(hit1(fx->t, "x", "c", 5, 900, 0, &h), SB_RL_DENY);
    assert_int_equal(hit1(fx->t, "x", "c", 5, 900, now, &h), SB_RL_DENY);
    /* forward by a day: both windows stale */
    assert_int_equal(passes(fx->t, "c", 5, 900, now + 86400000LL, 6), 5);
}

/* Several limiters on one request: all counted or none. */
static void test_all_or_nothing(void **state)
{
    fx_t *fx = *state;
    sb_rl_hit_t hs[2];
    int warn;
    int64_t now = T0 + 1;

    assert_int_equal(passes(fx->t, "ip:9", 2, 900, now, 2), 2); /* limiter "x" exhausted */
    memset(hs, 0, sizeof hs);
    hs[0] = (sb_rl_hit_t){.limiter = "global", .key = "ip:9", .max = 100, .window_s = 900};
    hs[1] = (sb_rl_hit_t){.limiter = "x", .key = "ip:9", .max = 2, .window_s = 900};
    assert_int_equal(sb_rl_consume(fx->t, hs, 2, now, &warn), SB_RL_DENY);
    assert_int_equal(hs[0].status, SB_RL_ALLOW);
    assert_int_equal(hs[0].remaining, 100); /* not counted */
    assert_int_equal(hs[1].status, SB_RL_DENY);
    hs[1].max = 3;
    assert_int_equal(sb_rl_consume(fx->t, hs, 2, now, &warn), SB_RL_ALLOW);
    assert_int_equal(hs[0].remaining, 99);
    assert_int_equal(hs[1].remaining, 0);
}

/* skip-successful: a refund gives the slot back, in the window it was taken from. */
static void test_refund(void **state)
{
    fx_t *fx = *state;
    sb_rl_hit_t h, h2;
    int64_t now = T0 + 30 * 1000;

    assert_int_equal(hit1(fx->t, "auth", "ip:7", 2, 60, now, &h), SB_RL_ALLOW);
    assert_int_equal(h.remaining, 1);
    sb_rl_refund(fx->t, &h, now);
    assert_int_equal(hit1(fx->t, "auth", "ip:7", 2, 60, now, &h), SB_RL_ALLOW);
    assert_int_equal(h.remaining, 1);
    assert_int_equal(hit1(fx->t, "auth", "ip:7", 2, 60, now, &h2), SB_RL_ALLOW);
    assert_int_equal(h2.remaining, 0);
    /* refunded after the window rolled: comes off the previous window's count */
    sb_rl_refund(fx->t, &h, now + 60 * 1000);
    sb_rl_refund(fx->t, &h2, now + 60 * 1000);
    assert_int_equal(hit1(fx->t, "auth", "ip:7", 2, 60, now + 60 * 1000, &h), SB_RL_ALLOW);
    assert_int_equal(h.remaining, 1);
    /* a refund two windows late changes nothing: the slot it names is gone, and the count of
     * the window now running (one hit) stays as it is (it neither goes back to 0 nor wraps) */
    now += 10 * 60 * 1000;
    assert_int_equal(hit1(fx->t, "auth", "ip:7", 2, 60, now, &h), SB_RL_ALLOW);
    assert_int_equal(h.remaining, 1);
    sb_rl_refund(fx->t, &h2, now);
    assert_int_equal(hit1(fx->t, "auth", "ip:7", 2, 60, now, &h), SB_RL_ALLOW);
    assert_int_equal(h.remaining, 0);
    assert_int_equal(hit1(fx->t, "auth", "ip:7", 2, 60, now, &h), SB_RL_DENY);
    /* a refund on a fresh window at 0 does not wrap it */
    assert_int_equal(hit1(fx->t, "auth", "ip:9", 2, 60, now, &h), SB_RL_ALLOW);
    sb_rl_refund(fx->t, &h, now);
    sb_rl_refund(fx->t, &h, now);
    assert_int_equal(passes(fx->t, "ip:9", 2, 60, now, 3), 2);
}

/* A bounded table: full → fail open with one warning, expired entries are reused. */
static void test_full_table_fails_open(void **state)
{
    fx_t *fx = *state;
    sb_rl_hit_t h;
    int i, full = 0, warns = 0, warn;
    uint32_t cap, used;
    int64_t now = T0 + 1000;

    for (i = 0; i < 4000; i++) {
        char key[32];
        snprintf(key, sizeof key, "ip:10.0.%d.%d", i / 256, i % 256);
        memset(&h, 0, sizeof h);
        h.limiter = "global";
        h.key = key;
        h.max = 1;
        h.window_s = 60;
        assert_int_equal(sb_rl_consume(fx->t, &h, 1, now, &warn), SB_RL_ALLOW);
        full += h.status == SB_RL_FULL;
        warns += warn;
    }
    used = sb_rl_used(fx->t, now, &cap);
    assert_int_equal(cap, SB_RL_MIN_CAPACITY);
    assert_true(used > cap * 9 / 10 && used <= cap);
    assert_true(full >= 4000 - (int)cap);
    assert_int_equal(warns, 1);
    /* a minute later the warning may come again; two windows later every slot is free */
    assert_int_equal(hit1(fx->t, "global", "ip:1.1.1.1", 1, 60, now + 61000, &h), SB_RL_ALLOW);
    assert_int_equal(sb_rl_used(fx->t, now + 120000, &cap), 0);
    for (i = 0; i < 256; i++) { /* a quarter full: no probe window is crowded */
        char key[32];
        snprintf(key, sizeof key, "ip:10.1.%d.%d", i / 256, i % 256);
        assert_int_equal(hit1(fx->t, "global", key, 1, 60, now + 120000, &h), SB_RL_ALLOW);
        assert_int_equal(h.status, SB_RL_ALLOW);
    }
}

/* A second mapping (as another process would have) sees the same counts and definitions;
 * a re-created segment retires the old one. */
static void test_attach_publish_retire(void **state)
{
    fx_t *fx = *state;
    sb_rl_table_t *other, *fresh;
    sb_rl_def_t defs[2] = {{"global", 1000, 900, 0, 0}, {"messages", 3, 60, SB_RL_F_KEY_USER, 0}},
                d;
    sb_rl_hit_t h;
    const char *why = NULL;
    int64_t now = T0 + 5;

    sb_rl_publish(fx->t, defs, 2);
    assert_int_equal(sb_rl_attach(fx->p, fx->path, &other, &why), APR_SUCCESS);
    assert_int_equal(sb_rl_lookup(other, "messages", &d), 0);
    assert_int_equal(d.max, 3);
    assert_int_equal(d.flags, SB_RL_F_KEY_USER);
    assert_int_not_equal(sb_rl_lookup(other, "nope", &d), 0);
    assert_int_equal(sb_rl_hit_named(other, "messages", "u:abc", now, &h), SB_RL_ALLOW);
    assert_int_equal(sb_rl_hit_named(other, "messages", "u:abc", now, &h), SB_RL_ALLOW);
    assert_int_equal(h.remaining, 1);
    assert_int_equal(sb_rl_hit_named(fx->t, "messages", "u:abc", now, &h), SB_RL_ALLOW);
    assert_int_equal(h.remaining, 0);
    assert_int_equal(sb_rl_hit_named(other, "messages", "u:abc", now, &h), SB_RL_DENY);
    assert_int_equal(sb_rl_hit_named(other, "nope", "u:abc", now, &h), SB_RL_NOT_FOUND);

    assert_int_equal(sb_rl_create(fx->p, fx->path, SB_RL_MIN_CAPACITY * 2,
                                  APR_FPROT_UREAD | APR_FPROT_UWRITE, &fresh, &why),
                     APR_SUCCESS);
    assert_true(sb_rl_retired(other));
    assert_true(sb_rl_retired(fx->t));
    assert_int_equal(sb_rl_hit_named(other, "messages", "u:abc", now, &h), SB_RL_RETIRED);
    assert_int_equal(sb_rl_attach(fx->p, fx->path, &other, &why), APR_SUCCESS);
    assert_false(sb_rl_retired(other));
    fx->t = fresh;
}

static void test_attach_rejects_garbage(void **state)
{
    fx_t *fx = *state;
    sb_rl_table_t *t;
    const char *why = NULL;
    const char *junk = apr_pstrcat(fx->p, fx->path, ".junk", NULL);
    apr_file_t *f;
    apr_size_t n = 4096;
    static char zeros[4096];

    assert_int_equal(
        apr_file_open(&f, junk, APR_FOPEN_CREATE | APR_FOPEN_WRITE, APR_OS_DEFAULT, fx->p),
        APR_SUCCESS);
    apr_file_write(f, zeros, &n);
    apr_file_close(f);
    assert_int_not_equal(sb_rl_attach(fx->p, junk, &t, &why), APR_SUCCESS);
    assert_non_null(strstr(why, "not a rate-limit segment"));
    apr_file_remove(junk, fx->p);
    assert_int_not_equal(sb_rl_attach(fx->p, "/nonexistent/rl.shm", &t, &why), APR_SUCCESS);
}

/* Unrelated mappings in 6 processes hammer one key: exactly max hits pass in total. */
static void test_exact_across_processes(void **state)
{
    fx_t *fx = *state;
    const int nproc = 6, each = 400;
    const uint32_t max = 1000;
    int i, total = 0;
    int fds[6][2];

    for (i = 0; i < nproc; i++) {
        pid_t pid;
        assert_int_equal(pipe(fds[i]), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            apr_pool_t *cp;
            sb_rl_table_t *t;
            const char *why;
            int ok;
            apr_pool_create(&cp, NULL);
            if (sb_rl_attach(cp, fx->path, &t, &why)) {
                _exit(2);
            }
            ok = passes(t, "shared", max, 3600, T0 + 42, each);
            if (write(fds[i][1], &ok, sizeof ok) != sizeof ok) {
                _exit(3);
            }
            _exit(0);
        }
        close(fds[i][1]);
    }
    for (i = 0; i < nproc; i++) {
        int ok = 0, st = 0;
        assert_int_equal(read(fds[i][0], &ok, sizeof ok), (ssize_t)sizeof ok);
        close(fds[i][0]);
        total += ok;
        wait(&st);
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    assert_int_equal(total, (int)max);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_limit_and_headers, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_no_double_burst_at_edge, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_retry_after_is_exact, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_clock_steps, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_all_or_nothing, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_refund, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_full_table_fails_open, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_attach_publish_retire, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_attach_rejects_garbage, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_exact_across_processes, fx_setup, fx_teardown),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
    apr_terminate();
    return rc;
}

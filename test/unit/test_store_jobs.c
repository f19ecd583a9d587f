/*
 * Conformance of job leases (store_jobs.h) for every compiled driver: one holder at a time,
 * renewal, expiry, release, takeover from a dead holder, and racing processes.
 */
#include "sb_store_fixture.h"

static void test_one_holder(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    const char *holder = NULL;
    int64_t exp = 0;
    int held = -1, fresh = -1;

    assert_int_equal(sb_store_job_lease_get(fx->conn, fx->pool, "mail", &holder, &exp, &err),
                     SB_STORE_OK);
    assert_null(holder);
    assert_int_equal(
        sb_store_job_lease_acquire(fx->conn, "mail", "a", 1000, NOW, &held, &fresh, &err),
        SB_STORE_OK);
    assert_int_equal(held, 1);
    assert_int_equal(fresh, 1);
    /* b is refused while a's lease lives, a keeps it (not a new tenure) */
    assert_int_equal(
        sb_store_job_lease_acquire(fx->conn, "mail", "b", 1000, NOW + 999, &held, &fresh, &err),
        SB_STORE_OK);
    assert_int_equal(held, 0);
    assert_int_equal(fresh, 0);
    assert_int_equal(
        sb_store_job_lease_acquire(fx->conn, "mail", "a", 1000, NOW + 500, &held, &fresh, &err),
        SB_STORE_OK);
    assert_int_equal(held, 1);
    assert_int_equal(fresh, 0);
    assert_int_equal(sb_store_job_lease_get(fx->conn, fx->pool, "mail", &holder, &exp, &err),
                     SB_STORE_OK);
    assert_string_equal(holder, "a");
    assert_int_equal(exp, NOW + 1500);
    /* another job's lease is independent */
    assert_int_equal(
        sb_store_job_lease_acquire(fx->conn, "reminders", "b", 1000, NOW, &held, NULL, &err),
        SB_STORE_OK);
    assert_int_equal(held, 1);
}

static void test_renew_expire_release(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    int held = -1, fresh = -1;

    assert_int_equal(
        sb_store_job_lease_acquire(fx->conn, "mail", "a", 1000, NOW, &held, NULL, &err),
        SB_STORE_OK);
    assert_int_equal(sb_store_job_lease_renew(fx->conn, "mail", "a", 1000, NOW + 900, &held, &err),
                     SB_STORE_OK);
    assert_int_equal(held, 1);
    /* renewed to NOW + 1900: still a's at NOW + 1899 */
    assert_int_equal(
        sb_store_job_lease_acquire(fx->conn, "mail", "b", 1000, NOW + 1899, &held, NULL, &err),
        SB_STORE_OK);
    assert_int_equal(held, 0);
    assert_int_equal(sb_store_job_lease_renew(fx->conn, "mail", "b", 1000, NOW + 1000, &held, &err),
                     SB_STORE_OK);
    assert_int_equal(held, 0);
    /* expired: a cannot renew, b takes it as a new tenure */
    assert_int_equal(sb_store_job_lease_renew(fx->conn, "mail", "a", 1000, NOW + 1900, &held, &err),
                     SB_STORE_OK);
    assert_int_equal(held, 0);
    assert_int_equal(
        sb_store_job_lease_acquire(fx->conn, "mail", "b", 1000, NOW + 1900, &held, &fresh, &err),
        SB_STORE_OK);
    assert_int_equal(held, 1);
    assert_int_equal(fresh, 1);
    /* a's release does not free b's lease; b's does */
    assert_int_equal(sb_store_job_lease_release(fx->conn, "mail", "a", &err), SB_STORE_OK);
    assert_int_equal(
        sb_store_job_lease_acquire(fx->conn, "mail", "a", 1000, NOW + 2000, &held, NULL, &err),
        SB_STORE_OK);
    assert_int_equal(held, 0);
    assert_int_equal(sb_store_job_lease_release(fx->conn, "mail", "b", &err), SB_STORE_OK);
    assert_int_equal(
        sb_store_job_lease_acquire(fx->conn, "mail", "a", 1000, NOW + 2000, &held, &fresh, &err),
        SB_STORE_OK);
    assert_int_equal(held, 1);
    assert_int_equal(fresh, 1);
}

static void test_takeover(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    const char *holder = NULL;
    int64_t exp = 0;
    int held = -1;

    assert_int_equal(
        sb_store_job_lease_acquire(fx->conn, "mail", "dead", 60000, NOW, &held, NULL, &err),
        SB_STORE_OK);
    /* only from the holder named */
    assert_int_equal(
        sb_store_job_lease_takeover(fx->conn, "mail", "b", "someone", 1000, NOW + 1, &held, &err),
        SB_STORE_OK);
    assert_int_equal(held, 0);
    assert_int_equal(
        sb_store_job_lease_takeover(fx->conn, "mail", "b", "dead", 1000, NOW + 1, &held, &err),
        SB_STORE_OK);
    assert_int_equal(held, 1);
    /* a second taker that saw the same dead holder loses */
    assert_int_equal(
        sb_store_job_lease_takeover(fx->conn, "mail", "c", "dead", 1000, NOW + 2, &held, &err),
        SB_STORE_OK);
    assert_int_equal(held, 0);
    assert_int_equal(sb_store_job_lease_get(fx->conn, fx->pool, "mail", &holder, &exp, &err),
                     SB_STORE_OK);
    assert_string_equal(holder, "b");
    assert_int_equal(exp, NOW + 1001);
}

/* Processes racing for one lease at the same instant: exactly one comes out holding it. */
static void test_race(void **state)
{
    FX_BEGIN(state);
    enum { N = 6 };
    pid_t pids[N];
    int pipes[N][2], i, winners = 0;

    for (i = 0; i < N; i++) {
        assert_int_equal(pipe(pipes[i]), 0);
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            apr_pool_t *p;
            sb_store_t *store;
            sb_store_conn_t *c;
            sb_store_error_t err;
            char holder[16], r = 'x';
            int held = 0;

            apr_pool_create(&p, NULL);
            snprintf(holder, sizeof holder, "h%d", i);
            if (sb_store_open(p, fx->uri, NULL, &store, &err) == SB_STORE_OK
                && sb_store_acquire(store, p, &c, &err) == SB_STORE_OK
                && sb_store_job_lease_acquire(c, "mail", holder, 60000, NOW, &held, NULL, &err)
                       == SB_STORE_OK) {
                r = held ? '1' : '0';
            }
            if (write(pipes[i][1], &r, 1) != 1) {
                _exit(3);
            }
            _exit(0);
        }
        close(pipes[i][1]);
    }
    for (i = 0; i < N; i++) {
        char r = '?';
        int status;
        assert_int_equal(read(pipes[i][0], &r, 1), 1);
        close(pipes[i][0]);
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(r == '0' || r == '1');
        winners += r == '1';
    }
    assert_int_equal(winners, 1);
}

#define FX_SUITE(d)                                                                                \
    FX_TEST(test_one_holder, d), FX_TEST(test_renew_expire_release, d), FX_TEST(test_takeover, d), \
        FX_TEST(test_race, d)

int main(void)
{
    const struct CMUnitTest all[] = {
        cmocka_unit_test(test_fixture_covers_drivers),
        FX_SUITE(sqlite),
        FX_SUITE(mongodb),
    };
    struct CMUnitTest tests[sizeof all / sizeof all[0]];
    size_t n = sb_fx_select(tests, all, sizeof all / sizeof all[0]);
    int rc;

    apr_initialize();
    rc = _cmocka_run_group_tests("store_jobs", tests, n, NULL, NULL);
    apr_terminate();
    return rc;
}

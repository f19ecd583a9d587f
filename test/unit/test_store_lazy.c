/* A lazy store that cannot be reached at start comes back by itself once it can be. */
#include "sb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <apr_strings.h>

#include "store.h"

static void test_lazy_store_recovers(void **state)
{
    apr_pool_t *p = *state;
    char dir[] = "/tmp/sb-lazy-XXXXXX";
    const char *sub, *uri;
    sb_store_options_t opts = {.pool_min = 0, .pool_max = 2, .busy_timeout_ms = 200, .lazy = 1};
    sb_store_t *store;
    sb_store_conn_t *c;
    sb_store_error_t err;

    assert_non_null(mkdtemp(dir));
    sub = apr_pstrcat(p, dir, "/later", NULL);        /* does not exist yet */
    uri = apr_pstrcat(p, "sqlite:", sub, "/sb.db", NULL);
    assert_int_equal(sb_store_open(p, uri, &opts, &store, &err), SB_STORE_OK);
    assert_int_not_equal(sb_store_migrate(store, &err), SB_STORE_OK);
    assert_int_equal(sb_store_acquire(store, p, &c, &err), SB_STORE_UNAVAILABLE);
    /* within the retry pause the store is not tried again */
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(sb_store_acquire(store, p, &c, &err), SB_STORE_UNAVAILABLE);
    usleep(1100 * 1000);
    assert_int_equal(sb_store_acquire(store, p, &c, &err), SB_STORE_OK);
    assert_int_equal(sb_store_ping(c, &err), SB_STORE_OK);
    apr_pool_clear(p);
    unlink(apr_pstrcat(p, sub, "/sb.db", NULL));
    unlink(apr_pstrcat(p, sub, "/sb.db-wal", NULL));
    unlink(apr_pstrcat(p, sub, "/sb.db-shm", NULL));
    rmdir(sub);
    rmdir(dir);
}

static void test_eager_store_fails_at_open(void **state)
{
    apr_pool_t *p = *state;
    sb_store_options_t opts = {.pool_min = 1, .pool_max = 1, .busy_timeout_ms = 100};
    sb_store_t *store;
    sb_store_error_t err;

    assert_int_equal(sb_store_open(p, "sqlite:/proc/no-such-dir/sb.db", &opts, &store, &err),
                     SB_STORE_UNAVAILABLE);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_lazy_store_recovers, sb_test_pool_setup,
                                    sb_test_pool_teardown),
    cmocka_unit_test_setup_teardown(test_eager_store_fails_at_open, sb_test_pool_setup,
                                    sb_test_pool_teardown),
};

SB_TEST_MAIN("store_lazy", tests)

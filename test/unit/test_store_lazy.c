/* A lazy store that cannot be reached at start comes back by itself once it can be. */
#include "sb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <apr_strings.h>

#include "store.h"

/* The store's directory under $TMPDIR, made in setup and removed (whatever the test did) in
 * teardown; paths in plain memory, not in the test's pool, which the test clears. */
typedef struct {
    apr_pool_t *pool;
    char dir[256], sub[300], db[320];
} lazy_t;

static int lazy_setup(void **state)
{
    lazy_t *l = calloc(1, sizeof(*l));

    if (!l || apr_pool_create(&l->pool, NULL) != APR_SUCCESS) {
        free(l);
        return -1;
    }
    snprintf(l->dir, sizeof(l->dir), "%s/sb-lazy-XXXXXX", sb_test_tmpdir());
    if (!mkdtemp(l->dir)) {
        return -1;
    }
    snprintf(l->sub, sizeof(l->sub), "%s/later", l->dir); /* does not exist yet */
    snprintf(l->db, sizeof(l->db), "%s/sb.db", l->sub);
    *state = l;
    return 0;
}

static int lazy_teardown(void **state)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal", "-turn", NULL};
    lazy_t *l = *state;
    char f[340];
    int i;

    apr_pool_destroy(l->pool);
    for (i = 0; suffix[i]; i++) {
        snprintf(f, sizeof(f), "%s%s", l->db, suffix[i]);
        unlink(f);
    }
    rmdir(l->sub);
    i = rmdir(l->dir);
    free(l);
    return i;
}

static void test_lazy_store_recovers(void **state)
{
    lazy_t *l = *state;
    apr_pool_t *p = l->pool;
    const char *uri = apr_pstrcat(p, "sqlite:", l->db, NULL);
    sb_store_options_t opts = {.pool_min = 0, .pool_max = 2, .busy_timeout_ms = 200, .lazy = 1};
    sb_store_t *store;
    sb_store_conn_t *c;
    sb_store_error_t err;

    assert_int_equal(sb_store_open(p, uri, &opts, &store, &err), SB_STORE_OK);
    assert_int_not_equal(sb_store_migrate(store, &err), SB_STORE_OK);
    assert_int_equal(sb_store_acquire(store, p, &c, &err), SB_STORE_UNAVAILABLE);
    /* within the retry pause the store is not tried again */
    assert_int_equal(mkdir(l->sub, 0700), 0);
    assert_int_equal(sb_store_acquire(store, p, &c, &err), SB_STORE_UNAVAILABLE);
    usleep(1100 * 1000);
    assert_int_equal(sb_store_acquire(store, p, &c, &err), SB_STORE_OK);
    assert_int_equal(sb_store_ping(c, &err), SB_STORE_OK);
    /* the connection goes back and the store closes with the pool */
    apr_pool_clear(p);
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
    cmocka_unit_test_setup_teardown(test_lazy_store_recovers, lazy_setup, lazy_teardown),
    cmocka_unit_test_setup_teardown(test_eager_store_fails_at_open, sb_test_pool_setup,
                                    sb_test_pool_teardown),
};

SB_TEST_MAIN("store_lazy", tests)

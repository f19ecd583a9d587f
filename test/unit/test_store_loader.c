/*
 * The MongoDB driver is a shared object that a process loads only when it names a mongodb
 * store: a SQLite process never maps libmongoc; a missing object is an error that says where
 * it was looked for; loading it sets MONGOC_DISABLE_SHM first, so libmongoc's initialiser
 * (which runs at load) leaves no /dev/shm/mongoc-<pid>. This binary does not link libmongoc;
 * the cases run in order, the loading one last.
 */
#include "sb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>

#include "store.h"

#define LOADER_ENV "SKILLBARTER_MONGO_DRIVER"

/* 1 when a mapping of this process names a file whose path contains what. */
static int mapped(const char *what)
{
    char line[1024];
    FILE *f = fopen("/proc/self/maps", "r");
    int found = 0;

    assert_non_null(f);
    while (!found && fgets(line, sizeof(line), f)) {
        found = strstr(line, what) != NULL;
    }
    fclose(f);
    return found;
}

static void test_sqlite_never_maps_libmongoc(void **state)
{
    apr_pool_t *p = *state;
    const char *tmp = sb_test_tmpdir();
    const char *db = apr_psprintf(p, "%s/loader-%d.db", tmp, (int)getpid());
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal", "-turn", NULL};
    sb_store_t *s;
    sb_store_conn_t *c;
    sb_store_error_t err;
    apr_pool_t *sp;
    int i;

    assert_int_equal(apr_pool_create(&sp, p), APR_SUCCESS);
    assert_int_equal(sb_store_open(sp, apr_pstrcat(p, "sqlite:", db, NULL), NULL, &s, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_migrate(s, &err), SB_STORE_OK);
    assert_int_equal(sb_store_acquire(s, sp, &c, &err), SB_STORE_OK);
    assert_int_equal(sb_store_ping(c, &err), SB_STORE_OK);
    assert_null(sb_store_driver_load(p, "sqlite"));
    assert_null(sb_store_driver_missing(p, "sqlite"));
    assert_false(mapped("libmongoc"));
    assert_false(mapped("libskillbarter_mongo"));
    apr_pool_destroy(sp);
    for (i = 0; suffix[i]; i++) {
        unlink(apr_pstrcat(p, db, suffix[i], NULL));
    }
}

#ifdef SB_WITH_MONGO
static int shm_counters_exist(void)
{
    char path[64];

    snprintf(path, sizeof(path), "/dev/shm/mongoc-%u", (unsigned)getpid());
    return access(path, F_OK) == 0;
}

/* The object this build made (the Makefile names it), read by the first case that changes
 * the variable. */
static char built_driver[4096];

static void test_missing_object_is_named(void **state)
{
    apr_pool_t *p = *state;
    const char *none = apr_psprintf(p, "%s/no-such-driver.so", sb_test_tmpdir());
    const char *why;
    sb_store_t *s = (void *)1;
    sb_store_error_t err;

    assert_non_null(getenv(LOADER_ENV)); /* set by make test-unit */
    snprintf(built_driver, sizeof(built_driver), "%s", getenv(LOADER_ENV));
    setenv(LOADER_ENV, none, 1);
    why = sb_store_driver_load(p, "mongodb");
    assert_non_null(why);
    assert_non_null(strstr(why, "the mongodb store driver cannot be loaded"));
    assert_non_null(strstr(why, none));
    assert_int_equal(sb_store_open(p, "mongodb://127.0.0.1:1/sb", NULL, &s, &err), SB_STORE_ERROR);
    assert_null(s);
    assert_non_null(strstr(err.message, "the mongodb store driver cannot be loaded"));
    /* an unknown driver is not a load failure of a known one */
    assert_string_equal(sb_store_driver_load(p, "postgres"), "no store driver 'postgres'");
    assert_false(mapped("libmongoc"));
    setenv(LOADER_ENV, built_driver, 1);
}

static void test_loading_disables_shm_counters(void **state)
{
    apr_pool_t *p = *state;

    unsetenv("MONGOC_DISABLE_SHM"); /* the loader must set it itself */
    assert_false(mapped("libmongoc"));
    assert_null(sb_store_driver_load(p, "mongodb"));
    assert_true(mapped("libskillbarter_mongo.so"));
    assert_true(mapped("libmongoc"));
    assert_string_equal(getenv("MONGOC_DISABLE_SHM"), "1");
    assert_false(shm_counters_exist());
    /* loaded once: a second call (a restart's new configuration) finds it loaded */
    assert_null(sb_store_driver_load(p, "mongodb"));
    /* a path that no longer exists does not matter once it is loaded */
    setenv(LOADER_ENV, "/nonexistent/libskillbarter_mongo.so", 1);
    assert_null(sb_store_driver_load(p, "mongodb"));
    setenv(LOADER_ENV, built_driver, 1);
}
#endif

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_sqlite_never_maps_libmongoc, sb_test_pool_setup,
                                    sb_test_pool_teardown),
#ifdef SB_WITH_MONGO
    cmocka_unit_test_setup_teardown(test_missing_object_is_named, sb_test_pool_setup,
                                    sb_test_pool_teardown),
    cmocka_unit_test_setup_teardown(test_loading_disables_shm_counters, sb_test_pool_setup,
                                    sb_test_pool_teardown),
#endif
};

SB_TEST_MAIN("store_loader", tests)

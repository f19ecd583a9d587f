/* Shared helpers for the cmocka unit tests. */
#ifndef SB_TEST_H
#define SB_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include <apr_general.h>
#include <apr_pools.h>

/* A pool per test: created in setup, destroyed in teardown (so leaks show under ASan). */
/* Where a test makes its files: the TMPDIR the runner gave the binary (empty at the start and
 * checked empty at the end, test/run-unit.sh), else /tmp. */
static inline const char *sb_test_tmpdir(void)
{
    const char *tmp = getenv("TMPDIR");

    return tmp && *tmp ? tmp : "/tmp";
}

static inline int sb_test_pool_setup(void **state)
{
    apr_pool_t *p;
    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return -1;
    }
    *state = p;
    return 0;
}

static inline int sb_test_pool_teardown(void **state)
{
    apr_pool_destroy((apr_pool_t *)*state);
    return 0;
}

/* Run a cmocka group with APR initialised around it. */
#define SB_TEST_MAIN(group_name, tests)                                                            \
    int main(void)                                                                                 \
    {                                                                                              \
        int rc;                                                                                    \
        apr_initialize();                                                                          \
        rc = cmocka_run_group_tests_name(group_name, tests, NULL, NULL);                           \
        apr_terminate();                                                                           \
        return rc;                                                                                 \
    }

#endif

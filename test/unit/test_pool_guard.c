/*
 * The pool guard (sb_pool_guard.c) in the layers that turn it on (SB_POOL_GUARD=1, unit-asan
 * and unit-valgrind; skipped in the plain layer): APR's own helpers, reached through libapr's
 * PLT, hand out malloc blocks of exactly the size asked for, so the checker's redzone starts
 * right after the last byte. Both checkers answer malloc_usable_size with the size asked for.
 */
#include "sb_test.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_tables.h>

/* Only with the guard on and a checker's malloc, which reports the size asked for. */
static int exact_malloc(void)
{
    void *b = malloc(13);
    int exact = malloc_usable_size(b) == 13;

    free(b);
    return exact;
}

#define GUARD_BEGIN()                                                                              \
    if (!getenv("SB_POOL_GUARD") || strcmp(getenv("SB_POOL_GUARD"), "1") || !exact_malloc()) {     \
        skip();                                                                                    \
    }

static void test_helpers_are_exact_blocks(void **state)
{
    apr_pool_t *p = *state;
    apr_array_header_t *a;
    char *z;
    int i;

    GUARD_BEGIN();
    assert_int_equal(malloc_usable_size(apr_palloc(p, 13)), 13);
    z = apr_pcalloc(p, 5);
    assert_int_equal(malloc_usable_size(z), 5);
    for (i = 0; i < 5; i++) {
        assert_int_equal(z[i], 0);
    }
    assert_int_equal(malloc_usable_size(apr_pstrdup(p, "abc")), 4);
    assert_int_equal(malloc_usable_size(apr_pstrndup(p, "abcdef", 2)), 3);
    assert_int_equal(malloc_usable_size(apr_pmemdup(p, "abcdef", 6)), 6);
    assert_int_equal(malloc_usable_size(apr_pstrcat(p, "ab", "cde", NULL)), 6);
    assert_int_equal(malloc_usable_size(apr_psprintf(p, "%d-%s", 12345, "x")), 8);
    /* apr_psprintf does not go through apr_palloc: it is replaced whole, longer than the
     * guard's first buffer too */
    z = apr_psprintf(p, "%0200d", 7);
    assert_int_equal(strlen(z), 200);
    assert_int_equal(malloc_usable_size(z), 201);
    a = apr_array_make(p, 3, 8);
    assert_int_equal(malloc_usable_size(a->elts), 24);
    for (i = 0; i < 4; i++) {
        apr_array_push(a); /* the fourth grows the array: a new exact block of 6 */
    }
    assert_int_equal(malloc_usable_size(a->elts), 48);
}

/* Clearing a parent destroys its children (APR does that by a direct call the guard cannot
 * see); the pools and their blocks must still work afterwards and nothing may be freed twice
 * (the checker would report it). */
static void test_subpools_clear_and_destroy(void **state)
{
    apr_pool_t *p = *state, *c, *g;
    apr_hash_t *h;
    int round;

    GUARD_BEGIN();
    for (round = 0; round < 3; round++) {
        assert_int_equal(apr_pool_create(&c, p), APR_SUCCESS);
        assert_int_equal(apr_pool_create(&g, c), APR_SUCCESS);
        h = apr_hash_make(g);
        apr_hash_set(h, apr_pstrdup(g, "k"), APR_HASH_KEY_STRING, apr_pstrdup(c, "v"));
        assert_string_equal(apr_hash_get(h, "k", APR_HASH_KEY_STRING), "v");
        if (round == 1) {
            apr_pool_destroy(c); /* takes g with it */
        }
        else {
            apr_pool_clear(p); /* takes c and g */
        }
        assert_int_equal(malloc_usable_size(apr_pstrdup(p, "after")), 6);
    }
}

#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
static const struct CMUnitTest tests[] = {
    T(test_helpers_are_exact_blocks),
    T(test_subpools_clear_and_destroy),
};

SB_TEST_MAIN("pool_guard", tests)

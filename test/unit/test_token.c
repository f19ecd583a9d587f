/* sb_token: random url-safe tokens, SHA-256 hex, constant-time compare. */
#include "sb_test.h"

#include <string.h>

#include "sb_token.h"

static void test_new_shape(void **state)
{
    apr_pool_t *p = *state;
    int i;

    for (i = 0; i < 50; i++) {
        const char *t = sb_token_new(p);
        assert_non_null(t);
        assert_int_equal(strlen(t), 43);
        assert_int_equal(strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "abcdefghijklmnopqrstuvwxyz0123456789-_"),
                         43);
    }
}

static void test_new_differ(void **state)
{
    apr_pool_t *p = *state;
    const char *a = sb_token_new(p), *b = sb_token_new(p);

    assert_string_not_equal(a, b);
}

static void test_hash_vectors(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(sb_token_hash(p, "abc"),
                        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_string_equal(sb_token_hash(p, ""),
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_null(sb_token_hash(p, NULL));
}

static void test_equal(void **state)
{
    assert_true(sb_token_equal("abc", "abc"));
    assert_true(sb_token_equal("", ""));
    assert_false(sb_token_equal("abc", "abd"));
    assert_false(sb_token_equal("abc", "abcd"));
    assert_false(sb_token_equal("abcd", "abc"));
    assert_false(sb_token_equal(NULL, "abc"));
    assert_false(sb_token_equal("abc", NULL));
    assert_false(sb_token_equal(NULL, NULL));
}

#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
static const struct CMUnitTest tests[] = {
    T(test_new_shape),
    T(test_new_differ),
    T(test_hash_vectors),
    T(test_equal),
};

SB_TEST_MAIN("token", tests)

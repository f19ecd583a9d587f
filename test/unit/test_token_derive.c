/* sb_token_derive: one-time links that can be made again from (purpose, user, nonce). */
#include "sb_test.h"

#include <string.h>

#include "sb_token.h"

static const unsigned char key[] = "0123456789abcdef0123456789abcdef-test-secret";
#define KEYLEN (sizeof key - 1)
#define USER   "665f1c2e9b1e8a3d4c5b6a79"

static void test_derive(void **state)
{
    apr_pool_t *p = *state;
    const char *a = sb_token_derive(p, key, KEYLEN, "reset-password", USER, "n1");
    const char *other = "another-secret-of-at-least-32-bytes!!";
    size_t i;

    assert_non_null(a);
    assert_int_equal(strlen(a), 43);
    for (i = 0; a[i]; i++) {
        assert_non_null(
            strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", a[i]));
    }
    /* the same inputs make the same link; any other input another one */
    assert_string_equal(a, sb_token_derive(p, key, KEYLEN, "reset-password", USER, "n1"));
    assert_string_not_equal(a, sb_token_derive(p, key, KEYLEN, "verify-email", USER, "n1"));
    assert_string_not_equal(
        a, sb_token_derive(p, key, KEYLEN, "reset-password", "665f1c2e9b1e8a3d4c5b6a7a", "n1"));
    assert_string_not_equal(a, sb_token_derive(p, key, KEYLEN, "reset-password", USER, "n2"));
    assert_string_not_equal(a, sb_token_derive(p, (const unsigned char *)other, strlen(other),
                                               "reset-password", USER, "n1"));
    assert_null(sb_token_derive(p, key, 0, "reset-password", USER, "n1"));
    assert_null(sb_token_derive(p, key, KEYLEN, "reset-password", USER, NULL));
}

#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
static const struct CMUnitTest tests[] = {T(test_derive)};

SB_TEST_MAIN("token_derive", tests)

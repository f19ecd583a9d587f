/* Pagination cursors: round trip, opacity, and refusal of anything not made by the server. */
#include "sb_test.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_cursor.h"

static const unsigned char KEY[] = "0123456789abcdef0123456789abcdef";
#define K KEY, sizeof KEY - 1

static void test_round_trip(void **state)
{
    apr_pool_t *p = *state;
    static const int64_t keys[] = {0, 1, 1700000000000LL, INT64_MAX, -1, INT64_MIN};
    char id[SB_ID_LEN + 1];
    int64_t got;
    size_t i;

    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *t = sb_cursor_encode(p, K, keys[i], "65a1b2c3d4e5f60718293a4b");
        assert_non_null(t);
        assert_int_equal(strlen(t), SB_CURSOR_TEXT_LEN);
        assert_int_equal(
            strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            SB_CURSOR_TEXT_LEN);
        assert_true(sb_cursor_decode(K, t, &got, id));
        assert_true(got == keys[i]);
        assert_string_equal(id, "65a1b2c3d4e5f60718293a4b");
    }
    /* upper-case ids come back lower-case */
    assert_true(
        sb_cursor_decode(K, sb_cursor_encode(p, K, 5, "65A1B2C3D4E5F60718293A4B"), &got, id));
    assert_string_equal(id, "65a1b2c3d4e5f60718293a4b");
}

static void test_bad_ids_not_encoded(void **state)
{
    apr_pool_t *p = *state;

    assert_null(sb_cursor_encode(p, K, 1, NULL));
    assert_null(sb_cursor_encode(p, K, 1, "abc"));
    assert_null(sb_cursor_encode(p, K, 1, "65a1b2c3d4e5f60718293a4g"));
    assert_null(sb_cursor_encode(p, K, 1, "65a1b2c3d4e5f60718293a4b0"));
}

/* Every single-character change, truncation or extension is refused. */
static void test_tamper_evident(void **state)
{
    apr_pool_t *p = *state;
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const char *t = sb_cursor_encode(p, K, 1700000000000LL, "65a1b2c3d4e5f60718293a4b");
    char id[SB_ID_LEN + 1], buf[64];
    int64_t got;
    size_t i, j;

    for (i = 0; i < SB_CURSOR_TEXT_LEN; i++) {
        for (j = 0; j < sizeof alphabet - 1; j++) {
            if (alphabet[j] == t[i]) {
                continue;
            }
            strcpy(buf, t);
            buf[i] = alphabet[j];
            assert_false(sb_cursor_decode(K, buf, &got, id));
        }
    }
    assert_false(sb_cursor_decode(K, apr_pstrndup(p, t, SB_CURSOR_TEXT_LEN - 1), &got, id));
    assert_false(sb_cursor_decode(K, apr_pstrcat(p, t, "A", NULL), &got, id));
    /* another server's key */
    assert_false(sb_cursor_decode((const unsigned char *)"another key of 32 bytes.........", 32, t,
                                  &got, id));
}

static void test_garbage(void **state)
{
    static const char *const bad[] = {"",
                                      "garbage",
                                      "2024-01-01T00:00:00.000Z",
                                      "====",
                                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                                      "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+",
                                      NULL};
    char id[SB_ID_LEN + 1];
    int64_t got;
    int i;

    (void)state;
    for (i = 0; bad[i]; i++) {
        assert_false(sb_cursor_decode(K, bad[i], &got, id));
    }
    assert_false(sb_cursor_decode(K, NULL, &got, id));
}

/* Without a key a fixed one is used: still a round trip, still refuses edits. */
static void test_no_key(void **state)
{
    apr_pool_t *p = *state;
    const char *t = sb_cursor_encode(p, NULL, 0, 42, "000000000000000000000001");
    char id[SB_ID_LEN + 1];
    int64_t got;

    assert_true(sb_cursor_decode(NULL, 0, t, &got, id));
    assert_true(got == 42);
    assert_false(sb_cursor_decode(K, t, &got, id));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, sb_test_pool_setup, sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_bad_ids_not_encoded, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test_setup_teardown(test_tamper_evident, sb_test_pool_setup,
                                        sb_test_pool_teardown),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test_setup_teardown(test_no_key, sb_test_pool_setup, sb_test_pool_teardown),
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("cursor", tests, NULL, NULL);
    apr_terminate();
    return rc;
}

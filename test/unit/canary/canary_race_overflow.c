/*
 * Canary, expected to FAIL under ASan and valgrind: the onetime-token race of test_store.c,
 * with a heap overflow in one racer after its store call. The checker kills that racer or
 * makes it exit nonzero; race() must see it and the test must fail (an exit code read as a
 * status would count ASan's exit(1) as SB_STORE_NOT_FOUND, the expected loser status, and
 * pass). run-unit.sh passes it only if the checker's report and race()'s verdict are both
 * in the log.
 */
#include "sb_store_fixture.h"

static int op_consume_then_overflow(sb_store_conn_t *c, apr_pool_t *p, int i)
{
    char uid[SB_ID_LEN + 1];
    sb_store_error_t err;
    int rc = sb_store_onetime_consume(c, "race", SB_TOKEN_VERIFY_EMAIL, NOW + 1, uid, &err);
    volatile char *b;
    volatile size_t off = 16, size = 8; /* hidden from -Warray-bounds and UBSan's
                                         * object-size check: ASan must see it */

    if (i == 1) {
        b = apr_palloc(p, size);
        b[off] = 'x';
    }
    return rc;
}

static void canary_race_overflow(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *u = mk_user(fx, "nina", "nina@example.com");
    int others[SB_STORE_ERROR + 1];

    assert_int_equal(sb_store_onetime_insert(fx->conn, "race", u->id, SB_TOKEN_VERIFY_EMAIL,
                                             NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(race(fx, op_consume_then_overflow, others), 1);
    assert_int_equal(others[SB_STORE_NOT_FOUND], NPROC - 1);
}

static const struct CMUnitTest tests[] = {
    FX_TEST(canary_race_overflow, sqlite),
};

FX_MAIN("canary_race_overflow", tests)

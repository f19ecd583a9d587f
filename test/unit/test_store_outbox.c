/*
 * Store conformance: the outbox — per-recipient sequence numbers, a recipient's events after
 * a seq, the store-wide tail, pruning by age (numbers never reused).
 */
#include "sb_store_fixture.h"

static int64_t append(sb_fx_t *fx, const char *uid, const char *type, const char *data, int64_t t)
{
    sb_store_error_t err;
    int64_t seq = -1;

    assert_int_equal(sb_store_outbox_append(fx->conn, uid, type, data, t, &seq, &err), SB_STORE_OK);
    return seq;
}

static void test_per_recipient_seq_and_read(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@x.org"), *b = mk_user(fx, "ben", "ben@x.org");
    apr_array_header_t *rows;
    sb_store_error_t err;
    const sb_outbox_row_t *r;

    assert_int_equal(append(fx, a->id, "message:received", "{\"i\":1}", NOW), 1);
    assert_int_equal(append(fx, b->id, "message:received", "{\"i\":2}", NOW), 1);
    assert_int_equal(append(fx, a->id, "message:read", "{\"i\":3}", NOW + 1), 2);
    assert_int_equal(append(fx, a->id, "notification:new", NULL, NOW + 2), 3);
    assert_int_equal(append(fx, b->id, "message:deleted", "{}", NOW + 3), 2);

    assert_int_equal(sb_store_outbox_read(fx->conn, fx->pool, a->id, 0, 10, &rows, &err),
                     SB_STORE_OK);
    assert_int_equal(rows->nelts, 3);
    r = &APR_ARRAY_IDX(rows, 0, sb_outbox_row_t);
    assert_int_equal(r->seq, 1);
    assert_string_equal(r->user_id, a->id);
    assert_string_equal(r->type, "message:received");
    assert_string_equal(r->data, "{\"i\":1}");
    assert_int_equal(r->created_at, NOW);
    r = &APR_ARRAY_IDX(rows, 2, sb_outbox_row_t);
    assert_int_equal(r->seq, 3);
    assert_string_equal(r->data, "{}");
    assert_true(r->pos > APR_ARRAY_IDX(rows, 1, sb_outbox_row_t).pos);

    /* after a seq, and a limit */
    assert_int_equal(sb_store_outbox_read(fx->conn, fx->pool, a->id, 1, 1, &rows, &err),
                     SB_STORE_OK);
    assert_int_equal(rows->nelts, 1);
    assert_int_equal(APR_ARRAY_IDX(rows, 0, sb_outbox_row_t).seq, 2);
    assert_int_equal(sb_store_outbox_read(fx->conn, fx->pool, a->id, 3, 10, &rows, &err),
                     SB_STORE_OK);
    assert_int_equal(rows->nelts, 0);

    /* unknown recipient */
    assert_int_equal(
        sb_store_outbox_append(fx->conn, "000000000000000000000000", "x", "{}", NOW, NULL, &err),
        SB_STORE_NOT_FOUND);
}

static void test_tail_in_store_order(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@x.org"), *b = mk_user(fx, "ben", "ben@x.org");
    apr_array_header_t *rows;
    sb_store_error_t err;
    int64_t last;
    int i;

    for (i = 0; i < 6; i++) {
        append(fx, i % 2 ? a->id : b->id, "message:received",
               apr_psprintf(fx->pool, "{\"i\":%d}", i), NOW + i);
    }
    assert_int_equal(sb_store_outbox_tail(fx->conn, fx->pool, 0, 4, &rows, &err), SB_STORE_OK);
    assert_int_equal(rows->nelts, 4);
    for (i = 0; i < 4; i++) {
        const sb_outbox_row_t *r = &APR_ARRAY_IDX(rows, i, sb_outbox_row_t);
        assert_string_equal(r->data, apr_psprintf(fx->pool, "{\"i\":%d}", i));
        assert_string_equal(r->user_id, i % 2 ? a->id : b->id);
        assert_int_equal(r->seq, i / 2 + 1);
    }
    /* a second reader with its own position sees the rest, the first is not disturbed */
    last = APR_ARRAY_IDX(rows, 3, sb_outbox_row_t).pos;
    assert_int_equal(sb_store_outbox_tail(fx->conn, fx->pool, last, 100, &rows, &err), SB_STORE_OK);
    assert_int_equal(rows->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(rows, 1, sb_outbox_row_t).data, "{\"i\":5}");
    assert_int_equal(sb_store_outbox_tail(fx->conn, fx->pool, 0, 100, &rows, &err), SB_STORE_OK);
    assert_int_equal(rows->nelts, 6);
}

static void test_prune_by_age(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@x.org");
    apr_array_header_t *rows;
    sb_store_error_t err;
    int64_t removed = -1;
    int i;

    for (i = 0; i < 5; i++) {
        append(fx, a->id, "message:received", "{}", NOW + i * HOUR);
    }
    /* strictly older than the cut-off */
    assert_int_equal(sb_store_outbox_prune(fx->conn, NOW + 2 * HOUR, &removed, &err), SB_STORE_OK);
    assert_int_equal(removed, 2);
    assert_int_equal(sb_store_outbox_read(fx->conn, fx->pool, a->id, 0, 10, &rows, &err),
                     SB_STORE_OK);
    assert_int_equal(rows->nelts, 3);
    assert_int_equal(APR_ARRAY_IDX(rows, 0, sb_outbox_row_t).seq, 3);
    assert_int_equal(APR_ARRAY_IDX(rows, 0, sb_outbox_row_t).created_at, NOW + 2 * HOUR);
    assert_int_equal(sb_store_outbox_prune(fx->conn, NOW + 2 * HOUR, &removed, &err), SB_STORE_OK);
    assert_int_equal(removed, 0);
    /* everything gone: the next number still follows the last one */
    assert_int_equal(sb_store_outbox_prune(fx->conn, NOW + 100 * HOUR, &removed, &err),
                     SB_STORE_OK);
    assert_int_equal(removed, 3);
    assert_int_equal(append(fx, a->id, "message:received", "{}", NOW), 6);
}

#define FX_SUITE(d)                                                                                \
    FX_TEST(test_per_recipient_seq_and_read, d), FX_TEST(test_tail_in_store_order, d),             \
        FX_TEST(test_prune_by_age, d)

static const struct CMUnitTest tests[] = {
    FX_SUITE(sqlite),
    FX_SUITE(mongodb),
};

FX_MAIN("store_outbox", tests)

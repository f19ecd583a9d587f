/*
 * Store conformance: who may see whom in real time — blocks either way between two people,
 * and a user's conversation partners without a block (most recent conversation first).
 */
#include "sb_store_fixture.h"

static const sb_outbox_event_t no_events[1];

static void send_at(sb_fx_t *fx, const char *a, const char *b, int64_t t)
{
    char id[SB_ID_LEN + 1];
    sb_message_new_t m = {id, a, b, "hello", "text", NULL};
    sb_store_error_t err;

    sb_id_new(id);
    assert_int_equal(sb_store_message_send(fx->conn, &m, no_events, 0, NULL, t, NULL, &err),
                     SB_STORE_OK);
}

static void test_blocked_between(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@x.org"), *b = mk_user(fx, "ben", "ben@x.org");
    sb_store_error_t err;
    int blocked = -1;

    assert_int_equal(sb_store_blocked_between(fx->conn, a->id, b->id, &blocked, &err), SB_STORE_OK);
    assert_int_equal(blocked, 0);
    assert_int_equal(sb_store_user_block(fx->conn, b->id, a->id, NOW, &err), SB_STORE_OK);
    assert_int_equal(sb_store_blocked_between(fx->conn, a->id, b->id, &blocked, &err), SB_STORE_OK);
    assert_int_equal(blocked, 1);
    assert_int_equal(sb_store_blocked_between(fx->conn, b->id, a->id, &blocked, &err), SB_STORE_OK);
    assert_int_equal(blocked, 1);
    assert_int_equal(sb_store_user_unblock(fx->conn, b->id, a->id, &err), SB_STORE_OK);
    assert_int_equal(sb_store_blocked_between(fx->conn, b->id, a->id, &blocked, &err), SB_STORE_OK);
    assert_int_equal(blocked, 0);
}

static void test_partners(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@x.org"), *b = mk_user(fx, "ben", "ben@x.org");
    sb_user_t *c = mk_user(fx, "cat", "cat@x.org"), *d = mk_user(fx, "dan", "dan@x.org");
    sb_user_t *e = mk_user(fx, "eve", "eve@x.org");
    apr_array_header_t *ids;
    sb_store_error_t err;

    assert_int_equal(sb_store_conversation_partners(fx->conn, fx->pool, a->id, 10, &ids, &err),
                     SB_STORE_OK);
    assert_int_equal(ids->nelts, 0);
    send_at(fx, a->id, b->id, NOW);      /* a wrote to b */
    send_at(fx, c->id, a->id, NOW + 10); /* c wrote to a */
    send_at(fx, a->id, d->id, NOW + 5);  /* a wrote to d, who blocks a later */
    send_at(fx, b->id, e->id, NOW + 20); /* not a's business */
    assert_int_equal(sb_store_user_block(fx->conn, d->id, a->id, NOW + 30, &err), SB_STORE_OK);

    assert_int_equal(sb_store_conversation_partners(fx->conn, fx->pool, a->id, 10, &ids, &err),
                     SB_STORE_OK);
    assert_int_equal(ids->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(ids, 0, const char *), c->id);
    assert_string_equal(APR_ARRAY_IDX(ids, 1, const char *), b->id);
    /* both sides see each other; the blocker does not see the blocked either */
    assert_int_equal(sb_store_conversation_partners(fx->conn, fx->pool, c->id, 10, &ids, &err),
                     SB_STORE_OK);
    assert_int_equal(ids->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(ids, 0, const char *), a->id);
    assert_int_equal(sb_store_conversation_partners(fx->conn, fx->pool, d->id, 10, &ids, &err),
                     SB_STORE_OK);
    assert_int_equal(ids->nelts, 0);
    /* the limit */
    assert_int_equal(sb_store_conversation_partners(fx->conn, fx->pool, a->id, 1, &ids, &err),
                     SB_STORE_OK);
    assert_int_equal(ids->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(ids, 0, const char *), c->id);
}

#define FX_SUITE(d) FX_TEST(test_blocked_between, d), FX_TEST(test_partners, d)

static const struct CMUnitTest tests[] = {
    FX_SUITE(sqlite),
    FX_SUITE(mongodb),
};

FX_MAIN("store_partners", tests)

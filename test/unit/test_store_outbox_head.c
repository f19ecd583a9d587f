/*
 * Store conformance: where a fresh outbox reader starts — a recipient's latest sequence number
 * (kept by pruning) and the store-wide position of the latest event.
 */
#include "sb_store_fixture.h"

#include "sb_sql_probe.h"
#include "sqlite_int.h"

static void test_heads(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@x.org"), *b = mk_user(fx, "ben", "ben@x.org");
    sb_store_error_t err;
    int64_t seq = -1, pos = -1, p1 = 0, p2 = 0, removed = 0;
    apr_array_header_t *rows;

    assert_int_equal(sb_store_outbox_head(fx->conn, a->id, &seq, &err), SB_STORE_OK);
    assert_int_equal(seq, 0);
    assert_int_equal(sb_store_outbox_last_pos(fx->conn, &pos, &err), SB_STORE_OK);
    assert_int_equal(pos, 0);

    assert_int_equal(sb_store_outbox_append(fx->conn, a->id, "x", "{}", NOW, NULL, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_outbox_append(fx->conn, a->id, "x", "{}", NOW, NULL, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_outbox_append(fx->conn, b->id, "x", "{}", NOW + 5, NULL, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_outbox_head(fx->conn, a->id, &seq, &err), SB_STORE_OK);
    assert_int_equal(seq, 2);
    assert_int_equal(sb_store_outbox_head(fx->conn, b->id, &seq, &err), SB_STORE_OK);
    assert_int_equal(seq, 1);
    assert_int_equal(sb_store_outbox_last_pos(fx->conn, &pos, &err), SB_STORE_OK);
    assert_int_equal(sb_store_outbox_tail(fx->conn, fx->pool, 0, 10, &rows, &err), SB_STORE_OK);
    assert_int_equal(rows->nelts, 3);
    p2 = APR_ARRAY_IDX(rows, 2, sb_outbox_row_t).pos;
    p1 = APR_ARRAY_IDX(rows, 1, sb_outbox_row_t).pos;
    assert_int_equal(pos, p2);
    assert_true(p2 > p1);
    /* nothing after the last position */
    assert_int_equal(sb_store_outbox_tail(fx->conn, fx->pool, pos, 10, &rows, &err), SB_STORE_OK);
    assert_int_equal(rows->nelts, 0);

    /* pruning a's events keeps a's head: its next number is not reused */
    assert_int_equal(sb_store_outbox_prune(fx->conn, NOW + 1, &removed, &err), SB_STORE_OK);
    assert_int_equal(removed, 2);
    assert_int_equal(sb_store_outbox_head(fx->conn, a->id, &seq, &err), SB_STORE_OK);
    assert_int_equal(seq, 2);
    assert_int_equal(sb_store_outbox_last_pos(fx->conn, &pos, &err), SB_STORE_OK);
    assert_int_equal(pos, p2);
}

/* A database from before appends stopped writing heads keeps, for every recipient, a head
 * equal to its latest event. A prune of older events leaves such a head where it is (it never
 * moves a head back), and the recipient's numbers go on after it. */
static void test_prune_never_moves_a_head_back(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@x.org");
    sqlite3 *db;
    sb_store_error_t err;
    int64_t seq = 0, removed = 0;
    char *sql;
    int i;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    db = SB_SQLITE(fx->conn)->db;
    for (i = 0; i < 3; i++) {
        assert_int_equal(sb_store_outbox_append(fx->conn, a->id, "x", "{}", NOW + i, NULL, &err),
                         SB_STORE_OK);
    }
    sql = sqlite3_mprintf("INSERT INTO outbox_heads (user_id, seq) VALUES ('%q', 3)", a->id);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK); /* as appends left it */
    sqlite3_free(sql);
    assert_int_equal(sb_store_outbox_prune(fx->conn, NOW + 1, &removed, &err), SB_STORE_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(sb_sql_count(db, "SELECT max(seq) FROM outbox_heads"), 3);
    assert_int_equal(sb_store_outbox_prune(fx->conn, NOW + 100, &removed, &err), SB_STORE_OK);
    assert_int_equal(removed, 2);
    assert_int_equal(sb_store_outbox_head(fx->conn, a->id, &seq, &err), SB_STORE_OK);
    assert_int_equal(seq, 3);
    assert_int_equal(sb_store_outbox_append(fx->conn, a->id, "x", "{}", NOW + 200, &seq, &err),
                     SB_STORE_OK);
    assert_int_equal(seq, 4);
}

#define FX_SUITE(d) FX_TEST(test_heads, d), FX_TEST(test_prune_never_moves_a_head_back, d)

static const struct CMUnitTest tests[] = {
    FX_SUITE(sqlite),
    FX_SUITE(mongodb),
};

FX_MAIN("store_outbox_head", tests)

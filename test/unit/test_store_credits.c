/*
 * Store conformance: credits — balances and holds, the filtered ledger, rows since an
 * instant, the admin transfer (both rows or none, never negative), and the audit naming
 * each kind of violation.
 */
#include "sb_store_fixture.h"

#define T0 (NOW + 48 * HOUR)

static void hold(sb_fx_t *fx, const sb_user_t *t, const sb_user_t *s, int64_t start,
                 int64_t minutes, char *id)
{
    char room[SB_ID_LEN + 1];
    sb_session_new_t n = {0};
    sb_store_error_t err;

    sb_id_new(id);
    sb_id_new(room);
    n.id = id;
    n.teacher_id = t->id;
    n.student_id = s->id;
    n.skill = "Chess";
    n.scheduled_time = start;
    n.duration = minutes;
    n.room_id = room;
    assert_int_equal(
        sb_store_session_create(fx->conn, fx->pool, &n, NULL, 0, NULL, NOW, NULL, NULL, &err),
        SB_STORE_OK);
}

static void test_balance_and_filters(void **state)
{
    FX_BEGIN(state);
    sb_user_t *t = mk_user(fx, "t", "t@example.com"), *s = mk_user(fx, "s", "s@example.com");
    char a[SB_ID_LEN + 1], b[SB_ID_LEN + 1];
    sb_credit_balance_t bal;
    apr_array_header_t *rows;
    sb_store_error_t err;
    int64_t total;
    char ghost[SB_ID_LEN + 1];

    hold(fx, t, s, T0, 15, a);
    hold(fx, t, s, T0 + HOUR, 45, b);
    assert_int_equal(sb_store_credit_balance(fx->conn, s->id, &bal, &err), SB_STORE_OK);
    assert_int_equal(bal.available, 240);
    assert_int_equal(bal.held, 60);
    assert_int_equal(bal.total_spent, 0);
    sb_id_new(ghost);
    assert_int_equal(sb_store_credit_balance(fx->conn, ghost, &bal, &err), SB_STORE_NOT_FOUND);
    assert_int_equal(
        sb_store_credit_tx_page(fx->conn, fx->pool, s->id, NULL, NULL, 0, 10, &rows, &total, &err),
        SB_STORE_OK);
    assert_int_equal(total, 3);
    assert_string_equal(APR_ARRAY_IDX(rows, 0, sb_credit_tx_t).related_session, b);
    assert_int_equal(sb_store_credit_tx_page(fx->conn, fx->pool, s->id, "bonus", NULL, 0, 10, &rows,
                                             &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 1);
    assert_int_equal(APR_ARRAY_IDX(rows, 0, sb_credit_tx_t).amount, 300);
    assert_int_equal(sb_store_credit_tx_page(fx->conn, fx->pool, s->id, NULL, "learning", 1, 10,
                                             &rows, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 2);
    assert_int_equal(rows->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(rows, 0, sb_credit_tx_t).related_session, a);
    assert_int_equal(sb_store_credit_tx_since(fx->conn, fx->pool, s->id, NOW, &rows, &err),
                     SB_STORE_OK);
    assert_int_equal(rows->nelts, 3);
    assert_int_equal(sb_store_credit_tx_since(fx->conn, fx->pool, s->id, NOW + 1, &rows, &err),
                     SB_STORE_OK);
    assert_int_equal(rows->nelts, 0);
}

static void test_transfer(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "a", "a@example.com"), *b = mk_user(fx, "b", "b@example.com");
    sb_user_t *admin = mk_user(fx, "admin", "admin@example.com");
    sb_credit_balance_t ba, bb;
    apr_array_header_t *rows;
    sb_store_error_t err;
    int64_t total;
    char ghost[SB_ID_LEN + 1];

    sb_id_new(ghost);
    assert_int_equal(
        sb_store_credit_transfer(fx->conn, a->id, b->id, 301, "too much", admin->id, NOW, &err),
        SB_STORE_INSUFFICIENT);
    assert_string_equal(err.field, "amount");
    assert_int_equal(sb_store_credit_transfer(fx->conn, a->id, ghost, 1, "x", admin->id, NOW, &err),
                     SB_STORE_NOT_FOUND);
    assert_string_equal(err.field, "to");
    assert_int_equal(sb_store_credit_transfer(fx->conn, ghost, a->id, 1, "x", admin->id, NOW, &err),
                     SB_STORE_NOT_FOUND);
    assert_string_equal(err.field, "from");
    assert_int_equal(sb_store_credit_transfer(fx->conn, a->id, a->id, 1, "x", admin->id, NOW, &err),
                     SB_STORE_CONFLICT);
    assert_int_equal(
        sb_store_credit_transfer(fx->conn, a->id, b->id, 300, "all", admin->id, NOW, &err),
        SB_STORE_OK);
    assert_int_equal(sb_store_credit_balance(fx->conn, a->id, &ba, &err), SB_STORE_OK);
    assert_int_equal(sb_store_credit_balance(fx->conn, b->id, &bb, &err), SB_STORE_OK);
    assert_int_equal(ba.available, 0);
    assert_int_equal(bb.available, 600);
    assert_int_equal(sb_store_credit_tx_page(fx->conn, fx->pool, b->id, "earned", "admin", 0, 10,
                                             &rows, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 1);
    assert_string_equal(APR_ARRAY_IDX(rows, 0, sb_credit_tx_t).description, "all");
    assert_int_equal(APR_ARRAY_IDX(rows, 0, sb_credit_tx_t).balance_after, 600);
    assert_balanced(fx);
}

static void raw_sql(sb_fx_t *fx, const char *sql)
{
    sqlite3 *db;

    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

/* Each violation is counted under its own name. */
static void test_audit_names_violations(void **state)
{
    FX_BEGIN(state);
    sb_user_t *t = mk_user(fx, "t", "t@example.com"), *s = mk_user(fx, "s", "s@example.com");
    char a[SB_ID_LEN + 1];
    sb_ledger_audit_t au;
    sb_store_error_t err;

    if (strcmp(fx->driver->name, "sqlite") != 0) {
        skip();
    }
    hold(fx, t, s, T0, 60, a);
    assert_balanced(fx);
    /* a hold that no longer matches its ledger row */
    raw_sql(fx,
            apr_psprintf(fx->pool, "UPDATE sessions SET escrow_minutes = 30 WHERE id = '%s'", a));
    assert_int_equal(sb_store_ledger_audit(fx->conn, &au, &err), SB_STORE_OK);
    assert_int_equal(au.bad_holds, 1);
    assert_int_equal(au.bad_sums, 0);
    /* a closed session still holding */
    raw_sql(fx, apr_psprintf(fx->pool,
                             "UPDATE sessions SET escrow_minutes = 60,"
                             " status = 'cancelled' WHERE id = '%s'",
                             a));
    assert_int_equal(sb_store_ledger_audit(fx->conn, &au, &err), SB_STORE_OK);
    assert_int_equal(au.bad_holds, 1);
    /* a balance changed without a row */
    raw_sql(fx, apr_psprintf(fx->pool,
                             "UPDATE sessions SET status = 'pending' WHERE id = '%s';"
                             " UPDATE users SET credits = credits + 1 WHERE id = '%s'",
                             a, t->id));
    assert_int_equal(sb_store_ledger_audit(fx->conn, &au, &err), SB_STORE_OK);
    assert_int_equal(au.bad_holds, 0);
    assert_int_equal(au.bad_sums, 1);
    assert_int_equal(au.bad_rows, 1);
}

static void test_role_and_calendar_token(void **state)
{
    FX_BEGIN(state);
    sb_user_t *u = mk_user(fx, "u", "u@example.com"), *r;
    char ghost[SB_ID_LEN + 1], who[SB_ID_LEN + 1];
    const char *tz = NULL;
    sb_store_error_t err;

    sb_id_new(ghost);
    assert_int_equal(sb_store_user_set_role(fx->conn, u->id, "admin", NOW, &err), SB_STORE_OK);
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &r, &err), SB_STORE_OK);
    assert_string_equal(r->role, "admin");
    assert_int_equal(sb_store_user_set_role(fx->conn, ghost, "admin", NOW, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_calendar_token_user(fx->conn, fx->pool, "aa", NOW, who, &tz, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_calendar_token_set(fx->conn, u->id, "aa", NOW, &err), SB_STORE_OK);
    assert_int_equal(sb_store_calendar_token_user(fx->conn, fx->pool, "aa", NOW, who, &tz, &err),
                     SB_STORE_OK);
    assert_string_equal(who, u->id);
    assert_string_equal(tz, "UTC");
    /* rotation: the old token stops working */
    assert_int_equal(sb_store_calendar_token_set(fx->conn, u->id, "bb", NOW, &err), SB_STORE_OK);
    assert_int_equal(sb_store_calendar_token_user(fx->conn, fx->pool, "aa", NOW, who, &tz, &err),
                     SB_STORE_NOT_FOUND);
    /* a banned user's feed is gone */
    assert_int_equal(sb_store_user_set_status(fx->conn, u->id, 1, 1, "spam", 0, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_calendar_token_user(fx->conn, fx->pool, "bb", NOW, who, &tz, &err),
                     SB_STORE_NOT_FOUND);
}

#define CREDIT_TESTS(d)                                                                            \
    FX_TEST(test_balance_and_filters, d), FX_TEST(test_transfer, d),                               \
        FX_TEST(test_audit_names_violations, d), FX_TEST(test_role_and_calendar_token, d)

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fixture_covers_drivers),
    CREDIT_TESTS(sqlite),
    CREDIT_TESTS(mongodb),
};

FX_MAIN("store_credits", tests)

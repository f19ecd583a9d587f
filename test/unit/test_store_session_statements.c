/*
 * SQLite driver: what a settlement's statements cost inside the write turn. SQLite 3.40 builds
 * an ephemeral b-tree per execution for an IN list of three or more constants (a CHECK on a
 * written column, a partial index's condition) and for RETURNING rows; sql/018 writes the
 * session and ledger constraints as chains of `=`, and the balance and outbox-head updates
 * read their value back instead of RETURNING it. Every write statement the end of a session
 * runs (the settlement's moves and ledger rows, the write-back, outbox events, notification)
 * must compile without one, and the rewritten constraints must still refuse what the old ones
 * refused. The indexes 018 drops (no query read them) stay gone, and the reads of sessions a
 * booking and a balance run still search an index. The read before a transition (the session
 * and its two people) is one read transaction: under write load each start is a cold cache.
 */
#include "sb_store_fixture.h"

#include "sqlite_int.h"
#include "sb_sql_probe.h"

#define T0 (NOW + 48 * HOUR)

static void act(sb_fx_t *fx, const char *id, const char *actor, sb_session_action_t action,
                int64_t now, const char *user_to_notify)
{
    sb_session_news_t news = {
        {{actor, "session:x", "{}"}, {user_to_notify, "session:x", "{}"}}, 2, {0}, 1};
    sb_session_act_t a = {.id = id,
                          .actor_id = actor,
                          .action = action,
                          .describe = fixed_news,
                          .describe_ctx = &news};
    sb_notification_new_t *nn = &news.notify;
    char nid[SB_ID_LEN + 1];
    sb_store_error_t err;

    sb_id_new(nid);
    nn->id = apr_pstrdup(fx->pool, nid);
    nn->user_id = user_to_notify;
    nn->type = "session_ended";
    nn->title = "t";
    nn->body = "b";
    nn->data = "{}";
    nn->subject_id = id;
    nn->event_data = "{}";
    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &a, now, NULL, &err), SB_STORE_OK);
}

static void test_settlement_writes_build_no_btree(void **state)
{
    FX_BEGIN(state);
    sb_user_t *t = mk_user(fx, "teach", "teach@example.org"),
              *l = mk_user(fx, "learn", "learn@example.org");
    sqlite3 *db = SB_SQLITE(fx->conn)->db;
    char id[SB_ID_LEN + 1];
    sb_session_t *out;
    sb_store_error_t err;
    sqlite3_stmt *q;
    int writes = 0;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    fx_book(fx, t->id, l->id, T0, id);
    act(fx, id, t->id, SB_SESSION_ACCEPT, NOW, l->id);
    act(fx, id, t->id, SB_SESSION_START, T0, l->id);
    act(fx, id, l->id, SB_SESSION_START, T0, t->id);
    /* transitions run on the store's writer connection (sqlite_group.c) */
    assert_non_null(sb_sqlite_writer_conn(SB_SQLITE(fx->conn)->writer));
    db = sb_sqlite_writer_conn(SB_SQLITE(fx->conn)->writer)->db;
    /* counts from here on: the end */
    for (q = sqlite3_next_stmt(db, NULL); q; q = sqlite3_next_stmt(db, q)) {
        sqlite3_stmt_status(q, SQLITE_STMTSTATUS_RUN, 1);
    }
    act(fx, id, l->id, SB_SESSION_END, T0 + 30 * 60000, t->id);
    assert_int_equal(sb_store_session_get(fx->conn, fx->pool, id, &out, &err), SB_STORE_OK);
    assert_string_equal(out->status, "completed");
    assert_int_equal(out->credits_exchanged, 30);
    for (q = sqlite3_next_stmt(db, NULL); q; q = sqlite3_next_stmt(db, q)) {
        if (sqlite3_stmt_status(q, SQLITE_STMTSTATUS_RUN, 0) > 0 && !sqlite3_stmt_readonly(q)) {
            const char *sql = sqlite3_sql(q);
            if (sb_sql_ephemerals(db, sql)) {
                fail_msg("builds an ephemeral b-tree per run: %s", sql);
            }
            writes++;
        }
    }
    /* two balance moves, two ledger rows, the write-back, outbox heads and events, notice */
    assert_true(writes >= 6);
    assert_balanced(fx);
}

static void test_rewritten_checks_refuse_as_before(void **state)
{
    FX_BEGIN(state);
    sb_user_t *u = mk_user(fx, "ada", "ada@example.org"),
              *v = mk_user(fx, "bob", "bob@example.org");
    sqlite3 *db = SB_SQLITE(fx->conn)->db;
    const char *row = "INSERT INTO credit_transactions (id, user_id, type, amount, balance_after,"
                      " description, category, status, created_at) VALUES ('%s', '%s', '%s', 1, 1,"
                      " 'd', '%s', '%s', 1)";
    char tx[SB_ID_LEN + 1];
    char *sql;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    sb_id_new(tx);
    sb_sql_refused(db, sql = sqlite3_mprintf(row, tx, u->id, "gift", "bonus", "completed"));
    sqlite3_free(sql);
    sb_sql_refused(db, sql = sqlite3_mprintf(row, tx, u->id, "bonus", "gifts", "completed"));
    sqlite3_free(sql);
    sb_sql_refused(db, sql = sqlite3_mprintf(row, tx, u->id, "bonus", "bonus", "done"));
    sqlite3_free(sql);
    /* every value the old lists allowed still goes in */
    assert_int_equal(sqlite3_exec(db, "SAVEPOINT v", NULL, NULL, NULL), SQLITE_OK);
    {
        static const char *const types[] = {"earned", "spent", "bonus", "refund", "penalty"};
        static const char *const cats[] = {"teaching", "learning", "bonus", "refund", "admin"};
        static const char *const sts[] = {"completed", "pending", "failed", "reversed"};
        int i;

        for (i = 0; i < 5; i++) {
            sb_id_new(tx);
            sql = sqlite3_mprintf(row, tx, u->id, types[i], cats[i], sts[i % 4]);
            assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
            sqlite3_free(sql);
        }
    }
    assert_int_equal(sqlite3_exec(db, "ROLLBACK TO v; RELEASE v", NULL, NULL, NULL), SQLITE_OK);
    sql = sqlite3_mprintf("INSERT INTO sessions (id, teacher_id, student_id, skill,"
                          " scheduled_time, duration, status, created_at, updated_at)"
                          " VALUES ('%s', '%s', '%s', 'Guitar', 1, 60, 'finished', 1, 1)",
                          tx, u->id, v->id);
    sb_sql_refused(db, sql);
    sqlite3_free(sql);
    assert_int_equal(sqlite3_exec(db, "PRAGMA integrity_check", NULL, NULL, NULL), SQLITE_OK);
}

/* The query plan of sql: 1 when it scans table sessions (reads every row). */
static int scans_sessions(sqlite3 *db, const char *sql)
{
    char *explain = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *q;
    int scan = 0;

    assert_int_equal(sqlite3_prepare_v2(db, explain, -1, &q, NULL), SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
        scan |= strstr((const char *)sqlite3_column_text(q, 3), "SCAN sessions") != NULL;
    }
    sqlite3_finalize(q);
    sqlite3_free(explain);
    return scan;
}

static void test_unread_indexes_gone_reads_still_indexed(void **state)
{
    FX_BEGIN(state);
    sb_user_t *t = mk_user(fx, "teach", "teach@example.org"),
              *l = mk_user(fx, "learn", "learn@example.org");
    sqlite3 *db = SB_SQLITE(fx->conn)->db;
    char id[SB_ID_LEN + 1];
    sb_credit_balance_t b;
    sb_store_error_t err;
    sqlite3_stmt *q;
    int reads = 0;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    assert_int_equal(sb_sql_count(db, "SELECT count(*) FROM sqlite_schema WHERE name IN"
                                      " ('sessions_teacher_open', 'sessions_student_open',"
                                      " 'credit_tx_session')"),
                     0);
    fx_book(fx, t->id, l->id, T0, id);
    assert_int_equal(sb_store_credit_balance(fx->conn, l->id, &b, &err), SB_STORE_OK);
    assert_int_equal(b.held, 60);
    /* the overlap check and the balance's held minutes */
    for (q = sqlite3_next_stmt(db, NULL); q; q = sqlite3_next_stmt(db, q)) {
        const char *sql = sqlite3_sql(q);
        if (sqlite3_stmt_readonly(q) && strstr(sql, "FROM sessions WHERE")
            && strstr(sql, "status = 'in_progress'")) {
            if (scans_sessions(db, sql)) {
                fail_msg("reads every session: %s", sql);
            }
            reads++;
        }
    }
    assert_int_equal(reads, 2);
}

/* The statements a connection starts, in order (sqlite3_trace_v2). */
typedef struct {
    char sql[8][64];
    int n;
} trace_t;

static int trace_stmt(unsigned kind, void *ctx, void *stmt, void *x)
{
    trace_t *t = ctx;

    if (kind == SQLITE_TRACE_STMT && t->n < 8) {
        snprintf(t->sql[t->n++], sizeof t->sql[0], "%s", sqlite3_sql(stmt));
    }
    return 0;
}

static void test_session_get_reads_one_snapshot(void **state)
{
    FX_BEGIN(state);
    sb_user_t *t = mk_user(fx, "teach", "teach@example.org"),
              *l = mk_user(fx, "learn", "learn@example.org");
    sqlite3 *db = SB_SQLITE(fx->conn)->db;
    char id[SB_ID_LEN + 1];
    sb_session_t *out;
    sb_store_error_t err;
    trace_t tr = {{{0}}, 0};

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    fx_book(fx, t->id, l->id, T0, id);
    sqlite3_trace_v2(db, SQLITE_TRACE_STMT, trace_stmt, &tr);
    assert_int_equal(sb_store_session_get(fx->conn, fx->pool, id, &out, &err), SB_STORE_OK);
    sqlite3_trace_v2(db, 0, NULL, NULL);
    assert_non_null(out->teacher);
    assert_non_null(out->student);
    /* BEGIN, the session, each person, COMMIT */
    assert_int_equal(tr.n, 5);
    assert_string_equal(tr.sql[0], "BEGIN");
    assert_string_equal(tr.sql[4], "COMMIT");
}

#define FX_SUITE(d)                                                                                \
    FX_TEST(test_settlement_writes_build_no_btree, d),                                             \
        FX_TEST(test_rewritten_checks_refuse_as_before, d),                                        \
        FX_TEST(test_unread_indexes_gone_reads_still_indexed, d),                                  \
        FX_TEST(test_session_get_reads_one_snapshot, d)

static const struct CMUnitTest tests[] = {
    FX_SUITE(sqlite),
};

FX_MAIN("store_session_statements", tests)

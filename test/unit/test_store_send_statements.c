/*
 * SQLite driver: what a message send's statements cost inside the write turn. sql/021 writes
 * the messages constraints as chains of `=` (an IN list of three or more constants builds an
 * ephemeral b-tree per run in SQLite 3.40) and lets the conversation stats trigger fire only
 * when a counter moves; a summary that exists moves by an UPDATE, not by an upsert, and an
 * event takes its number from the recipient's latest event without writing a head (only
 * pruning writes outbox_heads). A send into an existing conversation must therefore run no
 * statement that builds such a b-tree, no upsert, and write conversation_stats once (the receiver's
 * unread count), with the counters still what the summaries add up to. The rewritten constraints
 * refuse what the old lists refused.
 */
#include "sb_store_fixture.h"

#include "sqlite_int.h"
#include "sb_sql_probe.h"

static void send_text(sb_fx_t *fx, const char *from, const char *to, int64_t at)
{
    char id[SB_ID_LEN + 1];
    sb_message_new_t m = {id, from, to, "hello", "text", NULL};
    sb_outbox_event_t ev[2] = {{to, "message:received", "{}"}, {from, "message:received", "{}"}};
    sb_store_error_t err;

    sb_id_new(id);
    assert_int_equal(sb_store_message_send(fx->conn, &m, ev, 2, NULL, at, NULL, &err), SB_STORE_OK);
}

static void test_send_writes_update_in_place(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@example.org"),
              *b = mk_user(fx, "ben", "ben@example.org");
    sb_sqlite_conn_t *sc = SB_SQLITE(fx->conn);
    sqlite3 *db = sc->db;
    sb_outbox_event_t ev[2] = {{b->id, "message:received", "{}"},
                               {a->id, "message:received", "{}"}};
    sb_message_t m;
    sb_store_error_t err;
    sqlite3_stmt *q;
    int writes = 0;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    send_text(fx, a->id, b->id, NOW); /* the conversation and its summaries */
    send_text(fx, b->id, a->id, NOW + 1);
    /* conversation_stats writes, counted by a trigger of this connection only */
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TEMP TABLE stats_writes (n INTEGER);"
                                  " INSERT INTO stats_writes VALUES (0);"
                                  " CREATE TEMP TRIGGER stats_written AFTER UPDATE ON"
                                  " main.conversation_stats BEGIN"
                                  " UPDATE stats_writes SET n = n + 1; END",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    for (q = sqlite3_next_stmt(db, NULL); q; q = sqlite3_next_stmt(db, q)) {
        sqlite3_stmt_status(q, SQLITE_STMTSTATUS_RUN, 1);
    }
    /* a third message, a to b, written by the send's own steps on this connection */
    memset(&m, 0, sizeof m);
    sb_id_new(m.id);
    apr_cpystrn(m.sender_id, a->id, sizeof m.sender_id);
    apr_cpystrn(m.receiver_id, b->id, sizeof m.receiver_id);
    m.content = "again";
    m.message_type = "text";
    m.created_at = m.updated_at = NOW + 2;
    assert_int_equal(sb_sqlite_begin(sc, &err), SB_STORE_OK);
    assert_int_equal(sb_sqlite_message_insert(sc, &m, &err), SB_STORE_OK);
    assert_int_equal(sb_sqlite_message_summaries(sc, a->id, b->id, m.id, NOW + 2, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_sqlite_outbox_add_all(sc, ev, 2, NOW + 2, &err), SB_STORE_OK);
    assert_int_equal(sb_sqlite_commit(sc, &err), SB_STORE_OK);
    for (q = sqlite3_next_stmt(db, NULL); q; q = sqlite3_next_stmt(db, q)) {
        if (sqlite3_stmt_status(q, SQLITE_STMTSTATUS_RUN, 0) > 0 && !sqlite3_stmt_readonly(q)) {
            const char *sql = sqlite3_sql(q);
            if (strstr(sql, "stats_writes") || !strncmp(sql, "BEGIN", 5)) {
                continue;
            }
            if (sb_sql_ephemerals(db, sql)) {
                fail_msg("builds an ephemeral b-tree per run: %s", sql);
            }
            if (strstr(sql, "ON CONFLICT")) {
                fail_msg("an upsert where the row exists: %s", sql);
            }
            writes++;
        }
    }
    /* the message, a summary and an event (each run twice but the first) */
    assert_int_equal(writes, 3);
    assert_int_equal(sb_sql_count(db, "SELECT count(*) FROM outbox_heads"), 0);
    /* the sender's side moved no counter: only b's unread did */
    assert_int_equal(sb_sql_count(db, "SELECT n FROM stats_writes"), 1);
    assert_int_equal(sb_sql_count(db, "SELECT unread FROM conversation_stats WHERE user_id ="
                                      " (SELECT id FROM users WHERE username = 'ben')"),
                     2);
    assert_int_equal(sb_sql_count(db,
                                  "SELECT count(*) FROM conversation_stats s WHERE"
                                  " s.conversations IS NOT (SELECT count(*) FROM conversations c"
                                  " WHERE c.user_id = s.user_id AND c.last_message_id IS NOT"
                                  " NULL AND c.partner_hidden = 0) OR s.unread IS NOT"
                                  " (SELECT coalesce(sum(c.unread), 0) FROM conversations c"
                                  " WHERE c.user_id = s.user_id AND c.last_message_id IS NOT"
                                  " NULL AND c.partner_hidden = 0)"),
                     0);
    /* the events numbered on from each recipient's latest */
    assert_int_equal(sb_sql_count(db, "SELECT max(user_seq) FROM outbox WHERE user_id ="
                                      " (SELECT id FROM users WHERE username = 'ann')"),
                     3);
    assert_int_equal(sqlite3_exec(db, "DROP TRIGGER temp.stats_written", NULL, NULL, NULL),
                     SQLITE_OK);
}

static void test_message_checks_refuse_as_before(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@example.org"),
              *b = mk_user(fx, "ben", "ben@example.org");
    sqlite3 *db = SB_SQLITE(fx->conn)->db;
    static const char *const types[] = {"text", "session_request", "session_accept",
                                        "session_decline", "system"};
    static const char *const statuses[] = {"pending", "accepted", "declined", "expired"};
    const char *row = "INSERT INTO messages (id, sender_id, receiver_id, content, message_type,"
                      " session_status, created_at, updated_at) VALUES ('%s', '%s', '%s', 'x',"
                      " '%s', %s, 1, 1)";
    char id[SB_ID_LEN + 1];
    char *sql;
    int i;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    sb_id_new(id);
    sb_sql_refused(db, sql = sqlite3_mprintf(row, id, a->id, b->id, "note", "NULL"));
    sqlite3_free(sql);
    sb_sql_refused(db, sql = sqlite3_mprintf(row, id, a->id, b->id, "text", "'done'"));
    sqlite3_free(sql);
    /* every value the old lists allowed still goes in */
    assert_int_equal(sqlite3_exec(db, "SAVEPOINT v", NULL, NULL, NULL), SQLITE_OK);
    for (i = 0; i < 5; i++) {
        char status[16];
        sb_id_new(id);
        if (i < 4) {
            apr_snprintf(status, sizeof status, "'%s'", statuses[i]);
        }
        else {
            apr_cpystrn(status, "NULL", sizeof status);
        }
        sql = sqlite3_mprintf(row, id, a->id, b->id, types[i], status);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_free(sql);
    }
    assert_int_equal(sqlite3_exec(db, "ROLLBACK TO v; RELEASE v", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA integrity_check", NULL, NULL, NULL), SQLITE_OK);
}

#define FX_SUITE(d)                                                                                \
    FX_TEST(test_send_writes_update_in_place, d), FX_TEST(test_message_checks_refuse_as_before, d)

static const struct CMUnitTest tests[] = {
    FX_SUITE(sqlite),
    FX_SUITE(mongodb),
};

FX_MAIN("store_send_statements", tests)

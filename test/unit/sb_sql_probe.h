/*
 * Unit tests: probes of what SQLite does with a statement, shared by the tests that check a
 * write path's statements (test_store_send_statements.c, test_store_session_statements.c).
 * Include after sb_store_fixture.h (cmocka) and sqlite_int.h.
 */
#ifndef SB_SQL_PROBE_H
#define SB_SQL_PROBE_H

#include <sqlite3.h>
#include <stdint.h>
#include <string.h>

/* The number of OpenEphemeral opcodes in sql's program (its triggers' aside): SQLite 3.40
 * builds a throw-away b-tree per run for each. */
static inline int sb_sql_ephemerals(sqlite3 *db, const char *sql)
{
    char *explain = sqlite3_mprintf("EXPLAIN %s", sql);
    sqlite3_stmt *q;
    int n = 0;

    assert_int_equal(sqlite3_prepare_v2(db, explain, -1, &q, NULL), SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
        n += !strcmp((const char *)sqlite3_column_text(q, 1), "OpenEphemeral");
    }
    sqlite3_finalize(q);
    sqlite3_free(explain);
    return n;
}

/* The first column of the one row sql answers. */
static inline int64_t sb_sql_count(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    int64_t n;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

/* sql: one statement that must fail on a CHECK constraint. */
static inline void sb_sql_refused(sqlite3 *db, const char *sql)
{
    char *msg = NULL;

    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, &msg) & 0xff, SQLITE_CONSTRAINT);
    sqlite3_free(msg);
}

#endif

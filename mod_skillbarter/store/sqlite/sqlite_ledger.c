/*
 * SQLite driver: the credit ledger (rows, history, conservation audit). The outbox is in
 * sqlite_outbox.c.
 */
#include "sqlite_economy.h"

#include "sb_id.h"

static const char SQL_LEDGER_ADD[] =
    "INSERT INTO credit_transactions (id, user_id, type, amount, balance_after,"
    " related_session, related_user, description, category, status, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, coalesce(?10, 'completed'), ?11)";
static const char SQL_LEDGER_COUNT[] =
    "SELECT count(*) FROM credit_transactions WHERE user_id = ?1";
static const char SQL_LEDGER_PAGE[] =
    "SELECT " SB_SQLITE_TX_COLS " FROM credit_transactions"
    " WHERE user_id = ?1 ORDER BY created_at DESC, seq DESC LIMIT ?2 OFFSET ?3";
static const char SQL_AUDIT_BALANCES[] = "SELECT coalesce(sum(credits), 0) FROM users";
static const char SQL_AUDIT_ESCROW[] = "SELECT coalesce(sum(escrow_minutes), 0) FROM sessions"
                                       " WHERE status IN ('pending', 'scheduled', 'in_progress')";
/* Users whose balance is not the sum of their ledger rows. */
static const char SQL_AUDIT_BAD_SUMS[] = "SELECT count(*) FROM users u WHERE u.credits <> coalesce("
                                         " (SELECT sum(t.amount) FROM credit_transactions t"
                                         "  WHERE t.user_id = u.id AND t.status <> 'failed'), 0)";
/* Every hold belongs to exactly one open session: an open session holds what its one hold
 * row took, a closed one holds nothing. */
static const char SQL_AUDIT_BAD_HOLDS[] =
    "SELECT count(*) FROM sessions s WHERE CASE"
    " WHEN s.status IN ('pending', 'scheduled', 'in_progress') THEN s.escrow_minutes <> coalesce("
    "  (SELECT CASE WHEN count(*) = 1 THEN -sum(t.amount) END FROM credit_transactions t"
    "   WHERE t.idem_key = s.id || ':hold' AND t.user_id = s.student_id), -1)"
    " ELSE s.escrow_minutes <> 0 END";
/* Admin rows count as adjustments only; failed rows never changed a balance. */
static const char SQL_AUDIT_LEDGER[] =
    "SELECT"
    " coalesce(sum(CASE WHEN category <> 'admin' AND type = 'bonus' THEN amount END), 0),"
    " coalesce(sum(CASE WHEN category <> 'admin' AND type = 'penalty' THEN abs(amount) END), 0),"
    " coalesce(sum(CASE WHEN category = 'admin' THEN amount END), 0)"
    " FROM credit_transactions WHERE status <> 'failed'";
static const char SQL_AUDIT_BAD_ROWS[] =
    "SELECT count(*) FROM users u WHERE u.credits <> coalesce("
    " (SELECT t.balance_after FROM credit_transactions t"
    "  WHERE t.user_id = u.id AND t.status <> 'failed' ORDER BY t.seq DESC LIMIT 1), 0)";

sb_store_status_t sb_sqlite_ledger_add(sb_sqlite_conn_t *sc, const sb_sqlite_ledger_row_t *row,
                                       int64_t now, sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_LEDGER_ADD, err);
    char id[SB_ID_LEN + 1];

    if (!q) {
        return err->status;
    }
    sb_id_new(id);
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, row->user_id);
    sb_sqlite_bind_text(q, 3, row->type);
    sqlite3_bind_int64(q, 4, row->amount);
    sqlite3_bind_int64(q, 5, row->balance_after);
    sb_sqlite_bind_text(q, 6, row->related_session);
    sb_sqlite_bind_text(q, 7, row->related_user);
    sb_sqlite_bind_text(q, 8, row->description);
    sb_sqlite_bind_text(q, 9, row->category);
    sb_sqlite_bind_text(q, 10, row->status);
    sqlite3_bind_int64(q, 11, now);
    return sb_sqlite_exec_stmt(sc, q, err, "ledger add");
}

/* Run a statement that yields one row of int64 columns into vals[0..n). */
static sb_store_status_t sb_sqlite_ints(sb_sqlite_conn_t *sc, const char *sql, const char *bind1,
                                        int64_t *vals, int n, sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, sql, err);
    int rc, i;

    if (!q) {
        return err->status;
    }
    if (bind1) {
        sb_sqlite_bind_text(q, 1, bind1);
    }
    rc = sb_sqlite_step(sc, q, err, "aggregate");
    if (rc < 0) {
        return err->status;
    }
    for (i = 0; i < n; i++) {
        vals[i] = rc == SQLITE_ROW ? sqlite3_column_int64(q, i) : 0;
    }
    sb_sqlite_done(q);
    return SB_STORE_OK;
}

static sb_store_status_t sb_sqlite_ledger_page(sb_sqlite_conn_t *sc, apr_pool_t *p,
                                               const char *user_id, int offset, int limit,
                                               apr_array_header_t *out, sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_LEDGER_PAGE, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sqlite3_bind_int(q, 2, limit);
    sqlite3_bind_int(q, 3, offset);
    return sb_sqlite_rows(sc, p, q, sb_sqlite_credit_tx_row, -1, out, NULL, err, "ledger list");
}

/* Count and page in one read transaction, so the total matches the page. */
sb_store_status_t sb_sqlite_ledger_list(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                        int offset, int limit, apr_array_header_t **out,
                                        int64_t *total, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    apr_array_header_t *rows;
    sb_store_status_t st;
    int64_t count = 0;

    if (offset < 0) {
        offset = 0;
    }
    if (limit < 0) {
        limit = 0;
    }
    rows = apr_array_make(p, limit > 0 && limit < 100 ? limit : 16, sizeof(sb_credit_tx_t));
    *out = NULL;
    if ((st = sb_sqlite_begin_read(sc, err)) != SB_STORE_OK) {
        return st;
    }
    st = sb_sqlite_ints(sc, SQL_LEDGER_COUNT, user_id, &count, 1, err);
    if (st == SB_STORE_OK && limit > 0) {
        st = sb_sqlite_ledger_page(sc, p, user_id, offset, limit, rows, err);
    }
    st = sb_sqlite_end(sc, st, err);
    if (st == SB_STORE_OK) {
        *out = rows;
        if (total) {
            *total = count;
        }
    }
    return st;
}

/* All four aggregates from one snapshot (a read transaction). */
sb_store_status_t sb_sqlite_ledger_audit(sb_store_conn_t *c, sb_ledger_audit_t *out,
                                         sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_ledger_audit_t a = {0};
    sb_store_status_t st;
    int64_t sums[3] = {0, 0, 0};

    if ((st = sb_sqlite_begin_read(sc, err)) != SB_STORE_OK) {
        return st;
    }
    st = sb_sqlite_ints(sc, SQL_AUDIT_BALANCES, NULL, &a.balances, 1, err);
    if (st == SB_STORE_OK) {
        st = sb_sqlite_ints(sc, SQL_AUDIT_ESCROW, NULL, &a.escrow, 1, err);
    }
    if (st == SB_STORE_OK) {
        st = sb_sqlite_ints(sc, SQL_AUDIT_LEDGER, NULL, sums, 3, err);
    }
    if (st == SB_STORE_OK) {
        st = sb_sqlite_ints(sc, SQL_AUDIT_BAD_ROWS, NULL, &a.bad_rows, 1, err);
    }
    if (st == SB_STORE_OK) {
        st = sb_sqlite_ints(sc, SQL_AUDIT_BAD_SUMS, NULL, &a.bad_sums, 1, err);
    }
    if (st == SB_STORE_OK) {
        st = sb_sqlite_ints(sc, SQL_AUDIT_BAD_HOLDS, NULL, &a.bad_holds, 1, err);
    }
    st = sb_sqlite_end(sc, st, err);
    if (st == SB_STORE_OK) {
        a.bonuses = sums[0];
        a.penalties = sums[1];
        a.adjustments = sums[2];
        *out = a;
    }
    return st;
}

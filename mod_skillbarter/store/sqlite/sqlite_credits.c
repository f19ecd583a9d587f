/*
 * SQLite driver: balances, the filtered ledger, rows since an instant, the admin transfer
 * (store_credits.h), and sb_sqlite_move, the one way a session or a transfer changes a
 * balance (sqlite_economy.h).
 */
#include "sqlite_economy.h"

#include <string.h>

#include "sb_id.h"

/* The balance moves only if it stays at or above zero. No RETURNING: SQLite buffers RETURNING
 * rows in an ephemeral b-tree built per execution (an allocation, a zeroed page, its teardown),
 * dearer than reading the balance back by its key from the page the UPDATE just wrote. */
static const char SQL_MOVE_BALANCE[] =
    "UPDATE users SET credits = credits + ?2 WHERE id = ?1 AND credits + ?2 >= 0";
/* The same with the user's totals (earned, spent, minutes taught and learned), so that a
 * settlement changes each participant's row once. */
static const char SQL_MOVE_BALANCE_TOTALS[] =
    "UPDATE users SET credits = credits + ?2, total_earned = total_earned + ?3,"
    " total_spent = total_spent + ?4, minutes_taught = minutes_taught + ?5,"
    " minutes_learned = minutes_learned + ?6 WHERE id = ?1 AND credits + ?2 >= 0";
static const char SQL_MOVE_READ[] = "SELECT credits FROM users WHERE id = ?1";
/* balance_after is the balance the UPDATE above just wrote, read inside the row's own INSERT
 * (one statement less per move than reading it back first). NOT NULL and >= 0 hold for it. */
static const char SQL_MOVE_ROW[] =
    "INSERT INTO credit_transactions (id, user_id, type, amount, balance_after,"
    " related_session, related_user, description, category, status, idem_key, admin_note,"
    " created_at) VALUES (?1, ?2, ?3, ?4, (SELECT credits FROM users WHERE id = ?2),"
    " ?6, ?7, ?8, ?9, 'completed', ?10, ?11, ?12)";
static const char SQL_BALANCE[] =
    "SELECT credits, total_earned, total_spent, minutes_taught, minutes_learned,"
    " (SELECT coalesce(sum(escrow_minutes), 0) FROM sessions WHERE student_id = ?1"
    "  AND (status = 'pending' OR status = 'scheduled' OR status = 'in_progress'))"
    " FROM users WHERE id = ?1";
static const char SQL_TX_COUNT[] =
    "SELECT count(*) FROM credit_transactions WHERE user_id = ?1"
    " AND (?2 IS NULL OR type = ?2) AND (?3 IS NULL OR category = ?3)";
static const char SQL_TX_PAGE[] =
    "SELECT " SB_SQLITE_TX_COLS
    " FROM credit_transactions WHERE user_id = ?1 AND (?2 IS NULL OR type = ?2)"
    " AND (?3 IS NULL OR category = ?3) ORDER BY created_at DESC, seq DESC"
    " LIMIT ?4 OFFSET ?5";
static const char SQL_TX_SINCE[] =
    "SELECT " SB_SQLITE_TX_COLS " FROM credit_transactions WHERE user_id = ?1 AND created_at >= ?2"
    " ORDER BY seq";
static const char SQL_USER_EXISTS[] = "SELECT 1 FROM users WHERE id = ?1";

sb_store_status_t sb_sqlite_move_totals(sb_sqlite_conn_t *sc, const sb_sqlite_move_t *m,
                                        const int64_t *totals, int64_t now, int64_t *balance_after,
                                        sb_store_error_t *err)
{
    sqlite3_stmt *q =
        sb_sqlite_prepare(sc, totals ? SQL_MOVE_BALANCE_TOTALS : SQL_MOVE_BALANCE, err);
    char id[SB_ID_LEN + 1];
    int rc, i, changed;

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, m->user_id);
    sqlite3_bind_int64(q, 2, m->amount);
    for (i = 0; totals && i < 4; i++) {
        sqlite3_bind_int64(q, 3 + i, totals[i]);
    }
    if ((rc = sb_sqlite_step(sc, q, err, "balance")) < 0) {
        return err->status;
    }
    changed = sqlite3_changes(sc->db);
    sb_sqlite_done(q);
    if (changed != 1) {
        return sb_store_fail(err, SB_STORE_INSUFFICIENT, "credits", "balance too low");
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_MOVE_ROW, err))) {
        return err->status;
    }
    sb_id_new(id);
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, m->user_id);
    sb_sqlite_bind_text(q, 3, m->type);
    sqlite3_bind_int64(q, 4, m->amount);
    sb_sqlite_bind_text(q, 6, m->related_session);
    sb_sqlite_bind_text(q, 7, m->related_user);
    sb_sqlite_bind_text(q, 8, m->description);
    sb_sqlite_bind_text(q, 9, m->category);
    sb_sqlite_bind_text(q, 10, m->idem_key);
    sb_sqlite_bind_text(q, 11, m->admin_note);
    sqlite3_bind_int64(q, 12, now);
    if (sb_sqlite_exec_stmt(sc, q, err, "ledger row") != SB_STORE_OK) {
        if (err->status == SB_STORE_CONFLICT) {
            err->field = "idempotency";
        }
        return err->status;
    }
    if (!balance_after) {
        return SB_STORE_OK;
    }
    /* the balance as just written, inside the same transaction */
    if (!(q = sb_sqlite_prepare(sc, SQL_MOVE_READ, err))) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, m->user_id);
    if ((rc = sb_sqlite_step(sc, q, err, "balance read")) < 0) {
        return err->status;
    }
    if (rc != SQLITE_ROW) {
        sb_sqlite_done(q);
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "balance read: the user is gone");
    }
    *balance_after = sqlite3_column_int64(q, 0);
    sb_sqlite_done(q);
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_move(sb_sqlite_conn_t *sc, const sb_sqlite_move_t *m, int64_t now,
                                 int64_t *balance_after, sb_store_error_t *err)
{
    return sb_sqlite_move_totals(sc, m, NULL, now, balance_after, err);
}

static void row_balance(apr_pool_t *p, sqlite3_stmt *q, void *row)
{
    sb_credit_balance_t *out = row;

    out->available = sqlite3_column_int64(q, 0);
    out->total_earned = sqlite3_column_int64(q, 1);
    out->total_spent = sqlite3_column_int64(q, 2);
    out->minutes_taught = sqlite3_column_int64(q, 3);
    out->minutes_learned = sqlite3_column_int64(q, 4);
    out->held = sqlite3_column_int64(q, 5);
}

sb_store_status_t sb_sqlite_credit_balance(sb_store_conn_t *c, const char *user_id,
                                           sb_credit_balance_t *out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_BALANCE, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    return sb_sqlite_row1(sc, NULL, q, row_balance, out, err, "balance", "no such user");
}

void sb_sqlite_credit_tx_row(apr_pool_t *p, sqlite3_stmt *q, void *row)
{
    sb_credit_tx_t *t = row;

    sb_sqlite_col_id(q, 0, t->id);
    sb_sqlite_col_id(q, 1, t->user_id);
    t->type = sb_sqlite_col_text(p, q, 2);
    t->amount = sqlite3_column_int64(q, 3);
    t->balance_after = sqlite3_column_int64(q, 4);
    t->related_session = sb_sqlite_col_text(p, q, 5);
    t->related_user = sb_sqlite_col_text(p, q, 6);
    t->description = sb_sqlite_col_text(p, q, 7);
    t->category = sb_sqlite_col_text(p, q, 8);
    t->status = sb_sqlite_col_text(p, q, 9);
    t->created_at = sqlite3_column_int64(q, 10);
}

/* Count and page in one read transaction, so the total matches the page. */
sb_store_status_t sb_sqlite_credit_tx_page(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                           const char *type, const char *category, int offset,
                                           int limit, apr_array_header_t **out, int64_t *total,
                                           sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    apr_array_header_t *rows = apr_array_make(p, 16, sizeof(sb_credit_tx_t));
    sb_store_status_t st;
    sqlite3_stmt *q;

    *out = NULL;
    if ((st = sb_sqlite_begin_read(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_TX_COUNT, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sb_sqlite_bind_text(q, 2, type);
    sb_sqlite_bind_text(q, 3, category);
    if ((st = sb_sqlite_int64(sc, q, total, err, "ledger count")) != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_TX_PAGE, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sb_sqlite_bind_text(q, 2, type);
    sb_sqlite_bind_text(q, 3, category);
    sqlite3_bind_int(q, 4, limit < 0 ? 0 : limit);
    sqlite3_bind_int(q, 5, offset < 0 ? 0 : offset);
    if ((st = sb_sqlite_rows(sc, p, q, sb_sqlite_credit_tx_row, -1, rows, NULL, err, "ledger page"))
        != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    st = sb_sqlite_end(sc, SB_STORE_OK, err);
    if (st == SB_STORE_OK) {
        *out = rows;
    }
    return st;
}

sb_store_status_t sb_sqlite_credit_tx_since(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                            int64_t since, apr_array_header_t **out,
                                            sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_TX_SINCE, err);
    apr_array_header_t *rows = apr_array_make(p, 16, sizeof(sb_credit_tx_t));
    sb_store_status_t st;

    *out = NULL;
    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sqlite3_bind_int64(q, 2, since);
    if ((st =
             sb_sqlite_rows(sc, p, q, sb_sqlite_credit_tx_row, -1, rows, NULL, err, "ledger since"))
        == SB_STORE_OK) {
        *out = rows;
    }
    return st;
}

static int user_exists(sb_sqlite_conn_t *sc, const char *id, sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_USER_EXISTS, err);

    if (!q) {
        return -1;
    }
    sb_sqlite_bind_text(q, 1, id);
    return sb_sqlite_yields(sc, q, err, "user exists");
}

sb_store_status_t sb_sqlite_credit_transfer(sb_store_conn_t *c, const char *from_id,
                                            const char *to_id, int64_t amount, const char *reason,
                                            const char *admin_id, int64_t now,
                                            sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_sqlite_move_t out = {from_id, "spent", -amount, NULL,    to_id,
                            reason,  "admin", NULL,    admin_id};
    sb_sqlite_move_t in = {to_id, "earned", amount, NULL, from_id, reason, "admin", NULL, admin_id};
    sb_store_status_t st;
    int r;

    if (amount <= 0) {
        return sb_store_fail(err, SB_STORE_ERROR, "amount", "amount must be positive");
    }
    if (strcmp(from_id, to_id) == 0) {
        return sb_store_fail(err, SB_STORE_CONFLICT, "to", "from and to are the same user");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if ((r = user_exists(sc, from_id, err)) <= 0) {
        return sb_sqlite_end(sc,
                             r < 0 ? err->status
                                   : sb_store_fail(err, SB_STORE_NOT_FOUND, "from", "no such user"),
                             err);
    }
    if ((r = user_exists(sc, to_id, err)) <= 0) {
        return sb_sqlite_end(
            sc, r < 0 ? err->status : sb_store_fail(err, SB_STORE_NOT_FOUND, "to", "no such user"),
            err);
    }
    if ((st = sb_sqlite_move(sc, &out, now, NULL, err)) != SB_STORE_OK) {
        if (st == SB_STORE_INSUFFICIENT) {
            err->field = "amount";
        }
        return sb_sqlite_end(sc, st, err);
    }
    return sb_sqlite_end(sc, sb_sqlite_move(sc, &in, now, NULL, err), err);
}

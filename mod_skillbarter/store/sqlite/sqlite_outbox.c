/*
 * SQLite driver: the outbox. outbox.seq (INTEGER PRIMARY KEY AUTOINCREMENT) is the store-wide
 * position; user_seq, each recipient's own counter, is one more than the recipient's latest
 * event, found by one seek in outbox_user_seq inside the appending transaction, so two
 * writers (any process) serialize on the write lock and can never draw the same number.
 * outbox_heads keeps the number of a recipient's latest pruned event: pruning writes it in
 * the transaction that deletes the rows, so a recipient whose events are all gone goes on
 * from there and numbers are never reused. Appending writes nothing but the event (it used to
 * bump the head too: a second b-tree write per event, inside the write turn).
 */
#include "sqlite_int.h"

/* A recipient's latest number: its newest event's, else its latest pruned one's, else 0. */
#define SQL_USER_HEAD(u)                                                                           \
    "coalesce((SELECT max(user_seq) FROM outbox WHERE user_id = " u "),"                           \
    " (SELECT seq FROM outbox_heads WHERE user_id = " u "), 0)"
static const char SQL_OUTBOX_HEAD[] = "SELECT " SQL_USER_HEAD("?1");
/* No RETURNING (SQLite buffers its rows in an ephemeral b-tree built per execution): the
 * number, when asked for, is read back by the event's position. */
static const char SQL_OUTBOX_INSERT[] =
    "INSERT INTO outbox (user_id, user_seq, type, data, created_at)"
    " VALUES (?1, " SQL_USER_HEAD("?1") " + 1, ?2, ?3, ?4)";
static const char SQL_OUTBOX_SEQ_AT[] = "SELECT user_seq FROM outbox WHERE seq = ?1";
#define OUTBOX_COLS "seq, user_seq, user_id, type, data, created_at"
static const char SQL_OUTBOX_READ[] =
    "SELECT " OUTBOX_COLS " FROM outbox WHERE user_id = ?1 AND user_seq > ?2"
    " ORDER BY user_seq LIMIT ?3";
static const char SQL_OUTBOX_TAIL[] =
    "SELECT " OUTBOX_COLS " FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2";
/* Positions follow commit order and times each writer's clock, so everything before the first
 * event created at or after the cut-off is old: found by walking from the oldest (the rows
 * being deleted anyway), no time index to update on every append. */
static const char SQL_OUTBOX_CUT[] =
    "SELECT coalesce((SELECT seq FROM outbox WHERE created_at >= ?1 ORDER BY seq LIMIT 1),"
    " (SELECT max(seq) + 1 FROM outbox), 0)";
/* The heads of the recipients whose events go, before they go (never moved back). */
static const char SQL_OUTBOX_KEEP_HEADS[] =
    "INSERT INTO outbox_heads (user_id, seq)"
    " SELECT user_id, max(user_seq) FROM outbox WHERE seq < ?1 GROUP BY user_id"
    " ON CONFLICT (user_id) DO UPDATE SET seq = max(seq, excluded.seq)";
static const char SQL_OUTBOX_PRUNE[] = "DELETE FROM outbox WHERE seq < ?1";

/* One integer column of a one-row query, 0 when there is no row. */
static sb_store_status_t one_int(sb_sqlite_conn_t *sc, sqlite3_stmt *q, int64_t *out,
                                 sb_store_error_t *err, const char *what)
{
    int rc = sb_sqlite_step(sc, q, err, what);

    if (rc < 0) {
        return err->status;
    }
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sb_sqlite_done(q);
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_outbox_add(sb_sqlite_conn_t *sc, const char *user_id, const char *type,
                                       const char *data, int64_t now, int64_t *seq,
                                       sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_OUTBOX_INSERT, err);
    int64_t s = 0;

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sb_sqlite_bind_text(q, 2, type);
    sb_sqlite_bind_text(q, 3, data ? data : "{}");
    sqlite3_bind_int64(q, 4, now);
    if (sb_sqlite_exec_stmt(sc, q, err, "outbox append") != SB_STORE_OK) {
        return err->status;
    }
    if (!seq) {
        return SB_STORE_OK;
    }
    /* the number the event took, for a caller that asked */
    if (!(q = sb_sqlite_prepare(sc, SQL_OUTBOX_SEQ_AT, err))) {
        return err->status;
    }
    sqlite3_bind_int64(q, 1, sqlite3_last_insert_rowid(sc->db));
    if (one_int(sc, q, &s, err, "outbox number") != SB_STORE_OK) {
        return err->status;
    }
    if (s <= 0) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "outbox append: no sequence number");
    }
    *seq = s;
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_outbox_add_all(sb_sqlite_conn_t *sc, const sb_outbox_event_t *ev, int n,
                                           int64_t now, sb_store_error_t *err)
{
    int i;

    for (i = 0; i < n; i++) {
        if (sb_sqlite_outbox_add(sc, ev[i].user_id, ev[i].type, ev[i].data, now, NULL, err)
            != SB_STORE_OK) {
            return err->status;
        }
    }
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_outbox_append(sb_store_conn_t *c, const char *user_id, const char *type,
                                          const char *json_data, int64_t now, int64_t *seq,
                                          sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_store_status_t s = sb_sqlite_begin(sc, err);

    if (s != SB_STORE_OK) {
        return s;
    }
    s = sb_sqlite_outbox_add(sc, user_id, type, json_data, now, seq, err);
    return sb_sqlite_end(sc, s, err);
}

static sb_store_status_t collect_rows(sb_sqlite_conn_t *sc, apr_pool_t *p, sqlite3_stmt *q,
                                      int limit, apr_array_header_t **out, sb_store_error_t *err)
{
    int rc;

    *out = apr_array_make(p, limit > 0 && limit < 256 ? limit : 16, sizeof(sb_outbox_row_t));
    while ((rc = sb_sqlite_step(sc, q, err, "outbox read")) == SQLITE_ROW) {
        sb_outbox_row_t *r = apr_array_push(*out);
        r->pos = sqlite3_column_int64(q, 0);
        r->seq = sqlite3_column_int64(q, 1);
        sb_sqlite_col_id(q, 2, r->user_id);
        r->type = sb_sqlite_col_text(p, q, 3);
        r->data = sb_sqlite_col_text(p, q, 4);
        r->created_at = sqlite3_column_int64(q, 5);
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(q);
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_outbox_read(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                        int64_t after_seq, int limit, apr_array_header_t **out,
                                        sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_OUTBOX_READ, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sqlite3_bind_int64(q, 2, after_seq);
    sqlite3_bind_int(q, 3, limit);
    return collect_rows(sc, p, q, limit, out, err);
}

sb_store_status_t sb_sqlite_outbox_tail(sb_store_conn_t *c, apr_pool_t *p, int64_t after_pos,
                                        int limit, apr_array_header_t **out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_OUTBOX_TAIL, err);

    if (!q) {
        return err->status;
    }
    sqlite3_bind_int64(q, 1, after_pos);
    sqlite3_bind_int(q, 2, limit);
    return collect_rows(sc, p, q, limit, out, err);
}

/* Runs one of the prune's statements with the cut-off position bound. */
static sb_store_status_t prune_step(sb_sqlite_conn_t *sc, const char *sql, int64_t cut,
                                    sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, sql, err);

    if (!q) {
        return err->status;
    }
    sqlite3_bind_int64(q, 1, cut);
    return sb_sqlite_exec_stmt(sc, q, err, "outbox prune");
}

sb_store_status_t sb_sqlite_outbox_prune(sb_store_conn_t *c, int64_t before, int64_t *removed,
                                         sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_store_status_t s = sb_sqlite_begin(sc, err);
    sqlite3_stmt *q;
    int64_t cut = 0, n = 0;

    if (s != SB_STORE_OK) {
        return s;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_OUTBOX_CUT, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sqlite3_bind_int64(q, 1, before);
    if (one_int(sc, q, &cut, err, "outbox prune") != SB_STORE_OK) {
        return sb_sqlite_end(sc, err->status, err);
    }
    if ((s = prune_step(sc, SQL_OUTBOX_KEEP_HEADS, cut, err)) == SB_STORE_OK
        && (s = prune_step(sc, SQL_OUTBOX_PRUNE, cut, err)) == SB_STORE_OK) {
        n = sqlite3_changes64(sc->db);
    }
    if ((s = sb_sqlite_end(sc, s, err)) == SB_STORE_OK && removed) {
        *removed = n;
    }
    return s;
}

static const char SQL_OUTBOX_LAST_POS[] = "SELECT coalesce(max(seq), 0) FROM outbox";

sb_store_status_t sb_sqlite_outbox_head(sb_store_conn_t *c, const char *user_id, int64_t *seq,
                                        sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_OUTBOX_HEAD, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    return one_int(sc, q, seq, err, "outbox head");
}

sb_store_status_t sb_sqlite_outbox_last_pos(sb_store_conn_t *c, int64_t *pos, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_OUTBOX_LAST_POS, err);

    if (!q) {
        return err->status;
    }
    return one_int(sc, q, pos, err, "outbox last position");
}

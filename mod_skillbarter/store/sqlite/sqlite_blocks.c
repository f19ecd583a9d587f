/*
 * SQLite driver: blocks between users (table user_blocks). message_send and the discovery
 * queries read the same table.
 */
#include "sqlite_int.h"

static const char SQL_BLOCK[] =
    "INSERT INTO user_blocks (blocker_id, blocked_id, created_at) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (blocker_id, blocked_id) DO NOTHING";
static const char SQL_UNBLOCK[] =
    "DELETE FROM user_blocks WHERE blocker_id = ?1 AND blocked_id = ?2";
static const char SQL_BLOCKS_LIST[] =
    "SELECT " SB_SQLITE_CARD_COLS " FROM user_blocks b JOIN users u ON u.id = b.blocked_id"
    " WHERE b.blocker_id = ?1 ORDER BY b.created_at DESC, b.blocked_id DESC";

sb_store_status_t sb_sqlite_user_block(sb_store_conn_t *c, const char *blocker_id,
                                       const char *blocked_id, int64_t now, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_BLOCK, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, blocker_id);
    sb_sqlite_bind_text(q, 2, blocked_id);
    sqlite3_bind_int64(q, 3, now);
    /* an unknown id fails the foreign key: NOT_FOUND */
    return sb_sqlite_exec_stmt(sc, q, err, "block");
}

sb_store_status_t sb_sqlite_user_unblock(sb_store_conn_t *c, const char *blocker_id,
                                         const char *blocked_id, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_UNBLOCK, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, blocker_id);
    sb_sqlite_bind_text(q, 2, blocked_id);
    return sb_sqlite_exec_one(sc, q, err, "unblock");
}

sb_store_status_t sb_sqlite_blocks_list(sb_store_conn_t *c, apr_pool_t *p, const char *blocker_id,
                                        apr_array_header_t **out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_BLOCKS_LIST, err);
    int rc;

    *out = apr_array_make(p, 8, sizeof(sb_user_card_t));
    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, blocker_id);
    while ((rc = sb_sqlite_step(sc, q, err, "blocks")) == SQLITE_ROW) {
        sb_sqlite_row_card(p, q, 0, *out);
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(q);
    return SB_STORE_OK;
}

static const char SQL_BLOCKED_BETWEEN[] =
    "SELECT 1 FROM user_blocks WHERE (blocker_id = ?1 AND blocked_id = ?2)"
    " OR (blocker_id = ?2 AND blocked_id = ?1) LIMIT 1";

sb_store_status_t sb_sqlite_blocked_between(sb_store_conn_t *c, const char *a, const char *b,
                                            int *blocked, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_BLOCKED_BETWEEN, err);
    int rc;

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, a);
    sb_sqlite_bind_text(q, 2, b);
    if ((rc = sb_sqlite_step(sc, q, err, "blocked between")) < 0) {
        return err->status;
    }
    *blocked = rc == SQLITE_ROW;
    sb_sqlite_done(q);
    return SB_STORE_OK;
}

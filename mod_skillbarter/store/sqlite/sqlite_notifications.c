/*
 * SQLite driver: notifications (keyset pages over (created_at, id), read marks). Rows are
 * created by sb_sqlite_notification_add (sqlite_messages.c) with their outbox event.
 */
#include "sqlite_int.h"

#include <string.h>

#define NOTIF_COLS                                                                                 \
    "id, user_id, type, title, body, link, data, subject_id, is_read, read_at, created_at"

static const char SQL_NOTIF_FIRST[] = "SELECT " NOTIF_COLS " FROM notifications WHERE user_id = ?1"
                                      " ORDER BY created_at DESC, id DESC LIMIT ?2";
static const char SQL_NOTIF_AFTER[] =
    "SELECT " NOTIF_COLS " FROM notifications WHERE user_id = ?1"
    " AND (created_at, id) < (?3, ?4) ORDER BY created_at DESC, id DESC LIMIT ?2";
static const char SQL_NOTIF_UNREAD[] =
    "SELECT count(*) FROM notifications WHERE user_id = ?1 AND is_read = 0";
static const char SQL_NOTIF_READ[] =
    "UPDATE notifications SET is_read = 1, read_at = coalesce(read_at, ?3)"
    " WHERE id = ?1 AND user_id = ?2 RETURNING " NOTIF_COLS;
static const char SQL_NOTIF_READ_ALL[] =
    "UPDATE notifications SET is_read = 1, read_at = ?2 WHERE user_id = ?1 AND is_read = 0";

static void row_notification(apr_pool_t *p, sqlite3_stmt *q, sb_notification_t *n)
{
    memset(n, 0, sizeof *n);
    sb_sqlite_col_id(q, 0, n->id);
    sb_sqlite_col_id(q, 1, n->user_id);
    n->type = sb_sqlite_col_text(p, q, 2);
    n->title = sb_sqlite_col_text(p, q, 3);
    n->body = sb_sqlite_col_text(p, q, 4);
    n->link = sb_sqlite_col_text(p, q, 5);
    n->data = sb_sqlite_col_text(p, q, 6);
    n->subject_id = sb_sqlite_col_text(p, q, 7);
    n->is_read = sqlite3_column_int(q, 8);
    n->read_at = sqlite3_column_int64(q, 9);
    n->created_at = sqlite3_column_int64(q, 10);
}

sb_store_status_t sb_sqlite_notification_create(sb_store_conn_t *c, const sb_notification_new_t *n,
                                                int64_t now, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_store_status_t s = sb_sqlite_begin(sc, err);

    if (s != SB_STORE_OK) {
        return s;
    }
    s = sb_sqlite_notification_add(sc, n, now, err);
    return sb_sqlite_end(sc, s, err);
}

sb_store_status_t sb_sqlite_notifications_list(sb_store_conn_t *c, apr_pool_t *p,
                                               const char *user_id, int64_t after_created_at,
                                               const char *after_id, int limit,
                                               apr_array_header_t **out, int *has_more,
                                               int64_t *unread, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_store_status_t s;
    sqlite3_stmt *q;
    int rc;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_notification_t));
    *has_more = 0;
    *unread = 0;
    if ((s = sb_sqlite_begin_read(sc, err)) != SB_STORE_OK) {
        return s;
    }
    if (!(q = sb_sqlite_prepare(sc, after_id ? SQL_NOTIF_AFTER : SQL_NOTIF_FIRST, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sqlite3_bind_int(q, 2, limit + 1);
    if (after_id) {
        sqlite3_bind_int64(q, 3, after_created_at);
        sb_sqlite_bind_text(q, 4, after_id);
    }
    while ((rc = sb_sqlite_step(sc, q, err, "notifications")) == SQLITE_ROW) {
        if ((*out)->nelts == limit) {
            *has_more = 1;
            break;
        }
        row_notification(p, q, apr_array_push(*out));
    }
    if (rc < 0) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_done(q);
    if (!(q = sb_sqlite_prepare(sc, SQL_NOTIF_UNREAD, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, user_id);
    if ((rc = sb_sqlite_step(sc, q, err, "notifications unread")) < 0) {
        return sb_sqlite_end(sc, err->status, err);
    }
    *unread = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sb_sqlite_done(q);
    return sb_sqlite_end(sc, SB_STORE_OK, err);
}

sb_store_status_t sb_sqlite_notification_mark_read(sb_store_conn_t *c, apr_pool_t *p,
                                                   const char *user_id, const char *id, int64_t now,
                                                   sb_notification_t **out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_NOTIF_READ, err);
    sb_notification_t *n = NULL;
    int rc;

    if (out) {
        *out = NULL;
    }
    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, user_id);
    sqlite3_bind_int64(q, 3, now);
    if ((rc = sb_sqlite_step(sc, q, err, "notification read")) < 0) {
        return err->status;
    }
    if (rc == SQLITE_ROW) {
        n = apr_palloc(p, sizeof *n);
        row_notification(p, q, n);
    }
    if (sb_sqlite_exec_stmt(sc, q, err, "notification read") != SB_STORE_OK) {
        return err->status;
    }
    if (!n) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such notification");
    }
    if (out) {
        *out = n;
    }
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_notifications_mark_all_read(sb_store_conn_t *c, const char *user_id,
                                                        int64_t now, int64_t *count,
                                                        sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_NOTIF_READ_ALL, err);

    *count = 0;
    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sqlite3_bind_int64(q, 2, now);
    if (sb_sqlite_exec_stmt(sc, q, err, "notifications read all") != SB_STORE_OK) {
        return err->status;
    }
    *count = sqlite3_changes64(sc->db);
    return SB_STORE_OK;
}

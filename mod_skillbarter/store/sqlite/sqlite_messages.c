/*
 * SQLite driver: messages and the conversation summaries. A conversation is identified by
 * messages.pair (both ids, ascending, concatenated; a generated column), so one index
 * serves both directions in (created_at, id) order. The summaries (table conversations, a
 * row per side) change in the same transaction as the message they describe.
 */
#include "sqlite_int.h"

#include <string.h>
#include <apr_strings.h>

#define MSG_COLS_OF SB_SQLITE_MSG_COLS_OF
#define MSG_NCOLS   SB_SQLITE_MSG_NCOLS

static const char SQL_MESSAGE_INSERT[] =
    "INSERT INTO messages (id, sender_id, receiver_id, content, message_type, reply_to,"
    " is_read, read_at, is_deleted, deleted_at, deleted_by, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
/* The newer of the stored and the new last message wins; unread adds up. */
static const char SQL_SUMMARY_UPSERT[] =
    "INSERT INTO conversations (user_id, partner_id, last_message_id, last_at, unread,"
    " partner_hidden) VALUES (?1, ?2, ?3, ?4, ?5,"
    " coalesce((SELECT is_active = 0 OR is_banned = 1 FROM users WHERE id = ?2), 0))"
    " ON CONFLICT (user_id, partner_id) DO UPDATE SET"
    " last_message_id = CASE WHEN last_message_id IS NULL"
    "  OR (excluded.last_at, excluded.last_message_id) > (last_at, last_message_id)"
    "  THEN excluded.last_message_id ELSE last_message_id END,"
    " last_at = CASE WHEN last_message_id IS NULL"
    "  OR (excluded.last_at, excluded.last_message_id) > (last_at, last_message_id)"
    "  THEN excluded.last_at ELSE last_at END,"
    " unread = unread + excluded.unread";
/* The same change to a summary that exists (every message after a conversation's first): an
 * UPDATE by its key, without the upsert's insert attempt and the partner's row it reads for
 * partner_hidden. The SET expressions see the row as it was, as the upsert's do. */
static const char SQL_SUMMARY_MOVE[] =
    "UPDATE conversations SET"
    " last_message_id = CASE WHEN last_message_id IS NULL OR (?4, ?3) > (last_at, last_message_id)"
    "  THEN ?3 ELSE last_message_id END,"
    " last_at = CASE WHEN last_message_id IS NULL OR (?4, ?3) > (last_at, last_message_id)"
    "  THEN ?4 ELSE last_at END,"
    " unread = unread + ?5 WHERE user_id = ?1 AND partner_id = ?2";
static const char SQL_NOTIFICATION_INSERT[] =
    "INSERT INTO notifications (id, user_id, type, title, body, link, data, subject_id,"
    " created_at) VALUES (?1, ?2, ?3, ?4, coalesce(?5, ''), ?6, coalesce(?7, '{}'), ?8, ?9)";
static const char SQL_MESSAGE_GET[] = "SELECT " MSG_COLS_OF("") " FROM messages WHERE id = ?1";
static const char SQL_PAGE_FIRST[] =
    "SELECT " MSG_COLS_OF("") " FROM messages WHERE pair = ?1 AND is_deleted = 0"
                              " ORDER BY created_at DESC, id DESC LIMIT ?2";
static const char SQL_PAGE_AFTER[] = "SELECT " MSG_COLS_OF(
    "") " FROM messages WHERE pair = ?1 AND is_deleted = 0"
        " AND (created_at, id) < (?3, ?4) ORDER BY created_at DESC, id DESC LIMIT ?2";
static const char SQL_MARK_READ[] =
    "UPDATE messages SET is_read = 1, read_at = ?3, updated_at = ?3"
    " WHERE id = ?1 AND receiver_id = ?2 AND is_deleted = 0 AND is_read = 0"
    " RETURNING sender_id";
static const char SQL_RECEIVED_LIVE[] =
    "SELECT 1 FROM messages WHERE id = ?1 AND receiver_id = ?2 AND is_deleted = 0";
static const char SQL_UNREAD_MINUS_ONE[] =
    "UPDATE conversations SET unread = max(unread - 1, 0) WHERE user_id = ?1 AND partner_id = ?2";
static const char SQL_MARK_CONVERSATION[] =
    "UPDATE messages SET is_read = 1, read_at = ?3, updated_at = ?3"
    " WHERE pair = ?4 AND receiver_id = ?1 AND sender_id = ?2 AND is_read = 0"
    " AND is_deleted = 0 AND created_at <= ?3";
static const char SQL_UNREAD_RECOUNT[] =
    "UPDATE conversations SET unread = (SELECT count(*) FROM messages WHERE pair = ?3"
    " AND receiver_id = ?1 AND is_read = 0 AND is_deleted = 0)"
    " WHERE user_id = ?1 AND partner_id = ?2";
static const char SQL_NOTIFICATIONS_ABOUT_READ[] =
    "UPDATE notifications SET is_read = 1, read_at = ?3"
    " WHERE user_id = ?1 AND subject_id = ?2 AND is_read = 0";
static const char SQL_DELETE[] =
    "UPDATE messages SET is_deleted = 1, deleted_at = ?3, deleted_by = ?2, updated_at = ?3"
    " WHERE id = ?1 AND sender_id = ?2 AND is_deleted = 0 RETURNING receiver_id, is_read";
/* Both sides whose last message was ?1 move to the newest one left in pair ?2. */
static const char SQL_SUMMARY_RELAST[] =
    "UPDATE conversations SET"
    " last_at = coalesce((SELECT m.created_at FROM messages m WHERE m.pair = ?2"
    "  AND m.is_deleted = 0 ORDER BY m.created_at DESC, m.id DESC LIMIT 1), last_at),"
    " last_message_id = (SELECT m.id FROM messages m WHERE m.pair = ?2"
    "  AND m.is_deleted = 0 ORDER BY m.created_at DESC, m.id DESC LIMIT 1)"
    " WHERE last_message_id = ?1 AND user_id IN (?3, ?4) AND partner_id IN (?3, ?4)";

#define PAIR_LEN SB_SQLITE_PAIR_LEN

const char *sb_sqlite_pair(char *buf, const char *a, const char *b)
{
    apr_snprintf(buf, PAIR_LEN, "%s%s", strcmp(a, b) < 0 ? a : b, strcmp(a, b) < 0 ? b : a);
    return buf;
}

void sb_sqlite_row_message(apr_pool_t *p, sqlite3_stmt *q, int c0, sb_message_t *m)
{
    memset(m, 0, sizeof *m);
    sb_sqlite_col_id(q, c0, m->id);
    sb_sqlite_col_id(q, c0 + 1, m->sender_id);
    sb_sqlite_col_id(q, c0 + 2, m->receiver_id);
    m->content = sb_sqlite_col_text(p, q, c0 + 3);
    m->message_type = sb_sqlite_col_text(p, q, c0 + 4);
    m->is_read = sqlite3_column_int(q, c0 + 5);
    m->read_at = sqlite3_column_int64(q, c0 + 6);
    sb_sqlite_col_id(q, c0 + 7, m->reply_to);
    m->is_deleted = sqlite3_column_int(q, c0 + 8);
    m->deleted_at = sqlite3_column_int64(q, c0 + 9);
    sb_sqlite_col_id(q, c0 + 10, m->deleted_by);
    m->created_at = sqlite3_column_int64(q, c0 + 11);
    m->updated_at = sqlite3_column_int64(q, c0 + 12);
}

/* Runs one of the summary statements (the same five parameters in the same order). */
static sb_store_status_t summary_exec(sb_sqlite_conn_t *sc, const char *sql, const char *user_id,
                                      const char *partner_id, const char *message_id, int64_t at,
                                      int unread, sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, sql, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sb_sqlite_bind_text(q, 2, partner_id);
    sb_sqlite_bind_text(q, 3, message_id);
    sqlite3_bind_int64(q, 4, at);
    sqlite3_bind_int(q, 5, unread);
    return sb_sqlite_exec_stmt(sc, q, err, "conversation summary");
}

static sb_store_status_t summary_upsert(sb_sqlite_conn_t *sc, const char *user_id,
                                        const char *partner_id, const char *message_id, int64_t at,
                                        int unread, sb_store_error_t *err)
{
    return summary_exec(sc, SQL_SUMMARY_UPSERT, user_id, partner_id, message_id, at, unread, err);
}

/* summary_upsert for a new message: the UPDATE when the summary exists, else the upsert. */
static sb_store_status_t summary_move(sb_sqlite_conn_t *sc, const char *user_id,
                                      const char *partner_id, const char *message_id, int64_t at,
                                      int unread, sb_store_error_t *err)
{
    if (summary_exec(sc, SQL_SUMMARY_MOVE, user_id, partner_id, message_id, at, unread, err)
        != SB_STORE_OK) {
        return err->status;
    }
    return sqlite3_changes(sc->db)
               ? SB_STORE_OK
               : summary_upsert(sc, user_id, partner_id, message_id, at, unread, err);
}

sb_store_status_t sb_sqlite_message_insert(sb_sqlite_conn_t *sc, const sb_message_t *m,
                                           sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_MESSAGE_INSERT, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, m->id);
    sb_sqlite_bind_text(q, 2, m->sender_id);
    sb_sqlite_bind_text(q, 3, m->receiver_id);
    sb_sqlite_bind_text(q, 4, m->content);
    sb_sqlite_bind_text(q, 5, m->message_type ? m->message_type : "text");
    sb_sqlite_bind_text(q, 6, m->reply_to[0] ? m->reply_to : NULL);
    sqlite3_bind_int(q, 7, m->is_read);
    if (m->read_at) {
        sqlite3_bind_int64(q, 8, m->read_at);
    }
    sqlite3_bind_int(q, 9, m->is_deleted);
    if (m->deleted_at) {
        sqlite3_bind_int64(q, 10, m->deleted_at);
    }
    sb_sqlite_bind_text(q, 11, m->deleted_by[0] ? m->deleted_by : NULL);
    sqlite3_bind_int64(q, 12, m->created_at);
    sqlite3_bind_int64(q, 13, m->updated_at ? m->updated_at : m->created_at);
    return sb_sqlite_exec_stmt(sc, q, err, "message insert");
}

sb_store_status_t sb_sqlite_notification_add(sb_sqlite_conn_t *sc, const sb_notification_new_t *n,
                                             int64_t now, sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_NOTIFICATION_INSERT, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, n->id);
    sb_sqlite_bind_text(q, 2, n->user_id);
    sb_sqlite_bind_text(q, 3, n->type);
    sb_sqlite_bind_text(q, 4, n->title);
    sb_sqlite_bind_text(q, 5, n->body);
    sb_sqlite_bind_text(q, 6, n->link);
    sb_sqlite_bind_text(q, 7, n->data);
    sb_sqlite_bind_text(q, 8, n->subject_id);
    sqlite3_bind_int64(q, 9, now);
    if (sb_sqlite_exec_stmt(sc, q, err, "notification insert") != SB_STORE_OK) {
        return err->status;
    }
    return sb_sqlite_outbox_add(sc, n->user_id, "notification:new", n->event_data, now, NULL, err);
}

sb_store_status_t sb_sqlite_message_get(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                        sb_message_t **out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_MESSAGE_GET, err);
    int rc;

    *out = NULL;
    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    if ((rc = sb_sqlite_step(sc, q, err, "message get")) < 0) {
        return err->status;
    }
    if (rc == SQLITE_ROW) {
        *out = apr_palloc(p, sizeof **out);
        sb_sqlite_row_message(p, q, 0, *out);
    }
    sb_sqlite_done(q);
    if (*out) { /* a session request carries its session */
        return sb_sqlite_message_sessions(sc, p, *out, 1, err);
    }
    return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such message");
}

sb_store_status_t sb_sqlite_conversation_page(sb_store_conn_t *c, apr_pool_t *p,
                                              const char *user_id, const char *partner_id,
                                              int64_t after_created_at, const char *after_id,
                                              int limit, apr_array_header_t **out, int *has_more,
                                              sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, after_id ? SQL_PAGE_AFTER : SQL_PAGE_FIRST, err);
    char pair[PAIR_LEN];
    int rc;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_message_t));
    *has_more = 0;
    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, sb_sqlite_pair(pair, user_id, partner_id));
    sqlite3_bind_int(q, 2, limit + 1);
    if (after_id) {
        sqlite3_bind_int64(q, 3, after_created_at);
        sb_sqlite_bind_text(q, 4, after_id);
    }
    while ((rc = sb_sqlite_step(sc, q, err, "conversation page")) == SQLITE_ROW) {
        if ((*out)->nelts == limit) {
            *has_more = 1;
            break;
        }
        sb_sqlite_row_message(p, q, 0, apr_array_push(*out));
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(q);
    /* session requests carry their sessions */
    return sb_sqlite_message_sessions(sc, p, (sb_message_t *)(*out)->elts, (*out)->nelts, err);
}

sb_store_status_t sb_sqlite_message_mark_read(sb_store_conn_t *c, const char *id,
                                              const char *reader_id, int64_t now,
                                              const sb_outbox_event_t *events, int nevents,
                                              int *changed, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    char sender[SB_ID_LEN + 1] = "";
    sb_store_status_t s;
    sqlite3_stmt *q;
    int rc, r;

    *changed = 0;
    if ((s = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return s;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_MARK_READ, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, reader_id);
    sqlite3_bind_int64(q, 3, now);
    if ((rc = sb_sqlite_step(sc, q, err, "mark read")) < 0) {
        return sb_sqlite_end(sc, err->status, err);
    }
    if (rc == SQLITE_ROW) {
        sb_sqlite_col_id(q, 0, sender);
    }
    if (sb_sqlite_exec_stmt(sc, q, err, "mark read") != SB_STORE_OK) {
        return sb_sqlite_end(sc, err->status, err);
    }
    if (!sender[0]) {
        /* nothing changed: already read (fine) or not the reader's message (not found) */
        if (!(q = sb_sqlite_prepare(sc, SQL_RECEIVED_LIVE, err))) {
            return sb_sqlite_end(sc, err->status, err);
        }
        sb_sqlite_bind_text(q, 1, id);
        sb_sqlite_bind_text(q, 2, reader_id);
        r = sb_sqlite_has_row(sc, q, err, "received");
        s = r < 0 ? err->status
            : r   ? SB_STORE_OK
                  : sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such message");
        return sb_sqlite_end(sc, s, err);
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_UNREAD_MINUS_ONE, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, reader_id);
    sb_sqlite_bind_text(q, 2, sender);
    if ((s = sb_sqlite_exec_stmt(sc, q, err, "unread")) == SB_STORE_OK) {
        s = sb_sqlite_outbox_add_all(sc, events, nevents, now, err);
    }
    if ((s = sb_sqlite_end(sc, s, err)) == SB_STORE_OK) {
        *changed = 1;
    }
    return s;
}

sb_store_status_t sb_sqlite_conversation_mark_read(sb_store_conn_t *c, const char *reader_id,
                                                   const char *partner_id, int64_t now,
                                                   const sb_outbox_event_t *events, int nevents,
                                                   int64_t *count, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    char pair[PAIR_LEN];
    sb_store_status_t s;
    sqlite3_stmt *q;
    int64_t n = 0;

    *count = 0;
    sb_sqlite_pair(pair, reader_id, partner_id);
    if ((s = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return s;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_MARK_CONVERSATION, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, reader_id);
    sb_sqlite_bind_text(q, 2, partner_id);
    sqlite3_bind_int64(q, 3, now);
    sb_sqlite_bind_text(q, 4, pair);
    if ((s = sb_sqlite_exec_stmt(sc, q, err, "mark conversation")) != SB_STORE_OK) {
        return sb_sqlite_end(sc, s, err);
    }
    n = sqlite3_changes64(sc->db);
    if (!(q = sb_sqlite_prepare(sc, SQL_UNREAD_RECOUNT, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, reader_id);
    sb_sqlite_bind_text(q, 2, partner_id);
    sb_sqlite_bind_text(q, 3, pair);
    if ((s = sb_sqlite_exec_stmt(sc, q, err, "unread recount")) != SB_STORE_OK) {
        return sb_sqlite_end(sc, s, err);
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_NOTIFICATIONS_ABOUT_READ, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, reader_id);
    sb_sqlite_bind_text(q, 2, partner_id);
    sqlite3_bind_int64(q, 3, now);
    s = sb_sqlite_exec_stmt(sc, q, err, "notifications read");
    if (s == SB_STORE_OK && n > 0) {
        s = sb_sqlite_outbox_add_all(sc, events, nevents, now, err);
    }
    if ((s = sb_sqlite_end(sc, s, err)) == SB_STORE_OK) {
        *count = n;
    }
    return s;
}

sb_store_status_t sb_sqlite_message_delete(sb_store_conn_t *c, const char *id,
                                           const char *sender_id, int64_t now,
                                           const sb_outbox_event_t *events, int nevents,
                                           sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    char receiver[SB_ID_LEN + 1] = "", pair[PAIR_LEN];
    sb_store_status_t s;
    sqlite3_stmt *q;
    int rc, was_read = 1;

    if ((s = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return s;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_DELETE, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, sender_id);
    sqlite3_bind_int64(q, 3, now);
    if ((rc = sb_sqlite_step(sc, q, err, "message delete")) < 0) {
        return sb_sqlite_end(sc, err->status, err);
    }
    if (rc == SQLITE_ROW) {
        sb_sqlite_col_id(q, 0, receiver);
        was_read = sqlite3_column_int(q, 1);
    }
    if (sb_sqlite_exec_stmt(sc, q, err, "message delete") != SB_STORE_OK) {
        return sb_sqlite_end(sc, err->status, err);
    }
    if (!receiver[0]) {
        return sb_sqlite_end(sc, sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such message"),
                             err);
    }
    if (!was_read) {
        if (!(q = sb_sqlite_prepare(sc, SQL_UNREAD_MINUS_ONE, err))) {
            return sb_sqlite_end(sc, err->status, err);
        }
        sb_sqlite_bind_text(q, 1, receiver);
        sb_sqlite_bind_text(q, 2, sender_id);
        if ((s = sb_sqlite_exec_stmt(sc, q, err, "unread")) != SB_STORE_OK) {
            return sb_sqlite_end(sc, s, err);
        }
    }
    sb_sqlite_pair(pair, receiver, sender_id);
    if (!(q = sb_sqlite_prepare(sc, SQL_SUMMARY_RELAST, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, pair);
    sb_sqlite_bind_text(q, 3, receiver);
    sb_sqlite_bind_text(q, 4, sender_id);
    if ((s = sb_sqlite_exec_stmt(sc, q, err, "summary")) == SB_STORE_OK) {
        s = sb_sqlite_outbox_add_all(sc, events, nevents, now, err);
    }
    return sb_sqlite_end(sc, s, err);
}

sb_store_status_t sb_sqlite_messages_bulk_insert(sb_store_conn_t *c, const sb_message_t *msgs,
                                                 int n, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_store_status_t s = sb_sqlite_begin(sc, err);
    int i;

    for (i = 0; s == SB_STORE_OK && i < n; i++) {
        const sb_message_t *m = &msgs[i];
        s = sb_sqlite_message_insert(sc, m, err);
        if (s == SB_STORE_OK && !m->is_deleted) {
            s = summary_upsert(sc, m->sender_id, m->receiver_id, m->id, m->created_at, 0, err);
            if (s == SB_STORE_OK) {
                s = summary_upsert(sc, m->receiver_id, m->sender_id, m->id, m->created_at,
                                   !m->is_read, err);
            }
        }
    }
    return sb_sqlite_end(sc, s, err);
}

sb_store_status_t sb_sqlite_message_summaries(sb_sqlite_conn_t *sc, const char *sender_id,
                                              const char *receiver_id, const char *message_id,
                                              int64_t now, sb_store_error_t *err)
{
    sb_store_status_t s = summary_move(sc, sender_id, receiver_id, message_id, now, 0, err);

    return s == SB_STORE_OK ? summary_move(sc, receiver_id, sender_id, message_id, now, 1, err) : s;
}

static const char SQL_CONVERSATION_PARTNERS[] =
    "SELECT v.partner_id FROM conversations v WHERE v.user_id = ?1"
    " AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE (b.blocker_id = ?1"
    " AND b.blocked_id = v.partner_id) OR (b.blocker_id = v.partner_id AND b.blocked_id = ?1))"
    " ORDER BY v.last_at DESC, v.partner_id DESC LIMIT ?2";

sb_store_status_t sb_sqlite_conversation_partners(sb_store_conn_t *c, apr_pool_t *p,
                                                  const char *user_id, int limit,
                                                  apr_array_header_t **out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_CONVERSATION_PARTNERS, err);
    int rc;

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sqlite3_bind_int(q, 2, limit);
    *out = apr_array_make(p, 16, sizeof(const char *));
    while ((rc = sb_sqlite_step(sc, q, err, "conversation partners")) == SQLITE_ROW) {
        APR_ARRAY_PUSH(*out, const char *) = sb_sqlite_col_text(p, q, 0);
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(q);
    return SB_STORE_OK;
}

/*
 * SQLite driver: sessions, their holds and settlement, reminders, disputes and reviews
 * (store_sessions.h). Every change runs in one write transaction (BEGIN IMMEDIATE): the
 * session is read, core's rules decide, and one UPDATE writes it back guarded by the status
 * and updated_at read (the compare-and-set), with the ledger rows keyed by the transition.
 */
#include "sqlite_economy.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_session_rules.h"

#define SB_MIN_MS 60000LL
#define SB_DAY_MS (24LL * 3600 * 1000)

#define SB_SESSION_COLS                                                                            \
    "id, teacher_id, student_id, skill, category, description, scheduled_time, duration,"          \
    " actual_duration, status, escrow_minutes, room_id, started_at, ended_at,"                     \
    " credits_exchanged, teacher_notes, student_notes, cancelled_by, cancel_reason,"               \
    " is_disputed, dispute_reason, disputed_at, dispute_resolved_at, dispute_refund,"              \
    " reminders_sent, proposed_by, teacher_joined_at, student_joined_at, last_presence_at,"        \
    " created_at, updated_at"

#define SB_OPEN_STATUSES "('pending', 'scheduled', 'in_progress')"

static const char SQL_GET[] = "SELECT " SB_SESSION_COLS " FROM sessions WHERE id = ?1";
static const char SQL_TEACHER_VISIBLE[] =
    "SELECT 1 FROM users u WHERE u.id = ?1 AND " SB_SQLITE_VISIBLE("u", "?2");
static const char SQL_BLOCKED[] =
    "SELECT 1 FROM user_blocks WHERE blocker_id = ?1 AND blocked_id = ?2";
/* An open session of either party that overlaps [?3, ?4), other than ?5. */
static const char SQL_OVERLAP[] =
    "SELECT 1 FROM sessions WHERE status IN " SB_OPEN_STATUSES " AND id IS NOT ?5"
    " AND (teacher_id IN (?1, ?2) OR student_id IN (?1, ?2))"
    " AND scheduled_time < ?4 AND scheduled_time + duration * 60000 > ?3 LIMIT 1";
static const char SQL_INSERT[] =
    "INSERT INTO sessions (id, teacher_id, student_id, skill, category, description,"
    " scheduled_time, duration, status, escrow_minutes, room_id, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?8, ?9, ?10, ?10)";
static const char SQL_REQUEST_MESSAGE[] =
    "INSERT INTO messages (id, sender_id, receiver_id, content, message_type, session_id,"
    " session_skill, session_duration, session_proposed_time, session_description,"
    " session_status, created_at, updated_at)"
    " VALUES (?1, ?2, ?3, ?4, 'session_request', ?5, ?6, ?7, ?8, ?9, 'pending', ?10, ?10)";
static const char SQL_MESSAGE_STATUS[] =
    "UPDATE messages SET session_status = ?2, session_proposed_time = ?3, updated_at = ?4"
    " WHERE session_id = ?1 AND message_type = 'session_request'";
/* The compare-and-set: written only if nobody changed the row since it was read. */
static const char SQL_WRITE[] =
    "UPDATE sessions SET status = ?3, scheduled_time = ?4, escrow_minutes = ?5,"
    " started_at = ?6, ended_at = ?7, actual_duration = ?8, credits_exchanged = ?9,"
    " cancelled_by = ?10, cancel_reason = ?11, proposed_by = ?12, teacher_joined_at = ?13,"
    " student_joined_at = ?14, last_presence_at = ?15, reminders_sent = ?16, updated_at = ?17"
    " WHERE id = ?1 AND status = ?2 AND updated_at = ?18";
static const char SQL_TOTALS[] =
    "UPDATE users SET total_earned = total_earned + ?2, total_spent = total_spent + ?3,"
    " minutes_taught = minutes_taught + ?4, minutes_learned = minutes_learned + ?5"
    " WHERE id = ?1";
static const char SQL_EDIT[] =
    "UPDATE sessions SET description = coalesce(?3, description),"
    " teacher_notes = CASE WHEN teacher_id = ?2 THEN coalesce(?4, teacher_notes)"
    "  ELSE teacher_notes END,"
    " student_notes = CASE WHEN student_id = ?2 THEN coalesce(?4, student_notes)"
    "  ELSE student_notes END, updated_at = ?5"
    " WHERE id = ?1 AND (teacher_id = ?2 OR student_id = ?2)";
static const char SQL_PRESENCE[] =
    "UPDATE sessions SET last_presence_at = max(coalesce(last_presence_at, 0), ?3)"
    " WHERE id = ?1 AND status = 'in_progress' AND (teacher_id = ?2 OR student_id = ?2)";
static const char SQL_DISPUTE[] =
    "UPDATE sessions SET is_disputed = 1, dispute_reason = ?2, disputed_at = ?3,"
    " updated_at = ?3 WHERE id = ?1 AND status = 'completed' AND is_disputed = 0";
static const char SQL_RESOLVE[] =
    "UPDATE sessions SET dispute_resolved_at = ?2, dispute_refund = ?3, updated_at = ?2"
    " WHERE id = ?1 AND is_disputed = 1 AND dispute_resolved_at IS NULL";
static const char SQL_DUE[] =
    "SELECT " SB_SESSION_COLS " FROM sessions WHERE"
    " (status = 'pending' AND scheduled_time <= ?1)"
    " OR (status = 'scheduled' AND scheduled_time + 900000 <= ?1)"
    /* the reminder due now (sb_session_reminder_due's bounds) is not recorded yet */
    " OR (status = 'scheduled' AND scheduled_time > ?1 AND scheduled_time <= ?1 + 86400000"
    "  AND NOT EXISTS (SELECT 1 FROM json_each(reminders_sent) WHERE value ="
    "   CASE WHEN scheduled_time - ?1 <= 900000 THEN '15min'"
    "   WHEN scheduled_time - ?1 <= 3600000 THEN '1h' ELSE '24h' END))"
    " OR (status = 'in_progress' AND started_at + duration * 60000 + 900000 <= ?1)"
    " ORDER BY scheduled_time, id LIMIT ?2";
static const char SQL_REMINDER[] =
    "UPDATE sessions SET reminders_sent = json_insert(reminders_sent, '$[#]', ?2)"
    " WHERE id = ?1 AND status = 'scheduled'"
    " AND NOT EXISTS (SELECT 1 FROM json_each(reminders_sent) WHERE value = ?2)";
static const char SQL_REVIEW_INSERT[] =
    "INSERT INTO reviews (id, session_id, reviewer_id, reviewee_id, rating, feedback,"
    " would_recommend, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
/* The mean from the kept sum and count (right-hand sides read the old row). */
static const char SQL_RATING[] =
    "UPDATE users SET rating_sum = rating_sum + ?2, total_reviews = total_reviews + 1,"
    " rating = CAST(rating_sum + ?2 AS REAL) / (total_reviews + 1) WHERE id = ?1";
static const char SQL_REVIEWS_FIRST[] =
    "SELECT r.id, r.session_id, r.reviewee_id, r.rating, r.feedback, r.would_recommend,"
    " r.created_at, s.skill, " SB_SQLITE_CARD_COLS
    " FROM reviews r JOIN sessions s ON s.id = r.session_id JOIN users u ON u.id = r.reviewer_id"
    " WHERE r.reviewee_id = ?1 ORDER BY r.created_at DESC, r.id DESC LIMIT ?2";
static const char SQL_REVIEWS_AFTER[] =
    "SELECT r.id, r.session_id, r.reviewee_id, r.rating, r.feedback, r.would_recommend,"
    " r.created_at, s.skill, " SB_SQLITE_CARD_COLS
    " FROM reviews r JOIN sessions s ON s.id = r.session_id JOIN users u ON u.id = r.reviewer_id"
    " WHERE r.reviewee_id = ?1 AND (r.created_at, r.id) < (?3, ?4)"
    " ORDER BY r.created_at DESC, r.id DESC LIMIT ?2";
static const char SQL_LIST_WHERE[] =
    " FROM sessions WHERE ((teacher_id = ?1 AND ?3 IN (0, 1))"
    " OR (student_id = ?1 AND ?3 IN (0, 2)))"
    " AND (?2 IS NULL OR status = ?2)"
    " AND (?4 = 0 OR (?4 = 1 AND scheduled_time >= ?5) OR (?4 = 2 AND scheduled_time < ?5))";

static int64_t col_ms(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, i);
}

static void bind_ms(sqlite3_stmt *q, int i, int64_t v)
{
    if (v) {
        sqlite3_bind_int64(q, i, v);
    }
    else {
        sqlite3_bind_null(q, i);
    }
}

static void row_session(apr_pool_t *p, sqlite3_stmt *q, sb_session_t *s)
{
    memset(s, 0, sizeof *s);
    sb_sqlite_col_id(q, 0, s->id);
    sb_sqlite_col_id(q, 1, s->teacher_id);
    sb_sqlite_col_id(q, 2, s->student_id);
    s->skill = sb_sqlite_col_text(p, q, 3);
    s->category = sb_sqlite_col_text(p, q, 4);
    s->description = sb_sqlite_col_text(p, q, 5);
    s->scheduled_time = sqlite3_column_int64(q, 6);
    s->duration = sqlite3_column_int64(q, 7);
    s->actual_duration = sqlite3_column_int64(q, 8);
    s->status = sb_sqlite_col_text(p, q, 9);
    s->escrow = sqlite3_column_int64(q, 10);
    s->room_id = sb_sqlite_col_text(p, q, 11);
    s->started_at = col_ms(q, 12);
    s->ended_at = col_ms(q, 13);
    s->credits_exchanged = sqlite3_column_int64(q, 14);
    s->teacher_notes = sb_sqlite_col_text(p, q, 15);
    s->student_notes = sb_sqlite_col_text(p, q, 16);
    sb_sqlite_col_id(q, 17, s->cancelled_by);
    s->cancel_reason = sb_sqlite_col_text(p, q, 18);
    s->is_disputed = sqlite3_column_int(q, 19);
    s->dispute_reason = sb_sqlite_col_text(p, q, 20);
    s->disputed_at = col_ms(q, 21);
    s->dispute_resolved_at = col_ms(q, 22);
    s->dispute_refund = sqlite3_column_int64(q, 23);
    s->reminders_sent = sb_sqlite_col_text(p, q, 24);
    sb_sqlite_col_id(q, 25, s->proposed_by);
    s->teacher_joined_at = col_ms(q, 26);
    s->student_joined_at = col_ms(q, 27);
    s->last_presence_at = col_ms(q, 28);
    s->created_at = sqlite3_column_int64(q, 29);
    s->updated_at = sqlite3_column_int64(q, 30);
}

/* Load one session (OK, NOT_FOUND or the failure). */
static sb_store_status_t load(sb_sqlite_conn_t *sc, apr_pool_t *p, const char *id, sb_session_t *s,
                              sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_GET, err);
    int rc;

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    rc = sb_sqlite_step(sc, q, err, "session get");
    if (rc < 0) {
        return err->status;
    }
    if (rc != SQLITE_ROW) {
        sb_sqlite_done(q);
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such session");
    }
    row_session(p, q, s);
    sb_sqlite_done(q);
    return SB_STORE_OK;
}

/* 1 when the statement (bound by the caller) yields a row, 0 when not, -1 on failure. */
static int yields(sb_sqlite_conn_t *sc, sqlite3_stmt *q, sb_store_error_t *err, const char *what)
{
    int rc = sb_sqlite_step(sc, q, err, what);

    if (rc < 0) {
        return -1;
    }
    sb_sqlite_done(q);
    return rc == SQLITE_ROW;
}

/* CONFLICT "scheduledTime" when [start, start + duration) overlaps an open session of either
 * party other than self. */
static sb_store_status_t check_overlap(sb_sqlite_conn_t *sc, const char *a, const char *b,
                                       int64_t start, int64_t duration, const char *self,
                                       sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_OVERLAP, err);
    int r;

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, a);
    sb_sqlite_bind_text(q, 2, b);
    sqlite3_bind_int64(q, 3, start);
    sqlite3_bind_int64(q, 4, start + duration * SB_MIN_MS);
    sb_sqlite_bind_text(q, 5, self);
    if ((r = yields(sc, q, err, "overlap")) < 0) {
        return err->status;
    }
    return r ? sb_store_fail(err, SB_STORE_CONFLICT, "scheduledTime",
                             "overlaps another session of a participant")
             : SB_STORE_OK;
}

/* Events and the notification of a change, inside its transaction. */
static sb_store_status_t announce(sb_sqlite_conn_t *sc, const sb_outbox_event_t *events,
                                  int nevents, const sb_notification_new_t *notify, int64_t now,
                                  sb_store_error_t *err)
{
    sb_store_status_t st = sb_sqlite_outbox_add_all(sc, events, nevents, now, err);

    if (st == SB_STORE_OK && notify) {
        st = sb_sqlite_notification_add(sc, notify, now, err);
    }
    return st;
}

static const char *key(apr_pool_t *p, const char *session_id, const char *what)
{
    return apr_pstrcat(p, session_id, ":", what, NULL);
}

sb_store_status_t sb_sqlite_session_create(sb_store_conn_t *c, apr_pool_t *p,
                                           const sb_session_new_t *s,
                                           const sb_outbox_event_t *events, int nevents,
                                           const sb_notification_new_t *notify, int64_t now,
                                           sb_session_t **out, int64_t *available,
                                           sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_sqlite_move_t hold = {
        s->student_id, "spent",
        -s->duration,  s->id,
        s->teacher_id, apr_pstrcat(p, "Credits held for session: ", s->skill, NULL),
        "learning",    key(p, s->id, "hold"),
        NULL};
    sb_session_t *row = apr_palloc(p, sizeof *row);
    sb_store_status_t st;
    sqlite3_stmt *q;
    int r;

    if (out) {
        *out = NULL;
    }
    if (!s->id || strlen(s->id) != SB_ID_LEN || !s->teacher_id || !s->student_id
        || !sb_session_duration_valid(s->duration)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "session_create: bad arguments");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_TEACHER_VISIBLE, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, s->teacher_id);
    sqlite3_bind_int64(q, 2, now);
    if ((r = yields(sc, q, err, "teacher")) <= 0) {
        return sb_sqlite_end(
            sc,
            r < 0 ? err->status
                  : sb_store_fail(err, SB_STORE_NOT_FOUND, "teacher", "no such teacher"),
            err);
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_BLOCKED, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, s->teacher_id);
    sb_sqlite_bind_text(q, 2, s->student_id);
    if ((r = yields(sc, q, err, "blocked")) != 0) {
        return sb_sqlite_end(sc,
                             r < 0 ? err->status
                                   : sb_store_fail(err, SB_STORE_REFUSED, "teacher",
                                                   "the teacher does not accept requests"),
                             err);
    }
    if ((st = check_overlap(sc, s->teacher_id, s->student_id, s->scheduled_time, s->duration, NULL,
                            err))
        != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_INSERT, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, s->id);
    sb_sqlite_bind_text(q, 2, s->teacher_id);
    sb_sqlite_bind_text(q, 3, s->student_id);
    sb_sqlite_bind_text(q, 4, s->skill);
    sb_sqlite_bind_text(q, 5, s->category);
    sb_sqlite_bind_text(q, 6, s->description);
    sqlite3_bind_int64(q, 7, s->scheduled_time);
    sqlite3_bind_int64(q, 8, s->duration);
    sb_sqlite_bind_text(q, 9, s->room_id);
    sqlite3_bind_int64(q, 10, now);
    if ((st = sb_sqlite_exec_stmt(sc, q, err, "session insert")) != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    if ((st = sb_sqlite_move(sc, &hold, now, NULL, err)) != SB_STORE_OK) {
        if (st == SB_STORE_INSUFFICIENT && available) {
            sb_credit_balance_t b = {0};
            sb_store_error_t e2;
            if (sb_sqlite_credit_balance(c, s->student_id, &b, &e2) == SB_STORE_OK) {
                *available = b.available;
            }
        }
        return sb_sqlite_end(sc, st, err);
    }
    if (s->message_id) {
        if (!(q = sb_sqlite_prepare(sc, SQL_REQUEST_MESSAGE, err))) {
            return sb_sqlite_end(sc, err->status, err);
        }
        sb_sqlite_bind_text(q, 1, s->message_id);
        sb_sqlite_bind_text(q, 2, s->student_id);
        sb_sqlite_bind_text(q, 3, s->teacher_id);
        sb_sqlite_bind_text(q, 4, s->message_content ? s->message_content : "");
        sb_sqlite_bind_text(q, 5, s->id);
        sb_sqlite_bind_text(q, 6, s->skill);
        sqlite3_bind_int64(q, 7, s->duration);
        sqlite3_bind_int64(q, 8, s->scheduled_time);
        sb_sqlite_bind_text(q, 9, s->description);
        sqlite3_bind_int64(q, 10, now);
        if ((st = sb_sqlite_exec_stmt(sc, q, err, "session request message")) != SB_STORE_OK
            || (st = sb_sqlite_message_summaries(sc, s->student_id, s->teacher_id, s->message_id,
                                                 now, err))
                   != SB_STORE_OK) {
            return sb_sqlite_end(sc, st, err);
        }
    }
    if ((st = announce(sc, events, nevents, notify, now, err)) != SB_STORE_OK
        || (st = load(sc, p, s->id, row, err)) != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    st = sb_sqlite_end(sc, SB_STORE_OK, err);
    if (st == SB_STORE_OK && out) {
        *out = row;
    }
    return st;
}

sb_store_status_t sb_sqlite_session_get(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                        sb_session_t **out, sb_store_error_t *err)
{
    sb_session_t *s = apr_palloc(p, sizeof *s);
    sb_store_status_t st = load(SB_SQLITE(c), p, id, s, err);

    *out = st == SB_STORE_OK ? s : NULL;
    return st;
}

sb_store_status_t sb_sqlite_session_list(sb_store_conn_t *c, apr_pool_t *p,
                                         const sb_session_query_t *f, int offset, int limit,
                                         apr_array_header_t **out, int64_t *total,
                                         sb_store_error_t *err)
{
    static const char *count_sql, *page_sql;
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    apr_array_header_t *rows = apr_array_make(p, 16, sizeof(sb_session_t));
    sb_store_status_t st;
    sqlite3_stmt *q;
    int rc, pass;

    /* built once; the statement cache keys on the pointer */
    if (!page_sql) {
        static char cbuf[1024], pbuf[1536];
        apr_snprintf(cbuf, sizeof cbuf, "SELECT count(*)%s", SQL_LIST_WHERE);
        apr_snprintf(pbuf, sizeof pbuf,
                     "SELECT " SB_SESSION_COLS "%s ORDER BY scheduled_time DESC, id DESC"
                     " LIMIT ?6 OFFSET ?7",
                     SQL_LIST_WHERE);
        count_sql = cbuf;
        page_sql = pbuf;
    }
    *out = NULL;
    if ((st = sb_sqlite_begin_read(sc, err)) != SB_STORE_OK) {
        return st;
    }
    for (pass = 0; pass < 2; pass++) {
        if (!(q = sb_sqlite_prepare(sc, pass ? page_sql : count_sql, err))) {
            return sb_sqlite_end(sc, err->status, err);
        }
        sb_sqlite_bind_text(q, 1, f->user_id);
        sb_sqlite_bind_text(q, 2, f->status);
        sqlite3_bind_int(q, 3, f->role);
        sqlite3_bind_int(q, 4, f->when);
        sqlite3_bind_int64(q, 5, f->now);
        if (pass) {
            sqlite3_bind_int(q, 6, limit < 0 ? 0 : limit);
            sqlite3_bind_int(q, 7, offset < 0 ? 0 : offset);
        }
        while ((rc = sb_sqlite_step(sc, q, err, "session list")) == SQLITE_ROW) {
            if (pass) {
                row_session(p, q, apr_array_push(rows));
            }
            else if (total) {
                *total = sqlite3_column_int64(q, 0);
            }
        }
        if (rc < 0) {
            return sb_sqlite_end(sc, err->status, err);
        }
        sb_sqlite_done(q);
    }
    st = sb_sqlite_end(sc, SB_STORE_OK, err);
    if (st == SB_STORE_OK) {
        *out = rows;
    }
    return st;
}

/* Write n back over o (the row as read): STALE when it changed in between. */
static sb_store_status_t write_back(sb_sqlite_conn_t *sc, const sb_session_t *o,
                                    const sb_session_t *n, int64_t now, sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_WRITE, err);
    sb_store_status_t st;

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, o->id);
    sb_sqlite_bind_text(q, 2, o->status);
    sb_sqlite_bind_text(q, 3, n->status);
    sqlite3_bind_int64(q, 4, n->scheduled_time);
    sqlite3_bind_int64(q, 5, n->escrow);
    bind_ms(q, 6, n->started_at);
    bind_ms(q, 7, n->ended_at);
    sqlite3_bind_int64(q, 8, n->actual_duration);
    sqlite3_bind_int64(q, 9, n->credits_exchanged);
    sb_sqlite_bind_text(q, 10, n->cancelled_by[0] ? n->cancelled_by : NULL);
    sb_sqlite_bind_text(q, 11, n->cancel_reason);
    sb_sqlite_bind_text(q, 12, n->proposed_by[0] ? n->proposed_by : NULL);
    bind_ms(q, 13, n->teacher_joined_at);
    bind_ms(q, 14, n->student_joined_at);
    bind_ms(q, 15, n->last_presence_at);
    sb_sqlite_bind_text(q, 16, n->reminders_sent ? n->reminders_sent : "[]");
    sqlite3_bind_int64(q, 17, now > o->updated_at ? now : o->updated_at + 1);
    sqlite3_bind_int64(q, 18, o->updated_at);
    st = sb_sqlite_exec_one(sc, q, err, "session write");
    if (st == SB_STORE_NOT_FOUND) {
        return sb_store_fail(err, SB_STORE_STALE, "status", "the session changed meanwhile");
    }
    return st;
}

static sb_store_status_t totals(sb_sqlite_conn_t *sc, const char *user_id, int64_t earned,
                                int64_t spent, int64_t taught, int64_t learned,
                                sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_TOTALS, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sqlite3_bind_int64(q, 2, earned);
    sqlite3_bind_int64(q, 3, spent);
    sqlite3_bind_int64(q, 4, taught);
    sqlite3_bind_int64(q, 5, learned);
    return sb_sqlite_exec_stmt(sc, q, err, "user totals");
}

/* The hold back to the learner in full, less a penalty (minutes, -1 = all, capped). */
static sb_store_status_t release(sb_sqlite_conn_t *sc, apr_pool_t *p, sb_session_t *n,
                                 int64_t penalty, const char *why, int64_t now,
                                 sb_store_error_t *err)
{
    sb_store_status_t st;

    if (n->escrow > 0) {
        sb_sqlite_move_t m = {
            n->student_id, "refund",
            n->escrow,     n->id,
            n->teacher_id, apr_pstrcat(p, "Hold released (", why, "): ", n->skill, NULL),
            "refund",      key(p, n->id, "release"),
            NULL};
        if ((st = sb_sqlite_move(sc, &m, now, NULL, err)) != SB_STORE_OK) {
            return st;
        }
    }
    if (penalty < 0 || penalty > n->escrow) {
        penalty = n->escrow;
    }
    if (penalty > 0) {
        sb_sqlite_move_t m = {
            n->student_id, "penalty",
            -penalty,      n->id,
            n->teacher_id, apr_pstrcat(p, "Penalty (", why, "): ", n->skill, NULL),
            "learning",    key(p, n->id, "penalty"),
            NULL};
        if ((st = sb_sqlite_move(sc, &m, now, NULL, err)) != SB_STORE_OK) {
            return st;
        }
    }
    n->escrow = 0;
    return SB_STORE_OK;
}

/* Pay the teacher for started_at .. until, the rest of the hold back to the learner. */
static sb_store_status_t settle(sb_sqlite_conn_t *sc, apr_pool_t *p, sb_session_t *n, int64_t until,
                                int64_t now, sb_store_error_t *err)
{
    int64_t paid, refund;
    sb_store_status_t st;

    sb_session_settle(n->escrow, n->duration, n->started_at, until, &paid, &refund);
    if (paid > 0) {
        sb_sqlite_move_t m = {n->teacher_id, "earned",
                              paid,          n->id,
                              n->student_id, apr_pstrcat(p, "Taught: ", n->skill, NULL),
                              "teaching",    key(p, n->id, "settle:teacher"),
                              NULL};
        if ((st = sb_sqlite_move(sc, &m, now, NULL, err)) != SB_STORE_OK
            || (st = totals(sc, n->teacher_id, paid, 0, paid, 0, err)) != SB_STORE_OK
            || (st = totals(sc, n->student_id, 0, paid, 0, paid, err)) != SB_STORE_OK) {
            return st;
        }
    }
    if (refund > 0) {
        sb_sqlite_move_t m = {
            n->student_id, "refund",
            refund,        n->id,
            n->teacher_id, apr_pstrcat(p, "Unused hold returned: ", n->skill, NULL),
            "refund",      key(p, n->id, "settle:refund"),
            NULL};
        if ((st = sb_sqlite_move(sc, &m, now, NULL, err)) != SB_STORE_OK) {
            return st;
        }
    }
    n->escrow = 0;
    n->actual_duration = paid;
    n->credits_exchanged = paid;
    n->ended_at = now;
    return SB_STORE_OK;
}

static sb_store_status_t refuse(sb_store_error_t *err, const char *field, const char *msg)
{
    return sb_store_fail(err, SB_STORE_REFUSED, field, "%s", msg);
}

/* Decide and apply a.action on n (a copy of o); *changed = the status or row changed in a
 * way the other party should hear of. */
static sb_store_status_t apply(sb_sqlite_conn_t *sc, apr_pool_t *p, const sb_session_act_t *a,
                               const sb_session_t *o, sb_session_t *n, int64_t now, int *changed,
                               sb_store_error_t *err)
{
    int is_teacher = a->actor_id && strcmp(a->actor_id, o->teacher_id) == 0;
    int is_student = a->actor_id && strcmp(a->actor_id, o->student_id) == 0;
    int from = sb_session_status_parse(o->status), to;
    sb_store_status_t st;
    sqlite3_stmt *q;

    if (a->actor_id && !is_teacher && !is_student) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such session");
    }
    if (from < 0 || (to = sb_session_transition(from, a->action)) < 0) {
        return sb_store_fail(err, SB_STORE_STALE,
                             from < 0 ? "status" : sb_session_status_name(from),
                             "not allowed while the session is %s", o->status);
    }
    /* the scheduled jobs' transitions are theirs alone, and the participants' theirs */
    if ((a->action == SB_SESSION_EXPIRE || a->action == SB_SESSION_MARK_NO_SHOW
         || a->action == SB_SESSION_ABANDON)
        != !a->actor_id) {
        return refuse(err, "action", "not an action of this caller");
    }
    *changed = 1;
    n->status = sb_session_status_name(to);
    switch (a->action) {
    case SB_SESSION_ACCEPT:
    case SB_SESSION_DECLINE:
        /* the proposer of a new time cannot accept it; a first request is the teacher's */
        if (o->proposed_by[0] ? strcmp(o->proposed_by, a->actor_id) == 0 : !is_teacher) {
            return refuse(err, "action", "the other participant answers this request");
        }
        if (a->action == SB_SESSION_ACCEPT && o->scheduled_time <= now) {
            return refuse(err, "scheduledTime", "the requested time has passed");
        }
        n->proposed_by[0] = '\0';
        if (a->action == SB_SESSION_DECLINE
            && (st = release(sc, p, n, 0, "declined", now, err)) != SB_STORE_OK) {
            return st;
        }
        break;
    case SB_SESSION_CANCEL:
        if (o->scheduled_time <= now) {
            return refuse(err, "scheduledTime", "the session has started");
        }
        apr_cpystrn(n->cancelled_by, a->actor_id, sizeof n->cancelled_by);
        n->cancel_reason = a->reason;
        if ((st = release(sc, p, n,
                          is_student && o->scheduled_time - now < SB_DAY_MS ? a->penalty : 0,
                          "cancelled", now, err))
            != SB_STORE_OK) {
            return st;
        }
        break;
    case SB_SESSION_RESCHEDULE:
        if (a->scheduled_time <= now) {
            return refuse(err, "scheduledTime", "the new time must be in the future");
        }
        if ((st = check_overlap(sc, o->teacher_id, o->student_id, a->scheduled_time, o->duration,
                                o->id, err))
            != SB_STORE_OK) {
            return st;
        }
        n->scheduled_time = a->scheduled_time;
        apr_cpystrn(n->proposed_by, a->actor_id, sizeof n->proposed_by);
        n->reminders_sent = "[]";
        break;
    case SB_SESSION_START:
        if (!sb_session_join_open(now, o->scheduled_time, o->duration)) {
            return refuse(err, "scheduledTime", "the room is not open at this time");
        }
        if (is_teacher && !n->teacher_joined_at) {
            n->teacher_joined_at = now;
        }
        if (is_student && !n->student_joined_at) {
            n->student_joined_at = now;
        }
        n->last_presence_at = now;
        if (!(n->teacher_joined_at && n->student_joined_at)) {
            n->status = o->status;
            *changed = 0;
        }
        else {
            n->started_at = now;
        }
        break;
    case SB_SESSION_END:
        if ((st = settle(sc, p, n, now, now, err)) != SB_STORE_OK) {
            return st;
        }
        break;
    case SB_SESSION_EXPIRE:
        if (o->scheduled_time > now) {
            return refuse(err, "scheduledTime", "not due yet");
        }
        if ((st = release(sc, p, n, 0, "expired", now, err)) != SB_STORE_OK) {
            return st;
        }
        break;
    case SB_SESSION_MARK_NO_SHOW:
        if (o->scheduled_time + SB_SESSION_NO_SHOW_MS > now) {
            return refuse(err, "scheduledTime", "not due yet");
        }
        if ((st = release(sc, p, n, o->teacher_joined_at && !o->student_joined_at ? a->penalty : 0,
                          "no-show", now, err))
            != SB_STORE_OK) {
            return st;
        }
        break;
    case SB_SESSION_ABANDON:
        if (o->started_at + o->duration * SB_MIN_MS + SB_SESSION_ABANDON_MS > now) {
            return refuse(err, "scheduledTime", "not due yet");
        }
        if ((st = settle(sc, p, n,
                         o->last_presence_at > o->started_at ? o->last_presence_at : o->started_at,
                         now, err))
            != SB_STORE_OK) {
            return st;
        }
        break;
    default:
        return sb_store_fail(err, SB_STORE_ERROR, "action", "unknown action");
    }
    /* the request message mirrors the request's state */
    if (a->action == SB_SESSION_ACCEPT || a->action == SB_SESSION_DECLINE
        || a->action == SB_SESSION_EXPIRE || a->action == SB_SESSION_RESCHEDULE) {
        static const char *const mirror[] = {"accepted", "declined", NULL,     "pending",
                                             NULL,       NULL,       "expired"};
        if (!(q = sb_sqlite_prepare(sc, SQL_MESSAGE_STATUS, err))) {
            return err->status;
        }
        sb_sqlite_bind_text(q, 1, o->id);
        sb_sqlite_bind_text(q, 2, mirror[a->action]);
        sqlite3_bind_int64(q, 3, n->scheduled_time);
        sqlite3_bind_int64(q, 4, now);
        if ((st = sb_sqlite_exec_stmt(sc, q, err, "request message")) != SB_STORE_OK) {
            return st;
        }
    }
    return write_back(sc, o, n, now, err);
}

sb_store_status_t sb_sqlite_session_act(sb_store_conn_t *c, apr_pool_t *p,
                                        const sb_session_act_t *a, const sb_outbox_event_t *events,
                                        int nevents, const sb_notification_new_t *notify,
                                        int64_t now, sb_session_t **out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_session_t o, *n = apr_palloc(p, sizeof *n);
    sb_store_status_t st;
    int changed = 0;

    if (out) {
        *out = NULL;
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if ((st = load(sc, p, a->id, &o, err)) != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    *n = o;
    if ((st = apply(sc, p, a, &o, n, now, &changed, err)) != SB_STORE_OK
        || (changed && (st = announce(sc, events, nevents, notify, now, err)) != SB_STORE_OK)
        || (st = load(sc, p, a->id, n, err)) != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    st = sb_sqlite_end(sc, SB_STORE_OK, err);
    if (st == SB_STORE_OK && out) {
        *out = n;
    }
    return st;
}

sb_store_status_t sb_sqlite_session_edit(sb_store_conn_t *c, const char *id, const char *actor_id,
                                         const char *description, const char *notes, int64_t now,
                                         sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_EDIT, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, actor_id);
    sb_sqlite_bind_text(q, 3, description);
    sb_sqlite_bind_text(q, 4, notes);
    sqlite3_bind_int64(q, 5, now);
    return sb_sqlite_exec_one(sc, q, err, "session edit");
}

sb_store_status_t sb_sqlite_session_presence(sb_store_conn_t *c, const char *id,
                                             const char *user_id, int64_t now,
                                             sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_PRESENCE, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, user_id);
    sqlite3_bind_int64(q, 3, now);
    return sb_sqlite_exec_stmt(sc, q, err, "session presence");
}

sb_store_status_t sb_sqlite_session_dispute(sb_store_conn_t *c, const char *id,
                                            const char *learner_id, const char *reason,
                                            int64_t window_ms, int64_t now, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    apr_pool_t *p;
    sb_session_t s;
    sb_store_status_t st;
    sqlite3_stmt *q;

    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    apr_pool_create(&p, NULL);
    st = load(sc, p, id, &s, err);
    if (st == SB_STORE_OK && strcmp(s.student_id, learner_id) != 0) {
        st = sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such session");
    }
    else if (st == SB_STORE_OK && strcmp(s.status, "completed") != 0) {
        st = sb_store_fail(err, SB_STORE_STALE,
                           sb_session_status_name(sb_session_status_parse(s.status)),
                           "only a completed session can be disputed");
    }
    else if (st == SB_STORE_OK && s.is_disputed) {
        st = sb_store_fail(err, SB_STORE_CONFLICT, "isDisputed", "disputed already");
    }
    else if (st == SB_STORE_OK && now - s.ended_at > window_ms) {
        st = refuse(err, "window", "the time to dispute this session has passed");
    }
    apr_pool_destroy(p);
    if (st == SB_STORE_OK) {
        if (!(q = sb_sqlite_prepare(sc, SQL_DISPUTE, err))) {
            st = err->status;
        }
        else {
            sb_sqlite_bind_text(q, 1, id);
            sb_sqlite_bind_text(q, 2, reason);
            sqlite3_bind_int64(q, 3, now);
            st = sb_sqlite_exec_one(sc, q, err, "dispute");
        }
    }
    return sb_sqlite_end(sc, st, err);
}

sb_store_status_t sb_sqlite_session_resolve(sb_store_conn_t *c, const char *id,
                                            const char *admin_id, int percent, const char *note,
                                            int64_t now, int64_t *refunded, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    apr_pool_t *p;
    sb_session_t s;
    sb_store_status_t st;
    sqlite3_stmt *q;
    int64_t refund = 0;

    if (percent < 0 || percent > 100) {
        return sb_store_fail(err, SB_STORE_ERROR, "refundPercent", "0 to 100");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    apr_pool_create(&p, NULL);
    st = load(sc, p, id, &s, err);
    if (st == SB_STORE_OK && (!s.is_disputed || s.dispute_resolved_at)) {
        st = sb_store_fail(err, SB_STORE_STALE, "isDisputed", "no open dispute");
    }
    if (st == SB_STORE_OK) {
        refund = s.credits_exchanged * percent / 100;
    }
    if (st == SB_STORE_OK && refund > 0) {
        const char *why = apr_pstrcat(p, "Dispute refund: ", s.skill, NULL);
        sb_sqlite_move_t out = {s.teacher_id, "spent", -refund,  s.id,
                                s.student_id, why,     "refund", key(p, s.id, "dispute:teacher"),
                                note};
        sb_sqlite_move_t in = {s.student_id, "refund", refund,   s.id,
                               s.teacher_id, why,      "refund", key(p, s.id, "dispute:learner"),
                               note};
        if ((st = sb_sqlite_move(sc, &out, now, NULL, err)) == SB_STORE_INSUFFICIENT) {
            err->field = "refund";
        }
        if (st == SB_STORE_OK && (st = sb_sqlite_move(sc, &in, now, NULL, err)) == SB_STORE_OK) {
            st = totals(sc, s.teacher_id, -refund, 0, 0, 0, err);
        }
        if (st == SB_STORE_OK) {
            st = totals(sc, s.student_id, 0, -refund, 0, 0, err);
        }
    }
    apr_pool_destroy(p);
    (void)admin_id;
    if (st == SB_STORE_OK) {
        if (!(q = sb_sqlite_prepare(sc, SQL_RESOLVE, err))) {
            st = err->status;
        }
        else {
            sb_sqlite_bind_text(q, 1, id);
            sqlite3_bind_int64(q, 2, now);
            sqlite3_bind_int64(q, 3, refund);
            st = sb_sqlite_exec_one(sc, q, err, "resolve");
        }
    }
    st = sb_sqlite_end(sc, st, err);
    if (st == SB_STORE_OK && refunded) {
        *refunded = refund;
    }
    return st;
}

sb_store_status_t sb_sqlite_sessions_due(sb_store_conn_t *c, apr_pool_t *p, int64_t now, int limit,
                                         apr_array_header_t **out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_DUE, err);
    apr_array_header_t *rows = apr_array_make(p, 16, sizeof(sb_session_t));
    int rc;

    *out = NULL;
    if (!q) {
        return err->status;
    }
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int(q, 2, limit);
    while ((rc = sb_sqlite_step(sc, q, err, "sessions due")) == SQLITE_ROW) {
        row_session(p, q, apr_array_push(rows));
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(q);
    *out = rows;
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_session_reminder_mark(sb_store_conn_t *c, const char *id,
                                                  const char *which,
                                                  const sb_outbox_event_t *events, int nevents,
                                                  const sb_notification_new_t *notify, int nnotify,
                                                  int64_t now, int *marked, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_store_status_t st;
    sqlite3_stmt *q;
    int i;

    *marked = 0;
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_REMINDER, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, which);
    st = sb_sqlite_exec_one(sc, q, err, "reminder");
    if (st == SB_STORE_NOT_FOUND) {
        return sb_sqlite_end(sc, SB_STORE_OK, err);
    }
    if (st == SB_STORE_OK) {
        st = sb_sqlite_outbox_add_all(sc, events, nevents, now, err);
    }
    for (i = 0; st == SB_STORE_OK && i < nnotify; i++) {
        st = sb_sqlite_notification_add(sc, &notify[i], now, err);
    }
    if (st == SB_STORE_OK) {
        st = sb_sqlite_end(sc, SB_STORE_OK, err);
        *marked = st == SB_STORE_OK;
        return st;
    }
    return sb_sqlite_end(sc, st, err);
}

sb_store_status_t sb_sqlite_review_add(sb_store_conn_t *c, const sb_review_new_t *r,
                                       const sb_outbox_event_t *events, int nevents,
                                       const sb_notification_new_t *notify, int64_t now,
                                       sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    apr_pool_t *p;
    sb_session_t s;
    sb_store_status_t st;
    sqlite3_stmt *q;
    const char *reviewee = NULL;

    if (r->rating < 1 || r->rating > 5) {
        return sb_store_fail(err, SB_STORE_ERROR, "rating", "1 to 5");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    apr_pool_create(&p, NULL);
    st = load(sc, p, r->session_id, &s, err);
    if (st == SB_STORE_OK) {
        reviewee = strcmp(r->reviewer_id, s.teacher_id) == 0   ? s.student_id
                   : strcmp(r->reviewer_id, s.student_id) == 0 ? s.teacher_id
                                                               : NULL;
        if (!reviewee) {
            st = sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such session");
        }
        else if (strcmp(s.status, "completed") != 0) {
            st = sb_store_fail(err, SB_STORE_STALE,
                               sb_session_status_name(sb_session_status_parse(s.status)),
                               "only a completed session can be reviewed");
        }
    }
    if (st == SB_STORE_OK && (q = sb_sqlite_prepare(sc, SQL_REVIEW_INSERT, err))) {
        sb_sqlite_bind_text(q, 1, r->id);
        sb_sqlite_bind_text(q, 2, r->session_id);
        sb_sqlite_bind_text(q, 3, r->reviewer_id);
        sb_sqlite_bind_text(q, 4, reviewee);
        sqlite3_bind_int(q, 5, r->rating);
        sb_sqlite_bind_text(q, 6, r->feedback);
        if (r->would_recommend >= 0) {
            sqlite3_bind_int(q, 7, r->would_recommend ? 1 : 0);
        }
        sqlite3_bind_int64(q, 8, now);
        if ((st = sb_sqlite_exec_stmt(sc, q, err, "review insert")) == SB_STORE_CONFLICT) {
            err->field = "review";
        }
    }
    else if (st == SB_STORE_OK) {
        st = err->status;
    }
    if (st == SB_STORE_OK && (q = sb_sqlite_prepare(sc, SQL_RATING, err))) {
        sb_sqlite_bind_text(q, 1, reviewee);
        sqlite3_bind_int(q, 2, r->rating);
        st = sb_sqlite_exec_one(sc, q, err, "rating");
    }
    else if (st == SB_STORE_OK) {
        st = err->status;
    }
    if (st == SB_STORE_OK) {
        st = announce(sc, events, nevents, notify, now, err);
    }
    apr_pool_destroy(p);
    return sb_sqlite_end(sc, st, err);
}

sb_store_status_t sb_sqlite_reviews_page(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                         int64_t after_created_at, const char *after_id, int limit,
                                         apr_array_header_t **out, int *has_more,
                                         sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, after_id ? SQL_REVIEWS_AFTER : SQL_REVIEWS_FIRST, err);
    apr_array_header_t *rows =
        apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_session_review_t));
    apr_array_header_t *cards = apr_array_make(p, 1, sizeof(sb_user_card_t));
    int rc;

    *out = NULL;
    *has_more = 0;
    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sqlite3_bind_int(q, 2, limit + 1);
    if (after_id) {
        sqlite3_bind_int64(q, 3, after_created_at);
        sb_sqlite_bind_text(q, 4, after_id);
    }
    while ((rc = sb_sqlite_step(sc, q, err, "reviews")) == SQLITE_ROW) {
        sb_session_review_t *v;
        if (rows->nelts == limit) {
            *has_more = 1;
            continue;
        }
        v = apr_array_push(rows);
        sb_sqlite_col_id(q, 0, v->id);
        sb_sqlite_col_id(q, 1, v->session_id);
        sb_sqlite_col_id(q, 2, v->reviewee_id);
        v->rating = sqlite3_column_int(q, 3);
        v->feedback = sb_sqlite_col_text(p, q, 4);
        v->would_recommend =
            sqlite3_column_type(q, 5) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 5);
        v->created_at = sqlite3_column_int64(q, 6);
        v->skill = sb_sqlite_col_text(p, q, 7);
        cards->nelts = 0;
        v->reviewer = *sb_sqlite_row_card(p, q, 8, cards);
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(q);
    *out = rows;
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_calendar_token_set(sb_store_conn_t *c, const char *user_id,
                                               const char *token_hash, int64_t now,
                                               sb_store_error_t *err)
{
    static const char sql[] = "UPDATE users SET calendar_token = ?2 WHERE id = ?1";
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, sql, err);

    (void)now;
    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sb_sqlite_bind_text(q, 2, token_hash);
    return sb_sqlite_exec_one(sc, q, err, "calendar token");
}

sb_store_status_t sb_sqlite_calendar_token_user(sb_store_conn_t *c, apr_pool_t *p,
                                                const char *token_hash, int64_t now, char *user_id,
                                                const char **timezone, sb_store_error_t *err)
{
    static const char sql[] = "SELECT u.id, u.timezone FROM users u WHERE u.calendar_token = ?1"
                              " AND " SB_SQLITE_VISIBLE("u", "?2");
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, sql, err);
    int rc;

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, token_hash);
    sqlite3_bind_int64(q, 2, now);
    rc = sb_sqlite_step(sc, q, err, "calendar user");
    if (rc < 0) {
        return err->status;
    }
    if (rc != SQLITE_ROW) {
        sb_sqlite_done(q);
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such feed");
    }
    sb_sqlite_col_id(q, 0, user_id);
    *timezone = sb_sqlite_col_text(p, q, 1);
    sb_sqlite_done(q);
    return SB_STORE_OK;
}

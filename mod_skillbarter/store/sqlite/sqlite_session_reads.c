/*
 * SQLite driver: the reads of sessions (one, a filtered page, those a job may act on), the
 * reminders the jobs record, the calendar feed's token, and the sessionData of request
 * messages (store_sessions.h).
 */
#include "sqlite_session_int.h"

#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>

static const char SQL_GET[] = "SELECT " SB_SESSION_COLS " FROM sessions WHERE id = ?1";
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
/* The caller's sessions by role (0 either side, 1 taught, 2 learned), newest start first,
 * each side walked in order on its (participant, scheduled_time, id) index (sql/011) and
 * both sides merged, so a page reads only the rows up to it. Status (?2) and the time filter
 * (?4 upcoming 1 / past 2 at ?5) are checked on the rows walked. */
#define SB_LIST_FILTER                                                                             \
    " AND (?2 IS NULL OR status = ?2)"                                                             \
    " AND (?4 = 0 OR (?4 = 1 AND scheduled_time >= ?5) OR (?4 = 2 AND scheduled_time < ?5))"
#define SB_LIST_SIDE(sel, who) sel " FROM sessions WHERE " who " = ?1" SB_LIST_FILTER
#define SB_LIST_ORDER          " ORDER BY scheduled_time DESC, id DESC"
#define SB_LIST_PAGE_SIDE(who)                                                                     \
    SB_LIST_SIDE("SELECT " SB_SESSION_COLS, who) SB_LIST_ORDER " LIMIT ?6 OFFSET ?7"
/* The count: one form per filter, so each side is counted on an index alone (no row read):
 * [status given][when: any, upcoming, past][role]. */
#define SB_COUNT_SIDE(who, st, wh) "SELECT count(*) FROM sessions WHERE " who " = ?1" st wh
#define SB_COUNT(st, wh)                                                                           \
    {                                                                                              \
        "SELECT (" SB_COUNT_SIDE("teacher_id", st, wh) ") + (" SB_COUNT_SIDE("student_id", st,     \
                                                                             wh) ")",              \
            SB_COUNT_SIDE("teacher_id", st, wh), SB_COUNT_SIDE("student_id", st, wh)               \
    }
#define SB_COUNT_STATUS " AND status = ?2"
#define SB_COUNT_AFTER  " AND scheduled_time >= ?5"
#define SB_COUNT_BEFORE " AND scheduled_time < ?5"
static const char *const SQL_LIST_COUNT[2][3][3] = {
    {SB_COUNT("", ""), SB_COUNT("", SB_COUNT_AFTER), SB_COUNT("", SB_COUNT_BEFORE)},
    {SB_COUNT(SB_COUNT_STATUS, ""), SB_COUNT(SB_COUNT_STATUS, SB_COUNT_AFTER),
     SB_COUNT(SB_COUNT_STATUS, SB_COUNT_BEFORE)}};
static const char *const SQL_LIST_PAGE[] = {
    SB_LIST_SIDE("SELECT " SB_SESSION_COLS, "teacher_id") " UNION ALL " SB_LIST_SIDE(
        "SELECT " SB_SESSION_COLS, "student_id") SB_LIST_ORDER " LIMIT ?6 OFFSET ?7",
    SB_LIST_PAGE_SIDE("teacher_id"), SB_LIST_PAGE_SIDE("student_id")};
/* A participant's short public form (read once per person and page: a user's row is large). */
static const char SQL_PERSON[] =
    "SELECT id, username, first_name, last_name, profile_picture, timezone, rating,"
    " total_reviews FROM users WHERE id = ?1";
/* A request message's terms and its session as it is now (NULL columns: no session row). */
static const char SQL_MESSAGE_SESSION[] =
    "SELECT m.session_id, coalesce(s.skill, m.session_skill),"
    " coalesce(s.duration, m.session_duration),"
    " CASE WHEN s.id IS NULL THEN m.session_description ELSE s.description END,"
    " s.scheduled_time, s.status, m.session_proposed_time, m.session_status"
    " FROM messages m LEFT JOIN sessions s ON s.id = m.session_id WHERE m.id = ?1";

static int64_t col_ms(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, i);
}

void sb_sqlite_session_row(apr_pool_t *p, sqlite3_stmt *q, void *row)
{
    sb_session_t *s = row;

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

sb_store_status_t sb_sqlite_session_load(sb_sqlite_conn_t *sc, apr_pool_t *p, const char *id,
                                         sb_session_t *s, sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_GET, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    return sb_sqlite_row1(sc, p, q, sb_sqlite_session_row, s, err, "session get",
                          "no such session");
}

/* The session and both people in one read transaction: one snapshot, and under write load one
 * start on a page cache another connection's commit invalidated instead of one per statement. */
sb_store_status_t sb_sqlite_session_get(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                        sb_session_t **out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_session_t *s = apr_palloc(p, sizeof *s);
    sb_store_status_t st;

    *out = NULL;
    if ((st = sb_sqlite_begin_read(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if ((st = sb_sqlite_session_load(sc, p, id, s, err)) == SB_STORE_OK) {
        st = sb_sqlite_session_people(sc, p, s, 1, err);
    }
    if ((st = sb_sqlite_end(sc, st, err)) == SB_STORE_OK) {
        *out = s;
    }
    return st;
}

static void row_person(apr_pool_t *p, sqlite3_stmt *q, void *row)
{
    sb_session_person_t *u = row;

    sb_sqlite_col_id(q, 0, u->id);
    u->username = sb_sqlite_col_text(p, q, 1);
    u->first_name = sb_sqlite_col_text(p, q, 2);
    u->last_name = sb_sqlite_col_text(p, q, 3);
    u->profile_picture = sb_sqlite_col_text(p, q, 4);
    u->timezone = sb_sqlite_col_text(p, q, 5);
    u->rating = sqlite3_column_double(q, 6);
    u->total_reviews = sqlite3_column_int(q, 7);
}

/* The person of id, read once per call through seen (NULL when the user is gone). */
static sb_store_status_t person(sb_sqlite_conn_t *sc, apr_pool_t *p, apr_hash_t *seen,
                                const char *id, const sb_session_person_t **out,
                                sb_store_error_t *err)
{
    sb_session_person_t *u = apr_hash_get(seen, id, SB_ID_LEN);
    sqlite3_stmt *q;
    sb_store_status_t st;

    if (!u) {
        if (!(q = sb_sqlite_prepare(sc, SQL_PERSON, err))) {
            return err->status;
        }
        u = apr_pcalloc(p, sizeof *u);
        sb_sqlite_bind_text(q, 1, id);
        st = sb_sqlite_row1(sc, p, q, row_person, u, err, "session person", "");
        if (st != SB_STORE_OK && st != SB_STORE_NOT_FOUND) {
            return st;
        }
        apr_hash_set(seen, apr_pstrmemdup(p, id, SB_ID_LEN), SB_ID_LEN, u);
    }
    *out = u->id[0] ? u : NULL;
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_session_people(sb_sqlite_conn_t *sc, apr_pool_t *p, sb_session_t *rows,
                                           int n, sb_store_error_t *err)
{
    apr_hash_t *seen = apr_hash_make(p);
    sb_store_status_t st = SB_STORE_OK;
    int i;

    for (i = 0; i < n && st == SB_STORE_OK; i++) {
        if ((st = person(sc, p, seen, rows[i].teacher_id, &rows[i].teacher, err)) == SB_STORE_OK) {
            st = person(sc, p, seen, rows[i].student_id, &rows[i].student, err);
        }
    }
    return st;
}

static void bind_filter(sqlite3_stmt *q, const sb_session_query_t *f)
{
    sb_sqlite_bind_text(q, 1, f->user_id);
    sb_sqlite_bind_text(q, 2, f->status);
    sqlite3_bind_int(q, 4, f->when);
    sqlite3_bind_int64(q, 5, f->now);
}

/* Count and page in one read transaction, so the total matches the page. */
sb_store_status_t sb_sqlite_session_list(sb_store_conn_t *c, apr_pool_t *p,
                                         const sb_session_query_t *f, int offset, int limit,
                                         apr_array_header_t **out, int64_t *total,
                                         sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    int role = f->role == 1 || f->role == 2 ? f->role : 0;
    apr_array_header_t *rows =
        apr_array_make(p, limit > 0 && limit < 64 ? limit : 16, sizeof(sb_session_t));
    sb_store_status_t st;
    sqlite3_stmt *q;
    int64_t n = 0;

    *out = NULL;
    if ((st = sb_sqlite_begin_read(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if (!(q = sb_sqlite_prepare(
              sc,
              SQL_LIST_COUNT[f->status != NULL][f->when == 1 || f->when == 2 ? f->when : 0][role],
              err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    bind_filter(q, f);
    if ((st = sb_sqlite_int64(sc, q, &n, err, "session count")) != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    if (n > offset && limit > 0) {
        if (!(q = sb_sqlite_prepare(sc, SQL_LIST_PAGE[role], err))) {
            return sb_sqlite_end(sc, err->status, err);
        }
        bind_filter(q, f);
        sqlite3_bind_int(q, 6, limit);
        sqlite3_bind_int(q, 7, offset < 0 ? 0 : offset);
        if ((st = sb_sqlite_rows(sc, p, q, sb_sqlite_session_row, -1, rows, NULL, err,
                                 "session list"))
                != SB_STORE_OK
            || (st = sb_sqlite_session_people(sc, p, (sb_session_t *)rows->elts, rows->nelts, err))
                   != SB_STORE_OK) {
            return sb_sqlite_end(sc, st, err);
        }
    }
    st = sb_sqlite_end(sc, SB_STORE_OK, err);
    if (st == SB_STORE_OK) {
        *out = rows;
        if (total) {
            *total = n;
        }
    }
    return st;
}

sb_store_status_t sb_sqlite_sessions_due(sb_store_conn_t *c, apr_pool_t *p, int64_t now, int limit,
                                         apr_array_header_t **out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_DUE, err);
    apr_array_header_t *rows = apr_array_make(p, 16, sizeof(sb_session_t));
    sb_store_status_t st;

    *out = NULL;
    if (!q) {
        return err->status;
    }
    sqlite3_bind_int64(q, 1, now);
    sqlite3_bind_int(q, 2, limit);
    if ((st = sb_sqlite_rows(sc, p, q, sb_sqlite_session_row, -1, rows, NULL, err, "sessions due"))
        == SB_STORE_OK) {
        *out = rows;
    }
    return st;
}

sb_store_status_t sb_sqlite_session_reminder_mark(sb_store_conn_t *c, const char *id,
                                                  const char *which,
                                                  const sb_outbox_event_t *events, int nevents,
                                                  const sb_notification_new_t *notify, int nnotify,
                                                  const sb_store_mail_new_t *mail, int nmail,
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
    for (i = 0; st == SB_STORE_OK && i < nmail; i++) {
        int queued;
        st = sb_sqlite_mail_insert(sc, &mail[i], now, &queued, NULL, err);
    }
    if (st == SB_STORE_OK) {
        st = sb_sqlite_end(sc, SB_STORE_OK, err);
        *marked = st == SB_STORE_OK;
        return st;
    }
    return sb_sqlite_end(sc, st, err);
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

typedef struct {
    char *user_id;
    const char **timezone;
} feed_owner_t;

static void row_feed_owner(apr_pool_t *p, sqlite3_stmt *q, void *row)
{
    feed_owner_t *f = row;

    sb_sqlite_col_id(q, 0, f->user_id);
    *f->timezone = sb_sqlite_col_text(p, q, 1);
}

sb_store_status_t sb_sqlite_calendar_token_user(sb_store_conn_t *c, apr_pool_t *p,
                                                const char *token_hash, int64_t now, char *user_id,
                                                const char **timezone, sb_store_error_t *err)
{
    static const char sql[] = "SELECT u.id, u.timezone FROM users u WHERE u.calendar_token = ?1"
                              " AND " SB_SQLITE_VISIBLE("u", "?2");
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, sql, err);
    feed_owner_t f = {user_id, timezone};

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, token_hash);
    sqlite3_bind_int64(q, 2, now);
    return sb_sqlite_row1(sc, p, q, row_feed_owner, &f, err, "calendar user", "no such feed");
}

static void row_message_session(apr_pool_t *p, sqlite3_stmt *q, void *row)
{
    sb_message_session_t *d = row;

    memset(d, 0, sizeof *d);
    sb_sqlite_col_id(q, 0, d->session_id);
    d->skill = sb_sqlite_col_text(p, q, 1);
    d->duration = sqlite3_column_int64(q, 2);
    d->description = sb_sqlite_col_text(p, q, 3);
    if (sqlite3_column_type(q, 5) != SQLITE_NULL) {
        d->proposed_time = sqlite3_column_int64(q, 4);
        d->session_status = sb_sqlite_col_text(p, q, 5);
        d->status = sb_session_request_status(d->session_status);
    }
    else { /* the session is gone: the message's own copy */
        d->proposed_time = sqlite3_column_int64(q, 6);
        d->status = sb_sqlite_col_text(p, q, 7);
    }
}

sb_store_status_t sb_sqlite_message_sessions(sb_sqlite_conn_t *sc, apr_pool_t *p,
                                             sb_message_t *msgs, int n, sb_store_error_t *err)
{
    sb_store_status_t st;
    int i;

    for (i = 0; i < n; i++) {
        sb_message_session_t *d;
        sqlite3_stmt *q;
        if (!msgs[i].message_type || strcmp(msgs[i].message_type, "session_request") != 0) {
            continue;
        }
        if (!(q = sb_sqlite_prepare(sc, SQL_MESSAGE_SESSION, err))) {
            return err->status;
        }
        d = apr_palloc(p, sizeof *d);
        sb_sqlite_bind_text(q, 1, msgs[i].id);
        st = sb_sqlite_row1(sc, p, q, row_message_session, d, err, "message session", "");
        if (st != SB_STORE_OK && st != SB_STORE_NOT_FOUND) {
            return st;
        }
        msgs[i].session = st == SB_STORE_OK && d->session_id[0] ? d : NULL;
    }
    return SB_STORE_OK;
}

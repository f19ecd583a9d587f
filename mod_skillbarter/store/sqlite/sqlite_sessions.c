/*
 * SQLite driver: booking and the transitions of sessions (store_sessions.h), with their holds
 * and settlement. Every change runs in one write transaction (BEGIN IMMEDIATE): the session is
 * read, core's rules decide, and one UPDATE writes it back guarded by the status and
 * updated_at read (the compare-and-set), with the ledger rows keyed by the transition.
 */
#include "sqlite_session_int.h"

#include <string.h>

#include <apr_strings.h>

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
/* The compare-and-set: written only if nobody changed the row since it was read (?4, the
 * start, is SQL_WRITE_TIME's). */
static const char SQL_WRITE[] =
    "UPDATE sessions SET status = ?3, escrow_minutes = ?5,"
    " started_at = ?6, ended_at = ?7, actual_duration = ?8, credits_exchanged = ?9,"
    " cancelled_by = ?10, cancel_reason = ?11, proposed_by = ?12, teacher_joined_at = ?13,"
    " student_joined_at = ?14, last_presence_at = ?15, reminders_sent = ?16, updated_at = ?17"
    " WHERE id = ?1 AND status = ?2 AND updated_at = ?18";
/* A new start, written apart: the many indexes on scheduled_time change only when it does. */
static const char SQL_WRITE_TIME[] = "UPDATE sessions SET scheduled_time = ?2 WHERE id = ?1";
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

static void bind_ms(sqlite3_stmt *q, int i, int64_t v)
{
    if (v) {
        sqlite3_bind_int64(q, i, v);
    }
    else {
        sqlite3_bind_null(q, i);
    }
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
    if ((r = sb_sqlite_yields(sc, q, err, "overlap")) < 0) {
        return err->status;
    }
    return r ? sb_store_fail(err, SB_STORE_CONFLICT, "scheduledTime",
                             "overlaps another session of a participant")
             : SB_STORE_OK;
}

/* Events and the notification of a change, inside its transaction. */
sb_store_status_t sb_sqlite_session_announce(sb_sqlite_conn_t *sc, const sb_outbox_event_t *events,
                                             int nevents, const sb_notification_new_t *notify,
                                             int64_t now, sb_store_error_t *err)
{
    sb_store_status_t st = sb_sqlite_outbox_add_all(sc, events, nevents, now, err);

    if (st == SB_STORE_OK && notify) {
        st = sb_sqlite_notification_add(sc, notify, now, err);
    }
    return st;
}

const char *sb_sqlite_session_key(apr_pool_t *p, const char *session_id, const char *what)
{
    return apr_pstrcat(p, session_id, ":", what, NULL);
}

sb_store_status_t sb_sqlite_session_totals(sb_sqlite_conn_t *sc, const char *user_id,
                                           int64_t earned, int64_t spent, int64_t taught,
                                           int64_t learned, sb_store_error_t *err)
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
        "learning",    sb_sqlite_session_key(p, s->id, "hold"),
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
    if ((r = sb_sqlite_yields(sc, q, err, "teacher")) <= 0) {
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
    if ((r = sb_sqlite_yields(sc, q, err, "blocked")) != 0) {
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
    if ((st = sb_sqlite_session_announce(sc, events, nevents, notify, now, err)) != SB_STORE_OK
        || (st = sb_sqlite_session_load(sc, p, s->id, row, err)) != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    st = sb_sqlite_end(sc, SB_STORE_OK, err);
    if (st == SB_STORE_OK && out) {
        *out = row;
    }
    return st;
}

/* Write n back over o (the row as read): STALE when it changed in between. n->updated_at
 * becomes what was written, so n is the row as stored. */
static sb_store_status_t write_back(sb_sqlite_conn_t *sc, const sb_session_t *o, sb_session_t *n,
                                    int64_t now, sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_WRITE, err);
    sb_store_status_t st;

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, o->id);
    sb_sqlite_bind_text(q, 2, o->status);
    sb_sqlite_bind_text(q, 3, n->status);
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
    n->updated_at = now > o->updated_at ? now : o->updated_at + 1;
    sqlite3_bind_int64(q, 17, n->updated_at);
    sqlite3_bind_int64(q, 18, o->updated_at);
    st = sb_sqlite_exec_one(sc, q, err, "session write");
    if (st == SB_STORE_NOT_FOUND) {
        return sb_store_fail(err, SB_STORE_STALE, "status", "the session changed meanwhile");
    }
    if (st == SB_STORE_OK && n->scheduled_time != o->scheduled_time) {
        if (!(q = sb_sqlite_prepare(sc, SQL_WRITE_TIME, err))) {
            return err->status;
        }
        sb_sqlite_bind_text(q, 1, o->id);
        sqlite3_bind_int64(q, 2, n->scheduled_time);
        st = sb_sqlite_exec_one(sc, q, err, "session time");
    }
    return st;
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
            "refund",      sb_sqlite_session_key(p, n->id, "release"),
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
            "learning",    sb_sqlite_session_key(p, n->id, "penalty"),
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
                              "teaching",    sb_sqlite_session_key(p, n->id, "settle:teacher"),
                              NULL};
        if ((st = sb_sqlite_move(sc, &m, now, NULL, err)) != SB_STORE_OK
            || (st = sb_sqlite_session_totals(sc, n->teacher_id, paid, 0, paid, 0, err))
                   != SB_STORE_OK
            || (st = sb_sqlite_session_totals(sc, n->student_id, 0, paid, 0, paid, err))
                   != SB_STORE_OK) {
            return st;
        }
    }
    if (refund > 0) {
        sb_sqlite_move_t m = {
            n->student_id, "refund",
            refund,        n->id,
            n->teacher_id, apr_pstrcat(p, "Unused hold returned: ", n->skill, NULL),
            "refund",      sb_sqlite_session_key(p, n->id, "settle:refund"),
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
    if ((st = sb_sqlite_session_load(sc, p, a->id, &o, err)) != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    *n = o; /* apply writes n back: it is the row as stored after the step */
    if ((st = apply(sc, p, a, &o, n, now, &changed, err)) != SB_STORE_OK
        || (changed
            && (st = sb_sqlite_session_announce(sc, events, nevents, notify, now, err))
                   != SB_STORE_OK)) {
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

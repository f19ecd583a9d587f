/*
 * SQLite driver: booking and the transitions of sessions (store_sessions.h), with their holds
 * and settlement. Every change runs in one write transaction (BEGIN IMMEDIATE): the session is
 * read, the store's planner (sb_session_plan.h) decides, and one UPDATE writes it back guarded by
 * the status and updated_at read (the compare-and-set), with the ledger rows keyed by the
 * transition.
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

sb_store_status_t sb_sqlite_session_move(sb_sqlite_conn_t *sc, const char *session_id,
                                         const sb_session_move_t *m, int64_t now,
                                         sb_store_error_t *err)
{
    sb_sqlite_move_t mv = {m->user_id,     m->type,     m->amount, session_id,   m->related_user,
                           m->description, m->category, m->key,    m->admin_note};
    sb_store_status_t st = SB_STORE_OK;

    if (m->amount) {
        st = sb_sqlite_move(sc, &mv, now, NULL, err);
    }
    if (st == SB_STORE_OK && (m->earned || m->spent || m->taught || m->learned)) {
        st = sb_sqlite_session_totals(sc, m->user_id, m->earned, m->spent, m->taught, m->learned,
                                      err);
    }
    return st;
}

sb_store_status_t sb_sqlite_session_create(sb_store_conn_t *c, apr_pool_t *p,
                                           const sb_session_new_t *s,
                                           const sb_outbox_event_t *events, int nevents,
                                           const sb_notification_new_t *notify, int64_t now,
                                           sb_session_t **out, int64_t *available,
                                           sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_session_move_t hold;
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
    sb_session_plan_hold(p, s, &hold);
    if ((st = sb_sqlite_session_move(sc, s->id, &hold, now, err)) != SB_STORE_OK) {
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

/* Plan a.action on o (the store's planner applies core's rules), then write what it says:
 * the moves, the request message's mirror, the row (n). *changed = the other party should
 * hear of it. */
static sb_store_status_t apply(sb_sqlite_conn_t *sc, apr_pool_t *p, const sb_session_act_t *a,
                               const sb_session_t *o, sb_session_t *n, int64_t now, int *changed,
                               sb_store_error_t *err)
{
    sb_session_plan_t plan;
    sb_store_status_t st;
    sqlite3_stmt *q;
    int i;

    if ((st = sb_session_plan(p, a, o, n, now, &plan, err)) != SB_STORE_OK) {
        return st;
    }
    *changed = plan.changed;
    if (plan.overlap_check
        && (st = check_overlap(sc, o->teacher_id, o->student_id, n->scheduled_time, o->duration,
                               o->id, err))
               != SB_STORE_OK) {
        return st;
    }
    for (i = 0; i < plan.n; i++) {
        if ((st = sb_sqlite_session_move(sc, o->id, &plan.m[i], now, err)) != SB_STORE_OK) {
            return st;
        }
    }
    /* the request message mirrors the request's state */
    if (plan.mirror) {
        if (!(q = sb_sqlite_prepare(sc, SQL_MESSAGE_STATUS, err))) {
            return err->status;
        }
        sb_sqlite_bind_text(q, 1, o->id);
        sb_sqlite_bind_text(q, 2, plan.mirror);
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

/*
 * SQLite driver: booking a session (store_sessions.h) with its hold, editing its notes and
 * marking presence, and the steps the transitions share (sqlite_session_int.h). The
 * transitions themselves, decided by the store's planner (sb_session_plan.h), with settlement
 * and their group commit, are in sqlite_session_act.c.
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
    "SELECT 1 FROM sessions WHERE " SB_SESSION_OPEN " AND id IS NOT ?5"
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

/* CONFLICT "scheduledTime" when [start, start + duration) overlaps an open session of either
 * party other than self. */
sb_store_status_t sb_sqlite_session_overlap(sb_sqlite_conn_t *sc, const char *a, const char *b,
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
    const int64_t totals[4] = {m->earned, m->spent, m->taught, m->learned};
    int with_totals = m->earned || m->spent || m->taught || m->learned;

    if (m->amount) {
        return sb_sqlite_move_totals(sc, &mv, with_totals ? totals : NULL, now, NULL, err);
    }
    if (with_totals) {
        return sb_sqlite_session_totals(sc, m->user_id, m->earned, m->spent, m->taught, m->learned,
                                        err);
    }
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_session_moves(sb_sqlite_conn_t *sc, const char *session_id,
                                          const sb_session_plan_t *plan, int64_t now,
                                          sb_store_error_t *err)
{
    sb_store_status_t st = SB_STORE_OK;
    int i;

    for (i = 0; i < plan->n && st == SB_STORE_OK; i++) {
        sb_session_move_t m = plan->m[i];
        const sb_session_move_t *next = i + 1 < plan->n ? &plan->m[i + 1] : NULL;

        /* a user's totals-only move followed by a balance move of the same user without
         * totals (a settlement's learner: totals, then the unused hold back): one row change */
        if (!m.amount && next && next->amount && strcmp(next->user_id, m.user_id) == 0
            && !(next->earned || next->spent || next->taught || next->learned)) {
            sb_session_move_t both = *next;
            both.earned = m.earned;
            both.spent = m.spent;
            both.taught = m.taught;
            both.learned = m.learned;
            m = both;
            i++;
        }
        st = sb_sqlite_session_move(sc, session_id, &m, now, err);
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
    if ((st = sb_sqlite_session_overlap(sc, s->teacher_id, s->student_id, s->scheduled_time,
                                        s->duration, NULL, err))
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

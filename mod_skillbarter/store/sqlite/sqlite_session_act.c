/*
 * SQLite driver: the transitions of sessions (store_sessions.h) with their holds and
 * settlement. Each transition is one step of a write transaction: the session is read, core's
 * rules decide, the ledger rows are written keyed by the transition (a retried step finds its
 * key taken), and one UPDATE writes the session back guarded by the status and updated_at
 * read (the compare-and-set), with its outbox events and notification.
 *
 * Transitions are group-committed (sqlite_group.c): the ends, accepts, starts ... that queue
 * in a process while the write turn is busy run in one transaction, each in its own savepoint
 * with its own outcome, and each answers only after the commit that stored it. Under load a
 * transition's own statements are a fraction of what a transaction costs (the turn's
 * hand-over, BEGIN on an invalidated page cache, the WAL append of every page it dirtied):
 * the ends of a batch share the index and ledger pages they touch, written once.
 */
#include "sqlite_session_int.h"
#include "sqlite_group.h"

#include <string.h>

#include <apr_strings.h>

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

static void bind_ms(sqlite3_stmt *q, int i, int64_t v)
{
    if (v) {
        sqlite3_bind_int64(q, i, v);
    }
    else {
        sqlite3_bind_null(q, i);
    }
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
        /* the teacher's balance and totals in one row change, and the learner's totals with
         * the refund below when there is one */
        const int64_t taught[4] = {paid, 0, paid, 0};
        sb_sqlite_move_t m = {n->teacher_id, "earned",
                              paid,          n->id,
                              n->student_id, apr_pstrcat(p, "Taught: ", n->skill, NULL),
                              "teaching",    sb_sqlite_session_key(p, n->id, "settle:teacher"),
                              NULL};
        if ((st = sb_sqlite_move_totals(sc, &m, taught, now, NULL, err)) != SB_STORE_OK
            || (refund <= 0
                && (st = sb_sqlite_session_totals(sc, n->student_id, 0, paid, 0, paid, err))
                       != SB_STORE_OK)) {
            return st;
        }
    }
    if (refund > 0) {
        const int64_t learned[4] = {0, paid, 0, paid};
        sb_sqlite_move_t m = {
            n->student_id, "refund",
            refund,        n->id,
            n->teacher_id, apr_pstrcat(p, "Unused hold returned: ", n->skill, NULL),
            "refund",      sb_sqlite_session_key(p, n->id, "settle:refund"),
            NULL};
        if ((st = sb_sqlite_move_totals(sc, &m, paid > 0 ? learned : NULL, now, NULL, err))
            != SB_STORE_OK) {
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
        if ((st = sb_sqlite_session_overlap(sc, o->teacher_id, o->student_id, a->scheduled_time,
                                            o->duration, o->id, err))
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

/* One transition waiting for (or carried by) a batch; lives on the calling thread's stack. */
typedef struct {
    sb_sqlite_group_job_t job; /* first: the group hands this back */
    apr_pool_t *p;
    const sb_session_act_t *a;
    const sb_outbox_event_t *events;
    int nevents;
    const sb_notification_new_t *notify;
    int64_t now;
    sb_session_t *n; /* the row as stored after the step */
} sb_act_job_t;

static sb_sqlite_group_t sb_acts = SB_SQLITE_GROUP_INIT;

void sb_sqlite_act_stats(sb_sqlite_act_stats_t *out)
{
    pthread_mutex_lock(&sb_acts.mu);
    out->batches = sb_acts.batches;
    out->jobs = sb_acts.jobs;
    out->queued = sb_acts.queued;
    pthread_mutex_unlock(&sb_acts.mu);
}

/* Read, decide, write, announce: one transition inside the batch's transaction. */
static sb_store_status_t act_step(sb_sqlite_conn_t *sc, sb_sqlite_group_job_t *gj)
{
    sb_act_job_t *j = (sb_act_job_t *)gj;
    sb_session_t o;
    sb_store_status_t st;
    int changed = 0;

    if ((st = sb_sqlite_session_load(sc, j->p, j->a->id, &o, &gj->err)) != SB_STORE_OK) {
        return st;
    }
    *j->n = o; /* apply writes n back: it is the row as stored after the step */
    if ((st = apply(sc, j->p, j->a, &o, j->n, j->now, &changed, &gj->err)) != SB_STORE_OK) {
        return st;
    }
    return changed
               ? sb_sqlite_session_announce(sc, j->events, j->nevents, j->notify, j->now, &gj->err)
               : SB_STORE_OK;
}

sb_store_status_t sb_sqlite_session_act(sb_store_conn_t *c, apr_pool_t *p,
                                        const sb_session_act_t *a, const sb_outbox_event_t *events,
                                        int nevents, const sb_notification_new_t *notify,
                                        int64_t now, sb_session_t **out, sb_store_error_t *err)
{
    sb_act_job_t j;
    sb_store_status_t st;

    if (out) {
        *out = NULL;
    }
    memset(&j, 0, sizeof j);
    j.job.run = act_step;
    j.p = p;
    j.a = a;
    j.events = events;
    j.nevents = nevents;
    j.notify = notify;
    j.now = now;
    j.n = apr_palloc(p, sizeof *j.n);
    st = sb_sqlite_group_run(&sb_acts, SB_SQLITE(c), &j.job, err);
    if (st == SB_STORE_OK && out) {
        *out = j.n;
    }
    return st;
}

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

    if ((st = sb_session_plan(p, a, o, n, now, &plan, err)) != SB_STORE_OK) {
        return st;
    }
    *changed = plan.changed;
    if (plan.overlap_check
        && (st = sb_sqlite_session_overlap(sc, o->teacher_id, o->student_id, n->scheduled_time,
                                           o->duration, o->id, err))
               != SB_STORE_OK) {
        return st;
    }
    if ((st = sb_sqlite_session_moves(sc, o->id, &plan, now, err)) != SB_STORE_OK) {
        return st;
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

/* One transition waiting for (or carried by) a batch; lives on the calling thread's stack. */
typedef struct {
    sb_sqlite_group_job_t job; /* first: the group hands this back */
    apr_pool_t *p;
    const sb_session_act_t *a;
    int64_t now;
    sb_session_t *n; /* the row as stored after the step */
    int people;      /* n with both participants (the caller asked for it) */
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
    sb_session_news_t news;
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
    /* the participants on this connection, whose pages the step has just read or written */
    if (j->people && (st = sb_sqlite_session_people(sc, j->p, j->n, 1, &gj->err)) != SB_STORE_OK) {
        return st;
    }
    if (!changed || !j->a->describe) {
        return SB_STORE_OK;
    }
    memset(&news, 0, sizeof news);
    j->a->describe(j->a->describe_ctx, j->n, &news);
    return sb_sqlite_session_announce(sc, news.events, news.nevents,
                                      news.notifies ? &news.notify : NULL, j->now, &gj->err);
}

sb_store_status_t sb_sqlite_session_act(sb_store_conn_t *c, apr_pool_t *p,
                                        const sb_session_act_t *a, int64_t now, sb_session_t **out,
                                        sb_store_error_t *err)
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
    j.now = now;
    j.n = apr_palloc(p, sizeof *j.n);
    j.people = out != NULL;
    st = sb_sqlite_group_run(&sb_acts, SB_SQLITE(c), &j.job, err);
    if (st == SB_STORE_OK && out) {
        *out = j.n;
    }
    return st;
}

/*
 * SQLite driver: sending a message, group-committed (sqlite_group.c).
 *
 * Every send is a write transaction, and SQLite runs one at a time. Measured under load (64
 * concurrent senders, 2 cores), a transaction held the write lock for ~450 µs although its
 * statements take ~80 µs on a quiet connection: each one started on a connection whose page
 * cache (and memory map) another commit had just invalidated, paid BEGIN and COMMIT (the WAL
 * append, the index update) for itself alone, and was preempted while holding the lock.
 *
 * So the sends of one process queue on their store's group, and whichever thread finds no
 * batch in progress leads one: the write turn, every send queued by then (and while it runs),
 * each in its own SAVEPOINT of one transaction, one commit. Each send keeps its own outcome:
 * one that is refused (unknown receiver, a block, a bad replyTo) or fails is rolled back to its
 * savepoint alone and answers its own error; a failed COMMIT fails every send of the batch.
 * A send answers only after the commit that stored it. The store's group has a writer
 * connection of its own, which every batch of the process runs on, and its leader leads on
 * while sends are queued (sqlite_group.c says why both).
 */
#include "sqlite_group.h"

#include <string.h>
#include <apr_strings.h>

/* Whether the receiver ?1 is visible at ?2, and whether it blocked the sender ?3: one
 * statement (a row only for a visible receiver), one step less inside the write turn. */
static const char SQL_RECEIVER_OPEN[] =
    "SELECT EXISTS (SELECT 1 FROM user_blocks WHERE blocker_id = ?1 AND blocked_id = ?3)"
    " FROM users u WHERE u.id = ?1 AND " SB_SQLITE_VISIBLE("u", "?2");
static const char SQL_REPLY_IN_PAIR[] =
    "SELECT 1 FROM messages WHERE id = ?1 AND pair = ?2 AND is_deleted = 0";
static const char SQL_NOTIFIED_ALREADY[] =
    "SELECT 1 FROM notifications WHERE user_id = ?1 AND is_read = 0 AND type = ?2"
    " AND subject_id IS ?3 LIMIT 1";

/* One send waiting for (or carried by) a batch; lives on the sending thread's stack. */
typedef struct {
    sb_sqlite_group_job_t job; /* first: the group hands this back */
    const sb_message_new_t *m;
    const sb_outbox_event_t *events;
    int nevents;
    const sb_notification_new_t *notify;
    int64_t now;
    int notified;
} sb_send_job_t;

/* The sends of every store of the process, counted together (sb_sqlite_send_stats). */
static sb_sqlite_group_counts_t sb_send_counts;

struct sb_sqlite_sender {
    sb_sqlite_group_t *group;
};

sb_sqlite_sender_t *sb_sqlite_sender_create(apr_pool_t *pool, const char *path, int busy_timeout_ms)
{
    sb_sqlite_sender_t *s = apr_palloc(pool, sizeof *s);

    s->group = sb_sqlite_group_create(pool, path, busy_timeout_ms, &sb_send_counts);
    return s;
}

void sb_sqlite_send_stats(sb_sqlite_send_stats_t *out)
{
    out->batches = __atomic_load_n(&sb_send_counts.batches, __ATOMIC_RELAXED);
    out->jobs = __atomic_load_n(&sb_send_counts.jobs, __ATOMIC_RELAXED);
    out->queued = __atomic_load_n(&sb_send_counts.queued, __ATOMIC_RELAXED);
    out->led_on = __atomic_load_n(&sb_send_counts.led_on, __ATOMIC_RELAXED);
    out->writers = __atomic_load_n(&sb_send_counts.writers, __ATOMIC_RELAXED);
}

/* The checks of a send, inside its transaction. */
static sb_store_status_t send_checks(sb_sqlite_conn_t *sc, const sb_message_new_t *m, int64_t now,
                                     sb_store_error_t *err)
{
    char pair[SB_SQLITE_PAIR_LEN];
    sqlite3_stmt *q;
    int r, blocked;

    if (!(q = sb_sqlite_prepare(sc, SQL_RECEIVER_OPEN, err))) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, m->receiver_id);
    sqlite3_bind_int64(q, 2, now);
    sb_sqlite_bind_text(q, 3, m->sender_id);
    if ((r = sb_sqlite_step(sc, q, err, "receiver")) < 0) {
        return err->status;
    }
    blocked = r == SQLITE_ROW && sqlite3_column_int(q, 0);
    sb_sqlite_done(q);
    if (r != SQLITE_ROW) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, "receiver", "no such receiver");
    }
    if (blocked) {
        return sb_store_fail(err, SB_STORE_REFUSED, "receiver", "the receiver blocked the sender");
    }
    if (m->reply_to) {
        if (!(q = sb_sqlite_prepare(sc, SQL_REPLY_IN_PAIR, err))) {
            return err->status;
        }
        sb_sqlite_bind_text(q, 1, m->reply_to);
        sb_sqlite_bind_text(q, 2, sb_sqlite_pair(pair, m->sender_id, m->receiver_id));
        if ((r = sb_sqlite_has_row(sc, q, err, "reply")) <= 0) {
            return r < 0 ? err->status
                         : sb_store_fail(err, SB_STORE_NOT_FOUND, "replyTo",
                                         "replyTo is not a message of this conversation");
        }
    }
    return SB_STORE_OK;
}

/* The notification of a send unless one of the same type and subject is still unread. */
static sb_store_status_t send_notify(sb_sqlite_conn_t *sc, sb_send_job_t *j)
{
    const sb_notification_new_t *n = j->notify;
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_NOTIFIED_ALREADY, &j->job.err);
    int r;

    if (!q) {
        return j->job.err.status;
    }
    sb_sqlite_bind_text(q, 1, n->user_id);
    sb_sqlite_bind_text(q, 2, n->type);
    sb_sqlite_bind_text(q, 3, n->subject_id);
    if ((r = sb_sqlite_has_row(sc, q, &j->job.err, "notified")) < 0) {
        return j->job.err.status;
    }
    if (r == 0) {
        if (sb_sqlite_notification_add(sc, n, j->now, &j->job.err) != SB_STORE_OK) {
            return j->job.err.status;
        }
        j->notified = 1;
    }
    return SB_STORE_OK;
}

/* Everything one send writes, inside the batch's transaction (a group step). */
static sb_store_status_t send_one(sb_sqlite_conn_t *sc, sb_sqlite_group_job_t *gj)
{
    sb_send_job_t *j = (sb_send_job_t *)gj;
    const sb_message_new_t *m = j->m;
    sb_message_t row;
    sb_store_status_t s;

    memset(&row, 0, sizeof row);
    apr_cpystrn(row.id, m->id, sizeof row.id);
    apr_cpystrn(row.sender_id, m->sender_id, sizeof row.sender_id);
    apr_cpystrn(row.receiver_id, m->receiver_id, sizeof row.receiver_id);
    apr_cpystrn(row.reply_to, m->reply_to ? m->reply_to : "", sizeof row.reply_to);
    row.content = m->content;
    row.message_type = m->message_type;
    row.created_at = row.updated_at = j->now;
    j->notified = 0;
    if ((s = send_checks(sc, m, j->now, &j->job.err)) != SB_STORE_OK
        || (s = sb_sqlite_message_insert(sc, &row, &j->job.err)) != SB_STORE_OK
        || (s = sb_sqlite_message_summaries(sc, m->sender_id, m->receiver_id, m->id, j->now,
                                            &j->job.err))
               != SB_STORE_OK
        || (s = sb_sqlite_outbox_add_all(sc, j->events, j->nevents, j->now, &j->job.err))
               != SB_STORE_OK
        || (j->notify && (s = send_notify(sc, j)) != SB_STORE_OK)) {
        j->notified = 0;
        return s;
    }
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_message_send(sb_store_conn_t *c, const sb_message_new_t *m,
                                         const sb_outbox_event_t *events, int nevents,
                                         const sb_notification_new_t *notify, int64_t now,
                                         int *notified, sb_store_error_t *err)
{
    sb_sqlite_sender_t *q = ((sb_sqlite_store_t *)c->store->priv)->sender;
    sb_send_job_t j;
    sb_store_status_t st;

    if (notified) {
        *notified = 0;
    }
    if (!m->id || strlen(m->id) != SB_ID_LEN || !m->sender_id || !m->receiver_id
        || (m->reply_to && strlen(m->reply_to) != SB_ID_LEN)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "message_send: bad ids");
    }
    memset(&j, 0, sizeof j);
    j.job.run = send_one;
    j.m = m;
    j.events = events;
    j.nevents = nevents;
    j.notify = notify;
    j.now = now;
    if ((st = sb_sqlite_group_run(q->group, SB_SQLITE(c), &j.job, err)) == SB_STORE_OK
        && notified) {
        *notified = j.notified;
    }
    return st;
}

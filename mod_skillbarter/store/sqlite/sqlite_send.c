/*
 * SQLite driver: sending a message, with group commit.
 *
 * Every send is a write transaction, and SQLite runs one at a time. Measured under load (64
 * concurrent senders, 2 cores), a transaction held the write lock for ~450 µs although its
 * statements take ~80 µs on a quiet connection: each one started on a connection whose page
 * cache (and memory map) another commit had just invalidated, paid BEGIN and COMMIT (the WAL
 * append, the index update) for itself alone, and was preempted while holding the lock.
 *
 * So the sends of one process queue here, and whichever thread finds no batch in progress
 * leads one: it takes the write turn (sqlite_conn.c), then every send queued by then (at most
 * SB_SEND_BATCH_MAX), runs each inside a SAVEPOINT of one transaction on its own connection and
 * commits once. Each send keeps its own outcome: one that is refused (unknown receiver, a
 * block, a bad replyTo) or fails is rolled back to its savepoint alone and answers its own
 * error, the others go on; a failed COMMIT fails every send of the batch (none of them is
 * stored). A send answers only after the commit that stored it, as before. A batch of one is
 * the plain transaction of old, without savepoint.
 *
 * The leader runs the batch on the process's writer connection for the store, not on its own
 * pooled one. Every commit invalidates the page cache and the memory map of each *other*
 * connection of the file (SQLite cannot tell which pages changed), so a batch led on whichever
 * pooled connection its leader happened to hold started cold: every page it touched was read or
 * faulted in again, and its BEGIN unmapped the whole file first — inside the write turn, where
 * everyone else waits. The writer commits every batch of the process, so while no other
 * process writes its cache and map stay warm from one batch to the next (README: "The send
 * path under load" for what this measured). It is opened on the first send in the process
 * (never inherited across fork) and closed with the store.
 */
#include "sqlite_int.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>

#define SB_SEND_BATCH_MAX   64
#define SB_SEND_LEAD_ROUNDS 8

static const char SQL_RECEIVER_VISIBLE[] =
    "SELECT 1 FROM users u WHERE u.id = ?1 AND " SB_SQLITE_VISIBLE("u", "?2");
static const char SQL_BLOCKED[] =
    "SELECT 1 FROM user_blocks WHERE blocker_id = ?1 AND blocked_id = ?2";
static const char SQL_REPLY_IN_PAIR[] =
    "SELECT 1 FROM messages WHERE id = ?1 AND pair = ?2 AND is_deleted = 0";
static const char SQL_NOTIFIED_ALREADY[] =
    "SELECT 1 FROM notifications WHERE user_id = ?1 AND is_read = 0 AND type = ?2"
    " AND subject_id IS ?3 LIMIT 1";

/* One send waiting for (or carried by) a batch; lives on the sending thread's stack. */
typedef struct sb_send_job {
    const sb_message_new_t *m;
    const sb_outbox_event_t *events;
    int nevents;
    const sb_notification_new_t *notify;
    int64_t now;
    int notified;
    int done;          /* set under the queue's mutex once status and err are final */
    pthread_cond_t cv; /* signalled when done, or when this send may lead the next batch */
    sb_store_status_t status;
    sb_store_error_t err;
    struct sb_send_job *next;
} sb_send_job_t;

/* A store's queue of sends in this process (FIFO), whether a batch is being led, and the
 * writer connection batches run on. Each waiting send sleeps on its own condition: a finished
 * batch wakes its own sends and the first one left in the queue (the next leader), not every
 * waiter. */
struct sb_sqlite_sender {
    pthread_mutex_t mu;
    sb_send_job_t *head, *tail;
    int leading;
    const char *path;
    int busy_timeout_ms;
    sb_sqlite_conn_t *writer; /* only the leader touches it; NULL until the first batch */
    pid_t writer_pid;         /* the process that opened it (a forked child opens its own) */
};

static sb_sqlite_send_stats_t sb_send_stats; /* every store of the process, atomically */

static apr_status_t sender_close(void *data)
{
    sb_sqlite_sender_t *s = data;

    if (s->writer && s->writer_pid == getpid()) {
        sb_sqlite_disconnect(s->writer);
    }
    s->writer = NULL;
    pthread_mutex_destroy(&s->mu);
    return APR_SUCCESS;
}

sb_sqlite_sender_t *sb_sqlite_sender_create(apr_pool_t *pool, const char *path, int busy_timeout_ms)
{
    sb_sqlite_sender_t *s = apr_pcalloc(pool, sizeof *s);

    pthread_mutex_init(&s->mu, NULL);
    s->path = path;
    s->busy_timeout_ms = busy_timeout_ms;
    apr_pool_cleanup_register(pool, s, sender_close, apr_pool_cleanup_null);
    return s;
}

void sb_sqlite_send_stats(sb_sqlite_send_stats_t *out)
{
    out->batches = __atomic_load_n(&sb_send_stats.batches, __ATOMIC_RELAXED);
    out->jobs = __atomic_load_n(&sb_send_stats.jobs, __ATOMIC_RELAXED);
    out->queued = __atomic_load_n(&sb_send_stats.queued, __ATOMIC_RELAXED);
    out->led_on = __atomic_load_n(&sb_send_stats.led_on, __ATOMIC_RELAXED);
    out->writers = __atomic_load_n(&sb_send_stats.writers, __ATOMIC_RELAXED);
}

/* The connection the leader runs a batch on: the store's writer (opened, or opened again after
 * an I/O failure or a fork, here), else the leader's own when the writer cannot be had. */
static sb_sqlite_conn_t *batch_conn(sb_sqlite_sender_t *s, sb_sqlite_conn_t *own)
{
    sb_store_error_t e = {0};

    if (s->writer && (s->writer_pid != getpid() || s->writer->broken)) {
        if (s->writer_pid == getpid()) {
            sb_sqlite_disconnect(s->writer);
        }
        s->writer = NULL; /* a parent's connection is the parent's: left alone */
    }
    if (!s->writer) {
        s->writer = sb_sqlite_connect(s->path, s->busy_timeout_ms, &e);
        s->writer_pid = getpid();
        if (s->writer) {
            __atomic_add_fetch(&sb_send_stats.writers, 1, __ATOMIC_RELAXED);
        }
    }
    if (!s->writer) {
        return own;
    }
    /* waiting for the turn is bounded as the caller's own connection would bound it */
    s->writer->busy_timeout_ms = own->busy_timeout_ms;
    return s->writer;
}

/* The checks of a send, inside its transaction. */
static sb_store_status_t send_checks(sb_sqlite_conn_t *sc, const sb_message_new_t *m, int64_t now,
                                     sb_store_error_t *err)
{
    char pair[SB_SQLITE_PAIR_LEN];
    sqlite3_stmt *q;
    int r;

    if (!(q = sb_sqlite_prepare(sc, SQL_RECEIVER_VISIBLE, err))) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, m->receiver_id);
    sqlite3_bind_int64(q, 2, now);
    if ((r = sb_sqlite_has_row(sc, q, err, "receiver")) <= 0) {
        return r < 0 ? err->status
                     : sb_store_fail(err, SB_STORE_NOT_FOUND, "receiver", "no such receiver");
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_BLOCKED, err))) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, m->receiver_id);
    sb_sqlite_bind_text(q, 2, m->sender_id);
    if ((r = sb_sqlite_has_row(sc, q, err, "block")) != 0) {
        return r < 0 ? err->status
                     : sb_store_fail(err, SB_STORE_REFUSED, "receiver",
                                     "the receiver blocked the sender");
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
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_NOTIFIED_ALREADY, &j->err);
    int r;

    if (!q) {
        return j->err.status;
    }
    sb_sqlite_bind_text(q, 1, n->user_id);
    sb_sqlite_bind_text(q, 2, n->type);
    sb_sqlite_bind_text(q, 3, n->subject_id);
    if ((r = sb_sqlite_has_row(sc, q, &j->err, "notified")) < 0) {
        return j->err.status;
    }
    if (r == 0) {
        if (sb_sqlite_notification_add(sc, n, j->now, &j->err) != SB_STORE_OK) {
            return j->err.status;
        }
        j->notified = 1;
    }
    return SB_STORE_OK;
}

/* Everything one send writes, inside the batch's transaction; status, err in j. */
static sb_store_status_t send_one(sb_sqlite_conn_t *sc, sb_send_job_t *j)
{
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
    if ((s = send_checks(sc, m, j->now, &j->err)) != SB_STORE_OK
        || (s = sb_sqlite_message_insert(sc, &row, &j->err)) != SB_STORE_OK
        || (s = sb_sqlite_message_summaries(sc, m->sender_id, m->receiver_id, m->id, j->now,
                                            &j->err))
               != SB_STORE_OK
        || (s = sb_sqlite_outbox_add_all(sc, j->events, j->nevents, j->now, &j->err)) != SB_STORE_OK
        || (j->notify && (s = send_notify(sc, j)) != SB_STORE_OK)) {
        j->notified = 0;
        return s;
    }
    return SB_STORE_OK;
}

/* Fail every job of batch[from..n) that has not failed on its own with err (they are not
 * stored: the transaction ended without them). */
static void fail_rest(sb_send_job_t **batch, int from, int n, const sb_store_error_t *err)
{
    int i;

    for (i = from; i < n; i++) {
        if (batch[i]->status == SB_STORE_OK) {
            batch[i]->status = err->status;
            batch[i]->err = *err;
            batch[i]->notified = 0;
        }
    }
}

/* Several sends in one transaction, each in its own savepoint (see the top of the file). */
static void run_batch(sb_sqlite_conn_t *sc, sb_send_job_t **batch, int n)
{
    sb_store_error_t e = {0};
    int i;

    for (i = 0; i < n; i++) {
        sb_send_job_t *j = batch[i];
        if (sb_sqlite_savepoint(sc, &e) != SB_STORE_OK) {
            break;
        }
        if ((j->status = send_one(sc, j)) == SB_STORE_OK) {
            if (sb_sqlite_savepoint_release(sc, &e) != SB_STORE_OK) {
                break;
            }
            continue;
        }
        if (sqlite3_get_autocommit(sc->db)) {
            /* SQLite ended the whole transaction (I/O error, full disk ...): nothing of the
             * batch is stored */
            e = j->err;
            break;
        }
        if (sb_sqlite_rollback_to(sc, &e) != SB_STORE_OK) {
            break;
        }
    }
    if (i < n) {
        sb_sqlite_rollback(sc);
        fail_rest(batch, 0, n, &e);
        return;
    }
    if (sb_sqlite_commit(sc, &e) != SB_STORE_OK) {
        fail_rest(batch, 0, n, &e);
    }
}

/* Lead one batch: the write turn first, then the sends queued by then (self, when given, among
 * them unless more than a batch were ahead of it). 0 when the write turn could not be had: then
 * self fails, the others stay queued. */
static int lead(sb_sqlite_sender_t *q, sb_sqlite_conn_t *own, sb_send_job_t *self)
{
    sb_send_job_t *batch[SB_SEND_BATCH_MAX], **pp;
    sb_sqlite_conn_t *sc = batch_conn(q, own);
    sb_store_error_t e = {0};
    int n = 0, i;

    if (sb_sqlite_begin(sc, &e) != SB_STORE_OK) {
        if (!self) {
            return 0;
        }
        /* no write turn within the busy timeout: this send fails, the others wait on */
        pthread_mutex_lock(&q->mu);
        for (pp = &q->head; *pp != self; pp = &(*pp)->next) {
        }
        *pp = self->next;
        if (q->tail == self) {
            q->tail = NULL;
            for (pp = &q->head; *pp; pp = &(*pp)->next) {
                q->tail = *pp;
            }
        }
        __atomic_sub_fetch(&sb_send_stats.queued, 1, __ATOMIC_RELAXED);
        self->status = e.status;
        self->err = e;
        self->done = 1;
        pthread_mutex_unlock(&q->mu);
        return 0;
    }
    pthread_mutex_lock(&q->mu);
    while (q->head && n < SB_SEND_BATCH_MAX) {
        batch[n++] = q->head;
        q->head = q->head->next;
    }
    if (!q->head) {
        q->tail = NULL;
    }
    __atomic_sub_fetch(&sb_send_stats.queued, n, __ATOMIC_RELAXED);
    __atomic_add_fetch(&sb_send_stats.batches, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&sb_send_stats.jobs, n, __ATOMIC_RELAXED);
    if (!self) {
        __atomic_add_fetch(&sb_send_stats.led_on, 1, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&q->mu);

    if (n == 1) {
        batch[0]->status = sb_sqlite_end(sc, send_one(sc, batch[0]), &batch[0]->err);
        if (batch[0]->status != SB_STORE_OK) {
            batch[0]->notified = 0;
        }
    }
    else {
        run_batch(sc, batch, n);
    }
    pthread_mutex_lock(&q->mu);
    for (i = 0; i < n; i++) {
        batch[i]->done = 1;
        if (batch[i] != self) {
            pthread_cond_signal(&batch[i]->cv);
        }
    }
    pthread_mutex_unlock(&q->mu);
    return 1;
}

sb_store_status_t sb_sqlite_message_send(sb_store_conn_t *c, const sb_message_new_t *m,
                                         const sb_outbox_event_t *events, int nevents,
                                         const sb_notification_new_t *notify, int64_t now,
                                         int *notified, sb_store_error_t *err)
{
    sb_sqlite_sender_t *q = ((sb_sqlite_store_t *)c->store->priv)->sender;
    sb_send_job_t job;

    if (notified) {
        *notified = 0;
    }
    if (!m->id || strlen(m->id) != SB_ID_LEN || !m->sender_id || !m->receiver_id
        || (m->reply_to && strlen(m->reply_to) != SB_ID_LEN)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "message_send: bad ids");
    }
    memset(&job, 0, sizeof job);
    job.m = m;
    job.events = events;
    job.nevents = nevents;
    job.notify = notify;
    job.now = now;
    pthread_cond_init(&job.cv, NULL);

    pthread_mutex_lock(&q->mu);
    if (q->tail) {
        q->tail->next = &job;
    }
    else {
        q->head = &job;
    }
    q->tail = &job;
    __atomic_add_fetch(&sb_send_stats.queued, 1, __ATOMIC_RELAXED);
    while (!job.done) {
        if (!q->leading) {
            /* lead, and go on leading while sends are queued (up to SB_SEND_LEAD_ROUNDS
             * batches): handing over to a sleeping thread left the turn idle until the
             * scheduler ran it, a long gap on a busy machine */
            int round;
            q->leading = 1;
            for (round = 0; q->head && round < SB_SEND_LEAD_ROUNDS; round++) {
                int led;
                pthread_mutex_unlock(&q->mu);
                led = lead(q, SB_SQLITE(c), job.done ? NULL : &job);
                pthread_mutex_lock(&q->mu);
                if (!led) {
                    break;
                }
            }
            q->leading = 0;
            if (q->head) {
                pthread_cond_signal(&q->head->cv); /* the next batch's leader */
            }
        }
        else {
            pthread_cond_wait(&job.cv, &q->mu);
        }
    }
    pthread_mutex_unlock(&q->mu);
    pthread_cond_destroy(&job.cv);
    if (job.status != SB_STORE_OK) {
        if (err) {
            *err = job.err;
        }
        return job.status;
    }
    if (notified) {
        *notified = job.notified;
    }
    return SB_STORE_OK;
}

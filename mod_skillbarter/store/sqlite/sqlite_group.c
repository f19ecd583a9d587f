/*
 * SQLite driver: group commit (sqlite_group.h).
 *
 * A write transaction pays for itself alone the write turn's hand-over between processes,
 * BEGIN (a connection whose page cache the previous commit invalidated), COMMIT (every page
 * it dirtied appended to the WAL, checksummed) and the checkpoints that WAL volume brings.
 * Steps that queue while the turn is busy share all of that: the leader takes the turn, then
 * every step queued by then and those that queue while it runs them, runs each inside a
 * SAVEPOINT and commits once. A step that fails is rolled back to its savepoint alone and
 * keeps its own error; when SQLite ends the whole transaction (an I/O error) or the COMMIT
 * fails, every step of the batch fails (none is stored). A batch of one is a plain
 * transaction, without savepoint.
 *
 * A leader goes on leading (up to SB_SQLITE_GROUP_LEAD_ROUNDS batches) while steps are
 * queued, its own step done or not: handing over to a sleeping thread left the write turn
 * idle until the scheduler ran that thread, a long gap on a busy machine, inside the time
 * every other process waits for the turn too.
 *
 * A group made with sb_sqlite_group_create runs its batches on a writer connection of its
 * own, not on the leader's pooled one. Every commit invalidates the page cache and the memory
 * map of each *other* connection of the file (SQLite cannot tell which pages changed), so a
 * batch led on whichever pooled connection its leader happened to hold started cold: every
 * page it touched was read or faulted in again, and its BEGIN unmapped the whole file first -
 * inside the write turn, where everyone else waits. The writer commits every batch of the
 * group, so while no other process writes its cache and map stay warm from one batch to the
 * next (README: "The send path under load"). It is opened by the first batch in the process
 * (never inherited across fork) and closed with the group's pool.
 *
 * A waiting thread sleeps on its job's state word (a futex), not on a condition variable:
 * woken under the group's mutex, every thread of a finished batch went straight back to
 * sleep on that mutex while the leader still held it, twice the context switches. The leader
 * marks its batch done under the mutex and wakes the threads after releasing it; a thread
 * that sees its job done returns without the mutex. A wake-up may so reach the word of a job
 * whose thread has returned already: futex wake-ups write nothing, and every futex sleeper
 * (this one, glibc's) checks its word again when woken.
 */
#include "sqlite_group.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#define JOB_WAITING 0
#define JOB_LEAD    1 /* may lead the next batch */
#define JOB_DONE    2 /* status and err are final */

static void job_wake(int *state)
{
    syscall(SYS_futex, state, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Sleep until the state leaves JOB_WAITING (set under the group's mutex); its new value. */
static int job_sleep(int *state)
{
    int v;

    while ((v = __atomic_load_n(state, __ATOMIC_ACQUIRE)) == JOB_WAITING) {
        syscall(SYS_futex, state, FUTEX_WAIT_PRIVATE, JOB_WAITING, NULL, NULL, 0);
    }
    return v;
}

/* n more of the count f, in g and its tally (under g->mu). */
#define GROUP_COUNT(g, f, n)                                                                       \
    do {                                                                                           \
        (g)->f += (n);                                                                             \
        if ((g)->tally) {                                                                          \
            __atomic_add_fetch(&(g)->tally->f, (n), __ATOMIC_RELAXED);                             \
        }                                                                                          \
    } while (0)

static apr_status_t group_close(void *data)
{
    sb_sqlite_group_t *g = data;

    if (g->writer && g->writer_pid == getpid()) {
        sb_sqlite_disconnect(g->writer);
    }
    g->writer = NULL;
    pthread_mutex_destroy(&g->mu);
    return APR_SUCCESS;
}

sb_sqlite_group_t *sb_sqlite_group_create(apr_pool_t *pool, const char *path, int busy_timeout_ms,
                                          sb_sqlite_group_counts_t *tally)
{
    sb_sqlite_group_t *g = apr_pcalloc(pool, sizeof *g);

    pthread_mutex_init(&g->mu, NULL);
    g->path = path;
    g->busy_timeout_ms = busy_timeout_ms;
    g->tally = tally;
    apr_pool_cleanup_register(pool, g, group_close, apr_pool_cleanup_null);
    return g;
}

/* The connection the leader runs a batch on: own for a group without writer; else the
 * group's writer (opened, or opened again after an I/O failure or a fork, here), or own when
 * the writer cannot be had. */
static sb_sqlite_conn_t *batch_conn(sb_sqlite_group_t *g, sb_sqlite_conn_t *own)
{
    sb_store_error_t e = {0};

    if (!g->path) {
        return own;
    }
    if (g->writer && (g->writer_pid != getpid() || g->writer->broken)) {
        if (g->writer_pid == getpid()) {
            sb_sqlite_disconnect(g->writer);
        }
        g->writer = NULL; /* a parent's connection is the parent's: left alone */
    }
    if (!g->writer) {
        g->writer = sb_sqlite_connect(g->path, g->busy_timeout_ms, &e);
        g->writer_pid = getpid();
        if (!g->writer) {
            return own;
        }
        pthread_mutex_lock(&g->mu);
        GROUP_COUNT(g, writers, 1);
        pthread_mutex_unlock(&g->mu);
    }
    /* waiting for the turn is bounded as the caller's own connection would bound it */
    g->writer->busy_timeout_ms = own->busy_timeout_ms;
    return g->writer;
}

/* Every job of batch[0..n) still OK fails with err: the transaction ended without it. */
static void fail_rest(sb_sqlite_group_job_t **batch, int n, const sb_store_error_t *err)
{
    int i;

    for (i = 0; i < n; i++) {
        if (batch[i]->status == SB_STORE_OK) {
            batch[i]->status = err->status;
            batch[i]->err = *err;
        }
    }
}

/* Move queued jobs into batch[n..] (at most SB_SQLITE_GROUP_MAX in all); the new count. */
static int take(sb_sqlite_group_t *g, sb_sqlite_group_job_t **batch, int n)
{
    int from = n;

    pthread_mutex_lock(&g->mu);
    while (g->head && n < SB_SQLITE_GROUP_MAX) {
        batch[n++] = g->head;
        g->head = g->head->next;
    }
    if (!g->head) {
        g->tail = NULL;
    }
    GROUP_COUNT(g, queued, -(int64_t)(n - from));
    GROUP_COUNT(g, jobs, (int64_t)(n - from));
    pthread_mutex_unlock(&g->mu);
    return n;
}

/* Inside the transaction begun by the leader: the jobs queued by then, each in a savepoint,
 * and those that queue while these run, until none is waiting (or the batch is full); then
 * the one commit. A lone first job runs without savepoint: when it fails, its transaction
 * is rolled back and the batch is that job alone. Returns how many jobs the batch took. */
static int run_batch(sb_sqlite_group_t *g, sb_sqlite_conn_t *sc, sb_sqlite_group_job_t **batch)
{
    sb_store_error_t e = {0};
    int n = take(g, batch, 0), i = 0;

    if (n == 1) {
        if ((batch[0]->status = batch[0]->run(sc, batch[0])) != SB_STORE_OK) {
            sb_sqlite_rollback(sc);
            return 1;
        }
        i = 1;
    }
    for (;;) {
        for (; i < n; i++) {
            sb_sqlite_group_job_t *j = batch[i];

            if (sb_sqlite_savepoint(sc, &e) != SB_STORE_OK) {
                goto failed;
            }
            if ((j->status = j->run(sc, j)) == SB_STORE_OK) {
                if (sb_sqlite_savepoint_release(sc, &e) != SB_STORE_OK) {
                    goto failed;
                }
            }
            else if (sqlite3_get_autocommit(sc->db)) {
                e = j->err; /* SQLite ended the whole transaction: nothing of the batch stays */
                goto failed;
            }
            else if (sb_sqlite_rollback_to(sc, &e) != SB_STORE_OK) {
                goto failed;
            }
        }
        if (n == SB_SQLITE_GROUP_MAX || (n = take(g, batch, n)) == i) {
            break;
        }
    }
    if (sb_sqlite_commit(sc, &e) != SB_STORE_OK) {
        fail_rest(batch, n, &e);
    }
    return n;
failed:
    sb_sqlite_rollback(sc);
    fail_rest(batch, n, &e);
    return n;
}

/* Lead one batch: the write turn first, then the jobs queued by then (self among them unless
 * a whole batch was ahead of it) and those queued meanwhile. self is NULL when the leader's
 * own job is done already (it leads on). 0 when the write turn could not be had: then self
 * fails, the others stay queued. */
static int lead(sb_sqlite_group_t *g, sb_sqlite_conn_t *own, sb_sqlite_group_job_t *self)
{
    sb_sqlite_group_job_t *batch[SB_SQLITE_GROUP_MAX], *k, *prev = NULL;
    sb_sqlite_conn_t *sc = batch_conn(g, own);
    sb_store_error_t e = {0};
    int n, i;

    if (sb_sqlite_begin(sc, &e) != SB_STORE_OK) {
        if (!self) {
            return 0;
        }
        /* no write turn within the busy timeout: this job fails, the others wait on */
        pthread_mutex_lock(&g->mu);
        for (k = g->head; k != self; k = k->next) {
            prev = k;
        }
        if (prev) {
            prev->next = self->next;
        }
        else {
            g->head = self->next;
        }
        if (g->tail == self) {
            g->tail = prev;
        }
        GROUP_COUNT(g, queued, -1);
        self->status = e.status;
        self->err = e;
        self->state = JOB_DONE;
        pthread_mutex_unlock(&g->mu);
        return 0;
    }
    pthread_mutex_lock(&g->mu);
    GROUP_COUNT(g, batches, 1);
    if (!self) {
        GROUP_COUNT(g, led_on, 1);
    }
    pthread_mutex_unlock(&g->mu);
    n = run_batch(g, sc, batch);

    pthread_mutex_lock(&g->mu);
    for (i = 0; i < n; i++) {
        __atomic_store_n(&batch[i]->state, JOB_DONE, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&g->mu);
    for (i = 0; i < n; i++) {
        if (batch[i] != self) {
            job_wake(&batch[i]->state);
        }
    }
    return 1;
}

sb_store_status_t sb_sqlite_group_run(sb_sqlite_group_t *g, sb_sqlite_conn_t *sc,
                                      sb_sqlite_group_job_t *j, sb_store_error_t *err)
{
    j->status = SB_STORE_OK;
    j->state = JOB_WAITING;
    j->next = NULL;

    pthread_mutex_lock(&g->mu);
    if (g->tail) {
        g->tail->next = j;
    }
    else {
        g->head = j;
    }
    g->tail = j;
    GROUP_COUNT(g, queued, 1);
    while (j->state != JOB_DONE) {
        if (!g->leading) {
            sb_sqlite_group_job_t *next = NULL;
            int round;

            g->leading = 1;
            for (round = 0; g->head && round < SB_SQLITE_GROUP_LEAD_ROUNDS; round++) {
                sb_sqlite_group_job_t *self = j->state == JOB_DONE ? NULL : j;
                int led;

                pthread_mutex_unlock(&g->mu);
                led = lead(g, sc, self);
                pthread_mutex_lock(&g->mu);
                if (!led) {
                    break;
                }
            }
            g->leading = 0;
            if (g->head && g->head != j) {
                next = g->head; /* the next batch's leader */
                next->state = JOB_LEAD;
            }
            if (next) {
                pthread_mutex_unlock(&g->mu);
                job_wake(&next->state);
                pthread_mutex_lock(&g->mu);
            }
            continue;
        }
        j->state = JOB_WAITING; /* a hand-over came while another thread took the lead */
        pthread_mutex_unlock(&g->mu);
        if (job_sleep(&j->state) == JOB_DONE) {
            goto done; /* the leader writes nothing into j after marking it done */
        }
        pthread_mutex_lock(&g->mu);
    }
    pthread_mutex_unlock(&g->mu);
done:
    if (j->status != SB_STORE_OK && err) {
        *err = j->err;
    }
    return j->status;
}

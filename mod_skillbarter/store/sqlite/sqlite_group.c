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
 * Batches run on a writer connection, not on the leader's pooled one: one per store and
 * process, shared by every group of the store (sends, session transitions), used only by
 * whoever holds the write turn, so the leader takes the turn first and then the writer. Every
 * commit invalidates the page cache and the memory map of each *other* connection of the file
 * (SQLite cannot tell which pages changed), so a batch led on whichever pooled connection its
 * leader happened to hold started cold: every page it touched was read or faulted in again,
 * and its BEGIN unmapped the whole file first - inside the write turn, where everyone else
 * waits. The writer commits every batch of the process, so while no other process writes its
 * cache and map stay warm from one batch to the next (README: "The send path under load").
 * It is opened by the first batch in the process (never inherited across fork) and closed
 * with the store's pool. A group made with sb_sqlite_group_create has a writer of its own for
 * leaders whose connection comes from no store.
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

#include <apr_strings.h>
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

struct sb_sqlite_writer {
    const char *path;
    int busy_timeout_ms;
    sb_sqlite_conn_t *conn; /* only the holder of the write turn touches it; NULL until used */
    pid_t pid;              /* the process that opened it (a forked child opens its own) */
};

static apr_status_t writer_close(void *data)
{
    sb_sqlite_writer_t *w = data;

    if (w->conn && w->pid == getpid()) {
        sb_sqlite_disconnect(w->conn);
    }
    w->conn = NULL; /* a parent's connection is the parent's: left alone */
    return APR_SUCCESS;
}

sb_sqlite_writer_t *sb_sqlite_writer_create(apr_pool_t *pool, const char *path, int busy_timeout_ms)
{
    sb_sqlite_writer_t *w = apr_pcalloc(pool, sizeof *w);

    w->path = apr_pstrdup(pool, path);
    w->busy_timeout_ms = busy_timeout_ms;
    apr_pool_cleanup_register(pool, w, writer_close, apr_pool_cleanup_null);
    return w;
}

sb_sqlite_conn_t *sb_sqlite_writer_conn(const sb_sqlite_writer_t *w)
{
    return w && w->pid == getpid() ? w->conn : NULL;
}

static apr_status_t group_close(void *data)
{
    sb_sqlite_group_t *g = data;

    pthread_mutex_destroy(&g->mu);
    return APR_SUCCESS;
}

sb_sqlite_group_t *sb_sqlite_group_create(apr_pool_t *pool, const char *path, int busy_timeout_ms,
                                          sb_sqlite_group_counts_t *tally)
{
    sb_sqlite_group_t *g = apr_pcalloc(pool, sizeof *g);

    pthread_mutex_init(&g->mu, NULL);
    g->tally = tally;
    /* registered before the group's cleanup, so closed after it */
    g->writer = sb_sqlite_writer_create(pool, path, busy_timeout_ms);
    apr_pool_cleanup_register(pool, g, group_close, apr_pool_cleanup_null);
    return g;
}

/* The connection the leader runs a batch on, with the write turn held by own: the writer of
 * own's store, else the group's, opened (or opened again after an I/O failure or a fork)
 * here; own itself when there is neither or the writer cannot be opened. The turn passes to
 * the connection returned. */
static sb_sqlite_conn_t *batch_conn(sb_sqlite_group_t *g, sb_sqlite_conn_t *own)
{
    sb_sqlite_writer_t *w = own->writer ? own->writer : g->writer;
    sb_store_error_t e = {0};

    if (!w) {
        return own;
    }
    if (w->conn && (w->pid != getpid() || w->conn->broken)) {
        if (w->pid == getpid()) {
            sb_sqlite_disconnect(w->conn);
        }
        w->conn = NULL;
    }
    if (!w->conn) {
        w->conn = sb_sqlite_connect(w->path, w->busy_timeout_ms, &e);
        w->pid = getpid();
        if (!w->conn) {
            return own;
        }
        /* No memory map for the writer: after another process's commit its BEGIN unmapped
         * the whole file inside the turn, and the pages a batch touches are mostly in the WAL,
         * which is read with pread either way (page faults per send 2.45 -> 0.77, munmap
         * 0.10 -> 0.01; notes/writecommit.md). */
        sb_sqlite_no_memory_map(w->conn);
        pthread_mutex_lock(&g->mu);
        GROUP_COUNT(g, writers, 1);
        pthread_mutex_unlock(&g->mu);
    }
    if (w->conn->turn != own->turn) {
        return own; /* not the same turn (the file mapped under another name): own, safely */
    }
    /* how long the batch may wait for a lock is the caller's to bound; checkpoints are the
     * store's checkpointer's as for the caller's connection */
    w->conn->busy_timeout_ms = own->busy_timeout_ms;
    w->conn->ckpt = own->ckpt;
    sb_sqlite_pass_turn(own, w->conn);
    return w->conn;
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
    sb_sqlite_conn_t *sc = own;
    sb_store_error_t e = {0};
    int n, i, wal_pages = 0;

    /* the turn first: the writer is the turn holder's to use */
    if (sb_sqlite_hold_turn(own, &e) != SB_STORE_OK
        || sb_sqlite_begin(sc = batch_conn(g, own), &e) != SB_STORE_OK) {
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
    if (sc->ckpt) {
        sc->ckpt_defer = &wal_pages; /* the checkpoint, if one is due, after the wake-ups */
    }
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
    if (wal_pages && own->ckpt) { /* on the leader's own connection, after its answer */
        sb_sqlite_ckpt_after_commit(own, wal_pages);
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

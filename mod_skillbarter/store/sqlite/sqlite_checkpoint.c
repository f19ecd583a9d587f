/*
 * SQLite driver: checkpoints outside the write turn, and only when they are due.
 *
 * SQLite's automatic checkpoint runs inside the commit that crosses the threshold, so the
 * writer - and everyone queued on the write turn behind it - waited for the copy back into the
 * database file and its two fdatasyncs. The driver's hook only records the WAL's size; after
 * the turn is given back the committing thread runs the checkpoint on the store's checkpointer
 * connection (one per store and process, never a request's own), and a group commit's leader
 * only after it has woken the batch's other threads (sqlite_group.c); and then only once the
 * request's answer is out (below).
 *
 * Due when the WAL has grown SB_SQLITE_CHECKPOINT_PAGES frames past what the latest
 * checkpoint (of any process) copied back, not "when the WAL has N frames": a passive
 * checkpoint cannot start the WAL over while other writers append, so under steady load the
 * WAL stays long, and the old rule asked for a checkpoint after nearly every commit of every
 * connection (two fdatasyncs each, per few batches of sends). How far the latest checkpoint
 * got lives in the turn's shared mapping with the checkpointer's lock: a robust mutex taken by
 * trylock, so one checkpointer of all processes works at a time, a busy one makes the others
 * skip (a later commit asks again), and one that dies in a checkpoint leaves it to the next
 * (sqlite_turn.c). Past SB_SQLITE_RESTART_PAGES the checkpoint is a RESTART with the write
 * turn, as sqlite_conn.c describes.
 *
 * Not in the request that made it due: a passive checkpoint takes several ms (the copy back,
 * two fdatasyncs), and about one send in 70 crossed the threshold, so that send's answer (a
 * REST send, the daemon's ack and push) carried it: the p99 of delivery. A commit leaves a
 * due checkpoint on its connection (sb_sqlite_ckpt_after_commit) and the connection runs it
 * when it is given back (sb_sqlite_after_answer from the release on the acquiring pool): in
 * httpd that is the request pool's cleanup, which runs when the EOR bucket is destroyed,
 * after the response has been written (http_request.h, ap_bucket_eor_create); in the daemon
 * it is the lane's batch pool, cleared after its acks and events went to the service thread.
 * Even then a lane running it stalled the sends queued behind it for those ms (the daemon's
 * delivery p99), so a store opened with background_checkpoints (the daemon's) hands it to a
 * thread of the checkpointer's own, started by the first, which takes the latest request
 * (those that come while it runs fold into one) and runs it on the same connection, under the
 * same locks; the lane goes on with its next batch.
 * A connection kept past its answers still checkpoints: one left waiting while the WAL grew
 * SB_SQLITE_CHECKPOINT_LATE_PAGES more runs at its next commit (so the WAL's bound is
 * SB_SQLITE_RESTART_PAGES plus that for such a connection). The RESTART waits for the answer
 * too: under steady sends some reader always holds a snapshot, passive checkpoints never
 * start the WAL over, and every SB_SQLITE_RESTART_PAGES frames one send took the RESTART
 * (with the write turn, waiting up to SB_SQLITE_RESTART_WAIT_MS for readers).
 */
#include "sqlite_int.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <apr_strings.h>

struct sb_sqlite_ckpt {
    const char *path;
    int busy_timeout_ms;
    pthread_mutex_t mu;     /* the process's checkpointer at work (trylock) */
    pid_t pid;              /* the process that uses it (a forked child starts afresh) */
    int64_t pokes, runs;    /* under mu */
    pid_t ran_on;           /* the thread that ran the latest checkpoint (under mu) */
    sb_sqlite_conn_t *conn; /* the checkpointer's own */
    /* background (sb_sqlite_ckpt_create): the process's checkpoint thread, under bg_mu */
    int background;
    pthread_mutex_t bg_mu;
    pthread_cond_t bg_cv;
    pthread_t thread;
    int running; /* started in this process */
    int stop;    /* the store is closing: none is started again */
    int want;    /* the WAL's frames at the latest request not yet taken; 0: none */
    sb_sqlite_turn_t *turn;
};

/* 1 when a WAL of pages frames is due a checkpoint. A WAL shorter than what the latest
 * checkpoint copied back has been started over since. */
static int ckpt_due(sb_sqlite_turn_t *t, int pages)
{
    uint32_t done = sb_sqlite_ckpt_done(t);

    if (done > (uint32_t)pages) {
        done = 0;
    }
    return pages >= SB_SQLITE_RESTART_PAGES
           || (uint32_t)pages - done >= (uint32_t)SB_SQLITE_CHECKPOINT_PAGES;
}

/* One checkpoint on the checkpointer's connection (under c->mu), unless another process's
 * checkpointer is at work. */
static void ckpt_run(sb_sqlite_ckpt_t *c, sb_sqlite_turn_t *t, int pages)
{
    sb_store_error_t e = {0};
    int log = -1, done = -1, rc;

    if (sb_sqlite_ckpt_try(t) != 0) {
        return;
    }
    if (c->conn && c->conn->broken) {
        sb_sqlite_disconnect(c->conn);
        c->conn = NULL;
    }
    if (!c->conn && !(c->conn = sb_sqlite_connect(c->path, c->busy_timeout_ms, &e))) {
        sb_sqlite_ckpt_release(t, sb_sqlite_ckpt_done(t));
        return;
    }
    if (pages >= SB_SQLITE_RESTART_PAGES) {
        c->conn->busy_timeout_ms = SB_SQLITE_RESTART_WAIT_MS;
        if (sb_sqlite_hold_turn(c->conn, &e) == SB_STORE_OK) {
            rc = sqlite3_wal_checkpoint_v2(c->conn->db, NULL, SQLITE_CHECKPOINT_RESTART, &log,
                                           &done);
            sb_sqlite_rollback(c->conn); /* gives the turn back */
            if (rc == SQLITE_OK) {
                done = 0; /* the next writer starts the WAL over */
            }
        }
        c->conn->busy_timeout_ms = c->busy_timeout_ms;
    }
    if (done < 0) {
        rc = sqlite3_wal_checkpoint_v2(c->conn->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
        if ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_CORRUPT) {
            c->conn->broken = 1;
        }
    }
    sb_sqlite_ckpt_release(t, done >= 0 ? (uint32_t)done : sb_sqlite_ckpt_done(t));
    c->runs++;
    c->ran_on = gettid();
}

/* The checkpointer as this process's own: a forked copy drops the parent's connection and
 * thread (neither is the child's) and starts afresh. */
static void ckpt_own(sb_sqlite_ckpt_t *c)
{
    pid_t me = getpid();

    if (c->pid != me) {
        if (c->pid != 0) {
            pthread_mutex_init(&c->mu, NULL);
            pthread_mutex_init(&c->bg_mu, NULL);
            pthread_cond_init(&c->bg_cv, NULL);
            c->conn = NULL;
            c->running = 0;
            c->want = 0;
        }
        c->pid = me;
    }
}

/* Run one here unless another thread of the process is at it. */
static void ckpt_now(sb_sqlite_ckpt_t *c, sb_sqlite_turn_t *t, int pages)
{
    if (pthread_mutex_trylock(&c->mu) != 0) {
        return; /* another thread of the process is at it */
    }
    c->pokes++;
    ckpt_run(c, t, pages);
    pthread_mutex_unlock(&c->mu);
}

/* The background thread: the latest request, one checkpoint at a time, until stopped.
 * Requests that come while one runs fold into one (the WAL's frames at the latest). */
static void *ckpt_thread(void *data)
{
    sb_sqlite_ckpt_t *c = data;
    int pages;

    pthread_mutex_lock(&c->bg_mu);
    for (;;) {
        while (!c->want && !c->stop) {
            pthread_cond_wait(&c->bg_cv, &c->bg_mu);
        }
        if (c->stop) {
            break;
        }
        pages = c->want;
        c->want = 0;
        pthread_mutex_unlock(&c->bg_mu);
        ckpt_now(c, c->turn, pages);
        pthread_mutex_lock(&c->bg_mu);
    }
    pthread_mutex_unlock(&c->bg_mu);
    return NULL;
}

/* Hands the checkpoint to the background thread (started by the first); 0 when there is
 * none (it could not start, or the store is closing): the caller runs it itself. The thread
 * is made with every signal blocked: signals are the server's main thread's. */
static int ckpt_hand(sb_sqlite_ckpt_t *c, sb_sqlite_turn_t *t, int pages)
{
    sigset_t all, old;
    int handed;

    pthread_mutex_lock(&c->bg_mu);
    if (!c->running && !c->stop) {
        c->turn = t;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        c->running = pthread_create(&c->thread, NULL, ckpt_thread, c) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (c->running) {
            pthread_setname_np(c->thread, "sb-checkpoint");
        }
    }
    handed = c->running && !c->stop;
    if (handed) {
        c->want = pages > c->want ? pages : c->want;
        pthread_cond_signal(&c->bg_cv);
    }
    pthread_mutex_unlock(&c->bg_mu);
    return handed;
}

static apr_status_t ckpt_close(void *data)
{
    sb_sqlite_ckpt_t *c = data;

    if (c->pid == getpid()) {
        pthread_mutex_lock(&c->bg_mu);
        c->stop = 1;
        pthread_cond_signal(&c->bg_cv);
        pthread_mutex_unlock(&c->bg_mu);
        if (c->running) {
            pthread_join(c->thread, NULL); /* after the checkpoint it may be running */
            c->running = 0;
        }
        sb_sqlite_disconnect(c->conn);
    }
    c->conn = NULL; /* a parent's connection is the parent's: left alone */
    pthread_cond_destroy(&c->bg_cv);
    pthread_mutex_destroy(&c->bg_mu);
    pthread_mutex_destroy(&c->mu);
    return APR_SUCCESS;
}

sb_sqlite_ckpt_t *sb_sqlite_ckpt_create(apr_pool_t *pool, const char *path, int busy_timeout_ms,
                                        int background)
{
    sb_sqlite_ckpt_t *c = apr_pcalloc(pool, sizeof *c);

    c->path = apr_pstrdup(pool, path);
    c->busy_timeout_ms = busy_timeout_ms;
    c->background = background;
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->bg_mu, NULL);
    pthread_cond_init(&c->bg_cv, NULL);
    apr_pool_cleanup_register(pool, c, ckpt_close, apr_pool_cleanup_null);
    return c;
}

/* Run one (on the background thread, when the store has one) unless another thread of the
 * process is at it. */
static void ckpt_take(sb_sqlite_ckpt_t *c, sb_sqlite_turn_t *t, int pages)
{
    ckpt_own(c);
    if (!c->background || !ckpt_hand(c, t, pages)) {
        ckpt_now(c, t, pages);
    }
}

void sb_sqlite_ckpt_poke(sb_sqlite_ckpt_t *c, sb_sqlite_turn_t *t, int pages)
{
    if (ckpt_due(t, pages)) {
        ckpt_take(c, t, pages);
    }
}

/* The checkpoint sc left, now. Not when any checkpoint ran since it was left: that one took
 * care of it (and a later commit asks again). Not ckpt_due again either: a WAL started over
 * since the latest checkpoint may have grown past what it copied, which it reads as no
 * growth. */
static void ckpt_left_run(sb_sqlite_conn_t *sc)
{
    int pages = sc->ckpt_after;

    sc->ckpt_after = 0;
    if (sb_sqlite_ckpt_done(sc->turn) == sc->ckpt_after_done) {
        ckpt_take(sc->ckpt, sc->turn, pages);
    }
}

void sb_sqlite_ckpt_after_commit(sb_sqlite_conn_t *sc, int pages)
{
    if (sc->ckpt_after) {
        sc->ckpt_after = pages; /* from SB_SQLITE_RESTART_PAGES on it is a RESTART */
        /* waited too long for an answer; or the WAL is past its bound, where a RESTART that
         * readers made fail is tried again at the next commit, as before the deferral (one
         * every SB_SQLITE_CHECKPOINT_LATE_PAGES let the WAL outgrow its bound under readers) */
        if (pages >= SB_SQLITE_RESTART_PAGES
            || pages - sc->ckpt_after_since >= SB_SQLITE_CHECKPOINT_LATE_PAGES) {
            ckpt_left_run(sc);
        }
        return;
    }
    if (ckpt_due(sc->turn, pages)) { /* for after the answer */
        sc->ckpt_after = sc->ckpt_after_since = pages;
        sc->ckpt_after_done = sb_sqlite_ckpt_done(sc->turn);
    }
}

void sb_sqlite_after_answer(sb_sqlite_conn_t *sc)
{
    if (sc->ckpt_after && sc->ckpt && !sc->broken) {
        ckpt_left_run(sc);
    }
}

void sb_sqlite_ckpt_counts(sb_sqlite_ckpt_t *c, int64_t *pokes, int64_t *runs)
{
    pthread_mutex_lock(&c->mu);
    *pokes = c->pokes;
    *runs = c->runs;
    pthread_mutex_unlock(&c->mu);
}

pid_t sb_sqlite_ckpt_ran_on(sb_sqlite_ckpt_t *c)
{
    pid_t tid;

    pthread_mutex_lock(&c->mu);
    tid = c->ran_on;
    pthread_mutex_unlock(&c->mu);
    return tid;
}

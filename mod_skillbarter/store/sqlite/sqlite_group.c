/*
 * SQLite driver: group commit (sqlite_group.h).
 *
 * A write transaction pays for itself alone the write turn's hand-over between processes,
 * BEGIN (a connection whose page cache the previous commit invalidated), COMMIT (every page
 * it dirtied appended to the WAL, checksummed) and the checkpoints that WAL volume brings.
 * Steps that queue while the turn is busy share all of that: the leader takes the turn, then
 * every step queued by then and those that queue while it runs them, runs each inside a
 * SAVEPOINT and commits once. A step that fails
 * is rolled back to its savepoint alone and keeps its own error; when SQLite ends the whole
 * transaction (an I/O error) or the COMMIT fails, every step of the batch fails (none is
 * stored). A batch of one is a plain transaction, without savepoint.
 */
#include "sqlite_group.h"

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
    g->queued -= n - from;
    g->jobs += n - from;
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

/* Lead one batch: the write turn first, then the jobs queued by then (self among them
 * unless a whole batch was ahead of it) and those queued meanwhile. */
static void lead(sb_sqlite_group_t *g, sb_sqlite_conn_t *sc, sb_sqlite_group_job_t *self)
{
    sb_sqlite_group_job_t *batch[SB_SQLITE_GROUP_MAX], *k, *prev = NULL;
    sb_store_error_t e = {0};
    int n, i;

    if (sb_sqlite_begin(sc, &e) != SB_STORE_OK) {
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
        g->queued--;
        self->status = e.status;
        self->err = e;
        self->done = 1;
        pthread_mutex_unlock(&g->mu);
        return;
    }
    pthread_mutex_lock(&g->mu);
    g->batches++;
    pthread_mutex_unlock(&g->mu);
    n = run_batch(g, sc, batch);

    pthread_mutex_lock(&g->mu);
    for (i = 0; i < n; i++) {
        batch[i]->done = 1;
        if (batch[i] != self) {
            pthread_cond_signal(&batch[i]->cv);
        }
    }
    pthread_mutex_unlock(&g->mu);
}

sb_store_status_t sb_sqlite_group_run(sb_sqlite_group_t *g, sb_sqlite_conn_t *sc,
                                      sb_sqlite_group_job_t *j, sb_store_error_t *err)
{
    j->status = SB_STORE_OK;
    j->done = 0;
    j->next = NULL;
    pthread_cond_init(&j->cv, NULL);

    pthread_mutex_lock(&g->mu);
    if (g->tail) {
        g->tail->next = j;
    }
    else {
        g->head = j;
    }
    g->tail = j;
    g->queued++;
    while (!j->done) {
        if (!g->leading) {
            g->leading = 1;
            pthread_mutex_unlock(&g->mu);
            lead(g, sc, j);
            pthread_mutex_lock(&g->mu);
            g->leading = 0;
            if (g->head) {
                pthread_cond_signal(&g->head->cv); /* the next batch's leader */
            }
        }
        else {
            pthread_cond_wait(&j->cv, &g->mu);
        }
    }
    pthread_mutex_unlock(&g->mu);
    pthread_cond_destroy(&j->cv);
    if (j->status != SB_STORE_OK && err) {
        *err = j->err;
    }
    return j->status;
}

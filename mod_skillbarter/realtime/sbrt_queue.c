/*
 * A store thread and its job queue: the store worker (sbrt_worker.c) and each send lane
 * (sbrt_lanes.c) are one of these. The thread takes every queued job at once, runs them on one
 * store connection of its own (q->run), reads the outbox tail when run asks for it and hands
 * the results to the service thread (sbrt_worker_finish); then it waits for the next jobs, a
 * pump, or q->due_ms (the worker's prune time). Each turn has its own pools: the batch pool
 * holds the connection (handed back by its cleanup when the pool is cleared), the scratch
 * pool each job's work.
 */
#include "sbrt_worker_int.h"

#include <stdio.h>
#include <time.h>

#include "sb_time.h"

/* Wait, under q->lock, until there is something to do. */
static void wait_for_work(sbrt_queue_t *q)
{
    struct timespec until;
    int64_t wait_ms;

    while (!q->jobs && !q->pump && !q->stop) {
        if (!q->due_ms) {
            pthread_cond_wait(&q->cond, &q->lock);
            continue;
        }
        wait_ms = q->due_ms - sb_now_ms();
        if (wait_ms <= 0) {
            return;
        }
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += wait_ms / 1000;
        until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&q->cond, &q->lock, &until);
    }
}

static void *queue_main(void *arg)
{
    sbrt_queue_t *q = arg;
    sbrt_server_t *srv = q->srv;
    apr_pool_t *root, *batch, *scratch;

    apr_pool_create(&root, NULL);
    apr_pool_create(&batch, root);
    apr_pool_create(&scratch, root);
    for (;;) {
        sbrt_turn_t t = {0};
        sb_store_error_t e = {0};
        int read_tail;

        t.scratch = scratch;
        t.tail = &t.first;
        pthread_mutex_lock(&q->lock);
        wait_for_work(q);
        t.jobs = q->jobs;
        q->jobs = NULL;
        q->jobs_tail = &q->jobs;
        q->njobs = 0;
        t.pump = q->pump;
        q->pump = 0;
        t.stop = q->stop;
        pthread_mutex_unlock(&q->lock);
        if (t.stop && !t.jobs) {
            if (q->last) {
                q->last(q, batch);
            }
            break;
        }
        if (sb_store_acquire(srv->store, batch, &t.conn, &e) != SB_STORE_OK) {
            sbrt_log(srv, SBRT_LOG_ERROR, "store unavailable: %s", e.message);
            t.conn = NULL;
        }
        read_tail = q->run(q, &t);
        apr_pool_clear(scratch);
        sbrt_worker_finish(srv, t.conn, scratch, read_tail && !t.stop, q->events_first, &t.first,
                           t.tail);
        apr_pool_clear(batch);
    }
    apr_pool_destroy(root);
    return NULL;
}

void sbrt_turn_add(sbrt_turn_t *t, result_t *r)
{
    if (r) {
        *t->tail = r;
        t->tail = &r->next;
    }
}

void sbrt_queue_init(sbrt_queue_t *q, sbrt_server_t *srv)
{
    q->srv = srv;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    q->jobs_tail = &q->jobs;
}

int sbrt_queue_start(sbrt_queue_t *q, const char *name)
{
    char n[16];

    if (pthread_create(&q->thread, NULL, queue_main, q) != 0) {
        return -1;
    }
    snprintf(n, sizeof n, "%s", name); /* the kernel keeps 15 characters */
    pthread_setname_np(q->thread, n);
    q->started = 1;
    return 0;
}

int sbrt_queue_post(sbrt_queue_t *q, job_t *j, int max)
{
    pthread_mutex_lock(&q->lock);
    if (max && q->njobs >= max) {
        pthread_mutex_unlock(&q->lock);
        return -1;
    }
    *q->jobs_tail = j;
    q->jobs_tail = &j->next;
    q->njobs++;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

void sbrt_queue_pump(sbrt_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    q->pump = 1;
    pthread_cond_signal(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

void sbrt_queue_stop(sbrt_queue_t *q)
{
    if (q->started) {
        pthread_mutex_lock(&q->lock);
        q->stop = 1;
        pthread_cond_signal(&q->cond);
        pthread_mutex_unlock(&q->lock);
        pthread_join(q->thread, NULL);
        q->started = 0;
    }
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
}

/*
 * The store worker: one thread that does the daemon's store writes and outbox reads, so a
 * SQLite transaction never stalls the libwebsockets service thread (and every socket with it).
 *
 * The service thread posts jobs (sbrt_worker_send, sbrt_worker_touch, sbrt_worker_pump, and
 * sbrt_worker_call for the reads of presence and of the ephemeral events); the
 * worker takes all queued jobs at once, runs them on one store connection of its own, then
 * reads the outbox tail once for the whole batch. What the sockets must see comes back as
 * results — a ready Engine.IO packet for one session (an ack), or an outbox event for every
 * socket of its recipient — in one FIFO list; a libev async watcher of the highest priority
 * wakes the service thread, which writes them (sbrt_worker_drain) before it looks at any
 * other ready socket of that turn. A session that closed meanwhile is simply not found.
 * message:send runs on the send lanes (sbrt_lanes.c), which hand their results over the same
 * way.
 *
 * The worker also runs the outbox pruning: every prune_interval, under the store's job lease
 * "outbox-prune" (so of several daemons on one store one prunes), it deletes the events older
 * than the retention setting.
 *
 * Jobs and results are malloc'd and owned by exactly one thread at a time (handed over under
 * the lock); the worker allocates only from its own pools.
 */
#include "sbrt_worker_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <apr_strings.h>

#include "sb_time.h"

#define TAIL_BATCH     256
#define PRUNE_LEASE    "outbox-prune"
#define PRUNE_HOLD_MIN 60000 /* ms: the least a prune lease is held for */

static struct {
    sbrt_server_t *srv;
    pthread_t thread;
    int started;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    job_t *jobs, **jobs_tail;
    int njobs;
    int pump; /* read the tail at the next turn */
    int stop; /* finish the queue, then end */
    result_t *res, **res_tail;
    pthread_mutex_t tail_lock; /* srv->tail_pos, and the order of the hand-overs */
    ev_async wake;             /* results are waiting (service thread) */
    int64_t next_prune;        /* ms */
    int prune_held;            /* this daemon held the lease at its last turn */
    char holder[96];           /* this daemon's name for the lease */
} wk = {.lock = PTHREAD_MUTEX_INITIALIZER,
        .tail_lock = PTHREAD_MUTEX_INITIALIZER,
        .cond = PTHREAD_COND_INITIALIZER,
        .jobs_tail = &wk.jobs,
        .res_tail = &wk.res};

/* ---- service thread side ---- */

static void post(job_t *j)
{
    pthread_mutex_lock(&wk.lock);
    *wk.jobs_tail = j;
    wk.jobs_tail = &j->next;
    wk.njobs++;
    pthread_cond_signal(&wk.cond);
    pthread_mutex_unlock(&wk.lock);
}

int sbrt_worker_send(sbrt_session_t *s, int64_t ack_id, json_object *body)
{
    job_t *j;

    if (!(j = calloc(1, sizeof *j))) {
        return -1;
    }
    if (json_object_deep_copy(body, &j->body, NULL) != 0) {
        free(j);
        return -1;
    }
    j->kind = JOB_SEND;
    memcpy(j->sid, s->sid, sizeof j->sid);
    apr_cpystrn(j->user_id, s->user_id, sizeof j->user_id);
    j->ack_id = ack_id;
    j->at = sb_now_ms();
    if (sbrt_lanes_post(j) != 0) {
        json_object_put(j->body);
        free(j);
        return -1;
    }
    return 0;
}

/* A copy of auth's string member key, or NULL. */
static char *auth_string(json_object *auth, const char *key)
{
    json_object *v;

    if (auth && json_object_object_get_ex(auth, key, &v)
        && json_object_is_type(v, json_type_string)) {
        return strdup(json_object_get_string(v));
    }
    return NULL;
}

int sbrt_worker_connect(sbrt_session_t *s, json_object *auth)
{
    job_t *j = calloc(1, sizeof *j);

    if (!j) {
        return -1;
    }
    j->kind = JOB_CONNECT;
    memcpy(j->sid, s->sid, sizeof j->sid);
    j->token = auth_string(auth, "token");
    j->pid = auth_string(auth, "pid");
    j->offset = auth_string(auth, "offset");
    post(j);
    return 0;
}

void sbrt_worker_touch(sbrt_server_t *srv, const char *user_id, int64_t at)
{
    job_t *j = calloc(1, sizeof *j);

    (void)srv;
    if (!j) {
        return;
    }
    j->kind = JOB_TOUCH;
    apr_cpystrn(j->user_id, user_id, sizeof j->user_id);
    j->at = at;
    post(j);
}

int sbrt_worker_call(sbrt_server_t *srv, sbrt_work_fn work, sbrt_done_fn done, void *arg)
{
    job_t *j = calloc(1, sizeof *j);

    (void)srv;
    if (!j) {
        return -1;
    }
    j->kind = JOB_CALL;
    j->work = work;
    j->done = done;
    j->arg = arg;
    post(j);
    return 0;
}

void sbrt_worker_pump(sbrt_server_t *srv)
{
    (void)srv;
    pthread_mutex_lock(&wk.lock);
    wk.pump = 1;
    pthread_cond_signal(&wk.cond);
    pthread_mutex_unlock(&wk.lock);
}

static void deliver_event(sbrt_server_t *srv, const result_t *r)
{
    sbrt_session_t *s = sbrt_outbox_sessions_of(srv, r->user_id), *next;

    for (; s; s = next) {
        next = s->user_next; /* a full queue closes s */
        if (r->seq > s->last_seq) {
            s->last_seq = r->seq;
            sbrt_session_send(s, r->text, r->len);
        }
    }
    if (r->peer[0]) {
        sbrt_presence_pair(srv, r->user_id, r->peer);
    }
}

void sbrt_worker_drain(sbrt_server_t *srv)
{
    result_t *r, *next;
    sbrt_session_t *s;

    pthread_mutex_lock(&wk.lock);
    r = wk.res;
    wk.res = NULL;
    wk.res_tail = &wk.res;
    pthread_mutex_unlock(&wk.lock);
    for (; r; r = next) {
        next = r->next;
        if (r->kind == RES_EVENT) {
            deliver_event(srv, r);
        }
        else if (r->kind == RES_CALL) {
            r->done(srv, r->arg);
        }
        else if (r->kind == RES_CONNECT) {
            if ((s = sbrt_session_find(srv, r->sid))) {
                sbrt_outbox_connected(s, &r->connect);
            }
            free(r->connect.pid);
            free(r->connect.replay);
        }
        else if ((s = sbrt_session_find(srv, r->sid))) {
            sbrt_session_send(s, r->text, r->len);
        }
        free(r);
    }
}

/* ---- worker side ---- */

result_t *sbrt_result_new(res_kind_t kind, const char *text, apr_size_t len)
{
    result_t *r = malloc(sizeof *r + len + 1);

    if (r) {
        memset(r, 0, sizeof *r);
        r->kind = kind;
        r->len = len;
        memcpy(r->text, text, len);
        r->text[len] = '\0';
    }
    return r;
}

/* Results of one batch, appended under the lock and announced once. */
static void publish(result_t *first, result_t **last_next)
{
    if (!first) {
        return;
    }
    pthread_mutex_lock(&wk.lock);
    *wk.res_tail = first;
    wk.res_tail = last_next;
    pthread_mutex_unlock(&wk.lock);
    ev_async_send(wk.srv->loop, &wk.wake);
}

static void run_tail(sbrt_server_t *srv, sb_store_conn_t *conn, apr_pool_t *p, result_t ***tail);

void sbrt_worker_finish(sbrt_server_t *srv, sb_store_conn_t *conn, apr_pool_t *p, int read_tail,
                        result_t **first, result_t **tail)
{
    pthread_mutex_lock(&wk.tail_lock);
    if (conn && read_tail) {
        run_tail(srv, conn, p, &tail);
    }
    publish(*first, tail);
    pthread_mutex_unlock(&wk.tail_lock);
}

/* The sender of a message:received row when it is not the row's recipient (the receiver's
 * copy, not the sender's other devices'), else "": a message may make them partners. */
static void message_peer(const sb_outbox_row_t *row, char peer[SB_ID_LEN + 1])
{
    static const char key[] = "\"sender\":{\"_id\":\"";
    const char *at;

    peer[0] = '\0';
    if (strcmp(row->type, "message:received") != 0 || !row->data
        || !(at = strstr(row->data, key))) {
        return;
    }
    at += sizeof key - 1;
    if (strlen(at) > SB_ID_LEN && at[SB_ID_LEN] == '"' && strncmp(at, row->user_id, SB_ID_LEN)) {
        memcpy(peer, at, SB_ID_LEN);
        peer[SB_ID_LEN] = '\0';
    }
}

/* Every event after the tail position, as results; the position moves past them. */
static void run_tail(sbrt_server_t *srv, sb_store_conn_t *conn, apr_pool_t *p, result_t ***tail)
{
    sb_store_error_t e = {0};
    apr_array_header_t *rows;
    int i;

    do {
        apr_pool_clear(p);
        if (sb_store_outbox_tail(conn, p, srv->tail_pos, TAIL_BATCH, &rows, &e) != SB_STORE_OK) {
            sbrt_log(srv, SBRT_LOG_ERROR, "outbox: tail failed: %s", e.message);
            return;
        }
        for (i = 0; i < rows->nelts; i++) {
            const sb_outbox_row_t *row = &APR_ARRAY_IDX(rows, i, sb_outbox_row_t);
            const char *pkt = sbrt_outbox_packet(p, row);
            result_t *r = sbrt_result_new(RES_EVENT, pkt, strlen(pkt));
            if (r) {
                memcpy(r->user_id, row->user_id, sizeof r->user_id);
                r->seq = row->seq;
                message_peer(row, r->peer);
                **tail = r;
                *tail = &r->next;
            }
            srv->tail_pos = row->pos;
        }
    } while (rows->nelts == TAIL_BATCH);
}

/* Prune the outbox by retention when it is time and this daemon holds the lease. */
static void run_prune(sbrt_server_t *srv, sb_store_conn_t *conn, int64_t now)
{
    sb_store_error_t e = {0};
    int64_t removed = 0, hold = (int64_t)srv->prune_interval * 2;
    int held = 0;

    wk.next_prune = now + srv->prune_interval;
    if (hold < PRUNE_HOLD_MIN) {
        hold = PRUNE_HOLD_MIN;
    }
    if (sb_store_job_lease_acquire(conn, PRUNE_LEASE, wk.holder, hold, now, &held, NULL, &e)
        != SB_STORE_OK) {
        sbrt_log(srv, SBRT_LOG_ERROR, "outbox prune: lease: %s", e.message);
        return;
    }
    wk.prune_held = held;
    if (!held) {
        return; /* another daemon prunes */
    }
    if (sb_store_outbox_prune(conn, now - srv->st.outbox_retention * 1000, &removed, &e)
        != SB_STORE_OK) {
        sbrt_log(srv, SBRT_LOG_ERROR, "outbox prune: %s", e.message);
        return;
    }
    sbrt_log(srv, removed ? SBRT_LOG_INFO : SBRT_LOG_DEBUG,
             "outbox prune: removed %" APR_INT64_T_FMT " events older than %" APR_INT64_T_FMT " s",
             removed, srv->st.outbox_retention);
}

static void wait_for_work(void)
{
    struct timespec until;
    int64_t wait_ms;

    while (!wk.jobs && !wk.pump && !wk.stop) {
        if (!wk.srv->prune_interval) {
            pthread_cond_wait(&wk.cond, &wk.lock);
            continue;
        }
        wait_ms = wk.next_prune - sb_now_ms();
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
        pthread_cond_timedwait(&wk.cond, &wk.lock, &until);
    }
}

static void *worker_main(void *arg)
{
    sbrt_server_t *srv = arg;
    apr_pool_t *root, *batch, *scratch;

    apr_pool_create(&root, NULL);
    apr_pool_create(&batch, root);
    apr_pool_create(&scratch, root);
    for (;;) {
        job_t *jobs, *j, *next;
        result_t *first = NULL, **tail = &first, *r;
        sb_store_conn_t *conn = NULL;
        sb_store_error_t e = {0};
        int pump, stop;
        int64_t now;

        pthread_mutex_lock(&wk.lock);
        wait_for_work();
        jobs = wk.jobs;
        wk.jobs = NULL;
        wk.jobs_tail = &wk.jobs;
        wk.njobs = 0;
        pump = wk.pump;
        wk.pump = 0;
        stop = wk.stop;
        pthread_mutex_unlock(&wk.lock);
        if (stop && !jobs) {
            if (wk.prune_held && sb_store_acquire(srv->store, batch, &conn, &e) == SB_STORE_OK) {
                /* another daemon may take the pruning over at once */
                sb_store_job_lease_release(conn, PRUNE_LEASE, wk.holder, &e);
            }
            break;
        }
        if (sb_store_acquire(srv->store, batch, &conn, &e) != SB_STORE_OK) {
            sbrt_log(srv, SBRT_LOG_ERROR, "store unavailable: %s", e.message);
            conn = NULL;
        }
        for (j = jobs; j; j = next) {
            next = j->next;
            apr_pool_clear(scratch);
            if (j->kind == JOB_CALL) {
                j->work(srv, conn, scratch, j->arg);
                if ((r = sbrt_result_new(RES_CALL, "", 0))) {
                    r->done = j->done;
                    r->arg = j->arg;
                    *tail = r;
                    tail = &r->next;
                }
                else {
                    j->done(NULL, j->arg); /* released only */
                }
            }
            else if (j->kind == JOB_CONNECT) {
                if ((r = sbrt_result_new(RES_CONNECT, "", 0))) {
                    memcpy(r->sid, j->sid, sizeof r->sid);
                    sbrt_outbox_prepare(srv, scratch, j->token, j->pid, j->offset, &r->connect);
                    *tail = r;
                    tail = &r->next;
                }
                free(j->token);
                free(j->pid);
                free(j->offset);
            }
            else if (!conn || sb_store_user_touch(conn, j->user_id, j->at, &e) != SB_STORE_OK) {
                sbrt_log(srv, SBRT_LOG_ERROR, "presence: lastSeen of %s: %s", j->user_id,
                         conn ? e.message : "store unavailable");
            }
            free(j);
        }
        now = sb_now_ms();
        if (conn && !stop && srv->prune_interval && now >= wk.next_prune) {
            run_prune(srv, conn, now);
        }
        apr_pool_clear(scratch);
        sbrt_worker_finish(srv, conn, scratch, pump && !stop, &first, tail);
        apr_pool_clear(batch);
    }
    apr_pool_destroy(root);
    return NULL;
}

static void results_due(struct ev_loop *loop, ev_async *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
    sbrt_worker_drain(wk.srv);
}

int sbrt_worker_start(sbrt_server_t *srv)
{
    char host[64] = "";

    wk.srv = srv;
    ev_async_init(&wk.wake, results_due);
    ev_set_priority(&wk.wake, EV_MAXPRI);
    ev_async_start(srv->loop, &wk.wake);
    gethostname(host, sizeof host - 1);
    apr_snprintf(wk.holder, sizeof wk.holder, "realtime:%s:%ld", host, (long)getpid());
    /* the first prune soon after start (not at once: a restart loop should not prune) */
    wk.next_prune = sb_now_ms() + (srv->prune_interval < 5000 ? srv->prune_interval : 5000);
    if (pthread_create(&wk.thread, NULL, worker_main, srv) != 0) {
        return -1;
    }
    wk.started = 1;
    return sbrt_lanes_start(srv);
}

void sbrt_worker_stop(sbrt_server_t *srv)
{
    result_t *r, *next;

    sbrt_lanes_stop(); /* their last sends are stored; they may still ask for a tail read */
    if (wk.started) {
        pthread_mutex_lock(&wk.lock);
        wk.stop = 1;
        pthread_cond_signal(&wk.cond);
        pthread_mutex_unlock(&wk.lock);
        pthread_join(wk.thread, NULL);
        wk.started = 0;
    }
    ev_async_stop(srv->loop, &wk.wake);
    /* answers nobody will read any more */
    for (r = wk.res; r; r = next) {
        next = r->next;
        if (r->kind == RES_CONNECT) {
            free(r->connect.pid);
            free(r->connect.replay);
        }
        else if (r->kind == RES_CALL) {
            r->done(NULL, r->arg);
        }
        free(r);
    }
    wk.res = NULL;
    wk.res_tail = &wk.res;
}

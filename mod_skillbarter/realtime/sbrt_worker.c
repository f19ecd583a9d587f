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
    sbrt_queue_t q;
    result_t *res, **res_tail; /* under res_lock */
    pthread_mutex_t res_lock;
    pthread_mutex_t tail_lock; /* srv->tail_pos, and the order of the hand-overs */
    ev_async wake;             /* results are waiting (service thread) */
    int prune_held;            /* this daemon held the lease at its last turn */
    char holder[96];           /* this daemon's name for the lease */
} wk = {.res_lock = PTHREAD_MUTEX_INITIALIZER,
        .tail_lock = PTHREAD_MUTEX_INITIALIZER,
        .res_tail = &wk.res};

/* ---- service thread side ---- */

static void post(job_t *j)
{
    sbrt_queue_post(&wk.q, j, 0);
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
    j->posted_us = sbrt_now_us();
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
    sbrt_queue_pump(&wk.q);
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
    int64_t start = 0, acks[64];
    int nacks = 0, i;

    pthread_mutex_lock(&wk.res_lock);
    r = wk.res;
    wk.res = NULL;
    wk.res_tail = &wk.res;
    pthread_mutex_unlock(&wk.res_lock);
    if (r && sbrt_stats_enabled()) {
        start = sbrt_now_us();
        sbrt_stats_add(SBRT_STAGE_WAKE, start - r->published_us);
    }
    for (; r; r = next) {
        next = r->next;
        if (start && r->posted_us) {
            if (nacks == (int)(sizeof acks / sizeof acks[0])) {
                sbrt_stats_add(SBRT_STAGE_TOTAL, sbrt_now_us() - acks[--nacks]);
            }
            acks[nacks++] = r->posted_us;
        }
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
    if (start) {
        int64_t end = sbrt_now_us();
        sbrt_stats_add(SBRT_STAGE_WRITE, end - start);
        for (i = 0; i < nacks; i++) {
            sbrt_stats_add(SBRT_STAGE_TOTAL, end - acks[i]);
        }
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
    result_t *r;

    if (!first) {
        return;
    }
    if (sbrt_stats_enabled()) {
        int64_t now = sbrt_now_us();
        for (r = first; r; r = r->next) {
            r->published_us = now;
            if (r->sent_us) {
                sbrt_stats_add(SBRT_STAGE_TAIL, now - r->sent_us);
            }
        }
    }
    pthread_mutex_lock(&wk.res_lock);
    *wk.res_tail = first;
    wk.res_tail = last_next;
    pthread_mutex_unlock(&wk.res_lock);
    ev_async_send(wk.srv->loop, &wk.wake);
}

static void run_tail(sbrt_server_t *srv, sb_store_conn_t *conn, apr_pool_t *p, result_t ***tail);

void sbrt_worker_finish(sbrt_server_t *srv, sb_store_conn_t *conn, apr_pool_t *p, int read_tail,
                        int events_first, result_t **first, result_t **tail)
{
    result_t *ev = NULL, **ev_tail = &ev;

    pthread_mutex_lock(&wk.tail_lock);
    if (conn && read_tail && !events_first) {
        run_tail(srv, conn, p, &tail);
    }
    else if (conn && read_tail) {
        run_tail(srv, conn, p, &ev_tail);
        if (ev) {
            *ev_tail = *first; /* the events, then the turn's own results */
            tail = *first ? tail : ev_tail;
            *first = ev;
        }
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

    wk.q.due_ms = now + srv->prune_interval;
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

/* The worker's turn: its jobs in order, the prune when it is due; the tail is read when a
 * wake-up (datagram, poll) asked for it. */
static int worker_run(sbrt_queue_t *q, sbrt_turn_t *t)
{
    sbrt_server_t *srv = q->srv;
    sb_store_conn_t *conn = t->conn;
    sb_store_error_t e = {0};
    job_t *j, *next;
    result_t *r;
    int64_t now;

    for (j = t->jobs; j; j = next) {
        next = j->next;
        apr_pool_clear(t->scratch);
        if (j->kind == JOB_CALL) {
            j->work(srv, conn, t->scratch, j->arg);
            if ((r = sbrt_result_new(RES_CALL, "", 0))) {
                r->done = j->done;
                r->arg = j->arg;
                sbrt_turn_add(t, r);
            }
            else {
                j->done(NULL, j->arg); /* released only */
            }
        }
        else if (j->kind == JOB_CONNECT) {
            if ((r = sbrt_result_new(RES_CONNECT, "", 0))) {
                memcpy(r->sid, j->sid, sizeof r->sid);
                sbrt_outbox_prepare(srv, t->scratch, j->token, j->pid, j->offset, &r->connect);
                sbrt_turn_add(t, r);
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
    if (conn && !t->stop && srv->prune_interval && now >= q->due_ms) {
        run_prune(srv, conn, now);
    }
    return t->pump;
}

/* The worker's end: another daemon may take the pruning over at once. */
static void worker_last(sbrt_queue_t *q, apr_pool_t *p)
{
    sb_store_conn_t *conn;
    sb_store_error_t e = {0};

    if (wk.prune_held && sb_store_acquire(q->srv->store, p, &conn, &e) == SB_STORE_OK) {
        sb_store_job_lease_release(conn, PRUNE_LEASE, wk.holder, &e);
    }
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
    sbrt_queue_init(&wk.q, srv);
    wk.q.run = worker_run;
    wk.q.last = worker_last;
    /* the first prune soon after start (not at once: a restart loop should not prune) */
    if (srv->prune_interval) {
        wk.q.due_ms = sb_now_ms() + (srv->prune_interval < 5000 ? srv->prune_interval : 5000);
    }
    if (sbrt_queue_start(&wk.q, "sbrt-store") != 0) {
        return -1;
    }
    return sbrt_lanes_start(srv);
}

void sbrt_worker_stop(sbrt_server_t *srv)
{
    result_t *r, *next;

    sbrt_lanes_stop(); /* their last sends are stored; they may still ask for a tail read */
    sbrt_queue_stop(&wk.q);
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

/*
 * The outbox tail and connection state recovery.
 *
 * Tail: the daemon keeps its own position in the store-wide order (it starts at the latest
 * event when it starts, so several daemons on one store each read everything) and reads on
 * each wake-up: the module's datagram on the outbox socket (a small thread waits on it and
 * asks the store worker for a read), else a slow poll. The worker reads (sbrt_worker.c) and
 * the service thread delivers what it read. Each event goes to every
 * socket of its recipient as `42["type",data,"seq"]`: the last argument is the offset a
 * Socket.IO client keeps for recovery (the recipient's own outbox sequence number).
 *
 * Recovery: the CONNECT reply carries a pid, "user.base.mac" (the recipient's head at the first
 * connect, MAC'd with the server secret), so any daemon — after a restart, on another host —
 * checks it without shared memory. A reconnect sends {pid, offset}; when the pid is this
 * user's and the events after the offset are all still stored, at most recovery_max of them,
 * the first not older than the recovery window, they are sent in order before the CONNECT
 * reply with the same pid, and the client sets socket.recovered. Otherwise it connects fresh.
 * A socket never receives one seq twice: it keeps the last it was sent.
 */
#include "sbrt.h"
#include "sbrt_events.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>

#include "sb_outbox_signal.h"
#include "sb_time.h"
#include "sb_token.h"

static struct {
    sbrt_server_t *srv;
    int fd;
    pthread_t thread;
    int thread_started;
    volatile int stop;
    ev_timer poll_timer;
    unsigned int peak; /* most sessions since the heap was last trimmed */
    dev_t dev;         /* the outbox socket file this daemon bound */
    ino_t ino;
} ob;

/* The pid of user_id's sockets whose recovery starts after base. */
static const char *make_pid(sbrt_server_t *srv, apr_pool_t *p, const char *user_id, int64_t base)
{
    const char *b = apr_psprintf(p, "%" APR_INT64_T_FMT, base);
    const char *mac = sb_token_derive(p, srv->secret, srv->secret_len, "sbrt-pid", user_id, b);
    return mac ? apr_pstrcat(p, user_id, ".", b, ".", mac, NULL) : NULL;
}

/* A pid this server made for user_id: 1 with *base set, else 0. */
static int check_pid(sbrt_server_t *srv, apr_pool_t *p, const char *pid, const char *user_id,
                     int64_t *base)
{
    char *copy = apr_pstrdup(p, pid), *dot1, *dot2, *end;
    const char *want;

    if (!(dot1 = strchr(copy, '.')) || !(dot2 = strchr(dot1 + 1, '.'))) {
        return 0;
    }
    *dot1 = *dot2 = '\0';
    if (strcmp(copy, user_id) != 0) {
        return 0;
    }
    *base = strtoll(dot1 + 1, &end, 10);
    if (*end || end == dot1 + 1 || *base < 0) {
        return 0;
    }
    want = make_pid(srv, p, user_id, *base);
    return want && sb_token_equal(want, pid);
}

/* The push of one durable event: 42["type",data,"seq"] (in p). */
const char *sbrt_outbox_packet(apr_pool_t *p, const sb_outbox_row_t *r)
{
    return apr_psprintf(p, "42[\"%s\",%s,\"%" APR_INT64_T_FMT "\"]", r->type,
                        r->data && *r->data ? r->data : "null", r->seq);
}

void sbrt_outbox_register(sbrt_session_t *s)
{
    sbrt_server_t *srv = s->srv;
    sbrt_user_t *u = apr_hash_get(srv->users, s->user_id, APR_HASH_KEY_STRING);

    if (!u) {
        u = calloc(1, sizeof *u);
        u->srv = srv;
        apr_cpystrn(u->id, s->user_id, sizeof u->id);
        apr_cpystrn(u->username, s->username, sizeof u->username);
        apr_hash_set(srv->users, u->id, APR_HASH_KEY_STRING, u);
    }
    s->user_next = u->first;
    u->first = s;
    if (!s->user_next) {
        sbrt_presence_first(u, s);
    }
    else {
        sbrt_presence_another(u, s);
    }
}

void sbrt_outbox_unregister(sbrt_session_t *s)
{
    sbrt_user_t *u = apr_hash_get(s->srv->users, s->user_id, APR_HASH_KEY_STRING);
    sbrt_session_t **pp;

    if (!u) {
        return;
    }
    for (pp = &u->first; *pp; pp = &(*pp)->user_next) {
        if (*pp == s) {
            *pp = s->user_next;
            break;
        }
    }
    if (!u->first) {
        sbrt_presence_last(u);
    }
    /* the entry stays for the user's next socket */
}

sbrt_user_t *sbrt_user_find(sbrt_server_t *srv, const char *user_id)
{
    return apr_hash_get(srv->users, user_id, APR_HASH_KEY_STRING);
}

sbrt_session_t *sbrt_outbox_sessions_of(sbrt_server_t *srv, const char *user_id)
{
    sbrt_user_t *u = apr_hash_get(srv->users, user_id, APR_HASH_KEY_STRING);
    return u ? u->first : NULL;
}

/*
 * The store part of a CONNECT, on the store worker: the token check, then recovery from
 * {pid, offset} when possible, else a fresh start at the recipient's head. c gets the outcome
 * (its pid and replayed packets malloc'd; sbrt_outbox_connected takes them over).
 */
void sbrt_outbox_prepare(sbrt_server_t *srv, apr_pool_t *p, const char *token, const char *pid,
                         const char *offset, sbrt_connect_t *c)
{
    sb_store_conn_t *conn;
    sb_store_error_t e = {0};
    sb_user_t *u;
    const char *msg, *mine;
    int64_t base = 0, head = 0;
    apr_array_header_t *rows = NULL;
    apr_size_t size = 0, at = 0;
    int i, recovered = 0;

    memset(c, 0, sizeof *c);
    if (sbrt_auth_verify(srv, p, token, &u, &msg) != 0) {
        apr_cpystrn(c->message, msg, sizeof c->message);
        return;
    }
    apr_cpystrn(c->user_id, u->id, sizeof c->user_id);
    apr_cpystrn(c->username, u->username ? u->username : "", sizeof c->username);
    if (sb_store_acquire(srv->store, p, &conn, &e) != SB_STORE_OK) {
        sbrt_log(srv, SBRT_LOG_ERROR, "connect: store unavailable: %s", e.message);
        c->failed = 1;
        return;
    }
    if (pid && check_pid(srv, p, pid, c->user_id, &base)) {
        char *end;
        if (offset) {
            int64_t o = strtoll(offset, &end, 10);
            if (!*end && end != offset && o >= base) {
                base = o;
            }
        }
        if (sb_store_outbox_read(conn, p, c->user_id, base, srv->recovery_max + 1, &rows, &e)
            != SB_STORE_OK) {
            sbrt_log(srv, SBRT_LOG_ERROR, "recovery read failed: %s", e.message);
            rows = NULL;
        }
        if (rows && rows->nelts <= srv->recovery_max) {
            const sb_outbox_row_t *first =
                rows->nelts ? &APR_ARRAY_IDX(rows, 0, sb_outbox_row_t) : NULL;
            recovered =
                !first
                || (first->seq == base + 1
                    && sb_now_ms() - first->created_at <= (int64_t)srv->recovery_window * 1000);
        }
    }
    if (recovered) {
        /* the missed events in order, each NUL-terminated, in one block */
        const char **pkts = apr_palloc(p, sizeof(char *) * (apr_size_t)(rows->nelts + 1));
        for (i = 0; i < rows->nelts; i++) {
            pkts[i] = sbrt_outbox_packet(p, &APR_ARRAY_IDX(rows, i, sb_outbox_row_t));
            size += strlen(pkts[i]) + 1;
        }
        if (size && !(c->replay = malloc(size))) {
            c->failed = 1;
            return;
        }
        for (i = 0; i < rows->nelts; i++) {
            apr_size_t n = strlen(pkts[i]) + 1;
            memcpy(c->replay + at, pkts[i], n);
            at += n;
        }
        c->nreplay = rows->nelts;
        c->last_seq =
            rows->nelts ? APR_ARRAY_IDX(rows, rows->nelts - 1, sb_outbox_row_t).seq : base;
        c->base = base;
        c->recovered = 1;
        c->pid = strdup(pid);
        c->ok = c->pid != NULL;
        c->failed = !c->ok;
        return;
    }
    if (sb_store_outbox_head(conn, c->user_id, &head, &e) != SB_STORE_OK) {
        sbrt_log(srv, SBRT_LOG_ERROR, "connect: outbox head failed: %s", e.message);
        c->failed = 1;
        return;
    }
    c->last_seq = head;
    mine = make_pid(srv, p, c->user_id, head);
    c->pid = mine ? strdup(mine) : NULL;
    c->ok = 1;
}

/*
 * The CONNECT's outcome on the service thread: refused (CONNECT_ERROR), or the session is
 * the user's from now on: registered for the tail, the replayed events sent, then the
 * CONNECT reply (after a recovery the client sets socket.recovered). Takes c's memory.
 */
void sbrt_outbox_connected(sbrt_session_t *s, sbrt_connect_t *c)
{
    sbrt_server_t *srv = s->srv;
    char sid[SBRT_SID_LEN + 1];
    const char *pkt = c->replay;
    int i;

    s->connecting = 0;
    if (c->failed) {
        sbrt_session_close(s, "store unavailable");
        return;
    }
    if (!c->ok) {
        sbrt_log(srv, SBRT_LOG_INFO, "session %s: connect refused: %s", s->sid, c->message);
        sbrt_socket_connect_error(s, c->message);
        sbrt_socket_run_held(s);
        return;
    }
    apr_cpystrn(s->user_id, c->user_id, sizeof s->user_id);
    apr_cpystrn(s->username, c->username, sizeof s->username);
    s->connected = 1;
    sbrt_random_id(s->sio_sid);
    sbrt_timer_stop(srv, &s->connect_timer);
    sbrt_log(srv, SBRT_LOG_DEBUG, "session %s: user %s connected", s->sid, s->user_id);
    s->pid = c->pid;
    c->pid = NULL;
    s->last_seq = c->last_seq;
    apr_cpystrn(sid, s->sid, sizeof sid);
    sbrt_outbox_register(s);
    for (i = 0; i < c->nreplay; i++) {
        apr_size_t n = strlen(pkt);
        if (sbrt_session_send(s, pkt, n) != 0 || !sbrt_session_find(srv, sid)) {
            return; /* closed by a full queue */
        }
        pkt += n + 1;
    }
    if (c->recovered) {
        sbrt_log(srv, SBRT_LOG_INFO, "session %s: recovered %d events after %" APR_INT64_T_FMT,
                 s->sid, c->nreplay, c->base);
    }
    sbrt_socket_connected(s, s->pid);
    sbrt_socket_run_held(s);
}

static void *signal_thread(void *arg)
{
    struct pollfd pfd;
    char buf[64];

    (void)arg;
    pfd.fd = ob.fd;
    pfd.events = POLLIN;
    while (!ob.stop) {
        if (poll(&pfd, 1, 200) > 0) {
            while (recv(ob.fd, buf, sizeof buf, 0) > 0) {
            }
            sbrt_worker_pump(ob.srv);
        }
    }
    return NULL;
}

/* glibc keeps the heap a wave of sessions left when they close: give it back once the
 * sessions are down to half their peak (checked at each poll tick). */
static void trim_heap(sbrt_server_t *srv)
{
    unsigned int n = apr_hash_count(srv->sessions);

    if (n > ob.peak) {
        ob.peak = n;
    }
    else if (ob.peak >= 1000 && n <= ob.peak / 2) {
        malloc_trim(0);
        ob.peak = n;
    }
}

static void poll_due(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)t;
    (void)revents;
    trim_heap(ob.srv);
    sbrt_worker_pump(ob.srv);
    sbrt_timer_arm(ob.srv, &ob.poll_timer, poll_due, ob.srv->outbox_poll);
}

int sbrt_outbox_start(sbrt_server_t *srv)
{
    apr_pool_t *p;
    sb_store_conn_t *conn;
    sb_store_error_t e = {0};
    apr_status_t rv;

    ob.srv = srv;
    ob.fd = -1;
    apr_pool_create(&p, srv->pool);
    if (sb_store_acquire(srv->store, p, &conn, &e) != SB_STORE_OK
        || sb_store_outbox_last_pos(conn, &srv->tail_pos, &e) != SB_STORE_OK) {
        sbrt_log(srv, SBRT_LOG_ERROR, "outbox: cannot read the store: %s", e.message);
        apr_pool_destroy(p);
        return -1;
    }
    apr_pool_destroy(p);
    if (srv->st.outbox_socket) {
        rv = sb_outbox_signal_bind(srv->st.outbox_socket, &ob.fd);
        if (rv != APR_SUCCESS) {
            char err[120];
            sbrt_log(srv, SBRT_LOG_WARN, "outbox: cannot bind %s (%s): polling only",
                     srv->st.outbox_socket, apr_strerror(rv, err, sizeof err));
            ob.fd = -1;
        }
        else {
            /* httpd's workers send: the socket gets the settings file's group (the worker's,
             * as httpd wrote it) and group write */
            struct stat sf, me;
            if (stat(srv->st.outbox_socket, &me) == 0) {
                ob.dev = me.st_dev;
                ob.ino = me.st_ino;
            }
            if (srv->settings_path && stat(srv->settings_path, &sf) == 0
                && (chown(srv->st.outbox_socket, (uid_t)-1, sf.st_gid) != 0
                    || chmod(srv->st.outbox_socket, 0660) != 0)) {
                sbrt_log(srv, SBRT_LOG_WARN, "outbox: cannot give %s to the worker group",
                         srv->st.outbox_socket);
            }
            if (pthread_create(&ob.thread, NULL, signal_thread, NULL) == 0) {
                pthread_setname_np(ob.thread, "sbrt-wake");
                ob.thread_started = 1;
            }
        }
    }
    sbrt_timer_arm(srv, &ob.poll_timer, poll_due, srv->outbox_poll);
    sbrt_log(srv, SBRT_LOG_INFO, "outbox: tailing after position %" APR_INT64_T_FMT "%s%s",
             srv->tail_pos, ob.fd >= 0 ? ", woken on " : "",
             ob.fd >= 0 ? srv->st.outbox_socket : "");
    return 0;
}

/*
 * After a send the lane has read the tail itself: a datagram to its own socket would only wake
 * the signal thread and the store worker for a read that finds nothing (a store read
 * transaction). So the datagram goes out only when the socket file is not the one this daemon
 * bound: another daemon on this host bound the same path since, and it reads the outbox too.
 */
void sbrt_outbox_wake_others(sbrt_server_t *srv)
{
    struct stat now;

    if (!srv->st.outbox_socket) {
        return;
    }
    if (ob.ino && stat(srv->st.outbox_socket, &now) == 0 && now.st_dev == ob.dev
        && now.st_ino == ob.ino) {
        return;
    }
    sb_outbox_signal(srv->st.outbox_socket);
}

void sbrt_outbox_stop(sbrt_server_t *srv)
{
    apr_hash_index_t *hi;

    sbrt_timer_stop(srv, &ob.poll_timer);
    ob.stop = 1;
    if (ob.thread_started) {
        pthread_join(ob.thread, NULL);
        ob.thread_started = 0;
    }
    if (ob.fd >= 0) {
        close(ob.fd);
        unlink(srv->st.outbox_socket);
        ob.fd = -1;
    }
    /* the hash's keys live in the entries: empty it before freeing them */
    {
        apr_array_header_t *all = apr_array_make(srv->pool, 16, sizeof(sbrt_user_t *));
        int i;
        for (hi = apr_hash_first(NULL, srv->users); hi; hi = apr_hash_next(hi)) {
            sbrt_user_t *u = apr_hash_this_val(hi);
            sbrt_timer_stop(srv, &u->offline_timer);
            free(u->partners);
            APR_ARRAY_PUSH(all, sbrt_user_t *) = u;
        }
        apr_hash_clear(srv->users);
        for (i = 0; i < all->nelts; i++) {
            free(APR_ARRAY_IDX(all, i, sbrt_user_t *));
        }
    }
}

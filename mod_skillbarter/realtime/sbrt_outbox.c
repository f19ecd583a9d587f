/*
 * The outbox tail and connection state recovery.
 *
 * Tail: the daemon keeps its own position in the store-wide order (it starts at the latest
 * event when it starts, so several daemons on one store each read everything) and reads on
 * each wake-up: the module's datagram on the outbox socket (a small thread waits on it and
 * wakes the service loop with lws_cancel_service), else a slow poll. Each event goes to every
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

#define TAIL_BATCH 256

static struct {
    sbrt_server_t *srv;
    int fd;
    pthread_t thread;
    int thread_started;
    volatile int stop;
    volatile int woken;
    lws_sorted_usec_list_t poll_sul;
} ob;

/* The pid of user_id's sockets whose recovery starts after base. */
static const char *make_pid(sbrt_session_t *s, apr_pool_t *p, const char *user_id, int64_t base)
{
    const char *b = apr_psprintf(p, "%" APR_INT64_T_FMT, base);
    const char *mac =
        sb_token_derive(p, s->srv->secret, s->srv->secret_len, "sbrt-pid", user_id, b);
    return mac ? apr_pstrcat(p, user_id, ".", b, ".", mac, NULL) : NULL;
}

/* A pid this server made for user_id: 1 with *base set, else 0. */
static int check_pid(sbrt_session_t *s, apr_pool_t *p, const char *pid, const char *user_id,
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
    want = make_pid(s, p, user_id, *base);
    return want && sb_token_equal(want, pid);
}

/* One durable event to one socket, unless it has had it already. */
static void deliver(sbrt_session_t *s, const sb_outbox_row_t *r, apr_pool_t *p)
{
    const char *pkt;

    if (r->seq <= s->last_seq) {
        return;
    }
    s->last_seq = r->seq;
    pkt = apr_psprintf(p, "42[\"%s\",%s,\"%" APR_INT64_T_FMT "\"]", r->type,
                       r->data && *r->data ? r->data : "null", r->seq);
    sbrt_session_send(s, pkt, strlen(pkt));
}

void sbrt_outbox_register(sbrt_session_t *s)
{
    sbrt_server_t *srv = s->srv;
    sbrt_user_t *u = apr_hash_get(srv->users, s->user_id, APR_HASH_KEY_STRING);

    if (!u) {
        u = calloc(1, sizeof *u);
        u->srv = srv;
        apr_cpystrn(u->id, s->user_id, sizeof u->id);
        apr_cpystrn(u->username, s->username ? s->username : "", sizeof u->username);
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

void sbrt_outbox_pump(sbrt_server_t *srv)
{
    apr_pool_t *p;
    sb_store_conn_t *conn;
    sb_store_error_t e = {0};
    apr_array_header_t *rows;
    int i;

    apr_pool_create(&p, srv->pool);
    if (sb_store_acquire(srv->store, p, &conn, &e) != SB_STORE_OK) {
        sbrt_log(srv, SBRT_LOG_ERROR, "outbox: store unavailable: %s", e.message);
        apr_pool_destroy(p);
        return;
    }
    do {
        if (sb_store_outbox_tail(conn, p, srv->tail_pos, TAIL_BATCH, &rows, &e) != SB_STORE_OK) {
            sbrt_log(srv, SBRT_LOG_ERROR, "outbox: tail failed: %s", e.message);
            break;
        }
        for (i = 0; i < rows->nelts; i++) {
            const sb_outbox_row_t *r = &APR_ARRAY_IDX(rows, i, sb_outbox_row_t);
            sbrt_session_t *s = sbrt_outbox_sessions_of(srv, r->user_id), *next;
            for (; s; s = next) {
                next = s->user_next; /* deliver may close s (a full queue) */
                deliver(s, r, p);
            }
            srv->tail_pos = r->pos;
        }
    } while (rows->nelts == TAIL_BATCH);
    apr_pool_destroy(p);
}

/*
 * A verified CONNECT: recover from {pid, offset} when possible, else connect fresh; answer
 * the CONNECT after any replayed events.
 */
void sbrt_outbox_connect(sbrt_session_t *s, apr_pool_t *p, json_object *auth)
{
    sbrt_server_t *srv = s->srv;
    sb_store_conn_t *conn;
    sb_store_error_t e = {0};
    json_object *v;
    const char *pid = NULL, *offset = NULL;
    int64_t base = 0, head = 0;
    apr_array_header_t *rows = NULL;
    int i, recovered = 0;

    if (sb_store_acquire(srv->store, p, &conn, &e) != SB_STORE_OK) {
        sbrt_log(srv, SBRT_LOG_ERROR, "connect: store unavailable: %s", e.message);
        sbrt_session_close(s, "store unavailable");
        return;
    }
    if (auth && json_object_object_get_ex(auth, "pid", &v)
        && json_object_is_type(v, json_type_string)) {
        pid = json_object_get_string(v);
    }
    if (auth && json_object_object_get_ex(auth, "offset", &v)
        && json_object_is_type(v, json_type_string)) {
        offset = json_object_get_string(v);
    }
    if (pid && check_pid(s, p, pid, s->user_id, &base)) {
        char *end;
        if (offset) {
            int64_t o = strtoll(offset, &end, 10);
            if (!*end && end != offset && o >= base) {
                base = o;
            }
        }
        if (sb_store_outbox_read(conn, p, s->user_id, base, srv->recovery_max + 1, &rows, &e)
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
        char sid[SBRT_SID_LEN + 1];
        apr_cpystrn(sid, s->sid, sizeof sid);
        s->last_seq = base;
        s->pid = apr_pstrdup(s->pool, pid);
        sbrt_outbox_register(s);
        for (i = 0; i < rows->nelts; i++) {
            deliver(s, &APR_ARRAY_IDX(rows, i, sb_outbox_row_t), p);
            if (!sbrt_session_find(srv, sid)) {
                return; /* closed by a full queue */
            }
        }
        sbrt_log(srv, SBRT_LOG_INFO, "session %s: recovered %d events after %" APR_INT64_T_FMT,
                 s->sid, rows->nelts, base);
        sbrt_socket_connected(s, s->pid);
        return;
    }
    if (sb_store_outbox_head(conn, s->user_id, &head, &e) != SB_STORE_OK) {
        sbrt_log(srv, SBRT_LOG_ERROR, "connect: outbox head failed: %s", e.message);
        sbrt_session_close(s, "store error");
        return;
    }
    s->last_seq = head;
    s->pid = make_pid(s, s->pool, s->user_id, head);
    sbrt_outbox_register(s);
    sbrt_socket_connected(s, s->pid);
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
            ob.woken = 1;
            lws_cancel_service(ob.srv->ctx);
        }
    }
    return NULL;
}

static void poll_due(lws_sorted_usec_list_t *sul)
{
    sbrt_outbox_pump(ob.srv);
    lws_sul_schedule(ob.srv->ctx, 0, &ob.poll_sul, poll_due,
                     (lws_usec_t)ob.srv->outbox_poll * LWS_US_PER_MS);
}

void sbrt_outbox_woken(sbrt_server_t *srv)
{
    if (ob.woken) {
        ob.woken = 0;
        sbrt_outbox_pump(srv);
    }
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
            struct stat sf;
            if (srv->settings_path && stat(srv->settings_path, &sf) == 0
                && (chown(srv->st.outbox_socket, (uid_t)-1, sf.st_gid) != 0
                    || chmod(srv->st.outbox_socket, 0660) != 0)) {
                sbrt_log(srv, SBRT_LOG_WARN, "outbox: cannot give %s to the worker group",
                         srv->st.outbox_socket);
            }
            if (pthread_create(&ob.thread, NULL, signal_thread, NULL) == 0) {
                ob.thread_started = 1;
            }
        }
    }
    lws_sul_schedule(srv->ctx, 0, &ob.poll_sul, poll_due,
                     (lws_usec_t)srv->outbox_poll * LWS_US_PER_MS);
    sbrt_log(srv, SBRT_LOG_INFO, "outbox: tailing after position %" APR_INT64_T_FMT "%s%s",
             srv->tail_pos, ob.fd >= 0 ? ", woken on " : "",
             ob.fd >= 0 ? srv->st.outbox_socket : "");
    return 0;
}

void sbrt_outbox_stop(sbrt_server_t *srv)
{
    apr_hash_index_t *hi;

    lws_sul_cancel(&ob.poll_sul);
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
            lws_sul_cancel(&u->offline_sul);
            APR_ARRAY_PUSH(all, sbrt_user_t *) = u;
        }
        apr_hash_clear(srv->users);
        for (i = 0; i < all->nelts; i++) {
            free(APR_ARRAY_IDX(all, i, sbrt_user_t *));
        }
    }
}

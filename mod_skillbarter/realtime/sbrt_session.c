/*
 * An Engine.IO session, whichever transport carries it: its life (open packet, heartbeats,
 * the CONNECT deadline, close), the packets the client sends (ping probes, pong, upgrade,
 * message, close) and the bounded outgoing queue, written at once on an idle WebSocket.
 */
#include "sbrt.h"

#include <string.h>
#include <stdlib.h>
#include <apr_strings.h>
#include <apr_general.h>

#include "sbrt_codec.h"

void sbrt_random_id(char out[SBRT_SID_LEN + 1])
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char raw[SBRT_SID_LEN];
    int i;

    apr_generate_random_bytes(raw, sizeof raw);
    for (i = 0; i < SBRT_SID_LEN; i++) {
        out[i] = abc[raw[i] & 63];
    }
    out[SBRT_SID_LEN] = '\0';
}

sbrt_session_t *sbrt_session_find(sbrt_server_t *srv, const char *sid)
{
    return *sid ? apr_hash_get(srv->sessions, sid, APR_HASH_KEY_STRING) : NULL;
}

static void wake(sbrt_session_t *s)
{
    if (s->upgraded) {
        if (s->ws_wsi) {
            lws_callback_on_writable(s->ws_wsi);
        }
    }
    else if (s->poll_wsi) {
        lws_callback_on_writable(s->poll_wsi);
    }
}

/* The ring starts small (an idle socket holds a few packets at most), doubles up to queue_max,
 * and is released when it runs empty: an idle session holds no queue at all. */
static int queue_grow(sbrt_session_t *s)
{
    int cap = s->q_cap ? s->q_cap * 2 : 8, i;
    sbrt_packet_t **nq;

    if (cap > s->srv->queue_max) {
        cap = s->srv->queue_max;
    }
    if (!(nq = malloc(sizeof(sbrt_packet_t *) * (apr_size_t)cap))) {
        return -1;
    }
    for (i = 0; i < s->q_len; i++) {
        nq[i] = s->q[(s->q_head + i) % s->q_cap];
    }
    free(s->q);
    s->q = nq;
    s->q_head = 0;
    s->q_cap = cap;
    return 0;
}

/* Close wsi at the next turn of the loop. libwebsockets does it from a timer of its own, which
 * on libev it only looks at after I/O: the wake-up makes sure there is some even when this
 * runs from one of the daemon's timers. */
static void kill_async(sbrt_server_t *srv, struct lws *wsi)
{
    lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
    lws_cancel_service(srv->ctx);
}

/* Write a packet at once on an upgraded WebSocket with nothing queued before it; lws keeps
 * what the socket does not take and sends it before anything else. 1 when written (or the
 * connection failed: it is being closed), 0 when the packet must be queued. */
static int write_now(sbrt_session_t *s, const char *packet, apr_size_t len)
{
    unsigned char small[LWS_PRE + 1024], *buf = small;
    struct lws *wsi = s->ws_wsi;

    if (!s->upgraded || !wsi || s->q_len || s->probe_reply || lws_partial_buffered(wsi)) {
        return 0;
    }
    if (len > sizeof small - LWS_PRE && !(buf = malloc(LWS_PRE + len))) {
        return 0;
    }
    memcpy(buf + LWS_PRE, packet, len);
    if (lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_TEXT) < (int)len) {
        kill_async(s->srv, wsi);
    }
    if (buf != small) {
        free(buf);
    }
    return 1;
}

int sbrt_session_send(sbrt_session_t *s, const char *packet, apr_size_t len)
{
    sbrt_packet_t *pk;

    if (s->closing) {
        return -1;
    }
    if (write_now(s, packet, len)) {
        return 0;
    }
    if (s->q_len >= s->srv->queue_max) {
        sbrt_log(s->srv, SBRT_LOG_INFO, "session %s: queue full (%d packets), closing", s->sid,
                 s->q_len);
        sbrt_session_close(s, "queue full");
        return -1;
    }
    if (s->q_len == s->q_cap && queue_grow(s) != 0) {
        return -1;
    }
    pk = malloc(sizeof *pk + LWS_PRE + len + 1);
    if (!pk) {
        return -1;
    }
    pk->len = len;
    memcpy(pk->buf + LWS_PRE, packet, len);
    pk->buf[LWS_PRE + len] = '\0';
    s->q[(s->q_head + s->q_len) % s->q_cap] = pk;
    s->q_len++;
    wake(s);
    return 0;
}

sbrt_packet_t *sbrt_session_pop(sbrt_session_t *s)
{
    sbrt_packet_t *pkt;

    if (!s->q_len) {
        return NULL;
    }
    pkt = s->q[s->q_head];
    s->q_head = (s->q_head + 1) % s->q_cap;
    if (!--s->q_len) {
        free(s->q);
        s->q = NULL;
        s->q_head = s->q_cap = 0;
    }
    return pkt;
}

void sbrt_timer_arm(sbrt_server_t *srv, ev_timer *t, void (*cb)(struct ev_loop *, ev_timer *, int),
                    int ms)
{
    ev_timer_stop(srv->loop, t);
    ev_timer_init(t, cb, ms / 1000.0, 0.);
    ev_timer_start(srv->loop, t);
}

void sbrt_timer_stop(sbrt_server_t *srv, ev_timer *t)
{
    ev_timer_stop(srv->loop, t);
}

static void ping_due(struct ev_loop *loop, ev_timer *t, int revents)
{
    sbrt_session_t *s = lws_container_of(t, sbrt_session_t, ping_timer);

    (void)loop;
    (void)revents;

    if (s->awaiting_pong) {
        sbrt_session_close(s, "ping timeout");
        return;
    }
    s->awaiting_pong = 1;
    sbrt_timer_arm(s->srv, &s->ping_timer, ping_due, s->srv->ping_timeout);
    sbrt_session_send(s, "2", 1);
}

static void connect_due(struct ev_loop *loop, ev_timer *t, int revents)
{
    sbrt_session_t *s = lws_container_of(t, sbrt_session_t, connect_timer);

    (void)loop;
    (void)revents;
    if (!s->connected) {
        sbrt_session_close(s, "connect timeout");
    }
}

sbrt_session_t *sbrt_session_new(sbrt_server_t *srv)
{
    sbrt_session_t *s = calloc(1, sizeof *s);

    if (!s) {
        return NULL;
    }
    s->srv = srv;
    do {
        sbrt_random_id(s->sid);
    } while (apr_hash_get(srv->sessions, s->sid, APR_HASH_KEY_STRING));
    apr_hash_set(srv->sessions, s->sid, APR_HASH_KEY_STRING, s);
    sbrt_timer_arm(srv, &s->ping_timer, ping_due, srv->ping_interval);
    sbrt_timer_arm(srv, &s->connect_timer, connect_due, srv->connect_timeout);
    return s;
}

apr_size_t sbrt_session_open_packet(sbrt_session_t *s, int can_upgrade, char *buf, apr_size_t size)
{
    return apr_snprintf(buf, size,
                        "0{\"sid\":\"%s\",\"upgrades\":[%s],\"pingInterval\":%d,"
                        "\"pingTimeout\":%d,\"maxPayload\":%" APR_SIZE_T_FMT "}",
                        s->sid, can_upgrade ? "\"websocket\"" : "", s->srv->ping_interval,
                        s->srv->ping_timeout, s->srv->max_payload);
}

void sbrt_session_close(sbrt_session_t *s, const char *reason)
{
    sbrt_packet_t *pkt;

    if (s->closing) {
        return;
    }
    s->closing = 1;
    sbrt_log(s->srv, SBRT_LOG_DEBUG, "session %s closed: %s", s->sid, reason);
    sbrt_socket_on_close(s, reason);
    sbrt_timer_stop(s->srv, &s->ping_timer);
    sbrt_timer_stop(s->srv, &s->connect_timer);
    if (s->poll_wsi) {
        /* its writable callback finds no session and answers with a close packet */
        lws_callback_on_writable(s->poll_wsi);
    }
    if (s->ws_wsi) {
        kill_async(s->srv, s->ws_wsi);
    }
    while ((pkt = sbrt_session_pop(s))) {
        free(pkt);
    }
    free(s->q);
    apr_hash_set(s->srv->sessions, s->sid, APR_HASH_KEY_STRING, NULL);
    while (s->nheld) {
        free(s->held[--s->nheld]);
    }
    free(s->held);
    free(s->pid);
    free(s->joined);
    free(s);
}

void sbrt_sessions_close_all(sbrt_server_t *srv)
{
    apr_hash_index_t *hi;

    while ((hi = apr_hash_first(NULL, srv->sessions))) {
        sbrt_session_close(apr_hash_this_val(hi), "server shutdown");
    }
}

void sbrt_session_on_packet(sbrt_session_t *s, struct lws *wsi, const char *data, apr_size_t len)
{
    sbrt_eio_packet_t pk;
    int from_ws = wsi && wsi == s->ws_wsi;

    s->srv->frames_in++;
    if (sbrt_eio_decode(data, len, &pk) != SBRT_OK) {
        sbrt_log(s->srv, SBRT_LOG_DEBUG, "session %s: bad Engine.IO packet", s->sid);
        sbrt_session_close(s, "parse error");
        return;
    }
    switch (pk.type) {
    case SBRT_EIO_PING:
        if (from_ws && !s->upgraded && pk.len == 5 && !memcmp(pk.data, "probe", 5)) {
            s->probe_reply = 1;
            s->probing = 1;
            lws_callback_on_writable(s->ws_wsi);
            s->poll_noop = 1;
            if (s->poll_wsi) {
                lws_callback_on_writable(s->poll_wsi);
            }
        }
        else {
            char *pong = malloc(pk.len + 1);
            if (pong) {
                pong[0] = '0' + SBRT_EIO_PONG;
                memcpy(pong + 1, pk.data, pk.len);
                sbrt_session_send(s, pong, pk.len + 1);
                free(pong);
            }
        }
        break;
    case SBRT_EIO_PONG:
        if (s->awaiting_pong) {
            s->awaiting_pong = 0;
            sbrt_timer_arm(s->srv, &s->ping_timer, ping_due, s->srv->ping_interval);
        }
        break;
    case SBRT_EIO_UPGRADE:
        if (from_ws && !s->upgraded) {
            s->upgraded = 1;
            s->probing = 0;
            if (s->poll_wsi) {
                s->poll_noop = 1;
                lws_callback_on_writable(s->poll_wsi);
            }
            wake(s);
        }
        break;
    case SBRT_EIO_MESSAGE:
        sbrt_socket_on_message(s, pk.data, pk.len);
        break;
    case SBRT_EIO_CLOSE:
        sbrt_session_close(s, "client close");
        break;
    default:
        break;
    }
}

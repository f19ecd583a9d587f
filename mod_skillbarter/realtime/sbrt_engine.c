/*
 * The Engine.IO v4 transports on libwebsockets: polling (GET holds until there is something
 * to send, POST carries the client's packets joined by 0x1e) and WebSocket (directly, or as
 * the upgrade of a polling session: 2probe / 3probe / 5, the pending GET released with 6),
 * maxPayload (polling 413, WebSocket close 1009) and the Origin check. The session behind
 * them is sbrt_session.c.
 */
#include "sbrt.h"

#include <string.h>
#include <stdlib.h>
#include <apr_strings.h>
#include <apr_general.h>

#include "sbrt_codec.h"
#include "sb_time.h"

/* libwebsockets' receive buffer of each WebSocket, allocated per connection for its life: small,
 * since a larger message simply arrives in several callbacks (appended to the pss body). */
#define SBRT_RX_BUFFER 512
/* ms without a new request before a stopping daemon exits (sbrt_engine_finish_requests) */
#define SBRT_STOP_QUIET_MS 100

typedef struct {
    char sid[SBRT_SID_LEN + 1];
    int open;    /* a request not yet answered (srv->requests_open counts them) */
    int waiting; /* a polling GET held for the session's packets */
    int post;    /* a POST whose body is arriving */
    int too_big;
    char *body; /* POST body / WebSocket message being received (malloc'd) */
    apr_size_t body_len;
    int status; /* an answer to write (0: none) */
    const char *ctype;
    char *resp; /* malloc'd */
    apr_size_t resp_len;
} pss_t;

static sbrt_server_t *server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* An argument of the request's query string into buf ("" when absent). */
static const char *url_arg(struct lws *wsi, const char *name, char *buf, int len)
{
    const char *v = lws_get_urlarg_by_name(wsi, name, buf, len);
    return v ? v : "";
}

/* Origin: absent is allowed (not a browser); else one of --origin, or with none configured the
 * site itself (the host the client addressed: X-Forwarded-Host behind Apache, else Host). */
static int origin_ok(sbrt_server_t *srv, struct lws *wsi)
{
    char origin[256], host[256];
    const char *o;
    int i;

    if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) <= 0) {
        return 1;
    }
    for (i = 0; i < srv->origins->nelts; i++) {
        if (!strcasecmp(origin, APR_ARRAY_IDX(srv->origins, i, const char *))) {
            return 1;
        }
    }
    if (srv->origins->nelts) {
        return 0;
    }
    if (lws_hdr_custom_copy(wsi, host, sizeof host, "x-forwarded-host:", 17) <= 0
        && lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0) {
        return 0;
    }
    host[strcspn(host, ", ")] = '\0';
    o = strstr(origin, "://");
    return o && !strcasecmp(o + 3, host);
}

/* Check path, EIO version and transport; 0 or the refusal's text (an Engine.IO error body). */
static const char *check_request(struct lws *wsi, const char *path, const char *transport)
{
    char buf[64];

    if (strncmp(path, "/socket.io/", 11) != 0 && strcmp(path, "/socket.io") != 0) {
        return "{\"code\":0,\"message\":\"Not found\"}";
    }
    if (strcmp(url_arg(wsi, "EIO=", buf, sizeof buf), "4") != 0) {
        return "{\"code\":5,\"message\":\"Unsupported protocol version\"}";
    }
    if (strcmp(url_arg(wsi, "transport=", buf, sizeof buf), transport) != 0) {
        return "{\"code\":0,\"message\":\"Transport unknown\"}";
    }
    return NULL;
}

static void answer(struct lws *wsi, pss_t *pss, int status, const char *ctype, const char *body,
                   apr_size_t len)
{
    free(pss->resp);
    pss->resp = malloc(LWS_PRE + len + 1);
    memcpy(pss->resp + LWS_PRE, body, len);
    pss->resp_len = len;
    pss->status = status;
    pss->ctype = ctype;
    lws_callback_on_writable(wsi);
}

static void answer_json(struct lws *wsi, pss_t *pss, int status, const char *json)
{
    answer(wsi, pss, status, "application/json", json, strlen(json));
}

/* Write the pending answer; for a held GET, the session's queued packets joined by 0x1e. */
static int http_writeable(sbrt_server_t *srv, struct lws *wsi, pss_t *pss)
{
    unsigned char hdr[LWS_PRE + 512], *start = hdr + LWS_PRE, *p = start;
    unsigned char *end = hdr + sizeof hdr - 1;

    if (!pss->status && pss->waiting) {
        sbrt_session_t *s = sbrt_session_find(srv, pss->sid);
        char *buf;
        sbrt_packet_t *pkt;
        apr_size_t len = 0, cap = 4096;

        if (s && !s->q_len && !s->poll_noop && !s->closing) {
            return 0; /* a spurious wake: keep holding */
        }
        pss->waiting = 0;
        buf = malloc(LWS_PRE + cap);
        if (!s) {
            memcpy(buf + LWS_PRE, "1", 1);
            len = 1;
        }
        else {
            s->poll_wsi = NULL;
            /* while an upgrade is under way every GET is released at once: the client may
             * have sent this one before it read "3probe", and sends "5" only once it ends */
            s->poll_noop = s->probing;
            while (s->q_len && !s->upgraded) {
                apr_size_t n = s->q[s->q_head]->len;
                if (len && len + 1 + n > srv->max_payload) {
                    break;
                }
                pkt = sbrt_session_pop(s);
                while (LWS_PRE + len + n + 2 > cap) {
                    cap *= 2;
                    buf = realloc(buf, LWS_PRE + cap);
                }
                if (len) {
                    buf[LWS_PRE + len++] = SBRT_RS;
                }
                memcpy(buf + LWS_PRE + len, sbrt_packet_text(pkt), n);
                len += n;
                free(pkt);
            }
            if (!len) {
                memcpy(buf + LWS_PRE, "6", 1);
                len = 1;
            }
        }
        free(pss->resp);
        pss->resp = buf;
        pss->resp_len = len;
        pss->status = 200;
        pss->ctype = "text/plain; charset=UTF-8";
    }
    if (!pss->status) {
        return 0;
    }
    if (lws_add_http_common_headers(wsi, (unsigned int)pss->status, pss->ctype,
                                    (lws_filepos_t)pss->resp_len, &p, end)
        || lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                        (const unsigned char *)"no-store", 8, &p, end)
        || lws_finalize_write_http_header(wsi, start, &p, end)) {
        return -1;
    }
    if (lws_write(wsi, (unsigned char *)pss->resp + LWS_PRE, pss->resp_len, LWS_WRITE_HTTP_FINAL)
        < 0) {
        return -1;
    }
    free(pss->resp);
    pss->resp = NULL;
    pss->status = 0;
    if (pss->open) {
        pss->open = 0;
        srv->requests_open--;
    }
    /* a stopping daemon closes each connection after its answer: a proxy in front must not
     * send its next request on a connection about to be cut */
    return lws_http_transaction_completed(wsi) || srv->stopping ? -1 : 0;
}

static int on_http(sbrt_server_t *srv, struct lws *wsi, pss_t *pss, const char *path)
{
    char sidbuf[64];
    const char *why, *sid;
    sbrt_session_t *s;
    int is_post = lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0;

    if (pss->open) {
        srv->requests_open--;
    }
    free(pss->body);
    free(pss->resp);
    memset(pss, 0, sizeof *pss);
    pss->open = 1;
    srv->requests_open++;
    if (srv->stopping) {
        srv->last_request_ms = sb_now_ms();
    }
    if ((why = check_request(wsi, path, "polling"))) {
        answer_json(wsi, pss, strstr(why, "Not found") ? 404 : 400, why);
        return 0;
    }
    if (!origin_ok(srv, wsi)) {
        sbrt_log(srv, SBRT_LOG_INFO, "refused a request from a foreign origin");
        answer_json(wsi, pss, 403, "{\"code\":4,\"message\":\"Forbidden\"}");
        return 0;
    }
    sid = url_arg(wsi, "sid=", sidbuf, sizeof sidbuf);
    if (!*sid) {
        char open[256];
        apr_size_t n;
        if (is_post) {
            answer_json(wsi, pss, 400, "{\"code\":1,\"message\":\"Session ID unknown\"}");
            return 0;
        }
        if (srv->stopping) {
            /* the client retries (with its back-off) and reaches the next daemon */
            answer_json(wsi, pss, 503, "{\"code\":0,\"message\":\"Server stopping\"}");
            return 0;
        }
        if (!(s = sbrt_session_new(srv))) {
            return -1;
        }
        n = sbrt_session_open_packet(s, 1, open, sizeof open);
        answer(wsi, pss, 200, "text/plain; charset=UTF-8", open, n);
        sbrt_socket_on_open(s);
        return 0;
    }
    if (strlen(sid) > SBRT_SID_LEN || !(s = sbrt_session_find(srv, sid))) {
        answer_json(wsi, pss, 400, "{\"code\":1,\"message\":\"Session ID unknown\"}");
        return 0;
    }
    apr_cpystrn(pss->sid, sid, sizeof pss->sid);
    if (is_post) {
        pss->post = 1;
        return 0; /* the body follows */
    }
    if (s->upgraded || s->poll_wsi) {
        /* a second GET in flight, or polling after the upgrade: the protocol forbids both */
        answer_json(wsi, pss, 400, "{\"code\":3,\"message\":\"Bad request\"}");
        sbrt_session_close(s, "overlapping poll");
        return 0;
    }
    s->poll_wsi = wsi;
    pss->waiting = 1;
    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
    if (s->q_len || s->poll_noop) {
        lws_callback_on_writable(wsi);
    }
    else {
        /* held until there is something to send (tests wait for this line before a stop) */
        sbrt_log(srv, SBRT_LOG_DEBUG, "session %s: poll held", s->sid);
    }
    return 0;
}

static int append_body(sbrt_server_t *srv, pss_t *pss, const void *in, apr_size_t len)
{
    char *nb;

    if (pss->too_big || pss->body_len + len > srv->max_payload) {
        pss->too_big = 1;
        return 0;
    }
    nb = realloc(pss->body, pss->body_len + len + 1);
    if (!nb) {
        return -1;
    }
    pss->body = nb;
    memcpy(pss->body + pss->body_len, in, len);
    pss->body_len += len;
    return 0;
}

static void on_post_body(sbrt_server_t *srv, struct lws *wsi, pss_t *pss)
{
    sbrt_session_t *s = sbrt_session_find(srv, pss->sid);
    apr_size_t pos = 0, n;
    const char *pkt;

    if (pss->too_big) {
        answer_json(wsi, pss, 413, "{\"code\":3,\"message\":\"Payload too large\"}");
        if (s) {
            sbrt_session_close(s, "payload too large");
        }
        return;
    }
    if (!s) {
        answer_json(wsi, pss, 400, "{\"code\":1,\"message\":\"Session ID unknown\"}");
        return;
    }
    while (!s->closing && pss->body
           && sbrt_eio_payload_next(pss->body, pss->body_len, &pos, &pkt, &n)) {
        /* a closed session's pool is gone: stop at once */
        int closed;
        apr_hash_t *h = srv->sessions;
        sbrt_session_on_packet(s, NULL, pkt, n);
        closed = !apr_hash_get(h, pss->sid, APR_HASH_KEY_STRING);
        if (closed) {
            break;
        }
    }
    answer(wsi, pss, 200, "text/html", "ok", 2);
}

static int on_ws_established(sbrt_server_t *srv, struct lws *wsi, pss_t *pss)
{
    char sidbuf[64];
    const char *sid = url_arg(wsi, "sid=", sidbuf, sizeof sidbuf);
    sbrt_session_t *s;
    char open[256];
    apr_size_t n;

    memset(pss, 0, sizeof *pss);
    if (srv->stopping) {
        return -1; /* the upgrade is answered already: the client sees the close and retries */
    }
    if (*sid) {
        s = sbrt_session_find(srv, sid);
        if (!s || s->upgraded || s->ws_wsi) {
            return -1;
        }
        s->ws_wsi = wsi;
        apr_cpystrn(pss->sid, sid, sizeof pss->sid);
        return 0;
    }
    if (!(s = sbrt_session_new(srv))) {
        return -1;
    }
    s->ws_wsi = wsi;
    s->upgraded = 1;
    apr_cpystrn(pss->sid, s->sid, sizeof pss->sid);
    n = sbrt_session_open_packet(s, 0, open, sizeof open);
    sbrt_session_send(s, open, n);
    sbrt_socket_on_open(s);
    return 0;
}

/* Write a queued packet in place (its LWS_PRE headroom) and free it. */
static int ws_write(struct lws *wsi, sbrt_packet_t *pk)
{
    int rc = lws_write(wsi, pk->buf + LWS_PRE, pk->len, LWS_WRITE_TEXT);
    int ok = rc >= (int)pk->len;

    free(pk);
    return ok ? 0 : -1;
}

static int on_ws_writeable(sbrt_server_t *srv, struct lws *wsi, pss_t *pss)
{
    sbrt_session_t *s = sbrt_session_find(srv, pss->sid);
    sbrt_packet_t *pkt;

    if (!s || s->ws_wsi != wsi) {
        return -1;
    }
    if (s->probe_reply) {
        unsigned char probe[LWS_PRE + 6];
        s->probe_reply = 0;
        memcpy(probe + LWS_PRE, "3probe", 6);
        if (lws_write(wsi, probe + LWS_PRE, 6, LWS_WRITE_TEXT) < 6) {
            return -1;
        }
    }
    else if (s->upgraded && (pkt = sbrt_session_pop(s)) && ws_write(wsi, pkt)) {
        return -1;
    }
    if (s->probe_reply || (s->upgraded && s->q_len)) {
        lws_callback_on_writable(wsi);
    }
    return 0;
}

static int on_ws_receive(sbrt_server_t *srv, struct lws *wsi, pss_t *pss, const void *in,
                         apr_size_t len)
{
    sbrt_session_t *s = sbrt_session_find(srv, pss->sid);

    if (!s) {
        return -1;
    }
    if (!pss->body && lws_is_final_fragment(wsi) && !lws_frame_is_binary(wsi)
        && len <= srv->max_payload) {
        /* a whole message in one piece (the common case): handled in lws' buffer, no copy */
        sbrt_session_on_packet(s, wsi, in, len);
        return 0;
    }
    if (append_body(srv, pss, in, len)) {
        return -1;
    }
    if (pss->too_big) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
        sbrt_session_close(s, "payload too large");
        return -1;
    }
    if (!lws_is_final_fragment(wsi)) {
        return 0;
    }
    if (lws_frame_is_binary(wsi)) {
        sbrt_socket_emit(s, "error", json_object_new_string("Binary packets are not supported."));
    }
    else if (pss->body) {
        sbrt_session_on_packet(s, wsi, pss->body, pss->body_len);
    }
    free(pss->body);
    pss->body = NULL;
    pss->body_len = 0;
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    sbrt_server_t *srv = server_of(wsi);
    pss_t *pss = user;
    sbrt_session_t *s;
    char path[128];
    const char *why;

    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return on_http(srv, wsi, pss, in ? (const char *)in : "");
    case LWS_CALLBACK_HTTP_BODY:
        return pss->post ? append_body(srv, pss, in, len) : 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        on_post_body(srv, wsi, pss);
        free(pss->body);
        pss->body = NULL;
        pss->body_len = 0;
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return http_writeable(srv, wsi, pss);
    case LWS_CALLBACK_CLOSED_HTTP:
        if (pss) {
            if (pss->open) {
                srv->requests_open--;
            }
            if ((s = sbrt_session_find(srv, pss->sid)) && s->poll_wsi == wsi) {
                s->poll_wsi = NULL;
            }
            free(pss->body);
            free(pss->resp);
            memset(pss, 0, sizeof *pss);
        }
        return 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) <= 0) {
            return 1;
        }
        if ((why = check_request(wsi, path, "websocket"))) {
            return 1;
        }
        if (!origin_ok(srv, wsi)) {
            sbrt_log(srv, SBRT_LOG_INFO, "refused a WebSocket from a foreign origin");
            return 1;
        }
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        return 0; /* a wake-up for lws' own timers (sbrt_session.c kill_async) */
    case LWS_CALLBACK_ESTABLISHED:
        return on_ws_established(srv, wsi, pss);
    case LWS_CALLBACK_RECEIVE:
        return on_ws_receive(srv, wsi, pss, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return on_ws_writeable(srv, wsi, pss);
    case LWS_CALLBACK_CLOSED:
        if ((s = sbrt_session_find(srv, pss->sid)) && s->ws_wsi == wsi) {
            s->ws_wsi = NULL;
            s->probing = 0; /* a probe that failed: polling goes on as before */
            if (s->upgraded) {
                sbrt_session_close(s, "transport close");
            }
        }
        free(pss->body);
        pss->body = NULL;
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static void release_due(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)t;
    (void)revents; /* only wakes the loop below */
}

void sbrt_engine_finish_requests(sbrt_server_t *srv, int ms)
{
    ev_timer tick;
    int64_t now = sb_now_ms(), end = now + ms;

    /* until every request is answered and none came for a moment: a proxy's pooled
     * connections each bring at most one more request, answered and closed */
    srv->last_request_ms = now;
    ev_timer_init(&tick, release_due, 0.01, 0.01);
    ev_timer_start(srv->loop, &tick);
    while ((srv->requests_open > 0 || now - srv->last_request_ms < SBRT_STOP_QUIET_MS)
           && now < end) {
        ev_run(srv->loop, EVRUN_ONCE);
        now = sb_now_ms();
    }
    ev_timer_stop(srv->loop, &tick);
    if (srv->requests_open > 0) {
        sbrt_log(srv, SBRT_LOG_INFO, "stopping with %d requests unanswered", srv->requests_open);
    }
}

const struct lws_protocols sbrt_protocols[] = {
    {"socket.io", callback, sizeof(pss_t), SBRT_RX_BUFFER, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

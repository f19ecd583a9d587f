/*
 * The Socket.IO v5 layer over an Engine.IO session: CONNECT with auth {token} verified as the
 * module's guard does (CONNECT_ERROR {message} when refused), events with acknowledgements,
 * DISCONNECT, and `error` events answering bad frames. Only the main namespace exists.
 */
#include "sbrt.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "sbrt_codec.h"
#include "sbrt_events.h"

/* The decimal digits of an ack id (0 to SBRT_MAX_ACK_ID) into out; their count. */
static apr_size_t put_ack_id(char *out, int64_t id)
{
    char digits[20];
    apr_size_t n = 0, i;

    do {
        digits[n++] = (char)('0' + id % 10);
        id /= 10;
    } while (id > 0 && n < sizeof digits);
    for (i = 0; i < n; i++) {
        out[i] = digits[n - 1 - i];
    }
    return n;
}

/* Send one Socket.IO packet of the main namespace as an Engine.IO MESSAGE: "4", the type
 * digit, the ack id and the JSON, built in place (no pool, one copy into the queue). */
static int send_sio(sbrt_session_t *s, sbrt_sio_type_t type, int64_t ack_id, json_object *data)
{
    char small[1024], *buf = small;
    const char *json = data ? json_object_to_json_string_ext(
                           data, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
                            : "";
    apr_size_t jlen = strlen(json), n;
    int rc;

    if (jlen + 24 > sizeof small && !(buf = malloc(jlen + 24))) {
        return -1;
    }
    buf[0] = '4';
    buf[1] = (char)('0' + (int)type);
    n = 2;
    if (ack_id >= 0) {
        n += put_ack_id(buf + n, ack_id);
    }
    memcpy(buf + n, json, jlen);
    rc = sbrt_session_send(s, buf, n + jlen);
    if (buf != small) {
        free(buf);
    }
    return rc;
}

int sbrt_socket_emit(sbrt_session_t *s, const char *event, json_object *arg)
{
    json_object *a = json_object_new_array();
    int rc;

    json_object_array_add(a, json_object_new_string(event));
    if (arg) {
        json_object_array_add(a, arg);
    }
    rc = send_sio(s, SBRT_SIO_EVENT, -1, a);
    json_object_put(a);
    return rc;
}

int sbrt_socket_ack(sbrt_session_t *s, int64_t ack_id, json_object *arg)
{
    json_object *a = json_object_new_array();
    int rc;

    json_object_array_add(a, arg);
    rc = send_sio(s, SBRT_SIO_ACK, ack_id, a);
    json_object_put(a);
    return rc;
}

json_object *sbrt_envelope_fail(const char *message)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "success", json_object_new_boolean(0));
    json_object_object_add(o, "message", json_object_new_string(message));
    return o;
}

/* The error envelope of err (message and field errors). */
json_object *sbrt_error_envelope(const sb_error_t *err)
{
    json_object *o = sbrt_envelope_fail(err->message ? err->message : "Request failed.");
    int i;

    if (err->fields && err->fields->nelts) {
        json_object *arr = json_object_new_array();
        for (i = 0; i < err->fields->nelts; i++) {
            const sb_field_error_t *f = &APR_ARRAY_IDX(err->fields, i, sb_field_error_t);
            json_object *fe = json_object_new_object();
            json_object_object_add(fe, "field", json_object_new_string(f->field));
            json_object_object_add(fe, "message", json_object_new_string(f->message));
            json_object_array_add(arr, fe);
        }
        json_object_object_add(o, "errors", arr);
    }
    return o;
}

/* message as the body of a JSON string into out (at most cap bytes): the number of bytes, or
 * 0 when it does not fit. Quotes, backslashes and control characters are escaped; the text
 * is UTF-8 already (it comes from this server or from strictly parsed JSON). */
static apr_size_t json_escape(char *out, apr_size_t cap, const char *message)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *m = (const unsigned char *)message;
    apr_size_t n = 0;

    for (; *m; m++) {
        if (n + 6 > cap) {
            return 0;
        }
        if (*m == '"' || *m == '\\') {
            out[n++] = '\\';
            out[n++] = (char)*m;
        }
        else if (*m < 0x20) {
            memcpy(out + n, "\\u00", 4);
            out[n + 4] = hex[*m >> 4];
            out[n + 5] = hex[*m & 15];
            n += 6;
        }
        else {
            out[n++] = (char)*m;
        }
    }
    return n;
}

/* An error for the client: an ack when it asked for one, else an `error` event. The packet
 * is written as text, put together with memcpy (this answers every bad frame and unknown
 * event: no JSON objects built for it, no format string read). */
void sbrt_socket_refuse(sbrt_session_t *s, int64_t ack_id, const char *message)
{
    static const char ack_head[] = "[{\"success\":false,\"message\":\"";
    static const char ack_tail[] = "\"}]";
    static const char event_head[] = "42[\"error\",{\"message\":\"";
    static const char event_tail[] = "\"}]";
    char buf[1024], esc[900];
    apr_size_t n = json_escape(esc, sizeof esc, message), len = 0;

    if (n) {
        if (ack_id >= 0) {
            memcpy(buf, "43", 2);
            len = 2 + put_ack_id(buf + 2, ack_id);
            memcpy(buf + len, ack_head, sizeof ack_head - 1);
            len += sizeof ack_head - 1;
            memcpy(buf + len, esc, n);
            memcpy(buf + len + n, ack_tail, sizeof ack_tail - 1);
            len += n + sizeof ack_tail - 1;
        }
        else {
            memcpy(buf, event_head, sizeof event_head - 1);
            len = sizeof event_head - 1;
            memcpy(buf + len, esc, n);
            memcpy(buf + len + n, event_tail, sizeof event_tail - 1);
            len += n + sizeof event_tail - 1;
        }
        sbrt_session_send(s, buf, len);
        return;
    }
    if (ack_id >= 0) {
        sbrt_socket_ack(s, ack_id, sbrt_envelope_fail(message));
    }
    else {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "message", json_object_new_string(message));
        sbrt_socket_emit(s, "error", o);
    }
}

void sbrt_socket_on_open(sbrt_session_t *s)
{
    sbrt_log(s->srv, SBRT_LOG_DEBUG, "session %s opened", s->sid);
}

void sbrt_socket_on_close(sbrt_session_t *s, const char *reason)
{
    if (s->connected) {
        s->connected = 0;
        sbrt_events_on_disconnect(s, reason);
    }
}

void sbrt_socket_connect_error(sbrt_session_t *s, const char *message)
{
    json_object *reply = json_object_new_object();

    json_object_object_add(reply, "message", json_object_new_string(message));
    send_sio(s, SBRT_SIO_CONNECT_ERROR, -1, reply);
    json_object_put(reply);
}

/* CONNECT: the token is checked (as the module's guard does) and the recovery read on the
 * store worker; sbrt_outbox_connected answers. */
static void on_connect(sbrt_session_t *s, sbrt_sio_packet_t *pk)
{
    if (strcmp(pk->nsp, "/") != 0) {
        sbrt_socket_connect_error(s, "Invalid namespace");
        return;
    }
    if (s->connected || s->connecting) {
        return; /* a repeated CONNECT changes nothing */
    }
    if (sbrt_worker_connect(s, pk->data) != 0) {
        sbrt_socket_connect_error(s, "Service temporarily unavailable.");
        return;
    }
    s->connecting = 1;
}

void sbrt_socket_connected(sbrt_session_t *s, const char *pid)
{
    json_object *reply = json_object_new_object();

    json_object_object_add(reply, "sid", json_object_new_string(s->sio_sid));
    if (pid) {
        json_object_object_add(reply, "pid", json_object_new_string(pid));
    }
    send_sio(s, SBRT_SIO_CONNECT, -1, reply);
    json_object_put(reply);
}

/* Keep a packet that came while the CONNECT is checked: the client may send events right
 * after its CONNECT, and they are handled in order once it is answered. */
static void hold(sbrt_session_t *s, const char *data, apr_size_t len)
{
    char **nh, *copy;

    if (s->nheld >= SBRT_MAX_HELD) {
        sbrt_socket_refuse(s, -1, "Not connected.");
        return;
    }
    if (!(copy = malloc(len + 1)) || !(nh = realloc(s->held, sizeof(char *) * (s->nheld + 1)))) {
        free(copy);
        sbrt_socket_refuse(s, -1, "Service temporarily unavailable.");
        return;
    }
    memcpy(copy, data, len);
    copy[len] = '\0';
    s->held = nh;
    s->held[s->nheld++] = copy;
}

void sbrt_socket_run_held(sbrt_session_t *s)
{
    sbrt_server_t *srv = s->srv;
    char sid[SBRT_SID_LEN + 1], *pkt;

    apr_cpystrn(sid, s->sid, sizeof sid);
    while (!s->connecting && s->nheld) {
        pkt = s->held[0];
        memmove(s->held, s->held + 1, sizeof(char *) * (apr_size_t)--s->nheld);
        if (!s->nheld) {
            free(s->held);
            s->held = NULL;
        }
        sbrt_socket_on_message(s, pkt, strlen(pkt));
        free(pkt);
        if (!sbrt_session_find(srv, sid)) {
            return; /* closed meanwhile */
        }
    }
}

void sbrt_socket_on_message(sbrt_session_t *s, const char *data, apr_size_t len)
{
    apr_pool_t *p;
    sbrt_sio_packet_t pk;
    sbrt_status_t st;

    if (s->connecting) {
        hold(s, data, len);
        return;
    }
    /* one unit of work in the scratch pool, cleared after it (no store call here: those run
     * on the store worker and its lanes) */
    p = s->srv->scratch;
    st = sbrt_sio_decode(p, data, len, &pk);
    if (st != SBRT_OK) {
        sbrt_log(s->srv, SBRT_LOG_DEBUG, "session %s: bad Socket.IO packet: %s", s->sid,
                 sbrt_status_text(st));
        sbrt_socket_refuse(s, -1, sbrt_status_text(st));
    }
    else if (pk.type == SBRT_SIO_CONNECT) {
        on_connect(s, &pk);
    }
    else if (!s->connected || strcmp(pk.nsp, "/") != 0) {
        sbrt_socket_refuse(s, -1, "Not connected.");
    }
    else if (pk.type == SBRT_SIO_DISCONNECT) {
        sbrt_socket_on_close(s, "client namespace disconnect");
    }
    else if (pk.type == SBRT_SIO_EVENT) {
        sbrt_events_dispatch(s, p, pk.ack_id, pk.data);
    }
    /* ACKs from the client answer nothing this server asked */
    apr_pool_clear(p);
}

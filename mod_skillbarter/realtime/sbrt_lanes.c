/*
 * The send lanes: message:send runs on a few threads of their own (--send-lanes, default 4),
 * each with its own store connection, so that sends that come together are stored together:
 * the store groups the sends its threads make at the same moment into one transaction (the
 * group commit of store/sqlite/sqlite_send.c: one BEGIN, one WAL append, one COMMIT for the
 * batch) instead of one transaction after the other on one thread. A sender's sends always go
 * to the same lane (by its user id), so they are stored and acknowledged in the order sent.
 *
 * A lane takes all its queued sends at once and runs them one after the other; when one was
 * stored it wakes the other daemons on the store (the datagram), reads the outbox tail itself
 * (no hand-over to the worker: the push goes out with the ack) and hands acks and events to
 * the service thread (sbrt_worker_finish).
 */
#include "sbrt_worker_int.h"
#include "sbrt_codec.h"
#include "sbrt_events.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "sb_message_send.h"
#include "sb_user_rules.h"

#define LANE_JOBS_MAX 10000 /* queued sends of one lane before new ones are refused as busy */

static struct {
    sbrt_queue_t *lane;
    int n;
} ln;

/* The answer to a send: an ack when asked for, else an `error` event when it failed. */
static result_t *answer(apr_pool_t *p, const job_t *j, json_object *o)
{
    json_object *a = json_object_new_array(), *m;
    const char *text = NULL;
    result_t *r = NULL;

    if (j->ack_id >= 0) {
        json_object_array_add(a, o);
        text = apr_pstrcat(p, "4", sbrt_sio_encode(p, SBRT_SIO_ACK, "/", j->ack_id, a), NULL);
    }
    else if (!json_object_object_get_ex(o, "success", &m) || !json_object_get_boolean(m)) {
        json_object_array_add(a, json_object_new_string("error"));
        json_object_array_add(a, o);
        text = apr_pstrcat(p, "4", sbrt_sio_encode(p, SBRT_SIO_EVENT, "/", -1, a), NULL);
    }
    else {
        json_object_put(o);
    }
    if (text && (r = sbrt_result_new(RES_PACKET, text, strlen(text)))) {
        memcpy(r->sid, j->sid, sizeof r->sid);
    }
    json_object_put(a);
    return r;
}

static result_t *run_send(sbrt_server_t *srv, sb_store_conn_t *conn, apr_pool_t *p, job_t *j,
                          int *sent)
{
    sb_error_t err = {0};
    sb_store_error_t e = {0};
    sb_user_t *from;
    json_object *msg, *o;
    const char *what = "Message";
    int st;

    if (!conn || sb_store_user_by_id(conn, p, j->user_id, &from, &e) != SB_STORE_OK) {
        sbrt_log(srv, SBRT_LOG_ERROR, "message:send: store: %s", e.message);
        return answer(p, j, sbrt_envelope_fail("Service temporarily unavailable."));
    }
    /* the account as the guard checks it on every REST request */
    if (!from->is_active || sb_ban_in_force(from->is_banned, from->ban_expires_at, j->at)) {
        return answer(p, j,
                      sbrt_envelope_fail(!from->is_active ? "Account is deactivated."
                                                          : "Account is banned."));
    }
    st = sb_message_send(conn, p, from, j->body, j->at, &err, &msg, &e, &what);
    if (st == SB_MESSAGE_SEND_STORE_FAILED) {
        sbrt_log(srv, SBRT_LOG_ERROR, "message:send: store error (%s): %s", what, e.message);
        return answer(p, j,
                      sbrt_envelope_fail(e.status == SB_STORE_UNAVAILABLE
                                             ? "Service temporarily unavailable."
                                             : "Internal server error."));
    }
    if (st) {
        return answer(p, j, sbrt_error_envelope(&err));
    }
    *sent = 1;
    o = json_object_new_object();
    json_object_object_add(o, "success", json_object_new_boolean(1));
    json_object_object_add(o, "message", json_object_new_string("Message sent"));
    json_object_object_add(o, "data", json_object_get(msg));
    return answer(p, j, o);
}

/* A lane's turn: its sends in order; when one was stored, the tail is read after them. */
static int lane_run(sbrt_queue_t *q, sbrt_turn_t *t)
{
    sbrt_server_t *srv = q->srv;
    job_t *j, *next;
    int sent = 0;

    for (j = t->jobs; j; j = next) {
        int64_t start = sbrt_now_us();
        result_t *r;
        next = j->next;
        sbrt_stats_add(SBRT_STAGE_QUEUE, start - j->posted_us);
        apr_pool_clear(t->scratch);
        r = run_send(srv, t->conn, t->scratch, j, &sent);
        sbrt_stats_add(SBRT_STAGE_STORE, sbrt_now_us() - start);
        if (r) {
            r->posted_us = j->posted_us;
            r->sent_us = sbrt_now_us();
        }
        sbrt_turn_add(t, r);
        json_object_put(j->body);
        free(j);
    }
    if (sent) {
        sbrt_outbox_wake_others(srv); /* other daemons on this store read it too */
    }
    return sent;
}

int sbrt_lanes_post(job_t *j)
{
    unsigned int h = 5381;
    const char *c;

    for (c = j->user_id; *c; c++) {
        h = h * 33 + (unsigned char)*c;
    }
    return sbrt_queue_post(&ln.lane[h % (unsigned int)ln.n], j, LANE_JOBS_MAX);
}

int sbrt_lanes_start(sbrt_server_t *srv)
{
    char name[16];
    int i;

    ln.n = srv->send_lanes > 0 ? srv->send_lanes : 1;
    if (!(ln.lane = calloc((apr_size_t)ln.n, sizeof *ln.lane))) {
        return -1;
    }
    for (i = 0; i < ln.n; i++) {
        sbrt_queue_init(&ln.lane[i], srv);
        ln.lane[i].run = lane_run;
        ln.lane[i].events_first = 1; /* the receivers' pushes before the senders' acks */
    }
    for (i = 0; i < ln.n; i++) {
        apr_snprintf(name, sizeof name, "sbrt-lane%d", i);
        if (sbrt_queue_start(&ln.lane[i], name) != 0) {
            return -1;
        }
    }
    return 0;
}

/* Every lane finishes its queue, then ends. */
void sbrt_lanes_stop(void)
{
    int i;

    for (i = 0; ln.lane && i < ln.n; i++) {
        sbrt_queue_stop(&ln.lane[i]);
    }
    free(ln.lane);
    ln.lane = NULL;
}

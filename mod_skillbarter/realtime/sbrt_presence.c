/*
 * The ephemeral events, between people who may message each other only (the spec's server
 * broadcasts presence to everyone; this one never does):
 *   join:conversation / leave:conversation (partner id): the socket follows that conversation;
 *   typing:start / typing:stop (receiver id): to the receiver's sockets that joined the
 *     conversation with the sender, {userId, username} / {userId};
 *   user:online / user:offline {userId, username[, lastSeen]}: to the user's conversation
 *     partners (no block either way) when the first socket connects, and when the last one
 *     has been gone for the grace period (a page reload does not flicker). A new socket is
 *     also told which of its partners are online. lastSeen is stored at every disconnect.
 * Nothing here is stored or recovered. The store reads (the partner lists, the partner check
 * of the ephemeral events) run on the store worker (sbrt_worker_call): the action follows on
 * the service thread when the answer is back, in the order the events came.
 */
#include "sbrt_events.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "sb_id.h"
#include "sb_time.h"
#include "sb_user_rules.h"
#include "sb_validate.h"

static json_object *presence_json(const sbrt_user_t *u, int64_t last_seen, apr_pool_t *p)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "userId", json_object_new_string(u->id));
    json_object_object_add(o, "username", json_object_new_string(u->username));
    if (last_seen) {
        json_object_object_add(o, "lastSeen", json_object_new_string(sb_time_iso(p, last_seen)));
    }
    return o;
}

/* Emit to every socket of u; o is released. */
static void emit_to_user(sbrt_user_t *u, const char *event, json_object *o)
{
    sbrt_session_t *t, *next;

    for (t = u->first; t; t = next) {
        next = t->user_next;
        sbrt_socket_emit(t, event, json_object_get(o));
    }
    json_object_put(o);
}

/* A presence announcement whose partner list the store worker reads. */
typedef struct {
    char user_id[SB_ID_LEN + 1];
    const char *event; /* user:online / user:offline to the partners, or NULL */
    int64_t last_seen;
    char sid[SBRT_SID_LEN + 1]; /* a new socket to tell who is online, or "" */
    int failed;
    int n;
    char (*ids)[SB_ID_LEN + 1];
} announce_t;

static void announce_read(sbrt_server_t *srv, sb_store_conn_t *conn, apr_pool_t *p, void *arg)
{
    announce_t *a = arg;
    sb_store_error_t e = {0};
    apr_array_header_t *ids;
    int i;

    if (!conn
        || sb_store_conversation_partners(conn, p, a->user_id, SBRT_MAX_PARTNERS, &ids, &e)
               != SB_STORE_OK) {
        sbrt_log(srv, SBRT_LOG_ERROR, "presence: store: %s", conn ? e.message : "unavailable");
        a->failed = 1;
        return;
    }
    if (ids->nelts && !(a->ids = malloc(sizeof *a->ids * (apr_size_t)ids->nelts))) {
        a->failed = 1;
        return;
    }
    for (i = 0; i < ids->nelts; i++) {
        apr_cpystrn(a->ids[i], APR_ARRAY_IDX(ids, i, const char *), sizeof a->ids[i]);
    }
    a->n = ids->nelts;
}

/* The list read is u's partner list from now on (it holds every partner up to the read). */
static void keep_partners(sbrt_user_t *u, announce_t *a)
{
    free(u->partners);
    u->partners = a->ids;
    u->npartners = a->n;
    a->ids = NULL;
}

/* On the service thread: tell u's online partners the event; tell the new socket who is
 * online. The state is as it is now (a socket may have closed meanwhile). */
static void announce_done(sbrt_server_t *srv, void *arg)
{
    announce_t *a = arg;
    sbrt_user_t *u;
    sbrt_session_t *s;
    apr_pool_t *p;
    int i;

    if (!srv || a->failed || !(u = sbrt_user_find(srv, a->user_id))) {
        free(a->ids);
        free(a);
        return;
    }
    p = srv->scratch;
    for (i = 0; i < a->n; i++) {
        sbrt_user_t *pu = sbrt_user_find(srv, a->ids[i]);
        if (!pu) {
            continue;
        }
        if (a->event && pu->first) {
            emit_to_user(pu, a->event, presence_json(u, a->last_seen, p));
        }
        /* a partner reloading within the grace period (no socket now) is still online */
        if (*a->sid && pu->online && (s = sbrt_session_find(srv, a->sid))) {
            sbrt_socket_emit(s, "user:online", presence_json(pu, 0, p));
        }
    }
    apr_pool_clear(p);
    if (u->first) {
        keep_partners(u, a);
    }
    free(a->ids);
    free(a);
}

/* Tell u's online partners `event` about u; when s is given, also tell s who is online. The
 * partner list is read on the store worker. */
static void announce(sbrt_user_t *u, const char *event, int64_t last_seen, sbrt_session_t *s)
{
    announce_t *a = calloc(1, sizeof *a);

    if (!a) {
        return;
    }
    apr_cpystrn(a->user_id, u->id, sizeof a->user_id);
    a->event = event;
    a->last_seen = last_seen;
    if (s) {
        apr_cpystrn(a->sid, s->sid, sizeof a->sid);
    }
    if (sbrt_worker_call(u->srv, announce_read, announce_done, a) != 0) {
        sbrt_log(u->srv, SBRT_LOG_ERROR, "presence: cannot queue the partner read");
        free(a);
    }
}

static int has_partner(const sbrt_user_t *u, const char *id)
{
    int i;

    for (i = 0; i < u->npartners; i++) {
        if (!strcmp(u->partners[i], id)) {
            return 1;
        }
    }
    return 0;
}

static void add_partner(sbrt_user_t *u, const char *id)
{
    char(*np)[SB_ID_LEN + 1];

    if (u->npartners >= SBRT_MAX_PARTNERS
        || !(np = realloc(u->partners, sizeof *np * (apr_size_t)(u->npartners + 1)))) {
        return;
    }
    u->partners = np;
    apr_cpystrn(u->partners[u->npartners++], id, sizeof *np);
}

void sbrt_presence_pair(sbrt_server_t *srv, const char *user_id, const char *sender_id)
{
    sbrt_user_t *u = sbrt_user_find(srv, user_id), *from = sbrt_user_find(srv, sender_id);
    apr_pool_t *p = srv->scratch;

    if (!u || !from || !u->first || has_partner(u, sender_id)) {
        return; /* not here, or partners already (told at connect) */
    }
    add_partner(u, sender_id);
    if (from->first && !has_partner(from, user_id)) {
        add_partner(from, user_id);
    }
    if (from->online) {
        emit_to_user(u, "user:online", presence_json(from, 0, p));
    }
    if (u->online && from->first) {
        emit_to_user(from, "user:online", presence_json(u, 0, p));
    }
    apr_pool_clear(p);
}

void sbrt_presence_first(sbrt_user_t *u, sbrt_session_t *s)
{
    if (u->offline_pending) {
        /* back within the grace period: nobody was told it left */
        u->offline_pending = 0;
        sbrt_timer_stop(u->srv, &u->offline_timer);
        announce(u, NULL, 0, s);
        return;
    }
    u->online = 1;
    announce(u, "user:online", 0, s);
}

/* A further socket of a user already online (a second tab, a reload whose old socket is not
 * closed yet): nobody is told, the socket learns who is online. */
void sbrt_presence_another(sbrt_user_t *u, sbrt_session_t *s)
{
    announce(u, NULL, 0, s);
}

static void offline_due(struct ev_loop *loop, ev_timer *t, int revents)
{
    sbrt_user_t *u = lws_container_of(t, sbrt_user_t, offline_timer);

    (void)loop;
    (void)revents;
    u->offline_pending = 0;
    if (u->first) {
        return;
    }
    u->online = 0;
    free(u->partners);
    u->partners = NULL;
    u->npartners = 0;
    announce(u, "user:offline", sb_now_ms(), NULL);
}

void sbrt_presence_last(sbrt_user_t *u)
{
    sbrt_server_t *srv = u->srv;

    if (srv->stopping) {
        return;
    }
    sbrt_worker_touch(srv, u->id, sb_now_ms());
    if (!u->online) {
        return;
    }
    u->offline_pending = 1;
    sbrt_timer_arm(srv, &u->offline_timer, offline_due, srv->presence_grace);
}

/* An ephemeral event whose partner the store worker checks: a visible user, no block either
 * way. The action then runs on the service thread (join, typing), or the refusal is sent. */
typedef enum { PEER_JOIN, PEER_TYPING_START, PEER_TYPING_STOP } peer_kind_t;

typedef struct {
    peer_kind_t kind;
    char sid[SBRT_SID_LEN + 1];
    char user_id[SB_ID_LEN + 1];
    char peer[SB_ID_LEN + 1];
    int64_t ack_id;
    const char *refusal; /* NULL: allowed */
} peer_t;

static void peer_read(sbrt_server_t *srv, sb_store_conn_t *conn, apr_pool_t *p, void *arg)
{
    peer_t *c = arg;
    sb_store_error_t e = {0};
    sb_user_t *u;
    int blocked = 1;

    (void)srv;
    if (!conn) {
        c->refusal = "Service temporarily unavailable.";
    }
    else if (sb_store_user_by_id(conn, p, c->peer, &u, &e) != SB_STORE_OK
             || !sb_user_visible(u, sb_now_ms())
             || sb_store_blocked_between(conn, c->user_id, c->peer, &blocked, &e) != SB_STORE_OK
             || blocked) {
        c->refusal = "User not found.";
    }
}

static void ok(sbrt_session_t *s, int64_t ack_id)
{
    if (ack_id >= 0) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "success", json_object_new_boolean(1));
        sbrt_socket_ack(s, ack_id, o);
    }
}

/* Is partner_id among the conversations s joined? Its index, or -1. */
static int joined_at(const sbrt_session_t *s, const char *partner_id)
{
    int i;

    for (i = 0; i < s->njoined; i++) {
        if (!strcmp(s->joined[i], partner_id)) {
            return i;
        }
    }
    return -1;
}

static void join(sbrt_session_t *s, const char *id, int64_t ack_id)
{
    char(*nj)[SB_ID_LEN + 1];

    if (joined_at(s, id) < 0) {
        if (s->njoined >= SBRT_MAX_JOINED) {
            sbrt_socket_refuse(s, ack_id, "Too many conversations joined.");
            return;
        }
        if (!(nj = realloc(s->joined, sizeof *nj * (apr_size_t)(s->njoined + 1)))) {
            sbrt_socket_refuse(s, ack_id, "Service temporarily unavailable.");
            return;
        }
        s->joined = nj;
        apr_cpystrn(s->joined[s->njoined++], id, sizeof *nj);
    }
    ok(s, ack_id);
}

static void typing(sbrt_session_t *s, const char *id, int64_t ack_id, int start)
{
    sbrt_user_t *u;
    sbrt_session_t *t, *next;

    if ((u = sbrt_user_find(s->srv, id))) {
        for (t = u->first; t; t = next) {
            json_object *o;
            next = t->user_next;
            if (joined_at(t, s->user_id) < 0) {
                continue;
            }
            o = json_object_new_object();
            json_object_object_add(o, "userId", json_object_new_string(s->user_id));
            if (start) {
                json_object_object_add(o, "username", json_object_new_string(s->username));
            }
            sbrt_socket_emit(t, start ? "typing:start" : "typing:stop", o);
        }
    }
    ok(s, ack_id);
}

static void peer_done(sbrt_server_t *srv, void *arg)
{
    peer_t *c = arg;
    sbrt_session_t *s;

    /* the socket may have gone, or be another user's by now (a new CONNECT) */
    if (srv && (s = sbrt_session_find(srv, c->sid)) && s->connected
        && !strcmp(s->user_id, c->user_id)) {
        if (c->refusal) {
            sbrt_socket_refuse(s, c->ack_id, c->refusal);
        }
        else if (c->kind == PEER_JOIN) {
            join(s, c->peer, c->ack_id);
        }
        else {
            typing(s, c->peer, c->ack_id, c->kind == PEER_TYPING_START);
        }
    }
    free(c);
}

/* The partner id argument of an ephemeral event checked as far as it can be without the
 * store (a hex id, not s's own), then handed to the store worker for the rest. */
static void with_peer(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args,
                      peer_kind_t kind)
{
    json_object *a = json_object_array_get_idx(args, 1);
    const char *id;
    peer_t *c;

    if (!a || !json_object_is_type(a, json_type_string)
        || !sb_id_valid(id = json_object_get_string(a))) {
        sbrt_socket_refuse(s, ack_id, "userId must be a 24-character hex id");
        return;
    }
    id = sb_lower(p, id);
    if (!strcmp(id, s->user_id)) {
        sbrt_socket_refuse(s, ack_id, "userId must be someone else");
        return;
    }
    if (!(c = calloc(1, sizeof *c))) {
        sbrt_socket_refuse(s, ack_id, "Service temporarily unavailable.");
        return;
    }
    c->kind = kind;
    apr_cpystrn(c->sid, s->sid, sizeof c->sid);
    apr_cpystrn(c->user_id, s->user_id, sizeof c->user_id);
    apr_cpystrn(c->peer, id, sizeof c->peer);
    c->ack_id = ack_id;
    if (sbrt_worker_call(s->srv, peer_read, peer_done, c) != 0) {
        free(c);
        sbrt_socket_refuse(s, ack_id, "Service temporarily unavailable.");
    }
}

void sbrt_on_join(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args)
{
    with_peer(s, p, ack_id, args, PEER_JOIN);
}

void sbrt_on_leave(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args)
{
    json_object *a = json_object_array_get_idx(args, 1);
    int i;

    if (!a || !json_object_is_type(a, json_type_string)
        || !sb_id_valid(json_object_get_string(a))) {
        sbrt_socket_refuse(s, ack_id, "userId must be a 24-character hex id");
        return;
    }
    if ((i = joined_at(s, sb_lower(p, json_object_get_string(a)))) >= 0) {
        if (i != --s->njoined) {
            memcpy(s->joined[i], s->joined[s->njoined], sizeof s->joined[i]);
        }
        if (!s->njoined) {
            free(s->joined);
            s->joined = NULL;
        }
    }
    ok(s, ack_id);
}

void sbrt_on_typing_start(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args)
{
    with_peer(s, p, ack_id, args, PEER_TYPING_START);
}

void sbrt_on_typing_stop(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args)
{
    with_peer(s, p, ack_id, args, PEER_TYPING_STOP);
}

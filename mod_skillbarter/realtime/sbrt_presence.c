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
 * Nothing here is stored or recovered.
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

/* Tell u's online partners `event` about u; when s is given, also tell s who is online. */
static void announce(sbrt_user_t *u, const char *event, int64_t last_seen, sbrt_session_t *s)
{
    sbrt_server_t *srv = u->srv;
    apr_pool_t *p;
    sb_store_conn_t *conn;
    sb_store_error_t e = {0};
    apr_array_header_t *ids;
    char sid[SBRT_SID_LEN + 1] = "";
    int i;

    if (s) {
        apr_cpystrn(sid, s->sid, sizeof sid);
    }
    apr_pool_create(&p, srv->pool);
    if (sb_store_acquire(srv->store, p, &conn, &e) != SB_STORE_OK
        || sb_store_conversation_partners(conn, p, u->id, SBRT_MAX_PARTNERS, &ids, &e)
               != SB_STORE_OK) {
        sbrt_log(srv, SBRT_LOG_ERROR, "presence: store: %s", e.message);
        apr_pool_destroy(p);
        return;
    }
    for (i = 0; i < ids->nelts; i++) {
        sbrt_user_t *pu = sbrt_user_find(srv, APR_ARRAY_IDX(ids, i, const char *));
        if (!pu) {
            continue;
        }
        if (event && pu->first) {
            emit_to_user(pu, event, presence_json(u, last_seen, p));
        }
        /* a partner reloading within the grace period (no socket now) is still online */
        if (*sid && pu->online && sbrt_session_find(srv, sid)) {
            sbrt_socket_emit(s, "user:online", presence_json(pu, 0, p));
        }
    }
    apr_pool_destroy(p);
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

/* The partner id argument of an ephemeral event, when s may interact with that person (a
 * visible user, not s's own, no block either way); else NULL with the refusal sent. */
static const char *partner_arg(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args)
{
    json_object *a = json_object_array_get_idx(args, 1);
    const char *id;
    sb_store_conn_t *conn;
    sb_store_error_t e = {0};
    sb_user_t *u;
    int blocked = 1;

    if (!a || !json_object_is_type(a, json_type_string)
        || !sb_id_valid(id = json_object_get_string(a))) {
        sbrt_socket_refuse(s, ack_id, "userId must be a 24-character hex id");
        return NULL;
    }
    id = sb_lower(p, id);
    if (!strcmp(id, s->user_id)) {
        sbrt_socket_refuse(s, ack_id, "userId must be someone else");
        return NULL;
    }
    if (sb_store_acquire(s->srv->store, p, &conn, &e) != SB_STORE_OK) {
        sbrt_socket_refuse(s, ack_id, "Service temporarily unavailable.");
        return NULL;
    }
    if (sb_store_user_by_id(conn, p, id, &u, &e) != SB_STORE_OK || !sb_user_visible(u, sb_now_ms())
        || sb_store_blocked_between(conn, s->user_id, id, &blocked, &e) != SB_STORE_OK || blocked) {
        sbrt_socket_refuse(s, ack_id, "User not found.");
        return NULL;
    }
    return id;
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

void sbrt_on_join(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args)
{
    const char *id = partner_arg(s, p, ack_id, args);
    char(*nj)[SB_ID_LEN + 1];

    if (!id) {
        return;
    }
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

static void typing(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args,
                   const char *event)
{
    const char *id = partner_arg(s, p, ack_id, args);
    sbrt_user_t *u;
    sbrt_session_t *t, *next;

    if (!id) {
        return;
    }
    if ((u = sbrt_user_find(s->srv, id))) {
        for (t = u->first; t; t = next) {
            json_object *o;
            next = t->user_next;
            if (joined_at(t, s->user_id) < 0) {
                continue;
            }
            o = json_object_new_object();
            json_object_object_add(o, "userId", json_object_new_string(s->user_id));
            if (!strcmp(event, "typing:start")) {
                json_object_object_add(o, "username", json_object_new_string(s->username));
            }
            sbrt_socket_emit(t, event, o);
        }
    }
    ok(s, ack_id);
}

void sbrt_on_typing_start(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args)
{
    typing(s, p, ack_id, args, "typing:start");
}

void sbrt_on_typing_stop(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args)
{
    typing(s, p, ack_id, args, "typing:stop");
}

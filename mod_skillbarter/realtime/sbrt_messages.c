/*
 * message:send over the socket: the `messages` limiter of the shared table (the same entry
 * "u:<id>" httpd counts for POST /api/messages/send), then the shared send operation
 * (store/sb_message_send.h: the same validation, store operation and block rules as REST).
 * The ack is the REST envelope: {success, message, data} or {success:false, message, errors}.
 * The checks that need no store run here; the rest on the store worker (sbrt_worker.c).
 */
#include "sbrt_events.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_json.h"
#include "sb_ratelimit.h"
#include "sb_time.h"
#include "sb_message_send.h"

#define RL_MESSAGES "messages"
#define RL_TEXT     "Message rate limit exceeded. Please try again later."

static void answer(sbrt_session_t *s, int64_t ack_id, json_object *o)
{
    if (ack_id >= 0) {
        sbrt_socket_ack(s, ack_id, o);
    }
    else {
        json_object *m;
        if (json_object_object_get_ex(o, "success", &m) && json_object_get_boolean(m)) {
            json_object_put(o); /* nothing to say without an ack */
        }
        else {
            sbrt_socket_emit(s, "error", o);
        }
    }
}

/* One hit on the shared `messages` limiter: 1 when over it (*retry_s set). */
static int over_limit(sbrt_server_t *srv, apr_pool_t *p, const char *user_id, uint32_t *retry_s)
{
    sb_rl_hit_t hit;
    sb_rl_status_t st;
    const char *why;
    const char *key = apr_pstrcat(p, SB_RL_KEY_USER, user_id, NULL);
    int tries;

    for (tries = 0; tries < 2; tries++) {
        if (!srv->rl && srv->st.ratelimit_shm
            && sb_rl_attach(srv->pool, srv->st.ratelimit_shm, &srv->rl, &why) != APR_SUCCESS) {
            srv->rl = NULL;
            sbrt_log(srv, SBRT_LOG_WARN, "rate limit table: %s", why);
            return 0;
        }
        if (!srv->rl) {
            return 0;
        }
        st = sb_rl_hit_named(srv->rl, RL_MESSAGES, key, sb_now_ms(), &hit);
        if (st == SB_RL_RETIRED) {
            srv->rl = NULL; /* the segment was replaced: attach the new one */
            continue;
        }
        if (st == SB_RL_DENY) {
            *retry_s = hit.retry_s;
            return 1;
        }
        return 0;
    }
    return 0;
}

void sbrt_on_message_send(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args)
{
    sbrt_server_t *srv = s->srv;
    json_object *body = json_object_array_get_idx(args, 1), *o;
    sb_error_t err = {0};
    uint32_t retry = 0;

    if (!body || !json_object_is_type(body, json_type_object)) {
        answer(s, ack_id, sbrt_envelope_fail("Request body must be a JSON object."));
        return;
    }
    if (!sb_json_reject_unknown(body, sb_message_send_keys, &err, p)) {
        answer(s, ack_id, sbrt_error_envelope(&err));
        return;
    }
    if (over_limit(srv, p, s->user_id, &retry)) {
        o = sbrt_envelope_fail(RL_TEXT);
        json_object_object_add(o, "retryAfter", json_object_new_int64(retry));
        answer(s, ack_id, o);
        return;
    }
    /* the store part (the account's state, the send) runs on the store worker */
    if (sbrt_worker_send(s, ack_id, body) != 0) {
        answer(s, ack_id, sbrt_envelope_fail("Service temporarily unavailable."));
    }
}

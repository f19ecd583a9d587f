/*
 * /api/messages: send, the conversation list, one conversation (cursor pages), read marks and
 * soft delete. Every change hands the store the outbox events it must write in the same
 * atomic step (payloads are the wire forms built here), then wakes the real-time daemon.
 * Every route needs an access token; send is under the `messages` limiter.
 */
#include "sb_routes.h"
#include "sb_messaging.h"
#include "sb_public.h"
#include "sb_message_send.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_cursor.h"
#include "sb_id.h"
#include "sb_json.h"
#include "sb_time.h"
#include "sb_user_json.h"
#include "sb_user_rules.h"
#include "sb_validate.h"

#define SB_CHAT_PAGE_DEFAULT 50
#define SB_CHAT_PAGE_MAX     100
#define SB_CONV_PAGE_DEFAULT 20
#define SB_CONV_PAGE_MAX     50
#define SB_PAGE_NUMBER_MAX   10000

/* A visible user by id; 404 naming field when unknown, inactive or banned. */
static const sb_user_t *visible_user(sb_call_t *c, const char *id, const char *field,
                                     const char *what)
{
    sb_store_error_t e = {0};
    sb_user_t *u;

    if (sb_store_user_by_id(c->conn, c->pool, id, &u, &e) != SB_STORE_OK) {
        if (e.status != SB_STORE_NOT_FOUND) {
            sb_call_store_fail(c, &e, what);
            return NULL;
        }
        u = NULL;
    }
    if (!u || !sb_user_visible(u, c->now)) {
        sb_field_fail(&c->err, c->pool, field, "%s not found", what);
        c->err.status = 404;
        c->err.message = apr_psprintf(c->pool, "%s not found.", what);
        return NULL;
    }
    return u;
}

static json_object *user_json(sb_call_t *c, const sb_user_t *u)
{
    return sb_user_to_json(c->pool, u, SB_VIEW_PUBLIC);
}

/* POST /api/messages/send {receiver, content, messageType?, replyTo?}: the shared send
 * operation (store/sb_message_send.h), also the real-time daemon's message:send. */
static int h_send(sb_call_t *c)
{
    sb_store_error_t e = {0};
    json_object *body, *msg;
    const char *what = "Message";
    int st;

    if (!(body = sb_call_body_object(c, sb_message_send_keys)) || !sb_call_store(c)) {
        return c->err.status;
    }
    st = sb_message_send(c->conn, c->pool, c->user, body, c->now, &c->err, &msg, &e, &what);
    if (st == SB_MESSAGE_SEND_STORE_FAILED) {
        return sb_call_store_fail(c, &e, what);
    }
    if (st) {
        return st;
    }
    sb_call_outbox_signal(c);
    return sb_call_ok_message(c, 201, "Message sent", json_object_get(msg));
}

/* GET /api/messages/conversations?page&limit */
static int h_conversations(sb_call_t *c)
{
    apr_array_header_t *rows;
    sb_store_error_t e = {0};
    int64_t total = 0, unread = 0;
    apr_size_t len = 0;
    const char *pg;
    sb_jtext_t t;
    int page, limit, i;

    sb_query_int(c, "page", 1, SB_PAGE_NUMBER_MAX, 1, &page);
    sb_query_int(c, "limit", 1, SB_CONV_PAGE_MAX, SB_CONV_PAGE_DEFAULT, &limit);
    if (sb_query_failed(c)) {
        return c->err.status;
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_conversations_list(c->conn, c->pool, c->user->id, c->now, (page - 1) * limit,
                                    limit, &rows, &total, &unread, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Conversations");
    }
    /* The whole answer as text (sb_messaging.h), envelope included: the bytes json-c writes
     * for {success, data, pagination, unreadCount}, without copying the page of rows through
     * json-c's buffer. */
    sb_jtext_init(&t, c->pool, 1536 * (apr_size_t)(rows->nelts + 1));
    sb_jtext_lit(&t, "{\"success\":true,\"data\":[");
    for (i = 0; i < rows->nelts; i++) {
        const sb_conversation_t *cv = &APR_ARRAY_IDX(rows, i, sb_conversation_t);
        sb_jtext_raw(&t, i ? ",{\"_id\":" : "{\"_id\":", i ? 8 : 7);
        sb_jtext_str(&t, cv->partner.id);
        sb_jtext_lit(&t, ",\"otherUser\":");
        /* the partner's card as the store keeps it ready, spliced */
        if (!sb_jtext_card(&t, &cv->partner)) {
            return sb_call_internalf(c, __func__, "a conversation partner has no kept card");
        }
        sb_jtext_lit(&t, ",\"lastMessage\":");
        sb_jtext_message(&t, &cv->last);
        sb_jtext_lit(&t, ",\"unreadCount\":");
        sb_jtext_int(&t, cv->unread);
        sb_jtext_lit(&t, "}");
    }
    sb_jtext_lit(&t, "],\"pagination\":");
    sb_page_offset(c, page, limit, total); /* one small object: its own text, from json-c */
    pg = json_object_to_json_string_length(
        c->pagination, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    sb_jtext_raw(&t, pg, len);
    json_object_put(c->pagination);
    c->pagination = NULL;
    sb_jtext_lit(&t, ",\"unreadCount\":");
    sb_jtext_int(&t, unread);
    sb_jtext_lit(&t, "}");
    c->status = 200;
    c->raw_type = "application/json; charset=utf-8";
    c->raw_out = t.buf;
    c->raw_out_len = t.len;
    return 200;
}

/* GET /api/messages/:userId?cursor&limit — newest page first, each page oldest-first. */
static int h_conversation(sb_call_t *c)
{
    const char *partner_id = sb_param_id(c, 0, "userId"), *next = NULL;
    char after[SB_ID_LEN + 1];
    apr_array_header_t *msgs;
    sb_store_error_t e = {0};
    const sb_user_t *partner;
    json_object *me, *them, *arr;
    int64_t after_at = 0;
    int limit, has_cursor = 0, more = 0, i;

    if (partner_id && !strcmp(partner_id, c->user->id)) {
        sb_field_fail(&c->err, c->pool, "userId", "userId must be another user");
    }
    sb_query_int(c, "limit", 1, SB_CHAT_PAGE_MAX, SB_CHAT_PAGE_DEFAULT, &limit);
    sb_query_cursor(c, &after_at, after, &has_cursor);
    if (sb_has_field_errors(&c->err)) {
        if (!c->err.message) {
            c->err.message = "Invalid query parameters";
        }
        return c->err.status;
    }
    if (!sb_call_store(c) || !(partner = visible_user(c, partner_id, "userId", "User"))) {
        return c->err.status;
    }
    if (sb_store_conversation_page(c->conn, c->pool, c->user->id, partner->id, after_at,
                                   has_cursor ? after : NULL, limit, &msgs, &more, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Messages");
    }
    if (more && msgs->nelts) {
        const sb_message_t *last = &APR_ARRAY_IDX(msgs, msgs->nelts - 1, sb_message_t);
        next = sb_cursor_encode(c->pool, c->settings->cursor_key, c->settings->cursor_key_len,
                                last->created_at, last->id);
    }
    me = sb_json_track(c->pool, user_json(c, c->user));
    them = sb_json_track(c->pool, user_json(c, partner));
    arr = json_object_new_array_ext(msgs->nelts);
    for (i = msgs->nelts - 1; i >= 0; i--) {
        const sb_message_t *m = &APR_ARRAY_IDX(msgs, i, sb_message_t);
        int mine = !strcmp(m->sender_id, c->user->id);
        json_object_array_add(arr, sb_message_json(c->pool, m, json_object_get(mine ? me : them),
                                                   json_object_get(mine ? them : me)));
    }
    sb_page_cursor(c, limit, msgs->nelts, more, next);
    return sb_call_ok(c, 200, arr);
}

/* The message id names, when the caller may act on it as `role` ("receiver" | "sender");
 * 404 otherwise (also for deleted ones), so ids cannot be probed. */
static sb_message_t *own_message(sb_call_t *c, const char *id, int as_sender)
{
    sb_store_error_t e = {0};
    sb_message_t *m;

    if (!sb_call_store(c)) {
        return NULL;
    }
    if (sb_store_message_get(c->conn, c->pool, id, &m, &e) != SB_STORE_OK) {
        sb_call_store_fail(c, &e, "Message");
        return NULL;
    }
    if (m->is_deleted || strcmp(as_sender ? m->sender_id : m->receiver_id, c->user->id)) {
        sb_fail(&c->err, c->pool, 404, "Message not found.");
        return NULL;
    }
    return m;
}

/* PUT /api/messages/:id/read — the receiver only; idempotent. */
static int h_read(sb_call_t *c)
{
    const char *id = sb_param_id(c, 0, "id");
    sb_store_error_t e = {0};
    sb_outbox_event_t ev;
    sb_user_t *sender = NULL;
    sb_message_t *m;
    json_object *payload;
    int changed = 0;

    if (!id) {
        return c->err.status;
    }
    if (!(m = own_message(c, id, 0))) {
        return c->err.status;
    }
    payload = sb_json_track(c->pool, json_object_new_object());
    sb_json_add_lit(payload, "messageId", json_object_new_string(m->id));
    sb_json_add_lit(payload, "readBy", json_object_new_string(c->user->id));
    sb_json_add_lit(payload, "readAt", json_object_new_string(sb_time_iso(c->pool, c->now)));
    ev = (sb_outbox_event_t){m->sender_id, "message:read", sb_json_text(c->pool, payload)};
    if (sb_store_message_mark_read(c->conn, m->id, c->user->id, c->now, &ev, 1, &changed, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Message");
    }
    if (changed) {
        m->is_read = 1;
        m->read_at = m->updated_at = c->now;
        sb_call_outbox_signal(c);
    }
    if (sb_store_user_by_id(c->conn, c->pool, m->sender_id, &sender, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "User");
    }
    return sb_call_ok(c, 200,
                      sb_message_json(c->pool, m, user_json(c, sender), user_json(c, c->user)));
}

/* PUT /api/messages/:userId/read-all — everything userId sent the caller up to now. */
static int h_read_all(sb_call_t *c)
{
    const char *partner_id = sb_param_id(c, 0, "userId");
    sb_store_error_t e = {0};
    sb_outbox_event_t ev;
    json_object *payload, *o;
    sb_user_t *partner;
    int64_t n = 0;

    if (partner_id && !strcmp(partner_id, c->user->id)) {
        sb_field_fail(&c->err, c->pool, "userId", "userId must be another user");
        c->err.message = "Invalid userId.";
        return c->err.status;
    }
    if (!partner_id || !sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_user_by_id(c->conn, c->pool, partner_id, &partner, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "User");
    }
    payload = sb_json_track(c->pool, json_object_new_object());
    sb_json_add_lit(payload, "readBy", json_object_new_string(c->user->id));
    sb_json_add_lit(payload, "conversationWith", json_object_new_string(c->user->id));
    sb_json_add_lit(payload, "upTo", json_object_new_string(sb_time_iso(c->pool, c->now)));
    ev = (sb_outbox_event_t){partner->id, "message:read", sb_json_text(c->pool, payload)};
    if (sb_store_conversation_mark_read(c->conn, c->user->id, partner->id, c->now, &ev, 1, &n, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Conversation");
    }
    if (n > 0) {
        sb_call_outbox_signal(c);
    }
    o = json_object_new_object();
    sb_json_add_lit(o, "userId", json_object_new_string(partner->id));
    sb_json_add_lit(o, "modifiedCount", json_object_new_int64(n));
    sb_json_add_lit(o, "readAt", json_object_new_string(sb_time_iso(c->pool, c->now)));
    return sb_call_ok(c, 200, o);
}

/* DELETE /api/messages/:id — the sender only; soft delete, both sides told. */
static int h_delete(sb_call_t *c)
{
    const char *id = sb_param_id(c, 0, "id"), *text;
    sb_store_error_t e = {0};
    sb_outbox_event_t ev[2];
    json_object *payload, *o;
    sb_message_t *m;

    if (!id) {
        return c->err.status;
    }
    if (!(m = own_message(c, id, 1))) {
        return c->err.status;
    }
    payload = sb_json_track(c->pool, json_object_new_object());
    sb_json_add_lit(payload, "messageId", json_object_new_string(m->id));
    sb_json_add_lit(payload, "sender", json_object_new_string(m->sender_id));
    sb_json_add_lit(payload, "receiver", json_object_new_string(m->receiver_id));
    sb_json_add_lit(payload, "deletedAt", json_object_new_string(sb_time_iso(c->pool, c->now)));
    text = sb_json_text(c->pool, payload);
    ev[0] = (sb_outbox_event_t){m->receiver_id, "message:deleted", text};
    ev[1] = (sb_outbox_event_t){m->sender_id, "message:deleted", text};
    if (sb_store_message_delete(c->conn, m->id, c->user->id, c->now, ev, 2, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Message");
    }
    sb_call_outbox_signal(c);
    o = json_object_new_object();
    sb_json_add_lit(o, "_id", json_object_new_string(m->id));
    sb_json_add_lit(o, "isDeleted", json_object_new_boolean(1));
    sb_json_add_lit(o, "deletedAt", json_object_new_string(sb_time_iso(c->pool, c->now)));
    sb_json_add_lit(o, "deletedBy", json_object_new_string(c->user->id));
    c->message = "Message deleted";
    return sb_call_ok(c, 200, o);
}

/* Fixed paths before the ":id" ones. */
const sb_route_t sb_message_routes[] = {
    {"POST", "/api/messages/send", h_send, SB_ROUTE_AUTH | SB_ROUTE_JSON, "messages"},
    {"GET", "/api/messages/conversations", h_conversations, SB_ROUTE_AUTH, NULL},
    {"PUT", "/api/messages/:userId/read-all", h_read_all, SB_ROUTE_AUTH, NULL},
    {"PUT", "/api/messages/:id/read", h_read, SB_ROUTE_AUTH, NULL},
    {"DELETE", "/api/messages/:id", h_delete, SB_ROUTE_AUTH, NULL},
    {"GET", "/api/messages/:userId", h_conversation, SB_ROUTE_AUTH, NULL},
    {NULL, NULL, NULL, 0, NULL}};

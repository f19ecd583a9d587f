/* "Send a message", shared by the module and the real-time daemon (see sb_message_send.h). */
#include "sb_message_send.h"

#include <string.h>
#include <strings.h>
#include <apr_strings.h>

#include "sb_id.h"
#include "sb_json.h"
#include "sb_message_json.h"
#include "sb_user_text.h"
#include "sb_user_rules.h"
#include "sb_validate.h"

const char *const sb_message_send_keys[] = {"receiver", "content", "messageType", "replyTo", NULL};

static int is_space(char ch)
{
    return ch == ' ' || ch == '\n' || ch == '\t';
}

/* s without leading and trailing spaces, newlines and tabs (a pool copy). */
static const char *trimmed(apr_pool_t *p, const char *s)
{
    const char *e;

    while (is_space(*s)) {
        s++;
    }
    e = s + strlen(s);
    while (e > s && is_space(e[-1])) {
        e--;
    }
    return apr_pstrmemdup(p, s, (apr_size_t)(e - s));
}

/* The first max characters of a UTF-8 string, with "…" when cut. */
static const char *excerpt(apr_pool_t *p, const char *s, int max)
{
    const unsigned char *u = (const unsigned char *)s;
    int n = 0;

    while (*u && n < max) {
        u++;
        while ((*u & 0xC0) == 0x80) {
            u++;
        }
        n++;
    }
    if (!*u) {
        return s;
    }
    return apr_pstrcat(p, apr_pstrmemdup(p, s, (apr_size_t)((const char *)u - s)), "\xE2\x80\xA6",
                       NULL);
}

/* A sent message's text: the 201 answer's when public (both people in their public form, the
 * envelope's flags), else the outbox payload's (both people short, sb_json_text's flags):
 * what json-c wrote for them before they were written as text. */
static const char *message_text(apr_pool_t *p, const sb_message_t *m, const sb_user_t *from,
                                const sb_user_t *to, int public, apr_size_t *len)
{
    const sb_user_t *who[2] = {from, to};
    sb_jtext_t u[2], t;
    int i;

    for (i = 0; i < 2; i++) {
        sb_jtext_init(&u[i], p, public ? 2048 : 256);
        u[i].slashes = !public;
        if (public) {
            sb_jtext_public_profile(&u[i], who[i], NULL, 0);
        }
        else {
            sb_jtext_mini_user(&u[i], who[i]);
        }
    }
    sb_jtext_init(&t, p, u[0].len + u[1].len + 512);
    t.slashes = !public;
    sb_jtext_message_with(&t, m, u[0].buf, u[1].buf);
    if (len) {
        *len = t.len;
    }
    return t.buf;
}

/* The fields of a send body into the out-parameters; field errors go into err. */
static void parse_body(apr_pool_t *p, const sb_user_t *from, json_object *body,
                       const char **receiver, const char **content, const char **type,
                       const char **reply_to, sb_error_t *err)
{
    json_object *v;

    if (sb_json_get_string(body, "receiver", receiver, err, p, 1)) {
        if (!sb_id_valid(*receiver)) {
            sb_field_fail(err, p, "receiver", "receiver must be a 24-character hex id");
        }
        else if (!strcasecmp(*receiver, from->id)) {
            sb_field_fail(err, p, "receiver", "You cannot send a message to yourself");
        }
        *receiver = sb_lower(p, *receiver);
    }
    if (sb_json_get_string(body, "content", content, err, p, 1)) {
        if (!sb_utf8_clean(*content)) {
            sb_field_fail(err, p, "content", "content contains invalid or control characters");
        }
        else {
            *content = trimmed(p, *content);
            if (!**content) {
                sb_field_fail(err, p, "content", "content is required");
            }
            else if (sb_utf8_len(*content) > SB_MESSAGE_CONTENT_MAX) {
                sb_field_fail(err, p, "content", "content must be at most %d characters",
                              SB_MESSAGE_CONTENT_MAX);
            }
        }
    }
    if (json_object_object_get_ex(body, "messageType", &v) && v
        && sb_json_get_string(body, "messageType", type, err, p, 0) && strcmp(*type, "text")) {
        sb_field_fail(err, p, "messageType", "messageType must be \"text\"");
    }
    if (json_object_object_get_ex(body, "replyTo", &v) && v
        && sb_json_get_string(body, "replyTo", reply_to, err, p, 0)) {
        if (!sb_id_valid(*reply_to)) {
            sb_field_fail(err, p, "replyTo", "replyTo must be a 24-character hex id");
        }
        *reply_to = sb_lower(p, *reply_to);
    }
}

int sb_message_send(sb_store_conn_t *conn, apr_pool_t *p, const sb_user_t *from, json_object *body,
                    int64_t now, sb_error_t *err, json_object **msg_out, sb_store_error_t *e,
                    const char **what)
{
    const char *receiver = NULL, *content = NULL, *type = "text", *reply_to = NULL;
    char id[SB_ID_LEN + 1], nid[SB_ID_LEN + 1];
    sb_outbox_event_t ev[2];
    sb_notification_new_t nn;
    sb_notification_t shown;
    sb_message_new_t nm;
    sb_message_t m;
    sb_user_t *to = NULL;
    const char *text, *answer;
    apr_size_t answer_len;
    int notified = 0;

    parse_body(p, from, body, &receiver, &content, &type, &reply_to, err);
    if (sb_has_field_errors(err)) {
        err->message = "Validation error";
        return err->status;
    }
    /* the receiver: 404 naming the field when unknown, inactive or banned */
    if (sb_store_user_by_id(conn, p, receiver, &to, e) != SB_STORE_OK) {
        if (e->status != SB_STORE_NOT_FOUND) {
            *what = "Receiver";
            return SB_MESSAGE_SEND_STORE_FAILED;
        }
        to = NULL;
    }
    if (!to || !sb_user_visible(to, now)) {
        sb_field_fail(err, p, "receiver", "Receiver not found");
        err->status = 404;
        err->message = "Receiver not found.";
        return 404;
    }

    sb_id_new(id);
    memset(&m, 0, sizeof m);
    memcpy(m.id, id, sizeof m.id);
    apr_cpystrn(m.sender_id, from->id, sizeof m.sender_id);
    apr_cpystrn(m.receiver_id, to->id, sizeof m.receiver_id);
    apr_cpystrn(m.reply_to, reply_to ? reply_to : "", sizeof m.reply_to);
    m.content = content;
    m.message_type = type;
    m.created_at = m.updated_at = now;
    text = message_text(p, &m, from, to, 0, NULL);
    /* the receiver's devices, and the sender's other devices */
    ev[0] = (sb_outbox_event_t){to->id, "message:received", text};
    ev[1] = (sb_outbox_event_t){from->id, "message:received", text};

    sb_id_new(nid);
    memset(&shown, 0, sizeof shown);
    memcpy(shown.id, nid, sizeof shown.id);
    memcpy(shown.user_id, to->id, sizeof shown.user_id);
    shown.type = "message";
    shown.title = apr_psprintf(p, "New message from %s %s", from->first_name, from->last_name);
    shown.body = excerpt(p, content, SB_MESSAGE_NOTIFY_BODY_MAX);
    shown.link = apr_pstrcat(p, "/messages/", from->id, NULL);
    shown.data = apr_psprintf(p, "{\"messageId\":\"%s\",\"senderId\":\"%s\"}", id, from->id);
    shown.subject_id = from->id;
    shown.created_at = now;
    nn = (sb_notification_new_t){nid,         to->id,     shown.type,
                                 shown.title, shown.body, shown.link,
                                 shown.data,  from->id,   sb_notification_text(p, &shown)};
    nm = (sb_message_new_t){id, from->id, to->id, content, type, reply_to};

    if (sb_store_message_send(conn, &nm, ev, 2, &nn, now, &notified, e) != SB_STORE_OK) {
        if (e->status == SB_STORE_REFUSED) {
            sb_field_fail(err, p, "receiver", "This user does not accept messages from you");
            err->status = 403;
            err->message = "You cannot message this user.";
            return 403;
        }
        if (e->status == SB_STORE_NOT_FOUND && e->field && !strcmp(e->field, "replyTo")) {
            sb_field_fail(err, p, "replyTo", "replyTo must be a message of this conversation");
            err->message = "Validation error";
            return 400;
        }
        if (e->status == SB_STORE_NOT_FOUND) {
            sb_field_fail(err, p, "receiver", "Receiver not found");
            err->status = 404;
            err->message = "Receiver not found.";
            return 404;
        }
        *what = "Message";
        return SB_MESSAGE_SEND_STORE_FAILED;
    }
    answer = message_text(p, &m, from, to, 1, &answer_len);
    *msg_out = sb_json_track(p, sb_json_raw(p, answer, answer_len));
    return 0;
}

/* Wire forms of messages and notifications (see sb_message_json.h). */
#include "sb_message_json.h"

#include <string.h>
#include <apr_strings.h>

#include "sb_json.h"
#include "sb_time.h"

static json_object *time_or_null(apr_pool_t *p, int64_t ms)
{
    return ms ? json_object_new_string(sb_time_iso(p, ms)) : NULL;
}

static json_object *str_or_null(const char *s)
{
    return s && *s ? json_object_new_string(s) : NULL;
}

json_object *sb_message_session_json(apr_pool_t *p, const sb_message_session_t *d)
{
    json_object *o = json_object_new_object();

    sb_json_add_lit(o, "sessionId", json_object_new_string(d->session_id));
    sb_json_add_lit(o, "skill", json_object_new_string(d->skill ? d->skill : ""));
    sb_json_add_lit(o, "duration", json_object_new_int64(d->duration));
    sb_json_add_lit(o, "proposedTime", time_or_null(p, d->proposed_time));
    sb_json_add_lit(o, "description", str_or_null(d->description));
    sb_json_add_lit(o, "status", json_object_new_string(d->status ? d->status : "pending"));
    if (d->session_status) {
        sb_json_add_lit(o, "sessionStatus", json_object_new_string(d->session_status));
    }
    return o;
}

json_object *sb_message_json(apr_pool_t *p, const sb_message_t *m, json_object *sender,
                             json_object *receiver)
{
    json_object *o = json_object_new_object();

    sb_json_add_lit(o, "_id", json_object_new_string(m->id));
    sb_json_add_lit(o, "sender", sender ? sender : json_object_new_string(m->sender_id));
    sb_json_add_lit(o, "receiver", receiver ? receiver : json_object_new_string(m->receiver_id));
    sb_json_add_lit(o, "content", json_object_new_string(m->content ? m->content : ""));
    sb_json_add_lit(o, "messageType",
                    json_object_new_string(m->message_type ? m->message_type : "text"));
    sb_json_add_lit(o, "isRead", json_object_new_boolean(m->is_read));
    sb_json_add_lit(o, "readAt", time_or_null(p, m->read_at));
    sb_json_add_lit(o, "replyTo", str_or_null(m->reply_to));
    sb_json_add_lit(o, "isDeleted", json_object_new_boolean(m->is_deleted));
    if (m->session) {
        sb_json_add_lit(o, "sessionData", sb_message_session_json(p, m->session));
    }
    sb_json_add_lit(o, "createdAt", json_object_new_string(sb_time_iso(p, m->created_at)));
    sb_json_add_lit(
        o, "updatedAt",
        json_object_new_string(sb_time_iso(p, m->updated_at ? m->updated_at : m->created_at)));
    return o;
}

json_object *sb_notification_json(apr_pool_t *p, const sb_notification_t *n)
{
    json_object *o = json_object_new_object(), *data = NULL;

    if (n->data) {
        data = json_tokener_parse(n->data);
    }
    sb_json_add_lit(o, "_id", json_object_new_string(n->id));
    sb_json_add_lit(o, "type", json_object_new_string(n->type ? n->type : ""));
    sb_json_add_lit(o, "title", json_object_new_string(n->title ? n->title : ""));
    sb_json_add_lit(o, "body", json_object_new_string(n->body ? n->body : ""));
    sb_json_add_lit(o, "link", str_or_null(n->link));
    sb_json_add_lit(o, "data", data ? data : json_object_new_object());
    sb_json_add_lit(o, "isRead", json_object_new_boolean(n->is_read));
    sb_json_add_lit(o, "readAt", time_or_null(p, n->read_at));
    sb_json_add_lit(o, "createdAt", json_object_new_string(sb_time_iso(p, n->created_at)));
    return o;
}

const char *sb_json_text(apr_pool_t *p, json_object *o)
{
    return apr_pstrdup(p, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

void sb_jtext_message_with(sb_jtext_t *t, const sb_message_t *m, const char *sender,
                           const char *receiver)
{
    apr_size_t created;

    if (m->message_type && strcmp(m->message_type, "text")) {
        /* session messages carry more (sb_message_json decides): json-c writes those */
        json_object *from = sender ? sb_json_raw(t->p, sender, strlen(sender)) : NULL;
        json_object *to = receiver ? sb_json_raw(t->p, receiver, strlen(receiver)) : NULL;
        json_object *o = sb_json_track(t->p, sb_message_json(t->p, m, from, to));
        size_t n = 0;
        const char *s = json_object_to_json_string_length(
            o, JSON_C_TO_STRING_PLAIN | (t->slashes ? 0 : JSON_C_TO_STRING_NOSLASHESCAPE), &n);
        sb_jtext_raw(t, s, n);
        return;
    }
    sb_jtext_lit(t, "{\"_id\":");
    sb_jtext_str(t, m->id);
    sb_jtext_lit(t, ",\"sender\":");
    if (sender) {
        sb_jtext_raw(t, sender, strlen(sender));
    }
    else {
        sb_jtext_str(t, m->sender_id);
    }
    sb_jtext_lit(t, ",\"receiver\":");
    if (receiver) {
        sb_jtext_raw(t, receiver, strlen(receiver));
    }
    else {
        sb_jtext_str(t, m->receiver_id);
    }
    sb_jtext_lit(t, ",\"content\":");
    sb_jtext_str(t, m->content ? m->content : "");
    sb_jtext_lit(t, ",\"messageType\":\"text\",\"isRead\":");
    sb_jtext_bool(t, m->is_read);
    sb_jtext_lit(t, ",\"readAt\":");
    sb_jtext_time(t, m->read_at, 1);
    sb_jtext_lit(t, ",\"replyTo\":");
    sb_jtext_str(t, m->reply_to[0] ? m->reply_to : NULL);
    sb_jtext_lit(t, ",\"isDeleted\":");
    sb_jtext_bool(t, m->is_deleted);
    sb_jtext_lit(t, ",\"createdAt\":");
    created = t->len;
    sb_jtext_time(t, m->created_at, 0);
    sb_jtext_lit(t, ",\"updatedAt\":");
    if (!m->updated_at || m->updated_at == m->created_at) { /* the same text again */
        sb_jtext_raw(t, t->buf + created, t->len - created - (sizeof(",\"updatedAt\":") - 1));
    }
    else {
        sb_jtext_time(t, m->updated_at, 0);
    }
    sb_jtext_lit(t, "}");
}

void sb_jtext_mini_user(sb_jtext_t *t, const sb_user_t *u)
{
    static const char *const keys[] = {"_id",      "username", "firstName",
                                       "lastName", "fullName", "profilePicture"};
    const char *vals[] = {u->id,
                          u->username,
                          u->first_name,
                          u->last_name,
                          apr_pstrcat(t->p, u->first_name, " ", u->last_name, NULL),
                          u->profile_picture ? u->profile_picture : ""};

    sb_jtext_members(t, 1, keys, vals, 6);
    sb_jtext_lit(t, "}");
}

void sb_jtext_notification(sb_jtext_t *t, const sb_notification_t *n)
{
    static const char *const keys[] = {"_id", "type", "title", "body", "link"};
    const char *vals[] = {n->id, n->type ? n->type : "", n->title ? n->title : "",
                          n->body ? n->body : "", n->link && *n->link ? n->link : NULL};

    sb_jtext_members(t, 1, keys, vals, 5);
    sb_jtext_lit(t, ",\"data\":");
    if (n->data) {
        sb_jtext_raw(t, n->data, strlen(n->data));
    }
    else {
        sb_jtext_lit(t, "{}");
    }
    sb_jtext_lit(t, ",\"isRead\":");
    sb_jtext_bool(t, n->is_read);
    sb_jtext_lit(t, ",\"readAt\":");
    sb_jtext_time(t, n->read_at, 1);
    sb_jtext_lit(t, ",\"createdAt\":");
    sb_jtext_time(t, n->created_at, 0);
    sb_jtext_lit(t, "}");
}

const char *sb_notification_text(apr_pool_t *p, const sb_notification_t *n)
{
    sb_jtext_t t;

    sb_jtext_init(&t, p, 512);
    t.slashes = 1; /* sb_json_text's flags */
    sb_jtext_notification(&t, n);
    return t.buf;
}

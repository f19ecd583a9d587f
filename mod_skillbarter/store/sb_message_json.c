/* Wire forms of messages and notifications (see sb_message_json.h). */
#include "sb_message_json.h"

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

/* Wire forms and shared steps of the session resources (sb_session_view.h). */
#include "sb_session_view.h"

#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>

#include "sb_id.h"
#include "sb_json.h"
#include "sb_messaging.h"
#include "sb_session_rules.h"
#include "sb_time.h"
#include "sb_user_json.h"
#include "sb_validate.h"

json_object *sb_hours_json(apr_pool_t *p, int64_t minutes)
{
    return json_object_new_double_s((double)sb_credits_hundredths(minutes) / 100.0,
                                    sb_credits_hours(p, minutes));
}

static json_object *time_or_null(apr_pool_t *p, int64_t ms)
{
    return ms ? json_object_new_string(sb_time_iso(p, ms)) : NULL;
}

static json_object *str_or_null(const char *s)
{
    return s && *s ? json_object_new_string(s) : NULL;
}

const char *sb_session_meeting_url(sb_call_t *c, const sb_session_t *s)
{
    return apr_pstrcat(c->pool, "https://", c->settings->jitsi_domain, "/",
                       s->room_id ? s->room_id : "", NULL);
}

json_object *sb_session_reminders_json(const char *stored)
{
    json_object *rem = json_object_new_array(), *a = stored ? json_tokener_parse(stored) : NULL;
    size_t i;

    for (i = 0; a && json_object_is_type(a, json_type_array) && i < json_object_array_length(a);
         i++) {
        json_object *r = json_object_new_object();
        sb_json_add_lit(r, "type", json_object_get(json_object_array_get_idx(a, i)));
        json_object_array_add(rem, r);
    }
    json_object_put(a);
    return rem;
}

json_object *sb_session_json(sb_call_t *c, const sb_session_t *s, json_object *teacher,
                             json_object *student)
{
    apr_pool_t *p = c->pool;
    json_object *o = json_object_new_object();
    const char *viewer = c->user ? c->user->id : "";
    int is_teacher = !strcmp(viewer, s->teacher_id), is_student = !strcmp(viewer, s->student_id);

    sb_json_add_lit(o, "_id", json_object_new_string(s->id));
    sb_json_add_lit(o, "teacher", teacher ? teacher : json_object_new_string(s->teacher_id));
    sb_json_add_lit(o, "student", student ? student : json_object_new_string(s->student_id));
    sb_json_add_lit(o, "skill", json_object_new_string(s->skill ? s->skill : ""));
    sb_json_add_lit(o, "category", str_or_null(s->category));
    sb_json_add_lit(o, "description", str_or_null(s->description));
    sb_json_add_lit(o, "scheduledTime", json_object_new_string(sb_time_iso(p, s->scheduled_time)));
    sb_json_add_lit(o, "duration", json_object_new_int64(s->duration));
    sb_json_add_lit(o, "actualDuration", json_object_new_int64(s->actual_duration));
    sb_json_add_lit(o, "status", json_object_new_string(s->status));
    sb_json_add_lit(o, "roomId", str_or_null(s->room_id));
    sb_json_add_lit(o, "meetingUrl", json_object_new_string(sb_session_meeting_url(c, s)));
    sb_json_add_lit(o, "startedAt", time_or_null(p, s->started_at));
    sb_json_add_lit(o, "endedAt", time_or_null(p, s->ended_at));
    sb_json_add_lit(o, "creditsHeld", sb_hours_json(p, s->escrow));
    sb_json_add_lit(o, "creditsExchanged", sb_hours_json(p, s->credits_exchanged));
    if (is_teacher) {
        sb_json_add_lit(o, "teacherNotes", str_or_null(s->teacher_notes));
    }
    if (is_student) {
        sb_json_add_lit(o, "studentNotes", str_or_null(s->student_notes));
    }
    sb_json_add_lit(o, "cancelledBy", str_or_null(s->cancelled_by));
    sb_json_add_lit(o, "cancelReason", str_or_null(s->cancel_reason));
    sb_json_add_lit(o, "isDisputed", json_object_new_boolean(s->is_disputed));
    sb_json_add_lit(o, "proposedBy", str_or_null(s->proposed_by));
    sb_json_add_lit(o, "teacherJoined", json_object_new_boolean(s->teacher_joined_at != 0));
    sb_json_add_lit(o, "studentJoined", json_object_new_boolean(s->student_joined_at != 0));
    sb_json_add_lit(o, "remindersSent", sb_session_reminders_json(s->reminders_sent));
    sb_json_add_lit(o, "createdAt", json_object_new_string(sb_time_iso(p, s->created_at)));
    sb_json_add_lit(o, "updatedAt", json_object_new_string(sb_time_iso(p, s->updated_at)));
    return o;
}

/* The short public form of a participant inside a session: who, their picture, their zone
 * and rating — the whole profile is one GET /api/users/:id away. */
static json_object *participant(apr_pool_t *p, const sb_session_person_t *u)
{
    json_object *o = json_object_new_object();

    sb_json_add_lit(o, "_id", json_object_new_string(u->id));
    sb_json_add_lit(o, "username", json_object_new_string(u->username ? u->username : ""));
    sb_json_add_lit(o, "firstName", json_object_new_string(u->first_name ? u->first_name : ""));
    sb_json_add_lit(o, "lastName", json_object_new_string(u->last_name ? u->last_name : ""));
    sb_json_add_lit(o, "fullName",
                    json_object_new_string(apr_pstrcat(p, u->first_name ? u->first_name : "", " ",
                                                       u->last_name ? u->last_name : "", NULL)));
    sb_json_add_lit(o, "profilePicture",
                    json_object_new_string(u->profile_picture ? u->profile_picture : ""));
    sb_json_add_lit(o, "timezone", json_object_new_string(u->timezone ? u->timezone : "UTC"));
    sb_json_add_lit(o, "rating",
                    json_object_new_double((double)(long)(u->rating * 100 + 0.5) / 100.0));
    sb_json_add_lit(o, "totalReviews", json_object_new_int(u->total_reviews));
    return o;
}

static void person_of(sb_session_person_t *out, const sb_user_t *u)
{
    apr_cpystrn(out->id, u->id, sizeof out->id);
    out->username = u->username;
    out->first_name = u->first_name;
    out->last_name = u->last_name;
    out->profile_picture = u->profile_picture;
    out->timezone = u->timezone;
    out->rating = u->rating;
    out->total_reviews = u->total_reviews;
}

static int raw_serializer(json_object *o, struct printbuf *pb, int level, int flags)
{
    const char *text = json_object_get_userdata(o);

    (void)level;
    (void)flags;
    return printbuf_memappend(pb, text, (int)strlen(text));
}

/* A person's public object as JSON text, rendered once per request: a page of sessions names
 * the same few people again and again (the caller, a regular partner), so each later use
 * splices the same text. known is the person as the session's read brought them (or NULL:
 * read here). NULL when the user is gone. */
const char *sb_session_person_text(sb_call_t *c, const char *id, const sb_session_person_t *known)
{
    static const char key[] = "sb_session_people";
    sb_store_error_t e = {0};
    apr_hash_t *people = NULL;
    sb_session_person_t read;
    const char *text;
    sb_user_t *u = NULL;

    apr_pool_userdata_get((void **)&people, key, c->pool);
    if (!people) {
        people = apr_hash_make(c->pool);
        apr_pool_userdata_setn(people, key, NULL, c->pool);
    }
    if (!(text = apr_hash_get(people, id, APR_HASH_KEY_STRING))) {
        if (!known && c->user && !strcmp(c->user->id, id)) {
            person_of(&read, c->user);
            known = &read;
        }
        else if (!known && c->conn
                 && sb_store_user_by_id(c->conn, c->pool, id, &u, &e) == SB_STORE_OK && u) {
            person_of(&read, u);
            known = &read;
        }
        if (!known) {
            return NULL;
        }
        text = sb_json_text(c->pool, sb_json_track(c->pool, participant(c->pool, known)));
        apr_hash_set(people, apr_pstrdup(c->pool, id), APR_HASH_KEY_STRING, text);
    }
    return text;
}

/* The same as a json-c value (a new object each call, NULL when the user is gone). */
static json_object *person(sb_call_t *c, const char *id, const sb_session_person_t *known)
{
    const char *text = sb_session_person_text(c, id, known);
    json_object *o;

    if (!text) {
        return NULL;
    }
    o = json_object_new_object();
    json_object_set_serializer(o, raw_serializer, (void *)text, NULL);
    return o;
}

json_object *sb_session_json_full(sb_call_t *c, const sb_session_t *s)
{
    return sb_session_json(c, s, person(c, s->teacher_id, s->teacher),
                           person(c, s->student_id, s->student));
}

json_object *sb_credit_tx_json(apr_pool_t *p, const sb_credit_tx_t *t)
{
    json_object *o = json_object_new_object();

    sb_json_add_lit(o, "_id", json_object_new_string(t->id));
    sb_json_add_lit(o, "user", json_object_new_string(t->user_id));
    sb_json_add_lit(o, "type", json_object_new_string(t->type ? t->type : ""));
    sb_json_add_lit(o, "amount", sb_hours_json(p, t->amount));
    sb_json_add_lit(o, "balanceAfter", sb_hours_json(p, t->balance_after));
    sb_json_add_lit(o, "relatedSession", str_or_null(t->related_session));
    sb_json_add_lit(o, "relatedUser", str_or_null(t->related_user));
    sb_json_add_lit(o, "description", json_object_new_string(t->description ? t->description : ""));
    sb_json_add_lit(o, "category", json_object_new_string(t->category ? t->category : ""));
    sb_json_add_lit(o, "status", json_object_new_string(t->status ? t->status : "completed"));
    sb_json_add_lit(o, "createdAt", json_object_new_string(sb_time_iso(p, t->created_at)));
    return o;
}

sb_session_t *sb_session_for_participant(sb_call_t *c, int idx)
{
    sb_store_error_t e = {0};
    sb_session_t *s = NULL;
    const char *id = sb_param_id(c, idx, "id");

    if (!id || !sb_call_store(c)) {
        return NULL;
    }
    if (sb_store_session_get(c->conn, c->pool, id, &s, &e) != SB_STORE_OK) {
        if (e.status != SB_STORE_NOT_FOUND) {
            sb_call_store_fail(c, &e, "Session");
            return NULL;
        }
        s = NULL;
    }
    if (!s || (strcmp(s->teacher_id, c->user->id) && strcmp(s->student_id, c->user->id))) {
        sb_fail(&c->err, c->pool, 404, "Session not found.");
        return NULL;
    }
    return s;
}

void sb_session_notice(sb_call_t *c, sb_notification_new_t *n, const sb_session_t *s,
                       const char *user_id, const char *type, const char *title, const char *body)
{
    char *id = apr_palloc(c->pool, SB_ID_LEN + 1);
    sb_notification_t shown;

    sb_id_new(id);
    memset(&shown, 0, sizeof shown);
    memcpy(shown.id, id, sizeof shown.id);
    apr_cpystrn(shown.user_id, user_id, sizeof shown.user_id);
    shown.type = type;
    shown.title = title;
    shown.body = body;
    shown.link = apr_pstrcat(c->pool, "/sessions/", s->id, NULL);
    shown.data = apr_psprintf(c->pool, "{\"sessionId\":\"%s\"}", s->id);
    shown.subject_id = s->id;
    shown.created_at = c->now;
    *n = (sb_notification_new_t){id,         user_id, type,
                                 title,      body,    shown.link,
                                 shown.data, s->id,   sb_notification_text(c->pool, &shown)};
}

int sb_session_store_fail(sb_call_t *c, const sb_store_error_t *e)
{
    const char *field = e->field ? e->field : "status";

    switch (e->status) {
    case SB_STORE_NOT_FOUND:
        return sb_fail(&c->err, c->pool, 404, "Session not found.");
    case SB_STORE_STALE:
        sb_field_fail(&c->err, c->pool, "status", "the session is %s", field);
        return sb_fail(&c->err, c->pool, 409, "Not possible while the session is %s.", field);
    case SB_STORE_REFUSED:
        if (!strcmp(field, "action")) {
            sb_field_fail(&c->err, c->pool, "action", "%s", e->message);
            return sb_fail(&c->err, c->pool, 403, "%s.", e->message);
        }
        sb_field_fail(&c->err, c->pool, field, "%s", e->message);
        return sb_fail(&c->err, c->pool, 409, "%s.", e->message);
    case SB_STORE_CONFLICT:
        sb_field_fail(&c->err, c->pool, field, "%s", e->message);
        return sb_fail(&c->err, c->pool, 409, "%s.", e->message);
    case SB_STORE_INSUFFICIENT:
        sb_field_fail(&c->err, c->pool, field, "%s", e->message);
        return sb_fail(&c->err, c->pool, 409, "Not enough credits.");
    default:
        return sb_call_store_fail(c, e, "Session");
    }
}

/* A text member of at most max characters (clean UTF-8); NULL when absent or bad. */
const char *sb_session_text_member(sb_call_t *c, json_object *body, const char *key, int max,
                                   int required)
{
    const char *v = NULL;

    if (!sb_json_get_string(body, key, &v, &c->err, c->pool, required)) {
        return NULL;
    }
    if (!sb_valid_text(&c->err, c->pool, key, v, max, required)) {
        return NULL;
    }
    return v;
}

/* scheduledTime: ISO 8601 with an offset, in the future. */
int sb_session_time_member(sb_call_t *c, json_object *body, int64_t *out)
{
    const char *v = NULL;

    if (!sb_json_get_string(body, "scheduledTime", &v, &c->err, c->pool, 1)) {
        return 0;
    }
    if (sb_time_parse_iso(v, out)) {
        sb_field_fail(&c->err, c->pool, "scheduledTime",
                      "scheduledTime must be an ISO 8601 "
                      "date-time with an offset");
        return 0;
    }
    if (*out <= c->now) {
        sb_field_fail(&c->err, c->pool, "scheduledTime", "scheduledTime must be in the future");
        return 0;
    }
    return 1;
}

int sb_session_invalid(sb_call_t *c)
{
    if (sb_has_field_errors(&c->err)) {
        c->err.message = "Validation error";
        return c->err.status ? c->err.status : 400;
    }
    return 0;
}

const char *sb_session_full_name(sb_call_t *c, const sb_user_t *u)
{
    return apr_pstrcat(c->pool, u->first_name, " ", u->last_name, NULL);
}

/* The event payload of s: the session with ids for people. */

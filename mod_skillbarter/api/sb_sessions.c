/*
 * /api/sessions: booking (also through POST /api/messages/session-request), the list and one
 * session, the teacher's answer, reschedule proposals and notes, cancellation, joining,
 * ending with settlement, the room with its Jitsi token, reviews, disputes and their
 * resolution by an admin. Every change is one store step that writes the session, the ledger,
 * the outbox events and the notification together; the daemon is woken after the commit.
 */
#include "sb_routes.h"
#include "sb_session_view.h"

#include <string.h>
#include <strings.h>

#include <apr_general.h>
#include <apr_strings.h>

#include "sb_cursor.h"
#include "sb_id.h"
#include "sb_jitsi.h"
#include "sb_json.h"
#include "sb_messaging.h"
#include "sb_session_rules.h"
#include "sb_time.h"
#include "sb_tz.h"
#include "sb_user_json.h"
#include "sb_user_rules.h"
#include "sb_validate.h"

#define SB_SKILL_MAX             50
#define SB_DESCRIPTION_MAX       500
#define SB_NOTES_MAX             2000
#define SB_REASON_MAX            500
#define SB_SESSIONS_PAGE_DEFAULT 10
#define SB_SESSIONS_PAGE_MAX     50
#define SB_PAGE_NUMBER_MAX       10000
#define SB_REVIEWS_PAGE_DEFAULT  10
#define SB_REVIEWS_PAGE_MAX      50
#define SB_ROOM_GRACE_S          (15 * 60)

/* A text member of at most max characters (clean UTF-8); NULL when absent or bad. */
static const char *text_member(sb_call_t *c, json_object *body, const char *key, int max,
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
static int time_member(sb_call_t *c, json_object *body, int64_t *out)
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

/* "sb-" and 160 random bits in hex: a room nobody guesses, safe in any Jitsi URL. */
static const char *room_name(apr_pool_t *p)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[20];
    char *out = apr_palloc(p, 3 + 2 * sizeof raw + 1);
    size_t i;

    if (apr_generate_random_bytes(raw, sizeof raw) != APR_SUCCESS) {
        return NULL;
    }
    memcpy(out, "sb-", 3);
    for (i = 0; i < sizeof raw; i++) {
        out[3 + 2 * i] = hex[raw[i] >> 4];
        out[3 + 2 * i + 1] = hex[raw[i] & 15];
    }
    out[3 + 2 * sizeof raw] = '\0';
    return out;
}

static int validation_failed(sb_call_t *c)
{
    if (sb_has_field_errors(&c->err)) {
        c->err.message = "Validation error";
        return c->err.status ? c->err.status : 400;
    }
    return 0;
}

/* The offered skill of u named skill (case-insensitive), or NULL. */
static const sb_skill_offered_t *offered(const sb_user_t *u, const char *skill)
{
    int i;

    for (i = 0; u->skills_offered && i < u->skills_offered->nelts; i++) {
        const sb_skill_offered_t *o = &APR_ARRAY_IDX(u->skills_offered, i, sb_skill_offered_t);
        if (o->skill && !strcasecmp(o->skill, skill)) {
            return o;
        }
    }
    return NULL;
}

static json_object *mini_user(sb_call_t *c, const sb_user_t *u)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "_id", json_object_new_string(u->id));
    json_object_object_add(o, "username", json_object_new_string(u->username));
    json_object_object_add(o, "firstName", json_object_new_string(u->first_name));
    json_object_object_add(o, "lastName", json_object_new_string(u->last_name));
    json_object_object_add(o, "profilePicture",
                           json_object_new_string(u->profile_picture ? u->profile_picture : ""));
    return o;
}

static const char *full_name(sb_call_t *c, const sb_user_t *u)
{
    return apr_pstrcat(c->pool, u->first_name, " ", u->last_name, NULL);
}

/* The event payload of s: the session with ids for people. */
static const char *event_text(sb_call_t *c, const sb_session_t *s)
{
    return sb_json_text(c->pool, sb_json_track(c->pool, sb_session_json(c, s, NULL, NULL)));
}

/*
 * Book a session: the body of createSession, checked against the teacher (visible, offers
 * the skill, available at that time in their zone), then one store step holding the credits
 * (and storing the request message when with_message). 201 with the session (and message).
 */
static int book(sb_call_t *c, int with_message)
{
    static const char *const allowed[] = {"teacher",  "skill",       "scheduledTime",
                                          "duration", "description", NULL};
    const char *teacher_id = NULL, *skill = NULL, *description = NULL, *content;
    char id[SB_ID_LEN + 1], nid[SB_ID_LEN + 1], mid[SB_ID_LEN + 1];
    const sb_skill_offered_t *so;
    sb_session_new_t ns = {0};
    sb_outbox_event_t ev[4];
    sb_notification_new_t nn;
    sb_store_error_t e = {0};
    sb_session_t *s = NULL, draft;
    sb_user_t *teacher = NULL;
    json_object *body, *out, *msg;
    int64_t start = 0, duration = 0, available = -1;
    const char *room, *text;
    sb_tz_t *tz;
    int nev = 0;

    if (!(body = sb_call_body_object(c, allowed))) {
        return c->err.status;
    }
    if (sb_json_get_string(body, "teacher", &teacher_id, &c->err, c->pool, 1)) {
        if (!sb_id_valid(teacher_id)) {
            sb_field_fail(&c->err, c->pool, "teacher", "teacher must be a 24-character hex id");
        }
        else if (!strcasecmp(teacher_id, c->user->id)) {
            sb_field_fail(&c->err, c->pool, "teacher",
                          "You cannot book a session with "
                          "yourself");
        }
        teacher_id = sb_lower(c->pool, teacher_id);
    }
    skill = text_member(c, body, "skill", SB_SKILL_MAX, 1);
    time_member(c, body, &start);
    if (sb_json_get_int(body, "duration", SB_SESSION_MIN_DURATION, SB_SESSION_MAX_DURATION,
                        &duration, &c->err, c->pool, 1)
        && !sb_session_duration_valid(duration)) {
        sb_field_fail(&c->err, c->pool, "duration",
                      "duration must be 15 to 240 minutes in "
                      "steps of 15");
    }
    description = text_member(c, body, "description", SB_DESCRIPTION_MAX, 0);
    if (validation_failed(c)) {
        return c->err.status;
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_user_by_id(c->conn, c->pool, teacher_id, &teacher, &e) != SB_STORE_OK
        && e.status != SB_STORE_NOT_FOUND) {
        return sb_call_store_fail(c, &e, "Teacher");
    }
    if (!teacher || !sb_user_visible(teacher, c->now)) {
        sb_field_fail(&c->err, c->pool, "teacher", "Teacher not found");
        return sb_fail(&c->err, c->pool, 404, "Teacher not found.");
    }
    if (!(so = offered(teacher, skill))) {
        sb_field_fail(&c->err, c->pool, "skill", "The teacher does not offer this skill");
        return validation_failed(c);
    }
    tz = sb_tz_load(c->pool, teacher->timezone ? teacher->timezone : "UTC");
    if (!tz || !sb_session_in_availability(tz, teacher->availability, start, duration)) {
        sb_field_fail(&c->err, c->pool, "scheduledTime",
                      "The time is outside the teacher's "
                      "availability (%s)",
                      teacher->timezone ? teacher->timezone : "UTC");
        return sb_fail(&c->err, c->pool, 409, "The teacher is not available at that time.");
    }

    sb_id_new(id);
    sb_id_new(nid);
    sb_id_new(mid);
    /* 128 random bits and more: the room name nobody guesses */
    room = room_name(c->pool);
    if (!room) {
        return sb_call_internal(c, "no random room name");
    }
    ns = (sb_session_new_t){id,    teacher->id, c->user->id, so->skill, so->category, description,
                            start, duration,    room,        NULL,      NULL};
    content = apr_psprintf(c->pool, "Session request: %s, %s, %d minutes%s%s", so->skill,
                           sb_time_iso(c->pool, start), (int)duration, description ? " — " : "",
                           description ? description : "");
    if (with_message) {
        ns.message_id = mid;
        ns.message_content = sb_utf8_len(content) > 1000 ? so->skill : content;
    }
    /* the payload describes the session as it will be stored */
    memset(&draft, 0, sizeof draft);
    memcpy(draft.id, id, sizeof draft.id);
    memcpy(draft.teacher_id, teacher->id, sizeof draft.teacher_id);
    memcpy(draft.student_id, c->user->id, sizeof draft.student_id);
    draft.skill = so->skill;
    draft.category = so->category;
    draft.description = description;
    draft.scheduled_time = start;
    draft.duration = duration;
    draft.status = "pending";
    draft.escrow = duration;
    draft.room_id = room;
    draft.reminders_sent = "[]";
    draft.created_at = draft.updated_at = c->now;
    text = event_text(c, &draft);
    ev[nev++] = (sb_outbox_event_t){teacher->id, "session:request", text};
    ev[nev++] = (sb_outbox_event_t){c->user->id, "session:request", text};
    msg = NULL;
    if (with_message) {
        sb_message_t m;
        sb_message_session_t d;
        const char *mt;
        memset(&d, 0, sizeof d);
        memcpy(d.session_id, id, sizeof d.session_id);
        d.skill = so->skill;
        d.duration = duration;
        d.proposed_time = start;
        d.description = description;
        d.status = d.session_status = "pending";
        memset(&m, 0, sizeof m);
        memcpy(m.id, mid, sizeof m.id);
        memcpy(m.sender_id, c->user->id, sizeof m.sender_id);
        memcpy(m.receiver_id, teacher->id, sizeof m.receiver_id);
        m.content = ns.message_content;
        m.message_type = "session_request";
        m.created_at = m.updated_at = c->now;
        m.session = &d;
        msg = sb_json_track(
            c->pool, sb_message_json(c->pool, &m, sb_user_to_json(c->pool, c->user, SB_VIEW_PUBLIC),
                                     sb_user_to_json(c->pool, teacher, SB_VIEW_PUBLIC)));
        mt = sb_json_text(c->pool,
                          sb_json_track(c->pool, sb_message_json(c->pool, &m, mini_user(c, c->user),
                                                                 mini_user(c, teacher))));
        ev[nev++] = (sb_outbox_event_t){teacher->id, "message:received", mt};
        ev[nev++] = (sb_outbox_event_t){c->user->id, "message:received", mt};
    }
    sb_session_notice(c, &nn, &draft, teacher->id, "session_request",
                      apr_psprintf(c->pool, "Session request from %s", full_name(c, c->user)),
                      apr_psprintf(c->pool, "%s, %s, %d minutes", so->skill,
                                   sb_time_iso(c->pool, start), (int)duration));
    if (sb_store_session_create(c->conn, c->pool, &ns, ev, nev, &nn, c->now, &s, &available, &e)
        != SB_STORE_OK) {
        if (e.status == SB_STORE_NOT_FOUND) {
            sb_field_fail(&c->err, c->pool, "teacher", "Teacher not found");
            return sb_fail(&c->err, c->pool, 404, "Teacher not found.");
        }
        if (e.status == SB_STORE_REFUSED) {
            sb_field_fail(&c->err, c->pool, "teacher",
                          "This teacher does not accept requests "
                          "from you");
            return sb_fail(&c->err, c->pool, 403, "You cannot book this teacher.");
        }
        if (e.status == SB_STORE_INSUFFICIENT) {
            sb_field_fail(&c->err, c->pool, "duration", "needs %s credits, %s available",
                          sb_credits_hours(c->pool, duration),
                          sb_credits_hours(c->pool, available));
            return sb_fail(&c->err, c->pool, 409, "Not enough credits: %s available, %s needed.",
                           sb_credits_hours(c->pool, available),
                           sb_credits_hours(c->pool, duration));
        }
        return sb_session_store_fail(c, &e, NULL);
    }
    sb_call_outbox_signal(c);
    out = sb_session_json(c, s, sb_user_to_json(c->pool, teacher, SB_VIEW_PUBLIC),
                          sb_user_to_json(c->pool, c->user, SB_VIEW_PUBLIC));
    c->message = "Session requested";
    if (with_message) {
        json_object *both = json_object_new_object();
        json_object_object_add(both, "message", json_object_get(msg));
        json_object_object_add(both, "session", out);
        return sb_call_ok(c, 201, both);
    }
    return sb_call_ok(c, 201, out);
}

static int h_create(sb_call_t *c)
{
    return book(c, 0);
}

static int h_session_request(sb_call_t *c)
{
    return book(c, 1);
}

/* GET /api/sessions?status&type|role&upcoming|past&page&limit */
static int h_list(sb_call_t *c)
{
    sb_session_query_t q = {0};
    apr_array_header_t *rows;
    sb_store_error_t e = {0};
    const char *role, *v;
    json_object *arr;
    int64_t total = 0;
    int page, limit, i;

    q.user_id = c->user->id;
    q.now = c->now;
    if ((q.status = sb_query_param(c, "status")) && sb_session_status_parse(q.status) < 0) {
        sb_field_fail(&c->err, c->pool, "status", "unknown status");
    }
    role = sb_query_param(c, "type");
    if (!role) {
        role = sb_query_param(c, "role");
    }
    if (role) {
        q.role = !strcmp(role, "taught") ? 1 : !strcmp(role, "learned") ? 2 : -1;
        if (q.role < 0) {
            sb_field_fail(&c->err, c->pool, sb_query_param(c, "type") ? "type" : "role",
                          "must be taught or learned");
        }
    }
    if ((v = sb_query_param(c, "upcoming")) && !strcmp(v, "true")) {
        q.when = 1;
    }
    else if (v && strcmp(v, "false")) {
        sb_field_fail(&c->err, c->pool, "upcoming", "must be true or false");
    }
    if ((v = sb_query_param(c, "past")) && !strcmp(v, "true")) {
        q.when = q.when ? -1 : 2;
    }
    else if (v && strcmp(v, "false")) {
        sb_field_fail(&c->err, c->pool, "past", "must be true or false");
    }
    if (q.when < 0) {
        sb_field_fail(&c->err, c->pool, "past", "upcoming and past exclude each other");
    }
    sb_query_int(c, "page", 1, SB_PAGE_NUMBER_MAX, 1, &page);
    sb_query_int(c, "limit", 1, SB_SESSIONS_PAGE_MAX, SB_SESSIONS_PAGE_DEFAULT, &limit);
    if (sb_query_failed(c) || sb_call_fields_failed(c)) {
        c->err.message = c->err.message ? c->err.message : "Invalid query parameters";
        return c->err.status ? c->err.status
                             : sb_fail(&c->err, c->pool, 400, "Invalid query parameters");
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_session_list(c->conn, c->pool, &q, (page - 1) * limit, limit, &rows, &total, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Sessions");
    }
    arr = json_object_new_array_ext(rows->nelts);
    for (i = 0; i < rows->nelts; i++) {
        json_object_array_add(arr, sb_session_json_full(c, &APR_ARRAY_IDX(rows, i, sb_session_t)));
    }
    sb_page_offset(c, page, limit, total);
    return sb_call_ok(c, 200, arr);
}

static int h_get(sb_call_t *c)
{
    sb_session_t *s = sb_session_for_participant(c, 0);

    if (!s) {
        return c->err.status;
    }
    return sb_call_ok(c, 200, sb_session_json_full(c, s));
}

/* One transition with its events for both participants and a notification for the other. */
static int step(sb_call_t *c, sb_session_t *s, const sb_session_act_t *a, const char *event,
                const char *ntype, const char *title, sb_session_t **out)
{
    const char *other = strcmp(c->user->id, s->teacher_id) ? s->teacher_id : s->student_id;
    sb_outbox_event_t ev[2];
    sb_notification_new_t nn;
    sb_store_error_t e = {0};
    sb_session_t after = *s;
    const char *text;
    int to = sb_session_transition(sb_session_status_parse(s->status), a->action);

    /* the payload says what the session becomes */
    if (to >= 0) {
        after.status = sb_session_status_name(to);
    }
    if (a->action == SB_SESSION_RESCHEDULE) {
        after.scheduled_time = a->scheduled_time;
        apr_cpystrn(after.proposed_by, c->user->id, sizeof after.proposed_by);
    }
    text = event_text(c, &after);
    ev[0] = (sb_outbox_event_t){s->teacher_id, event, text};
    ev[1] = (sb_outbox_event_t){s->student_id, event, text};
    sb_session_notice(
        c, &nn, s, other, ntype, apr_psprintf(c->pool, title, full_name(c, c->user)),
        apr_psprintf(c->pool, "%s, %s", s->skill, sb_time_iso(c->pool, after.scheduled_time)));
    if (sb_store_session_act(c->conn, c->pool, a, ev, 2, &nn, c->now, out, &e) != SB_STORE_OK) {
        return sb_session_store_fail(c, &e, s);
    }
    sb_call_outbox_signal(c);
    return 0;
}

/* PUT /api/sessions/:id {action?, scheduledTime?, description?, teacherNotes?, studentNotes?} */
static int h_update(sb_call_t *c)
{
    static const char *const allowed[] = {"action",       "scheduledTime", "description",
                                          "teacherNotes", "studentNotes",  NULL};
    const char *action = NULL, *description = NULL, *notes = NULL, *tn = NULL, *sn = NULL;
    sb_session_act_t a = {0};
    sb_store_error_t e = {0};
    sb_session_t *s, *out = NULL;
    json_object *body, *v;
    int is_teacher, rc;

    if (!(body = sb_call_body_object(c, allowed)) || !(s = sb_session_for_participant(c, 0))) {
        return c->err.status;
    }
    is_teacher = !strcmp(s->teacher_id, c->user->id);
    if (json_object_object_get_ex(body, "action", &v)
        && sb_json_get_string(body, "action", &action, &c->err, c->pool, 1)) {
        a.action = !strcmp(action, "accept")       ? SB_SESSION_ACCEPT
                   : !strcmp(action, "decline")    ? SB_SESSION_DECLINE
                   : !strcmp(action, "reschedule") ? SB_SESSION_RESCHEDULE
                                                   : SB_SESSION_NACTION;
        if (a.action == SB_SESSION_NACTION) {
            sb_field_fail(&c->err, c->pool, "action",
                          "action must be accept, decline or "
                          "reschedule");
        }
        else if (a.action == SB_SESSION_RESCHEDULE) {
            time_member(c, body, &a.scheduled_time);
        }
    }
    if (json_object_object_get_ex(body, "scheduledTime", &v)
        && (!action || strcmp(action, "reschedule"))) {
        sb_field_fail(&c->err, c->pool, "scheduledTime",
                      "a new time goes with action "
                      "\"reschedule\"");
    }
    description = text_member(c, body, "description", SB_DESCRIPTION_MAX, 0);
    tn = text_member(c, body, "teacherNotes", SB_NOTES_MAX, 0);
    sn = text_member(c, body, "studentNotes", SB_NOTES_MAX, 0);
    if ((tn && !is_teacher) || (sn && is_teacher)) {
        sb_field_fail(&c->err, c->pool, tn && !is_teacher ? "teacherNotes" : "studentNotes",
                      "only its author edits these notes");
    }
    notes = is_teacher ? tn : sn;
    if (!action && !description && !notes && !sb_has_field_errors(&c->err)) {
        sb_field_fail(&c->err, c->pool, "action", "nothing to change");
    }
    if (validation_failed(c)) {
        return c->err.status;
    }
    if (action) {
        a.id = s->id;
        a.actor_id = c->user->id;
        rc = step(c, s, &a,
                  a.action == SB_SESSION_ACCEPT    ? "session:accepted"
                  : a.action == SB_SESSION_DECLINE ? "session:ended"
                                                   : "session:request",
                  a.action == SB_SESSION_ACCEPT    ? "session_accepted"
                  : a.action == SB_SESSION_DECLINE ? "session_declined"
                                                   : "session_rescheduled",
                  a.action == SB_SESSION_ACCEPT    ? "%s accepted your session request"
                  : a.action == SB_SESSION_DECLINE ? "%s declined your session request"
                                                   : "%s proposes a new time",
                  &out);
        if (rc) {
            return rc;
        }
    }
    if (description || notes) {
        if (sb_store_session_edit(c->conn, s->id, c->user->id, description, notes, c->now, &e)
            != SB_STORE_OK) {
            return sb_session_store_fail(c, &e, s);
        }
    }
    if (sb_store_session_get(c->conn, c->pool, s->id, &out, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Session");
    }
    c->message = "Session updated";
    return sb_call_ok(c, 200, sb_session_json_full(c, out));
}

/* DELETE /api/sessions/:id {reason?} */
static int h_cancel(sb_call_t *c)
{
    static const char *const allowed[] = {"reason", NULL};
    sb_session_act_t a = {0};
    sb_session_t *s, *out = NULL;
    json_object *body = NULL;
    int rc;

    if (c->body && !(body = sb_call_body_object(c, allowed))) {
        return c->err.status;
    }
    if (!(s = sb_session_for_participant(c, 0))) {
        return c->err.status;
    }
    a = (sb_session_act_t){s->id,
                           c->user->id,
                           SB_SESSION_CANCEL,
                           0,
                           body ? text_member(c, body, "reason", SB_REASON_MAX, 0) : NULL,
                           c->settings->late_cancel_penalty};
    if (validation_failed(c)) {
        return c->err.status;
    }
    if ((rc = step(c, s, &a, "session:ended", "session_cancelled", "%s cancelled a session",
                   &out))) {
        return rc;
    }
    c->message = "Session cancelled";
    return sb_call_ok(c, 200, sb_session_json_full(c, out));
}

/* The room of s for the caller: id, URL, and a Jitsi token when configured. */
static json_object *room_json(sb_call_t *c, const sb_session_t *s)
{
    const sb_settings_t *st = c->settings;
    json_object *o = json_object_new_object();

    json_object_object_add(o, "sessionId", json_object_new_string(s->id));
    json_object_object_add(o, "roomId", json_object_new_string(s->room_id ? s->room_id : ""));
    json_object_object_add(o, "domain", json_object_new_string(st->jitsi_domain));
    json_object_object_add(o, "meetingUrl", json_object_new_string(sb_session_meeting_url(c, s)));
    json_object_object_add(o, "status", json_object_new_string(s->status));
    json_object_object_add(o, "isModerator",
                           json_object_new_boolean(!strcmp(s->teacher_id, c->user->id)));
    if (st->jitsi_app_id && st->jitsi_secret) {
        sb_jitsi_claims_t jc = {st->jitsi_app_id,
                                st->jitsi_domain,
                                s->room_id,
                                c->user->id,
                                full_name(c, c->user),
                                c->user->profile_picture,
                                !strcmp(s->teacher_id, c->user->id),
                                (s->scheduled_time - SB_SESSION_JOIN_EARLY_MS) / 1000,
                                (s->scheduled_time + s->duration * 60000) / 1000 + SB_ROOM_GRACE_S};
        const char *jwt = sb_jitsi_token(c->pool, st->jitsi_secret, st->jitsi_secret_len, &jc);
        json_object_object_add(o, "jwt", jwt ? json_object_new_string(jwt) : NULL);
        json_object_object_add(o, "jwtExpiresAt",
                               json_object_new_string(sb_time_iso(c->pool, jc.exp * 1000)));
        if (jwt) {
            json_object_object_add(o, "meetingUrl",
                                   json_object_new_string(apr_pstrcat(
                                       c->pool, sb_session_meeting_url(c, s), "?jwt=", jwt, NULL)));
        }
    }
    return o;
}

/* POST /api/sessions/:id/start: the caller joins; in_progress once both have. */
static int h_start(sb_call_t *c)
{
    sb_session_act_t a = {0};
    sb_session_t *s, *out = NULL;
    json_object *o;
    int rc;

    if (!(s = sb_session_for_participant(c, 0))) {
        return c->err.status;
    }
    a = (sb_session_act_t){s->id, c->user->id, SB_SESSION_START, 0, NULL, 0};
    if ((rc = step(c, s, &a, "session:started", "session_started", "%s is in the room", &out))) {
        return rc;
    }
    o = sb_session_json_full(c, out);
    json_object_object_add(o, "room", room_json(c, out));
    c->message = strcmp(out->status, "in_progress") ? "Joined; waiting for the other participant"
                                                    : "Session started";
    return sb_call_ok(c, 200, o);
}

/* POST /api/sessions/:id/end: completed, settled for the measured time. */
static int h_end(sb_call_t *c)
{
    sb_session_act_t a = {0};
    sb_session_t *s, *out = NULL;
    int rc;

    if (!(s = sb_session_for_participant(c, 0))) {
        return c->err.status;
    }
    a = (sb_session_act_t){s->id, c->user->id, SB_SESSION_END, 0, NULL, 0};
    if ((rc = step(c, s, &a, "session:ended", "session_ended", "%s ended the session", &out))) {
        return rc;
    }
    c->message = "Session completed";
    return sb_call_ok(c, 200, sb_session_json_full(c, out));
}

/* GET /api/sessions/:id/room: participants only; marks presence while in progress. */
static int h_room(sb_call_t *c)
{
    sb_store_error_t e = {0};
    sb_session_t *s;

    if (!(s = sb_session_for_participant(c, 0))) {
        return c->err.status;
    }
    if (!strcmp(s->status, "in_progress")
        && sb_store_session_presence(c->conn, s->id, c->user->id, c->now, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Session");
    }
    return sb_call_ok(c, 200, room_json(c, s));
}

/* POST /api/sessions/:id/review {rating, feedback?, wouldRecommend?} */
static int h_review(sb_call_t *c)
{
    static const char *const allowed[] = {"rating", "feedback", "wouldRecommend", NULL};
    char id[SB_ID_LEN + 1];
    sb_review_new_t r = {0};
    sb_notification_new_t nn;
    sb_store_error_t e = {0};
    sb_session_t *s;
    json_object *body, *o, *v;
    int64_t rating = 0;
    int rec = -1;
    const char *other;

    if (!(body = sb_call_body_object(c, allowed)) || !(s = sb_session_for_participant(c, 0))) {
        return c->err.status;
    }
    sb_json_get_int(body, "rating", 1, 5, &rating, &c->err, c->pool, 1);
    r.feedback = text_member(c, body, "feedback", SB_DESCRIPTION_MAX, 0);
    if (json_object_object_get_ex(body, "wouldRecommend", &v) && v) {
        sb_json_get_bool(body, "wouldRecommend", &rec, &c->err, c->pool, 0);
    }
    if (validation_failed(c)) {
        return c->err.status;
    }
    sb_id_new(id);
    other = strcmp(c->user->id, s->teacher_id) ? s->teacher_id : s->student_id;
    r.id = id;
    r.session_id = s->id;
    r.reviewer_id = c->user->id;
    r.rating = (int)rating;
    r.would_recommend = rec;
    sb_session_notice(c, &nn, s, other, "review",
                      apr_psprintf(c->pool, "%s reviewed your session", full_name(c, c->user)),
                      apr_psprintf(c->pool, "%d/5 for %s", (int)rating, s->skill));
    if (sb_store_review_add(c->conn, &r, NULL, 0, &nn, c->now, &e) != SB_STORE_OK) {
        if (e.status == SB_STORE_CONFLICT) {
            sb_field_fail(&c->err, c->pool, "rating", "You have reviewed this session already");
            return sb_fail(&c->err, c->pool, 409, "You have reviewed this session already.");
        }
        return sb_session_store_fail(c, &e, s);
    }
    sb_call_outbox_signal(c);
    o = json_object_new_object();
    json_object_object_add(o, "_id", json_object_new_string(id));
    json_object_object_add(o, "session", json_object_new_string(s->id));
    json_object_object_add(o, "reviewer", json_object_new_string(c->user->id));
    json_object_object_add(o, "reviewee", json_object_new_string(other));
    json_object_object_add(o, "rating", json_object_new_int((int)rating));
    json_object_object_add(o, "feedback", r.feedback ? json_object_new_string(r.feedback) : NULL);
    json_object_object_add(o, "wouldRecommend", rec < 0 ? NULL : json_object_new_boolean(rec));
    json_object_object_add(o, "reviewedAt", json_object_new_string(sb_time_iso(c->pool, c->now)));
    c->message = "Review submitted";
    return sb_call_ok(c, 201, o);
}

/* GET /api/users/:id/reviews?cursor&limit: a visible user's reviews, newest first. */
static int h_user_reviews(sb_call_t *c)
{
    const char *id = sb_param_id(c, 0, "id");
    char after_id[SB_ID_LEN + 1] = "";
    apr_array_header_t *rows;
    sb_store_error_t e = {0};
    sb_user_t *u = NULL;
    const char *next = NULL;
    json_object *arr;
    int64_t after_at = 0;
    int limit, has = 0, more = 0, i;

    if (!id) {
        return c->err.status;
    }
    sb_query_int(c, "limit", 1, SB_REVIEWS_PAGE_MAX, SB_REVIEWS_PAGE_DEFAULT, &limit);
    sb_query_cursor(c, &after_at, after_id, &has);
    if (sb_query_failed(c)) {
        return c->err.status;
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_user_by_id(c->conn, c->pool, id, &u, &e) != SB_STORE_OK
        && e.status != SB_STORE_NOT_FOUND) {
        return sb_call_store_fail(c, &e, "User");
    }
    if (!u || !sb_user_visible(u, c->now)) {
        return sb_fail(&c->err, c->pool, 404, "User not found.");
    }
    if (sb_store_reviews_page(c->conn, c->pool, u->id, after_at, has ? after_id : NULL, limit,
                              &rows, &more, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Reviews");
    }
    arr = json_object_new_array_ext(rows->nelts);
    for (i = 0; i < rows->nelts; i++) {
        const sb_session_review_t *r = &APR_ARRAY_IDX(rows, i, sb_session_review_t);
        json_object *o = json_object_new_object(), *who = json_object_new_object();
        json_object_object_add(who, "_id", json_object_new_string(r->reviewer.id));
        json_object_object_add(
            who, "username",
            json_object_new_string(r->reviewer.username ? r->reviewer.username : ""));
        json_object_object_add(who, "fullName",
                               json_object_new_string(apr_pstrcat(
                                   c->pool, r->reviewer.first_name ? r->reviewer.first_name : "",
                                   " ", r->reviewer.last_name ? r->reviewer.last_name : "", NULL)));
        json_object_object_add(
            who, "profilePicture",
            json_object_new_string(r->reviewer.profile_picture ? r->reviewer.profile_picture : ""));
        json_object_object_add(o, "_id", json_object_new_string(r->id));
        json_object_object_add(o, "session", json_object_new_string(r->session_id));
        json_object_object_add(o, "skill", json_object_new_string(r->skill ? r->skill : ""));
        json_object_object_add(o, "reviewer", who);
        json_object_object_add(o, "rating", json_object_new_int(r->rating));
        json_object_object_add(o, "feedback",
                               r->feedback ? json_object_new_string(r->feedback) : NULL);
        json_object_object_add(
            o, "wouldRecommend",
            r->would_recommend < 0 ? NULL : json_object_new_boolean(r->would_recommend));
        json_object_object_add(o, "createdAt",
                               json_object_new_string(sb_time_iso(c->pool, r->created_at)));
        json_object_array_add(arr, o);
    }
    if (more && rows->nelts) {
        const sb_session_review_t *last =
            &APR_ARRAY_IDX(rows, rows->nelts - 1, sb_session_review_t);
        next = sb_cursor_encode(c->pool, c->settings->cursor_key, c->settings->cursor_key_len,
                                last->created_at, last->id);
    }
    sb_page_cursor(c, limit, rows->nelts, more, next);
    return sb_call_ok(c, 200, arr);
}

/* POST /api/sessions/:id/dispute {reason}: the learner, within the window after completion. */
static int h_dispute(sb_call_t *c)
{
    static const char *const allowed[] = {"reason", NULL};
    sb_store_error_t e = {0};
    sb_session_t *s, *out;
    json_object *body;
    const char *reason;

    if (!(body = sb_call_body_object(c, allowed)) || !(s = sb_session_for_participant(c, 0))) {
        return c->err.status;
    }
    reason = text_member(c, body, "reason", SB_REASON_MAX, 1);
    if (validation_failed(c)) {
        return c->err.status;
    }
    if (strcmp(s->student_id, c->user->id)) {
        sb_field_fail(&c->err, c->pool, "id", "only the learner disputes a session");
        return sb_fail(&c->err, c->pool, 403, "Only the learner can dispute a session.");
    }
    if (sb_store_session_dispute(c->conn, s->id, c->user->id, reason,
                                 c->settings->dispute_window * 1000, c->now, &e)
        != SB_STORE_OK) {
        return sb_session_store_fail(c, &e, s);
    }
    if (sb_store_session_get(c->conn, c->pool, s->id, &out, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Session");
    }
    c->message = "Dispute opened";
    return sb_call_ok(c, 200, sb_session_json_full(c, out));
}

/* POST /api/admin/sessions/:id/resolve {refundPercent, note?}: admins only. */
static int h_resolve(sb_call_t *c)
{
    static const char *const allowed[] = {"refundPercent", "note", NULL};
    const char *id = sb_param_id(c, 0, "id"), *note;
    sb_store_error_t e = {0};
    json_object *body, *o;
    int64_t pct = 0, refunded = 0;

    if (strcmp(c->user->role, "admin")) {
        return sb_fail(&c->err, c->pool, 403, "Admins only.");
    }
    if (!id || !(body = sb_call_body_object(c, allowed))) {
        return c->err.status;
    }
    sb_json_get_int(body, "refundPercent", 0, 100, &pct, &c->err, c->pool, 1);
    note = text_member(c, body, "note", SB_REASON_MAX, 0);
    if (validation_failed(c) || !sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_session_resolve(c->conn, id, c->user->id, (int)pct, note, c->now, &refunded, &e)
        != SB_STORE_OK) {
        if (e.status == SB_STORE_INSUFFICIENT) {
            sb_field_fail(&c->err, c->pool, "refundPercent", "the teacher's balance is too low");
            return sb_fail(&c->err, c->pool, 409,
                           "The teacher's balance does not cover this "
                           "refund.");
        }
        if (e.status == SB_STORE_STALE) {
            sb_field_fail(&c->err, c->pool, "id", "no open dispute");
            return sb_fail(&c->err, c->pool, 409, "This session has no open dispute.");
        }
        return sb_session_store_fail(c, &e, NULL);
    }
    o = json_object_new_object();
    json_object_object_add(o, "sessionId", json_object_new_string(id));
    json_object_object_add(o, "refundPercent", json_object_new_int((int)pct));
    json_object_object_add(o, "refunded", sb_hours_json(c->pool, refunded));
    c->message = "Dispute resolved";
    return sb_call_ok(c, 200, o);
}

int sb_calendar_feed(sb_call_t *c);
int sb_calendar_token(sb_call_t *c);

/* Literal paths before /api/sessions/:id (sb_routes_check). */
const sb_route_t sb_session_routes[] = {
    {"GET", "/api/sessions", h_list, SB_ROUTE_AUTH, NULL},
    {"POST", "/api/sessions/create", h_create, SB_ROUTE_AUTH | SB_ROUTE_JSON, "sessions"},
    {"GET", "/api/sessions/calendar.ics", sb_calendar_feed, 0, NULL},
    {"POST", "/api/sessions/calendar-token", sb_calendar_token, SB_ROUTE_AUTH, NULL},
    {"GET", "/api/sessions/:id", h_get, SB_ROUTE_AUTH, NULL},
    {"PUT", "/api/sessions/:id", h_update, SB_ROUTE_AUTH | SB_ROUTE_JSON, NULL},
    {"DELETE", "/api/sessions/:id", h_cancel, SB_ROUTE_AUTH | SB_ROUTE_JSON, NULL},
    {"POST", "/api/sessions/:id/start", h_start, SB_ROUTE_AUTH, NULL},
    {"POST", "/api/sessions/:id/end", h_end, SB_ROUTE_AUTH, NULL},
    {"GET", "/api/sessions/:id/room", h_room, SB_ROUTE_AUTH, NULL},
    {"POST", "/api/sessions/:id/review", h_review, SB_ROUTE_AUTH | SB_ROUTE_JSON, NULL},
    {"POST", "/api/sessions/:id/dispute", h_dispute, SB_ROUTE_AUTH | SB_ROUTE_JSON, NULL},
    {"POST", "/api/admin/sessions/:id/resolve", h_resolve, SB_ROUTE_AUTH | SB_ROUTE_JSON, NULL},
    {"GET", "/api/users/:id/reviews", h_user_reviews, SB_ROUTE_AUTH, NULL},
    {NULL, NULL, NULL, 0, NULL}};

/* Before the messaging rows, so /api/messages/:userId does not take it (a POST anyway). */
const sb_route_t sb_session_request_routes[] = {{"POST", "/api/messages/session-request",
                                                 h_session_request, SB_ROUTE_AUTH | SB_ROUTE_JSON,
                                                 "sessions"},
                                                {NULL, NULL, NULL, 0, NULL}};

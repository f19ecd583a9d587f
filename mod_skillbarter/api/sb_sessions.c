/*
 * /api/sessions: booking (also through POST /api/messages/session-request), the list and one
 * session, and the route table of every session resource (the lifecycle's handlers are in
 * sb_session_lifecycle.c, reviews and disputes in sb_session_reviews.c). Every change is one
 * store step that writes the session, the ledger, the outbox events and the notification
 * together; the daemon is woken after the commit.
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
    skill = sb_session_text_member(c, body, "skill", SB_SKILL_MAX, 1);
    sb_session_time_member(c, body, &start);
    if (sb_json_get_int(body, "duration", SB_SESSION_MIN_DURATION, SB_SESSION_MAX_DURATION,
                        &duration, &c->err, c->pool, 1)
        && !sb_session_duration_valid(duration)) {
        sb_field_fail(&c->err, c->pool, "duration",
                      "duration must be 15 to 240 minutes in "
                      "steps of 15");
    }
    description = sb_session_text_member(c, body, "description", SB_DESCRIPTION_MAX, 0);
    if (sb_session_invalid(c)) {
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
        return sb_session_invalid(c);
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
    text = sb_session_event_text(c, &draft);
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
    sb_session_notice(
        c, &nn, &draft, teacher->id, "session_request",
        apr_psprintf(c->pool, "Session request from %s", sb_session_full_name(c, c->user)),
        apr_psprintf(c->pool, "%s, %s, %d minutes", so->skill, sb_time_iso(c->pool, start),
                     (int)duration));
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
        return sb_session_store_fail(c, &e);
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
    int page, limit;

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
    arr = sb_session_list_json(c, rows);
    sb_page_offset(c, page, limit, total);
    return sb_call_ok(c, 200, arr);
}

static int h_get(sb_call_t *c)
{
    sb_session_t *s = sb_session_for_participant(c, 0);

    if (!s) {
        return c->err.status;
    }
    return sb_call_ok(c, 200, sb_session_json_text(c, s));
}

/* Literal paths before /api/sessions/:id (sb_routes_check). */
const sb_route_t sb_session_routes[] = {
    {"GET", "/api/sessions", h_list, SB_ROUTE_AUTH, NULL},
    {"POST", "/api/sessions/create", h_create, SB_ROUTE_AUTH | SB_ROUTE_JSON, "sessions"},
    {"GET", "/api/sessions/calendar.ics", sb_calendar_feed, 0, NULL},
    {"POST", "/api/sessions/calendar-token", sb_calendar_token, SB_ROUTE_AUTH, NULL},
    {"GET", "/api/sessions/:id", h_get, SB_ROUTE_AUTH, NULL},
    {"PUT", "/api/sessions/:id", sb_session_h_update, SB_ROUTE_AUTH | SB_ROUTE_JSON, NULL},
    {"DELETE", "/api/sessions/:id", sb_session_h_cancel, SB_ROUTE_AUTH | SB_ROUTE_JSON, NULL},
    {"POST", "/api/sessions/:id/start", sb_session_h_start, SB_ROUTE_AUTH, NULL},
    {"POST", "/api/sessions/:id/end", sb_session_h_end, SB_ROUTE_AUTH, NULL},
    {"GET", "/api/sessions/:id/room", sb_session_h_room, SB_ROUTE_AUTH, NULL},
    {"POST", "/api/sessions/:id/review", sb_session_h_review, SB_ROUTE_AUTH | SB_ROUTE_JSON, NULL},
    {"POST", "/api/sessions/:id/dispute", sb_session_h_dispute, SB_ROUTE_AUTH | SB_ROUTE_JSON,
     NULL},
    {"POST", "/api/admin/sessions/:id/resolve", sb_session_h_resolve, SB_ROUTE_AUTH | SB_ROUTE_JSON,
     NULL},
    {"GET", "/api/users/:id/reviews", sb_session_h_user_reviews, SB_ROUTE_AUTH, NULL},
    {NULL, NULL, NULL, 0, NULL}};

/* Before the messaging rows, so /api/messages/:userId does not take it (a POST anyway). */
const sb_route_t sb_session_request_routes[] = {{"POST", "/api/messages/session-request",
                                                 h_session_request, SB_ROUTE_AUTH | SB_ROUTE_JSON,
                                                 "sessions"},
                                                {NULL, NULL, NULL, 0, NULL}};

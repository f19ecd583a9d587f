/*
 * The lifecycle of a session (sb_sessions.c routes here): the teacher's answer, reschedule
 * proposals and notes, cancellation, joining, ending with settlement, and the room with its
 * Jitsi token. Each change is one store step (session_act) with its events and notification.
 */
#include "sb_routes.h"
#include "sb_session_view.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_jitsi.h"
#include "sb_json.h"
#include "sb_messaging.h"
#include "sb_session_rules.h"
#include "sb_time.h"
#include "sb_user_json.h"

/* What a step tells: its event, and the notification's type and title (a format of the
 * actor's name). */
typedef struct {
    sb_call_t *c;
    const char *event, *ntype, *title;
} sb_step_news_t;

/* The news of a step (an sb_session_describe_fn): the event, with the session as stored, for
 * both participants, and a notification for the other one. */
static void describe(void *ctx, const sb_session_t *s, sb_session_news_t *news)
{
    const sb_step_news_t *x = ctx;
    sb_call_t *c = x->c;
    const char *other = strcmp(c->user->id, s->teacher_id) ? s->teacher_id : s->student_id;
    const char *text = sb_session_event_text(c, s);

    news->events[0] = (sb_outbox_event_t){s->teacher_id, x->event, text};
    news->events[1] = (sb_outbox_event_t){s->student_id, x->event, text};
    news->nevents = 2;
    sb_session_notice(
        c, &news->notify, s, other, x->ntype,
        apr_psprintf(c->pool, x->title, sb_session_full_name(c, c->user)),
        apr_psprintf(c->pool, "%s, %s", s->skill, sb_time_iso(c->pool, s->scheduled_time)));
    news->notifies = 1;
}

/* One transition asked by the caller, with its news; *out the session as stored, with both
 * participants. The step reads the session itself: a caller that is not a participant, or a
 * session that does not exist, is the store's NOT_FOUND (404). */
static int step(sb_call_t *c, sb_session_act_t *a, const char *event, const char *ntype,
                const char *title, sb_session_t **out)
{
    sb_step_news_t x = {c, event, ntype, title};
    sb_store_error_t e = {0};

    a->actor_id = c->user->id;
    a->describe = describe;
    a->describe_ctx = &x;
    if (sb_store_session_act(c->conn, c->pool, a, c->now, out, &e) != SB_STORE_OK) {
        return sb_session_store_fail(c, &e);
    }
    sb_call_outbox_signal(c);
    return 0;
}

/* The :id of a transition's route, with the store at hand; NULL with the error set. */
static const char *act_id(sb_call_t *c)
{
    const char *id = sb_param_id(c, 0, "id");

    return id && sb_call_store(c) ? id : NULL;
}

/* PUT /api/sessions/:id {action?, scheduledTime?, description?, teacherNotes?, studentNotes?} */
int sb_session_h_update(sb_call_t *c)
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
            sb_session_time_member(c, body, &a.scheduled_time);
        }
    }
    if (json_object_object_get_ex(body, "scheduledTime", &v)
        && (!action || strcmp(action, "reschedule"))) {
        sb_field_fail(&c->err, c->pool, "scheduledTime",
                      "a new time goes with action "
                      "\"reschedule\"");
    }
    description = sb_session_text_member(c, body, "description", SB_DESCRIPTION_MAX, 0);
    tn = sb_session_text_member(c, body, "teacherNotes", SB_NOTES_MAX, 0);
    sn = sb_session_text_member(c, body, "studentNotes", SB_NOTES_MAX, 0);
    if ((tn && !is_teacher) || (sn && is_teacher)) {
        sb_field_fail(&c->err, c->pool, tn && !is_teacher ? "teacherNotes" : "studentNotes",
                      "only its author edits these notes");
    }
    notes = is_teacher ? tn : sn;
    if (!action && !description && !notes && !sb_has_field_errors(&c->err)) {
        sb_field_fail(&c->err, c->pool, "action", "nothing to change");
    }
    if (sb_session_invalid(c)) {
        return c->err.status;
    }
    if (action) {
        a.id = s->id;
        rc = step(c, &a,
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
            return sb_session_store_fail(c, &e);
        }
    }
    if (sb_store_session_get(c->conn, c->pool, s->id, &out, &e) != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "Session");
    }
    return sb_call_ok_message(c, 200, "Session updated", sb_session_json_text(c, out));
}

/* DELETE /api/sessions/:id {reason?} */
int sb_session_h_cancel(sb_call_t *c)
{
    static const char *const allowed[] = {"reason", NULL};
    sb_session_act_t a = {0};
    sb_session_t *out = NULL;
    json_object *body = NULL;
    const char *id;
    int rc;

    if (c->body && !(body = sb_call_body_object(c, allowed))) {
        return c->err.status;
    }
    if (!(id = act_id(c))) {
        return c->err.status;
    }
    a = (sb_session_act_t){
        .id = id,
        .action = SB_SESSION_CANCEL,
        .reason = body ? sb_session_text_member(c, body, "reason", SB_REASON_MAX, 0) : NULL,
        .penalty = c->settings->late_cancel_penalty};
    if (sb_session_invalid(c)) {
        return c->err.status;
    }
    if ((rc = step(c, &a, "session:ended", "session_cancelled", "%s cancelled a session", &out))) {
        return rc;
    }
    return sb_call_ok_message(c, 200, "Session cancelled", sb_session_json_text(c, out));
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
                                sb_session_full_name(c, c->user),
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
int sb_session_h_start(sb_call_t *c)
{
    sb_session_act_t a = {0};
    sb_session_t *out = NULL;
    json_object *o;
    const char *id;
    int rc;

    if (!(id = act_id(c))) {
        return c->err.status;
    }
    a = (sb_session_act_t){.id = id, .action = SB_SESSION_START};
    if ((rc = step(c, &a, "session:started", "session_started", "%s is in the room", &out))) {
        return rc;
    }
    o = sb_session_json_full(c, out);
    json_object_object_add(o, "room", room_json(c, out));
    c->message = strcmp(out->status, "in_progress") ? "Joined; waiting for the other participant"
                                                    : "Session started";
    return sb_call_ok(c, 200, o);
}

/* POST /api/sessions/:id/end: completed, settled for the measured time. */
int sb_session_h_end(sb_call_t *c)
{
    sb_session_act_t a = {0};
    sb_session_t *out = NULL;
    const char *id;
    int rc;

    if (!(id = act_id(c))) {
        return c->err.status;
    }
    a = (sb_session_act_t){.id = id, .action = SB_SESSION_END};
    if ((rc = step(c, &a, "session:ended", "session_ended", "%s ended the session", &out))) {
        return rc;
    }
    return sb_call_ok_message(c, 200, "Session completed", sb_session_json_text(c, out));
}

/* GET /api/sessions/:id/room: participants only; marks presence while in progress. */
int sb_session_h_room(sb_call_t *c)
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

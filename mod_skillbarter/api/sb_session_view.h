/*
 * Shared by /api/sessions, /api/messages/session-request, /api/credits and the calendar: the
 * wire forms of sessions, hours and ledger rows, the participant check, and the notification
 * of a session change.
 */
#ifndef SB_SESSION_VIEW_H
#define SB_SESSION_VIEW_H

#include "sb_api.h"
#include "sb_kit.h"

/* Minutes as hours with up to two decimals, written exactly ("0.25"). */
json_object *sb_hours_json(apr_pool_t *p, int64_t minutes);

/*
 * A session in the spec's shape for viewer_id (each participant sees only their own notes).
 * teacher and student are the people as JSON objects (references taken over), or NULL to
 * write their ids.
 */
json_object *sb_session_json(sb_call_t *c, const sb_session_t *s, json_object *teacher,
                             json_object *student);
/* The same with both people in a short public form (id, names, picture, zone, rating),
 * each read once per request (ids when gone). */
json_object *sb_session_json_full(sb_call_t *c, const sb_session_t *s);
/* A participant's short public form as JSON text, read and rendered once per request (known:
 * the person as the session's read brought them, or NULL); NULL when the user is gone. */
const char *sb_session_person_text(sb_call_t *c, const char *id, const sb_session_person_t *known);
/* rows (sb_session_t) as the JSON array of their sb_session_json_full forms, written as text
 * (sb_session_text.c): the same bytes, without building each object. */
json_object *sb_session_list_json(sb_call_t *c, const apr_array_header_t *rows);
/* remindersSent of a stored list of reminder names: [{"type":"24h"}, ...]. */
json_object *sb_session_reminders_json(const char *stored);
/* One session's sb_session_json_full form, written as text the same way. */
json_object *sb_session_json_text(sb_call_t *c, const sb_session_t *s);
/* "https://<domain>/<roomId>" */
const char *sb_session_meeting_url(sb_call_t *c, const sb_session_t *s);
/* A ledger row in the spec's CreditTransaction shape (amounts in hours). */
json_object *sb_credit_tx_json(apr_pool_t *p, const sb_credit_tx_t *t);

/* The session of path parameter idx for a participant of it; NULL with c->err set (400 for a
 * malformed id, 404 for an unknown one or anyone else's). */
sb_session_t *sb_session_for_participant(sb_call_t *c, int idx);

/* Fill n (and its notification:new payload) for user_id about session s. */
void sb_session_notice(sb_call_t *c, sb_notification_new_t *n, const sb_session_t *s,
                       const char *user_id, const char *type, const char *title, const char *body);

/* A store refusal of a session step as the answer: 404, 409 naming the current status or
 * the field, 403 for the wrong party, 409 with the balance for INSUFFICIENT. */
int sb_session_store_fail(sb_call_t *c, const sb_store_error_t *e);

/* Limits of the session resources' inputs. */
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

/* Body readers of the session handlers: a text member of at most max characters (clean
 * UTF-8; NULL when absent or bad, the field error set), scheduledTime (ISO 8601 with an
 * offset, in the future; 0 with the field error), and the 400 when a field failed (0 if
 * none did). */
const char *sb_session_text_member(sb_call_t *c, json_object *body, const char *key, int max,
                                   int required);
int sb_session_time_member(sb_call_t *c, json_object *body, int64_t *out);
int sb_session_invalid(sb_call_t *c);
/* "First Last" of u. */
const char *sb_session_full_name(sb_call_t *c, const sb_user_t *u);
/* The event payload of s (sb_session_text.c): the session with ids for people and nobody's
 * notes, for it goes to both participants. */
const char *sb_session_event_text(sb_call_t *c, const sb_session_t *s);

/* The handlers sb_sessions.c's route table names besides its own: the lifecycle
 * (sb_session_lifecycle.c), reviews and disputes (sb_session_reviews.c), the calendar
 * (sb_calendar.c). */
int sb_session_h_update(sb_call_t *c);
int sb_session_h_cancel(sb_call_t *c);
int sb_session_h_start(sb_call_t *c);
int sb_session_h_end(sb_call_t *c);
int sb_session_h_room(sb_call_t *c);
int sb_session_h_review(sb_call_t *c);
int sb_session_h_user_reviews(sb_call_t *c);
int sb_session_h_dispute(sb_call_t *c);
int sb_session_h_resolve(sb_call_t *c);
int sb_calendar_feed(sb_call_t *c);
int sb_calendar_token(sb_call_t *c);

#endif

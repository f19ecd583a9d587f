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
int sb_session_store_fail(sb_call_t *c, const sb_store_error_t *e, const sb_session_t *s);

#endif

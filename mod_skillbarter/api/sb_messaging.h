/* Helpers shared by /api/messages, /api/notifications and /api/users/:id/block: wire forms of
 * messages and notifications, query parameters, the outbox wake-up. */
#ifndef SB_MESSAGING_H
#define SB_MESSAGING_H

#include "sb_api.h"
#include "sb_kit.h"

/* sb_message_json, sb_notification_json and sb_json_text are in store/sb_message_json.h,
 * shared with the real-time daemon. */
#include "sb_message_json.h"

/* The text writer (sb_jtext_*) is core/sb_jtext.h, shared with store/ and the daemon. */
#include "sb_jtext.h"

/* A JSON value whose text is text (spliced verbatim into the answer when serialized); the
 * object is an empty array to json-c itself. */
json_object *sb_jtext_value(const char *text);

/* sb_call_ok with c->message = message, for data already written as text (sb_json_raw): the
 * envelope json-c writes, {"success":true,"message":…,"data":…}, as the answer's text itself,
 * so the data is not copied into an envelope object and serialized once more. Other data
 * takes sb_call_ok's way. Takes over one reference to data. */
int sb_call_ok_message(sb_call_t *c, int status, const char *message, json_object *data);

/* After a change that wrote outbox events has committed: wake the real-time daemon. Never
 * fails the request; only unexpected errors are logged (at debug). */
void sb_call_outbox_signal(sb_call_t *c);

#endif

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

/* After a change that wrote outbox events has committed: wake the real-time daemon. Never
 * fails the request; only unexpected errors are logged (at debug). */
void sb_call_outbox_signal(sb_call_t *c);

#endif

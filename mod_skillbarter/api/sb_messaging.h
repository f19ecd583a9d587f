/* Helpers shared by /api/messages, /api/notifications and /api/users/:id/block: wire forms of
 * messages and notifications, query parameters, the outbox wake-up. */
#ifndef SB_MESSAGING_H
#define SB_MESSAGING_H

#include "sb_api.h"
#include "sb_kit.h"

/*
 * A message in the spec's shape. sender and receiver are the people as JSON objects (one
 * reference each is taken over; the same object may be handed to several messages after a
 * json_object_get), or NULL to write the ids as strings (a conversation's lastMessage).
 */
json_object *sb_message_json(apr_pool_t *p, const sb_message_t *m, json_object *sender,
                             json_object *receiver);
json_object *sb_notification_json(apr_pool_t *p, const sb_notification_t *n);
/* The JSON text of o in p (o is not released). */
const char *sb_json_text(apr_pool_t *p, json_object *o);

/* After a change that wrote outbox events has committed: wake the real-time daemon. Never
 * fails the request; only unexpected errors are logged (at debug). */
void sb_call_outbox_signal(sb_call_t *c);

#endif

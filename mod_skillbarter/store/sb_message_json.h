/* Wire forms of messages and notifications (the spec's shapes), shared by the module's
 * handlers and the real-time daemon (store/ holds them: the types are the store's). */
#ifndef SB_MESSAGE_JSON_H
#define SB_MESSAGE_JSON_H

#include <apr_pools.h>
#include <json-c/json.h>

#include "store.h"

/*
 * A message in the spec's shape. sender and receiver are the people as JSON objects (one
 * reference each is taken over; the same object may be handed to several messages after a
 * json_object_get), or NULL to write the ids as strings (a conversation's lastMessage).
 * A message with m->session set carries it as sessionData.
 */
json_object *sb_message_json(apr_pool_t *p, const sb_message_t *m, json_object *sender,
                             json_object *receiver);
/* A session request's sessionData (the spec's fields, and sessionStatus: the session's own). */
json_object *sb_message_session_json(apr_pool_t *p, const sb_message_session_t *d);
json_object *sb_notification_json(apr_pool_t *p, const sb_notification_t *n);
/* The JSON text of o in p (o is not released). */
const char *sb_json_text(apr_pool_t *p, json_object *o);

#endif

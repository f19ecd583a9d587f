/* Wire forms of messages and notifications (the spec's shapes), shared by the module's
 * handlers and the real-time daemon (store/ holds them: the types are the store's). */
#ifndef SB_MESSAGE_JSON_H
#define SB_MESSAGE_JSON_H

#include <apr_pools.h>
#include <json-c/json.h>

#include "sb_jtext.h"
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
/*
 * The same forms written as text (core/sb_jtext.h), byte for byte what json-c writes for
 * them with the flags t stands for (t->slashes: sb_json_text's; else the envelope's);
 * test_send_text.c compares them.
 *
 * A message: sender and receiver as the people's JSON texts, spliced verbatim (written with
 * the same t->slashes), or as the ids when NULL. A message of another type than "text" (a
 * session request) goes through sb_message_json.
 */
void sb_jtext_message_with(sb_jtext_t *t, const sb_message_t *m, const char *sender,
                           const char *receiver);
#define sb_jtext_message(t, m) sb_jtext_message_with((t), (m), NULL, NULL)
/* The short form of a person inside outbox payloads: _id, username, firstName, lastName,
 * fullName and profilePicture ("" when NULL), enough for a chat bubble. */
void sb_jtext_mini_user(sb_jtext_t *t, const sb_user_t *u);
/* A notification as sb_notification_json writes it. n->data, when set, is spliced verbatim:
 * it must be a JSON object in the text json-c writes for it (no spaces, as the send's). */
void sb_jtext_notification(sb_jtext_t *t, const sb_notification_t *n);
/* The notification's outbox payload: the text sb_json_text writes for sb_notification_json(n),
 * written directly (n->data as sb_jtext_notification takes it). */
const char *sb_notification_text(apr_pool_t *p, const sb_notification_t *n);
/* The JSON text of o in p (o is not released). */
const char *sb_json_text(apr_pool_t *p, json_object *o);

#endif

/*
 * "Send a message", once for every process: the validation of {receiver, content,
 * messageType?, replyTo?}, the receiver's visibility, the wire forms, and the store operation
 * (message_send: the message, both sides' summaries, the outbox events and the notification
 * in one atomic step; the block rules live there). POST /api/messages/send and the real-time
 * daemon's message:send both call it, so they accept and refuse the same things with the same
 * errors. The caller rate-limits and wakes the outbox readers.
 */
#ifndef SB_MESSAGE_SEND_H
#define SB_MESSAGE_SEND_H

#include <apr_pools.h>
#include <json-c/json.h>

#include "sb_error.h"
#include "store.h"

#define SB_MESSAGE_CONTENT_MAX     1000
#define SB_MESSAGE_NOTIFY_BODY_MAX 100

/* The keys a send body may hold (NULL-terminated). */
extern const char *const sb_message_send_keys[];

#define SB_MESSAGE_SEND_STORE_FAILED (-1)

/*
 * Send body (a JSON object whose keys were checked against sb_message_send_keys) from `from`
 * at now (ms). Returns 0 with *msg_out (the stored message in the spec's shape with both
 * people public, released by a cleanup on p); or the HTTP status with err filled as the REST
 * answer has it (400 field errors, 404 receiver, 403 blocked); or
 * SB_MESSAGE_SEND_STORE_FAILED when the store failed otherwise: *store_err has the details
 * and *what the object concerned ("Receiver", "Message"), for the caller's usual mapping.
 */
int sb_message_send(sb_store_conn_t *conn, apr_pool_t *p, const sb_user_t *from, json_object *body,
                    int64_t now, sb_error_t *err, json_object **msg_out,
                    sb_store_error_t *store_err, const char **what);

#endif

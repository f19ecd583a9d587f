/*
 * The application's events over Socket.IO: what happens on connect and disconnect, and the
 * table of client events (name → handler). Helpers to answer come from sbrt_socket.c.
 */
#ifndef SBRT_EVENTS_H
#define SBRT_EVENTS_H

#include "sbrt.h"
#include "sb_error.h"

/* A handler of one client event: args is the event's array (name first), ack_id -1 when the
 * client asked for no acknowledgement. p is the unit of work's pool. */
typedef void (*sbrt_event_fn)(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args);

typedef struct {
    const char *name;
    sbrt_event_fn fn;
} sbrt_event_t;

void sbrt_events_on_disconnect(sbrt_session_t *s, const char *reason);
/* Route a client EVENT to its handler; an unknown one is refused. */
void sbrt_events_dispatch(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args);

/* The handlers (one file per concern). */
void sbrt_on_message_send(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args);
void sbrt_on_typing_start(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args);
void sbrt_on_typing_stop(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args);
void sbrt_on_join(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args);
void sbrt_on_leave(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args);

/* sbrt_socket.c */
void sbrt_socket_connected(sbrt_session_t *s, const char *pid);
void sbrt_socket_connect_error(sbrt_session_t *s, const char *message);
int sbrt_socket_ack(sbrt_session_t *s, int64_t ack_id, json_object *arg);
void sbrt_socket_refuse(sbrt_session_t *s, int64_t ack_id, const char *message);
/* {"success":false,"message":message}, owned by the caller */
json_object *sbrt_envelope_fail(const char *message);
/* The REST error envelope of err (message and field errors), owned by the caller. */
json_object *sbrt_error_envelope(const sb_error_t *err);

#endif

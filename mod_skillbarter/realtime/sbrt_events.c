/* The application's events (see sbrt_events.h). */
#include "sbrt_events.h"

#include <string.h>
#include <apr_strings.h>

static const sbrt_event_t events[] = {
    {"message:send", sbrt_on_message_send}, {"typing:start", sbrt_on_typing_start},
    {"typing:stop", sbrt_on_typing_stop},   {"join:conversation", sbrt_on_join},
    {"leave:conversation", sbrt_on_leave},  {NULL, NULL}};

void sbrt_events_on_disconnect(sbrt_session_t *s, const char *reason)
{
    sbrt_log(s->srv, SBRT_LOG_DEBUG, "session %s: user %s disconnected (%s)", s->sid, s->user_id,
             reason);
    sbrt_outbox_unregister(s);
}

void sbrt_events_dispatch(sbrt_session_t *s, apr_pool_t *p, int64_t ack_id, json_object *args)
{
    static const char unknown[] = "Unknown event: ";
    const char *name = json_object_get_string(json_object_array_get_idx(args, 0));
    char message[sizeof unknown + 64];
    apr_size_t n;
    int i;

    for (i = 0; events[i].name; i++) {
        if (!strcmp(events[i].name, name)) {
            events[i].fn(s, p, ack_id, args);
            return;
        }
    }
    /* the name cut at 64 bytes, not inside a UTF-8 character */
    n = strlen(name);
    if (n > 64) {
        for (n = 64; n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80; n--) {
        }
    }
    memcpy(message, unknown, sizeof unknown - 1);
    memcpy(message + sizeof unknown - 1, name, n);
    message[sizeof unknown - 1 + n] = '\0';
    sbrt_socket_refuse(s, ack_id, message);
}

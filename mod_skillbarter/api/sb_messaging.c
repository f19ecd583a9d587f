/* Shared by the messaging resources (see sb_messaging.h). */
#include "sb_messaging.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include <json-c/printbuf.h>

#include "sb_cursor.h"
#include "sb_id.h"
#include "sb_json.h"
#include "sb_outbox_signal.h"
#include "sb_time.h"
#include "sb_validate.h"

void sb_call_outbox_signal(sb_call_t *c)
{
    apr_status_t rv;

    if (!c->settings->outbox_socket) {
        return;
    }
    rv = sb_outbox_signal(c->settings->outbox_socket);
    /* nobody listening, or the daemon has wake-ups queued already: both normal */
    if (rv && rv != ENOENT && rv != ECONNREFUSED && rv != EAGAIN) {
        sb_call_log(c, SB_LOG_DEBUG, "outbox signal to %s: %s", c->settings->outbox_socket,
                    strerror(rv));
    }
}

int sb_call_ok_message(sb_call_t *c, int status, const char *message, json_object *data)
{
    apr_size_t len = 0;
    const char *text = sb_json_raw_text(data, &len);
    sb_jtext_t t;

    if (!text || status >= 400) {
        c->message = message;
        return sb_call_ok(c, status, data);
    }
    sb_jtext_init(&t, c->pool, len + strlen(message) + 48);
    sb_jtext_lit(&t, "{\"success\":true,\"message\":");
    sb_jtext_str(&t, message); /* the envelope's flags: t.slashes 0 */
    sb_jtext_lit(&t, ",\"data\":");
    sb_jtext_raw(&t, text, len);
    sb_jtext_lit(&t, "}");
    json_object_put(data);
    c->status = status;
    c->raw_type = "application/json; charset=utf-8";
    c->raw_out = t.buf;
    c->raw_out_len = t.len;
    return status;
}

static int jtext_serializer(json_object *o, struct printbuf *pb, int level, int flags)
{
    const char *text = json_object_get_userdata(o);

    (void)level;
    (void)flags;
    return printbuf_memappend(pb, text, (int)strlen(text));
}

json_object *sb_jtext_value(const char *text)
{
    json_object *o = json_object_new_array();

    json_object_set_serializer(o, jtext_serializer, (void *)text, NULL);
    return o;
}

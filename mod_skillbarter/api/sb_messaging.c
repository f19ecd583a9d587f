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

void sb_jtext_init(sb_jtext_t *t, apr_pool_t *p, apr_size_t cap)
{
    t->p = p;
    t->cap = cap > 64 ? cap : 64;
    t->buf = apr_palloc(p, t->cap);
    t->len = 0;
    t->buf[0] = '\0';
}

char *sb_jtext_room(sb_jtext_t *t, apr_size_t n)
{
    if (t->len + n + 1 > t->cap) {
        apr_size_t cap = t->cap * 2;
        char *b;
        while (cap < t->len + n + 1) {
            cap *= 2;
        }
        b = apr_palloc(t->p, cap);
        memcpy(b, t->buf, t->len);
        t->buf = b;
        t->cap = cap;
    }
    return t->buf + t->len;
}

void sb_jtext_raw(sb_jtext_t *t, const char *s, apr_size_t n)
{
    memcpy(sb_jtext_room(t, n), s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

/* 1 for the bytes a JSON string cannot hold as they are (and the NUL that ends it). */
static const unsigned char jtext_escaped[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};

/* json-c's escaping (json_escape_str) without the slash escape: runs of bytes that need none
 * copied at once. */
void sb_jtext_str(sb_jtext_t *t, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s, *run;
    apr_size_t n;
    char *o;

    if (!s) {
        sb_jtext_lit(t, "null");
        return;
    }
    n = strlen(s);
    o = sb_jtext_room(t, 6 * n + 2); /* the worst case: every byte as \u00XX */
    *o++ = '"';
    for (;;) {
        for (run = u; !jtext_escaped[*u]; u++) {
        }
        memcpy(o, run, (apr_size_t)(u - run));
        o += u - run;
        if (!*u) {
            break;
        }
        *o++ = '\\';
        switch (*u) {
        case '\b':
            *o++ = 'b';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        case '\f':
            *o++ = 'f';
            break;
        case '"':
        case '\\':
            *o++ = (char)*u;
            break;
        default: /* another control byte */
            memcpy(o, "u00", 3);
            o[3] = hex[*u >> 4];
            o[4] = hex[*u & 0xf];
            o += 5;
        }
        u++;
    }
    *o++ = '"';
    t->len = (apr_size_t)(o - t->buf);
    t->buf[t->len] = '\0';
}

void sb_jtext_int(sb_jtext_t *t, int64_t v)
{
    char b[24];

    sb_jtext_raw(t, b, (apr_size_t)apr_snprintf(b, sizeof b, "%" APR_INT64_T_FMT, v));
}

/* As json-c's default double serializer: "%.17g", and ".0" when that looks like an integer. */
void sb_jtext_double(sb_jtext_t *t, double v)
{
    char b[64];
    int n = snprintf(b, sizeof b - 2, "%.17g", v);

    if (n > 0 && ((b[0] >= '0' && b[0] <= '9') || (b[0] == '-' && b[1] >= '0' && b[1] <= '9'))
        && !strchr(b, '.') && !strchr(b, 'e')) {
        memcpy(b + n, ".0", 3);
        n += 2;
    }
    sb_jtext_raw(t, b, n > 0 ? (apr_size_t)n : 0);
}

void sb_jtext_bool(sb_jtext_t *t, int v)
{
    if (v) {
        sb_jtext_lit(t, "true");
    }
    else {
        sb_jtext_lit(t, "false");
    }
}

void sb_jtext_key(sb_jtext_t *t, int open, const char *key)
{
    apr_size_t n = strlen(key);
    char *o = sb_jtext_room(t, n + 4);

    o[0] = open ? '{' : ',';
    o[1] = '"';
    memcpy(o + 2, key, n);
    o[n + 2] = '"';
    o[n + 3] = ':';
    t->len += n + 4;
    t->buf[t->len] = '\0';
}

void sb_jtext_members(sb_jtext_t *t, int open, const char *const *keys, const char *const *vals,
                      int n)
{
    int i;

    for (i = 0; i < n; i++) {
        sb_jtext_key(t, open && !i, keys[i]);
        sb_jtext_str(t, vals[i]);
    }
}

void sb_jtext_time(sb_jtext_t *t, int64_t ms, int null_if_zero)
{
    sb_jtext_str(t, ms || !null_if_zero ? sb_time_iso(t->p, ms) : NULL);
}

void sb_jtext_message(sb_jtext_t *t, const sb_message_t *m)
{
    static const char *const keys[] = {"_id", "sender", "receiver", "content"};
    const char *vals[] = {m->id, m->sender_id, m->receiver_id, m->content ? m->content : ""};
    apr_size_t created;

    if (m->message_type && strcmp(m->message_type, "text")) {
        /* session messages carry more (sb_message_json decides): json-c writes those */
        json_object *o = sb_json_track(t->p, sb_message_json(t->p, m, NULL, NULL));
        size_t n = 0;
        const char *s = json_object_to_json_string_length(
            o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
        sb_jtext_raw(t, s, n);
        return;
    }
    sb_jtext_members(t, 1, keys, vals, 4);
    sb_jtext_lit(t, ",\"messageType\":\"text\",\"isRead\":");
    sb_jtext_bool(t, m->is_read);
    sb_jtext_lit(t, ",\"readAt\":");
    sb_jtext_time(t, m->read_at, 1);
    sb_jtext_lit(t, ",\"replyTo\":");
    sb_jtext_str(t, m->reply_to[0] ? m->reply_to : NULL);
    sb_jtext_lit(t, ",\"isDeleted\":");
    sb_jtext_bool(t, m->is_deleted);
    sb_jtext_lit(t, ",\"createdAt\":");
    created = t->len;
    sb_jtext_time(t, m->created_at, 0);
    sb_jtext_lit(t, ",\"updatedAt\":");
    if (!m->updated_at || m->updated_at == m->created_at) { /* the same text again */
        apr_size_t n = t->len - created - (sizeof(",\"updatedAt\":") - 1);
        sb_jtext_raw(t, t->buf + created, n);
    }
    else {
        sb_jtext_time(t, m->updated_at, 0);
    }
    sb_jtext_lit(t, "}");
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

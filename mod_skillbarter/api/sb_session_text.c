/*
 * A page of sessions written as JSON text (sb_session_view.h), for GET /api/sessions.
 *
 * Building each session as a json-c object (some 25 members: an object, a key and a value
 * allocation each, a hash table grown twice) and serialising it again was most of the list's
 * cost. The text here is what the HTTP answer's serialisation of sb_session_json_full writes
 * (json-c with JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE): the same members in
 * the same order, strings escaped as json-c escapes them. test_session_text.c holds it to
 * that, byte for byte.
 */
#include "sb_session_view.h"

#include <stdio.h>
#include <string.h>

#include <apr_strings.h>

#include "sb_json.h"
#include "sb_session_rules.h"
#include "sb_time.h"

typedef struct {
    apr_pool_t *p;
    char *buf;
    apr_size_t len, cap;
} sb_text_t;

static void grow(sb_text_t *t, apr_size_t more)
{
    char *b;

    if (t->len + more <= t->cap) {
        return;
    }
    t->cap = (t->len + more) * 2;
    b = apr_palloc(t->p, t->cap);
    if (t->len) {
        memcpy(b, t->buf, t->len);
    }
    t->buf = b;
}

static void put(sb_text_t *t, const char *s, apr_size_t n)
{
    if (!n) {
        return;
    }
    grow(t, n);
    memcpy(t->buf + t->len, s, n);
    t->len += n;
}

#define PUT_LIT(t, lit) put((t), lit, sizeof(lit) - 1)

/* s as a JSON string, escaped as json-c does without slash escapes. */
static void put_str(sb_text_t *t, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    apr_size_t start = 0, i;

    grow(t, 2);
    t->buf[t->len++] = '"';
    for (i = 0; u[i]; i++) {
        const char *esc = NULL;
        char sbuf[7];

        switch (u[i]) {
        case '\b':
            esc = "\\b";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        default:
            if (u[i] < ' ') {
                memcpy(sbuf, "\\u00", 4);
                sbuf[4] = hex[u[i] >> 4];
                sbuf[5] = hex[u[i] & 0xf];
                sbuf[6] = '\0';
                esc = sbuf;
            }
            break;
        }
        if (esc) {
            put(t, s + start, i - start);
            put(t, esc, strlen(esc));
            start = i + 1;
        }
    }
    put(t, s + start, i - start);
    grow(t, 1);
    t->buf[t->len++] = '"';
}

/* ,"key": then the value (or null) */
static void put_key(sb_text_t *t, const char *key)
{
    grow(t, strlen(key) + 4);
    t->buf[t->len++] = ',';
    t->buf[t->len++] = '"';
    put(t, key, strlen(key));
    t->buf[t->len++] = '"';
    t->buf[t->len++] = ':';
}

static void put_str_or_null(sb_text_t *t, const char *key, const char *s)
{
    put_key(t, key);
    if (s && *s) {
        put_str(t, s);
    }
    else {
        PUT_LIT(t, "null");
    }
}

/* An ISO time has nothing to escape: quoted as it is. */
static void put_time(sb_text_t *t, const char *key, int64_t ms, int nullable)
{
    const char *iso;

    put_key(t, key);
    if (!ms && nullable) {
        PUT_LIT(t, "null");
        return;
    }
    iso = sb_time_iso(t->p, ms);
    PUT_LIT(t, "\"");
    put(t, iso, strlen(iso));
    PUT_LIT(t, "\"");
}

/* v in decimal, as json-c writes an int64 (no printf: a page writes forty of them). */
static void put_int(sb_text_t *t, const char *key, int64_t v)
{
    char d[24];
    int i = sizeof d;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    put_key(t, key);
    do {
        d[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) {
        d[--i] = '-';
    }
    put(t, d + i, sizeof d - i);
}

static void put_bool(sb_text_t *t, const char *key, int v)
{
    put_key(t, key);
    if (v) {
        PUT_LIT(t, "true");
    }
    else {
        PUT_LIT(t, "false");
    }
}

static void put_hours(sb_text_t *t, const char *key, int64_t minutes)
{
    const char *h = sb_credits_hours(t->p, minutes);

    put_key(t, key);
    put(t, h, strlen(h));
}

/* remindersSent: [{"type":"24h"}, ...] from the stored list of names ("[]" most often). */
static void put_reminders(sb_text_t *t, const char *stored)
{
    json_object *rem;
    const char *text;

    put_key(t, "remindersSent");
    if (!stored || !strcmp(stored, "[]")) {
        PUT_LIT(t, "[]");
        return;
    }
    rem = sb_session_reminders_json(stored);
    text = json_object_to_json_string_ext(rem,
                                          JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    put(t, text, strlen(text));
    json_object_put(rem);
}

/* One participant: their kept object text, or their id when they are gone. */
static void put_person(sb_text_t *t, const char *key, const char *text, const char *id)
{
    put_key(t, key);
    if (text) {
        put(t, text, strlen(text));
    }
    else {
        put_str(t, id);
    }
}

/* The session as viewer sees it (their own notes; NULL: nobody's), with the participants'
 * public forms or (people 0) their ids. */
static void put_session(sb_text_t *t, sb_call_t *c, const sb_session_t *s, const char *viewer,
                        int people)
{
    PUT_LIT(t, "{\"_id\":");
    put_str(t, s->id);
    put_person(t, "teacher", people ? sb_session_person_text(c, s->teacher_id, s->teacher) : NULL,
               s->teacher_id);
    put_person(t, "student", people ? sb_session_person_text(c, s->student_id, s->student) : NULL,
               s->student_id);
    put_key(t, "skill");
    put_str(t, s->skill ? s->skill : "");
    put_str_or_null(t, "category", s->category);
    put_str_or_null(t, "description", s->description);
    put_time(t, "scheduledTime", s->scheduled_time, 0);
    put_int(t, "duration", s->duration);
    put_int(t, "actualDuration", s->actual_duration);
    put_key(t, "status");
    put_str(t, s->status);
    put_str_or_null(t, "roomId", s->room_id);
    put_key(t, "meetingUrl");
    put_str(t, sb_session_meeting_url(c, s));
    put_time(t, "startedAt", s->started_at, 1);
    put_time(t, "endedAt", s->ended_at, 1);
    put_hours(t, "creditsHeld", s->escrow);
    put_hours(t, "creditsExchanged", s->credits_exchanged);
    if (viewer && !strcmp(viewer, s->teacher_id)) {
        put_str_or_null(t, "teacherNotes", s->teacher_notes);
    }
    if (viewer && !strcmp(viewer, s->student_id)) {
        put_str_or_null(t, "studentNotes", s->student_notes);
    }
    put_str_or_null(t, "cancelledBy", s->cancelled_by);
    put_str_or_null(t, "cancelReason", s->cancel_reason);
    put_bool(t, "isDisputed", s->is_disputed);
    put_str_or_null(t, "proposedBy", s->proposed_by);
    put_bool(t, "teacherJoined", s->teacher_joined_at != 0);
    put_bool(t, "studentJoined", s->student_joined_at != 0);
    put_reminders(t, s->reminders_sent);
    put_time(t, "createdAt", s->created_at, 0);
    put_time(t, "updatedAt", s->updated_at, 0);
    grow(t, 1);
    t->buf[t->len++] = '}';
}

json_object *sb_session_list_json(sb_call_t *c, const apr_array_header_t *rows)
{
    sb_text_t t = {c->pool, NULL, 0, 0};
    int i;

    grow(&t, 2 + (apr_size_t)rows->nelts * 1536);
    t.buf[t.len++] = '[';
    for (i = 0; i < rows->nelts; i++) {
        if (i) {
            t.buf[t.len++] = ',';
        }
        put_session(&t, c, &APR_ARRAY_IDX(rows, i, sb_session_t), c->user ? c->user->id : "", 1);
        grow(&t, 2);
    }
    t.buf[t.len++] = ']';
    t.buf[t.len] = '\0';
    return sb_json_raw(c->pool, t.buf, t.len);
}

json_object *sb_session_json_text(sb_call_t *c, const sb_session_t *s)
{
    sb_text_t t = {c->pool, NULL, 0, 0};

    put_session(&t, c, s, c->user ? c->user->id : "", 1);
    grow(&t, 1);
    t.buf[t.len] = '\0';
    return sb_json_raw(c->pool, t.buf, t.len);
}

const char *sb_session_event_text(sb_call_t *c, const sb_session_t *s)
{
    sb_text_t t = {c->pool, NULL, 0, 0};

    put_session(&t, c, s, NULL, 0);
    grow(&t, 1);
    t.buf[t.len] = '\0';
    return t.buf;
}

/*
 * The calendar feed: GET /api/sessions/calendar.ics?feed=TOKEN, an RFC 5545 calendar of the
 * token owner's pending and scheduled sessions (times in UTC, the owner's zone as
 * X-WR-TIMEZONE), for calendar apps that cannot send a bearer token; and
 * POST /api/sessions/calendar-token, which makes a new token (the old one stops working).
 * Only the token's SHA-256 is stored.
 */
#include "sb_routes.h"
#include "sb_session_view.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_time.h"
#include "sb_token.h"

#define SB_FEED_MAX 500

int sb_calendar_feed(sb_call_t *c);
int sb_calendar_token(sb_call_t *c);

/* RFC 5545 3.3.11 TEXT: backslash, semicolon, comma and newline escaped. */
static const char *ics_text(apr_pool_t *p, const char *s)
{
    char *out, *o;

    if (!s) {
        return "";
    }
    out = o = apr_palloc(p, strlen(s) * 2 + 1);
    for (; *s; s++) {
        if (*s == '\\' || *s == ';' || *s == ',') {
            *o++ = '\\';
            *o++ = *s;
        }
        else if (*s == '\n') {
            *o++ = '\\';
            *o++ = 'n';
        }
        else if (*s != '\r') {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

static void put(apr_array_header_t *b, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        *(char *)apr_array_push(b) = s[i];
    }
}

/* Append one content line, folded at 75 octets (3.1) without splitting a UTF-8 sequence. */
static void ics_line(apr_array_header_t *buf, const char *line)
{
    size_t n = strlen(line), at = 0, width = 75;

    while (n - at > width) {
        size_t cut = at + width;
        while (cut > at && ((unsigned char)line[cut] & 0xC0) == 0x80) {
            cut--;
        }
        put(buf, line + at, cut - at);
        put(buf, "\r\n ", 3);
        at = cut;
        width = 74; /* the leading space of a continuation line counts */
    }
    put(buf, line + at, n - at);
    put(buf, "\r\n", 2);
}

/* 20261201T173000Z */
static const char *ics_time(apr_pool_t *p, int64_t ms)
{
    const char *iso = sb_time_iso(p, ms); /* 2026-12-01T17:30:00.000Z */

    return apr_psprintf(p, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", iso, iso + 5, iso + 8, iso + 11, iso + 14,
                        iso + 17);
}

static void add_events(sb_call_t *c, apr_array_header_t *buf, const char *user_id,
                       const apr_array_header_t *rows)
{
    int i;

    for (i = 0; i < rows->nelts; i++) {
        const sb_session_t *s = &APR_ARRAY_IDX(rows, i, sb_session_t);
        int teaching = !strcmp(s->teacher_id, user_id);
        ics_line(buf, "BEGIN:VEVENT");
        ics_line(buf, apr_pstrcat(c->pool, "UID:", s->id, "@skillbarter", NULL));
        ics_line(buf, apr_pstrcat(c->pool, "DTSTAMP:", ics_time(c->pool, s->updated_at), NULL));
        ics_line(buf, apr_pstrcat(c->pool, "DTSTART:", ics_time(c->pool, s->scheduled_time), NULL));
        ics_line(buf,
                 apr_pstrcat(c->pool, "DTEND:",
                             ics_time(c->pool, s->scheduled_time + s->duration * 60000), NULL));
        ics_line(buf,
                 apr_pstrcat(
                     c->pool, "SUMMARY:",
                     ics_text(c->pool, apr_pstrcat(c->pool, teaching ? "Teaching: " : "Learning: ",
                                                   s->skill, NULL)),
                     NULL));
        if (s->description) {
            ics_line(buf,
                     apr_pstrcat(c->pool, "DESCRIPTION:", ics_text(c->pool, s->description), NULL));
        }
        ics_line(buf, apr_pstrcat(c->pool, "URL:", ics_text(c->pool, sb_session_meeting_url(c, s)),
                                  NULL));
        ics_line(buf, !strcmp(s->status, "scheduled") ? "STATUS:CONFIRMED" : "STATUS:TENTATIVE");
        ics_line(buf, "END:VEVENT");
    }
}

int sb_calendar_feed(sb_call_t *c)
{
    static const char *const statuses[] = {"pending", "scheduled", NULL};
    const char *feed = sb_query_param(c, "feed"), *tz = NULL;
    char user_id[SB_ID_LEN + 1];
    apr_array_header_t *buf, *rows;
    sb_store_error_t e = {0};
    int i;

    if (!feed) {
        sb_field_fail(&c->err, c->pool, "feed", "feed is required");
        return sb_fail(&c->err, c->pool, 400, "Invalid query parameters");
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_calendar_token_user(c->conn, c->pool, sb_token_hash(c->pool, feed), c->now,
                                     user_id, &tz, &e)
        != SB_STORE_OK) {
        if (e.status == SB_STORE_NOT_FOUND) {
            return sb_fail(&c->err, c->pool, 404, "Calendar not found.");
        }
        return sb_call_store_fail(c, &e, "Calendar");
    }
    buf = apr_array_make(c->pool, 4096, 1);
    ics_line(buf, "BEGIN:VCALENDAR");
    ics_line(buf, "VERSION:2.0");
    ics_line(buf, "PRODID:-//Skill Barter//Sessions//EN");
    ics_line(buf, "CALSCALE:GREGORIAN");
    ics_line(buf, "X-WR-CALNAME:Skill Barter sessions");
    ics_line(buf, apr_pstrcat(c->pool, "X-WR-TIMEZONE:", ics_text(c->pool, tz ? tz : "UTC"), NULL));
    for (i = 0; statuses[i]; i++) {
        sb_session_query_t q = {user_id, statuses[i], 0, 0, c->now};
        int64_t total = 0;
        if (sb_store_session_list(c->conn, c->pool, &q, 0, SB_FEED_MAX, &rows, &total, &e)
            != SB_STORE_OK) {
            return sb_call_store_fail(c, &e, "Calendar");
        }
        add_events(c, buf, user_id, rows);
    }
    ics_line(buf, "END:VCALENDAR");
    c->status = 200;
    c->raw_type = "text/calendar; charset=utf-8";
    c->raw_out = buf->elts;
    c->raw_out_len = (apr_size_t)buf->nelts;
    return 200;
}

int sb_calendar_token(sb_call_t *c)
{
    const char *token = sb_token_new(c->pool);
    sb_store_error_t e = {0};
    json_object *o;

    if (!token) {
        return sb_call_internal(c, "no random token");
    }
    if (!sb_call_store(c)) {
        return c->err.status;
    }
    if (sb_store_calendar_token_set(c->conn, c->user->id, sb_token_hash(c->pool, token), c->now, &e)
        != SB_STORE_OK) {
        return sb_call_store_fail(c, &e, "User");
    }
    o = json_object_new_object();
    json_object_object_add(o, "token", json_object_new_string(token));
    json_object_object_add(o, "url",
                           json_object_new_string(apr_pstrcat(
                               c->pool, c->settings->public_url ? c->settings->public_url : "",
                               "/api/sessions/calendar.ics?feed=", token, NULL)));
    c->message = "Calendar feed token created; the previous one no longer works";
    return sb_call_ok(c, 201, o);
}

/*
 * MongoDB driver: the reads of sessions (one, a filtered page with its count, those a job may
 * act on), the reminders the jobs record, the calendar feed's token, and the sessionData of
 * request messages (store_sessions.h, store_messages.h).
 */
#include "mongo_sessions.h"
#include "mongo_mail.h"

#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>

#define SB_USERS "users"

/* The person of id, read once per call through seen (NULL when the user is gone). */
static sb_store_status_t sb_mongo_person(sb_store_conn_t *c, apr_pool_t *p, apr_hash_t *seen,
                                         const char *id, const sb_session_person_t **out,
                                         sb_store_error_t *err)
{
    sb_session_person_t *u = apr_hash_get(seen, id, SB_ID_LEN);
    bson_t filter, opts, doc;
    sb_store_status_t st;

    if (!u) {
        u = apr_pcalloc(p, sizeof(*u));
        bson_init(&filter);
        if (sb_mongo_append_id(&filter, "_id", id)) {
            sb_mongo_person_opts(&opts);
            st = sb_mongo_find_one(c, SB_USERS, &filter, &opts, &doc, "session person", err);
            bson_destroy(&opts);
            if (st == SB_STORE_OK) {
                sb_mongo_person_from_doc(p, &doc, u);
            }
            bson_destroy(&doc);
            if (st != SB_STORE_OK && st != SB_STORE_NOT_FOUND) {
                bson_destroy(&filter);
                return st;
            }
            sb_mongo_not_found_ok(st, err);
        }
        bson_destroy(&filter);
        apr_hash_set(seen, apr_pstrmemdup(p, id, SB_ID_LEN), SB_ID_LEN, u);
    }
    *out = u->id[0] ? u : NULL;
    return SB_STORE_OK;
}

sb_store_status_t sb_mongo_session_people(sb_store_conn_t *c, apr_pool_t *p, sb_session_t *rows,
                                          int n, sb_store_error_t *err)
{
    apr_hash_t *seen = apr_hash_make(p);
    sb_store_status_t st = SB_STORE_OK;
    int i;

    for (i = 0; i < n && st == SB_STORE_OK; i++) {
        st = sb_mongo_person(c, p, seen, rows[i].teacher_id, &rows[i].teacher, err);
        if (st == SB_STORE_OK) {
            st = sb_mongo_person(c, p, seen, rows[i].student_id, &rows[i].student, err);
        }
    }
    return st;
}

sb_store_status_t sb_mongo_session_get(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                       sb_session_t **out, sb_store_error_t *err)
{
    sb_session_t *s = apr_palloc(p, sizeof(*s));
    sb_store_status_t st = sb_mongo_session_load(c, p, NULL, id, s, err);

    if (st == SB_STORE_OK) {
        st = sb_mongo_session_people(c, p, s, 1, err);
    }
    *out = st == SB_STORE_OK ? s : NULL;
    return st;
}

/* The sessions of filter (opts: sort, skip, limit) pushed onto rows. */
static sb_store_status_t sb_mongo_session_rows(sb_store_conn_t *c, apr_pool_t *p,
                                               const bson_t *filter, const bson_t *opts,
                                               apr_array_header_t *rows, const char *what,
                                               sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, SB_MONGO_SESSIONS);
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(col, filter, opts, NULL);
    const bson_t *doc;
    sb_store_status_t st = SB_STORE_OK;

    while (mongoc_cursor_next(cur, &doc)) {
        sb_mongo_session_from_doc(p, doc, apr_array_push(rows));
    }
    return sb_mongo_cursor_end(cur, col, st, what, err);
}

/* The count, then the page (not one snapshot without a transaction: a session booked between
 * the two is counted or shown, as a later page would show it). */
sb_store_status_t sb_mongo_session_list(sb_store_conn_t *c, apr_pool_t *p,
                                        const sb_session_query_t *q, int offset, int limit,
                                        apr_array_header_t **out, int64_t *total,
                                        sb_store_error_t *err)
{
    apr_array_header_t *rows =
        apr_array_make(p, limit > 0 && limit < 64 ? limit : 16, sizeof(sb_session_t));
    mongoc_collection_t *col;
    bson_t filter, opts;
    bson_error_t e;
    sb_store_status_t st = SB_STORE_OK;
    int64_t n;

    *out = NULL;
    if (!sb_mongo_session_list_query(&filter, &opts, q, offset, limit)) {
        *out = rows; /* no such user: nothing */
        if (total) {
            *total = 0;
        }
        return SB_STORE_OK;
    }
    col = sb_mongo_coll(c, SB_MONGO_SESSIONS);
    n = mongoc_collection_count_documents(col, &filter, NULL, NULL, NULL, &e);
    mongoc_collection_destroy(col);
    if (n < 0) {
        st = sb_mongo_fail(&e, NULL, err, "session count");
    }
    else if (n > offset && limit > 0
             && (st = sb_mongo_session_rows(c, p, &filter, &opts, rows, "session list", err))
                    == SB_STORE_OK) {
        st = sb_mongo_session_people(c, p, (sb_session_t *)rows->elts, rows->nelts, err);
    }
    bson_destroy(&filter);
    bson_destroy(&opts);
    if (st == SB_STORE_OK) {
        *out = rows;
        if (total) {
            *total = n;
        }
    }
    return st;
}

sb_store_status_t sb_mongo_sessions_due(sb_store_conn_t *c, apr_pool_t *p, int64_t now, int limit,
                                        apr_array_header_t **out, sb_store_error_t *err)
{
    apr_array_header_t *rows = apr_array_make(p, 16, sizeof(sb_session_t));
    bson_t filter, opts;
    sb_store_status_t st;

    *out = NULL;
    sb_mongo_sessions_due_query(&filter, &opts, now, limit);
    st = sb_mongo_session_rows(c, p, &filter, &opts, rows, "sessions due", err);
    bson_destroy(&filter);
    bson_destroy(&opts);
    if (st == SB_STORE_OK) {
        *out = rows;
    }
    return st;
}

typedef struct {
    const char *id, *which;
    const sb_outbox_event_t *events;
    int nevents;
    const sb_notification_new_t *notify;
    int nnotify;
    const sb_store_mail_new_t *mail;
    int nmail;
    int64_t now;
    int marked;
} sb_mongo_reminder_t;

/* The reminder recorded once; only the call that recorded it writes what goes with it. */
static sb_store_status_t sb_mongo_reminder_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                                sb_store_error_t *err)
{
    sb_mongo_reminder_t *x = ctx;
    bson_t filter, update;
    int64_t matched = 0;
    sb_store_status_t st;
    int i;

    x->marked = 0;
    if (!sb_mongo_reminder_update(&filter, &update, x->id, x->which)) {
        return SB_STORE_OK; /* no such session */
    }
    st =
        sb_mongo_update(c, SB_MONGO_SESSIONS, &filter, &update, opts, 0, &matched, "reminder", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    if (st != SB_STORE_OK || !matched) {
        return st;
    }
    st = sb_mongo_session_announce(c, opts, x->events, x->nevents, x->notify, x->nnotify, x->now,
                                   err);
    for (i = 0; st == SB_STORE_OK && i < x->nmail; i++) {
        int queued;
        st = sb_mongo_mail_insert(c, opts, &x->mail[i], x->now, &queued, NULL, err);
    }
    x->marked = st == SB_STORE_OK;
    return st;
}

sb_store_status_t sb_mongo_session_reminder_mark(sb_store_conn_t *c, const char *id,
                                                 const char *which, const sb_outbox_event_t *events,
                                                 int nevents, const sb_notification_new_t *notify,
                                                 int nnotify, const sb_store_mail_new_t *mail,
                                                 int nmail, int64_t now, int *marked,
                                                 sb_store_error_t *err)
{
    sb_mongo_reminder_t x = {id, which, events, nevents, notify, nnotify, mail, nmail, now, 0};
    sb_store_status_t st = sb_mongo_atomic(c, sb_mongo_reminder_step, &x, err);

    *marked = st == SB_STORE_OK && x.marked;
    return st;
}

sb_store_status_t sb_mongo_calendar_token_set(sb_store_conn_t *c, const char *user_id,
                                              const char *token_hash, int64_t now,
                                              sb_store_error_t *err)
{
    bson_t filter, update;
    sb_store_status_t st;

    if (!sb_mongo_calendar_set(&filter, &update, user_id, token_hash)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such user");
    }
    st = sb_mongo_update_found(c, SB_USERS, &filter, &update, NULL, "calendar token", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    return st;
}

sb_store_status_t sb_mongo_calendar_token_user(sb_store_conn_t *c, apr_pool_t *p,
                                               const char *token_hash, int64_t now, char *user_id,
                                               const char **timezone, sb_store_error_t *err)
{
    bson_t filter, doc;
    sb_store_status_t st;

    if (!token_hash) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such feed");
    }
    sb_mongo_calendar_user(&filter, token_hash, now);
    st = sb_mongo_find_one(c, SB_USERS, &filter, NULL, &doc, "calendar user", err);
    bson_destroy(&filter);
    if (st == SB_STORE_OK) {
        sb_mongo_doc_id(&doc, "_id", user_id);
        *timezone = sb_mongo_doc_str(p, &doc, "timezone");
    }
    bson_destroy(&doc);
    return st == SB_STORE_NOT_FOUND ? sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such feed")
                                    : st;
}

/* The sessionData of the session_request messages of msgs[0..n): the session as it is now,
 * or the message's own copy (read with the message, sb_mongo_session_copy) when the session
 * is gone; one read of the session by id each, none of the message again. */
sb_store_status_t sb_mongo_message_sessions(sb_store_conn_t *c, apr_pool_t *p, sb_message_t *msgs,
                                            int n, sb_store_error_t *err)
{
    int i;

    for (i = 0; i < n; i++) {
        sb_message_session_t *d;
        sb_session_t s;
        sb_store_status_t st;
        if (!msgs[i].message_type || strcmp(msgs[i].message_type, "session_request") != 0
            || !msgs[i].session) {
            continue;
        }
        d = apr_pmemdup(p, msgs[i].session, sizeof(*d));
        st = sb_mongo_session_load(c, p, NULL, d->session_id, &s, err);
        if (st == SB_STORE_OK) {
            d->skill = s.skill;
            d->duration = s.duration;
            d->description = s.description;
            d->proposed_time = s.scheduled_time;
            d->session_status = s.status;
            d->status = sb_session_request_status(s.status);
        }
        else if (st != SB_STORE_NOT_FOUND) {
            return st;
        }
        sb_mongo_not_found_ok(st, err);
        msgs[i].session = d;
    }
    return SB_STORE_OK;
}

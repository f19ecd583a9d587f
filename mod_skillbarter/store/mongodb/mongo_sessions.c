/*
 * MongoDB driver: booking and the transitions of sessions (store_sessions.h), their intents
 * and the recovery of intents cut short (mongo_sessions.h says how a step is made safe
 * without a transaction). Each operation is one sb_mongo_atomic step: the session is read in
 * the step, the planner decides, one guarded write changes it (the compare-and-set), then the
 * keyed moves, the request message, the events and the notification follow.
 */
#include "mongo_sessions.h"
#include "mongo_aggregates.h"
#include "mongo_blocks.h"
#include "mongo_economy.h"
#include "mongo_messages.h"
#include "mongo_outbox.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

#define SB_USERS    "users"
#define SB_MESSAGES "messages"

sb_store_status_t sb_mongo_session_announce(sb_store_conn_t *c, const bson_t *opts,
                                            const sb_outbox_event_t *events, int nevents,
                                            const sb_notification_new_t *notify, int nnotify,
                                            int64_t now, sb_store_error_t *err)
{
    sb_store_status_t st = sb_mongo_events(c, opts, events, nevents, now, err);
    int i;

    for (i = 0; st == SB_STORE_OK && notify && i < nnotify; i++) {
        bson_t doc;
        if (!sb_mongo_notification_doc(&doc, &notify[i], now)) {
            return sb_store_fail(err, SB_STORE_ERROR, NULL, "session: bad notification");
        }
        st = sb_mongo_insert(c, "notifications", &doc, opts, "notification", err);
        bson_destroy(&doc);
        if (st == SB_STORE_OK) {
            st = sb_mongo_outbox_add(c, opts, notify[i].user_id, "notification:new",
                                     notify[i].event_data, now, NULL, err);
        }
    }
    return st;
}

sb_store_status_t sb_mongo_session_load(sb_store_conn_t *c, apr_pool_t *p, const bson_t *opts,
                                        const char *id, sb_session_t *s, sb_store_error_t *err)
{
    bson_t filter, doc;
    sb_store_status_t st;

    if (!sb_mongo_session_by_id(&filter, id)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such session");
    }
    st = sb_mongo_find_one(c, SB_MONGO_SESSIONS, &filter, opts, &doc, "session get", err);
    bson_destroy(&filter);
    if (st == SB_STORE_OK) {
        sb_mongo_session_from_doc(p, &doc, s);
    }
    bson_destroy(&doc);
    return st == SB_STORE_NOT_FOUND
               ? sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such session")
               : st;
}

/* One move of an intent: the keyed balance change (a key used already is this move done
 * before: a retry or a recovery), then the user totals, once per key. */
static sb_store_status_t sb_mongo_intent_move(sb_store_conn_t *c, const bson_t *opts,
                                              const char *session_id, const sb_session_move_t *m,
                                              int64_t now, sb_store_error_t *err)
{
    sb_mongo_move_t mv = {m->user_id,     m->type,     m->amount, session_id,   m->related_user,
                          m->description, m->category, m->key,    m->admin_note};
    sb_store_status_t st = SB_STORE_OK;
    bson_t filter, update;

    if (m->amount) {
        st = sb_mongo_move(c, opts, &mv, now, NULL, err);
        if (st == SB_STORE_CONFLICT && err->field && !strcmp(err->field, "idempotency")) {
            st = sb_mongo_not_found_ok(SB_STORE_NOT_FOUND, err);
        }
    }
    if (st == SB_STORE_OK && sb_mongo_totals_update(&filter, &update, m)) {
        st = sb_mongo_update(c, SB_USERS, &filter, &update, opts, 0, NULL, "user totals", err);
        bson_destroy(&filter);
        bson_destroy(&update);
    }
    return st;
}

/* The intent off the session. */
static sb_store_status_t sb_mongo_intent_done(sb_store_conn_t *c, const bson_t *opts,
                                              const char *id, sb_store_error_t *err)
{
    bson_t filter, update;
    sb_store_status_t st;

    if (!sb_mongo_intent_clear(&filter, &update, id)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "session intent: bad id");
    }
    st = sb_mongo_update(c, SB_MONGO_SESSIONS, &filter, &update, opts, 0, NULL, "session intent",
                         err);
    bson_destroy(&filter);
    bson_destroy(&update);
    return st;
}

sb_store_status_t sb_mongo_intent_run(sb_store_conn_t *c, const bson_t *opts, const char *id,
                                      const sb_session_move_t *m, int n, int64_t now,
                                      sb_store_error_t *err)
{
    sb_store_status_t st = SB_STORE_OK;
    bson_t filter, update;
    int i;

    for (i = 0; i < n && st == SB_STORE_OK; i++) {
        st = sb_mongo_intent_move(c, opts, id, &m[i], now, err);
    }
    if (st == SB_STORE_OK && n > 0 && (st = sb_mongo_intent_done(c, opts, id, err)) == SB_STORE_OK
        && sb_mongo_totals_clear(&filter, &update, m, n)) {
        st = sb_mongo_update(c, SB_USERS, &filter, &update, opts, 1, NULL, "totals keys", err);
        bson_destroy(&filter);
        bson_destroy(&update);
    }
    return st;
}

/* ---- booking ---- */

typedef struct {
    apr_pool_t *p;
    const sb_session_new_t *s;
    const sb_outbox_event_t *events;
    int nevents;
    const sb_notification_new_t *notify;
    int64_t now;
    sb_session_t *row;
} sb_mongo_book_t;

/* CONFLICT "scheduledTime" when [start, start + duration) overlaps an open session of a or b
 * other than self. */
static sb_store_status_t sb_mongo_check_overlap(sb_store_conn_t *c, const bson_t *opts,
                                                const char *a, const char *b, int64_t start,
                                                int64_t duration, const char *self,
                                                sb_store_error_t *err)
{
    bson_t filter;
    int r;

    if (!sb_mongo_overlap_filter(&filter, a, b, start, duration, self)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "overlap: bad ids");
    }
    r = sb_mongo_exists(c, SB_MONGO_SESSIONS, &filter, opts, err);
    bson_destroy(&filter);
    if (r < 0) {
        return err->status;
    }
    return r ? sb_store_fail(err, SB_STORE_CONFLICT, "scheduledTime",
                             "overlaps another session of a participant")
             : SB_STORE_OK;
}

/* The booking taken back (no transaction): only while its hold is still its intent. 1 when
 * it was. */
static int sb_mongo_book_undo(sb_store_conn_t *c, const char *id)
{
    bson_t filter, moves;
    sb_store_error_t e2;
    int64_t n = 0;

    if (sb_mongo_session_by_id(&filter, id)) {
        BSON_APPEND_DOCUMENT_BEGIN(&filter, "moves", &moves);
        BSON_APPEND_BOOL(&moves, "$exists", true);
        bson_append_document_end(&filter, &moves);
        if (sb_mongo_delete(c, SB_MONGO_SESSIONS, &filter, NULL, 0, &n, "booking undo", &e2)
            != SB_STORE_OK) {
            n = 0;
        }
        bson_destroy(&filter);
    }
    return n > 0;
}

/* The teacher visible and not blocking the learner. */
static sb_store_status_t sb_mongo_book_checks(sb_store_conn_t *c, const bson_t *opts,
                                              const sb_session_new_t *s, int64_t now,
                                              sb_store_error_t *err)
{
    bson_t filter;
    int r;

    if (!sb_mongo_filter_visible(&filter, s->teacher_id, now)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, "teacher", "no such teacher");
    }
    r = sb_mongo_exists(c, SB_USERS, &filter, opts, err);
    bson_destroy(&filter);
    if (r <= 0) {
        return r < 0 ? err->status
                     : sb_store_fail(err, SB_STORE_NOT_FOUND, "teacher", "no such teacher");
    }
    if (!sb_mongo_block_pair(&filter, NULL, s->teacher_id, s->student_id, 0)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "session_create: bad ids");
    }
    r = sb_mongo_exists(c, "user_blocks", &filter, opts, err);
    bson_destroy(&filter);
    if (r != 0) {
        return r < 0 ? err->status
                     : sb_store_fail(err, SB_STORE_REFUSED, "teacher",
                                     "the teacher does not accept requests");
    }
    /* In a transaction two bookings of the same people write the same two documents, so they
     * conflict and the later one runs again and sees the first (no write skew). */
    if (opts
        && sb_mongo_json_doc(&filter,
                             "{\"_id\": {\"$in\": [{\"$oid\": \"%s\"},"
                             " {\"$oid\": \"%s\"}]}}",
                             s->teacher_id, s->student_id)) {
        bson_t update;
        sb_store_status_t st;
        sb_mongo_json_doc(&update, "{\"$inc\": {\"sessionsRev\": 1}}");
        st = sb_mongo_update(c, SB_USERS, &filter, &update, opts, 1, NULL, "booking", err);
        bson_destroy(&filter);
        bson_destroy(&update);
        return st;
    }
    return SB_STORE_OK;
}

/* The request message and both conversation summaries. */
static sb_store_status_t sb_mongo_book_message(sb_store_conn_t *c, const bson_t *opts,
                                               const sb_session_new_t *s, int64_t now,
                                               sb_store_error_t *err)
{
    bson_t doc;
    sb_store_status_t st;

    if (!sb_mongo_request_message_doc(&doc, s, now)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "session request message: bad ids");
    }
    st = sb_mongo_insert(c, SB_MESSAGES, &doc, opts, "session request message", err);
    bson_destroy(&doc);
    if (st == SB_STORE_OK) {
        st = sb_mongo_summary(c, opts, s->student_id, s->teacher_id, s->message_id, now, 0, err);
    }
    if (st == SB_STORE_OK) {
        st = sb_mongo_summary(c, opts, s->teacher_id, s->student_id, s->message_id, now, 1, err);
    }
    return st;
}

/*
 * Checks, the session with its hold as intent, (without a transaction: the overlap checked
 * again now that it is visible, a loser taking itself back), the hold, the message, the
 * events, the intent off.
 */
static sb_store_status_t sb_mongo_book_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                            sb_store_error_t *err)
{
    sb_mongo_book_t *x = ctx;
    const sb_session_new_t *s = x->s;
    sb_session_move_t hold;
    sb_store_status_t st;
    bson_t doc;

    if ((st = sb_mongo_book_checks(c, opts, s, x->now, err)) != SB_STORE_OK
        || (st = sb_mongo_check_overlap(c, opts, s->teacher_id, s->student_id, s->scheduled_time,
                                        s->duration, s->id, err))
               != SB_STORE_OK) {
        return st;
    }
    sb_session_plan_hold(x->p, s, &hold);
    if (!sb_mongo_session_doc(&doc, s, &hold, x->now)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "session_create: bad ids");
    }
    st = sb_mongo_insert(c, SB_MONGO_SESSIONS, &doc, opts, "session insert", err);
    bson_destroy(&doc);
    if (st != SB_STORE_OK) {
        return st;
    }
    if (!opts
        && (st = sb_mongo_check_overlap(c, opts, s->teacher_id, s->student_id, s->scheduled_time,
                                        s->duration, s->id, err))
               != SB_STORE_OK) {
        sb_mongo_book_undo(c, s->id);
        return st;
    }
    if ((st = sb_mongo_intent_move(c, opts, s->id, &hold, x->now, err)) != SB_STORE_OK) {
        if (!opts) {
            sb_mongo_book_undo(c, s->id);
        }
        return st;
    }
    /* from here on a step cut short leaves the intent, which the recovery completes */
    if ((st = sb_mongo_trend_apply(c, opts, SB_MONGO_TREND_COUNT, s->id, x->now, s->skill,
                                   s->category, err))
            != SB_STORE_OK
        || (s->message_id && (st = sb_mongo_book_message(c, opts, s, x->now, err)) != SB_STORE_OK)
        || (st = sb_mongo_session_announce(c, opts, x->events, x->nevents, x->notify, 1, x->now,
                                           err))
               != SB_STORE_OK
        || (st = sb_mongo_intent_done(c, opts, s->id, err)) != SB_STORE_OK) {
        return st;
    }
    if ((st = sb_mongo_trend_apply(c, opts, SB_MONGO_TREND_SETTLED, s->id, x->now, s->skill,
                                   s->category, err))
            != SB_STORE_OK
        && opts) {
        return st; /* without a transaction the key left in keys only keeps it counted once */
    }
    return sb_mongo_session_load(c, x->p, opts, s->id, x->row, err);
}

sb_store_status_t sb_mongo_session_create(sb_store_conn_t *c, apr_pool_t *p,
                                          const sb_session_new_t *s,
                                          const sb_outbox_event_t *events, int nevents,
                                          const sb_notification_new_t *notify, int64_t now,
                                          sb_session_t **out, int64_t *available,
                                          sb_store_error_t *err)
{
    sb_mongo_book_t x = {p, s, events, nevents, notify, now, apr_palloc(p, sizeof(sb_session_t))};
    sb_store_status_t st;

    if (out) {
        *out = NULL;
    }
    if (!s->id || !sb_id_valid(s->id) || !sb_id_valid(s->student_id)
        || !sb_session_duration_valid(s->duration)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "session_create: bad arguments");
    }
    if (!s->teacher_id || !sb_id_valid(s->teacher_id)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, "teacher", "no such teacher");
    }
    st = sb_mongo_atomic(c, sb_mongo_book_step, &x, err);
    if (st == SB_STORE_INSUFFICIENT && available) {
        sb_credit_balance_t b = {0};
        sb_store_error_t e2;
        if (sb_mongo_credit_balance(c, s->student_id, &b, &e2) == SB_STORE_OK) {
            *available = b.available;
        }
    }
    if (st == SB_STORE_OK && out) {
        *out = x.row;
    }
    return st;
}

/* ---- transitions ---- */

typedef struct {
    apr_pool_t *p;
    const sb_session_act_t *a;
    int64_t now;
    sb_session_t *n;
} sb_mongo_act_t;

static sb_store_status_t sb_mongo_act_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                           sb_store_error_t *err)
{
    sb_mongo_act_t *x = ctx;
    sb_session_t o, *n = x->n;
    sb_session_news_t news;
    sb_session_plan_t plan;
    sb_store_status_t st;
    bson_t filter, update;
    int64_t matched = 0;

    if ((st = sb_mongo_session_load(c, x->p, opts, x->a->id, &o, err)) != SB_STORE_OK
        || (st = sb_session_plan(x->p, x->a, &o, n, x->now, &plan, err)) != SB_STORE_OK
        || (plan.overlap_check
            && (st = sb_mongo_check_overlap(c, opts, o.teacher_id, o.student_id, n->scheduled_time,
                                            o.duration, o.id, err))
                   != SB_STORE_OK)) {
        return st;
    }
    if (!sb_mongo_session_cas(&filter, &update, &o, n, &plan, x->now)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such session");
    }
    st = sb_mongo_update(c, SB_MONGO_SESSIONS, &filter, &update, opts, 0, &matched, "session write",
                         err);
    bson_destroy(&filter);
    bson_destroy(&update);
    if (st == SB_STORE_OK && !matched) {
        return sb_store_fail(err, SB_STORE_STALE, "status", "the session changed meanwhile");
    }
    /* the request message mirrors the request's state */
    if (st == SB_STORE_OK && plan.mirror
        && sb_mongo_request_mirror(&filter, &update, o.id, plan.mirror, n->scheduled_time,
                                   x->now)) {
        st = sb_mongo_update(c, SB_MESSAGES, &filter, &update, opts, 1, NULL, "request message",
                             err);
        bson_destroy(&filter);
        bson_destroy(&update);
    }
    if (st == SB_STORE_OK && plan.n) {
        st = sb_mongo_intent_run(c, opts, o.id, plan.m, plan.n, x->now, err);
        if (st == SB_STORE_INSUFFICIENT && !opts) {
            /* a penalty the learner spent meanwhile: the intent stays for the recovery */
            st = sb_mongo_not_found_ok(SB_STORE_NOT_FOUND, err);
        }
    }
    if (st != SB_STORE_OK || !plan.changed || !x->a->describe) {
        return st;
    }
    memset(&news, 0, sizeof news);
    x->a->describe(x->a->describe_ctx, n, &news);
    return sb_mongo_session_announce(c, opts, news.events, news.nevents, &news.notify,
                                     news.notifies, x->now, err);
}

sb_store_status_t sb_mongo_session_act(sb_store_conn_t *c, apr_pool_t *p, const sb_session_act_t *a,
                                       int64_t now, sb_session_t **out, sb_store_error_t *err)
{
    sb_mongo_act_t x = {p, a, now, apr_palloc(p, sizeof(sb_session_t))};
    sb_store_status_t st;

    if (out) {
        *out = NULL;
    }
    /* the participants after the commit: users are read outside the step anyway */
    if ((st = sb_mongo_atomic(c, sb_mongo_act_step, &x, err)) == SB_STORE_OK && out
        && (st = sb_mongo_session_people(c, p, x.n, 1, err)) == SB_STORE_OK) {
        *out = x.n;
    }
    return st;
}

sb_store_status_t sb_mongo_session_edit(sb_store_conn_t *c, const char *id, const char *actor_id,
                                        const char *description, const char *notes, int64_t now,
                                        sb_store_error_t *err)
{
    bson_t filter, pipeline, after;
    sb_store_status_t st;

    if (!sb_mongo_session_edit_update(&filter, &pipeline, id, actor_id, description, notes, now)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such session");
    }
    st = sb_mongo_find_modify_pipeline(c, SB_MONGO_SESSIONS, &filter, &pipeline, 0, NULL, &after,
                                       "session edit", err);
    bson_destroy(&filter);
    bson_destroy(&pipeline);
    bson_destroy(&after);
    return st;
}

sb_store_status_t sb_mongo_session_presence(sb_store_conn_t *c, const char *id, const char *user_id,
                                            int64_t now, sb_store_error_t *err)
{
    bson_t filter, update;
    sb_store_status_t st;

    if (!sb_mongo_session_presence_update(&filter, &update, id, user_id, now)) {
        return SB_STORE_OK; /* no such session: nothing */
    }
    st = sb_mongo_update(c, SB_MONGO_SESSIONS, &filter, &update, NULL, 0, NULL, "session presence",
                         err);
    bson_destroy(&filter);
    bson_destroy(&update);
    return st;
}

/* ---- recovery ---- */

/* One session whose intent was cut short: its moves applied (keys make each apply once) and
 * the intent off; a booking counted in trending (once), or taken back with its count when the
 * learner cannot pay its hold. */
static int sb_mongo_recover_session(sb_store_conn_t *c, const bson_t *doc, sb_store_error_t *err)
{
    sb_session_move_t m[SB_SESSION_PLAN_MAX];
    char id[SB_ID_LEN + 1];
    bson_iter_t it, arr;
    sb_store_status_t st;
    const char *skill = NULL, *category = NULL;
    int64_t created = 0;
    int n = 0, booking, counted;

    if (!sb_mongo_doc_id(doc, "_id", id) || !bson_iter_init_find(&it, doc, "moves")
        || !BSON_ITER_HOLDS_ARRAY(&it) || !bson_iter_recurse(&it, &arr)) {
        return 0;
    }
    while (bson_iter_next(&arr) && n < SB_SESSION_PLAN_MAX) {
        const uint8_t *data;
        uint32_t len;
        bson_t entry;
        if (!BSON_ITER_HOLDS_DOCUMENT(&arr)) {
            continue;
        }
        bson_iter_document(&arr, &len, &data);
        if (bson_init_static(&entry, data, len) && sb_mongo_intent_entry(c->pool, &entry, &m[n])) {
            n++;
        }
    }
    /* a booking's hold; one this version booked (inHours; an earlier one's is the backfill's)
     * is counted in trending as the booking would have (once: keys) */
    booking = n == 1 && strstr(m[0].key, ":hold") != NULL;
    counted = booking && bson_iter_init_find(&it, doc, "inHours") && bson_iter_as_bool(&it);
    if (counted) {
        created = sb_mongo_get_time(doc, "createdAt");
        skill = sb_mongo_doc_str(c->pool, doc, "skill");
        category = sb_mongo_doc_str(c->pool, doc, "category");
        if (sb_mongo_trend_apply(c, NULL, SB_MONGO_TREND_COUNT, id, created, skill, category, err)
            != SB_STORE_OK) {
            return 0;
        }
    }
    st = sb_mongo_intent_run(c, NULL, id, m, n, apr_time_as_msec(apr_time_now()), err);
    if (st == SB_STORE_INSUFFICIENT && booking) {
        if (sb_mongo_book_undo(c, id) && counted) {
            sb_mongo_trend_apply(c, NULL, SB_MONGO_TREND_BACK, id, created, skill, category, err);
        }
        return 1;
    }
    if (st == SB_STORE_OK && counted) {
        sb_mongo_trend_apply(c, NULL, SB_MONGO_TREND_SETTLED, id, created, skill, category, err);
    }
    return st == SB_STORE_OK;
}

sb_store_status_t sb_mongo_session_recover(sb_store_conn_t *c, int64_t before, int *fixed,
                                           sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, SB_MONGO_SESSIONS);
    mongoc_cursor_t *cur;
    const bson_t *doc;
    bson_t filter, lt;
    sb_store_status_t st = SB_STORE_OK;
    int n = 0;

    bson_init(&filter);
    BSON_APPEND_DOCUMENT_BEGIN(&filter, "movesAt", &lt);
    bson_append_date_time(&lt, "$lt", -1, before);
    bson_append_document_end(&filter, &lt);
    cur = mongoc_collection_find_with_opts(col, &filter, NULL, NULL);
    while (mongoc_cursor_next(cur, &doc)) {
        sb_store_error_t e2;
        n += sb_mongo_recover_session(c, doc, &e2);
    }
    st = sb_mongo_cursor_end(cur, col, st, "session recover", err);
    bson_destroy(&filter);
    if (fixed) {
        *fixed = n;
    }
    return st;
}

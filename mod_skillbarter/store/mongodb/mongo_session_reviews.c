/*
 * MongoDB driver: what follows a completed session (store_sessions.h): the learner's dispute
 * and an admin's resolution (keyed refund moves recorded as the session's intent), reviews
 * (one per session and reviewer by the unique index review_once) and the reviewee's exact
 * mean rating, the reviews of a user.
 */
#include "mongo_sessions.h"
#include "mongo_blocks.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

typedef struct {
    apr_pool_t *p;
    const char *id, *learner_id, *reason;
    int64_t window_ms, now;
} sb_mongo_dispute_t;

static sb_store_status_t sb_mongo_dispute_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                               sb_store_error_t *err)
{
    sb_mongo_dispute_t *x = ctx;
    sb_session_t s;
    bson_t filter, update;
    int64_t matched = 0;
    sb_store_status_t st = sb_mongo_session_load(c, x->p, opts, x->id, &s, err);

    if (st != SB_STORE_OK) {
        return st;
    }
    if (strcmp(s.student_id, x->learner_id) != 0) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such session");
    }
    if (!s.status || strcmp(s.status, "completed") != 0) {
        return sb_store_fail(err, SB_STORE_STALE,
                             sb_session_status_name(sb_session_status_parse(s.status)),
                             "only a completed session can be disputed");
    }
    if (s.is_disputed) {
        return sb_store_fail(err, SB_STORE_CONFLICT, "isDisputed", "disputed already");
    }
    if (x->now - s.ended_at > x->window_ms) {
        return sb_store_fail(err, SB_STORE_REFUSED, "window",
                             "the time to dispute this session has passed");
    }
    sb_mongo_dispute_update(&filter, &update, x->id, x->reason, x->now);
    st = sb_mongo_update(c, SB_MONGO_SESSIONS, &filter, &update, opts, 0, &matched, "dispute", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    if (st == SB_STORE_OK && !matched) {
        return sb_store_fail(err, SB_STORE_CONFLICT, "isDisputed", "disputed already");
    }
    return st;
}

sb_store_status_t sb_mongo_session_dispute(sb_store_conn_t *c, const char *id,
                                           const char *learner_id, const char *reason,
                                           int64_t window_ms, int64_t now, sb_store_error_t *err)
{
    sb_mongo_dispute_t x = {c->pool, id, learner_id ? learner_id : "", reason, window_ms, now};

    return sb_mongo_atomic(c, sb_mongo_dispute_step, &x, err);
}

typedef struct {
    apr_pool_t *p;
    const char *id, *note;
    int percent;
    int64_t now, refund;
} sb_mongo_resolve_t;

/* The resolution written first with its refund as intent, then the teacher's debit (a short
 * balance takes the resolution back: INSUFFICIENT "refund") and the learner's credit. */
static sb_store_status_t sb_mongo_resolve_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                               sb_store_error_t *err)
{
    sb_mongo_resolve_t *x = ctx;
    sb_session_plan_t plan;
    sb_session_t s;
    bson_t filter, update;
    int64_t matched = 0;
    sb_store_status_t st = sb_mongo_session_load(c, x->p, opts, x->id, &s, err);

    if (st != SB_STORE_OK) {
        return st;
    }
    if (!s.is_disputed || s.dispute_resolved_at) {
        return sb_store_fail(err, SB_STORE_STALE, "isDisputed", "no open dispute");
    }
    x->refund = s.credits_exchanged * x->percent / 100;
    sb_session_plan_refund(x->p, &s, x->refund, x->note, &plan);
    sb_mongo_resolve_cas(&filter, &update, x->id, x->refund, &plan, x->now);
    st = sb_mongo_update(c, SB_MONGO_SESSIONS, &filter, &update, opts, 0, &matched, "resolve", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    if (st == SB_STORE_OK && !matched) {
        return sb_store_fail(err, SB_STORE_STALE, "isDisputed", "no open dispute");
    }
    if (st != SB_STORE_OK || !plan.n) {
        return st;
    }
    st = sb_mongo_intent_run(c, opts, x->id, plan.m, plan.n, x->now, err);
    if (st == SB_STORE_INSUFFICIENT) {
        err->field = "refund";
        if (!opts && sb_mongo_resolve_undo(&filter, &update, x->id, x->now)) {
            sb_store_error_t e2;
            sb_mongo_update(c, SB_MONGO_SESSIONS, &filter, &update, NULL, 0, NULL, "resolve undo",
                            &e2);
            bson_destroy(&filter);
            bson_destroy(&update);
        }
    }
    return st;
}

sb_store_status_t sb_mongo_session_resolve(sb_store_conn_t *c, const char *id, const char *admin_id,
                                           int percent, const char *note, int64_t now,
                                           int64_t *refunded, sb_store_error_t *err)
{
    sb_mongo_resolve_t x = {c->pool, id, note, percent, now, 0};
    sb_store_status_t st;

    if (percent < 0 || percent > 100) {
        return sb_store_fail(err, SB_STORE_ERROR, "refundPercent", "0 to 100");
    }
    st = sb_mongo_atomic(c, sb_mongo_resolve_step, &x, err);
    if (st == SB_STORE_OK && refunded) {
        *refunded = x.refund;
    }
    return st;
}

typedef struct {
    apr_pool_t *p;
    const sb_review_new_t *r;
    const sb_outbox_event_t *events;
    int nevents;
    const sb_notification_new_t *notify;
    int64_t now;
} sb_mongo_review_t;

/* The review (its unique index refuses a second), then the reviewee's sum and count: cut
 * short without a transaction, a review the mean does not count yet, never a count of a
 * review that is not there. */
static sb_store_status_t sb_mongo_review_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                              sb_store_error_t *err)
{
    sb_mongo_review_t *x = ctx;
    const sb_review_new_t *r = x->r;
    const char *reviewee;
    sb_session_t s;
    bson_t doc, filter, pipeline, after;
    sb_store_status_t st = sb_mongo_session_load(c, x->p, opts, r->session_id, &s, err);

    if (st != SB_STORE_OK) {
        return st;
    }
    reviewee = strcmp(r->reviewer_id, s.teacher_id) == 0   ? s.student_id
               : strcmp(r->reviewer_id, s.student_id) == 0 ? s.teacher_id
                                                           : NULL;
    if (!reviewee) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such session");
    }
    if (!s.status || strcmp(s.status, "completed") != 0) {
        return sb_store_fail(err, SB_STORE_STALE,
                             sb_session_status_name(sb_session_status_parse(s.status)),
                             "only a completed session can be reviewed");
    }
    if (!sb_mongo_review_doc(&doc, r, reviewee, x->now)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "review_add: bad ids");
    }
    st = sb_mongo_insert(c, SB_MONGO_REVIEWS, &doc, opts, "review insert", err);
    bson_destroy(&doc);
    if (st == SB_STORE_CONFLICT) {
        err->field = "review";
    }
    if (st != SB_STORE_OK) {
        return st;
    }
    sb_mongo_rating_update(&filter, &pipeline, reviewee, r->rating);
    st = sb_mongo_find_modify_pipeline(c, "users", &filter, &pipeline, 0, opts, &after, "rating",
                                       err);
    bson_destroy(&filter);
    bson_destroy(&pipeline);
    bson_destroy(&after);
    if (st == SB_STORE_OK) {
        st = sb_mongo_session_announce(c, opts, x->events, x->nevents, x->notify, 1, x->now, err);
    }
    return st;
}

sb_store_status_t sb_mongo_review_add(sb_store_conn_t *c, const sb_review_new_t *r,
                                      const sb_outbox_event_t *events, int nevents,
                                      const sb_notification_new_t *notify, int64_t now,
                                      sb_store_error_t *err)
{
    sb_mongo_review_t x = {c->pool, r, events, nevents, notify, now};

    if (r->rating < 1 || r->rating > 5) {
        return sb_store_fail(err, SB_STORE_ERROR, "rating", "1 to 5");
    }
    if (!r->id || !sb_id_valid(r->id) || !r->reviewer_id) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "review_add: bad arguments");
    }
    return sb_mongo_atomic(c, sb_mongo_review_step, &x, err);
}

/* A review row (reviewer joined, skill set) into v; 0 when its reviewer is no user. */
static int sb_mongo_review_from_doc(apr_pool_t *p, const bson_t *doc, sb_session_review_t *v)
{
    apr_array_header_t *one = apr_array_make(p, 1, sizeof(sb_user_card_t));
    const sb_user_card_t *card;
    bson_iter_t it;
    const uint8_t *data;
    uint32_t len;
    bson_t who;

    memset(v, 0, sizeof(*v));
    if (!bson_iter_init_find(&it, doc, "reviewer") || !BSON_ITER_HOLDS_DOCUMENT(&it)) {
        return 0;
    }
    bson_iter_document(&it, &len, &data);
    if (!bson_init_static(&who, data, len) || !(card = sb_mongo_card_from_doc(p, &who, one))) {
        return 0;
    }
    v->reviewer = *card;
    sb_mongo_doc_id(doc, "_id", v->id);
    sb_mongo_doc_id(doc, "sessionId", v->session_id);
    sb_mongo_doc_id(doc, "revieweeId", v->reviewee_id);
    v->rating = (int)sb_mongo_doc_int(doc, "rating");
    v->feedback = sb_mongo_doc_str(p, doc, "feedback");
    v->would_recommend = sb_mongo_doc_tristate(doc, "wouldRecommend");
    v->created_at = sb_mongo_get_time(doc, "createdAt");
    v->skill = sb_mongo_doc_str(p, doc, "skill");
    return 1;
}

sb_store_status_t sb_mongo_reviews_page(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                        int64_t after_created_at, const char *after_id, int limit,
                                        apr_array_header_t **out, int *has_more,
                                        sb_store_error_t *err)
{
    apr_array_header_t *rows =
        apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_session_review_t));
    mongoc_collection_t *col;
    mongoc_cursor_t *cur;
    const bson_t *doc;
    bson_t pipeline;
    sb_store_status_t st = SB_STORE_OK;

    *out = rows;
    *has_more = 0;
    if (!sb_mongo_reviews_page_pipeline(&pipeline, user_id, after_created_at, after_id, limit)) {
        return SB_STORE_OK; /* no such user: no reviews */
    }
    col = sb_mongo_coll(c, SB_MONGO_REVIEWS);
    cur = mongoc_collection_aggregate(col, MONGOC_QUERY_NONE, &pipeline, NULL, NULL);
    while (mongoc_cursor_next(cur, &doc)) {
        sb_session_review_t v;
        if (rows->nelts == limit) {
            *has_more = 1;
            break;
        }
        if (sb_mongo_review_from_doc(p, doc, &v)) {
            *(sb_session_review_t *)apr_array_push(rows) = v;
        }
    }
    st = sb_mongo_cursor_end(cur, col, st, "reviews", err);
    bson_destroy(&pipeline);
    return st;
}

/*
 * MongoDB driver: the filters, updates and pipelines of the sessions domain other than the
 * transition's own (mongo_session_doc.c): edit, presence, the lists, the jobs' reads and
 * reminders, disputes, reviews and the calendar feed (pure builders). Ids are checked before
 * they enter JSON text; request text is appended as BSON values ($literal in pipelines).
 */
#include "mongo_sessions.h"
#include "mongo_messages.h"

#include <stdio.h>
#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

#define SB_DATE "{\"$date\": {\"$numberLong\": \"%" APR_INT64_T_FMT "\"}}"
#define SB_OID  "{\"$oid\": \"%s\"}"

/* {_id: id, $or: [{teacherId: actor}, {studentId: actor}]} plus extra JSON members. */
static int sb_mongo_participant_filter(bson_t *filter, const char *id, const char *actor,
                                       const char *extra)
{
    if (!sb_id_valid(id) || !sb_id_valid(actor)) {
        bson_init(filter);
        bson_destroy(filter);
        return 0;
    }
    return sb_mongo_json_doc(filter,
                             "{\"_id\": " SB_OID ", \"$or\": [{\"teacherId\": " SB_OID "},"
                             " {\"studentId\": " SB_OID "}]%s}",
                             id, actor, actor, extra);
}

/* {$cond: [{$eq: [side, actor]}, {$literal: notes}, keep]} under field. */
static void sb_mongo_own_notes(bson_t *set, const char *field, const char *side, const char *keep,
                               const bson_oid_t *actor, const char *notes)
{
    bson_t f, cond, eq, args;

    BSON_APPEND_DOCUMENT_BEGIN(set, field, &f);
    BSON_APPEND_ARRAY_BEGIN(&f, "$cond", &cond);
    BSON_APPEND_DOCUMENT_BEGIN(&cond, "0", &eq);
    BSON_APPEND_ARRAY_BEGIN(&eq, "$eq", &args);
    BSON_APPEND_UTF8(&args, "0", side);
    bson_append_oid(&args, "1", -1, actor);
    bson_append_array_end(&eq, &args);
    bson_append_document_end(&cond, &eq);
    sb_mongo_append_literal(&cond, "1", notes);
    BSON_APPEND_UTF8(&cond, "2", keep);
    bson_append_array_end(&f, &cond);
    bson_append_document_end(set, &f);
}

int sb_mongo_session_edit_update(bson_t *filter, bson_t *pipeline, const char *id,
                                 const char *actor_id, const char *description, const char *notes,
                                 int64_t now)
{
    bson_t st, set;
    bson_oid_t actor;

    if (!sb_mongo_participant_filter(filter, id, actor_id, "")) {
        return 0;
    }
    sb_mongo_oid_from_id(actor_id, &actor);
    bson_init(pipeline);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "0", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$set", &set);
    if (description) {
        sb_mongo_append_literal(&set, "description", description);
    }
    if (notes) {
        sb_mongo_own_notes(&set, "teacherNotes", "$teacherId", "$teacherNotes", &actor, notes);
        sb_mongo_own_notes(&set, "studentNotes", "$studentId", "$studentNotes", &actor, notes);
    }
    sb_mongo_append_time(&set, "updatedAt", now);
    bson_append_document_end(&st, &set);
    bson_append_document_end(pipeline, &st);
    return 1;
}

int sb_mongo_session_presence_update(bson_t *filter, bson_t *update, const char *id,
                                     const char *user_id, int64_t now)
{
    if (!sb_mongo_participant_filter(filter, id, user_id, ", \"status\": \"in_progress\"")) {
        return 0;
    }
    if (!sb_mongo_json_doc(update, "{\"$max\": {\"lastPresenceAt\": " SB_DATE "}}", now)) {
        bson_destroy(filter);
        return 0;
    }
    return 1;
}

int sb_mongo_session_list_query(bson_t *filter, bson_t *opts, const sb_session_query_t *q,
                                int offset, int limit)
{
    bson_t alt, one, when;

    bson_init(filter);
    if (!sb_id_valid(q->user_id)) {
        bson_destroy(filter);
        return 0;
    }
    if (q->role == 1 || q->role == 2) {
        sb_mongo_append_id(filter, q->role == 1 ? "teacherId" : "studentId", q->user_id);
    }
    else {
        BSON_APPEND_ARRAY_BEGIN(filter, "$or", &alt);
        BSON_APPEND_DOCUMENT_BEGIN(&alt, "0", &one);
        sb_mongo_append_id(&one, "teacherId", q->user_id);
        bson_append_document_end(&alt, &one);
        BSON_APPEND_DOCUMENT_BEGIN(&alt, "1", &one);
        sb_mongo_append_id(&one, "studentId", q->user_id);
        bson_append_document_end(&alt, &one);
        bson_append_array_end(filter, &alt);
    }
    if (q->status) {
        BSON_APPEND_UTF8(filter, "status", q->status);
    }
    if (q->when == 1 || q->when == 2) {
        BSON_APPEND_DOCUMENT_BEGIN(filter, "scheduledTime", &when);
        bson_append_date_time(&when, q->when == 1 ? "$gte" : "$lt", -1, q->now);
        bson_append_document_end(filter, &when);
    }
    if (!sb_mongo_json_doc(opts,
                           "{\"sort\": {\"scheduledTime\": -1, \"_id\": -1}, \"skip\": %d,"
                           " \"limit\": %d}",
                           offset > 0 ? offset : 0, limit > 0 ? limit : 1)) {
        bson_destroy(filter);
        return 0;
    }
    return 1;
}

/* Reminder `which` is due for starts in (a, b] (the two dates that follow) and not recorded. */
#define SB_DUE_REMINDER(which)                                                                     \
    " {\"status\": \"scheduled\", \"scheduledTime\": {\"$gt\": " SB_DATE ", \"$lte\": " SB_DATE    \
    "}, \"remindersSent\": {\"$ne\": \"" which "\"}}"

void sb_mongo_sessions_due_query(bson_t *filter, bson_t *opts, int64_t now, int limit)
{
    const int64_t m15 = 15 * SB_MONGO_MIN_MS, h1 = 60 * SB_MONGO_MIN_MS, d1 = 24 * h1;

    sb_mongo_json_doc(
        filter,
        "{\"$or\": [{\"status\": \"pending\", \"scheduledTime\": {\"$lte\": " SB_DATE "}},"
        " {\"status\": \"scheduled\", \"scheduledTime\": {\"$lte\": " SB_DATE
        "}}," SB_DUE_REMINDER("15min") "," SB_DUE_REMINDER("1h") "," SB_DUE_REMINDER(
            "24h") ","
                   " {\"status\": \"in_progress\", \"startedAt\": {\"$ne\": null},"
                   "  \"$expr\": {\"$lte\": [{\"$add\": [\"$startedAt\","
                   "   {\"$multiply\": [\"$duration\", 60000]}, 900000]}, " SB_DATE "]}}]}",
        now, now - m15, now, now + m15, now + m15, now + h1, now + h1, now + d1, now);
    sb_mongo_json_doc(opts, "{\"sort\": {\"scheduledTime\": 1, \"_id\": 1}, \"limit\": %d}",
                      limit > 0 ? limit : 1);
}

int sb_mongo_reminder_update(bson_t *filter, bson_t *update, const char *id, const char *which)
{
    bson_t ne, push;

    if (!sb_mongo_session_by_id(filter, id)) {
        return 0;
    }
    BSON_APPEND_UTF8(filter, "status", "scheduled");
    BSON_APPEND_DOCUMENT_BEGIN(filter, "remindersSent", &ne);
    BSON_APPEND_UTF8(&ne, "$ne", which);
    bson_append_document_end(filter, &ne);
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$push", &push);
    BSON_APPEND_UTF8(&push, "remindersSent", which);
    bson_append_document_end(update, &push);
    return 1;
}

int sb_mongo_dispute_update(bson_t *filter, bson_t *update, const char *id, const char *reason,
                            int64_t now)
{
    bson_t set;

    if (!sb_mongo_session_by_id(filter, id)) {
        return 0;
    }
    BSON_APPEND_UTF8(filter, "status", "completed");
    BSON_APPEND_BOOL(filter, "isDisputed", false);
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
    BSON_APPEND_BOOL(&set, "isDisputed", true);
    sb_mongo_append_str_or_null(&set, "disputeReason", reason);
    sb_mongo_append_time(&set, "disputedAt", now);
    sb_mongo_append_time(&set, "updatedAt", now);
    bson_append_document_end(update, &set);
    return 1;
}

int sb_mongo_resolve_cas(bson_t *filter, bson_t *update, const char *id, int64_t refund,
                         const sb_session_plan_t *plan, int64_t now)
{
    bson_t set;

    if (!sb_mongo_session_by_id(filter, id)) {
        return 0;
    }
    BSON_APPEND_BOOL(filter, "isDisputed", true);
    bson_append_null(filter, "disputeResolvedAt", -1);
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
    sb_mongo_append_time(&set, "disputeResolvedAt", now);
    BSON_APPEND_INT64(&set, "disputeRefund", refund);
    sb_mongo_append_time(&set, "updatedAt", now);
    sb_mongo_append_intent(&set, plan->m, plan->n, now);
    bson_append_document_end(update, &set);
    return 1;
}

int sb_mongo_resolve_undo(bson_t *filter, bson_t *update, const char *id, int64_t now)
{
    if (!sb_id_valid(id)) {
        return 0;
    }
    sb_mongo_json_doc(filter,
                      "{\"_id\": " SB_OID ", \"disputeResolvedAt\": " SB_DATE ","
                      " \"moves\": {\"$exists\": true}}",
                      id, now);
    sb_mongo_json_doc(update, "{\"$set\": {\"disputeResolvedAt\": null,"
                              " \"disputeRefund\": {\"$numberLong\": \"0\"}},"
                              " \"$unset\": {\"moves\": \"\", \"movesAt\": \"\"}}");
    return 1;
}

int sb_mongo_review_doc(bson_t *b, const sb_review_new_t *r, const char *reviewee, int64_t now)
{
    bson_init(b);
    if (!sb_mongo_append_id(b, "_id", r->id) || !sb_mongo_append_id(b, "sessionId", r->session_id)
        || !sb_mongo_append_id(b, "reviewerId", r->reviewer_id)
        || !sb_mongo_append_id(b, "revieweeId", reviewee)) {
        bson_destroy(b);
        return 0;
    }
    BSON_APPEND_INT32(b, "rating", r->rating);
    sb_mongo_append_str_or_null(b, "feedback", r->feedback);
    if (r->would_recommend >= 0) {
        BSON_APPEND_BOOL(b, "wouldRecommend", r->would_recommend != 0);
    }
    else {
        bson_append_null(b, "wouldRecommend", -1);
    }
    sb_mongo_append_time(b, "createdAt", now);
    return 1;
}

int sb_mongo_rating_update(bson_t *filter, bson_t *pipeline, const char *reviewee, int rating)
{
    if (!sb_id_valid(reviewee)) {
        return 0;
    }
    sb_mongo_json_doc(filter, "{\"_id\": " SB_OID "}", reviewee);
    /* the mean of the kept sum and count, never a running float */
    sb_mongo_json_array(
        pipeline,
        "[{\"$set\": {\"ratingSum\": {\"$add\": [{\"$ifNull\": [\"$ratingSum\", 0]},"
        "   {\"$numberLong\": \"%d\"}]},"
        "  \"totalReviews\": {\"$add\": [{\"$ifNull\": [\"$totalReviews\", 0]}, 1]}}},"
        " {\"$set\": {\"rating\": {\"$divide\": [\"$ratingSum\", \"$totalReviews\"]}}}]",
        rating);
    return 1;
}

int sb_mongo_reviews_page_pipeline(bson_t *pipeline, const char *user_id, int64_t after_created_at,
                                   const char *after_id, int limit)
{
    char before[256] = "";

    if (!sb_id_valid(user_id) || (after_id && !sb_id_valid(after_id))) {
        return 0;
    }
    if (after_id) {
        snprintf(before, sizeof(before),
                 ", \"$or\": [{\"createdAt\": {\"$lt\": " SB_DATE "}}, {\"createdAt\": " SB_DATE
                 ", \"_id\": {\"$lt\": " SB_OID "}}]",
                 after_created_at, after_created_at, after_id);
    }
    /* the reviewer and the session must still exist (SQLite joins both) */
    return sb_mongo_json_array(
        pipeline,
        "[{\"$match\": {\"revieweeId\": " SB_OID "%s}},"
        " {\"$sort\": {\"createdAt\": -1, \"_id\": -1}},"
        " {\"$lookup\": {\"from\": \"users\", \"localField\": \"reviewerId\","
        "   \"foreignField\": \"_id\", \"as\": \"reviewer\"}},"
        " {\"$unwind\": \"$reviewer\"},"
        " {\"$lookup\": {\"from\": \"sessions\", \"localField\": \"sessionId\","
        "   \"foreignField\": \"_id\", \"as\": \"session\"}},"
        " {\"$unwind\": \"$session\"},"
        " {\"$limit\": %d},"
        " {\"$set\": {\"skill\": \"$session.skill\"}}, {\"$unset\": \"session\"}]",
        user_id, before, (limit > 0 ? limit : 0) + 1);
}

int sb_mongo_calendar_set(bson_t *filter, bson_t *update, const char *user_id,
                          const char *token_hash)
{
    bson_t set;

    bson_init(filter);
    if (!sb_mongo_append_id(filter, "_id", user_id)) {
        bson_destroy(filter);
        return 0;
    }
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
    sb_mongo_append_str_or_null(&set, "calendarToken", token_hash);
    bson_append_document_end(update, &set);
    return 1;
}

void sb_mongo_calendar_user(bson_t *filter, const char *token_hash, int64_t now)
{
    bson_t alt;

    /* the visibility rule of sb_mongo_filter_visible, without an id */
    sb_mongo_json_doc(filter,
                      "{\"isActive\": true, \"$or\": [{\"isBanned\": false},"
                      " {\"banExpiresAt\": {\"$lte\": " SB_DATE "}}]}",
                      now);
    bson_init(&alt);
    BSON_APPEND_UTF8(&alt, "calendarToken", token_hash ? token_hash : "");
    bson_concat(&alt, filter);
    bson_destroy(filter);
    bson_copy_to(&alt, filter);
    bson_destroy(&alt);
}

void sb_mongo_person_opts(bson_t *opts)
{
    sb_mongo_json_doc(opts, "{\"projection\": {\"username\": 1, \"firstName\": 1,"
                            " \"lastName\": 1, \"profilePicture\": 1, \"timezone\": 1,"
                            " \"rating\": 1, \"totalReviews\": 1}}");
}

void sb_mongo_person_from_doc(apr_pool_t *p, const bson_t *doc, sb_session_person_t *u)
{
    memset(u, 0, sizeof(*u));
    sb_mongo_doc_id(doc, "_id", u->id);
    u->username = sb_mongo_doc_str(p, doc, "username");
    u->first_name = sb_mongo_doc_str(p, doc, "firstName");
    u->last_name = sb_mongo_doc_str(p, doc, "lastName");
    u->profile_picture = sb_mongo_doc_str(p, doc, "profilePicture");
    u->timezone = sb_mongo_doc_str(p, doc, "timezone");
    u->rating = sb_mongo_doc_double(doc, "rating");
    u->total_reviews = (int)sb_mongo_doc_int(doc, "totalReviews");
}

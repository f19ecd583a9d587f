/*
 * MongoDB driver: documents, filters and pipelines of the outbox and notifications (pure
 * builders). Event types and payloads, notification texts: BSON values, $literal inside a
 * pipeline.
 */
#include "mongo_outbox.h"

#include <string.h>

#include <apr_strings.h>

int sb_mongo_outbox_doc(bson_t *filter, bson_t *pipeline, const char *id, const char *user_id,
                        int64_t user_seq, int64_t pos, const char *type, const char *data,
                        int64_t now)
{
    bson_t st, set;
    bson_oid_t uid;

    bson_init(filter);
    if (!sb_mongo_append_id(filter, "_id", id) || !sb_mongo_oid_from_id(user_id, &uid)) {
        bson_destroy(filter);
        return 0;
    }
    bson_init(pipeline);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "0", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$set", &set);
    BSON_APPEND_INT64(&set, "pos", pos);
    bson_append_oid(&set, "userId", -1, &uid);
    BSON_APPEND_INT64(&set, "userSeq", user_seq);
    sb_mongo_append_literal(&set, "type", type);
    sb_mongo_append_literal(&set, "data", data ? data : "{}");
    bson_append_date_time(&set, "createdAt", -1, now);
    BSON_APPEND_UTF8(&set, "insertedAt", "$$NOW");
    bson_append_document_end(&st, &set);
    bson_append_document_end(pipeline, &st);
    return 1;
}

void sb_mongo_counter_next(bson_t *filter, bson_t *update, const bson_t *key)
{
    bson_t inc;
    bson_iter_t it;

    bson_init(filter);
    if (bson_iter_init_find(&it, key, "_id")) {
        bson_append_iter(filter, "_id", -1, &it);
    }
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$inc", &inc);
    BSON_APPEND_INT64(&inc, "seq", 1);
    bson_append_document_end(update, &inc);
}

static void sb_mongo_sorted(bson_t *opts, const char *key, int limit)
{
    bson_t sort;

    bson_init(opts);
    BSON_APPEND_DOCUMENT_BEGIN(opts, "sort", &sort);
    BSON_APPEND_INT32(&sort, key, 1);
    bson_append_document_end(opts, &sort);
    if (limit > 0) {
        BSON_APPEND_INT64(opts, "limit", limit);
    }
}

int sb_mongo_outbox_after_seq(bson_t *filter, bson_t *opts, const char *user_id, int64_t seq,
                              int limit)
{
    bson_t gt;

    bson_init(filter);
    if (!sb_mongo_append_id(filter, "userId", user_id)) {
        bson_destroy(filter);
        return 0;
    }
    BSON_APPEND_DOCUMENT_BEGIN(filter, "userSeq", &gt);
    BSON_APPEND_INT64(&gt, "$gt", seq);
    bson_append_document_end(filter, &gt);
    sb_mongo_sorted(opts, "userSeq", limit);
    return 1;
}

void sb_mongo_outbox_after_pos(bson_t *filter, bson_t *opts, int64_t pos, int limit)
{
    bson_t gt;

    bson_init(filter);
    BSON_APPEND_DOCUMENT_BEGIN(filter, "pos", &gt);
    BSON_APPEND_INT64(&gt, "$gt", pos);
    bson_append_document_end(filter, &gt);
    sb_mongo_sorted(opts, "pos", limit);
}

/* {_id: id, $expr: {$lt: ["$insertedAt", {$subtract: ["$$NOW", GAP]}]}} */
void sb_mongo_outbox_settled(bson_t *filter, const bson_oid_t *id)
{
    bson_t expr, lt, sub, sargs;

    bson_init(filter);
    bson_append_oid(filter, "_id", -1, id);
    BSON_APPEND_DOCUMENT_BEGIN(filter, "$expr", &expr);
    BSON_APPEND_ARRAY_BEGIN(&expr, "$lt", &lt);
    BSON_APPEND_UTF8(&lt, "0", "$insertedAt");
    BSON_APPEND_DOCUMENT_BEGIN(&lt, "1", &sub);
    BSON_APPEND_ARRAY_BEGIN(&sub, "$subtract", &sargs);
    BSON_APPEND_UTF8(&sargs, "0", "$$NOW");
    BSON_APPEND_INT64(&sargs, "1", SB_MONGO_OUTBOX_GAP_MS);
    bson_append_array_end(&sub, &sargs);
    bson_append_document_end(&lt, &sub);
    bson_append_array_end(&expr, &lt);
    bson_append_document_end(filter, &expr);
}

int sb_mongo_notification_doc(bson_t *b, const sb_notification_new_t *n, int64_t now)
{
    bson_init(b);
    if (!sb_mongo_append_id(b, "_id", n->id) || !sb_mongo_append_id(b, "userId", n->user_id)
        || !n->type || !n->title) {
        bson_destroy(b);
        return 0;
    }
    BSON_APPEND_UTF8(b, "type", n->type);
    BSON_APPEND_UTF8(b, "title", n->title);
    BSON_APPEND_UTF8(b, "body", n->body ? n->body : "");
    sb_mongo_append_str_or_null(b, "link", n->link);
    BSON_APPEND_UTF8(b, "data", n->data ? n->data : "{}");
    sb_mongo_append_str_or_null(b, "subjectId", n->subject_id);
    BSON_APPEND_BOOL(b, "isRead", false);
    bson_append_null(b, "readAt", -1);
    sb_mongo_append_time(b, "createdAt", now);
    return 1;
}

int sb_mongo_notifications_page(bson_t *filter, bson_t *opts, const char *user_id,
                                int64_t after_created_at, const char *after_id, int limit)
{
    bson_t sort;
    bson_oid_t oid;

    bson_init(filter);
    if (!sb_mongo_append_id(filter, "userId", user_id)) {
        bson_destroy(filter);
        return 0;
    }
    if (after_id) {
        if (!sb_mongo_oid_from_id(after_id, &oid)) {
            bson_oid_init_from_data(&oid, (const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\xff"
                                                           "\xff\xff\xff\xff");
        }
        sb_mongo_append_before(filter, "createdAt", after_created_at, &oid);
    }
    bson_init(opts);
    BSON_APPEND_DOCUMENT_BEGIN(opts, "sort", &sort);
    BSON_APPEND_INT32(&sort, "createdAt", -1);
    BSON_APPEND_INT32(&sort, "_id", -1);
    bson_append_document_end(opts, &sort);
    BSON_APPEND_INT64(opts, "limit", (limit > 0 ? limit : 0) + 1);
    return 1;
}

int sb_mongo_notification_read(bson_t *filter, bson_t *pipeline, const char *user_id,
                               const char *id, int64_t now)
{
    bson_t st, set, ifn, args;

    bson_init(filter);
    if (!sb_mongo_append_id(filter, "_id", id) || !sb_mongo_append_id(filter, "userId", user_id)) {
        bson_destroy(filter);
        return 0;
    }
    bson_init(pipeline);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "0", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$set", &set);
    BSON_APPEND_BOOL(&set, "isRead", true);
    BSON_APPEND_DOCUMENT_BEGIN(&set, "readAt", &ifn);
    BSON_APPEND_ARRAY_BEGIN(&ifn, "$ifNull", &args);
    BSON_APPEND_UTF8(&args, "0", "$readAt");
    bson_append_date_time(&args, "1", -1, now);
    bson_append_array_end(&ifn, &args);
    bson_append_document_end(&set, &ifn);
    bson_append_document_end(&st, &set);
    bson_append_document_end(pipeline, &st);
    return 1;
}

void sb_mongo_notification_from_doc(apr_pool_t *p, const bson_t *doc, sb_notification_t *n)
{
    memset(n, 0, sizeof(*n));
    sb_mongo_doc_id(doc, "_id", n->id);
    sb_mongo_doc_id(doc, "userId", n->user_id);
    n->type = sb_mongo_doc_str(p, doc, "type");
    n->title = sb_mongo_doc_str(p, doc, "title");
    n->body = sb_mongo_doc_str(p, doc, "body");
    n->link = sb_mongo_doc_str(p, doc, "link");
    n->data = sb_mongo_doc_str(p, doc, "data");
    n->subject_id = sb_mongo_doc_str(p, doc, "subjectId");
    n->is_read = sb_mongo_doc_int(doc, "isRead") != 0;
    n->read_at = sb_mongo_get_time(doc, "readAt");
    n->created_at = sb_mongo_get_time(doc, "createdAt");
}

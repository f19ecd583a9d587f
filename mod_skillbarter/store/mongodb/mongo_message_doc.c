/*
 * MongoDB driver: documents, filters and pipelines of messages and conversation summaries
 * (pure builders, unit-tested against expected documents).
 */
#include "mongo_messages.h"

#include <stdarg.h>
#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"
#include "sb_session_rules.h"

const char *sb_mongo_pair(char buf[SB_MONGO_PAIR_LEN], const char *a, const char *b)
{
    if (!sb_id_valid(a) || !sb_id_valid(b)) {
        return NULL;
    }
    apr_snprintf(buf, SB_MONGO_PAIR_LEN, "%s%s", strcmp(a, b) < 0 ? a : b,
                 strcmp(a, b) < 0 ? b : a);
    return buf;
}

static int sb_mongo_json_v(bson_t *b, int array, const char *fmt, va_list ap)
{
    char *text = bson_strdupv_printf(fmt, ap), *wrapped;
    bson_t doc;
    bson_iter_t it;
    bson_error_t e;
    int ok = 0;

    bson_init(b);
    wrapped = array ? bson_strdup_printf("{\"a\": %s}", text) : bson_strdup(text);
    if (bson_init_from_json(&doc, wrapped, -1, &e)) {
        if (!array) {
            bson_destroy(b);
            bson_copy_to(&doc, b);
            ok = 1;
        }
        else if (bson_iter_init_find(&it, &doc, "a") && BSON_ITER_HOLDS_ARRAY(&it)) {
            const uint8_t *data;
            uint32_t len;
            bson_t arr;
            bson_iter_array(&it, &len, &data);
            if (bson_init_static(&arr, data, len)) {
                bson_destroy(b);
                bson_copy_to(&arr, b);
                ok = 1;
            }
        }
        bson_destroy(&doc);
    }
    bson_free(wrapped);
    bson_free(text);
    return ok;
}

int sb_mongo_json_doc(bson_t *b, const char *fmt, ...)
{
    va_list ap;
    int ok;

    va_start(ap, fmt);
    ok = sb_mongo_json_v(b, 0, fmt, ap);
    va_end(ap);
    return ok;
}

int sb_mongo_json_array(bson_t *b, const char *fmt, ...)
{
    va_list ap;
    int ok;

    va_start(ap, fmt);
    ok = sb_mongo_json_v(b, 1, fmt, ap);
    va_end(ap);
    return ok;
}

int sb_mongo_message_doc(bson_t *b, const sb_message_t *m)
{
    char pair[SB_MONGO_PAIR_LEN];

    bson_init(b);
    if (!sb_mongo_pair(pair, m->sender_id, m->receiver_id) || !sb_mongo_append_id(b, "_id", m->id)
        || (m->reply_to[0] && !sb_id_valid(m->reply_to))) {
        bson_destroy(b);
        return 0;
    }
    BSON_APPEND_UTF8(b, "pair", pair);
    sb_mongo_append_id(b, "senderId", m->sender_id);
    sb_mongo_append_id(b, "receiverId", m->receiver_id);
    BSON_APPEND_UTF8(b, "content", m->content ? m->content : "");
    BSON_APPEND_UTF8(b, "messageType", m->message_type ? m->message_type : "text");
    BSON_APPEND_BOOL(b, "isRead", m->is_read != 0);
    sb_mongo_append_time(b, "readAt", m->read_at);
    sb_mongo_append_id_or_null(b, "replyTo", m->reply_to);
    BSON_APPEND_BOOL(b, "isDeleted", m->is_deleted != 0);
    sb_mongo_append_time(b, "deletedAt", m->deleted_at);
    sb_mongo_append_id_or_null(b, "deletedBy", m->deleted_by);
    sb_mongo_append_time(b, "createdAt", m->created_at);
    sb_mongo_append_time(b, "updatedAt", m->updated_at ? m->updated_at : m->created_at);
    if (m->session && !sb_mongo_append_session_copy(b, m->session)) {
        bson_destroy(b);
        return 0;
    }
    return 1;
}

int sb_mongo_append_session_copy(bson_t *b, const sb_message_session_t *d)
{
    if (!sb_mongo_append_id(b, SB_MONGO_COPY_ID, d->session_id)) {
        return 0;
    }
    sb_mongo_append_str_or_null(b, SB_MONGO_COPY_SKILL, d->skill);
    BSON_APPEND_INT64(b, SB_MONGO_COPY_DURATION, d->duration);
    sb_mongo_append_time(b, SB_MONGO_COPY_PROPOSED, d->proposed_time);
    sb_mongo_append_str_or_null(b, SB_MONGO_COPY_DESCRIPTION, d->description);
    BSON_APPEND_UTF8(b, SB_MONGO_COPY_STATUS, d->status ? d->status : "pending");
    return 1;
}

const sb_message_session_t *sb_mongo_session_copy(apr_pool_t *p, const bson_t *doc)
{
    sb_message_session_t *d = apr_pcalloc(p, sizeof(*d));

    if (!sb_mongo_doc_id(doc, SB_MONGO_COPY_ID, d->session_id)) {
        return NULL;
    }
    d->skill = sb_mongo_doc_str(p, doc, SB_MONGO_COPY_SKILL);
    d->duration = sb_mongo_doc_int(doc, SB_MONGO_COPY_DURATION);
    d->proposed_time = sb_mongo_get_time(doc, SB_MONGO_COPY_PROPOSED);
    d->description = sb_mongo_doc_str(p, doc, SB_MONGO_COPY_DESCRIPTION);
    d->status = sb_mongo_doc_str(p, doc, SB_MONGO_COPY_STATUS);
    return d;
}

void sb_mongo_message_from_doc(apr_pool_t *p, const bson_t *doc, sb_message_t *m)
{
    memset(m, 0, sizeof(*m));
    sb_mongo_doc_id(doc, "_id", m->id);
    sb_mongo_doc_id(doc, "senderId", m->sender_id);
    sb_mongo_doc_id(doc, "receiverId", m->receiver_id);
    m->content = sb_mongo_doc_str(p, doc, "content");
    m->message_type = sb_mongo_doc_str(p, doc, "messageType");
    m->is_read = sb_mongo_doc_int(doc, "isRead") != 0;
    m->read_at = sb_mongo_get_time(doc, "readAt");
    sb_mongo_doc_id(doc, "replyTo", m->reply_to);
    m->is_deleted = sb_mongo_doc_int(doc, "isDeleted") != 0;
    m->deleted_at = sb_mongo_get_time(doc, "deletedAt");
    sb_mongo_doc_id(doc, "deletedBy", m->deleted_by);
    m->created_at = sb_mongo_get_time(doc, "createdAt");
    m->updated_at = sb_mongo_get_time(doc, "updatedAt");
    m->session = sb_mongo_session_copy(p, doc);
}

#define SB_DATE "{\"$date\": {\"$numberLong\": \"%" APR_INT64_T_FMT "\"}}"
#define SB_OID  "{\"$oid\": \"%s\"}"

int sb_mongo_summary_upsert(bson_t *filter, bson_t *pipeline, const char *user_id,
                            const char *partner_id, const char *message_id, int64_t at,
                            int64_t unread)
{
    if (!sb_id_valid(user_id) || !sb_id_valid(partner_id) || !sb_id_valid(message_id)) {
        return 0;
    }
    sb_mongo_json_doc(filter, "{\"userId\": " SB_OID ", \"partnerId\": " SB_OID "}", user_id,
                      partner_id);
    return sb_mongo_json_array(pipeline,
                               "[{\"$set\": {\"newer\": {\"$or\": ["
                               "   {\"$eq\": [{\"$ifNull\": [\"$lastMessageId\", null]}, null]},"
                               "   {\"$gt\": [" SB_DATE ", \"$lastAt\"]},"
                               "   {\"$and\": [{\"$eq\": [" SB_DATE ", \"$lastAt\"]},"
                               "     {\"$gt\": [" SB_OID ", \"$lastMessageId\"]}]}]}}},"
                               " {\"$set\": {\"lastMessageId\": {\"$cond\": [\"$newer\", " SB_OID
                               ", \"$lastMessageId\"]},"
                               "   \"lastAt\": {\"$cond\": [\"$newer\", " SB_DATE ", \"$lastAt\"]},"
                               "   \"unread\": {\"$add\": [{\"$ifNull\": [\"$unread\", 0]},"
                               "     {\"$numberLong\": \"%" APR_INT64_T_FMT "\"}]}}},"
                               " {\"$unset\": \"newer\"}]",
                               at, at, message_id, message_id, at, unread);
}

int sb_mongo_filter_visible(bson_t *b, const char *id, int64_t now)
{
    if (!sb_id_valid(id)) {
        bson_init(b);
        bson_destroy(b);
        return 0;
    }
    return sb_mongo_json_doc(b,
                             "{\"_id\": " SB_OID ", \"isActive\": true, \"$or\": ["
                             " {\"isBanned\": false}, {\"banExpiresAt\": {\"$lte\": " SB_DATE
                             "}}]}",
                             id, now);
}

int sb_mongo_conversation_page_query(bson_t *filter, bson_t *opts, const char *pair,
                                     int64_t after_created_at, const char *after_id, int limit)
{
    bson_oid_t oid;

    bson_init(filter);
    BSON_APPEND_UTF8(filter, "pair", pair);
    BSON_APPEND_BOOL(filter, "isDeleted", false);
    if (after_id) {
        if (!sb_mongo_oid_from_id(after_id, &oid)) {
            bson_destroy(filter);
            return 0;
        }
        sb_mongo_append_before(filter, "createdAt", after_created_at, &oid);
    }
    return sb_mongo_json_doc(opts, "{\"sort\": {\"createdAt\": -1, \"_id\": -1}, \"limit\": %d}",
                             (limit > 0 ? limit : 0) + 1);
}

/* The partner must be visible at now; a summary without a last message is not listed. */
int sb_mongo_conversations_pipeline(bson_t *pipeline, const char *user_id, int64_t now, int offset,
                                    int limit)
{
    if (!sb_id_valid(user_id)) {
        bson_init(pipeline);
        bson_destroy(pipeline);
        return 0;
    }
    return sb_mongo_json_array(
        pipeline,
        "[{\"$match\": {\"userId\": " SB_OID ", \"lastMessageId\": {\"$ne\": null}}},"
        " {\"$sort\": {\"lastAt\": -1, \"partnerId\": -1}},"
        " {\"$lookup\": {\"from\": \"users\", \"localField\": \"partnerId\","
        "   \"foreignField\": \"_id\", \"as\": \"partner\"}},"
        " {\"$unwind\": \"$partner\"},"
        " {\"$match\": {\"partner.isActive\": true, \"$or\": [{\"partner.isBanned\": false},"
        "   {\"partner.banExpiresAt\": {\"$lte\": " SB_DATE "}}]}},"
        " {\"$skip\": %d}, {\"$limit\": %d},"
        " {\"$lookup\": {\"from\": \"messages\", \"localField\": \"lastMessageId\","
        "   \"foreignField\": \"_id\", \"as\": \"last\"}},"
        " {\"$unwind\": \"$last\"}]",
        user_id, now, offset > 0 ? offset : 0, limit > 0 ? limit : 1);
}

void sb_mongo_unread_minus_one(bson_t *pipeline)
{
    sb_mongo_json_array(pipeline, "[{\"$set\": {\"unread\": {\"$max\": [{\"$subtract\": ["
                                  "{\"$ifNull\": [\"$unread\", 0]}, 1]}, 0]}}}]");
}

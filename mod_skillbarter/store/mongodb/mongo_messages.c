/*
 * MongoDB driver: messages and the conversation summaries (read marks and deletes:
 * mongo_message_marks.c). Each change writes the message,
 * both sides' summaries and the caller's events in one atomic step (sb_mongo_atomic). Without
 * a transaction the message is written first and the summaries and events after it: cut
 * short, a message the list shows after the pair's next change, never a summary or an event
 * about a message that is not there.
 */
#include "mongo_messages.h"
#include "mongo_blocks.h"
#include "mongo_outbox.h"
#include "mongo_sessions.h"

#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>

#include "sb_id.h"

#define SB_MESSAGES "messages"
#define SB_CONVS    "conversations"
#define SB_DATE     "{\"$date\": {\"$numberLong\": \"%" APR_INT64_T_FMT "\"}}"

sb_store_status_t sb_mongo_events(sb_store_conn_t *c, const bson_t *opts,
                                  const sb_outbox_event_t *ev, int n, int64_t now,
                                  sb_store_error_t *err)
{
    int i;

    for (i = 0; i < n; i++) {
        sb_store_status_t st =
            sb_mongo_outbox_add(c, opts, ev[i].user_id, ev[i].type, ev[i].data, now, NULL, err);
        if (st != SB_STORE_OK) {
            return st;
        }
    }
    return SB_STORE_OK;
}

int sb_mongo_exists(sb_store_conn_t *c, const char *coll, const bson_t *filter, const bson_t *opts,
                    sb_store_error_t *err)
{
    bson_t doc;
    sb_store_status_t st = sb_mongo_find_one(c, coll, filter, opts, &doc, coll, err);

    bson_destroy(&doc);
    if (st == SB_STORE_NOT_FOUND) {
        err->status = SB_STORE_OK;
        err->message[0] = '\0';
        return 0;
    }
    return st == SB_STORE_OK ? 1 : -1;
}

sb_store_status_t sb_mongo_summary(sb_store_conn_t *c, const bson_t *opts, const char *user_id,
                                   const char *partner_id, const char *message_id, int64_t at,
                                   int64_t unread, sb_store_error_t *err)
{
    bson_t filter, pipeline;
    sb_store_status_t st;

    if (!sb_mongo_summary_upsert(&filter, &pipeline, user_id, partner_id, message_id, at, unread)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "summary: bad ids");
    }
    st = sb_mongo_summary_change(c, opts, &filter, &pipeline, 1, err);
    bson_destroy(&filter);
    bson_destroy(&pipeline);
    return st;
}

/* ---- send ---- */

typedef struct {
    const sb_message_new_t *m;
    const bson_t *doc;
    const sb_outbox_event_t *events;
    int nevents;
    const sb_notification_new_t *notify;
    int64_t now;
    int notified;
} sb_mongo_send_t;

/* The checks of message_send: a visible receiver, no block by the receiver, a reply within
 * the conversation. */
static sb_store_status_t sb_mongo_send_checks(sb_store_conn_t *c, const bson_t *opts,
                                              const sb_message_new_t *m, int64_t now,
                                              sb_store_error_t *err)
{
    char pair[SB_MONGO_PAIR_LEN];
    bson_t filter;
    int r;

    if (!sb_mongo_filter_visible(&filter, m->receiver_id, now)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, "receiver", "no such receiver");
    }
    r = sb_mongo_exists(c, "users", &filter, opts, err);
    bson_destroy(&filter);
    if (r <= 0) {
        return r < 0 ? err->status
                     : sb_store_fail(err, SB_STORE_NOT_FOUND, "receiver", "no such receiver");
    }
    if (sb_mongo_block_pair(&filter, NULL, m->receiver_id, m->sender_id, 0)) {
        r = sb_mongo_exists(c, "user_blocks", &filter, opts, err);
        bson_destroy(&filter);
        if (r != 0) {
            return r < 0 ? err->status
                         : sb_store_fail(err, SB_STORE_REFUSED, "receiver",
                                         "the receiver blocked the sender");
        }
    }
    if (m->reply_to) {
        bson_init(&filter);
        sb_mongo_append_id(&filter, "_id", m->reply_to);
        BSON_APPEND_UTF8(&filter, "pair", sb_mongo_pair(pair, m->sender_id, m->receiver_id));
        BSON_APPEND_BOOL(&filter, "isDeleted", false);
        r = sb_mongo_exists(c, SB_MESSAGES, &filter, opts, err);
        bson_destroy(&filter);
        if (r <= 0) {
            return r < 0 ? err->status
                         : sb_store_fail(err, SB_STORE_NOT_FOUND, "replyTo",
                                         "replyTo is not a message of this conversation");
        }
    }
    return SB_STORE_OK;
}

static sb_store_status_t sb_mongo_send_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                            sb_store_error_t *err)
{
    sb_mongo_send_t *x = ctx;
    const sb_message_new_t *m = x->m;
    sb_store_status_t st;
    bson_t filter, ndoc;
    int r;

    x->notified = 0;
    if ((st = sb_mongo_send_checks(c, opts, m, x->now, err)) != SB_STORE_OK
        || (st = sb_mongo_insert(c, SB_MESSAGES, x->doc, opts, "message insert", err))
               != SB_STORE_OK
        || (st = sb_mongo_summary(c, opts, m->sender_id, m->receiver_id, m->id, x->now, 0, err))
               != SB_STORE_OK
        || (st = sb_mongo_summary(c, opts, m->receiver_id, m->sender_id, m->id, x->now, 1, err))
               != SB_STORE_OK
        || (st = sb_mongo_events(c, opts, x->events, x->nevents, x->now, err)) != SB_STORE_OK
        || !x->notify) {
        return st;
    }
    /* one unread notification per type and subject */
    bson_init(&filter);
    if (!sb_mongo_append_id(&filter, "userId", x->notify->user_id)) {
        bson_destroy(&filter);
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "message_send: bad notification");
    }
    BSON_APPEND_BOOL(&filter, "isRead", false);
    BSON_APPEND_UTF8(&filter, "type", x->notify->type ? x->notify->type : "");
    if (x->notify->subject_id) {
        BSON_APPEND_UTF8(&filter, "subjectId", x->notify->subject_id);
    }
    else {
        bson_append_null(&filter, "subjectId", -1);
    }
    r = sb_mongo_exists(c, "notifications", &filter, opts, err);
    bson_destroy(&filter);
    if (r != 0) {
        return r < 0 ? err->status : SB_STORE_OK;
    }
    if (!sb_mongo_notification_doc(&ndoc, x->notify, x->now)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "message_send: bad notification");
    }
    st = sb_mongo_insert(c, "notifications", &ndoc, opts, "notification", err);
    bson_destroy(&ndoc);
    if (st == SB_STORE_OK) {
        st = sb_mongo_outbox_add(c, opts, x->notify->user_id, "notification:new",
                                 x->notify->event_data, x->now, NULL, err);
    }
    x->notified = st == SB_STORE_OK;
    return st;
}

sb_store_status_t sb_mongo_message_send(sb_store_conn_t *c, const sb_message_new_t *m,
                                        const sb_outbox_event_t *events, int nevents,
                                        const sb_notification_new_t *notify, int64_t now,
                                        int *notified, sb_store_error_t *err)
{
    sb_message_t row;
    bson_t doc;
    sb_mongo_send_t x = {m, &doc, events, nevents, notify, now, 0};
    sb_store_status_t st;

    if (notified) {
        *notified = 0;
    }
    if (!m->id || !sb_id_valid(m->id) || !sb_id_valid(m->sender_id)
        || (m->reply_to && !sb_id_valid(m->reply_to))) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "message_send: bad ids");
    }
    if (!sb_id_valid(m->receiver_id)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, "receiver", "no such receiver");
    }
    memset(&row, 0, sizeof(row));
    apr_cpystrn(row.id, m->id, sizeof(row.id));
    apr_cpystrn(row.sender_id, m->sender_id, sizeof(row.sender_id));
    apr_cpystrn(row.receiver_id, m->receiver_id, sizeof(row.receiver_id));
    apr_cpystrn(row.reply_to, m->reply_to ? m->reply_to : "", sizeof(row.reply_to));
    row.content = m->content;
    row.message_type = m->message_type;
    row.created_at = row.updated_at = now;
    if (!sb_mongo_message_doc(&doc, &row)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "message_send: bad ids");
    }
    st = sb_mongo_atomic(c, sb_mongo_send_step, &x, err);
    bson_destroy(&doc);
    if (st == SB_STORE_OK && notified) {
        *notified = x.notified;
    }
    return st;
}

/* ---- reads ---- */

sb_store_status_t sb_mongo_message_get(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                       sb_message_t **out, sb_store_error_t *err)
{
    bson_t filter = BSON_INITIALIZER, doc;
    sb_store_status_t st;

    *out = NULL;
    if (!sb_mongo_append_id(&filter, "_id", id)) {
        bson_destroy(&filter);
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such message");
    }
    st = sb_mongo_find_one(c, SB_MESSAGES, &filter, NULL, &doc, "message get", err);
    bson_destroy(&filter);
    if (st == SB_STORE_OK) {
        *out = apr_palloc(p, sizeof(**out));
        sb_mongo_message_from_doc(p, &doc, *out);
    }
    bson_destroy(&doc);
    if (st == SB_STORE_OK && (st = sb_mongo_message_sessions(c, p, *out, 1, err)) != SB_STORE_OK) {
        *out = NULL;
    }
    return st == SB_STORE_NOT_FOUND
               ? sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such message")
               : st;
}

sb_store_status_t sb_mongo_conversation_page(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                             const char *partner_id, int64_t after_created_at,
                                             const char *after_id, int limit,
                                             apr_array_header_t **out, int *has_more,
                                             sb_store_error_t *err)
{
    char pair[SB_MONGO_PAIR_LEN];
    mongoc_collection_t *col;
    mongoc_cursor_t *cur;
    const bson_t *doc;
    bson_t filter, opts;
    sb_store_status_t st = SB_STORE_OK;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_message_t));
    *has_more = 0;
    if (!sb_mongo_pair(pair, user_id, partner_id)
        || !sb_mongo_conversation_page_query(&filter, &opts, pair, after_created_at, after_id,
                                             limit)) {
        return SB_STORE_OK;
    }
    col = sb_mongo_coll(c, SB_MESSAGES);
    cur = mongoc_collection_find_with_opts(col, &filter, &opts, NULL);
    while (mongoc_cursor_next(cur, &doc)) {
        if ((*out)->nelts == limit) {
            *has_more = 1;
            break;
        }
        sb_mongo_message_from_doc(p, doc, apr_array_push(*out));
    }
    st = sb_mongo_cursor_end(cur, col, st, "conversation page", err);
    bson_destroy(&filter);
    bson_destroy(&opts);
    if (st == SB_STORE_OK) {
        st = sb_mongo_message_sessions(c, p, (sb_message_t *)(*out)->elts, (*out)->nelts, err);
    }
    return st;
}

/* The subdocument under key of doc as a static view. */
static int sb_mongo_sub(const bson_t *doc, const char *key, bson_t *sub)
{
    bson_iter_t it;
    const uint8_t *data;
    uint32_t len;

    if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_DOCUMENT(&it)) {
        return 0;
    }
    bson_iter_document(&it, &len, &data);
    return bson_init_static(sub, data, len);
}

sb_store_status_t sb_mongo_conversations_list(sb_store_conn_t *c, apr_pool_t *p,
                                              const char *user_id, int64_t now, int offset,
                                              int limit, apr_array_header_t **out, int64_t *total,
                                              int64_t *unread, sb_store_error_t *err)
{
    apr_array_header_t *cards = apr_array_make(p, 1, sizeof(sb_user_card_t));
    mongoc_collection_t *col;
    mongoc_cursor_t *cur;
    const bson_t *doc;
    bson_t pipeline;
    sb_store_status_t st;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_conversation_t));
    *total = *unread = 0;
    if (!sb_mongo_conversations_pipeline(&pipeline, user_id, now, offset, limit)) {
        return SB_STORE_OK;
    }
    st = sb_mongo_stats_read(c, user_id, now, total, unread, err);
    if (st != SB_STORE_OK || limit <= 0 || *total <= offset) {
        bson_destroy(&pipeline);
        return st;
    }
    col = sb_mongo_coll(c, SB_CONVS);
    cur = mongoc_collection_aggregate(col, MONGOC_QUERY_NONE, &pipeline, NULL, NULL);
    while (mongoc_cursor_next(cur, &doc)) {
        bson_t partner, last;
        sb_user_card_t *card;
        sb_conversation_t *cv;
        if (!sb_mongo_sub(doc, "partner", &partner) || !sb_mongo_sub(doc, "last", &last)) {
            continue;
        }
        cards->nelts = 0;
        if (!(card = sb_mongo_card_from_doc(p, &partner, cards))) {
            continue;
        }
        cv = apr_array_push(*out);
        cv->partner = *card;
        sb_mongo_message_from_doc(p, &last, &cv->last);
        cv->last.session = NULL; /* the list's last message has no sessionData (as SQLite's) */
        cv->unread = sb_mongo_doc_int(doc, "unread");
    }
    st = sb_mongo_cursor_end(cur, col, st, "conversations", err);
    bson_destroy(&pipeline);
    return st;
}

sb_store_status_t sb_mongo_conversation_partners(sb_store_conn_t *c, apr_pool_t *p,
                                                 const char *user_id, int limit,
                                                 apr_array_header_t **out, sb_store_error_t *err)
{
    mongoc_collection_t *col;
    mongoc_cursor_t *cur;
    const bson_t *doc;
    bson_t filter, opts;
    apr_hash_t *blocked = apr_hash_make(p);
    sb_store_status_t st = SB_STORE_OK;
    char id[SB_ID_LEN + 1];

    *out = apr_array_make(p, 16, sizeof(const char *));
    if (!sb_id_valid(user_id) || limit <= 0) {
        return SB_STORE_OK;
    }
    /* everyone in a block with user_id, either way */
    sb_mongo_json_doc(&filter,
                      "{\"$or\": [{\"blockerId\": {\"$oid\": \"%s\"}},"
                      " {\"blockedId\": {\"$oid\": \"%s\"}}]}",
                      user_id, user_id);
    col = sb_mongo_coll(c, "user_blocks");
    cur = mongoc_collection_find_with_opts(col, &filter, NULL, NULL);
    while (mongoc_cursor_next(cur, &doc)) {
        char a[SB_ID_LEN + 1], b[SB_ID_LEN + 1];
        if (sb_mongo_doc_id(doc, "blockerId", a) && sb_mongo_doc_id(doc, "blockedId", b)) {
            const char *other = strcmp(a, user_id) ? a : b;
            apr_hash_set(blocked, apr_pstrdup(p, other), APR_HASH_KEY_STRING, "");
        }
    }
    st = sb_mongo_cursor_end(cur, col, st, "partners blocks", err);
    bson_destroy(&filter);
    if (st != SB_STORE_OK) {
        return st;
    }
    sb_mongo_json_doc(&filter, "{\"userId\": {\"$oid\": \"%s\"}}", user_id);
    sb_mongo_json_doc(&opts, "{\"sort\": {\"lastAt\": -1, \"partnerId\": -1},"
                             " \"projection\": {\"partnerId\": 1}}");
    col = sb_mongo_coll(c, SB_CONVS);
    cur = mongoc_collection_find_with_opts(col, &filter, &opts, NULL);
    while ((*out)->nelts < limit && mongoc_cursor_next(cur, &doc)) {
        if (sb_mongo_doc_id(doc, "partnerId", id)
            && !apr_hash_get(blocked, id, APR_HASH_KEY_STRING)) {
            APR_ARRAY_PUSH(*out, const char *) = apr_pstrdup(p, id);
        }
    }
    st = sb_mongo_cursor_end(cur, col, st, "partners", err);
    bson_destroy(&filter);
    bson_destroy(&opts);
    return st;
}

/* ---- seeding ---- */

typedef struct {
    const sb_message_t *msgs;
    int n;
} sb_mongo_mbulk_t;

static sb_store_status_t sb_mongo_mbulk_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                             sb_store_error_t *err)
{
    sb_mongo_mbulk_t *x = ctx;
    sb_store_status_t st = SB_STORE_OK;
    int i;

    for (i = 0; st == SB_STORE_OK && i < x->n; i++) {
        const sb_message_t *m = &x->msgs[i];
        bson_t doc;
        if (!sb_mongo_message_doc(&doc, m)) {
            return sb_store_fail(err, SB_STORE_ERROR, NULL, "messages_bulk_insert: bad message %d",
                                 i);
        }
        st = sb_mongo_insert(c, SB_MESSAGES, &doc, opts, "message insert", err);
        bson_destroy(&doc);
        if (st == SB_STORE_OK && !m->is_deleted) {
            st = sb_mongo_summary(c, opts, m->sender_id, m->receiver_id, m->id, m->created_at, 0,
                                  err);
            if (st == SB_STORE_OK) {
                st = sb_mongo_summary(c, opts, m->receiver_id, m->sender_id, m->id, m->created_at,
                                      !m->is_read, err);
            }
        }
    }
    return st;
}

/* Without a transaction a batch cut short keeps the messages written before the failure,
 * each with its summaries (seeding is run again on a fresh store). */
sb_store_status_t sb_mongo_messages_bulk_insert(sb_store_conn_t *c, const sb_message_t *msgs, int n,
                                                sb_store_error_t *err)
{
    sb_mongo_mbulk_t x = {msgs, n};

    if (n < 0 || (n > 0 && !msgs)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "messages_bulk_insert: bad arguments");
    }
    return n == 0 ? SB_STORE_OK : sb_mongo_atomic(c, sb_mongo_mbulk_step, &x, err);
}

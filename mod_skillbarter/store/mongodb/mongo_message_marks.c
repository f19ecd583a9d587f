/*
 * MongoDB driver: read marks (one message, a whole conversation) and deletes, each with the
 * summaries it changes and the caller's events in one atomic step (mongo_messages.c says what
 * a step cut short without a transaction leaves).
 */
#include "mongo_messages.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

#define SB_MESSAGES "messages"
#define SB_CONVS    "conversations"
#define SB_DATE     "{\"$date\": {\"$numberLong\": \"%" APR_INT64_T_FMT "\"}}"

/* ---- read marks ---- */

typedef struct {
    const char *id, *reader_id, *partner_id;
    int64_t now;
    const sb_outbox_event_t *events;
    int nevents;
    int64_t changed;
} sb_mongo_mark_t;

static sb_store_status_t sb_mongo_unread_down(sb_store_conn_t *c, const bson_t *opts,
                                              const char *user_id, const char *partner_id,
                                              sb_store_error_t *err)
{
    bson_t filter, pipeline;
    sb_store_status_t st;

    sb_mongo_json_doc(&filter,
                      "{\"userId\": {\"$oid\": \"%s\"}, \"partnerId\": {\"$oid\": \"%s\"}}",
                      user_id, partner_id);
    sb_mongo_unread_minus_one(&pipeline);
    st = sb_mongo_summary_change(c, opts, &filter, &pipeline, 0, err);
    bson_destroy(&filter);
    bson_destroy(&pipeline);
    return st;
}

static sb_store_status_t sb_mongo_mark_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                            sb_store_error_t *err)
{
    sb_mongo_mark_t *x = ctx;
    bson_t filter, update, before;
    char sender[SB_ID_LEN + 1];
    sb_store_status_t st;
    int r;

    x->changed = 0;
    sb_mongo_json_doc(&filter,
                      "{\"_id\": {\"$oid\": \"%s\"}, \"receiverId\": {\"$oid\": \"%s\"},"
                      " \"isDeleted\": false, \"isRead\": false}",
                      x->id, x->reader_id);
    sb_mongo_json_doc(&update,
                      "{\"$set\": {\"isRead\": true, \"readAt\": " SB_DATE
                      ", \"updatedAt\": " SB_DATE "}}",
                      x->now, x->now);
    st = sb_mongo_find_modify(c, SB_MESSAGES, &filter, &update, 0, opts, &before, "mark read", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    if (st == SB_STORE_OK && sb_mongo_doc_id(&before, "senderId", sender)) {
        bson_destroy(&before);
        if ((st = sb_mongo_unread_down(c, opts, x->reader_id, sender, err)) == SB_STORE_OK
            && (st = sb_mongo_events(c, opts, x->events, x->nevents, x->now, err)) == SB_STORE_OK) {
            x->changed = 1;
        }
        return st;
    }
    bson_destroy(&before);
    if (st != SB_STORE_NOT_FOUND) {
        return st;
    }
    /* nothing changed: already read (fine) or not the reader's message (not found) */
    sb_mongo_json_doc(&filter,
                      "{\"_id\": {\"$oid\": \"%s\"}, \"receiverId\": {\"$oid\": \"%s\"},"
                      " \"isDeleted\": false}",
                      x->id, x->reader_id);
    r = sb_mongo_exists(c, SB_MESSAGES, &filter, opts, err);
    bson_destroy(&filter);
    return r < 0 ? err->status
           : r   ? SB_STORE_OK
                 : sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such message");
}

sb_store_status_t sb_mongo_message_mark_read(sb_store_conn_t *c, const char *id,
                                             const char *reader_id, int64_t now,
                                             const sb_outbox_event_t *events, int nevents,
                                             int *changed, sb_store_error_t *err)
{
    sb_mongo_mark_t x = {id, reader_id, NULL, now, events, nevents, 0};
    sb_store_status_t st;

    *changed = 0;
    if (!sb_id_valid(id) || !sb_id_valid(reader_id)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such message");
    }
    st = sb_mongo_atomic(c, sb_mongo_mark_step, &x, err);
    if (st == SB_STORE_OK) {
        *changed = x.changed != 0;
    }
    return st;
}

static sb_store_status_t sb_mongo_mark_all_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                                sb_store_error_t *err)
{
    sb_mongo_mark_t *x = ctx;
    char pair[SB_MONGO_PAIR_LEN];
    mongoc_collection_t *col;
    bson_t filter, update;
    bson_error_t e;
    int64_t n = 0, left;
    sb_store_status_t st;

    x->changed = 0;
    sb_mongo_pair(pair, x->reader_id, x->partner_id);
    sb_mongo_json_doc(&filter,
                      "{\"pair\": \"%s\", \"receiverId\": {\"$oid\": \"%s\"}, \"senderId\": "
                      "{\"$oid\": \"%s\"}, \"isRead\": false, \"isDeleted\": false,"
                      " \"createdAt\": {\"$lte\": " SB_DATE "}}",
                      pair, x->reader_id, x->partner_id, x->now);
    sb_mongo_json_doc(&update,
                      "{\"$set\": {\"isRead\": true, \"readAt\": " SB_DATE
                      ", \"updatedAt\": " SB_DATE "}}",
                      x->now, x->now);
    st = sb_mongo_update(c, SB_MESSAGES, &filter, &update, opts, 1, &n, "mark conversation", err);
    bson_destroy(&filter);
    bson_destroy(&update);
    if (st != SB_STORE_OK) {
        return st;
    }
    /* the summary's unread counts what is left (messages after now) */
    sb_mongo_json_doc(&filter,
                      "{\"pair\": \"%s\", \"receiverId\": {\"$oid\": \"%s\"}, \"isRead\": false,"
                      " \"isDeleted\": false}",
                      pair, x->reader_id);
    col = sb_mongo_coll(c, SB_MESSAGES);
    left = mongoc_collection_count_documents(col, &filter, opts, NULL, NULL, &e);
    mongoc_collection_destroy(col);
    bson_destroy(&filter);
    if (left < 0) {
        return sb_mongo_fail(&e, NULL, err, "unread recount");
    }
    sb_mongo_json_doc(&filter,
                      "{\"userId\": {\"$oid\": \"%s\"}, \"partnerId\": {\"$oid\": \"%s\"}}",
                      x->reader_id, x->partner_id);
    sb_mongo_json_array(
        &update,
        "[{\"$set\": {\"unread\": {\"$literal\": {\"$numberLong\": \"%" APR_INT64_T_FMT "\"}}}}]",
        left);
    st = sb_mongo_summary_change(c, opts, &filter, &update, 0, err);
    bson_destroy(&filter);
    bson_destroy(&update);
    if (st != SB_STORE_OK) {
        return st;
    }
    /* the reader's unread notifications about the partner */
    sb_mongo_json_doc(&filter,
                      "{\"userId\": {\"$oid\": \"%s\"}, \"subjectId\": \"%s\", \"isRead\": false}",
                      x->reader_id, x->partner_id);
    sb_mongo_json_doc(&update, "{\"$set\": {\"isRead\": true, \"readAt\": " SB_DATE "}}", x->now);
    st = sb_mongo_update(c, "notifications", &filter, &update, opts, 1, NULL, "notifications read",
                         err);
    bson_destroy(&filter);
    bson_destroy(&update);
    if (st == SB_STORE_OK && n > 0) {
        st = sb_mongo_events(c, opts, x->events, x->nevents, x->now, err);
    }
    x->changed = n;
    return st;
}

sb_store_status_t sb_mongo_conversation_mark_read(sb_store_conn_t *c, const char *reader_id,
                                                  const char *partner_id, int64_t now,
                                                  const sb_outbox_event_t *events, int nevents,
                                                  int64_t *count, sb_store_error_t *err)
{
    sb_mongo_mark_t x = {NULL, reader_id, partner_id, now, events, nevents, 0};
    sb_store_status_t st;

    *count = 0;
    if (!sb_id_valid(reader_id) || !sb_id_valid(partner_id)) {
        return SB_STORE_OK;
    }
    st = sb_mongo_atomic(c, sb_mongo_mark_all_step, &x, err);
    if (st == SB_STORE_OK) {
        *count = x.changed;
    }
    return st;
}

/* ---- delete ---- */

/* Both sides whose last message was id move to the newest one left in pair. */
static sb_store_status_t sb_mongo_relast(sb_store_conn_t *c, const bson_t *opts, const char *id,
                                         const char *pair, const char *a, const char *b,
                                         sb_store_error_t *err)
{
    bson_t filter, fopts, newest, update;
    char nid[SB_ID_LEN + 1];
    sb_store_status_t st;
    int side;

    sb_mongo_json_doc(&filter, "{\"pair\": \"%s\", \"isDeleted\": false}", pair);
    sb_mongo_json_doc(&fopts, "{\"sort\": {\"createdAt\": -1, \"_id\": -1}, \"limit\": 1}");
    st = sb_mongo_find_one(c, SB_MESSAGES, &filter, &fopts, &newest, "newest left", err);
    bson_destroy(&filter);
    bson_destroy(&fopts);
    if (st == SB_STORE_OK && sb_mongo_doc_id(&newest, "_id", nid)) {
        sb_mongo_json_array(&update,
                            "[{\"$set\": {\"lastMessageId\": {\"$literal\": {\"$oid\": \"%s\"}},"
                            " \"lastAt\": {\"$literal\": " SB_DATE "}}}]",
                            nid, sb_mongo_get_time(&newest, "createdAt"));
    }
    else if (st == SB_STORE_NOT_FOUND) {
        sb_mongo_json_array(&update, "[{\"$set\": {\"lastMessageId\": null}}]");
        st = SB_STORE_OK;
        err->status = SB_STORE_OK;
        err->message[0] = '\0';
    }
    bson_destroy(&newest);
    if (st != SB_STORE_OK) {
        return st;
    }
    /* each side whose last message it was, with its counters */
    for (side = 0; st == SB_STORE_OK && side < 2; side++) {
        sb_mongo_json_doc(&filter,
                          "{\"userId\": {\"$oid\": \"%s\"}, \"partnerId\": {\"$oid\": \"%s\"},"
                          " \"lastMessageId\": {\"$oid\": \"%s\"}}",
                          side ? b : a, side ? a : b, id);
        st = sb_mongo_summary_change(c, opts, &filter, &update, 0, err);
        bson_destroy(&filter);
    }
    bson_destroy(&update);
    return st;
}

typedef struct {
    const char *id, *sender_id;
    int64_t now;
    const sb_outbox_event_t *events;
    int nevents;
} sb_mongo_delete_t;

static sb_store_status_t sb_mongo_delete_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                              sb_store_error_t *err)
{
    sb_mongo_delete_t *x = ctx;
    bson_t filter, update, before;
    char receiver[SB_ID_LEN + 1], pair[SB_MONGO_PAIR_LEN];
    sb_store_status_t st;
    int was_read;

    sb_mongo_json_doc(&filter,
                      "{\"_id\": {\"$oid\": \"%s\"}, \"senderId\": {\"$oid\": \"%s\"},"
                      " \"isDeleted\": false}",
                      x->id, x->sender_id);
    sb_mongo_json_doc(&update,
                      "{\"$set\": {\"isDeleted\": true, \"deletedAt\": " SB_DATE
                      ", \"deletedBy\": {\"$oid\": \"%s\"}, \"updatedAt\": " SB_DATE "}}",
                      x->now, x->sender_id, x->now);
    st = sb_mongo_find_modify(c, SB_MESSAGES, &filter, &update, 0, opts, &before, "message delete",
                              err);
    bson_destroy(&filter);
    bson_destroy(&update);
    if (st != SB_STORE_OK || !sb_mongo_doc_id(&before, "receiverId", receiver)) {
        bson_destroy(&before);
        return st == SB_STORE_OK || st == SB_STORE_NOT_FOUND
                   ? sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such message")
                   : st;
    }
    was_read = sb_mongo_doc_int(&before, "isRead") != 0;
    bson_destroy(&before);
    if (!was_read
        && (st = sb_mongo_unread_down(c, opts, receiver, x->sender_id, err)) != SB_STORE_OK) {
        return st;
    }
    sb_mongo_pair(pair, receiver, x->sender_id);
    if ((st = sb_mongo_relast(c, opts, x->id, pair, receiver, x->sender_id, err)) == SB_STORE_OK) {
        st = sb_mongo_events(c, opts, x->events, x->nevents, x->now, err);
    }
    return st;
}

sb_store_status_t sb_mongo_message_delete(sb_store_conn_t *c, const char *id, const char *sender_id,
                                          int64_t now, const sb_outbox_event_t *events, int nevents,
                                          sb_store_error_t *err)
{
    sb_mongo_delete_t x = {id, sender_id, now, events, nevents};

    if (!sb_id_valid(id) || !sb_id_valid(sender_id)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such message");
    }
    return sb_mongo_atomic(c, sb_mongo_delete_step, &x, err);
}

/*
 * MongoDB driver: the outbox (append, per-recipient and store-wide reads that never skip a
 * number still being written, prune, heads) and notifications (created with their
 * notification:new event, keyset pages, read marks).
 */
#include "mongo_outbox.h"
#include "mongo_users.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

#define SB_OUTBOX   "outbox"
#define SB_HEADS    "outbox_heads"
#define SB_COUNTERS "counters"
#define SB_NOTIFS   "notifications"

/* counters/outbox_heads: the next number under key (upserted). */
static sb_store_status_t sb_mongo_next(sb_store_conn_t *c, const char *coll, const bson_t *key,
                                       const bson_t *opts, int64_t *out, sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, coll);
    mongoc_find_and_modify_opts_t *fam = mongoc_find_and_modify_opts_new();
    bson_t filter, update, reply, value;
    bson_iter_t it;
    bson_error_t e;
    sb_store_status_t st = SB_STORE_OK;

    *out = 0;
    sb_mongo_counter_next(&filter, &update, key);
    mongoc_find_and_modify_opts_set_update(fam, &update);
    mongoc_find_and_modify_opts_set_flags(fam, MONGOC_FIND_AND_MODIFY_UPSERT
                                                   | MONGOC_FIND_AND_MODIFY_RETURN_NEW);
    if (opts) {
        mongoc_find_and_modify_opts_append(fam, opts);
    }
    if (!mongoc_collection_find_and_modify_with_opts(col, &filter, fam, &reply, &e)) {
        st = sb_mongo_fail(&e, &reply, err, coll);
    }
    else if (bson_iter_init_find(&it, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
        const uint8_t *data;
        uint32_t len;
        bson_iter_document(&it, &len, &data);
        if (bson_init_static(&value, data, len)) {
            *out = sb_mongo_doc_int(&value, "seq");
        }
    }
    if (st == SB_STORE_OK && *out <= 0) {
        st = sb_store_fail(err, SB_STORE_ERROR, NULL, "%s: no number drawn", coll);
    }
    bson_destroy(&reply);
    bson_destroy(&filter);
    bson_destroy(&update);
    mongoc_find_and_modify_opts_destroy(fam);
    mongoc_collection_destroy(col);
    return st;
}

sb_store_status_t sb_mongo_outbox_add(sb_store_conn_t *c, const bson_t *opts, const char *user_id,
                                      const char *type, const char *data, int64_t now, int64_t *seq,
                                      sb_store_error_t *err)
{
    char id[SB_ID_LEN + 1];
    bson_t key = BSON_INITIALIZER, filter, pipeline, uopts = BSON_INITIALIZER;
    int64_t user_seq = 0, pos = 0;
    sb_store_status_t st;
    bson_iter_t it;

    if (!type || !sb_mongo_append_id(&key, "_id", user_id)) {
        bson_destroy(&key);
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "outbox: no such user");
    }
    st = sb_mongo_next(c, SB_HEADS, &key, opts, &user_seq, err);
    bson_reinit(&key);
    BSON_APPEND_UTF8(&key, "_id", "outbox");
    if (st == SB_STORE_OK) {
        st = sb_mongo_next(c, SB_COUNTERS, &key, opts, &pos, err);
    }
    bson_destroy(&key);
    if (st != SB_STORE_OK) {
        bson_destroy(&uopts);
        return st;
    }
    sb_id_new(id);
    sb_mongo_outbox_doc(&filter, &pipeline, id, user_id, user_seq, pos, type, data, now);
    if (opts && bson_iter_init(&it, opts)) {
        while (bson_iter_next(&it)) {
            bson_append_iter(&uopts, bson_iter_key(&it), -1, &it);
        }
    }
    BSON_APPEND_BOOL(&uopts, "upsert", true);
    st = sb_mongo_update(c, SB_OUTBOX, &filter, &pipeline, &uopts, 0, NULL, "outbox append", err);
    bson_destroy(&uopts);
    bson_destroy(&filter);
    bson_destroy(&pipeline);
    if (st == SB_STORE_OK && seq) {
        *seq = user_seq;
    }
    return st;
}

typedef struct {
    const char *user_id, *type, *data;
    int64_t now, seq;
} sb_mongo_append_t;

static sb_store_status_t sb_mongo_append_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                              sb_store_error_t *err)
{
    sb_mongo_append_t *a = ctx;

    return sb_mongo_outbox_add(c, opts, a->user_id, a->type, a->data, a->now, &a->seq, err);
}

sb_store_status_t sb_mongo_outbox_append(sb_store_conn_t *c, const char *user_id, const char *type,
                                         const char *json_data, int64_t now, int64_t *seq,
                                         sb_store_error_t *err)
{
    sb_mongo_append_t a = {user_id, type, json_data, now, 0};
    sb_store_status_t st;
    int k = sb_mongo_user_exists(c, user_id, NULL, err);

    if (k <= 0) {
        return k < 0 ? err->status
                     : sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "outbox: no such user");
    }
    st = sb_mongo_atomic(c, sb_mongo_append_step, &a, err);
    if (st == SB_STORE_OK && seq) {
        *seq = a.seq;
    }
    return st;
}

/*
 * Rows of filter in order of key (userSeq or pos), kept while numbers follow each other from
 * after + 1; a missing number is passed once the event after it is settled (older than the
 * gap allowance by the server's clock), else the read ends before it.
 */
static sb_store_status_t sb_mongo_outbox_rows(sb_store_conn_t *c, apr_pool_t *p,
                                              const bson_t *filter, const bson_t *opts,
                                              const char *key, int64_t after, int limit,
                                              apr_array_header_t **out, sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, SB_OUTBOX);
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(col, filter, opts, NULL);
    const bson_t *doc;
    int64_t expected = after + 1;
    sb_store_status_t st = SB_STORE_OK;
    int stop = 0;

    *out = apr_array_make(p, limit > 0 && limit < 256 ? limit : 16, sizeof(sb_outbox_row_t));
    while (!stop && mongoc_cursor_next(cur, &doc)) {
        int64_t k = sb_mongo_doc_int(doc, key);
        sb_outbox_row_t *r;
        bson_iter_t it;
        if (k != expected) {
            bson_t settled, found;
            sb_store_status_t s2;
            if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_OID(&it)) {
                break;
            }
            sb_mongo_outbox_settled(&settled, bson_iter_oid(&it));
            s2 = sb_mongo_find_one(c, SB_OUTBOX, &settled, NULL, &found, "outbox gap", err);
            bson_destroy(&settled);
            bson_destroy(&found);
            if (s2 != SB_STORE_OK) {
                if (s2 != SB_STORE_NOT_FOUND) {
                    st = s2;
                }
                else {
                    err->status = SB_STORE_OK;
                    err->message[0] = '\0';
                }
                break; /* a number still being written: the read ends before it */
            }
        }
        r = apr_array_push(*out);
        r->pos = sb_mongo_doc_int(doc, "pos");
        r->seq = sb_mongo_doc_int(doc, "userSeq");
        sb_mongo_doc_id(doc, "userId", r->user_id);
        r->type = sb_mongo_doc_str(p, doc, "type");
        r->data = sb_mongo_doc_str(p, doc, "data");
        r->created_at = sb_mongo_get_time(doc, "createdAt");
        expected = k + 1;
    }
    return sb_mongo_cursor_end(cur, col, st, "outbox read", err);
}

sb_store_status_t sb_mongo_outbox_read(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                       int64_t after_seq, int limit, apr_array_header_t **out,
                                       sb_store_error_t *err)
{
    bson_t filter, opts;
    sb_store_status_t st;

    if (!sb_mongo_outbox_after_seq(&filter, &opts, user_id, after_seq, limit)) {
        *out = apr_array_make(p, 1, sizeof(sb_outbox_row_t));
        return SB_STORE_OK;
    }
    st = sb_mongo_outbox_rows(c, p, &filter, &opts, "userSeq", after_seq, limit, out, err);
    bson_destroy(&filter);
    bson_destroy(&opts);
    return st;
}

sb_store_status_t sb_mongo_outbox_tail(sb_store_conn_t *c, apr_pool_t *p, int64_t after_pos,
                                       int limit, apr_array_header_t **out, sb_store_error_t *err)
{
    bson_t filter, opts;
    sb_store_status_t st;

    sb_mongo_outbox_after_pos(&filter, &opts, after_pos, limit);
    st = sb_mongo_outbox_rows(c, p, &filter, &opts, "pos", after_pos, limit, out, err);
    bson_destroy(&filter);
    bson_destroy(&opts);
    return st;
}

sb_store_status_t sb_mongo_outbox_prune(sb_store_conn_t *c, int64_t before, int64_t *removed,
                                        sb_store_error_t *err)
{
    bson_t filter = BSON_INITIALIZER, lt;
    int64_t n = 0;
    sb_store_status_t st;

    BSON_APPEND_DOCUMENT_BEGIN(&filter, "createdAt", &lt);
    bson_append_date_time(&lt, "$lt", -1, before);
    bson_append_document_end(&filter, &lt);
    st = sb_mongo_delete(c, SB_OUTBOX, &filter, NULL, 1, &n, "outbox prune", err);
    bson_destroy(&filter);
    if (st == SB_STORE_OK && removed) {
        *removed = n;
    }
    return st;
}

sb_store_status_t sb_mongo_outbox_head(sb_store_conn_t *c, const char *user_id, int64_t *seq,
                                       sb_store_error_t *err)
{
    bson_t filter = BSON_INITIALIZER, doc;
    sb_store_status_t st;

    *seq = 0;
    if (!sb_mongo_append_id(&filter, "_id", user_id)) {
        bson_destroy(&filter);
        return SB_STORE_OK;
    }
    st = sb_mongo_find_one(c, SB_HEADS, &filter, NULL, &doc, "outbox head", err);
    bson_destroy(&filter);
    if (st == SB_STORE_OK) {
        *seq = sb_mongo_doc_int(&doc, "seq");
    }
    bson_destroy(&doc);
    return sb_mongo_not_found_ok(st, err);
}

sb_store_status_t sb_mongo_outbox_last_pos(sb_store_conn_t *c, int64_t *pos, sb_store_error_t *err)
{
    bson_t filter = BSON_INITIALIZER, opts, doc;
    sb_store_status_t st;

    *pos = 0;
    sb_mongo_outbox_after_pos(&filter, &opts, 0, 1);
    bson_reinit(&opts);
    {
        bson_t sort;
        BSON_APPEND_DOCUMENT_BEGIN(&opts, "sort", &sort);
        BSON_APPEND_INT32(&sort, "pos", -1);
        bson_append_document_end(&opts, &sort);
    }
    st = sb_mongo_find_one(c, SB_OUTBOX, &filter, &opts, &doc, "outbox last", err);
    if (st == SB_STORE_OK) {
        *pos = sb_mongo_doc_int(&doc, "pos");
    }
    bson_destroy(&doc);
    bson_destroy(&opts);
    bson_destroy(&filter);
    return sb_mongo_not_found_ok(st, err);
}

/* ---- notifications ---- */

typedef struct {
    const sb_notification_new_t *n;
    const bson_t *doc;
    int64_t now;
} sb_mongo_notify_t;

/* The notification, then its event: cut short without a transaction, a notification whose
 * live event is missing (the bell shows it on the next list), never an event for nothing. */
static sb_store_status_t sb_mongo_notify_step(sb_store_conn_t *c, const bson_t *opts, void *ctx,
                                              sb_store_error_t *err)
{
    sb_mongo_notify_t *x = ctx;
    sb_store_status_t st = sb_mongo_insert(c, SB_NOTIFS, x->doc, opts, "notification", err);

    if (st == SB_STORE_OK) {
        st = sb_mongo_outbox_add(c, opts, x->n->user_id, "notification:new", x->n->event_data,
                                 x->now, NULL, err);
    }
    return st;
}

sb_store_status_t sb_mongo_notification_create(sb_store_conn_t *c, const sb_notification_new_t *n,
                                               int64_t now, sb_store_error_t *err)
{
    bson_t doc;
    sb_mongo_notify_t x = {n, &doc, now};
    sb_store_status_t st;
    int k;

    if (!n) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "notification: none given");
    }
    if ((k = sb_mongo_user_exists(c, n->user_id, NULL, err)) <= 0) {
        return k < 0 ? err->status
                     : sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "notification: no such user");
    }
    if (!sb_mongo_notification_doc(&doc, n, now)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "notification: bad id or missing text");
    }
    st = sb_mongo_atomic(c, sb_mongo_notify_step, &x, err);
    bson_destroy(&doc);
    return st;
}

sb_store_status_t sb_mongo_notifications_list(sb_store_conn_t *c, apr_pool_t *p,
                                              const char *user_id, int64_t after_created_at,
                                              const char *after_id, int limit,
                                              apr_array_header_t **out, int *has_more,
                                              int64_t *unread, sb_store_error_t *err)
{
    mongoc_collection_t *col;
    mongoc_cursor_t *cur;
    const bson_t *doc;
    bson_t filter, opts, count = BSON_INITIALIZER;
    bson_error_t e;
    sb_store_status_t st = SB_STORE_OK;
    int64_t n;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_notification_t));
    *has_more = 0;
    *unread = 0;
    if (!sb_mongo_notifications_page(&filter, &opts, user_id, after_created_at, after_id, limit)) {
        bson_destroy(&count);
        return SB_STORE_OK;
    }
    col = sb_mongo_coll(c, SB_NOTIFS);
    cur = mongoc_collection_find_with_opts(col, &filter, &opts, NULL);
    while (mongoc_cursor_next(cur, &doc)) {
        if ((*out)->nelts == limit) {
            *has_more = 1;
            break;
        }
        sb_mongo_notification_from_doc(p, doc, apr_array_push(*out));
    }
    st = sb_mongo_cursor_end(cur, NULL, st, "notifications", err);
    if (st == SB_STORE_OK) {
        sb_mongo_append_id(&count, "userId", user_id);
        BSON_APPEND_BOOL(&count, "isRead", false);
        n = mongoc_collection_count_documents(col, &count, NULL, NULL, NULL, &e);
        if (n < 0) {
            st = sb_mongo_fail(&e, NULL, err, "notifications unread");
        }
        else {
            *unread = n;
        }
    }
    mongoc_collection_destroy(col);
    bson_destroy(&count);
    bson_destroy(&filter);
    bson_destroy(&opts);
    return st;
}

sb_store_status_t sb_mongo_notification_mark_read(sb_store_conn_t *c, apr_pool_t *p,
                                                  const char *user_id, const char *id, int64_t now,
                                                  sb_notification_t **out, sb_store_error_t *err)
{
    bson_t filter, pipeline, after;
    sb_store_status_t st;

    if (out) {
        *out = NULL;
    }
    if (!sb_mongo_notification_read(&filter, &pipeline, user_id, id, now)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such notification");
    }
    st = sb_mongo_find_modify_pipeline(c, SB_NOTIFS, &filter, &pipeline, 0, NULL, &after,
                                       "notification read", err);
    if (st == SB_STORE_OK && out) {
        *out = apr_palloc(p, sizeof(**out));
        sb_mongo_notification_from_doc(p, &after, *out);
    }
    else if (st == SB_STORE_NOT_FOUND) {
        st = sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such notification");
    }
    bson_destroy(&after);
    bson_destroy(&filter);
    bson_destroy(&pipeline);
    return st;
}

sb_store_status_t sb_mongo_notifications_mark_all_read(sb_store_conn_t *c, const char *user_id,
                                                       int64_t now, int64_t *count,
                                                       sb_store_error_t *err)
{
    bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, set;
    sb_store_status_t st;

    *count = 0;
    if (!sb_mongo_append_id(&filter, "userId", user_id)) {
        bson_destroy(&filter);
        bson_destroy(&update);
        return SB_STORE_OK;
    }
    BSON_APPEND_BOOL(&filter, "isRead", false);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    BSON_APPEND_BOOL(&set, "isRead", true);
    sb_mongo_append_time(&set, "readAt", now);
    bson_append_document_end(&update, &set);
    st = sb_mongo_update(c, SB_NOTIFS, &filter, &update, NULL, 1, count, "notifications read all",
                         err);
    bson_destroy(&filter);
    bson_destroy(&update);
    return st;
}

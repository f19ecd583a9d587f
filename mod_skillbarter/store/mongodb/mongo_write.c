/*
 * MongoDB driver: atomic steps and the small write/read helpers every domain uses.
 *
 * An operation that changes more than one document runs its writes in sb_mongo_atomic: one
 * multi-document transaction where the deployment has them (replica sets, mongos: found by
 * the migration's hello), otherwise the writes in the order the operation chose so that a
 * step cut short leaves the safe side (tokens revoked before a password changes, a user
 * removed again when its ledger row cannot be written).
 */
#include "mongo_int.h"

#include <string.h>

#include <apr_strings.h>

/* How many times a transaction that failed with a transient error is run (two writers'
 * conflicting draws of an outbox number, a primary stepping down). */
#define SB_MONGO_TXN_ATTEMPTS 4

static sb_store_status_t sb_mongo_atomic_once(sb_store_conn_t *c, sb_mongo_step_fn fn, void *ctx,
                                              sb_store_error_t *err)
{
    sb_mongo_conn_t *mc = SB_MONGO(c);
    mongoc_client_session_t *cs;
    bson_t opts = BSON_INITIALIZER, reply;
    bson_error_t e;
    sb_store_status_t st;

    if (!(cs = mongoc_client_start_session(mc->client, NULL, &e))) {
        bson_destroy(&opts);
        return sb_mongo_fail(&e, NULL, err, "start session");
    }
    if (!mongoc_client_session_append(cs, &opts, &e)
        || !mongoc_client_session_start_transaction(cs, NULL, &e)) {
        st = sb_mongo_fail(&e, NULL, err, "start transaction");
    }
    else if ((st = fn(c, &opts, ctx, err)) == SB_STORE_OK) {
        if (!mongoc_client_session_commit_transaction(cs, &reply, &e)) {
            st = sb_mongo_fail(&e, &reply, err, "commit");
        }
        bson_destroy(&reply);
    }
    else {
        mongoc_client_session_abort_transaction(cs, NULL);
    }
    bson_destroy(&opts);
    mongoc_client_session_destroy(cs);
    return st;
}

sb_store_status_t sb_mongo_atomic(sb_store_conn_t *c, sb_mongo_step_fn fn, void *ctx,
                                  sb_store_error_t *err)
{
    sb_store_status_t st;
    int i;

    if (!SB_MONGO(c)->ms->transactions) {
        return fn(c, NULL, ctx, err);
    }
    for (i = 0;; i++) {
        st = sb_mongo_atomic_once(c, fn, ctx, err);
        if (st == SB_STORE_OK || i + 1 >= SB_MONGO_TXN_ATTEMPTS || !sb_mongo_err_transient(err)) {
            return st;
        }
    }
}

/* The count under key of a write reply (matchedCount, deletedCount, ...). */
static int64_t sb_mongo_reply_count(const bson_t *reply, const char *key)
{
    return sb_mongo_doc_int(reply, key);
}

sb_store_status_t sb_mongo_insert(sb_store_conn_t *c, const char *coll, const bson_t *doc,
                                  const bson_t *opts, const char *what, sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, coll);
    bson_t reply;
    bson_error_t e;
    sb_store_status_t st = SB_STORE_OK;

    if (!mongoc_collection_insert_one(col, doc, opts, &reply, &e)) {
        st = sb_mongo_fail(&e, &reply, err, what);
    }
    bson_destroy(&reply);
    mongoc_collection_destroy(col);
    return st;
}

sb_store_status_t sb_mongo_update(sb_store_conn_t *c, const char *coll, const bson_t *filter,
                                  const bson_t *update, const bson_t *opts, int many,
                                  int64_t *matched, const char *what, sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, coll);
    bson_t reply;
    bson_error_t e;
    bool ok;
    sb_store_status_t st = SB_STORE_OK;

    ok = many ? mongoc_collection_update_many(col, filter, update, opts, &reply, &e)
              : mongoc_collection_update_one(col, filter, update, opts, &reply, &e);
    if (!ok) {
        st = sb_mongo_fail(&e, &reply, err, what);
    }
    else if (matched) {
        *matched = sb_mongo_reply_count(&reply, "matchedCount");
    }
    bson_destroy(&reply);
    mongoc_collection_destroy(col);
    return st;
}

sb_store_status_t sb_mongo_update_found(sb_store_conn_t *c, const char *coll, const bson_t *filter,
                                        const bson_t *update, const bson_t *opts, const char *what,
                                        sb_store_error_t *err)
{
    int64_t matched = 0;
    sb_store_status_t st = sb_mongo_update(c, coll, filter, update, opts, 0, &matched, what, err);

    if (st == SB_STORE_OK && matched == 0) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "%s: not found", what);
    }
    return st;
}

sb_store_status_t sb_mongo_delete(sb_store_conn_t *c, const char *coll, const bson_t *filter,
                                  const bson_t *opts, int many, int64_t *deleted, const char *what,
                                  sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, coll);
    bson_t reply;
    bson_error_t e;
    bool ok;
    sb_store_status_t st = SB_STORE_OK;

    ok = many ? mongoc_collection_delete_many(col, filter, opts, &reply, &e)
              : mongoc_collection_delete_one(col, filter, opts, &reply, &e);
    if (!ok) {
        st = sb_mongo_fail(&e, &reply, err, what);
    }
    else if (deleted) {
        *deleted = sb_mongo_reply_count(&reply, "deletedCount");
    }
    bson_destroy(&reply);
    mongoc_collection_destroy(col);
    return st;
}

/*
 * findAndModify: the document before (return_new 0) or after the update into *out (a copy
 * the caller destroys; initialised empty when nothing matched). NOT_FOUND when no document
 * matched filter.
 */
sb_store_status_t sb_mongo_find_modify(sb_store_conn_t *c, const char *coll, const bson_t *filter,
                                       const bson_t *update, int return_new, const bson_t *opts,
                                       bson_t *out, const char *what, sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, coll);
    mongoc_find_and_modify_opts_t *fam = mongoc_find_and_modify_opts_new();
    bson_t reply;
    bson_error_t e;
    bson_iter_t it;
    sb_store_status_t st = SB_STORE_OK;

    bson_init(out);
    mongoc_find_and_modify_opts_set_update(fam, update);
    mongoc_find_and_modify_opts_set_flags(fam, return_new ? MONGOC_FIND_AND_MODIFY_RETURN_NEW
                                                          : MONGOC_FIND_AND_MODIFY_NONE);
    if (opts) {
        mongoc_find_and_modify_opts_append(fam, opts);
    }
    if (!mongoc_collection_find_and_modify_with_opts(col, filter, fam, &reply, &e)) {
        st = sb_mongo_fail(&e, &reply, err, what);
    }
    else if (bson_iter_init_find(&it, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
        const uint8_t *data;
        uint32_t len;
        bson_t value;
        bson_iter_document(&it, &len, &data);
        if (bson_init_static(&value, data, len)) {
            bson_destroy(out);
            bson_copy_to(&value, out);
        }
        else {
            st = sb_store_fail(err, SB_STORE_ERROR, NULL, "%s: bad reply", what);
        }
    }
    else {
        st = sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "%s: not found", what);
    }
    bson_destroy(&reply);
    mongoc_find_and_modify_opts_destroy(fam);
    mongoc_collection_destroy(col);
    return st;
}

/*
 * The first document of a find into *out (a copy the caller destroys; initialised empty when
 * there is none): OK, NOT_FOUND or the mapped error.
 */
sb_store_status_t sb_mongo_find_one(sb_store_conn_t *c, const char *coll, const bson_t *filter,
                                    const bson_t *opts, bson_t *out, const char *what,
                                    sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, coll);
    mongoc_cursor_t *cur = mongoc_collection_find_with_opts(col, filter, opts, NULL);
    const bson_t *doc;
    int found = mongoc_cursor_next(cur, &doc);
    sb_store_status_t st;

    if (found) {
        bson_copy_to(doc, out);
    }
    else {
        bson_init(out);
    }
    st = sb_mongo_cursor_end(cur, col, SB_STORE_OK, what, err);
    if (st == SB_STORE_OK && !found) {
        st = sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "%s: not found", what);
    }
    return st;
}

/*
 * findAndModify with a pipeline update (sent as an array, whatever libmongoc's helpers make of
 * one): the document after the update into *out (a copy; initialised empty when none
 * matched). NOT_FOUND when nothing matched and upsert is 0.
 */
sb_store_status_t sb_mongo_find_modify_pipeline(sb_store_conn_t *c, const char *coll,
                                                const bson_t *filter, const bson_t *pipeline,
                                                int upsert, const bson_t *opts, bson_t *out,
                                                const char *what, sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, coll);
    bson_t cmd = BSON_INITIALIZER, reply, value;
    bson_iter_t it;
    bson_error_t e;
    sb_store_status_t st = SB_STORE_OK;

    bson_init(out);
    BSON_APPEND_UTF8(&cmd, "findAndModify", coll);
    BSON_APPEND_DOCUMENT(&cmd, "query", filter);
    BSON_APPEND_ARRAY(&cmd, "update", pipeline);
    BSON_APPEND_BOOL(&cmd, "upsert", upsert != 0);
    BSON_APPEND_BOOL(&cmd, "new", true);
    if (!mongoc_collection_write_command_with_opts(col, &cmd, opts, &reply, &e)) {
        st = sb_mongo_fail(&e, &reply, err, what);
    }
    else if (bson_iter_init_find(&it, &reply, "value") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
        const uint8_t *data;
        uint32_t len;
        bson_iter_document(&it, &len, &data);
        if (bson_init_static(&value, data, len)) {
            bson_destroy(out);
            bson_copy_to(&value, out);
        }
    }
    else {
        st = sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "%s: not found", what);
    }
    bson_destroy(&reply);
    bson_destroy(&cmd);
    mongoc_collection_destroy(col);
    return st;
}

/* The single result document of an aggregation into *out (a copy; empty when the pipeline
 * yields nothing). */
sb_store_status_t sb_mongo_aggregate_one(sb_store_conn_t *c, const char *coll,
                                         const bson_t *pipeline, bson_t *out, const char *what,
                                         sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, coll);
    mongoc_cursor_t *cur =
        mongoc_collection_aggregate(col, MONGOC_QUERY_NONE, pipeline, NULL, NULL);
    const bson_t *doc;

    if (mongoc_cursor_next(cur, &doc)) {
        bson_copy_to(doc, out);
    }
    else {
        bson_init(out);
    }
    return sb_mongo_cursor_end(cur, col, SB_STORE_OK, what, err);
}

/* The documents of cur into fn, then its error; the cursor and collection are destroyed. */
static sb_store_status_t sb_mongo_cursor_each(mongoc_collection_t *col, mongoc_cursor_t *cur,
                                              apr_pool_t *p, sb_mongo_doc_fn fn, void *ctx,
                                              const char *what, sb_store_error_t *err)
{
    const bson_t *doc;
    sb_store_status_t st = SB_STORE_OK;

    while (mongoc_cursor_next(cur, &doc)) {
        fn(p, doc, ctx);
    }
    return sb_mongo_cursor_end(cur, col, st, what, err);
}

sb_store_status_t sb_mongo_find_each(sb_store_conn_t *c, apr_pool_t *p, const char *coll,
                                     const bson_t *filter, const bson_t *opts, sb_mongo_doc_fn fn,
                                     void *ctx, const char *what, sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, coll);

    return sb_mongo_cursor_each(col, mongoc_collection_find_with_opts(col, filter, opts, NULL), p,
                                fn, ctx, what, err);
}

sb_store_status_t sb_mongo_aggregate_each(sb_store_conn_t *c, apr_pool_t *p, const char *coll,
                                          const bson_t *pipeline, sb_mongo_doc_fn fn, void *ctx,
                                          const char *what, sb_store_error_t *err)
{
    mongoc_collection_t *col = sb_mongo_coll(c, coll);

    return sb_mongo_cursor_each(
        col, mongoc_collection_aggregate(col, MONGOC_QUERY_NONE, pipeline, NULL, NULL), p, fn, ctx,
        what, err);
}

void sb_mongo_upsert_opts(bson_t *out, const bson_t *opts)
{
    bson_init(out);
    if (opts) {
        bson_concat(out, opts);
    }
    BSON_APPEND_BOOL(out, "upsert", true);
}

/*
 * MongoDB driver: blocks — block (idempotent, the first time kept), unblock, the list of
 * blocked users as cards, and whether either of two users blocks the other.
 */
#include "mongo_blocks.h"
#include "mongo_users.h"

#include <string.h>

#include <apr_hash.h>
#include <apr_strings.h>

#define SB_BLOCKS "user_blocks"

int sb_mongo_block_pair(bson_t *filter, bson_t *update, const char *blocker, const char *blocked,
                        int64_t now)
{
    bson_t soi;

    bson_init(filter);
    if (!sb_mongo_append_id(filter, "blockerId", blocker)
        || !sb_mongo_append_id(filter, "blockedId", blocked)) {
        bson_destroy(filter);
        return 0;
    }
    if (update) {
        bson_init(update);
        BSON_APPEND_DOCUMENT_BEGIN(update, "$setOnInsert", &soi);
        sb_mongo_append_time(&soi, "createdAt", now);
        bson_append_document_end(update, &soi);
    }
    return 1;
}

int sb_mongo_block_either(bson_t *filter, const char *a, const char *b)
{
    bson_t alt, one, two;

    bson_init(filter);
    BSON_APPEND_ARRAY_BEGIN(filter, "$or", &alt);
    BSON_APPEND_DOCUMENT_BEGIN(&alt, "0", &one);
    if (!sb_mongo_append_id(&one, "blockerId", a) || !sb_mongo_append_id(&one, "blockedId", b)) {
        bson_append_document_end(&alt, &one);
        bson_append_array_end(filter, &alt);
        bson_destroy(filter);
        return 0;
    }
    bson_append_document_end(&alt, &one);
    BSON_APPEND_DOCUMENT_BEGIN(&alt, "1", &two);
    sb_mongo_append_id(&two, "blockerId", b);
    sb_mongo_append_id(&two, "blockedId", a);
    bson_append_document_end(&alt, &two);
    bson_append_array_end(filter, &alt);
    return 1;
}

int sb_mongo_blocks_of(bson_t *filter, bson_t *opts, const char *blocker)
{
    bson_t sort;

    bson_init(filter);
    if (!sb_mongo_append_id(filter, "blockerId", blocker)) {
        bson_destroy(filter);
        return 0;
    }
    bson_init(opts);
    BSON_APPEND_DOCUMENT_BEGIN(opts, "sort", &sort);
    BSON_APPEND_INT32(&sort, "createdAt", -1);
    BSON_APPEND_INT32(&sort, "blockedId", -1);
    bson_append_document_end(opts, &sort);
    return 1;
}

sb_store_status_t sb_mongo_user_block(sb_store_conn_t *c, const char *blocker_id,
                                      const char *blocked_id, int64_t now, sb_store_error_t *err)
{
    bson_t filter, update, opts = BSON_INITIALIZER;
    sb_store_status_t st;
    int k;

    if ((k = sb_mongo_user_exists(c, blocker_id, NULL, err)) <= 0
        || (k = sb_mongo_user_exists(c, blocked_id, NULL, err)) <= 0) {
        bson_destroy(&opts);
        return k < 0 ? err->status : sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "no such user");
    }
    sb_mongo_block_pair(&filter, &update, blocker_id, blocked_id, now);
    BSON_APPEND_BOOL(&opts, "upsert", true);
    st = sb_mongo_update(c, SB_BLOCKS, &filter, &update, &opts, 0, NULL, "block", err);
    if (st == SB_STORE_CONFLICT) {
        /* two blocks of the same pair raced: the other upsert made it, the first time kept */
        st = SB_STORE_OK;
        err->status = SB_STORE_OK;
        err->field = NULL;
        err->message[0] = '\0';
    }
    bson_destroy(&opts);
    bson_destroy(&filter);
    bson_destroy(&update);
    return st;
}

sb_store_status_t sb_mongo_user_unblock(sb_store_conn_t *c, const char *blocker_id,
                                        const char *blocked_id, sb_store_error_t *err)
{
    bson_t filter;
    int64_t n = 0;
    sb_store_status_t st;

    if (!sb_mongo_block_pair(&filter, NULL, blocker_id, blocked_id, 0)) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "unblock: not found");
    }
    st = sb_mongo_delete(c, SB_BLOCKS, &filter, NULL, 0, &n, "unblock", err);
    bson_destroy(&filter);
    if (st == SB_STORE_OK && n == 0) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "unblock: not found");
    }
    return st;
}

/* The blocked ids in order, then their users in one query, put back in that order. */
sb_store_status_t sb_mongo_blocks_list(sb_store_conn_t *c, apr_pool_t *p, const char *blocker_id,
                                       apr_array_header_t **out, sb_store_error_t *err)
{
    mongoc_collection_t *col;
    mongoc_cursor_t *cur;
    const bson_t *doc;
    bson_t filter, opts, in, arr;
    apr_array_header_t *ids = apr_array_make(p, 8, sizeof(const char *));
    apr_hash_t *users = apr_hash_make(p);
    sb_store_status_t st = SB_STORE_OK;
    int i;

    *out = apr_array_make(p, 8, sizeof(sb_user_card_t));
    if (!sb_mongo_blocks_of(&filter, &opts, blocker_id)) {
        return SB_STORE_OK;
    }
    col = sb_mongo_coll(c, SB_BLOCKS);
    cur = mongoc_collection_find_with_opts(col, &filter, &opts, NULL);
    while (mongoc_cursor_next(cur, &doc)) {
        char id[SB_ID_LEN + 1];
        if (sb_mongo_doc_id(doc, "blockedId", id)) {
            APR_ARRAY_PUSH(ids, const char *) = apr_pstrdup(p, id);
        }
    }
    st = sb_mongo_cursor_end(cur, col, st, "blocks", err);
    bson_destroy(&filter);
    bson_destroy(&opts);
    if (st != SB_STORE_OK || ids->nelts == 0) {
        return st;
    }
    bson_init(&filter);
    BSON_APPEND_DOCUMENT_BEGIN(&filter, "_id", &in);
    BSON_APPEND_ARRAY_BEGIN(&in, "$in", &arr);
    for (i = 0; i < ids->nelts; i++) {
        char key[16];
        const char *k;
        bson_uint32_to_string((uint32_t)i, &k, key, sizeof(key));
        sb_mongo_append_id(&arr, k, APR_ARRAY_IDX(ids, i, const char *));
    }
    bson_append_array_end(&in, &arr);
    bson_append_document_end(&filter, &in);
    col = sb_mongo_coll(c, "users");
    cur = mongoc_collection_find_with_opts(col, &filter, NULL, NULL);
    while (mongoc_cursor_next(cur, &doc)) {
        apr_array_header_t *one = apr_array_make(p, 1, sizeof(sb_user_card_t));
        sb_user_card_t *card = sb_mongo_card_from_doc(p, doc, one);
        if (card) {
            apr_hash_set(users, card->id, APR_HASH_KEY_STRING, card);
        }
    }
    st = sb_mongo_cursor_end(cur, col, st, "blocks users", err);
    bson_destroy(&filter);
    for (i = 0; st == SB_STORE_OK && i < ids->nelts; i++) {
        const sb_user_card_t *card =
            apr_hash_get(users, APR_ARRAY_IDX(ids, i, const char *), APR_HASH_KEY_STRING);
        if (card) {
            APR_ARRAY_PUSH(*out, sb_user_card_t) = *card;
        }
    }
    return st;
}

sb_store_status_t sb_mongo_blocked_between(sb_store_conn_t *c, const char *a, const char *b,
                                           int *blocked, sb_store_error_t *err)
{
    bson_t filter, doc;
    sb_store_status_t st;

    *blocked = 0;
    if (!sb_mongo_block_either(&filter, a, b)) {
        return SB_STORE_OK;
    }
    st = sb_mongo_find_one(c, SB_BLOCKS, &filter, NULL, &doc, "blocked between", err);
    bson_destroy(&filter);
    bson_destroy(&doc);
    if (st == SB_STORE_NOT_FOUND) {
        err->status = SB_STORE_OK;
        err->message[0] = '\0';
        return SB_STORE_OK;
    }
    *blocked = st == SB_STORE_OK;
    return st;
}

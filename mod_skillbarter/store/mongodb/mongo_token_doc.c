/*
 * MongoDB driver: documents, filters and updates of the tokens domain (pure builders). Every
 * token state change is one guarded update: the filter says the state it changes from, so
 * two callers can never both win.
 */
#include "mongo_tokens.h"

static void sb_mongo_set_time(bson_t *update, const char *key, int64_t now)
{
    bson_t set;

    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
    sb_mongo_append_time(&set, key, now);
    bson_append_document_end(update, &set);
}

/* {key: {op: t}} */
static void sb_mongo_append_time_cmp(bson_t *b, const char *key, const char *op, int64_t t)
{
    bson_t cmp;

    bson_append_document_begin(b, key, -1, &cmp);
    bson_append_date_time(&cmp, op, -1, t);
    bson_append_document_end(b, &cmp);
}

/* A token document or filter begun as {key: value, userId: <user_id>}: 0 (b destroyed) when
 * user_id is not an id. */
static int sb_mongo_token_begin(bson_t *b, const char *key, const char *value, const char *user_id)
{
    bson_init(b);
    BSON_APPEND_UTF8(b, key, value);
    if (!sb_mongo_append_id(b, "userId", user_id)) {
        bson_destroy(b);
        return 0;
    }
    return 1;
}

int sb_mongo_refresh_doc(bson_t *b, const char *hash, const char *user_id, const char *family_id,
                         int64_t expires_at, int64_t now)
{
    if (!sb_mongo_token_begin(b, "_id", hash, user_id)) {
        return 0;
    }
    BSON_APPEND_UTF8(b, "familyId", family_id);
    sb_mongo_append_time(b, "expiresAt", expires_at);
    bson_append_null(b, "usedAt", -1);
    bson_append_null(b, "revokedAt", -1);
    bson_append_null(b, "replacedBy", -1);
    sb_mongo_append_time(b, "createdAt", now);
    return 1;
}

void sb_mongo_filter_hash(bson_t *b, const char *hash)
{
    bson_init(b);
    BSON_APPEND_UTF8(b, "_id", hash);
}

void sb_mongo_refresh_use(bson_t *filter, bson_t *update, const char *hash, const char *new_hash,
                          int64_t now)
{
    bson_t set;

    sb_mongo_filter_hash(filter, hash);
    bson_append_null(filter, "usedAt", -1);
    bson_append_null(filter, "revokedAt", -1);
    sb_mongo_append_time_cmp(filter, "expiresAt", "$gt", now);
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
    sb_mongo_append_time(&set, "usedAt", now);
    BSON_APPEND_UTF8(&set, "replacedBy", new_hash);
    bson_append_document_end(update, &set);
}

void sb_mongo_refresh_revoke_family(bson_t *filter, bson_t *update, const char *family_id,
                                    int64_t now)
{
    bson_init(filter);
    BSON_APPEND_UTF8(filter, "familyId", family_id);
    bson_append_null(filter, "revokedAt", -1);
    sb_mongo_set_time(update, "revokedAt", now);
}

int sb_mongo_filter_live_family(bson_t *b, const char *user_id, const char *family_id)
{
    if (!sb_mongo_token_begin(b, "familyId", family_id, user_id)) {
        return 0;
    }
    bson_append_null(b, "revokedAt", -1);
    return 1;
}

int sb_mongo_onetime_doc(bson_t *b, const char *hash, const char *user_id, const char *purpose,
                         int64_t expires_at, int64_t now, const char *nonce)
{
    if (!sb_mongo_token_begin(b, "_id", hash, user_id)) {
        return 0;
    }
    BSON_APPEND_UTF8(b, "purpose", purpose);
    sb_mongo_append_time(b, "expiresAt", expires_at);
    bson_append_null(b, "usedAt", -1);
    sb_mongo_append_time(b, "createdAt", now);
    if (nonce) {
        BSON_APPEND_UTF8(b, "nonce", nonce);
    }
    else {
        bson_append_null(b, "nonce", -1);
    }
    return 1;
}

int sb_mongo_onetime_invalidate(bson_t *filter, bson_t *update, const char *user_id,
                                const char *purpose, int64_t now)
{
    bson_init(filter);
    if (!sb_mongo_append_id(filter, "userId", user_id)) {
        bson_destroy(filter);
        return 0;
    }
    BSON_APPEND_UTF8(filter, "purpose", purpose);
    bson_append_null(filter, "usedAt", -1);
    sb_mongo_set_time(update, "usedAt", now);
    return 1;
}

void sb_mongo_onetime_use(bson_t *filter, bson_t *update, const char *hash, const char *purpose,
                          int64_t now)
{
    sb_mongo_filter_hash(filter, hash);
    BSON_APPEND_UTF8(filter, "purpose", purpose);
    bson_append_null(filter, "usedAt", -1);
    sb_mongo_append_time_cmp(filter, "expiresAt", "$gt", now);
    sb_mongo_set_time(update, "usedAt", now);
}

void sb_mongo_onetime_expired(bson_t *filter, const char *hash, const char *purpose, int64_t now)
{
    sb_mongo_filter_hash(filter, hash);
    BSON_APPEND_UTF8(filter, "purpose", purpose);
    bson_append_null(filter, "usedAt", -1);
    sb_mongo_append_time_cmp(filter, "expiresAt", "$lte", now);
}

int sb_mongo_onetime_live(bson_t *filter, bson_t *opts, const char *user_id, const char *purpose,
                          int64_t now)
{
    bson_t sort, ne;

    bson_init(filter);
    if (!sb_mongo_append_id(filter, "userId", user_id)) {
        bson_destroy(filter);
        return 0;
    }
    BSON_APPEND_UTF8(filter, "purpose", purpose);
    bson_append_null(filter, "usedAt", -1);
    sb_mongo_append_time_cmp(filter, "expiresAt", "$gt", now);
    BSON_APPEND_DOCUMENT_BEGIN(filter, "nonce", &ne);
    bson_append_null(&ne, "$ne", -1);
    bson_append_document_end(filter, &ne);
    bson_init(opts);
    BSON_APPEND_DOCUMENT_BEGIN(opts, "sort", &sort);
    BSON_APPEND_INT32(&sort, "expiresAt", -1);
    bson_append_document_end(opts, &sort);
    BSON_APPEND_INT32(opts, "limit", 1);
    return 1;
}

/*
 * [ {$set: {sent: <the sends after since>}},
 *   {$set: {granted: <max <= 0 or fewer than max>}},
 *   {$set: {sent: <granted ? sent + [{t: now, k: key}] : sent>}} ]
 */
void sb_mongo_quota_update(bson_t *b, int64_t since, int max, int64_t now, const char *key)
{
    bson_t st, set, filt, f, cond, gt, arr, lt, size, c3, concat, cargs, one, ifnull, inarr;

    bson_init(b);
    /* stage 0: keep the recent sends */
    BSON_APPEND_DOCUMENT_BEGIN(b, "0", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$set", &set);
    BSON_APPEND_DOCUMENT_BEGIN(&set, "sent", &filt);
    BSON_APPEND_DOCUMENT_BEGIN(&filt, "$filter", &f);
    BSON_APPEND_DOCUMENT_BEGIN(&f, "input", &ifnull);
    BSON_APPEND_ARRAY_BEGIN(&ifnull, "$ifNull", &inarr);
    BSON_APPEND_UTF8(&inarr, "0", "$sent");
    BSON_APPEND_ARRAY_BEGIN(&inarr, "1", &arr);
    bson_append_array_end(&inarr, &arr);
    bson_append_array_end(&ifnull, &inarr);
    bson_append_document_end(&f, &ifnull);
    BSON_APPEND_DOCUMENT_BEGIN(&f, "cond", &cond);
    BSON_APPEND_ARRAY_BEGIN(&cond, "$gt", &gt);
    BSON_APPEND_UTF8(&gt, "0", "$$this.t");
    bson_append_date_time(&gt, "1", -1, since);
    bson_append_array_end(&cond, &gt);
    bson_append_document_end(&f, &cond);
    bson_append_document_end(&filt, &f);
    bson_append_document_end(&set, &filt);
    bson_append_document_end(&st, &set);
    bson_append_document_end(b, &st);
    /* stage 1: is there room */
    BSON_APPEND_DOCUMENT_BEGIN(b, "1", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$set", &set);
    if (max <= 0) {
        BSON_APPEND_DOCUMENT_BEGIN(&set, "granted", &lt);
        BSON_APPEND_BOOL(&lt, "$literal", true);
        bson_append_document_end(&set, &lt);
    }
    else {
        BSON_APPEND_DOCUMENT_BEGIN(&set, "granted", &lt);
        BSON_APPEND_ARRAY_BEGIN(&lt, "$lt", &arr);
        BSON_APPEND_DOCUMENT_BEGIN(&arr, "0", &size);
        BSON_APPEND_UTF8(&size, "$size", "$sent");
        bson_append_document_end(&arr, &size);
        BSON_APPEND_INT32(&arr, "1", max);
        bson_append_array_end(&lt, &arr);
        bson_append_document_end(&set, &lt);
    }
    bson_append_document_end(&st, &set);
    bson_append_document_end(b, &st);
    /* stage 2: take one when granted */
    BSON_APPEND_DOCUMENT_BEGIN(b, "2", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$set", &set);
    BSON_APPEND_DOCUMENT_BEGIN(&set, "sent", &c3);
    BSON_APPEND_ARRAY_BEGIN(&c3, "$cond", &arr);
    BSON_APPEND_UTF8(&arr, "0", "$granted");
    BSON_APPEND_DOCUMENT_BEGIN(&arr, "1", &concat);
    BSON_APPEND_ARRAY_BEGIN(&concat, "$concatArrays", &cargs);
    BSON_APPEND_UTF8(&cargs, "0", "$sent");
    BSON_APPEND_ARRAY_BEGIN(&cargs, "1", &inarr);
    BSON_APPEND_DOCUMENT_BEGIN(&inarr, "0", &one);
    bson_append_date_time(&one, "t", -1, now);
    BSON_APPEND_UTF8(&one, "k", key);
    bson_append_document_end(&inarr, &one);
    bson_append_array_end(&cargs, &inarr);
    bson_append_array_end(&concat, &cargs);
    bson_append_document_end(&arr, &concat);
    BSON_APPEND_UTF8(&arr, "2", "$sent");
    bson_append_array_end(&c3, &arr);
    bson_append_document_end(&set, &c3);
    bson_append_document_end(&st, &set);
    bson_append_document_end(b, &st);
}

void sb_mongo_quota_giveback(bson_t *b, const char *key)
{
    bson_t pull, sent;

    bson_init(b);
    BSON_APPEND_DOCUMENT_BEGIN(b, "$pull", &pull);
    BSON_APPEND_DOCUMENT_BEGIN(&pull, "sent", &sent);
    BSON_APPEND_UTF8(&sent, "k", key);
    bson_append_document_end(&pull, &sent);
    bson_append_document_end(b, &pull);
}

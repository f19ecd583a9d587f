/*
 * MongoDB driver: ids, times and the JSON form of documents. Ids on the wire are the
 * ObjectIds' 24 hex digits (lower case, as sb_id_new writes them); store times are
 * milliseconds since the epoch, which is what a BSON date holds.
 */
#include "mongo_int.h"

#include <apr_strings.h>

#include "sb_id.h"

int sb_mongo_oid_from_id(const char *id, bson_oid_t *oid)
{
    if (!sb_id_valid(id)) {
        return 0;
    }
    bson_oid_init_from_string(oid, id);
    return 1;
}

void sb_mongo_id_from_oid(const bson_oid_t *oid, char out[SB_ID_LEN + 1])
{
    bson_oid_to_string(oid, out);
}

int sb_mongo_append_id(bson_t *b, const char *key, const char *id)
{
    bson_oid_t oid;

    if (!sb_mongo_oid_from_id(id, &oid)) {
        return 0;
    }
    return bson_append_oid(b, key, -1, &oid);
}

void sb_mongo_append_time(bson_t *b, const char *key, int64_t ms)
{
    if (ms == 0) {
        bson_append_null(b, key, -1);
    }
    else {
        bson_append_date_time(b, key, -1, ms);
    }
}

void sb_mongo_append_str_or_null(bson_t *b, const char *key, const char *s)
{
    if (s) {
        bson_append_utf8(b, key, -1, s, -1);
    }
    else {
        bson_append_null(b, key, -1);
    }
}

void sb_mongo_append_id_or_null(bson_t *b, const char *key, const char *id)
{
    if (!id || !*id || !sb_mongo_append_id(b, key, id)) {
        bson_append_null(b, key, -1);
    }
}

void sb_mongo_append_literal(bson_t *b, const char *key, const char *s)
{
    bson_t lit;

    if (!s) {
        bson_append_null(b, key, -1);
        return;
    }
    bson_append_document_begin(b, key, -1, &lit);
    BSON_APPEND_UTF8(&lit, "$literal", s);
    bson_append_document_end(b, &lit);
}

void sb_mongo_append_before(bson_t *filter, const char *time_key, int64_t t, const bson_oid_t *id)
{
    bson_t alt, a, b, lt, lt2;

    BSON_APPEND_ARRAY_BEGIN(filter, "$or", &alt);
    BSON_APPEND_DOCUMENT_BEGIN(&alt, "0", &a);
    bson_append_document_begin(&a, time_key, -1, &lt);
    bson_append_date_time(&lt, "$lt", -1, t);
    bson_append_document_end(&a, &lt);
    bson_append_document_end(&alt, &a);
    BSON_APPEND_DOCUMENT_BEGIN(&alt, "1", &b);
    bson_append_date_time(&b, time_key, -1, t);
    BSON_APPEND_DOCUMENT_BEGIN(&b, "_id", &lt2);
    bson_append_oid(&lt2, "$lt", -1, id);
    bson_append_document_end(&b, &lt2);
    bson_append_document_end(&alt, &b);
    bson_append_array_end(filter, &alt);
}

sb_store_status_t sb_mongo_not_found_ok(sb_store_status_t st, sb_store_error_t *err)
{
    if (st == SB_STORE_NOT_FOUND) {
        err->status = SB_STORE_OK;
        err->field = NULL;
        err->message[0] = '\0';
        return SB_STORE_OK;
    }
    return st;
}

sb_store_status_t sb_mongo_cursor_end(mongoc_cursor_t *cur, mongoc_collection_t *col,
                                      sb_store_status_t st, const char *what, sb_store_error_t *err)
{
    const bson_t *reply;
    bson_error_t e;

    if (st == SB_STORE_OK && mongoc_cursor_error_document(cur, &e, &reply)) {
        st = sb_mongo_fail(&e, reply, err, what);
    }
    mongoc_cursor_destroy(cur);
    if (col) {
        mongoc_collection_destroy(col);
    }
    return st;
}

int64_t sb_mongo_get_time(const bson_t *doc, const char *key)
{
    bson_iter_t it;

    if (!bson_iter_init_find(&it, doc, key)) {
        return 0;
    }
    switch (bson_iter_type(&it)) {
    case BSON_TYPE_DATE_TIME:
        return bson_iter_date_time(&it);
    case BSON_TYPE_INT64:
    case BSON_TYPE_INT32:
    case BSON_TYPE_DOUBLE:
        return bson_iter_as_int64(&it);
    default:
        return 0;
    }
}

void sb_mongo_each_doc(apr_pool_t *p, const bson_t *doc, const char *key,
                       void (*fn)(apr_pool_t *p, const bson_t *sub, void *ctx), void *ctx)
{
    bson_iter_t it, arr;

    if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_ARRAY(&it)
        || !bson_iter_recurse(&it, &arr)) {
        return;
    }
    while (bson_iter_next(&arr)) {
        const uint8_t *data;
        uint32_t len;
        bson_t sub;
        if (!BSON_ITER_HOLDS_DOCUMENT(&arr)) {
            continue;
        }
        bson_iter_document(&arr, &len, &data);
        if (bson_init_static(&sub, data, len)) {
            fn(p, &sub, ctx);
        }
    }
}

const char *sb_mongo_doc_str(apr_pool_t *p, const bson_t *doc, const char *key)
{
    bson_iter_t it;

    if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_UTF8(&it)) {
        return NULL;
    }
    return apr_pstrdup(p, bson_iter_utf8(&it, NULL));
}

int sb_mongo_doc_tristate(const bson_t *doc, const char *key)
{
    bson_iter_t it;

    if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_BOOL(&it)) {
        return -1;
    }
    return bson_iter_bool(&it) ? 1 : 0;
}

int64_t sb_mongo_doc_int(const bson_t *doc, const char *key)
{
    bson_iter_t it;

    if (!bson_iter_init_find(&it, doc, key)) {
        return 0;
    }
    switch (bson_iter_type(&it)) {
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_BOOL:
        return bson_iter_as_int64(&it);
    default:
        return 0;
    }
}

double sb_mongo_doc_double(const bson_t *doc, const char *key)
{
    bson_iter_t it;

    if (!bson_iter_init_find(&it, doc, key)) {
        return 0;
    }
    switch (bson_iter_type(&it)) {
    case BSON_TYPE_DOUBLE:
        return bson_iter_double(&it);
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
        return (double)bson_iter_as_int64(&it);
    default:
        return 0;
    }
}

int sb_mongo_doc_id(const bson_t *doc, const char *key, char out[SB_ID_LEN + 1])
{
    bson_iter_t it;

    out[0] = '\0';
    if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_OID(&it)) {
        return 0;
    }
    bson_oid_to_string(bson_iter_oid(&it), out);
    return 1;
}

const char *sb_mongo_json(apr_pool_t *p, const bson_t *doc)
{
    char *s = bson_as_canonical_extended_json(doc, NULL);
    const char *out = apr_pstrdup(p, s ? s : "");

    bson_free(s);
    return out;
}

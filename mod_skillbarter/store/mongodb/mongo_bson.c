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

const char *sb_mongo_json(apr_pool_t *p, const bson_t *doc)
{
    char *s = bson_as_canonical_extended_json(doc, NULL);
    const char *out = apr_pstrdup(p, s ? s : "");

    bson_free(s);
    return out;
}

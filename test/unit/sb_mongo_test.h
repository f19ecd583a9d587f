/* Shared by the MongoDB driver's unit tests: cmocka, APR, the driver's internals, json(), a
 * built document as canonical extended JSON (destroyed once read), rnd(), and
 * sb_mongo_served() (a query's filter and order against the driver's index list). */
#ifndef SB_MONGO_TEST_H
#define SB_MONGO_TEST_H

#include "sb_test.h"

#include <string.h>

#include "mongo_int.h"

static inline const char *json(apr_pool_t *p, bson_t *b)
{
    const char *s = sb_mongo_json(p, b);

    bson_destroy(b);
    return s;
}

/* A seeded xorshift draw in [0, n): the random-sequence tests replay the same sequence. */
static uint64_t sb_mongo_rng = 0x9e3779b97f4a7c15ULL;
static inline int rnd(int n)
{
    sb_mongo_rng ^= sb_mongo_rng << 13;
    sb_mongo_rng ^= sb_mongo_rng >> 7;
    sb_mongo_rng ^= sb_mongo_rng << 17;
    return (int)(sb_mongo_rng % (uint64_t)n);
}

/* Whether key of filter is a range ({"$op": ...}) rather than an equality. */
static inline int sb_mongo_test_is_range(const bson_t *filter, const char *key)
{
    bson_iter_t it, sub;

    return bson_iter_init_find(&it, filter, key) && BSON_ITER_HOLDS_DOCUMENT(&it)
           && bson_iter_recurse(&it, &sub) && bson_iter_next(&sub) && bson_iter_key(&sub)[0] == '$';
}

/*
 * 1 when some index of collection (sb_mongo_indexes) serves filter read in sort's order (sort
 * may be NULL): its first field is constrained by the filter, it starts with fields the
 * filter holds equal (any order), and goes on with the sort's fields in order (or with a
 * range field of the filter when there is no sort). Other filter fields may be left to the
 * fetch. So a query on a field no index has, or sorted against every index, is not served.
 */
static inline int sb_mongo_served(const char *collection, const bson_t *filter, const bson_t *sort)
{
    const sb_mongo_index_t *ix;

    for (ix = sb_mongo_indexes; ix->collection; ix++) {
        bson_t keys;
        bson_iter_t k, s, f;
        int ok = 1, first = 1, more;

        if (strcmp(ix->collection, collection) || !bson_init_from_json(&keys, ix->keys, -1, NULL)) {
            continue;
        }
        more = bson_iter_init(&k, &keys) && bson_iter_next(&k);
        /* the run of equalities */
        while (more && bson_iter_init_find(&f, filter, bson_iter_key(&k))
               && !sb_mongo_test_is_range(filter, bson_iter_key(&k))) {
            first = 0;
            more = bson_iter_next(&k);
        }
        if (sort && bson_iter_init(&s, sort)) {
            while (ok && bson_iter_next(&s)) {
                ok = more && !strcmp(bson_iter_key(&s), bson_iter_key(&k))
                     && (!first || bson_iter_init_find(&f, filter, bson_iter_key(&k)));
                first = 0;
                more = ok && bson_iter_next(&k);
            }
        }
        else if (more && bson_iter_init_find(&f, filter, bson_iter_key(&k))) {
            first = 0; /* a range on the field after the run */
        }
        bson_destroy(&keys);
        if (ok && !first) {
            return 1;
        }
    }
    return 0;
}

/* 1 when some index of collection starts with the fields (NULL-terminated), in that order. */
static inline int sb_mongo_index_prefix(const char *collection, const char *const *fields)
{
    const sb_mongo_index_t *ix;

    for (ix = sb_mongo_indexes; ix->collection; ix++) {
        bson_t keys;
        bson_iter_t k;
        int i = 0;

        if (strcmp(ix->collection, collection) || !bson_init_from_json(&keys, ix->keys, -1, NULL)) {
            continue;
        }
        if (bson_iter_init(&k, &keys)) {
            while (fields[i] && bson_iter_next(&k) && !strcmp(bson_iter_key(&k), fields[i])) {
                i++;
            }
        }
        bson_destroy(&keys);
        if (!fields[i]) {
            return 1;
        }
    }
    return 0;
}

/* The stage document under op of stage it (e.g. "$match") into out (static); 0 if not. */
static inline int sb_mongo_test_stage(bson_iter_t *it, const char *op, bson_t *out)
{
    bson_iter_t st;
    const uint8_t *data;
    uint32_t len;

    if (!BSON_ITER_HOLDS_DOCUMENT(it) || !bson_iter_recurse(it, &st) || !bson_iter_find(&st, op)
        || !BSON_ITER_HOLDS_DOCUMENT(&st)) {
        return 0;
    }
    bson_iter_document(&st, &len, &data);
    return bson_init_static(out, data, len);
}

/* sb_mongo_served for a pipeline that starts with $match, maybe followed by $sort. */
static inline int sb_mongo_pipeline_served(const char *collection, const bson_t *pipeline)
{
    bson_iter_t it;
    bson_t match, sort;

    if (!bson_iter_init(&it, pipeline) || !bson_iter_next(&it)
        || !sb_mongo_test_stage(&it, "$match", &match)) {
        return 0;
    }
    if (bson_iter_next(&it) && sb_mongo_test_stage(&it, "$sort", &sort)) {
        return sb_mongo_served(collection, &match, &sort);
    }
    return sb_mongo_served(collection, &match, NULL);
}

#endif

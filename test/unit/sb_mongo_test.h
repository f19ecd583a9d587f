/* Shared by the MongoDB driver's unit tests: cmocka, APR, the driver's internals, json(), a
 * built document as canonical extended JSON (destroyed once read), and rnd(). */
#ifndef SB_MONGO_TEST_H
#define SB_MONGO_TEST_H

#include "sb_test.h"

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

#endif

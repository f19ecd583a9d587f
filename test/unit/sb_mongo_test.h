/* Shared by the MongoDB driver's unit tests: cmocka, APR, the driver's internals, and json(),
 * a built document as canonical extended JSON (destroyed once read). */
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

#endif

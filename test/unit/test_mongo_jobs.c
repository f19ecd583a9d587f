/*
 * The MongoDB driver's job leases without a server: the take (a guarded upsert whose pipeline
 * keeps a live holder's tenure and marks a new one), renewal, takeover and release filters.
 */
#include "sb_mongo_test.h"

#include <string.h>

#include "mongo_jobs.h"

#define T0 1750000000000LL

static void test_take(void **state)
{
    apr_pool_t *p = *state;
    bson_t f, u;

    sb_mongo_lease_take(&f, &u, "mail", "$holder", 1000, T0);
    assert_string_equal(json(p, &f),
                        "{ \"_id\" : \"mail\", \"$or\" : [ { \"expiresAt\" : { \"$lte\" : { "
                        "\"$date\" : { \"$numberLong\" : \"1750000000000\" } } } }, { \"holder\" : "
                        "\"$holder\" } ] }");
    /* the holder's name is a literal in the pipeline, even when it looks like a field */
    assert_string_equal(
        json(p, &u),
        "{ \"0\" : { \"$set\" : { \"fresh\" : { \"$not\" : [ { \"$and\" : [ { \"$eq\" : [ "
        "\"$holder\", { \"$literal\" : \"$holder\" } ] }, { \"$gt\" : [ \"$expiresAt\", { "
        "\"$date\" : { \"$numberLong\" : \"1750000000000\" } } ] } ] } ] } } }, \"1\" : { "
        "\"$set\" : { \"holder\" : { \"$literal\" : \"$holder\" }, \"acquiredAt\" : { \"$cond\" : "
        "[ \"$fresh\", { \"$date\" : { \"$numberLong\" : \"1750000000000\" } }, \"$acquiredAt\" ] "
        "}, \"expiresAt\" : { \"$date\" : { \"$numberLong\" : \"1750000001000\" } } } } }");
}

static void test_renew_takeover_release(void **state)
{
    apr_pool_t *p = *state;
    bson_t f, u;

    sb_mongo_lease_renew(&f, &u, "mail", "a", 500, T0);
    assert_string_equal(json(p, &f),
                        "{ \"_id\" : \"mail\", \"holder\" : \"a\", \"expiresAt\" : { \"$gt\" : { "
                        "\"$date\" : { \"$numberLong\" : \"1750000000000\" } } } }");
    assert_string_equal(json(p, &u), "{ \"$set\" : { \"expiresAt\" : { \"$date\" : { "
                                     "\"$numberLong\" : \"1750000000500\" } } } }");
    sb_mongo_lease_takeover(&f, &u, "mail", "b", "a", 500, T0);
    assert_string_equal(json(p, &f), "{ \"_id\" : \"mail\", \"holder\" : \"a\" }");
    assert_string_equal(json(p, &u),
                        "{ \"$set\" : { \"holder\" : \"b\", \"acquiredAt\" : { \"$date\" : { "
                        "\"$numberLong\" : \"1750000000000\" } }, \"expiresAt\" : { \"$date\" : { "
                        "\"$numberLong\" : \"1750000000500\" } }, \"fresh\" : true } }");
    sb_mongo_lease_of(&f, "mail", "b");
    assert_string_equal(json(p, &f), "{ \"_id\" : \"mail\", \"holder\" : \"b\" }");
}

static const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
    T(test_take),
    T(test_renew_takeover_release),
#undef T
};

SB_TEST_MAIN("mongo_jobs", tests)

/*
 * The MongoDB driver's tokens domain without a server: every document, guarded filter and
 * update it sends (canonical extended JSON against expected documents), including the mail
 * budget's pipeline update.
 */
#include "sb_mongo_test.h"

#include <string.h>

#include "mongo_tokens.h"

#define ID    "65a1b2c3d4e5f60718293a4b"
#define T0    1750000000000LL
#define NL(n) "{ \"$numberLong\" : \"" #n "\" }"
#define DT(n) "{ \"$date\" : " NL(n) " }"
#define OID   "{ \"$oid\" : \"" ID "\" }"

static void test_refresh_documents(void **state)
{
    apr_pool_t *p = *state;
    bson_t f, u;

    assert_true(sb_mongo_refresh_doc(&f, "h1", ID, "fam1", T0 + 1000, T0));
    assert_string_equal(json(p, &f),
                        "{ \"_id\" : \"h1\", \"userId\" : " OID ", \"familyId\" : "
                        "\"fam1\", \"expiresAt\" : " DT(
                            1750000001000) ", \"usedAt\" "
                                           ": null, \"revokedAt\" : null, \"replacedBy\" : null, "
                                           "\"createdAt\" : " DT(1750000000000) " }");
    assert_false(sb_mongo_refresh_doc(&f, "h1", "nope", "fam1", T0, T0));
    /* rotation changes a live token only */
    sb_mongo_refresh_use(&f, &u, "h1", "h2", T0);
    assert_string_equal(json(p, &f), "{ \"_id\" : \"h1\", \"usedAt\" : null, \"revokedAt\" : null, "
                                     "\"expiresAt\" : { \"$gt\" : " DT(1750000000000) " } }");
    assert_string_equal(json(p, &u), "{ \"$set\" : { \"usedAt\" : " DT(
                                         1750000000000) ", \"replacedBy\" : \"h2\" } }");
    sb_mongo_refresh_revoke_family(&f, &u, "fam1", T0);
    assert_string_equal(json(p, &f), "{ \"familyId\" : \"fam1\", \"revokedAt\" : null }");
    assert_string_equal(json(p, &u), "{ \"$set\" : { \"revokedAt\" : " DT(1750000000000) " } }");
    assert_true(sb_mongo_filter_live_family(&f, ID, "fam1"));
    assert_string_equal(json(p, &f), "{ \"familyId\" : \"fam1\", \"userId\" : " OID ", "
                                     "\"revokedAt\" : null }");
    assert_false(sb_mongo_filter_live_family(&f, "x", "fam1"));
    /* a hash from a request is a value */
    sb_mongo_filter_hash(&f, "{\"$ne\": 1}");
    assert_string_equal(json(p, &f), "{ \"_id\" : \"{\\\"$ne\\\": 1}\" }");
}

static void test_onetime_documents(void **state)
{
    apr_pool_t *p = *state;
    bson_t f, u;

    assert_true(sb_mongo_onetime_doc(&f, "o1", ID, "verify-email", T0 + 5, T0, "n1"));
    assert_string_equal(
        json(p, &f),
        "{ \"_id\" : \"o1\", \"userId\" : " OID ", \"purpose\" : "
        "\"verify-email\", \"expiresAt\" : " DT(
            1750000000005) ", \"usedAt\" : null, \"createdAt\" : " DT(1750000000000) ", \"nonce\" "
                                                                                     ": \"n1\" }");
    assert_true(sb_mongo_onetime_doc(&f, "o1", ID, "verify-email", T0 + 5, T0, NULL));
    assert_non_null(strstr(json(p, &f), "\"nonce\" : null"));
    assert_true(sb_mongo_onetime_invalidate(&f, &u, ID, "reset-password", T0));
    assert_string_equal(json(p, &f), "{ \"userId\" : " OID ", \"purpose\" : \"reset-password\", "
                                     "\"usedAt\" : null }");
    assert_string_equal(json(p, &u), "{ \"$set\" : { \"usedAt\" : " DT(1750000000000) " } }");
    sb_mongo_onetime_use(&f, &u, "o1", "reset-password", T0);
    assert_string_equal(json(p, &f),
                        "{ \"_id\" : \"o1\", \"purpose\" : \"reset-password\", \"usedAt\" : null, "
                        "\"expiresAt\" : { \"$gt\" : " DT(1750000000000) " } }");
    assert_string_equal(json(p, &u), "{ \"$set\" : { \"usedAt\" : " DT(1750000000000) " } }");
    sb_mongo_onetime_expired(&f, "o1", "reset-password", T0);
    assert_string_equal(json(p, &f),
                        "{ \"_id\" : \"o1\", \"purpose\" : \"reset-password\", \"usedAt\" : null, "
                        "\"expiresAt\" : { \"$lte\" : " DT(1750000000000) " } }");
    assert_true(sb_mongo_onetime_live(&f, &u, ID, "verify-email", T0));
    assert_string_equal(
        json(p, &f), "{ \"userId\" : " OID ", \"purpose\" : \"verify-email\", \"usedAt\" : "
                     "null, \"expiresAt\" : { \"$gt\" : " DT(1750000000000) " }, \"nonce\" : { "
                                                                            "\"$ne\" : null } }");
    assert_string_equal(json(p, &u), "{ \"sort\" : { \"expiresAt\" : { \"$numberInt\" : \"-1\" } "
                                     "}, \"limit\" : { \"$numberInt\" : \"1\" } }");
}

static void test_quota_pipeline(void **state)
{
    apr_pool_t *p = *state;
    bson_t b;

    sb_mongo_quota_update(&b, T0 - 3600000, 3, T0, "k1");
    assert_string_equal(
        json(p, &b),
        "{ \"0\" : { \"$set\" : { \"sent\" : { \"$filter\" : { \"input\" : { \"$ifNull\" : [ "
        "\"$sent\", [  ] ] }, \"cond\" : { \"$gt\" : [ \"$$this.t\", " DT(
            1749996400000) " ] } } } } }, \"1\" : { \"$set\" : { \"granted\" : { \"$lt\" : [ { "
                           "\"$size\" : \"$sent\" }, { \"$numberInt\" : \"3\" } ] } } }, \"2\" : { "
                           "\"$set\" : { \"sent\" : { \"$cond\" : [ \"$granted\", { "
                           "\"$concatArrays\" : [ \"$sent\", [ { \"t\" : " DT(
                               1750000000000) ", \"k\" : \"k1\" } ] ] }, \"$sent\" ] } } } }");
    /* no limit: granted whatever the count */
    sb_mongo_quota_update(&b, T0, 0, T0, "k1");
    assert_non_null(strstr(json(p, &b), "\"granted\" : { \"$literal\" : true }"));
    sb_mongo_quota_giveback(&b, "k1");
    assert_string_equal(json(p, &b), "{ \"$pull\" : { \"sent\" : { \"k\" : \"k1\" } } }");
}

static const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
    T(test_refresh_documents),
    T(test_onetime_documents),
    T(test_quota_pipeline),
#undef T
};

SB_TEST_MAIN("mongo_tokens", tests)

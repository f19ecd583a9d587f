/*
 * The MongoDB driver's outbox and notifications without a server: the event written with the
 * server's insertion time, the number draws, the ordered reads and the settled-gap check,
 * the notification document, its keyset page and the first-time read mark.
 */
#include "sb_mongo_test.h"

#include <string.h>

#include "mongo_outbox.h"

#define ID  "65a1b2c3d4e5f60718293a4b"
#define ID2 "65a1b2c3d4e5f60718293a4c"
#define T0  1750000000000LL

static void test_event_document(void **state)
{
    apr_pool_t *p = *state;
    bson_t f, u;

    assert_true(
        sb_mongo_outbox_doc(&f, &u, ID2, ID, 7, 42, "message:received", "{\"text\":\"$gt\"}", T0));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$oid\" : \"" ID2 "\" } }");
    /* payload and type are literals; insertedAt is the server's clock */
    assert_string_equal(
        json(p, &u),
        "{ \"0\" : { \"$set\" : { \"pos\" : { \"$numberLong\" : \"42\" }, \"userId\" : { "
        "\"$oid\" : \"" ID "\" }, \"userSeq\" : { \"$numberLong\" : \"7\" }, \"type\" : { "
        "\"$literal\" : \"message:received\" }, \"data\" : { \"$literal\" : "
        "\"{\\\"text\\\":\\\"$gt\\\"}\" }, \"createdAt\" : { \"$date\" : { \"$numberLong\" : "
        "\"1750000000000\" } }, \"insertedAt\" : \"$$NOW\" } } }");
    assert_false(sb_mongo_outbox_doc(&f, &u, ID2, "nope", 1, 1, "x", NULL, T0));
    assert_true(sb_mongo_outbox_doc(&f, &u, ID2, ID, 1, 1, "x", NULL, T0));
    bson_destroy(&f);
    assert_non_null(strstr(json(p, &u), "\"data\" : { \"$literal\" : \"{}\" }"));
}

static void test_draws_and_reads(void **state)
{
    apr_pool_t *p = *state;
    bson_t key = BSON_INITIALIZER, f, u, o;
    bson_oid_t oid;

    BSON_APPEND_UTF8(&key, "_id", "outbox");
    sb_mongo_counter_next(&f, &u, &key);
    bson_destroy(&key);
    assert_string_equal(json(p, &f), "{ \"_id\" : \"outbox\" }");
    assert_string_equal(json(p, &u), "{ \"$inc\" : { \"seq\" : { \"$numberLong\" : \"1\" } } }");
    assert_true(sb_mongo_outbox_after_seq(&f, &o, ID, 5, 100));
    assert_string_equal(json(p, &f), "{ \"userId\" : { \"$oid\" : \"" ID "\" }, \"userSeq\" : { "
                                     "\"$gt\" : { \"$numberLong\" : \"5\" } } }");
    assert_string_equal(json(p, &o), "{ \"sort\" : { \"userSeq\" : { \"$numberInt\" : \"1\" } }, "
                                     "\"limit\" : { \"$numberLong\" : \"100\" } }");
    assert_false(sb_mongo_outbox_after_seq(&f, &o, "x", 5, 100));
    sb_mongo_outbox_after_pos(&f, &o, 9, 0);
    assert_string_equal(json(p, &f), "{ \"pos\" : { \"$gt\" : { \"$numberLong\" : \"9\" } } }");
    assert_string_equal(json(p, &o), "{ \"sort\" : { \"pos\" : { \"$numberInt\" : \"1\" } } }");
    bson_oid_init_from_string(&oid, ID2);
    sb_mongo_outbox_settled(&f, &oid);
    assert_string_equal(json(p, &f),
                        "{ \"_id\" : { \"$oid\" : \"" ID2 "\" }, \"$expr\" : { \"$lt\" : [ "
                        "\"$insertedAt\", { \"$subtract\" : [ \"$$NOW\", { \"$numberLong\" : "
                        "\"2000\" } ] } ] } }");
}

static void test_notifications(void **state)
{
    apr_pool_t *p = *state;
    sb_notification_new_t n = {ID2,         ID,   "message", "New message", NULL,
                               "/messages", NULL, ID,        "{}"};
    sb_notification_t r;
    bson_t b, o;

    assert_true(sb_mongo_notification_doc(&b, &n, T0));
    sb_mongo_notification_from_doc(p, &b, &r);
    assert_string_equal(r.id, ID2);
    assert_string_equal(r.user_id, ID);
    assert_string_equal(r.body, "");
    assert_string_equal(r.data, "{}");
    assert_string_equal(r.subject_id, ID);
    assert_int_equal(r.is_read, 0);
    assert_int_equal(r.read_at, 0);
    assert_int_equal(r.created_at, T0);
    assert_string_equal(json(p, &b),
                        "{ \"_id\" : { \"$oid\" : \"" ID2 "\" }, \"userId\" : { \"$oid\" : \"" ID
                        "\" }, \"type\" : \"message\", \"title\" : \"New message\", \"body\" : "
                        "\"\", \"link\" : \"/messages\", \"data\" : \"{}\", \"subjectId\" : \"" ID
                        "\", \"isRead\" : false, \"readAt\" : null, \"createdAt\" : { \"$date\" : "
                        "{ \"$numberLong\" : \"1750000000000\" } } }");
    n.user_id = "x";
    assert_false(sb_mongo_notification_doc(&b, &n, T0));
    assert_true(sb_mongo_notifications_page(&b, &o, ID, 0, NULL, 20));
    assert_string_equal(json(p, &b), "{ \"userId\" : { \"$oid\" : \"" ID "\" } }");
    assert_string_equal(json(p, &o), "{ \"sort\" : { \"createdAt\" : { \"$numberInt\" : \"-1\" }, "
                                     "\"_id\" : { \"$numberInt\" : \"-1\" } }, \"limit\" : { "
                                     "\"$numberLong\" : \"21\" } }");
    assert_true(sb_mongo_notifications_page(&b, &o, ID, T0, ID2, 20));
    bson_destroy(&o);
    assert_string_equal(json(p, &b),
                        "{ \"userId\" : { \"$oid\" : \"" ID "\" }, \"$or\" : [ { \"createdAt\" : "
                        "{ \"$lt\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } } } }, "
                        "{ \"createdAt\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } "
                        "}, \"_id\" : { \"$lt\" : { \"$oid\" : \"" ID2 "\" } } } ] }");
    assert_true(sb_mongo_notification_read(&b, &o, ID, ID2, T0));
    assert_string_equal(json(p, &b), "{ \"_id\" : { \"$oid\" : \"" ID2 "\" }, \"userId\" : { "
                                     "\"$oid\" : \"" ID "\" } }");
    assert_string_equal(json(p, &o),
                        "{ \"0\" : { \"$set\" : { \"isRead\" : true, \"readAt\" : { \"$ifNull\" : "
                        "[ \"$readAt\", { \"$date\" : { \"$numberLong\" : \"1750000000000\" } } ] "
                        "} } } }");
    assert_false(sb_mongo_notification_read(&b, &o, ID, "x", T0));
}

static const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
    T(test_event_document),
    T(test_draws_and_reads),
    T(test_notifications),
#undef T
};

SB_TEST_MAIN("mongo_outbox", tests)

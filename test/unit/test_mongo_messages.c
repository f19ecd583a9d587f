/*
 * The MongoDB driver's messages without a server: the pair key, the message document and its
 * reading back, the summary upsert (newest last message wins, unread adds up), the receiver's
 * visibility, the conversation page and list pipelines.
 */
#include "sb_mongo_test.h"

#include <string.h>

#include <apr_strings.h>

#include "mongo_messages.h"

#define A  "65a1b2c3d4e5f60718293a4b"
#define B  "65a1b2c3d4e5f60718293a4c"
#define M  "65a1b2c3d4e5f60718293a4d"
#define T0 1750000000000LL

static void test_pair_and_document(void **state)
{
    apr_pool_t *p = *state;
    char pair[SB_MONGO_PAIR_LEN];
    sb_message_t m, r;
    bson_t b;

    assert_string_equal(sb_mongo_pair(pair, B, A), A B);
    assert_string_equal(sb_mongo_pair(pair, A, B), A B);
    assert_null(sb_mongo_pair(pair, A, "x"));
    memset(&m, 0, sizeof(m));
    apr_cpystrn(m.id, M, sizeof(m.id));
    apr_cpystrn(m.sender_id, B, sizeof(m.sender_id));
    apr_cpystrn(m.receiver_id, A, sizeof(m.receiver_id));
    m.content = "{\"$where\": \"1\"}";
    m.created_at = T0;
    assert_true(sb_mongo_message_doc(&b, &m));
    sb_mongo_message_from_doc(p, &b, &r);
    assert_string_equal(r.id, M);
    assert_string_equal(r.sender_id, B);
    assert_string_equal(r.receiver_id, A);
    assert_string_equal(r.content, "{\"$where\": \"1\"}");
    assert_string_equal(r.message_type, "text");
    assert_string_equal(r.reply_to, "");
    assert_string_equal(r.deleted_by, "");
    assert_int_equal(r.updated_at, T0);
    assert_string_equal(
        json(p, &b),
        "{ \"_id\" : { \"$oid\" : \"" M "\" }, \"pair\" : \"" A B "\", \"senderId\" : { \"$oid\" "
        ": \"" B "\" }, \"receiverId\" : { \"$oid\" : \"" A
        "\" }, \"content\" : \"{\\\"$where\\\": "
        "\\\"1\\\"}\", \"messageType\" : \"text\", \"isRead\" : false, \"readAt\" : null, "
        "\"replyTo\" : null, \"isDeleted\" : false, \"deletedAt\" : null, \"deletedBy\" : null, "
        "\"createdAt\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } }, \"updatedAt\" : "
        "{ \"$date\" : { \"$numberLong\" : \"1750000000000\" } } }");
    apr_cpystrn(m.reply_to, "zz", sizeof(m.reply_to));
    assert_false(sb_mongo_message_doc(&b, &m));
}

static void test_summary_upsert(void **state)
{
    apr_pool_t *p = *state;
    bson_t f, u;

    assert_true(sb_mongo_summary_upsert(&f, &u, A, B, M, T0, 1));
    assert_string_equal(json(p, &f), "{ \"userId\" : { \"$oid\" : \"" A "\" }, \"partnerId\" : { "
                                     "\"$oid\" : \"" B "\" } }");
    assert_string_equal(
        json(p, &u),
        "{ \"0\" : { \"$set\" : { \"newer\" : { \"$or\" : [ { \"$eq\" : [ { \"$ifNull\" : [ "
        "\"$lastMessageId\", null ] }, null ] }, { \"$gt\" : [ { \"$date\" : { \"$numberLong\" : "
        "\"1750000000000\" } }, \"$lastAt\" ] }, { \"$and\" : [ { \"$eq\" : [ { \"$date\" : { "
        "\"$numberLong\" : \"1750000000000\" } }, \"$lastAt\" ] }, { \"$gt\" : [ { \"$oid\" : "
        "\"" M "\" }, \"$lastMessageId\" ] } ] } ] } } }, \"1\" : { \"$set\" : { "
        "\"lastMessageId\" : { \"$cond\" : [ \"$newer\", { \"$oid\" : \"" M "\" }, "
        "\"$lastMessageId\" ] }, \"lastAt\" : { \"$cond\" : [ \"$newer\", { \"$date\" : { "
        "\"$numberLong\" : \"1750000000000\" } }, \"$lastAt\" ] }, \"unread\" : { \"$add\" : [ { "
        "\"$ifNull\" : [ \"$unread\", { \"$numberInt\" : \"0\" } ] }, { \"$numberLong\" : \"1\" } "
        "] } } }, \"2\" : { \"$unset\" : \"newer\" } }");
    assert_false(sb_mongo_summary_upsert(&f, &u, A, B, "\"}, {\"x", T0, 1));
    sb_mongo_unread_minus_one(&u);
    assert_string_equal(json(p, &u), "{ \"0\" : { \"$set\" : { \"unread\" : { \"$max\" : [ { "
                                     "\"$subtract\" : [ { \"$ifNull\" : [ \"$unread\", { "
                                     "\"$numberInt\" : \"0\" } ] }, { \"$numberInt\" : \"1\" } ] "
                                     "}, { \"$numberInt\" : \"0\" } ] } } } }");
}

static void test_visibility_and_pages(void **state)
{
    apr_pool_t *p = *state;
    const char *s;
    bson_t f, o;

    assert_true(sb_mongo_filter_visible(&f, A, T0));
    assert_string_equal(json(p, &f),
                        "{ \"_id\" : { \"$oid\" : \"" A "\" }, \"isActive\" : true, \"$or\" : [ { "
                        "\"isBanned\" : false }, { \"banExpiresAt\" : { \"$lte\" : { \"$date\" : { "
                        "\"$numberLong\" : \"1750000000000\" } } } } ] }");
    assert_false(sb_mongo_filter_visible(&f, "x", T0));
    assert_true(sb_mongo_conversation_page_query(&f, &o, A B, T0, M, 30));
    assert_string_equal(json(p, &f),
                        "{ \"pair\" : \"" A B "\", \"isDeleted\" : false, \"$or\" : [ { "
                        "\"createdAt\" : { \"$lt\" : { \"$date\" : { \"$numberLong\" : "
                        "\"1750000000000\" } } } }, { \"createdAt\" : { \"$date\" : { "
                        "\"$numberLong\" : \"1750000000000\" } }, \"_id\" : { \"$lt\" : { "
                        "\"$oid\" : \"" M "\" } } } ] }");
    assert_string_equal(json(p, &o), "{ \"sort\" : { \"createdAt\" : { \"$numberInt\" : \"-1\" }, "
                                     "\"_id\" : { \"$numberInt\" : \"-1\" } }, \"limit\" : { "
                                     "\"$numberInt\" : \"31\" } }");
    assert_false(sb_mongo_conversation_page_query(&f, &o, A B, T0, "nope", 30));
    assert_true(sb_mongo_conversations_pipeline(&f, A, T0, 10, 5));
    /* newest first through the index, then partners visible now, then the page: no totals
     * (the counters give them), so a page reads its rows, not the whole list */
    assert_int_equal(bson_count_keys(&f), 9);
    s = json(p, &f);
    assert_non_null(strstr(s, "\"1\" : { \"$sort\" : { \"lastAt\" : { \"$numberInt\" : \"-1\" }, "
                              "\"partnerId\" : { \"$numberInt\" : \"-1\" } } }, \"2\" : { "
                              "\"$lookup\""));
    assert_non_null(strstr(s, "\"5\" : { \"$skip\" : { \"$numberInt\" : \"10\" } }, \"6\" : { "
                              "\"$limit\" : { \"$numberInt\" : \"5\" } }"));
    assert_null(strstr(s, "$facet"));
    assert_false(sb_mongo_conversations_pipeline(&f, "x", T0, 0, 5));
}

static void test_json_builders(void **state)
{
    apr_pool_t *p = *state;
    bson_t b;

    assert_true(sb_mongo_json_array(&b, "[{\"a\": %d}, {\"b\": \"%s\"}]", 1, "x"));
    assert_string_equal(json(p, &b), "{ \"0\" : { \"a\" : { \"$numberInt\" : \"1\" } }, \"1\" : { "
                                     "\"b\" : \"x\" } }");
    assert_false(sb_mongo_json_doc(&b, "{\"a\": %s", "1"));
    bson_destroy(&b);
}

/* sessionData: the message's copy written with the request, read back, and the session's
 * own values over it while the session exists */
static void test_session_request_data(void **state)
{
    apr_pool_t *p = *state;
    sb_message_session_t d = {M, "Guitar", 60, T0, "chords", "pending", NULL};
    sb_message_t m, back;
    bson_t b;
    const char *j;

    memset(&m, 0, sizeof(m));
    apr_cpystrn(m.id, M, sizeof(m.id));
    apr_cpystrn(m.sender_id, A, sizeof(m.sender_id));
    apr_cpystrn(m.receiver_id, B, sizeof(m.receiver_id));
    m.message_type = "session_request";
    m.created_at = T0;
    m.session = &d;
    assert_true(sb_mongo_message_doc(&b, &m));
    sb_mongo_message_from_doc(p, &b, &back);
    j = json(p, &b);
    /* one layout, flat beside the message's fields (what booking writes and the mirror sets) */
    assert_non_null(
        strstr(j, "\"updatedAt\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } }, "
                  "\"sessionId\" : { \"$oid\" : \"" M "\" }, \"sessionSkill\" : "
                  "\"Guitar\", \"sessionDuration\" : { \"$numberLong\" : \"60\" }, "
                  "\"sessionProposedTime\" : { \"$date\" : { \"$numberLong\" : "
                  "\"1750000000000\" } }, \"sessionDescription\" : \"chords\", "
                  "\"sessionStatus\" : \"pending\" }"));
    assert_null(strstr(j, "\"session\" :"));
    assert_non_null(back.session);
    assert_string_equal(back.session->session_id, M);
    assert_string_equal(back.session->skill, "Guitar");
    assert_int_equal(back.session->duration, 60);
    assert_int_equal(back.session->proposed_time, T0);
    assert_string_equal(back.session->status, "pending");
    assert_null(back.session->session_status);
    assert_string_equal(sb_session_request_status("declined"), "declined");
    assert_string_equal(sb_session_request_status("expired"), "expired");
    assert_string_equal(sb_session_request_status("cancelled"), "cancelled");
    assert_string_equal(sb_session_request_status("pending"), "pending");
    assert_string_equal(sb_session_request_status("completed"), "accepted");
    /* an ordinary message has none; a bad session id writes nothing */
    m.session = NULL;
    assert_true(sb_mongo_message_doc(&b, &m));
    sb_mongo_message_from_doc(p, &b, &back);
    bson_destroy(&b);
    assert_null(back.session);
    apr_cpystrn(d.session_id, "nope", sizeof(d.session_id));
    m.session = &d;
    assert_false(sb_mongo_message_doc(&b, &m));
}

static const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
    T(test_pair_and_document), T(test_summary_upsert),       T(test_visibility_and_pages),
    T(test_json_builders),     T(test_session_request_data),
#undef T
};

SB_TEST_MAIN("mongo_messages", tests)

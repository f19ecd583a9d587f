/*
 * The MongoDB driver's sessions without a server, the other operations' documents: edit (a
 * participant's own notes), presence, the caller's list and its count filter, the jobs' due
 * sessions and the reminder recorded once, dispute and resolution (its refund as intent, its
 * undo), reviews (one per reviewer, the exact mean from sum and count, the page joined to
 * reviewer and session), the calendar token, the participant's short form, the indexes.
 */
#include "sb_mongo_test.h"

#include <string.h>

#include "mongo_sessions.h"

#define ID  "65a1b2c3d4e5f60718293a4b" /* the teacher */
#define ID2 "65a1b2c3d4e5f60718293a4c" /* the learner */
#define SID "65a1b2c3d4e5f60718293a4d"
#define MID "65a1b2c3d4e5f60718293a4e"
#define T0  1750000000000LL
#define MIN 60000LL

static void test_edit_and_presence(void **state)
{
    apr_pool_t *p = *state;
    bson_t f, u;

    /* request text stays text: $literal, never a field path or an operator */
    assert_true(sb_mongo_session_edit_update(&f, &u, SID, ID, "$skill", "{\"$gt\": \"\"}", T0));
    assert_string_equal(json(p, &f),
                        "{ \"_id\" : { \"$oid\" : \"" SID
                        "\" }, \"$or\" : [ { \"teacherId\" : { \"$oid\" : "
                        "\"" ID "\" } }, { \"studentId\" : { \"$oid\" : \"" ID "\" } } ] }");
    assert_string_equal(
        json(p, &u),
        "{ \"0\" : { \"$set\" : { \"description\" : { \"$literal\" : \"$skill\" }, "
        "\"teacherNotes\" : { \"$cond\" : [ { \"$eq\" : [ \"$teacherId\", { \"$oid\" : "
        "\"" ID "\" } ] }, { \"$literal\" : \"{\\\"$gt\\\": \\\"\\\"}\" }, \"$teacherNotes\" ] "
        "}, \"studentNotes\" : { \"$cond\" : [ { \"$eq\" : [ \"$studentId\", { \"$oid\" : "
        "\"" ID "\" } ] }, { \"$literal\" : \"{\\\"$gt\\\": \\\"\\\"}\" }, \"$studentNotes\" ] "
        "}, \"updatedAt\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } } } } }");
    /* NULL leaves a field as it is */
    assert_true(sb_mongo_session_edit_update(&f, &u, SID, ID2, NULL, NULL, T0));
    bson_destroy(&f);
    assert_string_equal(
        json(p, &u), "{ \"0\" : { \"$set\" : { \"updatedAt\" : { \"$date\" : { \"$numberLong\" : "
                     "\"1750000000000\" } } } } }");
    assert_false(sb_mongo_session_edit_update(&f, &u, "x", ID, NULL, NULL, T0));
    assert_false(sb_mongo_session_edit_update(&f, &u, SID, "{\"$ne\": 1}", NULL, NULL, T0));
    assert_true(sb_mongo_session_presence_update(&f, &u, SID, ID2, T0));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$oid\" : \"" SID
                                     "\" }, \"$or\" : [ { \"teacherId\" : { \"$oid\" : "
                                     "\"" ID2 "\" } }, { \"studentId\" : { \"$oid\" : \"" ID2
                                     "\" } } ], \"status\" : "
                                     "\"in_progress\" }");
    assert_string_equal(json(p, &u),
                        "{ \"$max\" : { \"lastPresenceAt\" : { \"$date\" : { \"$numberLong\" : "
                        "\"1750000000000\" } } } }");
    assert_false(sb_mongo_session_presence_update(&f, &u, SID, "x", T0));
}

static void test_list_filters(void **state)
{
    apr_pool_t *p = *state;
    sb_session_query_t q = {ID, "scheduled", 0, 1, T0};
    bson_t f, o;

    assert_true(sb_mongo_session_list_query(&f, &o, &q, 20, 10));
    assert_string_equal(
        json(p, &f),
        "{ \"$or\" : [ { \"teacherId\" : { \"$oid\" : \"" ID "\" } }, { \"studentId\" : { "
        "\"$oid\" : \"" ID "\" } } ], \"status\" : \"scheduled\", \"scheduledTime\" : { "
        "\"$gte\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } } } }");
    assert_string_equal(
        json(p, &o),
        "{ \"sort\" : { \"scheduledTime\" : { \"$numberInt\" : \"-1\" }, \"_id\" : { "
        "\"$numberInt\" : \"-1\" } }, \"skip\" : { \"$numberInt\" : \"20\" }, \"limit\" : { "
        "\"$numberInt\" : \"10\" } }");
    q.role = 2;
    q.status = NULL;
    q.when = 2;
    assert_true(sb_mongo_session_list_query(&f, &o, &q, -5, 10));
    assert_string_equal(json(p, &f), "{ \"studentId\" : { \"$oid\" : \"" ID
                                     "\" }, \"scheduledTime\" : { \"$lt\" : { "
                                     "\"$date\" : { \"$numberLong\" : \"1750000000000\" } } } }");
    assert_string_equal(
        json(p, &o),
        "{ \"sort\" : { \"scheduledTime\" : { \"$numberInt\" : \"-1\" }, \"_id\" : { "
        "\"$numberInt\" : \"-1\" } }, \"skip\" : { \"$numberInt\" : \"0\" }, \"limit\" : { "
        "\"$numberInt\" : \"10\" } }");
    q.role = 1;
    q.when = 0;
    assert_true(sb_mongo_session_list_query(&f, &o, &q, 0, 10));
    assert_string_equal(json(p, &f), "{ \"teacherId\" : { \"$oid\" : \"" ID "\" } }");
    bson_destroy(&o);
    q.user_id = "nobody";
    assert_false(sb_mongo_session_list_query(&f, &o, &q, 0, 10));
}

static void test_due_and_reminders(void **state)
{
    apr_pool_t *p = *state;
    bson_t f, o;

    /* expiry, no-show, the one reminder due per window, abandonment */
    sb_mongo_sessions_due_query(&f, &o, T0, 50);
    assert_string_equal(
        json(p, &f),
        "{ \"$or\" : [ { \"status\" : \"pending\", \"scheduledTime\" : { \"$lte\" : { \"$date\" "
        ": { \"$numberLong\" : \"1750000000000\" } } } }, { \"status\" : \"scheduled\", "
        "\"scheduledTime\" : { \"$lte\" : { \"$date\" : { \"$numberLong\" : \"1749999100000\" } "
        "} } }, { \"status\" : \"scheduled\", \"scheduledTime\" : { \"$gt\" : { \"$date\" : { "
        "\"$numberLong\" : \"1750000000000\" } }, \"$lte\" : { \"$date\" : { \"$numberLong\" : "
        "\"1750000900000\" } } }, \"remindersSent\" : { \"$ne\" : \"15min\" } }, { \"status\" : "
        "\"scheduled\", \"scheduledTime\" : { \"$gt\" : { \"$date\" : { \"$numberLong\" : "
        "\"1750000900000\" } }, \"$lte\" : { \"$date\" : { \"$numberLong\" : \"1750003600000\" "
        "} } }, \"remindersSent\" : { \"$ne\" : \"1h\" } }, { \"status\" : \"scheduled\", "
        "\"scheduledTime\" : { \"$gt\" : { \"$date\" : { \"$numberLong\" : \"1750003600000\" } "
        "}, \"$lte\" : { \"$date\" : { \"$numberLong\" : \"1750086400000\" } } }, "
        "\"remindersSent\" : { \"$ne\" : \"24h\" } }, { \"status\" : \"in_progress\", "
        "\"startedAt\" : { \"$ne\" : null }, \"$expr\" : { \"$lte\" : [ { \"$add\" : [ "
        "\"$startedAt\", { \"$multiply\" : [ \"$duration\", { \"$numberInt\" : \"60000\" } ] }, "
        "{ \"$numberInt\" : \"900000\" } ] }, { \"$date\" : { \"$numberLong\" : "
        "\"1750000000000\" } } ] } } ] }");
    assert_string_equal(
        json(p, &o), "{ \"sort\" : { \"scheduledTime\" : { \"$numberInt\" : \"1\" }, \"_id\" : { "
                     "\"$numberInt\" : \"1\" } }, \"limit\" : { \"$numberInt\" : \"50\" } }");
    assert_true(sb_mongo_reminder_update(&f, &o, SID, "1h"));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$oid\" : \"" SID
                                     "\" }, \"status\" : \"scheduled\", \"remindersSent\" "
                                     ": { \"$ne\" : \"1h\" } }");
    assert_string_equal(json(p, &o), "{ \"$push\" : { \"remindersSent\" : \"1h\" } }");
    assert_false(sb_mongo_reminder_update(&f, &o, "x", "1h"));
}

static void test_reminders_read_back_as_text(void **state)
{
    apr_pool_t *p = *state;
    bson_t doc;
    bson_error_t e;
    sb_session_t s;

    assert_true(bson_init_from_json(&doc, "{\"remindersSent\": [\"24h\", \"1h\"]}", -1, &e));
    assert_string_equal(sb_mongo_reminders_text(p, &doc), "[\"24h\",\"1h\"]");
    sb_mongo_session_from_doc(p, &doc, &s);
    assert_string_equal(s.reminders_sent, "[\"24h\",\"1h\"]");
    bson_destroy(&doc);
    bson_init(&doc);
    assert_string_equal(sb_mongo_reminders_text(p, &doc), "[]");
    bson_destroy(&doc);
}

static void test_dispute_and_resolution(void **state)
{
    apr_pool_t *p = *state;
    sb_session_t s;
    sb_session_plan_t plan;
    bson_t f, u;

    assert_true(sb_mongo_dispute_update(&f, &u, SID, "no show", T0));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$oid\" : \"" SID
                                     "\" }, \"status\" : \"completed\", \"isDisputed\" : "
                                     "false }");
    assert_string_equal(
        json(p, &u),
        "{ \"$set\" : { \"isDisputed\" : true, \"disputeReason\" : \"no show\", \"disputedAt\" "
        ": { \"$date\" : { \"$numberLong\" : \"1750000000000\" } }, \"updatedAt\" : { \"$date\" "
        ": { \"$numberLong\" : \"1750000000000\" } } } }");
    memset(&s, 0, sizeof(s));
    strcpy(s.id, SID);
    strcpy(s.teacher_id, ID);
    strcpy(s.student_id, ID2);
    s.skill = "Guitar";
    /* 25 minutes back: the teacher's row and totals down, the learner's up */
    sb_session_plan_refund(p, &s, 25, "half", &plan);
    assert_int_equal(plan.n, 2);
    assert_string_equal(plan.m[0].key, SID ":dispute:teacher");
    assert_int_equal(plan.m[0].amount, -25);
    assert_int_equal(plan.m[0].earned, -25);
    assert_string_equal(plan.m[1].key, SID ":dispute:learner");
    assert_int_equal(plan.m[1].amount, 25);
    assert_int_equal(plan.m[1].spent, -25);
    assert_true(sb_mongo_resolve_cas(&f, &u, SID, 25, &plan, T0));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$oid\" : \"" SID
                                     "\" }, \"isDisputed\" : true, \"disputeResolvedAt\" : "
                                     "null }");
    assert_string_equal(
        json(p, &u),
        "{ \"$set\" : { \"disputeResolvedAt\" : { \"$date\" : { \"$numberLong\" : "
        "\"1750000000000\" } }, \"disputeRefund\" : { \"$numberLong\" : \"25\" }, \"updatedAt\" "
        ": { \"$date\" : { \"$numberLong\" : \"1750000000000\" } }, \"moves\" : [ { \"k\" : "
        "\"" SID ":dispute:teacher\", \"u\" : { \"$oid\" : \"" ID "\" }, \"type\" : \"spent\", "
        "\"a\" : { \"$numberLong\" : \"-25\" }, \"ru\" : { \"$oid\" : \"" ID2 "\" }, \"d\" : "
        "\"Dispute refund: Guitar\", \"c\" : \"refund\", \"n\" : \"half\", \"e\" : { "
        "\"$numberLong\" : \"-25\" }, \"s\" : { \"$numberLong\" : \"0\" }, \"tl\" : { "
        "\"$numberLong\" : \"0\" }, \"ln\" : { \"$numberLong\" : \"0\" } }, { \"k\" : "
        "\"" SID ":dispute:learner\", \"u\" : { \"$oid\" : \"" ID2 "\" }, \"type\" : "
        "\"refund\", \"a\" : { \"$numberLong\" : \"25\" }, \"ru\" : { \"$oid\" : \"" ID "\" }, "
        "\"d\" : \"Dispute refund: Guitar\", \"c\" : \"refund\", \"n\" : \"half\", \"e\" : { "
        "\"$numberLong\" : \"0\" }, \"s\" : { \"$numberLong\" : \"-25\" }, \"tl\" : { "
        "\"$numberLong\" : \"0\" }, \"ln\" : { \"$numberLong\" : \"0\" } } ], \"movesAt\" : { "
        "\"$date\" : { \"$numberLong\" : \"1750000000000\" } } } }");
    assert_true(sb_mongo_resolve_undo(&f, &u, SID, T0));
    assert_string_equal(
        json(p, &f),
        "{ \"_id\" : { \"$oid\" : \"" SID "\" }, \"disputeResolvedAt\" : { \"$date\" : { "
        "\"$numberLong\" : \"1750000000000\" } }, \"moves\" : { \"$exists\" : true } }");
    assert_string_equal(
        json(p, &u),
        "{ \"$set\" : { \"disputeResolvedAt\" : null, \"disputeRefund\" : { \"$numberLong\" : "
        "\"0\" } }, \"$unset\" : { \"moves\" : \"\", \"movesAt\" : \"\" } }");
    /* nothing paid, nothing to move */
    sb_session_plan_refund(p, &s, 0, NULL, &plan);
    assert_int_equal(plan.n, 0);
}

static void test_reviews(void **state)
{
    apr_pool_t *p = *state;
    sb_review_new_t r = {MID, SID, ID, 4, NULL, -1};
    bson_t f, u;

    assert_true(sb_mongo_review_doc(&f, &r, ID2, T0));
    assert_string_equal(
        json(p, &f),
        "{ \"_id\" : { \"$oid\" : \"" MID "\" }, \"sessionId\" : { \"$oid\" : \"" SID "\" }, "
        "\"reviewerId\" : { \"$oid\" : \"" ID "\" }, \"revieweeId\" : { \"$oid\" : \"" ID2 "\" "
        "}, \"rating\" : { \"$numberInt\" : \"4\" }, \"feedback\" : null, \"wouldRecommend\" : "
        "null, \"createdAt\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } } }");
    r.feedback = "$where";
    r.would_recommend = 1;
    assert_true(sb_mongo_review_doc(&f, &r, ID2, T0));
    assert_non_null(strstr(json(p, &f), "\"feedback\" : \"$where\", \"wouldRecommend\" : true"));
    assert_false(sb_mongo_review_doc(&f, &r, "x", T0));
    assert_true(sb_mongo_rating_update(&f, &u, ID2, 4));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$oid\" : \"" ID2 "\" } }");
    assert_string_equal(
        json(p, &u),
        "{ \"0\" : { \"$set\" : { \"ratingSum\" : { \"$add\" : [ { \"$ifNull\" : [ "
        "\"$ratingSum\", { \"$numberInt\" : \"0\" } ] }, { \"$numberLong\" : \"4\" } ] }, "
        "\"totalReviews\" : { \"$add\" : [ { \"$ifNull\" : [ \"$totalReviews\", { "
        "\"$numberInt\" : \"0\" } ] }, { \"$numberInt\" : \"1\" } ] } } }, \"1\" : { \"$set\" : "
        "{ \"rating\" : { \"$divide\" : [ \"$ratingSum\", \"$totalReviews\" ] } } } }");
    /* both pages read the reviewee's reviews in the index's order (no sort of them all) */
    assert_true(sb_mongo_reviews_page_pipeline(&f, ID2, T0, MID, 5));
    assert_true(sb_mongo_pipeline_served("reviews", &f));
    bson_destroy(&f);
    assert_true(sb_mongo_reviews_page_pipeline(&f, ID2, 0, NULL, 5));
    assert_true(sb_mongo_pipeline_served("reviews", &f));
    assert_string_equal(
        json(p, &f),
        "{ \"0\" : { \"$match\" : { \"revieweeId\" : { \"$oid\" : \"" ID2 "\" } } }, \"1\" : { "
        "\"$sort\" : { \"createdAt\" : { \"$numberInt\" : \"-1\" }, \"_id\" : { \"$numberInt\" "
        ": \"-1\" } } }, \"2\" : { \"$lookup\" : { \"from\" : \"users\", \"localField\" : "
        "\"reviewerId\", \"foreignField\" : \"_id\", \"as\" : \"reviewer\" } }, \"3\" : { "
        "\"$unwind\" : \"$reviewer\" }, \"4\" : { \"$lookup\" : { \"from\" : \"sessions\", "
        "\"localField\" : \"sessionId\", \"foreignField\" : \"_id\", \"as\" : \"session\" } }, "
        "\"5\" : { \"$unwind\" : \"$session\" }, \"6\" : { \"$limit\" : { \"$numberInt\" : "
        "\"6\" } }, \"7\" : { \"$set\" : { \"skill\" : \"$session.skill\" } }, \"8\" : { "
        "\"$unset\" : \"session\" } }");
    assert_true(sb_mongo_reviews_page_pipeline(&f, ID2, T0, MID, 5));
    assert_string_equal(
        json(p, &f),
        "{ \"0\" : { \"$match\" : { \"revieweeId\" : { \"$oid\" : \"" ID2 "\" }, \"$or\" : [ { "
        "\"createdAt\" : { \"$lt\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } } } "
        "}, { \"createdAt\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } }, \"_id\" "
        ": { \"$lt\" : { \"$oid\" : \"" MID "\" } } } ] } }, \"1\" : { \"$sort\" : { "
        "\"createdAt\" : { \"$numberInt\" : \"-1\" }, \"_id\" : { \"$numberInt\" : \"-1\" } } "
        "}, \"2\" : { \"$lookup\" : { \"from\" : \"users\", \"localField\" : \"reviewerId\", "
        "\"foreignField\" : \"_id\", \"as\" : \"reviewer\" } }, \"3\" : { \"$unwind\" : "
        "\"$reviewer\" }, \"4\" : { \"$lookup\" : { \"from\" : \"sessions\", \"localField\" : "
        "\"sessionId\", \"foreignField\" : \"_id\", \"as\" : \"session\" } }, \"5\" : { "
        "\"$unwind\" : \"$session\" }, \"6\" : { \"$limit\" : { \"$numberInt\" : \"6\" } }, "
        "\"7\" : { \"$set\" : { \"skill\" : \"$session.skill\" } }, \"8\" : { \"$unset\" : "
        "\"session\" } }");
    assert_false(sb_mongo_reviews_page_pipeline(&f, ID2, T0, "\"}]", 5));
}

static void test_calendar_and_person(void **state)
{
    apr_pool_t *p = *state;
    bson_t f, u, doc;
    bson_error_t e;
    sb_session_person_t who;

    assert_true(sb_mongo_calendar_set(&f, &u, ID, "abc"));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$oid\" : \"" ID "\" } }");
    assert_string_equal(json(p, &u), "{ \"$set\" : { \"calendarToken\" : \"abc\" } }");
    assert_false(sb_mongo_calendar_set(&f, &u, "x", "abc"));
    sb_mongo_calendar_user(&f, "abc", T0);
    assert_string_equal(
        json(p, &f),
        "{ \"calendarToken\" : \"abc\", \"isActive\" : true, \"$or\" : [ { \"isBanned\" : false "
        "}, { \"banExpiresAt\" : { \"$lte\" : { \"$date\" : { \"$numberLong\" : "
        "\"1750000000000\" } } } } ] }");
    sb_mongo_person_opts(&f);
    assert_string_equal(
        json(p, &f),
        "{ \"projection\" : { \"username\" : { \"$numberInt\" : \"1\" }, \"firstName\" : { "
        "\"$numberInt\" : \"1\" }, \"lastName\" : { \"$numberInt\" : \"1\" }, "
        "\"profilePicture\" : { \"$numberInt\" : \"1\" }, \"timezone\" : { \"$numberInt\" : "
        "\"1\" }, \"rating\" : { \"$numberInt\" : \"1\" }, \"totalReviews\" : { \"$numberInt\" "
        ": \"1\" } } }");
    assert_true(bson_init_from_json(&doc,
                                    "{\"_id\": {\"$oid\": \"" ID "\"}, \"username\": \"ada\","
                                    " \"firstName\": \"Ada\", \"lastName\": \"L\","
                                    " \"profilePicture\": \"\", \"timezone\": \"Europe/Paris\","
                                    " \"rating\": 4.5, \"totalReviews\": 2}",
                                    -1, &e));
    sb_mongo_person_from_doc(p, &doc, &who);
    bson_destroy(&doc);
    assert_string_equal(who.id, ID);
    assert_string_equal(who.username, "ada");
    assert_string_equal(who.timezone, "Europe/Paris");
    assert_true(who.rating == 4.5);
    assert_int_equal(who.total_reviews, 2);
}

static void test_session_indexes(void **state)
{
    apr_pool_t *p = *state;
    bson_t cmd;
    bson_error_t e;

    /* the participants' lists walk their index in order, their open sessions have their own
     * (overlap, held credits); intents are found by time */
    assert_int_equal(sb_mongo_index_command("sessions", &cmd, &e), 8);
    assert_string_equal(
        json(p, &cmd),
        "{ \"createIndexes\" : \"sessions\", \"indexes\" : [ { \"key\" : { \"roomId\" : { "
        "\"$numberInt\" : \"1\" } }, \"name\" : \"roomId\", \"unique\" : true, "
        "\"partialFilterExpression\" : { \"roomId\" : { \"$type\" : \"string\" } } }, { \"key\" "
        ": { \"teacherId\" : { \"$numberInt\" : \"1\" }, \"scheduledTime\" : { \"$numberInt\" : "
        "\"-1\" }, \"_id\" : { \"$numberInt\" : \"-1\" } }, \"name\" : \"teacher\" }, { \"key\" "
        ": { \"studentId\" : { \"$numberInt\" : \"1\" }, \"scheduledTime\" : { \"$numberInt\" : "
        "\"-1\" }, \"_id\" : { \"$numberInt\" : \"-1\" } }, \"name\" : \"student\" }, { \"key\" "
        ": { \"status\" : { \"$numberInt\" : \"1\" }, \"scheduledTime\" : { \"$numberInt\" : "
        "\"1\" } }, \"name\" : \"due\" }, { \"key\" : { \"teacherId\" : { \"$numberInt\" : \"1\" "
        "}, \"status\" : { \"$numberInt\" : \"1\" }, \"scheduledTime\" : { \"$numberInt\" : \"1\" "
        "} }, \"name\" : \"teacher_open\" }, { \"key\" : { \"studentId\" : { \"$numberInt\" : "
        "\"1\" }, \"status\" : { \"$numberInt\" : \"1\" }, \"scheduledTime\" : { \"$numberInt\" "
        ": \"1\" } }, \"name\" : \"student_open\" }, { \"key\" : { \"movesAt\" : { "
        "\"$numberInt\" : \"1\" } }, \"name\" : \"intent\", \"sparse\" : true }, { \"key\" : { "
        "\"createdAt\" : { \"$numberInt\" : \"-1\" } }, \"name\" : \"created\" } ] }");
    assert_string_equal(sb_mongo_index_field("reviews", "review_once"), "review");
    assert_string_equal(sb_mongo_index_field("sessions", "roomId"), "roomId");
}

static const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
    T(test_edit_and_presence),           T(test_list_filters),           T(test_due_and_reminders),
    T(test_reminders_read_back_as_text), T(test_dispute_and_resolution), T(test_reviews),
    T(test_calendar_and_person),         T(test_session_indexes),
#undef T
};

SB_TEST_MAIN("mongo_session_queries", tests)

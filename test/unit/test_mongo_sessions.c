/*
 * The MongoDB driver's sessions without a server: the booking's document (its hold as the
 * intent) and the request message, the document read back, the overlap filter, the
 * planned settlement and reschedule written as the compare-and-set of a transition
 * with its intent, the intent's entries, the user totals kept once per key, the request
 * message's mirror.
 */
#include "sb_mongo_test.h"

#include <string.h>

#include "mongo_messages.h"
#include "mongo_sessions.h"

#define ID      "65a1b2c3d4e5f60718293a4b" /* the teacher */
#define ID2     "65a1b2c3d4e5f60718293a4c" /* the learner */
#define SID     "65a1b2c3d4e5f60718293a4d"
#define MID     "65a1b2c3d4e5f60718293a4e"
#define T0      1750000000000LL
#define MIN     60000LL
#define HOUR_MS (60 * MIN)

static const sb_session_new_t booking = {
    SID, ID, ID2, "Guitar", "Music", "$gt chords", T0, 60, "room1", MID, "Session request: Guitar"};

/* The session as booked (read back from its document) at T0 - 1 s. */
static void booked(apr_pool_t *p, sb_session_t *o)
{
    bson_t doc;

    assert_true(sb_mongo_session_doc(&doc, &booking, NULL, T0 - 1000));
    sb_mongo_session_from_doc(p, &doc, o);
    bson_destroy(&doc);
}

static void test_booking_document_holds_the_duration(void **state)
{
    apr_pool_t *p = *state;
    sb_session_new_t bad = booking;
    sb_session_move_t hold;
    sb_session_t s;
    bson_t b;

    sb_session_plan_hold(p, &booking, &hold);
    assert_string_equal(hold.key, SID ":hold");
    assert_int_equal(hold.amount, -60);
    assert_true(sb_mongo_session_doc(&b, &booking, &hold, T0 - 1000));
    sb_mongo_session_from_doc(p, &b, &s);
    /* request text is a value, never an operator */
    assert_string_equal(
        json(p, &b),
        "{ \"_id\" : { \"$oid\" : \"" SID "\" }, \"teacherId\" : { \"$oid\" : \"" ID "\" }, "
        "\"studentId\" : { \"$oid\" : \"" ID2 "\" }, \"skill\" : \"Guitar\", \"category\" : "
        "\"Music\", \"description\" : \"$gt chords\", \"scheduledTime\" : { \"$date\" : { "
        "\"$numberLong\" : \"1750000000000\" } }, \"duration\" : { \"$numberLong\" : \"60\" }, "
        "\"actualDuration\" : { \"$numberLong\" : \"0\" }, \"status\" : \"pending\", "
        "\"escrowMinutes\" : { \"$numberLong\" : \"60\" }, \"roomId\" : \"room1\", "
        "\"startedAt\" : null, \"endedAt\" : null, \"creditsExchanged\" : { \"$numberLong\" : "
        "\"0\" }, \"teacherNotes\" : null, \"studentNotes\" : null, \"cancelledBy\" : null, "
        "\"cancelReason\" : null, \"isDisputed\" : false, \"disputeReason\" : null, "
        "\"disputedAt\" : null, \"disputeResolvedAt\" : null, \"disputeRefund\" : { "
        "\"$numberLong\" : \"0\" }, \"remindersSent\" : [  ], \"proposedBy\" : null, "
        "\"teacherJoinedAt\" : null, \"studentJoinedAt\" : null, \"lastPresenceAt\" : null, "
        "\"createdAt\" : { \"$date\" : { \"$numberLong\" : \"1749999999000\" } }, \"updatedAt\" "
        ": { \"$date\" : { \"$numberLong\" : \"1749999999000\" } }, \"inHours\" : true, "
        "\"moves\" : [ { \"k\" : "
        "\"" SID ":hold\", \"u\" : { \"$oid\" : \"" ID2 "\" }, \"type\" : \"spent\", \"a\" : { "
        "\"$numberLong\" : \"-60\" }, \"ru\" : { \"$oid\" : \"" ID "\" }, \"d\" : \"Credits "
        "held for session: Guitar\", \"c\" : \"learning\", \"n\" : null, \"e\" : { "
        "\"$numberLong\" : \"0\" }, \"s\" : { \"$numberLong\" : \"0\" }, \"tl\" : { "
        "\"$numberLong\" : \"0\" }, \"ln\" : { \"$numberLong\" : \"0\" } } ], \"movesAt\" : { "
        "\"$date\" : { \"$numberLong\" : \"1749999999000\" } } }");
    assert_string_equal(s.id, SID);
    assert_string_equal(s.teacher_id, ID);
    assert_string_equal(s.student_id, ID2);
    assert_string_equal(s.skill, "Guitar");
    assert_string_equal(s.category, "Music");
    assert_string_equal(s.description, "$gt chords");
    assert_string_equal(s.status, "pending");
    assert_string_equal(s.room_id, "room1");
    assert_string_equal(s.reminders_sent, "[]");
    assert_int_equal(s.scheduled_time, T0);
    assert_int_equal(s.duration, 60);
    assert_int_equal(s.escrow, 60);
    assert_int_equal(s.started_at, 0);
    assert_int_equal(s.created_at, T0 - 1000);
    assert_string_equal(s.proposed_by, "");
    assert_null(s.teacher_notes);
    assert_false(s.is_disputed);
    bad.teacher_id = "nope";
    assert_false(sb_mongo_session_doc(&b, &bad, NULL, T0));
}

static void test_request_message_mirrors_the_booking(void **state)
{
    apr_pool_t *p = *state;
    sb_session_new_t none = booking;
    bson_t b, u;

    assert_true(sb_mongo_request_message_doc(&b, &booking, T0 - 1000));
    assert_string_equal(
        json(p, &b),
        "{ \"_id\" : { \"$oid\" : \"" MID "\" }, \"pair\" : \"" ID "" ID2 "\", \"senderId\" : { "
        "\"$oid\" : \"" ID2 "\" }, \"receiverId\" : { \"$oid\" : \"" ID "\" }, \"content\" : "
        "\"Session request: Guitar\", \"messageType\" : \"session_request\", \"isRead\" : "
        "false, \"readAt\" : null, \"replyTo\" : null, \"isDeleted\" : false, \"deletedAt\" : "
        "null, \"deletedBy\" : null, \"createdAt\" : { \"$date\" : { \"$numberLong\" : "
        "\"1749999999000\" } }, \"updatedAt\" : { \"$date\" : { \"$numberLong\" : "
        "\"1749999999000\" } }, \"sessionId\" : { \"$oid\" : \"" SID "\" }, \"sessionSkill\" : "
        "\"Guitar\", \"sessionDuration\" : { \"$numberLong\" : \"60\" }, "
        "\"sessionProposedTime\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } }, "
        "\"sessionDescription\" : \"$gt chords\", \"sessionStatus\" : \"pending\" }");
    none.message_id = NULL;
    assert_false(sb_mongo_request_message_doc(&b, &none, T0));
    none = booking;
    none.id = "nope";
    assert_false(sb_mongo_request_message_doc(&b, &none, T0));
    assert_true(sb_mongo_request_mirror(&b, &u, SID, "accepted", T0 + MIN, T0 - 5));
    assert_string_equal(json(p, &b), "{ \"sessionId\" : { \"$oid\" : \"" SID
                                     "\" }, \"messageType\" : \"session_request\" }");
    assert_string_equal(
        json(p, &u),
        "{ \"$set\" : { \"sessionStatus\" : \"accepted\", \"sessionProposedTime\" : { \"$date\" "
        ": { \"$numberLong\" : \"1750000060000\" } }, \"updatedAt\" : { \"$date\" : { "
        "\"$numberLong\" : \"1749999999995\" } } } }");
}

/* The copy booking writes is the one the message reader reads (one layout, one helper each
 * way), and the mirror's $set names the same fields. */
static void test_request_copy_read_back(void **state)
{
    apr_pool_t *p = *state;
    sb_message_t m;
    bson_t b, f, u;
    bson_iter_t it;

    assert_true(sb_mongo_request_message_doc(&b, &booking, T0 - 1000));
    sb_mongo_message_from_doc(p, &b, &m);
    assert_string_equal(m.message_type, "session_request");
    assert_non_null(m.session);
    assert_string_equal(m.session->session_id, SID);
    assert_string_equal(m.session->skill, "Guitar");
    assert_int_equal(m.session->duration, 60);
    assert_int_equal(m.session->proposed_time, T0);
    assert_string_equal(m.session->description, "$gt chords");
    assert_string_equal(m.session->status, "pending");
    assert_null(m.session->session_status);
    /* the mirror changes status and time under the fields read back */
    assert_true(sb_mongo_request_mirror(&f, &u, SID, "accepted", T0 + MIN, T0));
    assert_true(bson_iter_init_find(&it, &u, "$set"));
    {
        bson_t set, moved = BSON_INITIALIZER;
        const uint8_t *data;
        uint32_t len;
        bson_iter_t k;
        bson_iter_document(&it, &len, &data);
        assert_true(bson_init_static(&set, data, len));
        /* the booked copy with the mirror's $set applied, field by field */
        assert_true(bson_iter_init(&k, &b));
        while (bson_iter_next(&k)) {
            bson_iter_t v;
            if (bson_iter_init_find(&v, &set, bson_iter_key(&k))) {
                bson_append_iter(&moved, bson_iter_key(&k), -1, &v);
            }
            else {
                bson_append_iter(&moved, bson_iter_key(&k), -1, &k);
            }
        }
        sb_mongo_message_from_doc(p, &moved, &m);
        assert_string_equal(m.session->status, "accepted");
        assert_int_equal(m.session->proposed_time, T0 + MIN);
        assert_string_equal(m.session->skill, "Guitar");
        bson_destroy(&moved);
    }
    bson_destroy(&f);
    bson_destroy(&u);
    bson_destroy(&b);
}

static void test_overlap_filter(void **state)
{
    apr_pool_t *p = *state;
    bson_t f;

    /* [T0, T0 + 30 min) against every open session of either party but this one */
    assert_true(sb_mongo_overlap_filter(&f, ID, ID2, T0, 30, SID));
    /* each side of the $or reads that participant's open sessions by start (an index) */
    {
        bson_iter_t it, alt, one;
        int n = 0;
        assert_true(bson_iter_init_find(&it, &f, "$or") && bson_iter_recurse(&it, &alt));
        while (bson_iter_next(&alt)) {
            const char *fields[] = {NULL, "status", "scheduledTime", NULL};
            assert_true(bson_iter_recurse(&alt, &one) && bson_iter_next(&one));
            fields[0] = bson_iter_key(&one);
            assert_true(sb_mongo_index_prefix("sessions", fields));
            n++;
        }
        assert_int_equal(n, 2);
        assert_true(bson_iter_init_find(&it, &f, "status"));
        assert_true(bson_iter_init_find(&it, &f, "scheduledTime"));
    }
    assert_string_equal(
        json(p, &f),
        "{ \"status\" : { \"$in\" : [ \"pending\", \"scheduled\", \"in_progress\" ] }, \"_id\" "
        ": { \"$ne\" : { \"$oid\" : \"" SID "\" } }, \"$or\" : [ { \"teacherId\" : { \"$in\" : "
        "[ { \"$oid\" : \"" ID "\" }, { \"$oid\" : \"" ID2 "\" } ] } }, { \"studentId\" : { "
        "\"$in\" : [ { \"$oid\" : \"" ID "\" }, { \"$oid\" : \"" ID2 "\" } ] } } ], "
        "\"scheduledTime\" : { \"$lt\" : { \"$date\" : { \"$numberLong\" : \"1750001800000\" } "
        "} }, \"$expr\" : { \"$gt\" : [ { \"$add\" : [ \"$scheduledTime\", { \"$multiply\" : [ "
        "\"$duration\", { \"$numberInt\" : \"60000\" } ] } ] }, { \"$date\" : { \"$numberLong\" "
        ": \"1750000000000\" } } ] } }");
    assert_true(sb_mongo_overlap_filter(&f, ID, ID2, T0, 15, NULL));
    assert_non_null(strstr(json(p, &f), "\"_id\" : { \"$ne\" : null }"));
    assert_false(sb_mongo_overlap_filter(&f, ID, "x", T0, 15, NULL));
    assert_false(sb_mongo_overlap_filter(&f, ID, ID2, T0, 15, "{\"$gt\": \"\"}"));
}

static void test_end_settles_the_measured_minutes(void **state)
{
    apr_pool_t *p = *state;
    sb_session_act_t a = {.id = SID, .actor_id = ID2, .action = SB_SESSION_END};
    sb_session_t o, n;
    sb_session_plan_t plan;
    sb_store_error_t err;
    bson_t f, u;

    booked(p, &o);
    o.status = "in_progress";
    o.started_at = o.teacher_joined_at = o.last_presence_at = T0;
    o.student_joined_at = T0 - 5;
    /* 45.5 minutes taught: 45 paid, 15 back, the learner's totals without a balance change */
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 + 45 * MIN + 30000, &plan, &err),
                     SB_STORE_OK);
    assert_int_equal(plan.n, 3);
    assert_true(plan.changed);
    assert_null(plan.mirror);
    assert_string_equal(n.status, "completed");
    assert_int_equal(n.escrow, 0);
    assert_int_equal(n.credits_exchanged, 45);
    assert_string_equal(plan.m[0].user_id, ID);
    assert_int_equal(plan.m[1].amount, 0);
    assert_int_equal(plan.m[1].learned, 45);
    assert_int_equal(plan.m[2].amount, 15);
    assert_true(sb_mongo_session_cas(&f, &u, &o, &n, &plan, T0 + 45 * MIN + 30000));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$oid\" : \"" SID
                                     "\" }, \"status\" : \"in_progress\", \"updatedAt\" : "
                                     "{ \"$date\" : { \"$numberLong\" : \"1749999999000\" } } }");
    assert_string_equal(
        json(p, &u),
        "{ \"$set\" : { \"status\" : \"completed\", \"escrowMinutes\" : { \"$numberLong\" : "
        "\"0\" }, \"scheduledTime\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } }, "
        "\"startedAt\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } }, \"endedAt\" : "
        "{ \"$date\" : { \"$numberLong\" : \"1750002730000\" } }, \"actualDuration\" : { "
        "\"$numberLong\" : \"45\" }, \"creditsExchanged\" : { \"$numberLong\" : \"45\" }, "
        "\"cancelledBy\" : null, \"cancelReason\" : null, \"proposedBy\" : null, "
        "\"teacherJoinedAt\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } }, "
        "\"studentJoinedAt\" : { \"$date\" : { \"$numberLong\" : \"1749999999995\" } }, "
        "\"lastPresenceAt\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } }, "
        "\"remindersSent\" : [  ], \"updatedAt\" : { \"$date\" : { \"$numberLong\" : "
        "\"1750002730000\" } }, \"moves\" : [ { \"k\" : \"" SID ":settle:teacher\", \"u\" : { "
        "\"$oid\" : \"" ID "\" }, \"type\" : \"earned\", \"a\" : { \"$numberLong\" : \"45\" }, "
        "\"ru\" : { \"$oid\" : \"" ID2 "\" }, \"d\" : \"Taught: Guitar\", \"c\" : \"teaching\", "
        "\"n\" : null, \"e\" : { \"$numberLong\" : \"45\" }, \"s\" : { \"$numberLong\" : \"0\" "
        "}, \"tl\" : { \"$numberLong\" : \"45\" }, \"ln\" : { \"$numberLong\" : \"0\" } }, { "
        "\"k\" : \"" SID ":settle:learner\", \"u\" : { \"$oid\" : \"" ID2 "\" }, \"type\" : "
        "\"spent\", \"a\" : { \"$numberLong\" : \"0\" }, \"ru\" : null, \"d\" : null, \"c\" : "
        "\"learning\", \"n\" : null, \"e\" : { \"$numberLong\" : \"0\" }, \"s\" : { "
        "\"$numberLong\" : \"45\" }, \"tl\" : { \"$numberLong\" : \"0\" }, \"ln\" : { "
        "\"$numberLong\" : \"45\" } }, { \"k\" : \"" SID ":settle:refund\", \"u\" : { \"$oid\" "
        ": \"" ID2 "\" }, \"type\" : \"refund\", \"a\" : { \"$numberLong\" : \"15\" }, \"ru\" : "
        "{ \"$oid\" : \"" ID "\" }, \"d\" : \"Unused hold returned: Guitar\", \"c\" : "
        "\"refund\", \"n\" : null, \"e\" : { \"$numberLong\" : \"0\" }, \"s\" : { "
        "\"$numberLong\" : \"0\" }, \"tl\" : { \"$numberLong\" : \"0\" }, \"ln\" : { "
        "\"$numberLong\" : \"0\" } } ], \"movesAt\" : { \"$date\" : { \"$numberLong\" : "
        "\"1750002730000\" } } } }");
}

static void test_start_reschedule_abandon(void **state)
{
    apr_pool_t *p = *state;
    sb_session_act_t a = {.id = SID, .actor_id = ID, .action = SB_SESSION_ACCEPT};
    sb_session_t o, n;
    sb_session_plan_t plan;
    sb_store_error_t err;
    bson_t f, u;

    booked(p, &o);
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 - HOUR_MS, &plan, &err), SB_STORE_OK);
    assert_string_equal(n.status, "scheduled");
    assert_string_equal(plan.mirror, "accepted");
    assert_int_equal(plan.n, 0);
    /* updatedAt (the compare-and-set's token) never goes back, even on a clock behind it */
    assert_int_equal(n.updated_at, T0 - 999);
    /* the first to join: no change of status, nobody hears of it */
    o = n;
    a.action = SB_SESSION_START;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 - 5 * MIN, &plan, &err), SB_STORE_OK);
    assert_string_equal(n.status, "scheduled");
    assert_false(plan.changed);
    assert_int_equal(n.teacher_joined_at, T0 - 5 * MIN);
    /* the second: in progress from now */
    o = n;
    a.actor_id = ID2;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 + MIN, &plan, &err), SB_STORE_OK);
    assert_string_equal(n.status, "in_progress");
    assert_int_equal(n.started_at, T0 + MIN);
    assert_true(plan.changed);
    /* abandoned: settled up to the last presence */
    o = n;
    o.last_presence_at = T0 + 31 * MIN;
    a.actor_id = NULL;
    a.action = SB_SESSION_ABANDON;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 + 75 * MIN, &plan, &err), SB_STORE_REFUSED);
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 + 76 * MIN, &plan, &err), SB_STORE_OK);
    assert_string_equal(n.status, "abandoned");
    assert_int_equal(n.credits_exchanged, 30);
    assert_int_equal(plan.m[2].amount, 30);
    /* a reschedule by the learner: pending again, proposed by them, reminders cleared */
    booked(p, &o);
    o.status = "scheduled";
    o.reminders_sent = "[\"24h\",\"1h\"]";
    a.actor_id = ID2;
    a.action = SB_SESSION_RESCHEDULE;
    a.scheduled_time = T0 + 24 * HOUR_MS;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 - HOUR_MS, &plan, &err), SB_STORE_OK);
    assert_string_equal(n.status, "pending");
    assert_string_equal(n.proposed_by, ID2);
    assert_true(plan.overlap_check);
    assert_string_equal(plan.mirror, "pending");
    assert_true(sb_mongo_session_cas(&f, &u, &o, &n, &plan, T0 - HOUR_MS));
    bson_destroy(&f);
    assert_string_equal(
        json(p, &u),
        "{ \"$set\" : { \"status\" : \"pending\", \"escrowMinutes\" : { \"$numberLong\" : "
        "\"60\" }, \"scheduledTime\" : { \"$date\" : { \"$numberLong\" : \"1750086400000\" } }, "
        "\"startedAt\" : null, \"endedAt\" : null, \"actualDuration\" : { \"$numberLong\" : "
        "\"0\" }, \"creditsExchanged\" : { \"$numberLong\" : \"0\" }, \"cancelledBy\" : null, "
        "\"cancelReason\" : null, \"proposedBy\" : { \"$oid\" : \"" ID2 "\" }, "
        "\"teacherJoinedAt\" : null, \"studentJoinedAt\" : null, \"lastPresenceAt\" : null, "
        "\"remindersSent\" : [  ], \"updatedAt\" : { \"$date\" : { \"$numberLong\" : "
        "\"1749999999001\" } } } }");
    /* the proposer cannot accept their own time */
    o = n;
    a.action = SB_SESSION_ACCEPT;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 - HOUR_MS, &plan, &err), SB_STORE_REFUSED);
    a.actor_id = ID;
    assert_int_equal(sb_session_plan(p, &a, &o, &n, T0 - HOUR_MS, &plan, &err), SB_STORE_OK);
}

static void test_intent_entries_and_totals(void **state)
{
    apr_pool_t *p = *state;
    sb_session_move_t m[2] = {
        {SID ":settle:teacher", ID, "earned", 30, ID2, "Taught: x", "teaching", NULL, 30, 0, 30, 0},
        {SID ":settle:refund", ID2, "refund", 10, ID, "r", "refund", "note", 0, 0, 0, 0}};
    sb_session_move_t back;
    bson_t b, f, u, entry;
    bson_iter_t it, arr;
    const uint8_t *data;
    uint32_t len;

    bson_init(&b);
    sb_mongo_append_intent(&b, m, 2, T0);
    assert_true(bson_iter_init_find(&it, &b, "moves") && bson_iter_recurse(&it, &arr));
    assert_true(bson_iter_next(&arr) && bson_iter_next(&arr));
    bson_iter_document(&arr, &len, &data);
    assert_true(bson_init_static(&entry, data, len));
    assert_true(sb_mongo_intent_entry(p, &entry, &back));
    assert_string_equal(back.key, SID ":settle:refund");
    assert_string_equal(back.user_id, ID2);
    assert_string_equal(back.related_user, ID);
    assert_string_equal(back.type, "refund");
    assert_string_equal(back.admin_note, "note");
    assert_int_equal(back.amount, 10);
    assert_int_equal(sb_mongo_get_time(&b, "movesAt"), T0);
    bson_destroy(&b);
    /* nothing to record, nothing appended */
    bson_init(&b);
    sb_mongo_append_intent(&b, m, 0, T0);
    assert_string_equal(json(p, &b), "{ }");
    /* totals once per key */
    assert_true(sb_mongo_totals_update(&f, &u, &m[0]));
    assert_string_equal(json(p, &f),
                        "{ \"_id\" : { \"$oid\" : \"" ID "\" }, \"sessionTotals\" : { \"$ne\" : "
                        "\"" SID ":settle:teacher\" } }");
    assert_string_equal(
        json(p, &u),
        "{ \"$inc\" : { \"totalEarned\" : { \"$numberLong\" : \"30\" }, \"totalSpent\" : { "
        "\"$numberLong\" : \"0\" }, \"minutesTaught\" : { \"$numberLong\" : \"30\" }, "
        "\"minutesLearned\" : { \"$numberLong\" : \"0\" } }, \"$push\" : { \"sessionTotals\" : "
        "\"" SID ":settle:teacher\" } }");
    assert_false(sb_mongo_totals_update(&f, &u, &m[1]));
    assert_true(sb_mongo_totals_clear(&f, &u, m, 2));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$in\" : [ { \"$oid\" : \"" ID "\" } ] } }");
    assert_string_equal(json(p, &u), "{ \"$pull\" : { \"sessionTotals\" : { \"$in\" : [ \"" SID
                                     ":settle:teacher\" ] } } }");
    assert_false(sb_mongo_totals_clear(&f, &u, &m[1], 1));
    assert_true(sb_mongo_intent_clear(&f, &u, SID));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$oid\" : \"" SID "\" } }");
    assert_string_equal(json(p, &u), "{ \"$unset\" : { \"moves\" : \"\", \"movesAt\" : \"\" } }");
    assert_false(sb_mongo_intent_clear(&f, &u, "x"));
}

static const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
    T(test_booking_document_holds_the_duration),
    T(test_request_message_mirrors_the_booking),
    T(test_request_copy_read_back),
    T(test_overlap_filter),
    T(test_end_settles_the_measured_minutes),
    T(test_start_reschedule_abandon),
    T(test_intent_entries_and_totals),
#undef T
};

SB_TEST_MAIN("mongo_sessions", tests)

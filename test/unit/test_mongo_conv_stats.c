/*
 * The MongoDB driver's conversation counters without a server: the pipeline of a summary
 * change (what it counted before, the change, the pending entry), the difference a changed
 * summary makes, and after a seeded random sequence of summary changes (messages, read
 * marks, deletes down to no last message, partners hidden and shown) the counters kept by
 * those differences equal a from-scratch count of every user's listed summaries; then the
 * counter, recount and flagged-but-visible documents.
 */
#include "sb_mongo_test.h"

#include <string.h>

#include "mongo_messages.h"

#define A  "65a1b2c3d4e5f60718293a4b"
#define B  "65a1b2c3d4e5f60718293a4c"
#define T0 1750000000000LL

static void test_change_pipeline(void **state)
{
    apr_pool_t *p = *state;
    bson_t stages, out;

    assert_true(sb_mongo_json_array(&stages, "[{\"$set\": {\"unread\": 0}}]"));
    assert_true(sb_mongo_summary_change_pipeline(&out, &stages, NULL, T0));
    assert_string_equal(
        json(p, &out),
        "{ \"0\" : { \"$set\" : { \"prevListed\" : { \"$and\" : [ { \"$ne\" : [ { \"$ifNull\" : [ "
        "\"$lastMessageId\", null ] }, null ] }, { \"$ne\" : [ \"$partnerHidden\", true ] } ] }, "
        "\"prevUnread\" : { \"$ifNull\" : [ \"$unread\", { \"$numberInt\" : \"0\" } ] } } }, \"1\" "
        ": { \"$set\" : { \"unread\" : { \"$numberInt\" : \"0\" } } } }");
    /* without a transaction: the pending entry, until the counters have the difference */
    assert_true(sb_mongo_summary_change_pipeline(&out, &stages, A, T0));
    assert_non_null(strstr(json(p, &out),
                           "\"2\" : { \"$set\" : { \"statsPending\" : { \"$concatArrays\" : [ { "
                           "\"$ifNull\" : [ \"$statsPending\", [  ] ] }, [ { \"op\" : \"" A "\", "
                           "\"t\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } } } ] ] "
                           "} } } }"));
    assert_false(sb_mongo_summary_change_pipeline(&out, &stages, "bad\"op", T0));
    bson_destroy(&out);
    bson_destroy(&stages);
}

/* A summary as the server returns it after a change. */
static void after_doc(bson_t *b, int prev_listed, int64_t prev_unread, int has_last, int hidden,
                      int64_t unread)
{
    bson_init(b);
    sb_mongo_append_id(b, "_id", A);
    if (has_last) {
        sb_mongo_append_id(b, "lastMessageId", B);
    }
    else {
        bson_append_null(b, "lastMessageId", -1);
    }
    BSON_APPEND_BOOL(b, "partnerHidden", hidden != 0);
    BSON_APPEND_INT64(b, "unread", unread);
    BSON_APPEND_BOOL(b, "prevListed", prev_listed != 0);
    BSON_APPEND_INT64(b, "prevUnread", prev_unread);
}

static void delta(int prev_listed, int64_t prev_unread, int has_last, int hidden, int64_t unread,
                  int64_t want_c, int64_t want_u)
{
    bson_t b;
    int64_t dc, du;

    after_doc(&b, prev_listed, prev_unread, has_last, hidden, unread);
    sb_mongo_stats_delta(&b, &dc, &du);
    bson_destroy(&b);
    assert_int_equal(dc, want_c);
    assert_int_equal(du, want_u);
}

static void test_delta(void **state)
{
    (void)state;
    delta(0, 0, 1, 0, 1, 1, 1);   /* a first message received */
    delta(1, 3, 1, 0, 2, 0, -1);  /* one read */
    delta(1, 2, 0, 0, 2, -1, -2); /* the last message deleted */
    delta(1, 2, 1, 1, 2, -1, -2); /* the partner banned */
    delta(0, 2, 1, 0, 2, 1, 2);   /* and back */
    delta(0, 0, 1, 1, 5, 0, 0);   /* a hidden partner's summary changes nothing counted */
}

/* The model: per (user, partner) summary state. */
typedef struct {
    int exists, has_last, hidden;
    int64_t unread;
} summary_t;

#define NU 5

static void test_counters_follow_random_changes(void **state)
{
    summary_t s[NU][NU];
    int64_t conv[NU] = {0}, unread[NU] = {0};
    int step, u, v, i;

    (void)state;
    memset(s, 0, sizeof(s));
    for (step = 0; step < 2000; step++) {
        summary_t before, *x;
        bson_t b;
        int64_t dc, du, fc, fu;
        int prev;
        u = rnd(NU);
        v = rnd(NU);
        x = &s[u][v];
        before = *x;
        switch (rnd(5)) {
        case 0: /* a message (sent or received) */
            x->exists = x->has_last = 1;
            x->unread += rnd(2);
            break;
        case 1: /* one read, never below 0 */
            if (!x->exists) {
                continue;
            }
            x->unread = x->unread > 0 ? x->unread - 1 : 0;
            break;
        case 2: /* all read */
            if (!x->exists) {
                continue;
            }
            x->unread = rnd(2);
            break;
        case 3: /* deletes down to none left */
            if (!x->exists) {
                continue;
            }
            x->has_last = rnd(3) != 0;
            break;
        default: /* the partner hidden or shown */
            if (!x->exists) {
                continue;
            }
            x->hidden = rnd(2);
            break;
        }
        prev = before.exists && before.has_last && !before.hidden;
        after_doc(&b, prev, before.unread, x->has_last, x->hidden, x->unread);
        sb_mongo_stats_delta(&b, &dc, &du);
        bson_destroy(&b);
        conv[u] += dc;
        unread[u] += du;
        for (i = 0; i < NU; i++) {
            fc = fu = 0;
            for (v = 0; v < NU; v++) {
                if (s[i][v].exists && s[i][v].has_last && !s[i][v].hidden) {
                    fc++;
                    fu += s[i][v].unread;
                }
            }
            assert_int_equal(conv[i], fc);
            assert_int_equal(unread[i], fu);
        }
    }
}

static void test_counter_documents(void **state)
{
    apr_pool_t *p = *state;
    bson_t f, u;

    assert_true(sb_mongo_stats_inc(&f, &u, A, -1, -3));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$oid\" : \"" A "\" } }");
    assert_string_equal(json(p, &u), "{ \"$inc\" : { \"conversations\" : { \"$numberLong\" : "
                                     "\"-1\" }, \"unread\" : { \"$numberLong\" : \"-3\" } } }");
    assert_false(sb_mongo_stats_inc(&f, &u, "x", 1, 1));
    assert_true(sb_mongo_stats_recount_pipeline(&f, A));
    assert_string_equal(json(p, &f),
                        "{ \"0\" : { \"$match\" : { \"userId\" : { \"$oid\" : \"" A "\" }, "
                        "\"lastMessageId\" : { \"$ne\" : null }, \"partnerHidden\" : { \"$ne\" : "
                        "true } } }, \"1\" : { \"$group\" : { \"_id\" : null, \"n\" : { \"$sum\" : "
                        "{ \"$numberInt\" : \"1\" } }, \"unread\" : { \"$sum\" : \"$unread\" } } } "
                        "}");
    assert_true(sb_mongo_stats_unhidden_pipeline(&f, A, T0));
    assert_non_null(strstr(json(p, &f),
                           "{ \"0\" : { \"$match\" : { \"userId\" : { \"$oid\" : \"" A "\" }, "
                           "\"partnerHidden\" : true, \"lastMessageId\" : { \"$ne\" : null } } }"));
    assert_false(sb_mongo_stats_unhidden_pipeline(&f, "x", T0));
    bson_destroy(&f);
}

static const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
    T(test_change_pipeline),
    T(test_delta),
    T(test_counters_follow_random_changes),
    T(test_counter_documents),
#undef T
};

SB_TEST_MAIN("mongo_conv_stats", tests)

/*
 * The MongoDB driver's mail queue without a server: the queued document, the claim of the
 * oldest due message, the guards of the state changes, and reading a message back.
 */
#include "sb_mongo_test.h"

#include <string.h>

#include "mongo_mail.h"

#define ID "65a1b2c3d4e5f60718293a4b"
#define T0 1750000000000LL

static void test_queued_document(void **state)
{
    apr_pool_t *p = *state;
    sb_store_mail_new_t m = {SB_MAIL_KIND_ACCOUNT, NULL, "noreply@x.org", "a@b.c",
                             "Subject: hi\r\n\r\nbody"};
    sb_store_mail_t *r;
    bson_t b;

    assert_true(sb_mongo_mail_doc(&b, ID, &m, T0));
    r = sb_mongo_mail_from_doc(p, &b);
    assert_string_equal(r->id, ID);
    assert_string_equal(r->kind, "account");
    assert_null(r->user_id);
    assert_string_equal(r->state, "queued");
    assert_int_equal(r->attempts, 0);
    assert_int_equal(r->next_attempt_at, T0);
    assert_int_equal(r->sent_at, 0);
    assert_string_equal(json(p, &b),
                        "{ \"_id\" : { \"$oid\" : \"" ID "\" }, \"kind\" : \"account\", "
                        "\"userId\" : null, \"envelopeFrom\" : \"noreply@x.org\", \"rcpt\" : "
                        "\"a@b.c\", \"message\" : \"Subject: hi\\r\\n\\r\\nbody\", \"state\" : "
                        "\"queued\", \"claim\" : null, \"lastError\" : null, \"attempts\" : { "
                        "\"$numberInt\" : \"0\" }, \"createdAt\" : { \"$date\" : { "
                        "\"$numberLong\" : \"1750000000000\" } }, \"nextAttemptAt\" : { \"$date\" "
                        ": { \"$numberLong\" : \"1750000000000\" } }, \"updatedAt\" : { \"$date\" "
                        ": { \"$numberLong\" : \"1750000000000\" } }, \"sentAt\" : null }");
    m.kind = "bulk";
    assert_false(sb_mongo_mail_doc(&b, ID, &m, T0));
    m.kind = SB_MAIL_KIND_NOTIFICATION;
    m.rcpt = NULL;
    assert_false(sb_mongo_mail_doc(&b, ID, &m, T0));
}

static void test_claim_and_guards(void **state)
{
    apr_pool_t *p = *state;
    static const char *const from[] = {"claimed", "sending", NULL};
    bson_t f, s, u;

    sb_mongo_mail_claim_query(&f, &s, &u, "host:42", T0);
    /* the claim reads the index in its order: no scan of the mail kept as sent */
    assert_true(sb_mongo_served("mail_queue", &f, &s));
    assert_string_equal(json(p, &f), "{ \"state\" : \"queued\", \"nextAttemptAt\" : { \"$lte\" : "
                                     "{ \"$date\" : { \"$numberLong\" : \"1750000000000\" } } } }");
    assert_string_equal(json(p, &s), "{ \"nextAttemptAt\" : { \"$numberInt\" : \"1\" }, "
                                     "\"createdAt\" : { \"$numberInt\" : \"1\" } }");
    assert_string_equal(json(p, &u),
                        "{ \"$set\" : { \"state\" : \"claimed\", \"claim\" : \"host:42\", "
                        "\"updatedAt\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } } "
                        "}, \"$inc\" : { \"attempts\" : { \"$numberInt\" : \"1\" } } }");
    assert_true(sb_mongo_mail_guard(&f, ID, "host:42", from));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$oid\" : \"" ID "\" }, \"claim\" : "
                                     "\"host:42\", \"state\" : { \"$in\" : [ \"claimed\", "
                                     "\"sending\" ] } }");
    assert_true(sb_mongo_mail_guard(&f, ID, NULL, from + 1));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$oid\" : \"" ID "\" }, \"state\" : { "
                                     "\"$in\" : [ \"sending\" ] } }");
    assert_false(sb_mongo_mail_guard(&f, "x", NULL, from));
}

/* What the queue's operations ask is served by its indexes, and the index of an earlier
 * version on a field mail never had is dropped at start (and not created again). */
static void test_queue_indexes(void **state)
{
    apr_pool_t *p = *state;
    const sb_mongo_index_t *r, *ix;
    bson_t f = BSON_INITIALIZER, cmd;
    bson_error_t e;

    BSON_APPEND_UTF8(&f, "state", "claimed"); /* the recovery's requeue */
    assert_true(sb_mongo_served("mail_queue", &f, NULL));
    bson_destroy(&f);
    /* a filter on a field no index has is not served (the check can fail) */
    bson_init(&f);
    BSON_APPEND_UTF8(&f, "status", "queued");
    assert_false(sb_mongo_served("mail_queue", &f, NULL));
    bson_destroy(&f);
    assert_int_equal(sb_mongo_index_command("mail_queue", &cmd, &e), 1);
    assert_string_equal(json(p, &cmd),
                        "{ \"createIndexes\" : \"mail_queue\", \"indexes\" : [ { \"key\" : { "
                        "\"state\" : { \"$numberInt\" : \"1\" }, \"nextAttemptAt\" : { "
                        "\"$numberInt\" : \"1\" }, \"createdAt\" : { \"$numberInt\" : \"1\" } }, "
                        "\"name\" : \"state_due\" } ] }");
    assert_non_null(sb_mongo_retired_indexes[0].collection);
    sb_mongo_drop_index_command(&sb_mongo_retired_indexes[0], &cmd);
    assert_string_equal(json(p, &cmd), "{ \"dropIndexes\" : \"mail_queue\", \"index\" : \"due\" }");
    for (r = sb_mongo_retired_indexes; r->collection; r++) {
        for (ix = sb_mongo_indexes; ix->collection; ix++) {
            assert_false(!strcmp(r->collection, ix->collection) && !strcmp(r->name, ix->name));
        }
    }
    e.code = 27;
    assert_true(sb_mongo_drop_gone(&e));
    e.code = 26;
    assert_true(sb_mongo_drop_gone(&e));
    e.code = 13; /* Unauthorized */
    assert_false(sb_mongo_drop_gone(&e));
}

static const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
    T(test_queued_document),
    T(test_claim_and_guards),
    T(test_queue_indexes),
#undef T
};

SB_TEST_MAIN("mongo_mail", tests)

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

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
        T(test_queued_document),
        T(test_claim_and_guards),
#undef T
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("mongo_mail", tests, NULL, NULL);
    apr_terminate();
    return rc;
}

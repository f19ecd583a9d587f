/*
 * The MongoDB driver's economy without a server: the recoverable move (its guarded pipeline
 * update, the ledger row rebuilt from a pending entry, the entry's removal and undo), the
 * ledger pages, the held escrow, the audit pipelines and the transfer's intent record.
 */
#include "sb_mongo_test.h"

#include <string.h>

#include "mongo_economy.h"

#define ID  "65a1b2c3d4e5f60718293a4b"
#define ID2 "65a1b2c3d4e5f60718293a4c"
#define RID "65a1b2c3d4e5f60718293a4d"
#define T0  1750000000000LL

static void test_move_debit_is_guarded(void **state)
{
    apr_pool_t *p = *state;
    sb_mongo_move_t m = {ID, "spent", -60, NULL, ID2, "$credits", "admin", NULL, "admin1"};
    bson_t f, u;

    assert_true(sb_mongo_move_update(&f, &u, &m, "transfer:x:debit", RID, T0));
    assert_string_equal(json(p, &f),
                        "{ \"_id\" : { \"$oid\" : \"" ID "\" }, \"pendingMoves.k\" : { \"$ne\" : "
                        "\"transfer:x:debit\" }, \"credits\" : { \"$gte\" : { \"$numberLong\" : "
                        "\"60\" } } }");
    /* the reason is a literal, never the field path it looks like */
    assert_string_equal(
        json(p, &u),
        "{ \"0\" : { \"$set\" : { \"credits\" : { \"$add\" : [ \"$credits\", { \"$numberLong\" : "
        "\"-60\" } ] }, \"ledgerSeq\" : { \"$add\" : [ { \"$ifNull\" : [ \"$ledgerSeq\", { "
        "\"$numberLong\" : \"0\" } ] }, { \"$numberLong\" : \"1\" } ] } } }, \"1\" : { \"$set\" : "
        "{ \"pendingMoves\" : { \"$concatArrays\" : [ { \"$ifNull\" : [ \"$pendingMoves\", [  ] ] "
        "}, [ { \"k\" : { \"$literal\" : \"transfer:x:debit\" }, \"r\" : { \"$oid\" : \"" RID
        "\" }, \"a\" : { \"$numberLong\" : \"-60\" }, \"b\" : \"$credits\", \"s\" : "
        "\"$ledgerSeq\", \"t\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } }, "
        "\"type\" : { \"$literal\" : \"spent\" }, \"relatedSession\" : null, \"relatedUser\" : { "
        "\"$oid\" : \"" ID2 "\" }, \"description\" : { \"$literal\" : \"$credits\" }, "
        "\"category\" : { \"$literal\" : \"admin\" }, \"adminNote\" : { \"$literal\" : "
        "\"admin1\" } } ] ] } } } }");
    assert_false(sb_mongo_move_update(&f, &u, &m, "k", "not-an-id", T0));
    m.user_id = "nope";
    assert_false(sb_mongo_move_update(&f, &u, &m, "k", RID, T0));
}

static void test_move_credit_has_no_balance_guard(void **state)
{
    apr_pool_t *p = *state;
    sb_mongo_move_t m = {ID, "earned", 60, NULL, NULL, "x", "admin", NULL, NULL};
    bson_t f, u;

    assert_true(sb_mongo_move_update(&f, &u, &m, "k1", RID, T0));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$oid\" : \"" ID "\" }, "
                                     "\"pendingMoves.k\" : { \"$ne\" : \"k1\" } }");
    bson_destroy(&u);
}

static void test_row_from_pending_entry(void **state)
{
    apr_pool_t *p = *state;
    bson_t entry, row, f, u;
    bson_error_t e;
    sb_credit_tx_t t;

    assert_true(bson_init_from_json(
        &entry,
        "{\"k\": \"k1\", \"r\": {\"$oid\": \"" RID "\"}, \"a\": {\"$numberLong\": \"-60\"},"
        " \"b\": {\"$numberLong\": \"240\"}, \"s\": {\"$numberLong\": \"3\"},"
        " \"t\": {\"$date\": {\"$numberLong\": \"1750000000000\"}}, \"type\": \"spent\","
        " \"relatedSession\": null, \"relatedUser\": {\"$oid\": \"" ID2 "\"},"
        " \"description\": \"why\", \"category\": \"admin\", \"adminNote\": \"a1\"}",
        -1, &e));
    assert_true(sb_mongo_row_from_pending(&row, ID, &entry));
    bson_destroy(&entry);
    sb_mongo_tx_from_doc(p, &row, &t);
    assert_string_equal(t.id, RID);
    assert_string_equal(t.user_id, ID);
    assert_string_equal(t.type, "spent");
    assert_int_equal(t.amount, -60);
    assert_int_equal(t.balance_after, 240);
    assert_null(t.related_session);
    assert_string_equal(t.related_user, ID2);
    assert_string_equal(t.description, "why");
    assert_string_equal(t.category, "admin");
    assert_string_equal(t.status, "completed");
    assert_int_equal(t.created_at, T0);
    assert_string_equal(
        json(p, &row),
        "{ \"_id\" : { \"$oid\" : \"" RID "\" }, \"userId\" : { \"$oid\" : \"" ID "\" }, "
        "\"type\" : \"spent\", \"amount\" : { \"$numberLong\" : \"-60\" }, \"balanceAfter\" : { "
        "\"$numberLong\" : \"240\" }, \"seq\" : { \"$numberLong\" : \"3\" }, \"relatedSession\" "
        ": null, \"relatedUser\" : { \"$oid\" : \"" ID2 "\" }, \"description\" : \"why\", "
        "\"category\" : \"admin\", \"status\" : \"completed\", \"idemKey\" : \"k1\", "
        "\"adminNote\" : \"a1\", \"createdAt\" : { \"$date\" : { \"$numberLong\" : "
        "\"1750000000000\" } } }");
    assert_true(sb_mongo_pending_done(&f, &u, ID, "k1"));
    assert_string_equal(json(p, &f),
                        "{ \"_id\" : { \"$oid\" : \"" ID "\" }, \"pendingMoves.k\" : \"k1\" }");
    assert_string_equal(json(p, &u), "{ \"$pull\" : { \"pendingMoves\" : { \"k\" : \"k1\" } } }");
    /* a refused move gives its amount back, guarded by its own entry */
    assert_true(sb_mongo_pending_undo(&f, &u, ID, "k1", -60));
    assert_string_equal(json(p, &f),
                        "{ \"_id\" : { \"$oid\" : \"" ID "\" }, \"pendingMoves.k\" : \"k1\" }");
    assert_string_equal(json(p, &u), "{ \"$pull\" : { \"pendingMoves\" : { \"k\" : \"k1\" } }, "
                                     "\"$inc\" : { \"credits\" : { \"$numberLong\" : \"60\" } } }");
    sb_mongo_pending_stale(&f, T0);
    assert_string_equal(json(p, &f), "{ \"pendingMoves.t\" : { \"$lt\" : { \"$date\" : { "
                                     "\"$numberLong\" : \"1750000000000\" } } } }");
}

static void test_ledger_pages(void **state)
{
    apr_pool_t *p = *state;
    bson_t f, o;

    assert_true(sb_mongo_tx_page(&f, &o, ID, "earned", "teaching", 20, 10));
    assert_string_equal(json(p, &f), "{ \"userId\" : { \"$oid\" : \"" ID "\" }, \"type\" : "
                                     "\"earned\", \"category\" : \"teaching\" }");
    assert_string_equal(json(p, &o),
                        "{ \"sort\" : { \"createdAt\" : { \"$numberInt\" : \"-1\" }, \"seq\" : { "
                        "\"$numberInt\" : \"-1\" } }, \"skip\" : { \"$numberLong\" : \"20\" }, "
                        "\"limit\" : { \"$numberLong\" : \"10\" } }");
    assert_true(sb_mongo_tx_page(&f, &o, ID, NULL, NULL, -5, 10));
    assert_string_equal(json(p, &f), "{ \"userId\" : { \"$oid\" : \"" ID "\" } }");
    assert_non_null(strstr(json(p, &o), "\"skip\" : { \"$numberLong\" : \"0\" }"));
    assert_false(sb_mongo_tx_page(&f, &o, "x", NULL, NULL, 0, 10));
    assert_true(sb_mongo_tx_since(&f, &o, ID, T0));
    assert_string_equal(json(p, &f), "{ \"userId\" : { \"$oid\" : \"" ID "\" }, \"createdAt\" : "
                                     "{ \"$gte\" : { \"$date\" : { \"$numberLong\" : "
                                     "\"1750000000000\" } } } }");
    assert_string_equal(json(p, &o), "{ \"sort\" : { \"createdAt\" : { \"$numberInt\" : \"1\" }, "
                                     "\"seq\" : { \"$numberInt\" : \"1\" } } }");
}

static void test_held_and_audit_pipelines(void **state)
{
    apr_pool_t *p = *state;
    bson_t b;

    assert_true(sb_mongo_held_pipeline(&b, ID));
    /* the learner's open sessions only, through an index with both fields */
    {
        static const char *const held[] = {"studentId", "status", NULL};
        bson_iter_t it, m;
        int i = 0;
        assert_true(bson_iter_init_find(&it, &b, "0") && bson_iter_recurse(&it, &m)
                    && bson_iter_find(&m, "$match") && bson_iter_recurse(&m, &it));
        while (bson_iter_next(&it)) {
            assert_string_equal(bson_iter_key(&it), held[i++]);
        }
        assert_int_equal(i, 2);
        assert_true(sb_mongo_index_prefix("sessions", held));
    }
    assert_string_equal(json(p, &b),
                        "{ \"0\" : { \"$match\" : { \"studentId\" : { \"$oid\" : \"" ID "\" }, "
                        "\"status\" : { \"$in\" : [ \"pending\", \"scheduled\", \"in_progress\" ] "
                        "} } }, \"1\" : { \"$group\" : { \"_id\" : null, \"held\" : { \"$sum\" : "
                        "\"$escrowMinutes\" } } } }");
    assert_false(sb_mongo_held_pipeline(&b, "x"));
    sb_mongo_audit_ledger(&b);
    assert_string_equal(
        json(p, &b),
        "{ \"0\" : { \"$match\" : { \"status\" : { \"$ne\" : \"failed\" } } }, \"1\" : { "
        "\"$group\" : { \"_id\" : null, \"bonuses\" : { \"$sum\" : { \"$cond\" : [ { \"$and\" : "
        "[ { \"$ne\" : [ \"$category\", \"admin\" ] }, { \"$eq\" : [ \"$type\", \"bonus\" ] } ] "
        "}, \"$amount\", { \"$numberInt\" : \"0\" } ] } }, \"penalties\" : { \"$sum\" : { "
        "\"$cond\" : [ { \"$and\" : [ { \"$ne\" : [ \"$category\", \"admin\" ] }, { \"$eq\" : [ "
        "\"$type\", \"penalty\" ] } ] }, { \"$abs\" : \"$amount\" }, { \"$numberInt\" : \"0\" } ] "
        "} }, \"adjustments\" : { \"$sum\" : { \"$cond\" : [ { \"$eq\" : [ \"$category\", "
        "\"admin\" ] }, \"$amount\", { \"$numberInt\" : \"0\" } ] } } } } }");
    sb_mongo_audit_users(&b);
    assert_non_null(strstr(json(p, &b), "\"last\" : { \"$max\" : { \"s\" : \"$seq\", \"b\" : "
                                        "\"$balanceAfter\" } }"));
    sb_mongo_audit_users(&b);
    assert_int_equal(bson_count_keys(&b), 3);
    bson_destroy(&b);
    sb_mongo_audit_sessions(&b);
    assert_int_equal(bson_count_keys(&b), 3);
    assert_non_null(strstr(json(p, &b), "\"k\" : { \"$concat\" : [ { \"$toString\" : \"$_id\" }, "
                                        "\":hold\" ] }"));
}

static void test_transfer_intent(void **state)
{
    apr_pool_t *p = *state;
    bson_t b, u;

    assert_true(sb_mongo_transfer_doc(&b, RID, ID, ID2, 60, "fix", "admin1", T0));
    assert_string_equal(json(p, &b),
                        "{ \"_id\" : { \"$oid\" : \"" RID "\" }, \"from\" : { \"$oid\" : \"" ID
                        "\" }, \"to\" : { \"$oid\" : \"" ID2 "\" }, \"amount\" : { "
                        "\"$numberLong\" : \"60\" }, \"reason\" : \"fix\", \"adminId\" : "
                        "\"admin1\", \"state\" : \"open\", \"createdAt\" : { \"$date\" : { "
                        "\"$numberLong\" : \"1750000000000\" } } }");
    assert_false(sb_mongo_transfer_doc(&b, RID, ID, "x", 60, NULL, NULL, T0));
    sb_mongo_transfer_state(&b, &u, RID, "done");
    assert_string_equal(json(p, &b),
                        "{ \"_id\" : { \"$oid\" : \"" RID "\" }, \"state\" : \"open\" }");
    assert_string_equal(json(p, &u), "{ \"$set\" : { \"state\" : \"done\" } }");
    sb_mongo_transfer_stale(&b, T0);
    assert_string_equal(json(p, &b), "{ \"state\" : \"open\", \"createdAt\" : { \"$lt\" : { "
                                     "\"$date\" : { \"$numberLong\" : \"1750000000000\" } } } }");
}

static const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
    T(test_move_debit_is_guarded),    T(test_move_credit_has_no_balance_guard),
    T(test_row_from_pending_entry),   T(test_ledger_pages),
    T(test_held_and_audit_pipelines), T(test_transfer_intent),
#undef T
};

SB_TEST_MAIN("mongo_credits", tests)

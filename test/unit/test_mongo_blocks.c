/*
 * The MongoDB driver's blocks without a server: the pair upsert (first time kept), either
 * direction, the list's order, and the card of a user document, whose list texts must be the
 * SQLite driver's own (compared with what sqlite_row.c writes for the same lists).
 */
#include "sb_mongo_test.h"

#include <string.h>

#include <apr_strings.h>

#include "mongo_blocks.h"
#include "mongo_users.h"
#include "sqlite_int.h"

#define ID  "65a1b2c3d4e5f60718293a4b"
#define ID2 "65a1b2c3d4e5f60718293a4c"
#define T0  1750000000000LL

static void test_pair_upsert_and_either(void **state)
{
    apr_pool_t *p = *state;
    bson_t f, u, o;

    assert_true(sb_mongo_block_pair(&f, &u, ID, ID2, T0));
    assert_string_equal(json(p, &f), "{ \"blockerId\" : { \"$oid\" : \"" ID "\" }, \"blockedId\" "
                                     ": { \"$oid\" : \"" ID2 "\" } }");
    assert_string_equal(json(p, &u), "{ \"$setOnInsert\" : { \"createdAt\" : { \"$date\" : { "
                                     "\"$numberLong\" : \"1750000000000\" } } } }");
    assert_false(sb_mongo_block_pair(&f, NULL, ID, "{\"$gt\": \"\"}", T0));
    assert_true(sb_mongo_block_either(&f, ID, ID2));
    assert_string_equal(
        json(p, &f), "{ \"$or\" : [ { \"blockerId\" : { \"$oid\" : \"" ID "\" }, "
                     "\"blockedId\" : { \"$oid\" : \"" ID2 "\" } }, { \"blockerId\" : { "
                     "\"$oid\" : \"" ID2 "\" }, \"blockedId\" : { \"$oid\" : \"" ID "\" } } ] }");
    assert_false(sb_mongo_block_either(&f, "x", ID2));
    assert_true(sb_mongo_blocks_of(&f, &o, ID));
    assert_string_equal(json(p, &f), "{ \"blockerId\" : { \"$oid\" : \"" ID "\" } }");
    assert_string_equal(json(p, &o), "{ \"sort\" : { \"createdAt\" : { \"$numberInt\" : \"-1\" }, "
                                     "\"blockedId\" : { \"$numberInt\" : \"-1\" } } }");
}

static void test_card_texts_match_sqlite(void **state)
{
    apr_pool_t *p = *state;
    sb_user_t u;
    sb_skill_offered_t *o;
    sb_skill_wanted_t *w;
    apr_array_header_t *cards = apr_array_make(p, 1, sizeof(sb_user_card_t));
    sb_user_card_t *card;
    bson_t doc;

    memset(&u, 0, sizeof(u));
    apr_cpystrn(u.id, ID, sizeof(u.id));
    u.username = "grace";
    u.email = "g@example.org";
    u.first_name = "Grace";
    u.last_name = "Hopper";
    u.languages = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(u.languages, const char *) = "English";
    u.skills_offered = apr_array_make(p, 2, sizeof(sb_skill_offered_t));
    o = apr_array_push(u.skills_offered);
    memset(o, 0, sizeof(*o));
    o->skill = "Compilers";
    o->category = "Technology";
    o->experience = "Expert";
    o->verified = 1;
    o = apr_array_push(u.skills_offered);
    memset(o, 0, sizeof(*o));
    o->skill = "Go \"the game\"";
    o->experience = "Beginner";
    o->description = "weiqi";
    u.skills_wanted = apr_array_make(p, 1, sizeof(sb_skill_wanted_t));
    w = apr_array_push(u.skills_wanted);
    w->skill = "Piano";
    w->category = "Music";
    w->level = "Beginner";
    w->priority = "High";
    u.rating = 4.5;
    u.total_reviews = 3;
    u.is_verified = 1;
    u.last_seen = T0;
    u.created_at = T0;
    assert_true(sb_mongo_user_doc(p, &doc, &u));
    card = sb_mongo_card_from_doc(p, &doc, cards);
    bson_destroy(&doc);
    assert_non_null(card);
    assert_string_equal(card->id, ID);
    assert_string_equal(card->username, "grace");
    assert_string_equal(card->profile_picture, "");
    assert_string_equal(card->timezone, "UTC");
    assert_null(card->bio);
    assert_true(card->rating == 4.5);
    assert_int_equal(card->total_reviews, 3);
    assert_int_equal(card->is_verified, 1);
    assert_int_equal(card->last_seen, T0);
    assert_string_equal(card->languages_json, sb_sqlite_json_languages(p, u.languages));
    assert_string_equal(card->offered_json, sb_sqlite_json_offered(p, u.skills_offered));
    assert_string_equal(card->wanted_json, sb_sqlite_json_wanted(p, u.skills_wanted));
    assert_string_equal(
        card->offered_json,
        "[{\"skill\":\"Compilers\",\"category\":\"Technology\",\"experience\":"
        "\"Expert\",\"verified\":true},{\"skill\":\"Go \\\"the game\\\"\","
        "\"experience\":\"Beginner\",\"description\":\"weiqi\",\"verified\":false}]");
}

static const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
    T(test_pair_upsert_and_either),
    T(test_card_texts_match_sqlite),
#undef T
};

SB_TEST_MAIN("mongo_blocks", tests)

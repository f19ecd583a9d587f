/*
 * The MongoDB driver's kept cards without a server: after a seeded random sequence of edits
 * (profile fields with characters JSON must escape, skills, avatars, ratings), the cardHead a
 * user document carries plus what the API appends equals a fresh json-c build of the card
 * from the document's own fields, byte for byte; the search words follow the edits; and the
 * guarded write (the builder's update, the derived fields, rev, the pending counts) and its
 * filter are the documents expected.
 */
#include "sb_mongo_test.h"

#include <string.h>

#include <apr_strings.h>

#include "mongo_blocks.h"
#include "mongo_users.h"
#include "test_store_cards.h"

#define ID "65a1b2c3d4e5f60718293a4b"
#define T0 1750000000000LL

/* The kept card of doc with the API's tail equals json-c's build of the full card. */
static void check_card(apr_pool_t *p, const bson_t *doc)
{
    apr_array_header_t *kept = apr_array_make(p, 1, sizeof(sb_user_card_t));
    apr_array_header_t *full = apr_array_make(p, 1, sizeof(sb_user_card_t));

    assert_non_null(sb_mongo_card_kept(p, doc, kept));
    assert_non_null(APR_ARRAY_IDX(kept, 0, sb_user_card_t).card_head);
    assert_non_null(sb_mongo_card_from_doc(p, doc, full));
    sb_cards_check_text(p, kept, &APR_ARRAY_IDX(full, 0, sb_user_card_t));
}

static void random_edit(apr_pool_t *p, sb_user_t *u)
{
    sb_profile_patch_t patch = {0};
    int kind = rnd(7);

    if (kind < 5) {
        sb_cards_random_patch(p, &patch, kind, rnd);
    }
    else if (kind == 5) {
        sb_cards_random_lists(p, rnd, &u->skills_offered, &u->skills_wanted);
    }
    else { /* not in the card text: the tail carries them */
        u->rating = (double)rnd(501) / 100.0;
        u->total_reviews = rnd(40);
        u->is_verified = rnd(2);
        u->last_seen = T0 - rnd(100000);
    }
    sb_mongo_apply_profile(u, &patch);
}

static void test_cards_follow_random_edits(void **state)
{
    apr_pool_t *p = *state;
    sb_user_t *u = apr_pcalloc(p, sizeof(*u));
    bson_t doc;
    int step;

    apr_cpystrn(u->id, ID, sizeof(u->id));
    u->username = "ada_l";
    u->email = "ada@example.org";
    u->first_name = "Ada";
    u->last_name = "Lovelace";
    u->is_active = 1;
    u->last_seen = T0;
    for (step = 0; step < 300; step++) {
        random_edit(p, u);
        assert_true(sb_mongo_user_doc(p, &doc, u));
        check_card(p, &doc);
        bson_destroy(&doc);
    }
}

static void test_card_of_older_document(void **state)
{
    apr_pool_t *p = *state;
    apr_array_header_t *a = apr_array_make(p, 1, sizeof(sb_user_card_t));
    bson_t doc = BSON_INITIALIZER;
    sb_user_card_t *c;

    /* written before cardHead: the card is built from its fields */
    sb_mongo_append_id(&doc, "_id", ID);
    BSON_APPEND_UTF8(&doc, "username", "old");
    BSON_APPEND_UTF8(&doc, "firstName", "Old");
    c = sb_mongo_card_kept(p, &doc, a);
    assert_non_null(c);
    assert_null(c->card_head);
    assert_string_equal(c->username, "old");
    assert_null(sb_cards_text(p, a, NULL));
    bson_destroy(&doc);
}

static void test_search_words_follow_fields(void **state)
{
    apr_pool_t *p = *state;
    sb_user_t u;
    sb_skill_offered_t s = {0};
    apr_array_header_t *off = apr_array_make(p, 1, sizeof(s));
    bson_t b = BSON_INITIALIZER;
    const char *j;

    memset(&u, 0, sizeof(u));
    apr_cpystrn(u.id, ID, sizeof(u.id));
    u.username = "grace_h";
    u.first_name = "Grace";
    u.last_name = "Hopper-Smith";
    u.bio = "COBOL, grace & compilers";
    s.skill = "C++ Compilers";
    *(sb_skill_offered_t *)apr_array_push(off) = s;
    u.skills_offered = off;
    sb_mongo_append_derived(p, &b, &u);
    j = json(p, &b);
    assert_non_null(strstr(j,
                           "\"searchTokens\" : [ \"grace\", \"hopper\", \"smith\", \"h\", \"c\", "
                           "\"compilers\", \"cobol\" ], \"searchName\" : [ \"grace\", \"hopper\", "
                           "\"smith\", \"h\" ], \"searchSkills\" : [ \"c\", \"compilers\" ], "
                           "\"searchBio\" : [ \"cobol\", \"grace\", \"compilers\" ] }"));
}

static void test_guarded_write(void **state)
{
    apr_pool_t *p = *state;
    sb_profile_patch_t patch = {0};
    bson_t update, derived = BSON_INITIALIZER, pending = BSON_INITIALIZER, out, f, doc;

    patch.bio = "hi";
    sb_mongo_update_profile(&update, &patch, T0);
    BSON_APPEND_UTF8(&derived, "cardHead", "{");
    BSON_APPEND_UTF8(&pending, "op", "x");
    assert_true(sb_mongo_edit_update(&out, &update, &derived, &pending));
    assert_string_equal(
        json(p, &out),
        "{ \"$set\" : { \"bio\" : \"hi\", \"updatedAt\" : { \"$date\" : { "
        "\"$numberLong\" : \"1750000000000\" } }, \"cardHead\" : \"{\" }, \"$inc\" "
        ": { \"rev\" : { \"$numberLong\" : \"1\" } }, \"$push\" : { \"aggPending\" : "
        "{ \"op\" : \"x\" } } }");
    assert_true(sb_mongo_edit_update(&out, &update, NULL, NULL));
    assert_string_equal(json(p, &out),
                        "{ \"$set\" : { \"bio\" : \"hi\", \"updatedAt\" : { \"$date\" : { "
                        "\"$numberLong\" : \"1750000000000\" } } }, \"$inc\" : { \"rev\" : { "
                        "\"$numberLong\" : \"1\" } } }");
    /* the filter: the revision read, or none yet */
    bson_init(&doc);
    BSON_APPEND_INT64(&doc, "rev", 7);
    assert_true(sb_mongo_edit_filter(&f, ID, &doc));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$oid\" : \"" ID "\" }, \"rev\" : { "
                                     "\"$numberLong\" : \"7\" } }");
    bson_reinit(&doc);
    assert_true(sb_mongo_edit_filter(&f, ID, &doc));
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"$oid\" : \"" ID "\" }, \"rev\" : { "
                                     "\"$exists\" : false } }");
    assert_false(sb_mongo_edit_filter(&f, "nope", &doc));
    bson_destroy(&doc);
    bson_destroy(&update);
    bson_destroy(&derived);
    bson_destroy(&pending);
}

static void test_apply_profile_as_update(void **state)
{
    sb_user_t u;
    sb_profile_patch_t patch = {0};

    (void)state;
    memset(&u, 0, sizeof(u));
    u.bio = "old";
    u.country = "DE";
    u.timezone = "Europe/Berlin";
    u.first_name = "A";
    patch.bio = "";
    patch.country = "";
    patch.timezone = "";
    patch.set_email_notifications = 1;
    sb_mongo_apply_profile(&u, &patch);
    /* "" clears bio and country and resets the zone, as sb_mongo_update_profile's $set */
    assert_null(u.bio);
    assert_null(u.country);
    assert_string_equal(u.timezone, "UTC");
    assert_string_equal(u.first_name, "A");
    assert_int_equal(u.email_notifications, 0);
}

static const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
    T(test_cards_follow_random_edits),  T(test_card_of_older_document),
    T(test_search_words_follow_fields), T(test_guarded_write),
    T(test_apply_profile_as_update),
#undef T
};

SB_TEST_MAIN("mongo_cards", tests)

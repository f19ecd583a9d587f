/*
 * The MongoDB driver's users domain without a server: the documents, filters and updates it
 * sends (canonical extended JSON against expected documents) and the reading back of a user
 * document. The operations against a server are the conformance suite's mongodb cases.
 */
#include "sb_mongo_test.h"

#include <string.h>

#include <apr_strings.h>

#include "mongo_users.h"

#define ID    "65a1b2c3d4e5f60718293a4b"
#define ID2   "65a1b2c3d4e5f60718293a4c"
#define T0    1750000000000LL
#define NL(n) "{ \"$numberLong\" : \"" #n "\" }"
#define NI(n) "{ \"$numberInt\" : \"" #n "\" }"
#define DT(n) "{ \"$date\" : " NL(n) " }"

/* What a new account is stored as (id ID, credits 300, every time T0). */
#define NEW_USER_JSON                                                                              \
    "{ \"_id\" : { \"$oid\" : \"65a1b2c3d4e5f60718293a4b\" }, \"username\" : \"AdaL\", "           \
    "\"usernameLower\" : \"adal\", \"email\" : \"ada@example.org\", \"emailLower\" : "             \
    "\"ada@example.org\", \"passwordHash\" : \"$2b$12$hash\", \"firstName\" : \"Ada\", "           \
    "\"lastName\" : \"Lovelace\", \"profilePicture\" : \"\", \"bio\" : null, \"timezone\" : "      \
    "\"UTC\", \"country\" : null, \"role\" : \"user\", \"languages\" : [  ], "                     \
    "\"skillsOffered\" : [  ], \"skillsWanted\" : [  ], \"availability\" : [  ], \"credits\" "     \
    ": { \"$numberLong\" : \"300\" }, \"totalEarned\" : { \"$numberLong\" : \"0\" }, "             \
    "\"totalSpent\" : { \"$numberLong\" : \"0\" }, \"minutesTaught\" : { \"$numberLong\" : "       \
    "\"0\" }, \"minutesLearned\" : { \"$numberLong\" : \"0\" }, \"rating\" : { "                   \
    "\"$numberDouble\" : \"0.0\" }, \"ratingSum\" : { \"$numberLong\" : \"0\" }, "                 \
    "\"ledgerSeq\" : { \"$numberLong\" : \"1\" }, \"totalReviews\" : { \"$numberInt\" : \"0\" "    \
    "}, \"reportCount\" : { \"$numberInt\" : \"0\" }, \"isActive\" : true, \"isVerified\" : "      \
    "false, \"isBanned\" : false, \"banReason\" : null, \"banExpiresAt\" : null, \"lastSeen\" "    \
    ": { \"$date\" : { \"$numberLong\" : \"1750000000000\" } }, \"createdAt\" : { \"$date\" : "    \
    "{ \"$numberLong\" : \"1750000000000\" } }, \"updatedAt\" : { \"$date\" : { "                  \
    "\"$numberLong\" : \"1750000000000\" } }, \"passwordChangedAt\" : null, "                      \
    "\"emailNotifications\" : true, \"calendarToken\" : null, \"rev\" : { \"$numberLong\" : "      \
    "\"0\" }, \"cardHead\" : \"{\\\"_id\\\":\\\"65a1b2c3d4e5f60718293a4b\\\",\\\"id\\\":"          \
    "\\\"65a1b2c3d4e5f60718293a4b\\\",\\\"username\\\":\\\"AdaL\\\",\\\"firstName\\\":"            \
    "\\\"Ada\\\",\\\"lastName\\\":\\\"Lovelace\\\",\\\"fullName\\\":\\\"Ada Lovelace\\\","         \
    "\\\"profilePicture\\\":\\\"\\\",\\\"bio\\\":null,\\\"timezone\\\":\\\"UTC\\\","               \
    "\\\"country\\\":null,\\\"languages\\\":[],\\\"skillsOffered\\\":[],"                          \
    "\\\"skillsWanted\\\":[]\", \"searchTokens\" : [ \"ada\", \"lovelace\", \"adal\" ], "          \
    "\"searchName\" : [ \"ada\", \"lovelace\", \"adal\" ], \"searchSkills\" : [  ], "              \
    "\"searchBio\" : [  ] }"

static void test_new_user_document(void **state)
{
    apr_pool_t *p = *state;
    sb_user_new_t nu = {"AdaL", "Ada@Example.org", "$2b$12$hash", "Ada", "Lovelace"};
    bson_t b;

    assert_true(sb_mongo_user_new_doc(p, &b, ID, &nu, 300, T0));
    assert_string_equal(json(p, &b), NEW_USER_JSON);
    assert_false(sb_mongo_user_new_doc(p, &b, "not-an-id", &nu, 0, T0));
}

/* A user with every list filled, for the round trip. */
static sb_user_t *full_user(apr_pool_t *p)
{
    sb_user_t *u = apr_pcalloc(p, sizeof(*u));
    sb_skill_offered_t *o;
    sb_skill_wanted_t *w;
    sb_availability_t *d;
    sb_time_slot_t *t;

    apr_cpystrn(u->id, ID, sizeof(u->id));
    u->username = "Grace";
    u->email = "grace@example.org";
    u->password_hash = "h";
    u->first_name = "Grace";
    u->last_name = "Hopper";
    u->bio = "COBOL";
    u->timezone = "America/New_York";
    u->country = "US";
    u->role = "admin";
    u->languages = apr_array_make(p, 2, sizeof(const char *));
    APR_ARRAY_PUSH(u->languages, const char *) = "English";
    APR_ARRAY_PUSH(u->languages, const char *) = "Spanish";
    u->skills_offered = apr_array_make(p, 1, sizeof(sb_skill_offered_t));
    o = apr_array_push(u->skills_offered);
    o->skill = "Compilers";
    o->category = "Technology";
    o->experience = "Expert";
    o->description = "A-0";
    o->verified = 1;
    u->skills_wanted = apr_array_make(p, 1, sizeof(sb_skill_wanted_t));
    w = apr_array_push(u->skills_wanted);
    w->skill = "Piano";
    w->category = "Music";
    w->level = "Beginner";
    w->priority = "High";
    u->availability = apr_array_make(p, 1, sizeof(sb_availability_t));
    d = apr_array_push(u->availability);
    d->day = "Monday";
    d->time_slots = apr_array_make(p, 1, sizeof(sb_time_slot_t));
    t = apr_array_push(d->time_slots);
    t->start_time = "09:00";
    t->end_time = "10:30";
    u->credits = 120;
    u->total_earned = 60;
    u->total_spent = 30;
    u->minutes_taught = 90;
    u->minutes_learned = 45;
    u->rating = 4.5;
    u->total_reviews = 2;
    u->report_count = 1;
    u->is_active = 1;
    u->is_verified = 1;
    u->is_banned = 1;
    u->ban_reason = "spam";
    u->ban_expires_at = T0 + 86400000;
    u->last_seen = T0 + 5;
    u->created_at = T0;
    u->updated_at = T0 + 7;
    u->password_changed_at = T0 + 3;
    u->email_notifications = 0;
    return u;
}

static void test_user_round_trip(void **state)
{
    apr_pool_t *p = *state;
    sb_user_t *u = full_user(p), *r;
    const sb_skill_offered_t *o;
    const sb_skill_wanted_t *w;
    const sb_availability_t *d;
    bson_t b;

    assert_true(sb_mongo_user_doc(p, &b, u));
    assert_non_null(strstr(sb_mongo_json(p, &b),
                           "\"skillsOffered\" : [ { \"skill\" : \"Compilers\", \"skillLower\" : "
                           "\"compilers\", \"category\" : \"Technology\", \"experience\" : "
                           "\"Expert\", \"description\" : \"A-0\", \"verified\" : true } ]"));
    assert_non_null(strstr(sb_mongo_json(p, &b),
                           "\"availability\" : [ { \"day\" : \"Monday\", \"timeSlots\" : [ { "
                           "\"startTime\" : \"09:00\", \"endTime\" : \"10:30\" } ] } ]"));
    r = sb_mongo_user_from_doc(p, &b);
    bson_destroy(&b);
    assert_non_null(r);
    assert_string_equal(r->id, ID);
    assert_string_equal(r->username, "Grace");
    assert_string_equal(r->email, "grace@example.org");
    assert_string_equal(r->bio, "COBOL");
    assert_string_equal(r->timezone, "America/New_York");
    assert_string_equal(r->country, "US");
    assert_string_equal(r->role, "admin");
    assert_int_equal(r->languages->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(r->languages, 1, const char *), "Spanish");
    assert_int_equal(r->skills_offered->nelts, 1);
    o = &APR_ARRAY_IDX(r->skills_offered, 0, sb_skill_offered_t);
    assert_string_equal(o->skill, "Compilers");
    assert_string_equal(o->description, "A-0");
    assert_int_equal(o->verified, 1);
    w = &APR_ARRAY_IDX(r->skills_wanted, 0, sb_skill_wanted_t);
    assert_string_equal(w->priority, "High");
    d = &APR_ARRAY_IDX(r->availability, 0, sb_availability_t);
    assert_string_equal(d->day, "Monday");
    assert_string_equal(APR_ARRAY_IDX(d->time_slots, 0, sb_time_slot_t).end_time, "10:30");
    assert_int_equal(r->credits, 120);
    assert_int_equal(r->total_earned, 60);
    assert_int_equal(r->total_spent, 30);
    assert_int_equal(r->minutes_taught, 90);
    assert_int_equal(r->minutes_learned, 45);
    assert_true(r->rating == 4.5);
    assert_int_equal(r->total_reviews, 2);
    assert_int_equal(r->report_count, 1);
    assert_int_equal(r->is_active, 1);
    assert_int_equal(r->is_verified, 1);
    assert_int_equal(r->is_banned, 1);
    assert_string_equal(r->ban_reason, "spam");
    assert_int_equal(r->ban_expires_at, T0 + 86400000);
    assert_int_equal(r->last_seen, T0 + 5);
    assert_int_equal(r->created_at, T0);
    assert_int_equal(r->updated_at, T0 + 7);
    assert_int_equal(r->password_changed_at, T0 + 3);
    assert_int_equal(r->email_notifications, 0);
    assert_null(r->lists_fill);
}

static void test_older_document_defaults(void **state)
{
    apr_pool_t *p = *state;
    bson_t b;
    bson_error_t e;
    sb_user_t *u;

    assert_true(bson_init_from_json(&b,
                                    "{\"_id\": {\"$oid\": \"" ID "\"}, \"username\": \"x\","
                                    " \"email\": \"x@y.z\", \"credits\": 5}",
                                    -1, &e));
    u = sb_mongo_user_from_doc(p, &b);
    bson_destroy(&b);
    assert_non_null(u);
    assert_int_equal(u->is_active, 1);
    assert_int_equal(u->email_notifications, 1);
    assert_string_equal(u->timezone, "UTC");
    assert_string_equal(u->role, "user");
    assert_string_equal(u->profile_picture, "");
    assert_null(u->bio);
    assert_int_equal(u->credits, 5);
    assert_int_equal(u->skills_offered->nelts, 0);
    /* a document without an ObjectId is not a user */
    assert_true(bson_init_from_json(&b, "{\"_id\": \"" ID "\"}", -1, &e));
    assert_null(sb_mongo_user_from_doc(p, &b));
    bson_destroy(&b);
}

static void test_filters(void **state)
{
    apr_pool_t *p = *state;
    bson_t b;

    assert_true(sb_mongo_filter_user_id(&b, ID));
    assert_string_equal(json(p, &b), "{ \"_id\" : { \"$oid\" : \"" ID "\" } }");
    assert_false(sb_mongo_filter_user_id(&b, "{\"$ne\": null}"));
    assert_false(sb_mongo_filter_user_id(&b, NULL));
    sb_mongo_filter_email(p, &b, "Ada@Example.ORG");
    assert_string_equal(json(p, &b), "{ \"emailLower\" : \"ada@example.org\" }");
    sb_mongo_filter_login(p, &b, "AdaL");
    assert_string_equal(json(p, &b), "{ \"$or\" : [ { \"emailLower\" : \"adal\" }, { "
                                     "\"usernameLower\" : \"adal\" } ] }");
    /* request text is a value, never an operator */
    sb_mongo_filter_login(p, &b, "{\"$gt\": \"\"}");
    assert_string_equal(json(p, &b),
                        "{ \"$or\" : [ { \"emailLower\" : \"{\\\"$gt\\\": \\\"\\\"}\" }, { "
                        "\"usernameLower\" : \"{\\\"$gt\\\": \\\"\\\"}\" } ] }");
}

static void test_profile_update(void **state)
{
    apr_pool_t *p = *state;
    apr_array_header_t *langs = apr_array_make(p, 1, sizeof(const char *));
    sb_profile_patch_t all = {"A", "B", "bio", "Europe/Paris", "FR", "/uploads/x.png", langs, 1, 0};
    sb_profile_patch_t clear = {NULL, NULL, "", "", "", NULL, NULL, 0, 0};
    bson_t b;

    APR_ARRAY_PUSH(langs, const char *) = "French";
    sb_mongo_update_profile(&b, &all, T0);
    assert_string_equal(
        json(p, &b),
        "{ \"$set\" : { \"firstName\" : \"A\", \"lastName\" : \"B\", \"bio\" : \"bio\", "
        "\"timezone\" : \"Europe/Paris\", \"country\" : \"FR\", \"profilePicture\" : "
        "\"/uploads/x.png\", \"languages\" : [ \"French\" ], \"emailNotifications\" : false, "
        "\"updatedAt\" : " DT(1750000000000) " } }");
    sb_mongo_update_profile(&b, &clear, T0);
    assert_string_equal(json(p, &b),
                        "{ \"$set\" : { \"bio\" : null, \"timezone\" : \"UTC\", \"country\" : "
                        "null, \"updatedAt\" : " DT(1750000000000) " } }");
}

static void test_lists_update(void **state)
{
    apr_pool_t *p = *state;
    sb_user_t *u = full_user(p);
    apr_array_header_t *none = apr_array_make(p, 0, sizeof(sb_availability_t));
    bson_t b;

    sb_mongo_update_lists(p, &b, NULL, u->skills_wanted, none, T0);
    assert_string_equal(json(p, &b),
                        "{ \"$set\" : { \"skillsWanted\" : [ { \"skill\" : \"Piano\", "
                        "\"skillLower\" : \"piano\", \"category\" : \"Music\", \"level\" : "
                        "\"Beginner\", \"priority\" : \"High\" } ], \"availability\" : [  ], "
                        "\"updatedAt\" : " DT(1750000000000) " } }");
}

static void test_single_field_updates(void **state)
{
    apr_pool_t *p = *state;
    bson_t b;

    sb_mongo_update_set(&b, "verified", NULL, T0);
    assert_string_equal(json(p, &b), "{ \"$set\" : { \"isVerified\" : true, \"updatedAt\" : " DT(
                                         1750000000000) " } }");
    sb_mongo_update_set(&b, "password", "$2b$new", T0);
    assert_string_equal(
        json(p, &b), "{ \"$set\" : { \"passwordHash\" : \"$2b$new\", \"passwordChangedAt\" : " DT(
                         1750000000000) ", \"updatedAt\" : " DT(1750000000000) " } }");
    sb_mongo_update_set(&b, "touch", NULL, T0);
    assert_string_equal(json(p, &b), "{ \"$set\" : { \"lastSeen\" : " DT(1750000000000) " } }");
    sb_mongo_update_set(&b, "role", "admin", T0);
    assert_string_equal(json(p, &b), "{ \"$set\" : { \"role\" : \"admin\", \"updatedAt\" : " DT(
                                         1750000000000) " } }");
    sb_mongo_update_set(&b, "avatar", "/uploads/a.png", T0);
    assert_string_equal(
        json(p, &b), "{ \"$set\" : { \"profilePicture\" : \"/uploads/a.png\", \"updatedAt\" : " DT(
                         1750000000000) " } }");
}

static void test_status_update(void **state)
{
    apr_pool_t *p = *state;
    bson_t b;

    sb_mongo_update_status(&b, 1, 1, "spam", T0 + 1000, T0);
    assert_string_equal(json(p, &b),
                        "{ \"$set\" : { \"isActive\" : true, \"isBanned\" : true, \"banReason\" : "
                        "\"spam\", \"banExpiresAt\" : " DT(1750000001000) ", \"updatedAt\" : " DT(
                            1750000000000) " } }");
    /* a lifted ban clears its reason and expiry */
    sb_mongo_update_status(&b, 0, 0, "ignored", T0 + 1000, T0);
    assert_string_equal(
        json(p, &b), "{ \"$set\" : { \"isActive\" : false, \"isBanned\" : false, \"banReason\" "
                     ": null, \"banExpiresAt\" : null, \"updatedAt\" : " DT(1750000000000) " } }");
}

static void test_token_revocation_and_bonus_row(void **state)
{
    apr_pool_t *p = *state;
    bson_t f, u;

    assert_true(sb_mongo_revoke_user_tokens(&f, &u, ID, T0));
    assert_string_equal(json(p, &f),
                        "{ \"userId\" : { \"$oid\" : \"" ID "\" }, \"revokedAt\" : null }");
    assert_string_equal(json(p, &u), "{ \"$set\" : { \"revokedAt\" : " DT(1750000000000) " } }");
    assert_false(sb_mongo_revoke_user_tokens(&f, &u, "x", T0));
    assert_true(sb_mongo_bonus_row(&f, ID2, ID, 300, T0));
    assert_string_equal(json(p, &f),
                        "{ \"_id\" : { \"$oid\" : \"65a1b2c3d4e5f60718293a4c\" }, \"userId\" : "
                        "{ \"$oid\" : \"65a1b2c3d4e5f60718293a4b\" }, \"type\" : \"bonus\", "
                        "\"amount\" : { \"$numberLong\" : \"300\" }, \"balanceAfter\" : { "
                        "\"$numberLong\" : \"300\" }, \"seq\" : { \"$numberLong\" : \"1\" }, "
                        "\"relatedSession\" : null, \"relatedUser\" : null, \"description\" : "
                        "\"Welcome bonus\", \"category\" : \"bonus\", \"status\" : "
                        "\"completed\", \"idemKey\" : \"welcome:65a1b2c3d4e5f60718293a4b\", "
                        "\"adminNote\" : null, \"createdAt\" : { \"$date\" : { \"$numberLong\" "
                        ": \"1750000000000\" } } }");
}

static void test_lower(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(sb_mongo_lower(p, "AbC-Ä"), "abc-Ä");
    assert_string_equal(sb_mongo_lower(p, NULL), "");
}

static const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
    T(test_new_user_document),
    T(test_user_round_trip),
    T(test_older_document_defaults),
    T(test_filters),
    T(test_profile_update),
    T(test_lists_update),
    T(test_single_field_updates),
    T(test_status_update),
    T(test_token_revocation_and_bonus_row),
    T(test_lower),
#undef T
};

SB_TEST_MAIN("mongo_users", tests)

/*
 * The MongoDB driver's discovery without a server: the skill filter as an escaped literal
 * (never a pattern from the request), the discover list's filter and keyset cursor, the
 * matches and recent reviews pipelines.
 */
#include "sb_mongo_test.h"

#include <string.h>

#include "mongo_discovery.h"

#define V  "65a1b2c3d4e5f60718293a4b"
#define X  "65a1b2c3d4e5f60718293a4c"
#define T0 1750000000000LL

static void test_regex_literal(void **state)
{
    apr_pool_t *p = *state;

    assert_string_equal(sb_mongo_regex_literal(p, "c++"), "c\\+\\+");
    assert_string_equal(sb_mongo_regex_literal(p, ".*"), "\\.\\*");
    assert_string_equal(sb_mongo_regex_literal(p, "(a|b)[c]{2}^$\\/?"),
                        "\\(a\\|b\\)\\[c\\]\\{2\\}\\^\\$\\\\\\/\\?");
    assert_string_equal(sb_mongo_regex_literal(p, "plain words"), "plain words");
}

static void test_discover_filter(void **state)
{
    apr_pool_t *p = *state;
    apr_array_header_t *hidden = apr_array_make(p, 1, sizeof(const char *));
    sb_discover_query_t q = {V, T0, "C++ (Qt)", "Technology", "English", 4.0, X, T0 - 5, 12};
    bson_t f, o;

    APR_ARRAY_PUSH(hidden, const char *) = X;
    assert_true(sb_mongo_discover_query(p, &f, &o, &q, hidden));
    assert_string_equal(
        json(p, &f),
        "{ \"$and\" : [ { \"isActive\" : true }, { \"$or\" : [ { \"isBanned\" : false }, { "
        "\"banExpiresAt\" : { \"$lte\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } } "
        "} } ] }, { \"_id\" : { \"$ne\" : { \"$oid\" : \"" V "\" }, \"$nin\" : [ { \"$oid\" : "
        "\"" X "\" } ] } }, { \"skillsOffered.0\" : { \"$exists\" : true }, "
        "\"skillsOffered.skillLower\" : { \"$regex\" : \"c\\\\+\\\\+ \\\\(qt\\\\)\" }, "
        "\"skillsOffered.category\" : \"Technology\", \"languages\" : { \"$regex\" : "
        "\"^English$\", \"$options\" : \"i\" }, \"rating\" : { \"$gte\" : { \"$numberDouble\" : "
        "\"4.0\" } } }, { \"$or\" : [ { \"lastSeen\" : { \"$lt\" : { \"$date\" : { "
        "\"$numberLong\" : \"1749999999995\" } } } }, { \"lastSeen\" : { \"$date\" : { "
        "\"$numberLong\" : \"1749999999995\" } }, \"_id\" : { \"$lt\" : { \"$oid\" : \"" X
        "\" } } } ] } ] }");
    /* the cards' fields only: the kept text and what is appended to it (and the fields of a
     * card for a document older than cardHead), never the password hash or the search words */
    assert_string_equal(
        json(p, &o),
        "{ \"sort\" : { \"lastSeen\" : { \"$numberInt\" : \"-1\" }, \"_id\" : { \"$numberInt\" "
        ": \"-1\" } }, \"limit\" : { \"$numberLong\" : \"13\" }, \"projection\" : { \"cardHead\" : "
        "{ \"$numberInt\" : \"1\" }, \"lastSeen\" : { \"$numberInt\" : \"1\" }, \"rating\" : { "
        "\"$numberInt\" : \"1\" }, \"totalReviews\" : { \"$numberInt\" : \"1\" }, \"isVerified\" : "
        "{ \"$numberInt\" : \"1\" }, \"username\" : { \"$numberInt\" : \"1\" }, \"firstName\" : { "
        "\"$numberInt\" : \"1\" }, \"lastName\" : { \"$numberInt\" : \"1\" }, \"bio\" : { "
        "\"$numberInt\" : \"1\" }, \"profilePicture\" : { \"$numberInt\" : \"1\" }, \"timezone\" : "
        "{ \"$numberInt\" : \"1\" }, \"country\" : { \"$numberInt\" : \"1\" }, \"languages\" : { "
        "\"$numberInt\" : \"1\" }, \"skillsOffered\" : { \"$numberInt\" : \"1\" }, "
        "\"skillsWanted\" : { \"$numberInt\" : \"1\" }, \"theyOffer\" : { \"$numberInt\" : \"1\" "
        "}, \"theyWant\" : { \"$numberInt\" : \"1\" } } }");
    /* no filters: visibility, not the viewer, offers something */
    memset(&q, 0, sizeof(q));
    q.now = T0;
    q.min_rating = -1;
    q.limit = 5;
    assert_true(sb_mongo_discover_query(p, &f, &o, &q, NULL));
    bson_destroy(&o);
    assert_string_equal(json(p, &f),
                        "{ \"$and\" : [ { \"isActive\" : true }, { \"$or\" : [ { \"isBanned\" : "
                        "false }, { \"banExpiresAt\" : { \"$lte\" : { \"$date\" : { "
                        "\"$numberLong\" : \"1750000000000\" } } } } ] }, { \"_id\" : { \"$nin\" "
                        ": [  ] } }, { \"skillsOffered.0\" : { \"$exists\" : true } } ] }");
    q.after_id = "not-an-id";
    assert_false(sb_mongo_discover_query(p, &f, &o, &q, NULL));
}

static void test_matches_and_reviews(void **state)
{
    apr_pool_t *p = *state;
    apr_array_header_t *off = apr_array_make(p, 1, sizeof(const char *));
    apr_array_header_t *want = apr_array_make(p, 1, sizeof(const char *));
    const char *s;
    bson_t b;

    APR_ARRAY_PUSH(off, const char *) = "go";
    APR_ARRAY_PUSH(want, const char *) = "$piano";
    assert_true(sb_mongo_matches_pipeline(&b, V, T0, off, want, NULL, 10));
    assert_int_equal(bson_count_keys(&b), 8);
    s = json(p, &b);
    /* the window: the 200 most recently seen candidates, before any ranking */
    assert_non_null(strstr(s, "} } ] } }, \"1\" : { \"$sort\" : { \"lastSeen\" : { \"$numberInt\" "
                              ": \"-1\" }, \"_id\" : { \"$numberInt\" : \"-1\" } } }, \"2\" : { "
                              "\"$limit\" : { \"$numberLong\" : \"200\" } }, \"3\" : { \"$set\""));
    assert_non_null(strstr(s, "{ \"skillsOffered.skillLower\" : { \"$in\" : [ \"$piano\" ] }, "
                              "\"skillsWanted.skillLower\" : { \"$in\" : [ \"go\" ] } }"));
    /* the viewer's skill names enter the expressions as literals */
    assert_non_null(strstr(s, "\"theyOffer\" : { \"$size\" : { \"$setIntersection\" : [ "
                              "\"$skillsOffered.skillLower\", { \"$literal\" : [ \"$piano\" ] } ] "
                              "} }"));
    assert_non_null(strstr(s,
                           "\"5\" : { \"$sort\" : { \"score\" : { \"$numberInt\" : \"-1\" }, "
                           "\"least\" : { \"$numberInt\" : \"-1\" }, \"lastSeen\" : { "
                           "\"$numberInt\" : \"-1\" }, \"_id\" : { \"$numberInt\" : \"-1\" } } }, "
                           "\"6\" : { \"$limit\" : { \"$numberLong\" : \"10\" } }, \"7\" : { "
                           "\"$project\" : { \"cardHead\""));
    assert_false(sb_mongo_matches_pipeline(&b, "x", T0, off, want, NULL, 10));
    assert_true(sb_mongo_reviews_pipeline(&b, V, 3));
    assert_true(sb_mongo_pipeline_served("reviews", &b));
    assert_string_equal(
        json(p, &b),
        "{ \"0\" : { \"$match\" : { \"revieweeId\" : { \"$oid\" : \"" V "\" } } }, \"1\" : { "
        "\"$sort\" : { \"createdAt\" : { \"$numberInt\" : \"-1\" }, \"_id\" : { \"$numberInt\" : "
        "\"-1\" } } }, \"2\" : { \"$limit\" : { \"$numberLong\" : \"3\" } }, \"3\" : { "
        "\"$lookup\" : { \"from\" : \"users\", \"localField\" : \"reviewerId\", "
        "\"foreignField\" : \"_id\", \"as\" : \"reviewer\" } }, \"4\" : { \"$unwind\" : "
        "\"$reviewer\" } }");
    assert_false(sb_mongo_reviews_pipeline(&b, "x", 3));
}

static void test_search_words(void **state)
{
    apr_pool_t *p = *state;
    apr_array_header_t *terms = apr_array_make(p, 4, sizeof(const char *)), *w;

    APR_ARRAY_PUSH(terms, const char *) = "O'Brien";
    APR_ARRAY_PUSH(terms, const char *) = "{\"$gt\": \"\"}";
    APR_ARRAY_PUSH(terms, const char *) = "C++";
    APR_ARRAY_PUSH(terms, const char *) = "obrien";
    APR_ARRAY_PUSH(terms, const char *) = "Zoë";
    APR_ARRAY_PUSH(terms, const char *) = "c";
    w = sb_mongo_search_words(p, terms);
    /* a term's words, lower-cased, each once; operators are plain words */
    assert_int_equal(w->nelts, 6);
    assert_string_equal(APR_ARRAY_IDX(w, 0, const char *), "o");
    assert_string_equal(APR_ARRAY_IDX(w, 1, const char *), "brien");
    assert_string_equal(APR_ARRAY_IDX(w, 2, const char *), "gt");
    assert_string_equal(APR_ARRAY_IDX(w, 3, const char *), "c");
    assert_string_equal(APR_ARRAY_IDX(w, 4, const char *), "obrien");
    assert_string_equal(APR_ARRAY_IDX(w, 5, const char *), "zo\xc3\xab");
}

static void test_search_filter_and_pipeline(void **state)
{
    apr_pool_t *p = *state;
    apr_array_header_t *words = apr_array_make(p, 2, sizeof(const char *));
    apr_array_header_t *hidden = apr_array_make(p, 1, sizeof(const char *));
    bson_t f, pl;
    const char *s;

    APR_ARRAY_PUSH(words, const char *) = "gui";
    APR_ARRAY_PUSH(words, const char *) = "a.b";
    APR_ARRAY_PUSH(hidden, const char *) = X;
    sb_mongo_search_filter(p, &f, V, T0, words, "Music", hidden);
    sb_mongo_search_pipeline(&pl, &f, words, 24, 12);
    assert_string_equal(
        json(p, &f),
        "{ \"$and\" : [ { \"isActive\" : true }, { \"$or\" : [ { \"isBanned\" : false }, { "
        "\"banExpiresAt\" : { \"$lte\" : { \"$date\" : { \"$numberLong\" : \"1750000000000\" } } "
        "} } ] }, { \"_id\" : { \"$ne\" : { \"$oid\" : \"" V "\" }, \"$nin\" : [ { \"$oid\" : "
        "\"" X "\" } ] } }, { \"skillsOffered.0\" : { \"$exists\" : true }, "
        "\"skillsOffered.category\" : \"Music\" }, { \"searchTokens\" : { \"$regex\" : \"^gui\" } "
        "}, { \"searchTokens\" : { \"$regex\" : \"^a\\\\.b\" } } ] }");
    s = json(p, &pl);
    assert_int_equal(
        strncmp(s, "{ \"0\" : { \"$match\" : { \"$and\" : [ { \"isActive\" : true }", 44), 0);
    /* per word and column: does some word of the column start with it (the word a literal) */
    assert_non_null(strstr(
        s, "\"score\" : { \"$add\" : [ { \"$cond\" : [ { \"$gt\" : [ { \"$size\" : { \"$filter\" "
           ": { \"input\" : { \"$ifNull\" : [ \"$searchSkills\", [  ] ] }, \"as\" : \"w\", "
           "\"cond\" : { \"$eq\" : [ { \"$indexOfBytes\" : [ \"$$w\", { \"$literal\" : \"gui\" } ] "
           "}, { \"$numberInt\" : \"0\" } ] } } } }, { \"$numberInt\" : \"0\" } ] }, { "
           "\"$numberInt\" : \"6\" }, { \"$numberInt\" : \"0\" } ] }"));
    assert_non_null(strstr(s,
                           "\"$searchName\", [  ] ] }, \"as\" : \"w\", \"cond\" : { \"$eq\" : "
                           "[ { \"$indexOfBytes\" : [ \"$$w\", { \"$literal\" : \"a.b\" } ] }, { "
                           "\"$numberInt\" : \"0\" } ] } } } }, { \"$numberInt\" : \"0\" } ] }, { "
                           "\"$numberInt\" : \"4\" }"));
    assert_non_null(
        strstr(s, "{ \"$numberInt\" : \"1\" }, { \"$numberInt\" : \"0\" } ] } ] } } }"));
    /* best first, then the list's order; the page by offset, a top-K sort of 24 + 12 */
    assert_non_null(strstr(s, "\"2\" : { \"$sort\" : { \"score\" : { \"$numberInt\" : \"-1\" }, "
                              "\"lastSeen\" : { \"$numberInt\" : \"-1\" }, \"_id\" : { "
                              "\"$numberInt\" : \"-1\" } } }, \"3\" : { \"$skip\" : { "
                              "\"$numberLong\" : \"24\" } }, \"4\" : { \"$limit\" : { "
                              "\"$numberLong\" : \"12\" } }, \"5\" : { \"$project\" : { "
                              "\"cardHead\" : { \"$numberInt\" : \"1\" }"));
    assert_null(strstr(s, "passwordHash"));
}

static const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
    T(test_regex_literal),
    T(test_discover_filter),
    T(test_matches_and_reviews),
    T(test_search_words),
    T(test_search_filter_and_pipeline),
#undef T
};

SB_TEST_MAIN("mongo_discovery", tests)

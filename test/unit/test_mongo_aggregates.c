/*
 * The MongoDB driver's discovery aggregates without a server: a user's contribution (once per
 * name and category, every spelling row, nothing while not counted), and after a seeded random
 * sequence of edits of skills and status the counters kept by adding each edit's difference
 * (as the server's $inc would) equal a from-scratch sum over every user; then the documents
 * the counters, the pending entry, the recount, the timed-ban filter and trending build.
 */
#include "sb_mongo_test.h"

#include <string.h>

#include <apr_strings.h>

#include "mongo_aggregates.h"

#define NUSERS 12
#define NSTEPS 400
#define T0     1750000000000LL

static int same(const sb_mongo_agg_t *a, const sb_mongo_agg_t *b)
{
    return a->t == b->t && !strcmp(a->s ? a->s : "", b->s ? b->s : "")
           && !strcmp(a->k ? a->k : "", b->k ? b->k : "")
           && !strcmp(a->c ? a->c : "", b->c ? b->c : "");
}

static int64_t count_of(const apr_array_header_t *a, const sb_mongo_agg_t *key)
{
    int64_t n = 0;
    int i;

    for (i = 0; i < a->nelts; i++) {
        if (same(&APR_ARRAY_IDX(a, i, sb_mongo_agg_t), key)) {
            n += APR_ARRAY_IDX(a, i, sb_mongo_agg_t).n;
        }
    }
    return n;
}

/* What the server does with a delta: $inc each counter (upserted). */
static void apply(apr_array_header_t *counters, const apr_array_header_t *delta)
{
    int i, j;

    for (i = 0; i < delta->nelts; i++) {
        const sb_mongo_agg_t *d = &APR_ARRAY_IDX(delta, i, sb_mongo_agg_t);
        for (j = 0; j < counters->nelts; j++) {
            if (same(&APR_ARRAY_IDX(counters, j, sb_mongo_agg_t), d)) {
                APR_ARRAY_IDX(counters, j, sb_mongo_agg_t).n += d->n;
                break;
            }
        }
        if (j == counters->nelts) {
            *(sb_mongo_agg_t *)apr_array_push(counters) = *d;
        }
    }
}

static void test_contribution(void **state)
{
    apr_pool_t *p = *state;
    apr_array_header_t *d = apr_array_make(p, 8, sizeof(sb_mongo_agg_t));
    static const char *const rows[][2] = {
        {"Guitar", "Music"}, {"guitar", "Music"}, {"Piano", "Music"}, {"Cook", NULL}};
    sb_mongo_agg_t k_guitar = {'k', "guitar", NULL, NULL, 0},
                   c_music = {'c', NULL, NULL, "Music", 0};
    sb_mongo_agg_t n_guitar = {'n', "guitar", "Guitar", "Music", 0};
    sb_mongo_agg_t n_cook = {'n', "cook", "Cook", "", 0};
    sb_user_t u;
    int i;

    memset(&u, 0, sizeof(u));
    u.is_active = 1;
    u.skills_offered = apr_array_make(p, 4, sizeof(sb_skill_offered_t));
    for (i = 0; i < 4; i++) {
        sb_skill_offered_t *s = apr_array_push(u.skills_offered);
        memset(s, 0, sizeof(*s));
        s->skill = rows[i][0];
        s->category = rows[i][1];
    }
    sb_mongo_agg_add(p, d, &u, 1);
    /* 4 spellings, 3 names, 1 category: a user counts once per name and category */
    assert_int_equal(d->nelts, 8);
    assert_int_equal(count_of(d, &k_guitar), 1);
    assert_int_equal(count_of(d, &c_music), 1);
    assert_int_equal(count_of(d, &n_guitar), 1);
    assert_int_equal(count_of(d, &n_cook), 1);
    /* the same user taken out again: nothing changes */
    sb_mongo_agg_add(p, d, &u, -1);
    assert_int_equal(sb_mongo_agg_changes(d), 0);
    /* banned for good: not counted; banned until a time: counted (subtracted at read time) */
    u.is_banned = 1;
    sb_mongo_agg_add(p, d, &u, 1);
    assert_int_equal(sb_mongo_agg_changes(d), 0);
    u.ban_expires_at = T0;
    sb_mongo_agg_add(p, d, &u, 1);
    assert_int_equal(sb_mongo_agg_changes(d), 8);
    u.is_active = 0;
    assert_false(sb_mongo_user_counted(&u));
}

static const char *const names[] = {"Guitar", "guitar", "Piano", "Go", "GO", "Cooking"};
static const char *const cats[] = {"Music", "Technology", "Cooking", NULL};

static sb_user_t *random_user(apr_pool_t *p, const sb_user_t *from)
{
    sb_user_t *u = apr_pmemdup(p, from, sizeof(*u));
    int i, n;

    if (rnd(3)) {
        u->skills_offered = apr_array_make(p, 4, sizeof(sb_skill_offered_t));
        for (i = 0, n = rnd(5); i < n; i++) {
            sb_skill_offered_t *s = apr_array_push(u->skills_offered);
            memset(s, 0, sizeof(*s));
            s->skill = names[rnd(6)];
            s->category = cats[rnd(4)];
        }
    }
    else {
        u->is_active = rnd(4) != 0;
        u->is_banned = rnd(3) == 0;
        u->ban_expires_at = u->is_banned && rnd(2) ? T0 + rnd(1000) : 0;
    }
    return u;
}

static void test_counters_follow_random_edits(void **state)
{
    apr_pool_t *p = *state;
    apr_array_header_t *counters = apr_array_make(p, 32, sizeof(sb_mongo_agg_t)), *fresh, *d;
    sb_user_t *users[NUSERS], blank;
    int step, i, j;

    memset(&blank, 0, sizeof(blank));
    blank.is_active = 1;
    for (i = 0; i < NUSERS; i++) {
        users[i] = &blank;
    }
    for (step = 0; step < NSTEPS; step++) {
        sb_user_t *before = users[i = rnd(NUSERS)], *after = random_user(p, before);
        d = apr_array_make(p, 8, sizeof(sb_mongo_agg_t));
        sb_mongo_agg_add(p, d, before, -1);
        sb_mongo_agg_add(p, d, after, 1);
        apply(counters, d);
        users[i] = after;
        /* from scratch: every user's contribution now */
        fresh = apr_array_make(p, 32, sizeof(sb_mongo_agg_t));
        for (j = 0; j < NUSERS; j++) {
            sb_mongo_agg_add(p, fresh, users[j], 1);
        }
        for (j = 0; j < counters->nelts; j++) {
            const sb_mongo_agg_t *k = &APR_ARRAY_IDX(counters, j, sb_mongo_agg_t);
            assert_true(k->n >= 0);
            assert_int_equal(k->n, count_of(fresh, k));
        }
        for (j = 0; j < fresh->nelts; j++) {
            const sb_mongo_agg_t *k = &APR_ARRAY_IDX(fresh, j, sb_mongo_agg_t);
            assert_int_equal(k->n, count_of(counters, k));
        }
    }
}

static void test_counter_documents(void **state)
{
    apr_pool_t *p = *state;
    apr_array_header_t *d = apr_array_make(p, 4, sizeof(sb_mongo_agg_t));
    sb_mongo_agg_t n = {'n', "go", "Go", "", -1}, c = {'c', NULL, NULL, "Music", 2};
    sb_mongo_agg_t k = {'k', "go", NULL, NULL, 0};
    bson_t f, u, b;

    sb_mongo_agg_update(&f, &u, &n);
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"t\" : \"n\", \"s\" : \"go\", \"k\" : \"Go\", "
                                     "\"c\" : \"\" } }");
    assert_string_equal(json(p, &u), "{ \"$inc\" : { \"n\" : { \"$numberLong\" : \"-1\" } } }");
    sb_mongo_agg_update(&f, &u, &c);
    assert_string_equal(json(p, &f), "{ \"_id\" : { \"t\" : \"c\", \"c\" : \"Music\" } }");
    bson_destroy(&u);
    /* the pending entry names only the keys that change */
    *(sb_mongo_agg_t *)apr_array_push(d) = k;
    *(sb_mongo_agg_t *)apr_array_push(d) = c;
    sb_mongo_agg_pending(&b, "65a1b2c3d4e5f60718293a4b", T0, d);
    assert_string_equal(json(p, &b), "{ \"op\" : \"65a1b2c3d4e5f60718293a4b\", \"t\" : { \"$date\" "
                                     ": { \"$numberLong\" : \"1750000000000\" } }, \"keys\" : [ { "
                                     "\"t\" : \"c\", \"c\" : \"Music\" } ] }");
    sb_mongo_timed_banned_filter(&b, T0);
    assert_string_equal(json(p, &b), "{ \"isBanned\" : true, \"banExpiresAt\" : { \"$gt\" : { "
                                     "\"$date\" : { \"$numberLong\" : \"1750000000000\" } } }, "
                                     "\"isActive\" : true }");
}

static void test_recount_and_trending(void **state)
{
    apr_pool_t *p = *state;
    sb_mongo_agg_t n = {'n', "go", "Go", "", 0}, c = {'c', NULL, NULL, "Music", 0};
    bson_t b;
    const char *counted = "{ \"isActive\" : true, \"$or\" : [ { \"isBanned\" : false }, { "
                          "\"banExpiresAt\" : { \"$gt\" : { \"$date\" : { \"$numberLong\" : \"0\" "
                          "} } } } ]";

    sb_mongo_agg_recount_pipeline(&b, &n);
    assert_string_equal(
        json(p, &b),
        apr_pstrcat(p, "{ \"0\" : { \"$match\" : ", counted,
                    ", \"skillsOffered.skillLower\" : \"go\" } }, \"1\" : { \"$unwind\" : "
                    "\"$skillsOffered\" }, \"2\" : { \"$match\" : { \"skillsOffered.skillLower\" : "
                    "\"go\", \"skillsOffered.skill\" : \"Go\", \"skillsOffered.category\" : null } "
                    "}, \"3\" : { \"$count\" : \"n\" } }",
                    NULL));
    sb_mongo_agg_recount_pipeline(&b, &c);
    assert_string_equal(json(p, &b),
                        apr_pstrcat(p, "{ \"0\" : { \"$match\" : ", counted,
                                    ", \"skillsOffered.category\" : \"Music\" } }, \"1\" : { "
                                    "\"$count\" : \"n\" } }",
                                    NULL));
    sb_mongo_trending_pipeline(&b, T0, 10);
    assert_string_equal(
        json(p, &b),
        "{ \"0\" : { \"$match\" : { \"createdAt\" : { \"$gte\" : { \"$date\" : { \"$numberLong\" : "
        "\"1750000000000\" } } } } }, \"1\" : { \"$group\" : { \"_id\" : { \"$toLower\" : "
        "\"$skill\" }, \"skill\" : { \"$min\" : \"$skill\" }, \"category\" : { \"$max\" : "
        "\"$category\" }, \"n\" : { \"$sum\" : { \"$numberInt\" : \"1\" } } } }, \"2\" : { "
        "\"$sort\" : { \"n\" : { \"$numberInt\" : \"-1\" }, \"_id\" : { \"$numberInt\" : \"1\" } } "
        "}, \"3\" : { \"$limit\" : { \"$numberLong\" : \"10\" } } }");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
        T(test_contribution),
        T(test_counters_follow_random_edits),
        T(test_counter_documents),
        T(test_recount_and_trending),
#undef T
    };
    int rc;

    apr_initialize();
    rc = cmocka_run_group_tests_name("mongo_aggregates", tests, NULL, NULL);
    apr_terminate();
    return rc;
}

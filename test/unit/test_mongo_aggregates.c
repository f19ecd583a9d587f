/*
 * The MongoDB driver's discovery aggregates without a server: a user's contribution (once per
 * name and category, every spelling row, nothing while not counted), and after a seeded random
 * sequence of edits of skills and status the counters kept by adding each edit's difference
 * (as the server's $inc would) equal a from-scratch sum over every user; then the documents
 * the counters, the pending entry, the recount, the timed-ban filter; trending by sessions: the
 * hour counts, the readers' pipelines, their merge.
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

static void test_recount(void **state)
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
}

#define SID "65a1b2c3d4e5f60718293a4d"

/* The booking's count in its hour: once (its id in keys), the id off once the booking is
 * whole, the count off when it is taken back; the readers' pipelines and their indexes. */
static void test_trend_hours(void **state)
{
    apr_pool_t *p = *state;
    const char *id = "{ \"_id\" : { \"h\" : { \"$numberLong\" : \"486111\" }, \"s\" : "
                     "\"Go $x\", \"c\" : \"\" }";
    bson_t f, u;

    /* T0 = 1750000000000 lies in hour 486111 */
    assert_true(sb_mongo_trend_note(&f, &u, SB_MONGO_TREND_COUNT, SID, T0, "Go $x", NULL));
    assert_string_equal(json(p, &f), apr_pstrcat(p, id, " }", NULL));
    assert_string_equal(
        json(p, &u),
        "{ \"0\" : { \"$set\" : { \"keys\" : { \"$ifNull\" : [ \"$keys\", [  ] ] } } }, \"1\" : { "
        "\"$set\" : { \"hour\" : { \"$numberLong\" : \"486111\" }, \"n\" : { \"$add\" : [ { "
        "\"$ifNull\" : [ \"$n\", { \"$numberInt\" : \"0\" } ] }, { \"$cond\" : [ { \"$in\" : [ "
        "\"" SID "\", \"$keys\" ] }, { \"$numberInt\" : \"0\" }, { \"$numberInt\" : \"1\" } ] "
        "} ] }, \"keys\" : { \"$setUnion\" : [ \"$keys\", [ \"" SID "\" ] ] } } } }");
    assert_true(sb_mongo_trend_note(&f, &u, SB_MONGO_TREND_SETTLED, SID, T0, "Go $x", ""));
    assert_string_equal(json(p, &f), apr_pstrcat(p, id, " }", NULL));
    assert_string_equal(json(p, &u), "{ \"$pull\" : { \"keys\" : \"" SID "\" } }");
    assert_true(sb_mongo_trend_note(&f, &u, SB_MONGO_TREND_BACK, SID, T0, "Go $x", NULL));
    assert_string_equal(json(p, &f), apr_pstrcat(p, id, ", \"keys\" : \"" SID "\" }", NULL));
    assert_string_equal(json(p, &u), "{ \"$inc\" : { \"n\" : { \"$numberLong\" : \"-1\" } }, "
                                     "\"$pull\" : { \"keys\" : \"" SID "\" } }");
    assert_false(sb_mongo_trend_note(&f, &u, SB_MONGO_TREND_COUNT, "\"x", T0, "Go", NULL));
    /* the window [since, ...): whole hours from the first one inside it */
    assert_int_equal(sb_mongo_trend_first_hour(0), 0);
    assert_int_equal(sb_mongo_trend_first_hour(5 * 3600000LL), 5);
    assert_int_equal(sb_mongo_trend_first_hour(5 * 3600000LL + 1), 6);
    sb_mongo_trend_hours_pipeline(&u, 486111);
    assert_true(sb_mongo_pipeline_served(SB_MONGO_HOURS, &u));
    assert_string_equal(
        json(p, &u),
        "{ \"0\" : { \"$match\" : { \"hour\" : { \"$gte\" : { \"$numberLong\" : \"486111\" } "
        "} } }, \"1\" : { \"$group\" : { \"_id\" : { \"$toLower\" : \"$_id.s\" }, \"skill\" : "
        "{ \"$min\" : \"$_id.s\" }, \"category\" : { \"$max\" : \"$_id.c\" }, \"n\" : { "
        "\"$sum\" : { \"$add\" : [ { \"$ifNull\" : [ \"$n\", { \"$numberInt\" : \"0\" } ] }, { "
        "\"$ifNull\" : [ \"$b\", { \"$numberInt\" : \"0\" } ] } ] } } } } }");
    /* an earlier version's sessions (no inHours), counted once into the buckets' b */
    sb_mongo_trend_backfill_pipeline(&u);
    assert_string_equal(
        json(p, &u),
        "{ \"0\" : { \"$match\" : { \"inHours\" : { \"$exists\" : false } } }, \"1\" : { "
        "\"$group\" : { \"_id\" : { \"h\" : { \"$toLong\" : { \"$floor\" : { \"$divide\" : [ { "
        "\"$toLong\" : \"$createdAt\" }, { \"$numberInt\" : \"3600000\" } ] } } }, \"s\" : { "
        "\"$ifNull\" : [ \"$skill\", \"\" ] }, \"c\" : { \"$ifNull\" : [ \"$category\", \"\" ] } "
        "}, \"b\" : { \"$sum\" : { \"$numberLong\" : \"1\" } } } }, \"2\" : { \"$set\" : { "
        "\"hour\" : \"$_id.h\" } }, \"3\" : { \"$merge\" : { \"into\" : \"session_hours\", "
        "\"on\" : \"_id\", \"whenMatched\" : [ { \"$set\" : { \"b\" : \"$$new.b\", \"hour\" : "
        "\"$$new.hour\" } } ], \"whenNotMatched\" : \"insert\" } } }");
    sb_mongo_trend_partial_pipeline(&u, T0 - 5, T0);
    assert_true(sb_mongo_pipeline_served("sessions", &u));
    assert_string_equal(
        json(p, &u),
        "{ \"0\" : { \"$match\" : { \"createdAt\" : { \"$gte\" : { \"$date\" : { "
        "\"$numberLong\" : \"1749999999995\" } }, \"$lt\" : { \"$date\" : { \"$numberLong\" : "
        "\"1750000000000\" } } } } }, \"1\" : { \"$group\" : { \"_id\" : { \"$toLower\" : "
        "\"$skill\" }, \"skill\" : { \"$min\" : \"$skill\" }, \"category\" : { \"$max\" : "
        "\"$category\" }, \"n\" : { \"$sum\" : { \"$numberInt\" : \"1\" } } } } }");
}

/* Rows of both readers merged by name as SQL's sum, min(skill) and max(nullif(category, ''))
 * would, then the top names (most first, then by name), none without a count. */
static void test_trend_merge(void **state)
{
    apr_pool_t *p = *state;
    static const char *const rows[] = {
        "{\"_id\": \"go\", \"skill\": \"Go\", \"category\": \"\", \"n\": 2}",
        "{\"_id\": \"zz\", \"skill\": \"zz\", \"category\": \"Z\", \"n\": 0}",
        "{\"_id\": \"bb\", \"skill\": \"bb\", \"category\": null, \"n\": 3}",
        "{\"_id\": \"go\", \"skill\": \"GO\", \"category\": \"Tech\", \"n\": 1}",
        "{\"_id\": \"art\", \"skill\": \"Art\", \"category\": \"Arts\", \"n\": 3}",
        "{\"_id\": \"go\", \"skill\": \"go\", \"category\": \"Music\", \"n\": 1}",
        "{\"_id\": \"one\", \"skill\": \"One\", \"n\": 1}",
        NULL};
    apr_array_header_t *acc = sb_mongo_trend_names(p);
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(sb_skill_count_t));
    const sb_skill_count_t *k;
    int i;

    for (i = 0; rows[i]; i++) {
        bson_t b;
        assert_true(bson_init_from_json(&b, rows[i], -1, NULL));
        sb_mongo_trend_row(p, &b, acc);
        bson_destroy(&b);
    }
    sb_mongo_trend_top(acc, 10, out);
    assert_int_equal(out->nelts, 4);
    k = &APR_ARRAY_IDX(out, 0, sb_skill_count_t);
    assert_string_equal(k[0].skill, "GO");
    assert_string_equal(k[0].category, "Tech");
    assert_int_equal(k[0].count, 4);
    assert_string_equal(k[1].skill, "Art");
    assert_int_equal(k[1].count, 3);
    assert_string_equal(k[2].skill, "bb");
    assert_null(k[2].category);
    assert_string_equal(k[3].skill, "One");
    out->nelts = 0;
    sb_mongo_trend_top(acc, 2, out);
    assert_int_equal(out->nelts, 2);
}

static const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
    T(test_contribution),      T(test_counters_follow_random_edits),
    T(test_counter_documents), T(test_recount),
    T(test_trend_hours),       T(test_trend_merge),
#undef T
};

SB_TEST_MAIN("mongo_aggregates", tests)

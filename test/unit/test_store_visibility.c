/*
 * "Visible to others" is defined once (core/sb_user_rules.h); every driver expresses it in
 * its own query language. This suite checks the definition case by case, then that a
 * driver's discover list, search and category counts agree with it for every case.
 */
#include "sb_store_fixture.h"

#include "sb_user_rules.h"

typedef struct {
    const char *name;
    int is_active;
    int is_banned;
    int64_t ban_expires_at; /* absolute, ms */
    int visible;            /* what the definition must say at NOW */
} vis_case_t;

static const vis_case_t cases[] = {
    {"plain", 1, 0, 0, 1},
    {"inactive", 0, 0, 0, 0},
    {"banforever", 1, 1, SB_BAN_PERMANENT, 0},
    {"banahead", 1, 1, NOW + HOUR, 0},
    {"banendsnow", 1, 1, NOW, 1}, /* a ban ending at now no longer counts */
    {"banended", 1, 1, NOW - HOUR, 1},
    {"inactivebanended", 0, 1, NOW - HOUR, 0},
    {"unbannedstale", 1, 0, NOW + HOUR, 1}, /* an expiry without a ban is no ban */
};
#define NCASES ((int)(sizeof(cases) / sizeof(cases[0])))

static void test_definition(void **state)
{
    sb_user_t u;
    int i;

    for (i = 0; i < NCASES; i++) {
        memset(&u, 0, sizeof u);
        u.is_active = cases[i].is_active;
        u.is_banned = cases[i].is_banned;
        u.ban_expires_at = cases[i].ban_expires_at;
        if (sb_user_visible(&u, NOW) != cases[i].visible) {
            fail_msg("case %s: sb_user_visible says %d", cases[i].name, !cases[i].visible);
        }
    }
    assert_true(sb_ban_in_force(1, SB_BAN_PERMANENT, INT64_MAX));
    assert_false(sb_ban_in_force(0, SB_BAN_PERMANENT, NOW));
}

static int card_index(const apr_array_header_t *cards, const char *id)
{
    int i;

    for (i = 0; i < cards->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(cards, i, sb_user_card_t).id, id)) {
            return i;
        }
    }
    return -1;
}

static void test_driver_agrees(void **state)
{
    FX_BEGIN(state);
    static const char *const music[] = {"Music"};
    sb_store_error_t err;
    sb_user_t *viewer = mk_user(fx, "viewer", "viewer@x.org"), *u;
    const char *ids[NCASES];
    sb_discover_query_t q = {0};
    apr_array_header_t *cards, *found, *terms = apr_array_make(fx->pool, 1, sizeof(char *));
    int64_t count = -1, total = 0, expect = 0;
    int i, more = 0;

    APR_ARRAY_PUSH(terms, const char *) = "zither";
    for (i = 0; i < NCASES; i++) {
        u = mk_user(fx, cases[i].name, apr_psprintf(fx->pool, "%s@x.org", cases[i].name));
        set_offered(fx, u->id, "Zither", "Music");
        assert_int_equal(sb_store_user_set_status(fx->conn, u->id, cases[i].is_active,
                                                  cases[i].is_banned, "r", cases[i].ban_expires_at,
                                                  NOW, &err),
                         SB_STORE_OK);
        assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &u, &err), SB_STORE_OK);
        /* the stored record reads back as the case describes it */
        assert_int_equal(sb_user_visible(u, NOW), cases[i].visible);
        ids[i] = u->id;
        expect += cases[i].visible;
    }
    q.viewer_id = viewer->id;
    q.now = NOW;
    q.min_rating = -1;
    q.limit = 50;
    assert_int_equal(sb_store_discover_list(fx->conn, fx->pool, &q, &cards, &more, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, viewer->id, NOW, terms, NULL, 0,
                                              50, &found, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_category_counts(fx->conn, NOW, music, 1, &count, &err), SB_STORE_OK);
    for (i = 0; i < NCASES; i++) {
        if ((card_index(cards, ids[i]) >= 0) != cases[i].visible) {
            fail_msg("discover list disagrees on case %s", cases[i].name);
        }
        if ((card_index(found, ids[i]) >= 0) != cases[i].visible) {
            fail_msg("search disagrees on case %s", cases[i].name);
        }
    }
    assert_int_equal(cards->nelts, expect);
    assert_int_equal(total, expect);
    assert_int_equal(count, expect);
}

#define FX_SUITE(d) FX_TEST(test_driver_agrees, d)

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_definition),
    FX_SUITE(sqlite),
    FX_SUITE(mongodb),
};

FX_MAIN("store_visibility", tests)

/*
 * Store conformance suite, discovery part: cursor pages, search and its cache, category
 * counts, trending, matches, avatars and bulk seeding. Run against every driver.
 */
#include <string.h>
#include <sqlite3.h>

#include "sb_store_fixture.h"

/* 30 users sharing 3 lastSeen values: pages of 4 walk every visible one once, in order. */
static void test_discover_pages(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *viewer = mk_user(fx, "viewer", "viewer@example.com"), *u;
    sb_discover_query_t q = {0};
    apr_array_header_t *cards;
    char after[SB_ID_LEN + 1] = "";
    int i, more = 1, seen = 0;
    int64_t prev_ls = INT64_MAX;
    const char *prev_id = "g";

    set_offered(fx, viewer->id, "Chess", "Sports");
    for (i = 0; i < 30; i++) {
        u = mk_user(fx, apr_psprintf(fx->pool, "d%02d", i), apr_psprintf(fx->pool, "d%d@x.org", i));
        if (i % 10 != 9) {
            set_offered(fx, u->id, i % 2 ? "Guitar" : "Baking 100%", i % 2 ? "Music" : "Cooking");
        }
        assert_int_equal(sb_store_user_touch(fx->conn, u->id, NOW + (i % 3) * HOUR, &err),
                         SB_STORE_OK);
        if (i == 4) {
            assert_int_equal(sb_store_user_set_status(fx->conn, u->id, 1, 1, "x", 0, NOW, &err),
                             SB_STORE_OK);
        }
        if (i == 6) { /* an expired ban no longer hides */
            assert_int_equal(
                sb_store_user_set_status(fx->conn, u->id, 1, 1, "x", NOW - 1, NOW, &err),
                SB_STORE_OK);
        }
    }
    q.viewer_id = viewer->id;
    q.now = NOW;
    q.min_rating = -1;
    q.limit = 4;
    while (more) {
        assert_int_equal(sb_store_discover_list(fx->conn, fx->pool, &q, &cards, &more, &err),
                         SB_STORE_OK);
        assert_true(cards->nelts <= 4);
        for (i = 0; i < cards->nelts; i++) {
            const sb_user_card_t *c = &APR_ARRAY_IDX(cards, i, sb_user_card_t);
            assert_string_not_equal(c->id, viewer->id);
            assert_true(c->last_seen < prev_ls
                        || (c->last_seen == prev_ls && strcmp(c->id, prev_id) < 0));
            assert_non_null(strstr(c->card_head, "\"skillsOffered\":[{\"skill\""));
            prev_ls = c->last_seen;
            prev_id = apr_pstrdup(fx->pool, c->id);
            seen++;
        }
        if (more) {
            apr_cpystrn(after, prev_id, sizeof after);
            q.after_id = after;
            q.after_last_seen = prev_ls;
        }
    }
    assert_int_equal(seen, 30 - 3 - 1); /* 3 offer nothing, 1 banned */

    /* filters: category, literal substring (% is not a wildcard), language, rating */
    memset(&q, 0, sizeof q);
    q.viewer_id = viewer->id;
    q.now = NOW;
    q.min_rating = -1;
    q.limit = 50;
    q.category = "Music";
    assert_int_equal(sb_store_discover_list(fx->conn, fx->pool, &q, &cards, &more, &err),
                     SB_STORE_OK);
    assert_int_equal(cards->nelts, 12);
    q.category = NULL;
    q.skill = "G 100%";
    assert_int_equal(sb_store_discover_list(fx->conn, fx->pool, &q, &cards, &more, &err),
                     SB_STORE_OK);
    assert_int_equal(cards->nelts, 14);
    q.skill = "%";
    assert_int_equal(sb_store_discover_list(fx->conn, fx->pool, &q, &cards, &more, &err),
                     SB_STORE_OK);
    assert_int_equal(cards->nelts, 14);
    q.skill = "_";
    assert_int_equal(sb_store_discover_list(fx->conn, fx->pool, &q, &cards, &more, &err),
                     SB_STORE_OK);
    assert_int_equal(cards->nelts, 0);
    q.skill = NULL;
    q.min_rating = 0.5;
    assert_int_equal(sb_store_discover_list(fx->conn, fx->pool, &q, &cards, &more, &err),
                     SB_STORE_OK);
    assert_int_equal(cards->nelts, 0);
    q.min_rating = -1;
    q.language = "English";
    assert_int_equal(sb_store_discover_list(fx->conn, fx->pool, &q, &cards, &more, &err),
                     SB_STORE_OK);
    assert_int_equal(cards->nelts, 0);
}

static void test_discover_search_counts(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *a = mk_user(fx, "ann", "ann@x.org"), *b = mk_user(fx, "bob", "bob@x.org");
    apr_array_header_t *terms = apr_array_make(fx->pool, 2, sizeof(char *)), *cards, *top;
    int64_t total, counts[3];
    static const char *const cats[] = {"Music", "Cooking", "Design"};
    const char *source;

    set_offered(fx, a->id, "Xylophone", "Music");
    set_offered(fx, b->id, "Sourdough", "Cooking");
    APR_ARRAY_PUSH(terms, const char *) = "xylo\"*) OR";
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, b->id, NOW, terms, NULL, 0, 10,
                                              &cards, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 0); /* the quote and operators are literal text */
    apr_array_clear(terms);
    APR_ARRAY_PUSH(terms, const char *) = "XYLO";
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, b->id, NOW, terms, NULL, 0, 10,
                                              &cards, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 1);
    assert_string_equal(APR_ARRAY_IDX(cards, 0, sb_user_card_t).id, a->id);
    /* the index follows updates */
    set_offered(fx, a->id, "Marimba", "Music");
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, b->id, NOW, terms, NULL, 0, 10,
                                              &cards, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 0);
    assert_int_equal(sb_store_category_counts(fx->conn, NOW, cats, 3, counts, &err), SB_STORE_OK);
    assert_true(counts[0] == 1 && counts[1] == 1 && counts[2] == 0);
    assert_int_equal(
        sb_store_trending_skills(fx->conn, fx->pool, NOW - HOUR, NOW, 5, &top, &source, &err),
        SB_STORE_OK);
    assert_string_equal(source, "offered");
    assert_int_equal(top->nelts, 2);
}

/* A second handle on the same store stands for another process (its own search cache). */
static void test_search_follows_other_writers(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_store_t *other;
    sb_store_conn_t *oc;
    sb_user_t *a = mk_user(fx, "ann", "ann@x.org"), *b = mk_user(fx, "bob", "bob@x.org");
    apr_array_header_t *terms = apr_array_make(fx->pool, 1, sizeof(char *)), *cards;
    sb_store_options_t opts = {.pool_min = 1, .pool_max = 2, .busy_timeout_ms = 2000};
    int64_t total;

    set_offered(fx, a->id, "Xylophone", "Music");
    APR_ARRAY_PUSH(terms, const char *) = "xylo";
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, b->id, NOW, terms, NULL, 0, 10,
                                              &cards, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 1);
    assert_int_equal(sb_store_open(fx->pool, fx->uri, &opts, &other, &err), SB_STORE_OK);
    assert_int_equal(sb_store_acquire(other, fx->pool, &oc, &err), SB_STORE_OK);
    /* a ban written elsewhere hides the user at once */
    assert_int_equal(sb_store_user_set_status(oc, a->id, 1, 1, "spam", 0, NOW, &err), SB_STORE_OK);
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, b->id, NOW, terms, NULL, 0, 10,
                                              &cards, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 0);
    assert_int_equal(cards->nelts, 0);
    assert_int_equal(sb_store_user_set_status(oc, a->id, 1, 0, NULL, 0, NOW, &err), SB_STORE_OK);
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, b->id, NOW, terms, NULL, 0, 10,
                                              &cards, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 1);
    /* the viewer never sees themself, cached or not */
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, a->id, NOW, terms, NULL, 0, 10,
                                              &cards, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 0);
    assert_int_equal(cards->nelts, 0);
}

/* More matches than the cached ranking holds, the viewer ranked past it: the viewer is
 * still left out of totalCount, on the cached first page as on the direct deep pages. */
static void test_search_total_beyond_cache(void **state)
{
    FX_BEGIN(state);
    enum { N = 2001 };
    sb_store_error_t err;
    sb_user_t *viewer = mk_user(fx, "viewer", "viewer@x.org");
    sb_user_t *bulk = apr_pcalloc(fx->pool, sizeof(sb_user_t) * N);
    apr_array_header_t *offered = apr_array_make(fx->pool, 1, sizeof(sb_skill_offered_t));
    apr_array_header_t *terms = apr_array_make(fx->pool, 1, sizeof(char *)), *cards;
    sb_skill_offered_t *sk = apr_array_push(offered);
    sb_profile_patch_t patch = {0};
    int64_t total = 0;
    int i;

    memset(sk, 0, sizeof *sk);
    sk->skill = "Chess";
    sk->category = "Sports";
    for (i = 0; i < N; i++) {
        sb_id_new(bulk[i].id);
        bulk[i].username = apr_psprintf(fx->pool, "q%d", i);
        bulk[i].email = apr_psprintf(fx->pool, "q%d@x.org", i);
        bulk[i].password_hash = "$2y$04$hash";
        bulk[i].first_name = "Quokka";
        bulk[i].last_name = "Q";
        bulk[i].skills_offered = offered;
        bulk[i].is_active = 1;
        bulk[i].last_seen = bulk[i].created_at = NOW;
    }
    assert_int_equal(sb_store_users_bulk_insert(fx->conn, bulk, N, &err), SB_STORE_OK);
    /* the viewer matches only through a long bio: ranked last */
    set_offered(fx, viewer->id, "Go", "Sports");
    patch.bio = "quokka and a great many other words that make this biography rather long";
    assert_int_equal(
        sb_store_user_update_profile(fx->conn, fx->pool, viewer->id, &patch, NOW, NULL, &err),
        SB_STORE_OK);
    APR_ARRAY_PUSH(terms, const char *) = "quokka";
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, viewer->id, NOW, terms, NULL, 0,
                                              10, &cards, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(cards->nelts, 10);
    assert_int_equal(total, N);
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, viewer->id, NOW, terms, NULL,
                                              N - 1, 10, &cards, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(cards->nelts, 1);
    assert_int_equal(total, N);
}

/* The first page of the people list for viewer at now, limit 4 (ids joined by spaces). */
static const char *list_ids(sb_fx_t *fx, sb_store_conn_t *c, const char *viewer, int64_t now,
                            const char *category, int *more)
{
    sb_discover_query_t q = {0};
    sb_store_error_t err;
    apr_array_header_t *cards;
    const char *ids = "";
    int i;

    q.viewer_id = viewer;
    q.now = now;
    q.min_rating = -1;
    q.limit = 4;
    q.category = category;
    assert_int_equal(sb_store_discover_list(c, fx->pool, &q, &cards, more, &err), SB_STORE_OK);
    for (i = 0; i < cards->nelts; i++) {
        const sb_user_card_t *u = &APR_ARRAY_IDX(cards, i, sb_user_card_t);
        ids = apr_pstrcat(fx->pool, ids, *ids ? " " : "", u->id, NULL);
        if (strstr(u->card_head, "\"firstName\":\"Renamed\"")) {
            ids = apr_pstrcat(fx->pool, ids, "*", NULL); /* the edited card's text */
        }
    }
    return ids;
}

/*
 * Discover pages asked again are answered as if read afresh, whoever wrote meanwhile (a second
 * handle stands for another process): a user seen later comes first, an edited card shows its
 * new text, a banned user and one without offered skills leave, a timed ban's end brings its
 * user back without a write, and the viewer's own block hides at once (asked right before, so
 * that a driver keeping pages has them).
 */
static void test_discover_list_follows_writers(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_store_t *other;
    sb_store_conn_t *oc;
    sb_store_options_t opts = {.pool_min = 1, .pool_max = 2, .busy_timeout_ms = 2000};
    sb_profile_patch_t patch = {0};
    sb_user_t *v = mk_user(fx, "viewer", "viewer@x.org"), *u[6];
    const char *ids[6], *expect;
    int i, more;

    for (i = 0; i < 6; i++) {
        u[i] =
            mk_user(fx, apr_psprintf(fx->pool, "p%d", i), apr_psprintf(fx->pool, "p%d@x.org", i));
        set_offered(fx, u[i]->id, "Guitar", "Music");
        assert_int_equal(sb_store_user_touch(fx->conn, u[i]->id, NOW - i * HOUR, &err),
                         SB_STORE_OK);
        ids[i] = u[i]->id;
    }
    set_offered(fx, v->id, "Guitar", "Music");
    assert_int_equal(sb_store_user_touch(fx->conn, v->id, NOW + 2, &err), SB_STORE_OK);
    assert_int_equal(sb_store_open(fx->pool, fx->uri, &opts, &other, &err), SB_STORE_OK);
    assert_int_equal(sb_store_acquire(other, fx->pool, &oc, &err), SB_STORE_OK);

    /* the viewer is left out of a page another viewer saw them on */
    expect = apr_pstrcat(fx->pool, v->id, " ", ids[0], " ", ids[1], " ", ids[2], NULL);
    assert_string_equal(list_ids(fx, fx->conn, u[5]->id, NOW, "Music", &more), expect);
    expect = apr_pstrcat(fx->pool, ids[0], " ", ids[1], " ", ids[2], " ", ids[3], NULL);
    assert_string_equal(list_ids(fx, fx->conn, v->id, NOW, "Music", &more), expect);
    assert_int_equal(more, 1);
    assert_string_equal(list_ids(fx, fx->conn, v->id, NOW, NULL, &more), expect);

    /* seen later, elsewhere: first at once */
    assert_int_equal(sb_store_user_touch(oc, u[4]->id, NOW + 1, &err), SB_STORE_OK);
    expect = apr_pstrcat(fx->pool, ids[4], " ", ids[0], " ", ids[1], " ", ids[2], NULL);
    assert_string_equal(list_ids(fx, fx->conn, v->id, NOW, "Music", &more), expect);
    /* an edited card's text */
    patch.first_name = "Renamed";
    assert_int_equal(sb_store_user_update_profile(oc, fx->pool, u[0]->id, &patch, NOW, NULL, &err),
                     SB_STORE_OK);
    expect = apr_pstrcat(fx->pool, ids[4], " ", ids[0], "* ", ids[1], " ", ids[2], NULL);
    assert_string_equal(list_ids(fx, fx->conn, v->id, NOW, "Music", &more), expect);
    /* a ban, and no offered skill left */
    assert_int_equal(sb_store_user_set_status(oc, u[4]->id, 1, 1, "x", 0, NOW, &err), SB_STORE_OK);
    assert_int_equal(
        sb_store_user_update_lists(oc, fx->pool, u[1]->id,
                                   apr_array_make(fx->pool, 1, sizeof(sb_skill_offered_t)), NULL,
                                   NULL, NOW, NULL, &err),
        SB_STORE_OK);
    expect = apr_pstrcat(fx->pool, ids[0], "* ", ids[2], " ", ids[3], " ", ids[5], NULL);
    assert_string_equal(list_ids(fx, fx->conn, v->id, NOW, "Music", &more), expect);
    assert_int_equal(more, 0);
    assert_string_equal(list_ids(fx, fx->conn, v->id, NOW, NULL, &more), expect);
    /* a timed ban hides until its end, with no write in between */
    assert_int_equal(sb_store_user_set_status(oc, u[4]->id, 1, 1, "x", NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    assert_string_equal(list_ids(fx, fx->conn, v->id, NOW, "Music", &more), expect);
    expect = apr_pstrcat(fx->pool, ids[4], " ", ids[0], "* ", ids[2], " ", ids[3], NULL);
    assert_string_equal(list_ids(fx, fx->conn, v->id, NOW + HOUR, "Music", &more), expect);
    /* the viewer's own block, and its lifting */
    assert_int_equal(sb_store_user_block(fx->conn, v->id, u[0]->id, NOW, &err), SB_STORE_OK);
    expect = apr_pstrcat(fx->pool, ids[4], " ", ids[2], " ", ids[3], " ", ids[5], NULL);
    assert_string_equal(list_ids(fx, fx->conn, v->id, NOW + HOUR, "Music", &more), expect);
    assert_int_equal(sb_store_user_unblock(oc, v->id, u[0]->id, &err), SB_STORE_OK);
    expect = apr_pstrcat(fx->pool, ids[4], " ", ids[0], "* ", ids[2], " ", ids[3], NULL);
    assert_string_equal(list_ids(fx, fx->conn, v->id, NOW + HOUR, "Music", &more), expect);
}

/* A viewer who blocked more people than a kept page has spare rows still gets a full page,
 * and the one after it, in order. */
static void test_discover_list_many_blocked(void **state)
{
    FX_BEGIN(state);
    enum { N = 30, BLOCKED = 14 };
    sb_store_error_t err;
    sb_user_t *v = mk_user(fx, "viewer", "viewer@x.org"), *u[N];
    const char *expect = "", *got;
    int i, more;

    for (i = 0; i < N; i++) {
        u[i] =
            mk_user(fx, apr_psprintf(fx->pool, "m%d", i), apr_psprintf(fx->pool, "m%d@x.org", i));
        set_offered(fx, u[i]->id, "Piano", "Music");
        assert_int_equal(sb_store_user_touch(fx->conn, u[i]->id, NOW - i * HOUR, &err),
                         SB_STORE_OK);
    }
    assert_string_equal(
        list_ids(fx, fx->conn, NULL, NOW, "Music", &more),
        apr_pstrcat(fx->pool, u[0]->id, " ", u[1]->id, " ", u[2]->id, " ", u[3]->id, NULL));
    for (i = 0; i < BLOCKED; i++) {
        assert_int_equal(sb_store_user_block(fx->conn, v->id, u[i]->id, NOW, &err), SB_STORE_OK);
    }
    for (i = BLOCKED; i < BLOCKED + 4; i++) {
        expect = apr_pstrcat(fx->pool, expect, *expect ? " " : "", u[i]->id, NULL);
    }
    got = list_ids(fx, fx->conn, v->id, NOW, "Music", &more);
    assert_string_equal(got, expect);
    assert_int_equal(more, 1);
    assert_string_equal(list_ids(fx, fx->conn, v->id, NOW, "Music", &more), expect);
}

/* A search page asked again shows each card as it is now: edited elsewhere, banned until a
 * time (back at its end), blocked by the viewer. */
static void test_search_cards_follow_writers(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_store_t *other;
    sb_store_conn_t *oc;
    sb_store_options_t opts = {.pool_min = 1, .pool_max = 2, .busy_timeout_ms = 2000};
    sb_profile_patch_t patch = {0};
    sb_user_t *v = mk_user(fx, "viewer", "viewer@x.org"), *a = mk_user(fx, "ann", "ann@x.org");
    apr_array_header_t *terms = apr_array_make(fx->pool, 1, sizeof(char *)), *cards;
    int64_t total;
    int round;

    set_offered(fx, a->id, "Zither", "Music");
    APR_ARRAY_PUSH(terms, const char *) = "zith";
    assert_int_equal(sb_store_open(fx->pool, fx->uri, &opts, &other, &err), SB_STORE_OK);
    assert_int_equal(sb_store_acquire(other, fx->pool, &oc, &err), SB_STORE_OK);
    for (round = 0; round < 2; round++) { /* twice: a driver keeping answers has them */
        assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, v->id, NOW, terms, NULL, 0,
                                                  10, &cards, &total, &err),
                         SB_STORE_OK);
        assert_int_equal(cards->nelts, 1);
        assert_null(strstr(APR_ARRAY_IDX(cards, 0, sb_user_card_t).card_head, "Renamed"));
    }
    patch.first_name = "Renamed";
    assert_int_equal(sb_store_user_update_profile(oc, fx->pool, a->id, &patch, NOW, NULL, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, v->id, NOW, terms, NULL, 0, 10,
                                              &cards, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(cards->nelts, 1);
    assert_non_null(
        strstr(APR_ARRAY_IDX(cards, 0, sb_user_card_t).card_head, "\"firstName\":\"Renamed\""));
    assert_int_equal(sb_store_user_set_status(oc, a->id, 1, 1, "x", NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, v->id, NOW, terms, NULL, 0, 10,
                                              &cards, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 0);
    assert_int_equal(cards->nelts, 0);
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, v->id, NOW + HOUR, terms, NULL, 0,
                                              10, &cards, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 1);
    assert_int_equal(cards->nelts, 1);
    assert_int_equal(sb_store_user_block(fx->conn, v->id, a->id, NOW, &err), SB_STORE_OK);
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, v->id, NOW + HOUR, terms, NULL, 0,
                                              10, &cards, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 0);
    assert_int_equal(cards->nelts, 0);
}

static void test_discover_matches(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *me = mk_user(fx, "me", "me@x.org"), *yes = mk_user(fx, "yes", "yes@x.org");
    sb_user_t *half = mk_user(fx, "half", "half@x.org");
    apr_array_header_t *cards;

    set_offered(fx, me->id, "Welsh", NULL);
    set_wanted(fx, me->id, "Falconry");
    set_offered(fx, yes->id, "falconry", NULL);
    set_wanted(fx, yes->id, "WELSH");
    set_offered(fx, half->id, "Falconry", NULL);
    set_wanted(fx, half->id, "Origami");
    assert_int_equal(sb_store_discover_matches(fx->conn, fx->pool, me->id, NOW, 10, &cards, &err),
                     SB_STORE_OK);
    assert_int_equal(cards->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(cards, 0, sb_user_card_t).id, yes->id);
    assert_int_equal(APR_ARRAY_IDX(cards, 0, sb_user_card_t).they_offer, 1);
    assert_int_equal(APR_ARRAY_IDX(cards, 0, sb_user_card_t).they_want, 1);
}

static void test_avatar_and_bulk(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *u = mk_user(fx, "pic", "pic@x.org"), bulk[2];
    const char *prev = "x";
    apr_array_header_t *reviews;
    int i;

    assert_int_equal(
        sb_store_user_set_avatar(fx->conn, fx->pool, u->id, "/uploads/a.png", NOW, &prev, &err),
        SB_STORE_OK);
    assert_string_equal(prev, "");
    assert_int_equal(
        sb_store_user_set_avatar(fx->conn, fx->pool, u->id, "/uploads/b.png", NOW, &prev, &err),
        SB_STORE_OK);
    assert_string_equal(prev, "/uploads/a.png");
    assert_int_equal(sb_store_user_set_avatar(fx->conn, fx->pool, "000000000000000000000000",
                                              "/uploads/c.png", NOW, &prev, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_reviews_recent(fx->conn, fx->pool, u->id, 5, &reviews, &err),
                     SB_STORE_OK);
    assert_int_equal(reviews->nelts, 0);

    memset(bulk, 0, sizeof bulk);
    for (i = 0; i < 2; i++) {
        sb_id_new(bulk[i].id);
        bulk[i].username = apr_psprintf(fx->pool, "bulk%d", i);
        bulk[i].email = apr_psprintf(fx->pool, "Bulk%d@X.org", i);
        bulk[i].password_hash = "$2y$04$hash";
        bulk[i].first_name = "B";
        bulk[i].last_name = "U";
        bulk[i].credits = 120 * (i + 1);
        bulk[i].is_active = 1;
        bulk[i].last_seen = bulk[i].created_at = NOW;
    }
    assert_int_equal(sb_store_users_bulk_insert(fx->conn, bulk, 2, &err), SB_STORE_OK);
    assert_int_equal(sb_store_user_by_email(fx->conn, fx->pool, "bulk1@x.org", &u, &err),
                     SB_STORE_OK);
    assert_int_equal(u->credits, 240);
    assert_balanced(fx);
    /* all or nothing: a taken username rolls the batch back */
    sb_id_new(bulk[0].id);
    bulk[0].username = "fresh";
    bulk[0].email = "fresh@x.org";
    sb_id_new(bulk[1].id);
    assert_int_equal(sb_store_users_bulk_insert(fx->conn, bulk, 2, &err), SB_STORE_CONFLICT);
    assert_int_equal(sb_store_user_by_login(fx->conn, fx->pool, "fresh", &u, &err),
                     SB_STORE_NOT_FOUND);
}

/* A profile's recent reviews (newest first, ties by id) come off one index in their order:
 * no sorter per read, even for a user with no review (sql/019). */
static void test_recent_reviews_use_the_index(void **state)
{
    FX_BEGIN(state);
    const char *plan;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    plan = fx_sqlite_plan(fx, "SELECT r.id, u.first_name FROM reviews r"
                              " JOIN users u ON u.id = r.reviewer_id"
                              " WHERE r.reviewee_id = ?1"
                              " ORDER BY r.created_at DESC, r.id DESC LIMIT ?2");
    assert_null(strstr(plan, "TEMP B-TREE"));
    assert_non_null(strstr(plan, "INDEX reviews_recent (reviewee_id=?)"));
}

#define FX_SUITE(d)                                                                                \
    FX_TEST(test_discover_pages, d), FX_TEST(test_discover_search_counts, d),                      \
        FX_TEST(test_search_follows_other_writers, d), FX_TEST(test_search_total_beyond_cache, d), \
        FX_TEST(test_discover_matches, d), FX_TEST(test_avatar_and_bulk, d),                       \
        FX_TEST(test_recent_reviews_use_the_index, d),                                             \
        FX_TEST(test_discover_list_follows_writers, d),                                            \
        FX_TEST(test_discover_list_many_blocked, d), FX_TEST(test_search_cards_follow_writers, d)

static const struct CMUnitTest tests[] = {
    FX_SUITE(sqlite),
    FX_SUITE(mongodb),
};

FX_MAIN("store_discover", tests)

/*
 * Discovery cards kept ready in the store (sql/012): after every write of a seeded random
 * sequence (profile fields with characters JSON must escape, offered and wanted skills,
 * avatars, ratings and review counts as the session code writes them, verification, logins,
 * bans), every user's kept card text plus what the API appends equals a fresh json-c build
 * of the card from the user's columns, byte for byte; the discover pages by category equal
 * a from-scratch query in order; every user's matches answer (the kept texts with the match
 * member) equals json-c's build of those cards; and the rating text equals json-c's for
 * every rating.
 */
#include "sb_store_fixture.h"

#include "sb_user_json.h"
#include "sqlite_int.h"
#include "test_store_cards.h"

#define NUSERS 8
#define NSTEPS 240

static const double ratings[] = {0, 4.37, 3.3333333, 5, 4.999, 1.005, 2.675, 0.1};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static int rnd(int n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (int)(rng % (uint64_t)n);
}

static sqlite3 *db_open(sb_fx_t *fx)
{
    sqlite3 *db;

    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static void db_exec(sb_fx_t *fx, const char *sql)
{
    sqlite3 *db = db_open(fx);
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fail_msg("%s: %s", sql, msg);
    }
    sqlite3_close(db);
}

static void w_profile(sb_fx_t *fx, const char *id)
{
    sb_profile_patch_t patch;
    sb_store_error_t err;

    sb_cards_random_patch(fx->pool, &patch, rnd(5), rnd);
    assert_int_equal(sb_store_user_update_profile(fx->conn, fx->pool, id, &patch, NOW, NULL, &err),
                     SB_STORE_OK);
}

static void w_skills(sb_fx_t *fx, const char *id)
{
    apr_array_header_t *off, *want;
    sb_store_error_t err;

    sb_cards_random_lists(fx->pool, rnd, &off, &want);
    assert_int_equal(sb_store_user_update_lists(fx->conn, fx->pool, id, rnd(3) ? off : NULL,
                                                rnd(2) ? want : NULL, NULL, NOW, NULL, &err),
                     SB_STORE_OK);
}

static void w_other(sb_fx_t *fx, const char *id)
{
    sb_store_error_t err;
    const char *prev;

    switch (rnd(5)) {
    case 0:
        assert_int_equal(sb_store_user_set_avatar(fx->conn, fx->pool, id,
                                                  rnd(2) ? "/uploads/avatars/b\"x.webp" : "", NOW,
                                                  &prev, &err),
                         SB_STORE_OK);
        break;
    case 1: /* reviews: the session code writes rating and total_reviews with raw SQL */
        db_exec(fx, apr_psprintf(fx->pool,
                                 "UPDATE users SET rating = %.17g, total_reviews = %d"
                                 " WHERE id = '%s'",
                                 ratings[rnd(8)], rnd(40), id));
        break;
    case 2:
        assert_int_equal(sb_store_user_set_verified(fx->conn, id, NOW, &err), SB_STORE_OK);
        break;
    case 3:
        assert_int_equal(sb_store_user_touch(fx->conn, id, NOW - rnd(4) * HOUR, &err), SB_STORE_OK);
        break;
    default:
        assert_int_equal(sb_store_user_set_status(fx->conn, id, 1, rnd(3) == 0, "x",
                                                  rnd(2) ? NOW + HOUR : 0, NOW, &err),
                         SB_STORE_OK);
        break;
    }
}

/* Every user: the kept text with the appended members against json-c's build of the card
 * from the user's columns. */
static void check_cards(sb_fx_t *fx)
{
    sqlite3 *db = db_open(fx);
    sqlite3_stmt *st;
    int n = 0;

    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT " SB_SQLITE_CARD_COLS ", u.card_head"
                                        " FROM users u ORDER BY u.id",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        apr_array_header_t *fields = apr_array_make(fx->pool, 1, sizeof(sb_user_card_t));
        apr_array_header_t *kept = apr_array_make(fx->pool, 1, sizeof(sb_user_card_t));
        sb_user_card_t *u = sb_sqlite_row_card(fx->pool, st, 0, fields), *k;

        k = apr_array_push(kept);
        *k = *u;
        assert_non_null(sqlite3_column_text(st, SB_SQLITE_CARD_NCOLS));
        k->card_head =
            apr_pstrdup(fx->pool, (const char *)sqlite3_column_text(st, SB_SQLITE_CARD_NCOLS));
        k->card_head_len = strlen(k->card_head);
        sb_cards_check_text(fx->pool, kept, u);
        n++;
    }
    assert_int_equal(n, NUSERS);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* The plain query of who offers category ?1, visible at ?2, in the list's order. */
#define OFFERING_VISIBLE " " SB_SQLITE_VISIBLE("u", "?2")
static const char SQL_OFFERING[] =
    "SELECT u.id FROM users u WHERE" OFFERING_VISIBLE " AND u.skills_offered <> '[]'"
    " AND EXISTS (SELECT 1 FROM user_skills s WHERE s.user_id = u.id AND s.kind = 'offered'"
    " AND s.category = ?1) ORDER BY u.last_seen DESC, u.id DESC";

/* Pages of 3 of GET /api/discover?category=c against the plain query of who offers c. */
static void check_category(sb_fx_t *fx, const char *category)
{
    sqlite3 *db = db_open(fx);
    sqlite3_stmt *st;
    sb_discover_query_t q = {0};
    sb_store_error_t err;
    apr_array_header_t *cards;
    char after[SB_ID_LEN + 1];
    int more = 1, i;

    assert_int_equal(sqlite3_prepare_v2(db, SQL_OFFERING, -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, category, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, NOW);
    q.viewer_id = "";
    q.now = NOW;
    q.min_rating = -1;
    q.category = category;
    q.limit = 3;
    while (more) {
        assert_int_equal(sb_store_discover_list(fx->conn, fx->pool, &q, &cards, &more, &err),
                         SB_STORE_OK);
        for (i = 0; i < cards->nelts; i++) {
            const sb_user_card_t *c = &APR_ARRAY_IDX(cards, i, sb_user_card_t);
            assert_int_equal(sqlite3_step(st), SQLITE_ROW);
            assert_string_equal(c->id, (const char *)sqlite3_column_text(st, 0));
            assert_non_null(c->card_head);
        }
        if (more) {
            const sb_user_card_t *last = &APR_ARRAY_IDX(cards, cards->nelts - 1, sb_user_card_t);
            apr_cpystrn(after, last->id, sizeof after);
            q.after_id = after;
            q.after_last_seen = last->last_seen;
        }
    }
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* Lists that make most users match each other, by one or two names each way. */
static void match_lists(sb_fx_t *fx, const char *id, int i)
{
    static const char *const off[] = {"Guitar", "Piano", "Chess"};
    static const char *const want[] = {"guitar", "PIANO", "chess", "Zoë"};
    apr_array_header_t *o = apr_array_make(fx->pool, 3, sizeof(sb_skill_offered_t));
    apr_array_header_t *w = apr_array_make(fx->pool, 3, sizeof(sb_skill_wanted_t));
    sb_store_error_t err;
    int k;

    for (k = 0; k < 1 + i % 3; k++) {
        sb_skill_offered_t *s = apr_array_push(o);
        memset(s, 0, sizeof *s);
        s->skill = off[k];
        s->category = sb_cards_cats[(i + k) % 3];
    }
    for (k = i % 2; k < 2 + i % 3; k++) {
        sb_skill_wanted_t *s = apr_array_push(w);
        memset(s, 0, sizeof *s);
        s->skill = want[k];
        s->level = "Beginner";
    }
    assert_int_equal(
        sb_store_user_update_lists(fx->conn, fx->pool, id, o, w, NULL, NOW, NULL, &err),
        SB_STORE_OK);
}

/* Every user's GET /api/discover/matches data against json-c's build of the same cards from
 * the users' columns, with the match member as the answer had it before the kept texts.
 * Returns the number of cards compared. */
static int check_matches(sb_fx_t *fx, const char *const *ids, int n)
{
    sqlite3 *db = db_open(fx);
    sqlite3_stmt *st;
    int i, j, seen = 0;

    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT " SB_SQLITE_CARD_COLS " FROM users u"
                                        " WHERE u.id = ?1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    for (i = 0; i < n; i++) {
        json_object *arr = json_object_new_array();
        apr_array_header_t *cards, *fields = apr_array_make(fx->pool, 1, sizeof(sb_user_card_t));
        sb_store_error_t err;
        const char *text;
        apr_size_t len = 0;

        assert_int_equal(
            sb_store_discover_matches(fx->conn, fx->pool, ids[i], NOW, 50, &cards, &err),
            SB_STORE_OK);
        for (j = 0; j < cards->nelts; j++) {
            const sb_user_card_t *c = &APR_ARRAY_IDX(cards, j, sb_user_card_t);
            json_object *o, *m = json_object_new_object();
            sb_user_card_t *u;
            sqlite3_bind_text(st, 1, c->id, -1, SQLITE_TRANSIENT);
            assert_int_equal(sqlite3_step(st), SQLITE_ROW);
            u = sb_sqlite_row_card(fx->pool, st, 0, fields);
            sqlite3_reset(st);
            o = sb_card_to_json(fx->pool, u);
            sb_json_add_lit(m, "theyOffer", json_object_new_int(c->they_offer));
            sb_json_add_lit(m, "theyWant", json_object_new_int(c->they_want));
            sb_json_add_lit(m, "score", json_object_new_int(c->they_offer + c->they_want));
            sb_json_add_lit(o, "match", m);
            json_object_array_add(arr, o);
        }
        text = sb_match_cards_text(fx->pool, cards, &len);
        assert_non_null(text);
        assert_string_equal(text,
                            json_object_to_json_string_ext(
                                arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        assert_int_equal(len, strlen(text));
        json_object_put(arr);
        seen += cards->nelts;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return seen;
}

static void test_cards_follow_random_writes(void **state)
{
    FX_BEGIN(state);
    static const char *const raw[] = {"username = 'raw_u'",
                                      "first_name = 'Raw/\"x\"'",
                                      "last_name = 'L\\'",
                                      "profile_picture = '/p/q.png'",
                                      "bio = 'b' || char(10)",
                                      "timezone = 'Asia/Tokyo'",
                                      "country = 'X'",
                                      "languages = '[\"Klingon\"]'",
                                      "skills_offered = '[{\"skill\":\"Raw\"}]'",
                                      "skills_wanted = '[{\"skill\":\"W\"}]'",
                                      "last_seen = 300000000000000, total_reviews = 2147483647",
                                      "last_seen = -62200000000000, is_verified = 1",
                                      NULL};
    const char *ids[NUSERS];
    int i, step, matched = 0;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip(); /* the fresh build reads the SQLite columns */
    }
    for (i = 0; i < NUSERS; i++) {
        sb_user_t *u = mk_user(fx, apr_psprintf(fx->pool, "card%d", i),
                               apr_psprintf(fx->pool, "card%d@x.org", i));
        ids[i] = u->id;
        set_offered(fx, u->id, "Guitar", sb_cards_cats[i % 3]);
        match_lists(fx, u->id, i);
    }
    check_cards(fx);
    matched += check_matches(fx, ids, NUSERS);
    for (step = 0; step < NSTEPS; step++) {
        const char *id = ids[rnd(NUSERS)];
        switch (rnd(3)) {
        case 0:
            w_profile(fx, id);
            break;
        case 1:
            w_skills(fx, id);
            break;
        default:
            w_other(fx, id);
            break;
        }
        check_cards(fx);
        if (step % 8 == 0) {
            for (i = 0; i < 3; i++) {
                check_category(fx, sb_cards_cats[i]);
            }
        }
        if (step % 4 == 0) {
            matched += check_matches(fx, ids, NUSERS);
        }
    }
    assert_true(matched > 100); /* the writes leave matches to compare */
    /* a raw write of any one card field, by any other writer, is followed too */
    for (i = 0; raw[i]; i++) {
        db_exec(fx, apr_psprintf(fx->pool, "UPDATE users SET %s WHERE id = '%s'", raw[i], ids[0]));
        check_cards(fx);
        check_matches(fx, ids, NUSERS);
    }
}

static void test_rating_text_as_json_c(void **state)
{
    static const double more[] = {0.1, 1e21, -3, 123456789012345678.0, 1e-7, 2.5, -0.0};
    char buf[SB_JSON_DOUBLE_MAX];
    int k;

    (void)state;
    for (k = 0; k < 520; k++) {
        double d = k < 501 ? sb_rating_round(k / 100.0) : more[(k - 501) % 7];
        json_object *o = json_object_new_double(d);
        int n = sb_json_double_text(buf, d);
        assert_string_equal(buf, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        assert_int_equal(n, (int)strlen(buf));
        json_object_put(o);
    }
    /* the table and the fallback: every rating in steps of 0.001, and some out of range */
    for (k = -20; k < 5200; k++) {
        double r = k / 1000.0;
        json_object *o = json_object_new_double(sb_rating_round(r));
        apr_size_t len;
        const char *t = sb_rating_text(r, buf, &len);
        assert_int_equal(len, strlen(json_object_to_json_string(o)));
        assert_memory_equal(t, json_object_to_json_string(o), len);
        json_object_put(o);
    }
}

#define FX_SUITE(d) FX_TEST(test_cards_follow_random_writes, d)

static const struct CMUnitTest tests[] = {
    FX_SUITE(sqlite),
    FX_SUITE(mongodb),
    cmocka_unit_test(test_rating_text_as_json_c),
};

FX_MAIN("store_cards", tests)

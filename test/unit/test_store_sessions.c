/*
 * Store conformance: sessions (an access token's sid is its refresh-token family) end on
 * logout, reuse detection, logout-all, password reset and ban; one-time links are mailed
 * again rather than superseded; the mail budgets per account and per IP.
 */
#include "sb_store_fixture.h"

#include <string.h>

#include "sb_json.h"
#include "sb_token.h"
#include "sb_user_json.h"
#include "sb_user_rules.h"

#define MIN (60LL * 1000)

/* A fresh session (family) for u whose first refresh token is hash. */
static void start_session(sb_fx_t *fx, const sb_user_t *u, const char *hash, char *family)
{
    sb_store_error_t err;

    sb_id_new(family);
    assert_int_equal(
        sb_store_refresh_insert(fx->conn, hash, u->id, family, NOW + 30 * 24 * HOUR, NOW, &err),
        SB_STORE_OK);
}

static int live_at(sb_fx_t *fx, const sb_user_t *u, const char *family)
{
    sb_store_error_t err;
    sb_user_t *got = NULL;
    int live = -1;

    assert_int_equal(sb_store_user_by_session(fx->conn, fx->pool, u->id, family, &got, &live, &err),
                     SB_STORE_OK);
    assert_non_null(got);
    assert_string_equal(got->id, u->id);
    assert_string_equal(got->email, u->email);
    return live;
}

static void test_session_ends(void **state)
{
    FX_BEGIN(state);
    sb_user_t *u = mk_user(fx, "sess_a", "sess_a@example.org");
    sb_user_t *v = mk_user(fx, "sess_b", "sess_b@example.org");
    char f1[SB_ID_LEN + 1], f2[SB_ID_LEN + 1], f3[SB_ID_LEN + 1], fam[SB_ID_LEN + 1];
    char owner[SB_ID_LEN + 1];
    sb_store_error_t err;
    sb_user_t *got;
    int live = 1;

    start_session(fx, u, "h1", f1);
    start_session(fx, u, "h2", f2);
    assert_true(live_at(fx, u, f1));
    assert_true(live_at(fx, u, f2));
    /* a family of someone else, or none at all, is no session of u */
    assert_false(live_at(fx, v, f1));
    assert_false(live_at(fx, u, "000000000000000000000000"));
    assert_int_equal(sb_store_user_by_session(fx->conn, fx->pool, "aaaaaaaaaaaaaaaaaaaaaaaa", f1,
                                              &got, &live, &err),
                     SB_STORE_NOT_FOUND);
    assert_false(live);

    /* rotation keeps the session and tells its family */
    assert_int_equal(
        sb_store_refresh_rotate(fx->conn, "h1", "h1b", NOW + HOUR, NOW + 1, owner, &err),
        SB_STORE_OK);
    assert_int_equal(sb_store_refresh_family(fx->conn, "h1b", fam, &err), SB_STORE_OK);
    assert_string_equal(fam, f1);
    assert_int_equal(sb_store_refresh_family(fx->conn, "nope", fam, &err), SB_STORE_NOT_FOUND);
    assert_true(live_at(fx, u, f1));

    /* logout ends that session only */
    assert_int_equal(sb_store_refresh_revoke(fx->conn, "h1b", NOW + 2, NULL, &err), SB_STORE_OK);
    assert_false(live_at(fx, u, f1));
    assert_true(live_at(fx, u, f2));

    /* reuse detection ends the family */
    assert_int_equal(
        sb_store_refresh_rotate(fx->conn, "h2", "h2b", NOW + HOUR, NOW + 3, owner, &err),
        SB_STORE_OK);
    assert_int_equal(
        sb_store_refresh_rotate(fx->conn, "h2", "h2c", NOW + HOUR, NOW + 4, owner, &err),
        SB_STORE_REUSED);
    assert_false(live_at(fx, u, f2));

    /* logout-all ends every session of the user, not those of others */
    start_session(fx, u, "h3", f3);
    start_session(fx, v, "hv", fam);
    assert_int_equal(sb_store_refresh_revoke_user(fx->conn, u->id, NOW + 5, &err), SB_STORE_OK);
    assert_false(live_at(fx, u, f3));
    assert_true(live_at(fx, v, fam));

    /* a ban ends them too, and lifting it does not bring them back */
    assert_int_equal(
        sb_store_user_set_status(fx->conn, v->id, 1, 1, "spam", SB_BAN_PERMANENT, NOW + 6, &err),
        SB_STORE_OK);
    assert_false(live_at(fx, v, fam));
    assert_int_equal(sb_store_user_set_status(fx->conn, v->id, 1, 0, NULL, 0, NOW + 7, &err),
                     SB_STORE_OK);
    assert_false(live_at(fx, v, fam));
    /* ...as does a deactivation */
    start_session(fx, v, "hv2", fam);
    assert_int_equal(sb_store_user_set_status(fx->conn, v->id, 0, 0, NULL, 0, NOW + 8, &err),
                     SB_STORE_OK);
    assert_false(live_at(fx, v, fam));
}

static void test_password_reset_ends_sessions(void **state)
{
    FX_BEGIN(state);
    sb_user_t *u = mk_user(fx, "sess_r", "sess_r@example.org");
    char f1[SB_ID_LEN + 1], owner[SB_ID_LEN + 1];
    const char *nonce = NULL;
    sb_store_error_t err;

    start_session(fx, u, "r1", f1);
    assert_int_equal(sb_store_onetime_issue(fx->conn, fx->pool, "reset-hash", "n1", u->id,
                                            SB_TOKEN_RESET_PASSWORD, NOW + HOUR, NOW, &nonce, &err),
                     SB_STORE_OK);
    assert_int_equal(
        sb_store_password_reset(fx->conn, "reset-hash", "$2b$04$new", NOW + 1, owner, &err),
        SB_STORE_OK);
    assert_false(live_at(fx, u, f1));
}

/* The guard's lookup is one seek in the partial index on both keys, not a scan of the
 * family's rows (a long-lived session has one row per rotation). */
static void test_session_lookup_uses_the_index(void **state)
{
    FX_BEGIN(state);

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    assert_non_null(strstr(fx_sqlite_plan(fx, "SELECT EXISTS (SELECT 1 FROM refresh_tokens"
                                              " WHERE family_id = ?2 AND user_id = ?1"
                                              " AND revoked_at IS NULL) FROM users WHERE id = ?1"),
                           "INDEX refresh_tokens_family_live (family_id=? AND user_id=?)"));
}

static void test_live_link_is_reused(void **state)
{
    FX_BEGIN(state);
    sb_user_t *u = mk_user(fx, "link_a", "link_a@example.org");
    const char *nonce = NULL;
    char owner[SB_ID_LEN + 1];
    sb_store_error_t err;

    assert_int_equal(sb_store_onetime_issue(fx->conn, fx->pool, "t1", "n1", u->id,
                                            SB_TOKEN_RESET_PASSWORD, NOW + HOUR, NOW, &nonce, &err),
                     SB_STORE_OK);
    assert_string_equal(nonce, "n1");
    /* while t1 is live a new request gets its nonce back and stores nothing */
    assert_int_equal(sb_store_onetime_issue(fx->conn, fx->pool, "t2", "n2", u->id,
                                            SB_TOKEN_RESET_PASSWORD, NOW + 2 * HOUR, NOW + MIN,
                                            &nonce, &err),
                     SB_STORE_OK);
    assert_string_equal(nonce, "n1");
    assert_int_equal(sb_store_onetime_consume(fx->conn, "t2", SB_TOKEN_RESET_PASSWORD,
                                              NOW + 2 * MIN, owner, &err),
                     SB_STORE_NOT_FOUND);
    /* another purpose is another link */
    assert_int_equal(sb_store_onetime_issue(fx->conn, fx->pool, "v1", "nv", u->id,
                                            SB_TOKEN_VERIFY_EMAIL, NOW + HOUR, NOW, &nonce, &err),
                     SB_STORE_OK);
    assert_string_equal(nonce, "nv");
    /* the first link still works, once */
    assert_int_equal(sb_store_onetime_consume(fx->conn, "t1", SB_TOKEN_RESET_PASSWORD,
                                              NOW + 3 * MIN, owner, &err),
                     SB_STORE_OK);
    assert_string_equal(owner, u->id);
    /* used: the next request makes a new link */
    assert_int_equal(sb_store_onetime_issue(fx->conn, fx->pool, "t3", "n3", u->id,
                                            SB_TOKEN_RESET_PASSWORD, NOW + 2 * HOUR, NOW + 4 * MIN,
                                            &nonce, &err),
                     SB_STORE_OK);
    assert_string_equal(nonce, "n3");
    /* expired: a new one too */
    assert_int_equal(sb_store_onetime_issue(fx->conn, fx->pool, "t4", "n4", u->id,
                                            SB_TOKEN_RESET_PASSWORD, NOW + 3 * HOUR, NOW + 2 * HOUR,
                                            &nonce, &err),
                     SB_STORE_OK);
    assert_string_equal(nonce, "n4");
    assert_int_equal(sb_store_onetime_consume(fx->conn, "t4", SB_TOKEN_RESET_PASSWORD,
                                              NOW + 2 * HOUR + 1, owner, &err),
                     SB_STORE_OK);
}

static int take(sb_fx_t *fx, const char *user, const char *ip, int max_user, int max_ip,
                int64_t now)
{
    sb_store_error_t err;
    int granted = -1;

    assert_int_equal(
        sb_store_mail_quota_take(fx->conn, user, ip, HOUR, max_user, max_ip, now, &granted, &err),
        SB_STORE_OK);
    return granted;
}

static void test_mail_budgets(void **state)
{
    FX_BEGIN(state);
    int i;

    /* per account: 3 an hour, whoever asks */
    assert_true(take(fx, "acct1", "10.0.0.1", 3, 0, NOW));
    assert_true(take(fx, "acct1", "10.0.0.2", 3, 0, NOW + MIN));
    assert_true(take(fx, "acct1", NULL, 3, 0, NOW + 2 * MIN));
    assert_false(take(fx, "acct1", "10.0.0.3", 3, 0, NOW + 3 * MIN));
    assert_true(take(fx, "acct2", "10.0.0.3", 3, 0, NOW + 3 * MIN));
    /* the hour slides: the first mail leaves the window */
    assert_false(take(fx, "acct1", NULL, 3, 0, NOW + HOUR - 1));
    assert_true(take(fx, "acct1", NULL, 3, 0, NOW + HOUR));

    /* per IP: 4 an hour across accounts; a refused one is not counted */
    for (i = 0; i < 4; i++) {
        char user[16];
        snprintf(user, sizeof user, "ip%d", i);
        assert_true(take(fx, user, "192.0.2.7", 3, 4, NOW));
    }
    assert_false(take(fx, "ip9", "192.0.2.7", 3, 4, NOW + 1));
    assert_true(take(fx, "ip9", "192.0.2.8", 3, 4, NOW + 1));
    assert_true(take(fx, "ip9", NULL, 3, 4, NOW + 2)); /* outside the per-IP budget */
    assert_true(take(fx, "ip9", "192.0.2.7", 3, 4, NOW + HOUR + 1));
    /* 0 = no limit */
    for (i = 0; i < 10; i++) {
        assert_true(take(fx, "free", "192.0.2.9", 0, 0, NOW + i));
    }
}

/* The guard's lazy read: the same user and liveness, the lists parsed only when asked for, and
 * then exactly those of the full read (the JSON of both views compared byte for byte). */
static void test_lazy_session_user(void **state)
{
    FX_BEGIN(state);
    sb_user_t *u = mk_user(fx, "lazy_a", "lazy_a@example.org");
    apr_array_header_t *off = apr_array_make(fx->pool, 2, sizeof(sb_skill_offered_t));
    apr_array_header_t *want = apr_array_make(fx->pool, 1, sizeof(sb_skill_wanted_t));
    apr_array_header_t *av = apr_array_make(fx->pool, 1, sizeof(sb_availability_t));
    sb_skill_offered_t *o = apr_array_push(off);
    sb_skill_wanted_t *w = apr_array_push(want);
    sb_availability_t *d = apr_array_push(av);
    sb_time_slot_t *t;
    char fam[SB_ID_LEN + 1];
    sb_store_error_t err;
    sb_user_t *full = NULL, *lazy = NULL, *after = NULL;
    int live = -1, live2 = -1;
    const char *a, *b;

    o->skill = "Guitar \"classical\" \u00e9";
    o->category = "Music";
    o->experience = "Expert";
    o->description = "ten years";
    o->verified = 1;
    o = apr_array_push(off);
    o->skill = "Spanish";
    o->category = "Language";
    w->skill = "Piano";
    w->category = "Music";
    w->level = "Beginner";
    w->priority = "High";
    d->day = "Monday";
    d->time_slots = apr_array_make(fx->pool, 1, sizeof(sb_time_slot_t));
    t = apr_array_push(d->time_slots);
    t->start_time = "09:00";
    t->end_time = "10:30";
    assert_int_equal(
        sb_store_user_update_lists(fx->conn, fx->pool, u->id, off, want, av, NOW, &after, &err),
        SB_STORE_OK);
    start_session(fx, u, "lazy-h1", fam);
    assert_int_equal(sb_store_user_by_session(fx->conn, fx->pool, u->id, fam, &full, &live, &err),
                     SB_STORE_OK);
    assert_int_equal(
        sb_store_user_by_session_lazy(fx->conn, fx->pool, u->id, fam, &lazy, &live2, &err),
        SB_STORE_OK);
    assert_int_equal(live, 1);
    assert_int_equal(live2, 1);
    assert_string_equal(lazy->id, u->id);
    assert_string_equal(lazy->email, full->email);
    assert_int_equal(lazy->password_changed_at, full->password_changed_at);
    assert_int_equal(lazy->is_active, full->is_active);
    assert_null(full->lists_fill);
    if (lazy->lists_fill) { /* a driver may read them at once; sqlite does not */
        assert_null(lazy->skills_offered);
    }
    assert_ptr_equal(sb_user_lists(lazy), lazy);
    assert_null(lazy->lists_fill);
    assert_int_equal(lazy->skills_offered->nelts, 2);
    assert_int_equal(lazy->skills_wanted->nelts, 1);
    assert_int_equal(lazy->availability->nelts, 1);
    assert_non_null(lazy->languages);
    a = json_object_to_json_string(
        sb_json_track(fx->pool, sb_user_to_json(fx->pool, full, SB_VIEW_SELF)));
    b = json_object_to_json_string(
        sb_json_track(fx->pool, sb_user_to_json(fx->pool, lazy, SB_VIEW_SELF)));
    assert_string_equal(a, b);
    /* straight to JSON without sb_user_lists: sb_user_to_json fills them itself */
    assert_int_equal(
        sb_store_user_by_session_lazy(fx->conn, fx->pool, u->id, fam, &lazy, &live2, &err),
        SB_STORE_OK);
    b = json_object_to_json_string(
        sb_json_track(fx->pool, sb_user_to_json(fx->pool, lazy, SB_VIEW_SELF)));
    assert_string_equal(a, b);
    assert_true(strstr(a, "classical") != NULL);
    /* an unknown user is NOT_FOUND, a dead session is not live */
    assert_int_equal(sb_store_user_by_session_lazy(fx->conn, fx->pool, "aaaaaaaaaaaaaaaaaaaaaaaa",
                                                   fam, &lazy, &live2, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_user_by_session_lazy(fx->conn, fx->pool, u->id,
                                                   "bbbbbbbbbbbbbbbbbbbbbbbb", &lazy, &live2, &err),
                     SB_STORE_OK);
    assert_int_equal(live2, 0);
}

static const struct CMUnitTest tests[] = {
    FX_TEST(test_session_ends, sqlite),
    FX_TEST(test_password_reset_ends_sessions, sqlite),
    FX_TEST(test_session_lookup_uses_the_index, sqlite),
    FX_TEST(test_live_link_is_reused, sqlite),
    FX_TEST(test_mail_budgets, sqlite),
    FX_TEST(test_lazy_session_user, sqlite),
    FX_TEST(test_session_ends, mongodb),
    FX_TEST(test_password_reset_ends_sessions, mongodb),
    FX_TEST(test_live_link_is_reused, mongodb),
    FX_TEST(test_mail_budgets, mongodb),
    FX_TEST(test_lazy_session_user, mongodb),
};

FX_MAIN("store_sessions", tests)

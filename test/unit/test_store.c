/*
 * Store conformance suite, run against every driver: life cycle, accounts, tokens, ledger,
 * outbox and concurrency. Discovery has its own file (test_store_discover.c).
 */
#include "sb_store_fixture.h"

static void test_migrate_twice(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;

    assert_int_equal(sb_store_migrate(fx->store, &err), SB_STORE_OK);
    assert_int_equal(sb_store_migrate(fx->store, &err), SB_STORE_OK);
    mk_user(fx, "after_migrate", "after@example.com");
    assert_int_equal(sb_store_migrate(fx->store, &err), SB_STORE_OK);
    assert_string_equal(sb_store_driver_name(fx->store), fx->driver->name);
}

static void test_ping(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;

    assert_int_equal(sb_store_ping(fx->conn, &err), SB_STORE_OK);
    assert_int_equal(err.status, SB_STORE_OK);
}

/* The SQLite driver turns SQLite's allocator statistics off before its first connection:
 * kept, they take one process-wide mutex on every allocation of every connection. With them
 * off SQLite reports no memory in use, however much its connections hold. */
static void test_sqlite_allocator_statistics_off(void **state)
{
    FX_BEGIN(state);
    sqlite3_int64 used = -1, highest = -1;

    assert_int_equal(sb_store_ping(fx->conn, NULL), SB_STORE_OK);
    assert_int_equal(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &used, &highest, 0), SQLITE_OK);
    assert_int_equal(used, 0);
    assert_int_equal(highest, 0);
}

/* A connection given back by its pool's cleanup can be acquired again, many times. */
static void test_acquire_release(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    int i;

    for (i = 0; i < 40; i++) {
        apr_pool_t *rp;
        sb_store_conn_t *c;
        apr_pool_create(&rp, fx->pool);
        assert_int_equal(sb_store_acquire(fx->store, rp, &c, &err), SB_STORE_OK);
        assert_int_equal(sb_store_ping(c, &err), SB_STORE_OK);
        apr_pool_destroy(rp);
    }
}

/* ---- users ---- */

static void test_user_create_bonus(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    apr_array_header_t *rows;
    sb_credit_tx_t *t;
    int64_t total = -1;
    sb_user_t *u = mk_user(fx, "Alice_1", "alice@example.com");

    assert_true(sb_id_valid(u->id));
    assert_string_equal(u->username, "Alice_1");
    assert_string_equal(u->email, "alice@example.com");
    assert_string_equal(u->first_name, "Ada");
    assert_string_equal(u->timezone, "UTC");
    assert_string_equal(u->role, "user");
    assert_string_equal(u->profile_picture, "");
    assert_null(u->bio);
    assert_int_equal(u->credits, SB_STARTING_CREDIT_MINUTES);
    assert_int_equal(u->is_active, 1);
    assert_int_equal(u->is_verified, 0);
    assert_int_equal(u->created_at, NOW);
    assert_int_equal(u->languages->nelts, 0);
    assert_int_equal(u->skills_offered->nelts, 0);

    assert_int_equal(sb_store_ledger_list(fx->conn, fx->pool, u->id, 0, 10, &rows, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 1);
    assert_int_equal(rows->nelts, 1);
    t = &APR_ARRAY_IDX(rows, 0, sb_credit_tx_t);
    assert_string_equal(t->type, "bonus");
    assert_string_equal(t->category, "bonus");
    assert_string_equal(t->status, "completed");
    assert_string_equal(t->description, "Welcome bonus");
    assert_string_equal(t->user_id, u->id);
    assert_int_equal(t->amount, SB_STARTING_CREDIT_MINUTES);
    assert_int_equal(t->balance_after, SB_STARTING_CREDIT_MINUTES);

    mk_user(fx, "bob", "bob@example.com");
    {
        sb_ledger_audit_t a;
        assert_int_equal(sb_store_ledger_audit(fx->conn, &a, &err), SB_STORE_OK);
        assert_int_equal(a.balances, 2 * SB_STARTING_CREDIT_MINUTES);
        assert_int_equal(a.bonuses, 2 * SB_STARTING_CREDIT_MINUTES);
        assert_int_equal(a.escrow, 0);
        assert_int_equal(a.penalties, 0);
        assert_int_equal(a.adjustments, 0);
        assert_int_equal(a.bad_rows, 0);
    }
}

static void test_user_conflicts(void **state)
{
    FX_BEGIN(state);
    sb_user_new_t same_name = {"CAROL", "other@example.com", "h", "C", "D"};
    sb_user_new_t same_mail = {"carol2", "Carol@Example.COM", "h", "C", "D"};
    sb_store_error_t err;
    sb_user_t *u = NULL;
    int64_t total = 0;
    apr_array_header_t *rows;

    mk_user(fx, "carol", "carol@example.com");
    assert_int_equal(sb_store_user_create(fx->conn, fx->pool, &same_name, 300, NOW, &u, &err),
                     SB_STORE_CONFLICT);
    assert_int_equal(err.status, SB_STORE_CONFLICT);
    assert_non_null(err.field);
    assert_string_equal(err.field, "username");
    assert_int_equal(sb_store_user_create(fx->conn, fx->pool, &same_mail, 300, NOW, &u, &err),
                     SB_STORE_CONFLICT);
    assert_non_null(err.field);
    assert_string_equal(err.field, "email");

    /* nothing half-written: still one user's bonus only */
    assert_int_equal(sb_store_user_by_login(fx->conn, fx->pool, "carol2", &u, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_user_by_login(fx->conn, fx->pool, "other@example.com", &u, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_user_by_login(fx->conn, fx->pool, "carol", &u, &err), SB_STORE_OK);
    assert_int_equal(sb_store_ledger_list(fx->conn, fx->pool, u->id, 0, 10, &rows, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 1);
    assert_balanced(fx);
}

static void test_user_lookups(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *u = mk_user(fx, "DaveX", "dave@example.com"), *v = NULL;

    assert_int_equal(sb_store_user_by_login(fx->conn, fx->pool, "DAVE@example.com", &v, &err),
                     SB_STORE_OK);
    assert_string_equal(v->id, u->id);
    assert_int_equal(sb_store_user_by_login(fx->conn, fx->pool, "DaveX", &v, &err), SB_STORE_OK);
    assert_string_equal(v->id, u->id);
    assert_int_equal(sb_store_user_by_login(fx->conn, fx->pool, "davex", &v, &err), SB_STORE_OK);
    assert_string_equal(v->id, u->id);
    assert_string_equal(v->password_hash, "$2b$12$hash");
    assert_int_equal(sb_store_user_by_login(fx->conn, fx->pool, "nobody", &v, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(err.status, SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_user_by_email(fx->conn, fx->pool, "Dave@Example.com", &v, &err),
                     SB_STORE_OK);
    assert_string_equal(v->id, u->id);
    assert_int_equal(sb_store_user_by_email(fx->conn, fx->pool, "davex", &v, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &v, &err), SB_STORE_OK);
    assert_string_equal(v->username, "DaveX");
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, "000000000000000000000000", &v, &err),
                     SB_STORE_NOT_FOUND);
}

static void test_user_update_profile(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *u = mk_user(fx, "erin", "erin@example.com"), *v = NULL;
    sb_profile_patch_t patch = {0};
    apr_array_header_t *langs = apr_array_make(fx->pool, 2, sizeof(const char *));

    APR_ARRAY_PUSH(langs, const char *) = "English";
    APR_ARRAY_PUSH(langs, const char *) = "Fran\xc3\xa7"
                                          "ais \"quoted\"";
    patch.bio = "Teaches \"C\"";
    patch.country = "FR";
    patch.timezone = "Europe/Paris";
    patch.profile_picture = "/uploads/erin.png";
    patch.languages = langs;
    assert_int_equal(
        sb_store_user_update_profile(fx->conn, fx->pool, u->id, &patch, NOW + 5, &v, &err),
        SB_STORE_OK);
    assert_string_equal(v->bio, "Teaches \"C\"");
    assert_string_equal(v->country, "FR");
    assert_string_equal(v->timezone, "Europe/Paris");
    assert_string_equal(v->first_name, "Ada");
    assert_int_equal(v->languages->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(v->languages, 1, const char *), "Fran\xc3\xa7"
                                                                      "ais \"quoted\"");
    assert_int_equal(v->updated_at, NOW + 5);

    /* NULL leaves everything else */
    memset(&patch, 0, sizeof(patch));
    patch.first_name = "Grace";
    assert_int_equal(
        sb_store_user_update_profile(fx->conn, fx->pool, u->id, &patch, NOW + 6, &v, &err),
        SB_STORE_OK);
    assert_string_equal(v->first_name, "Grace");
    assert_string_equal(v->last_name, "Lovelace");
    assert_string_equal(v->bio, "Teaches \"C\"");
    assert_string_equal(v->country, "FR");
    assert_int_equal(v->languages->nelts, 2);

    /* "" clears optional fields */
    memset(&patch, 0, sizeof(patch));
    patch.bio = "";
    patch.country = "";
    patch.timezone = "";
    patch.profile_picture = "";
    patch.languages = apr_array_make(fx->pool, 1, sizeof(const char *));
    assert_int_equal(
        sb_store_user_update_profile(fx->conn, fx->pool, u->id, &patch, NOW + 7, &v, &err),
        SB_STORE_OK);
    assert_null(v->bio);
    assert_null(v->country);
    assert_string_equal(v->timezone, "UTC");
    assert_string_equal(v->profile_picture, "");
    assert_int_equal(v->languages->nelts, 0);
    assert_string_equal(v->first_name, "Grace");

    assert_int_equal(sb_store_user_update_profile(fx->conn, fx->pool, "000000000000000000000000",
                                                  &patch, NOW, &v, &err),
                     SB_STORE_NOT_FOUND);
}

static void test_user_update_lists(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *u = mk_user(fx, "frank", "frank@example.com"), *v = NULL;
    apr_array_header_t *off = apr_array_make(fx->pool, 2, sizeof(sb_skill_offered_t));
    apr_array_header_t *want = apr_array_make(fx->pool, 1, sizeof(sb_skill_wanted_t));
    apr_array_header_t *av = apr_array_make(fx->pool, 1, sizeof(sb_availability_t));
    sb_skill_offered_t *o = &APR_ARRAY_PUSH(off, sb_skill_offered_t);
    sb_skill_wanted_t *w = &APR_ARRAY_PUSH(want, sb_skill_wanted_t);
    sb_availability_t *d = &APR_ARRAY_PUSH(av, sb_availability_t);
    sb_time_slot_t *ts;

    memset(o, 0, sizeof(*o));
    o->skill = "Python";
    o->category = "Technology";
    o->experience = "Expert";
    o->description = "data & web";
    o->verified = 1;
    o = &APR_ARRAY_PUSH(off, sb_skill_offered_t);
    memset(o, 0, sizeof(*o));
    o->skill = "Guitar";
    o->category = "Music";
    o->experience = "Beginner";
    w->skill = "Spanish";
    w->category = "Language";
    w->level = "Beginner";
    w->priority = "High";
    d->day = "Monday";
    d->time_slots = apr_array_make(fx->pool, 1, sizeof(sb_time_slot_t));
    ts = &APR_ARRAY_PUSH(d->time_slots, sb_time_slot_t);
    ts->start_time = "09:00";
    ts->end_time = "17:00";

    assert_int_equal(
        sb_store_user_update_lists(fx->conn, fx->pool, u->id, off, want, av, NOW + 1, &v, &err),
        SB_STORE_OK);
    assert_int_equal(v->skills_offered->nelts, 2);
    o = &APR_ARRAY_IDX(v->skills_offered, 0, sb_skill_offered_t);
    assert_string_equal(o->skill, "Python");
    assert_string_equal(o->category, "Technology");
    assert_string_equal(o->description, "data & web");
    assert_int_equal(o->verified, 1);
    assert_null(APR_ARRAY_IDX(v->skills_offered, 1, sb_skill_offered_t).description);
    assert_int_equal(v->skills_wanted->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(v->skills_wanted, 0, sb_skill_wanted_t).priority, "High");
    assert_int_equal(v->availability->nelts, 1);
    d = &APR_ARRAY_IDX(v->availability, 0, sb_availability_t);
    assert_string_equal(d->day, "Monday");
    assert_string_equal(APR_ARRAY_IDX(d->time_slots, 0, sb_time_slot_t).end_time, "17:00");

    if (fx->driver == &sqlite) {
        /* the discovery index mirrors the lists */
        sqlite3 *db;
        sqlite3_stmt *q;
        assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db,
                                            "SELECT count(*) FROM user_skills WHERE user_id = ?1"
                                            " AND ((kind = 'offered' AND skill_lower = 'python'"
                                            " AND category = 'Technology') OR (kind = 'wanted'"
                                            " AND skill = 'Spanish'))",
                                            -1, &q, NULL),
                         SQLITE_OK);
        sqlite3_bind_text(q, 1, u->id, -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(q), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(q, 0), 2);
        sqlite3_finalize(q);
        sqlite3_close(db);
    }

    /* NULL leaves a list; an empty array clears it */
    assert_int_equal(
        sb_store_user_update_lists(fx->conn, fx->pool, u->id, NULL,
                                   apr_array_make(fx->pool, 1, sizeof(sb_skill_wanted_t)), NULL,
                                   NOW + 2, &v, &err),
        SB_STORE_OK);
    assert_int_equal(v->skills_offered->nelts, 2);
    assert_int_equal(v->skills_wanted->nelts, 0);
    assert_int_equal(v->availability->nelts, 1);
}

static void test_user_flags(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *u = mk_user(fx, "gina", "gina@example.com"), *v = NULL;
    const char *missing = "000000000000000000000000";

    assert_int_equal(sb_store_user_set_verified(fx->conn, u->id, NOW + 1, &err), SB_STORE_OK);
    assert_int_equal(sb_store_user_touch(fx->conn, u->id, NOW + 99, &err), SB_STORE_OK);
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &v, &err), SB_STORE_OK);
    assert_int_equal(v->is_verified, 1);
    assert_int_equal(v->last_seen, NOW + 99);
    assert_int_equal(sb_store_user_set_verified(fx->conn, missing, NOW, &err), SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_user_touch(fx->conn, missing, NOW, &err), SB_STORE_NOT_FOUND);
}

static void test_user_set_status(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *u = mk_user(fx, "hank", "hank@example.com"), *v = NULL;

    assert_int_equal(sb_store_user_set_status(fx->conn, u->id, 1, 1, "spam", NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &v, &err), SB_STORE_OK);
    assert_int_equal(v->is_banned, 1);
    assert_string_equal(v->ban_reason, "spam");
    assert_int_equal(v->ban_expires_at, NOW + HOUR);
    assert_int_equal(sb_store_user_set_status(fx->conn, u->id, 0, 0, NULL, 0, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &v, &err), SB_STORE_OK);
    assert_int_equal(v->is_banned, 0);
    assert_int_equal(v->is_active, 0);
    assert_null(v->ban_reason);
    assert_int_equal(v->ban_expires_at, 0);
    assert_int_equal(
        sb_store_user_set_status(fx->conn, "000000000000000000000000", 1, 0, NULL, 0, NOW, &err),
        SB_STORE_NOT_FOUND);
}

static void test_set_password_revokes(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *u = mk_user(fx, "ivan", "ivan@example.com"), *v = NULL;
    char uid[SB_ID_LEN + 1];

    assert_int_equal(
        sb_store_refresh_insert(fx->conn, "rt-a", u->id, "fam-a", NOW + HOUR, NOW, &err),
        SB_STORE_OK);
    assert_int_equal(
        sb_store_refresh_insert(fx->conn, "rt-b", u->id, "fam-b", NOW + HOUR, NOW, &err),
        SB_STORE_OK);
    assert_int_equal(sb_store_user_set_password(fx->conn, u->id, "newhash", NOW + 1, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &v, &err), SB_STORE_OK);
    assert_string_equal(v->password_hash, "newhash");
    assert_int_equal(v->password_changed_at, NOW + 1);
    assert_int_equal(
        sb_store_refresh_rotate(fx->conn, "rt-a", "rt-a2", NOW + HOUR, NOW + 2, uid, &err),
        SB_STORE_NOT_FOUND);
    assert_int_equal(
        sb_store_refresh_rotate(fx->conn, "rt-b", "rt-b2", NOW + HOUR, NOW + 2, uid, &err),
        SB_STORE_NOT_FOUND);
    assert_int_equal(
        sb_store_user_set_password(fx->conn, "000000000000000000000000", "x", NOW, &err),
        SB_STORE_NOT_FOUND);
}

/* ---- refresh tokens ---- */

static void test_refresh_rotation(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *u = mk_user(fx, "judy", "judy@example.com");
    char uid[SB_ID_LEN + 1] = "";

    assert_int_equal(sb_store_refresh_insert(fx->conn, "t1", u->id, "fam1", NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_refresh_insert(fx->conn, "t1", u->id, "fam1", NOW + HOUR, NOW, &err),
                     SB_STORE_CONFLICT);
    assert_int_equal(
        sb_store_refresh_rotate(fx->conn, "t1", "t2", NOW + 2 * HOUR, NOW + 1, uid, &err),
        SB_STORE_OK);
    assert_string_equal(uid, u->id);
    assert_int_equal(
        sb_store_refresh_rotate(fx->conn, "t2", "t3", NOW + 2 * HOUR, NOW + 2, uid, &err),
        SB_STORE_OK);
    /* t1 comes back: reuse, the whole family (t3 too) is revoked */
    assert_int_equal(
        sb_store_refresh_rotate(fx->conn, "t1", "t9", NOW + 2 * HOUR, NOW + 3, uid, &err),
        SB_STORE_REUSED);
    assert_int_equal(err.status, SB_STORE_REUSED);
    assert_int_equal(
        sb_store_refresh_rotate(fx->conn, "t3", "t4", NOW + 2 * HOUR, NOW + 4, uid, &err),
        SB_STORE_NOT_FOUND);
    assert_int_equal(
        sb_store_refresh_rotate(fx->conn, "t9", "t10", NOW + 2 * HOUR, NOW + 4, uid, &err),
        SB_STORE_NOT_FOUND);

    /* expired: nothing changes, so it stays expired (not reused) */
    assert_int_equal(sb_store_refresh_insert(fx->conn, "x1", u->id, "famx", NOW + 10, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_refresh_rotate(fx->conn, "x1", "x2", NOW + HOUR, NOW + 10, uid, &err),
                     SB_STORE_EXPIRED);
    assert_int_equal(sb_store_refresh_rotate(fx->conn, "x1", "x2", NOW + HOUR, NOW + 11, uid, &err),
                     SB_STORE_EXPIRED);
    assert_int_equal(sb_store_refresh_rotate(fx->conn, "x2", "x3", NOW + HOUR, NOW + 11, uid, &err),
                     SB_STORE_NOT_FOUND);
    /* unknown */
    assert_int_equal(sb_store_refresh_rotate(fx->conn, "nope", "n2", NOW + HOUR, NOW, uid, &err),
                     SB_STORE_NOT_FOUND);
    /* a token for a user that does not exist */
    assert_int_equal(sb_store_refresh_insert(fx->conn, "ghost", "000000000000000000000000", "famg",
                                             NOW + HOUR, NOW, &err),
                     SB_STORE_NOT_FOUND);
    assert_true(strlen(err.message) > 0);
}

static void test_refresh_revoke(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *u = mk_user(fx, "kate", "kate@example.com");
    char uid[SB_ID_LEN + 1] = "";

    assert_int_equal(sb_store_refresh_insert(fx->conn, "r1", u->id, "famr", NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_refresh_insert(fx->conn, "o1", u->id, "famo", NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_refresh_rotate(fx->conn, "r1", "r2", NOW + HOUR, NOW + 1, uid, &err),
                     SB_STORE_OK);
    uid[0] = '\0';
    assert_int_equal(sb_store_refresh_revoke(fx->conn, "r2", NOW + 2, uid, &err), SB_STORE_OK);
    assert_string_equal(uid, u->id);
    assert_int_equal(sb_store_refresh_rotate(fx->conn, "r2", "r3", NOW + HOUR, NOW + 3, uid, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_refresh_revoke(fx->conn, "unknown", NOW, NULL, &err),
                     SB_STORE_NOT_FOUND);
    /* another family is untouched by the logout, but not by revoke_user */
    assert_int_equal(sb_store_refresh_rotate(fx->conn, "o1", "o2", NOW + HOUR, NOW + 3, uid, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_refresh_revoke_user(fx->conn, u->id, NOW + 4, &err), SB_STORE_OK);
    assert_int_equal(sb_store_refresh_rotate(fx->conn, "o2", "o3", NOW + HOUR, NOW + 5, uid, &err),
                     SB_STORE_NOT_FOUND);
}

/* ---- one-time tokens ---- */

static void test_onetime(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *u = mk_user(fx, "liam", "liam@example.com");
    char uid[SB_ID_LEN + 1] = "";

    assert_int_equal(sb_store_onetime_insert(fx->conn, "v1", u->id, SB_TOKEN_VERIFY_EMAIL,
                                             NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_onetime_insert(fx->conn, "p1", u->id, SB_TOKEN_RESET_PASSWORD,
                                             NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_onetime_insert(fx->conn, "v2", u->id, SB_TOKEN_VERIFY_EMAIL,
                                             NOW + HOUR, NOW + 1, &err),
                     SB_STORE_OK);
    /* the earlier token of the same purpose is invalidated, the other purpose is not */
    assert_int_equal(
        sb_store_onetime_consume(fx->conn, "v1", SB_TOKEN_VERIFY_EMAIL, NOW + 2, uid, &err),
        SB_STORE_NOT_FOUND);
    /* wrong purpose */
    assert_int_equal(
        sb_store_onetime_consume(fx->conn, "v2", SB_TOKEN_RESET_PASSWORD, NOW + 2, uid, &err),
        SB_STORE_NOT_FOUND);
    assert_int_equal(
        sb_store_onetime_consume(fx->conn, "v2", SB_TOKEN_VERIFY_EMAIL, NOW + 2, uid, &err),
        SB_STORE_OK);
    assert_string_equal(uid, u->id);
    assert_int_equal(
        sb_store_onetime_consume(fx->conn, "v2", SB_TOKEN_VERIFY_EMAIL, NOW + 3, uid, &err),
        SB_STORE_NOT_FOUND);
    assert_int_equal(
        sb_store_onetime_consume(fx->conn, "p1", SB_TOKEN_RESET_PASSWORD, NOW + 3, uid, &err),
        SB_STORE_OK);
    /* expired */
    assert_int_equal(
        sb_store_onetime_insert(fx->conn, "v3", u->id, SB_TOKEN_VERIFY_EMAIL, NOW + 100, NOW, &err),
        SB_STORE_OK);
    assert_int_equal(
        sb_store_onetime_consume(fx->conn, "v3", SB_TOKEN_VERIFY_EMAIL, NOW + 100, uid, &err),
        SB_STORE_EXPIRED);
    assert_int_equal(err.status, SB_STORE_EXPIRED);
    assert_int_equal(
        sb_store_onetime_consume(fx->conn, "zzz", SB_TOKEN_VERIFY_EMAIL, NOW, uid, &err),
        SB_STORE_NOT_FOUND);
    /* an unknown purpose is refused by the store */
    assert_int_equal(sb_store_onetime_insert(fx->conn, "b1", u->id, "bogus", NOW + HOUR, NOW, &err),
                     SB_STORE_ERROR);
    assert_true(strlen(err.message) > 0);
}

static void test_password_reset(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *u = mk_user(fx, "mona", "mona@example.com"), *v = NULL;
    char uid[SB_ID_LEN + 1] = "";

    assert_int_equal(sb_store_refresh_insert(fx->conn, "mr1", u->id, "famm", NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_onetime_insert(fx->conn, "mv", u->id, SB_TOKEN_VERIFY_EMAIL,
                                             NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_onetime_insert(fx->conn, "mp", u->id, SB_TOKEN_RESET_PASSWORD,
                                             NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    /* a verification token cannot reset a password */
    assert_int_equal(sb_store_password_reset(fx->conn, "mv", "bad", NOW + 1, uid, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_password_reset(fx->conn, "mp", "resethash", NOW + 1, uid, &err),
                     SB_STORE_OK);
    assert_string_equal(uid, u->id);
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &v, &err), SB_STORE_OK);
    assert_string_equal(v->password_hash, "resethash");
    assert_int_equal(v->password_changed_at, NOW + 1);
    assert_int_equal(
        sb_store_refresh_rotate(fx->conn, "mr1", "mr2", NOW + HOUR, NOW + 2, uid, &err),
        SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_password_reset(fx->conn, "mp", "again", NOW + 2, uid, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_onetime_insert(fx->conn, "mp2", u->id, SB_TOKEN_RESET_PASSWORD,
                                             NOW + 10, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_password_reset(fx->conn, "mp2", "late", NOW + 10, uid, &err),
                     SB_STORE_EXPIRED);
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &v, &err), SB_STORE_OK);
    assert_string_equal(v->password_hash, "resethash");
    /* the verification token is still usable: the failed reset changed nothing */
    assert_int_equal(
        sb_store_onetime_consume(fx->conn, "mv", SB_TOKEN_VERIFY_EMAIL, NOW + 3, uid, &err),
        SB_STORE_OK);
}

/* ---- concurrency: race() is in sb_store_fixture.h ---- */

static int op_consume(sb_store_conn_t *c, apr_pool_t *p, int i)
{
    char uid[SB_ID_LEN + 1];
    sb_store_error_t err;

    return sb_store_onetime_consume(c, "race", SB_TOKEN_VERIFY_EMAIL, NOW + 1, uid, &err);
}

static void test_race_onetime(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *u = mk_user(fx, "nina", "nina@example.com");
    int others[SB_STORE_ERROR + 1];

    assert_int_equal(sb_store_onetime_insert(fx->conn, "race", u->id, SB_TOKEN_VERIFY_EMAIL,
                                             NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(race(fx, op_consume, others), 1);
    assert_int_equal(others[SB_STORE_NOT_FOUND], NPROC - 1);
}

static int op_register(sb_store_conn_t *c, apr_pool_t *p, int i)
{
    char email[64];
    sb_user_new_t nu = {i % 2 ? "Racer" : "racer", email, "h", "R", "C"};
    sb_store_error_t err;
    sb_user_t *u;
    sb_store_status_t st;

    snprintf(email, sizeof(email), "racer%d@example.com", i);
    st = sb_store_user_create(c, p, &nu, 300, NOW, &u, &err);
    if (st == SB_STORE_CONFLICT && (!err.field || strcmp(err.field, "username"))) {
        return SB_STORE_ERROR;
    }
    return st;
}

static void test_race_register(void **state)
{
    FX_BEGIN(state);
    int others[SB_STORE_ERROR + 1];

    assert_int_equal(race(fx, op_register, others), 1);
    assert_int_equal(others[SB_STORE_CONFLICT], NPROC - 1);
    assert_balanced(fx);
}

/* race() itself: a racer that leaves the normal path fails the race, whatever it exits with. */

static int op_exit_like_asan(sb_store_conn_t *c, apr_pool_t *p, int i)
{
    if (i == 1) {
        _exit(SB_STORE_NOT_FOUND); /* what a sanitizer does after its report: exit(1) */
    }
    return SB_STORE_NOT_FOUND;
}

static int op_abort(sb_store_conn_t *c, apr_pool_t *p, int i)
{
    if (i == 2) {
        abort();
    }
    return SB_STORE_NOT_FOUND;
}

static int op_report_and_return(sb_store_conn_t *c, apr_pool_t *p, int i)
{
    if (i == 3) {
        /* a sanitizer that recovers (halt_on_error=0, UBSan's default) reports and goes on */
        fprintf(stderr, "x.c:1:1: runtime error: signed integer overflow (from the test)\n");
    }
    return SB_STORE_NOT_FOUND;
}

static void test_race_fails_on_a_broken_racer(void **state)
{
    FX_BEGIN(state);
    int others[SB_STORE_ERROR + 1];

    assert_int_equal(race(fx, op_exit_like_asan, others), -1);
    assert_int_equal(race(fx, op_abort, others), -1);
    sb_fx_race_echo = 0;
    assert_int_equal(race(fx, op_report_and_return, others), -1);
    sb_fx_race_echo = 1;
    /* and the same race without the breakage is counted */
    assert_int_equal(race(fx, op_consume, others), 0);
    assert_int_equal(others[SB_STORE_NOT_FOUND], NPROC);
}

/* ---- ledger, outbox ---- */

static void test_ledger_pages(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *u;
    apr_array_header_t *rows;
    int64_t total = 0, bal = SB_STARTING_CREDIT_MINUTES;
    int i;

    if (!fx->driver->seed_ledger) {
        skip();
    }
    u = mk_user(fx, "olga", "olga@example.com");
    mk_user(fx, "other", "other@example.com");
    /* 24 more rows on equal and rising timestamps; newest is the last inserted */
    for (i = 0; i < 24; i++) {
        bal += 60;
        fx->driver->seed_ledger(fx, u->id, "earned", "teaching", 60, bal, NOW + 1 + i / 3);
    }
    assert_int_equal(sb_store_ledger_list(fx->conn, fx->pool, u->id, 0, 10, &rows, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 25);
    assert_int_equal(rows->nelts, 10);
    assert_int_equal(APR_ARRAY_IDX(rows, 0, sb_credit_tx_t).balance_after, bal);
    assert_int_equal(APR_ARRAY_IDX(rows, 9, sb_credit_tx_t).balance_after, bal - 9 * 60);
    assert_int_equal(sb_store_ledger_list(fx->conn, fx->pool, u->id, 20, 10, &rows, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 25);
    assert_int_equal(rows->nelts, 5);
    assert_string_equal(APR_ARRAY_IDX(rows, 4, sb_credit_tx_t).type, "bonus");
    assert_int_equal(sb_store_ledger_list(fx->conn, fx->pool, u->id, 30, 10, &rows, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(rows->nelts, 0);
    assert_int_equal(total, 25);
    assert_int_equal(sb_store_ledger_list(fx->conn, fx->pool, "000000000000000000000000", 0, 10,
                                          &rows, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 0);
}

/* A ledger row whose balance_after disagrees with the user's credits is a bad row. */
static void test_ledger_audit_bad_rows(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_ledger_audit_t a;
    sb_user_t *u;

    if (!fx->driver->seed_ledger) {
        skip();
    }
    u = mk_user(fx, "pete", "pete@example.com");
    fx->driver->seed_ledger(fx, u->id, "penalty", "admin", -60, 240, NOW + 1);
    assert_int_equal(sb_store_ledger_audit(fx->conn, &a, &err), SB_STORE_OK);
    assert_int_equal(a.bad_rows, 1);
    assert_int_equal(a.adjustments, -60);
    assert_int_equal(a.penalties, 0);
}

static void test_outbox_seq(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;
    sb_user_t *u = mk_user(fx, "quinn", "quinn@example.com");
    int64_t s1 = 0, s2 = 0, s3 = 0;

    assert_int_equal(
        sb_store_outbox_append(fx->conn, u->id, "notification", "{\"a\":1}", NOW, &s1, &err),
        SB_STORE_OK);
    assert_int_equal(sb_store_outbox_append(fx->conn, u->id, "new_message", NULL, NOW, &s2, &err),
                     SB_STORE_OK);
    assert_int_equal(
        sb_store_outbox_append(fx->conn, u->id, "notification", "{}", NOW - 5, &s3, &err),
        SB_STORE_OK);
    assert_true(s1 > 0);
    assert_true(s2 > s1);
    assert_true(s3 > s2);
    assert_int_equal(
        sb_store_outbox_append(fx->conn, "000000000000000000000000", "x", "{}", NOW, &s1, &err),
        SB_STORE_NOT_FOUND);
}

/* ---- driver-independent: URIs ---- */

static void test_open_errors(void **state)
{
    apr_pool_t *p = *state;
    sb_store_error_t err;
    sb_store_t *s = (sb_store_t *)1;
    const char *const *names = sb_store_drivers();

    assert_string_equal(names[0], "sqlite");
    assert_int_equal(sb_store_open(p, "sqlite:/nonexistent-dir/x/y.db", NULL, &s, &err),
                     SB_STORE_UNAVAILABLE);
    assert_null(s);
    assert_true(strlen(err.message) > 0);
#ifdef SB_WITH_MONGO
    /* compiled in and complete: it opens without reaching a server (the first use does) */
    assert_int_equal(sb_store_open(p, "mongodb://localhost/sb", NULL, &s, &err), SB_STORE_OK);
    assert_non_null(s);
#else
    assert_int_equal(sb_store_open(p, "mongodb://localhost/sb", NULL, &s, &err), SB_STORE_ERROR);
    assert_non_null(strstr(err.message, "not compiled in"));
#endif
    assert_int_equal(sb_store_open(p, "postgres://x", NULL, &s, &err), SB_STORE_ERROR);
    assert_int_equal(sb_store_open(p, "", NULL, &s, &err), SB_STORE_ERROR);
}

/* sqlite only: a writer holding the lock past the busy timeout → UNAVAILABLE; a full pool
 * → UNAVAILABLE after the same timeout. */
static void test_sqlite_busy(void **state)
{
    FX_BEGIN(state);
    sb_store_options_t o = {.pool_min = 1, .pool_max = 1, .busy_timeout_ms = 100};
    sb_store_t *s;
    sb_store_conn_t *c, *c2;
    sb_store_error_t err;
    sb_user_new_t nu = {"busy", "busy@example.com", "h", "B", "U"};
    sb_user_t *u;
    sqlite3 *db;

    if (fx->driver != &sqlite) {
        skip();
    }
    assert_int_equal(sb_store_open(fx->pool, fx->uri, &o, &s, &err), SB_STORE_OK);
    assert_int_equal(sb_store_acquire(s, fx->pool, &c, &err), SB_STORE_OK);
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sb_store_user_create(c, fx->pool, &nu, 300, NOW, &u, &err),
                     SB_STORE_UNAVAILABLE);
    assert_int_equal(err.status, SB_STORE_UNAVAILABLE);
    assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(sb_store_user_create(c, fx->pool, &nu, 300, NOW, &u, &err), SB_STORE_OK);
    assert_int_equal(sb_store_acquire(s, fx->pool, &c2, &err), SB_STORE_UNAVAILABLE);
}

/* ---- discovery (sqlite_discover.c) ---- */

#define FX_SUITE(d)                                                                                \
    FX_TEST(test_migrate_twice, d), FX_TEST(test_ping, d), FX_TEST(test_acquire_release, d),       \
        FX_TEST(test_user_create_bonus, d), FX_TEST(test_user_conflicts, d),                       \
        FX_TEST(test_user_lookups, d), FX_TEST(test_user_update_profile, d),                       \
        FX_TEST(test_user_update_lists, d), FX_TEST(test_user_flags, d),                           \
        FX_TEST(test_user_set_status, d), FX_TEST(test_set_password_revokes, d),                   \
        FX_TEST(test_refresh_rotation, d), FX_TEST(test_refresh_revoke, d),                        \
        FX_TEST(test_onetime, d), FX_TEST(test_password_reset, d), FX_TEST(test_race_onetime, d),  \
        FX_TEST(test_race_register, d), FX_TEST(test_ledger_pages, d),                             \
        FX_TEST(test_ledger_audit_bad_rows, d), FX_TEST(test_outbox_seq, d)

/* A driver's tests are registered only when it is compiled in; other tests always are. */
static void test_fixture_registers_compiled_drivers(void **state)
{
    const struct CMUnitTest all[] = {
        FX_TEST(test_ping, sqlite),
        FX_TEST(test_ping, mongodb),
        cmocka_unit_test(test_ping),
    };
    struct CMUnitTest sel[3];
    size_t n = sb_fx_select(sel, all, 3), i, want = 1;

    want += sb_fx_compiled_in("sqlite") + sb_fx_compiled_in("mongodb");
    assert_int_equal(n, want);
    assert_true(sb_fx_compiled_in("sqlite"));
    assert_false(sb_fx_compiled_in("postgres"));
    for (i = 0; i < n; i++) {
        if (sel[i].setup_func == sb_fx_setup) {
            assert_true(sb_fx_compiled_in(((const sb_fx_driver_t *)sel[i].initial_state)->name));
        }
    }
    assert_ptr_equal(sel[n - 1].setup_func, NULL); /* the plain test kept, last */
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_open_errors, sb_test_pool_setup, sb_test_pool_teardown),
    cmocka_unit_test(test_fixture_covers_drivers),
    cmocka_unit_test(test_fixture_registers_compiled_drivers),
    FX_TEST(test_sqlite_busy, sqlite),
    FX_TEST(test_sqlite_allocator_statistics_off, sqlite),
    FX_TEST(test_race_fails_on_a_broken_racer, sqlite),
    FX_SUITE(sqlite),
    FX_SUITE(mongodb),
};

FX_MAIN("store", tests)

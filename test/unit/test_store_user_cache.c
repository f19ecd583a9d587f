/*
 * SQLite driver: the generation table (sqlite_turn.c), the per-process user cache
 * (sqlite_user_cache.c), and the change hook that keeps them exact (sqlite_conn.c): every
 * write path that changes what the access-token guard reads is seen by the very next read,
 * in this process and from another one.
 */
#include "sb_store_fixture.h"

#include <sys/wait.h>

#include "driver.h"
#include "sqlite_int.h"
#include "sqlite_user_cache.h"
#include "sb_user_text.h"

static uint64_t hits(void)
{
    sb_ucache_stats_t s;

    sb_ucache_stats(&s);
    return s.hits;
}

static sb_sqlite_turn_t *turn_of(sb_fx_t *fx)
{
    sb_sqlite_turn_t *t = SB_SQLITE(fx->conn)->turn;

    assert_non_null(t);
    assert_ptr_equal(t, sb_sqlite_turn_for(fx->path)); /* one mapping per process and file */
    return t;
}

static uint64_t user_gen(sb_fx_t *fx, const char *id)
{
    return sb_sqlite_gen_get(turn_of(fx), sb_sqlite_gen_bucket('u', id, SB_ID_LEN));
}

/* A lazily read user made by hand (the cache's own tests need no store reads). */
static sb_user_t *lazy_user(apr_pool_t *p, const char *id, const char *bio)
{
    static const char *const text[4] = {"[\"English\"]", "[]", "[]", "[]"};
    sb_user_t *u = apr_pcalloc(p, sizeof(*u));

    apr_cpystrn(u->id, id, sizeof(u->id));
    u->username = "ann";
    u->email = "ann@example.org";
    u->bio = bio;
    u->credits = 300;
    sb_sqlite_user_make_lazy(p, u, text);
    return u;
}

/* ---- the generation table ---- */

static void test_gen_table_counts_bumps_per_bucket_and_epoch(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_turn_t *t = turn_of(fx);
    uint32_t a = sb_sqlite_gen_bucket('u', "aaaaaaaaaaaaaaaaaaaaaaaa", SB_ID_LEN),
             f = sb_sqlite_gen_bucket('f', "aaaaaaaaaaaaaaaaaaaaaaaa", SB_ID_LEN);
    uint64_t ga = sb_sqlite_gen_get(t, a), e = sb_sqlite_gen_epoch(t);

    assert_true(a < SB_SQLITE_GEN_SLOTS && f < SB_SQLITE_GEN_SLOTS);
    assert_int_not_equal(a, f); /* the kind is part of the key */
    assert_int_equal(a, sb_sqlite_gen_bucket('u', "aaaaaaaaaaaaaaaaaaaaaaaa", SB_ID_LEN));
    assert_int_not_equal(e, 0); /* started at the clock */
    sb_sqlite_gen_bump(t, a);
    assert_int_equal(sb_sqlite_gen_get(t, a), ga + 1);
    sb_sqlite_gen_new_epoch(t);
    assert_int_equal(sb_sqlite_gen_epoch(t), e + 1);
}

/* Another process bumping is seen here (the table lives in the <db>-turn mapping). */
static void test_gen_table_is_shared_between_processes(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_turn_t *t = turn_of(fx);
    uint32_t b = sb_sqlite_gen_bucket('u', "bbbbbbbbbbbbbbbbbbbbbbbb", SB_ID_LEN);
    uint64_t g = sb_sqlite_gen_get(t, b), e = sb_sqlite_gen_epoch(t);
    int status = -1;
    pid_t pid;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sb_sqlite_turn_t *mine = sb_sqlite_turn_for(fx->path); /* inherited, as httpd's */
        sb_sqlite_gen_bump(mine, b);
        sb_sqlite_gen_new_epoch(mine);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(status, 0);
    assert_int_equal(sb_sqlite_gen_get(t, b), g + 1);
    assert_int_equal(sb_sqlite_gen_epoch(t), e + 1);
}

/* ---- the cache ---- */

static void test_cache_hit_is_a_copy_and_a_bump_misses(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_turn_t *t = turn_of(fx);
    const char *id = "cccccccccccccccccccccccc", *fam = "dddddddddddddddddddddddd";
    sb_ucache_stamp_t s;
    sb_user_t *u;

    assert_null(sb_ucache_get(t, fx->pool, id, NULL));
    sb_ucache_stamp(t, id, fam, &s);
    sb_ucache_put(fx->pool, t, &s, lazy_user(fx->pool, id, "first"), fam);
    u = sb_ucache_get(t, fx->pool, id, fam);
    assert_non_null(u);
    assert_string_equal(u->id, id);
    assert_string_equal(u->bio, "first");
    assert_string_equal(u->email, "ann@example.org");
    assert_int_equal(u->credits, 300);
    assert_null(u->languages); /* lazy, as the guard's read hands it out */
    sb_user_lists(u);
    assert_int_equal(u->languages->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(u->languages, 0, const char *), "English");
    /* an unknown family is not live as far as the cache knows */
    assert_null(sb_ucache_get(t, fx->pool, id, "eeeeeeeeeeeeeeeeeeeeeeee"));
    /* the family's bucket moves: the user alone still hits, the session misses */
    sb_sqlite_gen_bump(t, s.family_bucket);
    assert_non_null(sb_ucache_get(t, fx->pool, id, NULL));
    assert_null(sb_ucache_get(t, fx->pool, id, fam));
    /* the user's bucket moves: both miss */
    sb_sqlite_gen_bump(t, s.user_bucket);
    assert_null(sb_ucache_get(t, fx->pool, id, NULL));
    /* a reading under a stamp already stale is stored but never served */
    sb_ucache_put(fx->pool, t, &s, lazy_user(fx->pool, id, "stale"), NULL);
    assert_null(sb_ucache_get(t, fx->pool, id, NULL));
    sb_ucache_stamp(t, id, NULL, &s);
    sb_ucache_put(fx->pool, t, &s, lazy_user(fx->pool, id, "second"), NULL);
    assert_string_equal(sb_ucache_get(t, fx->pool, id, NULL)->bio, "second");
}

static void test_cache_epoch_drops_everything(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_turn_t *t = turn_of(fx);
    const char *id = "ffffffffffffffffffffffff";
    sb_ucache_stamp_t s;

    sb_ucache_stamp(t, id, NULL, &s);
    sb_ucache_put(fx->pool, t, &s, lazy_user(fx->pool, id, NULL), NULL);
    assert_non_null(sb_ucache_get(t, fx->pool, id, NULL));
    sb_sqlite_gen_new_epoch(t);
    assert_null(sb_ucache_get(t, fx->pool, id, NULL));
}

/* No more than SB_UCACHE_WAYS * SB_UCACHE_SETS users, the least recently used going first. */
static void test_cache_is_bounded(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_turn_t *t = turn_of(fx);
    int n = 3 * SB_UCACHE_WAYS * SB_UCACHE_SETS, i, kept = 0;
    char id[SB_ID_LEN + 1], first[SB_ID_LEN + 1], last[SB_ID_LEN + 1];
    sb_ucache_stamp_t s;
    sb_ucache_stats_t st;
    apr_pool_t *p;

    apr_pool_create(&p, fx->pool);
    for (i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "%024x", i);
        sb_ucache_stamp(t, id, NULL, &s);
        sb_ucache_put(p, t, &s, lazy_user(p, id, "x"), NULL);
        if (i == 0) {
            memcpy(first, id, sizeof(id));
        }
        apr_pool_clear(p); /* the cache keeps copies of its own */
    }
    memcpy(last, id, sizeof(id));
    sb_ucache_stats(&st);
    assert_true(st.entries <= (uint64_t)SB_UCACHE_WAYS * SB_UCACHE_SETS);
    for (i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "%024x", i);
        kept += sb_ucache_get(t, p, id, NULL) != NULL;
    }
    assert_true(kept > 0 && kept <= SB_UCACHE_WAYS * SB_UCACHE_SETS);
    assert_null(sb_ucache_get(t, p, first, NULL));
    assert_non_null(sb_ucache_get(t, p, last, NULL));
    apr_pool_destroy(p);
}

/* ---- the change hook over every write path the guard's read depends on ---- */

/* The guard's read of u in session fam: OK, and *live. */
static sb_user_t *guard(sb_fx_t *fx, const char *id, const char *fam, int *live)
{
    sb_store_error_t err;
    sb_user_t *u = NULL;

    assert_int_equal(sb_store_user_by_session_lazy(fx->conn, fx->pool, id, fam, &u, live, &err),
                     SB_STORE_OK);
    return u;
}

/* A user with a live session whose reads now come from the cache (the second one hits). */
static sb_user_t *cached_user(sb_fx_t *fx, const char *name, char *fam, char *token)
{
    char email[64];
    sb_store_error_t err;
    sb_user_t *u;
    uint64_t h;
    int live = 0;

    snprintf(email, sizeof(email), "%s@example.org", name);
    u = mk_user(fx, name, email);
    sb_id_new(fam);
    snprintf(token, 65, "%s-token-%s", name, fam);
    assert_int_equal(sb_store_refresh_insert(fx->conn, token, u->id, fam, NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    guard(fx, u->id, fam, &live);
    assert_true(live);
    h = hits();
    guard(fx, u->id, fam, &live);
    assert_true(live);
    assert_int_equal(hits(), h + 1);
    return u;
}

static void test_hook_profile_edit_is_seen_next(void **state)
{
    FX_BEGIN(state);
    char fam[SB_ID_LEN + 1], token[65];
    sb_user_t *u = cached_user(fx, "ann", fam, token), *out;
    sb_profile_patch_t patch = {0};
    sb_store_error_t err;
    uint64_t g = user_gen(fx, u->id);
    int live;

    patch.bio = "new bio";
    assert_int_equal(
        sb_store_user_update_profile(fx->conn, fx->pool, u->id, &patch, NOW, &out, &err),
        SB_STORE_OK);
    assert_true(user_gen(fx, u->id) > g);
    assert_string_equal(guard(fx, u->id, fam, &live)->bio, "new bio");
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &out, &err), SB_STORE_OK);
    assert_string_equal(out->bio, "new bio");
    assert_non_null(out->languages); /* user_by_id hands its lists out parsed, cached or not */
}

static void test_hook_password_change_and_reset_end_the_session(void **state)
{
    FX_BEGIN(state);
    char fam[SB_ID_LEN + 1], token[65], owner[SB_ID_LEN + 1];
    sb_user_t *u = cached_user(fx, "ann", fam, token);
    sb_store_error_t err;
    int live = 1;

    assert_int_equal(sb_store_user_set_password(fx->conn, u->id, "$2b$12$other", NOW + 1, &err),
                     SB_STORE_OK);
    assert_string_equal(guard(fx, u->id, fam, &live)->password_hash, "$2b$12$other");
    assert_false(live);

    u = cached_user(fx, "ben", fam, token);
    assert_int_equal(sb_store_onetime_insert(fx->conn, "reset-hash", u->id, SB_TOKEN_RESET_PASSWORD,
                                             NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(
        sb_store_password_reset(fx->conn, "reset-hash", "$2b$12$reset", NOW + 2, owner, &err),
        SB_STORE_OK);
    assert_string_equal(guard(fx, u->id, fam, &live)->password_hash, "$2b$12$reset");
    assert_false(live);
}

static void test_hook_ban_and_deactivate_are_seen_next(void **state)
{
    FX_BEGIN(state);
    char fam[SB_ID_LEN + 1], token[65];
    sb_user_t *u = cached_user(fx, "ann", fam, token), *v;
    sb_store_error_t err;
    int live;

    assert_int_equal(sb_store_user_set_status(fx->conn, u->id, 1, 1, "spam", NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    v = guard(fx, u->id, fam, &live);
    assert_true(v->is_banned);
    assert_int_equal(v->ban_expires_at, NOW + HOUR); /* the caller still judges the expiry */
    assert_int_equal(sb_store_user_set_status(fx->conn, u->id, 0, 0, NULL, 0, NOW, &err),
                     SB_STORE_OK);
    guard(fx, u->id, fam, &live); /* cache the deactivated one ... */
    assert_false(guard(fx, u->id, fam, &live)->is_active);
    assert_int_equal(sb_store_user_set_status(fx->conn, u->id, 1, 0, NULL, 0, NOW, &err),
                     SB_STORE_OK);
    assert_true(guard(fx, u->id, fam, &live)->is_active); /* ... and see it come back */
}

static void test_hook_logout_and_logout_all_end_sessions(void **state)
{
    FX_BEGIN(state);
    char fam[SB_ID_LEN + 1], fam2[SB_ID_LEN + 1], token[65], token2[65];
    sb_user_t *u = cached_user(fx, "ann", fam, token);
    sb_store_error_t err;
    int live = 1;

    sb_id_new(fam2);
    snprintf(token2, sizeof(token2), "second-%s", fam2);
    assert_int_equal(sb_store_refresh_insert(fx->conn, token2, u->id, fam2, NOW + HOUR, NOW, &err),
                     SB_STORE_OK);
    guard(fx, u->id, fam2, &live);
    guard(fx, u->id, fam2, &live);
    assert_true(live);
    assert_int_equal(sb_store_refresh_revoke(fx->conn, token, NOW, NULL, &err), SB_STORE_OK);
    guard(fx, u->id, fam, &live);
    assert_false(live);
    guard(fx, u->id, fam2, &live);
    assert_true(live); /* the other session stays */
    assert_int_equal(sb_store_refresh_revoke_user(fx->conn, u->id, NOW, &err), SB_STORE_OK);
    guard(fx, u->id, fam2, &live);
    assert_false(live);
}

static void test_hook_credits_change_is_seen_next(void **state)
{
    FX_BEGIN(state);
    char fam[SB_ID_LEN + 1], token[65], fam2[SB_ID_LEN + 1], token2[65];
    sb_user_t *a = cached_user(fx, "ann", fam, token), *b = cached_user(fx, "ben", fam2, token2);
    sb_store_error_t err;
    int live;

    assert_int_equal(sb_store_credit_transfer(fx->conn, a->id, b->id, 60, "test", b->id, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(guard(fx, a->id, fam, &live)->credits, a->credits - 60);
    assert_int_equal(guard(fx, b->id, fam2, &live)->credits, b->credits + 60);
}

static uint64_t discover_gen(sb_fx_t *fx)
{
    return sb_sqlite_gen_get(turn_of(fx), SB_SQLITE_GEN_DISCOVER);
}

/* Discover pages follow what they show: a balance move, a password or a calendar token keeps
 * them (the users' own buckets still move); a bio, a presence touch, a ban or a new account
 * drops them. Without the column check every one of these moved the discover generation. */
static void test_hook_discover_pages_follow_shown_columns_only(void **state)
{
    FX_BEGIN(state);
    char fam[SB_ID_LEN + 1], token[65], fam2[SB_ID_LEN + 1], token2[65];
    sb_user_t *a = cached_user(fx, "ann", fam, token), *b = cached_user(fx, "ben", fam2, token2);
    sb_profile_patch_t patch = {0};
    sb_store_error_t err;
    sb_user_t *out;
    uint64_t d = discover_gen(fx), ga = user_gen(fx, a->id), gb = user_gen(fx, b->id);

    assert_int_equal(sb_store_credit_transfer(fx->conn, a->id, b->id, 60, "test", b->id, NOW, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_user_set_password(fx->conn, a->id, "$2b$12$other", NOW + 1, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_calendar_token_set(fx->conn, b->id, "feed-hash", NOW + 2, &err),
                     SB_STORE_OK);
    assert_true(user_gen(fx, a->id) > ga && user_gen(fx, b->id) > gb);
    assert_int_equal(discover_gen(fx), d);

    patch.bio = "new bio";
    assert_int_equal(
        sb_store_user_update_profile(fx->conn, fx->pool, a->id, &patch, NOW + 3, &out, &err),
        SB_STORE_OK);
    assert_true(discover_gen(fx) > d);
    d = discover_gen(fx);
    assert_int_equal(sb_store_user_touch(fx->conn, b->id, NOW + 4, &err), SB_STORE_OK);
    assert_true(discover_gen(fx) > d);
    d = discover_gen(fx);
    assert_int_equal(
        sb_store_user_set_status(fx->conn, b->id, 1, 1, "spam", NOW + HOUR, NOW + 5, &err),
        SB_STORE_OK);
    assert_true(discover_gen(fx) > d);
    d = discover_gen(fx);
    mk_user(fx, "cat", "cat@example.org");
    assert_true(discover_gen(fx) > d);
}

/* A change a trigger makes (here a temporary one on another table) is recorded too. */
static void test_hook_sees_trigger_made_changes(void **state)
{
    FX_BEGIN(state);
    char fam[SB_ID_LEN + 1], token[65];
    sb_user_t *u = cached_user(fx, "ann", fam, token);
    sb_store_error_t err;
    int granted = 0, live;

    assert_int_equal(sqlite3_exec(SB_SQLITE(fx->conn)->db,
                                  "CREATE TEMP TRIGGER ucache_t AFTER INSERT ON mail_log BEGIN"
                                  " UPDATE users SET bio = 'by trigger' WHERE id = new.user_id;"
                                  " UPDATE refresh_tokens SET revoked_at = 1"
                                  " WHERE user_id = new.user_id; END",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(
        sb_store_mail_quota_take(fx->conn, u->id, NULL, HOUR, 10, 10, NOW, &granted, &err),
        SB_STORE_OK);
    assert_true(granted);
    assert_string_equal(guard(fx, u->id, fam, &live)->bio, "by trigger");
    assert_false(live);
}

/* Another process (sbctl, the daemon, another httpd child) bans the user: seen here. */
static void test_hook_change_by_another_process_is_seen_next(void **state)
{
    FX_BEGIN(state);
    char fam[SB_ID_LEN + 1], token[65], id[SB_ID_LEN + 1];
    sb_user_t *u = cached_user(fx, "ann", fam, token);
    int status = -1, live;
    pid_t pid;

    memcpy(id, u->id, sizeof(id));
    sb_fx_close(fx); /* no connection crosses the fork; the cache stays */
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sb_store_error_t err;
        _exit(sb_fx_open(fx, 0) != 0
              || sb_store_user_set_status(fx->conn, id, 1, 1, "abuse", 0, NOW, &err)
                     != SB_STORE_OK);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(status, 0);
    assert_int_equal(sb_fx_open(fx, 0), 0);
    assert_true(guard(fx, id, fam, &live)->is_banned);
}

/* Inside a transaction the cache is not used (the snapshot may predate the counters). */
static void test_cache_unused_inside_a_transaction(void **state)
{
    FX_BEGIN(state);
    char fam[SB_ID_LEN + 1], token[65];
    sb_user_t *u = cached_user(fx, "ann", fam, token);
    sb_sqlite_conn_t *sc = SB_SQLITE(fx->conn);
    sb_store_error_t err;
    uint64_t h = hits();
    int live;

    assert_true(sb_ucache_usable(sc, u->id, fam));
    assert_int_equal(sb_sqlite_begin_read(sc, &err), SB_STORE_OK);
    assert_false(sb_ucache_usable(sc, u->id, fam));
    guard(fx, u->id, fam, &live);
    assert_int_equal(hits(), h);
    assert_int_equal(sb_sqlite_commit(sc, &err), SB_STORE_OK);
}

/* A change made around the store (another sqlite3 handle, as the shell) is not seen while the
 * user is cached; users_cache_reset (sbctl cache-reset) makes every process read it again. */
static void test_cache_reset_forgets_changes_made_around_the_store(void **state)
{
    FX_BEGIN(state);
    char fam[SB_ID_LEN + 1], token[65], *sql;
    sb_user_t *u = cached_user(fx, "ann", fam, token);
    sb_store_error_t err;
    sqlite3 *db;
    int live;

    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    sql = sqlite3_mprintf("UPDATE users SET bio = 'by the shell' WHERE id = '%q'", u->id);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_free(sql);
    sqlite3_close(db);
    assert_null(guard(fx, u->id, fam, &live)->bio); /* still the cached row */
    assert_int_equal(sb_store_users_cache_reset(fx->conn, &err), SB_STORE_OK);
    assert_string_equal(guard(fx, u->id, fam, &live)->bio, "by the shell");
    assert_true(live);
}

/* Every driver has the operation (MongoDB caches nothing: OK). */
static void test_cache_reset_is_ok(void **state)
{
    FX_BEGIN(state);
    sb_store_error_t err;

    assert_int_equal(sb_store_users_cache_reset(fx->conn, &err), SB_STORE_OK);
}

/* The hook reads the key columns by position: the schema must still have them there. */
static void test_hook_key_columns_match_the_schema(void **state)
{
    FX_BEGIN(state);
    sqlite3_stmt *st;

    assert_int_equal(sqlite3_prepare_v2(SB_SQLITE(fx->conn)->db,
                                        "SELECT (SELECT cid FROM pragma_table_info('users')"
                                        " WHERE name = 'id'), (SELECT cid FROM"
                                        " pragma_table_info('refresh_tokens')"
                                        " WHERE name = 'family_id')",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), SB_SQLITE_USERS_ID_COL);
    assert_int_equal(sqlite3_column_int(st, 1), SB_SQLITE_TOKENS_FAMILY_COL);
    sqlite3_finalize(st);
}

/* The columns the hook lets change without dropping discover pages sit where the mask says. */
static void test_hook_unshown_columns_match_the_schema(void **state)
{
    FX_BEGIN(state);
    static const char *const unshown[] = {"email",
                                          "password_hash",
                                          "role",
                                          "credits",
                                          "total_earned",
                                          "total_spent",
                                          "minutes_taught",
                                          "minutes_learned",
                                          "report_count",
                                          "ban_reason",
                                          "updated_at",
                                          "password_changed_at",
                                          "email_notifications",
                                          "calendar_token",
                                          NULL};
    uint64_t mask = 0;
    sqlite3_stmt *st;
    int i;

    assert_int_equal(
        sqlite3_prepare_v2(SB_SQLITE(fx->conn)->db,
                           "SELECT cid FROM pragma_table_info('users') WHERE name = ?1", -1, &st,
                           NULL),
        SQLITE_OK);
    for (i = 0; unshown[i]; i++) {
        sqlite3_bind_text(st, 1, unshown[i], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_in_range(sqlite3_column_int(st, 0), 0, 63);
        mask |= SB_SQLITE_USERS_COL(sqlite3_column_int(st, 0));
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    assert_true(mask == SB_SQLITE_USERS_UNSHOWN_COLS);
}

/* ---- the kept public profile text ---- */

/* u's public profile as a chat bubble shows it (kept text or rendered) */
static const char *public_text(sb_fx_t *fx, const sb_user_t *u)
{
    sb_jtext_t t;

    sb_jtext_init(&t, fx->pool, 256);
    sb_jtext_public_profile(&t, u, NULL, 0);
    return t.buf;
}

/* u rendered afresh: a copy without the way to its kept text */
static const char *rendered(sb_fx_t *fx, const sb_user_t *u)
{
    sb_user_t *c = apr_pmemdup(fx->pool, u, sizeof *u);

    c->public_kept = NULL;
    c->public_keep = NULL;
    c->public_src = NULL;
    return public_text(fx, sb_user_lists(c));
}

/* The text u's entry keeps for u's reading (NULL: none), and its length in *len. */
static const char *kept(sb_fx_t *fx, const sb_user_t *u, size_t *len)
{
    assert_non_null(u->public_kept); /* a cached reading can keep its text */
    return u->public_kept(u->public_src, fx->pool, len);
}

static void test_public_text_is_kept_for_one_reading(void **state)
{
    FX_BEGIN(state);
    sb_user_t *u = mk_user(fx, "ann", "ann@example.org"), *a, *b, *stale;
    sb_profile_patch_t patch = {0};
    sb_store_error_t err;
    const char *first, *text;
    size_t len = 0;
    sb_jtext_t t;

    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &a, &err), SB_STORE_OK);
    assert_null(kept(fx, a, &len)); /* the reading that filled the entry: nothing rendered yet */
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &a, &err), SB_STORE_OK);
    assert_null(kept(fx, a, &len));
    first = public_text(fx, a);
    assert_string_equal(first, rendered(fx, a));
    /* the next copy finds the text, byte for byte what rendering writes */
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &b, &err), SB_STORE_OK);
    assert_non_null(text = kept(fx, b, &len));
    assert_int_equal(len, strlen(first));
    assert_string_equal(text, first);
    assert_string_equal(public_text(fx, b), first);
    /* the detailed form and the escaped one are rendered, never the kept text */
    sb_jtext_init(&t, fx->pool, 256);
    sb_jtext_public_profile(&t, b, NULL, 1);
    assert_non_null(strstr(t.buf, "\"recentReviews\":[]"));
    stale = b;

    /* a change of the row: the next copy finds no text, and renders the change */
    patch.bio = "plays the oud";
    assert_int_equal(sb_store_user_update_profile(fx->conn, fx->pool, u->id, &patch, NOW, &a, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &a, &err), SB_STORE_OK);
    assert_null(kept(fx, a, &len));
    /* a copy of the old reading finds nothing kept now, renders the old row, and that text
     * goes to no newer reading */
    assert_null(kept(fx, stale, &len));
    assert_null(strstr(public_text(fx, stale), "plays the oud"));
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &b, &err), SB_STORE_OK);
    assert_null(kept(fx, b, &len));
    assert_non_null(strstr(public_text(fx, b), "plays the oud"));
    assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, u->id, &a, &err), SB_STORE_OK);
    assert_non_null(text = kept(fx, a, &len));
    assert_non_null(strstr(text, "plays the oud"));
    assert_string_equal(text, rendered(fx, a));
}

static const struct CMUnitTest tests[] = {
    FX_TEST(test_gen_table_counts_bumps_per_bucket_and_epoch, sqlite),
    FX_TEST(test_gen_table_is_shared_between_processes, sqlite),
    FX_TEST(test_cache_hit_is_a_copy_and_a_bump_misses, sqlite),
    FX_TEST(test_cache_epoch_drops_everything, sqlite),
    FX_TEST(test_cache_is_bounded, sqlite),
    FX_TEST(test_hook_profile_edit_is_seen_next, sqlite),
    FX_TEST(test_hook_password_change_and_reset_end_the_session, sqlite),
    FX_TEST(test_hook_ban_and_deactivate_are_seen_next, sqlite),
    FX_TEST(test_hook_logout_and_logout_all_end_sessions, sqlite),
    FX_TEST(test_hook_credits_change_is_seen_next, sqlite),
    FX_TEST(test_hook_discover_pages_follow_shown_columns_only, sqlite),
    FX_TEST(test_hook_sees_trigger_made_changes, sqlite),
    FX_TEST(test_hook_change_by_another_process_is_seen_next, sqlite),
    FX_TEST(test_cache_unused_inside_a_transaction, sqlite),
    FX_TEST(test_cache_reset_forgets_changes_made_around_the_store, sqlite),
    FX_TEST(test_cache_reset_is_ok, sqlite),
    FX_TEST(test_cache_reset_is_ok, mongodb),
    FX_TEST(test_hook_key_columns_match_the_schema, sqlite),
    FX_TEST(test_hook_unshown_columns_match_the_schema, sqlite),
    FX_TEST(test_public_text_is_kept_for_one_reading, sqlite),
};

FX_MAIN("store_user_cache", tests)

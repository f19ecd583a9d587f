/*
 * The store conformance fixture shared by test_store.c and test_store_discover.c: a table
 * of drivers, a fresh migrated store per test, and a few helpers. A driver without a URI
 * (mongodb when SKILLBARTER_TEST_MONGO_URI is unset) makes each of its tests skip().
 */
#ifndef SB_STORE_FIXTURE_H
#define SB_STORE_FIXTURE_H

#include "sb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <apr_strings.h>
#include <sqlite3.h>

#include "sb_id.h"
#include "store.h"

typedef struct sb_fx sb_fx_t;

typedef struct {
    const char *name;
    /* A fresh, empty store URI for one test, or NULL to skip the driver. */
    const char *(*make_uri)(sb_fx_t *fx);
    /* Insert a raw ledger row (tests of paging and the audit); NULL = not supported. */
    void (*seed_ledger)(sb_fx_t *fx, const char *user_id, const char *type,
                        const char *category, int64_t amount, int64_t balance_after,
                        int64_t created_at);
    /* Remove what make_uri created. */
    void (*cleanup)(sb_fx_t *fx);
} sb_fx_driver_t;

struct sb_fx {
    const sb_fx_driver_t *driver;
    apr_pool_t *pool;
    apr_pool_t *spool;         /* holds store + conn, so a test can close them */
    char dir[256];
    const char *path;
    const char *uri;
    sb_store_t *store;
    sb_store_conn_t *conn;
    int skip;
};

/* ---- sqlite ---- */

static const char *sb_fx_sqlite_uri(sb_fx_t *fx)
{
    const char *tmp = getenv("TMPDIR");

    snprintf(fx->dir, sizeof(fx->dir), "%s/sbstore.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(fx->dir)) {
        return NULL;
    }
    fx->path = apr_pstrcat(fx->pool, fx->dir, "/test.db", NULL);
    return apr_pstrcat(fx->pool, "sqlite:", fx->path, NULL);
}

static inline void sb_fx_sqlite_seed(sb_fx_t *fx, const char *user_id, const char *type,
                                     const char *category, int64_t amount, int64_t balance_after,
                                     int64_t created_at)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char id[SB_ID_LEN + 1];

    sb_id_new(id);
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO credit_transactions (id, user_id, type,"
                                        " amount, balance_after, description, category,"
                                        " created_at) VALUES (?1, ?2, ?3, ?4, ?5, 'seed', ?6, ?7)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, user_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, amount);
    sqlite3_bind_int64(st, 5, balance_after);
    sqlite3_bind_text(st, 6, category, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, created_at);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static inline void sb_fx_sqlite_cleanup(sb_fx_t *fx)
{
    static const char *const suffix[] = {"/test.db", "/test.db-wal", "/test.db-shm", NULL};
    int i;

    if (!fx->dir[0]) {
        return;
    }
    for (i = 0; suffix[i]; i++) {
        char f[300];
        snprintf(f, sizeof(f), "%s%s", fx->dir, suffix[i]);
        unlink(f);
    }
    rmdir(fx->dir);
}

/* ---- mongodb: only when the environment names a server ---- */

static const char *sb_fx_mongo_uri(sb_fx_t *fx)
{
    const char *base = getenv("SKILLBARTER_TEST_MONGO_URI");
    char id[SB_ID_LEN + 1];

    if (!base || !*base) {
        return NULL;
    }
    /* A database of its own per test; the driver's URI parser takes the path as db name. */
    sb_id_new(id);
    return apr_pstrcat(fx->pool, base, strchr(base + 10, '/') ? "" : "/", "sbtest_", id, NULL);
}

static const sb_fx_driver_t sqlite = {"sqlite", sb_fx_sqlite_uri, sb_fx_sqlite_seed,
                                            sb_fx_sqlite_cleanup};
static const sb_fx_driver_t mongodb = {"mongodb", sb_fx_mongo_uri, NULL, NULL};

/* Open + acquire into fx->spool (a subpool, so it can be closed and opened again). */
static inline int sb_fx_open(sb_fx_t *fx, int migrate)
{
    sb_store_error_t err;

    if (apr_pool_create(&fx->spool, fx->pool) != APR_SUCCESS) {
        return -1;
    }
    if (sb_store_open(fx->spool, fx->uri, NULL, &fx->store, &err) != SB_STORE_OK
        || (migrate && sb_store_migrate(fx->store, &err) != SB_STORE_OK)
        || sb_store_acquire(fx->store, fx->spool, &fx->conn, &err) != SB_STORE_OK) {
        fprintf(stderr, "store setup (%s): %s\n", fx->driver->name, err.message);
        return -1;
    }
    return 0;
}

static inline void sb_fx_close(sb_fx_t *fx)
{
    apr_pool_destroy(fx->spool);
    fx->spool = NULL;
    fx->store = NULL;
    fx->conn = NULL;
}

/* A fresh migrated store per test. */
static inline int sb_fx_setup(void **state)
{
    const sb_fx_driver_t *d = *state;
    sb_fx_t *fx = calloc(1, sizeof(*fx));

    if (!fx || apr_pool_create(&fx->pool, NULL) != APR_SUCCESS) {
        free(fx);
        return -1;
    }
    fx->driver = d;
    *state = fx;
    fx->uri = d->make_uri(fx);
    if (!fx->uri) {
        fx->skip = 1;
        return 0;
    }
    return sb_fx_open(fx, 1);
}

static inline int sb_fx_teardown(void **state)
{
    sb_fx_t *fx = *state;

    if (fx->pool) {
        apr_pool_destroy(fx->pool);
    }
    if (fx->driver->cleanup) {
        fx->driver->cleanup(fx);
    }
    free(fx);
    return 0;
}

/* Every test starts with this: the fixture, or SKIPPED for an absent driver. */
#define FX_BEGIN(state)                                                                           \
    sb_fx_t *fx = *(state);                                                                       \
    if (fx->skip) {                                                                               \
        skip();                                                                                   \
    }

/* ---- helpers ---- */

#define NOW 1750000000000LL
#define HOUR (3600LL * 1000)

static inline sb_user_t *mk_user(sb_fx_t *fx, const char *username, const char *email)
{
    sb_user_new_t nu = {username, email, "$2b$12$hash", "Ada", "Lovelace"};
    sb_store_error_t err;
    sb_user_t *u = NULL;

    assert_int_equal(sb_store_user_create(fx->conn, fx->pool, &nu, SB_STARTING_CREDIT_MINUTES,
                                          NOW, &u, &err),
                     SB_STORE_OK);
    assert_non_null(u);
    return u;
}

static inline void assert_balanced(sb_fx_t *fx)
{
    sb_ledger_audit_t a;
    sb_store_error_t err;

    assert_int_equal(sb_store_ledger_audit(fx->conn, &a, &err), SB_STORE_OK);
    assert_int_equal(a.balances + a.escrow, a.bonuses - a.penalties + a.adjustments);
    assert_int_equal(a.bad_rows, 0);
}

/* ---- life cycle ---- */

static inline void set_offered(sb_fx_t *fx, const char *id, const char *skill, const char *category)
{
    apr_array_header_t *a = apr_array_make(fx->pool, 1, sizeof(sb_skill_offered_t));
    sb_skill_offered_t *s = apr_array_push(a);
    sb_store_error_t err;

    memset(s, 0, sizeof *s);
    s->skill = skill;
    s->category = category;
    s->experience = "Expert";
    assert_int_equal(sb_store_user_update_lists(fx->conn, fx->pool, id, skill ? a : NULL, NULL,
                                                NULL, NOW, NULL, &err),
                     SB_STORE_OK);
}

static inline void set_wanted(sb_fx_t *fx, const char *id, const char *skill)
{
    apr_array_header_t *a = apr_array_make(fx->pool, 1, sizeof(sb_skill_wanted_t));
    sb_skill_wanted_t *s = apr_array_push(a);
    sb_store_error_t err;

    memset(s, 0, sizeof *s);
    s->skill = skill;
    s->level = "Beginner";
    s->priority = "High";
    assert_int_equal(sb_store_user_update_lists(fx->conn, fx->pool, id, NULL, a, NULL, NOW, NULL,
                                                &err),
                     SB_STORE_OK);
}


/* Named "driver/test" so the two drivers' results are told apart. */
#define FX_TEST(f, d) {#d "/" #f, f, sb_fx_setup, sb_fx_teardown, (void *)&(d)}

#endif

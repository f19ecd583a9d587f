/*
 * The store conformance fixture shared by test_store.c and test_store_discover.c: a table
 * of drivers, a fresh migrated store per test, and a few helpers. A driver's suite is
 * registered only when the driver is compiled in (sb_fx_select); a compiled driver without a
 * URI (mongodb when SKILLBARTER_TEST_MONGO_URI is unset) makes each of its tests skip(), so a
 * skip means "built, no server".
 */
#ifndef SB_STORE_FIXTURE_H
#define SB_STORE_FIXTURE_H

#include "sb_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>

#include <apr_strings.h>
#include <sqlite3.h>

#include "sb_id.h"
#include "sb_user_rules.h"
#include "store.h"

typedef struct sb_fx sb_fx_t;

typedef struct {
    const char *name;
    /* A fresh, empty store URI for one test, or NULL to skip the driver. */
    const char *(*make_uri)(sb_fx_t *fx);
    /* Insert a raw ledger row (tests of paging and the audit); NULL = not supported. */
    void (*seed_ledger)(sb_fx_t *fx, const char *user_id, const char *type, const char *category,
                        int64_t amount, int64_t balance_after, int64_t created_at);
    /* Remove what make_uri created. */
    void (*cleanup)(sb_fx_t *fx);
} sb_fx_driver_t;

struct sb_fx {
    const sb_fx_driver_t *driver;
    apr_pool_t *pool;
    apr_pool_t *spool; /* holds store + conn, so a test can close them */
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
    snprintf(fx->dir, sizeof(fx->dir), "%s/sbstore.XXXXXX", sb_test_tmpdir());
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
    static const char *const suffix[] = {"/test.db", "/test.db-wal", "/test.db-shm",
                                         "/test.db-turn", NULL};
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
static const sb_fx_driver_t *const sb_fx_drivers[] = {&sqlite, &mongodb, NULL};

static inline int sb_fx_compiled_in(const char *name)
{
    const char *const *d;

    for (d = sb_store_drivers(); *d; d++) {
        if (strcmp(*d, name) == 0) {
            return 1;
        }
    }
    return 0;
}

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
#define FX_BEGIN(state)                                                                            \
    sb_fx_t *fx = *(state);                                                                        \
    if (fx->skip) {                                                                                \
        skip();                                                                                    \
    }

/* ---- helpers ---- */

#define NOW  1750000000000LL
#define HOUR (3600LL * 1000)

static inline sb_user_t *mk_user(sb_fx_t *fx, const char *username, const char *email)
{
    sb_user_new_t nu = {username, email, "$2b$12$hash", "Ada", "Lovelace"};
    sb_store_error_t err;
    sb_user_t *u = NULL;

    assert_int_equal(
        sb_store_user_create(fx->conn, fx->pool, &nu, SB_STARTING_CREDIT_MINUTES, NOW, &u, &err),
        SB_STORE_OK);
    assert_non_null(u);
    return u;
}

/* A describer (sb_session_describe_fn) whose news are fixed in advance: ctx is the
 * sb_session_news_t to write. */
static inline void fixed_news(void *ctx, const sb_session_t *s, sb_session_news_t *news)
{
    (void)s;
    *news = *(const sb_session_news_t *)ctx;
}

static inline void assert_balanced(sb_fx_t *fx)
{
    sb_ledger_audit_t a;
    sb_store_error_t err;

    assert_int_equal(sb_store_ledger_audit(fx->conn, &a, &err), SB_STORE_OK);
    assert_int_equal(a.balances + a.escrow, a.bonuses - a.penalties + a.adjustments);
    assert_int_equal(a.bad_rows, 0);
}

/* A session of teacher and learner in skill at start, minutes long, booked (pending): its id
 * (a new one) into id, its room a new id too. */
static inline void fx_book_skill(sb_fx_t *fx, const char *teacher_id, const char *student_id,
                                 const char *skill, int64_t start, int64_t minutes, char *id)
{
    char room[SB_ID_LEN + 1];
    sb_session_new_t s = {0};
    sb_store_error_t err;

    sb_id_new(id);
    sb_id_new(room);
    s.id = id;
    s.teacher_id = teacher_id;
    s.student_id = student_id;
    s.skill = skill;
    s.scheduled_time = start;
    s.duration = minutes;
    s.room_id = apr_pstrdup(fx->pool, room);
    assert_int_equal(
        sb_store_session_create(fx->conn, fx->pool, &s, NULL, 0, NULL, NOW, NULL, NULL, &err),
        SB_STORE_OK);
}

/* A 60-minute Guitar session of teacher and learner at start, booked (pending): its id into
 * id. */
static inline void fx_book(sb_fx_t *fx, const char *teacher_id, const char *student_id,
                           int64_t start, char *id)
{
    fx_book_skill(fx, teacher_id, student_id, "Guitar", start, 60, id);
}

/* SQLite's query plan for sql on the fixture's file: its detail lines, each ending in '\n'
 * (pool text), for tests that a read is served by an index. */
static inline const char *fx_sqlite_plan(sb_fx_t *fx, const char *sql)
{
    char *explain = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
    const char *plan = "";
    sqlite3_stmt *st;
    sqlite3 *db;

    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, explain, -1, &st, NULL), SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        plan = apr_pstrcat(fx->pool, plan, (const char *)sqlite3_column_text(st, 3), "\n", NULL);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    sqlite3_free(explain);
    return plan;
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
    assert_int_equal(
        sb_store_user_update_lists(fx->conn, fx->pool, id, NULL, a, NULL, NOW, NULL, &err),
        SB_STORE_OK);
}

/* One random account status change for the models of the random-write tests: choice 0 flips
 * active, 1 bans for good, 2 bans until NOW - 1 h / + 1 h / + 3 h (by end), anything else lifts
 * the ban. The model's fields and the store change together. */
typedef struct {
    int is_active, is_banned;
    int64_t ban_expires_at;
} sb_fx_status_t;

static inline void sb_fx_random_status(sb_fx_t *fx, const char *user_id, int choice, int end,
                                       sb_fx_status_t *st)
{
    static const int64_t ends[] = {-HOUR, HOUR, 3 * HOUR};
    sb_store_error_t err;

    switch (choice) {
    case 0:
        st->is_active = !st->is_active;
        break;
    case 1:
        st->is_banned = 1;
        st->ban_expires_at = SB_BAN_PERMANENT;
        break;
    case 2:
        st->is_banned = 1;
        st->ban_expires_at = NOW + ends[end % 3];
        break;
    default:
        st->is_banned = 0;
        st->ban_expires_at = 0;
        break;
    }
    assert_int_equal(sb_store_user_set_status(fx->conn, user_id, st->is_active, st->is_banned,
                                              st->is_banned ? "test" : NULL, st->ban_expires_at,
                                              NOW, &err),
                     SB_STORE_OK);
}

/* Named "driver/test" so the two drivers' results are told apart. */
#define FX_TEST(f, d)                                                                              \
    {                                                                                              \
#d "/" #f, f, sb_fx_setup, sb_fx_teardown, (void *)&(d)                                    \
    }

/* Copy into out[] the tests to register: every test that is not a driver's, and a driver's
 * only when that driver is compiled in. Returns the count. */
static inline size_t sb_fx_select(struct CMUnitTest *out, const struct CMUnitTest *all, size_t n)
{
    size_t i, k = 0;

    for (i = 0; i < n; i++) {
        const sb_fx_driver_t *d = all[i].initial_state;
        if (all[i].setup_func != sb_fx_setup || sb_fx_compiled_in(d->name)) {
            out[k++] = all[i];
        }
    }
    return k;
}

/* Each compiled-in driver has a fixture here, so its conformance suite cannot go missing. */
static inline void test_fixture_covers_drivers(void **state)
{
    const char *const *d;
    int i, found;

    for (d = sb_store_drivers(); *d; d++) {
        for (i = 0, found = 0; sb_fx_drivers[i]; i++) {
            found |= strcmp(sb_fx_drivers[i]->name, *d) == 0;
        }
        if (!found) {
            fail_msg("driver %s is compiled in but has no conformance fixture", *d);
        }
    }
}

/* main() of a conformance file: the selected tests, APR initialised around them. */
#define FX_MAIN(group_name, all)                                                                   \
    int main(void)                                                                                 \
    {                                                                                              \
        struct CMUnitTest sel[sizeof(all) / sizeof((all)[0])];                                     \
        size_t n = sb_fx_select(sel, all, sizeof(all) / sizeof((all)[0]));                         \
        int rc;                                                                                    \
        apr_initialize();                                                                          \
        rc = _cmocka_run_group_tests(group_name, sel, n, NULL, NULL);                              \
        apr_terminate();                                                                           \
        return rc;                                                                                 \
    }

/* ---- concurrency: separate processes, each with its own store ---- */

#define NPROC 4

/* A racer's op returns a store status; anything it returns is reported through a pipe. */
typedef int (*sb_fx_race_op)(sb_store_conn_t *c, apr_pool_t *p, int i);

/* Text that only a sanitizer or glibc writes: a child that printed it failed, whatever it
 * returned. */
static inline int sb_fx_checker_text(const char *s)
{
    return strstr(s, "Sanitizer") || strstr(s, "runtime error:") || strstr(s, "*** ")
           || strstr(s, "==ERROR");
}

/* 0: keep racers' stderr to race() (a test that makes a racer print a report on purpose, so
 * the runner's own scan of the log does not take the expected text for a real one). */
static int sb_fx_race_echo = 1;

static inline void sb_fx_racer(sb_fx_t *fx, sb_fx_race_op op, int i, int gate, int st)
{
    apr_pool_t *cp;
    sb_store_t *s;
    sb_store_conn_t *c;
    sb_store_error_t err;
    char b;
    int rc;

    apr_pool_create(&cp, NULL);
    if (sb_store_open(cp, fx->uri, NULL, &s, &err) != SB_STORE_OK
        || sb_store_acquire(s, cp, &c, &err) != SB_STORE_OK) {
        fprintf(stderr, "racer %d: store setup: %s\n", i, err.message);
        _exit(2);
    }
    (void)!read(gate, &b, 1);
    rc = op(c, cp, i);
    /* close this child's own connections; never run the parent's cleanups */
    apr_pool_destroy(cp);
    if (write(st, &rc, sizeof(rc)) != (ssize_t)sizeof(rc)) {
        _exit(3);
    }
    _exit(0);
}

/* Read what fd has into buf (counting, not storing, what does not fit); 1 once it is closed. */
static inline int sb_fx_drain(int *fd, char *buf, size_t cap, size_t *len)
{
    char junk[1024];
    size_t room = *len < cap ? cap - *len : 0;
    ssize_t r = room ? read(*fd, buf + *len, room) : read(*fd, junk, sizeof(junk));

    if (r < 0 && errno == EINTR) {
        return 0;
    }
    if (r <= 0) {
        close(*fd);
        *fd = -1;
        return 1;
    }
    *len += (size_t)r;
    return 0;
}

/*
 * Fork NPROC children that wait on a gate, then each runs op(). Each child sends op's status
 * through its own pipe and exits 0; its stderr comes back through another pipe. Returns how
 * many got OK and stores the other statuses' counts in others[] (indexed by status), or -1
 * when any child did not take the normal path: no status, an exit other than 0, a signal, or
 * sanitizer/glibc text on its stderr (a sanitizer exits 1, which is SB_STORE_NOT_FOUND: an
 * exit code is never read as a status).
 */
static inline int race(sb_fx_t *fx, sb_fx_race_op op, int others[SB_STORE_ERROR + 1])
{
    int gate[2], st[NPROC][2], er[NPROC][2], i, ok = 0, bad = 0, open;
    char sbuf[NPROC][sizeof(int)], etext[NPROC][4096];
    size_t slen[NPROC], elen[NPROC];
    pid_t pids[NPROC];

    memset(others, 0, sizeof(int) * (SB_STORE_ERROR + 1));
    /* no open connection may cross the fork */
    sb_fx_close(fx);
    if (pipe(gate) != 0) {
        return -1;
    }
    fflush(NULL);
    for (i = 0; i < NPROC; i++) {
        if (pipe(st[i]) != 0 || pipe(er[i]) != 0 || (pids[i] = fork()) < 0) {
            fprintf(stderr, "race: pipe/fork: %s\n", strerror(errno));
            close(gate[0]);
            close(gate[1]); /* the children made so far go through the gate and exit */
            while (i-- > 0) {
                waitpid(pids[i], NULL, 0);
            }
            return -1;
        }
        if (pids[i] == 0) {
            int j;
            close(gate[1]);
            for (j = 0; j <= i; j++) {
                close(st[j][0]);
                close(er[j][0]);
            }
            dup2(er[i][1], 2);
            close(er[i][1]);
            sb_fx_racer(fx, op, i, gate[0], st[i][1]);
        }
        close(st[i][1]);
        close(er[i][1]);
        slen[i] = elen[i] = 0;
    }
    close(gate[0]);
    close(gate[1]); /* the gate opens: every child's read() returns */
    for (open = 2 * NPROC; open > 0;) {
        struct pollfd pf[2 * NPROC];
        int n = 0;
        for (i = 0; i < NPROC; i++) {
            pf[2 * i].fd = st[i][0];
            pf[2 * i + 1].fd = er[i][0];
            pf[2 * i].events = pf[2 * i + 1].events = POLLIN;
            pf[2 * i].revents = pf[2 * i + 1].revents = 0;
        }
        if ((n = poll(pf, 2 * NPROC, -1)) < 0 && errno != EINTR) {
            return -1;
        }
        for (i = 0; i < NPROC && n > 0; i++) {
            if (st[i][0] >= 0 && pf[2 * i].revents) {
                open -= sb_fx_drain(&st[i][0], sbuf[i], sizeof(sbuf[i]), &slen[i]);
            }
            if (er[i][0] >= 0 && pf[2 * i + 1].revents) {
                open -= sb_fx_drain(&er[i][0], etext[i], sizeof(etext[i]) - 1, &elen[i]);
            }
        }
    }
    for (i = 0; i < NPROC; i++) {
        const char *why = NULL;
        int status = 0, code = -1;
        etext[i][elen[i] < sizeof(etext[i]) ? elen[i] : sizeof(etext[i]) - 1] = '\0';
        if (slen[i] == sizeof(int)) {
            memcpy(&code, sbuf[i], sizeof(int));
        }
        if (waitpid(pids[i], &status, 0) != pids[i]) {
            why = "was not reaped";
        }
        else if (WIFSIGNALED(status)) {
            why = "was killed by a signal";
        }
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            why = "exited nonzero";
        }
        else if (slen[i] != sizeof(int)) {
            why = "sent no status";
        }
        else if (sb_fx_checker_text(etext[i])) {
            why = "wrote a sanitizer/glibc report";
        }
        else if (code < SB_STORE_OK || code > SB_STORE_ERROR) {
            why = "sent a status out of range";
        }
        if (elen[i] && sb_fx_race_echo) {
            fprintf(stderr, "--- racer %d stderr:\n%s\n---\n", i, etext[i]);
        }
        if (why) {
            fprintf(stderr, "race: racer %d %s (wait status 0x%x)\n", i, why, status);
            bad = 1;
        }
        else if (code == SB_STORE_OK) {
            ok++;
        }
        else {
            others[code]++;
        }
    }
    if (sb_fx_open(fx, 0) != 0 || bad) {
        return -1;
    }
    return ok;
}

#endif

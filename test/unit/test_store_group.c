/*
 * SQLite driver: group commit (sqlite_group.c). A job that queues while a batch is running
 * joins that batch (one transaction, its own savepoint); when the batch's lone first job
 * fails, it is rolled back alone and the job queued meanwhile is stored by the next batch.
 */
#include "sb_store_fixture.h"

#include <pthread.h>
#include <time.h>

#include "driver.h"
#include "sqlite_group.h"
#include "sqlite_int.h"

typedef struct {
    sb_sqlite_group_job_t job; /* first */
    sb_sqlite_group_t *g;
    sb_store_conn_t *conn;
    int value;    /* the row this job inserts */
    int wait_for; /* run only once this many jobs are queued behind it */
    int fail;     /* then fail (REFUSED) */
    volatile int running;
    sb_store_status_t got;
    sb_sqlite_conn_t *ran_on; /* the connection of the batch that carried it */
} tjob_t;

static void sleep_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};

    nanosleep(&ts, NULL);
}

static int64_t queued(sb_sqlite_group_t *g)
{
    int64_t n;

    pthread_mutex_lock(&g->mu);
    n = g->queued;
    pthread_mutex_unlock(&g->mu);
    return n;
}

static sb_store_status_t tjob_run(sb_sqlite_conn_t *sc, sb_sqlite_group_job_t *gj)
{
    tjob_t *j = (tjob_t *)gj;
    char sql[64];
    int waited;

    snprintf(sql, sizeof sql, "INSERT INTO group_rows (v) VALUES (%d)", j->value);
    if (sqlite3_exec(sc->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        return sb_store_fail(&gj->err, SB_STORE_ERROR, NULL, "insert");
    }
    j->running = 1;
    j->ran_on = sc;
    for (waited = 0; queued(j->g) < j->wait_for && waited < 4000; waited += 2) {
        sleep_ms(2);
    }
    return j->fail ? sb_store_fail(&gj->err, SB_STORE_REFUSED, "test", "refused") : SB_STORE_OK;
}

static void *tjob_thread(void *arg)
{
    tjob_t *j = arg;
    sb_store_error_t err;

    j->got = sb_sqlite_group_run(j->g, SB_SQLITE(j->conn), &j->job, &err);
    return NULL;
}

static int has_row(sb_fx_t *fx, int v)
{
    sqlite3_stmt *q;
    int r;

    assert_int_equal(sqlite3_prepare_v2(SB_SQLITE(fx->conn)->db,
                                        "SELECT count(*) FROM group_rows WHERE v = ?1", -1, &q,
                                        NULL),
                     SQLITE_OK);
    sqlite3_bind_int(q, 1, v);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    r = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return r;
}

/* a (row 1, failing when first_fails) leads, and its run waits for b (row 2) to queue;
 * returns the group's batch count after both */
static int64_t run_pair(sb_fx_t *fx, sb_sqlite_group_t *g, tjob_t *a, tjob_t *b, int first_fails)
{
    pthread_t ta, tb;
    sb_store_error_t err;
    int waited;

    assert_int_equal(sqlite3_exec(SB_SQLITE(fx->conn)->db,
                                  "CREATE TABLE IF NOT EXISTS group_rows (v INTEGER)", NULL, NULL,
                                  NULL),
                     SQLITE_OK);
    a->job.run = b->job.run = tjob_run;
    a->g = b->g = g;
    assert_int_equal(sb_store_acquire(fx->store, fx->spool, &a->conn, &err), SB_STORE_OK);
    assert_int_equal(sb_store_acquire(fx->store, fx->spool, &b->conn, &err), SB_STORE_OK);
    a->value = 1;
    a->fail = first_fails;
    b->value = 2;
    a->wait_for = 1;
    assert_int_equal(pthread_create(&ta, NULL, tjob_thread, a), 0);
    for (waited = 0; !a->running; waited += 2) { /* a leads and is inside its transaction */
        assert_true(waited < 4000);
        sleep_ms(2);
    }
    assert_int_equal(pthread_create(&tb, NULL, tjob_thread, b), 0);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    return g->batches;
}

static void test_job_queued_meanwhile_joins_the_batch(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_group_t g = SB_SQLITE_GROUP_INIT;
    tjob_t a = {0}, b = {0};

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    assert_int_equal(run_pair(fx, &g, &a, &b, 0), 1); /* one transaction */
    assert_int_equal(g.jobs, 2);
    assert_int_equal(g.queued, 0);
    assert_int_equal(a.got, SB_STORE_OK);
    assert_int_equal(b.got, SB_STORE_OK);
    assert_int_equal(has_row(fx, 1), 1);
    assert_int_equal(has_row(fx, 2), 1);
}

static void test_lone_first_job_fails_alone(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_group_t g = SB_SQLITE_GROUP_INIT;
    tjob_t a = {0}, b = {0};

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    assert_int_equal(run_pair(fx, &g, &a, &b, 1), 2); /* b waited for the next batch */
    assert_int_equal(g.jobs, 2);
    assert_int_equal(a.got, SB_STORE_REFUSED);
    assert_int_equal(a.job.err.status, SB_STORE_REFUSED);
    assert_int_equal(b.got, SB_STORE_OK);
    assert_int_equal(has_row(fx, 1), 0); /* its insert was rolled back */
    assert_int_equal(has_row(fx, 2), 1);
}

/* The leader cannot get the write turn within its busy timeout: its job fails alone, and the
 * job waiting behind it is handed the lead (woken) and stored once the turn is free. */
static void test_failed_leader_hands_over(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_group_t g = SB_SQLITE_GROUP_INIT;
    tjob_t a = {0}, b = {0};
    sb_store_conn_t *hold;
    sb_store_error_t err;
    pthread_t ta, tb;
    int waited;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    assert_int_equal(sqlite3_exec(SB_SQLITE(fx->conn)->db,
                                  "CREATE TABLE IF NOT EXISTS group_rows (v INTEGER)", NULL, NULL,
                                  NULL),
                     SQLITE_OK);
    a.job.run = b.job.run = tjob_run;
    a.g = b.g = &g;
    a.value = 1;
    b.value = 2;
    assert_int_equal(sb_store_acquire(fx->store, fx->spool, &hold, &err), SB_STORE_OK);
    assert_int_equal(sb_store_acquire(fx->store, fx->spool, &a.conn, &err), SB_STORE_OK);
    assert_int_equal(sb_store_acquire(fx->store, fx->spool, &b.conn, &err), SB_STORE_OK);
    SB_SQLITE(a.conn)->busy_timeout_ms = 3000;
    SB_SQLITE(b.conn)->busy_timeout_ms = 120000;
    assert_int_equal(sb_sqlite_begin(SB_SQLITE(hold), &err), SB_STORE_OK);
    assert_int_equal(pthread_create(&ta, NULL, tjob_thread, &a), 0);
    for (waited = 0; queued(&g) < 1; waited += 2) { /* a leads: it waits for the turn */
        assert_true(waited < 4000);
        sleep_ms(2);
    }
    assert_int_equal(pthread_create(&tb, NULL, tjob_thread, &b), 0);
    for (waited = 0; queued(&g) < 2; waited += 2) { /* b queues behind a, well before a fails */
        assert_true(waited < 2000);
        sleep_ms(2);
    }
    pthread_join(ta, NULL);
    assert_int_not_equal(a.got, SB_STORE_OK);
    assert_int_equal(queued(&g), 1); /* b waits on, now leading and waiting for the turn */
    assert_int_equal(sb_sqlite_commit(SB_SQLITE(hold), &err), SB_STORE_OK);
    pthread_join(tb, NULL);
    assert_int_equal(b.got, SB_STORE_OK);
    assert_int_equal(has_row(fx, 1), 0);
    assert_int_equal(has_row(fx, 2), 1);
    assert_int_equal(g.batches, 1);
}

/* A group of no store of its own (a static one) runs its batches on the store's writer
 * connection, the same one for every group, with the turn handed to it and given back: not on
 * the leader's pooled connection. The writer keeps no memory map; every connection keeps its
 * temporary storage (statement journals) in memory. */
static int64_t pragma_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *q;
    int64_t v;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

static void test_groups_share_the_store_writer(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_group_t g1 = SB_SQLITE_GROUP_INIT, g2 = SB_SQLITE_GROUP_INIT;
    tjob_t a = {0}, b = {0};
    sb_sqlite_conn_t *w;
    sb_store_error_t err;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    assert_int_equal(sqlite3_exec(SB_SQLITE(fx->conn)->db,
                                  "CREATE TABLE IF NOT EXISTS group_rows (v INTEGER)", NULL, NULL,
                                  NULL),
                     SQLITE_OK);
    a.job.run = b.job.run = tjob_run;
    a.g = &g1;
    b.g = &g2;
    a.value = 1;
    b.value = 2;
    a.conn = b.conn = fx->conn;
    assert_int_equal(sb_sqlite_group_run(&g1, SB_SQLITE(fx->conn), &a.job, &err), SB_STORE_OK);
    assert_int_equal(sb_sqlite_group_run(&g2, SB_SQLITE(fx->conn), &b.job, &err), SB_STORE_OK);
    w = sb_sqlite_writer_conn(SB_SQLITE(fx->conn)->writer);
    assert_non_null(w);
    assert_ptr_equal(a.ran_on, w);
    assert_ptr_equal(b.ran_on, w);
    assert_ptr_not_equal(w, SB_SQLITE(fx->conn));
    assert_int_equal(g1.writers + g2.writers, 1);
    assert_int_equal(has_row(fx, 1), 1);
    assert_int_equal(has_row(fx, 2), 1);
    /* the turn is free again, and was never the pooled connection's to give */
    assert_false(w->holds_write);
    assert_false(SB_SQLITE(fx->conn)->holds_write);
    assert_int_equal(sb_sqlite_begin(SB_SQLITE(fx->conn), &err), SB_STORE_OK);
    assert_int_equal(sb_sqlite_commit(SB_SQLITE(fx->conn), &err), SB_STORE_OK);
    assert_int_equal(pragma_int(w->db, "PRAGMA mmap_size"), 0);
    assert_int_equal(pragma_int(w->db, "PRAGMA temp_store"), 2); /* MEMORY */
    assert_int_equal(pragma_int(SB_SQLITE(fx->conn)->db, "PRAGMA temp_store"), 2);
}

/* A store opened with no_memory_map (the daemon's) reads with pread on every pooled
 * connection; one opened without keeps the map (sqlite_conn.c's mmap_size). */
static void test_no_memory_map_store_reads_without_the_map(void **state)
{
    FX_BEGIN(state);
    sb_store_options_t o = {.no_memory_map = 1};
    sb_store_t *store;
    sb_store_conn_t *conn;
    sb_store_error_t err;
    apr_pool_t *sp;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    assert_true(pragma_int(SB_SQLITE(fx->conn)->db, "PRAGMA mmap_size") > 0);
    assert_int_equal(apr_pool_create(&sp, fx->pool), APR_SUCCESS);
    assert_int_equal(sb_store_open(sp, fx->uri, &o, &store, &err), SB_STORE_OK);
    assert_int_equal(sb_store_acquire(store, sp, &conn, &err), SB_STORE_OK);
    assert_int_equal(pragma_int(SB_SQLITE(conn)->db, "PRAGMA mmap_size"), 0);
    assert_int_equal(sb_store_ping(conn, &err), SB_STORE_OK);
    apr_pool_destroy(sp);
}

#define FX_SUITE(d)                                                                                \
    FX_TEST(test_job_queued_meanwhile_joins_the_batch, d),                                         \
        FX_TEST(test_lone_first_job_fails_alone, d), FX_TEST(test_failed_leader_hands_over, d),    \
        FX_TEST(test_groups_share_the_store_writer, d),                                            \
        FX_TEST(test_no_memory_map_store_reads_without_the_map, d)

static const struct CMUnitTest tests[] = {
    FX_SUITE(sqlite),
};

FX_MAIN("store_group", tests)

/*
 * SQLite driver: checkpoints outside the write turn (sqlite_checkpoint.c). A store's
 * connections never checkpoint themselves: a commit that finds the WAL grown far enough has
 * the store's checkpointer connection copy it back, after the turn is given back (a group
 * commit's leader: after waking its batch). A checkpoint is asked for again only once
 * the WAL has grown by SB_SQLITE_CHECKPOINT_PAGES frames past what the last one copied back,
 * and a checkpointer (or write-turn holder) that dies does not stop writers or checkpoints.
 * A due checkpoint does not run in the commit's own store call but once its answer is out
 * (sb_sqlite_after_answer, run when the connection is given back), or at a later commit of a
 * connection that is never given back.
 */
#include "sb_store_fixture.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "driver.h"
#include "sqlite_group.h"
#include "sqlite_int.h"

static void sleep_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};

    nanosleep(&ts, NULL);
}

/* One write transaction on sc of rows pages-sized rows (about one WAL frame each). */
static void write_pages(sb_sqlite_conn_t *sc, int rows)
{
    sb_store_error_t err;
    char sql[192];

    assert_int_equal(sb_sqlite_begin(sc, &err), SB_STORE_OK);
    assert_int_equal(
        sqlite3_exec(sc->db, "CREATE TABLE IF NOT EXISTS ckpt_rows (b BLOB)", NULL, NULL, NULL),
        SQLITE_OK);
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %d)"
             " INSERT INTO ckpt_rows SELECT zeroblob(3900) FROM k",
             rows);
    assert_int_equal(sqlite3_exec(sc->db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sb_sqlite_commit(sc, &err), SB_STORE_OK);
}

static void counts(sb_fx_t *fx, int64_t *pokes, int64_t *runs)
{
    sb_sqlite_ckpt_counts(SB_SQLITE(fx->conn)->ckpt, pokes, runs);
}

/* Until the checkpointer has run at least runs checkpoints and copied back at least done
 * frames (it runs in the committing thread: bounded, the bound only stops a broken build). */
static void wait_checkpoint(sb_fx_t *fx, int64_t runs, uint32_t done)
{
    int64_t p, r;
    int waited;

    for (waited = 0;; waited += 5) {
        counts(fx, &p, &r);
        if (r >= runs && sb_sqlite_ckpt_done(SB_SQLITE(fx->conn)->turn) >= done) {
            return;
        }
        assert_true(waited < 30000);
        sleep_ms(5);
    }
}

/* A group step writing 300 page-sized rows. */
static sb_store_status_t big_step(sb_sqlite_conn_t *sc, sb_sqlite_group_job_t *j)
{
    (void)j;
    return sqlite3_exec(sc->db,
                        "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k"
                        " WHERE i < 300) INSERT INTO ckpt_rows SELECT zeroblob(3900) FROM k",
                        NULL, NULL, NULL)
                   == SQLITE_OK
               ? SB_STORE_OK
               : SB_STORE_ERROR;
}

static void test_commits_leave_checkpoints_to_the_checkpointer(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_group_t g = SB_SQLITE_GROUP_INIT;
    sb_sqlite_group_job_t j = {0};
    sb_sqlite_conn_t *sc = SB_SQLITE(fx->conn), *w;
    sb_store_error_t err;
    int64_t pokes, runs;
    int i;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    assert_non_null(sc->ckpt);
    for (i = 0; i < 4; i++) {
        write_pages(sc, 200); /* 800 frames by the request's connection */
    }
    j.run = big_step; /* and 300 more by a batch on the store's writer */
    assert_int_equal(sb_sqlite_group_run(&g, sc, &j, &err), SB_STORE_OK);
    sb_sqlite_after_answer(sc);
    wait_checkpoint(fx, 1, SB_SQLITE_CHECKPOINT_PAGES);
    counts(fx, &pokes, &runs);
    assert_true(pokes >= 1);
    w = sb_sqlite_writer_conn(sc->writer);
    assert_non_null(w);
    assert_int_equal(sc->checkpoints, 0); /* neither committer checkpointed itself */
    assert_int_equal(w->checkpoints, 0);
}

static void test_checkpoint_asked_again_only_after_growth(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_conn_t *sc = SB_SQLITE(fx->conn);
    sb_store_conn_t *reader;
    sb_store_error_t err;
    int64_t pokes, runs, p2, r2;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    assert_int_equal(sb_store_acquire(fx->store, fx->spool, &reader, &err), SB_STORE_OK);
    write_pages(sc, 10);
    /* the checkpointer's lock held here: the checkpoint asked for by this write waits */
    assert_int_equal(sb_sqlite_ckpt_try(sc->turn), 0);
    write_pages(sc, 1100);
    /* a reader of this snapshot keeps the WAL from being started over */
    assert_int_equal(sb_sqlite_begin_read(SB_SQLITE(reader), &err), SB_STORE_OK);
    assert_int_equal(
        sqlite3_exec(SB_SQLITE(reader)->db, "SELECT count(*) FROM ckpt_rows", NULL, NULL, NULL),
        SQLITE_OK);
    sb_sqlite_ckpt_release(sc->turn, sb_sqlite_ckpt_done(sc->turn));
    write_pages(sc, 5); /* asks again, and this time it runs */
    sb_sqlite_after_answer(sc);
    wait_checkpoint(fx, 1, 1100);
    counts(fx, &pokes, &runs);
    /* the WAL is long, but what could be copied back has been: no new request */
    write_pages(sc, 5);
    write_pages(sc, 5);
    counts(fx, &p2, &r2);
    assert_int_equal(p2, pokes);
    /* a WAL grown by the threshold since asks again */
    sb_sqlite_rollback(SB_SQLITE(reader));
    write_pages(sc, SB_SQLITE_CHECKPOINT_PAGES + 10);
    sb_sqlite_after_answer(sc);
    counts(fx, &p2, &r2);
    assert_true(p2 > pokes);
    wait_checkpoint(fx, runs + 1, 2 * SB_SQLITE_CHECKPOINT_PAGES);
    assert_int_equal(sc->checkpoints, 0);
}

/* A child process takes the checkpointer's lock and the write turn (as a checkpointer
 * restarting the WAL does), says so through the pipe, and waits to be killed. */
static pid_t dying_checkpointer(sb_fx_t *fx)
{
    int p[2];
    char ok = 0;
    pid_t pid;

    sb_fx_close(fx); /* no connection crosses the fork */
    assert_int_equal(pipe(p), 0);
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sb_store_error_t err;

        close(p[0]);
        if (sb_fx_open(fx, 0) == 0 && sb_sqlite_ckpt_try(SB_SQLITE(fx->conn)->turn) == 0
            && sb_sqlite_begin(SB_SQLITE(fx->conn), &err) == SB_STORE_OK) {
            ok = 1;
        }
        if (write(p[1], &ok, 1) != 1) {
            _exit(2);
        }
        for (;;) {
            pause();
        }
    }
    close(p[1]);
    assert_int_equal(read(p[0], &ok, 1), 1);
    close(p[0]);
    assert_int_equal(ok, 1);
    assert_int_equal(sb_fx_open(fx, 0), 0);
    return pid;
}

static void test_dead_checkpointer_wedges_nothing(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_conn_t *sc;
    int status = 0;
    pid_t pid;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    pid = dying_checkpointer(fx);
    sc = SB_SQLITE(fx->conn);
    assert_int_not_equal(sb_sqlite_ckpt_try(sc->turn), 0); /* held by the child */
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    sc->busy_timeout_ms = 3000;
    write_pages(sc, 600); /* the write turn is taken over */
    write_pages(sc, 600);
    sb_sqlite_after_answer(sc);
    wait_checkpoint(fx, 1, SB_SQLITE_CHECKPOINT_PAGES); /* and so is the checkpointer's lock */
    assert_int_equal(sc->checkpoints, 0);
}

/* The commit (a request's, and a group commit's leader's) that makes a checkpoint due returns
 * without running it; its connection runs it once given back, after the answer. */
static void test_due_checkpoint_runs_after_the_answer(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_group_t g = SB_SQLITE_GROUP_INIT;
    sb_sqlite_group_job_t j = {0};
    sb_sqlite_conn_t *sc = SB_SQLITE(fx->conn), *other;
    sb_store_conn_t *conn;
    sb_store_error_t err;
    apr_pool_t *req;
    int64_t pokes, runs;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    write_pages(sc, 800);
    assert_int_equal(sc->ckpt_after, 0); /* not due yet */
    j.run = big_step;                    /* the batch that crosses the threshold, led by sc */
    assert_int_equal(sb_sqlite_group_run(&g, sc, &j, &err), SB_STORE_OK);
    counts(fx, &pokes, &runs);
    assert_int_equal(pokes, 0); /* the leader's call returned without checkpointing */
    assert_int_equal(runs, 0);
    assert_true(sc->ckpt_after >= SB_SQLITE_CHECKPOINT_PAGES);
    sb_sqlite_after_answer(sc);
    counts(fx, &pokes, &runs);
    assert_int_equal(runs, 1);
    assert_int_equal(sc->ckpt_after, 0);
    assert_int_equal(sb_sqlite_ckpt_ran_on(sc->ckpt), gettid()); /* on the answering thread */

    /* a request's connection: the commit leaves it, the release on its pool runs it */
    assert_int_equal(apr_pool_create(&req, fx->pool), APR_SUCCESS);
    assert_int_equal(sb_store_acquire(fx->store, req, &conn, &err), SB_STORE_OK);
    other = SB_SQLITE(conn);
    write_pages(other, SB_SQLITE_CHECKPOINT_PAGES + 10);
    counts(fx, &pokes, &runs);
    assert_int_equal(runs, 1);
    assert_true(other->ckpt_after > 0);
    apr_pool_destroy(req);
    counts(fx, &pokes, &runs);
    assert_int_equal(runs, 2);
    assert_int_equal(sc->checkpoints, 0);
}

/* A connection never given back still checkpoints: the one it left runs at the commit after
 * the WAL has grown SB_SQLITE_CHECKPOINT_LATE_PAGES more. */
static void test_checkpoint_left_too_long_runs_at_a_commit(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_conn_t *sc = SB_SQLITE(fx->conn);
    int64_t pokes, runs;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    write_pages(sc, SB_SQLITE_CHECKPOINT_PAGES + 10);
    write_pages(sc, SB_SQLITE_CHECKPOINT_LATE_PAGES / 2); /* still waits */
    counts(fx, &pokes, &runs);
    assert_int_equal(runs, 0);
    write_pages(sc, SB_SQLITE_CHECKPOINT_LATE_PAGES / 2 + 10);
    counts(fx, &pokes, &runs);
    assert_int_equal(runs, 1);
    assert_int_equal(sc->ckpt_after, 0);
}

/* The name of thread tid of this process ("" when there is no such thread). */
static void thread_name(pid_t tid, char *name, size_t n)
{
    char path[64];
    FILE *f;

    snprintf(path, sizeof path, "/proc/self/task/%d/comm", (int)tid);
    name[0] = '\0';
    if ((f = fopen(path, "r"))) {
        if (fgets(name, (int)n, f)) {
            name[strcspn(name, "\n")] = '\0';
        }
        fclose(f);
    }
}

/* A store opened with background_checkpoints (the daemon's) hands the due checkpoint to a
 * thread of its checkpointer's own, so the thread giving the connection back goes on at once;
 * closing the store stops and joins that thread. */
static void test_background_checkpoints_run_on_their_own_thread(void **state)
{
    FX_BEGIN(state);
    sb_store_options_t o = {.background_checkpoints = 1};
    sb_store_t *store;
    sb_store_conn_t *conn;
    sb_sqlite_conn_t *bc;
    sb_sqlite_ckpt_t *c;
    sb_store_error_t err;
    apr_pool_t *sp, *req;
    int64_t pokes, runs;
    pid_t tid;
    char name[32];
    int waited;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    assert_int_equal(apr_pool_create(&sp, fx->pool), APR_SUCCESS);
    assert_int_equal(sb_store_open(sp, fx->uri, &o, &store, &err), SB_STORE_OK);
    assert_int_equal(apr_pool_create(&req, sp), APR_SUCCESS);
    assert_int_equal(sb_store_acquire(store, req, &conn, &err), SB_STORE_OK);
    bc = SB_SQLITE(conn);
    c = bc->ckpt;
    write_pages(bc, SB_SQLITE_CHECKPOINT_PAGES + 10);
    assert_true(bc->ckpt_after > 0);
    apr_pool_destroy(req); /* the answer is out: the due checkpoint is handed over */
    for (waited = 0;; waited += 5) {
        sb_sqlite_ckpt_counts(c, &pokes, &runs);
        if (runs >= 1) {
            break;
        }
        assert_true(waited < 30000);
        sleep_ms(5);
    }
    tid = sb_sqlite_ckpt_ran_on(c);
    assert_true(tid != 0 && tid != gettid());
    thread_name(tid, name, sizeof name);
    assert_string_equal(name, "sb-checkpoint");
    assert_true(sb_sqlite_ckpt_done(bc->turn) >= SB_SQLITE_CHECKPOINT_PAGES);
    assert_int_equal(bc->checkpoints, 0); /* the connection never checkpointed itself */
    apr_pool_destroy(sp);
    thread_name(tid, name, sizeof name);
    assert_string_equal(name, ""); /* joined with the store */
}

static const struct CMUnitTest tests[] = {
    FX_TEST(test_commits_leave_checkpoints_to_the_checkpointer, sqlite),
    FX_TEST(test_checkpoint_asked_again_only_after_growth, sqlite),
    FX_TEST(test_dead_checkpointer_wedges_nothing, sqlite),
    FX_TEST(test_due_checkpoint_runs_after_the_answer, sqlite),
    FX_TEST(test_checkpoint_left_too_long_runs_at_a_commit, sqlite),
    FX_TEST(test_background_checkpoints_run_on_their_own_thread, sqlite),
};

FX_MAIN("store_checkpoint", tests)

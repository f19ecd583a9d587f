/*
 * SQLite driver: the write turn is shared by every process of a database file
 * (sqlite_turn.c), and a process that dies holding it does not block the others.
 */
#include "sb_store_fixture.h"

#include <signal.h>
#include <sys/time.h>

#include "driver.h"
#include "sqlite_int.h"

static int64_t ms_now(void)
{
    struct timeval tv;

    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* A child process opens the store, takes the write turn inside a transaction that sends a
 * message from a to b, tells the parent through the pipe, and waits to be killed. */
static pid_t holder(sb_fx_t *fx, const char *msg_id, const char *a, const char *b)
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
        sb_message_t m;
        close(p[0]);
        if (sb_fx_open(fx, 0) == 0 && sb_sqlite_begin(SB_SQLITE(fx->conn), &err) == SB_STORE_OK) {
            memset(&m, 0, sizeof m);
            apr_cpystrn(m.id, msg_id, sizeof m.id);
            apr_cpystrn(m.sender_id, a, sizeof m.sender_id);
            apr_cpystrn(m.receiver_id, b, sizeof m.receiver_id);
            m.content = "never committed";
            m.message_type = "text";
            m.created_at = NOW;
            if (sb_sqlite_message_insert(SB_SQLITE(fx->conn), &m, &err) == SB_STORE_OK) {
                ok = 1;
            }
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

static void reap(pid_t pid)
{
    int status = 0;

    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
}

/* While another process holds the turn, a writer here waits on the turn itself (not on
 * SQLite's lock) and gives up after its busy timeout. */
static void test_turn_is_shared_between_processes(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@example.org"),
              *b = mk_user(fx, "ben", "ben@example.org");
    char id[SB_ID_LEN + 1];
    sb_store_error_t err;
    pid_t pid;
    int64_t t0;

    sb_id_new(id);
    pid = holder(fx, id, a->id, b->id);
    SB_SQLITE(fx->conn)->busy_timeout_ms = 200;
    t0 = ms_now();
    assert_int_equal(sb_sqlite_begin(SB_SQLITE(fx->conn), &err), SB_STORE_UNAVAILABLE);
    assert_true(ms_now() - t0 >= 150);
    assert_non_null(strstr(err.message, "write turn"));
    reap(pid);
}

/* The holder is killed: the next writer takes the turn over at once, and the dead holder's
 * transaction left nothing behind. */
static void test_dead_holder_turn_is_taken_over(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@example.org"),
              *b = mk_user(fx, "ben", "ben@example.org");
    char id[SB_ID_LEN + 1], id2[SB_ID_LEN + 1];
    sb_message_new_t nm = {id2, a->id, b->id, "after", "text", NULL};
    sb_store_error_t err;
    sb_message_t *m;
    pid_t pid;
    int64_t t0;

    sb_id_new(id);
    pid = holder(fx, id, a->id, b->id);
    reap(pid);
    SB_SQLITE(fx->conn)->busy_timeout_ms = 3000;
    sb_id_new(id2);
    t0 = ms_now();
    assert_int_equal(sb_store_message_send(fx->conn, &nm, NULL, 0, NULL, NOW + 1, NULL, &err),
                     SB_STORE_OK);
    assert_true(ms_now() - t0 < 1000); /* not the busy timeout: taken over */
    assert_int_equal(sb_store_message_get(fx->conn, fx->pool, id, &m, &err), SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_message_get(fx->conn, fx->pool, id2, &m, &err), SB_STORE_OK);
    /* and it is an ordinary turn again */
    assert_int_equal(sb_sqlite_begin(SB_SQLITE(fx->conn), &err), SB_STORE_OK);
    assert_int_equal(sb_sqlite_commit(SB_SQLITE(fx->conn), &err), SB_STORE_OK);
}

static const struct CMUnitTest tests[] = {
    FX_TEST(test_turn_is_shared_between_processes, sqlite),
    FX_TEST(test_dead_holder_turn_is_taken_over, sqlite),
};

FX_MAIN("store_turn", tests)

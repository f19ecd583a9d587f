/*
 * SQLite driver: group commit of session transitions (sqlite_session_act.c over
 * sqlite_group.c). Ends that queue while the write turn is taken go into one transaction and
 * each keeps its own outcome: a refused or stale one changes nothing and answers its own
 * error, the others are all settled once, with their ledger rows, totals, outbox events and
 * notifications; the ledger stays balanced.
 */
#include "sb_store_fixture.h"

#include <pthread.h>
#include <time.h>

#include "driver.h"
#include "sqlite_int.h"
#include "sqlite_session_int.h"

#define MIN   (60LL * 1000)
#define T0    (NOW + 48 * HOUR)
#define NENDS 8

typedef struct {
    sb_store_conn_t *conn;
    apr_pool_t *pool;
    char id[SB_ID_LEN + 1], nid[SB_ID_LEN + 1];
    int64_t now;
    sb_session_act_t a;
    sb_session_news_t news; /* one event and a notification */
    sb_session_t *out;
    sb_store_status_t got;
    sb_store_error_t err;
} ender_t;

static void *end_thread(void *arg)
{
    ender_t *e = arg;

    e->got = sb_store_session_act(e->conn, e->pool, &e->a, e->now, &e->out, &e->err);
    return NULL;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};

    nanosleep(&ts, NULL);
}

static void must(sb_fx_t *fx, const char *id, const char *actor, sb_session_action_t action,
                 int64_t now)
{
    sb_session_act_t a = {.id = id, .actor_id = actor, .action = action};
    sb_store_error_t err;

    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &a, now, NULL, &err), SB_STORE_OK);
}

/* A 60-minute session of teacher t and learner l at start, both joined at start. */
static void in_progress(sb_fx_t *fx, const sb_user_t *t, const sb_user_t *l, int64_t start,
                        char *id)
{
    fx_book(fx, t->id, l->id, start, id);
    must(fx, id, t->id, SB_SESSION_ACCEPT, NOW);
    must(fx, id, t->id, SB_SESSION_START, start);
    must(fx, id, l->id, SB_SESSION_START, start);
}

static int64_t count(sb_fx_t *fx, const char *sql)
{
    sqlite3_stmt *q;
    int64_t n;

    assert_int_equal(sqlite3_prepare_v2(SB_SQLITE(fx->conn)->db, sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    n = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return n;
}

static void test_queued_ends_commit_together(void **state)
{
    FX_BEGIN(state);
    sb_user_t *t = mk_user(fx, "teach", "teach@example.org"),
              *l = mk_user(fx, "learn", "learn@example.org");
    sb_user_t *z = mk_user(fx, "zed", "zed@example.org");
    ender_t e[NENDS];
    pthread_t th[NENDS];
    sb_sqlite_act_stats_t before, now;
    sb_credit_balance_t bt, bl;
    sb_store_conn_t *hold;
    sb_store_error_t err;
    int i, waited, ok = 0;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    /* four sessions of three hours apart: 300 credits hold four hours */
    for (i = 0; i < NENDS; i++) {
        memset(&e[i], 0, sizeof e[i]);
        if (i < 4) {
            in_progress(fx, t, l, T0 + i * 3 * HOUR, e[i].id);
        }
    }
    memcpy(e[4].id, e[0].id, sizeof e[4].id); /* the same session twice: settled once */
    memcpy(e[5].id, e[1].id, sizeof e[5].id);
    memcpy(e[6].id, e[2].id, sizeof e[6].id);
    memcpy(e[7].id, e[3].id, sizeof e[7].id);
    /* another connection holds the write turn: every end below queues behind it */
    assert_int_equal(sb_store_acquire(fx->store, fx->spool, &hold, &err), SB_STORE_OK);
    assert_int_equal(sb_sqlite_begin(SB_SQLITE(hold), &err), SB_STORE_OK);
    sb_sqlite_act_stats(&before);
    for (i = 0; i < NENDS; i++) {
        assert_int_equal(sb_store_acquire(fx->store, fx->spool, &e[i].conn, &err), SB_STORE_OK);
        assert_int_equal(apr_pool_create(&e[i].pool, fx->pool), APR_SUCCESS);
        e[i].a = (sb_session_act_t){.id = e[i].id,
                                    .actor_id = i == 6  ? z->id
                                                : i % 2 ? t->id
                                                        : l->id,
                                    .action = SB_SESSION_END,
                                    .describe = fixed_news,
                                    .describe_ctx = &e[i].news};
        e[i].news = (sb_session_news_t){{{l->id, "session:ended", "{}"}}, 1, {0}, 1};
        e[i].now = T0 + (i % 4) * 3 * HOUR + 30 * MIN; /* 30 minutes after its start */
        sb_id_new(e[i].nid);
        e[i].news.notify.id = e[i].nid;
        e[i].news.notify.user_id = t->id;
        e[i].news.notify.body = "";
        e[i].news.notify.event_data = "{}";
        e[i].news.notify.type = "session_ended";
        e[i].news.notify.title = "ended";
        e[i].news.notify.subject_id = e[i].id;
    }
    for (i = 0; i < NENDS; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, end_thread, &e[i]), 0);
        if (i == 3) {
            /* the first four queue before their repeats (FIFO), so each repeat meets its
             * session completed by its own batch */
            for (waited = 0;; waited += 5) {
                sb_sqlite_act_stats(&now);
                if (now.queued == 4) {
                    break;
                }
                assert_true(waited < 4000);
                sleep_ms(5);
            }
        }
    }
    for (waited = 0;; waited += 5) {
        sb_sqlite_act_stats(&now);
        if (now.queued == NENDS) {
            break;
        }
        assert_true(waited < 4000);
        sleep_ms(5);
    }
    assert_int_equal(now.batches, before.batches);
    assert_int_equal(sb_sqlite_commit(SB_SQLITE(hold), &err), SB_STORE_OK);
    for (i = 0; i < NENDS; i++) {
        pthread_join(th[i], NULL);
    }
    sb_sqlite_act_stats(&now);
    assert_int_equal(now.batches - before.batches, 1); /* one transaction for all of them */
    assert_int_equal(now.jobs - before.jobs, NENDS);
    assert_int_equal(now.queued, 0);

    for (i = 0; i < NENDS; i++) {
        if (i < 4) {
            assert_int_equal(e[i].got, SB_STORE_OK);
            assert_string_equal(e[i].out->status, "completed");
            assert_int_equal(e[i].out->credits_exchanged, 30);
            ok++;
        }
        else if (i == 6) {
            assert_int_equal(e[i].got, SB_STORE_NOT_FOUND); /* not a participant */
        }
        else {
            assert_int_equal(e[i].got, SB_STORE_STALE);
            assert_string_equal(e[i].err.field, "completed");
        }
    }
    /* each settled once: 30 minutes paid, 30 back, the totals of both moved */
    assert_int_equal(sb_store_credit_balance(fx->conn, t->id, &bt, &err), SB_STORE_OK);
    assert_int_equal(sb_store_credit_balance(fx->conn, l->id, &bl, &err), SB_STORE_OK);
    assert_int_equal(bt.available, 300 + ok * 30);
    assert_int_equal(bt.total_earned, ok * 30);
    assert_int_equal(bt.minutes_taught, ok * 30);
    assert_int_equal(bl.available, 300 - ok * 30);
    assert_int_equal(bl.held, 0);
    assert_int_equal(bl.total_spent, ok * 30);
    assert_int_equal(bl.minutes_learned, ok * 30);
    assert_int_equal(count(fx, "SELECT count(*) FROM credit_transactions"
                               " WHERE idem_key LIKE '%:settle:%'"),
                     2 * ok);
    /* the events and notifications of the stored ends only */
    assert_int_equal(count(fx, "SELECT count(*) FROM outbox WHERE type = 'session:ended'"), ok);
    assert_int_equal(count(fx, "SELECT count(*) FROM notifications WHERE type = 'session_ended'"),
                     ok);
    assert_balanced(fx);
}

/* A transition that cannot get the write turn within the busy timeout fails alone
 * (UNAVAILABLE) and changes nothing; once the turn is free it applies. */
static void test_no_turn_fails_that_transition(void **state)
{
    FX_BEGIN(state);
    sb_user_t *t = mk_user(fx, "teach", "teach@example.org"),
              *l = mk_user(fx, "learn", "learn@example.org");
    char id[SB_ID_LEN + 1];
    sb_session_act_t a = {.id = id, .actor_id = l->id, .action = SB_SESSION_END};
    sb_store_conn_t *hold;
    sb_store_error_t err;
    sb_session_t *s;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    in_progress(fx, t, l, T0, id);
    assert_int_equal(sb_store_acquire(fx->store, fx->spool, &hold, &err), SB_STORE_OK);
    SB_SQLITE(hold)->busy_timeout_ms = 50;
    SB_SQLITE(fx->conn)->busy_timeout_ms = 50;
    assert_int_equal(sb_sqlite_begin(SB_SQLITE(hold), &err), SB_STORE_OK);
    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &a, T0 + HOUR, NULL, &err),
                     SB_STORE_UNAVAILABLE);
    sb_sqlite_rollback(SB_SQLITE(hold));
    assert_int_equal(sb_store_session_get(fx->conn, fx->pool, id, &s, &err), SB_STORE_OK);
    assert_string_equal(s->status, "in_progress");
    assert_int_equal(sb_store_session_act(fx->conn, fx->pool, &a, T0 + HOUR, &s, &err),
                     SB_STORE_OK);
    assert_string_equal(s->status, "completed");
    assert_int_equal(s->credits_exchanged, 60);
    assert_balanced(fx);
}

#define FX_SUITE(d)                                                                                \
    FX_TEST(test_queued_ends_commit_together, d), FX_TEST(test_no_turn_fails_that_transition, d)

static const struct CMUnitTest tests[] = {
    FX_SUITE(sqlite),
};

FX_MAIN("store_session_batch", tests)

/*
 * SQLite driver: group commit of sends (sqlite_send.c). Sends that queue while the write turn
 * is taken go into one transaction, and each keeps its own outcome: the refused ones change
 * nothing and answer their own error, the others are all stored, with their summaries,
 * counters and outbox events in order.
 */
#include "sb_store_fixture.h"

#include <pthread.h>
#include <time.h>

#include "driver.h"
#include "sqlite_int.h"

#define NSEND 8

typedef struct {
    sb_store_conn_t *conn;
    sb_message_new_t m;
    char id[SB_ID_LEN + 1];
    sb_outbox_event_t ev;
    sb_store_status_t got;
    sb_store_error_t err;
} sender_t;

static void *send_thread(void *arg)
{
    sender_t *s = arg;

    s->got = sb_store_message_send(s->conn, &s->m, &s->ev, 1, NULL, NOW + 1, NULL, &s->err);
    return NULL;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {0, ms * 1000000L};

    nanosleep(&ts, NULL);
}

static void test_queued_sends_commit_together(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@example.org"),
              *b = mk_user(fx, "ben", "ben@example.org");
    sb_user_t *c = mk_user(fx, "cyd", "cyd@example.org");
    sender_t s[NSEND];
    pthread_t th[NSEND];
    sb_sqlite_send_stats_t before, now;
    sb_store_conn_t *hold;
    apr_array_header_t *rows;
    sb_store_error_t err;
    int64_t total, unread;
    int i, waited;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    assert_int_equal(sb_store_user_block(fx->conn, c->id, a->id, NOW, &err), SB_STORE_OK);
    /* another connection holds the write turn: every send below queues behind it */
    assert_int_equal(sb_store_acquire(fx->store, fx->spool, &hold, &err), SB_STORE_OK);
    assert_int_equal(sb_sqlite_begin(SB_SQLITE(hold), &err), SB_STORE_OK);
    sb_sqlite_send_stats(&before);
    for (i = 0; i < NSEND; i++) {
        memset(&s[i], 0, sizeof s[i]);
        assert_int_equal(sb_store_acquire(fx->store, fx->spool, &s[i].conn, &err), SB_STORE_OK);
        sb_id_new(s[i].id);
        s[i].m = (sb_message_new_t){s[i].id, a->id, b->id, "hi", "text", NULL};
        s[i].ev = (sb_outbox_event_t){b->id, "message:received", "{}"};
    }
    s[2].m.receiver_id = c->id;                      /* c blocked a: refused */
    s[5].m.reply_to = "0123456789abcdef01234567";    /* no such message: refused */
    s[6].m.receiver_id = "00000000000000000000000f"; /* unknown receiver */
    for (i = 0; i < NSEND; i++) {
        assert_int_equal(pthread_create(&th[i], NULL, send_thread, &s[i]), 0);
    }
    /* every send waits: one leads and waits for the turn, the others are queued */
    for (waited = 0;; waited += 5) {
        sb_sqlite_send_stats(&now);
        if (now.queued == NSEND) {
            break;
        }
        assert_true(waited < 4000);
        sleep_ms(5);
    }
    assert_int_equal(now.batches, before.batches);
    assert_int_equal(sb_sqlite_commit(SB_SQLITE(hold), &err), SB_STORE_OK);
    for (i = 0; i < NSEND; i++) {
        pthread_join(th[i], NULL);
    }
    sb_sqlite_send_stats(&now);
    assert_int_equal(now.batches - before.batches, 1); /* one transaction for all of them */
    assert_int_equal(now.jobs - before.jobs, NSEND);
    assert_int_equal(now.queued, 0);
    /* on the store's writer connection, opened for the first batch (not the leader's own) */
    assert_int_equal(now.writers - before.writers, 1);

    for (i = 0; i < NSEND; i++) {
        sb_message_t *m;
        sb_store_status_t want = i == 2             ? SB_STORE_REFUSED
                                 : i == 5 || i == 6 ? SB_STORE_NOT_FOUND
                                                    : SB_STORE_OK;
        assert_int_equal(s[i].got, want);
        assert_int_equal(sb_store_message_get(fx->conn, fx->pool, s[i].id, &m, &err),
                         want == SB_STORE_OK ? SB_STORE_OK : SB_STORE_NOT_FOUND);
    }
    assert_string_equal(s[5].err.field, "replyTo");
    assert_string_equal(s[6].err.field, "receiver");
    /* the five stored sends: summaries, counters and one event each, numbered 1..5 */
    assert_int_equal(sb_store_conversations_list(fx->conn, fx->pool, b->id, NOW + 10, 0, 10, &rows,
                                                 &total, &unread, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 1);
    assert_int_equal(unread, 5);
    assert_int_equal(APR_ARRAY_IDX(rows, 0, sb_conversation_t).unread, 5);
    assert_int_equal(sb_store_conversations_list(fx->conn, fx->pool, c->id, NOW + 10, 0, 10, &rows,
                                                 &total, &unread, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 0);
    assert_int_equal(sb_store_outbox_read(fx->conn, fx->pool, b->id, 0, 100, &rows, &err),
                     SB_STORE_OK);
    assert_int_equal(rows->nelts, 5);
    for (i = 0; i < rows->nelts; i++) {
        assert_int_equal(APR_ARRAY_IDX(rows, i, sb_outbox_row_t).seq, i + 1);
    }
    assert_int_equal(sb_store_outbox_read(fx->conn, fx->pool, c->id, 0, 100, &rows, &err),
                     SB_STORE_OK);
    assert_int_equal(rows->nelts, 0);
}

/* A send that cannot get the write turn within the busy timeout fails alone (UNAVAILABLE);
 * one queued after the turn is free again is stored. */
static void test_no_turn_fails_that_send(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@example.org"),
              *b = mk_user(fx, "ben", "ben@example.org");
    sb_store_conn_t *hold;
    sb_store_error_t err;
    char id[SB_ID_LEN + 1];
    sb_message_new_t m = {id, a->id, b->id, "hi", "text", NULL};
    sb_message_t *got;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    assert_int_equal(sb_store_acquire(fx->store, fx->spool, &hold, &err), SB_STORE_OK);
    SB_SQLITE(hold)->busy_timeout_ms = 50;
    SB_SQLITE(fx->conn)->busy_timeout_ms = 50;
    assert_int_equal(sb_sqlite_begin(SB_SQLITE(hold), &err), SB_STORE_OK);
    sb_id_new(id);
    assert_int_equal(sb_store_message_send(fx->conn, &m, NULL, 0, NULL, NOW, NULL, &err),
                     SB_STORE_UNAVAILABLE);
    sb_sqlite_rollback(SB_SQLITE(hold));
    assert_int_equal(sb_store_message_get(fx->conn, fx->pool, id, &got, &err), SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_message_send(fx->conn, &m, NULL, 0, NULL, NOW, NULL, &err),
                     SB_STORE_OK);
    assert_int_equal(sb_store_message_get(fx->conn, fx->pool, id, &got, &err), SB_STORE_OK);
}

/* More sends queued than one batch carries: the thread that led the first batch goes on to
 * lead the next one itself (no hand-over to a sleeping thread), every send is stored once, in
 * queue order, and the writer connection of the first batch serves the second. */
#define NMANY 66
#define NCONN 10
static void test_leader_leads_on(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@example.org"),
              *b = mk_user(fx, "ben", "ben@example.org");
    sb_store_conn_t *hold, *conns[NCONN];
    sender_t *s = apr_pcalloc(fx->pool, NMANY * sizeof *s);
    pthread_t th[NMANY];
    sb_sqlite_send_stats_t before, now;
    apr_array_header_t *rows;
    sb_store_error_t err;
    int i, waited;

    if (strcmp(fx->driver->name, "sqlite")) {
        skip();
    }
    assert_int_equal(sb_store_acquire(fx->store, fx->spool, &hold, &err), SB_STORE_OK);
    for (i = 0; i < NCONN; i++) {
        assert_int_equal(sb_store_acquire(fx->store, fx->spool, &conns[i], &err), SB_STORE_OK);
        /* the first leader waits for the turn while the others queue one by one (slow under
         * valgrind): longer than that takes */
        SB_SQLITE(conns[i])->busy_timeout_ms = 120000;
    }
    /* a send itself is run on the writer connection; the caller's gives its busy timeout */
    sb_sqlite_send_stats(&before);
    assert_int_equal(sb_sqlite_begin(SB_SQLITE(hold), &err), SB_STORE_OK);
    for (i = 0; i < NMANY; i++) {
        s[i].conn = conns[i % NCONN];
        sb_id_new(s[i].id);
        s[i].m = (sb_message_new_t){s[i].id, a->id, b->id, "hi", "text", NULL};
        s[i].ev =
            (sb_outbox_event_t){b->id, "message:received", apr_psprintf(fx->pool, "{\"n\":%d}", i)};
        assert_int_equal(pthread_create(&th[i], NULL, send_thread, &s[i]), 0);
        /* one at a time into the queue, so its order is known */
        for (waited = 0;; waited += 1) {
            sb_sqlite_send_stats(&now);
            if (now.queued == i + 1) {
                break;
            }
            assert_true(waited < 60000);
            sleep_ms(1);
        }
    }
    assert_int_equal(sb_sqlite_commit(SB_SQLITE(hold), &err), SB_STORE_OK);
    for (i = 0; i < NMANY; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(s[i].got, SB_STORE_OK);
    }
    sb_sqlite_send_stats(&now);
    assert_int_equal(now.batches - before.batches, 2);
    assert_int_equal(now.jobs - before.jobs, NMANY);
    assert_int_equal(now.led_on - before.led_on, 1);
    assert_int_equal(now.writers - before.writers, 1);
    assert_int_equal(sb_store_outbox_read(fx->conn, fx->pool, b->id, 0, 100, &rows, &err),
                     SB_STORE_OK);
    assert_int_equal(rows->nelts, NMANY);
    for (i = 0; i < NMANY; i++) {
        const sb_outbox_row_t *r = &APR_ARRAY_IDX(rows, i, sb_outbox_row_t);
        assert_int_equal(r->seq, i + 1);
        assert_string_equal(r->data, s[i].ev.data);
    }
}

#define FX_SUITE(d)                                                                                \
    FX_TEST(test_queued_sends_commit_together, d), FX_TEST(test_no_turn_fails_that_send, d),       \
        FX_TEST(test_leader_leads_on, d)

static const struct CMUnitTest tests[] = {
    FX_SUITE(sqlite),
};

FX_MAIN("store_send_batch", tests)

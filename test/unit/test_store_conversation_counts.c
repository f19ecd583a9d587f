/*
 * Store conformance: the conversation list's totals (how many conversations, how many unread
 * messages) come from counters the store keeps with every change; after any sequence of
 * sends, reads, read-alls, deletes and partner status changes they must equal a count made
 * from scratch out of the messages themselves.
 */
#include "sb_store_fixture.h"

#include <stdlib.h>

#include "sb_user_rules.h"

#define NUSERS 5
#define STEPS  400
#define LATER  (NOW + 10000000LL) /* the list's "now": after every step's time */

typedef struct {
    char id[SB_ID_LEN + 1];
    char sender[SB_ID_LEN + 1];
    char receiver[SB_ID_LEN + 1];
} sent_t;

/* From scratch: the conversations of u with visible partners that hold a message, and the
 * unread messages to u in them (each conversation read page by page, not from a summary). */
static void recount(sb_fx_t *fx, sb_user_t **users, int u, int64_t *total, int64_t *unread)
{
    sb_store_error_t err;
    int p;

    *total = *unread = 0;
    for (p = 0; p < NUSERS; p++) {
        apr_array_header_t *page;
        sb_user_t *partner;
        int more = 0, i;

        if (p == u) {
            continue;
        }
        assert_int_equal(sb_store_user_by_id(fx->conn, fx->pool, users[p]->id, &partner, &err),
                         SB_STORE_OK);
        if (!sb_user_visible(partner, LATER)) {
            continue;
        }
        assert_int_equal(sb_store_conversation_page(fx->conn, fx->pool, users[u]->id, users[p]->id,
                                                    0, NULL, 1000, &page, &more, &err),
                         SB_STORE_OK);
        assert_int_equal(more, 0);
        if (page->nelts) {
            (*total)++;
        }
        for (i = 0; i < page->nelts; i++) {
            const sb_message_t *m = &APR_ARRAY_IDX(page, i, sb_message_t);
            if (!strcmp(m->receiver_id, users[u]->id) && !m->is_read) {
                (*unread)++;
            }
        }
    }
}

static void check_all(sb_fx_t *fx, sb_user_t **users, int step)
{
    sb_store_error_t err;
    int u;

    for (u = 0; u < NUSERS; u++) {
        apr_array_header_t *rows;
        int64_t total, unread, want_total, want_unread, sum = 0;
        int i;

        assert_int_equal(sb_store_conversations_list(fx->conn, fx->pool, users[u]->id, LATER, 0, 50,
                                                     &rows, &total, &unread, &err),
                         SB_STORE_OK);
        recount(fx, users, u, &want_total, &want_unread);
        if (total != want_total || unread != want_unread) {
            fail_msg("step %d user %d: counted %lld/%lld, recount %lld/%lld", step, u,
                     (long long)total, (long long)unread, (long long)want_total,
                     (long long)want_unread);
        }
        /* the rows agree with the totals too */
        assert_int_equal(rows->nelts, want_total);
        for (i = 0; i < rows->nelts; i++) {
            sum += APR_ARRAY_IDX(rows, i, sb_conversation_t).unread;
        }
        assert_int_equal(sum, want_unread);
    }
}

static void test_counts_match_a_recount(void **state)
{
    FX_BEGIN(state);
    sb_user_t *users[NUSERS];
    sent_t *sent = apr_pcalloc(fx->pool, STEPS * sizeof *sent);
    sb_store_error_t err;
    unsigned seed = 20261201;
    int nsent = 0, step, changed;
    int64_t n;

    for (step = 0; step < NUSERS; step++) {
        users[step] = mk_user(fx, apr_psprintf(fx->pool, "cnt%d", step),
                              apr_psprintf(fx->pool, "cnt%d@example.org", step));
    }
    for (step = 0; step < STEPS; step++) {
        int op = rand_r(&seed) % 100, a = rand_r(&seed) % NUSERS, b = rand_r(&seed) % NUSERS;
        int64_t t = NOW + step * 1000;
        sent_t *m = nsent ? &sent[rand_r(&seed) % nsent] : NULL;

        if (b == a) {
            b = (a + 1) % NUSERS;
        }
        if (op < 50) { /* send (refused when the receiver is hidden: nothing changes) */
            sent_t *s = &sent[nsent];
            sb_message_new_t nm = {s->id, users[a]->id, users[b]->id, "hi", "text", NULL};
            sb_id_new(s->id);
            if (sb_store_message_send(fx->conn, &nm, NULL, 0, NULL, t, NULL, &err) == SB_STORE_OK) {
                memcpy(s->sender, users[a]->id, sizeof s->sender);
                memcpy(s->receiver, users[b]->id, sizeof s->receiver);
                nsent++;
            }
            else {
                assert_int_equal(err.status, SB_STORE_NOT_FOUND);
            }
        }
        else if (op < 65 && m) { /* the receiver reads one */
            sb_store_status_t st = sb_store_message_mark_read(fx->conn, m->id, m->receiver, t, NULL,
                                                              0, &changed, &err);
            assert_true(st == SB_STORE_OK || st == SB_STORE_NOT_FOUND); /* deleted */
        }
        else if (op < 75) { /* read-all of one conversation */
            assert_int_equal(sb_store_conversation_mark_read(fx->conn, users[a]->id, users[b]->id,
                                                             t, NULL, 0, &n, &err),
                             SB_STORE_OK);
        }
        else if (op < 88 && m) { /* the sender deletes one */
            sb_store_status_t st =
                sb_store_message_delete(fx->conn, m->id, m->sender, t, NULL, 0, &err);
            assert_true(st == SB_STORE_OK || st == SB_STORE_NOT_FOUND); /* deleted already */
        }
        else if (op < 90) { /* banned for good: hidden */
            assert_int_equal(sb_store_user_set_status(fx->conn, users[a]->id, 1, 1, "x",
                                                      SB_BAN_PERMANENT, t, &err),
                             SB_STORE_OK);
        }
        else if (op < 93) { /* banned until before the list's now: flagged, yet visible */
            assert_int_equal(
                sb_store_user_set_status(fx->conn, users[a]->id, 1, 1, "x", t + 1, t, &err),
                SB_STORE_OK);
        }
        else if (op < 94) { /* deactivated */
            assert_int_equal(
                sb_store_user_set_status(fx->conn, users[a]->id, 0, 0, NULL, 0, t, &err),
                SB_STORE_OK);
        }
        else { /* back in good standing */
            assert_int_equal(
                sb_store_user_set_status(fx->conn, users[a]->id, 1, 0, NULL, 0, t, &err),
                SB_STORE_OK);
        }
        if (step % 20 == 19) {
            check_all(fx, users, step);
        }
    }
    check_all(fx, users, step);
    assert_true(nsent > STEPS / 5);
}

/* A session's request message goes through the same summaries, seeding too: the bulk insert
 * keeps the counters as exact as sends do. */
static void test_bulk_insert_counts(void **state)
{
    FX_BEGIN(state);
    sb_user_t *users[NUSERS];
    sb_message_t msgs[12];
    sb_store_error_t err;
    int i;

    for (i = 0; i < NUSERS; i++) {
        users[i] = mk_user(fx, apr_psprintf(fx->pool, "blk%d", i),
                           apr_psprintf(fx->pool, "blk%d@example.org", i));
    }
    memset(msgs, 0, sizeof msgs);
    for (i = 0; i < 12; i++) {
        sb_id_new(msgs[i].id);
        memcpy(msgs[i].sender_id, users[i % 3]->id, SB_ID_LEN + 1);
        memcpy(msgs[i].receiver_id, users[3 + i % 2]->id, SB_ID_LEN + 1);
        msgs[i].content = "seeded";
        msgs[i].message_type = "text";
        msgs[i].is_read = i % 4 == 0;
        msgs[i].created_at = msgs[i].updated_at = NOW + i;
    }
    assert_int_equal(sb_store_messages_bulk_insert(fx->conn, msgs, 12, &err), SB_STORE_OK);
    check_all(fx, users, 0);
}

#define FX_SUITE(d) FX_TEST(test_counts_match_a_recount, d), FX_TEST(test_bulk_insert_counts, d)

static const struct CMUnitTest tests[] = {
    FX_SUITE(sqlite),
    FX_SUITE(mongodb),
};

FX_MAIN("store_conversation_counts", tests)

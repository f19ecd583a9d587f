/*
 * Store conformance: messages, conversation summaries and blocks. Every driver must pass
 * these (the MongoDB driver inherits them); the outbox and notifications have their own
 * files.
 */
#include "sb_store_fixture.h"

#include <pthread.h>
#include <sys/stat.h>

#include "driver.h"
#include "sb_json.h"
#include "sb_public.h"
#include "sb_user_rules.h"
#include "sqlite_int.h"

#define MIN (60LL * 1000)

static const sb_outbox_event_t *no_events = NULL;

/* Send content from a to b at t; returns the new id (in fx->pool). */
static const char *send_at(sb_fx_t *fx, const char *a, const char *b, const char *content,
                           int64_t t, const char *reply_to, sb_store_status_t want)
{
    char *id = apr_palloc(fx->pool, SB_ID_LEN + 1);
    sb_message_new_t m = {id, a, b, content, "text", reply_to};
    sb_store_error_t err;

    sb_id_new(id);
    assert_int_equal(sb_store_message_send(fx->conn, &m, no_events, 0, NULL, t, NULL, &err), want);
    return id;
}

static sb_user_t *user(sb_fx_t *fx, const char *name)
{
    return mk_user(fx, name, apr_psprintf(fx->pool, "%s@example.org", name));
}

static int64_t count_outbox(sb_fx_t *fx, const char *user_id)
{
    apr_array_header_t *rows;
    sb_store_error_t err;

    assert_int_equal(sb_store_outbox_read(fx->conn, fx->pool, user_id, 0, 1000, &rows, &err),
                     SB_STORE_OK);
    return rows->nelts;
}

static void conversations(sb_fx_t *fx, const char *uid, apr_array_header_t **out, int64_t *total,
                          int64_t *unread)
{
    sb_store_error_t err;

    assert_int_equal(sb_store_conversations_list(fx->conn, fx->pool, uid, NOW + 1000 * MIN, 0, 50,
                                                 out, total, unread, &err),
                     SB_STORE_OK);
}

static void test_send_get_and_refusals(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = user(fx, "ann"), *b = user(fx, "ben"), *gone = user(fx, "gone");
    sb_store_error_t err;
    sb_message_t *m;
    const char *id, *id2;
    char bad[SB_ID_LEN + 1];

    id = send_at(fx, a->id, b->id, "hello", NOW, NULL, SB_STORE_OK);
    assert_int_equal(sb_store_message_get(fx->conn, fx->pool, id, &m, &err), SB_STORE_OK);
    assert_string_equal(m->sender_id, a->id);
    assert_string_equal(m->receiver_id, b->id);
    assert_string_equal(m->content, "hello");
    assert_string_equal(m->message_type, "text");
    assert_int_equal(m->is_read, 0);
    assert_int_equal(m->read_at, 0);
    assert_int_equal(m->is_deleted, 0);
    assert_string_equal(m->reply_to, "");
    assert_int_equal(m->created_at, NOW);

    /* a reply must be of the same conversation */
    id2 = send_at(fx, b->id, a->id, "hi", NOW + 1, id, SB_STORE_OK);
    assert_int_equal(sb_store_message_get(fx->conn, fx->pool, id2, &m, &err), SB_STORE_OK);
    assert_string_equal(m->reply_to, id);
    send_at(fx, a->id, gone->id, "x", NOW + 2, id, SB_STORE_NOT_FOUND);
    {
        sb_message_new_t nm = {bad, a->id, gone->id, "x", "text", id};
        sb_id_new(bad);
        assert_int_equal(sb_store_message_send(fx->conn, &nm, NULL, 0, NULL, NOW, NULL, &err),
                         SB_STORE_NOT_FOUND);
        assert_string_equal(err.field, "replyTo");
        /* unknown receiver */
        nm.receiver_id = "000000000000000000000000";
        nm.reply_to = NULL;
        sb_id_new(bad);
        assert_int_equal(sb_store_message_send(fx->conn, &nm, NULL, 0, NULL, NOW, NULL, &err),
                         SB_STORE_NOT_FOUND);
        assert_string_equal(err.field, "receiver");
        /* banned and inactive receivers are not visible */
        assert_int_equal(
            sb_store_user_set_status(fx->conn, gone->id, 1, 1, "spam", SB_BAN_PERMANENT, NOW, &err),
            SB_STORE_OK);
        nm.receiver_id = gone->id;
        assert_int_equal(sb_store_message_send(fx->conn, &nm, NULL, 0, NULL, NOW, NULL, &err),
                         SB_STORE_NOT_FOUND);
        assert_string_equal(err.field, "receiver");
        assert_int_equal(sb_store_user_set_status(fx->conn, gone->id, 0, 0, NULL, 0, NOW, &err),
                         SB_STORE_OK);
        assert_int_equal(sb_store_message_send(fx->conn, &nm, NULL, 0, NULL, NOW, NULL, &err),
                         SB_STORE_NOT_FOUND);
    }
    assert_int_equal(sb_store_message_get(fx->conn, fx->pool, bad, &m, &err), SB_STORE_NOT_FOUND);
}

static void test_events_written_with_the_message(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = user(fx, "ann"), *b = user(fx, "ben");
    char id[SB_ID_LEN + 1], nid[SB_ID_LEN + 1];
    sb_outbox_event_t ev[2] = {{b->id, "message:received", "{\"n\":1}"},
                               {a->id, "message:received", "{\"n\":2}"}};
    sb_notification_new_t nn = {nid,           b->id, "message", "New message", "hello",
                                "/messages/x", "{}",  a->id,     "{\"n\":3}"};
    sb_message_new_t m = {id, a->id, b->id, "hello", "text", NULL};
    apr_array_header_t *rows;
    sb_store_error_t err;
    sb_message_t *got;
    int notified = -1;

    sb_id_new(id);
    sb_id_new(nid);
    assert_int_equal(sb_store_message_send(fx->conn, &m, ev, 2, &nn, NOW, &notified, &err),
                     SB_STORE_OK);
    assert_int_equal(notified, 1);
    assert_int_equal(sb_store_outbox_read(fx->conn, fx->pool, b->id, 0, 10, &rows, &err),
                     SB_STORE_OK);
    assert_int_equal(rows->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(rows, 0, sb_outbox_row_t).type, "message:received");
    assert_string_equal(APR_ARRAY_IDX(rows, 0, sb_outbox_row_t).data, "{\"n\":1}");
    assert_string_equal(APR_ARRAY_IDX(rows, 1, sb_outbox_row_t).type, "notification:new");
    assert_string_equal(APR_ARRAY_IDX(rows, 1, sb_outbox_row_t).data, "{\"n\":3}");
    assert_int_equal(count_outbox(fx, a->id), 1);

    /* a second message while that notification is unread: no second notification */
    sb_id_new(id);
    sb_id_new(nid);
    assert_int_equal(sb_store_message_send(fx->conn, &m, ev, 2, &nn, NOW + 1, &notified, &err),
                     SB_STORE_OK);
    assert_int_equal(notified, 0);
    assert_int_equal(count_outbox(fx, b->id), 3);

    /* a refused send writes nothing */
    assert_int_equal(sb_store_user_block(fx->conn, b->id, a->id, NOW, &err), SB_STORE_OK);
    sb_id_new(id);
    assert_int_equal(sb_store_message_send(fx->conn, &m, ev, 2, NULL, NOW + 2, NULL, &err),
                     SB_STORE_REFUSED);
    assert_int_equal(count_outbox(fx, b->id), 3);
    assert_int_equal(count_outbox(fx, a->id), 2);
    assert_int_equal(sb_store_message_get(fx->conn, fx->pool, id, &got, &err), SB_STORE_NOT_FOUND);
}

static void test_summaries_and_unread(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = user(fx, "ann"), *b = user(fx, "ben"), *c = user(fx, "cyd");
    const sb_conversation_t *cv;
    apr_array_header_t *list;
    sb_outbox_event_t ev = {NULL, "message:read", "{}"};
    sb_store_error_t err;
    int64_t total, unread, n;
    const char *m1, *m2, *m3;
    int changed = -1;

    m1 = send_at(fx, b->id, a->id, "one", NOW, NULL, SB_STORE_OK);
    m2 = send_at(fx, b->id, a->id, "two", NOW + MIN, NULL, SB_STORE_OK);
    m3 = send_at(fx, c->id, a->id, "three", NOW + 2 * MIN, NULL, SB_STORE_OK);
    send_at(fx, a->id, c->id, "reply", NOW + 3 * MIN, NULL, SB_STORE_OK);

    conversations(fx, a->id, &list, &total, &unread);
    assert_int_equal(total, 2);
    assert_int_equal(unread, 3);
    assert_int_equal(list->nelts, 2);
    cv = &APR_ARRAY_IDX(list, 0, sb_conversation_t); /* newest first: cyd */
    assert_string_equal(cv->partner.id, c->id);
    assert_non_null(strstr(cv->partner.card_head, "\"username\":\"cyd\""));
    assert_string_equal(cv->last.content, "reply");
    assert_int_equal(cv->unread, 1);
    cv = &APR_ARRAY_IDX(list, 1, sb_conversation_t);
    assert_string_equal(cv->partner.id, b->id);
    assert_string_equal(cv->last.id, m2);
    assert_int_equal(cv->unread, 2);
    conversations(fx, b->id, &list, &total, &unread);
    assert_int_equal(total, 1);
    assert_int_equal(unread, 0);

    /* only the receiver marks read; a second time changes nothing */
    ev.user_id = b->id;
    assert_int_equal(sb_store_message_mark_read(fx->conn, m1, b->id, NOW, &ev, 1, &changed, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(
        sb_store_message_mark_read(fx->conn, m1, a->id, NOW + 5, &ev, 1, &changed, &err),
        SB_STORE_OK);
    assert_int_equal(changed, 1);
    assert_int_equal(count_outbox(fx, b->id), 1);
    assert_int_equal(
        sb_store_message_mark_read(fx->conn, m1, a->id, NOW + 9, &ev, 1, &changed, &err),
        SB_STORE_OK);
    assert_int_equal(changed, 0);
    assert_int_equal(count_outbox(fx, b->id), 1);
    {
        sb_message_t *m;
        assert_int_equal(sb_store_message_get(fx->conn, fx->pool, m1, &m, &err), SB_STORE_OK);
        assert_int_equal(m->is_read, 1);
        assert_int_equal(m->read_at, NOW + 5);
    }
    conversations(fx, a->id, &list, &total, &unread);
    assert_int_equal(unread, 2);

    /* read-all of one conversation leaves the other */
    assert_int_equal(
        sb_store_conversation_mark_read(fx->conn, a->id, b->id, NOW + 10 * MIN, &ev, 1, &n, &err),
        SB_STORE_OK);
    assert_int_equal(n, 1);
    assert_int_equal(count_outbox(fx, b->id), 2);
    assert_int_equal(
        sb_store_conversation_mark_read(fx->conn, a->id, b->id, NOW + 10 * MIN, &ev, 1, &n, &err),
        SB_STORE_OK);
    assert_int_equal(n, 0);
    assert_int_equal(count_outbox(fx, b->id), 2); /* nothing read, no event */
    conversations(fx, a->id, &list, &total, &unread);
    assert_int_equal(unread, 1);
    assert_int_equal(APR_ARRAY_IDX(list, 1, sb_conversation_t).unread, 0);
    (void)m3;

    /* a partner who is banned drops out of the list and its counts */
    assert_int_equal(
        sb_store_user_set_status(fx->conn, c->id, 1, 1, "x", SB_BAN_PERMANENT, NOW, &err),
        SB_STORE_OK);
    conversations(fx, a->id, &list, &total, &unread);
    assert_int_equal(total, 1);
    assert_int_equal(unread, 0);
    assert_int_equal(list->nelts, 1);
    /* an expired ban no longer hides; being deactivated does */
    assert_int_equal(sb_store_user_set_status(fx->conn, c->id, 1, 1, "x", NOW - 1, NOW, &err),
                     SB_STORE_OK);
    conversations(fx, a->id, &list, &total, &unread);
    assert_int_equal(total, 2);
    assert_int_equal(unread, 1);
    assert_int_equal(list->nelts, 2);
    assert_int_equal(sb_store_user_set_status(fx->conn, b->id, 0, 0, NULL, 0, NOW, &err),
                     SB_STORE_OK);
    conversations(fx, a->id, &list, &total, &unread);
    assert_int_equal(total, 1);
    assert_int_equal(list->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(list, 0, sb_conversation_t).partner.id, c->id);
}

static void test_delete(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = user(fx, "ann"), *b = user(fx, "ben");
    sb_outbox_event_t ev[2] = {{NULL, "message:deleted", "{}"}, {NULL, "message:deleted", "{}"}};
    apr_array_header_t *list, *page;
    sb_store_error_t err;
    sb_message_t *m;
    int64_t total, unread;
    const char *m1, *m2;
    int more;

    ev[0].user_id = b->id;
    ev[1].user_id = a->id;
    m1 = send_at(fx, a->id, b->id, "first", NOW, NULL, SB_STORE_OK);
    m2 = send_at(fx, a->id, b->id, "second", NOW + MIN, NULL, SB_STORE_OK);
    /* only the sender deletes */
    assert_int_equal(sb_store_message_delete(fx->conn, m2, b->id, NOW + 2 * MIN, ev, 2, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_message_delete(fx->conn, m2, a->id, NOW + 2 * MIN, ev, 2, &err),
                     SB_STORE_OK);
    assert_int_equal(count_outbox(fx, b->id), 1);
    assert_int_equal(count_outbox(fx, a->id), 1);
    assert_int_equal(sb_store_message_delete(fx->conn, m2, a->id, NOW + 3 * MIN, ev, 2, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_message_get(fx->conn, fx->pool, m2, &m, &err), SB_STORE_OK);
    assert_int_equal(m->is_deleted, 1);
    assert_int_equal(m->deleted_at, NOW + 2 * MIN);
    assert_string_equal(m->deleted_by, a->id);
    /* a deleted message cannot be read or replied to */
    assert_int_equal(sb_store_message_mark_read(fx->conn, m2, b->id, NOW, NULL, 0, &more, &err),
                     SB_STORE_NOT_FOUND);
    send_at(fx, b->id, a->id, "re", NOW + 4 * MIN, m2, SB_STORE_NOT_FOUND);

    /* both sides: gone from the page, the summary moved back to the first message */
    assert_int_equal(sb_store_conversation_page(fx->conn, fx->pool, b->id, a->id, 0, NULL, 10,
                                                &page, &more, &err),
                     SB_STORE_OK);
    assert_int_equal(page->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(page, 0, sb_message_t).id, m1);
    conversations(fx, b->id, &list, &total, &unread);
    assert_int_equal(total, 1);
    assert_int_equal(unread, 1);
    assert_string_equal(APR_ARRAY_IDX(list, 0, sb_conversation_t).last.id, m1);
    conversations(fx, a->id, &list, &total, &unread);
    assert_string_equal(APR_ARRAY_IDX(list, 0, sb_conversation_t).last.id, m1);

    /* everything deleted: the conversation is not listed */
    assert_int_equal(sb_store_message_delete(fx->conn, m1, a->id, NOW + 5 * MIN, NULL, 0, &err),
                     SB_STORE_OK);
    conversations(fx, b->id, &list, &total, &unread);
    assert_int_equal(total, 0);
    assert_int_equal(unread, 0);
    assert_int_equal(list->nelts, 0);
    /* and a new message brings it back */
    send_at(fx, b->id, a->id, "again", NOW + 6 * MIN, NULL, SB_STORE_OK);
    conversations(fx, a->id, &list, &total, &unread);
    assert_int_equal(total, 1);
    assert_int_equal(unread, 1);
}

/* 250 messages, ten per instant, both directions: pages walk all once, newest first. */
static void test_page_equal_times(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = user(fx, "ann"), *b = user(fx, "ben"), *c = user(fx, "cyd");
    sb_message_t *msgs = apr_pcalloc(fx->pool, sizeof(sb_message_t) * 251);
    apr_array_header_t *page, *list;
    sb_store_error_t err;
    int64_t after_t = 0, total, unread;
    char after_id[SB_ID_LEN + 1] = "";
    int i, seen = 0, more = 1;

    for (i = 0; i < 250; i++) {
        sb_id_new(msgs[i].id);
        strcpy(msgs[i].sender_id, i % 3 ? a->id : b->id);
        strcpy(msgs[i].receiver_id, i % 3 ? b->id : a->id);
        msgs[i].content = apr_psprintf(fx->pool, "m%d", i);
        msgs[i].message_type = "text";
        msgs[i].created_at = NOW + (i / 10) * 1000;
    }
    /* someone else's message in between must not show */
    sb_id_new(msgs[250].id);
    strcpy(msgs[250].sender_id, c->id);
    strcpy(msgs[250].receiver_id, a->id);
    msgs[250].content = "other";
    msgs[250].created_at = NOW + 5000;
    assert_int_equal(sb_store_messages_bulk_insert(fx->conn, msgs, 251, &err), SB_STORE_OK);

    while (more) {
        assert_int_equal(sb_store_conversation_page(fx->conn, fx->pool, a->id, b->id, after_t,
                                                    after_id[0] ? after_id : NULL, 7, &page, &more,
                                                    &err),
                         SB_STORE_OK);
        for (i = 0; i < page->nelts; i++) {
            const sb_message_t *m = &APR_ARRAY_IDX(page, i, sb_message_t);
            if (after_id[0]) {
                /* strictly after the previous one in (created_at, id) descending */
                assert_true(m->created_at < after_t
                            || (m->created_at == after_t && strcmp(m->id, after_id) < 0));
            }
            assert_string_not_equal(m->content, "other");
            after_t = m->created_at;
            strcpy(after_id, m->id);
            seen++;
        }
        assert_true(page->nelts == 7 || !more);
    }
    assert_int_equal(seen, 250);
    /* the summaries agree with the bulk insert */
    conversations(fx, b->id, &list, &total, &unread);
    assert_int_equal(total, 1);
    assert_int_equal(unread, 166); /* i % 3 != 0 for 166 of 0..249 */
    conversations(fx, a->id, &list, &total, &unread);
    assert_int_equal(total, 2);
    assert_int_equal(unread, 84 + 1);
}

static int card_has(const apr_array_header_t *cards, const char *id)
{
    int i;

    for (i = 0; i < cards->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(cards, i, sb_user_card_t).id, id)) {
            return 1;
        }
    }
    return 0;
}

static void test_blocks(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = user(fx, "ann"), *b = user(fx, "ben"), *c = user(fx, "cyd");
    apr_array_header_t *cards, *terms = apr_array_make(fx->pool, 1, sizeof(char *));
    sb_discover_query_t q = {0};
    sb_store_error_t err;
    int64_t total;
    int more;

    APR_ARRAY_PUSH(terms, const char *) = "zither";
    set_offered(fx, b->id, "Zither", "Music");
    set_offered(fx, c->id, "Zither", "Music");
    set_wanted(fx, b->id, "Oboe");
    set_wanted(fx, c->id, "Oboe");
    set_offered(fx, a->id, "Oboe", "Music");
    set_wanted(fx, a->id, "Zither");

    assert_int_equal(sb_store_user_block(fx->conn, a->id, "000000000000000000000000", NOW, &err),
                     SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_user_block(fx->conn, a->id, b->id, NOW, &err), SB_STORE_OK);
    assert_int_equal(sb_store_user_block(fx->conn, a->id, b->id, NOW + 1, &err), SB_STORE_OK);
    assert_int_equal(sb_store_user_block(fx->conn, a->id, c->id, NOW + 2, &err), SB_STORE_OK);
    assert_int_equal(sb_store_blocks_list(fx->conn, fx->pool, a->id, &cards, &err), SB_STORE_OK);
    assert_int_equal(cards->nelts, 2);
    assert_string_equal(APR_ARRAY_IDX(cards, 0, sb_user_card_t).id, c->id);
    assert_int_equal(sb_store_user_unblock(fx->conn, a->id, c->id, &err), SB_STORE_OK);
    assert_int_equal(sb_store_user_unblock(fx->conn, a->id, c->id, &err), SB_STORE_NOT_FOUND);
    assert_int_equal(sb_store_blocks_list(fx->conn, fx->pool, a->id, &cards, &err), SB_STORE_OK);
    assert_int_equal(cards->nelts, 1);
    assert_string_equal(APR_ARRAY_IDX(cards, 0, sb_user_card_t).id, b->id);

    /* blocked ben: refused as a sender to ann, gone from ann's discover, search, matches */
    send_at(fx, b->id, a->id, "hey", NOW, NULL, SB_STORE_REFUSED);
    send_at(fx, a->id, b->id, "hey", NOW, NULL, SB_STORE_OK); /* the blocker may still write */
    q.viewer_id = a->id;
    q.now = NOW;
    q.min_rating = -1;
    q.limit = 50;
    assert_int_equal(sb_store_discover_list(fx->conn, fx->pool, &q, &cards, &more, &err),
                     SB_STORE_OK);
    assert_false(card_has(cards, b->id));
    assert_true(card_has(cards, c->id));
    /* twice: the second answer comes from the ranking cache */
    for (more = 0; more < 2; more++) {
        assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, a->id, NOW, terms, NULL, 0,
                                                  10, &cards, &total, &err),
                         SB_STORE_OK);
        assert_false(card_has(cards, b->id));
        assert_true(card_has(cards, c->id));
        assert_int_equal(total, 1);
    }
    assert_int_equal(sb_store_discover_matches(fx->conn, fx->pool, a->id, NOW, 10, &cards, &err),
                     SB_STORE_OK);
    assert_false(card_has(cards, b->id));
    assert_true(card_has(cards, c->id));
    /* ben still sees ann (a block is one-way in discovery) */
    q.viewer_id = c->id;
    assert_int_equal(sb_store_discover_list(fx->conn, fx->pool, &q, &cards, &more, &err),
                     SB_STORE_OK);
    assert_true(card_has(cards, b->id));
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, c->id, NOW, terms, NULL, 0, 10,
                                              &cards, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 1);
    /* unblocked: back */
    assert_int_equal(sb_store_user_unblock(fx->conn, a->id, b->id, &err), SB_STORE_OK);
    assert_int_equal(sb_store_discover_search(fx->conn, fx->pool, a->id, NOW, terms, NULL, 0, 10,
                                              &cards, &total, &err),
                     SB_STORE_OK);
    assert_int_equal(total, 2);
    send_at(fx, b->id, a->id, "hey", NOW, NULL, SB_STORE_OK);
}

/* SQLite only: the WAL is checkpointed after commits (outside the write turn), so a steady
 * stream of writes keeps it near SB_SQLITE_CHECKPOINT_PAGES frames instead of growing. */
/* 3000 sends of 900 bytes back and forth between a and b; the WAL file's size after them. */
static off_t sends_then_wal_size(sb_fx_t *fx, const char *a, const char *b)
{
    char big[900];
    struct stat st;
    int i;

    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    for (i = 0; i < 3000; i++) {
        send_at(fx, i % 2 ? a : b, i % 2 ? b : a, big, NOW + i, NULL, SB_STORE_OK);
    }
    assert_int_equal(stat(apr_pstrcat(fx->pool, fx->path, "-wal", NULL), &st), 0);
    return st.st_size;
}

static void test_wal_stays_bounded(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = user(fx, "ann"), *b = user(fx, "ben");

    if (!fx->path) {
        skip();
    }
    /* without checkpoints: well over 3000 frames of 4 KiB */
    assert_true(sends_then_wal_size(fx, a->id, b->id) < 8 * 1024 * 1024);
}

/* A reader that keeps one short read transaction after another open, as other requests do
 * under load (two of them overlap: some snapshot is always held). */
typedef struct {
    sb_store_conn_t *conn;
    const char *id;
    volatile int stop;
    int reads;
} reader_t;

static void *reader_loop(void *arg)
{
    reader_t *r = arg;
    sb_store_error_t err;

    while (!r->stop) {
        if (sb_sqlite_begin_read(SB_SQLITE(r->conn), &err) == SB_STORE_OK) {
            int64_t seq;
            sb_store_outbox_head(r->conn, r->id, &seq, &err);
            usleep(1000); /* a snapshot held for a while, the next one at once */
            sb_sqlite_rollback(SB_SQLITE(r->conn));
            r->reads++;
        }
    }
    return NULL;
}

/* SQLite only: with a reader always somewhere in a read transaction, passive checkpoints
 * alone never start the WAL over; past a bound the checkpoint waits for the readers
 * (RESTART), so the WAL stays bounded under load too. */
static void test_wal_bounded_with_readers(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = user(fx, "ann"), *b = user(fx, "ben");
    reader_t r[2];
    pthread_t th[2];
    sb_store_error_t err;
    off_t size;
    int i;

    if (!fx->path) {
        skip();
    }
    for (i = 0; i < 2; i++) {
        memset(&r[i], 0, sizeof r[i]);
        r[i].id = a->id;
        assert_int_equal(sb_store_acquire(fx->store, fx->spool, &r[i].conn, &err), SB_STORE_OK);
        assert_int_equal(pthread_create(&th[i], NULL, reader_loop, &r[i]), 0);
    }
    size = sends_then_wal_size(fx, a->id, b->id);
    for (i = 0; i < 2; i++) {
        r[i].stop = 1;
        pthread_join(th[i], NULL);
        assert_true(r[i].reads > 0);
    }
    /* without RESTART checkpoints: over 100 MB */
    assert_true(size < 24 * 1024 * 1024);
}

/* SQLite: the conversation list hands out the partner's card as the kept text (card_head,
 * sql/012); with the members the API appends it is byte for byte json-c's build of the card
 * from the partner's columns, for awkward values too. */
static void test_partner_card_is_the_kept_text(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = user(fx, "ann"), *b = user(fx, "ben");
    apr_array_header_t *langs = apr_array_make(fx->pool, 2, sizeof(const char *));
    apr_array_header_t *off = apr_array_make(fx->pool, 1, sizeof(sb_skill_offered_t)), *list;
    apr_array_header_t *fields = apr_array_make(fx->pool, 1, sizeof(sb_user_card_t));
    sb_profile_patch_t patch = {0};
    sb_skill_offered_t *sk;
    sb_store_error_t err;
    int64_t total, unread;
    json_object *fresh;
    sb_jtext_t t;
    sqlite3_stmt *st;
    sqlite3 *db;

    if (!fx->path) {
        skip();
    }
    patch.first_name = "O'Brien \"Q\" \\ a/b";
    patch.last_name = "tab\there\nline \x01\x1f \xc3\xa9\xf0\x9f\x98\x80";
    patch.bio = "</script>\r\f\b";
    patch.country = "\xe6\x97\xa5\xe6\x9c\xac";
    patch.timezone = "Europe/Berlin";
    APR_ARRAY_PUSH(langs, const char *) = "Fran\303\247ais";
    APR_ARRAY_PUSH(langs, const char *) = "\"English\"";
    patch.languages = langs;
    assert_int_equal(
        sb_store_user_update_profile(fx->conn, fx->pool, b->id, &patch, NOW, NULL, &err),
        SB_STORE_OK);
    sk = apr_array_push(off);
    memset(sk, 0, sizeof *sk);
    sk->skill = "Guitar \"jazz\"";
    sk->category = "Music";
    sk->description = "a\\b";
    assert_int_equal(
        sb_store_user_update_lists(fx->conn, fx->pool, b->id, off, NULL, NULL, NOW, NULL, &err),
        SB_STORE_OK);
    send_at(fx, b->id, a->id, "hi", NOW + MIN, NULL, SB_STORE_OK);

    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  apr_psprintf(fx->pool,
                                               "UPDATE users SET rating = 2.675,"
                                               " total_reviews = 12, is_verified = 1"
                                               " WHERE id = '%s'",
                                               b->id),
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT " SB_SQLITE_CARD_COLS " FROM users u"
                                        " WHERE u.id = ?1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, b->id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    fresh = sb_card_to_json(fx->pool, sb_sqlite_row_card(fx->pool, st, 0, fields));
    sqlite3_finalize(st);
    sqlite3_close(db);

    conversations(fx, a->id, &list, &total, &unread);
    assert_int_equal(list->nelts, 1);
    sb_jtext_init(&t, fx->pool, 16); /* small: the card must make room for itself */
    assert_true(sb_jtext_card(&t, &APR_ARRAY_IDX(list, 0, sb_conversation_t).partner));
    assert_string_equal(t.buf, json_object_to_json_string_ext(
                                   fresh, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    assert_int_equal(t.len, strlen(t.buf));
    json_object_put(fresh);
}

#define FX_SUITE(d)                                                                                \
    FX_TEST(test_wal_stays_bounded, d), FX_TEST(test_wal_bounded_with_readers, d),                 \
        FX_TEST(test_send_get_and_refusals, d), FX_TEST(test_events_written_with_the_message, d),  \
        FX_TEST(test_summaries_and_unread, d), FX_TEST(test_delete, d),                            \
        FX_TEST(test_page_equal_times, d), FX_TEST(test_blocks, d),                                \
        FX_TEST(test_partner_card_is_the_kept_text, d)

static const struct CMUnitTest tests[] = {
    FX_SUITE(sqlite),
    FX_SUITE(mongodb),
};

FX_MAIN("store_messages", tests)

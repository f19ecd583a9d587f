/*
 * Store conformance: notifications — create (with its event), keyset pages over equal
 * times, unread counts, read marks (own only, idempotent), read-all, and read-all of a
 * conversation marking the notifications about that partner.
 */
#include "sb_store_fixture.h"

static const char *notify(sb_fx_t *fx, const char *uid, const char *subject, int64_t t)
{
    char *id = apr_palloc(fx->pool, SB_ID_LEN + 1);
    sb_notification_new_t n = {
        id,          uid,     "message",      "New message", "body", "/messages/x",
        "{\"k\":1}", subject, "{\"event\":1}"};
    sb_store_error_t err;

    sb_id_new(id);
    assert_int_equal(sb_store_notification_create(fx->conn, &n, t, &err), SB_STORE_OK);
    return id;
}

static void test_create_list_pages(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@x.org"), *b = mk_user(fx, "ben", "ben@x.org");
    apr_array_header_t *page, *rows;
    sb_store_error_t err;
    int64_t unread = -1, after_t = 0;
    char after[SB_ID_LEN + 1] = "";
    int i, more = 1, seen = 0;

    for (i = 0; i < 23; i++) {
        notify(fx, a->id, b->id, NOW + (i / 5) * 1000);
    }
    notify(fx, b->id, a->id, NOW);
    while (more) {
        assert_int_equal(sb_store_notifications_list(fx->conn, fx->pool, a->id, after_t,
                                                     after[0] ? after : NULL, 4, &page, &more,
                                                     &unread, &err),
                         SB_STORE_OK);
        assert_int_equal(unread, 23);
        for (i = 0; i < page->nelts; i++) {
            const sb_notification_t *n = &APR_ARRAY_IDX(page, i, sb_notification_t);
            if (after[0]) {
                assert_true(n->created_at < after_t
                            || (n->created_at == after_t && strcmp(n->id, after) < 0));
            }
            assert_string_equal(n->user_id, a->id);
            assert_string_equal(n->type, "message");
            assert_string_equal(n->title, "New message");
            assert_string_equal(n->body, "body");
            assert_string_equal(n->link, "/messages/x");
            assert_string_equal(n->data, "{\"k\":1}");
            assert_string_equal(n->subject_id, b->id);
            assert_int_equal(n->is_read, 0);
            after_t = n->created_at;
            strcpy(after, n->id);
            seen++;
        }
    }
    assert_int_equal(seen, 23);
    /* each one wrote its notification:new event for its user */
    assert_int_equal(sb_store_outbox_read(fx->conn, fx->pool, a->id, 0, 100, &rows, &err),
                     SB_STORE_OK);
    assert_int_equal(rows->nelts, 23);
    assert_string_equal(APR_ARRAY_IDX(rows, 0, sb_outbox_row_t).type, "notification:new");
    assert_string_equal(APR_ARRAY_IDX(rows, 0, sb_outbox_row_t).data, "{\"event\":1}");
    {
        sb_notification_new_t n = {
            after, "000000000000000000000000", "message", "t", NULL, NULL, NULL, NULL, "{}"};
        sb_id_new(after);
        assert_int_equal(sb_store_notification_create(fx->conn, &n, NOW, &err), SB_STORE_NOT_FOUND);
    }
}

static void test_read_marks(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "ann", "ann@x.org"), *b = mk_user(fx, "ben", "ben@x.org"),
              *c = mk_user(fx, "cyd", "cyd@x.org");
    apr_array_header_t *page;
    sb_notification_t *n;
    sb_store_error_t err;
    int64_t unread, count;
    const char *n1, *theirs;
    int more;

    n1 = notify(fx, a->id, b->id, NOW);
    notify(fx, a->id, b->id, NOW + 1);
    notify(fx, a->id, c->id, NOW + 2);
    notify(fx, a->id, c->id, NOW + 3);
    theirs = notify(fx, b->id, a->id, NOW);

    assert_int_equal(
        sb_store_notification_mark_read(fx->conn, fx->pool, a->id, theirs, NOW + 5, &n, &err),
        SB_STORE_NOT_FOUND);
    assert_int_equal(
        sb_store_notification_mark_read(fx->conn, fx->pool, a->id, n1, NOW + 5, &n, &err),
        SB_STORE_OK);
    assert_int_equal(n->is_read, 1);
    assert_int_equal(n->read_at, NOW + 5);
    assert_int_equal(
        sb_store_notification_mark_read(fx->conn, fx->pool, a->id, n1, NOW + 9, &n, &err),
        SB_STORE_OK);
    assert_int_equal(n->read_at, NOW + 5); /* the first read time stays */
    assert_int_equal(sb_store_notifications_list(fx->conn, fx->pool, a->id, 0, NULL, 10, &page,
                                                 &more, &unread, &err),
                     SB_STORE_OK);
    assert_int_equal(unread, 3);

    /* opening the conversation with ben marks ben's notifications read */
    assert_int_equal(
        sb_store_conversation_mark_read(fx->conn, a->id, b->id, NOW + 10, NULL, 0, &count, &err),
        SB_STORE_OK);
    assert_int_equal(sb_store_notifications_list(fx->conn, fx->pool, a->id, 0, NULL, 10, &page,
                                                 &more, &unread, &err),
                     SB_STORE_OK);
    assert_int_equal(unread, 2);

    assert_int_equal(sb_store_notifications_mark_all_read(fx->conn, a->id, NOW + 20, &count, &err),
                     SB_STORE_OK);
    assert_int_equal(count, 2);
    assert_int_equal(sb_store_notifications_mark_all_read(fx->conn, a->id, NOW + 21, &count, &err),
                     SB_STORE_OK);
    assert_int_equal(count, 0);
    assert_int_equal(sb_store_notifications_list(fx->conn, fx->pool, a->id, 0, NULL, 10, &page,
                                                 &more, &unread, &err),
                     SB_STORE_OK);
    assert_int_equal(unread, 0);
    assert_int_equal(page->nelts, 4);
    /* ben's own is untouched */
    assert_int_equal(sb_store_notifications_list(fx->conn, fx->pool, b->id, 0, NULL, 10, &page,
                                                 &more, &unread, &err),
                     SB_STORE_OK);
    assert_int_equal(unread, 1);
}

#define FX_SUITE(d) FX_TEST(test_create_list_pages, d), FX_TEST(test_read_marks, d)

static const struct CMUnitTest tests[] = {
    FX_SUITE(sqlite),
    FX_SUITE(mongodb),
};

FX_MAIN("store_notifications", tests)

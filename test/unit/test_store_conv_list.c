/*
 * SQLite driver: the conversation list kept per process (sqlite_conv_list.c). A list asked
 * again is served from the cache, and never once anything it shows has changed: a message
 * (sent, read, deleted), a partner's card, a partner's visibility (a ban, and the end of a
 * timed ban, which no write marks), whichever connection or process made the change.
 * test_store_conversation_counts.c checks the counters against a recount after every step of
 * a random sequence, through the same cache.
 */
#include "sb_store_fixture.h"

#include "sb_user_rules.h"
#include "sqlite_int.h"
#include "sqlite_page_cache.h"

typedef struct {
    apr_array_header_t *rows;
    int64_t total, unread;
} list_t;

static uint64_t hits(sb_fx_t *fx)
{
    sb_page_cache_stats_t st;

    sb_page_cache_stats(((sb_sqlite_store_t *)fx->store->priv)->conv_lists, &st);
    return st.hits;
}

static list_t list_at(sb_fx_t *fx, sb_store_conn_t *c, const char *user_id, int64_t now)
{
    sb_store_error_t err;
    list_t l;

    assert_int_equal(sb_store_conversations_list(c, fx->pool, user_id, now, 0, 20, &l.rows,
                                                 &l.total, &l.unread, &err),
                     SB_STORE_OK);
    return l;
}

static const sb_conversation_t *row(const list_t *l, int i)
{
    assert_true(i < l->rows->nelts);
    return &APR_ARRAY_IDX(l->rows, i, sb_conversation_t);
}

static void send_at(sb_fx_t *fx, sb_store_conn_t *c, const sb_user_t *from, const sb_user_t *to,
                    const char *text, int64_t at, char *id)
{
    sb_message_new_t m = {id, from->id, to->id, text, "text", NULL};
    sb_store_error_t err;

    sb_id_new(id);
    assert_int_equal(sb_store_message_send(c, &m, NULL, 0, NULL, at, NULL, &err), SB_STORE_OK);
}

/* id banned (active) until the instant until, the change made at at. */
static void ban_until(sb_fx_t *fx, const char *id, int64_t until, int64_t at)
{
    sb_store_error_t err;

    assert_int_equal(sb_store_user_set_status(fx->conn, id, 1, 1, "test", until, at, &err),
                     SB_STORE_OK);
}

/* Two new people (named after tag) and a message text from *b to *a, its id in id. */
static void two_people(sb_fx_t *fx, const char *tag, const char *text, sb_user_t **a, sb_user_t **b,
                       char *id)
{
    *a = mk_user(fx, apr_pstrcat(fx->pool, tag, "a", NULL),
                 apr_pstrcat(fx->pool, tag, "a@example.org", NULL));
    *b = mk_user(fx, apr_pstrcat(fx->pool, tag, "b", NULL),
                 apr_pstrcat(fx->pool, tag, "b@example.org", NULL));
    send_at(fx, fx->conn, *b, *a, text, NOW, id);
}

static int card_says(const sb_conversation_t *cv, const char *text)
{
    return cv->partner.card_head && strstr(cv->partner.card_head, text) != NULL;
}

static void test_list_asked_again_comes_from_the_cache(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a, *b;
    char id[SB_ID_LEN + 1];
    list_t one, two;
    uint64_t h;

    two_people(fx, "cl", "first words", &a, &b, id);
    one = list_at(fx, fx->conn, a->id, NOW + 1);
    h = hits(fx);
    two = list_at(fx, fx->conn, a->id, NOW + 1);
    assert_int_equal(hits(fx), h + 1);
    assert_int_equal(two.rows->nelts, 1);
    assert_int_equal(two.total, one.total);
    assert_int_equal(two.unread, 1);
    assert_string_equal(row(&two, 0)->partner.id, b->id);
    assert_string_equal(row(&two, 0)->last.content, "first words");
    assert_string_equal(row(&two, 0)->last.message_type, "text");
    assert_string_equal(row(&two, 0)->last.id, id);
    assert_int_equal(row(&two, 0)->unread, 1);
    assert_int_equal(row(&two, 0)->partner.card_head_len, row(&one, 0)->partner.card_head_len);
    assert_memory_equal(row(&two, 0)->partner.card_head, row(&one, 0)->partner.card_head,
                        row(&one, 0)->partner.card_head_len);
}

/* Sent, read, deleted: each shows at the next list of both people, from whichever store. */
static void test_message_changes_show_at_once(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "cma", "cma@example.org"),
              *b = mk_user(fx, "cmb", "cmb@example.org");
    char id1[SB_ID_LEN + 1], id2[SB_ID_LEN + 1];
    sb_store_t *other;
    sb_store_conn_t *oc;
    sb_store_error_t err;
    apr_pool_t *op;
    int changed = 0;
    list_t l;

    /* a second store in this process: its own caches, the same shared generation table */
    assert_int_equal(apr_pool_create(&op, fx->pool), APR_SUCCESS);
    assert_int_equal(sb_store_open(op, fx->uri, NULL, &other, &err), SB_STORE_OK);
    assert_int_equal(sb_store_acquire(other, op, &oc, &err), SB_STORE_OK);

    send_at(fx, fx->conn, a, b, "one", NOW, id1);
    l = list_at(fx, fx->conn, b->id, NOW + 10);
    l = list_at(fx, fx->conn, a->id, NOW + 10);
    assert_string_equal(row(&l, 0)->last.content, "one");
    send_at(fx, oc, b, a, "two", NOW + 1, id2); /* through the other store */
    l = list_at(fx, fx->conn, a->id, NOW + 10);
    assert_string_equal(row(&l, 0)->last.content, "two");
    assert_int_equal(l.unread, 1);
    l = list_at(fx, fx->conn, b->id, NOW + 10);
    assert_string_equal(row(&l, 0)->last.content, "two");
    assert_int_equal(row(&l, 0)->last.is_read, 0);

    assert_int_equal(sb_store_message_mark_read(oc, id2, a->id, NOW + 2, NULL, 0, &changed, &err),
                     SB_STORE_OK);
    assert_int_equal(changed, 1);
    l = list_at(fx, fx->conn, a->id, NOW + 10); /* the reader's counters */
    assert_int_equal(l.unread, 0);
    assert_int_equal(row(&l, 0)->unread, 0);
    l = list_at(fx, fx->conn, b->id, NOW + 10); /* the sender sees it read */
    assert_int_equal(row(&l, 0)->last.is_read, 1);

    assert_int_equal(sb_store_message_delete(oc, id2, b->id, NOW + 3, NULL, 0, &err), SB_STORE_OK);
    l = list_at(fx, fx->conn, a->id, NOW + 10);
    assert_true(row(&l, 0)->last.is_deleted || strcmp(row(&l, 0)->last.id, id2) != 0);
    apr_pool_destroy(op);
}

/* A partner's new name shows in the list the next time it is asked. */
static void test_partner_card_change_shows_at_once(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a = mk_user(fx, "cpa", "cpa@example.org"),
              *b = mk_user(fx, "cpb", "cpb@example.org");
    sb_profile_patch_t patch = {.first_name = "Renamed"};
    sb_store_error_t err;
    sb_user_t *after;
    char id[SB_ID_LEN + 1];
    list_t l;
    uint64_t h;

    send_at(fx, fx->conn, a, b, "hello", NOW, id);
    l = list_at(fx, fx->conn, b->id, NOW + 10);
    assert_false(card_says(row(&l, 0), "Renamed"));
    l = list_at(fx, fx->conn, b->id, NOW + 10);
    h = hits(fx);
    assert_int_equal(
        sb_store_user_update_profile(fx->conn, fx->pool, a->id, &patch, NOW + 1, &after, &err),
        SB_STORE_OK);
    l = list_at(fx, fx->conn, b->id, NOW + 10);
    assert_true(card_says(row(&l, 0), "Renamed"));
    assert_int_equal(hits(fx), h); /* the kept page was not handed out: a miss */
}

/* The page cache's own rule the list rests on: an entry with card_gens is good only while
 * each card's user bucket is where it was; one without follows its bucket alone. */
static void test_page_cache_drops_an_entry_whose_card_changed(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_conn_t *sc = SB_SQLITE(fx->conn);
    sb_page_cache_t *pc = sb_page_cache_create(fx->pool, 4);
    sb_user_card_t card = {.id = "0123456789abcdef01234567", .card_head = "{", .card_head_len = 1};
    uint64_t gen = sb_page_card_gen(sc->turn, card.id);
    sb_page_t with = {.cards = &card, .n = 1, .valid_until = INT64_MAX, .card_gens = &gen};
    sb_page_t without = {.cards = &card, .n = 1, .valid_until = INT64_MAX}, got;
    sb_page_stamp_t stamp;

    sb_page_stamp(sc->turn, sb_sqlite_gen_bucket('c', "k", 1), &stamp);
    sb_page_cache_put(pc, sc->turn, "with", &stamp, &with);
    sb_page_cache_put(pc, sc->turn, "without", &stamp, &without);
    assert_true(sb_page_cache_get(pc, sc->turn, fx->pool, "with", NOW, &got));
    assert_int_equal(got.card_gens[0], gen);
    assert_true(sb_page_cache_get(pc, sc->turn, fx->pool, "without", NOW, &got));
    sb_sqlite_gen_bump(sc->turn, sb_sqlite_gen_bucket('u', card.id, strlen(card.id)));
    assert_false(sb_page_cache_get(pc, sc->turn, fx->pool, "with", NOW, &got));
    assert_true(sb_page_cache_get(pc, sc->turn, fx->pool, "without", NOW, &got));
}

/* A partner banned until an instant is left out, and back when the ban ends: the cached page
 * is not used past that instant although nothing was written. */
static void test_timed_ban_end_shows_the_partner_again(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a, *b, *c = mk_user(fx, "ctc", "ctc@example.org");
    char id[SB_ID_LEN + 1];
    list_t l;

    two_people(fx, "ct", "from b", &a, &b, id);
    send_at(fx, fx->conn, c, a, "from c", NOW + 1, id);
    l = list_at(fx, fx->conn, a->id, NOW + 10);
    assert_int_equal(l.rows->nelts, 2);
    ban_until(fx, b->id, NOW + HOUR, NOW + 20);
    l = list_at(fx, fx->conn, a->id, NOW + 30); /* the ban hides b at once */
    assert_int_equal(l.rows->nelts, 1);
    assert_int_equal(l.total, 1);
    assert_string_equal(row(&l, 0)->partner.id, c->id);
    l = list_at(fx, fx->conn, a->id, NOW + 40); /* (kept) */
    assert_int_equal(l.rows->nelts, 1);
    l = list_at(fx, fx->conn, a->id, NOW + HOUR); /* the ban is over */
    assert_int_equal(l.rows->nelts, 2);
    assert_int_equal(l.total, 2);
    assert_int_equal(l.unread, 2);
    assert_string_equal(row(&l, 1)->partner.id, b->id);
}

/* A timed ban ended early (the stored flag stays "banned") shows the partner at once: the
 * change rewrites the partner's summaries (sql/024), so the kept page is not used. */
static void test_ban_ended_early_shows_the_partner_at_once(void **state)
{
    FX_BEGIN(state);
    sb_user_t *a, *b;
    char id[SB_ID_LEN + 1];
    list_t l;

    two_people(fx, "ce", "from b", &a, &b, id);
    ban_until(fx, b->id, NOW + 3 * HOUR, NOW + 20);
    l = list_at(fx, fx->conn, a->id, NOW + 30);
    assert_int_equal(l.rows->nelts, 0);
    l = list_at(fx, fx->conn, a->id, NOW + 30); /* kept until the ban's end */
    ban_until(fx, b->id, NOW + 40, NOW + 35);
    l = list_at(fx, fx->conn, a->id, NOW + 50);
    assert_int_equal(l.rows->nelts, 1);
    assert_int_equal(l.total, 1);
}

/* A connection without the shared generation table (a read-only directory) keeps nothing
 * and reads the page in one statement: the same rows. */
static void test_list_without_the_table_reads_the_store(void **state)
{
    FX_BEGIN(state);
    sb_sqlite_conn_t *sc = SB_SQLITE(fx->conn);
    sb_sqlite_turn_t *turn = sc->turn;
    char id[SB_ID_LEN + 1];
    sb_user_t *a, *b;
    list_t cached, plain;
    uint64_t h;

    two_people(fx, "cx", "hello", &a, &b, id);
    cached = list_at(fx, fx->conn, a->id, NOW + 10);
    h = hits(fx);
    sc->turn = NULL;
    plain = list_at(fx, fx->conn, a->id, NOW + 10);
    sc->turn = turn;
    assert_int_equal(hits(fx), h);
    assert_int_equal(plain.rows->nelts, 1);
    assert_int_equal(plain.total, cached.total);
    assert_int_equal(plain.unread, cached.unread);
    assert_string_equal(row(&plain, 0)->partner.id, row(&cached, 0)->partner.id);
    assert_string_equal(row(&plain, 0)->last.content, row(&cached, 0)->last.content);
    assert_int_equal(row(&plain, 0)->partner.card_head_len, row(&cached, 0)->partner.card_head_len);
    assert_memory_equal(row(&plain, 0)->partner.card_head, row(&cached, 0)->partner.card_head,
                        row(&cached, 0)->partner.card_head_len);
}

/* The columns the change hook reads for the lists (sqlite_int.h) are the schema's. */
static void test_hook_columns_match_the_schema(void **state)
{
    FX_BEGIN(state);
    sqlite3_stmt *st;

    assert_int_equal(sqlite3_prepare_v2(SB_SQLITE(fx->conn)->db,
                                        "SELECT (SELECT cid FROM pragma_table_info('conversations')"
                                        " WHERE name = 'user_id'), (SELECT cid FROM"
                                        " pragma_table_info('messages') WHERE name = 'sender_id'),"
                                        " (SELECT cid FROM pragma_table_info('messages')"
                                        " WHERE name = 'receiver_id')",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), SB_SQLITE_CONVERSATIONS_USER_COL);
    assert_int_equal(sqlite3_column_int(st, 1), SB_SQLITE_MESSAGES_SENDER_COL);
    assert_int_equal(sqlite3_column_int(st, 2), SB_SQLITE_MESSAGES_RECEIVER_COL);
    sqlite3_finalize(st);
}

static const struct CMUnitTest tests[] = {
    FX_TEST(test_list_asked_again_comes_from_the_cache, sqlite),
    FX_TEST(test_message_changes_show_at_once, sqlite),
    FX_TEST(test_partner_card_change_shows_at_once, sqlite),
    FX_TEST(test_page_cache_drops_an_entry_whose_card_changed, sqlite),
    FX_TEST(test_timed_ban_end_shows_the_partner_again, sqlite),
    FX_TEST(test_ban_ended_early_shows_the_partner_at_once, sqlite),
    FX_TEST(test_list_without_the_table_reads_the_store, sqlite),
    FX_TEST(test_hook_columns_match_the_schema, sqlite),
};

FX_MAIN("store_conv_list", tests)

/* The per-process search ranking cache under concurrent readers: an entry already patched
 * past a reader's snapshot is reported as newer (that reader reads again, it does not rank
 * from scratch), and an entry near the end of its age is handed to one caller to renew while
 * every other caller keeps using it; a key being ranked is ranked by one caller while the
 * others that miss wait for that ranking. */
#include "sb_test.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <apr_time.h>

#include "sqlite_search_cache.h"

#define KEY "\"guitar\"*\x1f"
#define T0  1750000000000LL

/* An entry of n matches ranked at `at`, at change-log position seq. */
static void put_entry(apr_pool_t *p, sb_search_cache_t *sc, int n, int64_t seq, int64_t at)
{
    sb_search_entry_t e;
    int i;

    memset(&e, 0, sizeof e);
    e.hits = apr_pcalloc(p, sizeof(sb_search_hit_t) * n);
    e.keys = apr_pcalloc(p, sizeof(sb_id_key_t) * n);
    for (i = 0; i < n; i++) {
        char *id = apr_psprintf(p, "%024d", i + 1);
        memcpy(e.hits[i].id, id, SB_ID_LEN + 1);
        e.hits[i].score = -10.0 + i;
        e.hits[i].last_seen = at;
        memcpy(e.keys[i], id, SB_ID_LEN);
    }
    e.n = e.nkeys = n;
    e.total = n;
    e.seq = seq;
    e.at = at;
    e.valid_until = at + SB_SEARCH_CACHE_TTL_MS;
    sb_search_cache_put(sc, KEY, &e);
}

static sb_search_lookup_t look(apr_pool_t *p, sb_search_cache_t *sc, int64_t seq, int64_t now,
                               sb_search_page_t *pg, int64_t *behind)
{
    sb_id_buf_t hidden = "";
    return sb_search_cache_page(sc, p, KEY, seq, now, &hidden, 1, 0, 12, pg, behind);
}

static void test_newer_entry_is_not_a_miss(void **state)
{
    apr_pool_t *p = *state;
    sb_search_cache_t *sc = sb_search_cache_create(p);
    sb_search_change_t ch;
    sb_search_page_t pg;
    int64_t behind = 0;

    assert_non_null(sc);
    put_entry(p, sc, 20, 5, T0);
    assert_int_equal(look(p, sc, 5, T0 + 1, &pg, &behind), SB_SEARCH_HIT);
    assert_int_equal(pg.np, 12);
    assert_int_equal(pg.total, 20);
    /* a reader whose snapshot predates the entry: read again, do not rank */
    assert_int_equal(look(p, sc, 4, T0 + 1, &pg, &behind), SB_SEARCH_NEWER);
    /* a reader ahead of it patches; a slower one then finds the entry past its snapshot */
    assert_int_equal(look(p, sc, 7, T0 + 2, &pg, &behind), SB_SEARCH_BEHIND);
    assert_int_equal(behind, 5);
    memset(&ch, 0, sizeof ch);
    memcpy(ch.id, "000000000000000000000003", SB_ID_LEN + 1); /* no longer matches */
    assert_int_equal(sb_search_cache_patch(sc, KEY, 5, 7, &ch, 1, INT64_MAX), 1);
    assert_int_equal(look(p, sc, 7, T0 + 3, &pg, &behind), SB_SEARCH_HIT);
    assert_int_equal(pg.total, 19);
    assert_int_equal(look(p, sc, 6, T0 + 3, &pg, &behind), SB_SEARCH_NEWER);
    /* a patch from a position the entry has left applies nothing */
    assert_int_equal(sb_search_cache_patch(sc, KEY, 5, 6, &ch, 1, INT64_MAX), 0);
    assert_int_equal(look(p, sc, 7, T0 + 3, &pg, &behind), SB_SEARCH_HIT);
    assert_int_equal(pg.total, 19);
}

static void test_one_caller_renews_an_aging_entry(void **state)
{
    apr_pool_t *p = *state;
    sb_search_cache_t *sc = sb_search_cache_create(p);
    int64_t soon = T0 + SB_SEARCH_CACHE_TTL_MS - SB_SEARCH_CACHE_REFRESH_MS, behind = 0;
    sb_search_page_t pg;
    int i;

    assert_non_null(sc);
    put_entry(p, sc, 20, 5, T0);
    assert_int_equal(look(p, sc, 5, soon - 1, &pg, &behind), SB_SEARCH_HIT);
    /* the first caller in the last part of the entry's age ranks afresh ... */
    assert_int_equal(look(p, sc, 5, soon, &pg, &behind), SB_SEARCH_RENEW);
    /* ... every other caller keeps the entry meanwhile, patches included */
    for (i = 0; i < 50; i++) {
        assert_int_equal(look(p, sc, 5, soon + 1 + i, &pg, &behind), SB_SEARCH_HIT);
    }
    assert_int_equal(look(p, sc, 6, soon + 100, &pg, &behind), SB_SEARCH_BEHIND);
    /* the renewed ranking replaces it and is good for a whole age again */
    put_entry(p, sc, 21, 6, soon + 200);
    assert_int_equal(look(p, sc, 6, soon + 300, &pg, &behind), SB_SEARCH_HIT);
    assert_int_equal(pg.total, 21);
    assert_int_equal(look(p, sc, 6, T0 + SB_SEARCH_CACHE_TTL_MS + 1, &pg, &behind), SB_SEARCH_HIT);
}

static void test_renewal_is_handed_out_again(void **state)
{
    apr_pool_t *p = *state;
    sb_search_cache_t *sc = sb_search_cache_create(p);
    int64_t soon = T0 + SB_SEARCH_CACHE_TTL_MS - SB_SEARCH_CACHE_REFRESH_MS, behind = 0;
    sb_search_page_t pg;

    assert_non_null(sc);
    put_entry(p, sc, 20, 5, T0 - SB_SEARCH_CACHE_REFRESH_MS);
    /* the renewer never stored a ranking (its request failed): after RENEW_MS another
     * caller is handed the renewal; the age bound itself never moves */
    soon -= SB_SEARCH_CACHE_REFRESH_MS;
    assert_int_equal(look(p, sc, 5, soon, &pg, &behind), SB_SEARCH_RENEW);
    assert_int_equal(look(p, sc, 5, soon + SB_SEARCH_CACHE_RENEW_MS - 1, &pg, &behind),
                     SB_SEARCH_HIT);
    assert_int_equal(look(p, sc, 5, soon + SB_SEARCH_CACHE_RENEW_MS, &pg, &behind),
                     SB_SEARCH_RENEW);
    assert_int_equal(look(p, sc, 5, soon + SB_SEARCH_CACHE_RENEW_MS + 1, &pg, &behind),
                     SB_SEARCH_HIT);
    assert_int_equal(
        look(p, sc, 5, T0 - SB_SEARCH_CACHE_REFRESH_MS + SB_SEARCH_CACHE_TTL_MS, &pg, &behind),
        SB_SEARCH_MISS);
}

static void test_one_caller_ranks_a_missing_key(void **state)
{
    apr_pool_t *p = *state;
    sb_search_cache_t *sc = sb_search_cache_create(p);

    assert_non_null(sc);
    assert_int_equal(sb_search_cache_claim(sc, KEY, T0), 1);
    /* the others wait (and look again) ... */
    assert_int_equal(sb_search_cache_claim(sc, KEY, T0 + 1), 0);
    assert_int_equal(sb_search_cache_claim(sc, KEY, T0 + SB_SEARCH_CACHE_WAIT_MS - 1), 0);
    /* ... other keys do not */
    assert_int_equal(sb_search_cache_claim(sc, "\"piano\"*\x1f", T0 + 1), 1);
    /* an overdue ranker is taken over, once */
    assert_int_equal(sb_search_cache_claim(sc, KEY, T0 + SB_SEARCH_CACHE_WAIT_MS), 1);
    assert_int_equal(sb_search_cache_claim(sc, KEY, T0 + SB_SEARCH_CACHE_WAIT_MS + 1), 0);
    sb_search_cache_release(sc, KEY);
    assert_int_equal(sb_search_cache_claim(sc, KEY, T0 + SB_SEARCH_CACHE_WAIT_MS + 2), 1);
    sb_search_cache_release(sc, KEY);
    sb_search_cache_release(sc, "\"piano\"*\x1f");
}

/* Release the ranking once the main thread is seen waiting for it, after setting released:
 * the order is fixed by what the cache reports, not by how long anything takes. */
typedef struct {
    sb_search_cache_t *sc;
    volatile int released;
} releaser_t;

static void *APR_THREAD_FUNC release_when_awaited(apr_thread_t *t, void *data)
{
    releaser_t *r = data;
    uint64_t waits;
    int waiting = 0;

    while (!waiting) {
        sb_search_cache_waits(r->sc, &waiting, &waits);
        if (!waiting) {
            apr_thread_yield();
        }
    }
    __atomic_store_n(&r->released, 1, __ATOMIC_SEQ_CST);
    sb_search_cache_release(r->sc, KEY);
    (void)t; /* a plain return: apr_thread_exit's pthread_exit trips ASan's thread teardown */
    return NULL;
}

static void test_await_ends_with_the_ranking(void **state)
{
    apr_pool_t *p = *state;
    sb_search_cache_t *sc = sb_search_cache_create(p);
    releaser_t r = {sc, 0};
    apr_thread_t *t;
    apr_status_t rv;
    uint64_t waits;
    int waiting;

    assert_non_null(sc);
    sb_search_cache_await(sc, KEY); /* nobody ranks it: no wait */
    sb_search_cache_waits(sc, &waiting, &waits);
    assert_int_equal(waits, 0);
    assert_int_equal(sb_search_cache_claim(sc, KEY, T0), 1);
    assert_int_equal(apr_thread_create(&t, NULL, release_when_awaited, &r, p), APR_SUCCESS);
    /* waits, and comes back once the ranking is released (not before) */
    sb_search_cache_await(sc, KEY);
    assert_int_equal(__atomic_load_n(&r.released, __ATOMIC_SEQ_CST), 1);
    sb_search_cache_waits(sc, &waiting, &waits);
    assert_true(waits >= 1);
    assert_int_equal(waiting, 0);
    apr_thread_join(&rv, t);
    assert_int_equal(sb_search_cache_claim(sc, KEY, T0 + 1), 1);
    sb_search_cache_release(sc, KEY);
}

#define T(f) cmocka_unit_test_setup_teardown(f, sb_test_pool_setup, sb_test_pool_teardown)
static const struct CMUnitTest tests[] = {
    T(test_newer_entry_is_not_a_miss),   T(test_one_caller_renews_an_aging_entry),
    T(test_renewal_is_handed_out_again), T(test_one_caller_ranks_a_missing_key),
    T(test_await_ends_with_the_ranking),
};

SB_TEST_MAIN("search_cache", tests)

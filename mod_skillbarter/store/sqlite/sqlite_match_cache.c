/*
 * SQLite driver: the per-process cache of match answers (sqlite_match_cache.h). A
 * set-associative table of SB_MCACHE_SETS sets of SB_MCACHE_WAYS viewers, each set under one of
 * SB_MCACHE_LOCKS mutexes (httpd's event MPM answers from many threads). An answer is one
 * malloc'd block: its keys, its cards and their text. A hit hands out the cards' text where
 * it is: the block is reference counted, and the asking pool holds a reference until it is
 * cleaned up (a block replaced meanwhile lives on until then).
 */
#include "sqlite_match_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#define SB_MCACHE_LOCKS 64

/* A kept answer: this header, then its keys, its cards and the cards' text. */
typedef struct {
    int refs;    /* the table's, and one per pool a hit was handed to (atomic) */
    size_t size; /* of the whole block */
    uint64_t epoch;
    int64_t from, until;
    int servable; /* 0: a memo of the keys only (no cards) */
    int limit;
    int nkeys;
    sb_mcache_gen_t *keys; /* sorted by bucket, each once */
    int ncards;
    sb_user_card_t *cards; /* card_head points into text */
    char *text;
    size_t text_len;
} mc_block_t;

typedef struct {
    const sb_sqlite_turn_t *db; /* NULL: a free way */
    char id[SB_ID_LEN];
    uint64_t used; /* the set's clock at the last use */
    mc_block_t *b;
} mc_entry_t;

static mc_entry_t mc_table[SB_MCACHE_SETS][SB_MCACHE_WAYS];
static uint64_t mc_clock[SB_MCACHE_SETS];
static pthread_mutex_t mc_locks[SB_MCACHE_LOCKS] = {[0 ... SB_MCACHE_LOCKS - 1] =
                                                        PTHREAD_MUTEX_INITIALIZER};
static size_t mc_bytes; /* of every block kept (atomic) */
static uint64_t mc_hits, mc_misses, mc_stores, mc_memos;

int sb_mcache_usable(const sb_sqlite_conn_t *sc)
{
    return sc->turn && sqlite3_get_autocommit(sc->db);
}

uint32_t sb_mcache_user_bucket(const char *id)
{
    return sb_sqlite_gen_bucket('u', id, SB_ID_LEN);
}

uint32_t sb_mcache_blocks_bucket(const char *viewer_id)
{
    return sb_sqlite_gen_bucket('b', viewer_id, SB_ID_LEN);
}

uint32_t sb_mcache_offer_bucket(const char *skill_lower)
{
    return sb_sqlite_gen_bucket('o', skill_lower, strlen(skill_lower));
}

static mc_entry_t *mc_find(uint32_t set, const sb_sqlite_turn_t *t, const char *viewer_id)
{
    int w;

    for (w = 0; w < SB_MCACHE_WAYS; w++) {
        mc_entry_t *e = &mc_table[set][w];
        if (e->db == t && memcmp(e->id, viewer_id, SB_ID_LEN) == 0) {
            return e;
        }
    }
    return NULL;
}

/* Whether every counter b depends on still reads as it did. */
static int mc_current(const sb_sqlite_turn_t *t, const mc_block_t *b)
{
    int i;

    if (b->epoch != sb_sqlite_gen_epoch(t)) {
        return 0;
    }
    for (i = 0; i < b->nkeys; i++) {
        if (sb_sqlite_gen_get(t, b->keys[i].bucket) != b->keys[i].gen) {
            return 0;
        }
    }
    return 1;
}

static void mc_unref(mc_block_t *b)
{
    if (__atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        free(b);
    }
}

static apr_status_t mc_release(void *b)
{
    mc_unref(b);
    return APR_SUCCESS;
}

/* The first n cards of b in p, their text b's own (b referenced until p is cleaned up). */
static apr_array_header_t *mc_hand_out(apr_pool_t *p, mc_block_t *b, int n)
{
    apr_array_header_t *a = apr_array_make(p, n > 0 ? n : 1, sizeof(sb_user_card_t));

    __atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
    apr_pool_cleanup_register(p, b, mc_release, apr_pool_cleanup_null);
    memcpy(a->elts, b->cards, sizeof(sb_user_card_t) * (size_t)n);
    a->nelts = n;
    return a;
}

static int gen_cmp(const void *a, const void *b)
{
    uint32_t x = ((const sb_mcache_gen_t *)a)->bucket, y = ((const sb_mcache_gen_t *)b)->bucket;

    return x < y ? -1 : x > y;
}

/* stamp: the epoch, then the counters of b's keys (when b) and of the viewer's own keys. */
static void mc_stamp(const sb_sqlite_turn_t *t, apr_pool_t *p, const mc_block_t *b,
                     uint32_t user_bucket, uint32_t blocks_bucket, sb_mcache_stamp_t *s)
{
    int i, n = 0, max = (b ? b->nkeys : 0) + 2;

    s->epoch = sb_sqlite_gen_epoch(t);
    s->keys = apr_palloc(p, sizeof(sb_mcache_gen_t) * (size_t)max);
    s->memo_limit = b ? b->limit : 0;
    for (i = 0; b && i < b->nkeys; i++) {
        s->keys[n++].bucket = b->keys[i].bucket;
    }
    s->keys[n++].bucket = user_bucket;
    s->keys[n++].bucket = blocks_bucket;
    qsort(s->keys, (size_t)n, sizeof(sb_mcache_gen_t), gen_cmp);
    s->n = 0;
    for (i = 0; i < n; i++) {
        if (s->n == 0 || s->keys[s->n - 1].bucket != s->keys[i].bucket) {
            s->keys[s->n].bucket = s->keys[i].bucket;
            s->keys[s->n++].gen = sb_sqlite_gen_get(t, s->keys[i].bucket);
        }
    }
}

int sb_mcache_get(const sb_sqlite_turn_t *t, apr_pool_t *p, const char *viewer_id, int64_t now,
                  int limit, apr_array_header_t **out, sb_mcache_stamp_t *stamp)
{
    uint32_t ub = sb_mcache_user_bucket(viewer_id), set = ub & (SB_MCACHE_SETS - 1);
    pthread_mutex_t *mu = &mc_locks[set % SB_MCACHE_LOCKS];
    mc_block_t *b;
    mc_entry_t *e;
    int hit = 0;

    pthread_mutex_lock(mu);
    e = mc_find(set, t, viewer_id);
    b = e ? e->b : NULL;
    if (b && b->servable && now >= b->from && now < b->until
        && (limit <= b->limit || b->ncards < b->limit) && mc_current(t, b)) {
        e->used = ++mc_clock[set];
        *out = mc_hand_out(p, b, limit < b->ncards ? limit : b->ncards);
        hit = 1;
    }
    else {
        mc_stamp(t, p, b, ub, sb_mcache_blocks_bucket(viewer_id), stamp);
    }
    pthread_mutex_unlock(mu);
    __atomic_add_fetch(hit ? &mc_hits : &mc_misses, 1, __ATOMIC_RELAXED);
    return hit;
}

static int bucket_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

/* A's keys sorted and each once, with the counters stamped for them: *servable 0 when one of
 * them was not stamped. Returns how many (keys has room for a->nbuckets). */
static int mc_keys(const sb_mcache_stamp_t *s, const sb_mcache_answer_t *a, sb_mcache_gen_t *keys,
                   int *servable)
{
    uint32_t *sorted = malloc(sizeof(uint32_t) * (size_t)(a->nbuckets > 0 ? a->nbuckets : 1));
    int i, n = 0;

    *servable = sorted != NULL;
    if (!sorted) {
        return 0;
    }
    memcpy(sorted, a->buckets, sizeof(uint32_t) * (size_t)a->nbuckets);
    qsort(sorted, (size_t)a->nbuckets, sizeof(uint32_t), bucket_cmp);
    for (i = 0; i < a->nbuckets; i++) {
        sb_mcache_gen_t k = {sorted[i], 0};
        const sb_mcache_gen_t *st;
        if (n && keys[n - 1].bucket == k.bucket) {
            continue;
        }
        st = bsearch(&k, s->keys, (size_t)s->n, sizeof(sb_mcache_gen_t), gen_cmp);
        if (st) {
            k.gen = st->gen;
        }
        else {
            *servable = 0;
        }
        keys[n++] = k;
    }
    free(sorted);
    return n;
}

/* A malloc'd block of a (its cards only when servable); NULL when out of memory. */
static mc_block_t *mc_pack(const sb_mcache_stamp_t *s, const sb_mcache_answer_t *a, int cards)
{
    size_t size = sizeof(mc_block_t) + sizeof(sb_mcache_gen_t) * (size_t)a->nbuckets, text = 0;
    int i, n = cards ? a->cards->nelts : 0;
    mc_block_t *b;
    char *at;

    for (i = 0; i < n; i++) {
        text += APR_ARRAY_IDX(a->cards, i, sb_user_card_t).card_head_len;
    }
    size += sizeof(sb_user_card_t) * (size_t)n + text;
    if (!(b = malloc(size))) {
        return NULL;
    }
    memset(b, 0, sizeof *b);
    b->refs = 1;
    b->size = size;
    b->epoch = s->epoch;
    b->from = a->from;
    b->until = a->until;
    b->limit = a->limit;
    b->keys = (sb_mcache_gen_t *)(b + 1);
    b->nkeys = mc_keys(s, a, b->keys, &b->servable);
    b->servable = b->servable && cards;
    b->cards = (sb_user_card_t *)(b->keys + a->nbuckets);
    b->ncards = b->servable ? n : 0;
    b->text = at = (char *)(b->cards + n);
    b->text_len = text;
    for (i = 0; i < b->ncards; i++) {
        const sb_user_card_t *c = &APR_ARRAY_IDX(a->cards, i, sb_user_card_t);
        sb_user_card_t *d = &b->cards[i];
        memset(d, 0, sizeof *d);
        memcpy(d->id, c->id, sizeof d->id);
        d->last_seen = c->last_seen;
        d->rating = c->rating;
        d->total_reviews = c->total_reviews;
        d->is_verified = c->is_verified;
        d->they_offer = c->they_offer;
        d->they_want = c->they_want;
        if (c->card_head) {
            memcpy(at, c->card_head, c->card_head_len);
            d->card_head = at;
            d->card_head_len = c->card_head_len;
            at += c->card_head_len;
        }
    }
    return b;
}

/* The way viewer_id takes in set: its own, a free one, or the least recently used. */
static mc_entry_t *mc_way(uint32_t set, const sb_sqlite_turn_t *t, const char *viewer_id)
{
    mc_entry_t *e = mc_find(set, t, viewer_id), *old = NULL;
    int w;

    for (w = 0; !e && w < SB_MCACHE_WAYS; w++) {
        mc_entry_t *x = &mc_table[set][w];
        if (!x->db) {
            return x;
        }
        if (!old || x->used < old->used) {
            old = x;
        }
    }
    return e ? e : old;
}

void sb_mcache_put(const sb_sqlite_turn_t *t, const char *viewer_id, const sb_mcache_stamp_t *stamp,
                   const sb_mcache_answer_t *a)
{
    uint32_t set = sb_mcache_user_bucket(viewer_id) & (SB_MCACHE_SETS - 1);
    pthread_mutex_t *mu = &mc_locks[set % SB_MCACHE_LOCKS];
    mc_block_t *b = mc_pack(stamp, a, 1), *old;
    mc_entry_t *e;

    if (b && b->servable
        && __atomic_load_n(&mc_bytes, __ATOMIC_RELAXED) + b->size > SB_MCACHE_BYTES) {
        free(b); /* full: remember the keys only */
        b = mc_pack(stamp, a, 0);
    }
    if (!b) {
        return;
    }
    __atomic_add_fetch(b->servable ? &mc_stores : &mc_memos, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&mc_bytes, b->size, __ATOMIC_RELAXED);
    pthread_mutex_lock(mu);
    e = mc_way(set, t, viewer_id);
    old = e->b;
    e->db = t;
    memcpy(e->id, viewer_id, SB_ID_LEN);
    e->used = ++mc_clock[set];
    e->b = b;
    pthread_mutex_unlock(mu);
    if (old) {
        __atomic_sub_fetch(&mc_bytes, old->size, __ATOMIC_RELAXED);
        mc_unref(old);
    }
}

void sb_mcache_stats(sb_mcache_stats_t *out)
{
    out->hits = __atomic_load_n(&mc_hits, __ATOMIC_RELAXED);
    out->misses = __atomic_load_n(&mc_misses, __ATOMIC_RELAXED);
    out->stores = __atomic_load_n(&mc_stores, __ATOMIC_RELAXED);
    out->memos = __atomic_load_n(&mc_memos, __ATOMIC_RELAXED);
}

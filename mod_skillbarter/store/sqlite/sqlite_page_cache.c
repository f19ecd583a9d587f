/* SQLite driver: the per-process caches of discovery answers (sqlite_page_cache.h). */
#include "sqlite_page_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#define SB_PAGE_CACHE_LOCKS 64

/* One entry's answer in one malloc'd block: this header, the cards, shown_from, card_gens,
 * the caller's extra bytes, the key, then the cards' text; the block's pointers point into itself.
 * Never changed once made: the cache holds one reference and each request that had it from the
 * cache one more (released by a cleanup of its pool), so a hit hands out the block itself, not a
 * copy. */
typedef struct {
    size_t size;
    unsigned refs;
    sb_page_t pg;
    const char *key;
} block_t;

typedef struct {
    const sb_sqlite_turn_t *db; /* NULL: a free way */
    uint32_t hash, bucket;
    uint64_t epoch, gen;
    uint64_t used; /* the set's clock at the last use */
    block_t *b;
} entry_t;

struct sb_page_cache {
    int sets;
    entry_t *entries; /* sets * SB_PAGE_CACHE_WAYS */
    uint64_t *clock;  /* per set */
    pthread_mutex_t locks[SB_PAGE_CACHE_LOCKS];
    uint64_t hits, misses;
};

static void block_release(block_t *b)
{
    if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        free(b);
    }
}

static apr_status_t block_cleanup(void *data)
{
    block_release(data);
    return APR_SUCCESS;
}

static apr_status_t page_cache_free(void *data)
{
    sb_page_cache_t *pc = data;
    int i;

    for (i = 0; i < pc->sets * SB_PAGE_CACHE_WAYS; i++) {
        block_release(pc->entries[i].b);
    }
    for (i = 0; i < SB_PAGE_CACHE_LOCKS; i++) {
        pthread_mutex_destroy(&pc->locks[i]);
    }
    free(pc->entries);
    free(pc->clock);
    return APR_SUCCESS;
}

sb_page_cache_t *sb_page_cache_create(apr_pool_t *p, int sets)
{
    sb_page_cache_t *pc = apr_pcalloc(p, sizeof *pc);
    int i;

    pc->sets = sets;
    pc->entries = calloc((size_t)sets * SB_PAGE_CACHE_WAYS, sizeof(entry_t));
    pc->clock = calloc((size_t)sets, sizeof(uint64_t));
    if (!pc->entries || !pc->clock) {
        free(pc->entries);
        free(pc->clock);
        return NULL;
    }
    for (i = 0; i < SB_PAGE_CACHE_LOCKS; i++) {
        pthread_mutex_init(&pc->locks[i], NULL);
    }
    apr_pool_cleanup_register(p, pc, page_cache_free, apr_pool_cleanup_null);
    return pc;
}

int sb_page_cache_usable(const sb_sqlite_conn_t *sc)
{
    return sc->turn && sqlite3_get_autocommit(sc->db);
}

void sb_page_stamp(const sb_sqlite_turn_t *t, uint32_t bucket, sb_page_stamp_t *s)
{
    s->bucket = bucket;
    s->epoch = sb_sqlite_gen_epoch(t);
    s->gen = sb_sqlite_gen_get(t, bucket);
}

static uint32_t key_hash(const char *key)
{
    uint32_t h = 2166136261u; /* FNV-1a */

    for (; *key; key++) {
        h = (h ^ (unsigned char)*key) * 16777619u;
    }
    return h;
}

static entry_t *find(sb_page_cache_t *pc, uint32_t set, const sb_sqlite_turn_t *t, uint32_t hash,
                     const char *key)
{
    entry_t *e = &pc->entries[(size_t)set * SB_PAGE_CACHE_WAYS];
    int w;

    for (w = 0; w < SB_PAGE_CACHE_WAYS; w++) {
        if (e[w].db == t && e[w].hash == hash && strcmp(e[w].b->key, key) == 0) {
            return &e[w];
        }
    }
    return NULL;
}

uint64_t sb_page_card_gen(const sb_sqlite_turn_t *t, const char *id)
{
    return sb_sqlite_gen_get(t, sb_sqlite_gen_bucket('u', id, strlen(id)));
}

/* 1 when every card of pg still has the generation it was taken under (card_gens). */
static int cards_current(const sb_sqlite_turn_t *t, const sb_page_t *pg)
{
    int i;

    for (i = 0; pg->card_gens && i < pg->n; i++) {
        if (sb_page_card_gen(t, pg->cards[i].id) != pg->card_gens[i]) {
            return 0;
        }
    }
    return 1;
}

int sb_page_cache_get(sb_page_cache_t *pc, const sb_sqlite_turn_t *t, apr_pool_t *p,
                      const char *key, int64_t now, sb_page_t *out)
{
    uint32_t hash = key_hash(key), set = hash & (uint32_t)(pc->sets - 1);
    pthread_mutex_t *mu = &pc->locks[set % SB_PAGE_CACHE_LOCKS];
    block_t *b = NULL;
    entry_t *e;
    int hit = 0;

    pthread_mutex_lock(mu);
    e = find(pc, set, t, hash, key);
    if (e && e->epoch == sb_sqlite_gen_epoch(t) && e->gen == sb_sqlite_gen_get(t, e->bucket)
        && now < e->b->pg.valid_until && cards_current(t, &e->b->pg)) {
        e->used = ++pc->clock[set];
        __atomic_add_fetch(&e->b->refs, 1, __ATOMIC_RELAXED);
        b = e->b;
        *out = b->pg;
        hit = 1;
    }
    pthread_mutex_unlock(mu);
    if (hit) {
        apr_pool_cleanup_register(p, b, block_cleanup, apr_pool_cleanup_null);
    }
    __atomic_add_fetch(hit ? &pc->hits : &pc->misses, 1, __ATOMIC_RELAXED);
    return hit;
}

/* pg and key in one malloc'd block; NULL when out of memory. */
static block_t *pack(const char *key, const sb_page_t *pg)
{
    size_t size = sizeof(block_t), klen = strlen(key) + 1, cards, extra, i;
    block_t *b;
    char *at;

    cards = sizeof(sb_user_card_t) * (size_t)pg->n;
    extra = pg->extra ? (pg->extra_len + 7) & ~(size_t)7 : 0;
    size += cards + (pg->shown_from ? sizeof(int64_t) * (size_t)pg->n : 0)
            + (pg->card_gens ? sizeof(uint64_t) * (size_t)pg->n : 0) + extra + klen;
    for (i = 0; i < (size_t)pg->n; i++) {
        size += pg->cards[i].card_head ? pg->cards[i].card_head_len + 1 : 0;
    }
    if (!(b = malloc(size))) {
        return NULL;
    }
    b->size = size;
    b->refs = 1;
    b->pg = *pg;
    at = (char *)(b + 1);
    b->pg.cards = (sb_user_card_t *)at;
    at += cards;
    if (pg->shown_from) {
        b->pg.shown_from = (int64_t *)at;
        memcpy(at, pg->shown_from, sizeof(int64_t) * (size_t)pg->n);
        at += sizeof(int64_t) * (size_t)pg->n;
    }
    if (pg->card_gens) {
        b->pg.card_gens = (uint64_t *)at;
        memcpy(at, pg->card_gens, sizeof(uint64_t) * (size_t)pg->n);
        at += sizeof(uint64_t) * (size_t)pg->n;
    }
    if (pg->extra) { /* at is 8-byte aligned: the arrays before it are of such */
        memcpy(at, pg->extra, pg->extra_len);
        b->pg.extra = at;
        at += extra;
    }
    memcpy(at, key, klen);
    b->key = at;
    at += klen;
    for (i = 0; i < (size_t)pg->n; i++) {
        const sb_user_card_t *c = &pg->cards[i];
        sb_user_card_t *d = &b->pg.cards[i];
        /* only the members a cached card has: nothing points outside the block */
        memset(d, 0, sizeof *d);
        memcpy(d->id, c->id, sizeof d->id);
        d->rating = c->rating;
        d->total_reviews = c->total_reviews;
        d->is_verified = c->is_verified;
        d->last_seen = c->last_seen;
        if (c->card_head) {
            memcpy(at, c->card_head, c->card_head_len);
            at[c->card_head_len] = '\0';
            d->card_head = at;
            d->card_head_len = c->card_head_len;
            at += c->card_head_len + 1;
        }
    }
    return b;
}

void sb_page_cache_put(sb_page_cache_t *pc, const sb_sqlite_turn_t *t, const char *key,
                       const sb_page_stamp_t *s, const sb_page_t *pg)
{
    uint32_t hash = key_hash(key), set = hash & (uint32_t)(pc->sets - 1);
    pthread_mutex_t *mu = &pc->locks[set % SB_PAGE_CACHE_LOCKS];
    entry_t *e, *ways = &pc->entries[(size_t)set * SB_PAGE_CACHE_WAYS];
    block_t *b, *old;
    int w;

    if (!t || !(b = pack(key, pg))) {
        return;
    }
    pthread_mutex_lock(mu);
    if (!(e = find(pc, set, t, hash, key))) {
        for (w = 0; w < SB_PAGE_CACHE_WAYS && ways[w].db; w++) {
        }
        if (w == SB_PAGE_CACHE_WAYS) { /* the least recently used way */
            for (w = 1, e = ways; w < SB_PAGE_CACHE_WAYS; w++) {
                e = ways[w].used < e->used ? &ways[w] : e;
            }
        }
        else {
            e = &ways[w];
        }
    }
    else if (e->epoch > s->epoch || (e->epoch == s->epoch && e->gen > s->gen)) {
        /* another thread stored a newer reading meanwhile */
        pthread_mutex_unlock(mu);
        free(b);
        return;
    }
    old = e->b;
    e->b = b;
    e->db = t;
    e->hash = hash;
    e->bucket = s->bucket;
    e->epoch = s->epoch;
    e->gen = s->gen;
    e->used = ++pc->clock[set];
    pthread_mutex_unlock(mu);
    block_release(old);
}

void sb_page_cache_stats(const sb_page_cache_t *pc, sb_page_cache_stats_t *out)
{
    out->hits = __atomic_load_n(&pc->hits, __ATOMIC_RELAXED);
    out->misses = __atomic_load_n(&pc->misses, __ATOMIC_RELAXED);
}

#include "sqlite_search_cache.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

typedef struct {
    char *key;                /* NULL: free slot */
    sb_search_entry_t e;
    apr_size_t bytes;
} slot_t;

struct sb_search_cache {
    apr_thread_mutex_t *lock;
    apr_size_t bytes;
    slot_t slots[SB_SEARCH_CACHE_ENTRIES];
};

static void slot_clear(sb_search_cache_t *sc, slot_t *s)
{
    free(s->key);
    free(s->e.hits);
    free(s->e.keys);
    sc->bytes -= s->bytes;
    memset(s, 0, sizeof *s);
}

static apr_status_t cache_cleanup(void *data)
{
    sb_search_cache_t *sc = data;
    int i;
    for (i = 0; i < SB_SEARCH_CACHE_ENTRIES; i++) {
        slot_clear(sc, &sc->slots[i]);
    }
    return APR_SUCCESS;
}

sb_search_cache_t *sb_search_cache_create(apr_pool_t *p)
{
    sb_search_cache_t *sc = apr_pcalloc(p, sizeof *sc);
    if (apr_thread_mutex_create(&sc->lock, APR_THREAD_MUTEX_DEFAULT, p) != APR_SUCCESS) {
        return NULL;
    }
    apr_pool_cleanup_register(p, sc, cache_cleanup, apr_pool_cleanup_null);
    return sc;
}

/* The slot holding key, or NULL. Caller holds the lock. */
static slot_t *find(sb_search_cache_t *sc, const char *key)
{
    int i;
    for (i = 0; i < SB_SEARCH_CACHE_ENTRIES; i++) {
        if (sc->slots[i].key && !strcmp(sc->slots[i].key, key)) {
            return &sc->slots[i];
        }
    }
    return NULL;
}

/* Index of the first key >= id in keys[0..n) (binary search); *found when equal. */
static int key_search(const sb_id_key_t *keys, int n, const char *id, int *found)
{
    int lo = 0, hi = n;

    *found = 0;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2, c = memcmp(keys[mid], id, SB_ID_LEN);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0) {
            lo = mid + 1;
        }
        else {
            hi = mid;
        }
    }
    return lo;
}

void sb_search_entry_page(apr_pool_t *p, const sb_search_entry_t *e, const char *viewer_id,
                          int offset, int limit, sb_search_page_t *page)
{
    int i, skipped = 0, viewer_in = -1, found;

    memset(page, 0, sizeof *page);
    page->ids = apr_palloc(p, sizeof(sb_id_buf_t) * (limit > 0 ? limit : 1));
    for (i = 0; i < e->n && page->np < limit; i++) {
        if (!strcmp(e->hits[i].id, viewer_id)) {
            viewer_in = 1;
            continue;
        }
        if (skipped < offset) {
            skipped++;
            continue;
        }
        memcpy(page->ids[page->np++], e->hits[i].id, sizeof(sb_id_buf_t));
    }
    if (viewer_in < 0 && e->keys && strlen(viewer_id) == SB_ID_LEN) {
        key_search(e->keys, e->nkeys, viewer_id, &found);
        viewer_in = found;
    }
    else if (viewer_in < 0 && e->keys) {
        viewer_in = 0;
    }
    for (; viewer_in < 0 && i < e->n; i++) {
        viewer_in = strcmp(e->hits[i].id, viewer_id) ? -1 : 1;
    }
    if (viewer_in < 0 && e->n == e->total) {
        viewer_in = 0;
    }
    page->viewer_unknown = viewer_in < 0;
    page->total = e->total - (viewer_in > 0);
    page->complete = page->np == limit || e->n == e->total;
}

sb_search_lookup_t sb_search_cache_page(sb_search_cache_t *sc, apr_pool_t *p, const char *key,
                                        int64_t seq, int64_t now, const char *viewer_id,
                                        int offset, int limit, sb_search_page_t *page,
                                        sb_search_entry_t **behind)
{
    sb_search_lookup_t r = SB_SEARCH_MISS;
    slot_t *s;

    *behind = NULL;
    apr_thread_mutex_lock(sc->lock);
    s = find(sc, key);
    if (s && now >= s->e.at && now < s->e.valid_until) {
        if (s->e.seq == seq) {
            sb_search_entry_page(p, &s->e, viewer_id, offset, limit, page);
            r = SB_SEARCH_HIT;
        }
        else if (s->e.seq < seq && s->e.keys && seq - s->e.seq <= SB_SEARCH_CACHE_MAX_CHANGES) {
            sb_search_entry_t *c = apr_pmemdup(p, &s->e, sizeof s->e);
            c->hits = apr_pmemdup(p, s->e.hits, sizeof(sb_search_hit_t) * (s->e.n ? s->e.n : 1));
            c->keys = apr_pmemdup(p, s->e.keys, sizeof(sb_id_key_t)
                                                    * (s->e.nkeys ? s->e.nkeys : 1));
            *behind = c;
            r = SB_SEARCH_BEHIND;
        }
    }
    apr_thread_mutex_unlock(sc->lock);
    return r;
}

void sb_search_cache_put(sb_search_cache_t *sc, const char *key, const sb_search_entry_t *e)
{
    apr_size_t hb = sizeof(sb_search_hit_t) * (e->n ? e->n : 1);
    apr_size_t kb = e->keys ? sizeof(sb_id_key_t) * (e->nkeys ? e->nkeys : 1) : 0;
    apr_size_t bytes = hb + kb + strlen(key) + 1;
    slot_t *s, *victim;
    char *k = strdup(key);
    sb_search_hit_t *hits = malloc(hb);
    sb_id_key_t *keys = kb ? malloc(kb) : NULL;
    int i;

    if (!k || !hits || (kb && !keys) || bytes > SB_SEARCH_CACHE_BYTES / 4) {
        free(k);
        free(hits);
        free(keys);
        return;
    }
    memcpy(hits, e->hits, sizeof(sb_search_hit_t) * e->n);
    if (keys) {
        memcpy(keys, e->keys, sizeof(sb_id_key_t) * e->nkeys);
    }
    apr_thread_mutex_lock(sc->lock);
    if ((s = find(sc, key)) && s->e.seq > e->seq && s->e.at >= e->at) {
        /* another thread stored a newer state meanwhile */
        apr_thread_mutex_unlock(sc->lock);
        free(k);
        free(hits);
        free(keys);
        return;
    }
    if (s) {
        slot_clear(sc, s);
    }
    /* room: evict the oldest rankings until this one fits and a slot is free */
    for (;;) {
        slot_t *free_slot = NULL;
        victim = NULL;
        for (i = 0; i < SB_SEARCH_CACHE_ENTRIES; i++) {
            slot_t *t = &sc->slots[i];
            if (!t->key) {
                free_slot = free_slot ? free_slot : t;
            }
            else if (!victim || t->e.at < victim->e.at) {
                victim = t;
            }
        }
        if (free_slot && sc->bytes + bytes <= SB_SEARCH_CACHE_BYTES) {
            s = free_slot;
            break;
        }
        slot_clear(sc, victim);
    }
    s->key = k;
    s->e = *e;
    s->e.hits = hits;
    s->e.keys = keys;
    s->bytes = bytes;
    sc->bytes += bytes;
    apr_thread_mutex_unlock(sc->lock);
}

/* -1, 0, 1 as a ranks before, equal to, after b: score, then last_seen and id descending. */
static int hit_cmp(double score, int64_t last_seen, const char *id, const sb_search_hit_t *b)
{
    if (score != b->score) {
        return score < b->score ? -1 : 1;
    }
    if (last_seen != b->last_seen) {
        return last_seen > b->last_seen ? -1 : 1;
    }
    return -strcmp(id, b->id);
}

void sb_search_entry_apply(apr_pool_t *p, sb_search_entry_t *e, const char *id, int matches,
                           double score, int64_t last_seen)
{
    int i, pos, was;

    if (strlen(id) != SB_ID_LEN) {
        return;
    }
    for (i = 0; i < e->n; i++) {
        if (!strcmp(e->hits[i].id, id)) {
            memmove(&e->hits[i], &e->hits[i + 1], sizeof(sb_search_hit_t) * (e->n - i - 1));
            e->n--;
            break;
        }
    }
    pos = key_search(e->keys, e->nkeys, id, &was);
    if (was && !matches) {
        memmove(&e->keys[pos], &e->keys[pos + 1], sizeof(sb_id_key_t) * (e->nkeys - pos - 1));
        e->nkeys--;
        e->total--;
    }
    else if (!was && matches) {
        sb_id_key_t *k = apr_palloc(p, sizeof(sb_id_key_t) * (e->nkeys + 1));
        memcpy(k, e->keys, sizeof(sb_id_key_t) * pos);
        memcpy(k[pos], id, SB_ID_LEN);
        memcpy(k + pos + 1, e->keys + pos, sizeof(sb_id_key_t) * (e->nkeys - pos));
        e->keys = k;
        e->nkeys++;
        e->total++;
    }
    if (!matches) {
        return;
    }
    for (pos = 0; pos < e->n && hit_cmp(score, last_seen, id, &e->hits[pos]) > 0; pos++) {
    }
    /* inside the prefix, or after it when the prefix holds every other match */
    if (pos < e->n || e->n == e->total - 1) {
        sb_search_hit_t *h = apr_palloc(p, sizeof(sb_search_hit_t) * (e->n + 1));
        int keep = e->n < SB_SEARCH_CACHE_MAX_IDS ? e->n + 1 : e->n;
        if (pos >= keep) {
            return;
        }
        memcpy(h, e->hits, sizeof(sb_search_hit_t) * pos);
        h[pos].score = score;
        h[pos].last_seen = last_seen;
        memcpy(h[pos].id, id, sizeof(sb_id_buf_t));
        memcpy(h + pos + 1, e->hits + pos, sizeof(sb_search_hit_t) * (keep - pos - 1));
        e->hits = h;
        e->n = keep;
    }
}

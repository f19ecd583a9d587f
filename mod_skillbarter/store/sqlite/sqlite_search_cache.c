#include "sqlite_search_cache.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <apr_time.h>

typedef struct {
    char *key;           /* NULL: free slot */
    sb_search_entry_t e; /* hits and keys malloc'd, room for hcap and kcap */
    int hcap, kcap;
    apr_size_t bytes;
    int64_t renewing; /* when a caller was handed the entry to rank afresh; 0: nobody */
} slot_t;

/* A key some caller is ranking (others wait for it rather than rank it too). */
typedef struct {
    char *key; /* NULL: free */
    int64_t since;
} flight_t;

struct sb_search_cache {
    apr_thread_mutex_t *lock;
    apr_thread_cond_t *ranked; /* broadcast when a flight ends */
    apr_size_t bytes;
    int waiting;    /* callers in sb_search_cache_await's wait now */
    uint64_t waits; /* and since the cache was made */
    slot_t slots[SB_SEARCH_CACHE_ENTRIES];
    flight_t flights[SB_SEARCH_CACHE_FLIGHTS];
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
    for (i = 0; i < SB_SEARCH_CACHE_FLIGHTS; i++) {
        free(sc->flights[i].key);
        sc->flights[i].key = NULL;
    }
    return APR_SUCCESS;
}

sb_search_cache_t *sb_search_cache_create(apr_pool_t *p)
{
    sb_search_cache_t *sc = apr_pcalloc(p, sizeof *sc);
    if (apr_thread_mutex_create(&sc->lock, APR_THREAD_MUTEX_DEFAULT, p) != APR_SUCCESS
        || apr_thread_cond_create(&sc->ranked, p) != APR_SUCCESS) {
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

/* The index in hidden[0..n) of id, or -1. */
static int hidden_index(const sb_id_buf_t *hidden, int n, const char *id)
{
    int h;

    for (h = 0; h < n; h++) {
        if (!strcmp(hidden[h], id)) {
            return h;
        }
    }
    return -1;
}

/* Whether hidden user id is among e's matches past the scanned prefix hits[from..): 1, 0, or
 * -1 when the entry cannot tell (no key set and the prefix is not every match). */
static int hidden_matches(const sb_search_entry_t *e, int from, const char *id)
{
    int i, found;

    if (e->keys) {
        if (strlen(id) != SB_ID_LEN) {
            return 0;
        }
        key_search(e->keys, e->nkeys, id, &found);
        return found;
    }
    for (i = from; i < e->n; i++) {
        if (!strcmp(e->hits[i].id, id)) {
            return 1;
        }
    }
    return e->n == e->total ? 0 : -1;
}

void sb_search_entry_page(apr_pool_t *p, const sb_search_entry_t *e, const sb_id_buf_t *hidden,
                          int nhidden, int offset, int limit, sb_search_page_t *page)
{
    int i, h, skipped = 0, in;
    char *seen = apr_pcalloc(p, nhidden > 0 ? nhidden : 1);

    memset(page, 0, sizeof *page);
    page->ids = apr_palloc(p, sizeof(sb_id_buf_t) * (limit > 0 ? limit : 1));
    for (i = 0; i < e->n && page->np < limit; i++) {
        if ((h = hidden_index(hidden, nhidden, e->hits[i].id)) >= 0) {
            seen[h] = 1;
            continue;
        }
        if (skipped < offset) {
            skipped++;
            continue;
        }
        memcpy(page->ids[page->np++], e->hits[i].id, sizeof(sb_id_buf_t));
    }
    page->total = e->total;
    for (h = 0; h < nhidden; h++) {
        in = seen[h] ? 1 : hidden_matches(e, i, hidden[h]);
        page->total -= in > 0;
        page->hidden_unknown |= in < 0;
    }
    page->complete = page->np == limit || e->n == e->total;
}

sb_search_lookup_t sb_search_cache_page(sb_search_cache_t *sc, apr_pool_t *p, const char *key,
                                        int64_t seq, int64_t now, const sb_id_buf_t *hidden,
                                        int nhidden, int offset, int limit, sb_search_page_t *page,
                                        int64_t *behind_seq)
{
    sb_search_lookup_t r = SB_SEARCH_MISS;
    slot_t *s;

    *behind_seq = 0;
    apr_thread_mutex_lock(sc->lock);
    s = find(sc, key);
    if (s && now >= s->e.at && now < s->e.valid_until) {
        if (now - s->e.at >= SB_SEARCH_CACHE_TTL_MS - SB_SEARCH_CACHE_REFRESH_MS
            && (!s->renewing || now - s->renewing >= SB_SEARCH_CACHE_RENEW_MS
                || now < s->renewing)) {
            s->renewing = now; /* this caller ranks afresh; the others keep the entry */
            r = SB_SEARCH_RENEW;
        }
        else if (s->e.seq > seq) {
            r = SB_SEARCH_NEWER;
        }
        else if (s->e.seq == seq) {
            sb_search_entry_page(p, &s->e, hidden, nhidden, offset, limit, page);
            r = SB_SEARCH_HIT;
        }
        else if (s->e.seq < seq && s->e.keys && seq - s->e.seq <= SB_SEARCH_CACHE_MAX_CHANGES) {
            *behind_seq = s->e.seq;
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
    s->hcap = e->n ? e->n : 1;
    s->kcap = keys ? (e->nkeys ? e->nkeys : 1) : 0;
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

/* Room for one more hit and key in s; 0 when memory runs out. Caller holds the lock. */
static int slot_grow(sb_search_cache_t *sc, slot_t *s)
{
    if (s->e.n == s->hcap && s->hcap < SB_SEARCH_CACHE_MAX_IDS) {
        int cap = s->hcap * 2 < SB_SEARCH_CACHE_MAX_IDS ? s->hcap * 2 : SB_SEARCH_CACHE_MAX_IDS;
        sb_search_hit_t *h = realloc(s->e.hits, sizeof(sb_search_hit_t) * cap);
        if (!h) {
            return 0;
        }
        s->e.hits = h;
        sc->bytes += sizeof(sb_search_hit_t) * (cap - s->hcap);
        s->bytes += sizeof(sb_search_hit_t) * (cap - s->hcap);
        s->hcap = cap;
    }
    if (s->e.nkeys == s->kcap) {
        int cap = s->kcap * 2 + 1;
        sb_id_key_t *k = realloc(s->e.keys, sizeof(sb_id_key_t) * cap);
        if (!k) {
            return 0;
        }
        s->e.keys = k;
        sc->bytes += sizeof(sb_id_key_t) * (cap - s->kcap);
        s->bytes += sizeof(sb_id_key_t) * (cap - s->kcap);
        s->kcap = cap;
    }
    return 1;
}

/* One changed user leaves s's ranking and, when it matches now, re-enters at its score. */
static int slot_apply(sb_search_cache_t *sc, slot_t *s, const sb_search_change_t *c)
{
    sb_search_entry_t *e = &s->e;
    int i, pos, was;

    if (strlen(c->id) != SB_ID_LEN) {
        return 1;
    }
    if (!slot_grow(sc, s)) {
        return 0;
    }
    for (i = 0; i < e->n; i++) {
        if (!strcmp(e->hits[i].id, c->id)) {
            memmove(&e->hits[i], &e->hits[i + 1], sizeof(sb_search_hit_t) * (e->n - i - 1));
            e->n--;
            break;
        }
    }
    pos = key_search(e->keys, e->nkeys, c->id, &was);
    if (was && !c->matches) {
        memmove(&e->keys[pos], &e->keys[pos + 1], sizeof(sb_id_key_t) * (e->nkeys - pos - 1));
        e->nkeys--;
        e->total--;
    }
    else if (!was && c->matches) {
        memmove(&e->keys[pos + 1], &e->keys[pos], sizeof(sb_id_key_t) * (e->nkeys - pos));
        memcpy(e->keys[pos], c->id, SB_ID_LEN);
        e->nkeys++;
        e->total++;
    }
    if (!c->matches) {
        return 1;
    }
    for (pos = 0; pos < e->n && hit_cmp(c->score, c->last_seen, c->id, &e->hits[pos]) > 0; pos++) {
    }
    /* inside the prefix, or after it when the prefix holds every other match */
    if (pos < e->n || e->n == e->total - 1) {
        int keep = e->n < SB_SEARCH_CACHE_MAX_IDS ? e->n + 1 : e->n;
        if (pos >= keep) {
            return 1;
        }
        memmove(&e->hits[pos + 1], &e->hits[pos], sizeof(sb_search_hit_t) * (keep - pos - 1));
        e->hits[pos].score = c->score;
        e->hits[pos].last_seen = c->last_seen;
        memcpy(e->hits[pos].id, c->id, sizeof(sb_id_buf_t));
        e->n = keep;
    }
    return 1;
}

int sb_search_cache_patch(sb_search_cache_t *sc, const char *key, int64_t from_seq, int64_t to_seq,
                          const sb_search_change_t *changes, int n, int64_t valid_until)
{
    slot_t *s;
    int i, ok = 0;

    apr_thread_mutex_lock(sc->lock);
    if ((s = find(sc, key)) && s->e.keys) {
        if (s->e.seq == from_seq) {
            for (ok = 1, i = 0; ok && i < n; i++) {
                ok = slot_apply(sc, s, &changes[i]);
            }
            if (ok) {
                s->e.seq = to_seq;
                s->e.valid_until = valid_until < s->e.valid_until ? valid_until : s->e.valid_until;
            }
            else {
                slot_clear(sc, s);
            }
        }
        else {
            ok = s->e.seq == to_seq;
        }
    }
    apr_thread_mutex_unlock(sc->lock);
    return ok;
}

/* The flight of key, or NULL. Caller holds the lock. */
static flight_t *flight_find(sb_search_cache_t *sc, const char *key)
{
    int i;
    for (i = 0; i < SB_SEARCH_CACHE_FLIGHTS; i++) {
        if (sc->flights[i].key && !strcmp(sc->flights[i].key, key)) {
            return &sc->flights[i];
        }
    }
    return NULL;
}

int sb_search_cache_claim(sb_search_cache_t *sc, const char *key, int64_t now)
{
    flight_t *f;
    int i, mine = 1;

    apr_thread_mutex_lock(sc->lock);
    if ((f = flight_find(sc, key))) {
        if (now >= f->since && now - f->since < SB_SEARCH_CACHE_WAIT_MS) {
            mine = 0;
        }
        else {
            f->since = now; /* its ranker is overdue: this caller takes it over */
        }
    }
    else {
        for (i = 0; i < SB_SEARCH_CACHE_FLIGHTS && sc->flights[i].key; i++) {
        }
        /* a full table: rank without a flight (nobody waits for this one) */
        if (i < SB_SEARCH_CACHE_FLIGHTS && (sc->flights[i].key = strdup(key))) {
            sc->flights[i].since = now;
        }
    }
    apr_thread_mutex_unlock(sc->lock);
    return mine;
}

void sb_search_cache_release(sb_search_cache_t *sc, const char *key)
{
    flight_t *f;

    apr_thread_mutex_lock(sc->lock);
    if ((f = flight_find(sc, key))) {
        free(f->key);
        f->key = NULL;
        apr_thread_cond_broadcast(sc->ranked);
    }
    apr_thread_mutex_unlock(sc->lock);
}

void sb_search_cache_await(sb_search_cache_t *sc, const char *key)
{
    apr_time_t until = apr_time_now() + apr_time_from_msec(SB_SEARCH_CACHE_WAIT_MS), left;

    apr_thread_mutex_lock(sc->lock);
    while (flight_find(sc, key) && (left = until - apr_time_now()) > 0) {
        sc->waiting++;
        sc->waits++;
        apr_thread_cond_timedwait(sc->ranked, sc->lock, left);
        sc->waiting--;
    }
    apr_thread_mutex_unlock(sc->lock);
}

void sb_search_cache_waits(sb_search_cache_t *sc, int *waiting, uint64_t *waits)
{
    apr_thread_mutex_lock(sc->lock);
    *waiting = sc->waiting;
    *waits = sc->waits;
    apr_thread_mutex_unlock(sc->lock);
}

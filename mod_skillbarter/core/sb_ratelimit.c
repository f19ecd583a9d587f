/*
 * The shared rate-limit table: segment life cycle (create, attach, retire), the robust
 * process-shared lock, and the sliding-window counter. See sb_ratelimit.h for the layout.
 */
#include "sb_ratelimit.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <apr_file_io.h>
#include <apr_mmap.h>
#include <apr_strings.h>
#include <apr_time.h>

#define SB_RL_MAGIC        0x52425342u /* "SBBR" */
#define SB_RL_VERSION      2u          /* 2: entries keep their limit (evictions) */
#define SB_RL_PROBE        32          /* slots examined per key, at most */
#define SB_RL_FULL_WARN_MS 60000

typedef struct {
    uint32_t magic;
    uint32_t version;
    uint32_t header_size;
    uint32_t entry_size;
    uint32_t capacity;
    uint32_t mutex_size;
    uint64_t total_size;
    uint64_t seed;
    uint32_t retired; /* atomic: 1 once a newer segment replaced this one */
    uint32_t ndefs;
    int64_t full_warned_ms; /* last "table full" warning, any process */
    uint64_t full_count;    /* hits that found no slot */
    pthread_mutex_t lock;
    sb_rl_def_t defs[SB_RL_MAX_LIMITERS];
    /* Version 2 appends here only: a version-1 mapping kept across a graceful restart keeps
     * its lock and entries where this code looks for them (this lands in its padding). */
    uint64_t evict_count; /* live entries evicted to make room */
} sb_rl_header_t;

/* 32 bytes: two per cache line. hash 0 = empty slot. */
typedef struct {
    uint64_t hash;
    int64_t start_ms; /* start of the current window, a multiple of window_ms */
    uint32_t window_s;
    uint32_t cur;
    uint32_t prev;
    uint32_t max; /* the limit it was last counted against (0: unknown) */
} sb_rl_entry_t;

struct sb_rl_table {
    sb_rl_header_t *h;
    sb_rl_entry_t *e;
    const char *path;
};

#define SB_RL_ENTRIES_OFFSET ((sizeof(sb_rl_header_t) + 63) & ~(apr_size_t)63)

apr_size_t sb_rl_segment_size(uint32_t capacity)
{
    return SB_RL_ENTRIES_OFFSET + (apr_size_t)capacity * sizeof(sb_rl_entry_t);
}

static const char *errtext(apr_pool_t *p, const char *what, const char *path, apr_status_t rv)
{
    char buf[120];
    return apr_psprintf(p, "%s %s: %s", what, path, apr_strerror(rv, buf, sizeof buf));
}

/* Map size bytes of an open file read-write and shared. */
static apr_status_t map_file(apr_pool_t *p, apr_file_t *f, apr_size_t size, void **base)
{
    apr_mmap_t *mm;
    apr_status_t rv = apr_mmap_create(&mm, f, 0, size, APR_MMAP_READ | APR_MMAP_WRITE, p);
    if (rv == APR_SUCCESS) {
        *base = mm->mm;
    }
    return rv;
}

/* 1 when the mapped header describes a segment this code can use. */
static int header_ok(const sb_rl_header_t *h, apr_size_t file_size)
{
    return h->magic == SB_RL_MAGIC && h->version == SB_RL_VERSION
           && h->header_size == sizeof(sb_rl_header_t) && h->entry_size == sizeof(sb_rl_entry_t)
           && h->mutex_size == sizeof(pthread_mutex_t) && h->capacity >= SB_RL_MIN_CAPACITY
           && h->capacity <= SB_RL_MAX_CAPACITY && h->total_size == file_size
           && file_size == sb_rl_segment_size(h->capacity);
}

/* Lock, recovering from an owner that died holding it. 0 on success. */
static int rl_lock(sb_rl_header_t *h)
{
    int rc = pthread_mutex_lock(&h->lock);
    if (rc == EOWNERDEAD) {
        /* The dead owner may have left one entry half-updated: counters only, harmless. */
        rc = pthread_mutex_consistent(&h->lock);
    }
    return rc;
}

static void rl_unlock(sb_rl_header_t *h)
{
    pthread_mutex_unlock(&h->lock);
}

static apr_status_t init_header(sb_rl_header_t *h, uint32_t capacity, apr_size_t size)
{
    pthread_mutexattr_t a;
    uint64_t seed = 0;
    int rc;

    memset(h, 0, sizeof *h);
    h->magic = SB_RL_MAGIC;
    h->version = SB_RL_VERSION;
    h->header_size = sizeof *h;
    h->entry_size = sizeof(sb_rl_entry_t);
    h->capacity = capacity;
    h->mutex_size = sizeof(pthread_mutex_t);
    h->total_size = size;
    h->full_warned_ms = INT64_MIN / 2;
    /* A per-segment hash seed: callers cannot aim their keys at someone else's slot. */
    if (apr_generate_random_bytes((unsigned char *)&seed, sizeof seed) != APR_SUCCESS) {
        seed = (uint64_t)apr_time_now() * 0x9e3779b97f4a7c15ull;
    }
    h->seed = seed;
    if ((rc = pthread_mutexattr_init(&a))) {
        return rc;
    }
    rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    if (!rc) {
        rc = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    }
    if (!rc) {
        rc = pthread_mutex_init(&h->lock, &a);
    }
    pthread_mutexattr_destroy(&a);
    return rc;
}

/* Mark the segment currently at path (if any, and valid) as retired. */
static void retire_file(apr_pool_t *p, const char *path)
{
    apr_pool_t *tp;
    apr_file_t *f;
    apr_finfo_t fi;
    void *base;

    apr_pool_create(&tp, p);
    if (apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_WRITE, 0, tp) == APR_SUCCESS
        && apr_file_info_get(&fi, APR_FINFO_SIZE, f) == APR_SUCCESS
        && fi.size >= (apr_off_t)sizeof(sb_rl_header_t)
        && map_file(tp, f, (apr_size_t)fi.size, &base) == APR_SUCCESS) {
        sb_rl_header_t *h = base;
        if (header_ok(h, (apr_size_t)fi.size)) {
            __atomic_store_n(&h->retired, 1u, __ATOMIC_RELEASE);
        }
    }
    apr_pool_destroy(tp);
}

apr_status_t sb_rl_create(apr_pool_t *p, const char *path, uint32_t capacity, apr_fileperms_t perms,
                          sb_rl_table_t **out, const char **why)
{
    apr_size_t size = sb_rl_segment_size(capacity);
    char *tmp = apr_pstrcat(p, path, ".XXXXXX", NULL);
    apr_file_t *f;
    apr_status_t rv;
    sb_rl_table_t *t;
    void *base;

    if (capacity < SB_RL_MIN_CAPACITY || capacity > SB_RL_MAX_CAPACITY) {
        *why = apr_psprintf(p, "capacity %u out of range", capacity);
        return APR_EINVAL;
    }
    rv = apr_file_mktemp(&f, tmp,
                         APR_FOPEN_CREATE | APR_FOPEN_READ | APR_FOPEN_WRITE | APR_FOPEN_EXCL, p);
    if (rv != APR_SUCCESS) {
        *why = errtext(p, "cannot create", tmp, rv);
        return rv;
    }
    if ((rv = apr_file_perms_set(tmp, perms)) != APR_SUCCESS && rv != APR_ENOTIMPL) {
        *why = errtext(p, "cannot set permissions of", tmp, rv);
        goto fail;
    }
    if ((rv = apr_file_trunc(f, (apr_off_t)size)) != APR_SUCCESS) {
        *why = errtext(p, "cannot size", tmp, rv);
        goto fail;
    }
    if ((rv = map_file(p, f, size, &base)) != APR_SUCCESS) {
        *why = errtext(p, "cannot map", tmp, rv);
        goto fail;
    }
    apr_file_close(f);
    f = NULL;
    if ((rv = init_header(base, capacity, size))) {
        *why = apr_psprintf(p, "cannot make a process-shared robust mutex (%d)", (int)rv);
        rv = APR_FROM_OS_ERROR(rv);
        goto fail;
    }
    retire_file(p, path);
    if ((rv = apr_file_rename(tmp, path, p)) != APR_SUCCESS) {
        *why = errtext(p, "cannot rename into place", path, rv);
        goto fail;
    }
    t = apr_pcalloc(p, sizeof *t);
    t->h = base;
    t->e = (sb_rl_entry_t *)((char *)base + SB_RL_ENTRIES_OFFSET);
    t->path = apr_pstrdup(p, path);
    *out = t;
    return APR_SUCCESS;

fail:
    if (f) {
        apr_file_close(f);
    }
    apr_file_remove(tmp, p);
    return rv;
}

apr_status_t sb_rl_attach(apr_pool_t *p, const char *path, sb_rl_table_t **out, const char **why)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv;
    sb_rl_table_t *t;
    void *base;

    if ((rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_WRITE, 0, p)) != APR_SUCCESS) {
        *why = errtext(p, "cannot open", path, rv);
        return rv;
    }
    rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv == APR_SUCCESS && fi.size < (apr_off_t)sizeof(sb_rl_header_t)) {
        rv = APR_EINVAL;
    }
    if (rv == APR_SUCCESS) {
        rv = map_file(p, f, (apr_size_t)fi.size, &base);
    }
    apr_file_close(f);
    if (rv != APR_SUCCESS) {
        *why = errtext(p, "cannot map", path, rv);
        return rv;
    }
    if (!header_ok(base, (apr_size_t)fi.size)) {
        *why = apr_psprintf(p, "%s is not a rate-limit segment of this version", path);
        return APR_EINVAL;
    }
    t = apr_pcalloc(p, sizeof *t);
    t->h = base;
    t->e = (sb_rl_entry_t *)((char *)base + SB_RL_ENTRIES_OFFSET);
    t->path = apr_pstrdup(p, path);
    *out = t;
    return APR_SUCCESS;
}

int sb_rl_retired(const sb_rl_table_t *t)
{
    return __atomic_load_n(&t->h->retired, __ATOMIC_ACQUIRE) != 0;
}

uint32_t sb_rl_capacity(const sb_rl_table_t *t)
{
    return t->h->capacity;
}

const char *sb_rl_path(const sb_rl_table_t *t)
{
    return t->path;
}

void sb_rl_publish(sb_rl_table_t *t, const sb_rl_def_t *defs, int n)
{
    if (n > SB_RL_MAX_LIMITERS) {
        n = SB_RL_MAX_LIMITERS;
    }
    if (rl_lock(t->h)) {
        return;
    }
    memset(t->h->defs, 0, sizeof t->h->defs);
    memcpy(t->h->defs, defs, (apr_size_t)n * sizeof *defs);
    t->h->ndefs = (uint32_t)n;
    rl_unlock(t->h);
}

int sb_rl_definitions(sb_rl_table_t *t, sb_rl_def_t *defs, int max)
{
    int n = 0;

    if (rl_lock(t->h)) {
        return 0;
    }
    while (n < max && (uint32_t)n < t->h->ndefs && n < SB_RL_MAX_LIMITERS) {
        defs[n] = t->h->defs[n];
        defs[n].name[SB_RL_NAME_MAX - 1] = '\0';
        n++;
    }
    rl_unlock(t->h);
    return n;
}

int sb_rl_lookup(sb_rl_table_t *t, const char *name, sb_rl_def_t *def)
{
    uint32_t i;
    int found = -1;

    if (rl_lock(t->h)) {
        return -1;
    }
    for (i = 0; i < t->h->ndefs && i < SB_RL_MAX_LIMITERS; i++) {
        if (!strncmp(t->h->defs[i].name, name, SB_RL_NAME_MAX)) {
            *def = t->h->defs[i];
            def->name[SB_RL_NAME_MAX - 1] = '\0';
            found = 0;
            break;
        }
    }
    rl_unlock(t->h);
    return found;
}

/* FNV-1a over "limiter\0key", seeded, with a final avalanche; never 0. */
static uint64_t key_hash(uint64_t seed, const char *limiter, const char *key)
{
    uint64_t x = 0xcbf29ce484222325ull ^ seed;
    const unsigned char *s;

    for (s = (const unsigned char *)limiter; *s; s++) {
        x = (x ^ *s) * 0x100000001b3ull;
    }
    x = (x ^ 0xff) * 0x100000001b3ull;
    for (s = (const unsigned char *)key; *s; s++) {
        x = (x ^ *s) * 0x100000001b3ull;
    }
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x ? x : 1;
}

static int64_t align_down(int64_t t, int64_t w)
{
    int64_t r = t % w;
    return r < 0 ? t - r - w : t - r;
}

static int expired(const sb_rl_entry_t *e, int64_t now)
{
    return now - e->start_ms >= 2 * (int64_t)e->window_s * 1000;
}

/* Bring the entry's windows up to now; a clock behind the window start changes nothing. */
static void roll(sb_rl_entry_t *e, uint32_t window_s, int64_t now)
{
    int64_t w = (int64_t)window_s * 1000;

    if (e->window_s != window_s) {
        /* new slot, or the operator changed the window: start over */
        e->window_s = window_s;
        e->start_ms = align_down(now, w);
        e->cur = e->prev = 0;
        return;
    }
    if (now < e->start_ms + w) {
        return;
    }
    if (now < e->start_ms + 2 * w) {
        e->prev = e->cur;
        e->start_ms += w;
    }
    else {
        e->prev = 0;
        e->start_ms = align_down(now, w);
    }
    e->cur = 0;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
    return (a + b - 1) / b;
}

/* Weighted use of the entry at now (after roll): cur + ceil(prev * (W - elapsed) / W). */
static uint64_t used_at(const sb_rl_entry_t *e, int64_t now)
{
    int64_t w = (int64_t)e->window_s * 1000;
    int64_t el = now > e->start_ms ? now - e->start_ms : 0;
    return (uint64_t)e->cur + (uint64_t)ceil_div((int64_t)e->prev * (w - el), w);
}

/* Milliseconds from now until used + 1 <= max holds again (no other hits meanwhile). */
static int64_t wait_ms(const sb_rl_entry_t *e, uint32_t max, int64_t now)
{
    int64_t w = (int64_t)e->window_s * 1000, need = (int64_t)max - 1, at;

    if ((int64_t)e->cur <= need && e->prev > 0) {
        /* later in this window, once the previous window's weight has decayed enough */
        at = e->start_ms + w - (need - (int64_t)e->cur) * w / e->prev;
    }
    else if (e->cur > 0) {
        /* in the next window, where this window becomes the weighted one */
        at = e->start_ms + 2 * w - need * w / e->cur;
    }
    else {
        at = e->start_ms + w;
    }
    return at > now ? at - now : 0;
}

/*
 * The entry for hash, claiming the first empty or expired slot of its probe window when
 * new; insert 0: lookup only. A slot never becomes empty again once used (an expired or
 * evicted one is reused in place), so a key always sits before the first empty slot of its
 * window and the scan can stop there.
 *
 * When the window holds only live entries, the one whose current window ends soonest is
 * evicted (it forgives the least) — but never one that is refusing requests right now
 * (used >= its limit): evicting those would let a caller with many addresses lift the
 * limits of the callers it wants to reset, its own brute force included — nor one of the
 * nkeep entries this request already holds. NULL when every entry is refusing: *retry_ms is
 * then the wait until the first of them stops.
 */
static sb_rl_entry_t *find_slot(sb_rl_table_t *t, uint64_t hash, int64_t now, int insert,
                                sb_rl_entry_t *const *keep, int nkeep, int *evicted,
                                int64_t *retry_ms)
{
    uint32_t cap = t->h->capacity, i, idx = (uint32_t)(hash % cap);
    sb_rl_entry_t *free_slot = NULL, *victim = NULL;
    int64_t victim_end = INT64_MAX, wait = INT64_MAX;

    for (i = 0; i < SB_RL_PROBE; i++) {
        sb_rl_entry_t *e = &t->e[(idx + i) % cap];
        if (e->hash == hash) {
            return e;
        }
        if (!e->hash) {
            if (!free_slot) {
                free_slot = e;
            }
            break;
        }
        if (!free_slot && expired(e, now)) {
            free_slot = e;
        }
        if (!free_slot && insert) {
            sb_rl_entry_t v = *e; /* judged as of now, without touching the entry */
            int64_t end;
            int k, held = 0;

            for (k = 0; k < nkeep; k++) {
                held |= keep[k] == e;
            }
            if (held || !v.window_s) {
                continue;
            }
            roll(&v, v.window_s, now);
            end = v.start_ms + (int64_t)v.window_s * 1000;
            if (v.max && used_at(&v, now) >= v.max) {
                int64_t ms = wait_ms(&v, v.max, now);
                wait = ms < wait ? ms : wait;
            }
            else if (end < victim_end) {
                victim = e;
                victim_end = end;
            }
        }
    }
    if (!insert) {
        return NULL;
    }
    if (!free_slot && victim) {
        free_slot = victim;
        *evicted = 1;
    }
    if (free_slot) {
        memset(free_slot, 0, sizeof *free_slot);
        free_slot->hash = hash;
    }
    else {
        *retry_ms = wait == INT64_MAX ? 1000 : wait;
    }
    return free_slot;
}

/* remaining after this request; reset: seconds until the window ends, or — with nothing
 * left — until one more request passes (so a client waiting that long is not refused). */
static void fill(sb_rl_hit_t *hit, const sb_rl_entry_t *e, int64_t now)
{
    uint64_t used = used_at(e, now);
    int64_t w = (int64_t)e->window_s * 1000;
    int64_t left = e->start_ms + w - (now > e->start_ms ? now : e->start_ms);

    hit->remaining = used >= hit->max ? 0 : (uint32_t)(hit->max - used);
    hit->window_start = e->start_ms;
    if (hit->remaining == 0) {
        int64_t ms = wait_ms(e, hit->max, now);
        if (ms > 2 * w) {
            ms = 2 * w; /* the clock stepped back: never promise more than two windows */
        }
        left = ms > 0 ? ms : 1;
    }
    hit->reset_s = (uint32_t)ceil_div(left, 1000);
    hit->retry_s = hit->status == SB_RL_DENY ? hit->reset_s : 0;
}

sb_rl_status_t sb_rl_consume(sb_rl_table_t *t, sb_rl_hit_t *hits, int n, int64_t now_ms,
                             int *warn_full)
{
    sb_rl_entry_t *slot[8];
    int i, denied = 0, full = 0, evicted = 0;

    *warn_full = 0;
    if (n <= 0) {
        return SB_RL_ALLOW;
    }
    if (n > 8) {
        n = 8;
    }
    if (sb_rl_retired(t)) {
        return SB_RL_RETIRED;
    }
    if (rl_lock(t->h)) {
        return SB_RL_ERROR;
    }
    for (i = 0; i < n; i++) {
        sb_rl_hit_t *hit = &hits[i];
        uint64_t hash = key_hash(t->h->seed, hit->limiter, hit->key);

        int64_t retry_ms = 0;

        slot[i] = find_slot(t, hash, now_ms, 1, slot, i, &evicted, &retry_ms);
        if (!slot[i]) {
            full = 1;
            if (hit->fail_closed) {
                /* nothing to count with and nothing to evict: refuse, as if over the limit */
                hit->status = SB_RL_DENY;
                hit->remaining = 0;
                hit->window_start = 0;
                hit->reset_s = hit->retry_s = (uint32_t)ceil_div(retry_ms > 0 ? retry_ms : 1, 1000);
                denied = 1;
            }
            else {
                hit->status = SB_RL_FULL;
            }
            continue;
        }
        roll(slot[i], hit->window_s, now_ms);
        slot[i]->max = hit->max;
        hit->status = used_at(slot[i], now_ms) + 1 <= hit->max ? SB_RL_ALLOW : SB_RL_DENY;
        denied |= hit->status == SB_RL_DENY;
    }
    for (i = 0; i < n; i++) {
        if (!slot[i]) {
            continue;
        }
        if (!denied) {
            slot[i]->cur++;
        }
        fill(&hits[i], slot[i], now_ms);
    }
    t->h->evict_count += (uint64_t)evicted;
    t->h->full_count += (uint64_t)full;
    if (full || evicted) {
        if (now_ms - t->h->full_warned_ms >= SB_RL_FULL_WARN_MS || now_ms < t->h->full_warned_ms) {
            t->h->full_warned_ms = now_ms;
            *warn_full = 1;
        }
    }
    rl_unlock(t->h);
    return denied ? SB_RL_DENY : SB_RL_ALLOW;
}

void sb_rl_refund(sb_rl_table_t *t, const sb_rl_hit_t *hit, int64_t now_ms)
{
    sb_rl_entry_t *e;
    int64_t w = (int64_t)hit->window_s * 1000;

    if (hit->status != SB_RL_ALLOW || sb_rl_retired(t) || rl_lock(t->h)) {
        return;
    }
    e = find_slot(t, key_hash(t->h->seed, hit->limiter, hit->key), now_ms, 0, NULL, 0, NULL, NULL);
    if (e && e->window_s == hit->window_s) {
        roll(e, hit->window_s, now_ms);
        if (e->start_ms == hit->window_start && e->cur > 0) {
            e->cur--;
        }
        else if (e->start_ms - w == hit->window_start && e->prev > 0) {
            e->prev--;
        }
    }
    rl_unlock(t->h);
}

sb_rl_status_t sb_rl_hit_named(sb_rl_table_t *t, const char *limiter, const char *key,
                               int64_t now_ms, sb_rl_hit_t *out)
{
    sb_rl_def_t def;
    int warn;

    memset(out, 0, sizeof *out);
    out->limiter = limiter;
    out->key = key;
    if (sb_rl_retired(t)) {
        return out->status = SB_RL_RETIRED;
    }
    if (sb_rl_lookup(t, limiter, &def)) {
        return out->status = SB_RL_NOT_FOUND;
    }
    if (!def.max) {
        return out->status = SB_RL_ALLOW; /* declared off */
    }
    out->max = def.max;
    out->window_s = def.window_s;
    return sb_rl_consume(t, out, 1, now_ms, &warn);
}

uint32_t sb_rl_used(sb_rl_table_t *t, int64_t now_ms, uint32_t *capacity)
{
    uint32_t i, used = 0;

    *capacity = t->h->capacity;
    if (rl_lock(t->h)) {
        return 0;
    }
    for (i = 0; i < t->h->capacity; i++) {
        used += t->e[i].hash && !expired(&t->e[i], now_ms);
    }
    rl_unlock(t->h);
    return used;
}

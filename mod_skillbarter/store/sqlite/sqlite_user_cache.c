/*
 * SQLite driver: the per-process cache of users (sqlite_user_cache.h). A set-associative table
 * of SB_UCACHE_SETS sets of SB_UCACHE_WAYS entries, each set under one of SB_UCACHE_LOCKS
 * mutexes (httpd's event MPM reads it from many threads). A user is kept as one malloc'd
 * block: the sb_user_t with its strings behind it, copied into the request's pool on a hit
 * and its pointers moved with it.
 *
 * An entry also keeps the user's public profile text once a copy of it has been rendered
 * (sb_user_t.public_kept): every sent message shows both people in full, and rendering them
 * was about a tenth of a send's instructions. The text belongs to the entry's reading of the
 * row: a copy (from get, or the one put stored) finds it, and hands its rendering back, only
 * while the entry still holds the reading the copy came from (the epoch and counter it was
 * filled under); an entry filled again starts without one. The text is copied out when a
 * copy is rendered, not with every copy (most requests never show their user's profile).
 */
#include "sqlite_user_cache.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#define SB_UCACHE_LOCKS 64

/* The cached form: the user, its lists' stored text, and the strings both point into. */
typedef struct {
    sb_user_t u;
    const char *text[4];
    size_t size; /* of the whole block */
} sb_ucache_user_t;

typedef struct {
    char id[SB_ID_LEN + 1];
    uint32_t bucket;
    uint64_t gen;
} sb_ucache_family_t;

typedef struct {
    const sb_sqlite_turn_t *db; /* NULL: a free way */
    char id[SB_ID_LEN + 1];
    uint32_t bucket;
    uint64_t epoch, gen;
    uint64_t used; /* the set's clock at the last use */
    int nfamilies, next_family;
    sb_ucache_family_t families[SB_UCACHE_FAMILIES];
    sb_ucache_user_t *user;
    char *public_text; /* malloc'd, NUL-terminated; NULL until a copy's rendering comes back */
    size_t public_len;
} sb_ucache_entry_t;

/* Which reading a copy came from (its public_src): where its rendering may go back to. */
typedef struct {
    const sb_sqlite_turn_t *db;
    char id[SB_ID_LEN + 1];
    uint32_t bucket;
    uint64_t epoch, gen;
} sb_ucache_reading_t;

static sb_ucache_entry_t sb_ucache[SB_UCACHE_SETS][SB_UCACHE_WAYS];
static uint64_t sb_ucache_clock[SB_UCACHE_SETS];
static pthread_mutex_t sb_ucache_locks[SB_UCACHE_LOCKS] = {[0 ... SB_UCACHE_LOCKS - 1] =
                                                               PTHREAD_MUTEX_INITIALIZER};
static uint64_t sb_ucache_hits, sb_ucache_misses, sb_ucache_entries;

/* The string members of sb_user_t, moved with the block. */
static const size_t sb_ucache_strings[] = {
    offsetof(sb_user_t, username),      offsetof(sb_user_t, email),
    offsetof(sb_user_t, password_hash), offsetof(sb_user_t, first_name),
    offsetof(sb_user_t, last_name),     offsetof(sb_user_t, profile_picture),
    offsetof(sb_user_t, bio),           offsetof(sb_user_t, timezone),
    offsetof(sb_user_t, country),       offsetof(sb_user_t, role),
    offsetof(sb_user_t, ban_reason),
};
#define SB_UCACHE_NSTRINGS (sizeof(sb_ucache_strings) / sizeof(sb_ucache_strings[0]))

static const char **sb_ucache_member(sb_user_t *u, size_t i)
{
    return (const char **)((char *)u + sb_ucache_strings[i]);
}

int sb_ucache_usable(const sb_sqlite_conn_t *sc, const char *user_id, const char *family)
{
    return sc->turn && user_id && strlen(user_id) == SB_ID_LEN
           && (!family || strlen(family) == SB_ID_LEN) && sqlite3_get_autocommit(sc->db);
}

void sb_ucache_stamp(const sb_sqlite_turn_t *t, const char *user_id, const char *family,
                     sb_ucache_stamp_t *s)
{
    s->user_bucket = sb_sqlite_gen_bucket('u', user_id, SB_ID_LEN);
    s->family_bucket = family ? sb_sqlite_gen_bucket('f', family, SB_ID_LEN) : 0;
    s->epoch = sb_sqlite_gen_epoch(t);
    s->user_gen = sb_sqlite_gen_get(t, s->user_bucket);
    s->family_gen = family ? sb_sqlite_gen_get(t, s->family_bucket) : 0;
}

/* A malloc'd copy of u (lazy: its lists as text) in one block; NULL when out of memory. */
static sb_ucache_user_t *sb_ucache_pack(const sb_user_t *u)
{
    const char *const *text = sb_sqlite_user_lazy_text(u);
    size_t size = sizeof(sb_ucache_user_t), i, n;
    sb_ucache_user_t *c;
    char *at;

    for (i = 0; i < SB_UCACHE_NSTRINGS; i++) {
        const char *s = *sb_ucache_member((sb_user_t *)u, i);
        size += s ? strlen(s) + 1 : 0;
    }
    for (i = 0; i < 4; i++) {
        size += text[i] ? strlen(text[i]) + 1 : 0;
    }
    if (!(c = malloc(size))) {
        return NULL;
    }
    c->u = *u;
    c->u.lists_fill = NULL;
    c->u.lists_src = NULL;
    c->u.public_kept = NULL;
    c->u.public_keep = NULL;
    c->u.public_src = NULL;
    c->size = size;
    at = (char *)(c + 1);
    for (i = 0; i < SB_UCACHE_NSTRINGS + 4; i++) {
        const char **m =
            i < SB_UCACHE_NSTRINGS ? sb_ucache_member(&c->u, i) : &c->text[i - SB_UCACHE_NSTRINGS];
        const char *s = i < SB_UCACHE_NSTRINGS ? *m : text[i - SB_UCACHE_NSTRINGS];

        if (s) {
            n = strlen(s) + 1;
            memcpy(at, s, n);
            *m = at;
            at += n;
        }
        else {
            *m = NULL;
        }
    }
    return c;
}

/* The block copied into p, its pointers moved into the copy, its lists lazy over p. */
static sb_user_t *sb_ucache_unpack(apr_pool_t *p, const sb_ucache_user_t *c)
{
    sb_ucache_user_t *d = apr_pmemdup(p, c, c->size);
    const char *base = (const char *)c;
    char *to = (char *)d;
    size_t i;

    for (i = 0; i < SB_UCACHE_NSTRINGS + 4; i++) {
        const char **m =
            i < SB_UCACHE_NSTRINGS ? sb_ucache_member(&d->u, i) : &d->text[i - SB_UCACHE_NSTRINGS];
        if (*m) {
            *m = to + (*m - base);
        }
    }
    sb_sqlite_user_make_lazy(p, &d->u, d->text);
    return &d->u;
}

static uint32_t sb_ucache_set(uint32_t user_bucket)
{
    return user_bucket & (SB_UCACHE_SETS - 1);
}

static sb_ucache_entry_t *sb_ucache_find(uint32_t set, const sb_sqlite_turn_t *t,
                                         const char *user_id)
{
    int w;

    for (w = 0; w < SB_UCACHE_WAYS; w++) {
        sb_ucache_entry_t *e = &sb_ucache[set][w];
        if (e->db == t && memcmp(e->id, user_id, SB_ID_LEN) == 0) {
            return e;
        }
    }
    return NULL;
}

/* The entry still holding the reading r (its lock held), or NULL. */
static sb_ucache_entry_t *sb_ucache_reading(const sb_ucache_reading_t *r)
{
    sb_ucache_entry_t *e = sb_ucache_find(sb_ucache_set(r->bucket), r->db, r->id);

    return e && e->epoch == r->epoch && e->gen == r->gen ? e : NULL;
}

static pthread_mutex_t *sb_ucache_lock_of(uint32_t bucket)
{
    return &sb_ucache_locks[sb_ucache_set(bucket) % SB_UCACHE_LOCKS];
}

/* public_kept: a copy in p of the text the entry of reading src keeps, or NULL. */
static const char *sb_ucache_kept(const void *src, apr_pool_t *p, size_t *len)
{
    const sb_ucache_reading_t *r = src;
    pthread_mutex_t *mu = sb_ucache_lock_of(r->bucket);
    const sb_ucache_entry_t *e;
    const char *text = NULL;

    pthread_mutex_lock(mu);
    if ((e = sb_ucache_reading(r)) != NULL && e->public_text) {
        text = apr_pmemdup(p, e->public_text, e->public_len + 1);
        *len = e->public_len;
    }
    pthread_mutex_unlock(mu);
    return text;
}

/* public_keep: a copy's rendering into the entry of its reading, when that has none yet. */
static void sb_ucache_keep(const void *src, const char *text, size_t len)
{
    const sb_ucache_reading_t *r = src;
    pthread_mutex_t *mu = sb_ucache_lock_of(r->bucket);
    sb_ucache_entry_t *e;
    char *copy;

    pthread_mutex_lock(mu);
    if ((e = sb_ucache_reading(r)) != NULL && !e->public_text && (copy = malloc(len + 1)) != NULL) {
        memcpy(copy, text, len);
        copy[len] = '\0';
        e->public_text = copy;
        e->public_len = len;
    }
    pthread_mutex_unlock(mu);
}

/* u, a copy in p of the reading epoch/gen of its entry in t, able to find and keep its
 * public profile text there. */
static void sb_ucache_arm(apr_pool_t *p, const sb_sqlite_turn_t *t, uint32_t bucket, uint64_t epoch,
                          uint64_t gen, sb_user_t *u)
{
    sb_ucache_reading_t *r = apr_palloc(p, sizeof *r);

    r->db = t;
    memcpy(r->id, u->id, SB_ID_LEN + 1);
    r->bucket = bucket;
    r->epoch = epoch;
    r->gen = gen;
    u->public_kept = sb_ucache_kept;
    u->public_keep = sb_ucache_keep;
    u->public_src = r;
}

sb_user_t *sb_ucache_get(const sb_sqlite_turn_t *t, apr_pool_t *p, const char *user_id,
                         const char *family)
{
    uint32_t bucket = sb_sqlite_gen_bucket('u', user_id, SB_ID_LEN), set = sb_ucache_set(bucket);
    pthread_mutex_t *mu = &sb_ucache_locks[set % SB_UCACHE_LOCKS];
    sb_ucache_entry_t *e;
    sb_user_t *u = NULL;
    int i;

    pthread_mutex_lock(mu);
    e = sb_ucache_find(set, t, user_id);
    if (e && e->epoch == sb_sqlite_gen_epoch(t) && e->gen == sb_sqlite_gen_get(t, bucket)) {
        for (i = 0; family && i < e->nfamilies; i++) {
            const sb_ucache_family_t *f = &e->families[i];
            if (memcmp(f->id, family, SB_ID_LEN) == 0) {
                break;
            }
        }
        if (!family
            || (i < e->nfamilies
                && e->families[i].gen == sb_sqlite_gen_get(t, e->families[i].bucket))) {
            e->used = ++sb_ucache_clock[set];
            u = sb_ucache_unpack(p, e->user);
            sb_ucache_arm(p, t, bucket, e->epoch, e->gen, u);
        }
    }
    pthread_mutex_unlock(mu);
    __atomic_add_fetch(u ? &sb_ucache_hits : &sb_ucache_misses, 1, __ATOMIC_RELAXED);
    return u;
}

/* The way user_id takes in set: its own, a free one, or the least recently used. */
static sb_ucache_entry_t *sb_ucache_way(uint32_t set, const sb_sqlite_turn_t *t,
                                        const char *user_id)
{
    sb_ucache_entry_t *e = sb_ucache_find(set, t, user_id), *old = NULL;
    int w;

    for (w = 0; !e && w < SB_UCACHE_WAYS; w++) {
        sb_ucache_entry_t *x = &sb_ucache[set][w];
        if (!x->db) {
            return x;
        }
        if (!old || x->used < old->used) {
            old = x;
        }
    }
    return e ? e : old;
}

void sb_ucache_put(apr_pool_t *p, const sb_sqlite_turn_t *t, const sb_ucache_stamp_t *s,
                   sb_user_t *u, const char *family)
{
    uint32_t set = sb_ucache_set(s->user_bucket);
    pthread_mutex_t *mu = &sb_ucache_locks[set % SB_UCACHE_LOCKS];
    sb_ucache_user_t *packed = NULL;
    sb_ucache_entry_t *e;
    sb_ucache_family_t *f;
    int i;

    if (!t || !sb_sqlite_user_lazy_text(u) || strlen(u->id) != SB_ID_LEN) {
        return;
    }
    pthread_mutex_lock(mu);
    e = sb_ucache_way(set, t, u->id);
    if (e->db != t || memcmp(e->id, u->id, SB_ID_LEN) != 0 || e->epoch != s->epoch
        || e->gen != s->user_gen) {
        /* a new user or a new reading of it: what was known of its families goes too */
        if (!(packed = sb_ucache_pack(u))) {
            pthread_mutex_unlock(mu);
            return;
        }
        if (!e->db) {
            __atomic_add_fetch(&sb_ucache_entries, 1, __ATOMIC_RELAXED);
        }
        free(e->user);
        free(e->public_text);
        e->public_text = NULL;
        e->public_len = 0;
        e->user = packed;
        e->db = t;
        memcpy(e->id, u->id, SB_ID_LEN + 1);
        e->bucket = s->user_bucket;
        e->epoch = s->epoch;
        e->gen = s->user_gen;
        e->nfamilies = e->next_family = 0;
    }
    e->used = ++sb_ucache_clock[set];
    for (i = 0; family && i < e->nfamilies; i++) {
        if (memcmp(e->families[i].id, family, SB_ID_LEN) == 0) {
            break;
        }
    }
    if (family) {
        if (i == e->nfamilies) {
            i = e->nfamilies < SB_UCACHE_FAMILIES ? e->nfamilies++ : e->next_family;
            e->next_family = (i + 1) % SB_UCACHE_FAMILIES;
        }
        f = &e->families[i];
        memcpy(f->id, family, SB_ID_LEN + 1);
        f->bucket = s->family_bucket;
        f->gen = s->family_gen;
    }
    pthread_mutex_unlock(mu);
    sb_ucache_arm(p, t, s->user_bucket, s->epoch, s->user_gen, u);
}

void sb_ucache_stats(sb_ucache_stats_t *out)
{
    out->hits = __atomic_load_n(&sb_ucache_hits, __ATOMIC_RELAXED);
    out->misses = __atomic_load_n(&sb_ucache_misses, __ATOMIC_RELAXED);
    out->entries = __atomic_load_n(&sb_ucache_entries, __ATOMIC_RELAXED);
}

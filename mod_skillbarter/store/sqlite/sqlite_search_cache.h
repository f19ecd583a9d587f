/*
 * Per-process cache of ranked search results. For an (FTS query, category) key an entry holds
 * the best SB_SEARCH_CACHE_MAX_IDS matches in rank order (with their bm25 score and
 * last_seen, so a changed user can be put back in place), the sorted ids of every match and
 * the match count, all as of one position `seq` of the store's search_changes log.
 *
 * A write never clears an entry: the next search with that key reads the users changed since
 * `seq` (a handful at a time) and patches the entry — each changed user leaves the ranking
 * and re-enters at its current score if it still matches — so membership and counts are
 * exact at once, whoever wrote. Only the scores of users nobody changed (bm25 corpus
 * statistics drift a little with every write) may be up to SB_SEARCH_CACHE_TTL_MS old: an
 * entry is ranked from scratch after that, earlier when a timed ban expires (which changes
 * visibility without a write), when more than SB_SEARCH_CACHE_MAX_CHANGES users changed
 * since `seq`, and never patched when it has more than SB_SEARCH_CACHE_MAX_KEYS matches.
 * Thread-safe; entries live in malloc'd memory, at most SB_SEARCH_CACHE_BYTES in all.
 *
 * Under load and writes, two things would make every concurrent search rank from scratch
 * (at 100,000 users tens of milliseconds each, all at once): an entry already patched past
 * the caller's snapshot (SB_SEARCH_NEWER: the caller reads again in a newer transaction
 * instead), and the end of an entry's age. So an entry in the last SB_SEARCH_CACHE_REFRESH_MS
 * of its age is handed to one caller to rank afresh (SB_SEARCH_RENEW for that caller alone; to
 * another after SB_SEARCH_CACHE_RENEW_MS if it never stored its ranking) while every other caller
 * keeps using the entry: rankings are renewed before they reach SB_SEARCH_CACHE_TTL_MS.
 * A key nobody searched for a while has no entry to keep using: its first searcher ranks
 * (sb_search_cache_claim) and the others that miss meanwhile wait for that ranking
 * (sb_search_cache_await, at most SB_SEARCH_CACHE_WAIT_MS) instead of all ranking at once;
 * an entry behind is likewise patched by one caller while the others wait for the patch.
 */
#ifndef SB_SQLITE_SEARCH_CACHE_H
#define SB_SQLITE_SEARCH_CACHE_H

#include <stdint.h>
#include <apr_pools.h>

#include "store.h"

#define SB_SEARCH_CACHE_ENTRIES     256
#define SB_SEARCH_CACHE_TTL_MS      SB_STORE_SEARCH_MAX_AGE_MS /* age of unchanged users' scores */
#define SB_SEARCH_CACHE_MAX_IDS     2000   /* deeper pages are answered by the direct query */
#define SB_SEARCH_CACHE_MAX_KEYS    100000 /* bigger match sets are ranked again on change */
#define SB_SEARCH_CACHE_MAX_CHANGES 256    /* more changed users: rank again */
#define SB_SEARCH_CACHE_BYTES       (64 << 20)
#define SB_SEARCH_CACHE_REFRESH_MS  15000 /* the last part of an entry's age: one renews it */
#define SB_SEARCH_CACHE_RENEW_MS    3000  /* a renewal not stored by then is handed out again */
#define SB_SEARCH_CACHE_WAIT_MS     2000  /* longest wait for another caller's ranking */
#define SB_SEARCH_CACHE_FLIGHTS     16    /* keys being ranked at once that others wait for */

typedef char sb_id_buf_t[SB_ID_LEN + 1];
typedef char sb_id_key_t[SB_ID_LEN]; /* an id without its NUL, compared by memcmp */

typedef struct {
    double score; /* bm25: lower is better */
    int64_t last_seen;
    sb_id_buf_t id;
} sb_search_hit_t;

/* One ranking; in the cache its arrays are malloc'd, copies handed out live in a pool. */
typedef struct {
    int64_t seq;         /* search_changes position the entry reflects */
    int64_t at;          /* when it was ranked from scratch */
    int64_t valid_until; /* rank again from then on */
    int64_t total;       /* matches, the viewer included */
    int n;               /* ranked prefix length */
    sb_search_hit_t *hits;
    int nkeys;         /* == total when keys is set */
    sb_id_key_t *keys; /* sorted ids of every match; NULL when over MAX_KEYS */
} sb_search_entry_t;

/* A page of an entry's ranking with some users left out (the viewer, whom they blocked). */
typedef struct {
    sb_id_buf_t *ids;
    int np;
    int64_t total;      /* matches without the hidden users (see hidden_unknown) */
    int complete;       /* the ranked prefix answered the whole page */
    int hidden_unknown; /* a hidden user may match beyond the prefix: total counts them */
} sb_search_page_t;

typedef enum {
    SB_SEARCH_MISS,   /* nothing usable: rank from scratch */
    SB_SEARCH_HIT,    /* *page filled */
    SB_SEARCH_BEHIND, /* an entry at *behind_seq: patch it up to the current seq */
    SB_SEARCH_NEWER,  /* the entry is past seq (patched by a newer reader): read again */
    SB_SEARCH_RENEW   /* this caller ranks afresh (the entry nears its age); others keep it */
} sb_search_lookup_t;

/* A user changed after an entry's seq, as the store sees them now. */
typedef struct {
    sb_id_buf_t id;
    int matches; /* matches the entry's query and is visible */
    double score;
    int64_t last_seen;
} sb_search_change_t;

typedef struct sb_search_cache sb_search_cache_t;

/* NULL when the mutex cannot be made (the driver then searches without a cache). */
sb_search_cache_t *sb_search_cache_create(apr_pool_t *p);

/* The page [offset, offset + limit) of key's ranking at seq, valid at now, without the
 * nhidden users of hidden (an id may be "" for nobody). */
sb_search_lookup_t sb_search_cache_page(sb_search_cache_t *sc, apr_pool_t *p, const char *key,
                                        int64_t seq, int64_t now, const sb_id_buf_t *hidden,
                                        int nhidden, int offset, int limit, sb_search_page_t *page,
                                        int64_t *behind_seq);
/* Store a copy of e for key, unless the cache holds a newer one. */
void sb_search_cache_put(sb_search_cache_t *sc, const char *key, const sb_search_entry_t *e);
/*
 * Apply the n users changed in (from_seq, to_seq] to key's entry in place, when it is still
 * at from_seq (concurrent searches compute the same changes; the first applies them).
 * Returns 1 when the entry is at to_seq afterwards, 0 when it is gone or was dropped.
 */
int sb_search_cache_patch(sb_search_cache_t *sc, const char *key, int64_t from_seq, int64_t to_seq,
                          const sb_search_change_t *changes, int n, int64_t valid_until);

/*
 * A miss: 1 when the caller is to rank key (and must sb_search_cache_release it after
 * storing the ranking, or failing to), 0 when another caller has been ranking it for less
 * than SB_SEARCH_CACHE_WAIT_MS (then sb_search_cache_await it and look again).
 */
int sb_search_cache_claim(sb_search_cache_t *sc, const char *key, int64_t now);
void sb_search_cache_release(sb_search_cache_t *sc, const char *key);
/* Until key's ranking is released or at most SB_SEARCH_CACHE_WAIT_MS have passed. */
void sb_search_cache_await(sb_search_cache_t *sc, const char *key);
/* The callers waiting in sb_search_cache_await now, and the waits since sc was made (so a
 * test can tell a wait happened, and release a ranking only once someone waits for it). */
void sb_search_cache_waits(sb_search_cache_t *sc, int *waiting, uint64_t *waits);

/* The page of e (as sb_search_cache_page on a hit). */
void sb_search_entry_page(apr_pool_t *p, const sb_search_entry_t *e, const sb_id_buf_t *hidden,
                          int nhidden, int offset, int limit, sb_search_page_t *page);

#endif

/*
 * SQLite driver: per-process caches of discovery answers — discover pages, the cards a search
 * page shows, the ids a viewer blocked, the search_changes head — so that a page asked again
 * costs a hash look-up and one copy instead of SQLite reads.
 *
 * An entry is good while the generation counter it follows (sqlite_turn.c) and the epoch are
 * what they were before the read that filled it, and until its valid_until (the next end of a
 * timed ban: visibility changes then without a write). Pages, block lists and the search head
 * follow SB_SQLITE_GEN_DISCOVER, which every change of users, user_skills or user_blocks bumps
 * after its COMMIT and before the writer's turn is given back (sqlite_conn.c); a card follows
 * its user's own bucket. So no entry is ever stale: whoever wrote, in whatever process, the
 * next read in every process sees the change. Writes made around the driver (the sqlite3
 * shell) are not seen: `sbctl DB cache-reset` bumps the epoch.
 *
 * A cached page is the page for nobody in particular (no viewer, nobody blocked) with a few
 * rows more than asked; the caller leaves out the viewer and whom they blocked
 * (sqlite_discover.c). Set-associative (SB_PAGE_CACHE_WAYS ways, the least recently used one
 * goes), a mutex per set, each entry one malloc'd block lent to the caller's pool on a hit.
 */
#ifndef SB_SQLITE_PAGE_CACHE_H
#define SB_SQLITE_PAGE_CACHE_H

#include "sqlite_int.h"

#define SB_PAGE_CACHE_WAYS 4
/* The driver's caches, in sets of SB_PAGE_CACHE_WAYS: discover pages (about 12 KB each
 * for the default 12 cards, at most about 80 KB for 50; the search head is one of them),
 * viewers' block lists, cards (about 1 KB each): a few MB per process as used, at most
 * about 15 MB. */
#define SB_SQLITE_PAGE_SETS   32
#define SB_SQLITE_VIEWER_SETS 1024
#define SB_SQLITE_CARD_SETS   1024
/* Conversation list pages: the partners' cards and last messages, about 2 KB a row (20 rows
 * by default): at most about 10 MB. */
#define SB_SQLITE_CONV_SETS 64

/* The counters a read starts under (sb_page_stamp before its transaction). */
typedef struct {
    uint32_t bucket;
    uint64_t epoch, gen;
} sb_page_stamp_t;

/*
 * A cached answer: cards (of a discover or search page: id, last_seen, rating,
 * total_reviews, is_verified and card_head set; of a block list: only id), per card the
 * instant from which it may be shown (0: now; INT64_MAX: never; else a timed ban's end), and
 * two numbers and some bytes for the caller (a conversation list's rows beside the partners'
 * cards, sqlite_conv_list.c). valid_until: the entry is not used at or after it; card_gens:
 * nor once one of its cards' users has changed.
 */
typedef struct {
    sb_user_card_t *cards;
    int64_t *shown_from;
    int n;
    int64_t aux[2];
    int64_t valid_until;
    /* per card, the generation of its user's bucket ('u', the card's id) read before the card
     * was taken; the entry is good only while each is still current (NULL: the cards follow
     * the entry's bucket alone) */
    const uint64_t *card_gens;
    /* the caller's own bytes kept with the entry (extra_len of them, 8-byte aligned in the
     * entry; may be NULL): nothing in them may point anywhere (offsets, not pointers) */
    const void *extra;
    size_t extra_len;
} sb_page_t;

typedef struct sb_page_cache sb_page_cache_t;

/* A cache of ways * sets entries (sets a power of two) in malloc'd memory freed with p. */
sb_page_cache_t *sb_page_cache_create(apr_pool_t *p, int sets);

/* 1 when sc may use a cache: a shared generation table and no transaction open on sc (its
 * snapshot might be older than the counters, its own changes not committed). */
int sb_page_cache_usable(const sb_sqlite_conn_t *sc);
void sb_page_stamp(const sb_sqlite_turn_t *t, uint32_t bucket, sb_page_stamp_t *s);
/* The generation of the user bucket of card id, for sb_page_t.card_gens: read it before the
 * card is read. */
uint64_t sb_page_card_gen(const sb_sqlite_turn_t *t, const char *id);

/* 1 and *out when key's entry for database t is good at now; else 0. *out and what it points
 * to are the cache's, read-only, kept until p is cleared. */
int sb_page_cache_get(sb_page_cache_t *pc, const sb_sqlite_turn_t *t, apr_pool_t *p,
                      const char *key, int64_t now, sb_page_t *out);
/* Keep a copy of pg for key, read under stamp s (nothing when out of memory). */
void sb_page_cache_put(sb_page_cache_t *pc, const sb_sqlite_turn_t *t, const char *key,
                       const sb_page_stamp_t *s, const sb_page_t *pg);

/* sqlite_card_cache.c: id's card from the store's cards cache or read into it (n 0: no such
 * user), outside a transaction (sb_page_cache_usable); shown_from[0]: the instant from which
 * search may show it (SB_SQLITE_VISIBLE's rule, and only with skills offered). */
sb_store_status_t sb_sqlite_card_cached(sb_sqlite_conn_t *sc, sb_sqlite_store_t *ss, apr_pool_t *p,
                                        const char *id, sb_page_t *pg, sb_store_error_t *err);

/* Since the process started (for tests). */
typedef struct {
    uint64_t hits, misses;
} sb_page_cache_stats_t;
void sb_page_cache_stats(const sb_page_cache_t *pc, sb_page_cache_stats_t *out);

#endif

/*
 * SQLite driver: the per-process cache of match answers (discover_matches, sqlite_matches.c).
 *
 * Computing a viewer's matches reads their pair lists until SB_STORE_MATCHES_WINDOW visible
 * candidates are found, so it costs in proportion to how many people match, up to the
 * window: at 100,000 users about ten times what it costs at 10,000. An answer is kept per
 * viewer with the generation counters (sqlite_turn.c) of everything it depends on, as read
 * before the snapshot it was computed in, and handed out again while none of them moved:
 *   - the viewer's own row ('u': their skills, their status) and their blocks ('b');
 *   - for each name the viewer wants, the pair lists of the people offering it ('o': a pair
 *     row written or removed, by a statement or a trigger — a new skill, a new lastSeen, a
 *     ban or its end, deactivation, a deletion (sql/013, sql/023) — of anyone who offers it);
 *   - the row of everyone whose card it read ('u': their card text, rating, verification);
 *   - time: an answer is good from the instant it was computed for until the first timed ban
 *     among the people it passed over runs out (no write marks that).
 * So it is exact for every write made through this driver, by any process (the writer bumps
 * the counters after its COMMIT, before it answers); writes made around the driver (the
 * sqlite3 shell) are seen after `sbctl DB cache-reset`, as for the user cache.
 *
 * A hit reads no SQL: the cards are handed out of the entry. The counters an answer depends
 * on are only known once it is computed, and must be read before its snapshot; so a miss
 * reads the counters of the keys the viewer's previous answer depended on (the entry, good or
 * not, is that memo), and the new answer is kept as servable only when all of its keys were
 * among them. The first answer for a viewer in a process is a memo only; the next one serves.
 * A hit checks the epoch, the viewer's two counters, one per name wanted and one per card:
 * its cost follows the page and the viewer's skills, not how many people match or exist.
 * Thread-safe; at most SB_MCACHE_SETS * SB_MCACHE_WAYS viewers and SB_MCACHE_BYTES per process.
 */
#ifndef SB_SQLITE_MATCH_CACHE_H
#define SB_SQLITE_MATCH_CACHE_H

#include "sqlite_int.h"

#define SB_MCACHE_WAYS  4   /* viewers per set, the least recently used one goes */
#define SB_MCACHE_SETS  256 /* SB_MCACHE_WAYS * SB_MCACHE_SETS viewers at most */
#define SB_MCACHE_BYTES (16 << 20)

/* One generation counter as read. */
typedef struct {
    uint32_t bucket;
    uint64_t gen;
} sb_mcache_gen_t;

/* The counters a miss computes under (sb_mcache_get fills it before the snapshot). */
typedef struct {
    uint64_t epoch;
    int n;
    sb_mcache_gen_t *keys; /* sorted by bucket, in the request's pool */
    int memo_limit;        /* how many cards the previous answer held (0: none) */
} sb_mcache_stamp_t;

/* An answer to keep: what it depends on and its cards. */
typedef struct {
    const uint32_t *buckets; /* every key it depends on (duplicates allowed) */
    int nbuckets;
    int64_t from, until;             /* good for now in [from, until) */
    const apr_array_header_t *cards; /* of sb_user_card_t, the first limit in rank order */
    int limit;                       /* fewer cards than this: every match, good for any limit */
} sb_mcache_answer_t;

typedef struct {
    uint64_t hits, misses, stores, memos;
} sb_mcache_stats_t;

/* 1 when a read on sc may use the cache: a shared generation table and no transaction open
 * (its snapshot might be older than the counters). */
int sb_mcache_usable(const sb_sqlite_conn_t *sc);
/* The buckets of a viewer's keys. */
uint32_t sb_mcache_user_bucket(const char *id);
uint32_t sb_mcache_blocks_bucket(const char *viewer_id);
uint32_t sb_mcache_offer_bucket(const char *skill_lower);

/* 1 and *out (the first limit cards, copied into p) when viewer's kept answer is good at now
 * for limit; else 0 and *stamp read now: the counters of its previous answer's keys and of
 * the viewer's own. */
int sb_mcache_get(const sb_sqlite_turn_t *t, apr_pool_t *p, const char *viewer_id, int64_t now,
                  int limit, apr_array_header_t **out, sb_mcache_stamp_t *stamp);
/* Keep a (computed in a snapshot begun after stamp was read) for viewer: servable when every
 * key of it was stamped, else as a memo of its keys for the next miss. */
void sb_mcache_put(const sb_sqlite_turn_t *t, const char *viewer_id, const sb_mcache_stamp_t *stamp,
                   const sb_mcache_answer_t *a);
void sb_mcache_stats(sb_mcache_stats_t *out);

#endif

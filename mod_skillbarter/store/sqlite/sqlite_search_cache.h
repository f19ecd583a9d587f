/*
 * Per-process cache of ranked search results: for an (FTS query, category) key, the ids of
 * every visible match in rank order and the match count, valid while the store's
 * search_version is unchanged (and at most SB_SEARCH_CACHE_TTL_MS, for bans that expire).
 * Ranking all matches with bm25 costs about a millisecond on 10,000 users; a page from the
 * cache costs one indexed lookup of at most `limit` rows, re-checked for visibility.
 * Thread-safe; entries live in malloc'd memory and are freed on eviction or pool cleanup.
 */
#ifndef SB_SQLITE_SEARCH_CACHE_H
#define SB_SQLITE_SEARCH_CACHE_H

#include <stdint.h>
#include <apr_pools.h>

#include "sb_model.h"

#define SB_SEARCH_CACHE_ENTRIES 256
#define SB_SEARCH_CACHE_TTL_MS 60000   /* only bans that expire by themselves wait for it */
#define SB_SEARCH_CACHE_MAX_IDS 2000   /* deeper pages are answered by the direct query */

typedef char sb_id_buf_t[SB_ID_LEN + 1];

typedef struct sb_search_cache sb_search_cache_t;

/* NULL when the mutex cannot be made (the driver then searches without a cache). */
sb_search_cache_t *sb_search_cache_create(apr_pool_t *p);
/* The entry for key computed at version, not older than the TTL: copies its ids into p.
 * Returns 1 on a hit, 0 on a miss. */
int sb_search_cache_get(sb_search_cache_t *sc, apr_pool_t *p, const char *key,
                        int64_t version, int64_t now, sb_id_buf_t **ids, int *n, int64_t *total);
/* Store (or replace) the entry for key. */
void sb_search_cache_put(sb_search_cache_t *sc, const char *key, int64_t version, int64_t now,
                         const sb_id_buf_t *ids, int n, int64_t total);

#endif

/*
 * SQLite driver: the per-process cache of users and of the refresh token families found live
 * with them (the access-token guard's read, sb_store_user_by_session_lazy, and user_by_id).
 *
 * An entry remembers the generation counters (sqlite_turn.c) of its keys as they were before
 * the read that filled it; it is good while they and the epoch are unchanged. Writers bump
 * the counters of what they changed after their COMMIT (sqlite_conn.c), so a change made by any
 * process through this driver is seen by the next read in every process. Writes made around
 * the driver (the sqlite3 shell) are not: `sbctl DB cache-reset` bumps the epoch.
 */
#ifndef SB_SQLITE_USER_CACHE_H
#define SB_SQLITE_USER_CACHE_H

#include "sqlite_int.h"

#define SB_UCACHE_WAYS     4    /* entries per set, the least recently used one goes */
#define SB_UCACHE_SETS     1024 /* SB_UCACHE_WAYS * SB_UCACHE_SETS users at most */
#define SB_UCACHE_FAMILIES 4    /* live families remembered per user */

/* The counters a read starts under (sb_ucache_stamp before its transaction). */
typedef struct {
    uint64_t epoch;
    uint64_t user_gen, family_gen;
    uint32_t user_bucket, family_bucket;
} sb_ucache_stamp_t;

/* Since the process started (for tests and the benchmarks). */
typedef struct {
    uint64_t hits, misses, entries;
} sb_ucache_stats_t;

/* 1 when a read of user_id (and family, may be NULL) on sc may use the cache: a shared
 * generation table, ids of the stored length, and no transaction open on sc (its snapshot
 * might be older than the counters, its own changes not committed). */
int sb_ucache_usable(const sb_sqlite_conn_t *sc, const char *user_id, const char *family);
void sb_ucache_stamp(const sb_sqlite_turn_t *t, const char *user_id, const char *family,
                     sb_ucache_stamp_t *s);
/* A copy in p of the cached user_id (lists lazy, as sb_sqlite_row_user_lazy; able to find
 * and keep its public profile text in the entry, sb_user_t.public_kept), when its entry
 * is good and, with a family, that family was found live under counters still current; NULL
 * otherwise. */
sb_user_t *sb_ucache_get(const sb_sqlite_turn_t *t, apr_pool_t *p, const char *user_id,
                         const char *family);
/* Remember u (read lazily under s, in p) and, when family is not NULL, that it was live; u
 * can then find and keep its public profile text in the entry it filled, as a copy from
 * sb_ucache_get can. */
void sb_ucache_put(apr_pool_t *p, const sb_sqlite_turn_t *t, const sb_ucache_stamp_t *s,
                   sb_user_t *u, const char *family);
void sb_ucache_stats(sb_ucache_stats_t *out);

#endif

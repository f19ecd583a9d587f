/* sbctl seed: realistic users for tests and benchmarks. */
#ifndef SB_SEED_H
#define SB_SEED_H

#include <stdint.h>
#include <apr_pools.h>
#include "store.h"

/* Insert n generated users in one transaction; prints a summary. seed NULL: drawn from the
 * clock; else the same users for the same seed. Exit status (0 = ok). */
int sb_seed_run(sb_store_conn_t *c, apr_pool_t *p, int n, const char *password,
                const uint64_t *seed);

/* n messages among the seeded (visible) people; when hub is set, a tenth of them (at least
 * one each) in hub's conversations with `conversations` partners. createdAt at minute
 * resolution over 30 days, so many share one. */
int sb_seed_messages(sb_store_conn_t *c, apr_pool_t *p, int n, const sb_user_t *hub,
                     int conversations);
/* n unread messages between a and b (two of three from a), per_instant of them sharing each
 * createdAt (one second apart), content "chat <i>". */
int sb_seed_chat(sb_store_conn_t *c, apr_pool_t *p, const sb_user_t *a, const sb_user_t *b, int n,
                 int per_instant);

#endif

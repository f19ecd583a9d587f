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

#endif

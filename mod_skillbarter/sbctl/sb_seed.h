/* sbctl seed: realistic users for tests and benchmarks. */
#ifndef SB_SEED_H
#define SB_SEED_H

#include <apr_pools.h>
#include "store.h"

/* Insert n generated users in one transaction; prints a summary. Exit status (0 = ok). */
int sb_seed_run(sb_store_conn_t *c, apr_pool_t *p, int n, const char *password);

#endif

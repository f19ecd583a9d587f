/* The route table: resource groups stacked in order, matched top to bottom. */
#ifndef SB_ROUTER_H
#define SB_ROUTER_H

#include <apr_pools.h>
#include "sb_routes.h"

typedef struct {
    const sb_route_t *route;   /* the row for this method, or NULL */
    const char *allow;         /* methods the path answers to ("GET, PUT, OPTIONS"), or NULL */
    const char *params[SB_MAX_PARAMS];
} sb_match_t;

/* Match method+path. route NULL & allow NULL: unknown path (404); route NULL & allow set: 405. */
void sb_route_match(apr_pool_t *p, const char *method, const char *path, sb_match_t *m);
/* Every row (for the configuration check and docs); NULL-terminated list of groups. */
const sb_route_t *const *sb_route_groups(void);

#endif

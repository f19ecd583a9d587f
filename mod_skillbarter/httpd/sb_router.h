/* Matching a request against the route table (api/sb_routes.c), top to bottom. */
#ifndef SB_ROUTER_H
#define SB_ROUTER_H

#include <httpd.h>
#include <apr_pools.h>
#include "sb_routes.h"

typedef struct {
    const sb_route_t *route; /* the row for this method, or NULL */
    const char *allow;       /* methods the path answers to ("GET, PUT, OPTIONS"), or NULL */
    const char *params[SB_MAX_PARAMS];
} sb_match_t;

/* Match method+path. route NULL & allow NULL: unknown path (404); route NULL & allow set: 405. */
void sb_route_match(apr_pool_t *p, const char *method, const char *path, sb_match_t *m);
/* check_config: refuse a table whose order would let a ":name" row swallow a later row. */
int sb_router_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

#endif

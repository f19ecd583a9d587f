/* Route rows each resource file exports, and the table that stacks them in order. */
#ifndef SB_ROUTES_H
#define SB_ROUTES_H

#include "sb_api.h"

#define SB_ROUTE_AUTH 0x1 /* a valid access token is required (sets c->user) */
#define SB_ROUTE_JSON 0x2 /* a body, when present, must be application/json (else 415) */
#define SB_ROUTE_RAW  0x4 /* the body is read raw (uploads), limited by SkillBarterAvatarMaxSize */

typedef struct {
    const char *method;  /* "GET", "POST", ... ; NULL ends a table */
    const char *pattern; /* "/api/users/:id" — ":name" matches one non-empty segment */
    sb_api_fn handler;
    unsigned flags;
    const char *limiter; /* named rate limiter applied before the handler, or NULL */
} sb_route_t;

extern const sb_route_t sb_health_routes[];
extern const sb_route_t sb_auth_routes[];
extern const sb_route_t sb_user_routes[];
extern const sb_route_t sb_skill_routes[];
extern const sb_route_t sb_avatar_routes[];
extern const sb_route_t sb_user_public_routes[]; /* /api/users/:id: after the fixed paths */
extern const sb_route_t sb_discover_routes[];
extern const sb_route_t sb_block_routes[]; /* /api/users/blocked: before :id */
extern const sb_route_t sb_message_routes[];
extern const sb_route_t sb_notification_routes[];
extern const sb_route_t sb_session_request_routes[]; /* before the messaging rows */
extern const sb_route_t sb_session_routes[];
extern const sb_route_t sb_credit_routes[];

/* Every group in matching order (NULL-terminated); rows are matched top to bottom. */
const sb_route_t *const *sb_route_table(void);
/* 1 when no row with a ":name" segment comes before a row of the same method whose every
 * path it would take; else 0 with *why naming both rows. */
int sb_routes_check(const sb_route_t *const *table, apr_pool_t *p, const char **why);

#endif

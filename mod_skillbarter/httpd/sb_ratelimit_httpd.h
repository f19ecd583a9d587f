/*
 * Rate limiting in the glue: the SkillBarterRateLimit* directives, the shared table's life
 * cycle across (graceful) restarts, and applying limiters to a request (RateLimit-* headers,
 * 429 with Retry-After, refunds for skip-successful limiters).
 */
#ifndef SB_RATELIMIT_HTTPD_H
#define SB_RATELIMIT_HTTPD_H

#include <httpd.h>
#include <http_config.h>

#include "sb_api.h"

#define SB_DIRECTIVE_RATE_LIMIT            "SkillBarterRateLimit"
#define SB_DIRECTIVE_RATE_LIMIT_TABLE_SIZE "SkillBarterRateLimitTableSize"
#define SB_DIRECTIVE_RATE_LIMIT_SHM        "SkillBarterRateLimitShm"

/* The limiter applied to every /api request. */
#define SB_RL_GLOBAL "global"
/* The brute-force limiter: fails closed (429) when the table has no room for its key. */
#define SB_RL_AUTH "auth"

const char *sb_cmd_rate_limit_set(cmd_parms *cmd, void *dc, int argc, char *const argv[]);
const char *sb_cmd_rate_limit_table_size_set(cmd_parms *cmd, void *dc, const char *arg);
const char *sb_cmd_rate_limit_shm_set(cmd_parms *cmd, void *dc, const char *arg);

/* Rows for sb_cmds (httpd/sb_config.c). */
#define SB_RATELIMIT_CMDS                                                                          \
    AP_INIT_TAKE_ARGV(SB_DIRECTIVE_RATE_LIMIT, sb_cmd_rate_limit_set, NULL, RSRC_CONF,             \
                      "NAME MAX WINDOW ip|user [skip-successful], or NAME off"),                   \
        AP_INIT_TAKE1(SB_DIRECTIVE_RATE_LIMIT_TABLE_SIZE, sb_cmd_rate_limit_table_size_set, NULL,  \
                      RSRC_CONF, "Entries in the shared rate-limit table (default 65536)"),        \
        AP_INIT_TAKE1(SB_DIRECTIVE_RATE_LIMIT_SHM, sb_cmd_rate_limit_shm_set, NULL, RSRC_CONF,     \
                      "File backing the shared rate-limit table (default: in DefaultRuntimeDir)")

/* pre_config: the spec's default limiters, before the configuration is read. */
int sb_ratelimit_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp);
/* check_config: every limiter a route names is declared (configtest fails otherwise). */
int sb_ratelimit_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                              server_rec *s);
/* The limits table's file: SkillBarterRateLimitShm or DefaultRuntimeDir/SB_RATELIMIT_SHM_FILE. */
const char *sb_ratelimit_shm_path(apr_pool_t *p);
/* post_config: create the table, or keep the live one across a graceful restart. */
int sb_ratelimit_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);

/*
 * Apply the global limiter and the route's limiter (route_limiter, may be NULL) to r.
 * Sets the RateLimit-* headers. Returns DECLINED to go on, or OK once a 429 was sent.
 */
int sb_ratelimit_check(request_rec *r, const sb_settings_t *st, const char *route_limiter);
/* After the handler: give back the hits of skip-successful limiters when r->status < 400.
 * Runs before the response leaves the server, so a client never races its own refund. */
void sb_ratelimit_finish(request_rec *r);

#endif

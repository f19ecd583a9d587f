/* Password hashing with bcrypt ($2y$, via APR-util's own bcrypt implementation). */
#ifndef SB_PASSWORD_H
#define SB_PASSWORD_H

#include <apr_pools.h>

#define SB_BCRYPT_MIN_COST     4
#define SB_BCRYPT_MAX_COST     31
#define SB_BCRYPT_DEFAULT_COST 12

/* Hash password with a random salt at cost; NULL on failure. */
const char *sb_password_hash(apr_pool_t *p, const char *password, int cost);
/* 1 when password matches hash, 0 otherwise (constant-time compare). */
int sb_password_verify(apr_pool_t *p, const char *password, const char *hash);
/* A valid bcrypt hash of a random password, computed once per cost: used so that a login for
 * an unknown user costs the same time as one with a wrong password. */
const char *sb_password_dummy_hash(apr_pool_t *p, int cost);

#endif

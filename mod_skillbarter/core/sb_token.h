/* Opaque random tokens (refresh, one-time) and their stored form (SHA-256 hex). */
#ifndef SB_TOKEN_H
#define SB_TOKEN_H

#include <apr_pools.h>

/* 32 random bytes, base64url without padding (43 chars); NULL if the RNG fails. */
const char *sb_token_new(apr_pool_t *p);
/* Lower-case hex SHA-256 of s (64 chars). */
const char *sb_token_hash(apr_pool_t *p, const char *s);
/* Constant-time comparison of two NUL-terminated strings. */
int sb_token_equal(const char *a, const char *b);

#endif

/* Opaque random tokens (refresh, one-time) and their stored form (SHA-256 hex). */
#ifndef SB_TOKEN_H
#define SB_TOKEN_H

#include <apr_pools.h>

/* 32 random bytes, base64url without padding (43 chars); NULL if the RNG fails. */
const char *sb_token_new(apr_pool_t *p);
/* Lower-case hex SHA-256 of s (64 chars). */
const char *sb_token_hash(apr_pool_t *p, const char *s);
/*
 * A one-time link token that can be made again: base64url HMAC-SHA256 under the server secret
 * of (purpose, user_id, nonce), 43 chars. The store keeps only the nonce and the token's hash,
 * so a live link can be mailed again without superseding it. NULL on bad input.
 */
const char *sb_token_derive(apr_pool_t *p, const unsigned char *key, apr_size_t key_len,
                            const char *purpose, const char *user_id, const char *nonce);
/* Constant-time comparison of two NUL-terminated strings. */
int sb_token_equal(const char *a, const char *b);

#endif

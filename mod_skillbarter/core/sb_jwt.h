/*
 * Access tokens: HS256 JWTs signed and verified with cjose. The algorithm is
 * fixed: a token whose header names any other alg (including "none") is
 * rejected before its signature is looked at.
 */
#ifndef SB_JWT_H
#define SB_JWT_H

#include <stdint.h>
#include <apr_pools.h>

#define SB_JWT_MIN_SECRET 32

typedef struct sb_jwt_key sb_jwt_key_t;

typedef struct {
    const char *sub;     /* user id */
    const char *role;    /* "user" | "admin" */
    const char *jti;     /* random id */
    int64_t iat;         /* seconds */
    int64_t exp;         /* seconds */
} sb_jwt_claims_t;

typedef enum {
    SB_JWT_OK = 0,
    SB_JWT_MALFORMED,    /* not three base64url parts / not JSON */
    SB_JWT_BAD_ALG,      /* alg is not HS256 */
    SB_JWT_BAD_SIGNATURE,
    SB_JWT_BAD_ISSUER,
    SB_JWT_EXPIRED,
    SB_JWT_ERROR         /* internal (cjose) failure */
} sb_jwt_status_t;

/* Build a key from secret bytes (>= SB_JWT_MIN_SECRET); the key is freed by a cleanup on p.
 * Returns NULL when the secret is too short or cjose fails. */
sb_jwt_key_t *sb_jwt_key_make(apr_pool_t *p, const unsigned char *secret, apr_size_t len,
                              const char *issuer);
/* Sign claims (iss from the key); *out is the compact token in p. */
sb_jwt_status_t sb_jwt_sign(const sb_jwt_key_t *key, apr_pool_t *p, const sb_jwt_claims_t *claims,
                            const char **out);
/* Verify a compact token at time now_s (seconds); fills *claims from p. */
sb_jwt_status_t sb_jwt_verify(const sb_jwt_key_t *key, apr_pool_t *p, const char *token,
                              int64_t now_s, sb_jwt_claims_t *claims);
/* Human text for a status ("Token expired.", "Invalid token."). */
const char *sb_jwt_status_text(sb_jwt_status_t st);

#endif

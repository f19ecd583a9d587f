/*
 * Access tokens: HS256 JWTs signed and verified with cjose. The algorithm is
 * fixed: a token whose header names any other alg (including "none") is
 * rejected before its signature is looked at. Tokens are explicitly typed
 * (header typ "at+jwt", RFC 8725 3.11 / RFC 9068) and carry the registered claims
 * iss, aud, sub, iat, nbf, exp, jti plus role and sid (the refresh-token family
 * the token was issued for, so ending the session ends its access tokens).
 */
#ifndef SB_JWT_H
#define SB_JWT_H

#include <stdint.h>
#include <apr_pools.h>

#define SB_JWT_MIN_SECRET       32
#define SB_JWT_TYPE             "at+jwt"
#define SB_JWT_DEFAULT_AUDIENCE "skillbarter-api"
#define SB_JWT_LEEWAY_S         60 /* clock skew tolerated on nbf */

typedef struct sb_jwt_key sb_jwt_key_t;

typedef struct {
    const char *sub;  /* user id */
    const char *role; /* "user" | "admin" */
    const char *jti;  /* random id */
    int64_t iat;      /* seconds */
    int64_t exp;      /* seconds */
    const char *sid;  /* session: the refresh-token family id (required) */
    int64_t nbf;      /* seconds; sign: 0 = iat */
} sb_jwt_claims_t;

typedef enum {
    SB_JWT_OK = 0,
    SB_JWT_MALFORMED, /* not three base64url parts / not JSON */
    SB_JWT_BAD_ALG,   /* alg is not HS256 */
    SB_JWT_BAD_SIGNATURE,
    SB_JWT_BAD_ISSUER,
    SB_JWT_EXPIRED,
    SB_JWT_BAD_TYPE,      /* header typ is not at+jwt */
    SB_JWT_BAD_AUDIENCE,  /* aud missing or not naming this service */
    SB_JWT_NOT_YET_VALID, /* nbf later than now + SB_JWT_LEEWAY_S */
    SB_JWT_ERROR          /* internal (cjose) failure */
} sb_jwt_status_t;

/* Build a key from secret bytes (>= SB_JWT_MIN_SECRET); the key is freed by a cleanup on p.
 * Returns NULL when the secret is too short or cjose fails. */
sb_jwt_key_t *sb_jwt_key_make(apr_pool_t *p, const unsigned char *secret, apr_size_t len,
                              const char *issuer);
/* The audience (aud) tokens are issued for and must name; the default is
 * SB_JWT_DEFAULT_AUDIENCE. aud is copied into the key's pool. */
void sb_jwt_key_set_audience(sb_jwt_key_t *key, const char *aud);
/* Sign claims (iss and aud from the key); *out is the compact token in p. */
sb_jwt_status_t sb_jwt_sign(const sb_jwt_key_t *key, apr_pool_t *p, const sb_jwt_claims_t *claims,
                            const char **out);
/* Verify a compact token at time now_s (seconds); fills *claims from p. */
sb_jwt_status_t sb_jwt_verify(const sb_jwt_key_t *key, apr_pool_t *p, const char *token,
                              int64_t now_s, sb_jwt_claims_t *claims);
/* Tokens that verified are remembered per key and process (bounded), so verifying the same
 * token again costs a lookup; exp and nbf are checked against now_s on every call. Lookups
 * that found a remembered token (hits) and that did not (misses), for tests and diagnostics. */
void sb_jwt_cache_stats(sb_jwt_key_t *key, uint64_t *hits, uint64_t *misses);
/* Human text for a status ("Token expired.", "Invalid token."). */
const char *sb_jwt_status_text(sb_jwt_status_t st);

#endif

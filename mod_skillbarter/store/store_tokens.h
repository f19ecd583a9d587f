/*
 * Store domain: refresh tokens (stored as hashes; rotation with reuse detection) and
 * one-time tokens (email verification, password reset). Rows expand as store_gen.h says.
 */
#ifndef SB_STORE_TOKENS_H
#define SB_STORE_TOKENS_H

#define SB_STORE_TOKENS_OPS(X, d)                                                                  \
    X(d, refresh_insert,                                                                           \
      (sb_store_conn_t *c, const char *token_hash, const char *user_id,                            \
       const char *family_id, int64_t expires_at, int64_t now, sb_store_error_t *err),             \
      (c, token_hash, user_id, family_id, expires_at, now, err))                                   \
    /* Rotate: atomically mark old_hash used and insert new_hash in the same family.               \
     * NOT_FOUND: unknown or revoked. EXPIRED: past expiry (nothing changes). REUSED:              \
     * old_hash was already rotated; the whole family is revoked. On OK *user_id is the            \
     * owner (SB_ID_LEN+1 buffer). */                                                              \
    X(d, refresh_rotate,                                                                           \
      (sb_store_conn_t *c, const char *old_hash, const char *new_hash,                             \
       int64_t new_expires_at, int64_t now, char *user_id, sb_store_error_t *err),                 \
      (c, old_hash, new_hash, new_expires_at, now, user_id, err))                                  \
    /* Revoke one token's family (logout). NOT_FOUND when unknown. user_id may be NULL. */         \
    X(d, refresh_revoke,                                                                           \
      (sb_store_conn_t *c, const char *token_hash, int64_t now, char *user_id,                     \
       sb_store_error_t *err),                                                                     \
      (c, token_hash, now, user_id, err))                                                          \
    X(d, refresh_revoke_user,                                                                      \
      (sb_store_conn_t *c, const char *user_id, int64_t now, sb_store_error_t *err),               \
      (c, user_id, now, err))                                                                      \
    /* Insert; earlier unused tokens of the same user and purpose are invalidated. */              \
    X(d, onetime_insert,                                                                           \
      (sb_store_conn_t *c, const char *token_hash, const char *user_id, const char *purpose,       \
       int64_t expires_at, int64_t now, sb_store_error_t *err),                                    \
      (c, token_hash, user_id, purpose, expires_at, now, err))                                     \
    /* Consume once: NOT_FOUND (unknown, used or wrong purpose), EXPIRED, or OK with               \
     * *user_id. */                                                                                \
    X(d, onetime_consume,                                                                          \
      (sb_store_conn_t *c, const char *token_hash, const char *purpose, int64_t now,               \
       char *user_id, sb_store_error_t *err),                                                      \
      (c, token_hash, purpose, now, user_id, err))                                                 \
    /* Reset a password with a one-time token in one atomic step: consume the token, set           \
     * the hash, revoke all refresh tokens. Same statuses as onetime_consume. */                   \
    X(d, password_reset,                                                                           \
      (sb_store_conn_t *c, const char *token_hash, const char *password_hash, int64_t now,         \
       char *user_id, sb_store_error_t *err),                                                      \
      (c, token_hash, password_hash, now, user_id, err))

#endif

/*
 * Store domain: refresh tokens (stored as hashes; rotation with reuse detection) and
 * one-time tokens (email verification, password reset). Rows expand as store_gen.h says.
 */
#ifndef SB_STORE_TOKENS_H
#define SB_STORE_TOKENS_H

#define SB_STORE_TOKENS_OPS(X, d)                                                                  \
    X(d, refresh_insert,                                                                           \
      (sb_store_conn_t * c, const char *token_hash, const char *user_id, const char *family_id,    \
       int64_t expires_at, int64_t now, sb_store_error_t *err),                                    \
      (c, token_hash, user_id, family_id, expires_at, now, err))                                   \
    /* Rotate: atomically mark old_hash used and insert new_hash in the same family.               \
     * NOT_FOUND: unknown or revoked. EXPIRED: past expiry (nothing changes). REUSED:              \
     * old_hash was already rotated; the whole family is revoked. On OK *user_id is the            \
     * owner (SB_ID_LEN+1 buffer). */                                                              \
    X(d, refresh_rotate,                                                                           \
      (sb_store_conn_t * c, const char *old_hash, const char *new_hash, int64_t new_expires_at,    \
       int64_t now, char *user_id, sb_store_error_t *err),                                         \
      (c, old_hash, new_hash, new_expires_at, now, user_id, err))                                  \
    /* Revoke one token's family (logout). NOT_FOUND when unknown. user_id may be NULL. */         \
    X(d, refresh_revoke,                                                                           \
      (sb_store_conn_t * c, const char *token_hash, int64_t now, char *user_id,                    \
       sb_store_error_t *err),                                                                     \
      (c, token_hash, now, user_id, err))                                                          \
    X(d, refresh_revoke_user,                                                                      \
      (sb_store_conn_t * c, const char *user_id, int64_t now, sb_store_error_t *err),              \
      (c, user_id, now, err))                                                                      \
    /* Insert; earlier unused tokens of the same user and purpose are invalidated. */              \
    X(d, onetime_insert,                                                                           \
      (sb_store_conn_t * c, const char *token_hash, const char *user_id, const char *purpose,      \
       int64_t expires_at, int64_t now, sb_store_error_t *err),                                    \
      (c, token_hash, user_id, purpose, expires_at, now, err))                                     \
    /* Consume once: NOT_FOUND (unknown, used or wrong purpose), EXPIRED, or OK with               \
     * *user_id. */                                                                                \
    X(d, onetime_consume,                                                                          \
      (sb_store_conn_t * c, const char *token_hash, const char *purpose, int64_t now,              \
       char *user_id, sb_store_error_t *err),                                                      \
      (c, token_hash, purpose, now, user_id, err))                                                 \
    /* Reset a password with a one-time token in one atomic step: consume the token, set           \
     * the hash, revoke all refresh tokens. Same statuses as onetime_consume. */                   \
    X(d, password_reset,                                                                           \
      (sb_store_conn_t * c, const char *token_hash, const char *password_hash, int64_t now,        \
       char *user_id, sb_store_error_t *err),                                                      \
      (c, token_hash, password_hash, now, user_id, err))                                           \
    /* The access-token guard's one lookup: the user and whether the session (refresh-token        \
     * family) session_id of that user is still live, i.e. not revoked by logout, reuse            \
     * detection, a password change or reset, a ban or logout-all. NOT_FOUND: no such user.        \
     * *live is 0 for an unknown family too. */                                                    \
    X(d, user_by_session,                                                                          \
      (sb_store_conn_t * c, apr_pool_t * p, const char *id, const char *session_id,                \
       sb_user_t **out, int *live, sb_store_error_t *err),                                         \
      (c, p, id, session_id, out, live, err))                                                      \
    /* user_by_session, but the user's four lists (languages, skills offered and wanted,           \
     * availability) may be left unparsed until sb_user_lists(*out): for callers that mostly       \
     * need the account's scalars (the guard of every authenticated route).                        \
     * sb_user_to_json fills them itself. */                                                       \
    X(d, user_by_session_lazy,                                                                     \
      (sb_store_conn_t * c, apr_pool_t * p, const char *id, const char *session_id,                \
       sb_user_t **out, int *live, sb_store_error_t *err),                                         \
      (c, p, id, session_id, out, live, err))                                                      \
    /* The family (session id) of a refresh token into family_id (SB_ID_LEN+1 buffer).             \
     * NOT_FOUND when unknown. */                                                                  \
    X(d, refresh_family,                                                                           \
      (sb_store_conn_t * c, const char *token_hash, char *family_id, sb_store_error_t *err),       \
      (c, token_hash, family_id, err))                                                             \
    /* Issue a one-time link without superseding a live one: when user_id has an unused,           \
     * unexpired token of purpose that was issued with a nonce, nothing is stored and *nonce_out   \
     * is that token's nonce (the caller derives the same link again); otherwise the token         \
     * (token_hash, made from nonce) is stored and *nonce_out is nonce. Strings in p. */           \
    X(d, onetime_issue,                                                                            \
      (sb_store_conn_t * c, apr_pool_t * p, const char *token_hash, const char *nonce,             \
       const char *user_id, const char *purpose, int64_t expires_at, int64_t now,                  \
       const char **nonce_out, sb_store_error_t *err),                                             \
      (c, p, token_hash, nonce, user_id, purpose, expires_at, now, nonce_out, err))                \
    /* Take one account mail from the budgets: at most max_user mails to user_id and max_ip        \
     * mails asked for from ip within the last window_ms (0 = no limit; ip NULL: a mail outside    \
     * the per-IP budget). *granted is 1 and the mail is recorded when both allow it, else 0       \
     * and nothing changes. Atomic. */                                                             \
    X(d, mail_quota_take,                                                                          \
      (sb_store_conn_t * c, const char *user_id, const char *ip, int64_t window_ms, int max_user,  \
       int max_ip, int64_t now, int *granted, sb_store_error_t *err),                              \
      (c, user_id, ip, window_ms, max_user, max_ip, now, granted, err))

#endif

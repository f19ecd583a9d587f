/*
 * The storage interface, in the domain's words. Two drivers implement it:
 * sqlite (embedded default) and mongodb. Nothing above store/ sees SQL or BSON.
 *
 * Life cycle (per process, DBD-style):
 *   sb_store_open()    in child_init (or a tool's main): parses the URI, builds the
 *                      driver's connection pool in the given (child) pool.
 *   sb_store_migrate() once, in the parent (post_config) or a tool: brings the
 *                      schema/indexes up to date; idempotent.
 *   sb_store_acquire() per request, on first use: hands out a connection that is
 *                      given back by a cleanup registered on `p` (no explicit release).
 *
 * Every operation returns an sb_store_status_t; details (a field name on
 * conflicts, the driver's message on errors) go into the sb_store_error_t.
 * Operations that change more than one record are atomic.
 */
#ifndef SB_STORE_H
#define SB_STORE_H

#include <stdint.h>
#include <apr_pools.h>
#include <apr_tables.h>

#include "sb_model.h"

typedef enum {
    SB_STORE_OK = 0,
    SB_STORE_NOT_FOUND,     /* no such record (or not visible to the caller) */
    SB_STORE_CONFLICT,      /* unique key taken; err->field names it */
    SB_STORE_REUSED,        /* a rotated refresh token came back: family revoked */
    SB_STORE_EXPIRED,       /* token past its expiry */
    SB_STORE_INSUFFICIENT,  /* not enough credits */
    SB_STORE_STALE,         /* compare-and-set lost: the record changed state */
    SB_STORE_UNAVAILABLE,   /* server/file unreachable or busy past the timeout */
    SB_STORE_ERROR          /* anything else; err->message says what */
} sb_store_status_t;

typedef struct {
    sb_store_status_t status;
    const char *field;        /* for CONFLICT: "username" | "email" | ... */
    char message[256];
} sb_store_error_t;

typedef struct sb_store sb_store_t;           /* per-process handle */
typedef struct sb_store_conn sb_store_conn_t; /* one acquired connection */

typedef struct {
    int pool_min;          /* connections kept open (default 1) */
    int pool_max;          /* hard max per process (default 16) */
    int busy_timeout_ms;   /* sqlite busy timeout / mongo serverSelectionTimeoutMS (default 5000) */
} sb_store_options_t;

/* ---- life cycle ---- */

/* uri: "sqlite:/path/to/file.db" or "mongodb://host/db?...". */
sb_store_status_t sb_store_open(apr_pool_t *p, const char *uri, const sb_store_options_t *opts,
                                sb_store_t **out, sb_store_error_t *err);
sb_store_status_t sb_store_migrate(sb_store_t *store, sb_store_error_t *err);
/* Acquire a connection released by a cleanup on p. */
sb_store_status_t sb_store_acquire(sb_store_t *store, apr_pool_t *p, sb_store_conn_t **out,
                                   sb_store_error_t *err);
/* "sqlite" | "mongodb" */
const char *sb_store_driver_name(const sb_store_t *store);
/* Round trip to the store: OK or UNAVAILABLE. */
sb_store_status_t sb_store_ping(sb_store_conn_t *c, sb_store_error_t *err);
/* Names of the drivers compiled in (NULL-terminated). */
const char *const *sb_store_drivers(void);

/* ---- users ---- */

/*
 * Create a user and, in the same atomic step, credit `bonus_minutes` with a
 * ledger row (type "bonus", category "bonus"). CONFLICT names "username" or
 * "email" (compared case-insensitively). On OK *out is the stored user.
 */
sb_store_status_t sb_store_user_create(sb_store_conn_t *c, apr_pool_t *p, const sb_user_new_t *nu,
                                       int64_t bonus_minutes, int64_t now, sb_user_t **out,
                                       sb_store_error_t *err);
sb_store_status_t sb_store_user_by_id(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                      sb_user_t **out, sb_store_error_t *err);
/* login is an email or a username, both compared case-insensitively (an email match wins). */
sb_store_status_t sb_store_user_by_login(sb_store_conn_t *c, apr_pool_t *p, const char *login,
                                         sb_user_t **out, sb_store_error_t *err);
sb_store_status_t sb_store_user_by_email(sb_store_conn_t *c, apr_pool_t *p, const char *email,
                                         sb_user_t **out, sb_store_error_t *err);
/* Apply a profile patch; *out is the user after the change. */
sb_store_status_t sb_store_user_update_profile(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                               const sb_profile_patch_t *patch, int64_t now,
                                               sb_user_t **out, sb_store_error_t *err);
/*
 * Replace the embedded lists (PUT /api/users/skills/offered|wanted, /availability):
 * each array NULL = leave as is. skills_offered of sb_skill_offered_t, skills_wanted of
 * sb_skill_wanted_t, availability of sb_availability_t. The skill index used by
 * discovery is kept in sync in the same atomic step. *out is the user after the change.
 */
sb_store_status_t sb_store_user_update_lists(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                             const apr_array_header_t *skills_offered,
                                             const apr_array_header_t *skills_wanted,
                                             const apr_array_header_t *availability,
                                             int64_t now, sb_user_t **out,
                                             sb_store_error_t *err);
sb_store_status_t sb_store_user_set_verified(sb_store_conn_t *c, const char *id, int64_t now,
                                             sb_store_error_t *err);
/* Set a new password hash and revoke every refresh token of the user, atomically. */
sb_store_status_t sb_store_user_set_password(sb_store_conn_t *c, const char *id,
                                             const char *password_hash, int64_t now,
                                             sb_store_error_t *err);
sb_store_status_t sb_store_user_touch(sb_store_conn_t *c, const char *id, int64_t now,
                                      sb_store_error_t *err);
/* Moderation (admin tools and tests): ban/unban, (de)activate. */
sb_store_status_t sb_store_user_set_status(sb_store_conn_t *c, const char *id, int is_active,
                                           int is_banned, const char *ban_reason,
                                           int64_t ban_expires_at, int64_t now,
                                           sb_store_error_t *err);

/* ---- refresh tokens (stored as hashes; rotation with reuse detection) ---- */

sb_store_status_t sb_store_refresh_insert(sb_store_conn_t *c, const char *token_hash,
                                          const char *user_id, const char *family_id,
                                          int64_t expires_at, int64_t now, sb_store_error_t *err);
/*
 * Rotate: atomically mark old_hash used and insert new_hash in the same family.
 * NOT_FOUND: unknown or revoked. EXPIRED: past expiry (nothing changes).
 * REUSED: old_hash was already rotated; the whole family is revoked.
 * On OK *user_id is the owner (SB_ID_LEN+1 buffer).
 */
sb_store_status_t sb_store_refresh_rotate(sb_store_conn_t *c, const char *old_hash,
                                          const char *new_hash, int64_t new_expires_at,
                                          int64_t now, char *user_id, sb_store_error_t *err);
/* Revoke one token's family (logout). NOT_FOUND when unknown. *user_id may be NULL. */
sb_store_status_t sb_store_refresh_revoke(sb_store_conn_t *c, const char *token_hash, int64_t now,
                                          char *user_id, sb_store_error_t *err);
sb_store_status_t sb_store_refresh_revoke_user(sb_store_conn_t *c, const char *user_id,
                                               int64_t now, sb_store_error_t *err);

/* ---- one-time tokens (email verification, password reset) ---- */

/* Insert; earlier unused tokens of the same user and purpose are invalidated. */
sb_store_status_t sb_store_onetime_insert(sb_store_conn_t *c, const char *token_hash,
                                          const char *user_id, const char *purpose,
                                          int64_t expires_at, int64_t now, sb_store_error_t *err);
/* Consume once: NOT_FOUND (unknown, used or wrong purpose), EXPIRED, or OK with *user_id. */
sb_store_status_t sb_store_onetime_consume(sb_store_conn_t *c, const char *token_hash,
                                           const char *purpose, int64_t now, char *user_id,
                                           sb_store_error_t *err);
/*
 * Reset a password with a one-time token in one atomic step: consume the token,
 * set the hash, revoke all refresh tokens. Same statuses as onetime_consume.
 */
sb_store_status_t sb_store_password_reset(sb_store_conn_t *c, const char *token_hash,
                                          const char *password_hash, int64_t now,
                                          char *user_id, sb_store_error_t *err);

/* ---- credits ledger ---- */

/* Newest first, at most `limit` rows, skipping `offset`; *total gets the count. */
sb_store_status_t sb_store_ledger_list(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                       int offset, int limit, apr_array_header_t **out,
                                       int64_t *total, sb_store_error_t *err);

typedef struct {
    int64_t balances;      /* Σ users.credits */
    int64_t escrow;        /* Σ credits held by open session requests */
    int64_t bonuses;       /* Σ bonus rows */
    int64_t penalties;     /* Σ |penalty rows| */
    int64_t adjustments;   /* Σ admin rows (signed) */
    int64_t bad_rows;      /* users whose balance ≠ their last ledger balanceAfter */
} sb_ledger_audit_t;

/* Conservation check inputs; balanced when balances+escrow == bonuses-penalties+adjustments
 * and bad_rows == 0. */
sb_store_status_t sb_store_ledger_audit(sb_store_conn_t *c, sb_ledger_audit_t *out,
                                        sb_store_error_t *err);

/* ---- outbox (durable realtime events) ---- */

/* Append an event for user_id; *seq gets its sequence number. Standalone form;
 * drivers also write outbox rows inside the transactions that need them. */
sb_store_status_t sb_store_outbox_append(sb_store_conn_t *c, const char *user_id,
                                         const char *type, const char *json_data, int64_t now,
                                         int64_t *seq, sb_store_error_t *err);

#endif

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
    int lazy;              /* open no connection up front (pool_min 0 allowed) and let
                              sb_store_acquire finish a failed migration, retrying at most
                              once a second: a store that is down when a server process
                              starts is picked up when it comes back */
} sb_store_options_t;

/* ---- life cycle ---- */

/* uri: "sqlite:/path/to/file.db" or "mongodb://host/db?...". */
sb_store_status_t sb_store_open(apr_pool_t *p, const char *uri, const sb_store_options_t *opts,
                                sb_store_t **out, sb_store_error_t *err);
sb_store_status_t sb_store_migrate(sb_store_t *store, sb_store_error_t *err);
/* Acquire a connection released by a cleanup on p. A lazy store whose migration has not
 * succeeded yet tries it first (UNAVAILABLE while that keeps failing). */
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

/* ---- discovery, avatars, seeding (sqlite_discover.c, sqlite_seed.c) ---- */

/*
 * A user as a discovery card: the public fields a list shows. The embedded lists are the
 * canonical JSON text of the spec's wire form (arrays of {skill, category, ...}), so a list
 * page can be answered without rebuilding them field by field.
 */
typedef struct {
    char id[SB_ID_LEN + 1];
    const char *username;
    const char *first_name;
    const char *last_name;
    const char *profile_picture;
    const char *bio;              /* may be NULL */
    const char *timezone;
    const char *country;          /* may be NULL */
    const char *languages_json;
    const char *offered_json;
    const char *wanted_json;
    double rating;
    int total_reviews;
    int is_verified;
    int64_t last_seen;
    int they_offer;               /* matches: skills they offer that the viewer wants */
    int they_want;                /* matches: skills they want that the viewer offers */
} sb_user_card_t;

/*
 * GET /api/discover. Visible users only: active, not banned (an expired ban no longer
 * counts at `now`), not the viewer, with at least one offered skill. Sorted by last_seen
 * descending then id descending; after_id (when set) starts strictly after
 * (after_last_seen, after_id) in that order.
 */
typedef struct {
    const char *viewer_id;
    int64_t now;
    const char *skill;            /* offered skill name contains this (ASCII case-insensitive,
                                     literal), or NULL */
    const char *category;         /* some offered skill is in this category, or NULL */
    const char *language;         /* speaks this language (case-insensitive), or NULL */
    double min_rating;            /* < 0 = no filter */
    const char *after_id;         /* cursor, or NULL */
    int64_t after_last_seen;
    int limit;                    /* 1..50 */
} sb_discover_query_t;

/* *out: array of sb_user_card_t (at most q->limit); *has_more: another page exists. */
sb_store_status_t sb_store_discover_list(sb_store_conn_t *c, apr_pool_t *p,
                                         const sb_discover_query_t *q, apr_array_header_t **out,
                                         int *has_more, sb_store_error_t *err);
/*
 * Ranked full-text search over names, offered skill names and bio. terms: array of const
 * char * words as the user typed them (the driver quotes them; each matches as a prefix, all
 * must match). Same visibility as discover_list; category filters as there (may be NULL).
 * Best match first; *total is the number of matches.
 */
sb_store_status_t sb_store_discover_search(sb_store_conn_t *c, apr_pool_t *p,
                                           const char *viewer_id, int64_t now,
                                           const apr_array_header_t *terms,
                                           const char *category, int offset, int limit,
                                           apr_array_header_t **out, int64_t *total,
                                           sb_store_error_t *err);
/* For each of the n category names, the number of visible users offering a skill in it. */
sb_store_status_t sb_store_category_counts(sb_store_conn_t *c, int64_t now,
                                           const char *const *categories, int n,
                                           int64_t *counts, sb_store_error_t *err);

typedef struct {
    const char *skill;
    const char *category;         /* may be NULL */
    int64_t count;
} sb_skill_count_t;

/*
 * Skills most requested in sessions created since `since` (*source = "sessions"); when there
 * were none, the most offered skills of visible users (*source = "offered").
 * *out: array of sb_skill_count_t, at most limit.
 */
sb_store_status_t sb_store_trending_skills(sb_store_conn_t *c, apr_pool_t *p, int64_t since,
                                           int64_t now, int limit, apr_array_header_t **out,
                                           const char **source, sb_store_error_t *err);
/*
 * Visible users who offer a skill the viewer wants AND want a skill the viewer offers
 * (names compared case-insensitively), ranked by they_offer + they_want, then last_seen.
 */
sb_store_status_t sb_store_discover_matches(sb_store_conn_t *c, apr_pool_t *p,
                                            const char *viewer_id, int64_t now, int limit,
                                            apr_array_header_t **out, sb_store_error_t *err);

typedef struct {
    char id[SB_ID_LEN + 1];
    char reviewer_id[SB_ID_LEN + 1];
    const char *reviewer_name;    /* "First Last" */
    const char *reviewer_picture;
    int rating;                   /* 1..5 */
    const char *feedback;         /* may be NULL */
    int would_recommend;          /* -1 = not said */
    int64_t created_at;
} sb_review_t;

/* The newest reviews of a user (reviewee), at most limit; *out of sb_review_t. */
sb_store_status_t sb_store_reviews_recent(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                          int limit, apr_array_header_t **out,
                                          sb_store_error_t *err);
/* Set profilePicture to `picture`; *previous (may be NULL) gets the value it replaced, in p,
 * read in the same atomic step. */
sb_store_status_t sb_store_user_set_avatar(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                           const char *picture, int64_t now,
                                           const char **previous, sb_store_error_t *err);
/*
 * Bulk insert for seeding: n complete users (ids, hashes and every field taken as given;
 * credits > 0 get a "bonus" ledger row so the ledger stays balanced), in one atomic step.
 * CONFLICT when a username or email exists.
 */
sb_store_status_t sb_store_users_bulk_insert(sb_store_conn_t *c, const sb_user_t *users, int n,
                                             sb_store_error_t *err);

#endif

/*
 * Store domain: user accounts — creation, lookups, profile and list edits, password,
 * moderation, avatars, bulk seeding. Rows expand as store_gen.h describes.
 *
 * Every operation here that writes a field of a user's discovery card (user_create,
 * user_update_profile, user_update_lists, user_set_avatar, users_bulk_insert) also keeps the
 * card text discover_list and discover_search hand out (sb_user_card_t.card_head,
 * store_discovery.h), in the same atomic step; user_touch keeps the category index of
 * discover_list in step with last_seen.
 */
#ifndef SB_STORE_USERS_H
#define SB_STORE_USERS_H

#define SB_STORE_USERS_OPS(X, d)                                                                   \
    /* Create a user and, in the same atomic step, credit bonus_minutes with a ledger row          \
     * (type "bonus", category "bonus"). CONFLICT names "username" or "email" (compared            \
     * case-insensitively). On OK *out is the stored user. */                                      \
    X(d, user_create,                                                                              \
      (sb_store_conn_t * c, apr_pool_t * p, const sb_user_new_t *nu, int64_t bonus_minutes,        \
       int64_t now, sb_user_t **out, sb_store_error_t *err),                                       \
      (c, p, nu, bonus_minutes, now, out, err))                                                    \
    X(d, user_by_id,                                                                               \
      (sb_store_conn_t * c, apr_pool_t * p, const char *id, sb_user_t **out,                       \
       sb_store_error_t *err),                                                                     \
      (c, p, id, out, err))                                                                        \
    /* login is an email or a username, both case-insensitive (an email match wins). */            \
    X(d, user_by_login,                                                                            \
      (sb_store_conn_t * c, apr_pool_t * p, const char *login, sb_user_t **out,                    \
       sb_store_error_t *err),                                                                     \
      (c, p, login, out, err))                                                                     \
    X(d, user_by_email,                                                                            \
      (sb_store_conn_t * c, apr_pool_t * p, const char *email, sb_user_t **out,                    \
       sb_store_error_t *err),                                                                     \
      (c, p, email, out, err))                                                                     \
    /* Apply a profile patch; *out is the user after the change. */                                \
    X(d, user_update_profile,                                                                      \
      (sb_store_conn_t * c, apr_pool_t * p, const char *id, const sb_profile_patch_t *patch,       \
       int64_t now, sb_user_t **out, sb_store_error_t *err),                                       \
      (c, p, id, patch, now, out, err))                                                            \
    /* Replace the embedded lists (PUT /api/users/skills/offered|wanted, /availability):           \
     * each array NULL = leave as is; skills_offered of sb_skill_offered_t, skills_wanted of       \
     * sb_skill_wanted_t, availability of sb_availability_t. The skill index discovery uses        \
     * is kept in sync in the same atomic step. *out is the user after the change. */              \
    X(d, user_update_lists,                                                                        \
      (sb_store_conn_t * c, apr_pool_t * p, const char *id,                                        \
       const apr_array_header_t *skills_offered, const apr_array_header_t *skills_wanted,          \
       const apr_array_header_t *availability, int64_t now, sb_user_t **out,                       \
       sb_store_error_t *err),                                                                     \
      (c, p, id, skills_offered, skills_wanted, availability, now, out, err))                      \
    X(d, user_set_verified,                                                                        \
      (sb_store_conn_t * c, const char *id, int64_t now, sb_store_error_t *err),                   \
      (c, id, now, err))                                                                           \
    /* Set a new password hash and revoke every refresh token of the user, atomically. */          \
    X(d, user_set_password,                                                                        \
      (sb_store_conn_t * c, const char *id, const char *password_hash, int64_t now,                \
       sb_store_error_t *err),                                                                     \
      (c, id, password_hash, now, err))                                                            \
    X(d, user_touch, (sb_store_conn_t * c, const char *id, int64_t now, sb_store_error_t *err),    \
      (c, id, now, err))                                                                           \
    /* Moderation (admin tools and tests): ban/unban, (de)activate. */                             \
    X(d, user_set_status,                                                                          \
      (sb_store_conn_t * c, const char *id, int is_active, int is_banned, const char *ban_reason,  \
       int64_t ban_expires_at, int64_t now, sb_store_error_t *err),                                \
      (c, id, is_active, is_banned, ban_reason, ban_expires_at, now, err))                         \
    /* Role "user" or "admin" (sbctl set-role). NOT_FOUND for an unknown user. */                  \
    X(d, user_set_role,                                                                            \
      (sb_store_conn_t * c, const char *id, const char *role, int64_t now, sb_store_error_t *err), \
      (c, id, role, now, err))                                                                     \
    /* Set profilePicture to picture; *previous (may be NULL) gets the value it replaced,          \
     * in p, read in the same atomic step. */                                                      \
    X(d, user_set_avatar,                                                                          \
      (sb_store_conn_t * c, apr_pool_t * p, const char *id, const char *picture, int64_t now,      \
       const char **previous, sb_store_error_t *err),                                              \
      (c, p, id, picture, now, previous, err))                                                     \
    /* Bulk insert for seeding: n complete users (ids, hashes and every field as given;            \
     * credits > 0 get a "bonus" ledger row so the ledger stays balanced), in one atomic           \
     * step. CONFLICT when a username or email exists. */                                          \
    X(d, users_bulk_insert,                                                                        \
      (sb_store_conn_t * c, const sb_user_t *users, int n, sb_store_error_t *err),                 \
      (c, users, n, err))                                                                          \
    /* Forget every cached user in every process of the store (sbctl cache-reset, after the        \
     * database was changed around the store, e.g. with the sqlite3 shell). OK for a driver        \
     * that caches nothing. */                                                                     \
    X(d, users_cache_reset, (sb_store_conn_t * c, sb_store_error_t * err), (c, err))

#endif

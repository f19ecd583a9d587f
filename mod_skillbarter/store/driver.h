/*
 * Internal to store/: the driver vtable and the layouts behind the opaque
 * sb_store_t / sb_store_conn_t handles. store.c picks a driver by URI scheme
 * and every public sb_store_* call dispatches through these pointers, so a
 * new driver (mongodb) is one more table and one more row in store.c.
 */
#ifndef SB_STORE_DRIVER_H
#define SB_STORE_DRIVER_H

#include <apr_thread_mutex.h>
#include <apr_time.h>

#include "store.h"

typedef struct sb_store_driver sb_store_driver_t;

struct sb_store {
    const sb_store_driver_t *driver;
    apr_pool_t *pool;          /* the pool given to sb_store_open (child pool) */
    const char *uri;
    sb_store_options_t opts;   /* defaults filled in */
    void *priv;                /* driver state (pool of connections, ...) */
    int migrated;              /* sb_store_migrate succeeded in this process */
    apr_thread_mutex_t *migrate_lock;  /* lazy stores: one migration attempt at a time */
    apr_time_t migrate_next;   /* lazy stores: no new attempt before this */
};

struct sb_store_conn {
    sb_store_t *store;
    apr_pool_t *pool;          /* the pool whose cleanup gives the connection back */
    void *priv;                /* driver connection */
};

struct sb_store_driver {
    const char *name;
    /* 1 when this driver handles uri */
    int (*accepts)(const char *uri);

    /* life cycle: open fills store->priv; acquire fills conn->priv and registers
     * the release on conn->pool */
    sb_store_status_t (*open)(sb_store_t *store, sb_store_error_t *err);
    sb_store_status_t (*migrate)(sb_store_t *store, sb_store_error_t *err);
    sb_store_status_t (*acquire)(sb_store_conn_t *conn, sb_store_error_t *err);
    sb_store_status_t (*ping)(sb_store_conn_t *c, sb_store_error_t *err);

    /* users */
    sb_store_status_t (*user_create)(sb_store_conn_t *c, apr_pool_t *p, const sb_user_new_t *nu,
                                     int64_t bonus_minutes, int64_t now, sb_user_t **out,
                                     sb_store_error_t *err);
    sb_store_status_t (*user_by_id)(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                    sb_user_t **out, sb_store_error_t *err);
    sb_store_status_t (*user_by_login)(sb_store_conn_t *c, apr_pool_t *p, const char *login,
                                       sb_user_t **out, sb_store_error_t *err);
    sb_store_status_t (*user_by_email)(sb_store_conn_t *c, apr_pool_t *p, const char *email,
                                       sb_user_t **out, sb_store_error_t *err);
    sb_store_status_t (*user_update_profile)(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                             const sb_profile_patch_t *patch, int64_t now,
                                             sb_user_t **out, sb_store_error_t *err);
    sb_store_status_t (*user_update_lists)(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                           const apr_array_header_t *skills_offered,
                                           const apr_array_header_t *skills_wanted,
                                           const apr_array_header_t *availability, int64_t now,
                                           sb_user_t **out, sb_store_error_t *err);
    sb_store_status_t (*user_set_verified)(sb_store_conn_t *c, const char *id, int64_t now,
                                           sb_store_error_t *err);
    sb_store_status_t (*user_set_password)(sb_store_conn_t *c, const char *id,
                                           const char *password_hash, int64_t now,
                                           sb_store_error_t *err);
    sb_store_status_t (*user_touch)(sb_store_conn_t *c, const char *id, int64_t now,
                                    sb_store_error_t *err);
    sb_store_status_t (*user_set_status)(sb_store_conn_t *c, const char *id, int is_active,
                                         int is_banned, const char *ban_reason,
                                         int64_t ban_expires_at, int64_t now,
                                         sb_store_error_t *err);

    /* refresh tokens */
    sb_store_status_t (*refresh_insert)(sb_store_conn_t *c, const char *token_hash,
                                        const char *user_id, const char *family_id,
                                        int64_t expires_at, int64_t now, sb_store_error_t *err);
    sb_store_status_t (*refresh_rotate)(sb_store_conn_t *c, const char *old_hash,
                                        const char *new_hash, int64_t new_expires_at,
                                        int64_t now, char *user_id, sb_store_error_t *err);
    sb_store_status_t (*refresh_revoke)(sb_store_conn_t *c, const char *token_hash, int64_t now,
                                        char *user_id, sb_store_error_t *err);
    sb_store_status_t (*refresh_revoke_user)(sb_store_conn_t *c, const char *user_id,
                                             int64_t now, sb_store_error_t *err);

    /* one-time tokens */
    sb_store_status_t (*onetime_insert)(sb_store_conn_t *c, const char *token_hash,
                                        const char *user_id, const char *purpose,
                                        int64_t expires_at, int64_t now, sb_store_error_t *err);
    sb_store_status_t (*onetime_consume)(sb_store_conn_t *c, const char *token_hash,
                                         const char *purpose, int64_t now, char *user_id,
                                         sb_store_error_t *err);
    sb_store_status_t (*password_reset)(sb_store_conn_t *c, const char *token_hash,
                                        const char *password_hash, int64_t now, char *user_id,
                                        sb_store_error_t *err);

    /* ledger, outbox */
    sb_store_status_t (*ledger_list)(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                     int offset, int limit, apr_array_header_t **out,
                                     int64_t *total, sb_store_error_t *err);
    sb_store_status_t (*ledger_audit)(sb_store_conn_t *c, sb_ledger_audit_t *out,
                                      sb_store_error_t *err);
    sb_store_status_t (*outbox_append)(sb_store_conn_t *c, const char *user_id, const char *type,
                                       const char *json_data, int64_t now, int64_t *seq,
                                       sb_store_error_t *err);

    /* discovery, avatars, seeding */
    sb_store_status_t (*discover_list)(sb_store_conn_t *c, apr_pool_t *p,
                                       const sb_discover_query_t *q, apr_array_header_t **out,
                                       int *has_more, sb_store_error_t *err);
    sb_store_status_t (*discover_search)(sb_store_conn_t *c, apr_pool_t *p,
                                         const char *viewer_id, int64_t now,
                                         const apr_array_header_t *terms, const char *category,
                                         int offset, int limit, apr_array_header_t **out,
                                         int64_t *total, sb_store_error_t *err);
    sb_store_status_t (*category_counts)(sb_store_conn_t *c, int64_t now,
                                         const char *const *categories, int n, int64_t *counts,
                                         sb_store_error_t *err);
    sb_store_status_t (*trending_skills)(sb_store_conn_t *c, apr_pool_t *p, int64_t since,
                                         int64_t now, int limit, apr_array_header_t **out,
                                         const char **source, sb_store_error_t *err);
    sb_store_status_t (*discover_matches)(sb_store_conn_t *c, apr_pool_t *p,
                                          const char *viewer_id, int64_t now, int limit,
                                          apr_array_header_t **out, sb_store_error_t *err);
    sb_store_status_t (*reviews_recent)(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                        int limit, apr_array_header_t **out,
                                        sb_store_error_t *err);
    sb_store_status_t (*user_set_avatar)(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                         const char *picture, int64_t now,
                                         const char **previous, sb_store_error_t *err);
    sb_store_status_t (*users_bulk_insert)(sb_store_conn_t *c, const sb_user_t *users, int n,
                                           sb_store_error_t *err);
};

/* Fill err (may be NULL) and return status, for `return sb_store_fail(...)`. */
sb_store_status_t sb_store_fail(sb_store_error_t *err, sb_store_status_t status,
                                const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The drivers compiled in. */
extern const sb_store_driver_t sb_store_sqlite_driver;

#endif

/*
 * The public store API: picks a driver by URI scheme and dispatches every
 * operation through its vtable (driver.h). No storage code lives here.
 */
#include "driver.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_time.h>

static const sb_store_driver_t *const sb_store_driver_table[] = {
    &sb_store_sqlite_driver,
    NULL
};

static const char *const sb_store_driver_names[] = {
    "sqlite",
    NULL
};

sb_store_status_t sb_store_fail(sb_store_error_t *err, sb_store_status_t status,
                                const char *field, const char *fmt, ...)
{
    va_list ap;

    if (err) {
        err->status = status;
        err->field = field;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, ap);
        va_end(ap);
    }
    return status;
}

static void sb_store_err_reset(sb_store_error_t *err)
{
    if (err) {
        err->status = SB_STORE_OK;
        err->field = NULL;
        err->message[0] = '\0';
    }
}

const char *const *sb_store_drivers(void)
{
    return sb_store_driver_names;
}

static void sb_store_apply_defaults(sb_store_options_t *o, const sb_store_options_t *given)
{
    o->pool_min = 1;
    o->pool_max = 16;
    o->busy_timeout_ms = 5000;
    o->lazy = 0;
    if (given) {
        o->lazy = given->lazy;
        if (given->pool_min > 0 || (given->lazy && given->pool_min == 0)) {
            o->pool_min = given->pool_min;
        }
        if (given->pool_max > 0) {
            o->pool_max = given->pool_max;
        }
        if (given->busy_timeout_ms > 0) {
            o->busy_timeout_ms = given->busy_timeout_ms;
        }
    }
    if (o->pool_min > o->pool_max) {
        o->pool_min = o->pool_max;
    }
}

sb_store_status_t sb_store_open(apr_pool_t *p, const char *uri, const sb_store_options_t *opts,
                                sb_store_t **out, sb_store_error_t *err)
{
    const sb_store_driver_t *const *d;
    sb_store_t *store;
    sb_store_status_t st;
    sb_store_error_t local_err;

    if (!err) {
        err = &local_err;
    }
    sb_store_err_reset(err);
    *out = NULL;
    if (!uri || !*uri) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "no store URI");
    }
    if (!strncmp(uri, "mongodb://", 10) || !strncmp(uri, "mongodb+srv://", 14)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL,
                             "store driver \"mongodb\" not compiled in");
    }
    for (d = sb_store_driver_table; *d; d++) {
        if ((*d)->accepts(uri)) {
            break;
        }
    }
    if (!*d) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "unknown store URI scheme: %.200s", uri);
    }
    store = apr_pcalloc(p, sizeof(*store));
    store->driver = *d;
    store->pool = p;
    store->uri = apr_pstrdup(p, uri);
    sb_store_apply_defaults(&store->opts, opts);
    if (store->opts.lazy
        && apr_thread_mutex_create(&store->migrate_lock, APR_THREAD_MUTEX_DEFAULT, p)
               != APR_SUCCESS) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "cannot create the migration lock");
    }
    st = store->driver->open(store, err);
    if (st == SB_STORE_OK) {
        *out = store;
    }
    return st;
}

sb_store_status_t sb_store_migrate(sb_store_t *store, sb_store_error_t *err)
{
    sb_store_error_t local_err;

    if (!err) {
        err = &local_err;
    }
    sb_store_err_reset(err);
    if (!store) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "store not open");
    }
    if (store->driver->migrate(store, err) != SB_STORE_OK) {
        return err->status;
    }
    store->migrated = 1;
    return SB_STORE_OK;
}

/* Lazy stores: finish the migration that failed at start, one thread at a time and at most
 * once a second, so a store that was down when the process started comes back by itself. */
static sb_store_status_t sb_store_ensure_migrated(sb_store_t *store, sb_store_error_t *err)
{
    sb_store_status_t st = SB_STORE_OK;

    apr_thread_mutex_lock(store->migrate_lock);
    if (!store->migrated) {
        apr_time_t now = apr_time_now();
        if (now < store->migrate_next) {
            st = sb_store_fail(err, SB_STORE_UNAVAILABLE, NULL,
                               "store not ready (schema migration failed; retrying)");
        }
        else if ((st = sb_store_migrate(store, err)) != SB_STORE_OK) {
            store->migrate_next = now + apr_time_from_sec(1);
            if (st != SB_STORE_UNAVAILABLE) {
                err->status = st = SB_STORE_UNAVAILABLE;
            }
        }
    }
    apr_thread_mutex_unlock(store->migrate_lock);
    return st;
}

sb_store_status_t sb_store_acquire(sb_store_t *store, apr_pool_t *p, sb_store_conn_t **out,
                                   sb_store_error_t *err)
{
    sb_store_conn_t *conn;
    sb_store_status_t st;
    sb_store_error_t local_err;

    if (!err) {
        err = &local_err;
    }
    sb_store_err_reset(err);
    *out = NULL;
    if (!store) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "store not open");
    }
    if (!store->migrated && store->opts.lazy
        && sb_store_ensure_migrated(store, err) != SB_STORE_OK) {
        return err->status;
    }
    conn = apr_pcalloc(p, sizeof(*conn));
    conn->store = store;
    conn->pool = p;
    st = store->driver->acquire(conn, err);
    if (st == SB_STORE_OK) {
        *out = conn;
    }
    return st;
}

const char *sb_store_driver_name(const sb_store_t *store)
{
    return store ? store->driver->name : NULL;
}

/* Reset err (a local one when the caller passed NULL), check the connection and that
 * the driver implements op, then call it. */
#define SB_DISPATCH(op, ...)                                                                      \
    do {                                                                                          \
        sb_store_error_t local_err_;                                                              \
        if (!err) {                                                                               \
            err = &local_err_;                                                                    \
        }                                                                                         \
        sb_store_err_reset(err);                                                                  \
        if (!c) {                                                                                 \
            return sb_store_fail(err, SB_STORE_ERROR, NULL, "no store connection");               \
        }                                                                                         \
        if (!c->store->driver->op) {                                                              \
            return sb_store_fail(err, SB_STORE_ERROR, NULL, "%s: not supported by driver %s",     \
                                 #op, c->store->driver->name);                                    \
        }                                                                                         \
        return c->store->driver->op(c, __VA_ARGS__);                                              \
    } while (0)

sb_store_status_t sb_store_ping(sb_store_conn_t *c, sb_store_error_t *err)
{
    SB_DISPATCH(ping, err);
}

sb_store_status_t sb_store_user_create(sb_store_conn_t *c, apr_pool_t *p, const sb_user_new_t *nu,
                                       int64_t bonus_minutes, int64_t now, sb_user_t **out,
                                       sb_store_error_t *err)
{
    SB_DISPATCH(user_create, p, nu, bonus_minutes, now, out, err);
}

sb_store_status_t sb_store_user_by_id(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                      sb_user_t **out, sb_store_error_t *err)
{
    SB_DISPATCH(user_by_id, p, id, out, err);
}

sb_store_status_t sb_store_user_by_login(sb_store_conn_t *c, apr_pool_t *p, const char *login,
                                         sb_user_t **out, sb_store_error_t *err)
{
    SB_DISPATCH(user_by_login, p, login, out, err);
}

sb_store_status_t sb_store_user_by_email(sb_store_conn_t *c, apr_pool_t *p, const char *email,
                                         sb_user_t **out, sb_store_error_t *err)
{
    SB_DISPATCH(user_by_email, p, email, out, err);
}

sb_store_status_t sb_store_user_update_profile(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                               const sb_profile_patch_t *patch, int64_t now,
                                               sb_user_t **out, sb_store_error_t *err)
{
    SB_DISPATCH(user_update_profile, p, id, patch, now, out, err);
}

sb_store_status_t sb_store_user_update_lists(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                             const apr_array_header_t *skills_offered,
                                             const apr_array_header_t *skills_wanted,
                                             const apr_array_header_t *availability,
                                             int64_t now, sb_user_t **out,
                                             sb_store_error_t *err)
{
    SB_DISPATCH(user_update_lists, p, id, skills_offered, skills_wanted, availability, now, out,
                err);
}

sb_store_status_t sb_store_user_set_verified(sb_store_conn_t *c, const char *id, int64_t now,
                                             sb_store_error_t *err)
{
    SB_DISPATCH(user_set_verified, id, now, err);
}

sb_store_status_t sb_store_user_set_password(sb_store_conn_t *c, const char *id,
                                             const char *password_hash, int64_t now,
                                             sb_store_error_t *err)
{
    SB_DISPATCH(user_set_password, id, password_hash, now, err);
}

sb_store_status_t sb_store_user_touch(sb_store_conn_t *c, const char *id, int64_t now,
                                      sb_store_error_t *err)
{
    SB_DISPATCH(user_touch, id, now, err);
}

sb_store_status_t sb_store_user_set_status(sb_store_conn_t *c, const char *id, int is_active,
                                           int is_banned, const char *ban_reason,
                                           int64_t ban_expires_at, int64_t now,
                                           sb_store_error_t *err)
{
    SB_DISPATCH(user_set_status, id, is_active, is_banned, ban_reason, ban_expires_at, now, err);
}

sb_store_status_t sb_store_refresh_insert(sb_store_conn_t *c, const char *token_hash,
                                          const char *user_id, const char *family_id,
                                          int64_t expires_at, int64_t now, sb_store_error_t *err)
{
    SB_DISPATCH(refresh_insert, token_hash, user_id, family_id, expires_at, now, err);
}

sb_store_status_t sb_store_refresh_rotate(sb_store_conn_t *c, const char *old_hash,
                                          const char *new_hash, int64_t new_expires_at,
                                          int64_t now, char *user_id, sb_store_error_t *err)
{
    SB_DISPATCH(refresh_rotate, old_hash, new_hash, new_expires_at, now, user_id, err);
}

sb_store_status_t sb_store_refresh_revoke(sb_store_conn_t *c, const char *token_hash, int64_t now,
                                          char *user_id, sb_store_error_t *err)
{
    SB_DISPATCH(refresh_revoke, token_hash, now, user_id, err);
}

sb_store_status_t sb_store_refresh_revoke_user(sb_store_conn_t *c, const char *user_id,
                                               int64_t now, sb_store_error_t *err)
{
    SB_DISPATCH(refresh_revoke_user, user_id, now, err);
}

sb_store_status_t sb_store_onetime_insert(sb_store_conn_t *c, const char *token_hash,
                                          const char *user_id, const char *purpose,
                                          int64_t expires_at, int64_t now, sb_store_error_t *err)
{
    SB_DISPATCH(onetime_insert, token_hash, user_id, purpose, expires_at, now, err);
}

sb_store_status_t sb_store_onetime_consume(sb_store_conn_t *c, const char *token_hash,
                                           const char *purpose, int64_t now, char *user_id,
                                           sb_store_error_t *err)
{
    SB_DISPATCH(onetime_consume, token_hash, purpose, now, user_id, err);
}

sb_store_status_t sb_store_password_reset(sb_store_conn_t *c, const char *token_hash,
                                          const char *password_hash, int64_t now,
                                          char *user_id, sb_store_error_t *err)
{
    SB_DISPATCH(password_reset, token_hash, password_hash, now, user_id, err);
}

sb_store_status_t sb_store_ledger_list(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                       int offset, int limit, apr_array_header_t **out,
                                       int64_t *total, sb_store_error_t *err)
{
    SB_DISPATCH(ledger_list, p, user_id, offset, limit, out, total, err);
}

sb_store_status_t sb_store_ledger_audit(sb_store_conn_t *c, sb_ledger_audit_t *out,
                                        sb_store_error_t *err)
{
    SB_DISPATCH(ledger_audit, out, err);
}

sb_store_status_t sb_store_outbox_append(sb_store_conn_t *c, const char *user_id,
                                         const char *type, const char *json_data, int64_t now,
                                         int64_t *seq, sb_store_error_t *err)
{
    SB_DISPATCH(outbox_append, user_id, type, json_data, now, seq, err);
}

sb_store_status_t sb_store_discover_list(sb_store_conn_t *c, apr_pool_t *p,
                                         const sb_discover_query_t *q, apr_array_header_t **out,
                                         int *has_more, sb_store_error_t *err)
{
    SB_DISPATCH(discover_list, p, q, out, has_more, err);
}

sb_store_status_t sb_store_discover_search(sb_store_conn_t *c, apr_pool_t *p,
                                           const char *viewer_id, int64_t now,
                                           const apr_array_header_t *terms,
                                           const char *category, int offset, int limit,
                                           apr_array_header_t **out, int64_t *total,
                                           sb_store_error_t *err)
{
    SB_DISPATCH(discover_search, p, viewer_id, now, terms, category, offset, limit, out, total,
                err);
}

sb_store_status_t sb_store_category_counts(sb_store_conn_t *c, int64_t now,
                                           const char *const *categories, int n,
                                           int64_t *counts, sb_store_error_t *err)
{
    SB_DISPATCH(category_counts, now, categories, n, counts, err);
}

sb_store_status_t sb_store_trending_skills(sb_store_conn_t *c, apr_pool_t *p, int64_t since,
                                           int64_t now, int limit, apr_array_header_t **out,
                                           const char **source, sb_store_error_t *err)
{
    SB_DISPATCH(trending_skills, p, since, now, limit, out, source, err);
}

sb_store_status_t sb_store_discover_matches(sb_store_conn_t *c, apr_pool_t *p,
                                            const char *viewer_id, int64_t now, int limit,
                                            apr_array_header_t **out, sb_store_error_t *err)
{
    SB_DISPATCH(discover_matches, p, viewer_id, now, limit, out, err);
}

sb_store_status_t sb_store_reviews_recent(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                          int limit, apr_array_header_t **out,
                                          sb_store_error_t *err)
{
    SB_DISPATCH(reviews_recent, p, user_id, limit, out, err);
}

sb_store_status_t sb_store_user_set_avatar(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                           const char *picture, int64_t now,
                                           const char **previous, sb_store_error_t *err)
{
    SB_DISPATCH(user_set_avatar, p, id, picture, now, previous, err);
}

sb_store_status_t sb_store_users_bulk_insert(sb_store_conn_t *c, const sb_user_t *users, int n,
                                             sb_store_error_t *err)
{
    SB_DISPATCH(users_bulk_insert, users, n, err);
}

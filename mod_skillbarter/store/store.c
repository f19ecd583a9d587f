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

/* Both arrays come from the one list of compiled drivers (driver.h). */
#define SB_STORE_DRIVER_REF(name) &sb_store_##name##_driver,
static const sb_store_driver_t *const sb_store_driver_table[] = {
    SB_STORE_COMPILED_DRIVERS(SB_STORE_DRIVER_REF) NULL};

#define SB_STORE_DRIVER_NAME(name) #name,
static const char *const sb_store_driver_names[] = {SB_STORE_COMPILED_DRIVERS(SB_STORE_DRIVER_NAME)
                                                        NULL};

sb_store_status_t sb_store_fail(sb_store_error_t *err, sb_store_status_t status, const char *field,
                                const char *fmt, ...)
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

/*
 * The operations a driver's tables leave NULL, per domain: "users (all 13), sessions:
 * session_get, session_list". NULL when the driver has every operation (or is unknown).
 */
#define SB_STORE_COUNT_OP(dom_, op_, params, args) +1
#define SB_STORE_MISSING_OP(dom_, op_, params, args)                                               \
    if (!d->dom_ || !d->dom_->op_) {                                                               \
        names = apr_pstrcat(p, names, nmiss ? ", " : "", #op_, NULL);                              \
        nmiss++;                                                                                   \
    }
#define SB_STORE_MISSING_DOMAIN(dom, DOM)                                                          \
    {                                                                                              \
        int total = 0 SB_STORE_##DOM##_OPS(SB_STORE_COUNT_OP, dom), nmiss = 0;                     \
        const char *names = "";                                                                    \
        SB_STORE_##DOM##_OPS(SB_STORE_MISSING_OP, dom);                                            \
        out = sb_store_missing_add(p, out, #dom, nmiss, total, names);                             \
    }

/* Append one domain's part to out: "dom (all N)" or "dom: a, b"; out as is when none. */
static const char *sb_store_missing_add(apr_pool_t *p, const char *out, const char *dom, int nmiss,
                                        int total, const char *names)
{
    if (!nmiss) {
        return out;
    }
    return apr_psprintf(p, "%s%s%s%s", out ? out : "", out ? "; " : "", dom,
                        nmiss == total ? apr_psprintf(p, " (all %d)", total)
                                       : apr_pstrcat(p, ": ", names, NULL));
}

const char *sb_store_driver_missing(apr_pool_t *p, const char *name)
{
    const sb_store_driver_t *const *dd;
    const sb_store_driver_t *d;
    const char *out = NULL;

    for (dd = sb_store_driver_table; *dd && strcmp((*dd)->name, name); dd++) {
    }
    if (!(d = *dd)) {
        return NULL;
    }
    SB_STORE_DOMAINS(SB_STORE_MISSING_DOMAIN)
    return out;
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
#ifndef SB_WITH_MONGO
    if (!strncmp(uri, "mongodb://", 10) || !strncmp(uri, "mongodb+srv://", 14)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "store driver \"mongodb\" not compiled in");
    }
#endif
    for (d = sb_store_driver_table; *d; d++) {
        if ((*d)->accepts(uri)) {
            break;
        }
    }
    if (!*d) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "unknown store URI scheme: %.200s", uri);
    }
#ifndef SB_STORE_ALLOW_INCOMPLETE
    {
        const char *missing = sb_store_driver_missing(p, (*d)->name);
        if (missing) {
            return sb_store_fail(err, SB_STORE_ERROR, NULL, "store driver %s is incomplete: %.200s",
                                 (*d)->name, missing);
        }
    }
#endif
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

/* Reset err (a local one when the caller passed NULL) and check the connection. */
static sb_store_status_t sb_store_call_prelude(sb_store_conn_t *c, sb_store_error_t *err)
{
    sb_store_err_reset(err);
    if (!c) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "no store connection");
    }
    return SB_STORE_OK;
}

sb_store_status_t sb_store_ping(sb_store_conn_t *c, sb_store_error_t *err)
{
    sb_store_error_t local_err;

    if (!err) {
        err = &local_err;
    }
    if (sb_store_call_prelude(c, err) != SB_STORE_OK) {
        return err->status;
    }
    return c->store->driver->ping(c, err);
}

/*
 * The dispatcher of one operation row: sb_store_<name>(...) checks the connection, then
 * calls the driver's member of the row's domain table (a driver may leave a member NULL
 * while it is being written: that answers ERROR naming the operation).
 */
#define SB_STORE_DISPATCHER(dom_, op_, params, args)                                               \
    sb_store_status_t sb_store_##op_ params                                                        \
    {                                                                                              \
        sb_store_error_t local_err_;                                                               \
        if (!err) {                                                                                \
            err = &local_err_;                                                                     \
        }                                                                                          \
        if (sb_store_call_prelude(c, err) != SB_STORE_OK) {                                        \
            return err->status;                                                                    \
        }                                                                                          \
        if (!c->store->driver->dom_ || !c->store->driver->dom_->op_) {                             \
            return sb_store_fail(err, SB_STORE_ERROR, NULL, "%s: not supported by driver %s",      \
                                 #op_, c->store->driver->name);                                    \
        }                                                                                          \
        return c->store->driver->dom_->op_ args;                                                   \
    }
#define SB_STORE_DEFINE_DOMAIN(dom, DOM) SB_STORE_##DOM##_OPS(SB_STORE_DISPATCHER, dom)

SB_STORE_DOMAINS(SB_STORE_DEFINE_DOMAIN)

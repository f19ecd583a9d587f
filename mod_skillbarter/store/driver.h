/*
 * Internal to store/: the driver table and the layouts behind the opaque
 * sb_store_t / sb_store_conn_t handles. store.c picks a driver by URI scheme
 * and every public sb_store_* call dispatches through the driver's per-domain
 * tables (generated from the operation lists), so a new driver (mongodb) is its
 * folder, its tables and one row in SB_STORE_COMPILED_DRIVERS.
 */
#ifndef SB_STORE_DRIVER_H
#define SB_STORE_DRIVER_H

#include <apr_thread_mutex.h>
#include <apr_time.h>

#include "store.h"

typedef struct sb_store_driver sb_store_driver_t;

SB_STORE_DOMAINS(SB_STORE_DOMAIN_TABLE_TYPE)

struct sb_store {
    const sb_store_driver_t *driver;
    apr_pool_t *pool; /* the pool given to sb_store_open (child pool) */
    const char *uri;
    sb_store_options_t opts;          /* defaults filled in */
    void *priv;                       /* driver state (pool of connections, ...) */
    int migrated;                     /* sb_store_migrate succeeded in this process */
    apr_thread_mutex_t *migrate_lock; /* lazy stores: one migration attempt at a time */
    apr_time_t migrate_next;          /* lazy stores: no new attempt before this */
};

struct sb_store_conn {
    sb_store_t *store;
    apr_pool_t *pool; /* the pool whose cleanup gives the connection back */
    void *priv;       /* driver connection */
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

    /* one table per domain (store_gen.h) */
    SB_STORE_DOMAINS(SB_STORE_DOMAIN_TABLE_REF)
};

/* Fill err (may be NULL) and return status, for `return sb_store_fail(...)`. */
sb_store_status_t sb_store_fail(sb_store_error_t *err, sb_store_status_t status, const char *field,
                                const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The drivers compiled in, as X(name): the driver table sb_store_<name>_driver. */
#ifdef SB_WITH_MONGO
#define SB_STORE_COMPILED_DRIVERS(X) X(sqlite) X(mongodb)
#else
#define SB_STORE_COMPILED_DRIVERS(X) X(sqlite)
#endif
#define SB_STORE_DRIVER_EXTERN(name) extern const sb_store_driver_t sb_store_##name##_driver;
SB_STORE_COMPILED_DRIVERS(SB_STORE_DRIVER_EXTERN)

#endif

/*
 * Internal to store/: the driver table and the layouts behind the opaque
 * sb_store_t / sb_store_conn_t handles. store.c picks a driver by URI scheme
 * and every public sb_store_* call dispatches through the driver's per-domain
 * tables (generated from the operation lists), so a new driver is its folder, its
 * tables and one row in SB_STORE_COMPILED_DRIVERS (or a shared object: sb_store_plugin_t).
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

/* The drivers linked into every process, as X(name): the driver table sb_store_<name>_driver. */
#define SB_STORE_COMPILED_DRIVERS(X) X(sqlite)
#define SB_STORE_DRIVER_EXTERN(name) extern const sb_store_driver_t sb_store_##name##_driver;
SB_STORE_COMPILED_DRIVERS(SB_STORE_DRIVER_EXTERN)

/*
 * A driver built as a shared object of its own (the mongodb driver: libmongoc's initialiser
 * runs in a process only when it loads libmongoc, so a SQLite process never maps it). Its one
 * exported symbol, sb_store_<name>_plugin, is checked against the loader's build (store.c)
 * before its table is used: the operation rows with their parameters, and the layouts the
 * two sides share.
 */
#define SB_STORE_ABI_OP(d, name, params, args) #name #params
#define SB_STORE_ABI_DOMAIN(dom, DOM)          #dom "{" SB_STORE_##DOM##_OPS(SB_STORE_ABI_OP, dom) "}"
#define SB_STORE_ABI                           SB_STORE_DOMAINS(SB_STORE_ABI_DOMAIN)
/* the layouts, in this order (see sb_store_plugin_t.sizes) */
#define SB_STORE_ABI_SIZE_LIST                                                                     \
    sizeof(sb_store_driver_t), sizeof(sb_store_t), sizeof(sb_store_conn_t),                        \
        sizeof(sb_store_options_t), sizeof(sb_store_error_t)

typedef struct {
    const char *abi;    /* SB_STORE_ABI of the driver's build */
    size_t sizes[5];    /* SB_STORE_ABI_SIZE_LIST of the driver's build */
    void (*init)(void); /* once per process, right after loading (library set-up) */
    const sb_store_driver_t *driver;
} sb_store_plugin_t;

/* The mongodb driver's table (store/mongodb/, in build/libskillbarter_mongo.so; its unit tests
 * link it directly). */
extern const sb_store_driver_t sb_store_mongodb_driver;

#endif

/*
 * SQLite driver: URI parsing, the per-process connection pool (apr_reslist),
 * acquire/release, ping, and the vtable wiring the sqlite_*.c operations.
 */
#include "sqlite_int.h"
#include "sqlite_search_cache.h"
#include "sqlite_page_cache.h"

#include <string.h>

#include <apr_strings.h>

/* Why the last pool constructor failed, for the thread that called it. */
static _Thread_local char sb_sqlite_ctor_msg[256];

static apr_status_t sb_sqlite_ctor(void **res, void *params, apr_pool_t *pool)
{
    sb_sqlite_store_t *ss = params;
    sb_store_error_t e;
    sb_sqlite_conn_t *sc;

    sc = sb_sqlite_connect(ss->path, ss->busy_timeout_ms, &e);
    if (!sc) {
        apr_cpystrn(sb_sqlite_ctor_msg, e.message, sizeof(sb_sqlite_ctor_msg));
        return APR_EGENERAL;
    }
    if (ss->no_memory_map) {
        sb_sqlite_no_memory_map(sc);
    }
    sc->writer = ss->writer;
    sc->ckpt = ss->ckpt;
    *res = sc;
    return APR_SUCCESS;
}

static apr_status_t sb_sqlite_dtor(void *res, void *params, apr_pool_t *pool)
{
    sb_sqlite_disconnect(res);
    return APR_SUCCESS;
}

static int sb_sqlite_accepts(const char *uri)
{
    return strncmp(uri, "sqlite:", 7) == 0;
}

/* "sqlite:/abs/file.db", "sqlite:///abs/file.db" or "sqlite:rel/file.db". */
static sb_store_status_t sb_sqlite_open(sb_store_t *store, sb_store_error_t *err)
{
    sb_sqlite_store_t *ss;
    const char *path = store->uri + 7;
    apr_status_t rv;

    if (!strncmp(path, "//", 2)) {
        path += 2;
    }
    if (!*path) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "sqlite: empty path in %s", store->uri);
    }
    ss = apr_pcalloc(store->pool, sizeof(*ss));
    ss->path = path;
    ss->busy_timeout_ms = store->opts.busy_timeout_ms;
    ss->no_memory_map = store->opts.no_memory_map;
    ss->search_cache = sb_search_cache_create(store->pool);
    ss->pages = sb_page_cache_create(store->pool, SB_SQLITE_PAGE_SETS);
    ss->viewers = sb_page_cache_create(store->pool, SB_SQLITE_VIEWER_SETS);
    ss->cards = sb_page_cache_create(store->pool, SB_SQLITE_CARD_SETS);
    ss->conv_lists = sb_page_cache_create(store->pool, SB_SQLITE_CONV_SETS);
    ss->writer = sb_sqlite_writer_create(store->pool, path, ss->busy_timeout_ms);
    ss->ckpt = sb_sqlite_ckpt_create(store->pool, path, ss->busy_timeout_ms,
                                     store->opts.background_checkpoints);
    ss->sender = sb_sqlite_sender_create(store->pool, path, ss->busy_timeout_ms);
    sb_sqlite_ctor_msg[0] = '\0';
    rv = apr_reslist_create(&ss->conns, store->opts.pool_min, store->opts.pool_max,
                            store->opts.pool_max, 0, sb_sqlite_ctor, sb_sqlite_dtor, ss,
                            store->pool);
    if (rv != APR_SUCCESS) {
        return sb_store_fail(err, SB_STORE_UNAVAILABLE, NULL, "%s",
                             sb_sqlite_ctor_msg[0] ? sb_sqlite_ctor_msg
                                                   : "cannot create sqlite connection pool");
    }
    /* Waiting for a free connection is bounded like waiting for a lock. */
    apr_reslist_timeout_set(ss->conns, (apr_interval_time_t)ss->busy_timeout_ms * 1000);
    store->priv = ss;
    return SB_STORE_OK;
}

/* Cleanup on the acquiring pool: end any open transaction, give the connection back
 * (or drop it when it saw an I/O-level failure). */
static apr_status_t sb_sqlite_release(void *data)
{
    sb_store_conn_t *conn = data;
    sb_sqlite_store_t *ss = conn->store->priv;
    sb_sqlite_conn_t *sc = conn->priv;

    if (!sc) {
        return APR_SUCCESS;
    }
    conn->priv = NULL;
    sb_sqlite_rollback(sc);
    sb_sqlite_after_answer(sc); /* a checkpoint its commits made due (sqlite_checkpoint.c) */
    if (sc->broken) {
        return apr_reslist_invalidate(ss->conns, sc);
    }
    return apr_reslist_release(ss->conns, sc);
}

static sb_store_status_t sb_sqlite_acquire(sb_store_conn_t *conn, sb_store_error_t *err)
{
    sb_sqlite_store_t *ss = conn->store->priv;
    void *res = NULL;
    apr_status_t rv;

    sb_sqlite_ctor_msg[0] = '\0';
    rv = apr_reslist_acquire(ss->conns, &res);
    if (rv != APR_SUCCESS) {
        if (APR_STATUS_IS_EAGAIN(rv) || APR_STATUS_IS_TIMEUP(rv)) {
            return sb_store_fail(err, SB_STORE_UNAVAILABLE, NULL,
                                 "sqlite: no free connection within %d ms", ss->busy_timeout_ms);
        }
        return sb_store_fail(err, SB_STORE_UNAVAILABLE, NULL, "%s",
                             sb_sqlite_ctor_msg[0] ? sb_sqlite_ctor_msg
                                                   : "sqlite: cannot acquire a connection");
    }
    conn->priv = res;
    apr_pool_cleanup_register(conn->pool, conn, sb_sqlite_release, apr_pool_cleanup_null);
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_ping(sb_store_conn_t *c, sb_store_error_t *err)
{
    static const char sql[] = "SELECT count(*) FROM sqlite_master";
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *st = sb_sqlite_prepare(sc, sql, err);
    int rc;

    if (!st) {
        return sb_store_fail(err, SB_STORE_UNAVAILABLE, NULL, "%s", err->message);
    }
    rc = sb_sqlite_step(sc, st, err, "ping");
    if (rc < 0) {
        return sb_store_fail(err, SB_STORE_UNAVAILABLE, NULL, "%s", err->message);
    }
    sb_sqlite_done(st);
    return SB_STORE_OK;
}

/* The driver's per-domain tables, one entry per list row. */
#define SB_SQLITE_ENTRY(d, op, params, args) .op = sb_sqlite_##op,
#define SB_SQLITE_DOMAIN_TABLE(dom, DOM)                                                           \
    static const sb_store_##dom##_ops_t sb_sqlite_##dom##_ops = {                                  \
        SB_STORE_##DOM##_OPS(SB_SQLITE_ENTRY, dom)};
SB_STORE_DOMAINS(SB_SQLITE_DOMAIN_TABLE)

#define SB_SQLITE_DOMAIN_REF(dom, DOM) .dom = &sb_sqlite_##dom##_ops,

const sb_store_driver_t sb_store_sqlite_driver = {.name = "sqlite",
                                                  .accepts = sb_sqlite_accepts,
                                                  .open = sb_sqlite_open,
                                                  .migrate = sb_sqlite_migrate,
                                                  .acquire = sb_sqlite_acquire,
                                                  .ping = sb_sqlite_ping,
                                                  SB_STORE_DOMAINS(SB_SQLITE_DOMAIN_REF)};

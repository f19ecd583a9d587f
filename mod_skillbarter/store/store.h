/*
 * The storage interface, in the domain's words. Drivers live in their own folders
 * (store/sqlite/ is the embedded default; store/mongodb/, for deployments beyond one host, is
 * a shared object loaded only by a process that names a mongodb store, and refused until it
 * has every operation: sb_store_driver_missing) and
 * implement every operation of every domain. Nothing above store/ sees SQL or BSON.
 *
 * The operations are listed once per domain (store_users.h, store_tokens.h, store_ledger.h,
 * store_outbox.h, store_discovery.h, store_messages.h, store_notifications.h, store_blocks.h,
 * store_sessions.h, store_credits.h);
 * store_gen.h expands each row into the prototype below,
 * the driver table member (driver.h) and the dispatcher (store.c).
 *
 * Life cycle (per process, DBD-style):
 *   sb_store_open()    in child_init (or a tool's main): parses the URI, builds the
 *                      driver's connection pool in the given (child) pool.
 *   sb_store_migrate() in each process that opened the store (child_init, a tool's main; a
 *                      lazy store finishes it on first acquire): brings the schema/indexes
 *                      up to date; idempotent, and safe when several processes race.
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
#include "store_gen.h"

typedef enum {
    SB_STORE_OK = 0,
    SB_STORE_NOT_FOUND,    /* no such record (or not visible to the caller) */
    SB_STORE_CONFLICT,     /* unique key taken; err->field names it */
    SB_STORE_REUSED,       /* a rotated refresh token came back: family revoked */
    SB_STORE_EXPIRED,      /* token past its expiry */
    SB_STORE_INSUFFICIENT, /* not enough credits */
    SB_STORE_STALE,        /* compare-and-set lost: the record changed state */
    SB_STORE_REFUSED,      /* the other party does not accept this (a block) */
    SB_STORE_UNAVAILABLE,  /* server/file unreachable or busy past the timeout */
    SB_STORE_ERROR         /* anything else; err->message says what */
} sb_store_status_t;

typedef struct {
    sb_store_status_t status;
    const char *field; /* for CONFLICT: "username" | "email" | ... */
    char message[256];
} sb_store_error_t;

typedef struct sb_store sb_store_t;           /* per-process handle */
typedef struct sb_store_conn sb_store_conn_t; /* one acquired connection */

typedef struct {
    int pool_min;        /* connections kept open (default 1) */
    int pool_max;        /* hard max per process (default 16) */
    int busy_timeout_ms; /* sqlite busy timeout / mongo serverSelectionTimeoutMS (default 5000) */
    int lazy;            /* open no connection up front (pool_min 0 allowed) and let
                            sb_store_acquire finish a failed migration, retrying at most
                            once a second: a store that is down when a server process
                            starts is picked up when it comes back */
    /* SQLite: a due checkpoint runs on a thread of the store's own (started by the first),
     * not on the thread giving back the connection that made it due: for a server whose few
     * threads each answer one request after another (the daemon's send lanes), so no answer
     * queues behind a checkpoint. */
    int background_checkpoints;
    /* SQLite: the pooled connections read with pread, without the file's memory map: for a
     * process whose reads are small and come right after other processes' commits (the
     * daemon), where each read transaction began by unmapping the file and faulting its
     * pages back in. */
    int no_memory_map;
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
/* Names of the drivers this build has (NULL-terminated): sqlite, linked in, and mongodb
 * (unless built with MONGO=0), a shared object loaded on first need. */
const char *const *sb_store_drivers(void);
/* Make driver `name` usable in this process: NULL when it is (linked in, or its shared object
 * loaded now or before), else why not, in p ("the mongodb store driver cannot be loaded: no
 * libskillbarter_mongo.so (looked for …)"). SkillBarterStore calls it at configtest. */
const char *sb_store_driver_load(apr_pool_t *p, const char *name);
/* The operations driver `name` does not have yet, per domain, in p ("users (all 13);
 * sessions: session_get"), or NULL when it has them all (or is unknown, or cannot be loaded:
 * sb_store_driver_load says why). sb_store_open refuses such a driver, and SkillBarterStore
 * at configtest, so no unwritten operation is reachable. */
const char *sb_store_driver_missing(apr_pool_t *p, const char *name);

/* ---- the domains ---- */

#include "store_users.h"
#include "store_tokens.h"
#include "store_ledger.h"
#include "store_outbox.h"
#include "store_discovery.h"
#include "store_messages.h"
#include "store_notifications.h"
#include "store_blocks.h"
#include "store_mail.h"
#include "store_jobs.h"
#include "store_sessions.h"
#include "store_credits.h"

SB_STORE_DOMAINS(SB_STORE_DECLARE_DOMAIN)

#endif

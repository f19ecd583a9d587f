/*
 * MongoDB driver: URI and credentials, one mongoc_client_pool_t per process (made in the
 * process that uses it: httpd's child_init, a tool's main), acquire/release, ping, the
 * start-up migration, and the driver table.
 */
#include "mongo_int.h"
#include "mongo_aggregates.h"
#include "mongo_blocks.h"
#include "mongo_discovery.h"
#include "mongo_economy.h"
#include "mongo_jobs.h"
#include "mongo_mail.h"
#include "mongo_messages.h"
#include "mongo_outbox.h"
#include "mongo_sessions.h"
#include "mongo_tokens.h"
#include "mongo_users.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <apr_strings.h>

static pthread_once_t sb_mongo_once = PTHREAD_ONCE_INIT;

/* libmongoc's own log lines are dropped: every failure reaches the caller as a store error
 * (one line in the error log, written by the caller), and the default handler writes to
 * stdout/stderr, which in httpd is the error log without a module tag. */
static void sb_mongo_log_quiet(mongoc_log_level_t level, const char *domain, const char *message,
                               void *data)
{
}

static void sb_mongo_cleanup_at_exit(void)
{
    mongoc_cleanup();
}

/* mongoc_init once per process; mongoc_cleanup when the process exits (libmongoc cannot be
 * initialised again after a cleanup, and a process may open and close several stores). The
 * loader (store.c) runs this right after loading the driver's shared object, with
 * MONGOC_DISABLE_SHM set before it: libmongoc's own initialiser has then already run (at
 * load), without shared-memory counters, and the mongoc_init here does nothing more. A child
 * forked after that inherits the state, the quiet log handler and the exit handler. */
static void sb_mongo_global_init(void)
{
    mongoc_init();
    mongoc_log_set_handler(sb_mongo_log_quiet, NULL);
    atexit(sb_mongo_cleanup_at_exit);
}

void sb_mongo_process_init(void)
{
    pthread_once(&sb_mongo_once, sb_mongo_global_init);
}

static int sb_mongo_accepts(const char *uri)
{
    return !strncmp(uri, "mongodb://", 10) || !strncmp(uri, "mongodb+srv://", 14);
}

static apr_status_t sb_mongo_close(void *data)
{
    sb_mongo_store_t *ms = data;

    if (ms->pool && ms->pid == getpid()) {
        mongoc_client_pool_destroy(ms->pool);
    }
    ms->pool = NULL;
    mongoc_uri_destroy(ms->uri);
    ms->uri = NULL;
    return APR_SUCCESS;
}

/* Parse the URI (libmongoc's syntax, TLS options included, plus sbPasswordFile), apply the
 * timeout unless the URI sets serverSelectionTimeoutMS itself, and make the client pool. No
 * server is contacted here. */
static sb_store_status_t sb_mongo_open(sb_store_t *store, sb_store_error_t *err)
{
    sb_mongo_store_t *ms;
    const char *mongo_uri, *password_file, *password, *db;
    bson_error_t e;

    sb_mongo_process_init();
    if (sb_mongo_uri_split(store->pool, store->uri, &mongo_uri, &password_file, err)
        != SB_STORE_OK) {
        return err->status;
    }
    ms = apr_pcalloc(store->pool, sizeof(*ms));
    ms->uri = mongoc_uri_new_with_error(mongo_uri, &e);
    if (!ms->uri) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "mongodb: bad store URI: %s", e.message);
    }
    apr_pool_cleanup_register(store->pool, ms, sb_mongo_close, apr_pool_cleanup_null);
    if (password_file) {
        if (!mongoc_uri_get_username(ms->uri)) {
            return sb_store_fail(err, SB_STORE_ERROR, NULL,
                                 "mongodb: %s needs a user name in the URI (mongodb://user@host/)",
                                 SB_MONGO_OPT_PASSWORD_FILE);
        }
        if (sb_mongo_read_password(store->pool, password_file, &password, err) != SB_STORE_OK) {
            return err->status;
        }
        mongoc_uri_set_password(ms->uri, password);
    }
    db = mongoc_uri_get_database(ms->uri);
    ms->db = apr_pstrdup(store->pool, db && *db ? db : SB_MONGO_DEFAULT_DB);
    if (!sb_mongo_db_name_ok(ms->db)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "mongodb: bad database name '%.80s'",
                             ms->db);
    }
    if (!mongoc_uri_has_option(ms->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS)) {
        mongoc_uri_set_option_as_int32(ms->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
                                       store->opts.busy_timeout_ms);
    }
    ms->timeout_ms = mongoc_uri_get_option_as_int32(ms->uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS,
                                                    store->opts.busy_timeout_ms);
    if (!mongoc_uri_get_appname(ms->uri)) {
        mongoc_uri_set_appname(ms->uri, "skillbarter");
    }
    ms->pool = mongoc_client_pool_new(ms->uri);
    if (!ms->pool) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL,
                             "mongodb: cannot make a client pool for the URI (TLS options?)");
    }
    mongoc_client_pool_set_error_api(ms->pool, MONGOC_ERROR_API_VERSION_2);
    mongoc_client_pool_max_size(ms->pool, (uint32_t)store->opts.pool_max);
    ms->pid = getpid();
    store->priv = ms;
    return SB_STORE_OK;
}

/* A client from the pool within the timeout (the pool holds at most pool_max). */
static mongoc_client_t *sb_mongo_pop(sb_mongo_store_t *ms, sb_store_error_t *err)
{
    struct timespec nap = {0, 1000000};
    mongoc_client_t *client;
    int waited_ms = 0;

    if (ms->pid != getpid()) {
        sb_store_fail(err, SB_STORE_ERROR, NULL,
                      "mongodb: store opened in another process (open it after fork)");
        return NULL;
    }
    while (!(client = mongoc_client_pool_try_pop(ms->pool))) {
        if (waited_ms >= ms->timeout_ms) {
            sb_store_fail(err, SB_STORE_UNAVAILABLE, NULL,
                          "mongodb: no free connection within %d ms", ms->timeout_ms);
            return NULL;
        }
        nanosleep(&nap, NULL);
        waited_ms++;
    }
    return client;
}

/* Cleanup on the acquiring pool: the client goes back to the pool. */
static apr_status_t sb_mongo_release(void *data)
{
    sb_store_conn_t *conn = data;
    sb_mongo_conn_t *mc = conn->priv;

    if (mc && mc->client) {
        mongoc_client_pool_push(mc->ms->pool, mc->client);
        mc->client = NULL;
    }
    conn->priv = NULL;
    return APR_SUCCESS;
}

static sb_store_status_t sb_mongo_acquire(sb_store_conn_t *conn, sb_store_error_t *err)
{
    sb_mongo_store_t *ms = conn->store->priv;
    sb_mongo_conn_t *mc;
    mongoc_client_t *client = sb_mongo_pop(ms, err);

    if (!client) {
        return err->status;
    }
    mc = apr_pcalloc(conn->pool, sizeof(*mc));
    mc->ms = ms;
    mc->client = client;
    conn->priv = mc;
    apr_pool_cleanup_register(conn->pool, conn, sb_mongo_release, apr_pool_cleanup_null);
    return SB_STORE_OK;
}

mongoc_collection_t *sb_mongo_coll(sb_store_conn_t *c, const char *name)
{
    sb_mongo_conn_t *mc = SB_MONGO(c);

    return mongoc_client_get_collection(mc->client, mc->ms->db, name);
}

/* {ping: 1} on the admin database: OK, or UNAVAILABLE whatever the cause (a deployment that
 * cannot answer a ping is not there for this request). */
static sb_store_status_t sb_mongo_ping(sb_store_conn_t *c, sb_store_error_t *err)
{
    bson_t cmd = BSON_INITIALIZER, reply;
    bson_error_t e;
    bool ok;

    BSON_APPEND_INT32(&cmd, "ping", 1);
    ok = mongoc_client_command_simple(SB_MONGO(c)->client, "admin", &cmd, NULL, &reply, &e);
    bson_destroy(&cmd);
    bson_destroy(&reply);
    if (!ok) {
        sb_mongo_fail(&e, NULL, err, "ping");
        err->status = SB_STORE_UNAVAILABLE;
        return SB_STORE_UNAVAILABLE;
    }
    return SB_STORE_OK;
}

/* What the deployment is, from the hello reply the driver's own monitoring holds for the
 * server a write would go to (no command of ours, so servers that answer only the legacy
 * isMaster work too): *transactions 1 for a replica set member or a mongos. UNAVAILABLE when
 * no server is selected within the timeout. */
static sb_store_status_t sb_mongo_probe(mongoc_client_t *client, int *transactions,
                                        sb_store_error_t *err)
{
    mongoc_server_description_t *sd;
    bson_error_t e;

    sd = mongoc_client_select_server(client, true, NULL, &e);
    if (!sd) {
        sb_mongo_fail(&e, NULL, err, "hello");
        err->status = SB_STORE_UNAVAILABLE;
        return SB_STORE_UNAVAILABLE;
    }
    *transactions = sb_mongo_hello_transactions(mongoc_server_description_hello_response(sd));
    mongoc_server_description_destroy(sd);
    return SB_STORE_OK;
}

/* The recovery of moves and transfers a stopped process left half done (mongo_economy.h),
 * then the once-only count of sessions an earlier version booked (mongo_trend.c), on a
 * connection made of the migration's client. */
static sb_store_status_t sb_mongo_migrate_recover(sb_store_t *store, mongoc_client_t *client,
                                                  sb_store_error_t *err)
{
    sb_mongo_conn_t mc = {store->priv, client};
    sb_store_conn_t conn = {store, NULL, &mc};
    sb_store_status_t st;
    int fixed = 0;

    if (apr_pool_create(&conn.pool, store->pool) != APR_SUCCESS) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "mongodb: out of memory");
    }
    st = sb_mongo_recover(&conn, apr_time_as_msec(apr_time_now()) - SB_MONGO_RECOVER_AFTER_MS,
                          &fixed, err);
    if (st == SB_STORE_OK) {
        st = sb_mongo_trend_backfill(&conn, err);
    }
    apr_pool_destroy(conn.pool);
    return st;
}

/* Ask the deployment what it is (transactions or not), then create every collection's
 * indexes and drop the retired ones (another process may have dropped them first).
 * UNAVAILABLE when no server answers within the selection timeout. */
static sb_store_status_t sb_mongo_migrate(sb_store_t *store, sb_store_error_t *err)
{
    sb_mongo_store_t *ms = store->priv;
    mongoc_client_t *client = sb_mongo_pop(ms, err);
    sb_store_status_t st;
    int i;

    if (!client) {
        return err->status;
    }
    st = sb_mongo_probe(client, &ms->transactions, err);
    for (i = 0; st == SB_STORE_OK && sb_mongo_collections[i]; i++) {
        bson_t cmd, reply;
        bson_error_t e;
        int n = sb_mongo_index_command(sb_mongo_collections[i], &cmd, &e);

        if (n < 0) {
            st = sb_store_fail(err, SB_STORE_ERROR, NULL, "mongodb: index table: %s", e.message);
            break;
        }
        if (n > 0 && !mongoc_client_command_simple(client, ms->db, &cmd, NULL, &reply, &e)) {
            st = sb_mongo_fail(&e, &reply, err, "createIndexes");
        }
        if (n > 0) {
            bson_destroy(&reply);
        }
        bson_destroy(&cmd);
    }
    for (i = 0; st == SB_STORE_OK && sb_mongo_retired_indexes[i].collection; i++) {
        bson_t cmd, reply;
        bson_error_t e;

        sb_mongo_drop_index_command(&sb_mongo_retired_indexes[i], &cmd);
        if (!mongoc_client_command_simple(client, ms->db, &cmd, NULL, &reply, &e)
            && !sb_mongo_drop_gone(&e)) {
            st = sb_mongo_fail(&e, &reply, err, "dropIndexes");
        }
        bson_destroy(&reply);
        bson_destroy(&cmd);
    }
    if (st == SB_STORE_OK) {
        st = sb_mongo_migrate_recover(store, client, err);
    }
    mongoc_client_pool_push(ms->pool, client);
    return st;
}

/*
 * Every domain of store.h, a full table each with one entry per list row (sb_mongo_<op>, as
 * declared by mongo_<domain>.h; discovery's by mongo_discovery.h and mongo_aggregates.h). A
 * domain missing from this list would leave its operations NULL, and sb_store_driver_missing
 * would name them, so a mongodb store would be refused at configtest and by sb_store_open.
 */
#define SB_MONGO_DOMAINS(D)                                                                        \
    D(users, USERS)                                                                                \
    D(tokens, TOKENS)                                                                              \
    D(ledger, LEDGER)                                                                              \
    D(credits, CREDITS)                                                                            \
    D(jobs, JOBS)                                                                                  \
    D(blocks, BLOCKS)                                                                              \
    D(outbox, OUTBOX)                                                                              \
    D(notifications, NOTIFICATIONS)                                                                \
    D(messages, MESSAGES)                                                                          \
    D(mail, MAIL)                                                                                  \
    D(sessions, SESSIONS)                                                                          \
    D(discovery, DISCOVERY)

#define SB_MONGO_ENTRY(d, op, params, args) .op = sb_mongo_##op,
#define SB_MONGO_TABLE(dom, DOM)                                                                   \
    static const sb_store_##dom##_ops_t sb_mongo_##dom##_ops = {                                   \
        SB_STORE_##DOM##_OPS(SB_MONGO_ENTRY, dom)};
SB_MONGO_DOMAINS(SB_MONGO_TABLE)

#define SB_MONGO_DOMAIN_REF(dom, DOM) .dom = &sb_mongo_##dom##_ops,

const sb_store_driver_t sb_store_mongodb_driver = {.name = "mongodb",
                                                   .accepts = sb_mongo_accepts,
                                                   .open = sb_mongo_open,
                                                   .migrate = sb_mongo_migrate,
                                                   .acquire = sb_mongo_acquire,
                                                   .ping = sb_mongo_ping,
                                                   SB_STORE_DOMAINS(SB_MONGO_DOMAIN_REF)};

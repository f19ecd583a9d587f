/*
 * The public store API: picks a driver by URI scheme (loading the mongodb driver's shared
 * object when one is named) and dispatches every operation through its vtable (driver.h).
 * No storage code lives here.
 */
#include "driver.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_time.h>

/* The drivers linked in (driver.h), and the names of every driver this build has: those and
 * mongodb, a shared object loaded on first need (below). */
#define SB_STORE_DRIVER_REF(name) &sb_store_##name##_driver,
static const sb_store_driver_t *const sb_store_driver_table[] = {
    SB_STORE_COMPILED_DRIVERS(SB_STORE_DRIVER_REF) NULL};

#define SB_STORE_DRIVER_NAME(name) #name,
static const char *const sb_store_driver_names[] = {SB_STORE_COMPILED_DRIVERS(SB_STORE_DRIVER_NAME)
#ifdef SB_WITH_MONGO
                                                        "mongodb",
#endif
                                                    NULL};

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

static int sb_store_is_mongodb_uri(const char *uri)
{
    return !strncmp(uri, "mongodb://", 10) || !strncmp(uri, "mongodb+srv://", 14);
}

#ifdef SB_WITH_MONGO
/*
 * The mongodb driver lives in libskillbarter_mongo.so (libmongoc and the driver), loaded
 * with dlopen the first time a mongodb store is named: at configtest in httpd's parent, at
 * sb_store_open in sbctl and the daemon. A process on SQLite never maps libmongoc. libmongoc
 * initialises itself when it is loaded (its constructor runs mongoc_init), and mongoc_init
 * maps shared-memory counters at /dev/shm/mongoc-<pid> unless MONGOC_DISABLE_SHM is set in
 * the environment at that moment (a file a killed process leaves behind, and a later
 * process of the same pid then prints "Falling back to malloc for counters." on stderr): so
 * it is set just before the dlopen. Once loaded, the object stays (RTLD_NODELETE: httpd
 * unloads and reloads this module at each restart; libmongoc cannot be initialised twice).
 *
 * Where: SKILLBARTER_MONGO_DRIVER when set (a path; the unit tests use it), else beside the
 * object that holds this code (mod_skillbarter.so's directory), and for a program (sbctl,
 * skillbarter-realtime) beside it and then in Apache's module directory, where make install
 * puts it.
 */
#define SB_STORE_MONGO_FILE "libskillbarter_mongo.so"
#define SB_STORE_MONGO_ENV  "SKILLBARTER_MONGO_DRIVER"
#ifndef SB_MODULE_DIR
#define SB_MODULE_DIR "/usr/lib/apache2/modules"
#endif

static pthread_mutex_t sb_store_load_lock = PTHREAD_MUTEX_INITIALIZER;
static const sb_store_driver_t *sb_store_mongodb_loaded;

/* The directory part of path, in p ("." for a bare name). */
static const char *sb_store_dirname(apr_pool_t *p, const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? apr_pstrmemdup(p, path, slash > path ? (apr_size_t)(slash - path) : 1) : ".";
}

/* The files to try, in order (see above). */
static apr_array_header_t *sb_store_mongo_candidates(apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 3, sizeof(const char *));
    const char *env = getenv(SB_STORE_MONGO_ENV);
    char obj[PATH_MAX], exe[PATH_MAX];
    Dl_info info;
    int have_obj = 0, have_exe;

    if (env && *env) {
        APR_ARRAY_PUSH(out, const char *) = env;
        return out;
    }
    /* the object this code is in: for a program, its name as run (argv[0]) */
    if (dladdr((void *)sb_store_open, &info) && info.dli_fname && strchr(info.dli_fname, '/')
        && realpath(info.dli_fname, obj)) {
        have_obj = 1;
    }
    have_exe = realpath("/proc/self/exe", exe) != NULL;
    if (have_obj && !(have_exe && !strcmp(obj, exe))) {
        /* a shared object (the module, as LoadModule named it): only beside it */
        APR_ARRAY_PUSH(out, const char *) =
            apr_pstrcat(p, sb_store_dirname(p, info.dli_fname), "/" SB_STORE_MONGO_FILE, NULL);
        return out;
    }
    if (have_exe) {
        APR_ARRAY_PUSH(out, const char *) =
            apr_pstrcat(p, sb_store_dirname(p, exe), "/" SB_STORE_MONGO_FILE, NULL);
    }
    APR_ARRAY_PUSH(out, const char *) = SB_MODULE_DIR "/" SB_STORE_MONGO_FILE;
    return out;
}

/* Load the object at path and check it; NULL and *why when it is not usable. */
static const sb_store_driver_t *sb_store_mongo_load_file(apr_pool_t *p, const char *path,
                                                         const char **why)
{
    static const size_t sizes[] = {SB_STORE_ABI_SIZE_LIST};
    const sb_store_plugin_t *plugin;
    void *h;

    setenv("MONGOC_DISABLE_SHM", "1", 1);
    if (!(h = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE))) {
        *why = apr_pstrdup(p, dlerror());
        return NULL;
    }
    if (!(plugin = dlsym(h, "sb_store_mongodb_plugin"))) {
        *why = apr_psprintf(p, "%s: no sb_store_mongodb_plugin in it", path);
        return NULL;
    }
    if (strcmp(plugin->abi, SB_STORE_ABI) || memcmp(plugin->sizes, sizes, sizeof(sizes))) {
        *why = apr_psprintf(p,
                            "%s was built against another version of the store interface "
                            "(install it with the module it was built with)",
                            path);
        return NULL;
    }
    plugin->init();
    return plugin->driver;
}

/* The mongodb driver, loaded now if it is not yet; NULL and *why (in p) when it cannot be. A
 * failure is not remembered: the next call looks again. */
static const sb_store_driver_t *sb_store_mongo_driver(apr_pool_t *p, const char **why)
{
    const sb_store_driver_t *d;
    apr_array_header_t *paths;
    const char *path = NULL, *tried = "";
    int i;

    pthread_mutex_lock(&sb_store_load_lock);
    if (!(d = sb_store_mongodb_loaded)) {
        paths = sb_store_mongo_candidates(p);
        for (i = 0; i < paths->nelts && !path; i++) {
            const char *each = APR_ARRAY_IDX(paths, i, const char *);

            if (access(each, F_OK) == 0) {
                path = each;
            }
            else {
                tried = apr_pstrcat(p, tried, *tried ? ", " : "", each, NULL);
            }
        }
        if (!path) {
            *why = apr_psprintf(p, "no %s (looked for %s; it is installed beside the module)",
                                SB_STORE_MONGO_FILE, tried);
        }
        else {
            d = sb_store_mongodb_loaded = sb_store_mongo_load_file(p, path, why);
        }
    }
    pthread_mutex_unlock(&sb_store_load_lock);
    if (!d) {
        *why = apr_psprintf(p, "the mongodb store driver cannot be loaded: %s", *why);
    }
    return d;
}
#endif

/* The driver called name, loading it when it is a shared object; NULL for an unknown name
 * (*why NULL) or one that cannot be loaded (*why says why). why may be NULL. */
static const sb_store_driver_t *sb_store_driver_get(apr_pool_t *p, const char *name,
                                                    const char **why)
{
    const sb_store_driver_t *const *dd;
    const char *local_why = NULL;

    if (!why) {
        why = &local_why;
    }
    *why = NULL;
    for (dd = sb_store_driver_table; *dd; dd++) {
        if (!strcmp((*dd)->name, name)) {
            return *dd;
        }
    }
#ifdef SB_WITH_MONGO
    if (!strcmp(name, "mongodb")) {
        return sb_store_mongo_driver(p, why);
    }
#endif
    return NULL;
}

const char *sb_store_driver_load(apr_pool_t *p, const char *name)
{
    const char *why = NULL;

    if (!sb_store_driver_get(p, name, &why) && !why) {
        why = apr_psprintf(p, "no store driver '%s'", name);
    }
    return why;
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
    const sb_store_driver_t *d;
    const char *out = NULL;

    if (!(d = sb_store_driver_get(p, name, NULL))) {
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
    o->background_checkpoints = 0;
    o->no_memory_map = 0;
    if (given) {
        o->lazy = given->lazy;
        o->background_checkpoints = given->background_checkpoints;
        o->no_memory_map = given->no_memory_map;
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
    const sb_store_driver_t *d = NULL;
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
    if (sb_store_is_mongodb_uri(uri)) {
#ifndef SB_WITH_MONGO
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "store driver \"mongodb\" not compiled in");
#else
        const char *why;

        if (!(d = sb_store_driver_get(p, "mongodb", &why))) {
            return sb_store_fail(err, SB_STORE_ERROR, NULL, "%s", why);
        }
#endif
    }
    else {
        const sb_store_driver_t *const *dd;

        for (dd = sb_store_driver_table; *dd && !(*dd)->accepts(uri); dd++) {
        }
        d = *dd;
    }
    if (!d || !d->accepts(uri)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "unknown store URI scheme: %.200s", uri);
    }
#ifndef SB_STORE_ALLOW_INCOMPLETE
    {
        const char *missing = sb_store_driver_missing(p, d->name);
        if (missing) {
            return sb_store_fail(err, SB_STORE_ERROR, NULL, "store driver %s is incomplete: %.200s",
                                 d->name, missing);
        }
    }
#endif
    store = apr_pcalloc(p, sizeof(*store));
    store->driver = d;
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

/*
 * Rate limiting in the glue. The table itself (core/sb_ratelimit.c) is a file-backed shared
 * mapping with its own process-shared robust mutex; here we declare limiters, create the
 * mapping in the parent (children inherit it through fork, in every MPM), keep it across
 * graceful restarts so counts survive, and apply the limiters to each /api request.
 */
#include "sb_ratelimit_httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <apr_lib.h>
#include <apr_atomic.h>
#include <apr_strings.h>
#include <unixd.h>

#include "sb_config.h"
#include "sb_http.h"
#include "sb_jwt.h"
#include "sb_log.h"
#include "sb_ratelimit.h"
#include "sb_router.h"
#include "sb_settings.h"
#include "sb_units.h"

#define SB_RL_WARN_INTERVAL (60 * APR_USEC_PER_SEC)

/* What the configuration declares; rebuilt by pre_config for each generation. */
typedef struct {
    sb_rl_def_t defs[SB_RL_MAX_LIMITERS];
    int ndefs;
    uint32_t capacity;
    const char *shm_path; /* NULL: DefaultRuntimeDir/SB_RATELIMIT_SHM_FILE */
} sb_rl_conf_t;

static sb_rl_conf_t *rl_conf;

/*
 * The live table. httpd unloads and reloads the module's code at every restart, so the
 * handle is kept in the process pool's userdata (which outlives pconf and the DSO) and
 * found again by the next generation: counts survive a graceful restart, and the mapping
 * is made once. No cleanup of ours is registered on that pool (its code would be gone).
 */
typedef struct {
    sb_rl_table_t *table;
    apr_pool_t *pool; /* holds the mapping; a child of the process pool */
    char path[1024];  /* its file (readable after the mapping is gone) */
    pid_t owner;      /* the parent that created it */
} sb_rl_live_t;

#define SB_RL_LIVE_KEY "sb_ratelimit_live"

static sb_rl_table_t *rl_table;      /* this generation's view of the live table */
static const sb_rl_def_t *rl_global; /* NULL when off */

/* The spec's messages for its limiters; others get the global one. */
static const struct {
    const char *name, *message;
} rl_messages[] = {
    {"auth", "Too many authentication attempts. Please try again later."},
    {"messages", "Message rate limit exceeded. Please try again later."},
    {"discover", "Discover rate limit exceeded. Please try again later."},
    {"sessions", "Session creation limit exceeded. Please try again later."},
};
#define SB_RL_DEFAULT_MESSAGE "Rate limit exceeded. Please try again later."

static void def_set(sb_rl_conf_t *c, const char *name, uint32_t max, uint32_t window_s,
                    uint32_t flags)
{
    sb_rl_def_t *d = NULL;
    int i;

    for (i = 0; i < c->ndefs; i++) {
        if (!strcmp(c->defs[i].name, name)) {
            d = &c->defs[i];
        }
    }
    if (!d) {
        d = &c->defs[c->ndefs++];
    }
    memset(d, 0, sizeof *d);
    apr_cpystrn(d->name, name, sizeof d->name);
    d->max = max;
    d->window_s = window_s;
    d->flags = flags;
}

static const sb_rl_def_t *def_find(const char *name)
{
    int i;
    for (i = 0; rl_conf && i < rl_conf->ndefs; i++) {
        if (!strcmp(rl_conf->defs[i].name, name)) {
            return &rl_conf->defs[i];
        }
    }
    return NULL;
}

int sb_ratelimit_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    rl_conf = apr_pcalloc(pconf, sizeof *rl_conf);
    rl_conf->capacity = SB_RL_DEFAULT_CAPACITY;
    def_set(rl_conf, SB_RL_GLOBAL, 1000, 15 * 60, 0);
    def_set(rl_conf, "auth", 5, 15 * 60, SB_RL_F_SKIP_SUCCESS);
    def_set(rl_conf, "messages", 10, 60, SB_RL_F_KEY_USER);
    def_set(rl_conf, "discover", 50, 5 * 60, SB_RL_F_KEY_USER);
    def_set(rl_conf, "sessions", 5, 3600, SB_RL_F_KEY_USER);
    rl_global = NULL;
    return OK;
}

/* SkillBarterRateLimit NAME MAX WINDOW ip|user [skip-successful] | NAME off */
const char *sb_cmd_rate_limit_set(cmd_parms *cmd, void *dc, int argc, char *const argv[])
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY), *n = cmd->cmd->name;
    int64_t max, window;
    uint32_t flags = 0;
    const char *s;

    if (err) {
        return err;
    }
    if (argc < 1 || !*argv[0] || strlen(argv[0]) >= SB_RL_NAME_MAX) {
        return apr_psprintf(cmd->pool, "%s: expected a limiter name of 1-%d characters", n,
                            SB_RL_NAME_MAX - 1);
    }
    for (s = argv[0]; *s; s++) {
        if (!apr_islower(*s) && !apr_isdigit(*s) && *s != '-' && *s != '_') {
            return apr_psprintf(cmd->pool,
                                "%s: limiter name '%s' may only hold a-z, 0-9, - "
                                "and _",
                                n, argv[0]);
        }
    }
    if (!def_find(argv[0]) && rl_conf->ndefs >= SB_RL_MAX_LIMITERS) {
        return apr_psprintf(cmd->pool, "%s: at most %d limiters", n, SB_RL_MAX_LIMITERS);
    }
    if (argc == 2 && !strcasecmp(argv[1], "off")) {
        def_set(rl_conf, argv[0], 0, 1, 0);
        return NULL;
    }
    if (argc < 4 || argc > 5) {
        return apr_psprintf(cmd->pool,
                            "%s: expected NAME MAX WINDOW ip|user [skip-successful] "
                            "or NAME off",
                            n);
    }
    if (sb_parse_int(argv[1], 1, SB_RL_MAX_LIMIT, &max)) {
        return apr_psprintf(cmd->pool, "%s %s: MAX must be 1-%d requests, got '%s'", n, argv[0],
                            SB_RL_MAX_LIMIT, argv[1]);
    }
    if (sb_parse_duration(argv[2], &window) || window > SB_RL_MAX_WINDOW_S) {
        return apr_psprintf(cmd->pool,
                            "%s %s: WINDOW must be a duration such as 60s, 15m, 1h "
                            "or 1d (at most 366d), got '%s'",
                            n, argv[0], argv[2]);
    }
    if (!strcmp(argv[3], "user")) {
        flags |= SB_RL_F_KEY_USER;
    }
    else if (strcmp(argv[3], "ip")) {
        return apr_psprintf(cmd->pool, "%s %s: KEY must be ip or user, got '%s'", n, argv[0],
                            argv[3]);
    }
    if (argc == 5) {
        if (strcmp(argv[4], "skip-successful")) {
            return apr_psprintf(cmd->pool, "%s %s: unknown option '%s' (skip-successful)", n,
                                argv[0], argv[4]);
        }
        flags |= SB_RL_F_SKIP_SUCCESS;
    }
    def_set(rl_conf, argv[0], (uint32_t)max, (uint32_t)window, flags);
    return NULL;
}

const char *sb_cmd_rate_limit_table_size_set(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    int64_t v;

    if (err) {
        return err;
    }
    if (sb_parse_int(arg, SB_RL_MIN_CAPACITY, SB_RL_MAX_CAPACITY, &v)) {
        return apr_psprintf(cmd->pool, "%s: expected %d-%d entries, got '%s'", cmd->cmd->name,
                            SB_RL_MIN_CAPACITY, SB_RL_MAX_CAPACITY, arg);
    }
    rl_conf->capacity = (uint32_t)v;
    return NULL;
}

const char *sb_cmd_rate_limit_shm_set(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    const char *path = ap_server_root_relative(cmd->pool, arg);
    char *dir;
    apr_finfo_t fi;

    if (err) {
        return err;
    }
    if (!path || !*arg || arg[strlen(arg) - 1] == '/' || strlen(path) >= 1000) {
        return apr_psprintf(cmd->pool, "%s: expected a file path, got '%s'", cmd->cmd->name, arg);
    }
    dir = apr_pstrdup(cmd->temp_pool, path);
    *strrchr(dir, '/') = '\0';
    if (apr_stat(&fi, *dir ? dir : "/", APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS
        || fi.filetype != APR_DIR) {
        return apr_psprintf(cmd->pool, "%s: the directory of '%s' does not exist", cmd->cmd->name,
                            path);
    }
    rl_conf->shm_path = path;
    return NULL;
}

int sb_ratelimit_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    const sb_route_t *const *g;
    const sb_route_t *rt;
    int bad = 0;

    for (g = sb_route_table(); *g; g++) {
        for (rt = *g; rt->method; rt++) {
            if (rt->limiter && !def_find(rt->limiter)) {
                sb_slog(s, APLOG_STARTUP | APLOG_CRIT, 0,
                        "route %s %s names limiter '%s', which no %s declares", rt->method,
                        rt->pattern, rt->limiter, SB_DIRECTIVE_RATE_LIMIT);
                bad = 1;
            }
        }
    }
    return bad ? HTTP_INTERNAL_SERVER_ERROR : OK;
}

static sb_rl_live_t *live_get(server_rec *s)
{
    void *data = NULL;

    apr_pool_userdata_get(&data, SB_RL_LIVE_KEY, s->process->pool);
    if (!data) {
        data = apr_pcalloc(s->process->pool, sizeof(sb_rl_live_t));
        apr_pool_userdata_set(data, SB_RL_LIVE_KEY, apr_pool_cleanup_null, s->process->pool);
    }
    return data;
}

/* pconf cleanup: when the parent stops for good the file goes; a restart keeps it. At exit
 * the mapping may already be gone (its pool is a sibling of pconf): use only the path. */
static apr_status_t unlink_at_exit(void *data)
{
    sb_rl_live_t *live = data;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_EXITING && getpid() == live->owner
        && *live->path) {
        unlink(live->path);
    }
    rl_table = NULL;
    return APR_SUCCESS;
}

const char *sb_ratelimit_shm_path(apr_pool_t *p)
{
    return rl_conf && rl_conf->shm_path ? rl_conf->shm_path
                                        : ap_runtime_dir_relative(p, SB_RATELIMIT_SHM_FILE);
}

/* Create the table once (skipping the first configuration pass); keep it across restarts
 * while its file and size stay the same. Children inherit the mapping through fork. */
int sb_ratelimit_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    const char *path, *why = NULL;
    sb_rl_live_t *live;
    server_rec *vs;
    int used = 0;
    apr_status_t rv;

    for (vs = s; vs; vs = vs->next) {
        used |= sb_conf(vs)->settings != NULL;
    }
    if (!used || ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    path = sb_ratelimit_shm_path(pconf);
    live = live_get(s);
    if (live->table
        && (sb_rl_retired(live->table) || strcmp(sb_rl_path(live->table), path)
            || sb_rl_capacity(live->table) != rl_conf->capacity)) {
        apr_pool_destroy(live->pool); /* unmaps the old table */
        live->table = NULL;
        live->pool = NULL;
        if (strcmp(live->path, path)) {
            unlink(live->path); /* moved: nobody will use the old file again */
        }
    }
    if (!live->table) {
        apr_pool_create(&live->pool, s->process->pool);
        apr_pool_tag(live->pool, "sb_ratelimit");
        rv = sb_rl_create(live->pool, path, rl_conf->capacity,
                          APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD | APR_FPROT_GWRITE,
                          &live->table, &why);
        if (rv != APR_SUCCESS) {
            sb_slog(s, APLOG_STARTUP | APLOG_CRIT, rv, "rate-limit table: %s (see %s)", why,
                    SB_DIRECTIVE_RATE_LIMIT_SHM);
            apr_pool_destroy(live->pool);
            live->pool = NULL;
            live->table = NULL;
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        live->owner = getpid();
        apr_cpystrn(live->path, path, sizeof live->path);
        /* the real-time daemon (and sbctl) run as the httpd User */
        if (geteuid() == 0 && chown(path, ap_unixd_config.user_id, ap_unixd_config.group_id)) {
            sb_slog(s, APLOG_WARNING, APR_FROM_OS_ERROR(errno), "cannot hand %s to User %s", path,
                    ap_unixd_config.user_name);
        }
        sb_slog(s, APLOG_INFO, 0, "rate-limit table %s: %u entries, %" APR_SIZE_T_FMT " bytes",
                path, rl_conf->capacity, sb_rl_segment_size(rl_conf->capacity));
    }
    rl_table = live->table;
    apr_pool_cleanup_register(pconf, live, unlink_at_exit, apr_pool_cleanup_null);
    sb_rl_publish(rl_table, rl_conf->defs, rl_conf->ndefs);
    rl_global = def_find(SB_RL_GLOBAL);
    if (rl_global && !rl_global->max) {
        rl_global = NULL;
    }
    return OK;
}

/* "ip:ADDR", with IPv6 grouped by /64 (one host usually holds a whole /64). */
static const char *ip_key(request_rec *r)
{
    const char *ip = r->useragent_ip ? r->useragent_ip : "-";
    unsigned char a[16];
    char buf[INET6_ADDRSTRLEN];

    if (strchr(ip, ':') && inet_pton(AF_INET6, ip, a) == 1) {
        static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(a, v4mapped, sizeof v4mapped) && inet_ntop(AF_INET, a + 12, buf, sizeof buf)) {
            return apr_pstrcat(r->pool, SB_RL_KEY_IP, buf, NULL);
        }
        memset(a + 8, 0, 8);
        if (inet_ntop(AF_INET6, a, buf, sizeof buf)) {
            return apr_pstrcat(r->pool, SB_RL_KEY_IP, buf, "/64", NULL);
        }
    }
    return apr_pstrcat(r->pool, SB_RL_KEY_IP, ip, NULL);
}

/* "u:ID" from a bearer token whose signature verifies, else the IP key. */
static const char *user_key(request_rec *r, const sb_settings_t *st)
{
    const char *bearer = sb_http_bearer(r);
    sb_jwt_claims_t claims;

    if (bearer && st->jwt_key
        && sb_jwt_verify(st->jwt_key, r->pool, bearer, apr_time_sec(apr_time_now()), &claims)
               == SB_JWT_OK
        && claims.sub && *claims.sub) {
        return apr_pstrcat(r->pool, SB_RL_KEY_USER, claims.sub, NULL);
    }
    return ip_key(r);
}

static const char *message_for(const char *limiter)
{
    apr_size_t i;
    for (i = 0; i < sizeof rl_messages / sizeof rl_messages[0]; i++) {
        if (!strcmp(rl_messages[i].name, limiter)) {
            return rl_messages[i].message;
        }
    }
    return SB_RL_DEFAULT_MESSAGE;
}

/* A warning at most once a minute per process (the table's own "full" warning is global). */
static void warn_sometimes(request_rec *r, const char *what)
{
    static apr_uint64_t last; /* shared by the worker threads: compare-and-swap */
    apr_uint64_t seen = apr_atomic_read64(&last), now = (apr_uint64_t)apr_time_now();
    if (now - seen >= (apr_uint64_t)SB_RL_WARN_INTERVAL
        && apr_atomic_cas64(&last, now, seen) == seen) {
        sb_warn(r, "rate limiting fails open: %s", what);
    }
}

#define SB_RL_PENDING_KEY "sb_rl_pending"

/* Hits to give back if the answer is a success, kept on the request pool. */
typedef struct {
    sb_rl_hit_t hits[2];
    int n;
} sb_rl_pending_t;

void sb_ratelimit_finish(request_rec *r)
{
    sb_rl_pending_t *pd = NULL;
    int i;

    apr_pool_userdata_get((void **)&pd, SB_RL_PENDING_KEY, r->pool);
    if (!pd || !rl_table) {
        return;
    }
    apr_pool_userdata_setn(NULL, SB_RL_PENDING_KEY, NULL, r->pool);
    if (r->status < 400) {
        for (i = 0; i < pd->n; i++) {
            sb_rl_refund(rl_table, &pd->hits[i], apr_time_as_msec(apr_time_now()));
        }
    }
}

int sb_ratelimit_check(request_rec *r, const sb_settings_t *st, const char *route_limiter)
{
    const sb_rl_def_t *defs[2];
    sb_rl_hit_t hits[2];
    const sb_rl_hit_t *show = NULL;
    const char *ipk = NULL, *uk = NULL;
    int n = 0, i, warn_full = 0;
    sb_rl_status_t rs;

    if (!rl_table) {
        return DECLINED;
    }
    if (rl_global) {
        defs[n++] = rl_global;
    }
    if (route_limiter && strcmp(route_limiter, SB_RL_GLOBAL)) {
        const sb_rl_def_t *d = def_find(route_limiter);
        if (d && d->max) {
            defs[n++] = d;
        }
    }
    if (!n) {
        return DECLINED;
    }
    memset(hits, 0, sizeof hits);
    for (i = 0; i < n; i++) {
        hits[i].limiter = defs[i]->name;
        hits[i].max = defs[i]->max;
        hits[i].window_s = defs[i]->window_s;
        /* brute-force protection must not switch off when the table is crowded */
        hits[i].fail_closed = !strcmp(defs[i]->name, SB_RL_AUTH);
        if (defs[i]->flags & SB_RL_F_KEY_USER) {
            hits[i].key = uk ? uk : (uk = user_key(r, st));
        }
        else {
            hits[i].key = ipk ? ipk : (ipk = ip_key(r));
        }
    }
    rs = sb_rl_consume(rl_table, hits, n, apr_time_as_msec(apr_time_now()), &warn_full);
    if (warn_full) {
        sb_warn(r,
                "rate-limit table crowded (%s entries): evicting entries that end soonest; "
                "with none to evict, %s fails closed and the others open; raise %s",
                apr_itoa(r->pool, (int)rl_conf->capacity), SB_RL_AUTH,
                SB_DIRECTIVE_RATE_LIMIT_TABLE_SIZE);
    }
    if (rs == SB_RL_RETIRED || rs == SB_RL_ERROR) {
        warn_sometimes(r, rs == SB_RL_RETIRED ? "the table was replaced" : "the lock failed");
        return DECLINED;
    }
    /* The most restrictive limiter speaks: a denying one, else the one with least left. */
    for (i = 0; i < n; i++) {
        const sb_rl_hit_t *h = &hits[i];
        if (h->status == SB_RL_FULL) {
            continue;
        }
        if (!show
            || (h->status == SB_RL_DENY
                && (show->status != SB_RL_DENY || h->retry_s > show->retry_s))
            || (show->status != SB_RL_DENY && h->status != SB_RL_DENY
                && h->remaining < show->remaining)) {
            show = h;
        }
    }
    if (show) {
        apr_table_setn(r->err_headers_out, "RateLimit-Limit", apr_itoa(r->pool, (int)show->max));
        apr_table_setn(r->err_headers_out, "RateLimit-Remaining",
                       apr_itoa(r->pool, (int)show->remaining));
        apr_table_setn(r->err_headers_out, "RateLimit-Reset",
                       apr_itoa(r->pool, (int)show->reset_s));
    }
    if (rs == SB_RL_DENY && show) {
        json_object *body = json_object_new_object();
        const char *retry = apr_itoa(r->pool, (int)show->retry_s);

        apr_table_setn(r->err_headers_out, "Retry-After", retry);
        json_object_object_add(body, "success", json_object_new_boolean(0));
        json_object_object_add(body, "message", json_object_new_string(message_for(show->limiter)));
        json_object_object_add(body, "retryAfter", json_object_new_int64(show->retry_s));
        sb_debug(r, "limiter %s: %s over %u per %us", show->limiter, show->key, show->max,
                 show->window_s);
        return sb_http_send_json(r, HTTP_TOO_MANY_REQUESTS, body);
    }
    for (i = 0; i < n; i++) {
        if ((defs[i]->flags & SB_RL_F_SKIP_SUCCESS) && hits[i].status == SB_RL_ALLOW) {
            sb_rl_pending_t *pd = NULL;
            apr_pool_userdata_get((void **)&pd, SB_RL_PENDING_KEY, r->pool);
            if (!pd) {
                pd = apr_pcalloc(r->pool, sizeof *pd);
                apr_pool_userdata_setn(pd, SB_RL_PENDING_KEY, NULL, r->pool);
            }
            if (pd->n < (int)(sizeof pd->hits / sizeof pd->hits[0])) {
                pd->hits[pd->n++] = hits[i];
            }
        }
    }
    return DECLINED;
}

/*
 * SkillBarter* directives. Every value is checked when the directive is read, so
 * `apachectl configtest` rejects a bad one with a message that names it.
 */
#include "sb_config.h"
#include "sb_config_sessions.h"

#include <stdio.h>
#include <string.h>
#include <http_log.h>
#include <http_core.h>
#include <ap_mpm.h>
#include <unistd.h>
#include <unixd.h>
#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>

#include "sb_jwt.h"
#include "sb_log.h"
#include "sb_outbox_signal.h"
#include "sb_password.h"
#include "sb_settings.h"
#include "sb_ratelimit_httpd.h"
#include "sb_units.h"

/* Longest path a unix socket address holds (sun_path, with its NUL). */
#define SB_SOCKET_PATH_MAX 107

/* The JWT secret read at configuration time; keyed by file name so vhosts share it. */
typedef struct {
    unsigned char *bytes;
    apr_size_t len;
} sb_secret_t;

void *sb_create_server_conf(apr_pool_t *p, server_rec *s)
{
    sb_server_conf_t *c = apr_pcalloc(p, sizeof *c);
    c->store_pool_max = -1;
    c->store_timeout_ms = -1;
    c->access_ttl = c->refresh_ttl = c->verify_ttl = c->reset_ttl = -1;
    c->bcrypt_cost = -1;
    c->max_json_body = -1;
    c->avatar_max = -1;
    c->avatar_max_side = c->avatar_max_pixels = -1;
    c->mail_max_account = c->mail_max_ip = -1;
    c->mail_window = -1;
    c->outbox_retention = -1;
    c->smtp_port = -1;
    c->smtp_connect_timeout = c->smtp_timeout = c->mail_retry_for = c->mail_backoff = -1;
    return c;
}

#define MERGE_PTR(f) m->f = add->f ? add->f : base->f
#define MERGE_NUM(f) m->f = add->f != -1 ? add->f : base->f

/* The virtual host's value wins only where it was set. */
void *sb_merge_server_conf(apr_pool_t *p, void *basev, void *addv)
{
    sb_server_conf_t *base = basev, *add = addv, *m = apr_pcalloc(p, sizeof *m);
    MERGE_PTR(store_uri);
    MERGE_NUM(store_pool_max);
    MERGE_NUM(store_timeout_ms);
    MERGE_PTR(store_password_file);
    MERGE_PTR(jwt_secret_file);
    MERGE_PTR(jwt_issuer);
    MERGE_NUM(access_ttl);
    MERGE_NUM(refresh_ttl);
    MERGE_NUM(verify_ttl);
    MERGE_NUM(reset_ttl);
    MERGE_NUM(bcrypt_cost);
    MERGE_NUM(max_json_body);
    MERGE_PTR(allow_origin);
    MERGE_PTR(mail_spool);
    MERGE_PTR(mail_from);
    MERGE_PTR(public_url);
    MERGE_PTR(realtime_url);
    MERGE_PTR(upload_dir);
    MERGE_NUM(avatar_max);
    MERGE_PTR(outbox_socket);
    MERGE_NUM(avatar_max_side);
    MERGE_NUM(avatar_max_pixels);
    MERGE_NUM(mail_max_account);
    MERGE_NUM(mail_max_ip);
    MERGE_NUM(mail_window);
    MERGE_PTR(jwt_audience);
    MERGE_NUM(outbox_retention);
    MERGE_PTR(mail_transport);
    MERGE_PTR(smtp_host);
    MERGE_NUM(smtp_port);
    MERGE_PTR(smtp_tls);
    MERGE_PTR(smtp_user);
    MERGE_PTR(smtp_password_file);
    MERGE_PTR(smtp_helo);
    MERGE_NUM(smtp_connect_timeout);
    MERGE_NUM(smtp_timeout);
    MERGE_NUM(mail_retry_for);
    MERGE_NUM(mail_backoff);
    MERGE_PTR(mail_templates);
    MERGE_PTR(sessions);
    return m;
}

apr_int64_t sb_conf_max_json_body(const sb_server_conf_t *c)
{
    return c->max_json_body > 0 ? c->max_json_body : SB_DEFAULT_MAX_JSON_BODY;
}

static sb_server_conf_t *cmd_conf(cmd_parms *cmd)
{
    return ap_get_module_config(cmd->server->module_config, &skillbarter_module);
}

static const char *sb_cmd_store_uri_set(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *const *d;
    const char *scheme_end = strchr(arg, ':');
    const char *missing;

    if (!strncmp(arg, "mongodb+srv:", 12)) {
        scheme_end = arg + 7; /* the mongodb driver's DNS seed list form */
    }

    if (!scheme_end || scheme_end == arg) {
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not a store URI (sqlite:/path/file.db or "
                            "mongodb://host/db)",
                            cmd->cmd->name, arg);
    }
    for (d = sb_store_drivers(); *d; d++) {
        if (strlen(*d) == (apr_size_t)(scheme_end - arg) && !strncmp(arg, *d, strlen(*d))) {
            break;
        }
    }
    if (!*d) {
        return apr_psprintf(cmd->pool, "%s: no compiled-in store driver for '%.*s'", cmd->cmd->name,
                            (int)(scheme_end - arg), arg);
    }
    /* the mongodb driver's shared object is loaded here, in the parent (children inherit it) */
    if ((missing = sb_store_driver_load(cmd->temp_pool, *d))) {
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, missing);
    }
#ifndef SB_STORE_ALLOW_INCOMPLETE
    missing = sb_store_driver_missing(cmd->temp_pool, *d);
    if (missing) {
        return apr_psprintf(cmd->pool,
                            "%s: the %s store driver is incomplete, so it cannot be used yet "
                            "(operations not written: %s)",
                            cmd->cmd->name, *d, missing);
    }
#else
    (void)missing;
#endif
    if (!strcmp(*d, "sqlite") && scheme_end[1] != '/') {
        return apr_psprintf(cmd->pool, "%s: the SQLite path must be absolute: %s", cmd->cmd->name,
                            arg);
    }
    if (cmd_conf(cmd)->store_password_file && strcmp(*d, "mongodb")) {
        return apr_psprintf(cmd->pool, "%s: %s is only for a mongodb store", cmd->cmd->name,
                            SB_DIRECTIVE_STORE_PASSWORD);
    }
    cmd_conf(cmd)->store_uri = arg;
    return NULL;
}

static const char *sb_cmd_store_pool_max_set(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_int64_t v;
    if (sb_parse_int(arg, 1, 1024, &v)) {
        return apr_psprintf(cmd->pool, "%s: expected 1-1024, got '%s'", cmd->cmd->name, arg);
    }
    cmd_conf(cmd)->store_pool_max = (int)v;
    return NULL;
}

/* 1-600000 ms, written as 300ms, 5s or a bare number of milliseconds. */
static const char *sb_cmd_store_timeout_set(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_size_t n = strlen(arg);
    apr_int64_t v = -1, scale = 1;
    char *num;

    if (n > 2 && !strcmp(arg + n - 2, "ms")) {
        n -= 2;
    }
    else if (n > 1 && arg[n - 1] == 's') {
        n -= 1;
        scale = 1000;
    }
    num = apr_pstrmemdup(cmd->temp_pool, arg, n);
    if (sb_parse_int(num, 1, 600000, &v) || v * scale > 600000) {
        return apr_psprintf(cmd->pool, "%s: expected 1ms-600s such as 300ms or 5s, got '%s'",
                            cmd->cmd->name, arg);
    }
    cmd_conf(cmd)->store_timeout_ms = (int)(v * scale);
    return NULL;
}

/* The store password's file must be readable now; its content is read by each process that
 * opens the store (the driver), so it never enters the configuration or the settings file. */
static const char *sb_cmd_store_password_file_set(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_file_t *f;

    if (!path || apr_file_open(&f, path, APR_FOPEN_READ, 0, cmd->temp_pool) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: cannot read the password file '%s'", cmd->cmd->name,
                            arg);
    }
    apr_file_close(f);
    if (cmd_conf(cmd)->store_uri && strncmp(cmd_conf(cmd)->store_uri, "mongodb", 7)) {
        return apr_psprintf(cmd->pool, "%s is only for a mongodb %s", cmd->cmd->name,
                            SB_DIRECTIVE_STORE);
    }
    cmd_conf(cmd)->store_password_file = path;
    return NULL;
}

/* The store URI every process opens: SkillBarterStore, plus the password file as the mongodb
 * driver's own option (escaped as a URI query value). NULL when a password file is set for a
 * store that takes none. */
static const char *sb_store_uri_with_password(apr_pool_t *p, const sb_server_conf_t *c)
{
    const char *f = c->store_password_file, *s;
    char *esc, *o;

    if (!f) {
        return c->store_uri;
    }
    if (strncmp(c->store_uri, "mongodb", 7)) {
        return NULL;
    }
    o = esc = apr_palloc(p, strlen(f) * 3 + 1);
    for (s = f; *s; s++) {
        if (strchr("%&#?+= ", *s)) {
            o += sprintf(o, "%%%02X", (unsigned char)*s);
        }
        else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return apr_pstrcat(p, c->store_uri, strchr(c->store_uri, '?') ? "&" : "?",
                       "sbPasswordFile=", esc, NULL);
}

/* Read the secret now, so configtest fails on a missing or short file. */
static const char *sb_cmd_jwt_secret_file_set(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t fi;
    apr_file_t *f;
    sb_secret_t *sec;
    apr_size_t n;
    char err[120];
    apr_status_t rv;

    if (!path) {
        return apr_psprintf(cmd->pool, "%s: bad path '%s'", cmd->cmd->name, arg);
    }
    rv = apr_stat(&fi, path, APR_FINFO_SIZE | APR_FINFO_TYPE, cmd->temp_pool);
    if (rv != APR_SUCCESS || fi.filetype != APR_REG) {
        return apr_psprintf(cmd->pool, "%s: cannot read '%s': %s", cmd->cmd->name, path,
                            rv ? apr_strerror(rv, err, sizeof err) : "not a regular file");
    }
    if (fi.size < SB_JWT_MIN_SECRET || fi.size > 4096) {
        return apr_psprintf(
            cmd->pool, "%s: '%s' must hold %d to 4096 bytes of secret (has %" APR_OFF_T_FMT ")",
            cmd->cmd->name, path, SB_JWT_MIN_SECRET, fi.size);
    }
    sec = apr_palloc(cmd->pool, sizeof *sec);
    sec->bytes = apr_palloc(cmd->pool, (apr_size_t)fi.size);
    rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, cmd->temp_pool);
    if (rv == APR_SUCCESS) {
        rv = apr_file_read_full(f, sec->bytes, (apr_size_t)fi.size, &n);
        apr_file_close(f);
    }
    if (rv != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: cannot read '%s': %s", cmd->cmd->name, path,
                            apr_strerror(rv, err, sizeof err));
    }
    /* A trailing newline from `echo > file` is not part of the secret. */
    while (n > 0 && (sec->bytes[n - 1] == '\n' || sec->bytes[n - 1] == '\r')) {
        n--;
    }
    if (n < SB_JWT_MIN_SECRET) {
        return apr_psprintf(cmd->pool, "%s: '%s' must hold at least %d bytes of secret",
                            cmd->cmd->name, path, SB_JWT_MIN_SECRET);
    }
    sec->len = n;
    apr_pool_userdata_set(sec, apr_pstrcat(cmd->pool, "sb_secret:", path, NULL), NULL, cmd->pool);
    cmd_conf(cmd)->jwt_secret_file = path;
    return NULL;
}

static const char *sb_cmd_jwt_issuer_set(cmd_parms *cmd, void *dc, const char *arg)
{
    if (!*arg || strlen(arg) > 200) {
        return apr_psprintf(cmd->pool, "%s: issuer must be 1-200 characters", cmd->cmd->name);
    }
    cmd_conf(cmd)->jwt_issuer = arg;
    return NULL;
}

/* Durations: the member's offset is in cmd->info. */
static const char *sb_cmd_duration_set(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_int64_t v;
    if (sb_parse_duration(arg, &v) || v > 366 * 86400) {
        return apr_psprintf(cmd->pool,
                            "%s: expected a duration such as 900, 15m, 12h or 30d "
                            "(at most 366d), got '%s'",
                            cmd->cmd->name, arg);
    }
    *(apr_int64_t *)((char *)cmd_conf(cmd) + (apr_size_t)cmd->info) = v;
    return NULL;
}

static const char *sb_cmd_size_set(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_int64_t v;
    if (sb_parse_size(arg, &v) || v > (apr_int64_t)1 << 30) {
        return apr_psprintf(cmd->pool,
                            "%s: expected a size such as 65536, 512K or 5M "
                            "(at most 1G), got '%s'",
                            cmd->cmd->name, arg);
    }
    *(apr_int64_t *)((char *)cmd_conf(cmd) + (apr_size_t)cmd->info) = v;
    return NULL;
}

static const char *sb_cmd_bcrypt_cost_set(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_int64_t v;
    if (sb_parse_int(arg, SB_BCRYPT_MIN_COST, SB_BCRYPT_MAX_COST, &v)) {
        return apr_psprintf(cmd->pool, "%s: expected %d-%d, got '%s'", cmd->cmd->name,
                            SB_BCRYPT_MIN_COST, SB_BCRYPT_MAX_COST, arg);
    }
    cmd_conf(cmd)->bcrypt_cost = (int)v;
    return NULL;
}

static const char *sb_cmd_allow_origin_set(cmd_parms *cmd, void *dc, const char *arg)
{
    if (strcmp(arg, "*") && strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8)) {
        return apr_psprintf(cmd->pool,
                            "%s: expected an origin such as https://app.example "
                            "or *, got '%s'",
                            cmd->cmd->name, arg);
    }
    if (strpbrk(arg, " \t\r\n,") || (strlen(arg) > 1 && arg[strlen(arg) - 1] == '/')) {
        return apr_psprintf(cmd->pool, "%s: one origin without path or trailing slash, got '%s'",
                            cmd->cmd->name, arg);
    }
    cmd_conf(cmd)->allow_origin = arg;
    return NULL;
}

/* Directories: must exist; the member's offset is in cmd->info. */
static const char *sb_cmd_dir_set(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    apr_finfo_t fi;

    if (!path || apr_stat(&fi, path, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS
        || fi.filetype != APR_DIR) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not an existing directory", cmd->cmd->name,
                            arg);
    }
    *(const char **)((char *)cmd_conf(cmd) + (apr_size_t)cmd->info) = path;
    return NULL;
}

static const char *sb_cmd_mail_from_set(cmd_parms *cmd, void *dc, const char *arg)
{
    if (!strchr(arg, '@') || strpbrk(arg, "\r\n")) {
        return apr_psprintf(cmd->pool,
                            "%s: expected an address such as "
                            "\"Skill Barter <no-reply@example.org>\"",
                            cmd->cmd->name);
    }
    cmd_conf(cmd)->mail_from = arg;
    return NULL;
}

/* A base URL directive's value (http or https, no space, query or fragment) without its
 * trailing slashes into *out; the error names an example of the directive's own. */
static const char *sb_base_url(cmd_parms *cmd, const char *arg, const char *example,
                               const char **out)
{
    apr_size_t n = strlen(arg);

    if ((strncmp(arg, "http://", 7) && strncmp(arg, "https://", 8)) || strpbrk(arg, " \r\n?#")) {
        return apr_psprintf(cmd->pool, "%s: expected a base URL such as %s, got '%s'",
                            cmd->cmd->name, example, arg);
    }
    while (n > 0 && arg[n - 1] == '/') {
        n--;
    }
    *out = apr_pstrndup(cmd->pool, arg, n);
    return NULL;
}

/* SkillBarterRealtimeURL: where the SPA opens its Socket.IO connection in direct mode. */
static const char *sb_cmd_realtime_url_set(cmd_parms *cmd, void *dc, const char *arg)
{
    return sb_base_url(cmd, arg, "https://rt.example:3443", &cmd_conf(cmd)->realtime_url);
}

static const char *sb_cmd_public_url_set(cmd_parms *cmd, void *dc, const char *arg)
{
    return sb_base_url(cmd, arg, "https://app.example", &cmd_conf(cmd)->public_url);
}

/* A unix socket path (server-root relative): it must fit a socket address. */
static const char *sb_cmd_outbox_socket_set(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);

    if (!path || !*arg || strlen(path) > SB_SOCKET_PATH_MAX || strpbrk(path, "\r\n")) {
        return apr_psprintf(cmd->pool,
                            "%s: expected a socket path of at most %d bytes, got "
                            "'%s'",
                            cmd->cmd->name, SB_SOCKET_PATH_MAX, arg);
    }
    cmd_conf(cmd)->outbox_socket = path;
    return NULL;
}

static const char *sb_cmd_jwt_audience_set(cmd_parms *cmd, void *dc, const char *arg)
{
    if (!*arg || strlen(arg) > 200) {
        return apr_psprintf(cmd->pool, "%s: audience must be 1-200 characters", cmd->cmd->name);
    }
    cmd_conf(cmd)->jwt_audience = arg;
    return NULL;
}

static const char *sb_cmd_avatar_max_side_set(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_int64_t v;
    if (sb_parse_int(arg, 1, 65535, &v)) {
        return apr_psprintf(cmd->pool, "%s: expected 1-65535 pixels, got '%s'", cmd->cmd->name,
                            arg);
    }
    cmd_conf(cmd)->avatar_max_side = v;
    return NULL;
}

static const char *sb_cmd_avatar_max_pixels_set(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_int64_t v;
    if (sb_parse_size(arg, &v) || v < 1 || v > (apr_int64_t)1 << 32) {
        return apr_psprintf(cmd->pool,
                            "%s: expected a pixel count such as 4000000 or 16M "
                            "(at most 4096M), got '%s'",
                            cmd->cmd->name, arg);
    }
    cmd_conf(cmd)->avatar_max_pixels = v;
    return NULL;
}

/* SkillBarterMailLimit ACCOUNT IP [WINDOW]: 0 turns a budget off. */
static const char *sb_cmd_mail_limit_set(cmd_parms *cmd, void *dc, const char *account,
                                         const char *ip, const char *window)
{
    sb_server_conf_t *c = cmd_conf(cmd);
    apr_int64_t a, i, w = SB_DEFAULT_MAIL_WINDOW;

    if (sb_parse_int(account, 0, 1000000, &a) || sb_parse_int(ip, 0, 1000000, &i)) {
        return apr_psprintf(cmd->pool,
                            "%s: expected mails per account and per IP (0-1000000, "
                            "0 = no limit), got '%s %s'",
                            cmd->cmd->name, account, ip);
    }
    if (window && (sb_parse_duration(window, &w) || w < 1 || w > 366 * 86400)) {
        return apr_psprintf(cmd->pool,
                            "%s: WINDOW must be a duration such as 1h or 1d (at most "
                            "366d), got '%s'",
                            cmd->cmd->name, window);
    }
    c->mail_max_account = (int)a;
    c->mail_max_ip = (int)i;
    c->mail_window = w;
    return NULL;
}

static const char *sb_cmd_mail_transport_set(cmd_parms *cmd, void *dc, const char *arg)
{
    if (strcmp(arg, "spool") && strcmp(arg, "smtp")) {
        return apr_psprintf(cmd->pool, "%s: expected spool or smtp, got '%s'", cmd->cmd->name, arg);
    }
    cmd_conf(cmd)->mail_transport = arg;
    return NULL;
}

/* SkillBarterSMTP HOST [PORT] [plain|starttls|tls] */
static const char *sb_cmd_smtp_set(cmd_parms *cmd, void *dc, const char *host, const char *port,
                                   const char *tls)
{
    sb_server_conf_t *c = cmd_conf(cmd);
    apr_int64_t v = 0;

    if (!*host || strpbrk(host, " /:@\r\n")) {
        return apr_psprintf(cmd->pool, "%s: '%s' is not a host name or address", cmd->cmd->name,
                            host);
    }
    if (port && !tls && !strcmp(port, "starttls")) {
        tls = port;
        port = NULL;
    }
    else if (port && !tls && (!strcmp(port, "tls") || !strcmp(port, "plain"))) {
        tls = port;
        port = NULL;
    }
    if (port && sb_parse_int(port, 1, 65535, &v)) {
        return apr_psprintf(cmd->pool, "%s: PORT must be 1-65535, got '%s'", cmd->cmd->name, port);
    }
    if (tls && strcmp(tls, "plain") && strcmp(tls, "starttls") && strcmp(tls, "tls")) {
        return apr_psprintf(cmd->pool, "%s: expected plain, starttls or tls, got '%s'",
                            cmd->cmd->name, tls);
    }
    c->smtp_host = host;
    c->smtp_port = (int)v;
    c->smtp_tls = tls ? tls : "plain";
    return NULL;
}

/* SkillBarterSMTPAuth USER PASSWORD_FILE: the file must be readable now (configtest). */
static const char *sb_cmd_smtp_auth_set(cmd_parms *cmd, void *dc, const char *user,
                                        const char *file)
{
    const char *path = ap_server_root_relative(cmd->pool, file);
    apr_file_t *f;

    if (!*user || strpbrk(user, "\r\n")) {
        return apr_psprintf(cmd->pool, "%s: USER must not be empty", cmd->cmd->name);
    }
    if (!path || strpbrk(path, "\r\n")
        || apr_file_open(&f, path, APR_FOPEN_READ, 0, cmd->temp_pool) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: cannot read the password file '%s'", cmd->cmd->name,
                            file);
    }
    apr_file_close(f);
    cmd_conf(cmd)->smtp_user = user;
    cmd_conf(cmd)->smtp_password_file = path;
    return NULL;
}

static const char *sb_cmd_smtp_helo_set(cmd_parms *cmd, void *dc, const char *arg)
{
    if (!*arg || strlen(arg) > 255 || strpbrk(arg, " /\r\n")) {
        return apr_psprintf(cmd->pool, "%s: expected a host name, got '%s'", cmd->cmd->name, arg);
    }
    cmd_conf(cmd)->smtp_helo = arg;
    return NULL;
}

/* SkillBarterSMTPTimeout CONNECT TOTAL (durations, at most 1h each). */
static const char *sb_cmd_smtp_timeout_set(cmd_parms *cmd, void *dc, const char *connect,
                                           const char *total)
{
    apr_int64_t a, b;

    if (sb_parse_duration(connect, &a) || sb_parse_duration(total, &b) || a < 1 || b < 1 || a > 3600
        || b > 3600) {
        return apr_psprintf(cmd->pool,
                            "%s: expected two durations of 1s-1h such as 10s 1m, "
                            "got '%s %s'",
                            cmd->cmd->name, connect, total);
    }
    cmd_conf(cmd)->smtp_connect_timeout = a;
    cmd_conf(cmd)->smtp_timeout = b;
    return NULL;
}

/* SkillBarterMailRetry FOR [FIRST_BACKOFF] */
static const char *sb_cmd_mail_retry_set(cmd_parms *cmd, void *dc, const char *span,
                                         const char *first)
{
    apr_int64_t a, b = SB_DEFAULT_MAIL_BACKOFF;

    if (sb_parse_duration(span, &a) || a < 1 || a > 30 * 86400
        || (first && (sb_parse_duration(first, &b) || b < 1 || b > 86400))) {
        return apr_psprintf(cmd->pool,
                            "%s: expected a retry time of 1s-30d and a first backoff "
                            "of 1s-1d such as 2d 1m",
                            cmd->cmd->name);
    }
    cmd_conf(cmd)->mail_retry_for = a;
    cmd_conf(cmd)->mail_backoff = b;
    return NULL;
}

#define OFF(f) (void *)APR_OFFSETOF(sb_server_conf_t, f)

const command_rec sb_cmds[] = {
    AP_INIT_TAKE1(SB_DIRECTIVE_STORE, sb_cmd_store_uri_set, NULL, RSRC_CONF,
                  "Store URI: sqlite:/absolute/path.db or mongodb://host/db"),
    AP_INIT_TAKE1(SB_DIRECTIVE_STORE_POOL_MAX, sb_cmd_store_pool_max_set, NULL, RSRC_CONF,
                  "Most store connections per child process (default: threads per child)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_STORE_TIMEOUT, sb_cmd_store_timeout_set, NULL, RSRC_CONF,
                  "How long a store request waits: SQLite's busy timeout, MongoDB's server "
                  "selection (default 5s)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_STORE_PASSWORD, sb_cmd_store_password_file_set, NULL, RSRC_CONF,
                  "File holding the password of the MongoDB store URI's user"),
    AP_INIT_TAKE1(SB_DIRECTIVE_JWT_SECRET_FILE, sb_cmd_jwt_secret_file_set, NULL, RSRC_CONF,
                  "File holding the HS256 signing secret (at least 32 bytes)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_JWT_ISSUER, sb_cmd_jwt_issuer_set, NULL, RSRC_CONF,
                  "JWT issuer (iss) written and required (default skillbarter)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_ACCESS_TTL, sb_cmd_duration_set, OFF(access_ttl), RSRC_CONF,
                  "Access token lifetime (default 15m)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_REFRESH_TTL, sb_cmd_duration_set, OFF(refresh_ttl), RSRC_CONF,
                  "Refresh token lifetime (default 30d)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_VERIFY_TTL, sb_cmd_duration_set, OFF(verify_ttl), RSRC_CONF,
                  "Email verification link lifetime (default 24h)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_RESET_TTL, sb_cmd_duration_set, OFF(reset_ttl), RSRC_CONF,
                  "Password reset link lifetime (default 1h)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_BCRYPT_COST, sb_cmd_bcrypt_cost_set, NULL, RSRC_CONF,
                  "bcrypt cost for new password hashes (default 12)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_MAX_JSON_BODY, sb_cmd_size_set, OFF(max_json_body), RSRC_CONF,
                  "Largest JSON request body (default 1M)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_ALLOW_ORIGIN, sb_cmd_allow_origin_set, NULL, RSRC_CONF,
                  "Origin allowed by CORS (unset: no CORS headers)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_MAIL_SPOOL, sb_cmd_dir_set, OFF(mail_spool), RSRC_CONF,
                  "Directory receiving outgoing mail as RFC 5322 files"),
    AP_INIT_TAKE1(SB_DIRECTIVE_MAIL_FROM, sb_cmd_mail_from_set, NULL, RSRC_CONF,
                  "From address of outgoing mail"),
    AP_INIT_TAKE1(SB_DIRECTIVE_PUBLIC_URL, sb_cmd_public_url_set, NULL, RSRC_CONF,
                  "Public base URL used in links sent by mail"),
    AP_INIT_TAKE1(SB_DIRECTIVE_REALTIME_URL, sb_cmd_realtime_url_set, NULL, RSRC_CONF,
                  "Base URL of the real-time daemon in direct mode (unset: /socket.io/ here)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_UPLOAD_DIR, sb_cmd_dir_set, OFF(upload_dir), RSRC_CONF,
                  "Directory for uploaded avatars (served under /uploads/)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_AVATAR_MAX_SIZE, sb_cmd_size_set, OFF(avatar_max), RSRC_CONF,
                  "Largest avatar upload (default 5M)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_OUTBOX_SOCKET, sb_cmd_outbox_socket_set, NULL, RSRC_CONF,
                  "Unix socket signalling new outbox rows to skillbarter-realtime "
                  "(default DefaultRuntimeDir/" SB_OUTBOX_SOCKET_FILE ")"),
    AP_INIT_TAKE1(SB_DIRECTIVE_OUTBOX_RETENTION, sb_cmd_duration_set, OFF(outbox_retention),
                  RSRC_CONF, "How long outbox events are kept before pruning (default 7d)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_AVATAR_MAX_SIDE, sb_cmd_avatar_max_side_set, NULL, RSRC_CONF,
                  "Widest and tallest avatar in pixels (default 4096)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_AVATAR_MAX_PIXELS, sb_cmd_avatar_max_pixels_set, NULL, RSRC_CONF,
                  "Most pixels (width x height) of an avatar (default 16M)"),
    AP_INIT_TAKE23(SB_DIRECTIVE_MAIL_LIMIT, sb_cmd_mail_limit_set, NULL, RSRC_CONF,
                   "Account mails per account and reset mails per IP, per WINDOW "
                   "(default 3 10 1h)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_JWT_AUDIENCE, sb_cmd_jwt_audience_set, NULL, RSRC_CONF,
                  "JWT audience (aud) written and required (default skillbarter-api)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_MAIL_TRANSPORT, sb_cmd_mail_transport_set, NULL, RSRC_CONF,
                  "spool (write files to SkillBarterMailSpool, default) or smtp (queue in the "
                  "store for the delivery job of sbctl jobs)"),
    AP_INIT_TAKE123(SB_DIRECTIVE_SMTP, sb_cmd_smtp_set, NULL, RSRC_CONF,
                    "SMTP server: HOST [PORT] [plain|starttls|tls] (default port 25, 465 "
                    "with tls)"),
    AP_INIT_TAKE2(SB_DIRECTIVE_SMTP_AUTH, sb_cmd_smtp_auth_set, NULL, RSRC_CONF,
                  "SMTP AUTH user and the file holding its password"),
    AP_INIT_TAKE1(SB_DIRECTIVE_SMTP_HELO, sb_cmd_smtp_helo_set, NULL, RSRC_CONF,
                  "Name given in EHLO (default libcurl's)"),
    AP_INIT_TAKE2(SB_DIRECTIVE_SMTP_TIMEOUT, sb_cmd_smtp_timeout_set, NULL, RSRC_CONF,
                  "SMTP connect and whole-transaction timeouts (default 10s 1m)"),
    AP_INIT_TAKE12(SB_DIRECTIVE_MAIL_RETRY, sb_cmd_mail_retry_set, NULL, RSRC_CONF,
                   "How long temporary failures are retried, and the first backoff, doubled "
                   "each time up to 1h (default 2d 1m)"),
    AP_INIT_TAKE1(SB_DIRECTIVE_MAIL_TEMPLATES, sb_cmd_dir_set, OFF(mail_templates), RSRC_CONF,
                  "Directory of mail templates NAME.txt|html (default: built-in copies of "
                  "conf/mail)"),
    SB_RATELIMIT_CMDS,
    SB_SESSION_CMDS,
    {NULL}};

static const unsigned char *secret_for(apr_pool_t *pconf, const char *path, apr_size_t *len)
{
    sb_secret_t *sec = NULL;
    apr_pool_userdata_get((void **)&sec, apr_pstrcat(pconf, "sb_secret:", path, NULL), pconf);
    if (!sec) {
        return NULL;
    }
    *len = sec->len;
    return sec->bytes;
}

/* Build each configured server's settings; refuse to start without a usable secret. */
int sb_config_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s)
{
    server_rec *vs;

    for (vs = s; vs; vs = vs->next) {
        sb_server_conf_t *c = sb_conf(vs);
        sb_settings_t *st;
        sb_jwt_key_t *key;
        const unsigned char *secret;
        apr_size_t len = 0;

        if (!c->store_uri) {
            continue;
        }
        if (!c->jwt_secret_file || !(secret = secret_for(pconf, c->jwt_secret_file, &len))) {
            sb_slog(vs, APLOG_CRIT, 0, "%s is set but %s is not: refusing to start",
                    SB_DIRECTIVE_STORE, SB_DIRECTIVE_JWT_SECRET_FILE);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        st = apr_palloc(pconf, sizeof *st);
        sb_settings_defaults(st);
        st->store_uri = sb_store_uri_with_password(pconf, c);
        if (!st->store_uri) {
            sb_slog(vs, APLOG_CRIT, 0, "%s is only for a mongodb %s: refusing to start",
                    SB_DIRECTIVE_STORE_PASSWORD, SB_DIRECTIVE_STORE);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        st->jwt_secret_file = c->jwt_secret_file;
        if (c->jwt_issuer) {
            st->jwt_issuer = c->jwt_issuer;
        }
        if (c->jwt_audience) {
            st->jwt_audience = c->jwt_audience;
        }
        key = sb_jwt_key_make(pconf, secret, len, st->jwt_issuer);
        if (!key) {
            sb_slog(vs, APLOG_CRIT, 0, "cannot build the JWT key from %s", c->jwt_secret_file);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        sb_jwt_key_set_audience(key, st->jwt_audience);
        st->jwt_key = key;
        st->cursor_key = secret; /* sb_cursor domain-separates its MAC from the JWT's */
        st->cursor_key_len = len;
        st->ratelimit_shm = sb_ratelimit_shm_path(pconf);
        st->outbox_socket = c->outbox_socket
                                ? c->outbox_socket
                                : ap_runtime_dir_relative(pconf, SB_OUTBOX_SOCKET_FILE);
        if (c->access_ttl > 0) {
            st->access_ttl = c->access_ttl;
        }
        if (c->refresh_ttl > 0) {
            st->refresh_ttl = c->refresh_ttl;
        }
        if (c->verify_ttl > 0) {
            st->verify_ttl = c->verify_ttl;
        }
        if (c->reset_ttl > 0) {
            st->reset_ttl = c->reset_ttl;
        }
        st->bcrypt_cost = c->bcrypt_cost > 0 ? c->bcrypt_cost : SB_BCRYPT_DEFAULT_COST;
        st->mail = c->mail_spool ? sb_mail_spool_transport(pconf, c->mail_spool) : NULL;
        st->mail_from =
            c->mail_from
                ? c->mail_from
                : apr_pstrcat(pconf, "Skill Barter <no-reply@",
                              vs->server_hostname ? vs->server_hostname : "localhost", ">", NULL);
        st->realtime_url = c->realtime_url;
        st->public_url = c->public_url
                             ? c->public_url
                             : apr_psprintf(pconf, "http://%s:%u",
                                            vs->server_hostname ? vs->server_hostname : "localhost",
                                            vs->port ? vs->port : 80);
        st->upload_dir = c->upload_dir;
        if (c->outbox_retention > 0) {
            st->outbox_retention = c->outbox_retention;
        }
        if (c->avatar_max > 0) {
            st->avatar_max = c->avatar_max;
        }
        if (c->avatar_max_side > 0) {
            st->avatar_max_side = c->avatar_max_side;
        }
        if (c->avatar_max_pixels > 0) {
            st->avatar_max_pixels = c->avatar_max_pixels;
        }
        if (c->mail_max_account >= 0) {
            st->mail_max_account = c->mail_max_account;
        }
        if (c->mail_max_ip >= 0) {
            st->mail_max_ip = c->mail_max_ip;
        }
        if (c->mail_window > 0) {
            st->mail_window = c->mail_window;
        }
        st->mail_templates = c->mail_templates;
        st->mail_spool = c->mail_spool;
        if (c->mail_transport) {
            st->mail_transport = c->mail_transport;
        }
        if (!strcmp(st->mail_transport, "smtp") && !c->smtp_host) {
            sb_slog(vs, APLOG_CRIT, 0, "%s smtp needs %s: refusing to start",
                    SB_DIRECTIVE_MAIL_TRANSPORT, SB_DIRECTIVE_SMTP);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
        st->smtp_host = c->smtp_host;
        st->smtp_port = c->smtp_port > 0 ? c->smtp_port : 0;
        if (c->smtp_tls) {
            st->smtp_tls = c->smtp_tls;
        }
        st->smtp_user = c->smtp_user;
        st->smtp_password_file = c->smtp_password_file;
        st->smtp_helo = c->smtp_helo;
        if (c->smtp_connect_timeout > 0) {
            st->smtp_connect_timeout = c->smtp_connect_timeout;
            st->smtp_timeout = c->smtp_timeout;
        }
        if (c->mail_retry_for > 0) {
            st->mail_retry_for = c->mail_retry_for;
            st->mail_backoff = c->mail_backoff;
        }
        sb_config_sessions_apply(c->sessions, st);
        c->settings = st;
    }
    return OK;
}

/*
 * The settings file: written by the parent as root before the children start, owned by the
 * worker's group (mode 0640) since it names the secret's file. A failure to write it is
 * logged and not fatal: httpd itself does not read it back.
 */
int sb_config_write_settings(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    const char *path, *why = NULL;
    server_rec *vs;
    apr_status_t rv;

    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return OK;
    }
    for (vs = s; vs && !sb_conf(vs)->settings; vs = vs->next) {
    }
    if (!vs) {
        return OK;
    }
    path = ap_runtime_dir_relative(ptemp, SB_SETTINGS_FILE);
    rv = sb_settings_write(ptemp, path, sb_conf(vs)->settings,
                           geteuid() == 0 ? (long)ap_unixd_config.group_id : -1, &why);
    if (rv != APR_SUCCESS) {
        sb_slog(s, APLOG_ERR, rv, "settings for other processes not written: %s", why);
    }
    return OK;
}

/*
 * Open each distinct store once per child (DBD-style pool, connections made on first use)
 * and bring its schema up to date. A store that cannot be reached now stays attached: its
 * requests answer 503 and the first request after it comes back finishes the migration.
 */
void sb_config_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_hash_t *opened = apr_hash_make(pchild);
    server_rec *vs;
    int threads = 1;

    ap_mpm_query(AP_MPMQ_MAX_THREADS, &threads);
    for (vs = s; vs; vs = vs->next) {
        sb_server_conf_t *c = sb_conf(vs);
        sb_store_options_t opts = {.pool_min = 0, .lazy = 1};
        sb_store_error_t e = {0};
        sb_store_t *store;

        if (!c->settings) {
            continue;
        }
        store = apr_hash_get(opened, c->settings->store_uri, APR_HASH_KEY_STRING);
        if (!store) {
            opts.pool_max = c->store_pool_max > 0 ? c->store_pool_max : (threads > 0 ? threads : 1);
            opts.busy_timeout_ms = c->store_timeout_ms > 0 ? c->store_timeout_ms : 5000;
            if (sb_store_open(pchild, c->settings->store_uri, &opts, &store, &e) != SB_STORE_OK) {
                sb_slog(vs, APLOG_CRIT, 0, "store %s unusable in this child: %s", c->store_uri,
                        e.message);
                store = NULL;
            }
            else if (sb_store_migrate(store, &e) != SB_STORE_OK) {
                sb_slog(vs, APLOG_CRIT, 0, "store %s not ready: %s (retried on use)", c->store_uri,
                        e.message);
            }
            if (store) {
                apr_hash_set(opened, c->settings->store_uri, APR_HASH_KEY_STRING, store);
            }
        }
        c->settings->store = store;
    }
}

/* Directives of sessions and the credit economy (sb_config_sessions.h). */
#include "sb_config_sessions.h"

#include <stdlib.h>
#include <string.h>

#include <http_core.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include "sb_config.h"
#include "sb_jwt.h"
#include "sb_units.h"

/* The server's record, made on the first directive. */
static sb_session_conf_t *conf_of(cmd_parms *cmd)
{
    sb_server_conf_t *c = ap_get_module_config(cmd->server->module_config, &skillbarter_module);

    if (!c->sessions) {
        c->sessions = apr_pcalloc(cmd->pool, sizeof *c->sessions);
        c->sessions->late_cancel_penalty = c->sessions->no_show_penalty = -2;
        c->sessions->dispute_window = -1;
    }
    return c->sessions;
}

/* A host name: letters, digits, dots, dashes (and a port). */
const char *sb_cmd_jitsi_domain_set(cmd_parms *cmd, void *dc, const char *arg)
{
    if (!*arg || strlen(arg) > 253
        || strspn(arg, "abcdefghijklmnopqrstuvwxyz"
                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:")
               != strlen(arg)) {
        return apr_psprintf(cmd->pool, "%s: expected a host name such as meet.jit.si, got '%s'",
                            cmd->cmd->name, arg);
    }
    conf_of(cmd)->jitsi_domain = arg;
    return NULL;
}

const char *sb_cmd_jitsi_app_id_set(cmd_parms *cmd, void *dc, const char *arg)
{
    if (!*arg || strlen(arg) > 200 || strpbrk(arg, " \t\r\n\"")) {
        return apr_psprintf(cmd->pool,
                            "%s: expected an app id of 1-200 characters without "
                            "spaces or quotes",
                            cmd->cmd->name);
    }
    conf_of(cmd)->jitsi_app_id = arg;
    return NULL;
}

/* Read now, so configtest fails on a missing or short file. */
const char *sb_cmd_jitsi_secret_file_set(cmd_parms *cmd, void *dc, const char *arg)
{
    const char *path = ap_server_root_relative(cmd->pool, arg);
    char *buf = NULL, err[120];
    apr_size_t n = 0;
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv;

    if (!path) {
        return apr_psprintf(cmd->pool, "%s: bad path '%s'", cmd->cmd->name, arg);
    }
    rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, cmd->temp_pool);
    if (rv == APR_SUCCESS && (rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f)) == APR_SUCCESS) {
        if (fi.size > 4096) {
            apr_file_close(f);
            return apr_psprintf(cmd->pool, "%s: '%s' is larger than 4096 bytes", cmd->cmd->name,
                                path);
        }
        buf = apr_palloc(cmd->pool, (apr_size_t)fi.size + 1);
        rv = apr_file_read_full(f, buf, (apr_size_t)fi.size, &n);
        apr_file_close(f);
    }
    if (rv != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "%s: cannot read '%s': %s", cmd->cmd->name, path,
                            apr_strerror(rv, err, sizeof err));
    }
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r')) {
        n--;
    }
    if (n < SB_JWT_MIN_SECRET) {
        return apr_psprintf(cmd->pool, "%s: '%s' must hold at least %d bytes of secret",
                            cmd->cmd->name, path, SB_JWT_MIN_SECRET);
    }
    conf_of(cmd)->jitsi_secret = (const unsigned char *)buf;
    conf_of(cmd)->jitsi_secret_len = n;
    return NULL;
}

/* Minutes 0-240 or `hold`; cmd->info says which penalty (0 late cancel, 1 no-show). */
const char *sb_cmd_penalty_set(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_int64_t v;

    if (!strcasecmp(arg, "hold")) {
        v = -1;
    }
    else if (sb_parse_int(arg, 0, 240, &v)) {
        return apr_psprintf(cmd->pool, "%s: expected minutes 0-240 or `hold`, got '%s'",
                            cmd->cmd->name, arg);
    }
    if (cmd->info) {
        conf_of(cmd)->no_show_penalty = v;
    }
    else {
        conf_of(cmd)->late_cancel_penalty = v;
    }
    return NULL;
}

const char *sb_cmd_dispute_window_set(cmd_parms *cmd, void *dc, const char *arg)
{
    apr_int64_t v;

    if (sb_parse_duration(arg, &v) || v > 366 * 86400) {
        return apr_psprintf(cmd->pool,
                            "%s: expected a duration such as 48h or 7d (at most "
                            "366d), got '%s'",
                            cmd->cmd->name, arg);
    }
    conf_of(cmd)->dispute_window = v;
    return NULL;
}

/* Refused unless httpd was started for tests: a production server cannot move its clock. */
const char *sb_cmd_test_clock_file_set(cmd_parms *cmd, void *dc, const char *arg)
{
    if (!ap_exists_config_define(SB_TESTING_DEFINE)) {
        return apr_psprintf(cmd->pool, "%s is accepted only when httpd runs with -D %s",
                            cmd->cmd->name, SB_TESTING_DEFINE);
    }
    conf_of(cmd)->test_clock_file = ap_server_root_relative(cmd->pool, arg);
    return NULL;
}

void sb_config_sessions_apply(const sb_session_conf_t *sc, sb_settings_t *st)
{
    if (!sc) {
        return;
    }
    if (sc->jitsi_domain) {
        st->jitsi_domain = sc->jitsi_domain;
    }
    if (sc->jitsi_app_id && sc->jitsi_secret) {
        st->jitsi_app_id = sc->jitsi_app_id;
        st->jitsi_secret = sc->jitsi_secret;
        st->jitsi_secret_len = sc->jitsi_secret_len;
    }
    if (sc->late_cancel_penalty != -2) {
        st->late_cancel_penalty = sc->late_cancel_penalty;
    }
    if (sc->no_show_penalty != -2) {
        st->no_show_penalty = sc->no_show_penalty;
    }
    if (sc->dispute_window > 0) {
        st->dispute_window = sc->dispute_window;
    }
    st->test_clock_file = sc->test_clock_file;
}

int64_t sb_config_clock(const sb_settings_t *st, int64_t now)
{
    char buf[32];
    apr_size_t n = sizeof buf - 1;
    apr_file_t *f;
    apr_pool_t *p;

    if (!st || !st->test_clock_file) {
        return now;
    }
    if (apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return now;
    }
    if (apr_file_open(&f, st->test_clock_file, APR_FOPEN_READ, 0, p) == APR_SUCCESS) {
        if (apr_file_read(f, buf, &n) == APR_SUCCESS) {
            buf[n] = '\0';
            now += strtoll(buf, NULL, 10);
        }
        apr_file_close(f);
    }
    apr_pool_destroy(p);
    return now;
}

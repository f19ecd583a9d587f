/* Settings defaults and the settings file shared by httpd, skillbarter-realtime and sbctl. */
#include "sb_settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>

#define SB_SETTINGS_FORMAT   "1"
#define SB_SETTINGS_LINE_MAX 4096

/* KEY_NUMBER: an integer written only when above 0 (0 means unset); KEY_SIGNED: any integer,
 * always written (a negative value or 0 is a meaning, not "unset") */
typedef enum { KEY_TEXT, KEY_SECONDS, KEY_NUMBER, KEY_SIGNED } key_kind_t;

/* The keys of the file, in the order they are written; offsets into sb_settings_t. */
static const struct {
    const char *key;
    key_kind_t kind;
    apr_size_t off;
} keys[] = {
    {"store_uri", KEY_TEXT, APR_OFFSETOF(sb_settings_t, store_uri)},
    {"jwt_secret_file", KEY_TEXT, APR_OFFSETOF(sb_settings_t, jwt_secret_file)},
    {"jwt_issuer", KEY_TEXT, APR_OFFSETOF(sb_settings_t, jwt_issuer)},
    {"jwt_audience", KEY_TEXT, APR_OFFSETOF(sb_settings_t, jwt_audience)},
    {"ratelimit_shm", KEY_TEXT, APR_OFFSETOF(sb_settings_t, ratelimit_shm)},
    {"outbox_socket", KEY_TEXT, APR_OFFSETOF(sb_settings_t, outbox_socket)},
    {"access_ttl", KEY_SECONDS, APR_OFFSETOF(sb_settings_t, access_ttl)},
    {"refresh_ttl", KEY_SECONDS, APR_OFFSETOF(sb_settings_t, refresh_ttl)},
    {"verify_ttl", KEY_SECONDS, APR_OFFSETOF(sb_settings_t, verify_ttl)},
    {"reset_ttl", KEY_SECONDS, APR_OFFSETOF(sb_settings_t, reset_ttl)},
    {"outbox_retention", KEY_SECONDS, APR_OFFSETOF(sb_settings_t, outbox_retention)},
    {"no_show_penalty", KEY_SIGNED, APR_OFFSETOF(sb_settings_t, no_show_penalty)},
    {"mail_transport", KEY_TEXT, APR_OFFSETOF(sb_settings_t, mail_transport)},
    {"smtp_host", KEY_TEXT, APR_OFFSETOF(sb_settings_t, smtp_host)},
    {"smtp_port", KEY_NUMBER, APR_OFFSETOF(sb_settings_t, smtp_port)},
    {"smtp_tls", KEY_TEXT, APR_OFFSETOF(sb_settings_t, smtp_tls)},
    {"smtp_user", KEY_TEXT, APR_OFFSETOF(sb_settings_t, smtp_user)},
    {"smtp_password_file", KEY_TEXT, APR_OFFSETOF(sb_settings_t, smtp_password_file)},
    {"smtp_helo", KEY_TEXT, APR_OFFSETOF(sb_settings_t, smtp_helo)},
    {"smtp_connect_timeout", KEY_SECONDS, APR_OFFSETOF(sb_settings_t, smtp_connect_timeout)},
    {"smtp_timeout", KEY_SECONDS, APR_OFFSETOF(sb_settings_t, smtp_timeout)},
    {"mail_retry_for", KEY_SECONDS, APR_OFFSETOF(sb_settings_t, mail_retry_for)},
    {"mail_backoff", KEY_SECONDS, APR_OFFSETOF(sb_settings_t, mail_backoff)},
    {"mail_from", KEY_TEXT, APR_OFFSETOF(sb_settings_t, mail_from)},
    {"public_url", KEY_TEXT, APR_OFFSETOF(sb_settings_t, public_url)},
    {"mail_templates", KEY_TEXT, APR_OFFSETOF(sb_settings_t, mail_templates)},
    {"mail_spool", KEY_TEXT, APR_OFFSETOF(sb_settings_t, mail_spool)},
};
#define N_KEYS (sizeof keys / sizeof keys[0])

#define TEXT_AT(st, i)    (*(const char **)((char *)(st) + keys[i].off))
#define SECONDS_AT(st, i) (*(int64_t *)((char *)(st) + keys[i].off))

void sb_settings_defaults(sb_settings_t *st)
{
    memset(st, 0, sizeof *st);
    st->jwt_issuer = SB_DEFAULT_JWT_ISSUER;
    st->access_ttl = SB_DEFAULT_ACCESS_TTL;
    st->refresh_ttl = SB_DEFAULT_REFRESH_TTL;
    st->verify_ttl = SB_DEFAULT_VERIFY_TTL;
    st->reset_ttl = SB_DEFAULT_RESET_TTL;
    st->jwt_audience = SB_JWT_DEFAULT_AUDIENCE;
    st->avatar_max = SB_DEFAULT_AVATAR_MAX;
    st->avatar_max_side = SB_DEFAULT_AVATAR_MAX_SIDE;
    st->avatar_max_pixels = SB_DEFAULT_AVATAR_MAX_PIXELS;
    st->mail_max_account = SB_DEFAULT_MAIL_MAX_ACCOUNT;
    st->mail_max_ip = SB_DEFAULT_MAIL_MAX_IP;
    st->mail_window = SB_DEFAULT_MAIL_WINDOW;
    st->outbox_retention = SB_DEFAULT_OUTBOX_RETENTION;
    st->mail_transport = "spool";
    st->smtp_tls = "plain";
    st->smtp_connect_timeout = SB_DEFAULT_SMTP_CONNECT_TIMEOUT;
    st->smtp_timeout = SB_DEFAULT_SMTP_TIMEOUT;
    st->mail_retry_for = SB_DEFAULT_MAIL_RETRY_FOR;
    st->mail_backoff = SB_DEFAULT_MAIL_BACKOFF;
    st->version = SB_VERSION;
    st->jitsi_domain = SB_DEFAULT_JITSI_DOMAIN;
    st->no_show_penalty = -1;
    st->dispute_window = SB_DEFAULT_DISPUTE_WINDOW;
}

/* The file's text; NULL with *why set when a value cannot be written on one line. */
static const char *settings_text(apr_pool_t *p, const sb_settings_t *st, const char **why)
{
    const char *text = "# mod_skillbarter settings resolved from httpd.conf at start-up; "
                       "do not edit.\nformat " SB_SETTINGS_FORMAT "\n";
    apr_size_t i;

    for (i = 0; i < N_KEYS; i++) {
        if (keys[i].kind == KEY_NUMBER && SECONDS_AT(st, i) <= 0) {
            continue;
        }
        if (keys[i].kind != KEY_TEXT) {
            text = apr_psprintf(p, "%s%s %" APR_INT64_T_FMT "\n", text, keys[i].key,
                                (apr_int64_t)SECONDS_AT(st, i));
            continue;
        }
        if (!TEXT_AT(st, i)) {
            continue;
        }
        if (strpbrk(TEXT_AT(st, i), "\r\n")) {
            *why = apr_psprintf(p, "%s holds a line break", keys[i].key);
            return NULL;
        }
        text = apr_pstrcat(p, text, keys[i].key, " ", TEXT_AT(st, i), "\n", NULL);
    }
    return text;
}

apr_status_t sb_settings_write(apr_pool_t *p, const char *path, const sb_settings_t *st, long group,
                               const char **why)
{
    const char *text = settings_text(p, st, why);
    char *tmp;
    apr_size_t len, done = 0;
    int fd, err = 0;

    if (!text) {
        return APR_EINVAL;
    }
    tmp = apr_pstrcat(p, path, ".XXXXXX", NULL);
    if ((fd = mkstemp(tmp)) < 0) {
        err = errno;
        *why = apr_psprintf(p, "cannot create a file next to %s: %s", path, strerror(err));
        return APR_FROM_OS_ERROR(err);
    }
    len = strlen(text);
    while (!err && done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno != EINTR) {
            err = errno;
        }
        done += n > 0 ? (apr_size_t)n : 0;
    }
    if (!err && (fchmod(fd, 0640) || (group != -1 && fchown(fd, (uid_t)-1, (gid_t)group)))) {
        err = errno;
    }
    if (!err && fsync(fd)) {
        err = errno;
    }
    if (close(fd) && !err) {
        err = errno;
    }
    if (!err && rename(tmp, path)) {
        err = errno;
    }
    if (err) {
        unlink(tmp);
        *why = apr_psprintf(p, "cannot write %s: %s", path, strerror(err));
        return APR_FROM_OS_ERROR(err);
    }
    return APR_SUCCESS;
}

/* One "key value" line into st; 0 when the value is malformed. */
static int take_line(apr_pool_t *p, char *line, sb_settings_t *st)
{
    char *value = strchr(line, ' '), *end;
    apr_size_t i;
    long long n;

    if (!value) {
        return 0;
    }
    *value++ = '\0';
    if (!strcmp(line, "format")) {
        return !strcmp(value, SB_SETTINGS_FORMAT);
    }
    for (i = 0; i < N_KEYS && strcmp(keys[i].key, line); i++) {
    }
    if (i == N_KEYS) {
        return 1; /* a newer writer's key */
    }
    if (keys[i].kind == KEY_TEXT) {
        TEXT_AT(st, i) = apr_pstrdup(p, value);
        return *value != '\0';
    }
    errno = 0;
    n = strtoll(value, &end, 10);
    if (errno || end == value || *end || (n <= 0 && keys[i].kind != KEY_SIGNED)) {
        return 0;
    }
    SECONDS_AT(st, i) = n;
    return 1;
}

apr_status_t sb_settings_read(apr_pool_t *p, const char *path, sb_settings_t *st, const char **why)
{
    char line[SB_SETTINGS_LINE_MAX];
    FILE *f = fopen(path, "r");
    int lineno = 0, bad = 0;

    sb_settings_defaults(st);
    if (!f) {
        int err = errno;
        *why = apr_psprintf(p, "cannot read %s: %s", path, strerror(err));
        return APR_FROM_OS_ERROR(err);
    }
    while (!bad && fgets(line, sizeof line, f)) {
        apr_size_t n = strlen(line);
        lineno++;
        if (n && line[n - 1] == '\n') {
            line[--n] = '\0';
        }
        else if (!feof(f)) {
            bad = 1; /* longer than any line the writer makes */
            break;
        }
        if (n && line[0] != '#' && !take_line(p, line, st)) {
            bad = 1;
        }
    }
    fclose(f);
    if (bad) {
        *why = apr_psprintf(p, "%s:%d: not a settings line", path, lineno);
        return APR_EINVAL;
    }
    if (!st->store_uri) {
        *why = apr_psprintf(p, "%s names no store_uri", path);
        return APR_EINVAL;
    }
    return APR_SUCCESS;
}

/* SkillBarter* directives: names, the per-server config record, and its runtime settings. */
#ifndef SB_CONFIG_H
#define SB_CONFIG_H

#include <httpd.h>
#include <http_config.h>

#include "sb_api.h"
#include "sb_log.h"

#define SB_DIRECTIVE_STORE             "SkillBarterStore"
#define SB_DIRECTIVE_STORE_POOL_MAX    "SkillBarterStorePoolMax"
#define SB_DIRECTIVE_STORE_TIMEOUT     "SkillBarterStoreTimeout"
#define SB_DIRECTIVE_STORE_PASSWORD    "SkillBarterStorePasswordFile"
#define SB_DIRECTIVE_JWT_SECRET_FILE   "SkillBarterJWTSecretFile"
#define SB_DIRECTIVE_JWT_ISSUER        "SkillBarterJWTIssuer"
#define SB_DIRECTIVE_ACCESS_TTL        "SkillBarterAccessTokenTTL"
#define SB_DIRECTIVE_REFRESH_TTL       "SkillBarterRefreshTokenTTL"
#define SB_DIRECTIVE_VERIFY_TTL        "SkillBarterVerifyEmailTTL"
#define SB_DIRECTIVE_RESET_TTL         "SkillBarterPasswordResetTTL"
#define SB_DIRECTIVE_BCRYPT_COST       "SkillBarterBcryptCost"
#define SB_DIRECTIVE_MAX_JSON_BODY     "SkillBarterMaxJSONBody"
#define SB_DIRECTIVE_ALLOW_ORIGIN      "SkillBarterAllowOrigin"
#define SB_DIRECTIVE_MAIL_SPOOL        "SkillBarterMailSpool"
#define SB_DIRECTIVE_MAIL_FROM         "SkillBarterMailFrom"
#define SB_DIRECTIVE_PUBLIC_URL        "SkillBarterPublicURL"
#define SB_DIRECTIVE_REALTIME_URL      "SkillBarterRealtimeURL"
#define SB_DIRECTIVE_UPLOAD_DIR        "SkillBarterUploadDir"
#define SB_DIRECTIVE_AVATAR_MAX_SIZE   "SkillBarterAvatarMaxSize"
#define SB_DIRECTIVE_OUTBOX_SOCKET     "SkillBarterOutboxSocket"
#define SB_DIRECTIVE_AVATAR_MAX_SIDE   "SkillBarterAvatarMaxSide"
#define SB_DIRECTIVE_AVATAR_MAX_PIXELS "SkillBarterAvatarMaxPixels"
#define SB_DIRECTIVE_MAIL_LIMIT        "SkillBarterMailLimit"
#define SB_DIRECTIVE_JWT_AUDIENCE      "SkillBarterJWTAudience"
#define SB_DIRECTIVE_OUTBOX_RETENTION  "SkillBarterOutboxRetention"
#define SB_DIRECTIVE_MAIL_TRANSPORT    "SkillBarterMailTransport"
#define SB_DIRECTIVE_SMTP              "SkillBarterSMTP"
#define SB_DIRECTIVE_SMTP_AUTH         "SkillBarterSMTPAuth"
#define SB_DIRECTIVE_SMTP_HELO         "SkillBarterSMTPHelo"
#define SB_DIRECTIVE_SMTP_TIMEOUT      "SkillBarterSMTPTimeout"
#define SB_DIRECTIVE_MAIL_RETRY        "SkillBarterMailRetry"
#define SB_DIRECTIVE_MAIL_TEMPLATES    "SkillBarterMailTemplates"

typedef struct {
    const char *store_uri;
    int store_pool_max;              /* -1 = unset */
    int store_timeout_ms;            /* -1 = unset (5000) */
    const char *store_password_file; /* mongodb: the password of the URI's user */
    const char *jwt_secret_file;
    const char *jwt_issuer;
    apr_int64_t access_ttl; /* seconds; -1 = unset */
    apr_int64_t refresh_ttl;
    apr_int64_t verify_ttl;
    apr_int64_t reset_ttl;
    int bcrypt_cost;           /* -1 = unset */
    apr_int64_t max_json_body; /* bytes; -1 = unset */
    const char *allow_origin;
    const char *mail_spool;
    const char *mail_from;
    const char *public_url;
    const char *realtime_url; /* direct mode: the daemon's own URL (unset: /socket.io/ here) */
    const char *upload_dir;
    apr_int64_t avatar_max; /* bytes; -1 = unset */
    const char *outbox_socket;
    apr_int64_t avatar_max_side; /* pixels; -1 = unset */
    apr_int64_t avatar_max_pixels;
    int mail_max_account; /* -1 = unset (0 = no limit) */
    int mail_max_ip;
    apr_int64_t mail_window; /* seconds; -1 = unset */
    const char *jwt_audience;
    apr_int64_t outbox_retention; /* seconds; -1 = unset */
    const char *mail_transport;   /* "spool" | "smtp"; NULL = unset */
    const char *smtp_host;
    int smtp_port; /* -1 = unset */
    const char *smtp_tls;
    const char *smtp_user;
    const char *smtp_password_file;
    const char *smtp_helo;
    apr_int64_t smtp_connect_timeout; /* seconds; -1 = unset */
    apr_int64_t smtp_timeout;
    apr_int64_t mail_retry_for;
    apr_int64_t mail_backoff;
    const char *mail_templates;

    struct sb_session_conf *sessions; /* sb_config_sessions.h; NULL = no such directive */

    sb_settings_t *settings; /* built in post_config, store attached in child_init */
} sb_server_conf_t;

extern const command_rec sb_cmds[];

void *sb_create_server_conf(apr_pool_t *p, server_rec *s);
void *sb_merge_server_conf(apr_pool_t *p, void *base, void *add);

static inline sb_server_conf_t *sb_conf(const server_rec *s)
{
    return ap_get_module_config(s->module_config, &skillbarter_module);
}

/* Effective values with defaults applied. */
apr_int64_t sb_conf_max_json_body(const sb_server_conf_t *c);

/* post_config: load secrets, build every server's settings; child_init: open stores. */
int sb_config_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp, server_rec *s);
/* post_config, after the rate-limit table: write the first configured server's settings to
 * DefaultRuntimeDir/SB_SETTINGS_FILE for the other processes (skipped on the first pass). */
int sb_config_write_settings(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);
void sb_config_child_init(apr_pool_t *pchild, server_rec *s);

#endif

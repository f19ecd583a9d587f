/*
 * The resolved settings of a configured server, and their defaults — one definition for every
 * process. httpd builds them in post_config from the SkillBarter* directives and writes the
 * part another process needs (store, secret and table paths, lifetimes, the outbox socket) to
 * DefaultRuntimeDir/skillbarter.settings; skillbarter-realtime and sbctl read that file back
 * with sb_settings_read, so one httpd.conf drives them all. The file holds paths, never the
 * contents of a secret.
 */
#ifndef SB_SETTINGS_H
#define SB_SETTINGS_H

#include <stdint.h>
#include <apr_errno.h>
#include <apr_pools.h>

#include "sb_jwt.h"
#include "sb_mail.h"

#define SB_VERSION "0.1.0"

#define SB_DEFAULT_ACCESS_TTL           (15 * 60) /* seconds */
#define SB_DEFAULT_REFRESH_TTL          (30 * 86400)
#define SB_DEFAULT_VERIFY_TTL           (24 * 3600)
#define SB_DEFAULT_RESET_TTL            (3600)
#define SB_DEFAULT_MAX_JSON_BODY        (1024 * 1024) /* bytes */
#define SB_DEFAULT_AVATAR_MAX           (5 * 1024 * 1024)
#define SB_DEFAULT_JWT_ISSUER           "skillbarter"
#define SB_DEFAULT_AVATAR_MAX_SIDE      4096               /* pixels per side */
#define SB_DEFAULT_AVATAR_MAX_PIXELS    (16 * 1024 * 1024) /* width x height */
#define SB_DEFAULT_MAIL_MAX_ACCOUNT     3                  /* account mails per window */
#define SB_DEFAULT_MAIL_MAX_IP          10                 /* reset mails per IP per window */
#define SB_DEFAULT_MAIL_WINDOW          3600               /* seconds */
#define SB_DEFAULT_OUTBOX_RETENTION     (7 * 86400)        /* seconds */
#define SB_DEFAULT_SMTP_CONNECT_TIMEOUT 10                 /* seconds */
#define SB_DEFAULT_SMTP_TIMEOUT         60                 /* seconds, one whole transaction */
#define SB_DEFAULT_MAIL_RETRY_FOR       (2 * 86400)        /* seconds of temporary failures */
#define SB_DEFAULT_MAIL_BACKOFF         60                 /* seconds before the first retry */
#define SB_DEFAULT_JITSI_DOMAIN         "meet.jit.si"
#define SB_DEFAULT_DISPUTE_WINDOW       (48 * 3600) /* seconds */

/* File names under DefaultRuntimeDir when no directive says otherwise. */
#define SB_SETTINGS_FILE      "skillbarter.settings"
#define SB_RATELIMIT_SHM_FILE "skillbarter-ratelimit.shm"
#define SB_OUTBOX_SOCKET_FILE "skillbarter-outbox.sock"

struct sb_store; /* store.h's sb_store_t: core does not see the store layer */

typedef struct {
    /* shared with other processes through the settings file */
    const char *store_uri;
    const char *jwt_secret_file;
    const char *jwt_issuer;
    const char *jwt_audience;  /* aud written and required (sb_jwt's default) */
    const char *ratelimit_shm; /* the limits table's file */
    const char *outbox_socket; /* unix socket that signals new outbox rows */
    int64_t outbox_retention;  /* seconds outbox events are kept (pruning) */
    int64_t access_ttl;        /* seconds */
    int64_t refresh_ttl;       /* seconds */
    int64_t verify_ttl;        /* seconds, email verification links */
    int64_t reset_ttl;         /* seconds, password reset links */
    /* mail delivery (SkillBarterMailTransport, SkillBarterSMTP*, SkillBarterMailRetry): what
     * the delivery job of sbctl jobs needs */
    const char *mail_transport; /* "spool" (default) | "smtp": queue for the worker */
    const char *smtp_host;
    int64_t smtp_port;              /* 0: the TLS mode's default */
    const char *smtp_tls;           /* "plain" | "starttls" | "tls" */
    const char *smtp_user;          /* NULL: no AUTH */
    const char *smtp_password_file; /* the password's file (never its contents) */
    const char *smtp_helo;
    int64_t smtp_connect_timeout; /* seconds */
    int64_t smtp_timeout;         /* seconds */
    int64_t mail_retry_for;       /* seconds a message is retried after it was queued */
    int64_t mail_backoff;         /* seconds before the first retry, doubled after */
    const char *mail_from;
    const char *public_url;     /* base URL for links in mail, no trailing slash */
    const char *mail_templates; /* directory of NAME.txt|html (NULL: built-in) */
    const char *mail_spool;     /* SkillBarterMailSpool: where the jobs runner writes queued
                                   mail under the spool transport (NULL: not delivered) */

    /* this process's own */
    struct sb_store *store; /* this process's store */
    const sb_jwt_key_t *jwt_key;
    int bcrypt_cost;
    const sb_mail_transport_t *mail; /* NULL: mail disabled (logged) */
    const char *realtime_url;        /* the real-time daemon's URL in direct mode, or NULL
                                        (same origin, /socket.io/ proxied by Apache) */
    const char *upload_dir;
    int64_t avatar_max;        /* bytes */
    int64_t avatar_max_side;   /* pixels per side of an avatar */
    int64_t avatar_max_pixels; /* width x height of an avatar */
    int mail_max_account;      /* account mails per mail_window (0 = no limit) */
    int mail_max_ip;           /* reset mails asked from one IP per mail_window */
    int64_t mail_window;       /* seconds */
    const char *version;
    const unsigned char *cursor_key; /* MAC key of pagination cursors (the server secret) */
    apr_size_t cursor_key_len;

    /* sessions and the credit economy */
    const char *jitsi_domain; /* meeting host (default meet.jit.si) */
    const char *jitsi_app_id; /* with jitsi_secret: room JWTs; NULL = none */
    const unsigned char *jitsi_secret;
    apr_size_t jitsi_secret_len;
    int64_t late_cancel_penalty; /* minutes charged a learner cancelling < 24 h ahead */
    int64_t no_show_penalty;     /* minutes charged a learner who alone stayed away,
                                    -1 = the whole hold */
    int64_t dispute_window;      /* seconds after completion a learner may dispute */
    const char *test_clock_file; /* only under -D SB_TESTING: a clock offset in ms */
} sb_settings_t;

/* Zero st, then set every default above (lifetimes, issuer, sizes, version). */
void sb_settings_defaults(sb_settings_t *st);

/*
 * Write the shared part of st to path atomically (a temporary file in the same directory,
 * then a rename), mode 0640, group `group` unless it is -1 (the worker's group, so the worker
 * user reads it and others do not). APR_SUCCESS, or a failure with *why set; no temporary
 * file is left behind either way. A value holding a line break is refused (APR_EINVAL).
 */
apr_status_t sb_settings_write(apr_pool_t *p, const char *path, const sb_settings_t *st, long group,
                               const char **why);

/*
 * Read a file sb_settings_write wrote into st (defaults first, then the file's values; the
 * strings live in p). Unknown keys are skipped so an older reader accepts a newer file.
 * APR_SUCCESS, or a failure with *why naming the file and, for a bad line, its number.
 */
apr_status_t sb_settings_read(apr_pool_t *p, const char *path, sb_settings_t *st, const char **why);

#endif

/*
 * One message to one recipient over SMTP with libcurl (Debian's libcurl4-openssl): plain,
 * STARTTLS (required) or implicit TLS, AUTH when a user is set, EHLO with the given name,
 * connect and overall timeouts. libcurl dot-stuffs the body and ends DATA. The caller is told
 * when the server has accepted DATA (on_data), the point after which the message may have
 * been delivered even if no reply comes back.
 */
#ifndef SB_SMTP_H
#define SB_SMTP_H

#include <apr_pools.h>

typedef enum {
    SB_SMTP_SENT = 0, /* the server accepted the message */
    SB_SMTP_TEMPFAIL, /* 4xx, no connection, timeout, dropped: try again later */
    SB_SMTP_PERMFAIL  /* 5xx: do not try again */
} sb_smtp_result_t;

typedef struct {
    const char *host;
    int port;         /* 0: 25, or 465 with implicit TLS */
    const char *tls;  /* "plain" | "starttls" | "tls" (NULL: plain) */
    const char *user; /* NULL: no AUTH */
    const char *password;
    const char *helo; /* EHLO name (NULL: libcurl's default) */
    long connect_timeout_ms;
    long timeout_ms; /* the whole transaction */
} sb_smtp_config_t;

/* Called once, when the server has answered DATA with 354 and the body starts to go. */
typedef void (*sb_smtp_data_fn)(void *ctx);

/* Process-wide libcurl set-up; call once before any thread sends. */
void sb_smtp_global_init(void);

/* Send message (CRLF text). *why (in p) says what failed, with the server's reply code. */
sb_smtp_result_t sb_smtp_send(apr_pool_t *p, const sb_smtp_config_t *cfg, const char *from,
                              const char *rcpt, const char *message, sb_smtp_data_fn on_data,
                              void *ctx, const char **why);

#endif

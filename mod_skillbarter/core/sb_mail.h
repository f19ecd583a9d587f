/*
 * Outgoing mail behind a transport interface. The first transport writes each
 * message as an RFC 5322 file into a spool directory (for a local MTA or the
 * realtime daemon's delivery loop to pick up); others plug in via sb_mail_transport_t.
 */
#ifndef SB_MAIL_H
#define SB_MAIL_H

#include <stdint.h>
#include <apr_pools.h>

typedef struct sb_mail_transport sb_mail_transport_t;

typedef struct {
    const char *from;     /* "Skill Barter <no-reply@host>" */
    const char *to;       /* one address */
    const char *subject;
    const char *text;     /* plain text body, UTF-8 */
} sb_mail_t;

struct sb_mail_transport {
    const char *name;
    /* 0 on success; on failure *why says what went wrong. */
    int (*send)(const sb_mail_transport_t *t, apr_pool_t *p, const sb_mail_t *m, const char **why);
    void *ctx;
};

/* A transport writing to dir (must exist and be writable). */
sb_mail_transport_t *sb_mail_spool_transport(apr_pool_t *p, const char *dir);
/* Render m as RFC 5322 text (CRLF line ends, headers encoded as needed). */
const char *sb_mail_render(apr_pool_t *p, const sb_mail_t *m, const char *message_id,
                           int64_t now_ms);

#endif

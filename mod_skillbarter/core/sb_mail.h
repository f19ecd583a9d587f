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
    const char *from; /* "Skill Barter <no-reply@host>" */
    const char *to;   /* one address */
    const char *subject;
    const char *text;             /* plain text body, UTF-8 */
    const char *html;             /* NULL, or an HTML alternative (multipart/alternative) */
    const char *list_unsubscribe; /* NULL, or the URL of List-Unsubscribe (notifications) */
} sb_mail_t;

struct sb_mail_transport {
    const char *name;
    /* 0 on success; on failure *why says what went wrong. */
    int (*send)(const sb_mail_transport_t *t, apr_pool_t *p, const sb_mail_t *m, const char **why);
    void *ctx;
};

/* A transport writing to dir (must exist and be writable). */
sb_mail_transport_t *sb_mail_spool_transport(apr_pool_t *p, const char *dir);
/* Write a rendered message (RFC 5322 text) into the spool dir as <id>.eml, by a temporary
 * name and a rename so a reader never sees half of it. 0, or -1 with *why. */
int sb_mail_spool_write(apr_pool_t *p, const char *dir, const char *text, const char **why);
/*
 * Render m as RFC 5322 text: CRLF line ends; From, To, Subject, Date, Message-ID,
 * MIME-Version, List-Unsubscribe when set; header values lose their line breaks and a
 * non-ASCII subject or display name becomes RFC 2047 encoded words of at most 75 characters,
 * cut between UTF-8 characters. A part is 7bit when it is ASCII with lines of at most 998
 * bytes (and does not hold the boundary), else base64. With html, multipart/alternative.
 */
const char *sb_mail_render(apr_pool_t *p, const sb_mail_t *m, const char *message_id,
                           int64_t now_ms);
/* A header value as RFC 2047 encoded words (UTF-8, B) when it is not plain ASCII. */
const char *sb_mail_encode_header(apr_pool_t *p, const char *value);
/* The bare address of "Name <a@b>" or "a@b" (NULL when there is no '@'). */
const char *sb_mail_address(apr_pool_t *p, const char *mailbox);

#endif

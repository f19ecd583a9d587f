#include "sb_mail.h"

#include <string.h>
#include <time.h>
#include <apr_base64.h>
#include <apr_file_io.h>
#include <apr_strings.h>

#include "sb_id.h"
#include "sb_time.h"

/* Header values must not carry line breaks (header injection). */
static const char *header_safe(apr_pool_t *p, const char *v)
{
    char *s = apr_pstrdup(p, v ? v : ""), *q;
    for (q = s; *q; q++) {
        if (*q == '\r' || *q == '\n') {
            *q = ' ';
        }
    }
    return s;
}

/* RFC 2047 encoded-word for non-ASCII subjects. */
static const char *encode_subject(apr_pool_t *p, const char *subject)
{
    const unsigned char *c;
    char *b64;
    int len = (int)strlen(subject);

    for (c = (const unsigned char *)subject; *c; c++) {
        if (*c >= 0x80) {
            break;
        }
    }
    if (!*c) {
        return subject;
    }
    b64 = apr_palloc(p, apr_base64_encode_len(len));
    apr_base64_encode(b64, subject, len);
    return apr_pstrcat(p, "=?UTF-8?B?", b64, "?=", NULL);
}

/* Body with bare LF turned into CRLF and lines starting with '.' left alone (files, not SMTP). */
static const char *crlf_body(apr_pool_t *p, const char *text)
{
    apr_size_t n = 0;
    const char *s;
    char *out, *o;

    for (s = text; *s; s++) {
        n += (*s == '\n') ? 2 : 1;
    }
    out = o = apr_palloc(p, n + 3);
    for (s = text; *s; s++) {
        if (*s == '\r') {
            continue;
        }
        if (*s == '\n') {
            *o++ = '\r';
        }
        *o++ = *s;
    }
    *o++ = '\r';
    *o++ = '\n';
    *o = '\0';
    return out;
}

const char *sb_mail_render(apr_pool_t *p, const sb_mail_t *m, const char *message_id,
                           int64_t now_ms)
{
    char date[64];
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return apr_pstrcat(p, "From: ", header_safe(p, m->from), "\r\n", "To: ",
                       header_safe(p, m->to), "\r\n", "Subject: ",
                       encode_subject(p, header_safe(p, m->subject)), "\r\n", "Date: ", date,
                       "\r\n", "Message-ID: <", message_id, ">\r\n", "MIME-Version: 1.0\r\n",
                       "Content-Type: text/plain; charset=UTF-8\r\n",
                       "Content-Transfer-Encoding: 8bit\r\n", "\r\n", crlf_body(p, m->text),
                       NULL);
}

/* Write to a temporary name, then rename into place so a reader never sees half a message. */
static int spool_send(const sb_mail_transport_t *t, apr_pool_t *p, const sb_mail_t *m,
                      const char **why)
{
    const char *dir = t->ctx;
    char id[SB_ID_LEN + 1];
    const char *tmp, *final, *text;
    apr_file_t *f;
    apr_size_t len;
    apr_status_t rv;
    char err[128];

    sb_id_new(id);
    text = sb_mail_render(p, m, apr_pstrcat(p, id, "@skillbarter", NULL), sb_now_ms());
    tmp = apr_pstrcat(p, dir, "/.tmp-", id, NULL);
    final = apr_pstrcat(p, dir, "/", id, ".eml", NULL);
    rv = apr_file_open(&f, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_EXCL,
                       APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD, p);
    if (rv == APR_SUCCESS) {
        len = strlen(text);
        rv = apr_file_write_full(f, text, len, NULL);
        if (rv == APR_SUCCESS) {
            rv = apr_file_sync(f);
        }
        apr_file_close(f);
        if (rv == APR_SUCCESS) {
            rv = apr_file_rename(tmp, final, p);
        }
        if (rv != APR_SUCCESS) {
            apr_file_remove(tmp, p);
        }
    }
    if (rv != APR_SUCCESS) {
        *why = apr_psprintf(p, "mail spool %s: %s", dir, apr_strerror(rv, err, sizeof err));
        return -1;
    }
    return 0;
}

sb_mail_transport_t *sb_mail_spool_transport(apr_pool_t *p, const char *dir)
{
    sb_mail_transport_t *t = apr_pcalloc(p, sizeof *t);
    t->name = "spool";
    t->send = spool_send;
    t->ctx = apr_pstrdup(p, dir);
    return t;
}

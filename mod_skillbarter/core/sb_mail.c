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

static int is_ascii(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s >= 0x80) {
            return 0;
        }
    }
    return 1;
}

/*
 * RFC 2047: "=?UTF-8?B?...?=" words of at most 75 characters (45 bytes of text each), cut
 * only before a UTF-8 lead byte, joined by CRLF SP (folding).
 */
const char *sb_mail_encode_header(apr_pool_t *p, const char *value)
{
    const char *s = value ? value : "";
    const char *out = NULL;
    apr_size_t len = strlen(s), i = 0;

    if (is_ascii(s)) {
        return s;
    }
    while (i < len) {
        apr_size_t n = len - i > 45 ? 45 : len - i;
        char *b64;
        while (i + n < len && n > 1 && ((unsigned char)s[i + n] & 0xC0) == 0x80) {
            n--;
        }
        b64 = apr_palloc(p, apr_base64_encode_len((int)n));
        apr_base64_encode(b64, s + i, (int)n);
        out = apr_pstrcat(p, out ? out : "", out ? "\r\n " : "", "=?UTF-8?B?", b64, "?=", NULL);
        i += n;
    }
    return out ? out : "";
}

/* "Name <a@b>": the display name encoded when needed; a bare address as it is. */
static const char *encode_mailbox(apr_pool_t *p, const char *mailbox)
{
    const char *lt = strrchr(mailbox, '<');
    const char *name;
    apr_size_t n;

    if (!lt || is_ascii(mailbox)) {
        return mailbox;
    }
    for (n = (apr_size_t)(lt - mailbox); n > 0 && mailbox[n - 1] == ' '; n--) {
    }
    name = apr_pstrndup(p, mailbox, n);
    return apr_pstrcat(p, sb_mail_encode_header(p, name), " ", lt, NULL);
}

const char *sb_mail_address(apr_pool_t *p, const char *mailbox)
{
    const char *lt, *gt;

    if (!mailbox || !strchr(mailbox, '@')) {
        return NULL;
    }
    lt = strrchr(mailbox, '<');
    if (!lt) {
        return mailbox;
    }
    gt = strchr(lt, '>');
    if (!gt) {
        return NULL;
    }
    return apr_pstrndup(p, lt + 1, (apr_size_t)(gt - lt - 1));
}

/* Text with bare LF turned into CRLF, CR dropped, ending with CRLF. */
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
    if (o == out || o[-1] != '\n') {
        *o++ = '\r';
        *o++ = '\n';
    }
    *o = '\0';
    return out;
}

/* 1 when text may go as 7bit: ASCII, no NUL-free worry, lines of at most 998 bytes. */
static int fits_7bit(const char *text, const char *boundary)
{
    apr_size_t line = 0;
    const char *s;

    if (boundary && strstr(text, boundary)) {
        return 0;
    }
    for (s = text; *s; s++) {
        if ((unsigned char)*s >= 0x80) {
            return 0;
        }
        line = *s == '\n' ? 0 : line + 1;
        if (line > 998) {
            return 0;
        }
    }
    return 1;
}

/* base64 in lines of 76 characters, CRLF ended. */
static const char *base64_lines(apr_pool_t *p, const char *text)
{
    int len = (int)strlen(text);
    char *b64 = apr_palloc(p, apr_base64_encode_len(len));
    apr_size_t n, i;
    char *out, *o;

    apr_base64_encode(b64, text, len);
    n = strlen(b64);
    out = o = apr_palloc(p, n + (n / 76 + 2) * 2 + 1);
    for (i = 0; i < n; i += 76) {
        apr_size_t k = n - i > 76 ? 76 : n - i;
        memcpy(o, b64 + i, k);
        o += k;
        *o++ = '\r';
        *o++ = '\n';
    }
    *o = '\0';
    return out;
}

/* One part's headers and body; text in CRLF form for 7bit. */
static const char *part(apr_pool_t *p, const char *type, const char *text, const char *boundary)
{
    int plain = fits_7bit(text, boundary);
    return apr_pstrcat(p, "Content-Type: ", type, "; charset=UTF-8\r\n",
                       "Content-Transfer-Encoding: ", plain ? "7bit" : "base64", "\r\n\r\n",
                       plain ? crlf_body(p, text) : base64_lines(p, text), NULL);
}

/* The letters and digits of s (a boundary allows few characters; '@' is not one). */
static const char *boundary_chars(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, strlen(s) + 1), *o = out;

    for (; *s; s++) {
        if ((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

const char *sb_mail_render(apr_pool_t *p, const sb_mail_t *m, const char *message_id,
                           int64_t now_ms)
{
    char date[64];
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    const char *head, *boundary;

    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    head = apr_pstrcat(p, "From: ", encode_mailbox(p, header_safe(p, m->from)), "\r\n",
                       "To: ", header_safe(p, m->to), "\r\n",
                       "Subject: ", sb_mail_encode_header(p, header_safe(p, m->subject)), "\r\n",
                       "Date: ", date, "\r\n", "Message-ID: <", header_safe(p, message_id), ">\r\n",
                       "MIME-Version: 1.0\r\n", NULL);
    if (m->list_unsubscribe) {
        head = apr_pstrcat(p, head, "List-Unsubscribe: <", header_safe(p, m->list_unsubscribe),
                           ">\r\n", NULL);
    }
    if (!m->html) {
        return apr_pstrcat(p, head, part(p, "text/plain", m->text ? m->text : "", NULL), NULL);
    }
    /* "=_" cannot occur in base64, and a 7bit part holding the boundary goes as base64. */
    boundary = apr_pstrcat(p, "=_sb_", boundary_chars(p, message_id), NULL);
    return apr_pstrcat(
        p, head, "Content-Type: multipart/alternative; boundary=\"", boundary, "\"\r\n\r\n--",
        boundary, "\r\n", part(p, "text/plain", m->text ? m->text : "", boundary), "--", boundary,
        "\r\n", part(p, "text/html", m->html, boundary), "--", boundary, "--\r\n", NULL);
}

int sb_mail_spool_write(apr_pool_t *p, const char *dir, const char *text, const char **why)
{
    char id[SB_ID_LEN + 1];
    const char *tmp, *final;
    apr_file_t *f;
    apr_status_t rv;
    char err[128];

    sb_id_new(id);
    tmp = apr_pstrcat(p, dir, "/.tmp-", id, NULL);
    final = apr_pstrcat(p, dir, "/", id, ".eml", NULL);
    rv = apr_file_open(&f, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_EXCL,
                       APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD, p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(f, text, strlen(text), NULL);
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

static int spool_send(const sb_mail_transport_t *t, apr_pool_t *p, const sb_mail_t *m,
                      const char **why)
{
    char id[SB_ID_LEN + 1];

    sb_id_new(id);
    return sb_mail_spool_write(
        p, t->ctx, sb_mail_render(p, m, apr_pstrcat(p, id, "@skillbarter", NULL), sb_now_ms()),
        why);
}

sb_mail_transport_t *sb_mail_spool_transport(apr_pool_t *p, const char *dir)
{
    sb_mail_transport_t *t = apr_pcalloc(p, sizeof *t);
    t->name = "spool";
    t->send = spool_send;
    t->ctx = apr_pstrdup(p, dir);
    return t;
}

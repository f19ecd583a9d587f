/* JSON text into a pool buffer (see sb_jtext.h). */
#include "sb_jtext.h"

#include <stdio.h>
#include <string.h>
#include <apr_strings.h>

#include "sb_time.h"

void sb_jtext_init(sb_jtext_t *t, apr_pool_t *p, apr_size_t cap)
{
    t->p = p;
    t->cap = cap > 64 ? cap : 64;
    t->buf = apr_palloc(p, t->cap);
    t->len = 0;
    t->buf[0] = '\0';
    t->slashes = 0;
}

char *sb_jtext_room(sb_jtext_t *t, apr_size_t n)
{
    if (t->len + n + 1 > t->cap) {
        apr_size_t cap = t->cap * 2;
        char *b;
        while (cap < t->len + n + 1) {
            cap *= 2;
        }
        b = apr_palloc(t->p, cap);
        memcpy(b, t->buf, t->len);
        t->buf = b;
        t->cap = cap;
    }
    return t->buf + t->len;
}

void sb_jtext_raw(sb_jtext_t *t, const char *s, apr_size_t n)
{
    memcpy(sb_jtext_room(t, n), s, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

/* 1 for the bytes a JSON string cannot hold as they are (and the NUL that ends it); 2 for
 * '/', escaped only when t->slashes. */
static const unsigned char jtext_escaped[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};

/* json-c's escaping (json_escape_str), with the slash escape when t->slashes: runs of bytes
 * that need none are copied at once. */
void sb_jtext_str(sb_jtext_t *t, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s, *run;
    unsigned char stop = t->slashes ? 3 : 1; /* the jtext_escaped bits that stop a run */
    char *o;

    if (!s) {
        sb_jtext_lit(t, "null");
        return;
    }
    o = sb_jtext_room(t, 6 * strlen(s) + 2); /* the worst case: every byte as \u00XX */
    *o++ = '"';
    for (;;) {
        for (run = u; !(jtext_escaped[*u] & stop); u++) {
        }
        memcpy(o, run, (apr_size_t)(u - run));
        o += u - run;
        if (!*u) {
            break;
        }
        *o++ = '\\';
        switch (*u) {
        case '\b':
            *o++ = 'b';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        case '\f':
            *o++ = 'f';
            break;
        case '"':
        case '\\':
        case '/':
            *o++ = (char)*u;
            break;
        default: /* another control byte */
            memcpy(o, "u00", 3);
            o[3] = hex[*u >> 4];
            o[4] = hex[*u & 0xf];
            o += 5;
        }
        u++;
    }
    *o++ = '"';
    t->len = (apr_size_t)(o - t->buf);
    t->buf[t->len] = '\0';
}

void sb_jtext_int(sb_jtext_t *t, int64_t v)
{
    char b[24];

    sb_jtext_raw(t, b, (apr_size_t)apr_snprintf(b, sizeof b, "%" APR_INT64_T_FMT, v));
}

/* As json-c's default double serializer: "%.17g", and ".0" when that looks like an integer. */
void sb_jtext_double(sb_jtext_t *t, double v)
{
    char b[64];
    int n = snprintf(b, sizeof b - 2, "%.17g", v);

    if (n > 0 && ((b[0] >= '0' && b[0] <= '9') || (b[0] == '-' && b[1] >= '0' && b[1] <= '9'))
        && !strchr(b, '.') && !strchr(b, 'e')) {
        memcpy(b + n, ".0", 3);
        n += 2;
    }
    sb_jtext_raw(t, b, n > 0 ? (apr_size_t)n : 0);
}

void sb_jtext_bool(sb_jtext_t *t, int v)
{
    if (v) {
        sb_jtext_lit(t, "true");
    }
    else {
        sb_jtext_lit(t, "false");
    }
}

void sb_jtext_time(sb_jtext_t *t, int64_t ms, int null_if_zero)
{
    sb_jtext_str(t, ms || !null_if_zero ? sb_time_iso(t->p, ms) : NULL);
}

void sb_jtext_key(sb_jtext_t *t, int open, const char *key)
{
    apr_size_t n = strlen(key);
    char *o = sb_jtext_room(t, n + 4);

    o[0] = open ? '{' : ',';
    o[1] = '"';
    memcpy(o + 2, key, n);
    o[n + 2] = '"';
    o[n + 3] = ':';
    t->len += n + 4;
    t->buf[t->len] = '\0';
}

void sb_jtext_members(sb_jtext_t *t, int open, const char *const *keys, const char *const *vals,
                      int n)
{
    int i;

    for (i = 0; i < n; i++) {
        sb_jtext_key(t, open && !i, keys[i]);
        sb_jtext_str(t, vals[i]);
    }
}

/*
 * The JSON reader of the Socket.IO codec (see sbrt_codec.h): one pass over the packet's data
 * building the json-c values directly. sb_json_parse (json-c's tokener under the module's
 * lexical checks) cost two thirds of the service thread's own instructions per event: the
 * tokener's per-character state machine, a 1 KB tokener allocated for each packet, and
 * duplocale/newlocale/freelocale on every call. This reader accepts exactly the documents
 * sb_json_parse accepts and gives the same values (fuzz_sbrt_json checks both on every
 * input):
 * - RFC 8259 strictly: no single quotes, comments, NaN, leading zeros, "1.", raw control
 *   characters in strings, trailing data or NUL bytes; a top-level null is refused;
 * - UTF-8 checked as json-c does (a lead byte and its count of continuation bytes);
 * - nesting as json-c counts it: a value inside max_depth - 1 containers at most;
 * - numbers: integers as int64 (clamped on overflow, as json-c does), positive ones above
 *   INT64_MAX as uint64; others as doubles that keep their text (json_object_new_double_s);
 * - \u escapes: surrogate pairs joined, a lone surrogate replaced by U+FFFD, as json-c does;
 * - a key holding \u0000 is cut there (json-c keeps keys as C strings); a repeated key
 *   keeps the last value.
 */
#include "sbrt_codec.h"
#include "sb_hex.h"

#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *s, *end;
    int max_depth;
    int failed;
    char *buf; /* decoded string (escapes), grown on demand */
    apr_size_t cap;
    char small[256];
} reader_t;

static const unsigned char replacement[3] = {0xEF, 0xBF, 0xBD}; /* U+FFFD */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_make(void)
{
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

static json_object *fail(reader_t *r)
{
    r->failed = 1;
    return NULL;
}

static void skip_ws(reader_t *r)
{
    while (r->s < r->end && (*r->s == ' ' || *r->s == '\t' || *r->s == '\n' || *r->s == '\r')) {
        r->s++;
    }
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Room for n more bytes after len in r->buf; 0 when out of memory. */
static int reserve(reader_t *r, apr_size_t len, apr_size_t n)
{
    char *nb;
    apr_size_t cap = r->cap;

    if (len + n <= cap) {
        return 1;
    }
    while (cap < len + n) {
        cap *= 2;
    }
    if (r->buf == r->small) {
        if (!(nb = malloc(cap))) {
            return 0;
        }
        memcpy(nb, r->buf, len);
    }
    else if (!(nb = realloc(r->buf, cap))) {
        return 0;
    }
    r->buf = nb;
    r->cap = cap;
    return 1;
}

/* Four hex digits at s (bounded by end) as a code unit, or -1. */
static long hex4(const char *s, const char *end)
{
    long v = 0;
    int i, h;

    if (end - s < 4) {
        return -1;
    }
    for (i = 0; i < 4; i++) {
        if ((h = sb_hex_value((unsigned char)s[i])) < 0) {
            return -1;
        }
        v = v * 16 + h;
    }
    return v;
}

static apr_size_t put_utf8(char *out, unsigned long c)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/*
 * The string at r->s (its opening quote) into *out / *len: into the input itself when it has
 * no escape, else decoded into r->buf. 0 when it is not a valid string.
 */
static int read_string(reader_t *r, const char **out, apr_size_t *len)
{
    const char *s = r->s + 1, *end = r->end, *run;
    apr_size_t n = 0;
    int escaped = 0;

    for (;;) {
        /* a run of plain bytes, UTF-8 checked: a lead byte, then as many continuations as
         * it announces (overlong forms are let through, as json-c does) */
        run = s;
        while (s < end) {
            unsigned char c = (unsigned char)*s;
            if (c == '"' || c == '\\' || c < 0x20) {
                break;
            }
            if (c >= 0x80) {
                int more = (c & 0xE0) == 0xC0   ? 1
                           : (c & 0xF0) == 0xE0 ? 2
                           : (c & 0xF8) == 0xF0 ? 3
                                                : -1;
                if (more < 0 || end - s <= more) {
                    return 0;
                }
                while (more--) {
                    if (((unsigned char)*++s & 0xC0) != 0x80) {
                        return 0;
                    }
                }
            }
            s++;
        }
        if (s >= end || (unsigned char)*s < 0x20) {
            return 0;
        }
        if (escaped || *s == '\\') {
            if (!reserve(r, n, (apr_size_t)(s - run) + 8)) {
                return 0;
            }
            memcpy(r->buf + n, run, (apr_size_t)(s - run));
            n += (apr_size_t)(s - run);
            escaped = 1;
        }
        if (*s == '"') {
            break;
        }
        /* an escape */
        if (++s >= end) {
            return 0;
        }
        switch (*s) {
        case '"':
        case '\\':
        case '/':
            r->buf[n++] = *s++;
            break;
        case 'b':
            r->buf[n++] = '\b';
            s++;
            break;
        case 'f':
            r->buf[n++] = '\f';
            s++;
            break;
        case 'n':
            r->buf[n++] = '\n';
            s++;
            break;
        case 'r':
            r->buf[n++] = '\r';
            s++;
            break;
        case 't':
            r->buf[n++] = '\t';
            s++;
            break;
        case 'u': {
            long u = hex4(s + 1, end), lo;
            if (u < 0) {
                return 0;
            }
            s += 5;
            if ((u & 0xFC00) == 0xD800) {
                /* a high surrogate: joined with a low one right after it; else replaced,
                 * and what follows is read as itself (another \u escape included) */
                if (end - s >= 6 && s[0] == '\\' && s[1] == 'u') {
                    if ((lo = hex4(s + 2, end)) < 0) {
                        return 0;
                    }
                    if ((lo & 0xFC00) == 0xDC00) {
                        s += 6;
                        n += put_utf8(r->buf + n, 0x10000 + (((unsigned long)u & 0x3FF) << 10)
                                                      + ((unsigned long)lo & 0x3FF));
                        break;
                    }
                }
                memcpy(r->buf + n, replacement, 3);
                n += 3;
            }
            else if ((u & 0xFC00) == 0xDC00) {
                memcpy(r->buf + n, replacement, 3);
                n += 3;
            }
            else {
                n += put_utf8(r->buf + n, (unsigned long)u);
            }
            break;
        }
        default:
            return 0;
        }
    }
    if (escaped) {
        *out = r->buf;
        *len = n;
    }
    else {
        *out = r->s + 1;
        *len = (apr_size_t)(s - (r->s + 1));
    }
    r->s = s + 1;
    return 1;
}

/* A number (RFC 8259's grammar) at r->s. */
static json_object *read_number(reader_t *r)
{
    const char *s = r->s, *end = r->end, *start = s;
    char small[64], *text = small;
    int is_double = 0;
    apr_size_t n;
    json_object *o;

    if (s < end && *s == '-') {
        s++;
    }
    if (s < end && *s == '0') {
        s++;
    }
    else if (s < end && *s >= '1' && *s <= '9') {
        while (s < end && is_digit(*s)) {
            s++;
        }
    }
    else {
        return fail(r);
    }
    if (s < end && *s == '.') {
        is_double = 1;
        if (++s >= end || !is_digit(*s)) {
            return fail(r);
        }
        while (s < end && is_digit(*s)) {
            s++;
        }
    }
    if (s < end && (*s == 'e' || *s == 'E')) {
        is_double = 1;
        if (++s < end && (*s == '+' || *s == '-')) {
            s++;
        }
        if (s >= end || !is_digit(*s)) {
            return fail(r);
        }
        while (s < end && is_digit(*s)) {
            s++;
        }
    }
    n = (apr_size_t)(s - start);
    if (n >= sizeof small && !(text = malloc(n + 1))) {
        return fail(r);
    }
    memcpy(text, start, n);
    text[n] = '\0';
    errno = 0;
    if (is_double) {
        pthread_once(&c_locale_once, c_locale_make);
        o = json_object_new_double_s(c_locale ? strtod_l(text, NULL, c_locale) : strtod(text, NULL),
                                     text);
    }
    else if (*text == '-') {
        o = json_object_new_int64(strtoll(text, NULL, 10)); /* clamped on overflow */
    }
    else {
        uint64_t u = strtoull(text, NULL, 10);
        o = u <= INT64_MAX ? json_object_new_int64((int64_t)u) : json_object_new_uint64(u);
    }
    if (text != small) {
        free(text);
    }
    r->s = s;
    return o ? o : fail(r);
}

static int literal(reader_t *r, const char *word, apr_size_t n)
{
    if ((apr_size_t)(r->end - r->s) < n || memcmp(r->s, word, n) != 0) {
        return 0;
    }
    r->s += n;
    return 1;
}

static json_object *read_value(reader_t *r, int depth);

/* An array at r->s ('['): its values at depth + 1. */
static json_object *read_array(reader_t *r, int depth)
{
    json_object *a = json_object_new_array(), *v;

    r->s++;
    skip_ws(r);
    if (r->s < r->end && *r->s == ']') {
        r->s++;
        return a;
    }
    for (;;) {
        if (depth + 1 > r->max_depth - 1) {
            break;
        }
        v = read_value(r, depth + 1);
        if (r->failed) {
            break;
        }
        json_object_array_add(a, v);
        skip_ws(r);
        if (r->s < r->end && *r->s == ',') {
            r->s++;
            skip_ws(r);
            continue;
        }
        if (r->s < r->end && *r->s == ']') {
            r->s++;
            return a;
        }
        break;
    }
    json_object_put(a);
    return fail(r);
}

/* An object at r->s ('{'): its values at depth + 1. */
static json_object *read_object(reader_t *r, int depth)
{
    json_object *o = json_object_new_object(), *v;
    const char *key;
    apr_size_t klen;
    char kbuf[128], *k;

    r->s++;
    skip_ws(r);
    if (r->s < r->end && *r->s == '}') {
        r->s++;
        return o;
    }
    for (;;) {
        if (r->s >= r->end || *r->s != '"' || !read_string(r, &key, &klen)) {
            break;
        }
        /* the key as a C string: cut at an escaped NUL, as json-c's strdup of it does */
        k = klen < sizeof kbuf ? kbuf : malloc(klen + 1);
        if (!k) {
            break;
        }
        memcpy(k, key, klen);
        k[klen] = '\0';
        skip_ws(r);
        if (r->s >= r->end || *r->s != ':' || depth + 1 > r->max_depth - 1) {
            if (k != kbuf) {
                free(k);
            }
            break;
        }
        r->s++;
        skip_ws(r);
        v = read_value(r, depth + 1);
        if (!r->failed) {
            json_object_object_add(o, k, v);
        }
        if (k != kbuf) {
            free(k);
        }
        if (r->failed) {
            break;
        }
        skip_ws(r);
        if (r->s < r->end && *r->s == ',') {
            r->s++;
            skip_ws(r);
            continue;
        }
        if (r->s < r->end && *r->s == '}') {
            r->s++;
            return o;
        }
        break;
    }
    json_object_put(o);
    return fail(r);
}

/* A value at r->s (no white space before it); NULL for null (r->failed tells an error). */
static json_object *read_value(reader_t *r, int depth)
{
    const char *str;
    apr_size_t len;
    json_object *o;

    if (r->s >= r->end) {
        return fail(r);
    }
    switch (*r->s) {
    case '{':
        return read_object(r, depth);
    case '[':
        return read_array(r, depth);
    case '"':
        if (!read_string(r, &str, &len)) {
            return fail(r);
        }
        o = json_object_new_string_len(str, (int)len);
        return o ? o : fail(r);
    case 't':
        return literal(r, "true", 4) ? json_object_new_boolean(1) : fail(r);
    case 'f':
        return literal(r, "false", 5) ? json_object_new_boolean(0) : fail(r);
    case 'n':
        return literal(r, "null", 4) ? NULL : fail(r);
    default:
        if (*r->s == '-' || is_digit(*r->s)) {
            return read_number(r);
        }
        return fail(r);
    }
}

json_object *sbrt_json_parse(const char *buf, apr_size_t len, int max_depth)
{
    reader_t r;
    json_object *o;

    if (len > INT32_MAX || max_depth < 1) {
        return NULL;
    }
    r.s = buf;
    r.end = buf + len;
    r.max_depth = max_depth;
    r.failed = 0;
    r.buf = r.small;
    r.cap = sizeof r.small;
    skip_ws(&r);
    o = read_value(&r, 0);
    skip_ws(&r);
    if (!r.failed && (r.s != r.end || !o)) {
        r.failed = 1; /* trailing data, or a top-level null */
    }
    if (r.buf != r.small) {
        free(r.buf);
    }
    if (r.failed) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

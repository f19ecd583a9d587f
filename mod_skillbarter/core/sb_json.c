#include "sb_json.h"

#include <limits.h>
#include <pthread.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <apr_strings.h>
#include <json-c/printbuf.h>

static apr_status_t sb_json_put_cleanup(void *data)
{
    json_object_put(data);
    return APR_SUCCESS;
}

json_object *sb_json_track(apr_pool_t *p, json_object *o)
{
    if (o) {
        apr_pool_cleanup_register(p, o, sb_json_put_cleanup, apr_pool_cleanup_null);
    }
    return o;
}

static int sb_json_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

json_object *sb_json_str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

/* magic: SB_JSON_RAW_MAGIC, a byte no JSON text starts with (other values keep their text as
 * their userdata: its first byte tells them apart) */
#define SB_JSON_RAW_MAGIC '\001'
typedef struct {
    char magic;
    const char *text;
    apr_size_t len;
} sb_json_raw_t;

/* Write the value's text as is (json-c's per-object serializer hook). */
static int sb_json_raw_serializer(json_object *o, struct printbuf *pb, int level, int flags)
{
    const sb_json_raw_t *r = json_object_get_userdata(o);
    (void)level;
    (void)flags;
    return printbuf_memappend(pb, r->text, (int)r->len);
}

const char *sb_json_raw_text(json_object *o, apr_size_t *len)
{
    const sb_json_raw_t *r;

    if (!o || !json_object_is_type(o, json_type_array) || json_object_array_length(o)
        || !(r = json_object_get_userdata(o)) || r->magic != SB_JSON_RAW_MAGIC) {
        return NULL;
    }
    *len = r->len;
    return r->text;
}

json_object *sb_json_raw(apr_pool_t *p, const char *text, apr_size_t len)
{
    json_object *o = json_object_new_array();
    sb_json_raw_t *r = apr_palloc(p, sizeof *r);

    r->magic = SB_JSON_RAW_MAGIC;
    r->text = text;
    r->len = len;
    json_object_set_serializer(o, sb_json_raw_serializer, r, NULL);
    return o;
}

int sb_json_double_text(char *buf, double d)
{
    int n;

    if (isnan(d)) {
        return snprintf(buf, SB_JSON_DOUBLE_MAX, "NaN");
    }
    if (isinf(d)) {
        return snprintf(buf, SB_JSON_DOUBLE_MAX, "%s", d > 0 ? "Infinity" : "-Infinity");
    }
    n = snprintf(buf, SB_JSON_DOUBLE_MAX, "%.17g", d);
    if (n > 0 && n < SB_JSON_DOUBLE_MAX - 2 && !strpbrk(buf, ".e")
        && (sb_json_is_digit(buf[0]) || (buf[0] == '-' && sb_json_is_digit(buf[1])))) {
        memcpy(buf + n, ".0", 3);
        n += 2;
    }
    return n;
}

static int sb_json_is_word(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || sb_json_is_digit(c) || c == '_'
           || c == '.' || c == '+' || c == '-';
}

/* Length of an RFC 8259 number at s (bounded by end), or 0 when it is not one. */
static apr_size_t sb_json_number_len(const char *s, const char *end)
{
    const char *q = s;

    if (q < end && *q == '-') {
        q++;
    }
    if (q < end && *q == '0') {
        q++;
    }
    else if (q < end && sb_json_is_digit(*q)) {
        while (q < end && sb_json_is_digit(*q)) {
            q++;
        }
    }
    else {
        return 0;
    }
    if (q < end && *q == '.') {
        if (++q >= end || !sb_json_is_digit(*q)) {
            return 0;
        }
        while (q < end && sb_json_is_digit(*q)) {
            q++;
        }
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < end && (*q == '+' || *q == '-')) {
            q++;
        }
        if (q >= end || !sb_json_is_digit(*q)) {
            return 0;
        }
        while (q < end && sb_json_is_digit(*q)) {
            q++;
        }
    }
    if (q < end && sb_json_is_word(*q)) {
        return 0;
    }
    return (apr_size_t)(q - s);
}

/*
 * The lexical rules json-c's strict mode does not enforce (it accepts 'single' quoted keys,
 * NaN, Infinity, "1." and raw control characters in strings). Structure is left to json-c.
 * Returns the offset of the first offending byte and sets *what, or len when all is well.
 */
static apr_size_t sb_json_lex(const char *s, apr_size_t len, const char **what)
{
    const char *end = s + len;
    apr_size_t i = 0;

    while (i < len) {
        char c = s[i];
        if (c == '"') {
            for (i++; i < len && s[i] != '"'; i++) {
                if ((unsigned char)s[i] < 0x20) {
                    *what = "control character in string";
                    return i;
                }
                if (s[i] == '\\') {
                    i++; /* json-c checks the escape itself */
                }
            }
            i++;
        }
        else if (c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',' || c == ' '
                 || c == '\t' || c == '\n' || c == '\r') {
            i++;
        }
        else if (c == '-' || sb_json_is_digit(c)) {
            apr_size_t n = sb_json_number_len(s + i, end);
            if (!n) {
                *what = "invalid number";
                return i;
            }
            i += n;
        }
        else {
            apr_size_t n = 0;
            while (i + n < len && sb_json_is_word(s[i + n])) {
                n++;
            }
            if (!((n == 4 && !memcmp(s + i, "true", 4)) || (n == 5 && !memcmp(s + i, "false", 5))
                  || (n == 4 && !memcmp(s + i, "null", 4)))) {
                *what = "unexpected character";
                return i;
            }
            i += n;
        }
    }
    return len;
}

/*
 * The tokener of the default depth is kept per thread and reset for each document instead of
 * made and freed per request: json_tokener_new_ex callocs its 1 KB parse stack, a request that
 * large makes glibc consolidate the fast bins first (3 % of a send's CPU under load, measured
 * with perf). Released when the thread exits. NULL when one cannot be made.
 */
static pthread_key_t sb_json_tok_key;
static pthread_once_t sb_json_tok_once = PTHREAD_ONCE_INIT;
static int sb_json_tok_keyed;

static void sb_json_tok_free(void *tok)
{
    json_tokener_free(tok);
}

static void sb_json_tok_key_make(void)
{
    sb_json_tok_keyed = pthread_key_create(&sb_json_tok_key, sb_json_tok_free) == 0;
}

static struct json_tokener *sb_json_tokener(int depth, int *kept)
{
    struct json_tokener *tok;

    *kept = 0;
    if (depth != SB_JSON_MAX_DEPTH || pthread_once(&sb_json_tok_once, sb_json_tok_key_make)
        || !sb_json_tok_keyed) {
        return json_tokener_new_ex(depth);
    }
    if ((tok = pthread_getspecific(sb_json_tok_key))) {
        json_tokener_reset(tok);
    }
    else if ((tok = json_tokener_new_ex(depth)) && pthread_setspecific(sb_json_tok_key, tok)) {
        return tok; /* not kept: freed after this document */
    }
    *kept = tok != NULL;
    return tok;
}

json_object *sb_json_parse_untracked(apr_pool_t *p, const char *buf, apr_size_t len, int max_depth,
                                     const char **why)
{
    struct json_tokener *tok;
    json_object *obj;
    enum json_tokener_error jerr;
    const char *nul, *lex_what = NULL, *what = NULL;
    apr_size_t lex_at, at = 0;
    const char *dummy;
    int kept;

    if (!why) {
        why = &dummy;
    }
    *why = NULL;
    if (!buf || len > INT_MAX) {
        *why = "Malformed JSON: body missing or too large";
        return NULL;
    }
    if ((nul = memchr(buf, '\0', len)) != NULL) {
        *why = apr_psprintf(p, "Malformed JSON: NUL byte at offset %" APR_SIZE_T_FMT,
                            (apr_size_t)(nul - buf));
        return NULL;
    }
    lex_at = sb_json_lex(buf, len, &lex_what);

    tok = sb_json_tokener(max_depth > 0 ? max_depth : SB_JSON_MAX_DEPTH, &kept);
    if (!tok) {
        *why = "Malformed JSON: out of memory";
        return NULL;
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    obj = json_tokener_parse_ex(tok, buf, (int)len);
    jerr = json_tokener_get_error(tok);
    at = json_tokener_get_parse_end(tok);
    if (!obj && jerr == json_tokener_continue) {
        /* All input consumed: a trailing NUL tells json-c the document ends here. */
        obj = json_tokener_parse_ex(tok, "", 1);
        jerr = json_tokener_get_error(tok);
        at = len;
    }
    if (jerr != json_tokener_success) {
        what = json_tokener_error_desc(jerr);
    }
    else if (!obj) {
        what = "null is not accepted as a document";
        at = 0;
    }
    if (kept) {
        json_tokener_reset(tok); /* nothing of this document stays referenced by it */
    }
    else {
        json_tokener_free(tok);
    }

    if (lex_at < len && (!what || lex_at < at)) {
        what = lex_what;
        at = lex_at;
    }
    if (what) {
        json_object_put(obj);
        *why = apr_psprintf(p, "Malformed JSON: %s at offset %" APR_SIZE_T_FMT, what, at);
        return NULL;
    }
    return obj;
}

json_object *sb_json_parse(apr_pool_t *p, const char *buf, apr_size_t len, int max_depth,
                           const char **why)
{
    return sb_json_track(p, sb_json_parse_untracked(p, buf, len, max_depth, why));
}

/* The value under key, or NULL (recording "is required" when required) if absent or null. */
static json_object *sb_json_member(json_object *obj, const char *key, sb_error_t *err,
                                   apr_pool_t *p, int required)
{
    json_object *v = NULL;

    if (obj && json_object_is_type(obj, json_type_object)) {
        json_object_object_get_ex(obj, key, &v);
    }
    if (!v && required) {
        sb_field_fail(err, p, key, "%s is required", key);
    }
    return v;
}

/* A pool copy of a json string; NULL when it holds an embedded NUL. */
static const char *sb_json_strdup(apr_pool_t *p, json_object *v)
{
    const char *s = json_object_get_string(v);
    int n = json_object_get_string_len(v);

    if (memchr(s, '\0', (size_t)n)) {
        return NULL;
    }
    return apr_pstrmemdup(p, s, (apr_size_t)n);
}

int sb_json_get_string(json_object *obj, const char *key, const char **out, sb_error_t *err,
                       apr_pool_t *p, int required)
{
    json_object *v = sb_json_member(obj, key, err, p, required);
    const char *s;

    if (!v) {
        return 0;
    }
    if (!json_object_is_type(v, json_type_string)) {
        sb_field_fail(err, p, key, "%s must be a string", key);
        return 0;
    }
    if (!(s = sb_json_strdup(p, v))) {
        sb_field_fail(err, p, key, "%s must not contain NUL characters", key);
        return 0;
    }
    *out = s;
    return 1;
}

int sb_json_get_int(json_object *obj, const char *key, int64_t min, int64_t max, int64_t *out,
                    sb_error_t *err, apr_pool_t *p, int required)
{
    json_object *v = sb_json_member(obj, key, err, p, required);
    int64_t n;

    if (!v) {
        return 0;
    }
    if (!json_object_is_type(v, json_type_int)) {
        sb_field_fail(err, p, key, "%s must be an integer", key);
        return 0;
    }
    /* json-c saturates at INT64_MAX/MIN (and keeps larger values as uint64). */
    n = json_object_get_int64(v);
    if (n < min || n > max || n == INT64_MAX || n == INT64_MIN) {
        sb_field_fail(err, p, key,
                      "%s must be an integer between %" APR_INT64_T_FMT " and %" APR_INT64_T_FMT,
                      key, min, max);
        return 0;
    }
    *out = n;
    return 1;
}

int sb_json_get_bool(json_object *obj, const char *key, int *out, sb_error_t *err, apr_pool_t *p,
                     int required)
{
    json_object *v = sb_json_member(obj, key, err, p, required);

    if (!v) {
        return 0;
    }
    if (!json_object_is_type(v, json_type_boolean)) {
        sb_field_fail(err, p, key, "%s must be true or false", key);
        return 0;
    }
    *out = json_object_get_boolean(v) ? 1 : 0;
    return 1;
}

int sb_json_get_string_array(json_object *obj, const char *key, int max_items,
                             apr_array_header_t **out, sb_error_t *err, apr_pool_t *p, int required)
{
    json_object *v = sb_json_member(obj, key, err, p, required);
    apr_array_header_t *arr;
    size_t i, n;

    if (!v) {
        return 0;
    }
    if (!json_object_is_type(v, json_type_array)) {
        sb_field_fail(err, p, key, "%s must be an array of strings", key);
        return 0;
    }
    n = json_object_array_length(v);
    if (max_items > 0 && n > (size_t)max_items) {
        sb_field_fail(err, p, key, "%s must have at most %d items", key, max_items);
        return 0;
    }
    arr = apr_array_make(p, n ? (int)n : 1, sizeof(const char *));
    for (i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(v, i);
        const char *s;
        if (!json_object_is_type(e, json_type_string)) {
            sb_field_fail(err, p, key, "%s must be an array of strings", key);
            return 0;
        }
        if (!(s = sb_json_strdup(p, e))) {
            sb_field_fail(err, p, key, "%s must not contain NUL characters", key);
            return 0;
        }
        APR_ARRAY_PUSH(arr, const char *) = s;
    }
    *out = arr;
    return 1;
}

int sb_json_reject_unknown(json_object *obj, const char *const *allowed, sb_error_t *err,
                           apr_pool_t *p)
{
    struct json_object_iterator it, end;
    int unknown = 0;

    if (!obj || !json_object_is_type(obj, json_type_object)) {
        sb_fail(err, p, 400, "Request body must be a JSON object.");
        return 0;
    }
    it = json_object_iter_begin(obj);
    end = json_object_iter_end(obj);
    for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
        const char *k = json_object_iter_peek_name(&it);
        const char *const *a;
        for (a = allowed; a && *a && strcmp(*a, k); a++) {
        }
        if (!a || !*a) {
            if (unknown++ < SB_JSON_MAX_UNKNOWN) {
                sb_field_fail(err, p, k, "%s is not an allowed field", k);
            }
        }
    }
    return unknown == 0;
}

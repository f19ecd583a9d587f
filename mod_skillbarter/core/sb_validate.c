#include "sb_validate.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>

#define SB_ZONEINFO    "/usr/share/zoneinfo"
#define SB_TZ_NAME_MAX 64

/*
 * Decode one UTF-8 sequence at s (strict: no overlongs, surrogates or values past U+10FFFF).
 * Returns its length and sets *cp, or 0 when the bytes are not valid UTF-8.
 */
static int sb_utf8_next(const unsigned char *s, unsigned long *cp)
{
    unsigned long c = s[0];
    int n, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        c &= 0x1F;
    }
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        c &= 0x0F;
    }
    else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        c &= 0x07;
    }
    else {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0; /* also stops at the NUL terminator */
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    if ((n == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF)))
        || (n == 4 && (c < 0x10000 || c > 0x10FFFF))) {
        return 0;
    }
    *cp = c;
    return n;
}

/* 1 when v is valid UTF-8 (any code point other than NUL). */
static int sb_utf8_valid(const char *v)
{
    const unsigned char *s = (const unsigned char *)v;
    unsigned long cp;
    int n;

    while (*s) {
        if (!(n = sb_utf8_next(s, &cp))) {
            return 0;
        }
        s += n;
    }
    return 1;
}

int sb_utf8_clean(const char *v)
{
    const unsigned char *s = (const unsigned char *)v;
    unsigned long cp;
    int n;

    if (!v) {
        return 0;
    }
    while (*s) {
        if (!(n = sb_utf8_next(s, &cp))) {
            return 0;
        }
        if ((cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7F && cp <= 0x9F)) {
            return 0;
        }
        s += n;
    }
    return 1;
}

/* Counts lead bytes, so invalid input still gets a sensible (never larger) count. */
apr_size_t sb_utf8_len(const char *v)
{
    apr_size_t n = 0;

    for (; v && *v; v++) {
        if (((unsigned char)*v & 0xC0) != 0x80) {
            n++;
        }
    }
    return n;
}

char *sb_lower(apr_pool_t *p, const char *v)
{
    char *out, *o;

    if (!v) {
        return NULL;
    }
    out = apr_pstrdup(p, v);
    for (o = out; *o; o++) {
        if (*o >= 'A' && *o <= 'Z') {
            *o = (char)(*o - 'A' + 'a');
        }
    }
    return out;
}

int sb_valid_username(sb_error_t *err, apr_pool_t *p, const char *field, const char *v)
{
    size_t n, i;

    if (!v) {
        sb_field_fail(err, p, field, "%s is required", field);
        return 0;
    }
    n = strlen(v);
    for (i = 0; i < n; i++) {
        char c = v[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '_')) {
            break;
        }
    }
    if (i < n || n < SB_USERNAME_MIN || n > SB_USERNAME_MAX) {
        sb_field_fail(err, p, field,
                      "%s must be %d-%d characters of letters, digits and underscore", field,
                      SB_USERNAME_MIN, SB_USERNAME_MAX);
        return 0;
    }
    return 1;
}

/* The whitespace JavaScript's \s matches, at code point cp. */
static int sb_is_js_space(unsigned long cp)
{
    return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 || cp == 0x1680
           || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
           || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

/*
 * The spec's /^[^\s@]+@[^\s@]+\.[^\s@]+$/ over valid UTF-8, with what the spec's Joi
 * email() adds: no empty dot-separated part on either side of the '@' (so "a@b..c", "a@.b.c",
 * ".a@b.c" and "a..b@c.d" are refused) and at least two parts in the domain.
 */
static int sb_email_shape(const char *v)
{
    const unsigned char *s = (const unsigned char *)v;
    unsigned long cp;
    int n, ats = 0, domain_parts = 0;
    size_t part = 0; /* bytes in the dot-separated part being read */

    for (; *s; s += n) {
        if (!(n = sb_utf8_next(s, &cp)) || sb_is_js_space(cp) || cp < 0x20 || cp == 0x7F) {
            return 0;
        }
        if (cp == '@' || cp == '.') {
            if (!part || (cp == '@' && ats++)) {
                return 0; /* an empty part, or a second '@' */
            }
            domain_parts += ats && cp == '.';
            part = 0;
        }
        else {
            part += (size_t)n;
        }
    }
    return ats == 1 && part && domain_parts >= 1;
}

int sb_valid_email(sb_error_t *err, apr_pool_t *p, const char *field, const char *v)
{
    if (!v || !*v) {
        sb_field_fail(err, p, field, "%s is required", field);
        return 0;
    }
    if (strlen(v) > SB_EMAIL_MAX) {
        sb_field_fail(err, p, field, "%s must be at most %d characters", field, SB_EMAIL_MAX);
        return 0;
    }
    if (!sb_email_shape(v)) {
        sb_field_fail(err, p, field, "%s must be a valid email address", field);
        return 0;
    }
    return 1;
}

int sb_valid_password(sb_error_t *err, apr_pool_t *p, const char *field, const char *v)
{
    if (!v || !*v) {
        sb_field_fail(err, p, field, "%s is required", field);
        return 0;
    }
    if (!sb_utf8_valid(v)) {
        sb_field_fail(err, p, field, "%s must be valid UTF-8 text", field);
        return 0;
    }
    if (sb_utf8_len(v) < SB_PASSWORD_MIN) {
        sb_field_fail(err, p, field, "%s must be at least %d characters", field, SB_PASSWORD_MIN);
        return 0;
    }
    if (strlen(v) > SB_PASSWORD_MAX_BYTES) {
        sb_field_fail(err, p, field,
                      "%s must be at most %d bytes (the bcrypt limit; accented and other "
                      "non-ASCII characters take 2-4 bytes each)",
                      field, SB_PASSWORD_MAX_BYTES);
        return 0;
    }
    return 1;
}

static int sb_is_blank(const char *v)
{
    for (; *v; v++) {
        if (*v != ' ' && *v != '\t' && *v != '\n' && *v != '\r') {
            return 0;
        }
    }
    return 1;
}

int sb_valid_text(sb_error_t *err, apr_pool_t *p, const char *field, const char *v, int max,
                  int required)
{
    if (!v) {
        if (required) {
            sb_field_fail(err, p, field, "%s is required", field);
        }
        return !required;
    }
    if (!sb_utf8_clean(v)) {
        sb_field_fail(err, p, field, "%s contains invalid or control characters", field);
        return 0;
    }
    if (required && sb_is_blank(v)) {
        sb_field_fail(err, p, field, "%s is required", field);
        return 0;
    }
    if (max >= 0 && sb_utf8_len(v) > (apr_size_t)max) {
        sb_field_fail(err, p, field, "%s must be at most %d characters", field, max);
        return 0;
    }
    return 1;
}

/* A relative path of [A-Za-z0-9_+-] components separated by single '/', none "." or "..". */
static int sb_tz_name_safe(const char *name)
{
    size_t n = strlen(name), i, comp = 0;

    if (n == 0 || n > SB_TZ_NAME_MAX || name[0] == '/' || name[n - 1] == '/') {
        return 0;
    }
    for (i = 0; i < n; i++) {
        char c = name[i];
        if (c == '/') {
            if (comp == 0) {
                return 0;
            }
            comp = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
              || c == '+' || c == '-')) {
            return 0; /* no '.', so no "." or ".." component either */
        }
        comp++;
    }
    return 1;
}

int sb_valid_timezone(const char *name)
{
    char path[sizeof(SB_ZONEINFO) + SB_TZ_NAME_MAX + 1], real[PATH_MAX], base[PATH_MAX];
    char magic[4];
    struct stat st;
    size_t blen;
    int fd, ok;

    if (!name || !sb_tz_name_safe(name)) {
        return 0;
    }
    if (!strcmp(name, "UTC")) {
        return 1;
    }
    /* Not IANA zone names, though files of that format live there. */
    if (!strncmp(name, "posix/", 6) || !strncmp(name, "right/", 6) || !strcmp(name, "localtime")
        || !strcmp(name, "posixrules")) {
        return 0;
    }
    snprintf(path, sizeof path, "%s/%s", SB_ZONEINFO, name);
    /* Symlinks (UTC -> Etc/UTC) are fine as long as they stay inside the database. */
    if (!realpath(path, real) || !realpath(SB_ZONEINFO, base)) {
        return 0;
    }
    blen = strlen(base);
    if (strncmp(real, base, blen) || real[blen] != '/') {
        return 0;
    }
    if ((fd = open(real, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
        return 0;
    }
    ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && read(fd, magic, 4) == 4
         && !memcmp(magic, "TZif", 4);
    close(fd);
    return ok;
}

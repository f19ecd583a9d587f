#include "sb_units.h"

#include <ctype.h>
#include <stddef.h>

/* Digits then at most one unit character; the result must fit after scaling. */
static int parse_scaled(const char *s, const char *units, const int64_t *scales, int64_t *out)
{
    int64_t v = 0;
    int n = 0;

    if (!s) {
        return -1;
    }
    while (*s >= '0' && *s <= '9') {
        if (v > (INT64_MAX - 9) / 10) {
            return -1;
        }
        v = v * 10 + (*s++ - '0');
        n++;
    }
    if (n == 0) {
        return -1;
    }
    if (*s) {
        const char *u;
        for (u = units; *u; u++) {
            if (tolower((unsigned char)*s) == tolower((unsigned char)*u)) {
                break;
            }
        }
        if (!*u || s[1]) {
            return -1;
        }
        if (v > INT64_MAX / scales[u - units]) {
            return -1;
        }
        v *= scales[u - units];
    }
    if (v <= 0) {
        return -1;
    }
    *out = v;
    return 0;
}

int sb_parse_duration(const char *s, int64_t *seconds)
{
    static const int64_t scales[] = {1, 60, 3600, 86400};
    /* lower-case units: 'm' must mean minutes, never months */
    const char *p;
    for (p = s ? s : ""; *p; p++) {
        if (*p >= 'A' && *p <= 'Z') {
            return -1;
        }
    }
    return parse_scaled(s, "smhd", scales, seconds);
}

int sb_parse_size(const char *s, int64_t *bytes)
{
    static const int64_t scales[] = {1024, 1024 * 1024, 1024 * 1024 * 1024};
    return parse_scaled(s, "KMG", scales, bytes);
}

int sb_parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
    int64_t v = 0;
    int neg = 0, n = 0;

    if (!s) {
        return -1;
    }
    if (*s == '-') {
        neg = 1;
        s++;
    }
    while (*s >= '0' && *s <= '9') {
        if (v > (INT64_MAX - 9) / 10) {
            return -1;
        }
        v = v * 10 + (*s++ - '0');
        n++;
    }
    if (!n || *s) {
        return -1;
    }
    v = neg ? -v : v;
    if (v < min || v > max) {
        return -1;
    }
    *out = v;
    return 0;
}

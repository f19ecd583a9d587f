/* TZif reader and local-time conversion (see sb_tz.h). */
#include "sb_tz.h"
#include "sb_time.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>

#include "sb_skill_rules.h"
#include "sb_validate.h"

#define SB_TZ_FILE_MAX (256 * 1024)
#define SB_TZ_ZONEINFO "/usr/share/zoneinfo/"

/* A POSIX TZ rule date: Mm.w.d, Jn (1..365, no Feb 29) or n (0..365). */
typedef struct {
    char kind; /* 'M', 'J' or 'D' */
    int m, w, d, n;
    int32_t time; /* seconds after local midnight (may be negative or > 24h) */
} sb_tz_rule_t;

typedef struct {
    int valid;
    int32_t std_off, dst_off; /* east positive */
    int has_dst;
    sb_tz_rule_t start, end;
} sb_tz_posix_t;

struct sb_tz {
    int n;              /* transitions */
    int64_t *at;        /* transition instants */
    int32_t *off;       /* offset in force from at[i] */
    int32_t first_off;  /* before the first transition */
    sb_tz_posix_t rule; /* after the last one (when valid) */
};

static int month_days(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && sb_is_leap_year(y) ? 29 : days[m - 1];
}

/* Civil year of a day number. */
static int year_of_days(int64_t z)
{
    int64_t era, doe, yoe, y, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    return (int)(y + (mp >= 10 ? 1 : 0));
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* ---- POSIX TZ footer ---- */

static const char *posix_name(const char *s)
{
    if (*s == '<') {
        const char *e = strchr(s, '>');
        return e && e - s >= 4 ? e + 1 : NULL;
    }
    {
        const char *e = s;
        while ((*e >= 'A' && *e <= 'Z') || (*e >= 'a' && *e <= 'z')) {
            e++;
        }
        return e - s >= 3 ? e : NULL;
    }
}

/* [+-]hh[:mm[:ss]] → seconds; hours up to max_h. */
static const char *posix_time(const char *s, int max_h, int32_t *out)
{
    int sign = 1, h = 0, m = 0, sec = 0, digits = 0;

    if (*s == '+' || *s == '-') {
        sign = *s == '-' ? -1 : 1;
        s++;
    }
    while (*s >= '0' && *s <= '9' && digits < 3) {
        h = h * 10 + (*s++ - '0');
        digits++;
    }
    if (!digits || h > max_h) {
        return NULL;
    }
    if (*s == ':') {
        s++;
        if (s[0] < '0' || s[0] > '5' || s[1] < '0' || s[1] > '9') {
            return NULL;
        }
        m = (s[0] - '0') * 10 + (s[1] - '0');
        s += 2;
        if (*s == ':') {
            s++;
            if (s[0] < '0' || s[0] > '5' || s[1] < '0' || s[1] > '9') {
                return NULL;
            }
            sec = (s[0] - '0') * 10 + (s[1] - '0');
            s += 2;
        }
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    return s;
}

static const char *posix_num(const char *s, int lo, int hi, int *out)
{
    int v = 0, digits = 0;

    while (*s >= '0' && *s <= '9' && digits < 4) {
        v = v * 10 + (*s++ - '0');
        digits++;
    }
    if (!digits || v < lo || v > hi) {
        return NULL;
    }
    *out = v;
    return s;
}

static const char *posix_rule(const char *s, sb_tz_rule_t *r)
{
    memset(r, 0, sizeof *r);
    r->time = 7200;
    if (*s == 'M') {
        r->kind = 'M';
        if (!(s = posix_num(s + 1, 1, 12, &r->m)) || *s++ != '.' || !(s = posix_num(s, 1, 5, &r->w))
            || *s++ != '.' || !(s = posix_num(s, 0, 6, &r->d))) {
            return NULL;
        }
    }
    else if (*s == 'J') {
        r->kind = 'J';
        if (!(s = posix_num(s + 1, 1, 365, &r->n))) {
            return NULL;
        }
    }
    else {
        r->kind = 'D';
        if (!(s = posix_num(s, 0, 365, &r->n))) {
            return NULL;
        }
    }
    if (*s == '/') {
        s = posix_time(s + 1, 167, &r->time);
    }
    return s;
}

static void posix_parse(const char *s, sb_tz_posix_t *z)
{
    int32_t v;

    memset(z, 0, sizeof *z);
    if (!(s = posix_name(s)) || !(s = posix_time(s, 24, &v))) {
        return;
    }
    z->std_off = -v;
    if (!*s) {
        z->valid = 1;
        return;
    }
    if (!(s = posix_name(s))) {
        return;
    }
    z->dst_off = z->std_off + 3600;
    if (*s && *s != ',') {
        if (!(s = posix_time(s, 24, &v))) {
            return;
        }
        z->dst_off = -v;
    }
    if (*s++ != ',' || !(s = posix_rule(s, &z->start)) || *s++ != ','
        || !(s = posix_rule(s, &z->end)) || *s) {
        return;
    }
    z->has_dst = 1;
    z->valid = 1;
}

/* Local day number of a rule's date in year y. */
static int64_t rule_day(const sb_tz_rule_t *r, int y)
{
    if (r->kind == 'J') {
        return sb_days_from_civil(y, 1, 1) + r->n - 1 + (sb_is_leap_year(y) && r->n >= 60);
    }
    if (r->kind == 'D') {
        return sb_days_from_civil(y, 1, 1) + r->n;
    }
    {
        /* day d (0 = Sunday) of week w (5 = last) of month m */
        int first_wd = (sb_weekday(y, r->m, 1) + 1) % 7; /* 0 = Sunday */
        int day = 1 + (r->d - first_wd + 7) % 7 + (r->w - 1) * 7;
        while (day > month_days(y, r->m)) {
            day -= 7;
        }
        return sb_days_from_civil(y, r->m, day);
    }
}

static int32_t posix_offset(const sb_tz_posix_t *z, int64_t t)
{
    int64_t start, end;
    int y;

    if (!z->has_dst) {
        return z->std_off;
    }
    y = year_of_days(floor_div(t + z->std_off, 86400));
    /* DST starts at a local standard time and ends at a local daylight time */
    start = rule_day(&z->start, y) * 86400 + z->start.time - z->std_off;
    end = rule_day(&z->end, y) * 86400 + z->end.time - z->dst_off;
    if (start < end) {
        return t >= start && t < end ? z->dst_off : z->std_off;
    }
    return t >= end && t < start ? z->std_off : z->dst_off;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int64_t be64(const unsigned char *b)
{
    return (int64_t)((uint64_t)be32(b) << 32 | be32(b + 4));
}

sb_tz_t *sb_tz_parse(apr_pool_t *p, const unsigned char *buf, apr_size_t len)
{
    const unsigned char *h = buf, *d;
    uint32_t isut, isstd, leap, timecnt, typecnt, charcnt;
    apr_size_t need, tsize = 4, lsize = 8;
    int version, i;
    sb_tz_t *z;

    if (len < 44 || memcmp(buf, "TZif", 4)) {
        return NULL;
    }
    version = buf[4];
    if (version >= '2') {
        /* skip the v1 block: the v2+ block after it has 64-bit times */
        isut = be32(h + 20), isstd = be32(h + 24), leap = be32(h + 28);
        timecnt = be32(h + 32), typecnt = be32(h + 36), charcnt = be32(h + 40);
        if (timecnt > 100000 || typecnt > 256 || charcnt > 10000 || leap > 10000 || isut > 256
            || isstd > 256) {
            return NULL;
        }
        need = 44 + timecnt * 5 + typecnt * 6 + charcnt + leap * 8 + isstd + isut;
        if (len < need + 44 || memcmp(buf + need, "TZif", 4)) {
            return NULL;
        }
        h = buf + need;
        tsize = 8;
        lsize = 12;
    }
    isut = be32(h + 20), isstd = be32(h + 24), leap = be32(h + 28);
    timecnt = be32(h + 32), typecnt = be32(h + 36), charcnt = be32(h + 40);
    if (timecnt > 100000 || typecnt == 0 || typecnt > 256 || charcnt > 10000 || leap > 10000
        || isut > 256 || isstd > 256) {
        return NULL;
    }
    need = 44 + timecnt * (tsize + 1) + typecnt * 6 + charcnt + leap * lsize + isstd + isut;
    if ((apr_size_t)(h - buf) + need > len) {
        return NULL;
    }
    z = apr_pcalloc(p, sizeof *z);
    z->n = (int)timecnt;
    z->at = apr_palloc(p, sizeof(int64_t) * (timecnt + 1));
    z->off = apr_palloc(p, sizeof(int32_t) * (timecnt + 1));
    d = h + 44;
    for (i = 0; i < (int)timecnt; i++) {
        unsigned idx = d[timecnt * tsize + (apr_size_t)i];
        if (idx >= typecnt) {
            return NULL;
        }
        z->at[i] = tsize == 8 ? be64(d + (apr_size_t)i * 8) : (int32_t)be32(d + (apr_size_t)i * 4);
        z->off[i] = (int32_t)be32(d + timecnt * (tsize + 1) + idx * 6);
        if (i > 0 && z->at[i] <= z->at[i - 1]) {
            return NULL;
        }
    }
    /* before the first transition: type 0 (RFC 8536 3.2) */
    z->first_off = (int32_t)be32(d + timecnt * (tsize + 1));
    if (version >= '2') {
        const char *f = (const char *)h + need, *end = (const char *)buf + len;
        if (f < end && *f == '\n') {
            const char *nl = memchr(f + 1, '\n', (apr_size_t)(end - f - 1));
            if (nl && nl - f - 1 < 128) {
                posix_parse(apr_pstrmemdup(p, f + 1, (apr_size_t)(nl - f - 1)), &z->rule);
            }
        }
    }
    return z;
}

sb_tz_t *sb_tz_load(apr_pool_t *p, const char *name)
{
    char *path, *buf;
    apr_size_t used = 0;
    ssize_t n;
    int fd;

    if (!sb_valid_timezone(name)) {
        return NULL;
    }
    path = apr_pstrcat(p, SB_TZ_ZONEINFO, name, NULL);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        return NULL;
    }
    buf = apr_palloc(p, SB_TZ_FILE_MAX);
    while (used < SB_TZ_FILE_MAX && (n = read(fd, buf + used, SB_TZ_FILE_MAX - used)) > 0) {
        used += (apr_size_t)n;
    }
    close(fd);
    return sb_tz_parse(p, (const unsigned char *)buf, used);
}

int32_t sb_tz_offset(const sb_tz_t *z, int64_t t)
{
    int lo = 0, hi;

    if (!z->n || t < z->at[0]) {
        return z->n || !z->rule.valid ? z->first_off : posix_offset(&z->rule, t);
    }
    if (t >= z->at[z->n - 1] && z->rule.valid) {
        return posix_offset(&z->rule, t);
    }
    /* last transition at or before t */
    hi = z->n - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (z->at[mid] <= t) {
            lo = mid;
        }
        else {
            hi = mid - 1;
        }
    }
    return z->off[lo];
}

int64_t sb_tz_local_to_utc(const sb_tz_t *z, int year, int month, int day, int minute_of_day)
{
    int64_t local = sb_days_from_civil(year, month, day) * 86400 + (int64_t)minute_of_day * 60;
    /* the offsets in force a day either side bracket every real transition */
    int32_t before = sb_tz_offset(z, local - 86400), after = sb_tz_offset(z, local + 86400);
    int64_t a = local - before, b = local - after;
    int ok_a = sb_tz_offset(z, a) == before, ok_b = sb_tz_offset(z, b) == after;

    if (ok_a && ok_b) {
        return a < b ? a : b; /* ambiguous: the earlier */
    }
    if (ok_a) {
        return a;
    }
    if (ok_b) {
        return b;
    }
    return a; /* in a gap: as if the clock had not moved yet */
}

int sb_tz_slot_utc(const sb_tz_t *z, int year, int month, int day, const char *start,
                   const char *end, int64_t *start_ms, int64_t *end_ms)
{
    int s, e;

    if (month < 1 || month > 12 || day < 1 || day > month_days(year, month)
        || !sb_parse_hhmm(start, &s) || !sb_parse_hhmm(end, &e)) {
        return 0;
    }
    *start_ms = sb_tz_local_to_utc(z, year, month, day, s) * 1000;
    *end_ms = sb_tz_local_to_utc(z, year, month, day, e) * 1000;
    return 1;
}

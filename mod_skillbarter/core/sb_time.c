#include "sb_time.h"

#include <string.h>
#include <time.h>
#include <apr_strings.h>
#include <apr_time.h>

int64_t sb_now_ms(void)
{
    return (int64_t)(apr_time_now() / 1000);
}

static void put_digits(char *out, int v, int n)
{
    while (n--) {
        out[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Every answer carries a few of these per row: the civil date straight from the day number
 * (H. Hinnant's days-to-civil, proleptic Gregorian as gmtime) instead of gmtime_r and a
 * printf; years outside 0000-9999 take that slower way, so the text is the same. */
const char *sb_time_iso(apr_pool_t *p, int64_t ms)
{
    struct tm tm;
    time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (int64_t)secs * 1000);
    int64_t days = (int64_t)secs >= 0 ? (int64_t)secs / 86400 : ((int64_t)secs - 86399) / 86400;
    int64_t sod = (int64_t)secs - days * 86400, z = days + 719468, era, doe, yoe, doy, mp, y;
    char *out;

    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;                                      /* [0, 146096] */
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365], from March */
    mp = (5 * doy + 2) / 153;                                    /* [0, 11], March = 0 */
    y = yoe + era * 400 + (mp >= 10);                            /* January, February */
    if (y < 0 || y > 9999) {
        gmtime_r(&secs, &tm);
        return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    }
    out = apr_palloc(p, 25);
    memcpy(out, "0000-00-00T00:00:00.000Z", 25);
    put_digits(out, (int)y, 4);
    put_digits(out + 5, (int)(mp < 10 ? mp + 3 : mp - 9), 2);
    put_digits(out + 8, (int)(doy - (153 * mp + 2) / 5 + 1), 2);
    put_digits(out + 11, (int)(sod / 3600), 2);
    put_digits(out + 14, (int)(sod / 60 % 60), 2);
    put_digits(out + 17, (int)(sod % 60), 2);
    put_digits(out + 20, frac, 3);
    return out;
}

static int digits(const char **s, int n, int *out)
{
    int v = 0, i;
    for (i = 0; i < n; i++) {
        if ((*s)[i] < '0' || (*s)[i] > '9') {
            return -1;
        }
        v = v * 10 + ((*s)[i] - '0');
    }
    *s += n;
    *out = v;
    return 0;
}

static int expect(const char **s, char c)
{
    if (**s != c) {
        return -1;
    }
    (*s)++;
    return 0;
}

int sb_is_leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm). */
int64_t sb_days_from_civil(int y, int m, int d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int sb_weekday(int y, int m, int d)
{
    int64_t z = sb_days_from_civil(y, m, d); /* 1970-01-01 was a Thursday (3) */
    return (int)(((z % 7) + 7 + 3) % 7);
}

int sb_time_parse_iso(const char *s, int64_t *ms)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, off = 0;

    if (!s || digits(&s, 4, &y) || expect(&s, '-') || digits(&s, 2, &mo) || expect(&s, '-')
        || digits(&s, 2, &d)) {
        return -1;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] + (mo == 2 && sb_is_leap_year(y))) {
        return -1;
    }
    if (*s != 'T' && *s != 't') {
        return -1;
    }
    s++;
    if (digits(&s, 2, &h) || expect(&s, ':') || digits(&s, 2, &mi)) {
        return -1;
    }
    if (*s == ':') {
        s++;
        if (digits(&s, 2, &sec)) {
            return -1;
        }
        if (*s == '.') {
            int n = 0, scale = 100;
            s++;
            while (*s >= '0' && *s <= '9') {
                if (n < 3) {
                    frac += (*s - '0') * scale;
                    scale /= 10;
                }
                n++;
                s++;
            }
            if (n == 0 || n > 9) {
                return -1;
            }
        }
    }
    if (h > 23 || mi > 59 || sec > 59) {
        return -1;
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    }
    else if (*s == '+' || *s == '-') {
        int sign = *s == '-' ? -1 : 1, oh, om;
        s++;
        if (digits(&s, 2, &oh) || expect(&s, ':') || digits(&s, 2, &om) || oh > 23 || om > 59) {
            return -1;
        }
        off = sign * (oh * 60 + om);
    }
    else {
        return -1;
    }
    if (*s) {
        return -1;
    }
    *ms = ((sb_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - (int64_t)off * 60)
              * 1000
          + frac;
    return 0;
}

/* The stage histograms of --stats (see sbrt_stats.h). */
#include "sbrt_stats.h"

#include <stdio.h>
#include <time.h>

#define SUB     8                /* buckets per power of two */
#define BUCKETS (SUB + 40 * SUB) /* up to 2^43 us */

static const char *const stage_names[SBRT_STAGE_N] = {"queue", "store", "tail",
                                                      "wake",  "write", "total"};

static struct {
    const char *path;
    int on;
    uint64_t count[SBRT_STAGE_N][BUCKETS];
    int64_t max[SBRT_STAGE_N];
} stats;

int64_t sbrt_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void sbrt_stats_enable(const char *path)
{
    stats.path = path;
    stats.on = 1;
}

int sbrt_stats_enabled(void)
{
    return stats.on;
}

/* The bucket of v: v itself below SUB, then SUB buckets per power of two. */
static int bucket_of(uint64_t v)
{
    int e, i;

    if (v < SUB) {
        return (int)v;
    }
    e = 63 - __builtin_clzll(v); /* e >= 3 */
    i = SUB + (e - 3) * SUB + (int)((v >> (e - 3)) & (SUB - 1));
    return i < BUCKETS ? i : BUCKETS - 1;
}

/* The largest value of bucket i. */
static uint64_t bucket_top(int i)
{
    int e, sub;

    if (i < SUB) {
        return (uint64_t)i;
    }
    e = (i - SUB) / SUB + 3;
    sub = (i - SUB) % SUB;
    return ((uint64_t)(SUB + sub + 1) << (e - 3)) - 1;
}

void sbrt_stats_add(sbrt_stage_t st, int64_t us)
{
    int64_t m;

    if (!stats.on || us < 0) {
        return;
    }
    __atomic_fetch_add(&stats.count[st][bucket_of((uint64_t)us)], 1, __ATOMIC_RELAXED);
    m = __atomic_load_n(&stats.max[st], __ATOMIC_RELAXED);
    while (us > m
           && !__atomic_compare_exchange_n(&stats.max[st], &m, us, 1, __ATOMIC_RELAXED,
                                           __ATOMIC_RELAXED)) {
    }
}

/* The value at quantile q of counts (total n): the top of its bucket, not above max. */
static uint64_t quantile(const uint64_t *counts, uint64_t n, double q, int64_t max)
{
    uint64_t want = (uint64_t)((double)n * q), seen = 0, top;
    int i;

    for (i = 0; i < BUCKETS; i++) {
        seen += counts[i];
        if (seen > want) {
            break;
        }
    }
    top = bucket_top(i < BUCKETS ? i : BUCKETS - 1);
    return top > (uint64_t)max ? (uint64_t)max : top;
}

int sbrt_stats_dump(void)
{
    static const double qs[] = {0.5, 0.9, 0.99};
    static const char *const qnames[] = {"p50", "p90", "p99"};
    uint64_t counts[BUCKETS];
    char tmp[4096];
    FILE *f;
    int st, i, ok;

    if (!stats.on || snprintf(tmp, sizeof tmp, "%s.tmp", stats.path) >= (int)sizeof tmp
        || !(f = fopen(tmp, "w"))) {
        return -1;
    }
    fputc('{', f);
    for (st = 0; st < SBRT_STAGE_N; st++) {
        uint64_t n = 0;
        int64_t max = __atomic_exchange_n(&stats.max[st], 0, __ATOMIC_RELAXED);
        for (i = 0; i < BUCKETS; i++) {
            counts[i] = __atomic_exchange_n(&stats.count[st][i], 0, __ATOMIC_RELAXED);
            n += counts[i];
        }
        fprintf(f, "%s\"%s\":{\"n\":%llu", st ? "," : "", stage_names[st], (unsigned long long)n);
        for (i = 0; i < 3; i++) {
            fprintf(f, ",\"%s\":%llu", qnames[i],
                    n ? (unsigned long long)quantile(counts, n, qs[i], max) : 0ULL);
        }
        fprintf(f, ",\"max\":%lld}", (long long)max);
    }
    fputs("}\n", f);
    ok = fclose(f) == 0;
    return ok && rename(tmp, stats.path) == 0 ? 0 : -1;
}

/*
 * Rate limiting: a sliding-window counter over a fixed-size table that lives in a
 * file-backed shared mapping, so every httpd child (any MPM) and unrelated processes such
 * as skillbarter-realtime count against the same numbers.
 *
 * Segment layout (one file, mapped MAP_SHARED; offsets only, never pointers):
 *   sb_rl_header_t   magic/version/sizes, hash seed, the lock, the limiter definitions
 *   sb_rl_entry_t[]  `capacity` slots, open addressing with a bounded probe window
 *
 * The lock is a process-shared, robust pthread mutex inside the header: any process that
 * maps the file can take it, and a process that dies holding it does not wedge the others
 * (the next locker gets EOWNERDEAD and marks it consistent).
 *
 * Why not httpd's own pattern (ap_mutex_register in pre_config, ap_global_mutex_create in
 * post_config, an attach in child_init, as mod_authn_socache does)? That mutex exists only
 * inside httpd's process tree: it is made by the parent and inherited through fork, so
 * skillbarter-realtime and sbctl, which attach to the same file from outside, could not take
 * it. And its default mechanisms (fcntl, flock, SysV semaphores) do not tell the next locker
 * that a holder died mid-update; the robust mutex does, and the table stays usable. Living in
 * the mapping, the lock goes wherever the file goes and needs no Mutex directive.
 *
 * Algorithm, per (limiter, key): two epoch-aligned fixed windows of length W, weighted:
 *   used = cur + ceil(prev * (W - elapsed) / W)
 * A request of cost 1 passes when used + 1 <= max. A full previous window therefore blocks
 * the start of the next one: no double burst at a window edge. A clock that steps backwards
 * is clamped to the window start (counts are kept, nothing is forgiven).
 */
#ifndef SB_RATELIMIT_H
#define SB_RATELIMIT_H

#include <stdint.h>
#include <apr_file_info.h>
#include <apr_pools.h>

#define SB_RL_NAME_MAX         32 /* limiter name, including the NUL */
#define SB_RL_MAX_LIMITERS     32 /* definitions kept in the segment header */
#define SB_RL_MIN_CAPACITY     1024
#define SB_RL_MAX_CAPACITY     (16 * 1024 * 1024)
#define SB_RL_DEFAULT_CAPACITY 65536
#define SB_RL_MAX_WINDOW_S     (366 * 86400)
#define SB_RL_MAX_LIMIT        100000000 /* keeps prev * window_ms inside 64 bits */

/* Key prefixes: the same caller is the same key in every process. */
#define SB_RL_KEY_IP   "ip:"
#define SB_RL_KEY_USER "u:"

typedef struct sb_rl_table sb_rl_table_t;

/* A limiter definition, as declared by SkillBarterRateLimit and published in the segment. */
typedef struct {
    char name[SB_RL_NAME_MAX];
    uint32_t max; /* requests per window; 0 = declared but off */
    uint32_t window_s;
    uint32_t flags; /* SB_RL_F_* */
    uint32_t reserved;
} sb_rl_def_t;

#define SB_RL_F_KEY_USER     0x1 /* key by user id when authenticated, else by IP */
#define SB_RL_F_SKIP_SUCCESS 0x2 /* answers < 400 are refunded */

typedef enum {
    SB_RL_ALLOW = 0, /* counted (or refunded) */
    SB_RL_DENY,      /* over the limit, nothing counted */
    SB_RL_FULL,      /* no slot could be freed in the probe window (every entry there is
                        refusing requests): fail open, nothing counted — unless the hit is
                        fail_closed, which is then DENY */
    SB_RL_RETIRED,   /* the segment was replaced by a new one: attach again */
    SB_RL_NOT_FOUND, /* no such limiter in the segment */
    SB_RL_ERROR      /* the lock is unusable */
} sb_rl_status_t;

/* One check of a request against one limiter. */
typedef struct {
    const char *limiter; /* in: name (for the hash and messages) */
    const char *key;     /* in: "ip:…" or "u:…" */
    uint32_t max;        /* in */
    uint32_t window_s;   /* in */
    int fail_closed;     /* in: refuse (DENY) rather than let through when no slot is free */
    /* out */
    sb_rl_status_t status;
    uint32_t remaining;   /* after this request */
    uint32_t reset_s;     /* seconds until the current window ends */
    uint32_t retry_s;     /* DENY: seconds until one more request would pass */
    int64_t window_start; /* ms; for sb_rl_refund */
} sb_rl_hit_t;

/*
 * Create a fresh segment at path with room for capacity entries: the file is built beside
 * path and renamed over it, then a segment previously at path is marked retired so the
 * processes attached to it move over. perms: file permissions (APR_FPROT_*). The mapping
 * is released when p is cleared; the file stays for other processes to attach.
 * Returns APR_SUCCESS or an error with *why set to a message in p.
 */
apr_status_t sb_rl_create(apr_pool_t *p, const char *path, uint32_t capacity, apr_fileperms_t perms,
                          sb_rl_table_t **out, const char **why);
/* Map an existing segment (another process created it). */
apr_status_t sb_rl_attach(apr_pool_t *p, const char *path, sb_rl_table_t **out, const char **why);

/* Publish the limiter definitions in the segment (replaces the previous set). */
void sb_rl_publish(sb_rl_table_t *t, const sb_rl_def_t *defs, int n);
/* Copy up to max published definitions into defs; returns how many. */
int sb_rl_definitions(sb_rl_table_t *t, sb_rl_def_t *defs, int max);
/* Copy the published definition named name into *def; 0 when found. */
int sb_rl_lookup(sb_rl_table_t *t, const char *name, sb_rl_def_t *def);

/*
 * Check and count n hits atomically, at time now_ms: either every hit with status ALLOW is
 * counted, or — when any is DENY — none is. A new key in a crowded probe window evicts the
 * live entry whose window ends soonest, never one that is refusing requests; when all of them
 * are, the hit is FULL and skipped (fail open), or DENY when it is fail_closed. Returns
 * SB_RL_DENY when any hit is denied, SB_RL_ALLOW otherwise (RETIRED/ERROR: nothing done).
 * *warn_full is set to 1 at most once a minute across all processes when a hit was FULL or
 * evicted an entry.
 */
sb_rl_status_t sb_rl_consume(sb_rl_table_t *t, sb_rl_hit_t *hits, int n, int64_t now_ms,
                             int *warn_full);
/* Give back one hit counted in the window starting at window_start (skip-successful). */
void sb_rl_refund(sb_rl_table_t *t, const sb_rl_hit_t *hit, int64_t now_ms);

/* Convenience for other processes: one hit against a published limiter. */
sb_rl_status_t sb_rl_hit_named(sb_rl_table_t *t, const char *limiter, const char *key,
                               int64_t now_ms, sb_rl_hit_t *out);

/* 1 when the segment was replaced (attach again). */
int sb_rl_retired(const sb_rl_table_t *t);
/* Entries the table holds. */
uint32_t sb_rl_capacity(const sb_rl_table_t *t);
/* The file the table is mapped from. */
const char *sb_rl_path(const sb_rl_table_t *t);

/* Entries in use (not expired at now_ms) and capacity, for diagnostics and tests. */
uint32_t sb_rl_used(sb_rl_table_t *t, int64_t now_ms, uint32_t *capacity);
/* Size in bytes of a segment holding capacity entries. */
apr_size_t sb_rl_segment_size(uint32_t capacity);

#endif

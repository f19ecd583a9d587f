/*
 * Internal to the MongoDB driver: the discovery aggregates behind category_counts and
 * trending_skills (mongo_aggregates.c), kept so that neither reads every user.
 *
 * discover_counts holds one document per key, {_id: key, n}: per category the counted users
 * offering a skill in it ({t: "c", c}), per lower-cased skill name the counted users offering
 * it ({t: "k", s}), and per spelling the offered skill rows of counted users ({t: "n", s, k,
 * c}, c "" for none). "Counted" is SQLite's sql/007 rule: active, and not banned or banned
 * with an expiry; the readers subtract the users whose timed ban is in force at the instant
 * asked, so the answers equal a from-scratch count of the users visible then.
 *
 * Every write that changes a user's offered skills or counted state (the guarded edits of
 * mongo_user_edit.c, user_create, users_bulk_insert) adds the difference of the user's
 * contribution before and after: in its transaction where the deployment has them; without,
 * the user's own write records the keys it will change (aggPending: {op, t, keys}), the
 * counters are incremented, and the entry is taken off. sb_mongo_agg_recover counts the keys
 * of entries a stopped process left (older than SB_MONGO_RECOVER_AFTER_MS) afresh.
 */
#ifndef SB_MONGO_AGGREGATES_H
#define SB_MONGO_AGGREGATES_H

#include "mongo_int.h"

#define SB_MONGO_COUNTS "discover_counts"

typedef struct {
    char t;                /* 'c' category, 'k' skill name, 'n' spelling */
    const char *s, *k, *c; /* skill lower-cased, skill as written, category ("" none) */
    int64_t n;
} sb_mongo_agg_t;

/* 1 when u counts for the aggregates (active, and not banned or banned with an expiry). */
int sb_mongo_user_counted(const sb_user_t *u);
/* sign * u's contribution (none when u is NULL or not counted) merged into delta (array of
 * sb_mongo_agg_t, entries of the same key summed). */
void sb_mongo_agg_add(apr_pool_t *p, apr_array_header_t *delta, const sb_user_t *u, int sign);
/* The number of entries of delta whose n is not 0. */
int sb_mongo_agg_changes(const apr_array_header_t *delta);
/* The key document of a under key of b. */
void sb_mongo_agg_key(bson_t *b, const char *key, const sb_mongo_agg_t *a);
/* {_id: key} and {$inc: {n}} of one entry (applied as an upsert). */
void sb_mongo_agg_update(bson_t *filter, bson_t *update, const sb_mongo_agg_t *a);
/* The aggPending entry of a write without a transaction: {op, t, keys: [changed keys]}. */
void sb_mongo_agg_pending(bson_t *b, const char *op, int64_t now, const apr_array_header_t *delta);
/* Increment the counters by the entries of delta (opts: the step's session or NULL). */
sb_store_status_t sb_mongo_agg_apply(sb_store_conn_t *c, const bson_t *opts,
                                     const apr_array_header_t *delta, sb_store_error_t *err);
/* {$pull: {aggPending: {op}}} on the users in filter. */
sb_store_status_t sb_mongo_agg_done(sb_store_conn_t *c, const bson_t *filter, const char *op,
                                    sb_store_error_t *err);
/* Users with a timed ban in force at now (the ones the readers subtract). */
void sb_mongo_timed_banned_filter(bson_t *b, int64_t now);
/* ---- trending by sessions (mongo_trend.c): the sessions counted per hour ---- */

#define SB_MONGO_HOURS "session_hours"

typedef enum {
    SB_MONGO_TREND_COUNT,   /* a booked session counted, once (its id kept in keys) */
    SB_MONGO_TREND_SETTLED, /* its booking complete: the id off keys */
    SB_MONGO_TREND_BACK     /* its booking taken back: the count off, if it was counted */
} sb_mongo_trend_op_t;

/* The filter and update of op on the bucket of a session (created_at, skill, category); the
 * count's update is a pipeline applied as an upsert. 0 for a bad id. */
int sb_mongo_trend_note(bson_t *filter, bson_t *update, sb_mongo_trend_op_t op,
                        const char *session_id, int64_t created_at, const char *skill,
                        const char *category);
/* op written (opts: the step's session or NULL). */
sb_store_status_t sb_mongo_trend_apply(sb_store_conn_t *c, const bson_t *opts,
                                       sb_mongo_trend_op_t op, const char *session_id,
                                       int64_t created_at, const char *skill, const char *category,
                                       sb_store_error_t *err);
/* The first hour wholly inside a window starting at since. */
int64_t sb_mongo_trend_first_hour(int64_t since);
/* The buckets from first_hour on, grouped by lower-cased name: {_id, skill, category, n}. */
void sb_mongo_trend_hours_pipeline(bson_t *pipeline, int64_t first_hour);
/* The sessions created in [since, until) grouped the same way (the window's partial hour). */
void sb_mongo_trend_partial_pipeline(bson_t *pipeline, int64_t since, int64_t until);
/* One name of the window: its key (lower-cased), count, least spelling, greatest category. */
typedef struct {
    const char *lower;
    sb_skill_count_t k;
} sb_mongo_trend_t;
/* An empty array of sb_mongo_trend_t; a grouped row merged into it by name (as SQL's sum,
 * min(skill), max(nullif(category, ''))); the top limit with a count into out (an array of
 * sb_skill_count_t), most first, then by name. */
apr_array_header_t *sb_mongo_trend_names(apr_pool_t *p);
void sb_mongo_trend_row(apr_pool_t *p, const bson_t *doc, void *names);
void sb_mongo_trend_top(apr_array_header_t *names, int limit, apr_array_header_t *out);
/* The sessions no booking counted (an earlier version's: no inHours) grouped by bucket and
 * merged into the buckets' b; run once at start (sb_mongo_trend_backfill, marked done in
 * counters). */
void sb_mongo_trend_backfill_pipeline(bson_t *pipeline);
sb_store_status_t sb_mongo_trend_backfill(sb_store_conn_t *c, sb_store_error_t *err);
/* The top limit names of the sessions created from since on into out. */
sb_store_status_t sb_mongo_trend_sessions(sb_store_conn_t *c, apr_pool_t *p, int64_t since,
                                          int limit, apr_array_header_t *out,
                                          sb_store_error_t *err);
/* A discover_counts document pushed onto ctx (an array of sb_mongo_agg_t) as its key's
 * fields and n. */
void sb_mongo_agg_from_doc(apr_pool_t *p, const bson_t *doc, void *ctx);
/* The users pipeline yielding {n}: key a counted from scratch (the recovery's count). */
void sb_mongo_agg_recount_pipeline(bson_t *pipeline, const sb_mongo_agg_t *a);
/* Count the keys of aggPending entries older than before afresh; *fixed users repaired
 * (mongo_agg_recover.c). */
sb_store_status_t sb_mongo_agg_recover(sb_store_conn_t *c, int64_t before, int *fixed,
                                       sb_store_error_t *err);

sb_store_status_t sb_mongo_category_counts(sb_store_conn_t *c, int64_t now,
                                           const char *const *categories, int n, int64_t *counts,
                                           sb_store_error_t *err);
sb_store_status_t sb_mongo_trending_skills(sb_store_conn_t *c, apr_pool_t *p, int64_t since,
                                           int64_t now, int limit, apr_array_header_t **out,
                                           const char **source, sb_store_error_t *err);

#endif

/*
 * MongoDB driver: trending skills by sessions without reading the window's sessions. Every
 * booking counts its session in session_hours, one document per (hour of createdAt, skill,
 * category): {_id: {h, s, c ("" for none)}, hour, n, keys}, as SQLite's discover_session_hours
 * (sql/007). Trending sums the hours wholly inside the window (index hour) and reads the
 * sessions of its partial first hour (index sessions.created), so a read costs the distinct
 * (hour, skill) pairs of the window and one hour's sessions, not every session of the window.
 *
 * The count is idempotent: it is one pipeline update (an upsert) that adds 1 and the
 * session's id to keys only when keys does not hold the id, and the id stays in keys until
 * the booking's intent is off. So the recovery that completes a booking cut short
 * (mongo_sessions.c) counts it again without counting it twice, and a booking it takes back
 * takes its count back. Sessions are never deleted otherwise, nor change createdAt, skill or
 * category, so the buckets stay exact.
 *
 * Sessions this version books carry inHours: true. Those an earlier version booked are
 * counted once by the start-up backfill into the buckets' b (set, not added: a backfill run
 * again, or by two processes at once, writes the same numbers), marked done in counters; the
 * readers add n and b. (A session an earlier version still running books after the backfill
 * is left out until it falls out of the window.)
 */
#include "mongo_aggregates.h"
#include "mongo_messages.h"

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

#define SB_HOUR_MS ((int64_t)3600000)

/* {h, s, c} of a session created at created_at, under key of b. */
static void sb_mongo_trend_id(bson_t *b, const char *key, int64_t created_at, const char *skill,
                              const char *category)
{
    bson_t id;

    bson_append_document_begin(b, key, -1, &id);
    BSON_APPEND_INT64(&id, "h", created_at / SB_HOUR_MS);
    BSON_APPEND_UTF8(&id, "s", skill ? skill : "");
    BSON_APPEND_UTF8(&id, "c", category ? category : "");
    bson_append_document_end(b, &id);
}

int sb_mongo_trend_note(bson_t *filter, bson_t *update, sb_mongo_trend_op_t op,
                        const char *session_id, int64_t created_at, const char *skill,
                        const char *category)
{
    bson_init(filter);
    bson_init(update);
    if (!sb_id_valid(session_id)) {
        bson_destroy(filter);
        bson_destroy(update);
        return 0;
    }
    sb_mongo_trend_id(filter, "_id", created_at, skill, category);
    bson_destroy(update);
    switch (op) {
    case SB_MONGO_TREND_COUNT: /* add 1 and the key unless the key is there */
        return sb_mongo_json_array(update,
                                   "[{\"$set\": {\"keys\": {\"$ifNull\": [\"$keys\", []]}}},"
                                   " {\"$set\": {\"hour\": {\"$numberLong\": \"%" APR_INT64_T_FMT
                                   "\"},"
                                   "   \"n\": {\"$add\": [{\"$ifNull\": [\"$n\", 0]},"
                                   "     {\"$cond\": [{\"$in\": [\"%s\", \"$keys\"]}, 0, 1]}]},"
                                   "   \"keys\": {\"$setUnion\": [\"$keys\", [\"%s\"]]}}}]",
                                   created_at / SB_HOUR_MS, session_id, session_id);
    case SB_MONGO_TREND_SETTLED: /* the booking is whole: its key can go */
        return sb_mongo_json_doc(update, "{\"$pull\": {\"keys\": \"%s\"}}", session_id);
    default: /* the booking taken back: its count too, if it was counted */
        BSON_APPEND_UTF8(filter, "keys", session_id);
        return sb_mongo_json_doc(update,
                                 "{\"$inc\": {\"n\": {\"$numberLong\": \"-1\"}},"
                                 " \"$pull\": {\"keys\": \"%s\"}}",
                                 session_id);
    }
}

sb_store_status_t sb_mongo_trend_apply(sb_store_conn_t *c, const bson_t *opts,
                                       sb_mongo_trend_op_t op, const char *session_id,
                                       int64_t created_at, const char *skill, const char *category,
                                       sb_store_error_t *err)
{
    bson_t filter, update, uo;
    sb_store_status_t st;

    if (!sb_mongo_trend_note(&filter, &update, op, session_id, created_at, skill, category)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "session hours: bad id");
    }
    if (op == SB_MONGO_TREND_COUNT) {
        sb_mongo_upsert_opts(&uo, opts);
        st = sb_mongo_update(c, SB_MONGO_HOURS, &filter, &update, &uo, 0, NULL, "session hours",
                             err);
        bson_destroy(&uo);
    }
    else {
        st = sb_mongo_update(c, SB_MONGO_HOURS, &filter, &update, opts, 0, NULL, "session hours",
                             err);
    }
    bson_destroy(&filter);
    bson_destroy(&update);
    return st;
}

int64_t sb_mongo_trend_first_hour(int64_t since)
{
    return since <= 0 ? 0 : (since + SB_HOUR_MS - 1) / SB_HOUR_MS;
}

void sb_mongo_trend_hours_pipeline(bson_t *pipeline, int64_t first_hour)
{
    sb_mongo_json_array(
        pipeline,
        "[{\"$match\": {\"hour\": {\"$gte\": {\"$numberLong\": \"%" APR_INT64_T_FMT "\"}}}},"
        " {\"$group\": {\"_id\": {\"$toLower\": \"$_id.s\"},"
        "   \"skill\": {\"$min\": \"$_id.s\"}, \"category\": {\"$max\": \"$_id.c\"},"
        "   \"n\": {\"$sum\": {\"$add\": [{\"$ifNull\": [\"$n\", 0]},"
        "     {\"$ifNull\": [\"$b\", 0]}]}}}}]",
        first_hour);
}

void sb_mongo_trend_partial_pipeline(bson_t *pipeline, int64_t since, int64_t until)
{
    sb_mongo_json_array(
        pipeline,
        "[{\"$match\": {\"createdAt\": {\"$gte\": {\"$date\": {\"$numberLong\": \"%" APR_INT64_T_FMT
        "\"}}, \"$lt\": {\"$date\": {\"$numberLong\": \"%" APR_INT64_T_FMT "\"}}}}},"
        " {\"$group\": {\"_id\": {\"$toLower\": \"$skill\"},"
        "   \"skill\": {\"$min\": \"$skill\"}, \"category\": {\"$max\": \"$category\"},"
        "   \"n\": {\"$sum\": 1}}}]",
        since, until);
}

void sb_mongo_trend_row(apr_pool_t *p, const bson_t *doc, void *ctx)
{
    apr_array_header_t *names = ctx;
    const char *lower = sb_mongo_doc_str(p, doc, "_id");
    const char *skill = sb_mongo_doc_str(p, doc, "skill");
    const char *cat = sb_mongo_doc_str(p, doc, "category");
    sb_mongo_trend_t *t = NULL;
    int i;

    if (!lower || !skill) {
        return;
    }
    for (i = 0; i < names->nelts && !t; i++) {
        if (!strcmp(APR_ARRAY_IDX(names, i, sb_mongo_trend_t).lower, lower)) {
            t = &APR_ARRAY_IDX(names, i, sb_mongo_trend_t);
        }
    }
    if (!t) {
        t = apr_array_push(names);
        memset(t, 0, sizeof(*t));
        t->lower = lower;
    }
    t->k.count += sb_mongo_doc_int(doc, "n");
    if (!t->k.skill || strcmp(skill, t->k.skill) < 0) {
        t->k.skill = skill;
    }
    if (cat && *cat && (!t->k.category || strcmp(cat, t->k.category) > 0)) {
        t->k.category = cat;
    }
}

static int sb_mongo_trend_cmp(const void *a, const void *b)
{
    const sb_mongo_trend_t *x = a, *y = b;

    if (x->k.count != y->k.count) {
        return x->k.count > y->k.count ? -1 : 1;
    }
    return strcmp(x->lower, y->lower);
}

void sb_mongo_trend_top(apr_array_header_t *names, int limit, apr_array_header_t *out)
{
    int i;

    qsort(names->elts, (size_t)names->nelts, sizeof(sb_mongo_trend_t), sb_mongo_trend_cmp);
    for (i = 0; i < names->nelts && out->nelts < limit; i++) {
        const sb_mongo_trend_t *t = &APR_ARRAY_IDX(names, i, sb_mongo_trend_t);
        if (t->k.count > 0) {
            *(sb_skill_count_t *)apr_array_push(out) = t->k;
        }
    }
}

apr_array_header_t *sb_mongo_trend_names(apr_pool_t *p)
{
    return apr_array_make(p, 16, sizeof(sb_mongo_trend_t));
}

sb_store_status_t sb_mongo_trend_sessions(sb_store_conn_t *c, apr_pool_t *p, int64_t since,
                                          int limit, apr_array_header_t *out, sb_store_error_t *err)
{
    apr_array_header_t *names = sb_mongo_trend_names(p);
    int64_t first = sb_mongo_trend_first_hour(since);
    bson_t pipeline;
    sb_store_status_t st;

    sb_mongo_trend_hours_pipeline(&pipeline, first);
    st = sb_mongo_aggregate_each(c, p, SB_MONGO_HOURS, &pipeline, sb_mongo_trend_row, names,
                                 "trending hours", err);
    bson_destroy(&pipeline);
    if (st == SB_STORE_OK && since < first * SB_HOUR_MS) {
        sb_mongo_trend_partial_pipeline(&pipeline, since, first * SB_HOUR_MS);
        st = sb_mongo_aggregate_each(c, p, "sessions", &pipeline, sb_mongo_trend_row, names,
                                     "trending", err);
        bson_destroy(&pipeline);
    }
    if (st == SB_STORE_OK) {
        sb_mongo_trend_top(names, limit, out);
    }
    return st;
}

/* ---- the backfill of sessions booked before this version ---- */

#define SB_MONGO_BACKFILL "{\"_id\": \"sessionHoursBackfill\"}"

void sb_mongo_trend_backfill_pipeline(bson_t *pipeline)
{
    sb_mongo_json_array(
        pipeline,
        "[{\"$match\": {\"inHours\": {\"$exists\": false}}},"
        " {\"$group\": {\"_id\": {"
        "   \"h\": {\"$toLong\": {\"$floor\": {\"$divide\": [{\"$toLong\": \"$createdAt\"},"
        "     3600000]}}},"
        "   \"s\": {\"$ifNull\": [\"$skill\", \"\"]}, \"c\": {\"$ifNull\": [\"$category\", \"\"]}},"
        "   \"b\": {\"$sum\": {\"$numberLong\": \"1\"}}}},"
        " {\"$set\": {\"hour\": \"$_id.h\"}},"
        " {\"$merge\": {\"into\": \"" SB_MONGO_HOURS "\", \"on\": \"_id\","
        "   \"whenMatched\": [{\"$set\": {\"b\": \"$$new.b\", \"hour\": \"$$new.hour\"}}],"
        "   \"whenNotMatched\": \"insert\"}}]");
}

sb_store_status_t sb_mongo_trend_backfill(sb_store_conn_t *c, sb_store_error_t *err)
{
    bson_t filter, doc, pipeline, update, uo, res;
    sb_store_status_t st;

    sb_mongo_json_doc(&filter, SB_MONGO_BACKFILL);
    st = sb_mongo_find_one(c, "counters", &filter, NULL, &doc, "hours backfill", err);
    bson_destroy(&doc);
    if (st == SB_STORE_NOT_FOUND) { /* not done yet */
        sb_mongo_not_found_ok(st, err);
        sb_mongo_trend_backfill_pipeline(&pipeline);
        /* $merge answers no documents: the first read runs all of it */
        st = sb_mongo_aggregate_one(c, "sessions", &pipeline, &res, "hours backfill", err);
        bson_destroy(&res);
        bson_destroy(&pipeline);
        if (st == SB_STORE_OK) {
            sb_mongo_json_doc(&update, "{\"$set\": {\"done\": true}}");
            sb_mongo_upsert_opts(&uo, NULL);
            st = sb_mongo_update(c, "counters", &filter, &update, &uo, 0, NULL, "hours backfill",
                                 err);
            bson_destroy(&uo);
            bson_destroy(&update);
        }
    }
    bson_destroy(&filter);
    return st;
}

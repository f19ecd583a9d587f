/*
 * MongoDB driver: the recovery of the discovery aggregates (mongo_aggregates.h). A write
 * without a transaction leaves a pending entry on the user (aggPending: {op, t, keys}) until
 * the counters have its difference; an entry older than the recovery's horizon belongs to a
 * process that stopped half way, so each of its keys is counted afresh from the users and
 * the entry is taken off (the count first: cut short again, the next recovery does it again).
 */
#include "mongo_aggregates.h"
#include "mongo_users.h"

#include <apr_strings.h>

/* Counted users (the rule of sb_mongo_user_counted) as find terms appended to b. */
static void sb_mongo_counted_terms(bson_t *b)
{
    bson_t alt, one, gt;

    BSON_APPEND_BOOL(b, "isActive", true);
    BSON_APPEND_ARRAY_BEGIN(b, "$or", &alt);
    BSON_APPEND_DOCUMENT_BEGIN(&alt, "0", &one);
    BSON_APPEND_BOOL(&one, "isBanned", false);
    bson_append_document_end(&alt, &one);
    BSON_APPEND_DOCUMENT_BEGIN(&alt, "1", &one);
    BSON_APPEND_DOCUMENT_BEGIN(&one, "banExpiresAt", &gt);
    bson_append_date_time(&gt, "$gt", -1, 0);
    bson_append_document_end(&one, &gt);
    bson_append_document_end(&alt, &one);
    bson_append_array_end(b, &alt);
}

void sb_mongo_agg_recount_pipeline(bson_t *pipeline, const sb_mongo_agg_t *a)
{
    bson_t st, m;
    int i = 0;
    char buf[16];
    const char *k;

    bson_init(pipeline);
    bson_uint32_to_string((uint32_t)i++, &k, buf, sizeof(buf));
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, k, &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$match", &m);
    sb_mongo_counted_terms(&m);
    if (a->t == 'c') {
        BSON_APPEND_UTF8(&m, "skillsOffered.category", a->c ? a->c : "");
    }
    else {
        BSON_APPEND_UTF8(&m, "skillsOffered.skillLower", a->s ? a->s : "");
    }
    bson_append_document_end(&st, &m);
    bson_append_document_end(pipeline, &st);
    if (a->t == 'n') {
        bson_uint32_to_string((uint32_t)i++, &k, buf, sizeof(buf));
        BSON_APPEND_DOCUMENT_BEGIN(pipeline, k, &st);
        BSON_APPEND_UTF8(&st, "$unwind", "$skillsOffered");
        bson_append_document_end(pipeline, &st);
        bson_uint32_to_string((uint32_t)i++, &k, buf, sizeof(buf));
        BSON_APPEND_DOCUMENT_BEGIN(pipeline, k, &st);
        BSON_APPEND_DOCUMENT_BEGIN(&st, "$match", &m);
        BSON_APPEND_UTF8(&m, "skillsOffered.skillLower", a->s ? a->s : "");
        BSON_APPEND_UTF8(&m, "skillsOffered.skill", a->k ? a->k : "");
        if (a->c && *a->c) {
            BSON_APPEND_UTF8(&m, "skillsOffered.category", a->c);
        }
        else {
            BSON_APPEND_NULL(&m, "skillsOffered.category");
        }
        bson_append_document_end(&st, &m);
        bson_append_document_end(pipeline, &st);
    }
    bson_uint32_to_string((uint32_t)i++, &k, buf, sizeof(buf));
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, k, &st);
    BSON_APPEND_UTF8(&st, "$count", "n");
    bson_append_document_end(pipeline, &st);
}

/* One stale entry of a user: its op and keys. */
typedef struct {
    const char *user_id;
    const char *op;
    apr_array_header_t *keys; /* of sb_mongo_agg_t */
} sb_mongo_stale_t;

typedef struct {
    apr_array_header_t *stale;
    int64_t before;
} sb_mongo_stale_ctx_t;

static void sb_mongo_stale_keys(apr_pool_t *p, const bson_t *key, void *ctx)
{
    bson_t wrap = BSON_INITIALIZER;

    BSON_APPEND_DOCUMENT(&wrap, "_id", key);
    sb_mongo_agg_from_doc(p, &wrap, ctx);
    bson_destroy(&wrap);
}

static void sb_mongo_stale_entry(apr_pool_t *p, const bson_t *entry, void *ctx)
{
    sb_mongo_stale_ctx_t *x = ctx;
    sb_mongo_stale_t *s;

    if (sb_mongo_get_time(entry, "t") >= x->before) {
        return;
    }
    s = apr_array_push(x->stale);
    s->user_id = NULL;
    s->op = sb_mongo_doc_str(p, entry, "op");
    s->keys = apr_array_make(p, 4, sizeof(sb_mongo_agg_t));
    sb_mongo_each_doc(p, entry, "keys", sb_mongo_stale_keys, s->keys);
}

static void sb_mongo_stale_user(apr_pool_t *p, const bson_t *doc, void *ctx)
{
    sb_mongo_stale_ctx_t *x = ctx;
    char id[SB_ID_LEN + 1];
    int i, from = x->stale->nelts;

    if (!sb_mongo_doc_id(doc, "_id", id)) {
        return;
    }
    sb_mongo_each_doc(p, doc, "aggPending", sb_mongo_stale_entry, x);
    for (i = from; i < x->stale->nelts; i++) {
        APR_ARRAY_IDX(x->stale, i, sb_mongo_stale_t).user_id = apr_pstrdup(p, id);
    }
}

/* Key a counted afresh and stored. */
static sb_store_status_t sb_mongo_agg_recount(sb_store_conn_t *c, const sb_mongo_agg_t *a,
                                              sb_store_error_t *err)
{
    bson_t pipeline, res, filter = BSON_INITIALIZER, update = BSON_INITIALIZER, set, uo;
    sb_store_status_t st;

    sb_mongo_agg_recount_pipeline(&pipeline, a);
    st = sb_mongo_aggregate_one(c, "users", &pipeline, &res, "recount", err);
    if (st == SB_STORE_OK) {
        sb_mongo_agg_key(&filter, "_id", a);
        BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
        BSON_APPEND_INT64(&set, "n", sb_mongo_doc_int(&res, "n"));
        bson_append_document_end(&update, &set);
        sb_mongo_upsert_opts(&uo, NULL);
        st = sb_mongo_update(c, SB_MONGO_COUNTS, &filter, &update, &uo, 0, NULL, "recount", err);
        bson_destroy(&uo);
    }
    bson_destroy(&res);
    bson_destroy(&pipeline);
    bson_destroy(&filter);
    bson_destroy(&update);
    return st;
}

sb_store_status_t sb_mongo_agg_recover(sb_store_conn_t *c, int64_t before, int *fixed,
                                       sb_store_error_t *err)
{
    sb_mongo_stale_ctx_t x = {apr_array_make(c->pool, 4, sizeof(sb_mongo_stale_t)), before};
    bson_t filter = BSON_INITIALIZER, lt, opts = BSON_INITIALIZER, proj;
    sb_store_status_t st;
    int i, j;

    BSON_APPEND_DOCUMENT_BEGIN(&filter, "aggPending.t", &lt);
    bson_append_date_time(&lt, "$lt", -1, before);
    bson_append_document_end(&filter, &lt);
    BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
    BSON_APPEND_INT32(&proj, "aggPending", 1);
    bson_append_document_end(&opts, &proj);
    st = sb_mongo_find_each(c, c->pool, "users", &filter, &opts, sb_mongo_stale_user, &x,
                            "stale counts", err);
    bson_destroy(&filter);
    bson_destroy(&opts);
    for (i = 0; st == SB_STORE_OK && i < x.stale->nelts; i++) {
        const sb_mongo_stale_t *s = &APR_ARRAY_IDX(x.stale, i, sb_mongo_stale_t);
        for (j = 0; st == SB_STORE_OK && j < s->keys->nelts; j++) {
            st = sb_mongo_agg_recount(c, &APR_ARRAY_IDX(s->keys, j, sb_mongo_agg_t), err);
        }
        if (st == SB_STORE_OK && s->op && sb_mongo_filter_user_id(&filter, s->user_id)) {
            st = sb_mongo_agg_done(c, &filter, s->op, err);
            bson_destroy(&filter);
        }
        if (st == SB_STORE_OK && fixed) {
            (*fixed)++;
        }
    }
    return st;
}

/*
 * MongoDB driver: the discovery aggregates (mongo_aggregates.h) — a user's contribution and
 * its delta, the counter updates, the recovery of increments cut short, and the two readers:
 * category_counts and trending_skills.
 *
 * (The recovery of increments cut short: mongo_agg_recover.c.)
 *
 * Cost of a read: the category counters (a few documents) or the top names through the
 * index counts_top, plus the users whose timed ban is in force (index timed_ban) and their
 * rows; trending by sessions reads the hours counted in session_hours and one partial hour
 * of sessions (mongo_trend.c), so it follows the distinct (hour, skill) pairs of the window,
 * never the number of users or of sessions.
 */
#include "mongo_aggregates.h"
#include "mongo_users.h"

#include <stdlib.h>
#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

int sb_mongo_user_counted(const sb_user_t *u)
{
    return u->is_active && (!u->is_banned || u->ban_expires_at > 0);
}

static int sb_mongo_agg_same(const sb_mongo_agg_t *a, const sb_mongo_agg_t *b)
{
    return a->t == b->t && !strcmp(a->s ? a->s : "", b->s ? b->s : "")
           && !strcmp(a->k ? a->k : "", b->k ? b->k : "")
           && !strcmp(a->c ? a->c : "", b->c ? b->c : "");
}

static void sb_mongo_agg_put(apr_array_header_t *delta, char t, const char *s, const char *k,
                             const char *c, int64_t n)
{
    sb_mongo_agg_t e = {t, s, k, c, n}, *x;
    int i;

    for (i = 0; i < delta->nelts; i++) {
        x = &APR_ARRAY_IDX(delta, i, sb_mongo_agg_t);
        if (sb_mongo_agg_same(x, &e)) {
            x->n += n;
            return;
        }
    }
    *(sb_mongo_agg_t *)apr_array_push(delta) = e;
}

void sb_mongo_agg_add(apr_pool_t *p, apr_array_header_t *delta, const sb_user_t *u, int sign)
{
    apr_array_header_t *seen;
    int i, j, dup;

    if (!u || !sb_mongo_user_counted(u) || !u->skills_offered) {
        return;
    }
    seen = apr_array_make(p, 8, sizeof(sb_mongo_agg_t));
    for (i = 0; i < u->skills_offered->nelts; i++) {
        const sb_skill_offered_t *s = &APR_ARRAY_IDX(u->skills_offered, i, sb_skill_offered_t);
        const char *low;
        if (!s->skill) {
            continue;
        }
        low = sb_mongo_lower(p, s->skill);
        sb_mongo_agg_put(delta, 'n', low, s->skill, s->category ? s->category : "", sign);
        /* a user counts once per name and once per category */
        sb_mongo_agg_put(seen, 'k', low, NULL, NULL, 1);
        if (s->category) {
            sb_mongo_agg_put(seen, 'c', NULL, NULL, s->category, 1);
        }
    }
    for (i = 0; i < seen->nelts; i++) {
        const sb_mongo_agg_t *e = &APR_ARRAY_IDX(seen, i, sb_mongo_agg_t);
        for (j = 0, dup = 0; j < i && !dup; j++) {
            dup = sb_mongo_agg_same(&APR_ARRAY_IDX(seen, j, sb_mongo_agg_t), e);
        }
        sb_mongo_agg_put(delta, e->t, e->s, NULL, e->c, sign);
    }
}

int sb_mongo_agg_changes(const apr_array_header_t *delta)
{
    int i, n = 0;

    for (i = 0; delta && i < delta->nelts; i++) {
        n += APR_ARRAY_IDX(delta, i, sb_mongo_agg_t).n != 0;
    }
    return n;
}

void sb_mongo_agg_key(bson_t *b, const char *key, const sb_mongo_agg_t *a)
{
    bson_t k;
    char t[2] = {a->t, '\0'};

    bson_append_document_begin(b, key, -1, &k);
    BSON_APPEND_UTF8(&k, "t", t);
    if (a->t != 'c') {
        BSON_APPEND_UTF8(&k, "s", a->s ? a->s : "");
    }
    if (a->t == 'n') {
        BSON_APPEND_UTF8(&k, "k", a->k ? a->k : "");
    }
    if (a->t != 'k') {
        BSON_APPEND_UTF8(&k, "c", a->c ? a->c : "");
    }
    bson_append_document_end(b, &k);
}

void sb_mongo_agg_update(bson_t *filter, bson_t *update, const sb_mongo_agg_t *a)
{
    bson_t inc;

    bson_init(filter);
    sb_mongo_agg_key(filter, "_id", a);
    bson_init(update);
    BSON_APPEND_DOCUMENT_BEGIN(update, "$inc", &inc);
    BSON_APPEND_INT64(&inc, "n", a->n);
    bson_append_document_end(update, &inc);
}

void sb_mongo_agg_pending(bson_t *b, const char *op, int64_t now, const apr_array_header_t *delta)
{
    bson_t keys;
    char buf[16];
    const char *k;
    uint32_t j = 0;
    int i;

    bson_init(b);
    BSON_APPEND_UTF8(b, "op", op);
    sb_mongo_append_time(b, "t", now);
    BSON_APPEND_ARRAY_BEGIN(b, "keys", &keys);
    for (i = 0; i < delta->nelts; i++) {
        const sb_mongo_agg_t *a = &APR_ARRAY_IDX(delta, i, sb_mongo_agg_t);
        if (a->n) {
            bson_uint32_to_string(j++, &k, buf, sizeof(buf));
            sb_mongo_agg_key(&keys, k, a);
        }
    }
    bson_append_array_end(b, &keys);
}

sb_store_status_t sb_mongo_agg_apply(sb_store_conn_t *c, const bson_t *opts,
                                     const apr_array_header_t *delta, sb_store_error_t *err)
{
    bson_t uo, filter, update;
    sb_store_status_t st = SB_STORE_OK;
    int i;

    sb_mongo_upsert_opts(&uo, opts);
    for (i = 0; delta && i < delta->nelts && st == SB_STORE_OK; i++) {
        const sb_mongo_agg_t *a = &APR_ARRAY_IDX(delta, i, sb_mongo_agg_t);
        if (!a->n) {
            continue;
        }
        sb_mongo_agg_update(&filter, &update, a);
        st = sb_mongo_update(c, SB_MONGO_COUNTS, &filter, &update, &uo, 0, NULL, "counts", err);
        bson_destroy(&filter);
        bson_destroy(&update);
    }
    bson_destroy(&uo);
    return st;
}

sb_store_status_t sb_mongo_agg_done(sb_store_conn_t *c, const bson_t *filter, const char *op,
                                    sb_store_error_t *err)
{
    bson_t update = BSON_INITIALIZER, pull, entry;
    sb_store_status_t st;

    BSON_APPEND_DOCUMENT_BEGIN(&update, "$pull", &pull);
    BSON_APPEND_DOCUMENT_BEGIN(&pull, "aggPending", &entry);
    BSON_APPEND_UTF8(&entry, "op", op);
    bson_append_document_end(&pull, &entry);
    bson_append_document_end(&update, &pull);
    st = sb_mongo_update(c, "users", filter, &update, NULL, 1, NULL, "counts done", err);
    bson_destroy(&update);
    return st;
}

void sb_mongo_timed_banned_filter(bson_t *b, int64_t now)
{
    bson_t gt;

    bson_init(b);
    BSON_APPEND_BOOL(b, "isBanned", true);
    BSON_APPEND_DOCUMENT_BEGIN(b, "banExpiresAt", &gt);
    bson_append_date_time(&gt, "$gt", -1, now);
    bson_append_document_end(b, &gt);
    BSON_APPEND_BOOL(b, "isActive", true);
}

/* {projection: the fields a contribution is made of} appended to opts. */
static void sb_mongo_agg_projection(bson_t *opts)
{
    static const char *const fields[] = {"skillsOffered", "isActive", "isBanned", "banExpiresAt"};
    bson_t proj;
    size_t i;

    BSON_APPEND_DOCUMENT_BEGIN(opts, "projection", &proj);
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        BSON_APPEND_INT32(&proj, fields[i], 1);
    }
    bson_append_document_end(opts, &proj);
}

/* ---- reads ---- */

void sb_mongo_agg_from_doc(apr_pool_t *p, const bson_t *doc, void *ctx)
{
    sb_mongo_agg_t a = {0};
    bson_iter_t it;
    bson_t key;
    const uint8_t *data;
    uint32_t len;
    const char *t;

    if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_DOCUMENT(&it)) {
        return;
    }
    bson_iter_document(&it, &len, &data);
    if (!bson_init_static(&key, data, len) || !(t = sb_mongo_doc_str(p, &key, "t"))) {
        return;
    }
    a.t = t[0];
    a.s = sb_mongo_doc_str(p, &key, "s");
    a.k = sb_mongo_doc_str(p, &key, "k");
    a.c = sb_mongo_doc_str(p, &key, "c");
    a.n = sb_mongo_doc_int(doc, "n");
    *(sb_mongo_agg_t *)apr_array_push(ctx) = a;
}

/* The contribution of every user whose timed ban is in force at now, into delta (sign -1). */
static void sb_mongo_banned_one(apr_pool_t *p, const bson_t *doc, void *ctx)
{
    sb_mongo_agg_add(p, ctx, sb_mongo_user_from_doc(p, doc), -1);
}

static sb_store_status_t sb_mongo_banned_delta(sb_store_conn_t *c, apr_pool_t *p, int64_t now,
                                               apr_array_header_t **delta, sb_store_error_t *err)
{
    bson_t filter, opts;
    sb_store_status_t st;

    *delta = apr_array_make(p, 8, sizeof(sb_mongo_agg_t));
    sb_mongo_timed_banned_filter(&filter, now);
    bson_init(&opts);
    sb_mongo_agg_projection(&opts);
    st = sb_mongo_find_each(c, p, "users", &filter, &opts, sb_mongo_banned_one, *delta,
                            "timed bans", err);
    bson_destroy(&filter);
    bson_destroy(&opts);
    return st;
}

/* The n of key a in delta (0 when absent). */
static int64_t sb_mongo_agg_of(const apr_array_header_t *delta, const sb_mongo_agg_t *a)
{
    int i;

    for (i = 0; i < delta->nelts; i++) {
        if (sb_mongo_agg_same(&APR_ARRAY_IDX(delta, i, sb_mongo_agg_t), a)) {
            return APR_ARRAY_IDX(delta, i, sb_mongo_agg_t).n;
        }
    }
    return 0;
}

sb_store_status_t sb_mongo_category_counts(sb_store_conn_t *c, int64_t now,
                                           const char *const *categories, int n, int64_t *counts,
                                           sb_store_error_t *err)
{
    apr_array_header_t *rows, *banned;
    bson_t filter = BSON_INITIALIZER;
    apr_pool_t *p;
    sb_store_status_t st;
    int i, j;

    for (i = 0; i < n; i++) {
        counts[i] = 0;
    }
    apr_pool_create(&p, c->pool); /* the operation has no pool: a connection may live long */
    rows = apr_array_make(p, 16, sizeof(sb_mongo_agg_t));
    BSON_APPEND_UTF8(&filter, "_id.t", "c");
    st = sb_mongo_find_each(c, p, SB_MONGO_COUNTS, &filter, NULL, sb_mongo_agg_from_doc, rows,
                            "category counts", err);
    bson_destroy(&filter);
    if (st == SB_STORE_OK) {
        st = sb_mongo_banned_delta(c, p, now, &banned, err);
    }
    for (j = 0; st == SB_STORE_OK && j < rows->nelts; j++) {
        sb_mongo_agg_t *a = &APR_ARRAY_IDX(rows, j, sb_mongo_agg_t);
        for (i = 0; a->c && i < n; i++) {
            if (!strcmp(categories[i], a->c)) {
                counts[i] += a->n + sb_mongo_agg_of(banned, a);
            }
        }
    }
    apr_pool_destroy(p);
    return st;
}

/* A top name: its key, live count, least spelling and greatest category. */
typedef struct {
    sb_mongo_agg_t key;
    sb_skill_count_t k;
} sb_mongo_top_t;

static int sb_mongo_top_cmp(const void *a, const void *b)
{
    const sb_mongo_top_t *x = a, *y = b;

    if (x->k.count != y->k.count) {
        return x->k.count > y->k.count ? -1 : 1;
    }
    return strcmp(x->key.s, y->key.s);
}

/* The spellings of name t (counter rows 'n' of t's name with n > 0, less the banned). */
static sb_store_status_t sb_mongo_spellings(sb_store_conn_t *c, apr_pool_t *p, sb_mongo_top_t *t,
                                            const apr_array_header_t *banned, sb_store_error_t *err)
{
    apr_array_header_t *rows = apr_array_make(p, 4, sizeof(sb_mongo_agg_t));
    bson_t filter = BSON_INITIALIZER;
    sb_store_status_t st;
    int i;

    BSON_APPEND_UTF8(&filter, "_id.t", "n");
    BSON_APPEND_UTF8(&filter, "_id.s", t->key.s);
    st = sb_mongo_find_each(c, p, SB_MONGO_COUNTS, &filter, NULL, sb_mongo_agg_from_doc, rows,
                            "spellings", err);
    bson_destroy(&filter);
    for (i = 0; st == SB_STORE_OK && i < rows->nelts; i++) {
        const sb_mongo_agg_t *a = &APR_ARRAY_IDX(rows, i, sb_mongo_agg_t);
        if (!a->k || a->n + sb_mongo_agg_of(banned, a) <= 0) {
            continue;
        }
        if (!t->k.skill || strcmp(a->k, t->k.skill) < 0) {
            t->k.skill = a->k;
        }
        if (a->c && *a->c && (!t->k.category || strcmp(a->c, t->k.category) > 0)) {
            t->k.category = a->c;
        }
    }
    return st;
}

/* The most offered names of counted users less the timed-banned: the top limit + (names the
 * banned offer) by the stored counts hold the true top limit, since only those names drop. */
static sb_store_status_t sb_mongo_trending_offered(sb_store_conn_t *c, apr_pool_t *p, int64_t now,
                                                   int limit, apr_array_header_t **out,
                                                   sb_store_error_t *err)
{
    apr_array_header_t *banned, *rows, *top;
    bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, gt, sort;
    sb_store_status_t st = sb_mongo_banned_delta(c, p, now, &banned, err);
    int i, extra = 0;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_skill_count_t));
    for (i = 0; i < banned->nelts; i++) {
        extra += APR_ARRAY_IDX(banned, i, sb_mongo_agg_t).t == 'k';
    }
    rows = apr_array_make(p, limit + extra + 1, sizeof(sb_mongo_agg_t));
    BSON_APPEND_UTF8(&filter, "_id.t", "k");
    BSON_APPEND_DOCUMENT_BEGIN(&filter, "n", &gt);
    BSON_APPEND_INT32(&gt, "$gt", 0);
    bson_append_document_end(&filter, &gt);
    BSON_APPEND_DOCUMENT_BEGIN(&opts, "sort", &sort);
    BSON_APPEND_INT32(&sort, "n", -1);
    BSON_APPEND_INT32(&sort, "_id.s", 1);
    bson_append_document_end(&opts, &sort);
    BSON_APPEND_INT64(&opts, "limit", limit + extra);
    if (st == SB_STORE_OK) {
        st = sb_mongo_find_each(c, p, SB_MONGO_COUNTS, &filter, &opts, sb_mongo_agg_from_doc, rows,
                                "offered top", err);
    }
    bson_destroy(&filter);
    bson_destroy(&opts);
    top = apr_array_make(p, rows->nelts + 1, sizeof(sb_mongo_top_t));
    for (i = 0; st == SB_STORE_OK && i < rows->nelts; i++) {
        const sb_mongo_agg_t *a = &APR_ARRAY_IDX(rows, i, sb_mongo_agg_t);
        sb_mongo_top_t t;
        memset(&t, 0, sizeof(t));
        t.key = *a;
        t.k.count = a->n + sb_mongo_agg_of(banned, a);
        if (a->s && t.k.count > 0) {
            *(sb_mongo_top_t *)apr_array_push(top) = t;
        }
    }
    qsort(top->elts, (size_t)top->nelts, sizeof(sb_mongo_top_t), sb_mongo_top_cmp);
    for (i = 0; st == SB_STORE_OK && i < top->nelts && i < limit; i++) {
        sb_mongo_top_t *t = &APR_ARRAY_IDX(top, i, sb_mongo_top_t);
        if ((st = sb_mongo_spellings(c, p, t, banned, err)) == SB_STORE_OK && t->k.skill) {
            *(sb_skill_count_t *)apr_array_push(*out) = t->k;
        }
    }
    return st;
}

sb_store_status_t sb_mongo_trending_skills(sb_store_conn_t *c, apr_pool_t *p, int64_t since,
                                           int64_t now, int limit, apr_array_header_t **out,
                                           const char **source, sb_store_error_t *err)
{
    sb_store_status_t st;

    *source = "sessions";
    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_skill_count_t));
    if (limit <= 0) {
        return SB_STORE_OK;
    }
    st = sb_mongo_trend_sessions(c, p, since, limit, *out, err);
    if (st == SB_STORE_OK && (*out)->nelts == 0) {
        *source = "offered";
        st = sb_mongo_trending_offered(c, p, now, limit, out, err);
    }
    return st;
}

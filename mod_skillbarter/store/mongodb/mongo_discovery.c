/*
 * MongoDB driver: the discover list (keyset pages over (lastSeen, _id)), mutual matches and a
 * profile's recent reviews. Builders first (pure, unit-tested), then the operations.
 */
#include "mongo_discovery.h"
#include "mongo_blocks.h"
#include "mongo_users.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

const char *sb_mongo_regex_literal(apr_pool_t *p, const char *s)
{
    char *out = apr_palloc(p, 2 * strlen(s) + 1), *o = out;

    for (; *s; s++) {
        if (strchr("\\^$.|?*+()[]{}/-#", *s)) {
            *o++ = '\\';
        }
        *o++ = *s;
    }
    *o = '\0';
    return out;
}

int sb_mongo_visible_terms(bson_t *and, int i, int64_t now)
{
    bson_t one, alt, a, b, lte;
    char key[16];
    const char *k;

    bson_uint32_to_string((uint32_t)i++, &k, key, sizeof(key));
    BSON_APPEND_DOCUMENT_BEGIN(and, k, &one);
    BSON_APPEND_BOOL(&one, "isActive", true);
    bson_append_document_end(and, &one);
    bson_uint32_to_string((uint32_t)i++, &k, key, sizeof(key));
    BSON_APPEND_DOCUMENT_BEGIN(and, k, &one);
    BSON_APPEND_ARRAY_BEGIN(&one, "$or", &alt);
    BSON_APPEND_DOCUMENT_BEGIN(&alt, "0", &a);
    BSON_APPEND_BOOL(&a, "isBanned", false);
    bson_append_document_end(&alt, &a);
    BSON_APPEND_DOCUMENT_BEGIN(&alt, "1", &b);
    BSON_APPEND_DOCUMENT_BEGIN(&b, "banExpiresAt", &lte);
    bson_append_date_time(&lte, "$lte", -1, now);
    bson_append_document_end(&b, &lte);
    bson_append_document_end(&alt, &b);
    bson_append_array_end(&one, &alt);
    bson_append_document_end(and, &one);
    return i;
}

int sb_mongo_not_these(bson_t *and, int i, const char *viewer_id, const apr_array_header_t *hidden)
{
    bson_t one, id, nin;
    char key[16];
    const char *k;
    int j;

    bson_uint32_to_string((uint32_t)i++, &k, key, sizeof(key));
    BSON_APPEND_DOCUMENT_BEGIN(and, k, &one);
    BSON_APPEND_DOCUMENT_BEGIN(&one, "_id", &id);
    if (viewer_id && sb_id_valid(viewer_id)) {
        sb_mongo_append_id(&id, "$ne", viewer_id);
    }
    BSON_APPEND_ARRAY_BEGIN(&id, "$nin", &nin);
    for (j = 0; hidden && j < hidden->nelts; j++) {
        bson_uint32_to_string((uint32_t)j, &k, key, sizeof(key));
        sb_mongo_append_id(&nin, k, APR_ARRAY_IDX(hidden, j, const char *));
    }
    bson_append_array_end(&id, &nin);
    bson_append_document_end(&one, &id);
    bson_append_document_end(and, &one);
    return i;
}

int sb_mongo_discover_query(apr_pool_t *p, bson_t *filter, bson_t *opts,
                            const sb_discover_query_t *q, const apr_array_header_t *hidden)
{
    bson_t and, one, cond, sort;
    bson_oid_t after;
    char key[16];
    const char *k;
    int i = 0;

    if (q->after_id && !sb_mongo_oid_from_id(q->after_id, &after)) {
        return 0;
    }
    bson_init(filter);
    BSON_APPEND_ARRAY_BEGIN(filter, "$and", &and);
    i = sb_mongo_visible_terms(&and, i, q->now);
    i = sb_mongo_not_these(&and, i, q->viewer_id, hidden);
    bson_uint32_to_string((uint32_t)i++, &k, key, sizeof(key));
    BSON_APPEND_DOCUMENT_BEGIN(&and, k, &one);
    BSON_APPEND_DOCUMENT_BEGIN(&one, "skillsOffered.0", &cond);
    BSON_APPEND_BOOL(&cond, "$exists", true);
    bson_append_document_end(&one, &cond);
    if (q->skill) {
        BSON_APPEND_DOCUMENT_BEGIN(&one, "skillsOffered.skillLower", &cond);
        BSON_APPEND_UTF8(&cond, "$regex", sb_mongo_regex_literal(p, sb_mongo_lower(p, q->skill)));
        bson_append_document_end(&one, &cond);
    }
    if (q->category) {
        BSON_APPEND_UTF8(&one, "skillsOffered.category", q->category);
    }
    if (q->language) {
        BSON_APPEND_DOCUMENT_BEGIN(&one, "languages", &cond);
        BSON_APPEND_UTF8(&cond, "$regex",
                         apr_pstrcat(p, "^", sb_mongo_regex_literal(p, q->language), "$", NULL));
        BSON_APPEND_UTF8(&cond, "$options", "i");
        bson_append_document_end(&one, &cond);
    }
    if (q->min_rating >= 0) {
        BSON_APPEND_DOCUMENT_BEGIN(&one, "rating", &cond);
        BSON_APPEND_DOUBLE(&cond, "$gte", q->min_rating);
        bson_append_document_end(&one, &cond);
    }
    bson_append_document_end(&and, &one);
    if (q->after_id) {
        bson_uint32_to_string((uint32_t)i++, &k, key, sizeof(key));
        BSON_APPEND_DOCUMENT_BEGIN(&and, k, &one);
        sb_mongo_append_before(&one, "lastSeen", q->after_last_seen, &after);
        bson_append_document_end(&and, &one);
    }
    bson_append_array_end(filter, &and);
    bson_init(opts);
    BSON_APPEND_DOCUMENT_BEGIN(opts, "sort", &sort);
    BSON_APPEND_INT32(&sort, "lastSeen", -1);
    BSON_APPEND_INT32(&sort, "_id", -1);
    bson_append_document_end(opts, &sort);
    BSON_APPEND_INT64(opts, "limit", (q->limit > 0 ? q->limit : 0) + 1);
    sb_mongo_card_projection(opts, "projection");
    return 1;
}

void sb_mongo_card_projection(bson_t *b, const char *key)
{
    static const char *const fields[] = {
        "cardHead",  "lastSeen",      "rating",       "totalReviews",   "isVerified", "username",
        "firstName", "lastName",      "bio",          "profilePicture", "timezone",   "country",
        "languages", "skillsOffered", "skillsWanted", "theyOffer",      "theyWant"};
    bson_t proj;
    size_t i;

    bson_append_document_begin(b, key, -1, &proj);
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
        BSON_APPEND_INT32(&proj, fields[i], 1);
    }
    bson_append_document_end(b, &proj);
}

/* An array of strings under key of b (as a query value), or {$literal: [...]} with lit. */
static void sb_mongo_str_array(bson_t *b, const char *key, const apr_array_header_t *a, int lit)
{
    bson_t wrap, arr;
    char k[16];
    const char *kk;
    int i;

    if (lit) {
        bson_append_document_begin(b, key, -1, &wrap);
        BSON_APPEND_ARRAY_BEGIN(&wrap, "$literal", &arr);
    }
    else {
        bson_append_array_begin(b, key, -1, &arr);
    }
    for (i = 0; a && i < a->nelts; i++) {
        bson_uint32_to_string((uint32_t)i, &kk, k, sizeof(k));
        BSON_APPEND_UTF8(&arr, kk, APR_ARRAY_IDX(a, i, const char *));
    }
    if (lit) {
        bson_append_array_end(&wrap, &arr);
        bson_append_document_end(b, &wrap);
    }
    else {
        bson_append_array_end(b, &arr);
    }
}

/* {$size: {$setIntersection: ["$<field>", {$literal: a}]}} under key of b. */
static void sb_mongo_overlap(bson_t *b, const char *key, const char *field,
                             const apr_array_header_t *a)
{
    bson_t size, inter, args;

    bson_append_document_begin(b, key, -1, &size);
    BSON_APPEND_DOCUMENT_BEGIN(&size, "$size", &inter);
    BSON_APPEND_ARRAY_BEGIN(&inter, "$setIntersection", &args);
    BSON_APPEND_UTF8(&args, "0", field);
    sb_mongo_str_array(&args, "1", a, 1);
    bson_append_array_end(&inter, &args);
    bson_append_document_end(&size, &inter);
    bson_append_document_end(b, &size);
}

int sb_mongo_matches_pipeline(bson_t *pipeline, const char *viewer_id, int64_t now,
                              const apr_array_header_t *offered, const apr_array_header_t *wanted,
                              const apr_array_header_t *hidden, int limit)
{
    bson_t st, match, and, one, in, set, set2, args, sort;
    char key[16];
    const char *k;
    int i = 0;

    if (!sb_id_valid(viewer_id)) {
        return 0;
    }
    bson_init(pipeline);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "0", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$match", &match);
    BSON_APPEND_ARRAY_BEGIN(&match, "$and", &and);
    i = sb_mongo_visible_terms(&and, i, now);
    i = sb_mongo_not_these(&and, i, viewer_id, hidden);
    bson_uint32_to_string((uint32_t)i, &k, key, sizeof(key));
    bson_append_document_begin(&and, k, -1, &one);
    BSON_APPEND_DOCUMENT_BEGIN(&one, "skillsOffered.skillLower", &in);
    sb_mongo_str_array(&in, "$in", wanted, 0);
    bson_append_document_end(&one, &in);
    BSON_APPEND_DOCUMENT_BEGIN(&one, "skillsWanted.skillLower", &in);
    sb_mongo_str_array(&in, "$in", offered, 0);
    bson_append_document_end(&one, &in);
    bson_append_document_end(&and, &one);
    bson_append_array_end(&match, &and);
    bson_append_document_end(&st, &match);
    bson_append_document_end(pipeline, &st);
    /* the window: the SB_STORE_MATCHES_WINDOW most recently seen (index last_seen) */
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "1", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$sort", &sort);
    BSON_APPEND_INT32(&sort, "lastSeen", -1);
    BSON_APPEND_INT32(&sort, "_id", -1);
    bson_append_document_end(&st, &sort);
    bson_append_document_end(pipeline, &st);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "2", &st);
    BSON_APPEND_INT64(&st, "$limit", SB_STORE_MATCHES_WINDOW);
    bson_append_document_end(pipeline, &st);
    /* what each side has for the other, distinct names */
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "3", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$set", &set);
    sb_mongo_overlap(&set, "theyOffer", "$skillsOffered.skillLower", wanted);
    sb_mongo_overlap(&set, "theyWant", "$skillsWanted.skillLower", offered);
    bson_append_document_end(&st, &set);
    bson_append_document_end(pipeline, &st);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "4", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$set", &set2);
    BSON_APPEND_DOCUMENT_BEGIN(&set2, "score", &in);
    BSON_APPEND_ARRAY_BEGIN(&in, "$add", &args);
    BSON_APPEND_UTF8(&args, "0", "$theyOffer");
    BSON_APPEND_UTF8(&args, "1", "$theyWant");
    bson_append_array_end(&in, &args);
    bson_append_document_end(&set2, &in);
    BSON_APPEND_DOCUMENT_BEGIN(&set2, "least", &in);
    BSON_APPEND_ARRAY_BEGIN(&in, "$min", &args);
    BSON_APPEND_UTF8(&args, "0", "$theyOffer");
    BSON_APPEND_UTF8(&args, "1", "$theyWant");
    bson_append_array_end(&in, &args);
    bson_append_document_end(&set2, &in);
    bson_append_document_end(&st, &set2);
    bson_append_document_end(pipeline, &st);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "5", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$sort", &sort);
    BSON_APPEND_INT32(&sort, "score", -1);
    BSON_APPEND_INT32(&sort, "least", -1);
    BSON_APPEND_INT32(&sort, "lastSeen", -1);
    BSON_APPEND_INT32(&sort, "_id", -1);
    bson_append_document_end(&st, &sort);
    bson_append_document_end(pipeline, &st);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "6", &st);
    BSON_APPEND_INT64(&st, "$limit", limit > 0 ? limit : 1);
    bson_append_document_end(pipeline, &st);
    /* the cards' fields and the two counts only */
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "7", &st);
    sb_mongo_card_projection(&st, "$project");
    bson_append_document_end(pipeline, &st);
    return 1;
}

int sb_mongo_reviews_pipeline(bson_t *pipeline, const char *user_id, int limit)
{
    bson_t st, match, sort, lookup;

    bson_init(pipeline);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "0", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$match", &match);
    if (!sb_mongo_append_id(&match, "revieweeId", user_id)) {
        bson_append_document_end(&st, &match);
        bson_append_document_end(pipeline, &st);
        bson_destroy(pipeline);
        return 0;
    }
    bson_append_document_end(&st, &match);
    bson_append_document_end(pipeline, &st);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "1", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$sort", &sort);
    BSON_APPEND_INT32(&sort, "createdAt", -1);
    BSON_APPEND_INT32(&sort, "_id", -1);
    bson_append_document_end(&st, &sort);
    bson_append_document_end(pipeline, &st);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "2", &st);
    BSON_APPEND_INT64(&st, "$limit", limit > 0 ? limit : 1);
    bson_append_document_end(pipeline, &st);
    /* the reviewer must still exist (SQLite joins users) */
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "3", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$lookup", &lookup);
    BSON_APPEND_UTF8(&lookup, "from", "users");
    BSON_APPEND_UTF8(&lookup, "localField", "reviewerId");
    BSON_APPEND_UTF8(&lookup, "foreignField", "_id");
    BSON_APPEND_UTF8(&lookup, "as", "reviewer");
    bson_append_document_end(&st, &lookup);
    bson_append_document_end(pipeline, &st);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "4", &st);
    BSON_APPEND_UTF8(&st, "$unwind", "$reviewer");
    bson_append_document_end(pipeline, &st);
    return 1;
}

/* ---- operations ---- */

sb_store_status_t sb_mongo_viewer_blocks(sb_store_conn_t *c, apr_pool_t *p, const char *viewer_id,
                                         apr_array_header_t **out, sb_store_error_t *err)
{
    mongoc_collection_t *col;
    mongoc_cursor_t *cur;
    const bson_t *doc;
    bson_t filter = BSON_INITIALIZER;
    sb_store_status_t st = SB_STORE_OK;

    *out = apr_array_make(p, 4, sizeof(const char *));
    if (!viewer_id || !sb_mongo_append_id(&filter, "blockerId", viewer_id)) {
        bson_destroy(&filter);
        return SB_STORE_OK;
    }
    col = sb_mongo_coll(c, "user_blocks");
    cur = mongoc_collection_find_with_opts(col, &filter, NULL, NULL);
    while (mongoc_cursor_next(cur, &doc)) {
        char id[SB_ID_LEN + 1];
        if (sb_mongo_doc_id(doc, "blockedId", id)) {
            APR_ARRAY_PUSH(*out, const char *) = apr_pstrdup(p, id);
        }
    }
    st = sb_mongo_cursor_end(cur, col, st, "viewer blocks", err);
    bson_destroy(&filter);
    return st;
}

sb_store_status_t sb_mongo_discover_list(sb_store_conn_t *c, apr_pool_t *p,
                                         const sb_discover_query_t *q, apr_array_header_t **out,
                                         int *has_more, sb_store_error_t *err)
{
    apr_array_header_t *hidden;
    mongoc_collection_t *col;
    mongoc_cursor_t *cur;
    const bson_t *doc;
    bson_t filter, opts;
    sb_store_status_t st;

    *out = apr_array_make(p, q->limit > 0 ? q->limit : 1, sizeof(sb_user_card_t));
    *has_more = 0;
    if ((st = sb_mongo_viewer_blocks(c, p, q->viewer_id, &hidden, err)) != SB_STORE_OK) {
        return st;
    }
    if (!sb_mongo_discover_query(p, &filter, &opts, q, hidden)) {
        return SB_STORE_OK; /* a cursor that is no id points at nothing */
    }
    col = sb_mongo_coll(c, "users");
    cur = mongoc_collection_find_with_opts(col, &filter, &opts, NULL);
    while (mongoc_cursor_next(cur, &doc)) {
        if ((*out)->nelts == q->limit) {
            *has_more = 1;
            break;
        }
        sb_mongo_card_kept(p, doc, *out);
    }
    st = sb_mongo_cursor_end(cur, col, st, "discover", err);
    bson_destroy(&filter);
    bson_destroy(&opts);
    return st;
}

/* The distinct lower-cased skill names of a list of the viewer. */
static apr_array_header_t *sb_mongo_names(apr_pool_t *p, const apr_array_header_t *skills,
                                          int offered)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(const char *));
    int i, j;

    for (i = 0; skills && i < skills->nelts; i++) {
        const char *s = offered ? APR_ARRAY_IDX(skills, i, sb_skill_offered_t).skill
                                : APR_ARRAY_IDX(skills, i, sb_skill_wanted_t).skill;
        const char *low;
        int dup = 0;
        if (!s) {
            continue;
        }
        low = sb_mongo_lower(p, s);
        for (j = 0; j < a->nelts && !dup; j++) {
            dup = !strcmp(APR_ARRAY_IDX(a, j, const char *), low);
        }
        if (!dup) {
            APR_ARRAY_PUSH(a, const char *) = low;
        }
    }
    return a;
}

sb_store_status_t sb_mongo_discover_matches(sb_store_conn_t *c, apr_pool_t *p,
                                            const char *viewer_id, int64_t now, int limit,
                                            apr_array_header_t **out, sb_store_error_t *err)
{
    apr_array_header_t *hidden, *offered, *wanted;
    mongoc_collection_t *col;
    mongoc_cursor_t *cur;
    const bson_t *doc;
    bson_t pipeline;
    sb_user_t *viewer = NULL;
    sb_store_status_t st;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_user_card_t));
    st = sb_mongo_user_by_id(c, p, viewer_id, &viewer, err);
    if (st == SB_STORE_NOT_FOUND) {
        err->status = SB_STORE_OK;
        err->message[0] = '\0';
        return SB_STORE_OK; /* nobody: no matches */
    }
    if (st != SB_STORE_OK
        || (st = sb_mongo_viewer_blocks(c, p, viewer_id, &hidden, err)) != SB_STORE_OK) {
        return st;
    }
    offered = sb_mongo_names(p, viewer->skills_offered, 1);
    wanted = sb_mongo_names(p, viewer->skills_wanted, 0);
    if (limit <= 0 || !offered->nelts || !wanted->nelts) {
        return SB_STORE_OK;
    }
    sb_mongo_matches_pipeline(&pipeline, viewer_id, now, offered, wanted, hidden, limit);
    col = sb_mongo_coll(c, "users");
    cur = mongoc_collection_aggregate(col, MONGOC_QUERY_NONE, &pipeline, NULL, NULL);
    while (mongoc_cursor_next(cur, &doc)) {
        sb_user_card_t *card = sb_mongo_card_kept(p, doc, *out);
        if (card) {
            card->they_offer = (int)sb_mongo_doc_int(doc, "theyOffer");
            card->they_want = (int)sb_mongo_doc_int(doc, "theyWant");
        }
    }
    st = sb_mongo_cursor_end(cur, col, st, "matches", err);
    bson_destroy(&pipeline);
    return st;
}

sb_store_status_t sb_mongo_reviews_recent(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                          int limit, apr_array_header_t **out,
                                          sb_store_error_t *err)
{
    mongoc_collection_t *col;
    mongoc_cursor_t *cur;
    const bson_t *doc;
    bson_t pipeline;
    sb_store_status_t st = SB_STORE_OK;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_review_t));
    if (limit <= 0 || !sb_mongo_reviews_pipeline(&pipeline, user_id, limit)) {
        return SB_STORE_OK;
    }
    col = sb_mongo_coll(c, "reviews");
    cur = mongoc_collection_aggregate(col, MONGOC_QUERY_NONE, &pipeline, NULL, NULL);
    while (mongoc_cursor_next(cur, &doc)) {
        sb_review_t *r = apr_array_push(*out);
        bson_iter_t it;
        bson_t who;
        const uint8_t *data;
        uint32_t len;
        memset(r, 0, sizeof(*r));
        sb_mongo_doc_id(doc, "_id", r->id);
        sb_mongo_doc_id(doc, "reviewerId", r->reviewer_id);
        r->rating = (int)sb_mongo_doc_int(doc, "rating");
        r->feedback = sb_mongo_doc_str(p, doc, "feedback");
        r->would_recommend = sb_mongo_doc_tristate(doc, "wouldRecommend");
        r->created_at = sb_mongo_get_time(doc, "createdAt");
        if (bson_iter_init_find(&it, doc, "reviewer") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
            bson_iter_document(&it, &len, &data);
            if (bson_init_static(&who, data, len)) {
                const char *f = sb_mongo_doc_str(p, &who, "firstName");
                const char *l = sb_mongo_doc_str(p, &who, "lastName");
                r->reviewer_name = apr_pstrcat(p, f ? f : "", " ", l ? l : "", NULL);
                r->reviewer_picture = sb_mongo_doc_str(p, &who, "profilePicture");
            }
        }
    }
    st = sb_mongo_cursor_end(cur, col, st, "reviews", err);
    bson_destroy(&pipeline);
    return st;
}

/*
 * MongoDB driver: discover_search. A user document keeps the lower-cased words of its names,
 * username, offered skill names and bio (searchTokens, all of them, under the multikey index
 * search_tokens; searchName, searchSkills, searchBio per column: mongo_card.c), rewritten in
 * the same write as those fields, so who matches, totalCount and every card are exact at once
 * after any write. A typed term is split into words the same way; each word must be the
 * start of some word of the user (the word as an escaped regular expression anchored at the
 * start, so the index scans one prefix range; never a pattern from the request), as SQLite's
 * prefix phrases do. The page is one aggregation: the match, a score per user, and a sort
 * with $skip + $limit that the server runs as a top-K sort (it keeps offset + limit
 * documents, not every match); totalCount is a count of the same filter.
 *
 * Differences from the SQLite driver, both in ranking only: the score weighs the columns as
 * sqlite_discover.c's bm25 does (skills 6, name 4, bio 1) but counts matching words, not
 * term frequencies; and words fold ASCII case only (FTS5's unicode61 also folds non-ASCII
 * case and diacritics, so "zoe" finds "Zoë" there and not here).
 */
#include "mongo_discovery.h"
#include "mongo_users.h"

#include <string.h>

#include <apr_strings.h>

#include "sb_id.h"

apr_array_header_t *sb_mongo_search_words(apr_pool_t *p, const apr_array_header_t *terms)
{
    apr_array_header_t *words = apr_array_make(p, 4, sizeof(const char *));
    int i;

    for (i = 0; terms && i < terms->nelts; i++) {
        sb_mongo_words(p, APR_ARRAY_IDX(terms, i, const char *), words);
    }
    return words;
}

void sb_mongo_search_filter(apr_pool_t *p, bson_t *filter, const char *viewer_id, int64_t now,
                            const apr_array_header_t *words, const char *category,
                            const apr_array_header_t *hidden)
{
    bson_t and, one, cond;
    char key[16];
    const char *k;
    int i = 0, j;

    bson_init(filter);
    BSON_APPEND_ARRAY_BEGIN(filter, "$and", &and);
    i = sb_mongo_visible_terms(&and, i, now);
    i = sb_mongo_not_these(&and, i, viewer_id, hidden);
    bson_uint32_to_string((uint32_t)i++, &k, key, sizeof(key));
    BSON_APPEND_DOCUMENT_BEGIN(&and, k, &one);
    BSON_APPEND_DOCUMENT_BEGIN(&one, "skillsOffered.0", &cond);
    BSON_APPEND_BOOL(&cond, "$exists", true);
    bson_append_document_end(&one, &cond);
    if (category) {
        BSON_APPEND_UTF8(&one, "skillsOffered.category", category);
    }
    bson_append_document_end(&and, &one);
    for (j = 0; j < words->nelts; j++) {
        const char *w = APR_ARRAY_IDX(words, j, const char *);
        bson_uint32_to_string((uint32_t)i++, &k, key, sizeof(key));
        BSON_APPEND_DOCUMENT_BEGIN(&and, k, &one);
        BSON_APPEND_DOCUMENT_BEGIN(&one, "searchTokens", &cond);
        BSON_APPEND_UTF8(&cond, "$regex", apr_pstrcat(p, "^", sb_mongo_regex_literal(p, w), NULL));
        bson_append_document_end(&one, &cond);
        bson_append_document_end(&and, &one);
    }
    bson_append_array_end(filter, &and);
}

/* {$cond: [some word of field starts with w, weight, 0]} under key of b: a prefix test by
 * position ($indexOfBytes = 0), the word a $literal. */
static void sb_mongo_word_weight(bson_t *b, const char *key, const char *field, const char *w,
                                 int weight)
{
    bson_t cond, args, gt, gargs, size, filt, input, iargs, eq, eargs, idx, xargs, lit;

    bson_append_document_begin(b, key, -1, &cond);
    BSON_APPEND_ARRAY_BEGIN(&cond, "$cond", &args);
    BSON_APPEND_DOCUMENT_BEGIN(&args, "0", &gt);
    BSON_APPEND_ARRAY_BEGIN(&gt, "$gt", &gargs);
    BSON_APPEND_DOCUMENT_BEGIN(&gargs, "0", &size);
    BSON_APPEND_DOCUMENT_BEGIN(&size, "$size", &filt);
    BSON_APPEND_DOCUMENT_BEGIN(&filt, "$filter", &input);
    BSON_APPEND_DOCUMENT_BEGIN(&input, "input", &iargs);
    {
        bson_t arr, empty;
        BSON_APPEND_ARRAY_BEGIN(&iargs, "$ifNull", &arr);
        BSON_APPEND_UTF8(&arr, "0", field);
        BSON_APPEND_ARRAY_BEGIN(&arr, "1", &empty);
        bson_append_array_end(&arr, &empty);
        bson_append_array_end(&iargs, &arr);
    }
    bson_append_document_end(&input, &iargs);
    BSON_APPEND_UTF8(&input, "as", "w");
    BSON_APPEND_DOCUMENT_BEGIN(&input, "cond", &eq);
    BSON_APPEND_ARRAY_BEGIN(&eq, "$eq", &eargs);
    BSON_APPEND_DOCUMENT_BEGIN(&eargs, "0", &idx);
    BSON_APPEND_ARRAY_BEGIN(&idx, "$indexOfBytes", &xargs);
    BSON_APPEND_UTF8(&xargs, "0", "$$w");
    BSON_APPEND_DOCUMENT_BEGIN(&xargs, "1", &lit);
    BSON_APPEND_UTF8(&lit, "$literal", w);
    bson_append_document_end(&xargs, &lit);
    bson_append_array_end(&idx, &xargs);
    bson_append_document_end(&eargs, &idx);
    BSON_APPEND_INT32(&eargs, "1", 0);
    bson_append_array_end(&eq, &eargs);
    bson_append_document_end(&input, &eq);
    bson_append_document_end(&filt, &input);
    bson_append_document_end(&size, &filt);
    bson_append_document_end(&gargs, &size);
    BSON_APPEND_INT32(&gargs, "1", 0);
    bson_append_array_end(&gt, &gargs);
    bson_append_document_end(&args, &gt);
    BSON_APPEND_INT32(&args, "1", weight);
    BSON_APPEND_INT32(&args, "2", 0);
    bson_append_array_end(&cond, &args);
    bson_append_document_end(b, &cond);
}

void sb_mongo_search_pipeline(bson_t *pipeline, const bson_t *filter,
                              const apr_array_header_t *words, int offset, int limit)
{
    static const struct {
        const char *field;
        int weight;
    } cols[] = {{"$searchSkills", 6}, {"$searchName", 4}, {"$searchBio", 1}};
    bson_t st, set, add, sum, sort;
    char key[16];
    const char *k;
    uint32_t n = 0;
    int j;
    size_t c;

    bson_init(pipeline);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "0", &st);
    BSON_APPEND_DOCUMENT(&st, "$match", filter);
    bson_append_document_end(pipeline, &st);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "1", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$set", &set);
    BSON_APPEND_DOCUMENT_BEGIN(&set, "score", &add);
    BSON_APPEND_ARRAY_BEGIN(&add, "$add", &sum);
    for (j = 0; j < words->nelts; j++) {
        for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++) {
            bson_uint32_to_string(n++, &k, key, sizeof(key));
            sb_mongo_word_weight(&sum, k, cols[c].field, APR_ARRAY_IDX(words, j, const char *),
                                 cols[c].weight);
        }
    }
    bson_append_array_end(&add, &sum);
    bson_append_document_end(&set, &add);
    bson_append_document_end(&st, &set);
    bson_append_document_end(pipeline, &st);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "2", &st);
    BSON_APPEND_DOCUMENT_BEGIN(&st, "$sort", &sort);
    BSON_APPEND_INT32(&sort, "score", -1);
    BSON_APPEND_INT32(&sort, "lastSeen", -1);
    BSON_APPEND_INT32(&sort, "_id", -1);
    bson_append_document_end(&st, &sort);
    bson_append_document_end(pipeline, &st);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "3", &st);
    BSON_APPEND_INT64(&st, "$skip", offset > 0 ? offset : 0);
    bson_append_document_end(pipeline, &st);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "4", &st);
    BSON_APPEND_INT64(&st, "$limit", limit > 0 ? limit : 1);
    bson_append_document_end(pipeline, &st);
    BSON_APPEND_DOCUMENT_BEGIN(pipeline, "5", &st);
    sb_mongo_card_projection(&st, "$project");
    bson_append_document_end(pipeline, &st);
}

static void sb_mongo_push_card(apr_pool_t *p, const bson_t *doc, void *ctx)
{
    sb_mongo_card_kept(p, doc, ctx);
}

sb_store_status_t sb_mongo_discover_search(sb_store_conn_t *c, apr_pool_t *p, const char *viewer_id,
                                           int64_t now, const apr_array_header_t *terms,
                                           const char *category, int offset, int limit,
                                           apr_array_header_t **out, int64_t *total,
                                           sb_store_error_t *err)
{
    apr_array_header_t *hidden, *words = sb_mongo_search_words(p, terms);
    mongoc_collection_t *col;
    bson_t filter, pipeline;
    bson_error_t e;
    int64_t n;
    sb_store_status_t st;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_user_card_t));
    *total = 0;
    if (!words->nelts) {
        return SB_STORE_OK; /* nothing to look for */
    }
    if ((st = sb_mongo_viewer_blocks(c, p, viewer_id, &hidden, err)) != SB_STORE_OK) {
        return st;
    }
    sb_mongo_search_filter(p, &filter, viewer_id, now, words, category, hidden);
    col = sb_mongo_coll(c, "users");
    n = mongoc_collection_count_documents(col, &filter, NULL, NULL, NULL, &e);
    mongoc_collection_destroy(col);
    if (n < 0) {
        st = sb_mongo_fail(&e, NULL, err, "search count");
    }
    else if ((*total = n) > offset && limit > 0) {
        sb_mongo_search_pipeline(&pipeline, &filter, words, offset, limit);
        st = sb_mongo_aggregate_each(c, p, "users", &pipeline, sb_mongo_push_card, *out, "search",
                                     err);
        bson_destroy(&pipeline);
    }
    bson_destroy(&filter);
    return st;
}

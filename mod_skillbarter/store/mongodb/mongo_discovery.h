/*
 * Internal to the MongoDB driver: discovery — the filtered discover list, mutual matches and
 * recent reviews (mongo_discovery.c). Ranked search, category counts and trending skills are
 * not written yet: they need counts kept in the same atomic step as every user write (the
 * SQLite driver's sql/007 triggers), which the users domain does not keep yet.
 *
 * The skill filter is a regular expression made of the typed text with every metacharacter
 * escaped, anchored nowhere: "contains this literal text", never a pattern from a request.
 */
#ifndef SB_MONGO_DISCOVERY_H
#define SB_MONGO_DISCOVERY_H

#include "mongo_int.h"

/* s with every regular expression metacharacter escaped, in p. */
const char *sb_mongo_regex_literal(apr_pool_t *p, const char *s);
/* The discover list's filter and options (newest seen first, limit + 1), leaving out hidden
 * (an array of 24-hex ids the viewer blocked, may be NULL). 0 for a bad cursor id. */
int sb_mongo_discover_query(apr_pool_t *p, bson_t *filter, bson_t *opts,
                            const sb_discover_query_t *q, const apr_array_header_t *hidden);
/* The matches pipeline over users for a viewer offering `offered` and wanting `wanted` (arrays
 * of lower-cased skill names). */
int sb_mongo_matches_pipeline(bson_t *pipeline, const char *viewer_id, int64_t now,
                              const apr_array_header_t *offered, const apr_array_header_t *wanted,
                              const apr_array_header_t *hidden, int limit);
/* The recent reviews pipeline over reviews. 0 for a bad id. */
int sb_mongo_reviews_pipeline(bson_t *pipeline, const char *user_id, int limit);

sb_store_status_t sb_mongo_discover_list(sb_store_conn_t *c, apr_pool_t *p,
                                         const sb_discover_query_t *q, apr_array_header_t **out,
                                         int *has_more, sb_store_error_t *err);
sb_store_status_t sb_mongo_discover_matches(sb_store_conn_t *c, apr_pool_t *p,
                                            const char *viewer_id, int64_t now, int limit,
                                            apr_array_header_t **out, sb_store_error_t *err);
sb_store_status_t sb_mongo_reviews_recent(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                          int limit, apr_array_header_t **out,
                                          sb_store_error_t *err);

#endif

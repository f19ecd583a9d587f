/*
 * Internal to the MongoDB driver: discovery — the filtered discover list, mutual matches and
 * recent reviews (mongo_discovery.c), ranked search (mongo_search.c); category counts and
 * trending skills are read from the aggregates of mongo_aggregates.h. Every card comes with
 * the user document's kept cardHead (mongo_card.c).
 *
 * The skill filter is a regular expression made of the typed text with every metacharacter
 * escaped, anchored nowhere: "contains this literal text", never a pattern from a request.
 */
#ifndef SB_MONGO_DISCOVERY_H
#define SB_MONGO_DISCOVERY_H

#include "mongo_int.h"

/* The core visibility rule as entries of an $and array from index i (two); returns the next
 * index. */
int sb_mongo_visible_terms(bson_t *and, int i, int64_t now);
/* {_id: {$ne: viewer, $nin: hidden}} as the $and entry i; returns the next index. */
int sb_mongo_not_these(bson_t *and, int i, const char *viewer_id, const apr_array_header_t *hidden);
/* The fields a card is made of (and matches' theyOffer, theyWant), as a projection under key
 * of b. */
void sb_mongo_card_projection(bson_t *b, const char *key);
/* The ids viewer blocked (as 24 hex in p). */
sb_store_status_t sb_mongo_viewer_blocks(sb_store_conn_t *c, apr_pool_t *p, const char *viewer_id,
                                         apr_array_header_t **out, sb_store_error_t *err);

/* Search (mongo_search.c): the words of the terms, each a prefix a user's words must have. */
apr_array_header_t *sb_mongo_search_words(apr_pool_t *p, const apr_array_header_t *terms);
/* The search's $match filter: visible, not viewer nor hidden, offers something, in category
 * (may be NULL), and for each word some search token starting with it (an escaped, anchored
 * prefix: index search_tokens). */
void sb_mongo_search_filter(apr_pool_t *p, bson_t *filter, const char *viewer_id, int64_t now,
                            const apr_array_header_t *words, const char *category,
                            const apr_array_header_t *hidden);
/* The ranked page: filter, the score (per word 6 when an offered skill's word starts with
 * it, 4 a name's, 1 the bio's), best first then lastSeen and id descending, offset/limit
 * (a bounded top-K sort), the card fields. */
void sb_mongo_search_pipeline(bson_t *pipeline, const bson_t *filter,
                              const apr_array_header_t *words, int offset, int limit);
sb_store_status_t sb_mongo_discover_search(sb_store_conn_t *c, apr_pool_t *p, const char *viewer_id,
                                           int64_t now, const apr_array_header_t *terms,
                                           const char *category, int offset, int limit,
                                           apr_array_header_t **out, int64_t *total,
                                           sb_store_error_t *err);

/* s with every regular expression metacharacter escaped, in p. */
const char *sb_mongo_regex_literal(apr_pool_t *p, const char *s);
/* The discover list's filter and options (newest seen first, limit + 1), leaving out hidden
 * (an array of 24-hex ids the viewer blocked, may be NULL). 0 for a bad cursor id. */
int sb_mongo_discover_query(apr_pool_t *p, bson_t *filter, bson_t *opts,
                            const sb_discover_query_t *q, const apr_array_header_t *hidden);
/* The matches pipeline over users for a viewer offering `offered` and wanting `wanted` (arrays
 * of lower-cased skill names): of the candidates, the SB_STORE_MATCHES_WINDOW most recently
 * seen (lastSeen, _id descending, as sqlite_matches.c), ranked by score, the smaller count,
 * lastSeen and _id, descending. */
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

/*
 * Store domain: discovery — the discover list, ranked search, category counts, trending
 * skills, matches, and the reviews a profile shows. Rows expand as store_gen.h says.
 */
#ifndef SB_STORE_DISCOVERY_H
#define SB_STORE_DISCOVERY_H

/*
 * A user as a discovery card: the public fields a list shows. The embedded lists are the
 * canonical JSON text of the spec's wire form (arrays of {skill, category, ...}), so a list
 * page can be answered without rebuilding them field by field.
 */
typedef struct {
    char id[SB_ID_LEN + 1];
    const char *username;
    const char *first_name;
    const char *last_name;
    const char *profile_picture;
    const char *bio; /* may be NULL */
    const char *timezone;
    const char *country; /* may be NULL */
    const char *languages_json;
    const char *offered_json;
    const char *wanted_json;
    double rating;
    int total_reviews;
    int is_verified;
    int64_t last_seen;
    int they_offer; /* matches: skills they offer that the viewer wants */
    int they_want;  /* matches: skills they want that the viewer offers */
    /* discover_list, discover_search and discover_matches (which adds they_offer and
     * they_want) set only id, last_seen, rating, total_reviews, is_verified and this: the
     * card's wire text kept ready in the store, from "{" through the skillsWanted member (no
     * closing brace), card_head_len bytes; else NULL. */
    const char *card_head;
    apr_size_t card_head_len;
} sb_user_card_t;

/*
 * The card text (card_head) a driver keeps: the members _id, id, username, firstName,
 * lastName, fullName, profilePicture, bio, timezone, country, languages, skillsOffered,
 * skillsWanted of the card's wire form, in that order, exactly as json-c writes them
 * (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE; the lists as stored). It is
 * changed in the same atomic step as every write of those fields (profile, skills,
 * avatar; SQLite: sql/012's triggers), so it is never stale. rating, totalReviews,
 * isVerified and lastSeen are not in it: the caller appends them from the row.
 */

/*
 * GET /api/discover. Visible users only: active, not banned (an expired ban no longer
 * counts at `now`), not the viewer, with at least one offered skill. Sorted by last_seen
 * descending then id descending; after_id (when set) starts strictly after
 * (after_last_seen, after_id) in that order.
 */
typedef struct {
    const char *viewer_id;
    int64_t now;
    const char *skill;    /* offered skill name contains this (ASCII case-insensitive,
                             literal), or NULL */
    const char *category; /* some offered skill is in this category, or NULL */
    const char *language; /* speaks this language (case-insensitive), or NULL */
    double min_rating;    /* < 0 = no filter */
    const char *after_id; /* cursor, or NULL */
    int64_t after_last_seen;
    int limit; /* 1..50 */
} sb_discover_query_t;

typedef struct {
    const char *skill;
    const char *category; /* may be NULL */
    int64_t count;
} sb_skill_count_t;

typedef struct {
    char id[SB_ID_LEN + 1];
    char reviewer_id[SB_ID_LEN + 1];
    const char *reviewer_name; /* "First Last" */
    const char *reviewer_picture;
    int rating;           /* 1..5 */
    const char *feedback; /* may be NULL */
    int would_recommend;  /* -1 = not said */
    int64_t created_at;
} sb_review_t;

/*
 * How fresh discovery answers are, whatever the driver (test_store_aggregates.c checks it):
 * - discover_list, discover_matches, category_counts, trending_skills: exact at the instant
 *   asked, timed bans included. category_counts and trending_skills must not cost in
 *   proportion to the number of users: a driver keeps per-category and per-skill counts of
 *   the users who are visible or only timed-banned, and sessions per creation hour, in the
 *   same atomic step as every write that changes them (SQLite: sql/007's triggers), and
 *   subtracts at read time the few users whose timed ban is still in force.
 * - discover_list, discover_search and discover_matches hand out each card's kept text
 *   (card_head above), as fresh as the row. discover_list filtered by category costs in
 *   proportion to the page, not to the users offering that category or to all users
 *   (SQLite: sql/012's discover_category_seen, ordered like the list).
 * - discover_search: which users match, totalCount and every card's content are exact at
 *   once after any write; the relative order of users nobody changed may rest on ranking
 *   statistics up to SB_STORE_SEARCH_MAX_AGE_MS old (a cached ranking is patched with the
 *   users changed since it was made, not recomputed on every write).
 */
#define SB_STORE_SEARCH_MAX_AGE_MS 60000
/* discover_matches ranks at most this many candidates, so its cost does not grow with the
 * number of users who share the viewer's skills. */
#define SB_STORE_MATCHES_WINDOW 200

#define SB_STORE_DISCOVERY_OPS(X, d)                                                               \
    /* *out: array of sb_user_card_t (at most q->limit); *has_more: another page exists. */        \
    X(d, discover_list,                                                                            \
      (sb_store_conn_t * c, apr_pool_t * p, const sb_discover_query_t *q,                          \
       apr_array_header_t **out, int *has_more, sb_store_error_t *err),                            \
      (c, p, q, out, has_more, err))                                                               \
    /* Ranked full-text search over names, offered skill names and bio. terms: array of            \
     * const char * words as typed (the driver quotes them; each matches as a prefix, all          \
     * must match). Same visibility as discover_list; category as there (may be NULL).             \
     * Best match first; *total is the number of matches. */                                       \
    X(d, discover_search,                                                                          \
      (sb_store_conn_t * c, apr_pool_t * p, const char *viewer_id, int64_t now,                    \
       const apr_array_header_t *terms, const char *category, int offset, int limit,               \
       apr_array_header_t **out, int64_t *total, sb_store_error_t *err),                           \
      (c, p, viewer_id, now, terms, category, offset, limit, out, total, err))                     \
    /* For each of the n category names, the number of visible users offering a skill in           \
     * it. */                                                                                      \
    X(d, category_counts,                                                                          \
      (sb_store_conn_t * c, int64_t now, const char *const *categories, int n, int64_t *counts,    \
       sb_store_error_t *err),                                                                     \
      (c, now, categories, n, counts, err))                                                        \
    /* Skills most requested in sessions created since `since` (*source = "sessions");             \
     * when there were none, the most offered skills of visible users (*source =                   \
     * "offered"). *out: array of sb_skill_count_t, at most limit. */                              \
    X(d, trending_skills,                                                                          \
      (sb_store_conn_t * c, apr_pool_t * p, int64_t since, int64_t now, int limit,                 \
       apr_array_header_t **out, const char **source, sb_store_error_t *err),                      \
      (c, p, since, now, limit, out, source, err))                                                 \
    /* Visible users who offer a skill the viewer wants AND want a skill the viewer offers         \
     * (names compared case-insensitively), not the viewer nor whom they blocked. Of these,        \
     * the SB_STORE_MATCHES_WINDOW most recently seen (last_seen, then id, descending) are         \
     * ranked by they_offer + they_want, then the smaller of the two, then last_seen and id        \
     * descending; *out: the first limit of that ranking (exact when fewer match). */              \
    X(d, discover_matches,                                                                         \
      (sb_store_conn_t * c, apr_pool_t * p, const char *viewer_id, int64_t now, int limit,         \
       apr_array_header_t **out, sb_store_error_t *err),                                           \
      (c, p, viewer_id, now, limit, out, err))                                                     \
    /* The newest reviews of a user (reviewee), at most limit; *out of sb_review_t. */             \
    X(d, reviews_recent,                                                                           \
      (sb_store_conn_t * c, apr_pool_t * p, const char *user_id, int limit,                        \
       apr_array_header_t **out, sb_store_error_t *err),                                           \
      (c, p, user_id, limit, out, err))

#endif

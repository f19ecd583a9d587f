/*
 * SQLite driver: discovery — the filtered discover list (keyset pagination over
 * (last_seen, id)), FTS5 search and recent reviews (category counts and trending skills:
 * sqlite_aggregates.c; mutual matches: sqlite_matches.c). Every statement is static text,
 * so the statement cache keeps them prepared; optional filters are "?n IS NULL OR ..." terms.
 * A page asked again is answered from the per-process caches of sqlite_page_cache.h, never
 * stale: the list page for nobody in particular cut for the viewer, and search's head, block
 * list and cards.
 */
#include "sqlite_int.h"
#include "sqlite_search_cache.h"
#include "sqlite_page_cache.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

/* A list or search card: the stored text and what is appended to it. */
#define HEAD_COLS SB_SQLITE_HEAD_COLS

/* ?1 viewer, ?2 now. "+u.is_active" keeps the planner on users_last_seen for the sort.
 * People the viewer blocked are left out. */
#define VISIBLE                                                                                    \
    " " SB_SQLITE_VISIBLE(                                                                         \
        "+u", "?2") " AND u.id <> ?1 AND u.skills_offered <> '[]'"                                 \
                    " AND NOT EXISTS (SELECT 1 FROM user_blocks b WHERE b.blocker_id = ?1"         \
                    " AND b.blocked_id = u.id)"

/* ?3 skill, ?5 language, ?6 min rating (a category, ?4, picks the statements that read
 * discover_category_seen) */
#define DISCOVER_FILTERS                                                                           \
    " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM user_skills s WHERE s.user_id = u.id"               \
    " AND s.kind = 'offered' AND instr(s.skill_lower, lower(?3)) > 0))"                            \
    " AND (?5 IS NULL OR EXISTS (SELECT 1 FROM json_each(u.languages) j"                           \
    " WHERE lower(j.value) = lower(?5)))"                                                          \
    " AND (?6 IS NULL OR u.rating >= ?6)"

static const char SQL_DISCOVER_FIRST[] =
    "SELECT " HEAD_COLS " FROM users u WHERE" VISIBLE DISCOVER_FILTERS
    " ORDER BY u.last_seen DESC, u.id DESC LIMIT ?9";
static const char SQL_DISCOVER_AFTER[] =
    "SELECT " HEAD_COLS " FROM users u WHERE" VISIBLE DISCOVER_FILTERS
    " AND (u.last_seen, u.id) < (?7, ?8)"
    " ORDER BY u.last_seen DESC, u.id DESC LIMIT ?9";
/* With a category (?4): the page read in order from sql/012's discover_category_seen index
 * (its last_seen is the user's; it holds who offers a skill in that category), so only the
 * users shown and the few hidden ones are visited. */
#define CATEGORY_FROM                                                                              \
    " FROM discover_category_seen d CROSS JOIN users u ON u.id = d.user_id"                        \
    " WHERE d.category = ?4 AND" VISIBLE DISCOVER_FILTERS
static const char SQL_DISCOVER_CATEGORY_FIRST[] =
    "SELECT " HEAD_COLS CATEGORY_FROM " ORDER BY d.last_seen DESC, d.user_id DESC LIMIT ?9";
static const char SQL_DISCOVER_CATEGORY_AFTER[] =
    "SELECT " HEAD_COLS CATEGORY_FROM " AND (d.last_seen, d.user_id) < (?7, ?8)"
    " ORDER BY d.last_seen DESC, d.user_id DESC LIMIT ?9";

/* ?3 FTS5 query, ?4 category */
#define SEARCH_FROM                                                                                \
    " FROM users_fts f JOIN users_fts_key m ON m.k = f.rowid JOIN users u ON u.id = m.user_id"     \
    " WHERE users_fts MATCH ?3 AND" VISIBLE                                                        \
    " AND (?4 IS NULL OR EXISTS (SELECT 1 FROM user_skills s WHERE s.user_id = u.id"               \
    " AND s.kind = 'offered' AND s.category = ?4))"
/* bm25 weights: name 4, skills 6, bio 1 (lower is better) */
static const char SQL_SEARCH[] =
    "SELECT " HEAD_COLS SEARCH_FROM
    " ORDER BY bm25(users_fts, 4.0, 6.0, 1.0), u.last_seen DESC, u.id DESC LIMIT ?5 OFFSET ?6";
static const char SQL_SEARCH_COUNT[] = "SELECT count(*)" SEARCH_FROM;
/* Every match in rank order (?1 "" so the viewer is kept; pages drop them). */
static const char SQL_SEARCH_IDS[] =
    "SELECT u.id, bm25(users_fts, 4.0, 6.0, 1.0), u.last_seen" SEARCH_FROM
    " ORDER BY bm25(users_fts, 4.0, 6.0, 1.0), u.last_seen DESC, u.id DESC";
/* One user's score and last_seen when they match (?5 the id), to patch a cached ranking. */
static const char SQL_SEARCH_ONE[] =
    "SELECT bm25(users_fts, 4.0, 6.0, 1.0), u.last_seen" SEARCH_FROM
    " AND f.rowid = (SELECT k FROM users_fts_key WHERE user_id = ?5)";
/* The search_changes log (sql/007): its head, and the users changed after a position. */
static const char SQL_SEARCH_SEQ[] = "SELECT max(seq) FROM search_changes";
static const char SQL_SEARCH_CHANGES[] =
    "SELECT DISTINCT user_id FROM search_changes WHERE seq > ?1";
/* The next instant a timed ban runs out (visibility changes then without a write). */
static const char SQL_NEXT_BAN_END[] =
    "SELECT min(ban_expires_at) FROM users WHERE is_banned = 1 AND ban_expires_at > 0"
    " AND ban_expires_at > ?1";
#define SB_SEARCH_PAGE_IDS 50

/* One card of a cached ranking's page (?3 its id), visibility checked again. Whom the viewer
 * blocked the page has left out already (viewer_hidden), so that is not asked per row. */
#define VISIBLE_ROW " " SB_SQLITE_VISIBLE("u", "?2") " AND u.id <> ?1 AND u.skills_offered <> '[]'"
static const char SQL_CARD_BY_ID[] =
    "SELECT " HEAD_COLS " FROM users u WHERE u.id = ?3 AND" VISIBLE_ROW;

static const char SQL_REVIEWS_RECENT[] =
    "SELECT r.id, r.reviewer_id, u.first_name || ' ' || u.last_name, u.profile_picture,"
    " r.rating, r.feedback, r.would_recommend, r.created_at FROM reviews r"
    " JOIN users u ON u.id = r.reviewer_id WHERE r.reviewee_id = ?1"
    " ORDER BY r.created_at DESC, r.id DESC LIMIT ?2";

sb_user_card_t *sb_sqlite_row_card(apr_pool_t *p, sqlite3_stmt *st, int col0, apr_array_header_t *a)
{
    sb_user_card_t *u = apr_array_push(a);

    memset(u, 0, sizeof *u);
    sb_sqlite_col_id(st, col0, u->id);
    u->username = sb_sqlite_col_text(p, st, col0 + 1);
    u->first_name = sb_sqlite_col_text(p, st, col0 + 2);
    u->last_name = sb_sqlite_col_text(p, st, col0 + 3);
    u->profile_picture = sb_sqlite_col_text(p, st, col0 + 4);
    u->bio = sb_sqlite_col_text(p, st, col0 + 5);
    u->timezone = sb_sqlite_col_text(p, st, col0 + 6);
    u->country = sb_sqlite_col_text(p, st, col0 + 7);
    u->languages_json = sb_sqlite_col_text(p, st, col0 + 8);
    u->offered_json = sb_sqlite_col_text(p, st, col0 + 9);
    u->wanted_json = sb_sqlite_col_text(p, st, col0 + 10);
    u->rating = sqlite3_column_double(st, col0 + 11);
    u->total_reviews = sqlite3_column_int(st, col0 + 12);
    u->is_verified = sqlite3_column_int(st, col0 + 13);
    u->last_seen = sqlite3_column_int64(st, col0 + 14);
    return u;
}

void sb_sqlite_row_card_head(apr_pool_t *p, sqlite3_stmt *st, apr_array_header_t *a)
{
    sb_user_card_t *u = apr_array_push(a);
    const char *head;

    memset(u, 0, sizeof *u);
    sb_sqlite_col_id(st, 0, u->id);
    u->last_seen = sqlite3_column_int64(st, 1);
    if ((head = (const char *)sqlite3_column_text(st, 2))) {
        u->card_head_len = (apr_size_t)sqlite3_column_bytes(st, 2);
        u->card_head = apr_pstrmemdup(p, head, u->card_head_len);
    }
    u->rating = sqlite3_column_double(st, 3);
    u->total_reviews = sqlite3_column_int(st, 4);
    u->is_verified = sqlite3_column_int(st, 5);
}

/* Step st to the end, collecting up to max cards of HEAD_COLS (extra rows set *more). */
static sb_store_status_t collect_heads(sb_sqlite_conn_t *sc, apr_pool_t *p, sqlite3_stmt *st,
                                       int max, apr_array_header_t **out, int *more,
                                       sb_store_error_t *err)
{
    int rc;

    *out = apr_array_make(p, max > 0 ? max : 1, sizeof(sb_user_card_t));
    if (more) {
        *more = 0;
    }
    while ((rc = sb_sqlite_step(sc, st, err, "cards")) == SQLITE_ROW) {
        if ((*out)->nelts == max) {
            if (more) {
                *more = 1;
            }
            break;
        }
        sb_sqlite_row_card_head(p, st, *out);
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(st);
    return SB_STORE_OK;
}

/* The list's page for q (viewer_id: q's, or "" for nobody), up to max cards. */
static sb_store_status_t list_read(sb_sqlite_conn_t *sc, apr_pool_t *p,
                                   const sb_discover_query_t *q, const char *viewer_id, int max,
                                   apr_array_header_t **out, int *has_more, sb_store_error_t *err)
{
    const char *sql = q->after_id ? SQL_DISCOVER_AFTER : SQL_DISCOVER_FIRST;
    sqlite3_stmt *st;

    if (q->category) {
        sql = q->after_id ? SQL_DISCOVER_CATEGORY_AFTER : SQL_DISCOVER_CATEGORY_FIRST;
    }
    if (!(st = sb_sqlite_prepare(sc, sql, err))) {
        return err->status;
    }
    sb_sqlite_bind_text(st, 1, viewer_id);
    sqlite3_bind_int64(st, 2, q->now);
    sb_sqlite_bind_text(st, 3, q->skill);
    sb_sqlite_bind_text(st, 4, q->category);
    sb_sqlite_bind_text(st, 5, q->language);
    if (q->min_rating >= 0) {
        sqlite3_bind_double(st, 6, q->min_rating);
    }
    if (q->after_id) {
        sqlite3_bind_int64(st, 7, q->after_last_seen);
        sb_sqlite_bind_text(st, 8, q->after_id);
    }
    sqlite3_bind_int(st, 9, max + 1);
    return collect_heads(sc, p, st, max, out, has_more, err);
}

/* ---- the cached forms (sqlite_page_cache.h) ---- */

/* Rows a cached discover page keeps past the page asked for, for the viewer and whom they
 * blocked to be left out of it: a viewer with more of them on one page is answered by the
 * direct query. */
#define SB_PAGE_SLACK 8

static sb_store_status_t next_ban_end(sb_sqlite_conn_t *sc, int64_t now, int64_t *next,
                                      sb_store_error_t *err);

static int is_hidden(const char *id, const sb_id_buf_t *hidden, int nhidden)
{
    int i;

    for (i = 0; i < nhidden; i++) {
        if (strcmp(hidden[i], id) == 0) {
            return 1;
        }
    }
    return 0;
}

static const char SQL_VIEWER_BLOCKS[] = "SELECT blocked_id FROM user_blocks WHERE blocker_id = ?1";

/* The ids a page leaves out for viewer_id: the viewer, then whom they blocked (usually
 * nobody), as sb_id_buf_t; the block list from the viewers cache when sc may use it. */
static sb_store_status_t viewer_hidden(sb_sqlite_conn_t *sc, sb_sqlite_store_t *ss, apr_pool_t *p,
                                       const char *viewer_id, apr_array_header_t **out,
                                       sb_store_error_t *err)
{
    int cached = ss->viewers && sb_page_cache_usable(sc) && strlen(viewer_id) == SB_ID_LEN;
    const char *key = cached ? apr_pstrcat(p, "b\x1f", viewer_id, NULL) : NULL;
    apr_array_header_t *blocked;
    sb_page_stamp_t stamp;
    sb_page_t pg;
    sqlite3_stmt *st;
    int rc, i;

    *out = apr_array_make(p, 4, sizeof(sb_id_buf_t));
    apr_cpystrn(*(sb_id_buf_t *)apr_array_push(*out), viewer_id, sizeof(sb_id_buf_t));
    if (cached && sb_page_cache_get(ss->viewers, sc->turn, p, key, 0, &pg)) {
        for (i = 0; i < pg.n; i++) {
            memcpy(apr_array_push(*out), pg.cards[i].id, sizeof(sb_id_buf_t));
        }
        return SB_STORE_OK;
    }
    if (cached) {
        sb_page_stamp(sc->turn, SB_SQLITE_GEN_DISCOVER, &stamp);
    }
    if (!(st = sb_sqlite_prepare(sc, SQL_VIEWER_BLOCKS, err))) {
        return err->status;
    }
    blocked = apr_array_make(p, 4, sizeof(sb_user_card_t));
    sb_sqlite_bind_text(st, 1, viewer_id);
    while ((rc = sb_sqlite_step(sc, st, err, "viewer blocks")) == SQLITE_ROW) {
        sb_user_card_t *b = apr_array_push(blocked);
        memset(b, 0, sizeof *b);
        sb_sqlite_col_id(st, 0, b->id);
        memcpy(apr_array_push(*out), b->id, sizeof(sb_id_buf_t));
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(st);
    if (cached) {
        pg = (sb_page_t){(sb_user_card_t *)blocked->elts,
                         NULL,
                         blocked->nelts,
                         {0, 0},
                         INT64_MAX,
                         NULL,
                         NULL,
                         0};
        sb_page_cache_put(ss->viewers, sc->turn, key, &stamp, &pg);
    }
    return SB_STORE_OK;
}
#define HIDDEN(a) (const sb_id_buf_t *)(a)->elts, (a)->nelts

/* A cache key's part for an optional text: "-" for none, else its length, ":" and the text
 * (so that no text, whatever it holds, reads as another split of the key). */
static const char *key_text(apr_pool_t *p, const char *s)
{
    return s ? apr_psprintf(p, "%" APR_SIZE_T_FMT ":%s", strlen(s), s) : "-";
}

/* The page of cards for nobody in particular that q's page is cut from, with SB_PAGE_SLACK
 * rows more, from the pages cache or read into it; aux[0]: the list ends within it. */
static sb_store_status_t list_page(sb_sqlite_conn_t *sc, sb_sqlite_store_t *ss, apr_pool_t *p,
                                   const sb_discover_query_t *q, sb_page_t *pg,
                                   sb_store_error_t *err)
{
    const char *key = apr_psprintf(
        p, "l %s %s %s %.17g %s %" APR_INT64_T_FMT " %d", key_text(p, q->category),
        key_text(p, q->skill), key_text(p, q->language), q->min_rating >= 0 ? q->min_rating : -1.0,
        key_text(p, q->after_id), q->after_id ? q->after_last_seen : 0, q->limit);
    apr_array_header_t *cards;
    sb_page_stamp_t stamp;
    sb_store_status_t s;
    int64_t until = INT64_MAX;
    int more = 0;

    if (sb_page_cache_get(ss->pages, sc->turn, p, key, q->now, pg)) {
        return SB_STORE_OK;
    }
    sb_page_stamp(sc->turn, SB_SQLITE_GEN_DISCOVER, &stamp);
    if ((s = sb_sqlite_begin_read(sc, err)) != SB_STORE_OK) {
        return s;
    }
    s = list_read(sc, p, q, "", q->limit + SB_PAGE_SLACK, &cards, &more, err);
    if (s == SB_STORE_OK) {
        s = next_ban_end(sc, q->now, &until, err);
    }
    if ((s = sb_sqlite_end(sc, s, err)) != SB_STORE_OK) {
        return s;
    }
    *pg = (sb_page_t){
        (sb_user_card_t *)cards->elts, NULL, cards->nelts, {!more, 0}, until, NULL, NULL, 0};
    sb_page_cache_put(ss->pages, sc->turn, key, &stamp, pg);
    return SB_STORE_OK;
}

/* viewer_id's page (at most limit) cut from pg without the hidden ids: 1, or 0 when pg has
 * too few rows left for it (the list goes on past pg). */
static int list_cut(apr_pool_t *p, const sb_page_t *pg, const sb_id_buf_t *hidden, int nhidden,
                    int limit, apr_array_header_t **out, int *more)
{
    int i;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_user_card_t));
    *more = 0;
    for (i = 0; i < pg->n; i++) {
        if (is_hidden(pg->cards[i].id, hidden, nhidden)) {
            continue;
        }
        if ((*out)->nelts == limit) {
            *more = 1;
            return 1;
        }
        *(sb_user_card_t *)apr_array_push(*out) = pg->cards[i];
    }
    return pg->aux[0] != 0;
}

sb_store_status_t sb_sqlite_discover_list(sb_store_conn_t *c, apr_pool_t *p,
                                          const sb_discover_query_t *q, apr_array_header_t **out,
                                          int *has_more, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_sqlite_store_t *ss = c->store->priv;
    const char *viewer_id = q->viewer_id ? q->viewer_id : "";
    apr_array_header_t *hidden;
    sb_store_status_t s;
    sb_page_t pg;

    if (ss->pages && ss->viewers && sb_page_cache_usable(sc)) {
        if ((s = viewer_hidden(sc, ss, p, viewer_id, &hidden, err)) != SB_STORE_OK
            || (s = list_page(sc, ss, p, q, &pg, err)) != SB_STORE_OK) {
            return s;
        }
        if (list_cut(p, &pg, HIDDEN(hidden), q->limit, out, has_more)) {
            return SB_STORE_OK;
        }
    }
    return list_read(sc, p, q, viewer_id, q->limit, out, has_more, err);
}

/* Each term as an FTS5 prefix phrase ("te""rm"*), all required: operators never pass. */
static const char *fts_query(apr_pool_t *p, const apr_array_header_t *terms)
{
    const char *q = "";
    int i;

    for (i = 0; terms && i < terms->nelts; i++) {
        const char *t = APR_ARRAY_IDX(terms, i, const char *), *s;
        apr_size_t n = 0;
        char *o = apr_palloc(p, strlen(t) * 2 + 1);
        for (s = t; *s; s++) {
            if (*s == '"') {
                o[n++] = '"';
            }
            o[n++] = *s;
        }
        o[n] = '\0';
        q = apr_pstrcat(p, q, *q ? " " : "", "\"", o, "\"*", NULL);
    }
    return q;
}

/* Number of visible matches (viewer_id "" keeps everyone). */
static sb_store_status_t search_count(sb_sqlite_conn_t *sc, const char *viewer_id, int64_t now,
                                      const char *match, const char *category, int64_t *total,
                                      sb_store_error_t *err)
{
    sqlite3_stmt *st = sb_sqlite_prepare(sc, SQL_SEARCH_COUNT, err);
    int rc;

    if (!st) {
        return err->status;
    }
    sb_sqlite_bind_text(st, 1, viewer_id);
    sqlite3_bind_int64(st, 2, now);
    sb_sqlite_bind_text(st, 3, match);
    sb_sqlite_bind_text(st, 4, category);
    if ((rc = sb_sqlite_step(sc, st, err, "search count")) < 0) {
        return err->status;
    }
    *total = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sb_sqlite_done(st);
    return SB_STORE_OK;
}

/* The direct form: count, then the ranked page (deep pages, or when there is no cache). */
static sb_store_status_t search_direct(sb_sqlite_conn_t *sc, apr_pool_t *p, const char *viewer_id,
                                       int64_t now, const char *match, const char *category,
                                       int offset, int limit, apr_array_header_t **out,
                                       int64_t *total, sb_store_error_t *err)
{
    sqlite3_stmt *st;

    if (search_count(sc, viewer_id, now, match, category, total, err) != SB_STORE_OK
        || !(st = sb_sqlite_prepare(sc, SQL_SEARCH, err))) {
        return err->status;
    }
    sb_sqlite_bind_text(st, 1, viewer_id);
    sqlite3_bind_int64(st, 2, now);
    sb_sqlite_bind_text(st, 3, match);
    sb_sqlite_bind_text(st, 4, category);
    sqlite3_bind_int(st, 5, limit);
    sqlite3_bind_int(st, 6, offset);
    return collect_heads(sc, p, st, limit, out, NULL, err);
}

/* One integer (or 0 for NULL) from a statement with ?1 bound to arg (when bind). */
static sb_store_status_t one_int64(sb_sqlite_conn_t *sc, const char *sql, int bind, int64_t arg,
                                   int64_t *v, sb_store_error_t *err)
{
    sqlite3_stmt *st = sb_sqlite_prepare(sc, sql, err);
    int rc;

    if (!st) {
        return err->status;
    }
    if (bind) {
        sqlite3_bind_int64(st, 1, arg);
    }
    if ((rc = sb_sqlite_step(sc, st, err, "search state")) < 0) {
        return err->status;
    }
    *v = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sb_sqlite_done(st);
    return SB_STORE_OK;
}

/* The next instant a timed ban runs out after now, or INT64_MAX. */
static sb_store_status_t next_ban_end(sb_sqlite_conn_t *sc, int64_t now, int64_t *next,
                                      sb_store_error_t *err)
{
    sb_store_status_t s = one_int64(sc, SQL_NEXT_BAN_END, 1, now, next, err);

    if (s == SB_STORE_OK && *next <= 0) {
        *next = INT64_MAX;
    }
    return s;
}

static int key_cmp(const void *a, const void *b)
{
    return memcmp(a, b, SB_ID_LEN);
}

/* Rank every match (viewer included) for the cache: the best MAX_IDS with their scores, the
 * sorted ids of all (up to MAX_KEYS), the count, at change-log position seq. */
static sb_store_status_t search_rank(sb_sqlite_conn_t *sc, apr_pool_t *p, int64_t now, int64_t seq,
                                     const char *match, const char *category, sb_search_entry_t *e,
                                     sb_store_error_t *err)
{
    apr_array_header_t *keys = apr_array_make(p, 256, sizeof(sb_id_key_t));
    sqlite3_stmt *st;
    int rc;

    memset(e, 0, sizeof *e);
    e->hits = apr_palloc(p, sizeof(sb_search_hit_t) * SB_SEARCH_CACHE_MAX_IDS);
    e->seq = seq;
    e->at = now;
    if (!(st = sb_sqlite_prepare(sc, SQL_SEARCH_IDS, err))) {
        return err->status;
    }
    sb_sqlite_bind_text(st, 1, "");
    sqlite3_bind_int64(st, 2, now);
    sb_sqlite_bind_text(st, 3, match);
    sb_sqlite_bind_text(st, 4, category);
    while ((rc = sb_sqlite_step(sc, st, err, "search rank")) == SQLITE_ROW) {
        sb_id_buf_t id;
        sb_sqlite_col_id(st, 0, id);
        if (e->n < SB_SEARCH_CACHE_MAX_IDS) {
            sb_search_hit_t *h = &e->hits[e->n++];
            memcpy(h->id, id, sizeof id);
            h->score = sqlite3_column_double(st, 1);
            h->last_seen = sqlite3_column_int64(st, 2);
        }
        if (e->total < SB_SEARCH_CACHE_MAX_KEYS && strlen(id) == SB_ID_LEN) {
            memcpy(apr_array_push(keys), id, SB_ID_LEN);
        }
        e->total++;
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(st);
    if (keys->nelts == e->total) {
        qsort(keys->elts, keys->nelts, sizeof(sb_id_key_t), key_cmp);
        e->keys = (sb_id_key_t *)keys->elts;
        e->nkeys = keys->nelts;
    }
    if (next_ban_end(sc, now, &e->valid_until, err) != SB_STORE_OK) {
        return err->status;
    }
    if (e->valid_until > now + SB_SEARCH_CACHE_TTL_MS) {
        e->valid_until = now + SB_SEARCH_CACHE_TTL_MS;
    }
    return SB_STORE_OK;
}

/* The users changed after from_seq as the store sees them now (*n; -1 when more than a
 * cached entry is patched with), and the next end of a timed ban. */
static sb_store_status_t search_changes(sb_sqlite_conn_t *sc, apr_pool_t *p, int64_t now,
                                        int64_t from_seq, const char *match, const char *category,
                                        sb_search_change_t **out, int *n, int64_t *next,
                                        sb_store_error_t *err)
{
    sqlite3_stmt *st = sb_sqlite_prepare(sc, SQL_SEARCH_CHANGES, err);
    apr_array_header_t *ch = apr_array_make(p, 16, sizeof(sb_search_change_t));
    int rc, i;

    *n = -1;
    if (!st) {
        return err->status;
    }
    sqlite3_bind_int64(st, 1, from_seq);
    while ((rc = sb_sqlite_step(sc, st, err, "search changes")) == SQLITE_ROW) {
        sb_search_change_t *c = apr_array_push(ch);
        memset(c, 0, sizeof *c);
        sb_sqlite_col_id(st, 0, c->id);
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(st);
    if (ch->nelts > SB_SEARCH_CACHE_MAX_CHANGES) {
        return SB_STORE_OK;
    }
    if (!(st = sb_sqlite_prepare(sc, SQL_SEARCH_ONE, err))) {
        return err->status;
    }
    for (i = 0; i < ch->nelts; i++) {
        sb_search_change_t *c = &APR_ARRAY_IDX(ch, i, sb_search_change_t);
        sb_sqlite_bind_text(st, 1, "");
        sqlite3_bind_int64(st, 2, now);
        sb_sqlite_bind_text(st, 3, match);
        sb_sqlite_bind_text(st, 4, category);
        sb_sqlite_bind_text(st, 5, c->id);
        if ((rc = sb_sqlite_step(sc, st, err, "search one")) < 0) {
            return err->status;
        }
        if ((c->matches = rc == SQLITE_ROW)) {
            c->score = sqlite3_column_double(st, 0);
            c->last_seen = sqlite3_column_int64(st, 1);
        }
        sb_sqlite_done(st);
    }
    *out = (sb_search_change_t *)ch->elts;
    *n = ch->nelts;
    return next_ban_end(sc, now, next, err);
}

/* Cards for ids[0..n) in that order; rows no longer visible drop out. */
static sb_store_status_t cards_in_order(sb_sqlite_conn_t *sc, apr_pool_t *p, const char *viewer_id,
                                        int64_t now, const sb_id_buf_t *ids, int n,
                                        apr_array_header_t **out, sb_store_error_t *err)
{
    sqlite3_stmt *st = sb_sqlite_prepare(sc, SQL_CARD_BY_ID, err);
    int i, rc;

    *out = apr_array_make(p, n > 0 ? n : 1, sizeof(sb_user_card_t));
    if (!st) {
        return err->status;
    }
    for (i = 0; i < n; i++) {
        sb_sqlite_bind_text(st, 1, viewer_id);
        sqlite3_bind_int64(st, 2, now);
        sb_sqlite_bind_text(st, 3, ids[i]);
        if ((rc = sb_sqlite_step(sc, st, err, "search card")) < 0) {
            return err->status;
        }
        if (rc == SQLITE_ROW) {
            sb_sqlite_row_card_head(p, st, *out);
        }
        sb_sqlite_done(st);
    }
    return SB_STORE_OK;
}

/* Begin the search's read transaction: the search_changes head and the ids a page hides. */
static sb_store_status_t search_begin(sb_sqlite_conn_t *sc, sb_sqlite_store_t *ss, apr_pool_t *p,
                                      const char *viewer_id, int64_t *seq,
                                      apr_array_header_t **hidden, sb_store_error_t *err)
{
    sb_store_status_t s = sb_sqlite_begin_read(sc, err);

    if (s != SB_STORE_OK) {
        return s;
    }
    if ((s = one_int64(sc, SQL_SEARCH_SEQ, 0, 0, seq, err)) == SB_STORE_OK) {
        /* rankings are cached for everyone: the viewer and whom they blocked are left out
         * of each page */
        s = viewer_hidden(sc, ss, p, viewer_id, hidden, err);
    }
    if (s != SB_STORE_OK) {
        sb_sqlite_end(sc, s, err);
    }
    return s;
}

/* The search_changes head from the pages cache or read into it (outside a transaction). */
static sb_store_status_t search_seq_cached(sb_sqlite_conn_t *sc, sb_sqlite_store_t *ss,
                                           apr_pool_t *p, int64_t *seq, sb_store_error_t *err)
{
    static const char key[] = "s";
    sb_page_stamp_t stamp;
    sb_page_t pg;

    if (sb_page_cache_get(ss->pages, sc->turn, p, key, 0, &pg)) {
        *seq = pg.aux[0];
        return SB_STORE_OK;
    }
    sb_page_stamp(sc->turn, SB_SQLITE_GEN_DISCOVER, &stamp);
    if (one_int64(sc, SQL_SEARCH_SEQ, 0, 0, seq, err) != SB_STORE_OK) {
        return err->status;
    }
    pg = (sb_page_t){NULL, NULL, 0, {*seq, 0}, INT64_MAX, NULL, NULL, 0};
    sb_page_cache_put(ss->pages, sc->turn, key, &stamp, &pg);
    return SB_STORE_OK;
}

/*
 * A search page without a transaction or a store read when the caches hold it: the
 * search_changes head, the viewer's block list, a ranking at that head that answers the
 * page and its total, and the page's cards. *answered 0: the caller searches as before
 * (*renew 1: it ranks afresh, the lookup handed this caller the entry's renewal).
 */
static sb_store_status_t search_cached(sb_sqlite_conn_t *sc, sb_sqlite_store_t *ss, apr_pool_t *p,
                                       const char *viewer_id, int64_t now, const char *key,
                                       int offset, int limit, apr_array_header_t **out,
                                       int64_t *total, int *answered, int *renew,
                                       sb_store_error_t *err)
{
    apr_array_header_t *hidden;
    sb_search_lookup_t found;
    sb_search_page_t pg;
    sb_store_status_t s;
    int64_t seq, behind;
    int i;

    *answered = *renew = 0;
    if ((s = search_seq_cached(sc, ss, p, &seq, err)) != SB_STORE_OK
        || (s = viewer_hidden(sc, ss, p, viewer_id, &hidden, err)) != SB_STORE_OK) {
        return s;
    }
    found = sb_search_cache_page(ss->search_cache, p, key, seq, now, HIDDEN(hidden), offset, limit,
                                 &pg, &behind);
    *renew = found == SB_SEARCH_RENEW;
    if (found != SB_SEARCH_HIT || !pg.complete || pg.hidden_unknown) {
        return SB_STORE_OK;
    }
    *out = apr_array_make(p, pg.np > 0 ? pg.np : 1, sizeof(sb_user_card_t));
    for (i = 0; i < pg.np; i++) {
        sb_page_t card;
        if ((s = sb_sqlite_card_cached(sc, ss, p, pg.ids[i], &card, err)) != SB_STORE_OK) {
            return s;
        }
        /* as cards_in_order: a row no longer visible drops out */
        if (card.n && now >= card.shown_from[0] && !is_hidden(card.cards[0].id, HIDDEN(hidden))) {
            *(sb_user_card_t *)apr_array_push(*out) = card.cards[0];
        }
    }
    *total = pg.total;
    *answered = 1;
    return SB_STORE_OK;
}

/* Lookups of one search before it ranks from scratch: an entry behind is patched (by one
 * caller: the others wait for it), one another reader patched past this transaction's
 * snapshot is read again in a newer one, and a key another caller is ranking is waited for. */
#define SB_SEARCH_LOOKUPS 8

/*
 * Search without a transaction when the caches answer the whole page (search_cached); else in
 * one read transaction: a page of the cached ranking when the cache holds this
 * query at the current search_changes position; a cached ranking behind it is patched with
 * the users changed since (membership and counts exact at once; see sqlite_search_cache.h);
 * else every match is ranked once and cached. Pages deeper than the cached ranking use the
 * direct query.
 */
sb_store_status_t sb_sqlite_discover_search(sb_store_conn_t *c, apr_pool_t *p,
                                            const char *viewer_id, int64_t now,
                                            const apr_array_header_t *terms, const char *category,
                                            int offset, int limit, apr_array_header_t **out,
                                            int64_t *total, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_sqlite_store_t *ss = c->store->priv;
    const char *match = fts_query(p, terms), *key;
    sb_search_entry_t fresh;
    sb_search_change_t *changes = NULL;
    sb_search_lookup_t found = SB_SEARCH_MISS;
    sb_search_page_t pg;
    apr_array_header_t *hidden;
    int64_t seq = 0, behind = 0, next = 0;
    int n = 0, lookups, claimed = 0, renew = 0;
    sb_store_status_t s;

    viewer_id = viewer_id ? viewer_id : "";
    *total = 0;
    if (!*match) {
        *out = apr_array_make(p, 1, sizeof(sb_user_card_t));
        return SB_STORE_OK;
    }
    if (!ss->search_cache || limit > SB_SEARCH_PAGE_IDS) {
        if ((s = sb_sqlite_begin_read(sc, err)) != SB_STORE_OK) {
            return s;
        }
        s = search_direct(sc, p, viewer_id, now, match, category, offset, limit, out, total, err);
        return sb_sqlite_end(sc, s, err);
    }
    key = apr_psprintf(p, "%s\x1f%s", match, category ? category : "");
    if (ss->pages && ss->viewers && ss->cards && sb_page_cache_usable(sc)) {
        int answered;
        s = search_cached(sc, ss, p, viewer_id, now, key, offset, limit, out, total, &answered,
                          &renew, err);
        if (s != SB_STORE_OK || answered) {
            return s;
        }
    }
    if ((s = search_begin(sc, ss, p, viewer_id, &seq, &hidden, err)) != SB_STORE_OK) {
        return s;
    }
    for (lookups = 0; !renew; lookups++) {
        found = sb_search_cache_page(ss->search_cache, p, key, seq, now, HIDDEN(hidden), offset,
                                     limit, &pg, &behind);
        if (found == SB_SEARCH_HIT || found == SB_SEARCH_RENEW || lookups == SB_SEARCH_LOOKUPS) {
            break; /* RENEW: this caller ranks, nobody waits for it */
        }
        if ((found == SB_SEARCH_MISS || found == SB_SEARCH_BEHIND) && !claimed
            && !(claimed = sb_search_cache_claim(ss->search_cache, key, now))) {
            found = SB_SEARCH_MISS; /* another caller is ranking or patching this key */
        }
        else if (found == SB_SEARCH_MISS) {
            break; /* this caller ranks */
        }
        if (found == SB_SEARCH_NEWER || found == SB_SEARCH_MISS) {
            /* NEWER: a newer snapshot sees at least the entry's changes. MISS: wait for the
             * other caller, outside a transaction. */
            if ((s = sb_sqlite_end(sc, SB_STORE_OK, err)) != SB_STORE_OK) {
                return s;
            }
            if (found == SB_SEARCH_MISS) {
                sb_search_cache_await(ss->search_cache, key);
            }
            if ((s = search_begin(sc, ss, p, viewer_id, &seq, &hidden, err)) != SB_STORE_OK) {
                return s;
            }
            continue;
        }
        if (found != SB_SEARCH_BEHIND) {
            break;
        }
        if ((s = search_changes(sc, p, now, behind, match, category, &changes, &n, &next, err))
            != SB_STORE_OK) {
            sb_search_cache_release(ss->search_cache, key);
            return sb_sqlite_end(sc, s, err);
        }
        found = SB_SEARCH_MISS;
        if (n < 0) {
            break; /* too many changes: this caller ranks */
        }
        /* patched, or another reader moved the entry meanwhile: look again either way */
        sb_search_cache_patch(ss->search_cache, key, behind, seq, changes, n, next);
        sb_search_cache_release(ss->search_cache, key);
        claimed = 0;
    }
    if (found != SB_SEARCH_HIT) {
        s = search_rank(sc, p, now, seq, match, category, &fresh, err);
        if (s == SB_STORE_OK) {
            sb_search_cache_put(ss->search_cache, key, &fresh);
        }
        if (claimed) {
            sb_search_cache_release(ss->search_cache, key);
        }
        if (s != SB_STORE_OK) {
            return sb_sqlite_end(sc, s, err);
        }
        sb_search_entry_page(p, &fresh, HIDDEN(hidden), offset, limit, &pg);
    }
    if (!pg.complete) {
        s = search_direct(sc, p, viewer_id, now, match, category, offset, limit, out, total, err);
    }
    else if (pg.hidden_unknown) {
        /* the viewer or someone they blocked may rank past the cached prefix: count the
         * others exactly */
        s = search_count(sc, viewer_id, now, match, category, total, err);
        if (s == SB_STORE_OK) {
            s = cards_in_order(sc, p, viewer_id, now, pg.ids, pg.np, out, err);
        }
    }
    else {
        *total = pg.total;
        s = cards_in_order(sc, p, viewer_id, now, pg.ids, pg.np, out, err);
    }
    return sb_sqlite_end(sc, s, err);
}

sb_store_status_t sb_sqlite_reviews_recent(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                           int limit, apr_array_header_t **out,
                                           sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *st = sb_sqlite_prepare(sc, SQL_REVIEWS_RECENT, err);
    int rc;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_review_t));
    if (!st) {
        return err->status;
    }
    sb_sqlite_bind_text(st, 1, user_id);
    sqlite3_bind_int(st, 2, limit);
    while ((rc = sb_sqlite_step(sc, st, err, "reviews")) == SQLITE_ROW) {
        sb_review_t *r = apr_array_push(*out);
        sb_sqlite_col_id(st, 0, r->id);
        sb_sqlite_col_id(st, 1, r->reviewer_id);
        r->reviewer_name = sb_sqlite_col_text(p, st, 2);
        r->reviewer_picture = sb_sqlite_col_text(p, st, 3);
        r->rating = sqlite3_column_int(st, 4);
        r->feedback = sb_sqlite_col_text(p, st, 5);
        r->would_recommend =
            sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 6);
        r->created_at = sqlite3_column_int64(st, 7);
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(st);
    return SB_STORE_OK;
}

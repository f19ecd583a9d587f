/*
 * SQLite driver: category counts and trending skills read from the aggregates that
 * sql/007's triggers keep in the same transaction as every write (so no answer is ever
 * stale), instead of being recomputed from every user per request.
 *
 * The aggregates count users that are visible now or once a timed ban runs out; the few
 * users whose timed ban is still in force at `now` (partial index users_timed_ban) are
 * subtracted here, so the answers equal a from-scratch computation with SB_SQLITE_VISIBLE.
 * Cost: O(categories) and O(limit) lookups when no timed ban is in force, otherwise
 * O(distinct offered skill names + the banned users' skill rows); sessions: O(distinct
 * (hour, skill) pairs of the window + the sessions of its first, partial hour).
 */
#include "sqlite_int.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#define HOUR_MS 3600000LL

/* Users with a timed ban in force at ?1 (the terms match users_timed_ban's WHERE). */
#define TIMED_BAN_IN_FORCE                                                                         \
    "u.is_banned = 1 AND u.ban_expires_at > 0 AND u.ban_expires_at > ?1 AND +u.is_active = 1"

static const char SQL_ANY_TIMED_BAN[] =
    "SELECT 1 FROM users u WHERE " TIMED_BAN_IN_FORCE " LIMIT 1";

static const char SQL_CATEGORY_AGG[] = "SELECT category, n FROM discover_category_users";
static const char SQL_CATEGORY_BANNED[] =
    "SELECT s.category, count(DISTINCT s.user_id) FROM users u"
    " CROSS JOIN user_skills s ON s.user_id = u.id AND s.kind = 'offered'"
    " WHERE " TIMED_BAN_IN_FORCE " AND +s.category IS NOT NULL GROUP BY s.category";

/* No timed ban in force: the top names straight from the (n DESC, skill_lower) index, each
 * with its live spellings (one row per spelling and category); offered_top picks the
 * displayed spelling (the least) and category (the greatest non-empty) and sorts, which
 * costs a tenth of asking SQLite for them in correlated subqueries. */
static const char SQL_OFFERED_TOP[] =
    "SELECT k.skill_lower, k.n, d.skill, d.category"
    " FROM (SELECT skill_lower, n FROM discover_skill_users WHERE n > 0"
    "  ORDER BY n DESC, skill_lower LIMIT ?2) k"
    " CROSS JOIN discover_skill_names d ON d.skill_lower = k.skill_lower AND d.n > 0";
/* Some timed bans in force: their users' rows subtracted from the spellings and names. */
static const char SQL_OFFERED_CORRECTED[] =
    "WITH b AS (SELECT s.user_id, s.skill_lower, s.skill, coalesce(s.category, '') AS category"
    "  FROM users u CROSS JOIN user_skills s ON s.user_id = u.id AND s.kind = 'offered'"
    "  WHERE " TIMED_BAN_IN_FORCE "),"
    " names AS (SELECT d.skill_lower, d.skill, d.category FROM discover_skill_names d"
    "  WHERE d.n - (SELECT count(*) FROM b WHERE b.skill_lower = d.skill_lower"
    "   AND b.skill = d.skill AND b.category = d.category) > 0),"
    " k AS (SELECT k.skill_lower, k.n - (SELECT count(DISTINCT b.user_id) FROM b"
    "   WHERE b.skill_lower = k.skill_lower) AS n FROM discover_skill_users k WHERE k.n > 0)"
    " SELECT k.skill_lower, k.n,"
    " (SELECT min(skill) FROM names WHERE names.skill_lower = k.skill_lower),"
    " (SELECT max(nullif(category, '')) FROM names WHERE names.skill_lower = k.skill_lower)"
    " FROM k WHERE k.n > 0 ORDER BY k.n DESC, k.skill_lower LIMIT ?2";

/* Hour buckets from ?2 on, plus the sessions of [?1, ?3), the window's partial first hour. */
static const char SQL_TRENDING_SESSIONS[] =
    "WITH r AS (SELECT skill, category, n FROM discover_session_hours WHERE hour >= ?2 AND n > 0"
    " UNION ALL SELECT skill, coalesce(category, ''), 1 FROM sessions"
    "  WHERE created_at >= ?1 AND created_at < ?3)"
    " SELECT min(skill), max(nullif(category, '')), sum(n) AS c FROM r GROUP BY lower(skill)"
    " ORDER BY c DESC, lower(skill) LIMIT ?4";

/* Whether SQL_TRENDING_SESSIONS has a row at all (same ?1..?3): two index probes, where
 * the grouped query costs two sorters even over nothing (no session in the window is the
 * common case of a young site, and the fallback then runs too). */
static const char SQL_ANY_SESSION[] =
    "SELECT EXISTS (SELECT 1 FROM discover_session_hours WHERE hour >= ?2 AND n > 0)"
    " OR EXISTS (SELECT 1 FROM sessions WHERE created_at >= ?1 AND created_at < ?3)";

/* 1 when some user's timed ban is in force at now, 0 when none, -1 + err on failure. */
static int any_timed_ban(sb_sqlite_conn_t *sc, int64_t now, sb_store_error_t *err)
{
    sqlite3_stmt *st = sb_sqlite_prepare(sc, SQL_ANY_TIMED_BAN, err);
    int rc;

    if (!st) {
        return -1;
    }
    sqlite3_bind_int64(st, 1, now);
    if ((rc = sb_sqlite_step(sc, st, err, "timed bans")) < 0) {
        return -1;
    }
    sb_sqlite_done(st);
    return rc == SQLITE_ROW;
}

/* Add sign * the (category, count) rows of sql (bound ?1 = now) to counts. */
static sb_store_status_t add_category_rows(sb_sqlite_conn_t *sc, const char *sql, int64_t now,
                                           int sign, const char *const *categories, int n,
                                           int64_t *counts, sb_store_error_t *err)
{
    sqlite3_stmt *st = sb_sqlite_prepare(sc, sql, err);
    int rc, i;

    if (!st) {
        return err->status;
    }
    sqlite3_bind_int64(st, 1, now);
    while ((rc = sb_sqlite_step(sc, st, err, "category counts")) == SQLITE_ROW) {
        const char *cat = (const char *)sqlite3_column_text(st, 0);
        for (i = 0; cat && i < n; i++) {
            if (!strcmp(categories[i], cat)) {
                counts[i] += sign * sqlite3_column_int64(st, 1);
            }
        }
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(st);
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_category_counts(sb_store_conn_t *c, int64_t now,
                                            const char *const *categories, int n, int64_t *counts,
                                            sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_store_status_t s;
    int i, banned;

    for (i = 0; i < n; i++) {
        counts[i] = 0;
    }
    if ((s = sb_sqlite_begin_read(sc, err)) != SB_STORE_OK) {
        return s;
    }
    if ((banned = any_timed_ban(sc, now, err)) < 0) {
        return sb_sqlite_end(sc, err->status, err);
    }
    s = add_category_rows(sc, SQL_CATEGORY_AGG, now, 1, categories, n, counts, err);
    if (s == SB_STORE_OK && banned) {
        s = add_category_rows(sc, SQL_CATEGORY_BANNED, now, -1, categories, n, counts, err);
    }
    return sb_sqlite_end(sc, s, err);
}

/* Rows of (skill, category, count) from st into *out; the caller bound st. */
static sb_store_status_t skill_rows(sb_sqlite_conn_t *sc, apr_pool_t *p, sqlite3_stmt *st,
                                    int name_col, int limit, apr_array_header_t **out,
                                    sb_store_error_t *err)
{
    int rc;

    *out = apr_array_make(p, limit > 0 ? limit : 1, sizeof(sb_skill_count_t));
    while ((rc = sb_sqlite_step(sc, st, err, "skill counts")) == SQLITE_ROW) {
        sb_skill_count_t *k = apr_array_push(*out);
        k->skill = sb_sqlite_col_text(p, st, name_col);
        k->category = sb_sqlite_col_text(p, st, name_col + 1);
        k->count = sqlite3_column_int64(st, name_col == 0 ? 2 : 1);
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(st);
    return SB_STORE_OK;
}

static sb_store_status_t trending_sessions(sb_sqlite_conn_t *sc, apr_pool_t *p, int64_t since,
                                           int limit, apr_array_header_t **out,
                                           sb_store_error_t *err)
{
    sqlite3_stmt *st = sb_sqlite_prepare(sc, SQL_TRENDING_SESSIONS, err);
    /* the first hour wholly inside the window (created_at is never negative) */
    int64_t first = since <= 0 ? 0 : (since + HOUR_MS - 1) / HOUR_MS;

    sqlite3_stmt *any = sb_sqlite_prepare(sc, SQL_ANY_SESSION, err);
    int rc;

    if (!st || !any) {
        return err->status;
    }
    sqlite3_bind_int64(any, 1, since);
    sqlite3_bind_int64(any, 2, first);
    sqlite3_bind_int64(any, 3, first * HOUR_MS);
    if ((rc = sb_sqlite_step(sc, any, err, "any session")) < 0) {
        return err->status;
    }
    rc = rc == SQLITE_ROW && sqlite3_column_int(any, 0);
    sb_sqlite_done(any);
    if (!rc) {
        *out = apr_array_make(p, 1, sizeof(sb_skill_count_t));
        return SB_STORE_OK;
    }
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int64(st, 2, first);
    sqlite3_bind_int64(st, 3, first * HOUR_MS);
    sqlite3_bind_int(st, 4, limit);
    return skill_rows(sc, p, st, 0, limit, out, err);
}

/* A top name of SQL_OFFERED_TOP: its lower-case key beside the public sb_skill_count_t. */
typedef struct {
    sb_skill_count_t k;
    const char *lower;
} top_name_t;

static int top_name_cmp(const void *a, const void *b)
{
    const top_name_t *x = a, *y = b;

    if (x->k.count != y->k.count) {
        return x->k.count > y->k.count ? -1 : 1;
    }
    return strcmp(x->lower, y->lower);
}

/* SQL_OFFERED_TOP's rows grouped by name, as SQL's min(skill) and max(nullif(category, ''))
 * would (BINARY collation: byte order), in the order n DESC, skill_lower. */
static sb_store_status_t offered_top(sb_sqlite_conn_t *sc, apr_pool_t *p, int limit,
                                     apr_array_header_t **out, sb_store_error_t *err)
{
    sqlite3_stmt *st = sb_sqlite_prepare(sc, SQL_OFFERED_TOP, err);
    apr_array_header_t *names = apr_array_make(p, limit > 0 ? limit : 1, sizeof(top_name_t));
    int rc, i;

    if (!st) {
        return err->status;
    }
    sqlite3_bind_int(st, 2, limit);
    while ((rc = sb_sqlite_step(sc, st, err, "offered top")) == SQLITE_ROW) {
        const char *lower = (const char *)sqlite3_column_text(st, 0);
        const char *skill = (const char *)sqlite3_column_text(st, 2);
        const char *cat = (const char *)sqlite3_column_text(st, 3);
        top_name_t *t = NULL;
        if (!lower || !skill) {
            continue;
        }
        for (i = 0; i < names->nelts && !t; i++) {
            if (!strcmp(APR_ARRAY_IDX(names, i, top_name_t).lower, lower)) {
                t = &APR_ARRAY_IDX(names, i, top_name_t);
            }
        }
        if (!t) {
            t = apr_array_push(names);
            memset(t, 0, sizeof *t);
            t->lower = apr_pstrdup(p, lower);
            t->k.count = sqlite3_column_int64(st, 1);
        }
        if (!t->k.skill || strcmp(skill, t->k.skill) < 0) {
            t->k.skill = apr_pstrdup(p, skill);
        }
        if (cat && *cat && (!t->k.category || strcmp(cat, t->k.category) > 0)) {
            t->k.category = apr_pstrdup(p, cat);
        }
    }
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(st);
    qsort(names->elts, (size_t)names->nelts, sizeof(top_name_t), top_name_cmp);
    *out = apr_array_make(p, names->nelts > 0 ? names->nelts : 1, sizeof(sb_skill_count_t));
    for (i = 0; i < names->nelts; i++) {
        *(sb_skill_count_t *)apr_array_push(*out) = APR_ARRAY_IDX(names, i, top_name_t).k;
    }
    return SB_STORE_OK;
}

static sb_store_status_t trending_offered(sb_sqlite_conn_t *sc, apr_pool_t *p, int64_t now,
                                          int limit, apr_array_header_t **out,
                                          sb_store_error_t *err)
{
    sqlite3_stmt *st;
    int banned = any_timed_ban(sc, now, err);

    if (banned < 0) {
        return err->status;
    }
    if (!banned) {
        return offered_top(sc, p, limit, out, err);
    }
    if (!(st = sb_sqlite_prepare(sc, SQL_OFFERED_CORRECTED, err))) {
        return err->status;
    }
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int(st, 2, limit);
    return skill_rows(sc, p, st, 2, limit, out, err);
}

sb_store_status_t sb_sqlite_trending_skills(sb_store_conn_t *c, apr_pool_t *p, int64_t since,
                                            int64_t now, int limit, apr_array_header_t **out,
                                            const char **source, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_store_status_t s;

    if ((s = sb_sqlite_begin_read(sc, err)) != SB_STORE_OK) {
        return s;
    }
    *source = "sessions";
    s = trending_sessions(sc, p, since, limit, out, err);
    if (s == SB_STORE_OK && (*out)->nelts == 0) {
        *source = "offered";
        s = trending_offered(sc, p, now, limit, out, err);
    }
    return sb_sqlite_end(sc, s, err);
}

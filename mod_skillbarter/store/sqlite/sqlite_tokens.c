/*
 * SQLite driver: refresh tokens (rotation with reuse detection, family
 * revocation) and one-time tokens (single use, expiring), plus the password
 * reset that ties a one-time token to a new hash.
 */
#include "sqlite_int.h"
#include "sqlite_user_cache.h"
#include "sqlite_links.h"

#include <apr_strings.h>

static const char SQL_REFRESH_INSERT[] =
    "INSERT INTO refresh_tokens (token_hash, user_id, family_id, expires_at, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
static const char SQL_REFRESH_GET[] =
    "SELECT user_id, family_id, expires_at, used_at, revoked_at FROM refresh_tokens"
    " WHERE token_hash = ?1";
static const char SQL_REFRESH_USE[] =
    "UPDATE refresh_tokens SET used_at = ?2, replaced_by = ?3"
    " WHERE token_hash = ?1 AND used_at IS NULL AND revoked_at IS NULL";
static const char SQL_REFRESH_REVOKE_FAMILY[] =
    "UPDATE refresh_tokens SET revoked_at = ?2 WHERE family_id = ?1 AND revoked_at IS NULL";
static const char SQL_REFRESH_REVOKE_USER[] =
    "UPDATE refresh_tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL";
static const char SQL_ONETIME_INVALIDATE[] =
    "UPDATE onetime_tokens SET used_at = ?3"
    " WHERE user_id = ?1 AND purpose = ?2 AND used_at IS NULL";
static const char SQL_ONETIME_INSERT[] =
    "INSERT INTO onetime_tokens (token_hash, user_id, purpose, expires_at, created_at)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
/* The single statement that makes consumption single-use under any concurrency. */
static const char SQL_ONETIME_USE[] =
    "UPDATE onetime_tokens SET used_at = ?3"
    " WHERE token_hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3"
    " RETURNING user_id";
static const char SQL_ONETIME_EXPIRED[] =
    "SELECT 1 FROM onetime_tokens"
    " WHERE token_hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at <= ?3";
static const char SQL_PASSWORD_SET[] =
    "UPDATE users SET password_hash = ?2, updated_at = ?3, password_changed_at = ?3"
    " WHERE id = ?1";

/* ---- refresh tokens ---- */

sb_store_status_t sb_sqlite_refresh_insert(sb_store_conn_t *c, const char *token_hash,
                                           const char *user_id, const char *family_id,
                                           int64_t expires_at, int64_t now, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_REFRESH_INSERT, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, token_hash);
    sb_sqlite_bind_text(q, 2, user_id);
    sb_sqlite_bind_text(q, 3, family_id);
    sqlite3_bind_int64(q, 4, expires_at);
    sqlite3_bind_int64(q, 5, now);
    return sb_sqlite_exec_stmt(sc, q, err, "refresh insert");
}

typedef struct {
    char user_id[SB_ID_LEN + 1];
    char family_id[128];
    int64_t expires_at;
    int used;
    int revoked;
} sb_refresh_row_t;

/* Load one refresh token row; NOT_FOUND when unknown. */
static sb_store_status_t sb_sqlite_refresh_get(sb_sqlite_conn_t *sc, const char *hash,
                                               sb_refresh_row_t *row, sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_REFRESH_GET, err);
    const unsigned char *fam;
    int rc;

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, hash);
    rc = sb_sqlite_step(sc, q, err, "refresh get");
    if (rc < 0) {
        return err->status;
    }
    if (rc != SQLITE_ROW) {
        sb_sqlite_done(q);
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "refresh token not found");
    }
    sb_sqlite_col_id(q, 0, row->user_id);
    fam = sqlite3_column_text(q, 1);
    apr_cpystrn(row->family_id, fam ? (const char *)fam : "", sizeof(row->family_id));
    row->expires_at = sqlite3_column_int64(q, 2);
    row->used = sqlite3_column_type(q, 3) != SQLITE_NULL;
    row->revoked = sqlite3_column_type(q, 4) != SQLITE_NULL;
    sb_sqlite_done(q);
    return SB_STORE_OK;
}

static sb_store_status_t sb_sqlite_revoke_family(sb_sqlite_conn_t *sc, const char *family_id,
                                                 int64_t now, sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_REFRESH_REVOKE_FAMILY, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, family_id);
    sqlite3_bind_int64(q, 2, now);
    return sb_sqlite_exec_stmt(sc, q, err, "refresh revoke family");
}

sb_store_status_t sb_sqlite_revoke_user_tokens(sb_sqlite_conn_t *sc, const char *user_id,
                                               int64_t now, sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_REFRESH_REVOKE_USER, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sqlite3_bind_int64(q, 2, now);
    return sb_sqlite_exec_stmt(sc, q, err, "refresh revoke user");
}

/*
 * In one BEGIN IMMEDIATE: revoked → NOT_FOUND; already used → revoke the family
 * and commit that, REUSED; expired → EXPIRED with nothing changed; otherwise
 * mark used and insert the successor in the same family.
 */
sb_store_status_t sb_sqlite_refresh_rotate(sb_store_conn_t *c, const char *old_hash,
                                           const char *new_hash, int64_t new_expires_at,
                                           int64_t now, char *user_id, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_refresh_row_t row;
    sb_store_status_t st;
    sqlite3_stmt *q;

    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if ((st = sb_sqlite_refresh_get(sc, old_hash, &row, err)) != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    if (row.revoked) {
        st = sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "refresh token revoked");
        return sb_sqlite_end(sc, st, err);
    }
    if (row.used) {
        st = sb_sqlite_revoke_family(sc, row.family_id, now, err);
        if (st == SB_STORE_OK) {
            st = sb_sqlite_commit(sc, err);
        }
        else {
            sb_sqlite_rollback(sc);
        }
        if (st != SB_STORE_OK) {
            return st;
        }
        return sb_store_fail(err, SB_STORE_REUSED, NULL,
                             "refresh token reused: session family revoked");
    }
    if (row.expires_at <= now) {
        st = sb_store_fail(err, SB_STORE_EXPIRED, NULL, "refresh token expired");
        return sb_sqlite_end(sc, st, err);
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_REFRESH_USE, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, old_hash);
    sqlite3_bind_int64(q, 2, now);
    sb_sqlite_bind_text(q, 3, new_hash);
    st = sb_sqlite_exec_one(sc, q, err, "refresh use");
    if (st == SB_STORE_OK) {
        st = sb_sqlite_refresh_insert(c, new_hash, row.user_id, row.family_id, new_expires_at, now,
                                      err);
    }
    st = sb_sqlite_end(sc, st, err);
    if (st == SB_STORE_OK && user_id) {
        apr_cpystrn(user_id, row.user_id, SB_ID_LEN + 1);
    }
    return st;
}

sb_store_status_t sb_sqlite_refresh_revoke(sb_store_conn_t *c, const char *token_hash, int64_t now,
                                           char *user_id, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_refresh_row_t row;
    sb_store_status_t st;

    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    st = sb_sqlite_refresh_get(sc, token_hash, &row, err);
    if (st == SB_STORE_OK) {
        st = sb_sqlite_revoke_family(sc, row.family_id, now, err);
    }
    st = sb_sqlite_end(sc, st, err);
    if (st == SB_STORE_OK && user_id) {
        apr_cpystrn(user_id, row.user_id, SB_ID_LEN + 1);
    }
    return st;
}

sb_store_status_t sb_sqlite_refresh_revoke_user(sb_store_conn_t *c, const char *user_id,
                                                int64_t now, sb_store_error_t *err)
{
    return sb_sqlite_revoke_user_tokens(SB_SQLITE(c), user_id, now, err);
}

/* ---- one-time tokens ---- */

sb_store_status_t sb_sqlite_onetime_insert(sb_store_conn_t *c, const char *token_hash,
                                           const char *user_id, const char *purpose,
                                           int64_t expires_at, int64_t now, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_store_status_t st;
    sqlite3_stmt *q;

    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_ONETIME_INVALIDATE, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sb_sqlite_bind_text(q, 2, purpose);
    sqlite3_bind_int64(q, 3, now);
    st = sb_sqlite_exec_stmt(sc, q, err, "onetime invalidate");
    if (st == SB_STORE_OK) {
        if (!(q = sb_sqlite_prepare(sc, SQL_ONETIME_INSERT, err))) {
            return sb_sqlite_end(sc, err->status, err);
        }
        sb_sqlite_bind_text(q, 1, token_hash);
        sb_sqlite_bind_text(q, 2, user_id);
        sb_sqlite_bind_text(q, 3, purpose);
        sqlite3_bind_int64(q, 4, expires_at);
        sqlite3_bind_int64(q, 5, now);
        st = sb_sqlite_exec_stmt(sc, q, err, "onetime insert");
    }
    return sb_sqlite_end(sc, st, err);
}

/*
 * Mark the token used if it is live (one UPDATE ... RETURNING, so two callers can
 * never both win). When nothing changed, tell EXPIRED from NOT_FOUND.
 */
static sb_store_status_t sb_sqlite_onetime_use(sb_sqlite_conn_t *sc, const char *token_hash,
                                               const char *purpose, int64_t now, char *user_id,
                                               sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_ONETIME_USE, err);
    char owner[SB_ID_LEN + 1] = "";
    int rc, found;

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, token_hash);
    sb_sqlite_bind_text(q, 2, purpose);
    sqlite3_bind_int64(q, 3, now);
    rc = sb_sqlite_step(sc, q, err, "onetime use");
    if (rc < 0) {
        return err->status;
    }
    found = rc == SQLITE_ROW;
    if (found) {
        sb_sqlite_col_id(q, 0, owner);
        while ((rc = sb_sqlite_step(sc, q, err, "onetime use")) == SQLITE_ROW) {
        }
        if (rc < 0) {
            return err->status;
        }
    }
    sb_sqlite_done(q);
    if (found) {
        if (user_id) {
            apr_cpystrn(user_id, owner, SB_ID_LEN + 1);
        }
        return SB_STORE_OK;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_ONETIME_EXPIRED, err))) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, token_hash);
    sb_sqlite_bind_text(q, 2, purpose);
    sqlite3_bind_int64(q, 3, now);
    rc = sb_sqlite_step(sc, q, err, "onetime check");
    if (rc < 0) {
        return err->status;
    }
    sb_sqlite_done(q);
    if (rc == SQLITE_ROW) {
        return sb_store_fail(err, SB_STORE_EXPIRED, NULL, "token expired");
    }
    return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "token not found or already used");
}

sb_store_status_t sb_sqlite_onetime_consume(sb_store_conn_t *c, const char *token_hash,
                                            const char *purpose, int64_t now, char *user_id,
                                            sb_store_error_t *err)
{
    return sb_sqlite_onetime_use(SB_SQLITE(c), token_hash, purpose, now, user_id, err);
}

sb_store_status_t sb_sqlite_password_reset(sb_store_conn_t *c, const char *token_hash,
                                           const char *password_hash, int64_t now, char *user_id,
                                           sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    char owner[SB_ID_LEN + 1] = "";
    sb_store_status_t st;
    sqlite3_stmt *q;

    if (!password_hash) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "password_reset: no hash");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    st = sb_sqlite_onetime_use(sc, token_hash, SB_TOKEN_RESET_PASSWORD, now, owner, err);
    if (st == SB_STORE_OK) {
        if (!(q = sb_sqlite_prepare(sc, SQL_PASSWORD_SET, err))) {
            return sb_sqlite_end(sc, err->status, err);
        }
        sb_sqlite_bind_text(q, 1, owner);
        sb_sqlite_bind_text(q, 2, password_hash);
        sqlite3_bind_int64(q, 3, now);
        st = sb_sqlite_exec_one(sc, q, err, "password reset");
    }
    if (st == SB_STORE_OK) {
        st = sb_sqlite_revoke_user_tokens(sc, owner, now, err);
    }
    st = sb_sqlite_end(sc, st, err);
    if (st == SB_STORE_OK && user_id) {
        apr_cpystrn(user_id, owner, SB_ID_LEN + 1);
    }
    return st;
}

/* ---- sessions (the access-token guard) ---- */

/* The user row plus one seek in the partial index refresh_tokens_family_live (sql/006). */
static const char SQL_USER_BY_SESSION[] =
    "SELECT " SB_SQLITE_USER_COLS ", EXISTS (SELECT 1 FROM refresh_tokens"
    " WHERE family_id = ?2 AND user_id = ?1 AND revoked_at IS NULL)"
    " FROM users WHERE id = ?1";

static sb_store_status_t user_by_session(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                         const char *session_id, sb_user_t **out, int *live,
                                         int lazy, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_ucache_stamp_t stamp;
    sqlite3_stmt *q;
    int rc, cache;

    *out = NULL;
    *live = 0;
    if (!id || !session_id) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user: no key");
    }
    /* the process's user cache (sqlite_user_cache.h): a user with its family found live */
    if ((cache = sb_ucache_usable(sc, id, session_id)) != 0) {
        if ((*out = sb_ucache_get(sc->turn, p, id, session_id)) != NULL) {
            *live = 1;
            if (!lazy) {
                sb_user_lists(*out);
            }
            return SB_STORE_OK;
        }
        sb_ucache_stamp(sc->turn, id, session_id, &stamp); /* before the read */
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_USER_BY_SESSION, err))) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, session_id);
    rc = sb_sqlite_step(sc, q, err, "user by session");
    if (rc < 0) {
        return err->status;
    }
    if (rc == SQLITE_ROW) {
        *out = lazy || cache ? sb_sqlite_row_user_lazy(p, q) : sb_sqlite_row_user(p, q);
        *live = sqlite3_column_int(q, SB_SQLITE_USER_NCOLS) != 0; /* after the user's */
    }
    sb_sqlite_done(q);
    if (!*out) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user not found");
    }
    if (cache) {
        sb_ucache_put(p, sc->turn, &stamp, *out, *live ? session_id : NULL);
        if (!lazy) {
            sb_user_lists(*out);
        }
    }
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_user_by_session(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                            const char *session_id, sb_user_t **out, int *live,
                                            sb_store_error_t *err)
{
    return user_by_session(c, p, id, session_id, out, live, 0, err);
}

sb_store_status_t sb_sqlite_user_by_session_lazy(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                                 const char *session_id, sb_user_t **out, int *live,
                                                 sb_store_error_t *err)
{
    return user_by_session(c, p, id, session_id, out, live, 1, err);
}

sb_store_status_t sb_sqlite_refresh_family(sb_store_conn_t *c, const char *token_hash,
                                           char *family_id, sb_store_error_t *err)
{
    sb_refresh_row_t row;
    sb_store_status_t st = sb_sqlite_refresh_get(SB_SQLITE(c), token_hash, &row, err);

    if (st == SB_STORE_OK) {
        apr_cpystrn(family_id, row.family_id, SB_ID_LEN + 1);
    }
    return st;
}

/* ---- one-time links that are mailed again, not superseded; the mail budgets ---- */

static const char SQL_ONETIME_LIVE[] =
    "SELECT nonce FROM onetime_tokens WHERE user_id = ?1 AND purpose = ?2 AND used_at IS NULL"
    " AND expires_at > ?3 AND nonce IS NOT NULL ORDER BY expires_at DESC LIMIT 1";
static const char SQL_ONETIME_INSERT_NONCE[] =
    "INSERT INTO onetime_tokens (token_hash, user_id, purpose, expires_at, created_at, nonce)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char SQL_MAIL_COUNT_USER[] =
    "SELECT count(*) FROM mail_log WHERE user_id = ?1 AND sent_at > ?2";
static const char SQL_MAIL_COUNT_IP[] =
    "SELECT count(*) FROM mail_log WHERE ip = ?1 AND sent_at > ?2";
static const char SQL_MAIL_INSERT[] =
    "INSERT INTO mail_log (user_id, ip, sent_at) VALUES (?1, ?2, ?3)";
static const char SQL_MAIL_PRUNE[] = "DELETE FROM mail_log WHERE sent_at <= ?1";
#define SB_MAIL_LOG_KEEP_MS (86400LL * 1000) /* rows kept at least this long */

/*
 * Inside the caller's write transaction: the nonce of the user's live link for purpose, or
 * (none live) a new link row carrying nonce. A link mailed again is the same link, so
 * asking twice does not invalidate the first mail. *live points into p or at nonce.
 */
sb_store_status_t sb_sqlite_link_live_or_issue(sb_sqlite_conn_t *sc, apr_pool_t *p,
                                               const char *token_hash, const char *nonce,
                                               const char *user_id, const char *purpose,
                                               int64_t expires_at, int64_t now, const char **live,
                                               sb_store_error_t *err)
{
    sqlite3_stmt *q;
    int rc;

    *live = NULL;
    if (!(q = sb_sqlite_prepare(sc, SQL_ONETIME_LIVE, err))) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sb_sqlite_bind_text(q, 2, purpose);
    sqlite3_bind_int64(q, 3, now);
    rc = sb_sqlite_step(sc, q, err, "onetime live");
    if (rc < 0) {
        return err->status;
    }
    if (rc == SQLITE_ROW) {
        *live = sb_sqlite_col_text(p, q, 0);
    }
    sb_sqlite_done(q);
    if (*live) {
        return SB_STORE_OK;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_ONETIME_INSERT_NONCE, err))) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, token_hash);
    sb_sqlite_bind_text(q, 2, user_id);
    sb_sqlite_bind_text(q, 3, purpose);
    sqlite3_bind_int64(q, 4, expires_at);
    sqlite3_bind_int64(q, 5, now);
    sb_sqlite_bind_text(q, 6, nonce);
    if (sb_sqlite_exec_stmt(sc, q, err, "onetime issue") != SB_STORE_OK) {
        return err->status;
    }
    *live = nonce;
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_onetime_issue(sb_store_conn_t *c, apr_pool_t *p, const char *token_hash,
                                          const char *nonce, const char *user_id,
                                          const char *purpose, int64_t expires_at, int64_t now,
                                          const char **nonce_out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    const char *live;
    sb_store_status_t st;

    *nonce_out = NULL;
    if (!token_hash || !nonce || !user_id || !purpose) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "onetime_issue: missing argument");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    st = sb_sqlite_link_live_or_issue(sc, p, token_hash, nonce, user_id, purpose, expires_at, now,
                                      &live, err);
    if (st == SB_STORE_OK) {
        *nonce_out = live == nonce ? apr_pstrdup(p, nonce) : live;
    }
    return sb_sqlite_end(sc, st, err);
}

/* count(*) of a mail_log query with ?1 = key, ?2 = since; -1 on error (err set). */
static int64_t sb_sqlite_mail_count(sb_sqlite_conn_t *sc, const char *sql, const char *key,
                                    int64_t since, sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, sql, err);
    int64_t n = 0;
    int rc;

    if (!q) {
        return -1;
    }
    sb_sqlite_bind_text(q, 1, key);
    sqlite3_bind_int64(q, 2, since);
    rc = sb_sqlite_step(sc, q, err, "mail count");
    if (rc < 0) {
        return -1;
    }
    if (rc == SQLITE_ROW) {
        n = sqlite3_column_int64(q, 0);
    }
    sb_sqlite_done(q);
    return n;
}

sb_store_status_t sb_sqlite_mail_quota_take(sb_store_conn_t *c, const char *user_id, const char *ip,
                                            int64_t window_ms, int max_user, int max_ip,
                                            int64_t now, int *granted, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    int64_t since = now - window_ms, n;
    sb_store_status_t st;
    sqlite3_stmt *q;

    *granted = 0;
    if (!user_id || window_ms <= 0) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "mail_quota_take: bad argument");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    /* Rows older than the window count for nobody: keep the table small. */
    if (!(q = sb_sqlite_prepare(sc, SQL_MAIL_PRUNE, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sqlite3_bind_int64(q, 1,
                       now - (window_ms > SB_MAIL_LOG_KEEP_MS ? window_ms : SB_MAIL_LOG_KEEP_MS));
    if ((st = sb_sqlite_exec_stmt(sc, q, err, "mail prune")) != SB_STORE_OK) {
        return sb_sqlite_end(sc, st, err);
    }
    if (max_user > 0) {
        if ((n = sb_sqlite_mail_count(sc, SQL_MAIL_COUNT_USER, user_id, since, err)) < 0) {
            return sb_sqlite_end(sc, err->status, err);
        }
        if (n >= max_user) {
            return sb_sqlite_end(sc, SB_STORE_OK, err);
        }
    }
    if (max_ip > 0 && ip) {
        if ((n = sb_sqlite_mail_count(sc, SQL_MAIL_COUNT_IP, ip, since, err)) < 0) {
            return sb_sqlite_end(sc, err->status, err);
        }
        if (n >= max_ip) {
            return sb_sqlite_end(sc, SB_STORE_OK, err);
        }
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_MAIL_INSERT, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, user_id);
    sb_sqlite_bind_text(q, 2, ip);
    sqlite3_bind_int64(q, 3, now);
    st = sb_sqlite_exec_stmt(sc, q, err, "mail log");
    st = sb_sqlite_end(sc, st, err);
    *granted = st == SB_STORE_OK;
    return st;
}

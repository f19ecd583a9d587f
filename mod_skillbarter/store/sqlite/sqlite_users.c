/*
 * SQLite driver: users — create (with the welcome bonus ledger row), look-ups,
 * profile and list patches, verification, password, presence and moderation.
 */
#include "sqlite_int.h"
#include "sqlite_user_cache.h"

#include "sb_id.h"

static const char SQL_USER_BY_ID[] = "SELECT " SB_SQLITE_USER_COLS " FROM users WHERE id = ?1";
static const char SQL_USER_BY_EMAIL[] =
    "SELECT " SB_SQLITE_USER_COLS " FROM users WHERE email = lower(?1)";
/* username's collation is NOCASE; an email match wins over a username match. */
static const char SQL_USER_BY_LOGIN[] =
    "SELECT " SB_SQLITE_USER_COLS " FROM users WHERE email = lower(?1) OR username = ?1"
    " ORDER BY email = lower(?1) DESC LIMIT 1";
static const char SQL_USERNAME_TAKEN[] = "SELECT 1 FROM users WHERE username = ?1";
static const char SQL_EMAIL_TAKEN[] = "SELECT 1 FROM users WHERE email = lower(?1)";
static const char SQL_USER_INSERT[] =
    "INSERT INTO users (id, username, email, password_hash, first_name, last_name, credits,"
    " last_seen, created_at, updated_at) VALUES (?1, ?2, lower(?3), ?4, ?5, ?6, ?7, ?8, ?8, ?8)";
static const char SQL_USER_PATCH[] =
    "UPDATE users SET"
    " first_name = coalesce(?2, first_name),"
    " last_name = coalesce(?3, last_name),"
    " bio = CASE WHEN ?4 IS NULL THEN bio ELSE nullif(?4, '') END,"
    " timezone = CASE WHEN ?5 IS NULL THEN timezone WHEN ?5 = '' THEN 'UTC' ELSE ?5 END,"
    " country = CASE WHEN ?6 IS NULL THEN country ELSE nullif(?6, '') END,"
    " profile_picture = coalesce(?7, profile_picture),"
    " languages = coalesce(?8, languages),"
    " updated_at = ?9,"
    " email_notifications = coalesce(?10, email_notifications)"
    " WHERE id = ?1";
static const char SQL_USER_LISTS[] = "UPDATE users SET"
                                     " skills_offered = coalesce(?2, skills_offered),"
                                     " skills_wanted = coalesce(?3, skills_wanted),"
                                     " availability = coalesce(?4, availability),"
                                     " updated_at = ?5"
                                     " WHERE id = ?1";
static const char SQL_USER_VERIFIED[] =
    "UPDATE users SET is_verified = 1, updated_at = ?2 WHERE id = ?1";
static const char SQL_USER_PASSWORD[] =
    "UPDATE users SET password_hash = ?2, updated_at = ?3, password_changed_at = ?3"
    " WHERE id = ?1";
static const char SQL_USER_TOUCH[] = "UPDATE users SET last_seen = ?2 WHERE id = ?1";
static const char SQL_USER_STATUS[] =
    "UPDATE users SET is_active = ?2, is_banned = ?3, ban_reason = ?4, ban_expires_at = ?5,"
    " updated_at = ?6 WHERE id = ?1";

/* Run a one-row user SELECT with ?1 = key, the lists parsed or (lazy) left as text; NOT_FOUND
 * when no row. */
static sb_store_status_t sb_sqlite_user_read(sb_sqlite_conn_t *sc, apr_pool_t *p, const char *sql,
                                             const char *key, int lazy, sb_user_t **out,
                                             sb_store_error_t *err)
{
    sqlite3_stmt *st;
    int rc;

    *out = NULL;
    if (!key) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user: no key");
    }
    if (!(st = sb_sqlite_prepare(sc, sql, err))) {
        return err->status;
    }
    sb_sqlite_bind_text(st, 1, key);
    rc = sb_sqlite_step(sc, st, err, "user");
    if (rc < 0) {
        return err->status;
    }
    if (rc == SQLITE_ROW) {
        *out = lazy ? sb_sqlite_row_user_lazy(p, st) : sb_sqlite_row_user(p, st);
    }
    sb_sqlite_done(st);
    if (!*out) {
        return sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user not found");
    }
    return SB_STORE_OK;
}

static sb_store_status_t sb_sqlite_user_get(sb_sqlite_conn_t *sc, apr_pool_t *p, const char *sql,
                                            const char *key, sb_user_t **out, sb_store_error_t *err)
{
    return sb_sqlite_user_read(sc, p, sql, key, 0, out, err);
}

/* 1 when the query with ?1 = key returns a row, 0 when not, -1 on error (err set). */
static int sb_sqlite_exists(sb_sqlite_conn_t *sc, const char *sql, const char *key,
                            sb_store_error_t *err)
{
    sqlite3_stmt *st = sb_sqlite_prepare(sc, sql, err);
    int rc;

    if (!st) {
        return -1;
    }
    sb_sqlite_bind_text(st, 1, key);
    rc = sb_sqlite_step(sc, st, err, "exists");
    if (rc < 0) {
        return -1;
    }
    sb_sqlite_done(st);
    return rc == SQLITE_ROW;
}

static sb_store_status_t sb_sqlite_user_insert(sb_sqlite_conn_t *sc, const char *id,
                                               const sb_user_new_t *nu, int64_t credits,
                                               int64_t now, sb_store_error_t *err)
{
    sqlite3_stmt *st = sb_sqlite_prepare(sc, SQL_USER_INSERT, err);

    if (!st) {
        return err->status;
    }
    sb_sqlite_bind_text(st, 1, id);
    sb_sqlite_bind_text(st, 2, nu->username);
    sb_sqlite_bind_text(st, 3, nu->email);
    sb_sqlite_bind_text(st, 4, nu->password_hash);
    sb_sqlite_bind_text(st, 5, nu->first_name);
    sb_sqlite_bind_text(st, 6, nu->last_name);
    sqlite3_bind_int64(st, 7, credits);
    sqlite3_bind_int64(st, 8, now);
    return sb_sqlite_exec_stmt(sc, st, err, "user insert");
}

/*
 * Inside one BEGIN IMMEDIATE: check username then email (so the conflict names
 * the right field even when both are taken), insert the user with the bonus as
 * balance, write the bonus ledger row, read the user back.
 */
sb_store_status_t sb_sqlite_user_create(sb_store_conn_t *c, apr_pool_t *p, const sb_user_new_t *nu,
                                        int64_t bonus_minutes, int64_t now, sb_user_t **out,
                                        sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_sqlite_ledger_row_t row = {0};
    char id[SB_ID_LEN + 1];
    sb_store_status_t st;
    int taken;

    if (out) {
        *out = NULL;
    }
    if (!nu || !nu->username || !nu->email || !nu->password_hash || !nu->first_name
        || !nu->last_name) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "user_create: missing field");
    }
    if (bonus_minutes < 0) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "user_create: negative bonus");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    taken = sb_sqlite_exists(sc, SQL_USERNAME_TAKEN, nu->username, err);
    if (taken != 0) {
        st = taken < 0
                 ? err->status
                 : sb_store_fail(err, SB_STORE_CONFLICT, "username", "username already taken");
        return sb_sqlite_end(sc, st, err);
    }
    taken = sb_sqlite_exists(sc, SQL_EMAIL_TAKEN, nu->email, err);
    if (taken != 0) {
        st = taken < 0 ? err->status
                       : sb_store_fail(err, SB_STORE_CONFLICT, "email", "email already registered");
        return sb_sqlite_end(sc, st, err);
    }
    sb_id_new(id);
    st = sb_sqlite_user_insert(sc, id, nu, bonus_minutes, now, err);
    if (st == SB_STORE_OK && bonus_minutes > 0) {
        row.user_id = id;
        row.type = "bonus";
        row.amount = bonus_minutes;
        row.balance_after = bonus_minutes;
        row.description = "Welcome bonus";
        row.category = "bonus";
        st = sb_sqlite_ledger_add(sc, &row, now, err);
    }
    if (st == SB_STORE_OK && out) {
        st = sb_sqlite_user_get(sc, p, SQL_USER_BY_ID, id, out, err);
    }
    return sb_sqlite_end(sc, st, err);
}

/* Through the process's user cache (sqlite_user_cache.h) when the connection may use it. */
sb_store_status_t sb_sqlite_user_by_id(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                       sb_user_t **out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_ucache_stamp_t stamp;
    sb_store_status_t st;

    if (!sb_ucache_usable(sc, id, NULL)) {
        return sb_sqlite_user_get(sc, p, SQL_USER_BY_ID, id, out, err);
    }
    if ((*out = sb_ucache_get(sc->turn, p, id, NULL)) == NULL) {
        sb_ucache_stamp(sc->turn, id, NULL, &stamp); /* before the read: see the header */
        if ((st = sb_sqlite_user_read(sc, p, SQL_USER_BY_ID, id, 1, out, err)) != SB_STORE_OK) {
            return st;
        }
        sb_ucache_put(p, sc->turn, &stamp, *out, NULL);
    }
    sb_user_lists(*out);
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_users_cache_reset(sb_store_conn_t *c, sb_store_error_t *err)
{
    sb_sqlite_gen_new_epoch(SB_SQLITE(c)->turn);
    return SB_STORE_OK;
}

sb_store_status_t sb_sqlite_user_by_login(sb_store_conn_t *c, apr_pool_t *p, const char *login,
                                          sb_user_t **out, sb_store_error_t *err)
{
    return sb_sqlite_user_get(SB_SQLITE(c), p, SQL_USER_BY_LOGIN, login, out, err);
}

sb_store_status_t sb_sqlite_user_by_email(sb_store_conn_t *c, apr_pool_t *p, const char *email,
                                          sb_user_t **out, sb_store_error_t *err)
{
    return sb_sqlite_user_get(SB_SQLITE(c), p, SQL_USER_BY_EMAIL, email, out, err);
}

sb_store_status_t sb_sqlite_user_update_profile(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                                const sb_profile_patch_t *patch, int64_t now,
                                                sb_user_t **out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    const char *langs = NULL;
    sb_store_status_t st;
    sqlite3_stmt *q;

    if (out) {
        *out = NULL;
    }
    if (!patch) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "update_profile: no patch");
    }
    if (patch->languages) {
        langs = sb_sqlite_json_languages(p, patch->languages);
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_USER_PATCH, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, patch->first_name);
    sb_sqlite_bind_text(q, 3, patch->last_name);
    sb_sqlite_bind_text(q, 4, patch->bio);
    sb_sqlite_bind_text(q, 5, patch->timezone);
    sb_sqlite_bind_text(q, 6, patch->country);
    sb_sqlite_bind_text(q, 7, patch->profile_picture);
    sb_sqlite_bind_text(q, 8, langs);
    sqlite3_bind_int64(q, 9, now);
    if (patch->set_email_notifications) {
        sqlite3_bind_int(q, 10, patch->email_notifications != 0);
    }
    st = sb_sqlite_exec_one(sc, q, err, "user profile");
    if (st == SB_STORE_OK && out) {
        st = sb_sqlite_user_get(sc, p, SQL_USER_BY_ID, id, out, err);
    }
    return sb_sqlite_end(sc, st, err);
}

sb_store_status_t sb_sqlite_user_update_lists(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                              const apr_array_header_t *skills_offered,
                                              const apr_array_header_t *skills_wanted,
                                              const apr_array_header_t *availability, int64_t now,
                                              sb_user_t **out, sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    const char *jo = skills_offered ? sb_sqlite_json_offered(p, skills_offered) : NULL;
    const char *jw = skills_wanted ? sb_sqlite_json_wanted(p, skills_wanted) : NULL;
    const char *ja = availability ? sb_sqlite_json_availability(p, availability) : NULL;
    sb_store_status_t st;
    sqlite3_stmt *q;

    if (out) {
        *out = NULL;
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_USER_LISTS, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, jo);
    sb_sqlite_bind_text(q, 3, jw);
    sb_sqlite_bind_text(q, 4, ja);
    sqlite3_bind_int64(q, 5, now);
    st = sb_sqlite_exec_one(sc, q, err, "user lists");
    if (st == SB_STORE_OK && skills_offered) {
        st = sb_sqlite_sync_offered(sc, id, skills_offered, err);
    }
    if (st == SB_STORE_OK && skills_wanted) {
        st = sb_sqlite_sync_wanted(sc, id, skills_wanted, err);
    }
    if (st == SB_STORE_OK && out) {
        st = sb_sqlite_user_get(sc, p, SQL_USER_BY_ID, id, out, err);
    }
    return sb_sqlite_end(sc, st, err);
}

sb_store_status_t sb_sqlite_user_set_verified(sb_store_conn_t *c, const char *id, int64_t now,
                                              sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_USER_VERIFIED, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    sqlite3_bind_int64(q, 2, now);
    return sb_sqlite_exec_one(sc, q, err, "user verified");
}

sb_store_status_t sb_sqlite_user_set_password(sb_store_conn_t *c, const char *id,
                                              const char *password_hash, int64_t now,
                                              sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_store_status_t st;
    sqlite3_stmt *q;

    if (!password_hash) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "set_password: no hash");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_USER_PASSWORD, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, password_hash);
    sqlite3_bind_int64(q, 3, now);
    st = sb_sqlite_exec_one(sc, q, err, "user password");
    if (st == SB_STORE_OK) {
        st = sb_sqlite_revoke_user_tokens(sc, id, now, err);
    }
    return sb_sqlite_end(sc, st, err);
}

sb_store_status_t sb_sqlite_user_touch(sb_store_conn_t *c, const char *id, int64_t now,
                                       sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_USER_TOUCH, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    sqlite3_bind_int64(q, 2, now);
    return sb_sqlite_exec_one(sc, q, err, "user touch");
}

/* A lifted ban clears its reason and expiry. A ban or a deactivation also ends every session
 * (refresh-token family) of the user in the same step, so lifting it later does not bring
 * the old access tokens back. */
sb_store_status_t sb_sqlite_user_set_status(sb_store_conn_t *c, const char *id, int is_active,
                                            int is_banned, const char *ban_reason,
                                            int64_t ban_expires_at, int64_t now,
                                            sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_store_status_t st;
    sqlite3_stmt *q;

    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_USER_STATUS, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, id);
    sqlite3_bind_int(q, 2, is_active ? 1 : 0);
    sqlite3_bind_int(q, 3, is_banned ? 1 : 0);
    sb_sqlite_bind_text(q, 4, is_banned ? ban_reason : NULL);
    sqlite3_bind_int64(q, 5, is_banned ? ban_expires_at : 0);
    sqlite3_bind_int64(q, 6, now);
    st = sb_sqlite_exec_one(sc, q, err, "user status");
    if (st == SB_STORE_OK && (is_banned || !is_active)) {
        st = sb_sqlite_revoke_user_tokens(sc, id, now, err);
    }
    return sb_sqlite_end(sc, st, err);
}

sb_store_status_t sb_sqlite_user_set_role(sb_store_conn_t *c, const char *id, const char *role,
                                          int64_t now, sb_store_error_t *err)
{
    static const char sql[] = "UPDATE users SET role = ?2, updated_at = ?3 WHERE id = ?1";
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sqlite3_stmt *q = sb_sqlite_prepare(sc, sql, err);

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, role);
    sqlite3_bind_int64(q, 3, now);
    return sb_sqlite_exec_one(sc, q, err, "user role");
}

/* SQLite driver: the avatar's profilePicture swap (new value in, previous value out). */
#include "sqlite_int.h"

static const char SQL_AVATAR_GET[] = "SELECT profile_picture FROM users WHERE id = ?1";
static const char SQL_AVATAR_SET[] =
    "UPDATE users SET profile_picture = ?2, updated_at = ?3 WHERE id = ?1";

sb_store_status_t sb_sqlite_user_set_avatar(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                            const char *picture, int64_t now, const char **previous,
                                            sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    const char *old = NULL;
    sb_store_status_t st;
    sqlite3_stmt *q;
    int rc;

    if (previous) {
        *previous = NULL;
    }
    if (!id || !picture) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "set_avatar: missing argument");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    if (!(q = sb_sqlite_prepare(sc, SQL_AVATAR_GET, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, id);
    if ((rc = sb_sqlite_step(sc, q, err, "avatar get")) < 0) {
        return sb_sqlite_end(sc, err->status, err);
    }
    if (rc != SQLITE_ROW) {
        sb_sqlite_done(q);
        return sb_sqlite_end(sc, sb_store_fail(err, SB_STORE_NOT_FOUND, NULL, "user not found"),
                             err);
    }
    old = sb_sqlite_col_text(p, q, 0);
    sb_sqlite_done(q);
    if (!(q = sb_sqlite_prepare(sc, SQL_AVATAR_SET, err))) {
        return sb_sqlite_end(sc, err->status, err);
    }
    sb_sqlite_bind_text(q, 1, id);
    sb_sqlite_bind_text(q, 2, picture);
    sqlite3_bind_int64(q, 3, now);
    st = sb_sqlite_exec_one(sc, q, err, "avatar set");
    st = sb_sqlite_end(sc, st, err);
    if (st == SB_STORE_OK && previous) {
        *previous = old;
    }
    return st;
}

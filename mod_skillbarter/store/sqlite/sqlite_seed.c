/*
 * SQLite driver: bulk insert of complete users (sbctl seed). One transaction, one prepared
 * INSERT reused for every row, the user_skills index and a bonus ledger row per user with
 * credits, so the ledger stays balanced and discovery sees the users at once.
 */
#include "sqlite_int.h"

#include <apr_strings.h>

static const char SQL_BULK_USER[] =
    "INSERT INTO users (id, username, email, password_hash, first_name, last_name,"
    " profile_picture, bio, timezone, country, role, languages, skills_offered, skills_wanted,"
    " availability, credits, total_earned, total_spent, minutes_taught, minutes_learned, rating,"
    " total_reviews, is_active, is_verified, is_banned, last_seen, created_at, updated_at)"
    " VALUES (?1, ?2, lower(?3), ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
    " ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)";

static sb_store_status_t insert_one(sb_sqlite_conn_t *sc, apr_pool_t *p, const sb_user_t *u,
                                    sb_store_error_t *err)
{
    sqlite3_stmt *q = sb_sqlite_prepare(sc, SQL_BULK_USER, err);
    sb_sqlite_ledger_row_t row = {0};
    sb_store_status_t st;

    if (!q) {
        return err->status;
    }
    sb_sqlite_bind_text(q, 1, u->id);
    sb_sqlite_bind_text(q, 2, u->username);
    sb_sqlite_bind_text(q, 3, u->email);
    sb_sqlite_bind_text(q, 4, u->password_hash);
    sb_sqlite_bind_text(q, 5, u->first_name);
    sb_sqlite_bind_text(q, 6, u->last_name);
    sb_sqlite_bind_text(q, 7, u->profile_picture ? u->profile_picture : "");
    sb_sqlite_bind_text(q, 8, u->bio);
    sb_sqlite_bind_text(q, 9, u->timezone ? u->timezone : "UTC");
    sb_sqlite_bind_text(q, 10, u->country);
    sb_sqlite_bind_text(q, 11, u->role ? u->role : "user");
    sb_sqlite_bind_text(q, 12, sb_sqlite_json_languages(p, u->languages));
    sb_sqlite_bind_text(q, 13, sb_sqlite_json_offered(p, u->skills_offered));
    sb_sqlite_bind_text(q, 14, sb_sqlite_json_wanted(p, u->skills_wanted));
    sb_sqlite_bind_text(q, 15, sb_sqlite_json_availability(p, u->availability));
    sqlite3_bind_int64(q, 16, u->credits);
    sqlite3_bind_int64(q, 17, u->total_earned);
    sqlite3_bind_int64(q, 18, u->total_spent);
    sqlite3_bind_int64(q, 19, u->minutes_taught);
    sqlite3_bind_int64(q, 20, u->minutes_learned);
    sqlite3_bind_double(q, 21, u->rating);
    sqlite3_bind_int(q, 22, u->total_reviews);
    sqlite3_bind_int(q, 23, u->is_active ? 1 : 0);
    sqlite3_bind_int(q, 24, u->is_verified ? 1 : 0);
    sqlite3_bind_int(q, 25, u->is_banned ? 1 : 0);
    sqlite3_bind_int64(q, 26, u->last_seen);
    sqlite3_bind_int64(q, 27, u->created_at);
    sqlite3_bind_int64(q, 28, u->updated_at ? u->updated_at : u->created_at);
    if ((st = sb_sqlite_exec_stmt(sc, q, err, "bulk user")) != SB_STORE_OK) {
        return st;
    }
    if ((st = sb_sqlite_sync_offered(sc, u->id, u->skills_offered, err)) != SB_STORE_OK
        || (st = sb_sqlite_sync_wanted(sc, u->id, u->skills_wanted, err)) != SB_STORE_OK) {
        return st;
    }
    if (u->credits > 0) {
        row.user_id = u->id;
        row.type = "bonus";
        row.amount = u->credits;
        row.balance_after = u->credits;
        row.description = "Welcome bonus";
        row.category = "bonus";
        st = sb_sqlite_ledger_add(sc, &row, u->created_at, err);
    }
    return st;
}

sb_store_status_t sb_sqlite_users_bulk_insert(sb_store_conn_t *c, const sb_user_t *users, int n,
                                              sb_store_error_t *err)
{
    sb_sqlite_conn_t *sc = SB_SQLITE(c);
    sb_store_status_t st;
    apr_pool_t *scratch;
    int i;

    if (n < 0 || (n > 0 && !users)) {
        return sb_store_fail(err, SB_STORE_ERROR, NULL, "bulk_insert: bad arguments");
    }
    if ((st = sb_sqlite_begin(sc, err)) != SB_STORE_OK) {
        return st;
    }
    apr_pool_create(&scratch, c->pool);
    for (i = 0; st == SB_STORE_OK && i < n; i++) {
        st = insert_one(sc, scratch, &users[i], err);
        apr_pool_clear(scratch);
    }
    apr_pool_destroy(scratch);
    return sb_sqlite_end(sc, st, err);
}

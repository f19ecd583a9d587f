/*
 * Internal to the SQLite driver: connection state, statement cache, transaction
 * and binding helpers shared by the sqlite_*.c files.
 */
#ifndef SB_SQLITE_INT_H
#define SB_SQLITE_INT_H

#include <sqlite3.h>
#include <apr_reslist.h>

#include "driver.h"

#define SB_SQLITE_STMT_CACHE 96

typedef struct {
    const char *sql;       /* key: the static SQL text (pointer identity) */
    sqlite3_stmt *stmt;
} sb_sqlite_slot_t;

/* One connection; malloc'd by the pool constructor, freed by its destructor. */
typedef struct {
    sqlite3 *db;
    int broken;            /* an I/O-level failure was seen: invalidate, do not reuse */
    int nslots;
    sb_sqlite_slot_t slots[SB_SQLITE_STMT_CACHE];
} sb_sqlite_conn_t;

/* Per-process driver state. */
typedef struct {
    const char *path;
    int busy_timeout_ms;
    apr_reslist_t *conns;
    struct sb_search_cache *search_cache;   /* ranked search results, per process */
} sb_sqlite_store_t;

#define SB_SQLITE(c) ((sb_sqlite_conn_t *)(c)->priv)

/* Open one configured connection (flags, pragmas, busy timeout); NULL + err on failure. */
sb_sqlite_conn_t *sb_sqlite_connect(const char *path, int busy_timeout_ms, sb_store_error_t *err);
void sb_sqlite_disconnect(sb_sqlite_conn_t *sc);

/* Map an sqlite result code to a status, fill err with the sqlite message. */
sb_store_status_t sb_sqlite_fail(sb_sqlite_conn_t *sc, int rc, sb_store_error_t *err,
                                 const char *what);

/* Cached prepared statement for a static SQL string; NULL + err on failure. */
sqlite3_stmt *sb_sqlite_prepare(sb_sqlite_conn_t *sc, const char *sql, sb_store_error_t *err);
/* Reset + clear bindings; call when done with a statement from sb_sqlite_prepare. */
void sb_sqlite_done(sqlite3_stmt *st);
/* Step once: SQLITE_ROW or SQLITE_DONE, or -1 with err filled and the statement reset. */
int sb_sqlite_step(sb_sqlite_conn_t *sc, sqlite3_stmt *st, sb_store_error_t *err,
                   const char *what);
/* Step a write statement to completion and reset it; status OK or the failure. */
sb_store_status_t sb_sqlite_exec_stmt(sb_sqlite_conn_t *sc, sqlite3_stmt *st,
                                      sb_store_error_t *err, const char *what);
/* As exec_stmt, but NOT_FOUND when the statement changed no row. */
sb_store_status_t sb_sqlite_exec_one(sb_sqlite_conn_t *sc, sqlite3_stmt *st,
                                     sb_store_error_t *err, const char *what);

/* BEGIN IMMEDIATE (writes) / BEGIN (consistent reads) / COMMIT / ROLLBACK. */
sb_store_status_t sb_sqlite_begin(sb_sqlite_conn_t *sc, sb_store_error_t *err);
sb_store_status_t sb_sqlite_begin_read(sb_sqlite_conn_t *sc, sb_store_error_t *err);
sb_store_status_t sb_sqlite_commit(sb_sqlite_conn_t *sc, sb_store_error_t *err);
void sb_sqlite_rollback(sb_sqlite_conn_t *sc);
/* Roll back when st is not OK, then return st. */
sb_store_status_t sb_sqlite_end(sb_sqlite_conn_t *sc, sb_store_status_t st,
                                sb_store_error_t *err);

/* Bind text, or NULL when s is NULL. */
int sb_sqlite_bind_text(sqlite3_stmt *st, int idx, const char *s);
/* Column as a pool copy, or NULL when SQL NULL. */
const char *sb_sqlite_col_text(apr_pool_t *p, sqlite3_stmt *st, int col);
/* Copy a 24-hex id column into out (SB_ID_LEN+1); "" when NULL. */
void sb_sqlite_col_id(sqlite3_stmt *st, int col, char *out);

/* sqlite_migrate.c */
sb_store_status_t sb_sqlite_migrate(sb_store_t *store, sb_store_error_t *err);

/* sqlite_row.c: the users columns in the order sb_sqlite_row_user reads them. */
#define SB_SQLITE_USER_COLS                                                                       \
    "id, username, email, password_hash, first_name, last_name, profile_picture, bio, "          \
    "timezone, country, role, languages, skills_offered, skills_wanted, availability, "          \
    "credits, total_earned, total_spent, minutes_taught, minutes_learned, rating, "              \
    "total_reviews, report_count, is_active, is_verified, is_banned, ban_reason, "               \
    "ban_expires_at, last_seen, created_at, updated_at, password_changed_at"

sb_user_t *sb_sqlite_row_user(apr_pool_t *p, sqlite3_stmt *st);
/* JSON text for the embedded lists (malloc-free: pool strings). */
const char *sb_sqlite_json_languages(apr_pool_t *p, const apr_array_header_t *a);
const char *sb_sqlite_json_offered(apr_pool_t *p, const apr_array_header_t *a);
const char *sb_sqlite_json_wanted(apr_pool_t *p, const apr_array_header_t *a);
const char *sb_sqlite_json_availability(apr_pool_t *p, const apr_array_header_t *a);
/* Rewrite user_skills rows of one kind from the list (inside the caller's transaction). */
sb_store_status_t sb_sqlite_sync_offered(sb_sqlite_conn_t *sc, const char *user_id,
                                         const apr_array_header_t *a, sb_store_error_t *err);
sb_store_status_t sb_sqlite_sync_wanted(sb_sqlite_conn_t *sc, const char *user_id,
                                        const apr_array_header_t *a, sb_store_error_t *err);

/* Operations, one file per concern. */
sb_store_status_t sb_sqlite_ping(sb_store_conn_t *c, sb_store_error_t *err);

sb_store_status_t sb_sqlite_user_create(sb_store_conn_t *c, apr_pool_t *p,
                                        const sb_user_new_t *nu, int64_t bonus_minutes,
                                        int64_t now, sb_user_t **out, sb_store_error_t *err);
sb_store_status_t sb_sqlite_user_by_id(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                       sb_user_t **out, sb_store_error_t *err);
sb_store_status_t sb_sqlite_user_by_login(sb_store_conn_t *c, apr_pool_t *p, const char *login,
                                          sb_user_t **out, sb_store_error_t *err);
sb_store_status_t sb_sqlite_user_by_email(sb_store_conn_t *c, apr_pool_t *p, const char *email,
                                          sb_user_t **out, sb_store_error_t *err);
sb_store_status_t sb_sqlite_user_update_profile(sb_store_conn_t *c, apr_pool_t *p,
                                                const char *id, const sb_profile_patch_t *patch,
                                                int64_t now, sb_user_t **out,
                                                sb_store_error_t *err);
sb_store_status_t sb_sqlite_user_update_lists(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                              const apr_array_header_t *skills_offered,
                                              const apr_array_header_t *skills_wanted,
                                              const apr_array_header_t *availability,
                                              int64_t now, sb_user_t **out,
                                              sb_store_error_t *err);
sb_store_status_t sb_sqlite_user_set_verified(sb_store_conn_t *c, const char *id, int64_t now,
                                              sb_store_error_t *err);
sb_store_status_t sb_sqlite_user_set_password(sb_store_conn_t *c, const char *id,
                                              const char *password_hash, int64_t now,
                                              sb_store_error_t *err);
sb_store_status_t sb_sqlite_user_touch(sb_store_conn_t *c, const char *id, int64_t now,
                                       sb_store_error_t *err);
sb_store_status_t sb_sqlite_user_set_status(sb_store_conn_t *c, const char *id, int is_active,
                                            int is_banned, const char *ban_reason,
                                            int64_t ban_expires_at, int64_t now,
                                            sb_store_error_t *err);

sb_store_status_t sb_sqlite_refresh_insert(sb_store_conn_t *c, const char *token_hash,
                                           const char *user_id, const char *family_id,
                                           int64_t expires_at, int64_t now,
                                           sb_store_error_t *err);
sb_store_status_t sb_sqlite_refresh_rotate(sb_store_conn_t *c, const char *old_hash,
                                           const char *new_hash, int64_t new_expires_at,
                                           int64_t now, char *user_id, sb_store_error_t *err);
sb_store_status_t sb_sqlite_refresh_revoke(sb_store_conn_t *c, const char *token_hash,
                                           int64_t now, char *user_id, sb_store_error_t *err);
sb_store_status_t sb_sqlite_refresh_revoke_user(sb_store_conn_t *c, const char *user_id,
                                                int64_t now, sb_store_error_t *err);
/* Revoke every live refresh token of a user inside the caller's transaction. */
sb_store_status_t sb_sqlite_revoke_user_tokens(sb_sqlite_conn_t *sc, const char *user_id,
                                               int64_t now, sb_store_error_t *err);
sb_store_status_t sb_sqlite_onetime_insert(sb_store_conn_t *c, const char *token_hash,
                                           const char *user_id, const char *purpose,
                                           int64_t expires_at, int64_t now,
                                           sb_store_error_t *err);
sb_store_status_t sb_sqlite_onetime_consume(sb_store_conn_t *c, const char *token_hash,
                                            const char *purpose, int64_t now, char *user_id,
                                            sb_store_error_t *err);
sb_store_status_t sb_sqlite_password_reset(sb_store_conn_t *c, const char *token_hash,
                                           const char *password_hash, int64_t now,
                                           char *user_id, sb_store_error_t *err);

/* Append a ledger row inside the caller's transaction (balance already updated). */
typedef struct {
    const char *user_id;
    const char *type;            /* earned | spent | bonus | refund | penalty */
    int64_t amount;              /* signed */
    int64_t balance_after;
    const char *related_session; /* may be NULL */
    const char *related_user;    /* may be NULL */
    const char *description;
    const char *category;        /* teaching | learning | bonus | refund | admin */
    const char *status;          /* NULL = completed */
} sb_sqlite_ledger_row_t;
sb_store_status_t sb_sqlite_ledger_add(sb_sqlite_conn_t *sc, const sb_sqlite_ledger_row_t *row,
                                       int64_t now, sb_store_error_t *err);
sb_store_status_t sb_sqlite_ledger_list(sb_store_conn_t *c, apr_pool_t *p, const char *user_id,
                                        int offset, int limit, apr_array_header_t **out,
                                        int64_t *total, sb_store_error_t *err);
sb_store_status_t sb_sqlite_ledger_audit(sb_store_conn_t *c, sb_ledger_audit_t *out,
                                         sb_store_error_t *err);
sb_store_status_t sb_sqlite_outbox_append(sb_store_conn_t *c, const char *user_id,
                                          const char *type, const char *json_data, int64_t now,
                                          int64_t *seq, sb_store_error_t *err);


/* sqlite_discover.c */
sb_store_status_t sb_sqlite_discover_list(sb_store_conn_t *c, apr_pool_t *p,
                                          const sb_discover_query_t *q,
                                          apr_array_header_t **out, int *has_more,
                                          sb_store_error_t *err);
sb_store_status_t sb_sqlite_discover_search(sb_store_conn_t *c, apr_pool_t *p,
                                            const char *viewer_id, int64_t now,
                                            const apr_array_header_t *terms,
                                            const char *category, int offset, int limit,
                                            apr_array_header_t **out, int64_t *total,
                                            sb_store_error_t *err);
sb_store_status_t sb_sqlite_category_counts(sb_store_conn_t *c, int64_t now,
                                            const char *const *categories, int n,
                                            int64_t *counts, sb_store_error_t *err);
sb_store_status_t sb_sqlite_trending_skills(sb_store_conn_t *c, apr_pool_t *p, int64_t since,
                                            int64_t now, int limit, apr_array_header_t **out,
                                            const char **source, sb_store_error_t *err);
sb_store_status_t sb_sqlite_discover_matches(sb_store_conn_t *c, apr_pool_t *p,
                                             const char *viewer_id, int64_t now, int limit,
                                             apr_array_header_t **out, sb_store_error_t *err);
sb_store_status_t sb_sqlite_reviews_recent(sb_store_conn_t *c, apr_pool_t *p,
                                           const char *user_id, int limit,
                                           apr_array_header_t **out, sb_store_error_t *err);
/* sqlite_avatar.c, sqlite_seed.c */
sb_store_status_t sb_sqlite_user_set_avatar(sb_store_conn_t *c, apr_pool_t *p, const char *id,
                                            const char *picture, int64_t now,
                                            const char **previous, sb_store_error_t *err);
sb_store_status_t sb_sqlite_users_bulk_insert(sb_store_conn_t *c, const sb_user_t *users,
                                              int n, sb_store_error_t *err);

#endif
